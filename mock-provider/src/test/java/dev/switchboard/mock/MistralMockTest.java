package dev.switchboard.mock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.mock.sse.SseEvent;
import dev.switchboard.mock.sse.SseParser;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The mock's Mistral flavour ({@code /mistral/v1/...}): what Mistral's chat completions refuses and
 * how it streams, so the gateway's tests against it fail where the real API would.
 */
class MistralMockTest {

  private static final String KEY = "sk-mistral-test";
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
    return client.send(
        client.post("/mistral/v1/chat/completions", body, "authorization", "Bearer " + KEY));
  }

  @Test
  void refusesAFieldMistralDoesNotKnowWithItsValidationError() throws Exception {
    for (String field :
        new String[] {
          "\"stream_options\":{\"include_usage\":true}",
          "\"max_completion_tokens\":10",
          "\"seed\":7"
        }) {
      HttpResponse<String> res =
          post(
              "{\"model\":\"mistral-small-latest\",\"stream\":true,"
                  + field
                  + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

      assertThat(res.statusCode()).as(field).isEqualTo(422);
      JsonObject body = new JsonObject(res.body());
      assertThat(body.getString("object")).isEqualTo("error");
      JsonObject detail = body.getJsonObject("message").getJsonArray("detail").getJsonObject(0);
      assertThat(detail.getString("type")).isEqualTo("extra_forbidden");
      assertThat(detail.getString("msg")).isEqualTo("Extra inputs are not permitted");
      assertThat(detail.getJsonArray("loc").getString(1)).isEqualTo(field.split("\"")[1]);
    }
  }

  /**
   * Mistral's messages take no {@code name} (but a tool result's, its function's) and its content
   * chunks no {@code cache_control} nor an inline {@code file} (its file chunk takes a {@code
   * file_id}): refused as a top-level field is, where they are.
   */
  @Test
  void refusesAFieldMistralsMessagesDoNotKnowWhereItIs() throws Exception {
    String[][] cases = {
      {
        "{\"role\":\"user\",\"name\":\"ann\",\"content\":\"hi\"}",
        "[\"body\",\"messages\",0,\"name\"]"
      },
      {
        "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hi\","
            + "\"cache_control\":{\"type\":\"ephemeral\"}}]}",
        "[\"body\",\"messages\",0,\"content\",0,\"cache_control\"]"
      },
      {
        "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"read\"},"
            + "{\"type\":\"file\",\"file\":{\"filename\":\"a.pdf\","
            + "\"file_data\":\"data:application/pdf;base64,JVBERi0=\"}}]}",
        "[\"body\",\"messages\",0,\"content\",1,\"file\"]"
      }
    };
    for (String[] c : cases) {
      HttpResponse<String> res =
          post("{\"model\":\"mistral-small-latest\",\"messages\":[" + c[0] + "]}");

      assertThat(res.statusCode()).as(c[0]).isEqualTo(422);
      JsonObject detail =
          new JsonObject(res.body())
              .getJsonObject("message")
              .getJsonArray("detail")
              .getJsonObject(0);
      assertThat(detail.getString("type")).isEqualTo("extra_forbidden");
      assertThat(detail.getJsonArray("loc").encode()).isEqualTo(c[1]);
    }
    HttpResponse<String> tool =
        post(
            "{\"model\":\"mistral-small-latest\",\"messages\":[{\"role\":\"user\",\"content\":"
                + "\"hi\"},{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":"
                + "\"c1\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":"
                + "\"{}\"}}]},{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"name\":\"f\","
                + "\"content\":\"ok\"}]}");
    assertThat(tool.statusCode()).as(tool.body()).isEqualTo(200);
  }

  @Test
  void streamsTheUsageOnTheLastChunkUnaskedAndTakesItsOwnSeedName() throws Exception {
    HttpResponse<String> res =
        post(
            "{\"model\":\"mistral-small-latest\",\"stream\":true,\"random_seed\":7,"
                + "\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    List<SseEvent> events = SseParser.parseAll(res.body());
    assertThat(events.get(events.size() - 1).data()).isEqualTo("[DONE]");
    JsonObject last = new JsonObject(events.get(events.size() - 2).data());
    assertThat(last.getJsonArray("choices").getJsonObject(0).getString("finish_reason"))
        .isEqualTo("stop");
    assertThat(last.getJsonObject("usage").getInteger("completion_tokens")).isPositive();
    StringBuilder text = new StringBuilder();
    for (SseEvent e : events.subList(0, events.size() - 1)) {
      JsonObject chunk = new JsonObject(e.data());
      if (e != events.get(events.size() - 2)) {
        assertThat(chunk.containsKey("usage")).isFalse();
      }
      Object content =
          chunk.getJsonArray("choices").getJsonObject(0).getJsonObject("delta").getValue("content");
      text.append(content == null ? "" : content);
    }
    assertThat(text.toString()).endsWith("(seed 7)");
  }
}
