package dev.switchboard.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.gateway.metrics.GatewayMetrics;
import dev.switchboard.gateway.routing.RoutingState;
import dev.switchboard.gateway.stats.LiveStats;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The admin documents with a part per route are built off the event loop: at 10,000 routes they
 * take milliseconds, and the admin server's event loop may be one that serves requests.
 */
class AdminDocumentsOffLoopTest {

  Vertx vertx;
  HttpServer server;
  final List<String> builtOn = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    InfoHandlers info =
        new InfoHandlers(
                new RoutingState(Clock.systemUTC()),
                new GatewayMetrics(),
                new LiveStats(60_000, () -> 0L),
                () -> {
                  builtOn.add(where());
                  return Map.of("breakers", List.of());
                })
            .evaluations(
                () -> {
                  builtOn.add(where());
                  return Map.of("object", "switchboard.evaluations");
                });
    Router router = Router.router(vertx);
    router.get("/admin/config").handler(info::adminConfig);
    router.get("/admin/evaluations").handler(info::adminEvaluations);
    server =
        vertx
            .createHttpServer()
            .requestHandler(router)
            .listen(0, "127.0.0.1")
            .toCompletionStage()
            .toCompletableFuture()
            .get();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get();
  }

  private static String where() {
    return (Context.isOnEventLoopThread() ? "event loop " : "worker ")
        + Thread.currentThread().getName();
  }

  private String get(String path) throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + path))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
    return response.body();
  }

  @Test
  void theConfigAndEvaluationDocumentsAreBuiltOnAWorker() throws Exception {
    assertThat(get("/admin/config")).contains("\"ready\":false").contains("\"breakers\":[]");
    assertThat(get("/admin/evaluations")).contains("switchboard.evaluations");
    assertThat(builtOn).hasSize(2).allSatisfy(w -> assertThat(w).startsWith("worker "));
  }
}
