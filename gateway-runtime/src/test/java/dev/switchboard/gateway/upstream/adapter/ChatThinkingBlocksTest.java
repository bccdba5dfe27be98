package dev.switchboard.gateway.upstream.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.upstream.Operation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Anthropic's thinking blocks through the chat-completions door, in LiteLLM's {@code
 * thinking_blocks} shape: an Anthropic answer gives them ({@code message.thinking_blocks}, a
 * stream's {@code delta.thinking_blocks} on the chunk that ends each block), and handed back on the
 * assistant message they open that Anthropic turn, unchanged, when the target is asked to think —
 * which keeps extended thinking on after a tool turn. Every other target, and an Anthropic one not
 * asked to think, never gets the field and names it.
 */
class ChatThinkingBlocksTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static final String BLOCKS =
      "[{\"type\":\"thinking\",\"thinking\":\"Ünïcode \\\"quoted\\\"\\nline\","
          + "\"signature\":\"EqQBCgIYAhIM+/==\"},"
          + "{\"type\":\"redacted_thinking\",\"data\":\"EmwKAhgBEgy3va3pzix/LafPsn4a\"}]";

  private static ArrayNode blocks() throws Exception {
    return (ArrayNode) JSON.readTree(BLOCKS);
  }

  private static PlannedTarget target(String kind, String model) {
    return new PlannedTarget(
        TestTables.target("p", model, 0),
        TestTables.provider("p", kind, "https://api.example.com/v1", true, Map.of(), null),
        PlannedTarget.STABLE);
  }

  /** A tool loop's follow-up whose assistant turn carries {@code blocks} (raw JSON, or none). */
  private static ObjectNode followUp(String fields, String blocks) throws Exception {
    return (ObjectNode)
        JSON.readTree(
            "{\"model\":\"chat\","
                + fields
                + "\"messages\":[{\"role\":\"user\",\"content\":\"find cats\"},"
                + "{\"role\":\"assistant\",\"content\":\"Let me look.\","
                + (blocks == null ? "" : "\"thinking_blocks\":" + blocks + ",")
                + "\"tool_calls\":[{\"id\":\"toolu_1\",\"type\":\"function\",\"function\":"
                + "{\"name\":\"lookup\",\"arguments\":\"{}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"toolu_1\",\"content\":\"3 cats\"}],"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"lookup\","
                + "\"parameters\":{\"type\":\"object\"}}}]}");
  }

  private static final String THINK = "\"reasoning_effort\":\"low\",";

  private static UpstreamAdapter.EncodedRequest encode(String kind, String model, ObjectNode body) {
    return UpstreamAdapters.forProvider(target(kind, model).provider())
        .encode(body, target(kind, model), Operation.CHAT_COMPLETIONS, false);
  }

  private static JsonNode sent(UpstreamAdapter.EncodedRequest encoded) throws Exception {
    return JSON.readTree(encoded.body().getBytes());
  }

  // ------------------------------------------------------------------------------ answers

  private static JsonNode anthropicAnswer() throws Exception {
    ArrayNode content = blocks();
    content.addObject().put("type", "text").put("text", "Let me look.");
    content
        .addObject()
        .put("type", "tool_use")
        .put("id", "toolu_1")
        .put("name", "lookup")
        .putObject("input");
    ObjectNode message = JSON.createObjectNode();
    message.put("id", "msg_1").put("type", "message").put("role", "assistant");
    message.put("model", "claude-sonnet-4-5").put("stop_reason", "tool_use");
    message.set("content", content);
    return message;
  }

  @Test
  void aJsonAnswerGivesItsBlocksUnchangedAsTheMessagesThinkingBlocks() throws Exception {
    JsonNode message =
        AnthropicChatTranslation.toChatCompletion(anthropicAnswer(), 1).at("/choices/0/message");

    assertThat(message.get("thinking_blocks")).isEqualTo(blocks());
    assertThat(message.path("reasoning_content").asText())
        .isEqualTo(blocks().at("/0/thinking").asText());
    assertThat(message.path("content").asText()).isEqualTo("Let me look.");
    assertThat(message.at("/tool_calls/0/id").asText()).isEqualTo("toolu_1");

    // An answer without thinking has no such field.
    ObjectNode plain = (ObjectNode) anthropicAnswer();
    ((ArrayNode) plain.get("content")).remove(0);
    ((ArrayNode) plain.get("content")).remove(0);
    assertThat(
            AnthropicChatTranslation.toChatCompletion(plain, 1)
                .at("/choices/0/message")
                .has("thinking_blocks"))
        .isFalse();
  }

  @Test
  void aStreamGivesEachBlockWholeOnTheChunkThatEndsIt() throws Exception {
    List<String> events =
        List.of(
            "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":"
                + "\"claude-sonnet-4-5\",\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}",
            "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":"
                + "\"thinking\",\"thinking\":\"\",\"signature\":\"\"}}",
            "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\","
                + "\"thinking\":\"Look \"}}",
            "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\","
                + "\"thinking\":\"it up.\"}}",
            "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"signature_delta\","
                + "\"signature\":\"EqQBsig==\"}}",
            "{\"type\":\"content_block_stop\",\"index\":0}",
            "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":"
                + "\"redacted_thinking\",\"data\":\"EmwKredacted\"}}",
            "{\"type\":\"content_block_stop\",\"index\":1}",
            "{\"type\":\"content_block_start\",\"index\":2,\"content_block\":{\"type\":"
                + "\"tool_use\",\"id\":\"toolu_1\",\"name\":\"lookup\",\"input\":{}}}",
            "{\"type\":\"content_block_stop\",\"index\":2}",
            "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\"},"
                + "\"usage\":{\"output_tokens\":9}}",
            "{\"type\":\"message_stop\"}");
    StreamDecoder decoder =
        new AnthropicAdapter().streamDecoder(Operation.CHAT_COMPLETIONS, false, 7);

    List<JsonNode> blocks = new ArrayList<>();
    List<JsonNode> handedOver = new ArrayList<>();
    StringBuilder reasoning = new StringBuilder();
    for (String data : events) {
      StreamEventFacts facts = decoder.decode(data, null);
      if (facts.kind() != StreamEventFacts.Kind.CHUNK) {
        continue;
      }
      JsonNode delta = JSON.readTree(facts.payload()).at("/choices/0/delta");
      reasoning.append(delta.path("reasoning_content").asText(""));
      if (delta.has("thinking_blocks")) {
        // One block a chunk, whole, and nothing else in that delta.
        assertThat(delta.size()).isEqualTo(1);
        assertThat(delta.get("thinking_blocks")).hasSize(1);
        blocks.add(delta.at("/thinking_blocks/0"));
        assertThat(facts.thinkingBlocks()).hasSize(1);
        handedOver.add(facts.thinkingBlocks().get(0));
      } else {
        assertThat(facts.thinkingBlocks()).isNull();
      }
    }

    assertThat(reasoning.toString()).isEqualTo("Look it up.");
    assertThat(blocks)
        .containsExactly(
            JSON.readTree(
                "{\"type\":\"thinking\",\"thinking\":\"Look it up.\",\"signature\":\"EqQBsig==\"}"),
            JSON.readTree("{\"type\":\"redacted_thinking\",\"data\":\"EmwKredacted\"}"));
    assertThat(handedOver).isEqualTo(blocks);
  }
}
