package dev.switchboard.gateway.frontdoor;

import static dev.switchboard.gateway.GatewayHarness.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import dev.switchboard.mock.openai.ChatAnswer;
import dev.switchboard.mock.record.RequestRecord;
import dev.switchboard.mock.sse.SseEvent;
import dev.switchboard.mock.sse.SseParser;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The native Anthropic adapter and the {@code /v1/messages} front door against the mock provider
 * speaking both wire formats: chat clients on an Anthropic target (translated), Messages clients on
 * an Anthropic target (passed through byte for byte apart from model) and on an OpenAI target
 * (translated back), streaming and not, tools, cache-token usage and cost, errors and failover.
 */
class AnthropicGatewayIT {

  @TempDir static Path dir;
  static MockProvider mock;
  static GatewayHarness gateway;

  /** What the stand-in Anthropic upstream of provider {@code claude-raw} was last sent. */
  static final AtomicReference<String> rawBody = new AtomicReference<>();

  @BeforeAll
  static void start() throws Exception {
    gateway =
        GatewayHarness.withMocks(
            dir,
            List.of(new MockProviderOptions().keys("sk-ant", "sk-oai", "sk-gem")),
            (vertx, mocks) -> table(mocks.get(0), rawUpstream(vertx)),
            Map.of(
                "claude",
                "sk-ant",
                "oai",
                "sk-oai",
                "openai",
                "sk-oai",
                "azure",
                "sk-oai",
                "claude-raw",
                "sk-raw",
                "gem",
                "sk-gem"));
    mock = gateway.mock();
  }

  /**
   * A stand-in Anthropic upstream that keeps the raw bytes of what it was sent in {@link #rawBody};
   * it closes with the harness's Vert.x.
   */
  static HttpServer rawUpstream(Vertx vertx) throws Exception {
    return GatewayHarness.upstream(
        vertx,
        (req, body) -> {
          rawBody.set(body.toString(StandardCharsets.UTF_8));
          req.response()
              .putHeader("content-type", "application/json")
              .end(
                  "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":"
                      + "\"assistant\",\"model\":\"claude-raw\",\"content\":"
                      + "[{\"type\":\"text\",\"text\":\"ok\"}],"
                      + "\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
                      + "\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}");
        });
  }

  /** Providers of each wire format on {@code mock}, and {@code claude-raw} on {@code raw}. */
  static RoutingTable table(MockProvider mock, HttpServer raw) {
    RoutingTable.Model claudePrice =
        new RoutingTable.Model(
            List.of("chat", "tools", "vision"),
            200_000L,
            new RoutingTable.Pricing(3.0, 15.0, 0.3, "USD"),
            null);
    return TestTables.table(
        List.of(
            TestTables.provider(
                "claude",
                "anthropic",
                mock.baseUrl(),
                true,
                Map.of(
                    "claude-sonnet-4-5",
                    claudePrice,
                    "claude-cost",
                    claudePrice,
                    "claude-overloaded",
                    claudePrice,
                    "claude-busy",
                    claudePrice,
                    "claude-primed",
                    new RoutingTable.Model(
                        List.of("chat"),
                        200_000L,
                        new RoutingTable.Pricing(3.0, 15.0, 0.3, "USD", null, null, 3.75),
                        null)),
                null),
            TestTables.provider("oai", "openai-compatible", mock.baseUrl(), true, Map.of(), null),
            TestTables.provider("openai", "openai", mock.baseUrl(), true, Map.of(), null),
            TestTables.provider("azure", "azure-openai", mock.origin(), true, Map.of(), null),
            TestTables.provider("gem", "gemini", mock.origin() + "/v1beta", true, Map.of(), null),
            TestTables.provider(
                "claude-raw",
                "anthropic",
                "http://127.0.0.1:" + raw.actualPort() + "/v1",
                true,
                Map.of(),
                null)),
        List.of(
            TestTables.route(
                "claude", List.of(), TestTables.target("claude", "claude-sonnet-4-5", 0)),
            TestTables.route("costed", List.of(), TestTables.target("claude", "claude-cost", 0)),
            TestTables.route("primed", List.of(), TestTables.target("claude", "claude-primed", 0)),
            TestTables.route("gpt", List.of(), TestTables.target("oai", "gpt-4o-mini", 0)),
            TestTables.route("busy", List.of(), TestTables.target("claude", "claude-busy", 0)),
            TestTables.route("o3", List.of(), TestTables.target("openai", "o3-mini", 0)),
            TestTables.route("azure-o3", List.of(), TestTables.target("azure", "o3-mini", 0)),
            TestTables.route("raw", List.of(), TestTables.target("claude-raw", "claude-raw", 0)),
            TestTables.route(
                "openai-first",
                List.of(),
                TestTables.target("oai", "gpt-broken", 0),
                TestTables.target("claude", "claude-sonnet-4-5", 1)),
            TestTables.route(
                "three-families",
                List.of(),
                TestTables.target("oai", "gpt-down", 0),
                TestTables.target("claude", "claude-overloaded", 1),
                TestTables.target("gem", "gemini-2.5-flash", 2)),
            TestTables.route(
                "claude-first",
                List.of(),
                TestTables.target("claude", "claude-overloaded", 0),
                TestTables.target("oai", "gpt-4o-mini", 1))));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  @BeforeEach
  void reset() {
    mock.reset();
  }

  private static RequestRecord lastRecord() {
    List<RequestRecord> records = mock.requests();
    return records.get(records.size() - 1);
  }

  @Test
  void chatClientsGetAnthropicAnswersAsChatCompletions() throws Exception {
    HttpResponse<String> res =
        gateway.post(
            "/v1/chat/completions",
            "{\"model\":\"claude\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                + "{\"role\":\"user\",\"content\":\"hello there\"}],\"stop\":\"END\"}");
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    JsonNode body = json(res.body());
    assertThat(body.path("object").asText()).isEqualTo("chat.completion");
    assertThat(body.at("/choices/0/message/content").asText())
        .isEqualTo("Echo from claude-sonnet-4-5: hello there");
    assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    assertThat(body.at("/usage/prompt_tokens").asInt()).isPositive();

    RequestRecord sent = lastRecord();
    assertThat(sent.path()).isEqualTo("/v1/messages");
    assertThat(sent.headers().get("anthropic-version")).containsExactly("2023-06-01");
    assertThat(sent.headers()).containsKey("x-api-key").doesNotContainKey("authorization");
    assertThat(sent.body().getString("system")).isEqualTo("Be brief.");
    assertThat(sent.body().getInteger("max_tokens")).isEqualTo(4096);
    assertThat(sent.body().getJsonArray("stop_sequences").getString(0)).isEqualTo("END");
  }

  @Test
  void chatStreamsFromAnthropicCarryToolCallsAndUsage() throws Exception {
    HttpResponse<String> res =
        gateway.post(
            "/v1/chat/completions",
            "{\"model\":\"claude\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"lookup\","
                + "\"parameters\":{\"type\":\"object\"}}}],"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"please lookup\"}]}");
    assertThat(res.statusCode()).isEqualTo(200);
    List<SseEvent> events = SseParser.parseAll(res.body());
    assertThat(events.get(events.size() - 1).isDone()).isTrue();
    StringBuilder arguments = new StringBuilder();
    String name = null;
    String finish = null;
    JsonNode usage = null;
    for (SseEvent e : events.subList(0, events.size() - 1)) {
      JsonNode chunk = json(e.data());
      assertThat(chunk.path("object").asText()).isEqualTo("chat.completion.chunk");
      for (JsonNode call : chunk.at("/choices/0/delta/tool_calls")) {
        assertThat(call.path("index").asInt()).isZero();
        if (call.at("/function/name").isTextual()) {
          name = call.at("/function/name").asText();
        }
        arguments.append(call.at("/function/arguments").asText(""));
      }
      if (chunk.at("/choices/0/finish_reason").isTextual()) {
        finish = chunk.at("/choices/0/finish_reason").asText();
      }
      if (chunk.path("usage").isObject()) {
        usage = chunk.path("usage");
      }
    }
    assertThat(name).isEqualTo("lookup");
    assertThat(json(arguments.toString()).path("query").asText()).isEqualTo("please lookup");
    assertThat(finish).isEqualTo("tool_calls");
    assertThat(usage).isNotNull();
    assertThat(usage.path("completion_tokens").asInt()).isPositive();
  }

  @Test
  void aToolWithoutParametersStreamsArgumentsThatParseAsTheJsonAnswersDo() throws Exception {
    String request =
        "{\"model\":\"claude\",\"tool_choice\":\"required\",\"tools\":[{\"type\":\"function\","
            + "\"function\":{\"name\":\"get_time\",\"parameters\":{\"type\":\"object\","
            + "\"properties\":{}}}}],\"messages\":[{\"role\":\"user\",\"content\":\"time?\"}]";
    HttpResponse<String> whole = gateway.post("/v1/chat/completions", request + "}");
    assertThat(whole.statusCode()).as(whole.body()).isEqualTo(200);
    assertThat(json(whole.body()).at("/choices/0/message/tool_calls/0/function/arguments").asText())
        .isEqualTo("{}");

    HttpResponse<String> res = gateway.post("/v1/chat/completions", request + ",\"stream\":true}");
    assertThat(res.statusCode()).isEqualTo(200);
    // The mock streams the call as Anthropic does: "input": {} and one empty partial_json.
    assertThat(mock.requests())
        .last()
        .satisfies(r -> assertThat(r.path()).isEqualTo("/v1/messages"));
    StringBuilder arguments = new StringBuilder();
    String name = null;
    String finish = null;
    List<SseEvent> events = SseParser.parseAll(res.body());
    for (SseEvent e : events.subList(0, events.size() - 1)) {
      JsonNode chunk = json(e.data());
      for (JsonNode call : chunk.at("/choices/0/delta/tool_calls")) {
        if (call.at("/function/name").isTextual()) {
          name = call.at("/function/name").asText();
        }
        arguments.append(call.at("/function/arguments").asText(""));
      }
      if (chunk.at("/choices/0/finish_reason").isTextual()) {
        finish = chunk.at("/choices/0/finish_reason").asText();
      }
    }
    assertThat(name).isEqualTo("get_time");
    assertThat(arguments.toString()).isEqualTo("{}");
    assertThat(json(arguments.toString()).isObject()).isTrue();
    assertThat(finish).isEqualTo("tool_calls");
  }

  @Test
  void cacheTokensAreCountedAndPricedWithoutLosingOne() throws Exception {
    mock.faults().add("claude-cost", "tokens:50,prompt-tokens:1000,cached-tokens:400", 2);
    HttpResponse<String> chat =
        gateway.post(
            "/v1/chat/completions",
            "{\"model\":\"costed\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
    assertThat(json(chat.body()).at("/usage/prompt_tokens").asInt()).isEqualTo(1000);
    assertThat(json(chat.body()).at("/usage/prompt_tokens_details/cached_tokens").asInt())
        .isEqualTo(400);
    // Through /v1/messages with a cache breakpoint: the mock writes 300 tokens to the cache.
    HttpResponse<String> messages =
        gateway.post(
            "/v1/messages",
            "{\"model\":\"costed\",\"max_tokens\":100,\"system\":[{\"type\":\"text\",\"text\":"
                + "\"long prefix\",\"cache_control\":{\"type\":\"ephemeral\"}}],"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
    JsonNode usage = json(messages.body()).path("usage");
    assertThat(usage.path("input_tokens").asInt()).isEqualTo(300);
    assertThat(usage.path("cache_read_input_tokens").asInt()).isEqualTo(400);
    assertThat(usage.path("cache_creation_input_tokens").asInt()).isEqualTo(300);

    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                json(gateway.get("/v1/switchboard/stats").body())
                        .at("/routes/costed/requests")
                        .asInt()
                    == 2);
    String metrics = gateway.admin("/metrics").body();
    String labels = "provider=\"claude\",route=\"costed\",target_model=\"claude-cost\"}";
    // Each: 600 uncached input at $3, 400 cache reads at $0.30, 50 output at $15 per million.
    assertThat(metric(metrics, "switchboard_cost_usd_total{arm=\"stable\"," + labels))
        .isCloseTo(2 * (600 * 3.0 + 400 * 0.3 + 50 * 15.0) / 1e6, within(1e-12));
    String tokens = "gen_ai_client_token_usage_tokens_sum{arm=\"stable\",gen_ai_token_type=\"%s\",";
    assertThat(metric(metrics, tokens.formatted("input") + labels)).isEqualTo(2000.0);
    assertThat(metric(metrics, tokens.formatted("cached") + labels)).isEqualTo(800.0);
  }

  @Test
  void cacheWritesArePricedAtTheCacheWritePriceInJsonAndStreams() throws Exception {
    mock.faults().add("claude-primed", "tokens:50,prompt-tokens:1000,cached-tokens:400", 2);
    // A cache breakpoint: of the 600 uncached prompt tokens the mock writes 300 to the cache.
    String request =
        "{\"model\":\"primed\",\"max_tokens\":100,\"system\":[{\"type\":\"text\",\"text\":"
            + "\"long prefix\",\"cache_control\":{\"type\":\"ephemeral\"}}],"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]";
    HttpResponse<String> answer = gateway.post("/v1/messages", request + "}");
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    assertThat(json(answer.body()).at("/usage/cache_creation_input_tokens").asInt()).isEqualTo(300);
    // Streamed, the input side arrives in message_start.
    HttpResponse<String> stream = gateway.post("/v1/messages", request + ",\"stream\":true}");
    assertThat(stream.statusCode()).as(stream.body()).isEqualTo(200);
    assertThat(stream.body()).contains("\"cache_creation_input_tokens\":300");

    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                json(gateway.get("/v1/switchboard/stats").body())
                        .at("/routes/primed/requests")
                        .asInt()
                    == 2);
    // Each: 300 uncached input at $3, 400 cache reads at $0.30, 300 cache writes at $3.75 (not
    // the $3 input price), 50 output at $15 per million.
    double each = (300 * 3.0 + 400 * 0.3 + 300 * 3.75 + 50 * 15.0) / 1e6;
    String labels = "provider=\"claude\",route=\"primed\",target_model=\"claude-primed\"}";
    String metrics = gateway.admin("/metrics").body();
    assertThat(metric(metrics, "switchboard_cost_usd_total{arm=\"stable\"," + labels))
        .isCloseTo(2 * each, within(1e-12));
    JsonNode row = null;
    for (JsonNode t : json(gateway.get("/v1/switchboard/stats").body()).path("targets")) {
      if (t.path("route").asText().equals("primed")) {
        row = t;
      }
    }
    assertThat(row).as("the stats row of route primed").isNotNull();
    assertThat(row.path("cost_per_1k_requests_usd").asDouble())
        .isCloseTo(1000 * each, within(1e-6));
    assertThat(row.path("mean_cache_write_input_tokens").asDouble()).isEqualTo(300.0);
    // Clients see the whole input as before: the gateway's input count includes the writes.
    String tokens = "gen_ai_client_token_usage_tokens_sum{arm=\"stable\",gen_ai_token_type=\"%s\",";
    assertThat(metric(metrics, tokens.formatted("input") + labels)).isEqualTo(2000.0);
    assertThat(metric(metrics, tokens.formatted("cache_creation") + labels)).isEqualTo(600.0);
    assertThat(metric(metrics, tokens.formatted("cache_read") + labels)).isEqualTo(800.0);
  }

  @Test
  void messagesToAnAnthropicTargetPassThroughByteForByteApartFromModel() throws Exception {
    String body =
        "{\"model\":\"raw\",  \"max_tokens\":64,\"thinking\":{\"type\":\"enabled\","
            + "\"budget_tokens\":1024},\"system\":[{\"type\":\"text\",\"text\":\"sys\","
            + "\"cache_control\":{\"type\":\"ephemeral\"}}],\"messages\":[{\"role\":\"user\","
            + "\"content\":[{\"type\":\"text\",\"text\":\"hi \\u00e9\"}]}],\"temperature\":1.0}";
    HttpResponse<String> res =
        gateway.post("/v1/messages", body, "x-api-key", "client-key", "anthropic-version", "x");
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    // The answer is relayed as the upstream's bytes.
    assertThat(json(res.body()).path("model").asText()).isEqualTo("claude-raw");
    assertThat(rawBody.get())
        .isEqualTo(body.replace("\"model\":\"raw\"", "\"model\":\"claude-raw\""));

    // On the mock: the gateway's provider key travels, never the client's.
    gateway.post(
        "/v1/messages",
        "{\"model\":\"claude\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
        "x-api-key",
        "client-key");
    RequestRecord sent = lastRecord();
    assertThat(sent.keyFingerprint()).isEqualTo(RequestRecord.fingerprint("sk-ant"));
    assertThat(sent.headers().get("anthropic-version")).containsExactly("2023-06-01");
  }

  @Test
  void whatOnlyAnthropicUnderstandsReachesAnthropicTargetsAndIsRefusedWhereItWouldBeBridged()
      throws Exception {
    // A server tool, a document and a screenshot in a tool result: Claude Code's everyday request.
    String body =
        "{\"model\":\"%s\",\"max_tokens\":64,"
            + "\"tools\":[{\"type\":\"web_search_20250305\",\"name\":\"web_search\"}],"
            + "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"document\",\"source\":"
            + "{\"type\":\"text\",\"media_type\":\"text/plain\",\"data\":\"notes\"}},"
            + "{\"type\":\"text\",\"text\":\"look\"}]},{\"role\":\"assistant\",\"content\":"
            + "[{\"type\":\"tool_use\",\"id\":\"t1\",\"name\":\"shot\",\"input\":{}}]},"
            + "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"t1\","
            + "\"content\":[{\"type\":\"image\",\"source\":{\"type\":\"base64\","
            + "\"media_type\":\"image/png\",\"data\":\"iVBORw0KGgo=\"}}]},"
            + "{\"type\":\"text\",\"text\":\"and now?\"}]}]}";
    HttpResponse<String> raw = gateway.post("/v1/messages", body.formatted("raw"));
    assertThat(raw.statusCode()).as(raw.body()).isEqualTo(200);
    assertThat(rawBody.get())
        .isEqualTo(body.formatted("raw").replace("\"model\":\"raw\"", "\"model\":\"claude-raw\""));
    HttpResponse<String> counted =
        gateway.post("/v1/messages/count_tokens", body.formatted("claude"));
    assertThat(counted.statusCode()).as(counted.body()).isEqualTo(200);

    // A route that could fail over to an OpenAI target keeps such a request to its Anthropic one.
    mock.faults().set("claude-overloaded", "status:529");
    HttpResponse<String> kept = gateway.post("/v1/messages", body.formatted("claude-first"));
    assertThat(kept.statusCode()).as(kept.body()).isEqualTo(529); // its overloaded answer
    assertThat(mock.requests()).anyMatch(r -> r.path().equals("/v1/messages"));
    assertThat(mock.requests()).noneMatch(r -> r.path().equals("/v1/chat/completions"));

    // Only a target that would get it bridged: refused, saying what cannot be bridged.
    HttpResponse<String> bridged = gateway.post("/v1/messages", body.formatted("gpt"));
    assertThat(bridged.statusCode()).isEqualTo(400);
    assertThat(json(bridged.body()).at("/error/type").asText()).isEqualTo("invalid_request_error");
    assertThat(json(bridged.body()).at("/error/message").asText()).contains("document");
  }

  @Test
  void anthropicBetaReachesAnAnthropicTargetOnlyWhenPassedThrough() throws Exception {
    String body =
        "{\"model\":\"%s\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";
    HttpResponse<String> native_ =
        gateway.post(
            "/v1/messages",
            body.formatted("claude"),
            "x-api-key",
            "client-key",
            "anthropic-beta",
            "prompt-caching-2024-07-31,context-1m-2025-08-07");
    assertThat(native_.statusCode()).as(native_.body()).isEqualTo(200);
    assertThat(lastRecord().headers().get("anthropic-beta"))
        .containsExactly("prompt-caching-2024-07-31,context-1m-2025-08-07");

    // Bridged to an OpenAI target: the Anthropic option means nothing there and is not sent.
    HttpResponse<String> bridged =
        gateway.post(
            "/v1/messages",
            body.formatted("gpt"),
            "x-api-key",
            "client-key",
            "anthropic-beta",
            "prompt-caching-2024-07-31");
    assertThat(bridged.statusCode()).as(bridged.body()).isEqualTo(200);
    assertThat(lastRecord().headers()).doesNotContainKey("anthropic-beta");

    // Chat clients never forward it, even to an Anthropic target (the request is translated).
    gateway.post(
        "/v1/chat/completions",
        "{\"model\":\"claude\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
        "anthropic-beta",
        "prompt-caching-2024-07-31");
    assertThat(lastRecord().headers()).doesNotContainKey("anthropic-beta");
  }

  @Test
  void messagesStreamsRelayAnthropicEventsIncludingPings() throws Exception {
    HttpResponse<String> res =
        gateway.post(
            "/v1/messages",
            "{\"model\":\"claude\",\"max_tokens\":64,\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"stream me\"}]}");
    List<SseEvent> events = SseParser.parseAll(res.body());
    assertThat(events.stream().map(SseEvent::event))
        .contains("ping")
        .startsWith("message_start")
        .endsWith("message_delta", "message_stop");
    StringBuilder text = new StringBuilder();
    for (SseEvent e : events) {
      JsonNode data = json(e.data());
      assertThat(data.path("type").asText()).isEqualTo(e.event());
      text.append(data.at("/delta/text").asText(""));
    }
    assertThat(text.toString()).isEqualTo("Echo from claude-sonnet-4-5: stream me");
  }

  @Test
  void messagesToAnOpenAiTargetAreTranslatedBothWays() throws Exception {
    HttpResponse<String> res =
        gateway.post(
            "/v1/messages",
            "{\"model\":\"gpt\",\"max_tokens\":64,\"system\":\"Be brief.\","
                + "\"tools\":[{\"name\":\"lookup\",\"input_schema\":{\"type\":\"object\"}}],"
                + "\"tool_choice\":{\"type\":\"any\"},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"find it\"}]}");
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    JsonNode message = json(res.body());
    assertThat(message.path("type").asText()).isEqualTo("message");
    assertThat(message.path("stop_reason").asText()).isEqualTo("tool_use");
    assertThat(message.at("/content/0/type").asText()).isEqualTo("tool_use");
    assertThat(message.at("/content/0/name").asText()).isEqualTo("lookup");
    assertThat(message.at("/content/0/input/query").asText()).isEqualTo("find it");
    RequestRecord sent = lastRecord();
    assertThat(sent.path()).isEqualTo("/v1/chat/completions");
    assertThat(sent.body().getString("tool_choice")).isEqualTo("required");
    assertThat(sent.body().getJsonArray("messages").getJsonObject(0).getString("role"))
        .isEqualTo("system");

    HttpResponse<String> stream =
        gateway.post(
            "/v1/messages",
            "{\"model\":\"gpt\",\"max_tokens\":64,\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"stream from openai\"}]}");
    List<SseEvent> events = SseParser.parseAll(stream.body());
    assertThat(events.stream().map(SseEvent::event))
        .startsWith("message_start", "ping", "content_block_start")
        .endsWith("content_block_stop", "message_delta", "message_stop");
    StringBuilder text = new StringBuilder();
    for (SseEvent e : events) {
      text.append(json(e.data()).at("/delta/text").asText(""));
    }
    assertThat(text.toString()).isEqualTo("Echo from gpt-4o-mini: stream from openai");
    JsonNode delta = json(events.get(events.size() - 2).data());
    assertThat(delta.at("/delta/stop_reason").asText()).isEqualTo("end_turn");
    assertThat(delta.at("/usage/output_tokens").asInt()).isPositive();
  }

  /**
   * A Message the gateway makes from a chat answer has a Message id ({@code msg_…}, as Anthropic's
   * SDKs type it), JSON and stream alike, made the same way from the request id; not the chat
   * completion's {@code chatcmpl-…}.
   */
  @Test
  void aBridgedMessageHasAMessageIdInJsonAsInItsStream() throws Exception {
    String request =
        "{\"model\":\"gpt\",\"max_tokens\":16,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
    HttpResponse<String> answer =
        gateway.post("/v1/messages", request + "}", "x-request-id", "req-json-1");
    HttpResponse<String> stream =
        gateway.post("/v1/messages", request + ",\"stream\":true}", "x-request-id", "req-sse-1");

    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    assertThat(json(answer.body()).path("id").asText()).isEqualTo("msg_reqjson1");
    JsonNode start = json(SseParser.parseAll(stream.body()).get(0).data());
    assertThat(start.at("/message/id").asText()).isEqualTo("msg_reqsse1");
  }

  /**
   * OpenAI finishes a refusal with {@code stop} and {@code message.refusal}; a Messages client gets
   * Anthropic's {@code stop_reason: refusal}, not {@code end_turn}, as for a content filter's cut.
   */
  @Test
  void anOpenAiRefusalEndsTheTurnWithRefusal() throws Exception {
    String request =
        "{\"model\":\"gpt\",\"max_tokens\":64,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"refuse me\"}]";
    for (String fault : List.of("refusal", "content-filter")) {
      mock.faults().set("gpt-4o-mini", fault);
      HttpResponse<String> res = gateway.post("/v1/messages", request + "}");
      assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
      JsonNode message = json(res.body());
      assertThat(message.path("stop_reason").asText()).as(fault).isEqualTo("refusal");
      assertThat(message.at("/content/0/text").asText()).isNotEmpty();

      HttpResponse<String> stream = gateway.post("/v1/messages", request + ",\"stream\":true}");
      List<SseEvent> events = SseParser.parseAll(stream.body());
      assertThat(events.stream().map(SseEvent::event))
          .endsWith("content_block_stop", "message_delta", "message_stop");
      JsonNode delta = json(events.get(events.size() - 2).data());
      assertThat(delta.at("/delta/stop_reason").asText()).as(fault).isEqualTo("refusal");
    }
    mock.faults().set("gpt-4o-mini", "refusal");
    assertThat(
            json(gateway.post("/v1/messages", request + "}").body()).at("/content/0/text").asText())
        .isEqualTo(ChatAnswer.REFUSAL_TEXT);
  }

  @Test
  void aToolForcedByNameOnAnOpenAiTargetEndsTheTurnWithToolUse() throws Exception {
    // OpenAI (and the mock) finish a call forced by a named tool_choice with "stop".
    String request =
        "{\"model\":\"gpt\",\"max_tokens\":64,"
            + "\"tools\":[{\"name\":\"lookup\",\"input_schema\":{\"type\":\"object\"}}],"
            + "\"tool_choice\":{\"type\":\"tool\",\"name\":\"lookup\"},"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"find it\"}]";
    HttpResponse<String> res = gateway.post("/v1/messages", request + "}");
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    JsonNode message = json(res.body());
    assertThat(message.at("/content/0/type").asText()).isEqualTo("tool_use");
    assertThat(message.at("/content/0/name").asText()).isEqualTo("lookup");
    assertThat(message.path("stop_reason").asText()).isEqualTo("tool_use");
    assertThat(lastRecord().body().getJsonObject("tool_choice").encode())
        .isEqualTo("{\"type\":\"function\",\"function\":{\"name\":\"lookup\"}}");

    HttpResponse<String> stream = gateway.post("/v1/messages", request + ",\"stream\":true}");
    List<SseEvent> events = SseParser.parseAll(stream.body());
    assertThat(events.stream().map(SseEvent::event))
        .contains("content_block_start")
        .endsWith("content_block_stop", "message_delta", "message_stop");
    JsonNode block = null;
    for (SseEvent e : events) {
      if (block == null && "content_block_start".equals(e.event())) {
        block = json(e.data()).path("content_block");
      }
    }
    assertThat(block.path("type").asText()).isEqualTo("tool_use");
    JsonNode delta = json(events.get(events.size() - 2).data());
    assertThat(delta.at("/delta/stop_reason").asText()).isEqualTo("tool_use");
  }

  @Test
  void messagesBridgedToOpenAiReasoningModelsCarryTheirLimitAsMaxCompletionTokens()
      throws Exception {
    // o-series and gpt-5 refuse max_tokens (400 unsupported_parameter), on OpenAI and on Azure.
    for (String route : List.of("o3", "azure-o3")) {
      HttpResponse<String> res =
          gateway.post(
              "/v1/messages",
              "{\"model\":\""
                  + route
                  + "\",\"max_tokens\":64,"
                  + "\"messages\":[{\"role\":\"user\",\"content\":\"think\"}]}");
      assertThat(res.statusCode()).as(route + ": " + res.body()).isEqualTo(200);
      assertThat(json(res.body()).at("/content/0/text").asText())
          .isEqualTo("Echo from o3-mini: think");
      assertThat(lastRecord().body().getInteger("max_completion_tokens")).isEqualTo(64);
      assertThat(lastRecord().body().containsKey("max_tokens")).isFalse();
    }
    // An OpenAI-compatible server (Mistral, vLLM, ...) keeps max_tokens.
    HttpResponse<String> compatible =
        gateway.post(
            "/v1/messages",
            "{\"model\":\"gpt\",\"max_tokens\":64,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
    assertThat(compatible.statusCode()).as(compatible.body()).isEqualTo(200);
    assertThat(lastRecord().body().getInteger("max_tokens")).isEqualTo(64);
  }

  @Test
  void countTokensGoesToTheFirstTargetThatSpeaksItAndIsAClear404Elsewhere() throws Exception {
    String body = "{\"model\":\"%s\",\"messages\":[{\"role\":\"user\",\"content\":\"a b c\"}]}";
    HttpResponse<String> counted =
        gateway.post("/v1/messages/count_tokens", body.formatted("claude"));
    assertThat(counted.statusCode()).as(counted.body()).isEqualTo(200);
    assertThat(json(counted.body()).path("input_tokens").asInt()).isPositive();
    assertThat(lastRecord().path()).isEqualTo("/v1/messages/count_tokens");

    // A route whose first target cannot count tokens sends the count to the first one that can,
    // without an attempt on the other.
    int before = mock.requests().size();
    HttpResponse<String> later =
        gateway.post("/v1/messages/count_tokens", body.formatted("openai-first"));
    assertThat(later.statusCode()).as(later.body()).isEqualTo(200);
    assertThat(json(later.body()).path("input_tokens").asInt()).isPositive();
    assertThat(mock.requests()).hasSize(before + 1);
    assertThat(lastRecord().path()).isEqualTo("/v1/messages/count_tokens");

    // No target of the route speaks it: a clear 404, and nothing is sent upstream.
    before = mock.requests().size();
    HttpResponse<String> elsewhere =
        gateway.post("/v1/messages/count_tokens", body.formatted("gpt"));
    assertThat(elsewhere.statusCode()).isEqualTo(404);
    JsonNode error = json(elsewhere.body());
    assertThat(error.path("type").asText()).isEqualTo("error");
    assertThat(error.at("/error/type").asText()).isEqualTo("not_found_error");
    assertThat(error.at("/error/message").asText()).contains("/messages/count_tokens");
    assertThat(mock.requests()).hasSize(before);
  }

  @Test
  void errorsOnMessagesPathsAreAnthropicShaped() throws Exception {
    HttpResponse<String> missingMax =
        gateway.post(
            "/v1/messages",
            "{\"model\":\"claude\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
    assertThat(missingMax.statusCode()).isEqualTo(400);
    assertThat(json(missingMax.body()).at("/error/type").asText())
        .isEqualTo("invalid_request_error");
    assertThat(json(missingMax.body()).at("/error/message").asText()).contains("max_tokens");

    HttpResponse<String> unknownModel =
        gateway.post(
            "/v1/messages",
            "{\"model\":\"nope\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
    assertThat(unknownModel.statusCode()).isEqualTo(404);
    assertThat(json(unknownModel.body()).at("/error/type").asText()).isEqualTo("not_found_error");

    HttpResponse<String> wrongType =
        gateway.post("/v1/messages", "x", "content-type", "text/plain");
    assertThat(wrongType.statusCode()).isEqualTo(415);
    assertThat(json(wrongType.body()).path("type").asText()).isEqualTo("error");

    HttpResponse<String> get = gateway.get("/v1/messages");
    assertThat(get.statusCode()).isIn(404, 405);
    assertThat(json(get.body()).path("type").asText()).isEqualTo("error");

    HttpResponse<String> unknownPath = gateway.post("/v1/messages/batches/x", "{}");
    assertThat(unknownPath.statusCode()).isEqualTo(404);
    assertThat(json(unknownPath.body()).at("/error/type").asText()).isEqualTo("not_found_error");
  }

  @Test
  void anAnthropicRejectionReachesOpenAiDoorsWithOpenAiErrorTypes() throws Exception {
    for (int status : new int[] {404, 413}) {
      // A 404 the client caused (not one for the model the gateway chose: that fails over).
      mock.faults()
          .set(
              "claude-sonnet-4-5",
              status == 404 ? "status:404;code=not_found_error" : "status:413");
      HttpResponse<String> chat =
          gateway.post("/v1/chat/completions", GatewayHarness.chat("claude", false));
      HttpResponse<String> responses =
          gateway.post("/v1/responses", "{\"model\":\"claude\",\"input\":\"hi\"}");
      for (HttpResponse<String> res : List.of(chat, responses)) {
        assertThat(res.statusCode()).as(res.body()).isEqualTo(status);
        JsonNode error = json(res.body()).path("error");
        assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.path("code").asText())
            .isEqualTo(status == 404 ? "not_found_error" : "request_too_large");
        assertThat(error.path("message").asText()).isNotBlank().doesNotContain("Request id");
      }
      // The Messages door gives Anthropic's own type back.
      HttpResponse<String> messages =
          gateway.post(
              "/v1/messages",
              "{\"model\":\"claude\",\"max_tokens\":8,"
                  + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
      assertThat(messages.statusCode()).isEqualTo(status);
      assertThat(json(messages.body()).at("/error/type").asText())
          .isEqualTo(status == 404 ? "not_found_error" : "request_too_large");
    }
  }

  @Test
  void anOverloadedUpstreamIsA529ForMessagesClientsAndA502ForChatClients() throws Exception {
    mock.faults().set("claude-busy", "status:529");
    for (boolean stream : new boolean[] {false, true}) {
      HttpResponse<String> messages =
          gateway.post(
              "/v1/messages",
              "{\"model\":\"busy\",\"max_tokens\":8,\"stream\":"
                  + stream
                  + ",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
      // Anthropic SDKs raise OverloadedError for a 529 and retry it.
      assertThat(messages.statusCode()).as(messages.body()).isEqualTo(529);
      assertThat(json(messages.body()).at("/error/type").asText()).isEqualTo("overloaded_error");

      HttpResponse<String> chat =
          gateway.post("/v1/chat/completions", GatewayHarness.chat("busy", stream));
      assertThat(chat.statusCode()).as(chat.body()).isEqualTo(502);
      assertThat(json(chat.body()).at("/error/type").asText()).isEqualTo("upstream_error");
    }
  }

  @Test
  void overloadedAnthropicFailsOverAndOpenAiFailsOverToAnthropic() throws Exception {
    mock.faults().set("claude-overloaded", "status:529");
    mock.faults().set("gpt-broken", "status:503");
    for (boolean stream : new boolean[] {false, true}) {
      HttpResponse<String> toOpenAi =
          gateway.post("/v1/chat/completions", GatewayHarness.chat("claude-first", stream));
      assertThat(toOpenAi.statusCode()).as(toOpenAi.body()).isEqualTo(200);
      assertThat(toOpenAi.headers().firstValue("x-switchboard-provider")).contains("oai");
      assertThat(toOpenAi.body()).contains("gpt-4o-mini").contains("Echo");

      HttpResponse<String> toClaude =
          gateway.post("/v1/chat/completions", GatewayHarness.chat("openai-first", stream));
      assertThat(toClaude.statusCode()).as(toClaude.body()).isEqualTo(200);
      assertThat(toClaude.headers().firstValue("x-switchboard-provider")).contains("claude");
      assertThat(toClaude.body()).contains("claude-sonnet-4-5").contains("Echo");
      if (stream) {
        assertThat(toClaude.body()).endsWith("data: [DONE]\n\n");
      }
    }
    assertThat(mock.outcomes("status-529")).isEqualTo(2);
  }

  @Test
  void oneRouteFailsOverAcrossOpenAiAnthropicAndGemini() throws Exception {
    mock.faults().set("gpt-down", "status:503");
    mock.faults().set("claude-overloaded", "status:529");
    for (boolean stream : new boolean[] {false, true}) {
      HttpResponse<String> chat =
          gateway.post("/v1/chat/completions", GatewayHarness.chat("three-families", stream));
      assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
      assertThat(chat.headers().firstValue("x-switchboard-provider")).contains("gem");
      assertThat(chat.body()).contains("gemini-2.5-flash").contains("Echo");
      if (stream) {
        assertThat(chat.body()).endsWith("data: [DONE]\n\n");
      }
      // An Anthropic client is served by Gemini too, in Anthropic's format.
      HttpResponse<String> messages =
          gateway.post(
              "/v1/messages",
              "{\"model\":\"three-families\",\"max_tokens\":32,\"stream\":"
                  + stream
                  + ",\"messages\":[{\"role\":\"user\",\"content\":\"all three\"}]}");
      assertThat(messages.statusCode()).as(messages.body()).isEqualTo(200);
      assertThat(messages.headers().firstValue("x-switchboard-provider")).contains("gem");
      if (stream) {
        List<SseEvent> events = SseParser.parseAll(messages.body());
        assertThat(events.get(events.size() - 1).event()).isEqualTo("message_stop");
      } else {
        assertThat(json(messages.body()).at("/content/0/text").asText()).contains("all three");
      }
    }
    assertThat(mock.outcomes("status-503")).isEqualTo(4);
    assertThat(mock.outcomes("status-529")).isEqualTo(4);
  }

  @Test
  void aMidStreamAnthropicErrorEndsTheStreamWithOneErrorEvent() throws Exception {
    mock.faults().add("claude-sonnet-4-5", "stream-error:4", 2);
    HttpResponse<String> chat =
        gateway.post("/v1/chat/completions", GatewayHarness.chat("claude", true));
    List<SseEvent> events = SseParser.parseAll(chat.body());
    JsonNode last = json(events.get(events.size() - 1).data());
    // A chat client gets OpenAI's type; Anthropic's stays as the code.
    assertThat(last.at("/error/type").asText()).isEqualTo("server_error");
    assertThat(last.at("/error/code").asText()).isEqualTo("overloaded_error");

    HttpResponse<String> messages =
        gateway.post(
            "/v1/messages",
            "{\"model\":\"claude\",\"max_tokens\":64,\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"a b c d e f\"}]}");
    List<SseEvent> anthropic = SseParser.parseAll(messages.body());
    SseEvent error = anthropic.get(anthropic.size() - 1);
    assertThat(error.event()).isEqualTo("error");
    assertThat(json(error.data()).at("/error/type").asText()).isEqualTo("overloaded_error");
    assertThat(anthropic.stream().filter(e -> e.event().equals("error"))).hasSize(1);
  }

  private static double metric(String exposition, String series) {
    for (String line : exposition.split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1).trim());
      }
    }
    throw new AssertionError("no series " + series + " in:\n" + exposition);
  }
}
