package dev.switchboard.gateway.upstream.adapter;

import static dev.switchboard.gateway.TestTables.provider;
import static dev.switchboard.gateway.TestTables.route;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import dev.switchboard.mock.anthropic.AnthropicPayloads;
import dev.switchboard.mock.openai.ReasoningPayloads;
import dev.switchboard.mock.record.RequestRecord;
import dev.switchboard.mock.sse.SseEvent;
import dev.switchboard.mock.sse.SseParser;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reasoning effort reaches an Anthropic target (the mock, which refuses thinking as Anthropic
 * does) as extended thinking, through chat completions and the Responses bridge, streamed or not;
 * where thinking cannot go (a tool loop's last turn) the answer names the effort instead.
 */
class AnthropicReasoningIT {

  @TempDir static Path dir;

  static GatewayHarness gateway;
  static MockProvider mock;

  @BeforeAll
  static void start() throws Exception {
    gateway =
        GatewayHarness.withMock(
            dir,
            new MockProviderOptions().keys("sk-ant"),
            m ->
                TestTables.table(
                    List.of(provider("ant", "anthropic", m.baseUrl(), true, Map.of(), null)),
                    List.of(route("claude", List.of(), target("ant", "claude-sonnet-4-5", 0)))),
            Map.of("ant", "sk-ant"));
    mock = gateway.mock();
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  static JsonObject lastSent() {
    List<RequestRecord> seen = mock.requests();
    return seen.get(seen.size() - 1).body();
  }

  static String unhonoured(HttpResponse<String> res) {
    return res.headers().firstValue("x-switchboard-unhonoured-params").orElse(null);
  }

  @Test
  void aChatEffortIsSentAsAThinkingBudget() throws Exception {
    for (boolean stream : new boolean[] {false, true}) {
      HttpResponse<String> res =
          gateway.post(
              "/v1/chat/completions",
              "{\"model\":\"claude\",\"reasoning_effort\":\"low\",\"max_tokens\":2000,"
                  + "\"stream\":"
                  + stream
                  + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

      assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
      assertThat(lastSent().getJsonObject("thinking"))
          .isEqualTo(new JsonObject().put("type", "enabled").put("budget_tokens", 1024));
      assertThat(unhonoured(res)).isNull();
    }
  }

  @Test
  void aResponsesEffortIsSentAsAThinkingBudget() throws Exception {
    HttpResponse<String> res =
        gateway.post(
            "/v1/responses",
            "{\"model\":\"claude\",\"reasoning\":{\"effort\":\"medium\"},\"input\":\"hi\"}");

    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    assertThat(lastSent().getJsonObject("thinking").getInteger("budget_tokens")).isEqualTo(8192);
    assertThat(lastSent().getInteger("max_tokens"))
        .isEqualTo(AnthropicChatTranslation.DEFAULT_MAX_TOKENS + 8192);
    assertThat(unhonoured(res)).isNull();
  }

  /**
   * A tool loop's last turn has no thinking block: Anthropic would refuse thinking, so it is named.
   */
  @Test
  void aToolLoopsEffortIsNamedInTheClientsName() throws Exception {
    HttpResponse<String> res =
        gateway.post(
            "/v1/responses",
            "{\"model\":\"claude\",\"reasoning\":{\"effort\":\"high\"},\"tools\":[{\"type\":"
                + "\"function\",\"name\":\"f\",\"parameters\":{\"type\":\"object\","
                + "\"properties\":{}}}],\"input\":[{\"role\":\"user\",\"content\":\"hi\"},"
                + "{\"type\":\"function_call\",\"call_id\":\"c1\",\"name\":\"f\","
                + "\"arguments\":\"{}\"},{\"type\":\"function_call_output\",\"call_id\":\"c1\","
                + "\"output\":\"ok\"}]}");

    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    assertThat(lastSent().containsKey("thinking")).isFalse();
    assertThat(unhonoured(res)).isEqualTo("reasoning.effort");
  }

  /**
   * The mock answers thinking as Anthropic does (a signed thinking block before the text, streamed
   * as thinking and signature deltas): a chat client gets its text as reasoning_content, and the
   * signature only with its block in thinking_blocks (to hand back), never as text.
   */
  @Test
  void aChatClientGetsTheThinkingAsReasoningContent() throws Exception {
    String ask =
        "{\"model\":\"claude\",\"reasoning_effort\":\"low\",\"max_tokens\":2000,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"why\"}]}";
    HttpResponse<String> res = gateway.post("/v1/chat/completions", ask);

    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    JsonObject message =
        new JsonObject(res.body())
            .getJsonArray("choices")
            .getJsonObject(0)
            .getJsonObject("message");
    assertThat(message.getString("reasoning_content")).isEqualTo(ReasoningPayloads.PREFIX + "why");
    assertThat(message.getString("content")).isEqualTo("Echo from claude-sonnet-4-5: why");
    // The signature is no text: it comes only with its block, for the client to hand back.
    String signature = AnthropicPayloads.signature(ReasoningPayloads.PREFIX + "why");
    assertThat(message.getJsonArray("thinking_blocks").getJsonObject(0).getString("signature"))
        .isEqualTo(signature);
    assertThat(message.getString("reasoning_content")).doesNotContain(signature);

    HttpResponse<String> stream =
        gateway.post(
            "/v1/chat/completions", ask.replace("{\"model\"", "{\"stream\":true,\"model\""));
    assertThat(stream.statusCode()).as(stream.body()).isEqualTo(200);
    StringBuilder reasoning = new StringBuilder();
    StringBuilder content = new StringBuilder();
    for (SseEvent e : SseParser.parseAll(stream.body())) {
      if ("[DONE]".equals(e.data())) {
        continue;
      }
      JsonObject chunk = new JsonObject(e.data());
      if (chunk.getJsonArray("choices").isEmpty()) {
        continue;
      }
      JsonObject delta = chunk.getJsonArray("choices").getJsonObject(0).getJsonObject("delta");
      reasoning.append(delta.getString("reasoning_content", ""));
      content.append(delta.getString("content", ""));
      if (!delta.containsKey("thinking_blocks")) {
        assertThat(delta.encode()).doesNotContain(signature);
      }
    }
    assertThat(reasoning.toString()).isEqualTo(ReasoningPayloads.PREFIX + "why");
    assertThat(content.toString()).isEqualTo("Echo from claude-sonnet-4-5: why");
    assertThat(stream.body()).contains(signature);
  }
}
