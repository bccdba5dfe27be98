package dev.switchboard.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Java process started from the benchmark's own classpath (the shaded jar), so the gateway and
 * the upstream run in JVMs of their own whose RSS and CPU are measured apart from the load
 * generator's. Output goes to a log file: a pipe nobody drains would block the child.
 */
public final class ChildJvm implements AutoCloseable {

  private final String name;
  private final Process process;
  private final Path log;

  private ChildJvm(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  /** Starts {@code mainClass} with {@code jvmOptions} and {@code args}, logging to {@code log}. */
  public static ChildJvm start(
      String name, String mainClass, List<String> jvmOptions, List<String> args, Path log)
      throws IOException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> command = new ArrayList<>();
    command.add(java.toString());
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass);
    command.addAll(args);
    Files.createDirectories(log.getParent());
    Process process =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    // A tool that ends without closing it (an exception, Ctrl-C) must not leave the process
    // running on the machine, where it would share the cores with every later measurement.
    // Forcibly: a process a FloorBench round stopped (SIGSTOP) does not act on SIGTERM.
    Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly, "stop " + name));
    return new ChildJvm(name, process, log);
  }

  /** Waits until {@code url} answers 200 (readiness), failing if the process dies first. */
  public ChildJvm awaitHttpOk(String url, Duration timeout) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            name + " exited with " + process.exitValue() + " before it was ready; see " + log);
      }
      try {
        HttpResponse<Void> response =
            http.send(
                HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
                HttpResponse.BodyHandlers.discarding());
        if (response.statusCode() == 200) {
          return this;
        }
      } catch (IOException e) {
        // Not listening yet.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for " + name, e);
      }
      pause(50);
    }
    throw new IllegalStateException(name + " was not ready within " + timeout + "; see " + log);
  }

  public long pid() {
    return process.pid();
  }

  public Path log() {
    return log;
  }

  /** Current resident set size in bytes. */
  public long rssBytes() {
    return ProcessStats.rssBytes(process.pid());
  }

  /** CPU time consumed so far in nanoseconds. */
  public long cpuNanos() {
    return ProcessStats.cpuNanos(process.pid());
  }

  /** Runs {@code jcmd <pid> <command...>} and returns its output (diagnostics: GC, JFR). */
  /**
   * The child's live heap in bytes: the total of a class histogram ({@code jcmd
   * GC.class_histogram}), which runs a full GC first.
   */
  public long liveHeapBytes() throws IOException, InterruptedException {
    for (String line : jcmd("GC.class_histogram").split("\n")) {
      String trimmed = line.trim();
      if (trimmed.startsWith("Total")) {
        String[] parts = trimmed.split("\\s+");
        return Long.parseLong(parts[parts.length - 1]);
      }
    }
    throw new IllegalStateException("no Total line in the class histogram");
  }

  public String jcmd(String... command) throws IOException, InterruptedException {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    List<String> line = new ArrayList<>();
    line.add(jcmd.toString());
    line.add(Long.toString(process.pid()));
    line.addAll(List.of(command));
    Process p = new ProcessBuilder(line).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("jcmd " + String.join(" ", command) + " timed out");
    }
    return new String(out, java.nio.charset.StandardCharsets.UTF_8);
  }

  /** Stops the process: SIGTERM, then SIGKILL after five seconds. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
