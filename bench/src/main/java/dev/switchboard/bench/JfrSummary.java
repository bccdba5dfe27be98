package dev.switchboard.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Summarises a JFR recording's execution samples: the hottest leaf frames (where CPU goes) and the
 * Switchboard frames most often on the stack (which of our code paths lead there).
 */
public final class JfrSummary {

  private JfrSummary() {}

  /** Top {@code limit} self frames and top inclusive {@code dev.switchboard} frames. */
  public static List<String> summarise(Path recording, int limit) throws IOException {
    Map<String, Integer> self = new HashMap<>();
    Map<String, Integer> inclusiveOurs = new HashMap<>();
    Map<String, Integer> inclusivePackages = new HashMap<>();
    Map<String, Long> allocations = new HashMap<>();
    long allocated = 0;
    int samples = 0;
    for (RecordedEvent event : RecordingFile.readAllEvents(recording)) {
      String type = event.getEventType().getName();
      if (type.equals("jdk.ObjectAllocationSample") && event.getStackTrace() != null) {
        long weight = event.getLong("weight");
        allocated += weight;
        allocations.merge(allocationSite(event.getStackTrace().getFrames()), weight, Long::sum);
        continue;
      }
      if (!type.equals("jdk.ExecutionSample")) {
        continue;
      }
      RecordedStackTrace stack = event.getStackTrace();
      if (stack == null || stack.getFrames().isEmpty()) {
        continue;
      }
      samples++;
      List<RecordedFrame> frames = stack.getFrames();
      self.merge(name(frames.get(0)), 1, Integer::sum);
      Set<String> seen = new HashSet<>();
      Set<String> seenPackages = new HashSet<>();
      for (RecordedFrame frame : frames) {
        String n = name(frame);
        if (n.startsWith("dev.switchboard.") && seen.add(n)) {
          inclusiveOurs.merge(n, 1, Integer::sum);
        }
        String pkg = area(frame);
        if (seenPackages.add(pkg)) {
          inclusivePackages.merge(pkg, 1, Integer::sum);
        }
      }
    }
    List<String> out = new ArrayList<>();
    out.add(samples + " execution samples");
    out.add("");
    out.add("Top self frames (where the CPU is):");
    appendTop(out, self, samples, limit);
    out.add("");
    out.add("Top Switchboard frames on the stack (inclusive):");
    appendTop(out, inclusiveOurs, samples, limit);
    out.add("");
    out.add("Samples by area (inclusive):");
    appendTop(out, inclusivePackages, samples, limit);
    out.add("");
    out.add("Top allocation sites (first frame outside java.*/jdk.*; share of sampled weight):");
    long total = allocated;
    allocations.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .limit(limit)
        .forEach(
            e ->
                out.add(
                    String.format(
                        Locale.ROOT,
                        "  %5.1f%%  %s",
                        100.0 * e.getValue() / Math.max(1, total),
                        e.getKey())));
    return out;
  }

  /** The first frame outside the JDK: the code that asked for the memory. */
  private static String allocationSite(List<RecordedFrame> frames) {
    for (RecordedFrame frame : frames) {
      String n = name(frame);
      if (!n.startsWith("java.") && !n.startsWith("jdk.") && !n.startsWith("sun.")) {
        return n;
      }
    }
    return frames.isEmpty() ? "(unknown)" : name(frames.get(0));
  }

  private static void appendTop(List<String> out, Map<String, Integer> counts, int total, int n) {
    counts.entrySet().stream()
        .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
        .limit(n)
        .forEach(
            e ->
                out.add(
                    String.format(
                        Locale.ROOT,
                        "  %5.1f%%  %s",
                        100.0 * e.getValue() / Math.max(1, total),
                        e.getKey())));
  }

  private static String name(RecordedFrame frame) {
    String type = frame.getMethod().getType().getName();
    // Hidden lambda classes carry addresses that differ per run; one name per lambda site is
    // enough.
    int lambda = type.indexOf("$$Lambda");
    if (lambda > 0) {
      type = type.substring(0, lambda) + "$$Lambda";
    }
    return type + "." + frame.getMethod().getName();
  }

  /** A coarse area: the first three package segments ({@code io.netty.channel}, ...). */
  private static String area(RecordedFrame frame) {
    String type = frame.getMethod().getType().getName();
    int lambda = type.indexOf("$$Lambda");
    if (lambda > 0) {
      type = type.substring(0, lambda);
    }
    String[] parts = type.split("\\.");
    int keep = Math.min(parts.length - 1, type.startsWith("dev.switchboard.") ? 4 : 3);
    return keep <= 0 ? type : String.join(".", java.util.Arrays.copyOf(parts, keep));
  }
}
