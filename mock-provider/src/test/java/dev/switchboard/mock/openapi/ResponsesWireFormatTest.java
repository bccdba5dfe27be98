package dev.switchboard.mock.openapi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.mock.openai.ChatAnswer;
import dev.switchboard.mock.openai.ResponsesPayloads;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Responses API checks of {@link OpenAiWireFormat}: the mock's own answers and streams pass,
 * and what breaks a strict client (a missing field, a gap in sequence numbers, an item that was
 * never opened, a stream without its terminal event) is reported.
 */
class ResponsesWireFormatTest {

  private static final JsonObject REQUEST = new JsonObject().put("model", "m").put("input", "Hi");

  private static ChatAnswer answer(JsonObject request) {
    return ChatAnswer.of(ResponsesPayloads.chatView(request), "m", false, 0);
  }

  @Test
  void theMocksResponsesAndStreamsAreValid() {
    JsonObject tools =
        REQUEST
            .copy()
            .put("tool_choice", "required")
            .put(
                "tools",
                new JsonArray()
                    .add(new JsonObject().put("type", "function").put("name", "lookup")));
    JsonObject logprobs =
        REQUEST
            .copy()
            .put("include", new JsonArray().add("message.output_text.logprobs"))
            .put("top_logprobs", 3);
    for (JsonObject request : List.of(REQUEST, tools, logprobs)) {
      ChatAnswer answer = answer(request);
      String json = ResponsesPayloads.response("resp_1", 1, "m", request, answer).encode();
      assertThat(OpenAiWireFormat.problems(OpenAiWireFormat.Body.RESPONSE, json)).isEmpty();
      String sse =
          String.join("", ResponsesPayloads.streamEvents("resp_1", 1, "m", request, answer));
      assertThat(OpenAiWireFormat.responsesStreamProblems(sse)).isEmpty();
    }
  }

  @Test
  void aResponseWithoutOutputIsRejected() {
    JsonObject response = ResponsesPayloads.response("resp_1", 1, "m", REQUEST, answer(REQUEST));
    response.remove("output");
    assertThat(OpenAiWireFormat.problems(OpenAiWireFormat.Body.RESPONSE, response.encode()))
        .isNotEmpty();
  }

  @Test
  void brokenStreamsAreReported() {
    List<String> events =
        ResponsesPayloads.streamEvents("resp_1", 1, "m", REQUEST, answer(REQUEST));

    List<String> gap = new ArrayList<>(events);
    gap.remove(4); // a delta: every later sequence number is off by one
    assertThat(OpenAiWireFormat.responsesStreamProblems(String.join("", gap)))
        .anyMatch(p -> p.contains("sequence_number"));

    List<String> truncated = events.subList(0, events.size() - 1);
    assertThat(OpenAiWireFormat.responsesStreamProblems(String.join("", truncated)))
        .anyMatch(p -> p.contains("no terminal event"));

    List<String> unopened = new ArrayList<>(events);
    unopened.remove(2); // output_item.added
    assertThat(OpenAiWireFormat.responsesStreamProblems(String.join("", unopened)))
        .anyMatch(p -> p.contains("not open"));

    String renamed = events.get(3).replaceFirst("event: [a-z._]+", "event: response.completed");
    List<String> misnamed = new ArrayList<>(events);
    misnamed.set(3, renamed);
    assertThat(OpenAiWireFormat.responsesStreamProblems(String.join("", misnamed)))
        .anyMatch(p -> p.contains("named"));
  }
}
