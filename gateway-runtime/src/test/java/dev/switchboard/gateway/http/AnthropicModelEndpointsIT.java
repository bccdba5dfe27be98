package dev.switchboard.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /v1/models} and {@code GET /v1/models/{model}} as Anthropic's SDKs call them (with
 * {@code anthropic-version} and {@code x-api-key}): Anthropic's page and ModelInfo shapes, cursor
 * pagination both ways, Anthropic-shaped errors, over real HTTP.
 */
class AnthropicModelEndpointsIT {

  @TempDir static Path dir;

  static Vertx vertx;
  static GatewayHarness gateway;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    gateway =
        GatewayHarness.start(
            vertx,
            dir,
            TestTables.table(
                List.of(TestTables.provider("p", "http://127.0.0.1:9/v1", false)),
                List.of(
                    TestTables.route(
                        "claude-a", List.of("claude-a-latest"), TestTables.target("p", "m", 0)),
                    TestTables.route("claude-b", List.of(), TestTables.target("p", "m", 0)),
                    TestTables.route(
                        "llama",
                        List.of("meta-llama/Llama-3.1-8B-Instruct"),
                        TestTables.target("p", "m", 0)),
                    TestTables.route("gpt-x", List.of(), TestTables.target("p", "m", 0)))),
            Map.of());
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    vertx.close().toCompletionStage().toCompletableFuture().get();
  }

  static HttpResponse<String> anthropic(String path) throws Exception {
    return gateway.send(
        HttpRequest.newBuilder(URI.create(gateway.origin() + path))
            .timeout(Duration.ofSeconds(30))
            .header("anthropic-version", "2023-06-01")
            .header("x-api-key", "sk-ant-client")
            .GET()
            .build());
  }

  static List<String> ids(JsonNode list) {
    List<String> ids = new ArrayList<>();
    list.path("data").forEach(m -> ids.add(m.path("id").asText()));
    return ids;
  }

  /** The ids of the OpenAI-shaped list, which the Anthropic pages must hold too. */
  static List<String> openAiIds() throws Exception {
    HttpResponse<String> res = gateway.get("/v1/models");
    assertThat(res.statusCode()).isEqualTo(200);
    JsonNode list = GatewayHarness.json(res.body());
    assertThat(list.path("object").asText()).isEqualTo("list");
    return ids(list);
  }

  @Test
  void theListIsAnAnthropicPageOfTheSameModelsAsTheOpenAiList() throws Exception {
    List<String> expected = openAiIds();
    long created =
        GatewayHarness.json(gateway.get("/v1/models").body()).at("/data/0/created").asLong();

    HttpResponse<String> res = anthropic("/v1/models");

    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    JsonNode page = GatewayHarness.json(res.body());
    assertThat(page.has("object")).isFalse();
    assertThat(ids(page)).isEqualTo(expected).hasSize(6);
    assertThat(page.path("has_more").asBoolean(true)).isFalse();
    assertThat(page.path("first_id").asText()).isEqualTo("claude-a");
    assertThat(page.path("last_id").asText()).isEqualTo("gpt-x");
    JsonNode first = page.at("/data/0");
    assertThat(first.path("type").asText()).isEqualTo("model");
    assertThat(first.path("display_name").asText()).isEqualTo("claude-a");
    assertThat(first.path("created_at").asText())
        .isEqualTo(Instant.ofEpochSecond(created).toString());
    assertThat(res.headers().firstValue("request-id"))
        .isPresent()
        .isEqualTo(res.headers().firstValue("x-request-id"));
  }

  @Test
  void pagesForwardWithAfterIdUntilHasMoreIsFalse() throws Exception {
    List<String> seen = new ArrayList<>();
    String path = "/v1/models?limit=4";
    int pages = 0;
    while (true) {
      JsonNode page = GatewayHarness.json(anthropic(path).body());
      pages++;
      List<String> ids = ids(page);
      assertThat(ids).hasSizeLessThanOrEqualTo(4);
      assertThat(page.path("first_id").asText()).isEqualTo(ids.get(0));
      seen.addAll(ids);
      if (!page.path("has_more").asBoolean()) {
        break;
      }
      path = "/v1/models?limit=4&after_id=" + page.path("last_id").asText();
    }
    assertThat(pages).isEqualTo(2);
    assertThat(seen).isEqualTo(openAiIds());
  }

  @Test
  void pagesBackwardWithBeforeIdUntilHasMoreIsFalse() throws Exception {
    List<String> all = openAiIds();
    JsonNode page = GatewayHarness.json(anthropic("/v1/models?limit=2&before_id=gpt-x").body());
    // The two models immediately before gpt-x, in listing order; more lie before them.
    assertThat(ids(page)).containsExactly("llama", "meta-llama/Llama-3.1-8B-Instruct");
    assertThat(page.path("has_more").asBoolean()).isTrue();

    List<String> seen = new ArrayList<>(ids(page));
    while (page.path("has_more").asBoolean()) {
      page =
          GatewayHarness.json(
              anthropic("/v1/models?limit=2&before_id=" + page.path("first_id").asText()).body());
      seen.addAll(0, ids(page));
    }
    assertThat(seen).isEqualTo(all.subList(0, all.size() - 1));

    // Before the first model there is nothing: an empty page.
    JsonNode none = GatewayHarness.json(anthropic("/v1/models?before_id=claude-a").body());
    assertThat(ids(none)).isEmpty();
    assertThat(none.path("has_more").asBoolean(true)).isFalse();
    assertThat(none.path("first_id").isNull()).isTrue();
    assertThat(none.path("last_id").isNull()).isTrue();
  }

  @Test
  void retrieveAnswersOneModelInfo() throws Exception {
    // An id with a slash, encoded as Anthropic's SDKs encode path parameters.
    HttpResponse<String> res = anthropic("/v1/models/meta-llama%2FLlama-3.1-8B-Instruct");

    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    JsonNode model = GatewayHarness.json(res.body());
    assertThat(model.path("type").asText()).isEqualTo("model");
    assertThat(model.path("id").asText()).isEqualTo("meta-llama/Llama-3.1-8B-Instruct");
    assertThat(model.path("display_name").asText()).isEqualTo("meta-llama/Llama-3.1-8B-Instruct");
    assertThat(model.has("object")).isFalse();
    assertThat(model.path("created_at").asText())
        .isEqualTo(
            GatewayHarness.json(anthropic("/v1/models").body()).at("/data/0/created_at").asText());
    assertThat(res.headers().firstValue("request-id")).isPresent();
  }

  @Test
  void anUnknownModelIsAnAnthropicNotFoundError() throws Exception {
    HttpResponse<String> res = anthropic("/v1/models/claude-nope");

    assertThat(res.statusCode()).isEqualTo(404);
    JsonNode body = GatewayHarness.json(res.body());
    assertThat(body.path("type").asText()).isEqualTo("error");
    assertThat(body.at("/error/type").asText()).isEqualTo("not_found_error");
    assertThat(body.at("/error/message").asText()).contains("claude-nope");
    assertThat(res.headers().firstValue("request-id"))
        .isPresent()
        .isEqualTo(res.headers().firstValue("x-request-id"));
  }

  @Test
  void aLimitOutsideOneToAThousandIsAnAnthropicInvalidRequest() throws Exception {
    for (String limit : List.of("0", "1001", "-3", "ten", "")) {
      HttpResponse<String> res = anthropic("/v1/models?limit=" + limit);

      assertThat(res.statusCode()).as(limit).isEqualTo(400);
      JsonNode body = GatewayHarness.json(res.body());
      assertThat(body.path("type").asText()).isEqualTo("error");
      assertThat(body.at("/error/type").asText()).isEqualTo("invalid_request_error");
      assertThat(body.at("/error/message").asText()).contains("limit");
    }
    assertThat(ids(GatewayHarness.json(anthropic("/v1/models?limit=1000").body()))).hasSize(6);
    assertThat(ids(GatewayHarness.json(anthropic("/v1/models?limit=1").body())))
        .containsExactly("claude-a");
  }

  @Test
  void aCursorNamingNoModelOrBothCursorsAreAnInvalidRequest() throws Exception {
    for (String query :
        List.of(
            "after_id=claude-nope", "before_id=claude-nope", "after_id=llama&before_id=gpt-x")) {
      HttpResponse<String> res = anthropic("/v1/models?" + query);

      assertThat(res.statusCode()).as(query).isEqualTo(400);
      JsonNode body = GatewayHarness.json(res.body());
      assertThat(body.at("/error/type").asText()).isEqualTo("invalid_request_error");
    }
  }
}
