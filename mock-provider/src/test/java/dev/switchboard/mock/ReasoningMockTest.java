package dev.switchboard.mock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.mock.openai.ReasoningPayloads;
import dev.switchboard.mock.sse.SseEvent;
import dev.switchboard.mock.sse.SseParser;
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
}
