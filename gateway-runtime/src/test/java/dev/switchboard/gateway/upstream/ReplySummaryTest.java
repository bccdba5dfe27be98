package dev.switchboard.gateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.gateway.request.Refusals;
import dev.switchboard.gateway.request.TokenUsage;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ReplySummaryTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static ReplySummary scan(String body, Operation op) throws ReplySummary.BadReply {
    return ReplySummary.scan(body.getBytes(StandardCharsets.UTF_8), op);
  }

  @Test
  void readsModelFingerprintFinishReasonAndUsageOfAChatCompletion() throws Exception {
    ReplySummary s =
        scan(
            """
            {"id":"chatcmpl-1","object":"chat.completion","created":1,
             "model":"gpt-4o-mini-2024-07-18","system_fingerprint":"fp_44709d6fcb",
             "choices":[{"index":0,"message":{"role":"assistant","content":"Hi {\\"not\\": [json]}",
               "refusal":null},"logprobs":null,"finish_reason":"stop"},
               {"index":1,"message":{"role":"assistant","refusal":"second choice is not read"},
               "finish_reason":"content_filter"}],
             "usage":{"prompt_tokens":12,"completion_tokens":7,"total_tokens":19,
               "prompt_tokens_details":{"cached_tokens":4,"audio_tokens":0},
               "completion_tokens_details":{"reasoning_tokens":0}}}
            """,
            Operation.CHAT_COMPLETIONS);

    assertThat(s.model()).isEqualTo("gpt-4o-mini-2024-07-18");
    assertThat(s.systemFingerprint()).isEqualTo("fp_44709d6fcb");
    assertThat(s.finishReason()).isEqualTo("stop");
    assertThat(s.refused()).isFalse();
    assertThat(s.usage()).isEqualTo(new TokenUsage(12, 7, 4));
  }

  @Test
  void recognisesRefusalsOfTheFirstChoice() throws Exception {
    assertThat(
            scan(
                    "{\"choices\":[{\"message\":{\"content\":null,\"refusal\":\"I can't\"},"
                        + "\"finish_reason\":\"stop\"}]}",
                    Operation.CHAT_COMPLETIONS)
                .refused())
        .isTrue();
    assertThat(
            scan(
                    "{\"choices\":[{\"finish_reason\":\"content_filter\",\"message\":{}}]}",
                    Operation.CHAT_COMPLETIONS)
                .refused())
        .isTrue();
    assertThat(
            scan(
                    "{\"choices\":[{\"message\":{\"refusal\":\"\"},\"finish_reason\":\"stop\"}]}",
                    Operation.CHAT_COMPLETIONS)
                .refused())
        .isFalse();
  }

  @Test
  void recognisesAPlainTextRefusalInTheFirstChoicesContent() throws Exception {
    assertThat(
            scan(
                    "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                        + "\"content\":\"I\u2019m sorry, but I can\u2019t help with that.\","
                        + "\"refusal\":null},\"finish_reason\":\"stop\"}]}",
                    Operation.CHAT_COMPLETIONS)
                .refused())
        .isTrue();
    assertThat(
            scan(
                    "{\"choices\":[{\"message\":{\"content\":\"申し訳ありませんが、"
                        + "そのご依頼にはお応えできません。\"},\"finish_reason\":\"stop\"}]}",
                    Operation.CHAT_COMPLETIONS)
                .refused())
        .isTrue();
    // A refusal deep into a long answer is not one: only the opening is judged.
    String longAnswer =
        "Here is the summary you asked for. ".repeat(20) + "I can't help with that.";
    assertThat(
            scan(
                    "{\"choices\":[{\"message\":{\"content\":\""
                        + longAnswer
                        + "\"},"
                        + "\"finish_reason\":\"stop\"}]}",
                    Operation.CHAT_COMPLETIONS)
                .refused())
        .isFalse();
    // Only the first choice counts, as for the other refusal signals.
    assertThat(
            scan(
                    "{\"choices\":[{\"message\":{\"content\":\"Sure, here it is.\"}},"
                        + "{\"message\":{\"content\":\"I can't help with that.\"}}]}",
                    Operation.CHAT_COMPLETIONS)
                .refused())
        .isFalse();
    assertThat(
            scan(
                    "{\"choices\":[{\"message\":{\"content\":\"You can't divide by zero.\"},"
                        + "\"finish_reason\":\"stop\"}]}",
                    Operation.CHAT_COMPLETIONS)
                .refused())
        .isFalse();
  }

  @Test
  void anEmbeddingsAnswerNeedsOnlyItsDataArray() throws Exception {
    ReplySummary s =
        scan(
            "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,"
                + "\"embedding\":[0.1,-0.2,3e-5]}],\"model\":\"text-embedding-3-small\","
                + "\"usage\":{\"prompt_tokens\":5,\"total_tokens\":5}}",
            Operation.EMBEDDINGS);

    assertThat(s.model()).isEqualTo("text-embedding-3-small");
    assertThat(s.usage()).isEqualTo(new TokenUsage(5, 0, 0));
    assertThat(s.finishReason()).isNull();
  }

  @Test
  void saysWhatIsWrongWithABodyThatIsNoAnswer() {
    assertThatThrownBy(() -> scan("[1,2]", Operation.CHAT_COMPLETIONS))
        .hasMessage("a body that is not a JSON object");
    assertThatThrownBy(() -> scan("<html>502 Bad Gateway</html>", Operation.CHAT_COMPLETIONS))
        .hasMessage("a body that is not a JSON object");
    assertThatThrownBy(() -> scan("{\"choices\":[{\"index\":0", Operation.CHAT_COMPLETIONS))
        .as("a truncated body")
        .hasMessage("a body that is not a JSON object");
    assertThatThrownBy(() -> scan("", Operation.CHAT_COMPLETIONS))
        .hasMessage("a body that is not a JSON object");
    assertThatThrownBy(
            () ->
                scan(
                    "{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}",
                    Operation.CHAT_COMPLETIONS))
        .hasMessage("an error object");
    assertThatThrownBy(() -> scan("{\"choices\":{}}", Operation.CHAT_COMPLETIONS))
        .hasMessage("no 'choices' array");
    assertThatThrownBy(() -> scan("{\"choices\":[]}", Operation.EMBEDDINGS))
        .hasMessage("no 'data' array");
  }

  static List<String> answers() {
    return List.of(
        "{\"model\":\"m\",\"choices\":[]}",
        "{\"model\":null,\"system_fingerprint\":null,\"choices\":[null,{\"finish_reason\":1}]}",
        "{\"model\":42,\"choices\":[\"text\",{\"finish_reason\":\"stop\"}],\"usage\":null}",
        "{\"model\":{\"nested\":true},\"choices\":[{\"finish_reason\":null,"
            + "\"delta\":{\"refusal\":\"no\"}}],\"usage\":{\"prompt_tokens\":\"3\","
            + "\"completion_tokens\":2.0,\"prompt_tokens_details\":null}}",
        "{\"choices\":[{\"message\":{\"refusal\":[\"x\"]},\"finish_reason\":\"length\"}],"
            + "\"usage\":{\"prompt_tokens_details\":{\"cached_tokens\":9},\"prompt_tokens\":10}}",
        "{\"usage\":{\"prompt_tokens\":1},\"choices\":[{\"finish_reason\":\"content_filter\"}],"
            + "\"error\":null,\"model\":\"late\"}",
        "{\"choices\":[{\"message\":{\"content\":\"Lo siento, no puedo ayudar con eso.\"},"
            + "\"finish_reason\":\"stop\"}]}",
        "{\"choices\":[{\"message\":{\"content\":\"I can\\u2019t help with that.\","
            + "\"refusal\":\"\"},\"finish_reason\":\"stop\"}]}",
        "{\"choices\":[{\"message\":{\"content\":\"I can't stress enough: back up first.\"},"
            + "\"finish_reason\":\"stop\"}]}",
        "{\"choices\":[{\"delta\":{\"content\":\"I can't help with that.\"}}]}",
        "{\"choices\":[{\"message\":{\"content\":\"I can't help\"}},{\"message\":"
            + "{\"content\":\"I can't help with that.\"}}]}");
  }

  /** The scan reads what the tree-based reading (used for streamed chunks) reads. */
  @ParameterizedTest
  @MethodSource("answers")
  void agreesWithTheTreeReading(String body) throws Exception {
    JsonNode tree = JSON.readTree(body);
    JsonNode first = tree.path("choices").path(0);
    ReplySummary s = scan(body, Operation.CHAT_COMPLETIONS);

    assertThat(s.model()).isEqualTo(textOrNull(tree.get("model")));
    assertThat(s.systemFingerprint()).isEqualTo(textOrNull(tree.get("system_fingerprint")));
    assertThat(s.finishReason()).isEqualTo(textOrNull(first.get("finish_reason")));
    assertThat(s.refused()).isEqualTo(Refusals.isRefusal(first.isMissingNode() ? null : first));
    assertThat(s.usage()).isEqualTo(TokenUsage.fromUsageNode(tree.get("usage")));
  }

  private static String textOrNull(JsonNode node) {
    return node == null || node.isNull() || node.isContainerNode() ? null : node.asText();
  }
}
