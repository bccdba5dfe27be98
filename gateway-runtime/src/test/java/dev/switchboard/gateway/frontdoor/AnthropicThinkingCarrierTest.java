package dev.switchboard.gateway.frontdoor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.http.ApiException;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.gateway.upstream.Operation;
import dev.switchboard.gateway.upstream.adapter.AnthropicAdapter;
import dev.switchboard.gateway.upstream.adapter.AnthropicChatTranslation;
import dev.switchboard.gateway.upstream.adapter.StreamDecoder;
import dev.switchboard.gateway.upstream.adapter.ThoughtSignedChat;
import dev.switchboard.mock.sse.SseEvent;
import dev.switchboard.mock.sse.SseParser;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The carrier of Anthropic thinking blocks through the Responses door: it round-trips the blocks
 * exactly, an Anthropic answer's blocks reach it (JSON and stream, only when the client included
 * encrypted reasoning), and handed back it becomes the tool turn's leading blocks for an Anthropic
 * target asked to think — and nothing for any other.
 */
class AnthropicThinkingCarrierTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static ArrayNode blocks() throws Exception {
    return (ArrayNode)
        JSON.readTree(
            "[{\"type\":\"thinking\",\"thinking\":\"Ünïcode \\\"quoted\\\"\\nline: a:b\","
                + "\"signature\":\"EqQBCgIYAhIM+/==\"},"
                + "{\"type\":\"redacted_thinking\",\"data\":\"EmwKAhgBEgy3va3pzix/LafPsn4a\"}]");
  }

  @Test
  void theCarrierRoundTripsTheBlocksExactly() throws Exception {
    ArrayNode blocks = blocks();
    String carrier = ThoughtCarrier.carryThinking(blocks);

    assertThat(carrier).startsWith("switchboard.anthropic-thinking.v1:");
    // One colon, the prefix's: base64 holds none, so it never looks like a Gemini carrier.
    assertThat(carrier.indexOf(':')).isEqualTo(carrier.lastIndexOf(':'));
    assertThat(ThoughtCarrier.thinkingBlocks(carrier)).isEqualTo(blocks);
    assertThat(ThoughtCarrier.isCarrier(carrier)).isTrue();
    assertThat(ThoughtCarrier.isGeminiCarrier(carrier)).isFalse();
    assertThat(ThoughtCarrier.signature(carrier)).isNull();
    // A Gemini carrier and OpenAI's encrypted reasoning carry no Anthropic blocks.
    assertThat(ThoughtCarrier.thinkingBlocks(ThoughtCarrier.carry("sig"))).isNull();
    assertThat(ThoughtCarrier.thinkingBlocks("gAAAAABo...")).isNull();
    assertThat(ThoughtCarrier.thinkingBlocks(null)).isNull();
  }

  @Test
  void aChangedCarrierHoldsNoBlocks() {
    String prefix = ThoughtCarrier.ANTHROPIC_PREFIX;
    for (String changed :
        List.of(
            prefix + "not base64!",
            prefix + b64("{\"type\":\"thinking\"}"),
            prefix + b64("[]"),
            prefix + b64("[{\"type\":\"text\",\"text\":\"hi\"}]"),
            prefix + b64("[{\"type\":\"thinking\",\"thinking\":\"t\"}]"))) {
      assertThatThrownBy(() -> ThoughtCarrier.thinkingBlocks(changed))
          .as(changed)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  private static String b64(String json) {
    return Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }

  // ---------------------------------------------------------------------------- request side

  private static ObjectNode followUp(String effort, String between) throws Exception {
    String carrier = ThoughtCarrier.carryThinking(blocks());
    return (ObjectNode)
        JSON.readTree(
            "{\"model\":\"claude\",\"store\":false,\"include\":[\"reasoning.encrypted_content\"],"
                + effort
                + "\"input\":[{\"role\":\"user\",\"content\":\"find cats\"},"
                + "{\"type\":\"reasoning\",\"id\":\"rs_1\",\"summary\":[],\"encrypted_content\":\""
                + carrier
                + "\"},"
                + between
                + "{\"type\":\"function_call\",\"call_id\":\"toolu_1\",\"name\":\"lookup\","
                + "\"arguments\":\"{}\"},{\"type\":\"function_call_output\",\"call_id\":"
                + "\"toolu_1\",\"output\":\"3 cats\"}],\"tools\":[{\"type\":\"function\","
                + "\"name\":\"lookup\",\"parameters\":{\"type\":\"object\"}}]}");
  }

  private static final String TEXT =
      "{\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\","
          + "\"text\":\"Let me look.\"}]},";

  @Test
  void aCarrierGivesTheToolTurnItsBlocksBesideTheTree() throws Exception {
    ObjectNode request = followUp("\"reasoning\":{\"effort\":\"low\"},", TEXT);
    ObjectNode chat = ResponsesBridge.toChat(request);

    assertThat(chat).isInstanceOf(ThoughtSignedChat.class);
    ThoughtSignedChat signed = (ThoughtSignedChat) chat;
    assertThat(signed.thinking("toolu_1")).isEqualTo(blocks());
    assertThat(signed.signature("toolu_1")).isNull(); // not a Gemini signature
    assertThat(chat.toString()).doesNotContain(ThoughtCarrier.ANTHROPIC_PREFIX);
    // Included encrypted reasoning is honoured, not named; the carrier item is not named either.
    assertThat(ResponsesBridge.leftOut(request)).isEmpty();

    // Anthropic, asked to think: the turn opens with the blocks, unchanged, before text and call.
    ObjectNode sent = AnthropicChatTranslation.toMessagesRequest(chat, "claude-sonnet-4-5");
    assertThat(sent.at("/thinking/type").asText()).isEqualTo("enabled");
    JsonNode turn = sent.at("/messages/1/content");
    assertThat(turn).hasSize(4);
    assertThat(turn.get(0)).isEqualTo(blocks().get(0));
    assertThat(turn.get(1)).isEqualTo(blocks().get(1));
    assertThat(turn.at("/2/type").asText()).isEqualTo("text");
    assertThat(turn.at("/3/type").asText()).isEqualTo("tool_use");

    // Not asked to think: Anthropic wants no blocks back.
    ObjectNode plain = ResponsesBridge.toChat(followUp("", TEXT));
    JsonNode without =
        AnthropicChatTranslation.toMessagesRequest(plain, "claude-sonnet-4-5").at("/messages/1");
    assertThat(without.has("thinking")).isFalse();
    assertThat(without.toString()).doesNotContain("thinking").doesNotContain("EqQB");
  }

  @Test
  void withoutItsBlocksTheToolTurnGoesWithoutThinkingAsBefore() throws Exception {
    // A user message between the carrier and the call: the blocks belong to no call.
    ObjectNode chat =
        ResponsesBridge.toChat(
            followUp(
                "\"reasoning\":{\"effort\":\"low\"},",
                "{\"role\":\"user\",\"content\":\"go on\"},"));
    assertThat(chat).isNotInstanceOf(ThoughtSignedChat.class); // no blocks beside the tree
    ObjectNode sent = AnthropicChatTranslation.toMessagesRequest(chat, "claude-sonnet-4-5");
    assertThat(sent.has("thinking")).isFalse();
    assertThat(sent.toString()).doesNotContain("EqQB");
  }

  @Test
  void aChangedCarrierIsA400NamingIt() throws Exception {
    ObjectNode request = followUp("", "");
    ((ObjectNode) request.at("/input/1"))
        .put("encrypted_content", ThoughtCarrier.ANTHROPIC_PREFIX + "xyz");
    assertThatThrownBy(() -> ResponsesBridge.toChat(request))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.error().status()).isEqualTo(400);
              assertThat(e.error().param()).isEqualTo("input[1].encrypted_content");
            });
  }

  // ----------------------------------------------------------------------------- answer side

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
  void aJsonAnswersBlocksAreTheReasoningItemsCarrierOnlyWhenTheClientAsks() throws Exception {
    ObjectNode chat = AnthropicChatTranslation.toChatCompletion(anthropicAnswer(), 1);
    // Not asked (no include): the item as before, with no encrypted content, as OpenAI answers.
    JsonNode plain =
        ResponsesObjects.fromChat(
                chat,
                (ObjectNode) JSON.readTree("{\"model\":\"claude\",\"input\":\"x\"}"),
                "resp_1",
                1)
            .path("output");
    assertThat(plain.at("/0/type").asText()).isEqualTo("reasoning");
    assertThat(plain.get(0).has("encrypted_content")).isFalse();
    assertThat(plain.toString()).doesNotContain("EqQB");

    ObjectNode response =
        ResponsesObjects.fromChat(
            chat,
            (ObjectNode)
                JSON.readTree(
                    "{\"model\":\"claude\",\"input\":\"x\","
                        + "\"include\":[\"reasoning.encrypted_content\"]}"),
            "resp_1",
            1);
    JsonNode output = response.path("output");
    assertThat(output).hasSize(3);
    assertThat(output.at("/0/type").asText()).isEqualTo("reasoning");
    assertThat(output.at("/0/content/0/text").asText())
        .isEqualTo(blocks().at("/0/thinking").asText());
    assertThat(ThoughtCarrier.thinkingBlocks(output.at("/0/encrypted_content").asText()))
        .isEqualTo(blocks());
    assertThat(output.at("/1/type").asText()).isEqualTo("message");
    assertThat(output.at("/2/type").asText()).isEqualTo("function_call");
  }

  private static List<JsonNode> stream(String include, String... events) throws Exception {
    RequestContext ctx =
        new RequestContext("req", Operation.RESPONSES, new ManualClock(1_700_000_000_000L));
    ResponsesStreamEncoders.Bridged encoder =
        new ResponsesStreamEncoders.Bridged(
            (ObjectNode)
                JSON.readTree(
                    "{\"model\":\"claude\",\"input\":\"x\"," + include + "\"stream\":true}"),
            ctx,
            (id, stored) -> {});
    StreamDecoder decoder =
        new AnthropicAdapter().streamDecoder(Operation.CHAT_COMPLETIONS, false, 1_700_000_000L);
    Buffer out = Buffer.buffer();
    for (String event : events) {
      Buffer written = encoder.event(decoder.decode(event, null));
      if (written != null) {
        out.appendBuffer(written);
      }
    }
    out.appendBuffer(encoder.end(decoder.decode("{\"type\":\"message_stop\"}", null)));
    List<JsonNode> done = new ArrayList<>();
    for (SseEvent e : SseParser.parseAll(out.toString())) {
      if ("response.output_item.done".equals(e.event())) {
        done.add(JSON.readTree(e.data()).get("item"));
      }
    }
    return done;
  }

  private static final String[] THINKING_THEN_CALL = {
    "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"claude-sonnet-4-5\","
        + "\"usage\":{\"input_tokens\":5,\"output_tokens\":0}}}",
    "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\","
        + "\"thinking\":\"\",\"signature\":\"\"}}",
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
    "{\"type\":\"content_block_start\",\"index\":2,\"content_block\":{\"type\":\"tool_use\","
        + "\"id\":\"toolu_1\",\"name\":\"lookup\",\"input\":{}}}",
    "{\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"input_json_delta\","
        + "\"partial_json\":\"{}\"}}",
    "{\"type\":\"content_block_stop\",\"index\":2}",
    "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\"},"
        + "\"usage\":{\"output_tokens\":9}}"
  };

  @Test
  void aStreamsBlocksAreTheReasoningItemsCarrierWhenIncluded() throws Exception {
    List<JsonNode> done =
        stream("\"include\":[\"reasoning.encrypted_content\"],", THINKING_THEN_CALL);
    assertThat(done).hasSize(2);
    JsonNode reasoning = done.get(0);
    assertThat(reasoning.at("/content/0/text").asText()).isEqualTo("Look it up.");
    assertThat(ThoughtCarrier.thinkingBlocks(reasoning.path("encrypted_content").asText()))
        .isEqualTo(
            JSON.readTree(
                "[{\"type\":\"thinking\",\"thinking\":\"Look it up.\",\"signature\":"
                    + "\"EqQBsig==\"},{\"type\":\"redacted_thinking\",\"data\":\"EmwKredacted\"}]"));
    assertThat(done.get(1).path("type").asText()).isEqualTo("function_call");

    // Not included: the item as before, with no encrypted content (as OpenAI answers).
    List<JsonNode> plain = stream("", THINKING_THEN_CALL);
    assertThat(plain).hasSize(2);
    assertThat(plain.get(0).has("encrypted_content")).isFalse();
    assertThat(plain.get(0).at("/content/0/text").asText()).isEqualTo("Look it up.");
  }

  @Test
  void aStreamWhoseThinkingIsRedactedOnlyStillCarriesIt() throws Exception {
    List<JsonNode> done =
        stream(
            "\"include\":[\"reasoning.encrypted_content\"],",
            THINKING_THEN_CALL[0],
            THINKING_THEN_CALL[6],
            THINKING_THEN_CALL[7],
            THINKING_THEN_CALL[8],
            THINKING_THEN_CALL[9],
            THINKING_THEN_CALL[10],
            THINKING_THEN_CALL[11]);
    assertThat(done).hasSize(2);
    assertThat(done.get(0).path("type").asText()).isEqualTo("reasoning");
    assertThat(done.get(0).has("content")).isFalse();
    assertThat(ThoughtCarrier.thinkingBlocks(done.get(0).path("encrypted_content").asText()))
        .isEqualTo(JSON.readTree("[{\"type\":\"redacted_thinking\",\"data\":\"EmwKredacted\"}]"));
  }
}
