package dev.switchboard.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * How far the gateway is from the floor of a Java proxy on this machine (issue #21): the upstream
 * directly, nginx (and beside it the same nginx writing a buffered JSON access line per request, as
 * the gateway writes its request log), {@link NettyFloorProxy} (the least a proxy on Netty can do
 * per request), {@link VertxFloorProxy} (the same on Vert.x's HTTP server and client, with the
 * gateway's options), the plain gateway and the realistic gateway, each proxy in its own process
 * (the JVMs with the chart's options), interleaved round by round at c=32 and then at c=1 (each JVM
 * measured at c=1 with the other JVMs stopped, as in the suite). The three differences — Netty to
 * nginx, Vert.x to Netty, the gateway to Vert.x — say which layer the gateway's distance to nginx
 * is in. Then the time to first token and the gaps of 32 streams through nginx, both floors and the
 * plain gateway, each JVM measured once its JIT has settled on the streaming path. Prints each
 * target's throughput and its ratio to nginx, its process CPU per request, the latency it adds to
 * the direct call at c=1 (p50, p90, p99) and its process CPU per lone request (c=1).
 *
 * <p>{@code java -cp bench/target/switchboard-bench.jar dev.switchboard.bench.FloorBench [rounds]
 * [seconds-per-round]} (defaults 5 and 5; ~10 min). nginx is skipped when absent.
 */
public final class FloorBench {

  private FloorBench() {}

  private static final String NGINX_LOGGED = "nginx + access log";
  private static final String FLOOR = "netty floor";
  private static final String VERTX = "vertx floor";
  private static final String PLAIN = "gateway plain";
  private static final String REAL = "gateway realistic";

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    Duration round = BenchSuite.seconds(args.length > 1 ? Double.parseDouble(args[1]) : 5);
    ProxyBed bed = ProxyBed.start("switchboard-floor");
    Path dir = bed.dir;
    LoadGenerator load = bed.load;
    Service upstream = bed.upstream;
    Path table = bed.table;
    Path consumers = bed.consumers;
    List<String> jvm = BenchSettings.CHART_POD_JVM;
    NginxProxy nginx = bed.nginx("nginx", false);
    // The same nginx writing a buffered JSON access line per request, as the gateway writes its
    // request log: not the baseline, shown beside it.
    NginxProxy nginxLogged = nginx == null ? null : bed.nginx("nginx-log", true);
    Map<String, Service> jvms = new LinkedHashMap<>();
    try {
      jvms.put(
          FLOOR,
          Service.floorProxy(
              FLOOR, NettyFloorProxy.class, upstream.port(), jvm, dir.resolve("netty.log")));
      jvms.put(
          VERTX,
          Service.floorProxy(
              VERTX, VertxFloorProxy.class, upstream.port(), jvm, dir.resolve("vertx.log")));
      jvms.put(
          PLAIN, Service.gateway(false, table, jvm, dir.resolve("gateway-plain.log"), null, null));
      jvms.put(
          REAL,
          Service.gateway(
              false, table, jvm, dir.resolve("gateway-realistic.log"), consumers, null));
      List<HttpTarget> targets = new ArrayList<>();
      Map<String, String> fast = BenchTables.fastHeaders();
      targets.add(raw("direct", upstream.port(), false, fast));
      if (nginx != null) {
        targets.add(raw("nginx", nginx.port(), false, fast));
        targets.add(raw(NGINX_LOGGED, nginxLogged.port(), false, fast));
      }
      targets.add(raw(FLOOR, jvms.get(FLOOR).port(), false, fast));
      targets.add(raw(VERTX, jvms.get(VERTX).port(), false, fast));
      targets.add(
          HttpTarget.chat(PLAIN, jvms.get(PLAIN).port(), BenchTables.FAST_ROUTE, false, Map.of()));
      HttpTarget realistic = BenchTables.realisticTarget(REAL, jvms.get(REAL).port());
      targets.add(realistic);
      BenchTables.requireCacheMiss(load, realistic);
      for (HttpTarget t : targets) {
        load.run(t, 32, Duration.ofSeconds(jvms.containsKey(t.name()) ? 10 : 2)); // warm-up
        Service proxyJvm = jvms.get(t.name());
        if (proxyJvm != null) {
          // Ten seconds do not compile the realistic path: its first measured round ran at about
          // half the speed of the next ones. On until the compiler is quiet, at most 60 s more.
          settleJit(
              t.name() + ": c=32",
              proxyJvm,
              () -> load.run(t, 32, Duration.ofSeconds(4)),
              4,
              Duration.ofSeconds(60));
        }
        load.run(t, 1, Duration.ofSeconds(1));
      }
      // The processes of the proxy behind each target but the direct calls, and the two peers
      // every request also costs: the upstream and this load generator.
      Map<String, Supplier<List<Long>>> proxies = new HashMap<>();
      jvms.forEach((name, proxy) -> proxies.put(name, () -> List.of(proxy.pid())));
      if (nginx != null) {
        proxies.put("nginx", nginx::pids);
        proxies.put(NGINX_LOGGED, nginxLogged::pids);
      }
      List<Long> peers = List.of(upstream.pid(), ProcessHandle.current().pid());
      Map<String, CpuSplit> split = BenchSuite.perTarget(targets, CpuSplit::new);
      Map<String, BenchSuite.Totals> c32 = BenchSuite.perTarget(targets, BenchSuite.Totals::new);
      Map<String, LatencySamples> c1 = BenchSuite.perTarget(targets, LatencySamples::new);
      // The c=1 rounds' requests, and each proxy's CPU over them: what a lone request costs it.
      Map<String, BenchSuite.Totals> c1Totals =
          BenchSuite.perTarget(targets, BenchSuite.Totals::new);
      Map<String, CpuSplit> c1Split = BenchSuite.perTarget(targets, CpuSplit::new);
      for (int r = 0; r < rounds; r++) {
        StringBuilder line = new StringBuilder("round " + (r + 1) + ", c=32 req/s:");
        for (HttpTarget t : BenchSuite.rotate(targets, r)) {
          LoadResult result =
              measure(load, t, 32, round, c32.get(t.name()), split.get(t.name()), proxies, peers);
          line.append(String.format(Locale.ROOT, " %s %.0f;", t.name(), result.rps()));
        }
        System.out.println(line);
        for (HttpTarget t : BenchSuite.rotate(targets, r)) {
          alone(
              jvms,
              t.name(),
              () ->
                  c1.get(t.name())
                      .addAll(
                          measure(
                                  load,
                                  t,
                                  1,
                                  round,
                                  c1Totals.get(t.name()),
                                  c1Split.get(t.name()),
                                  proxies,
                                  peers)
                              .latencies()));
        }
      }
      BenchSuite.Totals base = c32.get(nginx == null ? "direct" : "nginx");
      LatencySamples direct = c1.get("direct");
      System.out.println();
      System.out.printf(
          Locale.ROOT,
          "%-18s %10s %9s %11s %14s %14s %14s %14s %7s%n",
          "target",
          "req/s",
          "÷ " + (nginx == null ? "direct" : "nginx"),
          "CPU/req",
          "added p50 c=1",
          "added p90 c=1",
          "added p99 c=1",
          "CPU/req c=1",
          "errors");
      for (HttpTarget t : targets) {
        BenchSuite.Totals totals = c32.get(t.name());
        LatencySamples lat = c1.get(t.name());
        System.out.printf(
            Locale.ROOT,
            "%-18s %10.0f %8.3f× %8.1f µs %11.3f ms %11.3f ms %11.3f ms %11.1f µs %7d%n",
            t.name(),
            totals.rps(),
            totals.rps() / base.rps(),
            split.get(t.name()).proxyNanos() / 1e3 / Math.max(1, totals.requests),
            lat.percentileMs(50) - direct.percentileMs(50),
            lat.percentileMs(90) - direct.percentileMs(90),
            lat.percentileMs(99) - direct.percentileMs(99),
            c1Split.get(t.name()).proxyNanos() / 1e3 / Math.max(1, c1Totals.get(t.name()).requests),
            totals.errors);
      }
      printSplit("c=32, per request", targets, split, c32);
      printSplit("c=1, per request", targets, c1Split, c1Totals);
      streams(load, upstream.port(), nginx, jvms, rounds);
    } finally {
      jvms.values().forEach(Service::close);
      if (nginx != null) {
        nginx.close();
        nginxLogged.close();
      }
      bed.close();
      // The gateways' request logs run to gigabytes; the figures are what is kept.
      for (String log : List.of("gateway-plain.log", "gateway-realistic.log")) {
        Files.deleteIfExists(dir.resolve(log));
      }
    }
    System.exit(0);
  }

  /**
   * Time to first token and inter-chunk gaps at 32 streams (64 events 20 ms apart, as the suite's
   * streaming scenario) of the direct call, nginx, the two floors (which relay a stream chunk by
   * chunk) and the plain gateway, interleaved, each JVM alone; added figures against the direct
   * call's.
   */
  private static void streams(
      LoadGenerator load,
      int upstreamPort,
      NginxProxy nginx,
      Map<String, Service> jvms,
      int rounds) {
    int chunks = 64;
    long interval = 20;
    Map<String, String> headers = BenchTables.streamHeaders(chunks, interval);
    List<HttpTarget> targets = new ArrayList<>();
    targets.add(raw("direct", upstreamPort, true, headers));
    if (nginx != null) {
      targets.add(raw("nginx", nginx.port(), true, headers));
    }
    targets.add(raw(FLOOR, jvms.get(FLOOR).port(), true, headers));
    targets.add(raw(VERTX, jvms.get(VERTX).port(), true, headers));
    targets.add(
        HttpTarget.chat(PLAIN, jvms.get(PLAIN).port(), BenchTables.STREAM_ROUTE, true, Map.of()));
    Map<String, BenchSuite.StreamTotals> totals =
        BenchSuite.perTarget(targets, BenchSuite.StreamTotals::new);
    for (HttpTarget t : targets) {
      alone(
          jvms,
          t.name(),
          () -> {
            load.runStreams(t, 128, Duration.ofSeconds(4), chunks, 250);
            Service jvm = jvms.get(t.name());
            if (jvm != null) {
              settleJit(
                  t.name() + ": streams",
                  jvm,
                  () ->
                      load.runStreams(
                          t,
                          32,
                          Duration.ofSeconds(8),
                          chunks,
                          250,
                          Duration.ofMillis(chunks * interval)),
                  8,
                  Duration.ofSeconds(180));
            }
          });
    }
    for (int r = 0; r < rounds; r++) {
      for (HttpTarget t : BenchSuite.rotate(targets, r)) {
        alone(
            jvms,
            t.name(),
            () ->
                totals
                    .get(t.name())
                    .add(
                        load.runStreams(
                            t,
                            32,
                            Duration.ofSeconds(8),
                            chunks,
                            250,
                            Duration.ofMillis(chunks * interval))));
      }
    }
    BenchSuite.StreamTotals direct = totals.get("direct");
    System.out.println();
    System.out.printf(
        Locale.ROOT,
        "%-18s %12s %12s %12s %9s%n",
        "32 streams",
        "TTFT p50 +",
        "TTFT p99 +",
        "gap p99 +",
        "complete");
    for (HttpTarget t : targets) {
      BenchSuite.StreamTotals s = totals.get(t.name());
      System.out.printf(
          Locale.ROOT,
          "%-18s %9.3f ms %9.3f ms %9.3f ms %4d/%d%n",
          t.name(),
          s.ttft.percentileMs(50) - direct.ttft.percentileMs(50),
          s.ttft.percentileMs(99) - direct.ttft.percentileMs(99),
          s.gaps.percentileMs(99) - direct.gaps.percentileMs(99),
          s.complete,
          s.streams);
    }
  }

  /**
   * Repeats {@code run} ({@code runSeconds} of load through one JVM) until the JVM's JIT compiler
   * threads were nearly idle for a whole run ({@link BenchSuite#JIT_QUIET_MS_PER_SECOND} per
   * second), at most {@code cap} ({@link BenchSuite#settleJit}, as the suite does before its
   * streaming rounds), and says what it took.
   */
  private static void settleJit(
      String what, Service jvm, Runnable run, int runSeconds, Duration cap) {
    BenchSuite.JitSettling settled =
        BenchSuite.settleJit(jvm.pid(), run, BenchSuite.JIT_QUIET_MS_PER_SECOND * runSeconds, cap);
    if (settled != null) {
      System.out.printf(
          Locale.ROOT,
          "%s JIT settled after %d runs of %d s (compiler CPU in the last %.0f ms)%n",
          what,
          settled.runs(),
          runSeconds,
          settled.lastMs());
    }
  }

  /**
   * A chat request naming the upstream's model, for the upstream and the proxies that pass it on
   * unchanged (nginx, the floors), with the mock's {@code headers}.
   */
  private static HttpTarget raw(
      String name, int port, boolean stream, Map<String, String> headers) {
    return HttpTarget.chat(name, port, BenchTables.UPSTREAM_MODEL, stream, headers);
  }

  /** Runs {@code run} with every JVM but {@code target}'s stopped. */
  private static void alone(Map<String, Service> jvms, String target, Runnable run) {
    Service measured = jvms.get(target);
    jvms.values().stream().filter(s -> s != measured).forEach(Service::pause);
    try {
      run.run();
    } finally {
      jvms.values().stream().filter(s -> s != measured).forEach(Service::resume);
    }
  }

  /**
   * Runs {@code target} at {@code concurrency} for {@code round}, adds the result to {@code
   * totals}, and the process CPU its proxy used meanwhile ({@code proxies} by target name; none for
   * the direct calls), user and system apart, and the {@code peers}' CPU to {@code split}.
   */
  private static LoadResult measure(
      LoadGenerator load,
      HttpTarget target,
      int concurrency,
      Duration round,
      BenchSuite.Totals totals,
      CpuSplit split,
      Map<String, Supplier<List<Long>>> proxies,
      List<Long> peers) {
    List<Long> proxy = proxies.getOrDefault(target.name(), List::of).get();
    long[] before = ProcessStats.userSystemNanos(proxy);
    long[] peersBefore = ProcessStats.userSystemNanos(peers);
    LoadResult result = load.run(target, concurrency, round);
    long[] after = ProcessStats.userSystemNanos(proxy);
    long[] peersAfter = ProcessStats.userSystemNanos(peers);
    totals.add(result);
    split.userNanos += after[0] - before[0];
    split.systemNanos += after[1] - before[1];
    split.peersNanos += peersAfter[0] - peersBefore[0] + peersAfter[1] - peersBefore[1];
    return result;
  }

  /** Prints each target's {@code split} per request of its {@code totals}. */
  private static void printSplit(
      String title,
      List<HttpTarget> targets,
      Map<String, CpuSplit> split,
      Map<String, BenchSuite.Totals> totals) {
    System.out.println();
    System.out.printf(
        Locale.ROOT,
        "%-18s %12s %12s %16s%n",
        title,
        "proxy user",
        "proxy system",
        "upstream + load");
    for (HttpTarget t : targets) {
      CpuSplit cs = split.get(t.name());
      long n = Math.max(1, totals.get(t.name()).requests);
      System.out.printf(
          Locale.ROOT,
          "%-18s %9.1f µs %9.1f µs %13.1f µs%n",
          t.name(),
          cs.userNanos / 1e3 / n,
          cs.systemNanos / 1e3 / n,
          cs.peersNanos / 1e3 / n);
    }
  }

  /**
   * A proxy's CPU over its rounds split into its own code (user) and the kernel's work for it
   * (system: sockets, wake-ups, log writes), and what the upstream and the load generator spent
   * meanwhile: they share the cores, so a proxy that leaves them idle more often makes each of
   * their requests cost more too.
   */
  private static final class CpuSplit {
    long userNanos;
    long systemNanos;
    long peersNanos;

    /** The proxy's CPU, user and system together. */
    long proxyNanos() {
      return userNanos + systemNanos;
    }
  }
}
