package dev.switchboard.gateway.upstream.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.gateway.upstream.Operation;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

/**
 * The ids of Gemini calls that come without one. Gemini often sends none, and a model calls the
 * same function with the same arguments in several turns of one conversation (a clock, a status
 * check): each turn's call needs an id of its own, as OpenAI's do, because clients key tool results
 * by id across the whole conversation (Anthropic's Messages API refuses a conversation whose
 * tool_use ids repeat, so a Messages client failing over from Gemini to Claude would be refused),
 * while the stream and the JSON form of one answer still give the same id.
 */
class GeminiToolCallIdsTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final GeminiAdapter adapter = new GeminiAdapter();

  private static String answer(String responseId) {
    return "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"functionCall\":"
        + "{\"name\":\"current_time\",\"args\":{}}}]},\"finishReason\":\"STOP\"}],"
        + "\"modelVersion\":\"gemini-2.5-flash\",\"responseId\":\""
        + responseId
        + "\"}";
  }

  private String jsonCallId(String responseId) throws Exception {
    Buffer chat =
        adapter.replyBody(Buffer.buffer(answer(responseId)), Operation.CHAT_COMPLETIONS, () -> 0);
    return JSON.readTree(chat.getBytes()).at("/choices/0/message/tool_calls/0/id").asText(null);
  }

  @Test
  void theSameCallInTwoTurnsGetsTwoIds() throws Exception {
    String first = jsonCallId("turn-one");
    String second = jsonCallId("turn-two");

    assertThat(first).startsWith("call_");
    assertThat(second).startsWith("call_").isNotEqualTo(first);
  }

  @Test
  void theStreamOfAnAnswerGivesItsCallTheIdOfTheJsonForm() throws Exception {
    StreamDecoder decoder = adapter.streamDecoder(Operation.CHAT_COMPLETIONS, true, 0);
    StreamEventFacts facts = decoder.decode(answer("turn-one"), null);
    JsonNode chunk = JSON.readTree(facts.payload());

    assertThat(chunk.at("/choices/0/delta/tool_calls/0/id").asText())
        .isEqualTo(jsonCallId("turn-one"));
  }
}
