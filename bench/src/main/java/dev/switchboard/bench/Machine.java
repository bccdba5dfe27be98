package dev.switchboard.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The machine a run measured on: the figures mean little without it. */
public final class Machine {

  private Machine() {}

  /** nproc, memory ({@code free -h}), CPU model, Java version, kernel and the time of the run. */
  public static Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("date", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    m.put("nproc", Runtime.getRuntime().availableProcessors());
    m.put("cpu", cpuModel());
    m.put("memory (free -h)", command("free", "-h").lines().skip(1).findFirst().orElse("n/a"));
    m.put(
        "java",
        System.getProperty("java.vm.name")
            + " "
            + System.getProperty("java.runtime.version", System.getProperty("java.version")));
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
    m.put("load average at start (1/5/15 min)", loadAverage());
    return m;
  }

  /** The 1, 5 and 15 minute load averages: above nproc, other work competed for the cores. */
  public static String loadAverage() {
    try {
      String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return parts[0] + " " + parts[1] + " " + parts[2];
    } catch (IOException | RuntimeException e) {
      return "n/a";
    }
  }

  private static String cpuModel() {
    try {
      return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
          .filter(l -> l.startsWith("model name"))
          .map(l -> l.substring(l.indexOf(':') + 1).trim())
          .findFirst()
          .orElse("n/a");
    } catch (IOException e) {
      return "n/a";
    }
  }

  private static String command(String... line) {
    try {
      Process p = new ProcessBuilder(line).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(5, TimeUnit.SECONDS);
      return out.replaceAll(" +", " ").trim();
    } catch (IOException e) {
      return "n/a";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "n/a";
    }
  }
}
