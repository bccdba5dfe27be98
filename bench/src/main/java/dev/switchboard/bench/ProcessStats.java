package dev.switchboard.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * Resident memory and CPU time of a process, read from Linux {@code /proc} (RSS) and {@link
 * ProcessHandle} (user + system CPU time), so a child JVM's figures are its own and not the
 * benchmark's.
 */
public final class ProcessStats {

  private ProcessStats() {}

  /** Resident set size in bytes ({@code VmRSS}), or -1 where {@code /proc} is unavailable. */
  public static long rssBytes(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          String[] parts = line.substring(6).trim().split("\\s+");
          return Long.parseLong(parts[0]) * 1024;
        }
      }
      return -1;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** Total CPU time consumed so far in nanoseconds, or -1 when the OS does not say. */
  public static long cpuNanos(long pid) {
    return ProcessHandle.of(pid)
        .flatMap(h -> h.info().totalCpuDuration())
        .map(Duration::toNanos)
        .orElse(-1L);
  }

  /**
   * CPU time the JVM's JIT compiler threads ({@code C1 CompilerThread*}, {@code C2
   * CompilerThread*}) of process {@code pid} consumed so far, in nanoseconds, from Linux {@code
   * /proc/<pid>/task/<tid>/stat}; -1 where that is unavailable. Tells whether a JVM is still
   * compiling while it is measured.
   */
  public static long jitCpuNanos(long pid) {
    Path tasks = Path.of("/proc", Long.toString(pid), "task");
    long ticks = 0;
    boolean found = false;
    try (Stream<Path> threads = Files.list(tasks)) {
      for (Path thread : threads.toList()) {
        try {
          String name = Files.readString(thread.resolve("comm")).trim();
          if (!name.startsWith("C1 CompilerThre") && !name.startsWith("C2 CompilerThre")) {
            continue;
          }
          long[] times = userSystemTicks(thread.resolve("stat"));
          ticks += times[0] + times[1];
          found = true;
        } catch (IOException | RuntimeException gone) {
          // A compiler thread that ended between the listing and the read.
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return found ? ticks * TICK_NANOS : -1;
  }

  /** Linux reports CPU times in clock ticks of 10 ms (USER_HZ = 100 on every common build). */
  private static final long TICK_NANOS = 10_000_000L;

  /** utime and stime, in clock ticks, of a process's or thread's {@code stat} file. */
  private static long[] userSystemTicks(Path stat) throws IOException {
    String text = Files.readString(stat);
    // After "(comm) ": state is field 3, utime and stime are fields 14 and 15.
    String[] fields = text.substring(text.lastIndexOf(')') + 2).split(" ");
    return new long[] {Long.parseLong(fields[11]), Long.parseLong(fields[12])};
  }

  /**
   * User and system CPU time consumed so far by processes {@code pids} (all their threads), in
   * nanoseconds, from Linux {@code /proc/<pid>/stat}; {0, 0} for a process that is gone or where
   * {@code /proc} is unavailable. Tells how much of a proxy's CPU per request is its own code and
   * how much the kernel's (sockets, wake-ups, the log's writes).
   */
  public static long[] userSystemNanos(List<Long> pids) {
    long[] ticks = new long[2];
    for (long pid : pids) {
      try {
        long[] times = userSystemTicks(Path.of("/proc", Long.toString(pid), "stat"));
        ticks[0] += times[0];
        ticks[1] += times[1];
      } catch (IOException | RuntimeException gone) {
        // A process that ended, or no /proc.
      }
    }
    return new long[] {ticks[0] * TICK_NANOS, ticks[1] * TICK_NANOS};
  }

  /** Megabytes, for reports. */
  public static double mb(long bytes) {
    return bytes / (1024.0 * 1024.0);
  }
}
