package dev.switchboard.bench;

import dev.switchboard.gateway.ConsumerOptions;
import dev.switchboard.gateway.GatewayOptions;
import dev.switchboard.gateway.GatewayServer;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A server the benchmark talks to (the gateway or the mock upstream): in a child JVM for real runs,
 * so its RSS and CPU are its own, or inside this JVM for the smoke test.
 */
public final class Service implements AutoCloseable {

  private final String name;
  private final int port;
  private final long pid;
  private final ChildJvm child;
  private final AutoCloseable closer;

  private Service(String name, int port, long pid, ChildJvm child, AutoCloseable closer) {
    this.name = name;
    this.port = port;
    this.pid = pid;
    this.child = child;
    this.closer = closer;
  }

  /** The mock provider answering every model, without authentication. */
  public static Service upstream(boolean inProcess, Path logDir) throws IOException {
    if (inProcess) {
      MockProvider mock =
          MockProvider.startBlocking(new MockProviderOptions().host("127.0.0.1").port(0));
      return new Service("upstream", mock.port(), ProcessHandle.current().pid(), null, mock);
    }
    int port = freePort();
    ChildJvm child =
        ChildJvm.start(
            "upstream",
            "dev.switchboard.mock.MockProviderMain",
            List.of("-XX:+UseParallelGC", "-Xms256m", "-Xmx1g"),
            List.of("--host", "127.0.0.1", "--port", Integer.toString(port)),
            logDir.resolve("upstream.log"));
    child.awaitHttpOk("http://127.0.0.1:" + port + "/_mock/stats", Duration.ofSeconds(60));
    return new Service("upstream", port, child.pid(), child, child);
  }

  /**
   * A floor proxy ({@link NettyFloorProxy}, {@link VertxFloorProxy}) in a child JVM with {@code
   * jvmOptions}, proxying to the upstream at {@code upstreamPort}: the bench's floor of a Java
   * proxy, never a gateway.
   */
  public static Service floorProxy(
      String name, Class<?> mainClass, int upstreamPort, List<String> jvmOptions, Path log)
      throws IOException {
    int port = freePort();
    ChildJvm child =
        ChildJvm.start(
            name,
            mainClass.getName(),
            jvmOptions,
            List.of(Integer.toString(port), Integer.toString(upstreamPort)),
            log);
    child.awaitHttpOk("http://127.0.0.1:" + port + "/_mock/stats", Duration.ofSeconds(60));
    return new Service(name, port, child.pid(), child, child);
  }

  /** A gateway in file mode serving {@code routingFile}. */
  public static Service gateway(
      boolean inProcess, Path routingFile, List<String> jvmOptions, Path log) throws IOException {
    return gateway(inProcess, routingFile, jvmOptions, log, null, null);
  }

  /**
   * A gateway in file mode serving {@code routingFile}, requiring the keys of {@code consumersFile}
   * (null: open access) and counting in the state store at {@code stateStore} (null: in memory).
   */
  public static Service gateway(
      boolean inProcess,
      Path routingFile,
      List<String> jvmOptions,
      Path log,
      Path consumersFile,
      String stateStore)
      throws IOException {
    Path keys = routingFile.resolveSibling("keys");
    Files.createDirectories(keys);
    if (inProcess) {
      Vertx vertx = Vertx.vertx();
      GatewayServer server =
          Futures.await(
              GatewayServer.start(
                  vertx,
                  GatewayOptions.defaults()
                      .withHost("127.0.0.1")
                      .withPort(0)
                      .withAdminPort(0)
                      .withRoutingFile(routingFile)
                      .withKeysDir(keys)
                      .withConsumers(
                          ConsumerOptions.defaults()
                              .withConsumersFile(consumersFile)
                              .withStateStore(stateStore))),
              30);
      return new Service(
          "gateway",
          server.port(),
          ProcessHandle.current().pid(),
          null,
          () -> {
            // Not chained: a future completing on the Vert.x instance being closed never returns.
            try {
              Futures.await(server.close(), 30);
            } finally {
              Futures.await(vertx.close(), 10);
            }
          });
    }
    int port = freePort();
    List<String> args = new ArrayList<>();
    if (consumersFile != null) {
      args.addAll(List.of("--consumers-file", consumersFile.toAbsolutePath().toString()));
    }
    if (stateStore != null) {
      args.addAll(List.of("--state-store", stateStore));
    }
    args.addAll(
        List.of(
            "--host",
            "127.0.0.1",
            "--port",
            Integer.toString(port),
            "--admin-port",
            Integer.toString(freePort()),
            "--routing-file",
            routingFile.toAbsolutePath().toString(),
            "--keys-dir",
            keys.toAbsolutePath().toString()));
    ChildJvm child =
        ChildJvm.start("gateway", "dev.switchboard.gateway.GatewayMain", jvmOptions, args, log);
    child.awaitHttpOk("http://127.0.0.1:" + port + "/readyz", Duration.ofSeconds(60));
    return new Service("gateway", port, child.pid(), child, child);
  }

  /**
   * A gateway on {@code vertx} in this JVM, in file mode, once its routing table is loaded: for
   * benches that share one Vert.x instance between several gateways (and read its threads).
   */
  static GatewayServer inProcessGateway(Vertx vertx, Path routing, Path consumers, String store)
      throws InterruptedException {
    GatewayServer server =
        Futures.await(
            GatewayServer.start(
                vertx,
                GatewayOptions.defaults()
                    .withHost("127.0.0.1")
                    .withPort(0)
                    .withAdminPort(0)
                    .withRoutingFile(routing)
                    .withKeysDir(null)
                    .withConsumers(
                        ConsumerOptions.defaults()
                            .withConsumersFile(consumers)
                            .withStateStore(store))),
            30);
    while (server.routingState().current().isEmpty()) {
      Thread.sleep(20);
    }
    return server;
  }

  public String name() {
    return name;
  }

  public int port() {
    return port;
  }

  public long pid() {
    return pid;
  }

  /** Whether the figures of this service are its own process's (not the benchmark JVM's). */
  public boolean separateProcess() {
    return child != null;
  }

  /** The child JVM, for jcmd (GC, JFR); empty in process. */
  public Optional<ChildJvm> child() {
    return Optional.ofNullable(child);
  }

  public long rssBytes() {
    return ProcessStats.rssBytes(pid);
  }

  public long cpuNanos() {
    return ProcessStats.cpuNanos(pid);
  }

  /**
   * Stops a child JVM's threads ({@code SIGSTOP}) so that its timers and background threads cannot
   * take a core while another process is measured alone; {@link #resume} continues it. No-op for a
   * service inside this JVM.
   */
  public void pause() {
    signal("-STOP");
  }

  /** Continues a child JVM {@link #pause}d before ({@code SIGCONT}). */
  public void resume() {
    signal("-CONT");
  }

  private void signal(String signal) {
    if (child == null) {
      return;
    }
    try {
      Process kill = new ProcessBuilder("kill", signal, Long.toString(pid)).inheritIO().start();
      if (kill.waitFor() != 0) {
        throw new IllegalStateException("kill " + signal + " " + pid + " failed");
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while signalling " + name, e);
    }
  }

  @Override
  public void close() {
    try {
      closer.close();
    } catch (Exception e) {
      // Tearing down after a run: a service that fails to stop must not hide the results.
      System.err.println("could not stop " + name + ": " + e);
    }
  }

  /** A free loopback port (bound and released; children bind it right after). */
  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
