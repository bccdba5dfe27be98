package dev.switchboard.gateway.http;

import static dev.switchboard.gateway.TestTables.provider;
import static dev.switchboard.gateway.TestTables.route;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.RoutingTableCodec;
import dev.switchboard.gateway.TestTables;
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
  final RoutingState state = new RoutingState(Clock.systemUTC());
  final List<String> builtOn = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    InfoHandlers info =
        new InfoHandlers(
                state,
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
    router.get("/v1/models").handler(info::listModels);
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
    // On the documents' own workers, not the pool that parses large request bodies.
    assertThat(builtOn)
        .hasSize(2)
        .allSatisfy(w -> assertThat(w).startsWith("worker switchboard-documents"));
  }

  private static RoutingTable table(String model) {
    return TestTables.table(
        List.of(provider("p", "http://127.0.0.1:1/v1", true)),
        List.of(route(model, List.of(model + "-alias"), target("p", "m", 0))));
  }

  @Test
  void theModelListIsWrittenOncePerTable() throws Exception {
    state.apply(RoutingTableCodec.encode(table("a")), "test");
    String first = get("/v1/models");
    assertThat(first).contains("\"id\":\"a\"").contains("\"id\":\"a-alias\"");
    // The same table: the very same document.
    assertThat(get("/v1/models")).isEqualTo(first);
    // A new table: its own list.
    state.apply(RoutingTableCodec.encode(table("b")), "test");
    String second = get("/v1/models");
    assertThat(second).contains("\"id\":\"b\"").doesNotContain("\"id\":\"a\"");
    assertThat(get("/v1/models")).isEqualTo(second);
  }
}
