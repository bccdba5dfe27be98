package dev.switchboard.mock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.mock.openai.ReasoningPayloads;
import dev.switchboard.mock.sse.SseEvent;
import dev.switchboard.mock.sse.SseParser;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A reasoning model ({@code deepseek-reasoner}) answers as DeepSeek's does: {@code
 * reasoning_content} beside the content, streamed before it, counted as reasoning tokens; and it
 * refuses {@code reasoning_content} in the input.
 */
class ReasoningMockTest {

  private static final String KEY = "sk-reasoning-test";
  private static MockProvider mock;
  private static MockClient client;

  @BeforeAll
  static void start() {
    mock = MockProvider.startBlocking(new MockProviderOptions().keys(KEY));
    client = new MockClient(mock);
  }

  @AfterAll
  static void stop() {
    mock.close();
  }

  private static HttpResponse<String> post(String body) throws Exception {
    return client.send(client.post("/v1/chat/completions", body, "authorization", "Bearer " + KEY));
  }

  @Test
  void aReasonerAnswersWithReasoningContentCountedAsReasoningTokens() throws Exception {
    HttpResponse<String> res =
        post(
            "{\"model\":\"deepseek-reasoner\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"9.11 or 9.8\"}]}");

    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    JsonObject body = new JsonObject(res.body());
    JsonObject message = body.getJsonArray("choices").getJsonObject(0).getJsonObject("message");
    assertThat(message.getString("reasoning_content"))
        .isEqualTo(ReasoningPayloads.PREFIX + "9.11 or 9.8");
    assertThat(message.getString("content")).isEqualTo("Echo from deepseek-reasoner: 9.11 or 9.8");
    JsonObject usage = body.getJsonObject("usage");
    int reasoning = usage.getJsonObject("completion_tokens_details").getInteger("reasoning_tokens");
    assertThat(reasoning).isEqualTo(5); // "Reasoning", " about:", " 9.11", " or", " 9.8"
    assertThat(usage.getInteger("completion_tokens")).isEqualTo(reasoning + 6); // + the answer's
    assertThat(usage.getInteger("total_tokens"))
        .isEqualTo(usage.getInteger("prompt_tokens") + usage.getInteger("completion_tokens"));
  }

  @Test
  void aReasonerStreamsItsReasoningBeforeTheContent() throws Exception {
    HttpResponse<String> res =
        post(
            "{\"model\":\"deepseek-reasoner\",\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"9.11 or 9.8\"}]}");

    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    StringBuilder reasoning = new StringBuilder();
    StringBuilder content = new StringBuilder();
    List<String> order = new ArrayList<>();
    JsonObject usage = null;
    for (SseEvent e : SseParser.parseAll(res.body())) {
      if ("[DONE]".equals(e.data())) {
        continue;
      }
      JsonObject chunk = new JsonObject(e.data());
      if (chunk.getValue("usage") instanceof JsonObject u) {
        usage = u;
      }
      if (chunk.getJsonArray("choices").isEmpty()) {
        continue;
      }
      JsonObject delta = chunk.getJsonArray("choices").getJsonObject(0).getJsonObject("delta");
      String r = delta.getString("reasoning_content");
      String c = delta.getString("content");
      if (r != null && !r.isEmpty()) {
        reasoning.append(r);
        order.add("reasoning");
      }
      if (c != null && !c.isEmpty()) {
        content.append(c);
        order.add("content");
      }
    }
    assertThat(reasoning.toString()).isEqualTo(ReasoningPayloads.PREFIX + "9.11 or 9.8");
    assertThat(content.toString()).isEqualTo("Echo from deepseek-reasoner: 9.11 or 9.8");
    assertThat(order.indexOf("content")).isGreaterThan(order.lastIndexOf("reasoning"));
    assertThat(usage).isNotNull();
    assertThat(usage.getJsonObject("completion_tokens_details").getInteger("reasoning_tokens"))
        .isEqualTo(order.stream().filter("reasoning"::equals).count());
  }

  @Test
  void aReasonerRefusesReasoningContentInTheInput() throws Exception {
    HttpResponse<String> res =
        post(
            "{\"model\":\"deepseek-reasoner\",\"messages\":["
                + "{\"role\":\"user\",\"content\":\"a\"},"
                + "{\"role\":\"assistant\",\"content\":\"b\",\"reasoning_content\":\"r\"},"
                + "{\"role\":\"user\",\"content\":\"c\"}]}");

    assertThat(res.statusCode()).as(res.body()).isEqualTo(400);
    assertThat(new JsonObject(res.body()).getJsonObject("error").getString("type"))
        .isEqualTo("invalid_request_error");
  }

  @Test
  void aModelThatIsNoReasonerAnswersWithoutReasoning() throws Exception {
    HttpResponse<String> res =
        post("{\"model\":\"deepseek-chat\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
    assertThat(res.body()).doesNotContain("reasoning_content");
  }

  private static HttpResponse<String> postMistral(String body) throws Exception {
    return client.send(
        client.post("/mistral/v1/chat/completions", body, "authorization", "Bearer " + KEY));
  }

  @Test
  void aMagistralModelAnswersThinkingThenTextChunks() throws Exception {
    HttpResponse<String> res =
        postMistral(
            "{\"model\":\"magistral-medium-2509\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"9.11 or 9.8\"}]}");

    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    JsonObject body = new JsonObject(res.body());
    JsonArray content =
        body.getJsonArray("choices")
            .getJsonObject(0)
            .getJsonObject("message")
            .getJsonArray("content");
    assertThat(content.getJsonObject(0).getString("type")).isEqualTo("thinking");
    JsonObject thought = content.getJsonObject(0).getJsonArray("thinking").getJsonObject(0);
    assertThat(thought.getString("type")).isEqualTo("text");
    assertThat(thought.getString("text")).isEqualTo(ReasoningPayloads.PREFIX + "9.11 or 9.8");
    assertThat(content.getJsonObject(1).getString("type")).isEqualTo("text");
    assertThat(content.getJsonObject(1).getString("text"))
        .isEqualTo("Echo from magistral-medium-2509: 9.11 or 9.8");
    assertThat(content.size()).isEqualTo(2);
    JsonObject usage = body.getJsonObject("usage");
    assertThat(usage.getInteger("completion_tokens")).isEqualTo(5 + 6); // reasoning + answer
    assertThat(res.body()).doesNotContain("reasoning_content");
  }

  @Test
  void aMagistralModelStreamsThinkingChunksBeforeTheText() throws Exception {
    HttpResponse<String> res =
        postMistral(
            "{\"model\":\"magistral-small-2509\",\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"9.11 or 9.8\"}]}");

    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    StringBuilder thinking = new StringBuilder();
    StringBuilder text = new StringBuilder();
    List<String> order = new ArrayList<>();
    for (SseEvent e : SseParser.parseAll(res.body())) {
      if ("[DONE]".equals(e.data())) {
        continue;
      }
      JsonObject delta =
          new JsonObject(e.data()).getJsonArray("choices").getJsonObject(0).getJsonObject("delta");
      Object c = delta.getValue("content");
      if (c instanceof JsonArray chunks) {
        JsonObject chunk = chunks.getJsonObject(0);
        assertThat(chunk.getString("type")).isEqualTo("thinking");
        thinking.append(chunk.getJsonArray("thinking").getJsonObject(0).getString("text"));
        order.add("thinking");
      } else if (c instanceof String s && !s.isEmpty()) {
        text.append(s);
        order.add("text");
      }
    }
    assertThat(thinking.toString()).isEqualTo(ReasoningPayloads.PREFIX + "9.11 or 9.8");
    assertThat(text.toString()).isEqualTo("Echo from magistral-small-2509: 9.11 or 9.8");
    assertThat(order.indexOf("text")).isGreaterThan(order.lastIndexOf("thinking"));
  }

  @Test
  void aMistralModelThatIsNoMagistralAnswersTextContent() throws Exception {
    HttpResponse<String> res =
        postMistral(
            "{\"model\":\"mistral-small-latest\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
    assertThat(res.body()).doesNotContain("thinking");
  }

  /**
   * On the OpenAI path a Magistral model is one behind an OpenAI-compatible relay of Mistral's
   * answer (an aggregator names it after its vendor): its content chunks come as Mistral's.
   */
  @Test
  void aMagistralModelOnTheOpenAiPathAnswersMistralsChunksToo() throws Exception {
    HttpResponse<String> res =
        post(
            "{\"model\":\"mistralai/magistral-medium-2509\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"9.11 or 9.8\"}]}");

    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    JsonArray content =
        new JsonObject(res.body())
            .getJsonArray("choices")
            .getJsonObject(0)
            .getJsonObject("message")
            .getJsonArray("content");
    assertThat(content.getJsonObject(0).getString("type")).isEqualTo("thinking");
    assertThat(content.getJsonObject(1).getString("text"))
        .isEqualTo("Echo from mistralai/magistral-medium-2509: 9.11 or 9.8");
  }
}
