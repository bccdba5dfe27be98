package dev.switchboard.bench;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * What the proxy tools ({@link FloorBench}, {@link CpuProfile}) measure on: a temporary directory,
 * the load generator on its own Vert.x (two event loops, as the suite's), the mock upstream in its
 * own JVM, the suite's routing table and consumer table written for it, and nginx in front of the
 * upstream when it is installed.
 */
final class ProxyBed implements AutoCloseable {

  final Path dir;
  final Vertx vertx;
  final LoadGenerator load;
  final Service upstream;
  final Path table;
  final Path consumers;
  private final Optional<Path> nginxBinary = NginxProxy.binary();

  private ProxyBed(Path dir, Vertx vertx, Service upstream) throws IOException {
    this.dir = dir;
    this.vertx = vertx;
    this.load = new LoadGenerator(vertx);
    this.upstream = upstream;
    this.table =
        BenchTables.write(
            BenchTables.table(upstream.port(), 64, 20, 1_000, 0), dir.resolve("routing.json"));
    this.consumers = BenchTables.writeConsumers(dir.resolve("consumers.json"));
  }

  /** A bed in a new temporary directory named after {@code prefix}. */
  static ProxyBed start(String prefix) throws IOException {
    Path dir = Files.createTempDirectory(prefix);
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    try {
      return new ProxyBed(dir, vertx, Service.upstream(false, dir));
    } catch (IOException | RuntimeException e) {
      vertx.close();
      throw e;
    }
  }

  /**
   * nginx in front of the upstream, listening, in {@code dir/name} (with a buffered JSON access
   * line per request when {@code accessLog}); null when nginx is not installed.
   */
  NginxProxy nginx(String name, boolean accessLog) throws IOException {
    if (nginxBinary.isEmpty()) {
      return null;
    }
    NginxProxy nginx =
        NginxProxy.start(
            nginxBinary.get(), dir.resolve(name), Service.freePort(), upstream.port(), accessLog);
    if (!nginx.awaitListening(Duration.ofSeconds(10))) {
      nginx.close();
      throw new IOException("nginx did not start listening on " + nginx.port());
    }
    return nginx;
  }

  @Override
  public void close() {
    upstream.close();
    vertx.close();
  }
}
