package dev.switchboard.gateway.frontdoor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.gateway.upstream.Operation;
import dev.switchboard.gateway.upstream.adapter.OpenAiAdapter;
import dev.switchboard.gateway.upstream.adapter.StreamDecoder;
import dev.switchboard.gateway.upstream.adapter.StreamEventFacts;
import dev.switchboard.mock.sse.SseEvent;
import dev.switchboard.mock.sse.SseParser;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The bridged Responses stream encoder on chat chunks: content parts as OpenAI streams them. */
class ResponsesStreamEncodersTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The Responses events the bridged encoder writes for the chat stream {@code chunks}. */
  private static List<JsonNode> bridge(String... chunks) throws Exception {
    ObjectNode request = (ObjectNode) JSON.readTree("{\"model\":\"m\",\"input\":\"x\"}");
    RequestContext ctx =
        new RequestContext("req", Operation.RESPONSES, new ManualClock(1_700_000_000_000L));
    ResponsesStreamEncoders.Bridged encoder =
        new ResponsesStreamEncoders.Bridged(request, ctx, (id, stored) -> {});
    StreamDecoder decoder =
        new OpenAiAdapter().streamDecoder(Operation.CHAT_COMPLETIONS, false, 1_700_000_000L);
    Buffer out = Buffer.buffer();
    for (String chunk : chunks) {
      StreamEventFacts facts = decoder.decode(chunk, null);
      Buffer written = encoder.event(facts);
      if (written != null) {
        out.appendBuffer(written);
      }
    }
    out.appendBuffer(encoder.end(decoder.decode("[DONE]", null)));
    List<JsonNode> events = new ArrayList<>();
    for (SseEvent e : SseParser.parseAll(out.toString())) {
      JsonNode event = JSON.readTree(e.data());
      assertThat(event.path("type").asText()).isEqualTo(e.event());
      events.add(event);
    }
    return events;
  }

  private static String chunk(String delta) {
    return "{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
        + "\"choices\":[{\"index\":0,\"delta\":"
        + delta
        + ",\"finish_reason\":null}]}";
  }

  @Test
  void textThenARefusalAreTwoContentPartsOfOneMessageInStreamOrder() throws Exception {
    List<JsonNode> events =
        bridge(
            chunk("{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}"),
            chunk("{\"content\":\"Well\"}"),
            chunk("{\"refusal\":\"I can't\"}"),
            chunk("{\"refusal\":\" help.\"}"));

    List<String> shapes = new ArrayList<>();
    for (JsonNode e : events) {
      shapes.add(e.path("type").asText() + "@" + e.path("content_index").asText("-"));
    }
    assertThat(shapes)
        .containsExactly(
            "response.created@-",
            "response.in_progress@-",
            "response.output_item.added@-",
            "response.content_part.added@0",
            "response.output_text.delta@0",
            "response.output_text.done@0",
            "response.content_part.done@0",
            "response.content_part.added@1",
            "response.refusal.delta@1",
            "response.refusal.delta@1",
            "response.refusal.done@1",
            "response.content_part.done@1",
            "response.output_item.done@-",
            "response.completed@-");
    for (int i = 0; i < events.size(); i++) {
      assertThat(events.get(i).path("sequence_number").asInt()).isEqualTo(i);
    }
    assertThat(events.get(7).path("part").toString())
        .isEqualTo("{\"type\":\"refusal\",\"refusal\":\"\"}");
    assertThat(events.get(10).path("refusal").asText()).isEqualTo("I can't help.");
    JsonNode content =
        JSON.readTree(
            "[{\"type\":\"output_text\",\"text\":\"Well\",\"annotations\":[],\"logprobs\":[]},"
                + "{\"type\":\"refusal\",\"refusal\":\"I can't help.\"}]");
    assertThat(events.get(12).path("item").path("content")).isEqualTo(content);
    JsonNode completed = events.get(13).path("response");
    assertThat(completed.path("output")).hasSize(1);
    assertThat(completed.path("output").path(0).path("content")).isEqualTo(content);
    // As the JSON answer of the same message describes it.
    JsonNode chat =
        JSON.readTree(
            "{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"Well\","
                + "\"refusal\":\"I can't help.\"},\"finish_reason\":\"stop\"}]}");
    ObjectNode request = (ObjectNode) JSON.readTree("{\"model\":\"m\",\"input\":\"x\"}");
    assertThat(ResponsesObjects.fromChat(chat, request, "resp_1", 1).at("/output/0/content"))
        .isEqualTo(content);
  }

  /**
   * The token logprobs a chat stream's chunks carry ({@code choices[].logprobs.content}, asked for
   * by {@code include: ["message.output_text.logprobs"]}) go with each {@code
   * response.output_text.delta} and all of them with {@code response.output_text.done}, in those
   * events' shape (token, logprob, top alternatives; openai-python's {@code
   * ResponseTextDeltaEvent}); the output text part — {@code content_part.done}, the item and the
   * completed response — has them in chat's shape with the bytes, as the JSON answer's part does.
   */
  @Test
  void streamedTokenLogprobsGoWithTheTextEventsAndThePart() throws Exception {
    String hi =
        "{\"token\":\"Hi\",\"logprob\":-0.1,\"bytes\":[72,105],\"top_logprobs\":["
            + "{\"token\":\"Hi\",\"logprob\":-0.1,\"bytes\":[72,105]},"
            + "{\"token\":\"Hey\",\"logprob\":-2.5,\"bytes\":[72,101,121]}]}";
    String there =
        "{\"token\":\" there\",\"logprob\":-0.3,\"bytes\":[32,116,104,101,114,101],"
            + "\"top_logprobs\":[{\"token\":\" there\",\"logprob\":-0.3,"
            + "\"bytes\":[32,116,104,101,114,101]}]}";
    String role =
        "{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
            + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
            + "\"logprobs\":null,\"finish_reason\":null}]}";
    String withLogprobs =
        "{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
            + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"%s\"},"
            + "\"logprobs\":{\"content\":[%s],\"refusal\":null},\"finish_reason\":null}]}";

    List<JsonNode> events =
        bridge(
            role,
            withLogprobs.formatted("Hi", hi), // passed through: read from its text
            withLogprobs // a finishing chunk, parsed: read from its tree
                .formatted(" there", there)
                .replace("\"finish_reason\":null", "\"finish_reason\":\"stop\""));

    List<JsonNode> deltas = new ArrayList<>();
    JsonNode textDone = null;
    JsonNode partDone = null;
    JsonNode completed = null;
    for (JsonNode e : events) {
      switch (e.path("type").asText()) {
        case "response.output_text.delta" -> deltas.add(e);
        case "response.output_text.done" -> textDone = e;
        case "response.content_part.done" -> partDone = e;
        case "response.completed" -> completed = e;
        default -> {}
      }
    }
    String hiEvent =
        "{\"token\":\"Hi\",\"logprob\":-0.1,\"top_logprobs\":["
            + "{\"token\":\"Hi\",\"logprob\":-0.1},{\"token\":\"Hey\",\"logprob\":-2.5}]}";
    String thereEvent =
        "{\"token\":\" there\",\"logprob\":-0.3,\"top_logprobs\":["
            + "{\"token\":\" there\",\"logprob\":-0.3}]}";
    assertThat(deltas).hasSize(2);
    assertThat(deltas.get(0).path("logprobs")).isEqualTo(JSON.readTree("[" + hiEvent + "]"));
    assertThat(deltas.get(1).path("logprobs")).isEqualTo(JSON.readTree("[" + thereEvent + "]"));
    assertThat(textDone.path("logprobs"))
        .isEqualTo(JSON.readTree("[" + hiEvent + "," + thereEvent + "]"));
    JsonNode chatShape = JSON.readTree("[" + hi + "," + there + "]");
    assertThat(partDone.path("part").path("logprobs")).isEqualTo(chatShape);
    assertThat(completed.at("/response/output/0/content/0/logprobs")).isEqualTo(chatShape);
    assertThat(completed.at("/response/output/0/content/0/text").asText()).isEqualTo("Hi there");
  }

  /**
   * A chat target that streams a tool call without any argument pieces (some OpenAI-compatible
   * servers do, for a function with no parameters; OpenAI sends "{}"): the bridged call's arguments
   * are "{}" in its delta, its done event and the final response, as in the JSON answer of the same
   * message — "" is no JSON, and clients parse the arguments.
   */
  @Test
  void aToolCallStreamedWithoutArgumentsHasArgumentsThatParse() throws Exception {
    List<JsonNode> events =
        bridge(
            chunk("{\"role\":\"assistant\",\"content\":null}"),
            chunk(
                "{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\","
                    + "\"function\":{\"name\":\"get_time\"}}]}"));

    StringBuilder deltas = new StringBuilder();
    JsonNode done = null;
    for (JsonNode e : events) {
      if (e.path("type").asText().equals("response.function_call_arguments.delta")) {
        deltas.append(e.path("delta").asText());
      }
      if (e.path("type").asText().equals("response.function_call_arguments.done")) {
        done = e;
      }
    }
    assertThat(deltas.toString()).isEqualTo("{}");
    assertThat(done).isNotNull();
    assertThat(done.path("arguments").asText()).isEqualTo("{}");
    JsonNode completed = events.get(events.size() - 1).path("response");
    assertThat(completed.at("/output/0/arguments").asText()).isEqualTo("{}");
    JsonNode chat =
        JSON.readTree(
            "{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":null,"
                + "\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\","
                + "\"function\":{\"name\":\"get_time\"}}]},\"finish_reason\":\"tool_calls\"}]}");
    ObjectNode request = (ObjectNode) JSON.readTree("{\"model\":\"m\",\"input\":\"x\"}");
    assertThat(
            ResponsesObjects.fromChat(chat, request, "resp_1", 1)
                .at("/output/0/arguments")
                .asText())
        .isEqualTo("{}");
  }
}
