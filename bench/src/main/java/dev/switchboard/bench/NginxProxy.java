package dev.switchboard.bench;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * nginx as the plain reverse-proxy baseline: keep-alive to the upstream, no buffering, no access
 * log (optionally a buffered JSON one), as many workers as cores (the gateway also runs one event
 * loop per core). Absent nginx, the suite skips this column.
 */
public final class NginxProxy implements AutoCloseable {

  private static final List<Path> CANDIDATES =
      List.of(Path.of("/usr/sbin/nginx"), Path.of("/usr/bin/nginx"), Path.of("/sbin/nginx"));

  private final Process process;
  private final int port;

  private NginxProxy(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  /** The nginx binary, if installed (Debian: {@code apt-get install nginx-light}). */
  public static Optional<Path> binary() {
    return CANDIDATES.stream().filter(Files::isExecutable).findFirst();
  }

  /**
   * Starts nginx on {@code port} proxying to {@code upstreamPort}, with its files under {@code
   * dir}.
   */
  public static NginxProxy start(Path binary, Path dir, int port, int upstreamPort)
      throws IOException {
    return start(binary, dir, port, upstreamPort, false);
  }

  /**
   * As {@link #start(Path, Path, int, int)}; with {@code accessLog}, nginx writes a JSON line per
   * request to {@code logs/access.log} (request id, method, URI, status, sizes, times, upstream),
   * buffered and flushed at least every 20 ms as the gateway's request log is: the baseline with a
   * request record of its own, for comparison (issue #21).
   */
  public static NginxProxy start(
      Path binary, Path dir, int port, int upstreamPort, boolean accessLog) throws IOException {
    Files.createDirectories(dir.resolve("logs"));
    Files.createDirectories(dir.resolve("tmp"));
    String conf =
        """
        worker_processes auto;
        pid %1$s/nginx.pid;
        error_log %1$s/logs/error.log warn;
        events { worker_connections 8192; }
        http {
          %4$s
          client_body_temp_path %1$s/tmp/body;
          proxy_temp_path %1$s/tmp/proxy;
          fastcgi_temp_path %1$s/tmp/fastcgi;
          uwsgi_temp_path %1$s/tmp/uwsgi;
          scgi_temp_path %1$s/tmp/scgi;
          upstream upstream_llm {
            server 127.0.0.1:%3$d;
            keepalive 1024;
          }
          server {
            listen 127.0.0.1:%2$d;
            location / {
              proxy_pass http://upstream_llm;
              proxy_http_version 1.1;
              proxy_set_header Connection "";
              proxy_buffering off;
              proxy_read_timeout 120s;
            }
          }
        }
        """
            .formatted(
                dir.toAbsolutePath(),
                port,
                upstreamPort,
                accessLog
                    ? "log_format json escape=json '{\"ts\":\"$time_iso8601\",\"type\":\"request\","
                        + "\"request_id\":\"$request_id\",\"method\":\"$request_method\","
                        + "\"uri\":\"$request_uri\",\"status\":$status,"
                        + "\"request_bytes\":$request_length,\"bytes_sent\":$bytes_sent,"
                        + "\"latency_s\":$request_time,\"upstream\":\"$upstream_addr\","
                        + "\"upstream_status\":\"$upstream_status\","
                        + "\"upstream_s\":\"$upstream_response_time\","
                        + "\"user_agent\":\"$http_user_agent\"}';\n"
                        + "          access_log "
                        + dir.toAbsolutePath()
                        + "/logs/access.log json buffer=64k flush=20ms;"
                    : "access_log off;");
    Path file = dir.resolve("nginx.conf");
    Files.writeString(file, conf);
    Process process =
        new ProcessBuilder(
                binary.toString(),
                "-p",
                dir.toAbsolutePath().toString(),
                "-e",
                dir.resolve("logs/error.log").toAbsolutePath().toString(),
                "-c",
                file.toAbsolutePath().toString(),
                "-g",
                "daemon off;")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("logs/stdout.log").toFile())
            .start();
    // Not left running when the tool ends without closing it; SIGTERM, so the master stops its
    // workers.
    Runtime.getRuntime().addShutdownHook(new Thread(process::destroy, "stop nginx"));
    return new NginxProxy(process, port);
  }

  public int port() {
    return port;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /**
   * Waits until nginx accepts connections: it binds at start, then the master forks its workers.
   * Returns false if it does not within {@code timeout} or exits first.
   */
  public boolean awaitListening(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline && process.isAlive()) {
      try (Socket s = new Socket("127.0.0.1", port)) {
        return true;
      } catch (IOException e) {
        ChildJvm.pause(50);
      }
    }
    return false;
  }

  /** CPU time of nginx and its workers together. */
  public long cpuNanos() {
    long sum = 0;
    for (long pid : pids()) {
      sum += Math.max(0, ProcessStats.cpuNanos(pid));
    }
    return sum;
  }

  /** nginx plus its workers, for RSS and CPU (the master does little; workers do the work). */
  public List<Long> pids() {
    return java.util.stream.Stream.concat(
            java.util.stream.Stream.of(process.toHandle()), process.toHandle().descendants())
        .map(ProcessHandle::pid)
        .toList();
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
