package dev.switchboard.gateway.frontdoor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.upstream.Operation;
import dev.switchboard.gateway.upstream.adapter.AnthropicAdapter;
import dev.switchboard.gateway.upstream.adapter.NestedDrops;
import dev.switchboard.gateway.upstream.adapter.OpenAiAdapter;
import dev.switchboard.gateway.upstream.adapter.StreamDecoder;
import dev.switchboard.gateway.upstream.adapter.StreamEventFacts;
import dev.switchboard.mock.sse.SseEvent;
import dev.switchboard.mock.sse.SseParser;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The reasoning text of OpenAI-compatible reasoning models ({@code reasoning_content}: DeepSeek,
 * Qwen, SGLang; {@code reasoning}: vLLM) reaches a Messages client that asked for thinking as a
 * {@code thinking} block before the text, JSON and streamed, with an empty signature.
 */
class MessagesReasoningTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode completion(String reasoningField) throws Exception {
    return JSON.readTree(
        "{\"id\":\"c\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"deepseek-reasoner\","
            + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"9.8\","
            + "\""
            + reasoningField
            + "\":\"Compare 9.11 and 9.80.\"},\"finish_reason\":\"stop\"}],"
            + "\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":12,\"total_tokens\":22,"
            + "\"completion_tokens_details\":{\"reasoning_tokens\":9}}}");
  }

  @Test
  void aJsonAnswersReasoningIsAThinkingBlockBeforeTheText() throws Exception {
    for (String field : List.of("reasoning_content", "reasoning")) {
      ObjectNode message =
          MessagesTranslation.toMessage(completion(field), "msg_1", "reasoner", true);

      assertThat(message.path("content")).as(field).hasSize(2);
      assertThat(message.at("/content/0").toString())
          .as(field)
          .isEqualTo(
              "{\"type\":\"thinking\",\"thinking\":\"Compare 9.11 and 9.80.\",\"signature\":\"\"}");
      assertThat(message.at("/content/1/type").asText()).isEqualTo("text");
      assertThat(message.at("/content/1/text").asText()).isEqualTo("9.8");
      assertThat(message.path("stop_reason").asText()).isEqualTo("end_turn");
      // Reasoning tokens are part of the output tokens, as Anthropic counts thinking.
      assertThat(message.at("/usage/output_tokens").asInt()).isEqualTo(12);
    }
  }

  @Test
  void aClientThatDidNotAskForThinkingGetsTheTextOnly() throws Exception {
    ObjectNode message =
        MessagesTranslation.toMessage(
            completion("reasoning_content"), "msg_1", "reasoner", askedFor("{}"));
    assertThat(message.path("content")).hasSize(1);
    assertThat(message.at("/content/0/text").asText()).isEqualTo("9.8");

    assertThat(askedFor("{\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":2048}}")).isTrue();
    assertThat(askedFor("{\"thinking\":{\"type\":\"adaptive\"}}")).isTrue();
    assertThat(askedFor("{\"thinking\":{\"type\":\"disabled\"}}")).isFalse();
  }

  private static boolean askedFor(String request) throws Exception {
    return MessagesTranslation.asksForThinking(JSON.readTree(request));
  }

  /** The Messages events the bridged encoder writes for the chat stream {@code chunks}. */
  private static List<JsonNode> stream(boolean thinking, String... chunks) throws Exception {
    MessagesStreamEncoder encoder = new MessagesStreamEncoder("msg_1", "reasoner", thinking);
    StreamDecoder decoder =
        new OpenAiAdapter().streamDecoder(Operation.CHAT_COMPLETIONS, false, 1_700_000_000L);
    Buffer out = Buffer.buffer();
    for (String chunk : chunks) {
      Buffer written = encoder.event(decoder.decode(chunk, null));
      if (written != null) {
        out.appendBuffer(written);
      }
    }
    StreamEventFacts done = decoder.decode("[DONE]", null);
    out.appendBuffer(encoder.end(done));
    List<JsonNode> events = new ArrayList<>();
    for (SseEvent e : SseParser.parseAll(out.toString())) {
      JsonNode event = JSON.readTree(e.data());
      assertThat(event.path("type").asText()).isEqualTo(e.event());
      events.add(event);
    }
    return events;
  }

  private static String chunk(String delta, String finish) {
    return "{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,"
        + "\"model\":\"deepseek-reasoner\",\"choices\":[{\"index\":0,\"delta\":"
        + delta
        + ",\"finish_reason\":"
        + (finish == null ? "null" : "\"" + finish + "\"")
        + "}]}";
  }

  /** DeepSeek's stream: reasoning deltas with a null content, then content deltas. */
  private static final String[] DEEPSEEK =
      new String[] {
        chunk("{\"role\":\"assistant\",\"content\":null,\"reasoning_content\":\"\"}", null),
        chunk("{\"content\":null,\"reasoning_content\":\"Compare\"}", null),
        chunk("{\"content\":null,\"reasoning_content\":\" 9.11 and 9.80.\"}", null),
        chunk("{\"content\":\"9.8\",\"reasoning_content\":null}", null),
        chunk("{\"content\":\" is larger.\",\"reasoning_content\":null}", null),
        chunk("{\"content\":\"\",\"reasoning_content\":null}", "stop")
      };

  @Test
  void streamedReasoningIsAThinkingBlockAtIndexZeroAndTheTextTakesIndexOne() throws Exception {
    List<JsonNode> events = stream(true, DEEPSEEK);

    List<String> shapes = new ArrayList<>();
    StringBuilder thinking = new StringBuilder();
    StringBuilder text = new StringBuilder();
    for (JsonNode e : events) {
      String type = e.path("type").asText();
      String shape = type + (e.has("index") ? "@" + e.path("index").asInt() : "");
      if ("content_block_start".equals(type)) {
        shape += ":" + e.at("/content_block/type").asText();
      } else if ("content_block_delta".equals(type)) {
        shape += ":" + e.at("/delta/type").asText();
        thinking.append(e.at("/delta/thinking").asText(""));
        text.append(e.at("/delta/text").asText(""));
      }
      shapes.add(shape);
    }
    assertThat(shapes)
        .containsExactly(
            "message_start",
            "ping",
            "content_block_start@0:thinking",
            "content_block_delta@0:thinking_delta",
            "content_block_delta@0:thinking_delta",
            "content_block_stop@0",
            "content_block_start@1:text",
            "content_block_delta@1:text_delta",
            "content_block_delta@1:text_delta",
            "content_block_stop@1",
            "message_delta",
            "message_stop");
    assertThat(thinking.toString()).isEqualTo("Compare 9.11 and 9.80.");
    assertThat(text.toString()).isEqualTo("9.8 is larger.");
    JsonNode start = events.get(2).path("content_block");
    assertThat(start.toString())
        .isEqualTo("{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}");
  }

  @Test
  void vllmsReasoningFieldStreamsAsThinkingToo() throws Exception {
    List<JsonNode> events =
        stream(
            true,
            chunk("{\"role\":\"assistant\",\"content\":\"\"}", null),
            chunk("{\"reasoning\":\"Hmm.\"}", null),
            chunk("{\"content\":\"Yes.\"}", "stop"));
    assertThat(events.get(2).at("/content_block/type").asText()).isEqualTo("thinking");
    assertThat(events.get(3).at("/delta/thinking").asText()).isEqualTo("Hmm.");
    assertThat(events.get(5).at("/content_block/type").asText()).isEqualTo("text");
    assertThat(events.get(5).path("index").asInt()).isEqualTo(1);
  }

  @Test
  void streamedReasoningIsLeftOutWhenTheClientDidNotAskForThinking() throws Exception {
    List<JsonNode> events = stream(false, DEEPSEEK);
    for (JsonNode e : events) {
      assertThat(e.at("/content_block/type").asText("text")).isEqualTo("text");
      assertThat(e.at("/delta/type").asText("")).isNotEqualTo("thinking_delta");
    }
    assertThat(events.get(2).path("index").asInt()).isZero();
  }

  @Test
  void theThinkingBlockHandedBackIsNotSentToAChatTargetAndIsNamed() throws Exception {
    ObjectNode answer =
        MessagesTranslation.toMessage(completion("reasoning_content"), "msg_1", "reasoner", true);
    ObjectNode request =
        (ObjectNode)
            JSON.readTree(
                "{\"model\":\"reasoner\",\"max_tokens\":64,"
                    + "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":1024},"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"Which is larger?\"}]}");
    request
        .withArray("messages")
        .addObject()
        .put("role", "assistant")
        .set("content", answer.get("content"));
    request.withArray("messages").addObject().put("role", "user").put("content", "Sure?");

    ChatForm form = MessagesTranslation.toChatForm(request);

    JsonNode assistant = form.chat().at("/messages/1");
    assertThat(assistant.toString()).isEqualTo("{\"role\":\"assistant\",\"content\":\"9.8\"}");
    assertThat(form.chat().toString()).doesNotContain("reasoning").doesNotContain("Compare");
    assertThat(form.leftOut()).contains("thinking", NestedDrops.THINKING_BLOCK);
  }

  /**
   * On a route that also has an Anthropic target, the same history goes to Anthropic without the
   * gateway's unsigned thinking block (Anthropic refuses a thinking block it did not sign), and a
   * last tool turn that only such a block opens is sent without {@code thinking}, as one another
   * provider served.
   */
  @Test
  void anAnthropicTargetGetsTheHistoryWithoutTheUnsignedThinkingBlock() throws Exception {
    ObjectNode request =
        (ObjectNode)
            JSON.readTree(
                "{\"model\":\"mixed\",\"max_tokens\":2048,"
                    + "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":1024},"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"look it up\"},"
                    + "{\"role\":\"assistant\",\"content\":["
                    + "{\"type\":\"thinking\",\"thinking\":\"A lookup.\",\"signature\":\"\"},"
                    + "{\"type\":\"tool_use\",\"id\":\"call_1\",\"name\":\"lookup\","
                    + "\"input\":{}}]},"
                    + "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\","
                    + "\"tool_use_id\":\"call_1\",\"content\":\"found\"}]}]}");

    ChatForm form = MessagesTranslation.toChatForm(request);

    assertThat(form.passThrough()).isNotNull();
    assertThat(form.passThrough().at("/messages/1/content").toString())
        .isEqualTo("[{\"type\":\"tool_use\",\"id\":\"call_1\",\"name\":\"lookup\",\"input\":{}}]");
    assertThat(request.at("/messages/1/content")).hasSize(2); // the client's body is not changed
    assertThat(AnthropicAdapter.dropsThinking(request)).isTrue();
    assertThat(form.leftOut()).contains(NestedDrops.THINKING_BLOCK);

    // Anthropic's own (signed) thinking stays, and keeps thinking on.
    ((ObjectNode) request.at("/messages/1/content/0")).put("signature", "EqQBCkYIARgCKkD");
    assertThat(MessagesTranslation.toChatForm(request).passThrough()).isNull();
    assertThat(AnthropicAdapter.dropsThinking(request)).isFalse();
  }
}
