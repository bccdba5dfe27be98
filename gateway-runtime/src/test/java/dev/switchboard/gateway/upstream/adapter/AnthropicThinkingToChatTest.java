package dev.switchboard.gateway.upstream.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.gateway.upstream.Operation;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An Anthropic answer's thinking reaches a chat-completions client as {@code reasoning_content}
 * (DeepSeek's, vLLM's and LiteLLM's field): the text of its {@code thinking} blocks in the JSON
 * answer's message, each {@code thinking_delta} as a chunk's delta; redacted thinking and
 * signatures give no text (they come in {@code thinking_blocks}, {@link ChatThinkingBlocksTest}).
 */
class AnthropicThinkingToChatTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final AnthropicAdapter adapter = new AnthropicAdapter();

  private JsonNode chatMessage(String content) throws Exception {
    String answer =
        "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\","
            + "\"content\":"
            + content
            + ",\"stop_reason\":\"end_turn\",\"usage\":{\"input_tokens\":5,\"output_tokens\":9}}";
    Buffer chat = adapter.replyBody(Buffer.buffer(answer), Operation.CHAT_COMPLETIONS, () -> 7);
    return JSON.readTree(chat.getBytes()).path("choices").path(0).path("message");
  }

  @Test
  void theThinkingBlocksTextIsTheMessagesReasoningContent() throws Exception {
    JsonNode message =
        chatMessage(
            "[{\"type\":\"thinking\",\"thinking\":\"Two and \",\"signature\":\"sig1\"},"
                + "{\"type\":\"redacted_thinking\",\"data\":\"opaque\"},"
                + "{\"type\":\"thinking\",\"thinking\":\"two make four.\",\"signature\":\"sig2\"},"
                + "{\"type\":\"text\",\"text\":\"4\"}]");

    assertThat(message.path("reasoning_content").asText()).isEqualTo("Two and two make four.");
    assertThat(message.path("content").asText()).isEqualTo("4");
    // The signatures and redacted data are no text: they come only in the blocks, to hand back.
    assertThat(message.path("reasoning_content").asText()).doesNotContain("sig1");
    assertThat(message.get("thinking_blocks")).hasSize(3);
    assertThat(message.at("/thinking_blocks/1/data").asText()).isEqualTo("opaque");
  }

  @Test
  void anAnswerWithoutThinkingTextHasNoReasoningContent() throws Exception {
    JsonNode message =
        chatMessage(
            "[{\"type\":\"redacted_thinking\",\"data\":\"opaque\"},"
                + "{\"type\":\"text\",\"text\":\"4\"}]");

    assertThat(message.has("reasoning_content")).isFalse();
    assertThat(message.path("content").asText()).isEqualTo("4");
  }

  @Test
  void aThinkingDeltaStreamsAsAChunkWithReasoningContent() throws Exception {
    List<String> events =
        List.of(
            "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\","
                + "\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\",\"content\":[],"
                + "\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}",
            "{\"type\":\"content_block_start\",\"index\":0,"
                + "\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}}",
            "{\"type\":\"content_block_delta\",\"index\":0,"
                + "\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"Two and two\"}}",
            "{\"type\":\"content_block_delta\",\"index\":0,"
                + "\"delta\":{\"type\":\"signature_delta\",\"signature\":\"sig1\"}}",
            "{\"type\":\"content_block_stop\",\"index\":0}",
            "{\"type\":\"content_block_start\",\"index\":1,"
                + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}",
            "{\"type\":\"content_block_delta\",\"index\":1,"
                + "\"delta\":{\"type\":\"text_delta\",\"text\":\"4\"}}",
            "{\"type\":\"content_block_stop\",\"index\":1}",
            "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},"
                + "\"usage\":{\"output_tokens\":9}}",
            "{\"type\":\"message_stop\"}");
    StreamDecoder decoder = adapter.streamDecoder(Operation.CHAT_COMPLETIONS, false, 7);

    List<JsonNode> deltas = new ArrayList<>();
    List<String> reasoning = new ArrayList<>();
    for (String data : events) {
      StreamEventFacts facts = decoder.decode(data, null);
      if (facts.kind() == StreamEventFacts.Kind.CHUNK) {
        deltas.add(JSON.readTree(facts.payload()).path("choices").path(0).path("delta"));
        if (facts.reasoningDelta() != null) {
          reasoning.add(facts.reasoningDelta());
        }
      }
    }

    assertThat(deltas)
        .filteredOn(delta -> delta.has("reasoning_content"))
        .extracting(delta -> delta.path("reasoning_content").asText())
        .containsExactly("Two and two");
    assertThat(reasoning).containsExactly("Two and two");
    // The signature comes only with the block it ends, never as reasoning or content.
    assertThat(deltas)
        .filteredOn(delta -> !delta.has("thinking_blocks"))
        .extracting(JsonNode::toString)
        .noneMatch(delta -> delta.contains("sig1"));
    assertThat(deltas)
        .filteredOn(delta -> delta.has("content") && !delta.path("content").asText().isEmpty())
        .extracting(delta -> delta.path("content").asText())
        .containsExactly("4");
  }
}
