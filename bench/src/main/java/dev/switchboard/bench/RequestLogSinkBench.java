package dev.switchboard.bench;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the request log's destination does to a lone request's latency after a busy spell (issue
 * #21): the realistic gateway (own JVM, the chart's options) with its standard output — the request
 * log, one JSON line per request — going to a file on this machine's disk (the suite's setup), to a
 * pipe that a separate {@code cat} process writes to that file (what a container runtime does with
 * a pod's output), or to {@code /dev/null} (the line is still built and written, the kernel
 * discards it). Each gateway JVM runs rounds of: the upstream directly at c=32 for 8 s, then at c=1
 * for 10 s; the gateway at c=32 for 8 s (the burst), then at c=1 for 10 s; the added latency is the
 * gateway's c=1 figure minus the direct one of the same round. Sinks interleaved, {@code runs} JVMs
 * per sink.
 *
 * <p>{@code java -cp bench/target/switchboard-bench.jar dev.switchboard.bench.RequestLogSinkBench
 * [runs] [rounds-per-run]} (defaults 2 and 3; ~2.5 min per run and sink). Needs {@code mkfifo} and
 * {@code cat}.
 */
public final class RequestLogSinkBench {

  private RequestLogSinkBench() {}

  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 2;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    Path dir = Files.createTempDirectory("switchboard-log-sink");
    Service upstream = Service.upstream(false, dir);
    Path table =
        BenchTables.write(
            BenchTables.table(upstream.port(), 64, 20, 1_000, 0), dir.resolve("routing.json"));
    Path consumers = BenchTables.writeConsumers(dir.resolve("consumers.json"));
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    LoadGenerator load = new LoadGenerator(vertx);
    HttpTarget direct =
        HttpTarget.chat(
            "direct",
            upstream.port(),
            BenchTables.UPSTREAM_MODEL,
            false,
            BenchTables.fastHeaders());
    Map<String, List<double[]>> added = new LinkedHashMap<>();
    try {
      for (int run = 0; run < runs; run++) {
        for (String sink : List.of("file", "pipe", "discard")) {
          List<double[]> figures = added.computeIfAbsent(sink, k -> new ArrayList<>());
          try (Sink out = Sink.open(sink, dir)) {
            Service gateway =
                Service.gateway(
                    false, table, BenchSettings.CHART_POD_JVM, out.path(), consumers, null);
            try {
              HttpTarget target = BenchTables.realisticTarget("realistic", gateway.port());
              load.run(target, 32, Duration.ofSeconds(10));
              load.run(target, 1, Duration.ofSeconds(5));
              for (int round = 0; round < rounds; round++) {
                load.run(direct, 32, Duration.ofSeconds(8));
                LoadResult d = load.run(direct, 1, Duration.ofSeconds(10));
                load.run(target, 32, Duration.ofSeconds(8));
                LoadResult g = load.run(target, 1, Duration.ofSeconds(10));
                double p50 = g.latencies().percentileMs(50) - d.latencies().percentileMs(50);
                double p99 = g.latencies().percentileMs(99) - d.latencies().percentileMs(99);
                figures.add(new double[] {p50, p99});
                System.out.printf(
                    Locale.ROOT,
                    "run %d %-8s round %d: added p50 %.3f ms, p99 %.3f ms (direct p99 %.3f)%n",
                    run + 1,
                    sink,
                    round + 1,
                    p50,
                    p99,
                    d.latencies().percentileMs(99));
              }
            } finally {
              gateway.close();
            }
          }
        }
      }
    } finally {
      upstream.close();
      vertx.close();
    }
    System.out.println();
    for (Map.Entry<String, List<double[]>> e : added.entrySet()) {
      System.out.printf(
          Locale.ROOT,
          "%-8s c=1 after a burst, added latency (median of %d rounds): p50 %.3f ms, p99 %.3f"
              + " ms%n",
          e.getKey(),
          e.getValue().size(),
          median(e.getValue(), 0),
          median(e.getValue(), 1));
    }
    System.exit(0);
  }

  private static double median(List<double[]> values, int index) {
    double[] sorted = values.stream().mapToDouble(v -> v[index]).sorted().toArray();
    return sorted[sorted.length / 2];
  }

  /** Where the gateway's standard output goes, and what drains it. */
  private record Sink(Path path, Path log, Process drain) implements AutoCloseable {

    static Sink open(String kind, Path dir) throws IOException, InterruptedException {
      Path log = dir.resolve("gateway-" + kind + ".log");
      switch (kind) {
        case "file":
          return new Sink(log, log, null);
        case "discard":
          return new Sink(Path.of("/dev/null"), null, null);
        default:
          Path fifo = dir.resolve("gateway.fifo");
          Files.deleteIfExists(fifo);
          if (new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() != 0) {
            throw new IOException("mkfifo failed");
          }
          // The shell opens the pipe for reading, so the gateway's open for writing (by
          // ProcessBuilder, before it starts) finds a reader; cat then writes what arrives.
          Process cat =
              new ProcessBuilder("sh", "-c", "exec cat < '" + fifo + "' > '" + log + "'").start();
          return new Sink(fifo, log, cat);
      }
    }

    @Override
    public void close() throws Exception {
      if (drain != null) {
        drain.waitFor(); // ends when the gateway, the pipe's only writer, has exited
      }
      // Hundreds of megabytes per run: the figures are what is kept.
      if (log != null) {
        Files.deleteIfExists(log);
      }
      if (drain != null) {
        Files.deleteIfExists(path);
      }
    }
  }
}
