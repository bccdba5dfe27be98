package dev.switchboard.gateway.upstream.adapter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.http.ApiException;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.upstream.Operation;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A chat request's {@code reasoning_effort} (also a bridged Responses request's {@code
 * reasoning.effort}) on an Anthropic target: extended thinking where the model and the request
 * allow it, named in {@code x-switchboard-unhonoured-params} where they do not.
 */
class AnthropicReasoningTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static PlannedTarget claude(String model) {
    return new PlannedTarget(
        TestTables.target("p", model, 0),
        TestTables.provider("p", "anthropic", "https://api.example.com/v1", true, Map.of(), null),
        PlannedTarget.STABLE);
  }

  private static ObjectNode chat(String fields) throws Exception {
    return (ObjectNode)
        JSON.readTree(
            "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]"
                + (fields.isEmpty() ? "" : "," + fields)
                + "}");
  }

  private static UpstreamAdapter.EncodedRequest encode(ObjectNode body, String model) {
    return new AnthropicAdapter().encode(body, claude(model), Operation.CHAT_COMPLETIONS, false);
  }

  private static JsonNode sent(UpstreamAdapter.EncodedRequest encoded) throws Exception {
    return JSON.readTree(encoded.body().getBytes());
  }

  @Test
  void aThinkingModelGetsABudgetWithRoomForTheAnswer() throws Exception {
    UpstreamAdapter.EncodedRequest encoded =
        encode(chat("\"reasoning_effort\":\"medium\""), "claude-sonnet-4-5-20250929");

    assertThat(encoded.unhonoured()).isSameAs(UpstreamAdapter.EncodedRequest.NONE);
    JsonNode sent = sent(encoded);
    assertThat(sent.path("thinking"))
        .isEqualTo(JSON.readTree("{\"type\":\"enabled\",\"budget_tokens\":8192}"));
    assertThat(sent.path("max_tokens").asInt())
        .isEqualTo(AnthropicChatTranslation.DEFAULT_MAX_TOKENS + 8192);
    assertThat(sent.has("output_config")).isFalse();
  }

  /** OpenAI's limit counts the reasoning too, as Anthropic's does: the budget fits under it. */
  @Test
  void theBudgetStaysBelowTheClientsLimit() throws Exception {
    JsonNode sent =
        sent(
            encode(
                chat("\"reasoning_effort\":\"high\",\"max_completion_tokens\":3000"),
                "claude-3-7-sonnet-20250219"));

    assertThat(sent.path("max_tokens").asInt()).isEqualTo(3000);
    assertThat(sent.path("thinking").path("budget_tokens").asInt()).isEqualTo(2999);
  }

  /** Claude 4.6 and later think adaptively; the effort goes as {@code output_config.effort}. */
  @Test
  void claude46AndLaterThinkAdaptivelyWithTheEffort() throws Exception {
    UpstreamAdapter.EncodedRequest encoded =
        encode(chat("\"reasoning_effort\":\"xhigh\""), "claude-opus-4-6");

    assertThat(encoded.unhonoured()).isSameAs(UpstreamAdapter.EncodedRequest.NONE);
    JsonNode sent = sent(encoded);
    assertThat(sent.path("thinking")).isEqualTo(JSON.readTree("{\"type\":\"adaptive\"}"));
    assertThat(sent.path("output_config")).isEqualTo(JSON.readTree("{\"effort\":\"high\"}"));

    // Beside a forced tool (the JSON answer's), thinking is refused: the effort alone still goes.
    JsonNode json =
        sent(
            encode(
                chat(
                    "\"reasoning_effort\":\"minimal\",\"response_format\":{\"type\":"
                        + "\"json_object\"}"),
                "claude-sonnet-5"));
    assertThat(json.has("thinking")).isFalse();
    assertThat(json.path("output_config").path("effort").asText()).isEqualTo("low");
    assertThat(json.path("max_tokens").asInt())
        .isEqualTo(AnthropicChatTranslation.DEFAULT_MAX_TOKENS);
  }

  /**
   * Where Anthropic would refuse thinking — a model before 3.7 (or an id that names no version: it
   * may be one), a temperature below 1, a forced tool, a tool loop's last turn (no thinking block
   * to start it), a limit too small for the smallest budget — nothing is sent and the effort is
   * named.
   */
  @Test
  void namesTheEffortWhereThinkingCannotBeSent() throws Exception {
    String toolLoop =
        "\"reasoning_effort\":\"low\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},"
            + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"c1\",\"type\":"
            + "\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},"
            + "{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":\"ok\"}]";
    Map<String, String> cases =
        Map.of(
            "claude-3-5-sonnet-20241022", "\"reasoning_effort\":\"high\"",
            "my-claude-alias", "\"reasoning_effort\":\"medium\"",
            "claude-sonnet-4-20250514", "\"reasoning_effort\":\"high\",\"temperature\":0.2",
            "claude-opus-4-1", "\"reasoning_effort\":\"low\",\"tool_choice\":\"required\"",
            "claude-haiku-4-5", "\"reasoning_effort\":\"low\",\"max_tokens\":1024");
    for (Map.Entry<String, String> c : cases.entrySet()) {
      UpstreamAdapter.EncodedRequest encoded = encode(chat(c.getValue()), c.getKey());
      assertThat(encoded.unhonoured()).as(c.getValue()).contains("reasoning_effort");
      assertThat(sent(encoded).has("thinking")).as(c.getValue()).isFalse();
    }
    ObjectNode loop = (ObjectNode) JSON.readTree("{\"model\":\"chat\"," + toolLoop + "}");
    UpstreamAdapter.EncodedRequest looped = encode(loop, "claude-sonnet-4-5");
    assertThat(looped.unhonoured()).containsExactly("reasoning_effort");
    assertThat(sent(looped).has("thinking")).isFalse();
  }

  /** {@code none} asks for no thinking, which Claude does not do unasked: nothing to name. */
  @Test
  void effortNoneSendsNothingAndNamesNothing() throws Exception {
    UpstreamAdapter.EncodedRequest encoded =
        encode(chat("\"reasoning_effort\":\"none\""), "claude-3-haiku-20240307");

    assertThat(encoded.unhonoured()).isSameAs(UpstreamAdapter.EncodedRequest.NONE);
    assertThat(sent(encoded).has("thinking")).isFalse();
    assertThat(
            catchThrowable(
                () -> encode(chat("\"reasoning_effort\":\"extreme\""), "claude-sonnet-4-5")))
        .isInstanceOf(ApiException.class)
        .hasMessageContaining("reasoning_effort");
  }
}
