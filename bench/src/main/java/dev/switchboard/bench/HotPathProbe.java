package dev.switchboard.bench;

import com.sun.management.ThreadMXBean;
import dev.switchboard.gateway.GatewayMain;
import dev.switchboard.gateway.GatewayServer;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.internal.VertxInternal;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import jdk.jfr.Recording;
import redis.embedded.RedisServer;

/**
 * What the gateway spends per request, exactly and independently of the machine's load: the gateway
 * runs in this JVM on its own Vert.x instance (two event loops; each gateway's server, on a port
 * the OS picks, is one verticle instance, so one loop serves each gateway), the mock upstream and
 * the load generator on another. The gateway's threads (its event loops and the request log's
 * writer) are known by id, so their CPU time and allocated bytes ({@code ThreadMXBean}) divided by
 * the requests served are the gateway's own, and a JFR recording filtered to those threads gives
 * each stage's share ({@link StageCosts}), turned into nanoseconds per request with the measured
 * CPU. Configurations: plain (one target, no policy), realistic (consumer key, client rate limit,
 * exact-cache miss, cost-latency over two priced targets) and realistic with a real {@code
 * redis-server} as the shared store.
 *
 * <p>{@code java -cp bench/target/switchboard-bench.jar dev.switchboard.bench.HotPathProbe
 * [requests-per-round] [jfr-dir]}; {@code -Dhotpath.allocations=true} (before {@code -cp}) adds
 * allocation samples to the profiled runs' recordings ({@code jfr print --events
 * jdk.ObjectAllocationSample}).
 */
public final class HotPathProbe {

  private HotPathProbe() {}

  /** One configuration's result. */
  record Figures(String name, double cpuNanos, double allocatedBytes, StageCosts.Result stages) {}

  public static void main(String[] args) throws Exception {
    int requests = args.length > 0 ? Integer.parseInt(args[0]) : 40_000;
    Path out = args.length > 1 ? Path.of(args[1]) : Files.createTempDirectory("hot-path");
    Files.createDirectories(out);
    // The gateway's own logging (request lines on stdout through the async appender), as deployed;
    // results go to stderr so stdout can be sent to /dev/null.
    if (System.getProperty("logback.configurationFile") == null) {
      System.setProperty(
          "logback.configurationFile", "dev/switchboard/gateway/logback-gateway.xml");
    }
    for (String line : run(requests, out)) {
      System.err.println(line);
    }
    System.exit(0);
  }

  /** Measures every configuration; returns printable lines. */
  static List<String> run(int requests, Path out) throws Exception {
    Vertx outside = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    // The gateway's Vert.x as GatewayMain makes it (native epoll on Linux), with two event loops
    // (the three gateways' servers are spread over them, one loop each).
    Vertx inside = Vertx.vertx(GatewayMain.vertxOptions().setEventLoopPoolSize(2));
    int redisPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      redisPort = socket.getLocalPort();
    }
    RedisServer redis = RedisServer.newRedisServer().port(redisPort).bind("127.0.0.1").build();
    redis.start();
    List<String> lines = new ArrayList<>();
    lines.add("gateway transport: " + (inside.isNativeTransportEnabled() ? "native epoll" : "NIO"));
    try {
      MockProvider mock =
          MockProvider.startBlocking(outside, new MockProviderOptions().host("127.0.0.1").port(0));
      Path table =
          BenchTables.write(
              BenchTables.table(mock.port(), STREAM_CHUNKS, STREAM_INTERVAL_MS, 1_000, 0),
              out.resolve("r.json"));
      Path consumers = BenchTables.writeConsumers(out.resolve("consumers.json"));
      GatewayServer plain = Service.inProcessGateway(inside, table, null, null);
      GatewayServer real = Service.inProcessGateway(inside, table, consumers, null);
      GatewayServer shared =
          Service.inProcessGateway(inside, table, consumers, "redis://127.0.0.1:" + redisPort);
      Set<Long> threads = eventLoopThreads(inside);
      LoadGenerator load = new LoadGenerator(outside);
      Map<String, HttpTarget> targets = new LinkedHashMap<>();
      targets.put(
          "plain", HttpTarget.chat("plain", plain.port(), BenchTables.FAST_ROUTE, false, Map.of()));
      targets.put("realistic", BenchTables.realisticTarget("realistic", real.port()));
      targets.put(
          "realistic + redis", BenchTables.realisticTarget("realistic + redis", shared.port()));
      // The plain gateway once more with its request log off: what one JSON line per request
      // costs, end to end (building it, the appender's queue, the writer thread's write to stdout).
      targets.put(
          NO_LOG, HttpTarget.chat(NO_LOG, plain.port(), BenchTables.FAST_ROUTE, false, Map.of()));
      BenchTables.requireCacheMiss(load, targets.get("realistic"));
      BenchTables.requireCacheMiss(load, targets.get("realistic + redis"));
      primeFlightRecorder();
      for (HttpTarget t : targets.values()) {
        load.run(t, 32, Duration.ofSeconds(10)); // warm-up: compiled code behaves differently
      }
      threads.addAll(logWriterThreads());
      if (Boolean.getBoolean("probe.single")) {
        HttpTarget direct =
            HttpTarget.chat(
                "direct",
                mock.port(),
                BenchTables.UPSTREAM_MODEL,
                false,
                BenchTables.fastHeaders());
        lines.addAll(single(load, direct, targets, threads));
        lines.add(
            singleStreams(
                load,
                HttpTarget.chat(
                    "direct stream",
                    mock.port(),
                    BenchTables.UPSTREAM_MODEL,
                    true,
                    BenchTables.streamHeaders(BenchTables.WARM_STREAM_CHUNKS, 0)),
                HttpTarget.chat(
                    "gateway stream",
                    plain.port(),
                    BenchTables.WARM_STREAM_ROUTE,
                    true,
                    Map.of())));
        lines.add(
            concurrentStreams(
                load,
                HttpTarget.chat(
                    "direct",
                    mock.port(),
                    BenchTables.UPSTREAM_MODEL,
                    true,
                    BenchTables.streamHeaders(STREAM_CHUNKS, STREAM_INTERVAL_MS)),
                HttpTarget.chat(
                    "gateway", plain.port(), BenchTables.STREAM_ROUTE, true, Map.of())));
      }
      // Every other thread of this JVM that is neither the gateway's nor the load's (its event
      // loops) nor this one: work the gateway hands off its event loops (a pool's maintenance, a
      // blocking executor) shows up here, reported per thread family, not in the figures above.
      Set<Long> notGateway = eventLoopThreads(outside);
      notGateway.add(Thread.currentThread().getId());
      Map<String, Map<String, Double>> handedOff = new LinkedHashMap<>();
      Map<String, List<double[]>> rounds = new LinkedHashMap<>();
      for (int round = 0; round < 3; round++) {
        for (HttpTarget t : targets.values()) {
          requestLog(!t.name().equals(NO_LOG));
          double[] before = readings(threads);
          Map<Long, Long> othersBefore = otherThreads(threads, notGateway);
          long sent = runCount(load, t, requests);
          double[] after = readings(threads);
          Map<Long, Long> othersAfter = otherThreads(threads, notGateway);
          requestLog(true);
          if (round == 2) {
            handedOff.put(t.name(), perFamily(othersBefore, othersAfter, sent));
          }
          rounds
              .computeIfAbsent(t.name(), k -> new ArrayList<>())
              .add(new double[] {(after[0] - before[0]) / sent, (after[1] - before[1]) / sent});
        }
      }
      for (HttpTarget t : targets.values()) {
        double cpu = median(rounds.get(t.name()), 0);
        double bytes = median(rounds.get(t.name()), 1);
        Path jfr = out.resolve(t.name().replaceAll("[^a-z]+", "-") + ".jfr");
        requestLog(!t.name().equals(NO_LOG));
        StageCosts.Result stages = profile(load, t, requests, jfr, threads, cpu);
        requestLog(true);
        lines.add("");
        lines.add(
            String.format(
                Locale.ROOT,
                "gateway %s: %.1f µs CPU and %.1f KB allocated per request on the gateway's"
                    + " threads (median of 3 rounds of %d requests at c=32)",
                t.name(),
                cpu / 1000,
                bytes / 1024,
                requests));
        lines.addAll(StageCosts.lines(stages, cpu));
        handedOff
            .getOrDefault(t.name(), Map.of())
            .forEach(
                (family, nanos) ->
                    lines.add(
                        String.format(
                            Locale.ROOT,
                            "  outside the gateway's threads: %-40s %8.0f ns per request",
                            family,
                            nanos)));
      }
      Futures.await(plain.close(), 10);
      Futures.await(real.close(), 10);
      Futures.await(shared.close(), 10);
      mock.close();
    } finally {
      Futures.await(inside.close(), 10);
      Futures.await(outside.close(), 10);
      redis.stop();
    }
    return lines;
  }

  private static final String NO_LOG = "plain, request log off";

  /** The suite's streams (its defaults): 64 chunks 20 ms apart, 32 at once. */
  private static final int STREAM_CHUNKS = 64;

  private static final long STREAM_INTERVAL_MS = 20;
  private static final int STREAMS = 32;

  /**
   * The suite's streaming figure in this JVM: {@value #STREAMS} streams of {@value #STREAM_CHUNKS}
   * chunks {@value #STREAM_INTERVAL_MS} ms apart kept in flight (starts spread over one stream's
   * length), directly and through the plain gateway, interleaved in 4 rounds of 6 s (the first
   * warms the relay up).
   */
  private static String concurrentStreams(
      LoadGenerator load, HttpTarget direct, HttpTarget gateway) {
    Duration spread = Duration.ofMillis(STREAM_CHUNKS * STREAM_INTERVAL_MS);
    return streamTtft(
        STREAMS + " streams at once",
        direct,
        gateway,
        4,
        t -> load.runStreams(t, STREAMS, Duration.ofSeconds(6), STREAM_CHUNKS, 250, spread));
  }

  /**
   * Single streams: the upstream's short instant stream directly and through the plain gateway, one
   * stream at a time, interleaved in 10 rounds of 2 s after a warm-up round.
   */
  private static String singleStreams(LoadGenerator load, HttpTarget direct, HttpTarget gateway) {
    return streamTtft(
        "one stream at a time",
        direct,
        gateway,
        11,
        t -> load.runStreams(t, 1, Duration.ofSeconds(2), BenchTables.WARM_STREAM_CHUNKS, 1_000));
  }

  /**
   * Runs {@code rounds} interleaved rounds of {@code run} against both targets, the first not
   * counted; returns the time to the first event (TTFT) the gateway adds to the direct call's.
   */
  private static String streamTtft(
      String what,
      HttpTarget direct,
      HttpTarget gateway,
      int rounds,
      java.util.function.Function<HttpTarget, StreamResult> run) {
    Map<String, LatencySamples> ttft = new LinkedHashMap<>();
    for (int round = 0; round < rounds; round++) {
      for (HttpTarget t : List.of(direct, gateway)) {
        StreamResult r = run.apply(t);
        if (round > 0) {
          ttft.computeIfAbsent(t.name(), k -> new LatencySamples()).addAll(r.ttft());
        }
      }
    }
    LatencySamples base = ttft.get(direct.name());
    LatencySamples through = ttft.get(gateway.name());
    return String.format(
        Locale.ROOT,
        "%s, direct: TTFT p50 %.3f ms, p99 %.3f ms (%d streams); through the plain gateway: added"
            + " p50 %+.3f ms, p90 %+.3f ms, p99 %+.3f ms (%d streams)",
        what,
        base.percentileMs(50),
        base.percentileMs(99),
        base.size(),
        through.percentileMs(50) - base.percentileMs(50),
        through.percentileMs(90) - base.percentileMs(90),
        through.percentileMs(99) - base.percentileMs(99),
        through.size());
  }

  /**
   * Single requests ({@code -Dprobe.single=true}): each configuration and the upstream called
   * directly, interleaved in 10 rounds of 2 s at c=1; per configuration the latency added to the
   * direct call's (p50, p90, p99 of all rounds) and the gateway threads' CPU per request — what a
   * lone request costs when nothing is batched, and whether its added latency is that CPU or waits.
   */
  private static List<String> single(
      LoadGenerator load, HttpTarget direct, Map<String, HttpTarget> targets, Set<Long> threads) {
    Map<String, LatencySamples> samples = new LinkedHashMap<>();
    Map<String, double[]> cpu = new LinkedHashMap<>();
    List<HttpTarget> all = new ArrayList<>();
    all.add(direct);
    all.addAll(targets.values());
    for (HttpTarget t : all) {
      load.run(t, 1, Duration.ofSeconds(2)); // warm-up at c=1
    }
    for (int round = 0; round < 10; round++) {
      for (HttpTarget t : all) {
        requestLog(!t.name().equals(NO_LOG));
        double[] before = readings(threads);
        LoadResult r = load.run(t, 1, Duration.ofSeconds(2));
        double[] after = readings(threads);
        requestLog(true);
        samples.computeIfAbsent(t.name(), k -> new LatencySamples()).addAll(r.latencies());
        double[] sum = cpu.computeIfAbsent(t.name(), k -> new double[2]);
        sum[0] += after[0] - before[0];
        sum[1] += r.requests();
      }
    }
    List<String> lines = new ArrayList<>();
    LatencySamples base = samples.get(direct.name());
    lines.add(
        String.format(
            Locale.ROOT,
            "c=1, direct: p50 %.3f ms, p90 %.3f ms, p99 %.3f ms (%d requests)",
            base.percentileMs(50),
            base.percentileMs(90),
            base.percentileMs(99),
            base.size()));
    for (HttpTarget t : targets.values()) {
      LatencySamples s = samples.get(t.name());
      double[] sum = cpu.get(t.name());
      lines.add(
          String.format(
              Locale.ROOT,
              "c=1, gateway %s: added p50 %+.3f ms, p90 %+.3f ms, p99 %+.3f ms; gateway CPU %.1f µs"
                  + " per request (%d requests)",
              t.name(),
              s.percentileMs(50) - base.percentileMs(50),
              s.percentileMs(90) - base.percentileMs(90),
              s.percentileMs(99) - base.percentileMs(99),
              sum[0] / sum[1] / 1000,
              s.size()));
    }
    return lines;
  }

  /** Turns the request log on or off (its logger's level, which the gateway checks per line). */
  private static void requestLog(boolean on) {
    ((ch.qos.logback.classic.Logger)
            org.slf4j.LoggerFactory.getLogger(
                dev.switchboard.gateway.logging.RequestLogWriter.LOGGER_NAME))
        .setLevel(on ? ch.qos.logback.classic.Level.INFO : ch.qos.logback.classic.Level.OFF);
  }

  /** The ids of {@code vertx}'s event-loop threads (asked on each loop). */
  private static Set<Long> eventLoopThreads(Vertx vertx) throws Exception {
    Set<Long> ids = new HashSet<>();
    for (EventExecutor loop : ((VertxInternal) vertx).nettyEventLoopGroup()) {
      ids.add(loop.submit(() -> Thread.currentThread().getId()).get());
    }
    return ids;
  }

  /** The request log's writer thread (RequestLineAppender). */
  private static Set<Long> logWriterThreads() {
    Set<Long> ids = new HashSet<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().equals("switchboard-request-log")) {
        ids.add(t.getId());
      }
    }
    return ids;
  }

  /** CPU nanoseconds so far of every live thread outside both sets, by thread id. */
  private static Map<Long, Long> otherThreads(Set<Long> gateway, Set<Long> load) {
    ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    Map<Long, Long> cpu = new LinkedHashMap<>();
    for (long id : mx.getAllThreadIds()) {
      if (!gateway.contains(id) && !load.contains(id)) {
        cpu.put(id, Math.max(0, mx.getThreadCpuTime(id)));
      }
    }
    return cpu;
  }

  /** CPU per request of the other threads between two readings, by thread name without digits. */
  private static Map<String, Double> perFamily(
      Map<Long, Long> before, Map<Long, Long> after, long requests) {
    ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    Map<String, Double> families = new java.util.TreeMap<>();
    after.forEach(
        (id, cpu) -> {
          long spent = cpu - before.getOrDefault(id, 0L);
          var info = mx.getThreadInfo(id);
          if (spent > 0 && info != null) {
            String family = info.getThreadName().replaceAll("[0-9]+", "N");
            families.merge(family, (double) spent / requests, Double::sum);
          }
        });
    families.values().removeIf(ns -> ns < 50);
    return families;
  }

  /** CPU nanoseconds and allocated bytes of {@code threads} so far. */
  private static double[] readings(Set<Long> threads) {
    ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    double cpu = 0;
    double bytes = 0;
    for (long id : threads) {
      cpu += Math.max(0, mx.getThreadCpuTime(id));
      bytes += Math.max(0, mx.getThreadAllocatedBytes(id));
    }
    return new double[] {cpu, bytes};
  }

  /** Sends requests at c=32 until at least {@code count} finished; returns how many were sent. */
  private static long runCount(LoadGenerator load, HttpTarget target, int count) {
    long sent = 0;
    while (sent < count) {
      LoadResult r = load.run(target, 32, Duration.ofMillis(500));
      if (r.errors() > 0) {
        throw new IllegalStateException(target.name() + ": " + r.firstError());
      }
      sent += r.requests();
    }
    return sent;
  }

  /**
   * Starts and stops a throwaway recording before the warm-up, as the suite does for its gateway
   * JVMs: the first recording a JVM starts deoptimises its hot code, which is then recompiled in
   * the middle of the first profiled rounds and profiled half-warm. Unprimed, the cache key's
   * SHA-256 was sampled in its Java body (16 of 636 samples) rather than in the CPU's SHA
   * instructions that C2 compiles its calls to (0 samples primed; 1,018 against 203 ns per 300
   * bytes in a micro-benchmark here).
   */
  private static void primeFlightRecorder() {
    try (Recording prime = new Recording()) {
      prime.enable("jdk.ExecutionSample");
      prime.start();
      prime.stop();
    }
  }

  private static StageCosts.Result profile(
      LoadGenerator load, HttpTarget target, int count, Path file, Set<Long> threads, double cpu)
      throws Exception {
    long sent;
    try (Recording recording = new Recording()) {
      recording.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(1));
      if (Boolean.getBoolean("hotpath.allocations")) {
        // Where the bytes are allocated (jfr print --events jdk.ObjectAllocationSample): off by
        // default, as sampling allocations costs the profiled run some CPU.
        recording.enable("jdk.ObjectAllocationSample").with("throttle", "5000/s");
      }
      recording.start();
      sent = runCount(load, target, count);
      recording.stop();
      recording.dump(file);
    }
    return StageCosts.analyse(file, cpu, sent, threads);
  }

  private static double median(List<double[]> values, int index) {
    List<Double> sorted = new ArrayList<>();
    values.forEach(v -> sorted.add(v[index]));
    sorted.sort(null);
    return sorted.get(sorted.size() / 2);
  }
}
