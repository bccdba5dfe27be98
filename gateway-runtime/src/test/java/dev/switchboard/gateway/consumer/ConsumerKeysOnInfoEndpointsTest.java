package dev.switchboard.gateway.consumer;

import static dev.switchboard.gateway.TestTables.route;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Once consumer keys are required, {@code GET /v1/models}, {@code GET /v1/models/{model}} and
 * {@code GET /v1/switchboard/stats} want a consumer key as every other {@code /v1} request does;
 * the model list holds only the models the key may use, and another model is unknown to it (404);
 * the stats show only the routes of those models, every route's on the admin port. Open access
 * lists every model to anyone.
 */
class ConsumerKeysOnInfoEndpointsTest {

  @TempDir static Path dir;
  static GatewayHarness gateway;
  static GatewayHarness open;

  @BeforeAll
  static void start() throws Exception {
    Path consumers =
        ConsumerFixture.writeConsumers(
            dir,
            ConsumerFixture.consumer("chat-only", "sk-chat", List.of("chat*"), null),
            ConsumerFixture.consumer("everything", "sk-all", null));
    gateway =
        ConsumerFixture.gateway(
            dir,
            consumers,
            m ->
                TestTables.table(
                    List.of(TestTables.provider("mock", m.baseUrl(), true)),
                    List.of(
                        route("chat", List.of("chat-fast"), target("mock", "gpt-4o-mini", 0)),
                        route("secret-model", List.of("hidden"), target("mock", "gpt-4o", 0)))),
            "mock",
            null);
    open =
        GatewayHarness.start(
            gateway.vertx(),
            Files.createDirectories(dir.resolve("open")),
            TestTables.table(
                List.of(TestTables.provider("mock", gateway.mock().baseUrl(), true)),
                List.of(route("chat", List.of(), target("mock", "gpt-4o-mini", 0)))),
            Map.of("mock", "sk-provider"));
  }

  @AfterAll
  static void stop() throws Exception {
    open.close();
    gateway.close();
  }

  static HttpResponse<String> get(GatewayHarness g, String path, String key) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(g.origin() + path)).timeout(Duration.ofSeconds(10));
    if (key != null) {
      b.header("authorization", "Bearer " + key);
    }
    return g.send(b.GET().build());
  }

  static List<String> ids(HttpResponse<String> list) throws Exception {
    List<String> ids = new ArrayList<>();
    for (JsonNode m : GatewayHarness.json(list.body()).get("data")) {
      ids.add(m.get("id").asText());
    }
    return ids;
  }

  @Test
  void withoutAKeyTheInfoEndpointsAnswer401() throws Exception {
    for (String path : List.of("/v1/models", "/v1/models/chat", "/v1/switchboard/stats")) {
      HttpResponse<String> missing = get(gateway, path, null);
      assertThat(missing.statusCode()).as(path).isEqualTo(401);
      assertThat(GatewayHarness.json(missing.body()).at("/error/code").asText())
          .isEqualTo("missing_api_key");
      HttpResponse<String> unknown = get(gateway, path, "sk-nobody");
      assertThat(unknown.statusCode()).as(path).isEqualTo(401);
      assertThat(unknown.body()).doesNotContain("sk-nobody");
    }
    assertThat(get(gateway, "/v1/switchboard/stats", "sk-chat").statusCode()).isEqualTo(200);
    // Health and readiness are probes, not API calls.
    assertThat(get(gateway, "/healthz", null).statusCode()).isEqualTo(200);
    assertThat(get(gateway, "/readyz", null).statusCode()).isEqualTo(200);
  }

  @Test
  void theModelListHoldsOnlyTheModelsTheKeyMayUse() throws Exception {
    HttpResponse<String> chatOnly = get(gateway, "/v1/models", "sk-chat");
    assertThat(chatOnly.statusCode()).isEqualTo(200);
    assertThat(ids(chatOnly)).containsExactly("chat", "chat-fast");
    assertThat(ids(get(gateway, "/v1/models", "sk-all")))
        .containsExactly("chat", "chat-fast", "secret-model", "hidden");

    assertThat(get(gateway, "/v1/models/chat-fast", "sk-chat").statusCode()).isEqualTo(200);
    for (String other : List.of("secret-model", "hidden")) {
      HttpResponse<String> hidden = get(gateway, "/v1/models/" + other, "sk-chat");
      assertThat(hidden.statusCode()).isEqualTo(404);
      assertThat(GatewayHarness.json(hidden.body()).at("/error/code").asText())
          .isEqualTo("model_not_found");
      assertThat(get(gateway, "/v1/models/" + other, "sk-all").statusCode()).isEqualTo(200);
    }
  }

  /** As an Anthropic SDK calls: {@code x-api-key} and {@code anthropic-version}. */
  static HttpResponse<String> anthropic(GatewayHarness g, String path, String key)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(g.origin() + path))
            .timeout(Duration.ofSeconds(10))
            .header("anthropic-version", "2023-06-01");
    if (key != null) {
      b.header("x-api-key", key);
    }
    return g.send(b.GET().build());
  }

  @Test
  void theAnthropicShapedModelListIsFilteredAsTheOpenAiOne() throws Exception {
    for (String key : List.of("sk-chat", "sk-all")) {
      HttpResponse<String> page = anthropic(gateway, "/v1/models", key);
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(ids(page)).isEqualTo(ids(get(gateway, "/v1/models", key)));
    }
    assertThat(ids(anthropic(gateway, "/v1/models", "sk-chat")))
        .containsExactly("chat", "chat-fast");
    // A model the key may not use is neither found nor a cursor to page from.
    JsonNode hidden =
        GatewayHarness.json(anthropic(gateway, "/v1/models/hidden", "sk-chat").body());
    assertThat(hidden.at("/error/type").asText()).isEqualTo("not_found_error");
    assertThat(anthropic(gateway, "/v1/models/hidden", "sk-all").statusCode()).isEqualTo(200);
    assertThat(anthropic(gateway, "/v1/models?after_id=hidden", "sk-chat").statusCode())
        .isEqualTo(400);

    HttpResponse<String> missing = anthropic(gateway, "/v1/models", null);
    assertThat(missing.statusCode()).isEqualTo(401);
    JsonNode error = GatewayHarness.json(missing.body());
    assertThat(error.path("type").asText()).isEqualTo("error");
    assertThat(error.at("/error/type").asText()).isEqualTo("authentication_error");
    HttpResponse<String> unknown = anthropic(gateway, "/v1/models/chat", "sk-nobody");
    assertThat(unknown.statusCode()).isEqualTo(401);
    assertThat(unknown.body()).doesNotContain("sk-nobody");
  }

  @Test
  void theStatsHoldOnlyTheRoutesTheKeyMayUse() throws Exception {
    for (String model : List.of("chat-fast", "hidden")) {
      HttpResponse<String> served =
          gateway.send(
              ConsumerFixture.post(
                  gateway, "/v1/chat/completions", "sk-all", GatewayHarness.chat(model, false)));
      assertThat(served.statusCode()).as(model).isEqualTo(200);
    }

    JsonNode chatOnly =
        GatewayHarness.json(get(gateway, "/v1/switchboard/stats", "sk-chat").body());
    assertThat(fieldNames(chatOnly.get("routes"))).containsExactly("chat");
    assertThat(chatOnly.at("/routes/chat/requests").asInt()).isEqualTo(1);
    assertThat(routesOfTargets(chatOnly)).containsExactly("chat");
    assertThat(fieldNames(chatOnly.get("cache"))).doesNotContain("secret-model");

    JsonNode everything =
        GatewayHarness.json(get(gateway, "/v1/switchboard/stats", "sk-all").body());
    assertThat(fieldNames(everything.get("routes"))).containsExactly("chat", "secret-model");
    assertThat(routesOfTargets(everything)).containsExactly("chat", "secret-model");

    // The operator's view of every route stays on the admin port, which needs no consumer key.
    HttpResponse<String> admin = gateway.admin("/admin/stats");
    assertThat(admin.statusCode()).isEqualTo(200);
    assertThat(fieldNames(GatewayHarness.json(admin.body()).get("routes")))
        .containsExactly("chat", "secret-model");
  }

  static List<String> fieldNames(JsonNode object) {
    List<String> names = new ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }

  static List<String> routesOfTargets(JsonNode stats) {
    List<String> routes = new ArrayList<>();
    for (JsonNode row : stats.get("targets")) {
      routes.add(row.get("route").asText());
    }
    return routes;
  }

  @Test
  void openAccessListsEveryModelToAnyone() throws Exception {
    assertThat(ids(get(open, "/v1/models", null))).containsExactly("chat");
    assertThat(get(open, "/v1/models/chat", null).statusCode()).isEqualTo(200);
    assertThat(get(open, "/v1/switchboard/stats", null).statusCode()).isEqualTo(200);
  }
}
