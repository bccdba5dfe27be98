package dev.switchboard.gateway.state;

import java.io.IOException;
import java.net.ServerSocket;
import redis.embedded.RedisServer;

/**
 * A real {@code redis-server} (the binary embedded-redis ships in its jar) on a free loopback port,
 * which a test can kill and start again on the same port. No persistence: a restart comes back
 * empty, as a Redis without a volume does.
 */
public final class RedisProcess implements AutoCloseable {

  private final int port;
  private final String[] settings;
  private RedisServer server;

  private RedisProcess(int port, String[] settings) {
    this.port = port;
    this.settings = settings;
  }

  public static RedisProcess start() throws IOException {
    return start(new String[0]);
  }

  /**
   * A server with {@code settings} as lines of its configuration, e.g. {@code rename-command HSET
   * ""} (a command a managed Redis disabled).
   */
  public static RedisProcess start(String... settings) throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    RedisProcess redis = new RedisProcess(port, settings);
    redis.startAgain();
    return redis;
  }

  public String uri() {
    return "redis://127.0.0.1:" + port;
  }

  /** Kills the server (its clients see their connections closed). */
  public void kill() throws IOException {
    server.stop();
  }

  /** Starts a fresh, empty server on the same port. */
  public void startAgain() throws IOException {
    var builder =
        RedisServer.newRedisServer()
            .port(port)
            .bind("127.0.0.1")
            .setting("appendonly no")
            .onShutdownForceStop(true);
    for (String setting : settings) {
      builder.setting(setting);
    }
    server = builder.build();
    server.start();
  }

  @Override
  public void close() throws IOException {
    if (server != null && server.isActive()) {
      server.stop();
    }
  }
}
