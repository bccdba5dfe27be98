package dev.switchboard.bench;

/**
 * Runs the benchmark suite from the command line:
 *
 * <pre>
 * mvn -B -pl bench -am package -DskipTests
 * java -jar bench/target/switchboard-bench.jar [--quick] [--only overhead,streaming,...]
 *     [--update-markdown BENCHMARKS.md] [--no-nginx] [--out DIR]
 *     [--rounds N] [--round-seconds S] [--warmup-seconds S] [--concurrency C]
 *     [--held-streams N] [--in-flight N] [--changes N] [--gateway-jvm-opts "..."]
 * </pre>
 */
public final class BenchMain {

  private BenchMain() {}

  public static void main(String[] args) throws Exception {
    if (System.getProperty("logback.configurationFile") == null) {
      // The operator and informers log at INFO; the console is for the results.
      System.setProperty("logback.configurationFile", "bench-logback.xml");
    }
    BenchSettings settings;
    try {
      settings = BenchSettings.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.println(usage());
      System.exit(2);
      return;
    }
    if (java.util.List.of(args).contains("--help")) {
      System.out.println(usage());
      return;
    }
    long start = System.nanoTime();
    Report report = new BenchSuite(settings, line -> System.out.println("[bench] " + line)).run();
    System.out.println();
    System.out.print(report.consoleTable());
    System.out.printf(
        "%nreport: %s (%.0f s)%n",
        settings.outDir().resolve("report.json").toAbsolutePath(),
        (System.nanoTime() - start) / 1e9);
    // Informer and operator threads are not all daemons: end the run explicitly.
    System.exit(0);
  }

  static String usage() {
    return """
        Usage: java -jar bench/target/switchboard-bench.jar [options]
          --quick                     shorter runs (about two minutes), noisier figures
          --only LIST                 scenarios: overhead,config,profile,streaming,realistic,
                                      memory,propagation,canary,anthropic,costloop (simulated
                                      time), frontdoors (Responses and Gemini paths, #14/#15);
                                      config = every stage on (consumer key, rate limit,
                                      exact-cache miss, cost-latency; in memory and with Redis)
          --update-markdown FILE      rewrite the results block of FILE (BENCHMARKS.md) and
                                      copy latency.png to docs/bench-latency.png next to it
          --out DIR                   output directory (default bench/target/bench)
          --no-nginx                  skip the nginx column even when nginx is installed
          --rounds N                  interleaved overhead rounds (default 5)
          --round-seconds S           seconds per target per round (default 5)
          --warmup-seconds S          warm-up before measuring (default 10)
          --stream-rounds N           interleaved streaming rounds (default 5)
          --stream-seconds S          seconds per streaming target per round (default 8)
          --profile-seconds S         length of each JFR recording under load (default 10)
          --concurrency C             requests in flight for throughput (default 32)
          --held-streams N            streams held at once (default 500)
          --in-flight N               requests in flight against the 1 s upstream (default 1000)
          --changes N                 ModelRoute changes timed (default 20)
          --gateway-jvm-opts "..."    gateway JVM options (default: the chart's pod,
                                      -XX:MaxRAM=768m -XX:MaxRAMPercentage=60
                                      -XX:MaxDirectMemorySize=128m -XX:+UseG1GC)
        """;
  }
}
