package dev.switchboard.gateway.frontdoor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.request.TokenUsage;
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.gateway.upstream.Operation;
import dev.switchboard.gateway.upstream.adapter.AnthropicAdapter;
import dev.switchboard.gateway.upstream.adapter.NestedDrops;
import dev.switchboard.gateway.upstream.adapter.OpenAiAdapter;
import dev.switchboard.gateway.upstream.adapter.StreamDecoder;
import dev.switchboard.gateway.upstream.adapter.UpstreamAdapter;
import dev.switchboard.mock.sse.SseEvent;
import dev.switchboard.mock.sse.SseParser;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The reasoning text of a chat target ({@code reasoning_content}: DeepSeek, Qwen, SGLang; {@code
 * reasoning}: vLLM; an Anthropic target's thinking, which its adapter hands over as {@code
 * reasoning_content}) reaches a Responses client as a {@code reasoning} output item before the
 * message, JSON and streamed ({@code reasoning_text.delta} / {@code .done}), as OpenAI's Responses
 * API shapes raw reasoning; handed back, that item reaches no target.
 */
class ResponsesReasoningTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static ObjectNode request(String json) throws Exception {
    return (ObjectNode) JSON.readTree(json);
  }

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

  private static ObjectNode fromChat(JsonNode chat) throws Exception {
    return ResponsesObjects.fromChat(
        chat, request("{\"model\":\"reasoner\",\"input\":\"which?\"}"), "resp_1", 1);
  }

  @Test
  void aJsonAnswersReasoningIsAReasoningItemBeforeTheMessage() throws Exception {
    for (String field : List.of("reasoning_content", "reasoning")) {
      ObjectNode response = fromChat(completion(field));

      JsonNode output = response.path("output");
      assertThat(output).as(field).hasSize(2);
      JsonNode reasoning = output.path(0);
      assertThat(reasoning.path("id").asText()).startsWith("rs_");
      ((ObjectNode) reasoning).remove("id");
      assertThat(reasoning.toString())
          .as(field)
          .isEqualTo(
              "{\"type\":\"reasoning\",\"summary\":[],"
                  + "\"content\":[{\"type\":\"reasoning_text\",\"text\":\"Compare 9.11 and 9.80.\"}]}");
      assertThat(output.at("/1/type").asText()).isEqualTo("message");
      assertThat(output.at("/1/content/0/text").asText()).isEqualTo("9.8");
      assertThat(response.at("/usage/output_tokens").asInt()).isEqualTo(12);
      assertThat(response.at("/usage/output_tokens_details/reasoning_tokens").asInt()).isEqualTo(9);
    }
  }

  @Test
  void anAnswerWithoutReasoningTextHasNoReasoningItem() throws Exception {
    JsonNode chat =
        JSON.readTree(
            "{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"hi\","
                + "\"reasoning_content\":null},\"finish_reason\":\"stop\"}]}");
    assertThat(fromChat(chat).path("output")).hasSize(1);
    assertThat(fromChat(chat).at("/output/0/type").asText()).isEqualTo("message");
  }

  /** The Responses events the bridged encoder writes for a chat stream decoded by {@code up}. */
  private static List<JsonNode> bridge(UpstreamAdapter up, TokenUsage usage, String... events)
      throws Exception {
    RequestContext ctx =
        new RequestContext("req", Operation.RESPONSES, new ManualClock(1_700_000_000_000L));
    ctx.usage(usage);
    ResponsesStreamEncoders.Bridged encoder =
        new ResponsesStreamEncoders.Bridged(
            request("{\"model\":\"reasoner\",\"input\":\"x\",\"stream\":true}"),
            ctx,
            (id, stored) -> {});
    StreamDecoder decoder = up.streamDecoder(Operation.CHAT_COMPLETIONS, false, 1_700_000_000L);
    Buffer out = Buffer.buffer();
    for (String event : events) {
      Buffer written = encoder.event(decoder.decode(event, null));
      if (written != null) {
        out.appendBuffer(written);
      }
    }
    out.appendBuffer(encoder.end(decoder.decode("[DONE]", null)));
    List<JsonNode> parsed = new ArrayList<>();
    for (SseEvent e : SseParser.parseAll(out.toString())) {
      JsonNode event = JSON.readTree(e.data());
      assertThat(event.path("type").asText()).isEqualTo(e.event());
      parsed.add(event);
    }
    for (int i = 0; i < parsed.size(); i++) {
      assertThat(parsed.get(i).path("sequence_number").asInt()).isEqualTo(i);
    }
    return parsed;
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

  /** Each event as {@code type@output_index}, and the reasoning item's and text's events. */
  private static List<String> shapes(List<JsonNode> events) {
    List<String> shapes = new ArrayList<>();
    for (JsonNode e : events) {
      shapes.add(e.path("type").asText() + "@" + e.path("output_index").asText("-"));
    }
    return shapes;
  }

  @Test
  void streamedReasoningIsAReasoningItemAtIndexZeroAndTheMessageTakesIndexOne() throws Exception {
    List<JsonNode> events = bridge(new OpenAiAdapter(), new TokenUsage(10, 12, 0, 9), DEEPSEEK);

    assertThat(shapes(events))
        .containsExactly(
            "response.created@-",
            "response.in_progress@-",
            "response.output_item.added@0",
            "response.reasoning_text.delta@0",
            "response.reasoning_text.delta@0",
            "response.reasoning_text.done@0",
            "response.output_item.done@0",
            "response.output_item.added@1",
            "response.content_part.added@1",
            "response.output_text.delta@1",
            "response.output_text.delta@1",
            "response.output_text.done@1",
            "response.content_part.done@1",
            "response.output_item.done@1",
            "response.completed@-");
    String id = events.get(2).at("/item/id").asText();
    assertThat(id).startsWith("rs_");
    assertThat(events.get(2).path("item").toString())
        .isEqualTo(
            "{\"id\":\""
                + id
                + "\",\"type\":\"reasoning\",\"summary\":[],"
                + "\"content\":[{\"type\":\"reasoning_text\",\"text\":\"\"}]}");
    assertThat(events.get(3).toString())
        .isEqualTo(
            "{\"type\":\"response.reasoning_text.delta\",\"sequence_number\":3,\"item_id\":\""
                + id
                + "\",\"output_index\":0,\"content_index\":0,\"delta\":\"Compare\"}");
    assertThat(events.get(5).path("text").asText()).isEqualTo("Compare 9.11 and 9.80.");
    assertThat(events.get(5).path("item_id").asText()).isEqualTo(id);
    JsonNode item = events.get(6).path("item");
    assertThat(item.at("/content/0/text").asText()).isEqualTo("Compare 9.11 and 9.80.");

    JsonNode completed = events.get(14).path("response");
    assertThat(completed.path("output")).hasSize(2);
    assertThat(completed.at("/output/0")).isEqualTo(item);
    assertThat(completed.at("/output/1/content/0/text").asText()).isEqualTo("9.8 is larger.");
    assertThat(completed.at("/usage/output_tokens_details/reasoning_tokens").asInt()).isEqualTo(9);
  }

  @Test
  void aStreamWithoutReasoningOpensNoReasoningItem() throws Exception {
    List<JsonNode> events =
        bridge(
            new OpenAiAdapter(),
            null,
            chunk("{\"role\":\"assistant\",\"content\":\"\"}", null),
            chunk("{\"content\":\"hi\"}", "stop"));
    assertThat(shapes(events)).noneMatch(s -> s.startsWith("response.reasoning_text"));
    assertThat(events.get(2).at("/item/type").asText()).isEqualTo("message");
    assertThat(events.get(2).path("output_index").asInt()).isZero();
  }

  @Test
  void reasoningBeforeAToolCallIsItsOwnItemAndTheCallTakesTheNextIndex() throws Exception {
    List<JsonNode> events =
        bridge(
            new OpenAiAdapter(),
            null,
            chunk("{\"role\":\"assistant\",\"reasoning\":\"Look it up.\"}", null),
            chunk(
                "{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\","
                    + "\"function\":{\"name\":\"lookup\",\"arguments\":\"{}\"}}]}",
                "tool_calls"));
    assertThat(shapes(events))
        .containsSubsequence(
            "response.output_item.added@0",
            "response.reasoning_text.delta@0",
            "response.reasoning_text.done@0",
            "response.output_item.done@0",
            "response.output_item.added@1",
            "response.function_call_arguments.done@1",
            "response.output_item.done@1");
    JsonNode output = events.get(events.size() - 1).at("/response/output");
    assertThat(output.at("/0/type").asText()).isEqualTo("reasoning");
    assertThat(output.at("/1/type").asText()).isEqualTo("function_call");
  }

  // ------------------------------------------------------------------ an Anthropic target

  private static final String ANTHROPIC_ANSWER =
      "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\","
          + "\"content\":[{\"type\":\"thinking\",\"thinking\":\"Two and \",\"signature\":\"sig1\"},"
          + "{\"type\":\"redacted_thinking\",\"data\":\"opaque\"},"
          + "{\"type\":\"thinking\",\"thinking\":\"two make four.\",\"signature\":\"sig2\"},"
          + "{\"type\":\"text\",\"text\":\"4\"}],"
          + "\"stop_reason\":\"end_turn\",\"usage\":{\"input_tokens\":5,\"output_tokens\":9}}";

  @Test
  void anAnthropicTargetsThinkingIsTheReasoningItemWithoutSignaturesOrRedactedThinking()
      throws Exception {
    Buffer chat =
        new AnthropicAdapter()
            .replyBody(Buffer.buffer(ANTHROPIC_ANSWER), Operation.CHAT_COMPLETIONS, () -> 7);
    ObjectNode response = fromChat(JSON.readTree(chat.getBytes()));

    JsonNode output = response.path("output");
    assertThat(output).hasSize(2);
    assertThat(output.at("/0/type").asText()).isEqualTo("reasoning");
    assertThat(output.at("/0/content").toString())
        .isEqualTo("[{\"type\":\"reasoning_text\",\"text\":\"Two and two make four.\"}]");
    assertThat(output.at("/0").has("encrypted_content")).isFalse();
    assertThat(output.at("/1/content/0/text").asText()).isEqualTo("4");
    assertThat(response.toString())
        .doesNotContain("sig1")
        .doesNotContain("sig2")
        .doesNotContain("opaque");
  }

  @Test
  void anAnthropicTargetsStreamedThinkingIsTheReasoningItemsDeltas() throws Exception {
    List<JsonNode> events =
        bridge(
            new AnthropicAdapter(),
            null,
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
                + "\"content_block\":{\"type\":\"redacted_thinking\",\"data\":\"opaque\"}}",
            "{\"type\":\"content_block_stop\",\"index\":1}",
            "{\"type\":\"content_block_start\",\"index\":2,"
                + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}",
            "{\"type\":\"content_block_delta\",\"index\":2,"
                + "\"delta\":{\"type\":\"text_delta\",\"text\":\"4\"}}",
            "{\"type\":\"content_block_stop\",\"index\":2}",
            "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},"
                + "\"usage\":{\"output_tokens\":9}}",
            "{\"type\":\"message_stop\"}");

    List<String> shapes = shapes(events);
    assertThat(shapes)
        .containsSubsequence(
            "response.output_item.added@0",
            "response.reasoning_text.delta@0",
            "response.reasoning_text.done@0",
            "response.output_item.done@0",
            "response.output_item.added@1",
            "response.output_text.delta@1");
    assertThat(shapes).filteredOn(s -> s.startsWith("response.reasoning_text.delta")).hasSize(1);
    JsonNode output = events.get(events.size() - 1).at("/response/output");
    assertThat(output.at("/0/content/0/text").asText()).isEqualTo("Two and two");
    assertThat(output.at("/1/content/0/text").asText()).isEqualTo("4");
    assertThat(events.toString()).doesNotContain("sig1").doesNotContain("opaque");
  }

  // ------------------------------------------------------------------------- handed back

  /** The first answer's output as the next request's input, after the user's turn. */
  private static ObjectNode followUp(JsonNode output, String model) throws Exception {
    ObjectNode request = request("{\"model\":\"" + model + "\",\"input\":[]}");
    request.withArray("input").addObject().put("role", "user").put("content", "Which is larger?");
    request.withArray("input").addAll((com.fasterxml.jackson.databind.node.ArrayNode) output);
    request.withArray("input").addObject().put("role", "user").put("content", "Sure?");
    return request;
  }

  @Test
  void theReasoningItemHandedBackIsLeftOutForAChatTargetAndNamed() throws Exception {
    ObjectNode request = followUp(fromChat(completion("reasoning_content")).path("output"), "r");

    assertThat(ResponsesBridge.problem(request)).isNull(); // bridgeable: no 400, no narrowing
    NestedDrops drops = new NestedDrops();
    ObjectNode chat = ResponsesBridge.toChat(request, drops);

    assertThat(chat.path("messages")).hasSize(3);
    assertThat(chat.at("/messages/1").toString())
        .isEqualTo("{\"role\":\"assistant\",\"content\":\"9.8\"}");
    // DeepSeek refuses reasoning_content in its input: nothing of it goes.
    assertThat(chat.toString()).doesNotContain("reasoning").doesNotContain("Compare");
    assertThat(drops.after(ResponsesBridge.leftOut(request))).contains(NestedDrops.REASONING_ITEM);
  }

  @Test
  void theReasoningItemHandedBackIsTakenOutForAResponsesTargetButOpenAisOwnStay() throws Exception {
    ObjectNode request = followUp(fromChat(completion("reasoning_content")).path("output"), "m");

    // OpenAI would answer "Item with id 'rs_…' not found": it never made that item.
    ObjectNode passThrough = ResponsesBridge.withoutCarriers(request);
    assertThat(passThrough).isNotNull();
    assertThat(passThrough.path("input")).hasSize(3);
    assertThat(passThrough.toString()).doesNotContain("reasoning_text");
    assertThat(request.path("input")).hasSize(4); // the client's body is not changed

    // An OpenAI reasoning item (its encrypted content, or a stored one by id) goes as it is.
    ObjectNode openAis =
        request(
            "{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":\"hi\"},"
                + "{\"type\":\"reasoning\",\"id\":\"rs_1\",\"summary\":[],"
                + "\"encrypted_content\":\"gAAAAABo\"},"
                + "{\"type\":\"reasoning\",\"id\":\"rs_2\",\"summary\":[]}]}");
    assertThat(ResponsesBridge.withoutCarriers(openAis)).isNull();
  }
}
