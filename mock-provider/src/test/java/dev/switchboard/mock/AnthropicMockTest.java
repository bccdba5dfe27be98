package dev.switchboard.mock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.mock.anthropic.AnthropicPayloads;
import dev.switchboard.mock.openai.ReasoningPayloads;
import dev.switchboard.mock.sse.SseEvent;
import dev.switchboard.mock.sse.SseParser;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The mock's Anthropic Messages API: answers, streams, tools, usage, errors and faults. */
class AnthropicMockTest {

  private static final String KEY = "sk-ant-test";
  private static MockProvider mock;
  private static MockClient client;

  @BeforeAll
  static void start() {
    mock =
        MockProvider.startBlocking(
            new MockProviderOptions().keys(KEY).models("claude-sonnet-4-5", "gpt-4o-mini"));
    client = new MockClient(mock);
  }

  @AfterAll
  static void stop() {
    mock.close();
  }

  @BeforeEach
  void reset() {
    mock.reset();
  }

  private static String messages(String model, String text, String extra) {
    return "{\"model\":\""
        + model
        + "\",\"max_tokens\":256"
        + extra
        + ",\"messages\":[{\"role\":\"user\",\"content\":\""
        + text
        + "\"}]}";
  }

  private static HttpResponse<String> post(String path, String body, String... headers)
      throws Exception {
    String[] all = new String[headers.length + 4];
    all[0] = "x-api-key";
    all[1] = KEY;
    all[2] = "anthropic-version";
    all[3] = "2023-06-01";
    System.arraycopy(headers, 0, all, 4, headers.length);
    return client.send(client.post(path, body, all));
  }

  @Test
  void answersAMessageWithUsageIncludingCacheTokens() throws Exception {
    HttpResponse<String> res =
        post(
            "/v1/messages",
            messages("claude-sonnet-4-5", "hello claude", ""),
            MockProvider.FAULT_HEADER,
            "prompt-tokens:100,cached-tokens:30",
            AnthropicHandler.CACHE_CREATION_HEADER,
            "20");
    assertThat(res.statusCode()).isEqualTo(200);
    JsonObject body = new JsonObject(res.body());
    assertThat(body.getString("type")).isEqualTo("message");
    assertThat(body.getString("id")).startsWith("msg_");
    assertThat(body.getString("stop_reason")).isEqualTo("end_turn");
    assertThat(body.getJsonArray("content").getJsonObject(0).getString("text"))
        .isEqualTo("Echo from claude-sonnet-4-5: hello claude");
    JsonObject usage = body.getJsonObject("usage");
    assertThat(usage.getInteger("input_tokens")).isEqualTo(50);
    assertThat(usage.getInteger("cache_read_input_tokens")).isEqualTo(30);
    assertThat(usage.getInteger("cache_creation_input_tokens")).isEqualTo(20);
  }

  @Test
  void anAnthropicStopFaultEndsTheAnswerAndTheStreamWithThatStopReason() throws Exception {
    String body = messages("claude-sonnet-4-5", "search the web", "");
    JsonObject whole =
        new JsonObject(
            post("/v1/messages", body, MockProvider.FAULT_HEADER, "anthropic-stop:pause_turn")
                .body());
    assertThat(whole.getString("stop_reason")).isEqualTo("pause_turn");

    List<SseEvent> events =
        SseParser.parseAll(
            post(
                    "/v1/messages",
                    messages("claude-sonnet-4-5", "search the web", ",\"stream\":true"),
                    MockProvider.FAULT_HEADER,
                    "anthropic-stop:pause_turn")
                .body());
    JsonObject delta = new JsonObject(events.get(events.size() - 2).data());
    assertThat(delta.getJsonObject("delta").getString("stop_reason")).isEqualTo("pause_turn");
  }

  @Test
  void streamsNamedEventsWithPingAndToolUse() throws Exception {
    HttpResponse<String> res =
        post(
            "/v1/messages",
            messages(
                "claude-sonnet-4-5",
                "use lookup",
                ",\"stream\":true,\"tools\":[{\"name\":\"lookup\",\"input_schema\":{\"type\":\"object\"}}]"));
    assertThat(res.statusCode()).isEqualTo(200);
    List<SseEvent> events = SseParser.parseAll(res.body());
    assertThat(events.stream().map(SseEvent::event))
        .startsWith("message_start", "content_block_start", "ping")
        .endsWith("content_block_stop", "message_delta", "message_stop");
    JsonObject start = new JsonObject(events.get(1).data());
    assertThat(start.getJsonObject("content_block").getString("type")).isEqualTo("tool_use");
    assertThat(start.getJsonObject("content_block").getString("name")).isEqualTo("lookup");
    StringBuilder json = new StringBuilder();
    for (SseEvent e : events) {
      JsonObject data = new JsonObject(e.data());
      assertThat(data.getString("type")).isEqualTo(e.event());
      if ("content_block_delta".equals(e.event())) {
        json.append(data.getJsonObject("delta").getString("partial_json"));
      }
    }
    assertThat(new JsonObject(json.toString()).getString("query")).isEqualTo("use lookup");
    JsonObject delta = new JsonObject(events.get(events.size() - 2).data());
    assertThat(delta.getJsonObject("delta").getString("stop_reason")).isEqualTo("tool_use");
  }

  @Test
  void aToolWithoutParametersIsCalledWithEmptyInputStreamedAsAnthropicDoes() throws Exception {
    String tools =
        ",\"tools\":[{\"name\":\"get_time\",\"input_schema\":{\"type\":\"object\","
            + "\"properties\":{}}}],\"tool_choice\":{\"type\":\"tool\",\"name\":\"get_time\"}";
    JsonObject whole =
        new JsonObject(post("/v1/messages", messages("claude-sonnet-4-5", "now", tools)).body());
    assertThat(whole.getJsonArray("content").getJsonObject(0).getJsonObject("input").isEmpty())
        .isTrue();

    List<SseEvent> events =
        SseParser.parseAll(
            post("/v1/messages", messages("claude-sonnet-4-5", "now", tools + ",\"stream\":true"))
                .body());
    JsonObject block = new JsonObject(events.get(1).data()).getJsonObject("content_block");
    assertThat(block.getString("name")).isEqualTo("get_time");
    assertThat(block.getJsonObject("input").isEmpty()).isTrue();
    List<String> pieces =
        events.stream()
            .filter(e -> "content_block_delta".equals(e.event()))
            .map(e -> new JsonObject(e.data()).getJsonObject("delta").getString("partial_json"))
            .toList();
    assertThat(pieces).containsExactly("");
  }

  @Test
  void authenticatesWithXApiKeyOnly() throws Exception {
    HttpResponse<String> res =
        client.send(
            client.post(
                "/v1/messages",
                messages("claude-sonnet-4-5", "x", ""),
                "authorization",
                "Bearer " + KEY));
    assertThat(res.statusCode()).isEqualTo(401);
    assertThat(new JsonObject(res.body()).getJsonObject("error").getString("type"))
        .isEqualTo("authentication_error");
    assertThat(res.body()).doesNotContain(KEY);
  }

  @Test
  void answersFaultsInAnthropicsShape() throws Exception {
    HttpResponse<String> overloaded =
        post(
            "/v1/messages",
            messages("claude-sonnet-4-5", "x", ""),
            MockProvider.FAULT_HEADER,
            "status:529");
    assertThat(overloaded.statusCode()).isEqualTo(529);
    JsonObject error = new JsonObject(overloaded.body());
    assertThat(error.getString("type")).isEqualTo("error");
    assertThat(error.getJsonObject("error").getString("type")).isEqualTo("overloaded_error");

    HttpResponse<String> limited =
        post(
            "/v1/messages",
            messages("claude-sonnet-4-5", "x", ""),
            MockProvider.FAULT_HEADER,
            "status:429;retry-after=3");
    assertThat(limited.headers().firstValue("retry-after")).contains("3");
    assertThat(new JsonObject(limited.body()).getJsonObject("error").getString("type"))
        .isEqualTo("rate_limit_error");

    HttpResponse<String> billing =
        post(
            "/v1/messages",
            messages("claude-sonnet-4-5", "x", ""),
            MockProvider.FAULT_HEADER,
            "status:402");
    assertThat(billing.statusCode()).isEqualTo(402);
    assertThat(new JsonObject(billing.body()).getJsonObject("error").getString("type"))
        .isEqualTo("billing_error");
    assertThat(billing.body()).contains("credit balance is too low");

    HttpResponse<String> retired =
        post(
            "/v1/messages",
            messages("claude-sonnet-4-5", "x", ""),
            MockProvider.FAULT_HEADER,
            "status:404");
    assertThat(new JsonObject(retired.body()).getJsonObject("error").getString("message"))
        .isEqualTo("model: claude-sonnet-4-5");

    HttpResponse<String> unknown = post("/v1/messages", messages("claude-nope", "x", ""));
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(new JsonObject(unknown.body()).getJsonObject("error").getString("type"))
        .isEqualTo("not_found_error");

    HttpResponse<String> noMax =
        post(
            "/v1/messages",
            "{\"model\":\"claude-sonnet-4-5\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
    assertThat(noMax.statusCode()).isEqualTo(400);
    assertThat(noMax.body()).contains("max_tokens");
  }

  @Test
  void refusesAToolTurnWithoutThinkingWhenThinkingIsEnabled() throws Exception {
    String history =
        "[{\"role\":\"user\",\"content\":\"find cats\"},{\"role\":\"assistant\",\"content\":"
            + "[{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"lookup\",\"input\":{}}]},"
            + "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":"
            + "\"toolu_1\",\"content\":\"3\"}]}]";
    String enabled =
        "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":2048,\"thinking\":{\"type\":"
            + "\"enabled\",\"budget_tokens\":1024},\"messages\":"
            + history
            + "}";
    HttpResponse<String> refused = post("/v1/messages", enabled);
    assertThat(refused.statusCode()).isEqualTo(400);
    JsonObject error = new JsonObject(refused.body()).getJsonObject("error");
    assertThat(error.getString("type")).isEqualTo("invalid_request_error");
    assertThat(error.getString("message"))
        .startsWith(
            "messages.1.content.0.type: Expected `thinking` or `redacted_thinking`, but found"
                + " `tool_use`. When `thinking` is enabled, a final `assistant` message must start"
                + " with a thinking block");
    // Without thinking, or with the turn's own thinking block first, the same history is fine.
    assertThat(post("/v1/messages", enabled.replace("\"enabled\"", "\"disabled\"")).statusCode())
        .isEqualTo(200);
    String signed =
        enabled.replace(
            "[{\"type\":\"tool_use\"",
            "[{\"type\":\"thinking\",\"thinking\":\"t\",\"signature\":\""
                + AnthropicPayloads.signature("t")
                + "\"},{\"type\":\"tool_use\"");
    assertThat(post("/v1/messages", signed).statusCode()).isEqualTo(200);
    // As Anthropic, the mock takes back only the thinking it signed, unchanged.
    for (String changed :
        List.of(
            signed.replace("\"thinking\":\"t\"", "\"thinking\":\"u\""),
            signed.replace(AnthropicPayloads.signature("t"), "c2ln"))) {
      HttpResponse<String> forged = post("/v1/messages", changed);
      assertThat(forged.statusCode()).isEqualTo(400);
      JsonObject forgedError = new JsonObject(forged.body()).getJsonObject("error");
      assertThat(forgedError.getString("type")).isEqualTo("invalid_request_error");
      assertThat(forgedError.getString("message"))
          .isEqualTo("messages.1.content.0: Invalid `signature` in `thinking` block");
    }
    // Adaptive thinking, and thinking off, are not held to it.
    assertThat(
            post(
                    "/v1/messages",
                    signed
                        .replace(AnthropicPayloads.signature("t"), "c2ln")
                        .replace("\"enabled\"", "\"disabled\""))
                .statusCode())
        .isEqualTo(200);
  }

  /**
   * Anthropic's other refusals of thinking: a budget below 1,024 or not below {@code max_tokens}, a
   * forced tool and a temperature other than 1 (those two with adaptive thinking too).
   */
  @Test
  void refusesThinkingBesideWhatItCannotGoWith() throws Exception {
    String enabled =
        "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":2048,\"thinking\":{\"type\":"
            + "\"enabled\",\"budget_tokens\":1024},\"messages\":[{\"role\":\"user\","
            + "\"content\":\"x\"}]%s}";
    assertThat(post("/v1/messages", enabled.formatted("")).statusCode()).isEqualTo(200);
    Map<String, String> refused =
        Map.of(
            enabled.replace("1024", "512").formatted(""),
            "greater than or equal to 1024",
            enabled.replace("2048", "1024").formatted(""),
            "`max_tokens` must be greater than `thinking.budget_tokens`",
            enabled.formatted(",\"temperature\":0.5"),
            "`temperature` may only be set to 1",
            enabled
                .replace("\"enabled\",\"budget_tokens\":1024", "\"adaptive\"")
                .formatted(
                    ",\"tools\":[{\"name\":\"f\",\"input_schema\":{\"type\":\"object\"}}],"
                        + "\"tool_choice\":{\"type\":\"any\"}"),
            "tool_choice forces tool use");
    for (Map.Entry<String, String> r : refused.entrySet()) {
      HttpResponse<String> res = post("/v1/messages", r.getKey());
      assertThat(res.statusCode()).as(r.getKey()).isEqualTo(400);
      assertThat(new JsonObject(res.body()).getJsonObject("error").getString("message"))
          .contains(r.getValue());
    }
    assertThat(post("/v1/messages", enabled.formatted(",\"temperature\":1")).statusCode())
        .isEqualTo(200);
  }

  private static final String THINKING =
      ",\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":1024}";

  @Test
  void answersWithASignedThinkingBlockBeforeTheTextWhenThinkingIsOn() throws Exception {
    HttpResponse<String> res =
        post(
            "/v1/messages",
            messages("claude-sonnet-4-5", "think first", THINKING).replace("256", "2048"));

    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    JsonObject body = new JsonObject(res.body());
    JsonObject thinking = body.getJsonArray("content").getJsonObject(0);
    assertThat(thinking.getString("type")).isEqualTo("thinking");
    assertThat(thinking.getString("thinking")).isEqualTo(ReasoningPayloads.PREFIX + "think first");
    assertThat(thinking.getString("signature")).isNotEmpty();
    JsonObject text = body.getJsonArray("content").getJsonObject(1);
    assertThat(text.getString("text")).isEqualTo("Echo from claude-sonnet-4-5: think first");
    // The thinking is output: "Reasoning", " about:", " think", " first" beside the answer's.
    JsonObject plain =
        new JsonObject(
            post("/v1/messages", messages("claude-sonnet-4-5", "think first", "")).body());
    assertThat(plain.getJsonArray("content")).hasSize(1);
    assertThat(body.getJsonObject("usage").getInteger("output_tokens"))
        .isEqualTo(plain.getJsonObject("usage").getInteger("output_tokens") + 4);
  }

  @Test
  void streamsTheThinkingBlockWithThinkingAndSignatureDeltasBeforeTheText() throws Exception {
    HttpResponse<String> res =
        post(
            "/v1/messages",
            messages("claude-sonnet-4-5", "think first", ",\"stream\":true" + THINKING)
                .replace("256", "2048"));

    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    List<String> seen = new java.util.ArrayList<>();
    StringBuilder thinking = new StringBuilder();
    String signature = null;
    for (SseEvent e : SseParser.parseAll(res.body())) {
      JsonObject data = new JsonObject(e.data());
      switch (e.event()) {
        case "content_block_start" -> {
          JsonObject block = data.getJsonObject("content_block");
          seen.add("start " + data.getInteger("index") + " " + block.getString("type"));
          if ("thinking".equals(block.getString("type"))) {
            assertThat(block.getString("thinking")).isEmpty();
            assertThat(block.getString("signature")).isEmpty();
          }
        }
        case "content_block_delta" -> {
          JsonObject delta = data.getJsonObject("delta");
          String type = delta.getString("type");
          if (seen.isEmpty() || !seen.get(seen.size() - 1).endsWith(type)) {
            seen.add(data.getInteger("index") + " " + type);
          }
          if ("thinking_delta".equals(type)) {
            thinking.append(delta.getString("thinking"));
          } else if ("signature_delta".equals(type)) {
            signature = delta.getString("signature");
          }
        }
        case "content_block_stop" -> seen.add("stop " + data.getInteger("index"));
        default -> {}
      }
    }
    assertThat(seen)
        .containsExactly(
            "start 0 thinking",
            "0 thinking_delta",
            "0 signature_delta",
            "stop 0",
            "start 1 text",
            "1 text_delta",
            "stop 1");
    assertThat(thinking.toString()).isEqualTo(ReasoningPayloads.PREFIX + "think first");
    assertThat(signature).isNotEmpty();
  }

  @Test
  void failsMidStreamWithAnErrorEvent() throws Exception {
    HttpResponse<String> res =
        post(
            "/v1/messages",
            messages("claude-sonnet-4-5", "one two three four", ",\"stream\":true"),
            MockProvider.FAULT_HEADER,
            "stream-error:3");
    List<SseEvent> events = SseParser.parseAll(res.body());
    assertThat(events).hasSize(4);
    SseEvent last = events.get(3);
    assertThat(last.event()).isEqualTo("error");
    assertThat(new JsonObject(last.data()).getJsonObject("error").getString("type"))
        .isEqualTo("overloaded_error");
    assertThat(mock.outcomes("stream-error")).isEqualTo(1);
  }

  @Test
  void countsTokensAndListsModelsTheAnthropicWay() throws Exception {
    HttpResponse<String> count =
        post(
            "/v1/messages/count_tokens",
            "{\"model\":\"claude-sonnet-4-5\",\"messages\":[{\"role\":\"user\",\"content\":\"a b c\"}]}");
    assertThat(count.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(count.body()).getInteger("input_tokens")).isPositive();

    HttpResponse<String> models =
        client.send(client.get("/v1/models", "x-api-key", KEY, "anthropic-version", "2023-06-01"));
    JsonObject list = new JsonObject(models.body());
    assertThat(list.getBoolean("has_more")).isFalse();
    assertThat(list.getJsonArray("data").getJsonObject(0).getString("type")).isEqualTo("model");
  }
}
