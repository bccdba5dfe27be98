package dev.switchboard.gateway.upstream.adapter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.http.ApiException;
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

  // ----------------------------------------------------------------------------- requests

  @Test
  void anAnthropicTargetAskedToThinkGetsTheBlocksOpeningTheToolTurn() throws Exception {
    UpstreamAdapter.EncodedRequest encoded =
        encode("anthropic", "claude-sonnet-4-5", followUp(THINK, BLOCKS));
    JsonNode sent = sent(encoded);

    // The tool turn now starts with Anthropic's own thinking: extended thinking stays on.
    assertThat(sent.at("/thinking/type").asText()).isEqualTo("enabled");
    JsonNode turn = sent.at("/messages/1/content");
    assertThat(turn).hasSize(4);
    assertThat(turn.get(0)).isEqualTo(blocks().get(0));
    assertThat(turn.get(1)).isEqualTo(blocks().get(1));
    assertThat(turn.at("/2/type").asText()).isEqualTo("text");
    assertThat(turn.at("/3/type").asText()).isEqualTo("tool_use");
    assertThat(sent.toString()).doesNotContain("thinking_blocks");
    assertThat(encoded.unhonoured()).isEmpty();

    // A turn without tool calls keeps its blocks too, before its text.
    ObjectNode text =
        (ObjectNode)
            JSON.readTree(
                "{\"model\":\"chat\","
                    + THINK
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},"
                    + "{\"role\":\"assistant\",\"content\":\"Hello.\",\"thinking_blocks\":"
                    + BLOCKS
                    + "},{\"role\":\"user\",\"content\":\"and?\"}]}");
    JsonNode textTurn = sent(encode("anthropic", "claude-sonnet-4-5", text)).at("/messages/1");
    assertThat(textTurn.at("/content/0")).isEqualTo(blocks().get(0));
    assertThat(textTurn.at("/content/2/text").asText()).isEqualTo("Hello.");
  }

  @Test
  void withoutTheBlocksTheToolTurnGoesWithoutThinkingAsBefore() throws Exception {
    UpstreamAdapter.EncodedRequest encoded =
        encode("anthropic", "claude-sonnet-4-5", followUp(THINK, null));
    assertThat(sent(encoded).has("thinking")).isFalse();
    assertThat(encoded.unhonoured()).containsExactly("reasoning_effort");
  }

  @Test
  void anAnthropicTargetNotAskedToThinkGetsNoBlocksAndNamesThem() throws Exception {
    UpstreamAdapter.EncodedRequest encoded =
        encode("anthropic", "claude-sonnet-4-5", followUp("", BLOCKS));
    JsonNode sent = sent(encoded);
    assertThat(sent.has("thinking")).isFalse();
    assertThat(sent.toString()).doesNotContain("EqQB").doesNotContain("thinking");
    assertThat(encoded.unhonoured()).containsExactly("messages[].thinking_blocks");
  }

  @Test
  void blocksTheClientChangedAreA400NamingThem() throws Exception {
    for (String changed :
        List.of(
            "{\"type\":\"thinking\"}",
            "[{\"type\":\"thinking\",\"thinking\":\"t\"}]",
            "[{\"type\":\"text\",\"text\":\"t\"}]",
            "[{\"type\":\"redacted_thinking\"}]")) {
      assertThatThrownBy(() -> encode("anthropic", "claude-sonnet-4-5", followUp(THINK, changed)))
          .as(changed)
          .isInstanceOfSatisfying(
              ApiException.class,
              e -> {
                assertThat(e.error().status()).isEqualTo(400);
                assertThat(e.error().param()).isEqualTo("messages[1].thinking_blocks");
              });
    }
  }

  @Test
  void everyOtherTargetNeverSeesTheFieldAndNamesIt() throws Exception {
    for (String kind : List.of("openai", "azure-openai", "openai-compatible", "mistral")) {
      ObjectNode body = followUp(THINK, BLOCKS);
      String before = body.toString();
      UpstreamAdapter.EncodedRequest encoded = encode(kind, "gpt-4o-mini", body);
      JsonNode sent = sent(encoded);
      assertThat(sent.toString()).as(kind).doesNotContain("thinking_blocks").doesNotContain("EqQB");
      assertThat(sent.at("/messages/1/tool_calls/0/id").asText()).isEqualTo("toolu_1");
      assertThat(sent.at("/messages/1/content").asText()).isEqualTo("Let me look.");
      assertThat(encoded.unhonoured()).as(kind).contains("messages[].thinking_blocks");
      assertThat(body.toString()).as("the client's body is not changed").isEqualTo(before);
    }
    UpstreamAdapter.EncodedRequest gemini =
        encode("gemini", "gemini-2.5-flash", followUp(THINK, BLOCKS));
    assertThat(sent(gemini).toString()).doesNotContain("EqQB").doesNotContain("thinking_blocks");
    assertThat(gemini.unhonoured()).contains("messages[].thinking_blocks");
  }

  @Test
  void aRequestWithoutTheFieldIsSentAndNamedAsBefore() throws Exception {
    ObjectNode body = followUp(THINK, null);
    UpstreamAdapter.EncodedRequest encoded = encode("openai-compatible", "gpt-4o-mini", body);
    assertThat(sent(encoded).get("messages")).isEqualTo(body.get("messages"));
    assertThat(encoded.unhonoured()).isEmpty();

    // A JSON null asked for nothing: left out (a strict server may refuse it), not named.
    UpstreamAdapter.EncodedRequest nulled =
        encode("openai-compatible", "gpt-4o-mini", followUp("", "null"));
    assertThat(sent(nulled).toString()).doesNotContain("thinking_blocks");
    assertThat(nulled.unhonoured()).isEmpty();
  }
}
