package dev.switchboard.bench;

import dev.switchboard.contract.RoutingTable;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Runs the scenarios and fills a {@link Report}. Every figure is measured in the same run as its
 * baseline, in interleaved rounds (the order of targets rotates each round) after a warm-up, so
 * drift of a shared machine hits all columns alike.
 */
public final class BenchSuite {

  static final String OVERHEAD = "Overhead, non-streaming";
  static final String STREAMING = "Streaming";
  static final String REALISTIC = "Realistic upstream latency";
  static final String PROPAGATION = "Config propagation";
  static final String MEMORY = "Memory and CPU";
  static final String CANARY = "Canary rollback";
  static final String ANTHROPIC = "Anthropic translation";
  static final String COST_LOOP = "Cost-observation loop (replay, simulated time)";
  static final String FRONT_DOORS = "Front doors and native adapters";

  /** Requests the gateway serves before anything is measured (C2 compiles after ~10k calls). */
  static final long WARMUP_GATEWAY_REQUESTS = 60_000;

  /** Short streams the gateway relays before the streaming figures are measured. */
  static final long WARMUP_STREAMS = 20_000;

  private final BenchSettings settings;
  private final Consumer<String> console;
  private final Report report;
  private final Map<String, LatencySamples> c1Latency = new LinkedHashMap<>();

  public BenchSuite(BenchSettings settings, Consumer<String> console) {
    this.settings = settings;
    this.console = console;
    this.report = new Report(Machine.describe(), settings.describe());
  }

  /** Runs the selected scenarios and writes report.json, latency.png and results.md. */
  public Report run() throws IOException {
    Path out = settings.outDir();
    Path logs = out.resolve("logs");
    Files.createDirectories(logs);
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    try {
      LoadGenerator load = new LoadGenerator(vertx);
      try (Service upstream = Service.upstream(settings.inProcess(), logs)) {
        console.accept("upstream listening on " + upstream.port());
        if (settings.runs("overhead")
            || settings.runs("profile")
            || settings.runs("streaming")
            || settings.runs("realistic")
            || settings.runs("memory")
            || settings.runs("anthropic")) {
          Path table =
              BenchTables.write(
                  BenchTables.table(
                      upstream.port(),
                      settings.streamChunks(),
                      settings.chunkIntervalMs(),
                      settings.realisticDelayMs(),
                      0),
                  out.resolve("gateway/routing.json"));
          try (Service gateway =
                  Service.gateway(
                      settings.inProcess(),
                      table,
                      settings.gatewayJvmOptions(),
                      logs.resolve("gateway.log"));
              NginxProxy nginx = startNginx(upstream.port(), out.resolve("nginx"))) {
            console.accept(
                "gateway listening on " + gateway.port() + " (pid " + gateway.pid() + ")");
            if (settings.runs("memory")) {
              idleMemory(gateway);
            }
            if (settings.runs("profile")) {
              primeFlightRecorder(gateway, report);
            }
            if (settings.runs("overhead")) {
              overhead(load, upstream, gateway, nginx);
            }
            if (settings.runs("profile")) {
              profile(load, gateway, out);
            }
            if (settings.runs("streaming")) {
              streaming(load, upstream, gateway, nginx);
            }
            if (settings.runs("realistic")) {
              realistic(load, upstream, gateway);
            }
            if (settings.runs("anthropic")) {
              anthropic(load, gateway);
            }
            console.accept("load scenarios done");
            if (settings.runs("memory")) {
              ChildJvm.pause(3000);
              report.add(
                  MEMORY,
                  "RSS idle again after the load",
                  "MB",
                  ProcessStats.mb(gateway.rssBytes()),
                  "3 s after the last run; the JVM keeps heap it has grown into");
            }
          }
        }
        if (settings.runs("config")) {
          try (NginxProxy nginx = startNginx(upstream.port(), out.resolve("nginx-config"))) {
            new RealisticConfigBench(settings, load, upstream, nginx, report, console).run();
          }
        }
        if (settings.runs("memory") && !settings.inProcess()) {
          routesMemory(load, upstream, out);
        }
        if (settings.runs("propagation")) {
          propagation(upstream);
        }
        if (settings.runs("canary")) {
          canary(upstream);
        }
        if (settings.runs("costloop")) {
          costLoop();
        }
        if (settings.runs("frontdoors")) {
          new FrontDoorBench(settings, load, upstream, report, console).run();
        }
        console.accept("scenarios done; stopping the upstream");
      }
    } finally {
      Futures.await(vertx.close(), 10);
    }
    if (!settings.runs("canary")) {
      report.note("Canary rollback time: not measured in this run (scenario canary not selected).");
    }
    String loadAtEnd = Machine.loadAverage();
    report.note(
        "Load average at the end (1/5/15 min): "
            + loadAtEnd
            + " on "
            + Runtime.getRuntime().availableProcessors()
            + " cores; above the core count, other processes competed with the run, which the"
            + " interleaved rounds spread over every column alike.");
    writeOutputs(out);
    console.accept("results written to " + out);
    return report;
  }

  // -------------------------------------------------------------------------------- anthropic

  /**
   * What translating between chat completions and Anthropic Messages adds, against the pass-through
   * of the same answer: each pair asks the same upstream (the mock's Anthropic Messages, or its
   * OpenAI chat fast path) for the same answer once in the upstream's own format (passed through)
   * and once in the other (translated both ways). c=1 latency p50 of JSON answers, and TTFT p99 of
   * short streams, all four columns interleaved round by round.
   */
  private void anthropic(LoadGenerator load, Service gateway) {
    console.accept("anthropic: " + settings.rounds() + " interleaved rounds");
    int port = gateway.port();
    List<HttpTarget> json =
        List.of(
            HttpTarget.messages("messages→anthropic", port, BenchTables.ANTHROPIC_ROUTE, false),
            HttpTarget.chat("chat→anthropic", port, BenchTables.ANTHROPIC_ROUTE, false, Map.of()),
            HttpTarget.chat("chat→openai", port, BenchTables.FAST_ROUTE, false, Map.of()),
            HttpTarget.messages("messages→openai", port, BenchTables.FAST_ROUTE, false));
    List<HttpTarget> streams =
        List.of(
            HttpTarget.messages(
                "messages→anthropic", port, BenchTables.ANTHROPIC_STREAM_ROUTE, true),
            HttpTarget.chat(
                "chat→anthropic", port, BenchTables.ANTHROPIC_STREAM_ROUTE, true, Map.of()),
            HttpTarget.chat("chat→openai", port, BenchTables.WARM_STREAM_ROUTE, true, Map.of()),
            HttpTarget.messages("messages→openai", port, BenchTables.WARM_STREAM_ROUTE, true));
    Duration round = seconds(settings.roundSeconds());
    if (settings.warmupSeconds() > 0) {
      for (HttpTarget t : json) {
        load.run(t, 4, seconds(Math.max(2, settings.warmupSeconds() / 2.0)));
      }
      for (HttpTarget t : streams) {
        load.runStreams(t, 8, Duration.ofSeconds(3), BenchTables.WARM_STREAM_CHUNKS, 1_000);
      }
    }
    Map<String, LatencySamples> latency = perTarget(json, LatencySamples::new);
    Map<String, StreamTotals> ttft = perTarget(streams, StreamTotals::new);
    for (int r = 0; r < settings.rounds(); r++) {
      for (HttpTarget t : rotate(json, r)) {
        LoadResult result = load.run(t, 1, round);
        if (result.errors() > 0) {
          report.note("anthropic: " + t.name() + " had errors: " + result.firstError());
        }
        latency.get(t.name()).addAll(result.latencies());
      }
      for (HttpTarget t : rotate(streams, r)) {
        ttft.get(t.name()).add(load.runStreams(t, 1, round, BenchTables.WARM_STREAM_CHUNKS, 1_000));
      }
      console.accept("  round " + (r + 1) + " done");
    }
    String[][] pairs = {
      {"chat→anthropic", "messages→anthropic", "Anthropic target"},
      {"messages→openai", "chat→openai", "OpenAI target"}
    };
    for (String[] pair : pairs) {
      LatencySamples translated = latency.get(pair[0]);
      LatencySamples passed = latency.get(pair[1]);
      report.add(
          ANTHROPIC,
          pair[0] + " c=1 p50",
          "ms",
          translated.percentileMs(50),
          passed.percentileMs(50),
          pair[1],
          translated.size() + " samples; " + pair[2] + ", translated vs passed through");
      report.add(
          ANTHROPIC,
          pair[0] + " c=1 p99",
          "ms",
          translated.percentileMs(99),
          passed.percentileMs(99),
          pair[1],
          null);
      StreamTotals translatedStreams = ttft.get(pair[0]);
      StreamTotals passedStreams = ttft.get(pair[1]);
      report.add(
          ANTHROPIC,
          pair[0] + " stream TTFT p99",
          "ms",
          translatedStreams.ttft.percentileMs(99),
          passedStreams.ttft.percentileMs(99),
          pair[1],
          "complete "
              + translatedStreams.complete
              + "/"
              + translatedStreams.streams
              + (translatedStreams.firstError == null
                  ? ""
                  : "; first error: " + translatedStreams.firstError));
      report.goal(
          "Translation adds ≤ 0.2 ms p50 per JSON call (" + pair[2] + ")",
          translated.percentileMs(50) - passed.percentileMs(50),
          0.2,
          "ms",
          false);
      report.goal(
          "Translation adds ≤ 1 ms stream TTFT p99 (" + pair[2] + ")",
          translatedStreams.ttft.percentileMs(99) - passedStreams.ttft.percentileMs(99),
          1.0,
          "ms",
          false);
    }
  }

  // --------------------------------------------------------------------------------- overhead

  private void overhead(LoadGenerator load, Service upstream, Service gateway, NginxProxy nginx) {
    console.accept("overhead: warm-up, then " + settings.rounds() + " interleaved rounds");
    List<HttpTarget> targets = new ArrayList<>();
    targets.add(
        HttpTarget.chat(
            "direct",
            upstream.port(),
            BenchTables.UPSTREAM_MODEL,
            false,
            BenchTables.fastHeaders()));
    targets.add(
        HttpTarget.chat("gateway", gateway.port(), BenchTables.FAST_ROUTE, false, Map.of()));
    if (nginx != null) {
      targets.add(
          HttpTarget.chat(
              "nginx", nginx.port(), BenchTables.UPSTREAM_MODEL, false, BenchTables.fastHeaders()));
    }
    warmUp(load, targets);
    Map<String, Totals> c32 = perTarget(targets, Totals::new);
    Map<String, LatencySamples> c1 = perTarget(targets, LatencySamples::new);
    Duration round = seconds(settings.roundSeconds());
    long gatewayPeakRss = -1;
    long c1JitNanos = 0;
    int c1JitRounds = 0;
    for (int r = 0; r < settings.rounds(); r++) {
      for (HttpTarget t : rotate(targets, r)) {
        long gatewayCpu = gateway.cpuNanos();
        long nginxCpu = nginx == null ? 0 : nginx.cpuNanos();
        LoadResult result;
        try (RssSampler rss = new RssSampler(gateway.pid())) {
          result = load.run(t, settings.concurrency(), round);
          if (t.name().equals("gateway")) {
            gatewayPeakRss = Math.max(gatewayPeakRss, rss.peakBytes());
          }
        }
        Totals totals = c32.get(t.name());
        totals.add(result);
        if (t.name().equals("gateway")) {
          totals.cpuNanos += gateway.cpuNanos() - gatewayCpu;
        } else if (t.name().equals("nginx")) {
          totals.cpuNanos += nginx.cpuNanos() - nginxCpu;
        }
      }
      for (HttpTarget t : rotate(targets, r)) {
        boolean isGateway = t.name().equals("gateway");
        long jitBefore = isGateway ? jitNanos(gateway) : -1;
        c1.get(t.name()).addAll(load.run(t, 1, round).latencies());
        long jitAfter = isGateway ? jitNanos(gateway) : -1;
        if (jitBefore >= 0 && jitAfter >= 0) {
          c1JitNanos += jitAfter - jitBefore;
          c1JitRounds++;
        }
      }
      console.accept(
          "  round " + (r + 1) + ": c=" + settings.concurrency() + " RPS " + describeRps(c32));
    }
    if (c1JitRounds > 0) {
      // Whether the c=1 rounds meet a JIT at rest: each follows a c=32 round, whose different
      // profile can make C2 recompile (BENCHMARKS.md, issue #21).
      report.add(
          OVERHEAD,
          "gateway JIT compiler CPU per c=1 round",
          "ms",
          c1JitNanos / 1e6 / c1JitRounds,
          "C1/C2 compiler threads, per " + settings.roundSeconds() + " s round");
    }
    Totals direct = c32.get("direct");
    Totals gw = c32.get("gateway");
    Totals ng = c32.get("nginx");
    String c = "c=" + settings.concurrency();
    report.add(OVERHEAD, "throughput " + c, "req/s", gw.rps(), direct.rps(), "direct", null);
    if (ng != null) {
      report.add(
          OVERHEAD, "throughput " + c + " (vs nginx)", "req/s", gw.rps(), ng.rps(), "nginx", null);
      report.add(
          OVERHEAD,
          "nginx throughput " + c,
          "req/s",
          ng.rps(),
          direct.rps(),
          "direct",
          "the plain reverse-proxy baseline");
    }
    report.add(
        OVERHEAD,
        "errors " + c,
        "requests",
        gw.errors,
        (double) direct.errors,
        "direct",
        gw.firstError == null ? "of " + gw.requests : "first: " + gw.firstError);
    report.add(
        OVERHEAD,
        "latency " + c + " p50",
        "ms",
        gw.latencies.percentileMs(50),
        direct.latencies.percentileMs(50),
        "direct",
        null);
    report.add(
        OVERHEAD,
        "latency " + c + " p99",
        "ms",
        gw.latencies.percentileMs(99),
        direct.latencies.percentileMs(99),
        "direct",
        null);
    for (double p : new double[] {50, 90, 99, 99.9}) {
      report.add(
          OVERHEAD,
          "latency c=1 " + pName(p),
          "ms",
          c1.get("gateway").percentileMs(p),
          c1.get("direct").percentileMs(p),
          "direct",
          p == 50 ? c1.get("gateway").size() + " samples" : null);
    }
    if (ng != null) {
      for (double p : new double[] {50, 99}) {
        report.add(
            OVERHEAD,
            "nginx latency c=1 " + pName(p),
            "ms",
            c1.get("nginx").percentileMs(p),
            c1.get("direct").percentileMs(p),
            "direct",
            null);
      }
    }
    double gatewayCpuMs = gw.cpuNanos / 1e6 / Math.max(1, gw.requests);
    report.add(
        MEMORY,
        "CPU per request " + c,
        "ms",
        gatewayCpuMs,
        ng == null ? null : ng.cpuNanos / 1e6 / Math.max(1, ng.requests),
        ng == null ? null : "nginx",
        settings.inProcess() ? "whole benchmark JVM (in-process run)" : "gateway process CPU time");
    if (gatewayPeakRss > 0) {
      report.add(
          MEMORY,
          "RSS under load " + c,
          "MB",
          ProcessStats.mb(gatewayPeakRss),
          "peak while loaded");
    }
    double addedP50 = c1.get("gateway").percentileMs(50) - c1.get("direct").percentileMs(50);
    double addedP99 = c1.get("gateway").percentileMs(99) - c1.get("direct").percentileMs(99);
    report.goal("Added latency at c=1, p50 ≤ 0.3 ms", addedP50, 0.3, "ms", false);
    report.goal("Added latency at c=1, p99 ≤ 1 ms", addedP99, 1.0, "ms", false);
    if (ng != null) {
      report.goal(
          "Throughput through the gateway ≥ 0.5 × nginx", gw.rps() / ng.rps(), 0.5, "×", true);
    } else {
      report.note("nginx is not installed (apt-get install nginx-light): no nginx column.");
    }
    report.goal("0 errors under load (" + c + ")", gw.errors, 0, "errors", false);
    report.goal("CPU ≤ 0.25 ms per request", gatewayCpuMs, 0.25, "ms", false);
    c1Latency.putAll(c1);
  }

  /**
   * Warms the baselines up briefly and the gateway until it is steady: at least {@code
   * warmupSeconds}, at least {@link #WARMUP_GATEWAY_REQUESTS} requests, and two consecutive 2 s
   * runs within 5 % of each other (capped at two minutes). A cold gateway runs interpreted code and
   * is slower by an order of magnitude, which is a figure about the JIT, not the gateway.
   */
  private void warmUp(LoadGenerator load, List<HttpTarget> targets) {
    if (settings.warmupSeconds() <= 0) {
      return;
    }
    long start = System.nanoTime();
    for (HttpTarget t : targets) {
      if (!t.name().equals("gateway")) {
        load.run(t, settings.concurrency(), Duration.ofSeconds(2));
        load.run(t, 1, Duration.ofMillis(500));
      }
    }
    HttpTarget gateway =
        targets.stream().filter(t -> t.name().equals("gateway")).findFirst().orElseThrow();
    long minimum = start + TimeUnit.SECONDS.toNanos(settings.warmupSeconds());
    long cap = start + TimeUnit.SECONDS.toNanos(Math.max(120, 6L * settings.warmupSeconds()));
    long requests = 0;
    double previous = 0;
    double current = 0;
    while (System.nanoTime() < cap) {
      LoadResult r = load.run(gateway, settings.concurrency(), Duration.ofSeconds(2));
      load.run(gateway, 1, Duration.ofMillis(250));
      requests += r.requests();
      previous = current;
      current = r.rps();
      boolean steady = previous > 0 && Math.abs(current - previous) <= 0.05 * previous;
      if (System.nanoTime() >= minimum && requests >= WARMUP_GATEWAY_REQUESTS && steady) {
        break;
      }
    }
    console.accept(
        String.format(
            java.util.Locale.ROOT,
            "  warm-up: %.0f s, %d gateway requests, last %.0f req/s",
            (System.nanoTime() - start) / 1e9,
            requests,
            current));
  }

  // ---------------------------------------------------------------------------------- profile

  /**
   * Starts and stops a throwaway recording before the warm-up: JFR's first start instruments JDK
   * classes and deoptimises hot code (measured: throughput falls more than tenfold for seconds),
   * which the warm-up then absorbs instead of the profiled run.
   */
  static void primeFlightRecorder(Service gateway, Report report) {
    if (gateway.child().isEmpty()) {
      return;
    }
    try {
      gateway.child().get().jcmd("JFR.start", "name=prime", "settings=profile");
      gateway.child().get().jcmd("JFR.stop", "name=prime");
    } catch (IOException e) {
      report.note("could not prime JFR: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void profile(LoadGenerator load, Service gateway, Path out) {
    if (gateway.child().isEmpty() || settings.profileSeconds() <= 0) {
      return;
    }
    ChildJvm child = gateway.child().get();
    Path jfr = out.resolve("gateway-c" + settings.concurrency() + ".jfr").toAbsolutePath();
    console.accept(
        "profile: JFR on the gateway for "
            + settings.profileSeconds()
            + " s at c="
            + settings.concurrency());
    try {
      child.jcmd("JFR.start", "name=bench", "settings=profile");
      LoadResult result =
          load.run(
              HttpTarget.chat("gateway", gateway.port(), BenchTables.FAST_ROUTE, false, Map.of()),
              settings.concurrency(),
              Duration.ofSeconds(settings.profileSeconds()));
      child.jcmd("JFR.dump", "name=bench", "filename=" + jfr);
      child.jcmd("JFR.stop", "name=bench");
      List<String> lines = new ArrayList<>();
      lines.add(
          String.format(
              java.util.Locale.ROOT,
              "recorded at c=%d: %.0f req/s while profiling; file %s",
              settings.concurrency(),
              result.rps(),
              jfr.getFileName()));
      lines.addAll(JfrSummary.summarise(jfr, 15));
      report.profile("gateway under c=" + settings.concurrency() + " (non-streaming)", lines);
    } catch (IOException e) {
      report.note("JFR profile failed: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // -------------------------------------------------------------------------------- streaming

  /**
   * Runs short instant streams through every path until the stream set-up code (the part TTFT
   * measures) is compiled: at least {@link #WARMUP_STREAMS} gateway streams, or the warm-up time. A
   * long-running gateway has long compiled it; measuring it interpreted would be a figure about the
   * JIT.
   */
  private void warmUpStreams(LoadGenerator load, Service gateway, long stallMs) {
    int events = BenchTables.WARM_STREAM_CHUNKS;
    // The upstream's stream code runs for every gateway stream too; nginx is compiled code.
    HttpTarget warm =
        HttpTarget.chat("gateway", gateway.port(), BenchTables.WARM_STREAM_ROUTE, true, Map.of());
    long gatewayStreams = 0;
    long start = System.nanoTime();
    long cap = start + TimeUnit.SECONDS.toNanos(Math.max(60, 3L * settings.warmupSeconds()));
    while (gatewayStreams < WARMUP_STREAMS && System.nanoTime() < cap) {
      gatewayStreams +=
          load.runStreams(
                  warm, settings.streamConcurrency(), Duration.ofSeconds(2), events, stallMs)
              .streams();
    }
    console.accept(
        String.format(
            "  stream warm-up: %.0f s, %d short gateway streams",
            (System.nanoTime() - start) / 1e9, gatewayStreams));
  }

  /** The gateway JVM's JIT compiler CPU so far; -1 in process or where it cannot be read. */
  static long jitNanos(Service gateway) {
    return gateway.separateProcess() ? ProcessStats.jitCpuNanos(gateway.pid()) : -1;
  }

  /** How much JIT compiler CPU per second of a gateway stream run counts as settled. */
  static final double JIT_QUIET_MS_PER_SECOND = 2.5;

  /**
   * The measured stream rounds: every target's streams, and the gateway JVM's JIT compiler CPU per
   * gateway round in ms (NaN where it cannot be read).
   */
  private record StreamRounds(Map<String, StreamTotals> totals, double gatewayJitMs) {}

  /** {@code streamRounds} interleaved rounds of spread streams through every target. */
  private StreamRounds streamRounds(
      LoadGenerator load,
      List<HttpTarget> targets,
      Service gateway,
      int chunks,
      long interval,
      long stallMs) {
    Map<String, StreamTotals> totals = perTarget(targets, StreamTotals::new);
    long jitNanos = 0;
    boolean known = gateway.separateProcess();
    for (int r = 0; r < settings.streamRounds(); r++) {
      for (HttpTarget t : rotate(targets, r)) {
        boolean isGateway = t.name().equals("gateway");
        long before = isGateway && known ? jitNanos(gateway) : 0;
        totals
            .get(t.name())
            .add(
                load.runStreams(
                    t,
                    settings.streamConcurrency(),
                    seconds(settings.streamSeconds()),
                    chunks,
                    stallMs,
                    Duration.ofMillis(chunks * interval)));
        if (isGateway && known) {
          long after = jitNanos(gateway);
          known = before >= 0 && after >= 0;
          jitNanos += after - before;
        }
      }
    }
    return new StreamRounds(
        totals, known ? jitNanos / 1e6 / Math.max(1, settings.streamRounds()) : Double.NaN);
  }

  /** What settling a JVM's JIT took: stream runs, seconds, the compiler CPU of the last run. */
  record JitSettling(int runs, double seconds, double lastMs) {}

  /**
   * Repeats {@code streamRun} (one run of streams through the JVM {@code pid}) until the JVM's JIT
   * compiler threads used at most {@code quietMs} of CPU during a whole run, or {@code cap} has
   * passed; null when its compiler threads cannot be read (nothing is run then). Sparse stream
   * starts (~25 a second at 32 streams of 1.3 s) reach the compile thresholds of the set-up path
   * slowly, and short warm-up streams do not take every branch of it, so right after a warm-up C2
   * still compiles for hundreds of milliseconds per 8 s round, on the same two cores as the event
   * loops: measured, that is much of the TTFT tail (BENCHMARKS.md). A replica that has served
   * streams for a few minutes has compiled them; settling measures that. Used by the suite and by
   * {@link FloorBench}.
   */
  static JitSettling settleJit(long pid, Runnable streamRun, double quietMs, Duration cap) {
    if (ProcessStats.jitCpuNanos(pid) < 0) {
      return null;
    }
    long start = System.nanoTime();
    long end = start + cap.toNanos();
    int runs = 0;
    double lastMs;
    do {
      long before = ProcessStats.jitCpuNanos(pid);
      streamRun.run();
      long after = ProcessStats.jitCpuNanos(pid);
      if (before < 0 || after < 0) {
        return null;
      }
      lastMs = (after - before) / 1e6;
      runs++;
    } while (lastMs > quietMs && System.nanoTime() < end);
    return new JitSettling(runs, (System.nanoTime() - start) / 1e9, lastMs);
  }

  /**
   * Settles the gateway's JIT on the measured kinds of streams ({@link #settleJit(long, Runnable,
   * double, Duration)}): passes that stream through each of {@code paths} in turn for {@code
   * secondsPerPath}, until a pass used ≤ {@link #JIT_QUIET_MS_PER_SECOND} per second of compiler
   * CPU, at most 180 s (18 × the warm-up in quick runs). Says what it took on the console and in
   * the report's notes, as {@code scenario}'s; nothing where the compiler threads cannot be read.
   */
  static void settleGatewayStreams(
      LoadGenerator load,
      Service gateway,
      List<HttpTarget> paths,
      double secondsPerPath,
      BenchSettings settings,
      int chunks,
      long interval,
      long stallMs,
      String scenario,
      Consumer<String> console,
      Report report) {
    double quietMs = JIT_QUIET_MS_PER_SECOND * secondsPerPath * paths.size();
    JitSettling settled =
        settleJit(
            gateway.pid(),
            () -> {
              for (HttpTarget path : paths) {
                load.runStreams(
                    path,
                    settings.streamConcurrency(),
                    seconds(secondsPerPath),
                    chunks,
                    stallMs,
                    Duration.ofMillis(chunks * interval));
              }
            },
            quietMs,
            Duration.ofSeconds(Math.min(180, 18L * settings.warmupSeconds())));
    if (settled == null) {
      return;
    }
    String line =
        String.format(
            java.util.Locale.ROOT,
            "JIT settling: %d passes over %d gateway stream path%s in %.0f s; compiler CPU in the"
                + " last pass %.0f ms (settled at ≤ %.0f ms)",
            settled.runs(),
            paths.size(),
            paths.size() == 1 ? "" : "s",
            settled.seconds(),
            settled.lastMs(),
            quietMs);
    console.accept("  " + line);
    report.note(scenario + ": " + line);
  }

  private void streaming(LoadGenerator load, Service upstream, Service gateway, NginxProxy nginx) {
    int chunks = settings.streamChunks();
    long interval = settings.chunkIntervalMs();
    long stallMs = Math.max(250, 10 * interval);
    console.accept(
        "streaming: "
            + chunks
            + " chunks "
            + interval
            + " ms apart, "
            + settings.streamRounds()
            + " rounds");
    List<HttpTarget> targets = new ArrayList<>();
    targets.add(
        HttpTarget.chat(
            "direct",
            upstream.port(),
            BenchTables.UPSTREAM_MODEL,
            true,
            BenchTables.streamHeaders(chunks, interval)));
    targets.add(
        HttpTarget.chat("gateway", gateway.port(), BenchTables.STREAM_ROUTE, true, Map.of()));
    if (nginx != null) {
      targets.add(
          HttpTarget.chat(
              "nginx",
              nginx.port(),
              BenchTables.UPSTREAM_MODEL,
              true,
              BenchTables.streamHeaders(chunks, interval)));
    }
    StreamRounds beforeSettling = null;
    if (settings.warmupSeconds() > 0) {
      warmUpStreams(load, gateway, stallMs);
      // The relay runs once per chunk: a few hundred streams compile it before measuring.
      for (HttpTarget t : targets) {
        load.runStreams(
            t, Math.max(settings.streamConcurrency(), 128), Duration.ofSeconds(4), chunks, stallMs);
      }
      if (jitNanos(gateway) >= 0) {
        // The rounds as measured before JIT settling existed, kept for comparison: the gateway's
        // compiler is still busy with the streaming path then (issue #21, BENCHMARKS.md).
        beforeSettling = streamRounds(load, targets, gateway, chunks, interval, stallMs);
        settleGatewayStreams(
            load,
            gateway,
            List.of(targets.get(1)),
            settings.streamSeconds(),
            settings,
            chunks,
            interval,
            stallMs,
            "streaming",
            console,
            report);
      }
    }
    StreamRounds rounds = streamRounds(load, targets, gateway, chunks, interval, stallMs);
    Map<String, StreamTotals> totals = rounds.totals();
    StreamTotals d = totals.get("direct");
    StreamTotals g = totals.get("gateway");
    String at = " (" + settings.streamConcurrency() + " streams)";
    if (!Double.isNaN(rounds.gatewayJitMs())) {
      report.add(
          STREAMING,
          "gateway JIT compiler CPU per measured round" + at,
          "ms",
          rounds.gatewayJitMs(),
          "C1/C2 compiler threads, per " + settings.streamSeconds() + " s gateway round");
    }
    if (beforeSettling != null) {
      StreamTotals bd = beforeSettling.totals().get("direct");
      StreamTotals bg = beforeSettling.totals().get("gateway");
      for (double p : new double[] {50, 99}) {
        report.add(
            STREAMING,
            "TTFT " + pName(p) + at + ", JIT still compiling",
            "ms",
            bg.ttft.percentileMs(p),
            bd.ttft.percentileMs(p),
            "direct",
            p == 50 ? "rounds right after the warm-up, before JIT settling" : null);
      }
      report.add(
          STREAMING,
          "gateway JIT compiler CPU per round" + at + ", JIT still compiling",
          "ms",
          beforeSettling.gatewayJitMs(),
          null);
    }
    for (double p : new double[] {50, 99}) {
      report.add(
          STREAMING,
          "TTFT " + pName(p) + at,
          "ms",
          g.ttft.percentileMs(p),
          d.ttft.percentileMs(p),
          "direct",
          null);
    }
    for (double p : new double[] {50, 99}) {
      report.add(
          STREAMING,
          "inter-chunk gap " + pName(p) + at,
          "ms",
          g.gaps.percentileMs(p),
          d.gaps.percentileMs(p),
          "direct",
          p == 50 ? "upstream sends every " + interval + " ms" : null);
    }
    report.add(
        STREAMING,
        "stream total p50" + at,
        "ms",
        g.totals.percentileMs(50),
        d.totals.percentileMs(50),
        "direct",
        "≈ direct means no buffering");
    report.add(
        STREAMING,
        "complete streams" + at,
        "streams",
        g.complete,
        (double) d.complete,
        "direct",
        "of " + g.streams + (g.firstError == null ? "" : "; first error: " + g.firstError));
    if (totals.containsKey("nginx")) {
      StreamTotals n = totals.get("nginx");
      for (double p : new double[] {50, 99}) {
        report.add(
            STREAMING,
            "nginx TTFT " + pName(p) + at,
            "ms",
            n.ttft.percentileMs(p),
            d.ttft.percentileMs(p),
            "direct",
            null);
      }
      report.add(
          STREAMING,
          "nginx inter-chunk gap p99" + at,
          "ms",
          n.gaps.percentileMs(99),
          d.gaps.percentileMs(99),
          "direct",
          null);
    }
    double addedTtftP99 = g.ttft.percentileMs(99) - d.ttft.percentileMs(99);
    double addedTotal = g.totals.percentileMs(50) - d.totals.percentileMs(50);
    report.goal("Added TTFT ≤ 1 ms p99", addedTtftP99, 1.0, "ms", false);
    report.goal(
        "No buffering: stream total p50 within one chunk interval of direct",
        addedTotal,
        interval,
        "ms",
        false);

    int held = settings.heldStreams();
    console.accept("streaming: " + held + " streams held at once, direct then gateway");
    StreamResult heldDirect = load.runStreams(targets.get(0), held, Duration.ZERO, chunks, stallMs);
    boolean record = settings.runs("profile") && gateway.child().isPresent();
    Path jfr = settings.outDir().resolve("gateway-streams-" + held + ".jfr").toAbsolutePath();
    if (record) {
      jcmd(gateway, "JFR.start", "name=streams", "settings=profile");
    }
    StreamResult heldGateway =
        load.runStreams(targets.get(1), held, Duration.ZERO, chunks, stallMs);
    if (record) {
      jcmd(gateway, "JFR.dump", "name=streams", "filename=" + jfr);
      jcmd(gateway, "JFR.stop", "name=streams");
      try {
        report.profile(
            "gateway relaying " + held + " streams at once", JfrSummary.summarise(jfr, 15));
      } catch (IOException e) {
        report.note("streaming JFR summary failed: " + e.getMessage());
      }
    }
    String h = " (" + held + " at once)";
    report.add(
        STREAMING,
        "complete streams" + h,
        "streams",
        heldGateway.complete(),
        (double) heldDirect.complete(),
        "direct",
        heldGateway.firstError() == null ? null : "first error: " + heldGateway.firstError());
    report.add(
        STREAMING,
        "streams with a stall > " + stallMs + " ms" + h,
        "streams",
        heldGateway.stalledStreams(),
        (double) heldDirect.stalledStreams(),
        "direct",
        null);
    report.add(
        STREAMING,
        "TTFT p99" + h,
        "ms",
        heldGateway.ttft().percentileMs(99),
        heldDirect.ttft().percentileMs(99),
        "direct",
        null);
    report.add(
        STREAMING,
        "inter-chunk gap p99" + h,
        "ms",
        heldGateway.gaps().percentileMs(99),
        heldDirect.gaps().percentileMs(99),
        "direct",
        null);
    report.add(
        STREAMING,
        "max inter-chunk gap" + h,
        "ms",
        heldGateway.gaps().maxMs(),
        heldDirect.gaps().maxMs(),
        "direct",
        null);
    report.goal(
        held + " concurrent streams held without stalls or failures",
        (held - heldGateway.complete()) + heldGateway.stalledStreams(),
        0,
        "bad streams",
        false);
  }

  // -------------------------------------------------------------------------------- realistic

  private void realistic(LoadGenerator load, Service upstream, Service gateway) {
    int inFlight = settings.realisticInFlight();
    console.accept(
        "realistic: "
            + inFlight
            + " in flight against a "
            + settings.realisticDelayMs()
            + " ms upstream");
    HttpTarget direct =
        HttpTarget.chat(
            "direct",
            upstream.port(),
            BenchTables.UPSTREAM_MODEL,
            false,
            BenchTables.slowHeaders(settings.realisticDelayMs()));
    HttpTarget viaGateway =
        HttpTarget.chat("gateway", gateway.port(), BenchTables.SLOW_ROUTE, false, Map.of());
    Totals d = new Totals();
    Totals g = new Totals();
    long peakRss = -1;
    Duration half = seconds(settings.realisticSeconds() / 2);
    List<HttpTarget> targets = List.of(direct, viaGateway);
    if (settings.warmupSeconds() > 0) {
      // Opens the pools first: the measured runs then see steady state, not 1000 connects at once.
      for (HttpTarget t : targets) {
        load.run(t, inFlight, Duration.ofSeconds(3));
      }
    }
    for (int r = 0; r < 2; r++) {
      for (HttpTarget t : rotate(targets, r)) {
        long cpu = gateway.cpuNanos();
        try (RssSampler rss = new RssSampler(gateway.pid())) {
          LoadResult result = load.run(t, inFlight, half);
          if (t == viaGateway) {
            g.add(result);
            g.cpuNanos += gateway.cpuNanos() - cpu;
            peakRss = Math.max(peakRss, rss.peakBytes());
          } else {
            d.add(result);
          }
        }
      }
    }
    String at = " (" + inFlight + " in flight)";
    report.add(
        REALISTIC,
        "success rate" + at,
        "%",
        g.successPercent(),
        d.successPercent(),
        "direct",
        g.firstError == null ? g.requests + " requests" : "first error: " + g.firstError);
    report.add(REALISTIC, "throughput" + at, "req/s", g.rps(), d.rps(), "direct", null);
    for (double p : new double[] {50, 99, 100}) {
      report.add(
          REALISTIC,
          "latency " + pName(p) + at,
          "ms",
          g.latencies.percentileMs(p),
          d.latencies.percentileMs(p),
          "direct",
          null);
    }
    if (peakRss > 0) {
      report.add(
          REALISTIC, "gateway RSS" + at, "MB", ProcessStats.mb(peakRss), "peak while loaded");
    }
    report.add(
        REALISTIC,
        "CPU per request" + at,
        "ms",
        g.cpuNanos / 1e6 / Math.max(1, g.requests),
        settings.inProcess() ? "whole benchmark JVM" : "gateway process");
    report.goal(
        "Success rate 100 % with " + inFlight + " in flight", g.successPercent(), 100, "%", true);
  }

  // ----------------------------------------------------------------------------------- memory

  private void idleMemory(Service gateway) {
    ChildJvm.pause(2000);
    double idle = ProcessStats.mb(gateway.rssBytes());
    report.add(
        MEMORY,
        "idle RSS (fresh start, " + BenchTables.SCENARIO_ROUTES + " routes)",
        "MB",
        idle,
        settings.inProcess() ? "whole benchmark JVM (in-process run)" : "gateway process");
    report.goal("Idle RSS ≤ 150 MB", idle, 150, "MB", false);
  }

  private void routesMemory(LoadGenerator load, Service upstream, Path out) throws IOException {
    List<Integer> counts = new ArrayList<>();
    counts.add(0);
    counts.addAll(settings.routeCounts());
    Map<Integer, long[]> measured = new LinkedHashMap<>();
    for (int n : counts) {
      console.accept("memory: gateway with " + n + " extra routes");
      Path table =
          BenchTables.write(
              BenchTables.table(
                  upstream.port(),
                  settings.streamChunks(),
                  settings.chunkIntervalMs(),
                  settings.realisticDelayMs(),
                  n),
              out.resolve("routes-" + n + "/routing.json"));
      try (Service gateway =
          Service.gateway(
              false,
              table,
              settings.gatewayJvmOptions(),
              out.resolve("logs/gateway-routes-" + n + ".log"))) {
        load.run(
            HttpTarget.chat("gateway", gateway.port(), BenchTables.FAST_ROUTE, false, Map.of()),
            4,
            Duration.ofSeconds(1));
        ChildJvm child = gateway.child().orElseThrow();
        long liveHeap = liveHeapBytes(child);
        ChildJvm.pause(1000);
        measured.put(n, new long[] {gateway.rssBytes(), liveHeap});
      }
    }
    long[] base = measured.get(0);
    for (int n : settings.routeCounts()) {
      long[] m = measured.get(n);
      report.add(
          MEMORY,
          "RSS with " + n + " extra routes",
          "MB",
          ProcessStats.mb(m[0]),
          ProcessStats.mb(base[0]),
          BenchTables.SCENARIO_ROUTES + " routes",
          "after a full GC");
      report.add(
          MEMORY,
          "RSS per route (" + n + " routes)",
          "KB",
          (m[0] - base[0]) / 1024.0 / n,
          "RSS difference / routes");
      if (m[1] > 0 && base[1] > 0) {
        report.add(
            MEMORY,
            "live heap per route (" + n + " routes)",
            "KB",
            (m[1] - base[1]) / 1024.0 / n,
            "class histogram after a full GC");
      }
    }
    int largest = settings.routeCounts().get(settings.routeCounts().size() - 1);
    long[] m = measured.get(largest);
    report.goal(
        "≤ 20 KB per route (RSS, " + largest + " routes)",
        (m[0] - base[0]) / 1024.0 / largest,
        20,
        "KB",
        false);
  }

  /** Live heap after a full GC ({@link ChildJvm#liveHeapBytes}); -1 when unknown. */
  private static long liveHeapBytes(ChildJvm child) {
    try {
      return child.liveHeapBytes();
    } catch (IOException | RuntimeException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  // ------------------------------------------------------------------------------ propagation

  private void propagation(Service upstream) throws IOException {
    console.accept(
        "propagation: "
            + settings.propagationChanges()
            + " ModelRoute changes, as many consumer key revocations");
    ConfigPropagation.Result result =
        ConfigPropagation.run(upstream.port(), settings.propagationChanges());
    LatencySamples s = result.changeToServed();
    String note = "ModelRoute edit → operator → ConfigMap → gateway informer → first response";
    report.add(PROPAGATION, "change → served p50", "ms", s.percentileMs(50), note);
    report.add(
        PROPAGATION,
        "change → served p99",
        "ms",
        s.percentileMs(99),
        "a mounted ConfigMap volume takes 60–90 s");
    report.add(PROPAGATION, "change → served max", "ms", s.maxMs(), null);
    report.add(
        PROPAGATION,
        "changes not served within 30 s",
        "changes",
        result.failures(),
        "of " + settings.propagationChanges());
    report.goal(
        "Config change → effective ≤ 1 s p99",
        result.failures() > 0 ? Double.POSITIVE_INFINITY : s.percentileMs(99),
        1000,
        "ms",
        false);
    LatencySamples revoked = result.editToRefused();
    report.add(
        PROPAGATION,
        "key Secret edit → old key refused p50",
        "ms",
        revoked.percentileMs(50),
        "a Consumer's key Secret edited → operator → consumers Secret → gateway → first 401");
    report.add(
        PROPAGATION, "key Secret edit → old key refused p99", "ms", revoked.percentileMs(99), null);
    report.add(PROPAGATION, "key Secret edit → old key refused max", "ms", revoked.maxMs(), null);
    report.add(
        PROPAGATION,
        "old keys still admitted after 30 s",
        "keys",
        result.revocationFailures(),
        "of " + settings.propagationChanges());
    report.goal(
        "Revoked consumer key refused ≤ 1 s p99",
        result.revocationFailures() > 0 ? Double.POSITIVE_INFINITY : revoked.percentileMs(99),
        1000,
        "ms",
        false);
  }

  // ----------------------------------------------------------------------------------- canary

  private void canary(Service upstream) throws IOException {
    console.accept("canary: a ModelRoute change to a failing target, rolled back by analysis");
    CanaryRollback.Result r = CanaryRollback.run(upstream.port());
    String how =
        "progressive planner scraping the gateway; analysis every "
            + r.analysisInterval()
            + ", minRequests 20, maxErrorRate 0.02, first step 50 %";
    report.add(CANARY, "change → RolledBack in status", "ms", r.changeToRolledBackMs(), how);
    report.add(
        CANARY,
        "canary exposure (first → last response touching it)",
        "ms",
        r.canaryExposureMs(),
        r.touchedCanary() + " of " + r.requests() + " responses touched the canary");
    if (Double.isNaN(r.changeToRolledBackMs())) {
      report.note("The canary was not rolled back within two minutes.");
    }
  }

  // -------------------------------------------------------------------------------- cost loop

  private void costLoop() {
    console.accept(
        "costloop: a 24-hour trace replayed in simulated time, cost-latency vs priority");
    CostLoopReplay.Result loop = CostLoopReplay.run("cost-latency", 16);
    CostLoopReplay.Result base = CostLoopReplay.run("priority", 16);
    String trace = loop.requests() + " requests, 3 providers, 3 task classes, same trace";
    report.add(
        COST_LOOP,
        "spend, cost-latency",
        "USD",
        loop.spendUsd(),
        base.spendUsd(),
        "priority",
        trace);
    double saving = 100 * (1 - loop.spendUsd() / base.spendUsd());
    report.goal("cost-latency spends ≥ 40 % less than priority", saving, 40, "%", true);
    int hoursChecked = 0;
    int hoursMet = 0;
    for (int h = 0; h < 24; h++) {
      if (loop.cheapMeetsObjective()[h]) {
        hoursChecked++;
        if (loop.hourlyTtftP95Ms()[h] <= CostLoopReplay.OBJECTIVE_MS) {
          hoursMet++;
        }
      }
    }
    report.add(
        COST_LOOP,
        "hours with chat TTFT p95 within 1.5 s (of hours the cheap target meets it)",
        "hours",
        hoursMet,
        "of " + hoursChecked);
    report.goal(
        "TTFT p95 within the objective in every such hour",
        hoursChecked - hoursMet,
        0,
        "hours missed",
        false);
    report.goal(
        "requests served by an ineligible target", loop.ineligibleServed(), 0, "requests", false);
    report.add(
        COST_LOOP,
        "degraded provider left after",
        "ms",
        loop.leftDegradedAfterMs(),
        "last chosen (not explored) request to it after the degradation began");
    report.goal(
        "traffic leaves the degraded provider", loop.leftDegradedAfterMs(), 60_000, "ms", false);
    report.add(
        COST_LOOP,
        "recovered provider chosen again after",
        "ms",
        loop.returnedAfterMs(),
        "first chosen request to it after its recovery");
    report.goal(
        "traffic returns to the recovered provider",
        loop.returnedAfterMs() < 0 ? Double.NaN : loop.returnedAfterMs(),
        300_000,
        "ms",
        false);
    double[] ten = CostLoopReplay.decisionWithTenTargets(100_000);
    report.add(COST_LOOP, "routing decision, 10 targets, p50", "µs", ten[0], "cost-latency, warm");
    report.add(COST_LOOP, "routing decision, 10 targets, p99", "µs", ten[1], "cost-latency, warm");
    report.goal("routing decision p99 with 10 targets", ten[1], 50, "µs", false);
    committedUse(loop);
  }

  /**
   * The same day with prepaid capacity on the premium model ({@code pricing.commitment}): premium
   * takes the traffic first until the commitment is spent, then routing continues on price.
   */
  private void committedUse(CostLoopReplay.Result plain) {
    RoutingTable.Commitment commitment = CostLoopReplay.COMMITMENT;
    console.accept(
        "costloop: the same day with a $"
            + Math.round(commitment.spendPerMonth())
            + "/month commitment on premium");
    CostLoopReplay.Result committed = CostLoopReplay.run("cost-latency", 16, commitment);
    long[][] hourly = committed.hourlyByProvider();
    long[][] plainHourly = plain.hourlyByProvider();
    double spentAfterH = committed.commitmentSpentAfterMs() / 3_600_000.0;
    int spentHour = (int) Math.floor(spentAfterH);
    report.add(
        COST_LOOP,
        "committed use: commitment spent after",
        "h",
        committed.commitmentSpentAfterMs() < 0 ? Double.NaN : spentAfterH,
        "$" + Math.round(commitment.spendPerMonth()) + " of premium use at list price");
    report.add(
        COST_LOOP,
        "committed use: premium requests in hour 0",
        "requests",
        hourly[0][0],
        (double) plainHourly[0][0],
        "without commitment",
        "committed capacity counts as free, so premium is the cheapest target");
    int after = Math.min(23, spentHour + 1);
    report.add(
        COST_LOOP,
        "committed use: premium requests in hour " + after,
        "requests",
        hourly[after][0],
        (double) plainHourly[after][0],
        "without commitment",
        "the first whole hour after the commitment was spent: list price decides again");
    report.add(
        COST_LOOP,
        "committed use: spend beyond the commitment",
        "USD",
        committed.spendUsd() - commitment.spendPerMonth(),
        plain.spendUsd(),
        "day without commitment",
        "list-price value of the day's answers minus the prepaid $"
            + Math.round(commitment.spendPerMonth()));
    report.goal(
        "premium takes the traffic first while the commitment lasts (hour 0, × the plain day)",
        plainHourly[0][0] == 0 ? Double.NaN : (double) hourly[0][0] / plainHourly[0][0],
        2,
        "×",
        true);
    report.goal(
        "after the commitment is spent routing continues on price (premium's share of the plain"
            + " day's, hour "
            + after
            + ")",
        plainHourly[after][0] == 0 ? Double.NaN : (double) hourly[after][0] / plainHourly[after][0],
        1.5,
        "×",
        false);
  }

  // ---------------------------------------------------------------------------------- outputs

  private void writeOutputs(Path out) throws IOException {
    report.writeJson(out.resolve("report.json"));
    if (!c1Latency.isEmpty()) {
      LatencyChart.render(
          "Latency at c=1, non-streaming chat completion (ms)",
          c1Latency,
          out.resolve("latency.png"));
    }
    String md = report.markdown();
    Files.writeString(out.resolve("results.md"), md);
    if (settings.markdown() != null) {
      BenchmarksMarkdown.update(settings.markdown(), md);
      if (!c1Latency.isEmpty()) {
        Path docs = settings.markdown().toAbsolutePath().getParent().resolve("docs");
        Files.createDirectories(docs);
        Files.copy(
            out.resolve("latency.png"),
            docs.resolve("bench-latency.png"),
            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  // ---------------------------------------------------------------------------------- helpers

  private NginxProxy startNginx(int upstreamPort, Path dir) throws IOException {
    if (!settings.nginx()) {
      return null;
    }
    var binary = NginxProxy.binary();
    if (binary.isEmpty()) {
      return null;
    }
    int port = Service.freePort();
    NginxProxy nginx = NginxProxy.start(binary.get(), dir, port, upstreamPort);
    if (nginx.awaitListening(Duration.ofSeconds(10))) {
      console.accept("nginx listening on " + port);
      return nginx;
    }
    nginx.close();
    report.note(
        "nginx did not start (see " + dir.resolve("logs/error.log") + "): no nginx column.");
    return null;
  }

  private void jcmd(Service service, String... command) {
    try {
      service.child().orElseThrow().jcmd(command);
    } catch (IOException e) {
      report.note("jcmd " + String.join(" ", command) + " failed: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A map holding a fresh {@code T} per target, by name, in the targets' order. */
  static <T> Map<String, T> perTarget(List<HttpTarget> targets, Supplier<T> fresh) {
    Map<String, T> out = new LinkedHashMap<>();
    targets.forEach(t -> out.put(t.name(), fresh.get()));
    return out;
  }

  static <T> List<T> rotate(List<T> list, int by) {
    List<T> out = new ArrayList<>(list);
    java.util.Collections.rotate(out, -(by % Math.max(1, list.size())));
    return out;
  }

  static Duration seconds(double s) {
    return Duration.ofMillis((long) (s * 1000));
  }

  static String pName(double p) {
    if (p >= 100) {
      return "max";
    }
    return p == Math.rint(p) ? "p" + (long) p : "p" + p;
  }

  private String describeRps(Map<String, Totals> totals) {
    StringBuilder sb = new StringBuilder();
    totals.forEach(
        (name, t) ->
            sb.append(name)
                .append('=')
                .append(String.format(java.util.Locale.ROOT, "%.0f ", t.rps())));
    return sb.toString().trim();
  }

  /** Non-streaming results summed over rounds. */
  static final class Totals {
    long requests;
    long errors;
    double seconds;
    long cpuNanos;
    String firstError;
    final LatencySamples latencies = new LatencySamples();

    void add(LoadResult r) {
      requests += r.requests();
      errors += r.errors();
      seconds += r.elapsedSeconds();
      latencies.addAll(r.latencies());
      firstError = firstError == null ? r.firstError() : firstError;
    }

    double rps() {
      return seconds <= 0 ? 0 : (requests - errors) / seconds;
    }

    double successPercent() {
      return requests == 0 ? Double.NaN : 100.0 * (requests - errors) / requests;
    }
  }

  /** Streaming results summed over rounds. */
  static final class StreamTotals {
    long streams;
    long complete;
    String firstError;
    final LatencySamples ttft = new LatencySamples();
    final LatencySamples gaps = new LatencySamples();
    final LatencySamples totals = new LatencySamples();

    void add(StreamResult r) {
      streams += r.streams();
      complete += r.complete();
      ttft.addAll(r.ttft());
      gaps.addAll(r.gaps());
      totals.addAll(r.totals());
      firstError = firstError == null ? r.firstError() : firstError;
    }
  }
}
