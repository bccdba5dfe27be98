package dev.switchboard.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * What each part of the request path costs, from a JFR recording of the gateway under load: every
 * execution sample is attributed to one part by the first rule its stack matches (leaf to root),
 * and a part's share of the samples times the measured CPU per request is its cost per request.
 * Allocation per request comes from the recording's {@code jdk.ThreadAllocationStatistics} events
 * (each thread's allocated bytes, first and last reading).
 *
 * <p>Execution samples see Java threads running Java code; GC, the JIT compiler and time in the
 * kernel are spread over the parts in proportion (the "whole request" row is the process's CPU).
 */
public final class StageCosts {

  /** One row: a part of the request path and its measured share. */
  public record Part(String name, long samples, double share, double nanosPerRequest) {}

  /** The table and the allocation figure of one recording. */
  public record Result(List<Part> parts, long samples, double allocatedBytesPerRequest) {}

  private StageCosts() {}

  /**
   * Reads {@code recording} and attributes its samples; {@code cpuNanosPerRequest} and {@code
   * requests} are what the process spent and served while it was recorded.
   */
  public static Result analyse(Path recording, double cpuNanosPerRequest, long requests)
      throws IOException {
    return analyse(recording, cpuNanosPerRequest, requests, null);
  }

  /**
   * As {@link #analyse(Path, double, long)}, counting only samples of the threads in {@code
   * threads} (Java thread ids; null: all), for a gateway that shares its JVM with other servers.
   */
  public static Result analyse(
      Path recording, double cpuNanosPerRequest, long requests, java.util.Set<Long> threads)
      throws IOException {
    Map<String, Long> counts = new LinkedHashMap<>();
    Map<Long, long[]> allocatedByThread = new LinkedHashMap<>();
    long samples = 0;
    for (RecordedEvent event : RecordingFile.readAllEvents(recording)) {
      String type = event.getEventType().getName();
      if (type.equals("jdk.ThreadAllocationStatistics")) {
        RecordedThread thread = event.getThread("thread");
        if (thread != null) {
          long bytes = event.getLong("allocated");
          allocatedByThread.merge(
              thread.getJavaThreadId(),
              new long[] {bytes, bytes},
              (a, b) -> new long[] {Math.min(a[0], b[0]), Math.max(a[1], b[1])});
        }
        continue;
      }
      if (!type.equals("jdk.ExecutionSample")) {
        continue;
      }
      RecordedStackTrace stack = event.getStackTrace();
      if (stack == null || stack.getFrames().isEmpty()) {
        continue;
      }
      if (threads != null) {
        RecordedThread sampled = event.getThread("sampledThread");
        if (sampled == null || !threads.contains(sampled.getJavaThreadId())) {
          continue;
        }
      }
      samples++;
      counts.merge(part(stack.getFrames()), 1L, Long::sum);
    }
    long allocated = 0;
    for (long[] range : allocatedByThread.values()) {
      allocated += range[1] - range[0];
    }
    List<Part> parts = new ArrayList<>();
    long total = samples;
    counts.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .forEach(
            e -> {
              double share = (double) e.getValue() / Math.max(1, total);
              parts.add(new Part(e.getKey(), e.getValue(), share, share * cpuNanosPerRequest));
            });
    return new Result(parts, samples, requests <= 0 ? Double.NaN : (double) allocated / requests);
  }

  /** Printable lines: the table, then the allocation figure. */
  public static List<String> lines(Result result, double cpuNanosPerRequest) {
    List<String> out = new ArrayList<>();
    out.add(
        String.format(
            Locale.ROOT,
            "%d execution samples; CPU per request %.0f ns (gateway process)",
            result.samples(),
            cpuNanosPerRequest));
    for (Part p : result.parts()) {
      out.add(
          String.format(
              Locale.ROOT,
              "  %6.0f ns  %5.1f%%  %s",
              p.nanosPerRequest(),
              100 * p.share(),
              p.name()));
    }
    if (result.allocatedBytesPerRequest() > 0) {
      out.add(
          String.format(
              Locale.ROOT,
              "allocated per request: %.0f bytes (all threads)",
              result.allocatedBytesPerRequest()));
    }
    return out;
  }

  /**
   * The part a sample belongs to: the innermost frame that names one. The request log comes first
   * (it is written from inside the answer stage), then each pipeline stage, then the upstream leg,
   * the HTTP front door and routing, and finally I/O with no Switchboard frame at all.
   */
  static String part(List<RecordedFrame> frames) {
    List<String> types = new ArrayList<>(frames.size());
    for (RecordedFrame frame : frames) {
      types.add(type(frame));
    }
    return partOfTypes(types);
  }

  /**
   * As {@link #part(List)}, from the stack's class names (leaf to root, {@code a.b.C$D}), so that
   * stacks from another profiler are attributed by the same rules.
   */
  static String partOfTypes(List<String> types) {
    String ours = null;
    for (String type : types) {
      if (!type.startsWith("dev.switchboard.")) {
        continue;
      }
      if (type.startsWith("dev.switchboard.gateway.logging.")
          || type.endsWith(".RequestLog")
          || type.endsWith(".RequestLogEntry")) {
        return "request log (JSON line, appender)";
      }
      String simple = type.substring(type.lastIndexOf('.') + 1);
      int nested = simple.indexOf('$');
      if (nested > 0) {
        simple = simple.substring(0, nested);
      }
      if (type.startsWith("dev.switchboard.gateway.pipeline.") && simple.endsWith("Stage")) {
        return "stage " + simple;
      }
      if (ours == null) {
        ours = areaOf(type, simple);
      }
    }
    if (ours != null) {
      return ours;
    }
    return "HTTP I/O outside Switchboard code (Netty, Vert.x, JDK)";
  }

  private static String areaOf(String type, String simple) {
    String pkg = type.substring("dev.switchboard.gateway.".length());
    int dot = pkg.indexOf('.');
    String area = dot < 0 ? "" : pkg.substring(0, dot);
    return switch (area) {
      case "upstream" -> "upstream leg (adapter, client, answer reading)";
      case "resilience" -> "failover, breaker, bulkhead (" + simple + ")";
      case "http", "frontdoor" -> "front door and HTTP handling (" + simple + ")";
      case "pipeline" -> "pipeline (" + simple + ")";
      case "metrics" -> "metrics";
      case "consumer" -> "consumer keys and limits (" + simple + ")";
      case "cache" -> "response cache (" + simple + ")";
      case "routing" -> "routing (" + simple + ")";
      case "request" -> "request parsing (" + simple + ")";
      default -> "other Switchboard code (" + simple + ")";
    };
  }

  private static String type(RecordedFrame frame) {
    String type = frame.getMethod().getType().getName();
    int lambda = type.indexOf("$$Lambda");
    return lambda > 0 ? type.substring(0, lambda) : type;
  }
}
