package dev.switchboard.gateway.server;

import dev.switchboard.gateway.GatewayOptions;
import dev.switchboard.gateway.consumer.ConsumerDirectory;
import dev.switchboard.gateway.http.AdminRouter;
import dev.switchboard.gateway.http.ConsumerSpendHandler;
import dev.switchboard.gateway.http.InfoHandlers;
import dev.switchboard.gateway.http.ProxyHandler;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.util.function.Supplier;

/**
 * The admin port: one small HTTP server on the gateway's Vert.x for {@code /admin/*}, {@code
 * /metrics} and the liveness probe's {@code /healthz}, behind its own connection cap. The chart
 * lets only the operator and Prometheus reach it (and the kubelet, whose probes NetworkPolicy does
 * not filter); application clients use the public port.
 */
public final class AdminServer {

  /** The operator and a Prometheus or two: a few connections are all the admin port needs. */
  static final int MAX_ADMIN_CONNECTIONS = 256;

  private final HttpServer server;

  private AdminServer(HttpServer server) {
    this.server = server;
  }

  /** Binds {@code options.adminPort()} on {@code options.host()}. */
  public static Future<AdminServer> start(
      Vertx vertx,
      GatewayOptions options,
      InfoHandlers info,
      MeterRegistry registry,
      ProxyHandler drift,
      ConsumerSpendHandler consumers,
      Supplier<ConsumerDirectory> directory) {
    HttpServerOptions serverOptions =
        ConnectionGuard.http1Only(
            new HttpServerOptions()
                .setHost(options.host())
                .setPort(options.adminPort())
                .setCompressionSupported(false));
    ConnectionGuard guard =
        new ConnectionGuard(
            "admin",
            serverOptions,
            options.headerReadTimeoutMs(),
            options.idleTimeoutMs(),
            MAX_ADMIN_CONNECTIONS,
            registry);
    HttpServer server = vertx.createHttpServer(serverOptions);
    return guard
        .install(server, AdminRouter.create(vertx, info, drift, consumers, directory))
        .listen()
        .map(AdminServer::new);
  }

  /** The bound admin port. */
  public int port() {
    return server.actualPort();
  }

  public Future<Void> close() {
    return server.close();
  }
}
