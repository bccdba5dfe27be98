package dev.switchboard.gateway.config;

import static dev.switchboard.gateway.GatewayHarness.chat;
import static dev.switchboard.gateway.GatewayHarness.json;
import static dev.switchboard.gateway.TestTables.provider;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.RoutingTableCodec;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.GatewayOptions;
import dev.switchboard.gateway.GatewayServer;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import dev.switchboard.mock.record.RequestRecord;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Standalone file mode: hot reload under load, rejected documents, key rotation, readiness. */
class HotReloadIT {

  @TempDir Path dir;

  // notReadyUntilARoutingFileAppears starts its gateway without a routing file, which
  // GatewayHarness does not do: it starts Vert.x and the mock itself, and they are stopped here.
  Vertx vertx;
  MockProvider mock;

  @AfterEach
  void stop() throws Exception {
    if (mock != null) {
      mock.close();
    }
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get();
    }
  }

  /** A gateway on {@code version(mock, 0)} in front of a mock provider that takes {@code sk-1}. */
  private GatewayHarness startGateway(Map<String, String> keys) throws Exception {
    return GatewayHarness.withMock(
        dir, new MockProviderOptions().keys("sk-1"), m -> version(m, 0), keys);
  }

  /** Version {@code i} of the table: alternates the serving provider and adds an alias. */
  private static RoutingTable version(MockProvider mock, int i) {
    String serving = i % 2 == 0 ? "mock-a" : "mock-b";
    return TestTables.table(
        List.of(provider("mock-a", mock.baseUrl(), true), provider("mock-b", mock.baseUrl(), true)),
        List.of(
            new RoutingTable.Route(
                "chat",
                "chat",
                List.of("alias-" + i),
                null,
                i,
                List.of(target(serving, "gpt-4o-mini", 0)),
                List.of(),
                null)));
  }

  @Test
  void noRequestFailsWhileTheTableChangesAHundredTimes() throws Exception {
    try (GatewayHarness gateway = startGateway(Map.of("mock-a", "sk-1", "mock-b", "sk-1"))) {
      AtomicBoolean running = new AtomicBoolean(true);
      AtomicInteger ok = new AtomicInteger();
      ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
      ExecutorService clients = Executors.newFixedThreadPool(4);
      for (int c = 0; c < 4; c++) {
        boolean stream = c % 2 == 1;
        clients.submit(
            () -> {
              while (running.get()) {
                try {
                  HttpResponse<String> r =
                      gateway.post("/v1/chat/completions", chat("chat", stream));
                  boolean good =
                      r.statusCode() == 200
                          && (!stream || r.body().strip().endsWith("data: [DONE]"));
                  if (good) {
                    ok.incrementAndGet();
                  } else {
                    failures.add(r.statusCode() + " " + r.body());
                  }
                } catch (Exception e) {
                  failures.add(e.toString());
                }
              }
              return null;
            });
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> ok.get() >= 10);
      for (int i = 1; i <= 100; i++) {
        gateway.writeTable(version(gateway.mock(), i));
        gateway.awaitConfigVersion(RoutingTableCodec.configVersionOf(version(gateway.mock(), i)));
      }
      int servedDuringReloads = ok.get();
      running.set(false);
      clients.shutdown();
      assertThat(clients.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

      assertThat(failures).isEmpty();
      assertThat(servedDuringReloads).isGreaterThan(10);
      assertThat(gateway.admin("/metrics").body())
          .containsPattern("switchboard_config_reload_total\\{result=\"applied\"\\} 101");
      assertThat(json(gateway.get("/v1/models").body()).toString()).contains("alias-100");
    }
  }

  /** Stats show the serving targets of the table in force, not those a reload removed. */
  @Test
  void theLiveStatsForgetATargetTheNewTableRemoved() throws Exception {
    try (GatewayHarness gateway = startGateway(Map.of("mock-a", "sk-1", "mock-b", "sk-1"))) {
      assertThat(gateway.post("/v1/chat/completions", chat("chat", false)).statusCode())
          .isEqualTo(200);
      assertThat(json(gateway.get("/v1/switchboard/stats").body()).path("targets").toString())
          .contains("\"target\":\"mock-a/gpt-4o-mini\"");

      gateway.writeTable(version(gateway.mock(), 1));
      gateway.awaitConfigVersion(RoutingTableCodec.configVersionOf(version(gateway.mock(), 1)));
      assertThat(gateway.post("/v1/chat/completions", chat("chat", false)).statusCode())
          .isEqualTo(200);

      String targets = json(gateway.get("/v1/switchboard/stats").body()).path("targets").toString();
      assertThat(targets).contains("\"target\":\"mock-b/gpt-4o-mini\"").doesNotContain("mock-a");
    }
  }

  /**
   * /metrics shows the targets of the table in force: the request series, attempts and model
   * version of a target a reload removed go with it, so reloads do not pile up series.
   */
  @Test
  void theMetricsForgetATargetTheNewTableRemoved() throws Exception {
    try (GatewayHarness gateway = startGateway(Map.of("mock-a", "sk-1", "mock-b", "sk-1"))) {
      assertThat(gateway.post("/v1/chat/completions", chat("chat", false)).statusCode())
          .isEqualTo(200);
      assertThat(targetSeries(gateway, "mock-a")).isNotEmpty();

      gateway.writeTable(version(gateway.mock(), 1));
      gateway.awaitConfigVersion(RoutingTableCodec.configVersionOf(version(gateway.mock(), 1)));
      assertThat(gateway.post("/v1/chat/completions", chat("chat", false)).statusCode())
          .isEqualTo(200);

      assertThat(targetSeries(gateway, "mock-b")).isNotEmpty();
      assertThat(targetSeries(gateway, "mock-a")).isEmpty();
    }
  }

  /** The per-target request, attempt and model-version series of {@code provider}. */
  private static List<String> targetSeries(GatewayHarness gateway, String provider)
      throws Exception {
    return gateway
        .admin("/metrics")
        .body()
        .lines()
        .filter(
            l ->
                l.startsWith("gen_ai_client_operation_duration_seconds_count")
                    || l.startsWith("switchboard_upstream_attempts_total")
                    || l.startsWith("switchboard_model_version{"))
        .filter(l -> l.contains(provider))
        .toList();
  }

  @Test
  void anInvalidDocumentIsRejectedAndThePreviousTableKeepsServing() throws Exception {
    try (GatewayHarness gateway = startGateway(Map.of("mock-a", "sk-1"))) {
      String good = gateway.configVersion().orElseThrow();

      gateway.writeRoutingText(
          "{\"schemaVersion\":1,\"routes\":[{\"name\":\"x\",\"model\":\"x\"}]}");
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  json(gateway.admin("/admin/config").body())
                      .path("lastReload")
                      .path("result")
                      .asText()
                      .equals("rejected"));

      assertThat(gateway.configVersion()).contains(good);
      assertThat(gateway.post("/v1/chat/completions", chat("chat", false)).statusCode())
          .isEqualTo(200);
      assertThat(gateway.get("/readyz").statusCode()).isEqualTo(200);
      assertThat(gateway.admin("/metrics").body())
          .contains("switchboard_config_reload_total{result=\"rejected\"} 1");
      assertThat(
              json(gateway.admin("/admin/config").body())
                  .path("lastReload")
                  .path("problems")
                  .toString())
          .contains("has no targets");
    }
  }

  @Test
  void keyRotationTakesEffectWithoutRestart() throws Exception {
    try (GatewayHarness gateway = startGateway(Map.of("mock-a", "sk-1"))) {
      assertThat(gateway.post("/v1/chat/completions", chat("chat", false)).statusCode())
          .isEqualTo(200);

      // The provider revokes the old key before the gateway has the new one: a config error.
      gateway.mock().setKeys("sk-2");
      HttpResponse<String> rejected = gateway.post("/v1/chat/completions", chat("chat", false));
      assertThat(rejected.statusCode()).isEqualTo(502);
      assertThat(json(rejected.body()).path("error").path("code").asText())
          .isEqualTo("upstream_auth_failed");
      assertThat(rejected.body()).doesNotContain("sk-1").doesNotContain("sk-2");

      gateway.writeKey("mock-a", "sk-2\n");
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () -> gateway.post("/v1/chat/completions", chat("chat", false)).statusCode() == 200);
      List<RequestRecord> requests = gateway.mock().requests();
      RequestRecord last = requests.get(requests.size() - 1);
      assertThat(last.keyFingerprint()).isEqualTo(RequestRecord.fingerprint("sk-2"));
    }
  }

  /**
   * The table the operator publishes in a namespace without ModelRoutes: the gateway that loads it
   * is ready (helm --wait, Flux and Argo CD wait for that), knows no model and says so per request.
   */
  @Test
  void anEmptyTableMakesTheGatewayReadyWithNoModel() throws Exception {
    vertx = Vertx.vertx();
    try (GatewayHarness gateway =
        GatewayHarness.start(vertx, dir, TestTables.table(List.of(), List.of()), Map.of())) {
      assertThat(gateway.get("/readyz").statusCode()).isEqualTo(200);
      HttpResponse<String> models = gateway.get("/v1/models");
      assertThat(models.statusCode()).isEqualTo(200);
      assertThat(json(models.body()).path("data").isArray()).isTrue();
      assertThat(json(models.body()).path("data").size()).isZero();
      HttpResponse<String> chat = gateway.post("/v1/chat/completions", chat("gpt-4o-mini", false));
      assertThat(chat.statusCode()).isEqualTo(404);
      assertThat(json(chat.body()).path("error").path("code").asText())
          .isEqualTo("model_not_found");
    }
  }

  @Test
  void notReadyUntilARoutingFileAppears() throws Exception {
    vertx = Vertx.vertx();
    mock = MockProvider.startBlocking(vertx, new MockProviderOptions().keys("sk-1"));
    Path routing = dir.resolve("later.json");
    GatewayServer server =
        GatewayServer.start(
                vertx,
                GatewayOptions.defaults()
                    .withHost("127.0.0.1")
                    .withPort(0)
                    .withAdminPort(0)
                    .withRoutingFile(routing)
                    .withKeysDir(null)
                    .withFileCheckIntervalMs(25))
            .toCompletionStage()
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
    try {
      HttpClient http = HttpClient.newHttpClient();
      String origin = "http://127.0.0.1:" + server.port();
      HttpResponse<String> notReady =
          http.send(
              HttpRequest.newBuilder(URI.create(origin + "/readyz")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(notReady.statusCode()).isEqualTo(503);
      HttpResponse<String> chatBeforeTable =
          http.send(
              HttpRequest.newBuilder(URI.create(origin + "/v1/chat/completions"))
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(chat("chat", false)))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(chatBeforeTable.statusCode()).isEqualTo(503);
      assertThat(json(chatBeforeTable.body()).path("error").path("code").asText())
          .isEqualTo("not_ready");

      Files.write(routing, RoutingTableCodec.encode(version(mock, 0)));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  http.send(
                              HttpRequest.newBuilder(URI.create(origin + "/readyz")).build(),
                              HttpResponse.BodyHandlers.ofString())
                          .statusCode()
                      == 200);
    } finally {
      server.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }
}
