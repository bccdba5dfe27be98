package dev.switchboard.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

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

  /** Megabytes, for reports. */
  public static double mb(long bytes) {
    return bytes / (1024.0 * 1024.0);
  }
}
