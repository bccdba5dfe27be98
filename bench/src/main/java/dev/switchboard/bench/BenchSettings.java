package dev.switchboard.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every knob of a run. {@link #defaults()} is the documented full run (about six minutes on two
 * cores); {@link #smoke(Path)} is a seconds-long run with tiny counts that proves the harness
 * works.
 *
 * @param scenarios which scenarios to run (see {@link #ALL_SCENARIOS})
 * @param warmupSeconds load on every target before anything is measured (JIT, pools)
 * @param rounds interleaved rounds of the overhead scenario
 * @param roundSeconds length of one target's run within a round
 * @param concurrency requests in flight for the throughput figure
 * @param streamRounds interleaved rounds of the streaming scenario
 * @param streamSeconds length of one target's streaming run within a round
 * @param streamConcurrency streams in flight for the TTFT and gap figures
 * @param streamChunks content deltas per stream
 * @param chunkIntervalMs time between stream events at the upstream
 * @param heldStreams streams started at once for the "held without stalls" figure
 * @param realisticInFlight requests in flight against the slow upstream
 * @param realisticSeconds length of one target's run against the slow upstream
 * @param realisticDelayMs the slow upstream's latency
 * @param propagationChanges ModelRoute changes timed for the propagation figure
 * @param routeCounts table sizes (extra routes) for the memory-per-route figure
 * @param profileSeconds length of the JFR recording under load
 * @param gatewayJvmOptions JVM options of the gateway child process
 * @param nginx whether to use nginx as a baseline when it is installed
 * @param inProcess run gateway and upstream inside this JVM (smoke tests); RSS/CPU then are this
 *     JVM's
 * @param outDir where report.json, latency.png and logs go
 * @param markdown the BENCHMARKS.md to update between its result markers, or null
 */
public record BenchSettings(
    Set<String> scenarios,
    int warmupSeconds,
    int rounds,
    double roundSeconds,
    int concurrency,
    int streamRounds,
    double streamSeconds,
    int streamConcurrency,
    int streamChunks,
    long chunkIntervalMs,
    int heldStreams,
    int realisticInFlight,
    double realisticSeconds,
    long realisticDelayMs,
    int propagationChanges,
    List<Integer> routeCounts,
    int profileSeconds,
    List<String> gatewayJvmOptions,
    boolean nginx,
    boolean inProcess,
    Path outDir,
    Path markdown) {

  /** Scenario names accepted by {@code --only}. */
  public static final List<String> ALL_SCENARIOS =
      List.of(
          "overhead",
          "config",
          "profile",
          "streaming",
          "realistic",
          "memory",
          "propagation",
          "canary",
          "anthropic",
          "costloop",
          "frontdoors");

  /**
   * The gateway chart's default pod: {@code limits.memory: 768Mi} and {@code
   * -XX:MaxRAMPercentage=60 -XX:MaxDirectMemorySize=128m -XX:+UseG1GC} (75 % and no direct-memory
   * bound until 2026-12-07). {@code MaxRAM} makes the JVM size its heap as it would inside that
   * container rather than for this whole machine (it does not change the collector the ergonomics
   * pick, which is why the chart names G1).
   */
  public static final List<String> CHART_POD_JVM =
      List.of(
          "-XX:MaxRAM=768m",
          "-XX:MaxRAMPercentage=60",
          "-XX:MaxDirectMemorySize=128m",
          "-XX:+UseG1GC");

  public static BenchSettings defaults() {
    return new BenchSettings(
        new TreeSet<>(ALL_SCENARIOS),
        10,
        5,
        5,
        32,
        5,
        8,
        32,
        64,
        20,
        500,
        1000,
        10,
        1000,
        20,
        List.of(1000, 5000),
        10,
        CHART_POD_JVM,
        true,
        false,
        defaultOutDir(),
        null);
  }

  /** A run of a few seconds with tiny counts, in process, without nginx, memory or profiling. */
  public static BenchSettings smoke(Path outDir) {
    return new BenchSettings(
        new TreeSet<>(List.of("overhead", "config", "streaming", "realistic")),
        0,
        1,
        0.3,
        4,
        1,
        0.3,
        2,
        4,
        5,
        4,
        8,
        0.3,
        50,
        2,
        List.of(),
        0,
        List.of(),
        false,
        true,
        outDir,
        null);
  }

  /** The defaults overridden by {@code --flag value} arguments; see {@link BenchMain}. */
  public static BenchSettings parse(String[] args) {
    BenchSettings s = defaults();
    Map<String, String> flags = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (!flag.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument " + flag);
      }
      int eq = flag.indexOf('=');
      if (eq > 0) {
        flags.put(flag.substring(2, eq), flag.substring(eq + 1));
      } else if (flag.equals("--quick") || flag.equals("--no-nginx") || flag.equals("--help")) {
        flags.put(flag.substring(2), "true");
      } else if (i + 1 < args.length) {
        flags.put(flag.substring(2), args[++i]);
      } else {
        throw new IllegalArgumentException("flag " + flag + " needs a value");
      }
    }
    if (flags.containsKey("quick")) {
      s = s.quick();
    }
    for (var e : flags.entrySet()) {
      String v = e.getValue();
      try {
        s =
            switch (e.getKey().toLowerCase(Locale.ROOT)) {
              case "quick", "help" -> s;
              case "only" -> s.withScenarios(scenarioSet(v));
              case "rounds" -> s.with(b -> b.rounds = Integer.parseInt(v));
              case "round-seconds" -> s.with(b -> b.roundSeconds = Double.parseDouble(v));
              case "warmup-seconds" -> s.with(b -> b.warmupSeconds = Integer.parseInt(v));
              case "stream-rounds" -> s.with(b -> b.streamRounds = Integer.parseInt(v));
              case "stream-seconds" -> s.with(b -> b.streamSeconds = Double.parseDouble(v));
              case "profile-seconds" -> s.with(b -> b.profileSeconds = Integer.parseInt(v));
              case "concurrency" -> s.with(b -> b.concurrency = Integer.parseInt(v));
              case "held-streams" -> s.with(b -> b.heldStreams = Integer.parseInt(v));
              case "in-flight" -> s.with(b -> b.realisticInFlight = Integer.parseInt(v));
              case "changes" -> s.with(b -> b.propagationChanges = Integer.parseInt(v));
              case "gateway-jvm-opts" ->
                  s.with(b -> b.gatewayJvmOptions = List.of(v.trim().split("\\s+")));
              case "no-nginx" -> s.with(b -> b.nginx = false);
              case "out" -> s.with(b -> b.outDir = Path.of(v));
              case "update-markdown" -> s.with(b -> b.markdown = Path.of(v));
              default -> throw new IllegalArgumentException("unknown flag --" + e.getKey());
            };
      } catch (NumberFormatException ex) {
        throw new IllegalArgumentException("--" + e.getKey() + " needs a number, got '" + v + "'");
      }
    }
    return s;
  }

  /** Shorter runs (about two minutes) for a first look; the figures are noisier. */
  public BenchSettings quick() {
    return with(
        b -> {
          b.warmupSeconds = 5;
          b.rounds = 3;
          b.roundSeconds = 2;
          b.streamRounds = 2;
          b.streamSeconds = 3;
          b.heldStreams = 200;
          b.realisticSeconds = 5;
          b.propagationChanges = 10;
          b.profileSeconds = 5;
        });
  }

  /** The same settings, updating {@code file} (BENCHMARKS.md) at the end of the run. */
  public BenchSettings withMarkdown(Path file) {
    return with(b -> b.markdown = file);
  }

  public BenchSettings withScenarios(Set<String> only) {
    return with(b -> b.scenarios = only);
  }

  public boolean runs(String scenario) {
    return scenarios.contains(scenario);
  }

  /** The settings as report metadata. */
  public Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("scenarios", String.join(",", scenarios));
    m.put(
        "overhead",
        warmupSeconds
            + " s warm-up, "
            + rounds
            + " interleaved rounds of "
            + roundSeconds
            + " s per target; c="
            + concurrency
            + " for RPS, c=1 for latency");
    m.put(
        "streaming",
        streamRounds
            + " rounds of "
            + streamSeconds
            + " s per target at "
            + streamConcurrency
            + " streams; "
            + streamChunks
            + " chunks "
            + chunkIntervalMs
            + " ms apart; "
            + heldStreams
            + " streams held at once");
    m.put(
        "realistic",
        realisticInFlight
            + " in flight, "
            + realisticDelayMs
            + " ms upstream, "
            + realisticSeconds
            + " s per target");
    m.put("propagation", propagationChanges + " ModelRoute changes");
    m.put("routes for memory", routeCounts.toString());
    m.put(
        "gateway JVM options",
        gatewayJvmOptions.isEmpty() ? "(none)" : String.join(" ", gatewayJvmOptions));
    m.put("gateway process", inProcess ? "in the benchmark JVM" : "separate JVM");
    return m;
  }

  private static Set<String> scenarioSet(String csv) {
    Set<String> out = new TreeSet<>();
    for (String s : csv.split(",")) {
      String name = s.trim().toLowerCase(Locale.ROOT);
      if (!ALL_SCENARIOS.contains(name)) {
        throw new IllegalArgumentException(
            "unknown scenario " + name + "; known: " + ALL_SCENARIOS);
      }
      out.add(name);
    }
    return out;
  }

  private static Path defaultOutDir() {
    // Run from the repository root or from bench/: the output lands in bench/target/bench.
    return Files.isRegularFile(Path.of("bench", "pom.xml"))
        ? Path.of("bench", "target", "bench")
        : Path.of("target", "bench");
  }

  /** Mutable copy for readable overrides. */
  private static final class Builder {
    Set<String> scenarios;
    int warmupSeconds;
    int rounds;
    double roundSeconds;
    int concurrency;
    int streamRounds;
    double streamSeconds;
    int streamConcurrency;
    int streamChunks;
    long chunkIntervalMs;
    int heldStreams;
    int realisticInFlight;
    double realisticSeconds;
    long realisticDelayMs;
    int propagationChanges;
    List<Integer> routeCounts;
    int profileSeconds;
    List<String> gatewayJvmOptions;
    boolean nginx;
    boolean inProcess;
    Path outDir;
    Path markdown;
  }

  private BenchSettings with(java.util.function.Consumer<Builder> change) {
    Builder b = new Builder();
    b.scenarios = scenarios;
    b.warmupSeconds = warmupSeconds;
    b.rounds = rounds;
    b.roundSeconds = roundSeconds;
    b.concurrency = concurrency;
    b.streamRounds = streamRounds;
    b.streamSeconds = streamSeconds;
    b.streamConcurrency = streamConcurrency;
    b.streamChunks = streamChunks;
    b.chunkIntervalMs = chunkIntervalMs;
    b.heldStreams = heldStreams;
    b.realisticInFlight = realisticInFlight;
    b.realisticSeconds = realisticSeconds;
    b.realisticDelayMs = realisticDelayMs;
    b.propagationChanges = propagationChanges;
    b.routeCounts = routeCounts;
    b.profileSeconds = profileSeconds;
    b.gatewayJvmOptions = gatewayJvmOptions;
    b.nginx = nginx;
    b.inProcess = inProcess;
    b.outDir = outDir;
    b.markdown = markdown;
    change.accept(b);
    return new BenchSettings(
        new TreeSet<>(b.scenarios),
        b.warmupSeconds,
        b.rounds,
        b.roundSeconds,
        b.concurrency,
        b.streamRounds,
        b.streamSeconds,
        b.streamConcurrency,
        b.streamChunks,
        b.chunkIntervalMs,
        b.heldStreams,
        b.realisticInFlight,
        b.realisticSeconds,
        b.realisticDelayMs,
        b.propagationChanges,
        new ArrayList<>(b.routeCounts),
        b.profileSeconds,
        List.copyOf(b.gatewayJvmOptions),
        b.nginx,
        b.inProcess,
        b.outDir,
        b.markdown);
  }
}
