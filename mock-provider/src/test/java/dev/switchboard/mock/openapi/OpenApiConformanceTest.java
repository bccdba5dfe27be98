package dev.switchboard.mock.openapi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import dev.switchboard.mock.openapi.OpenAiWireFormat.Body;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The mock's bodies are OpenAI's wire format: valid for the official SDK's models always, and for
 * the OpenAPI document's component schemas when {@code -Dswitchboard.openapi} names it.
 */
class OpenApiConformanceTest {

  private static final String KEY = "sk-conformance";
  private static MockProvider mock;
  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void start() {
    mock =
        MockProvider.startBlocking(
            new MockProviderOptions()
                .keys(KEY)
                .alias("gpt-4o", "gpt-4o-2024-08-06")
                .models("gpt-4o-mini", "text-embedding-3-small"));
  }

  @AfterAll
  static void stop() {
    mock.close();
  }

  @Test
  void chatCompletionIsValid() throws Exception {
    String body = post("/v1/chat/completions", chat(""), null).body();

    assertThat(OpenAiWireFormat.problems(Body.CHAT_COMPLETION, body)).isEmpty();
  }

  @Test
  void toolCallRefusalAndJsonModeAnswersAreValid() throws Exception {
    String tools =
        ",\"tool_choice\":\"required\",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]";
    assertThat(
            OpenAiWireFormat.problems(
                Body.CHAT_COMPLETION, post("/v1/chat/completions", chat(tools), null).body()))
        .isEmpty();
    assertThat(
            OpenAiWireFormat.problems(
                Body.CHAT_COMPLETION, post("/v1/chat/completions", chat(""), "refusal").body()))
        .isEmpty();
    String json = ",\"response_format\":{\"type\":\"json_object\"}";
    assertThat(
            OpenAiWireFormat.problems(
                Body.CHAT_COMPLETION, post("/v1/chat/completions", chat(json), null).body()))
        .isEmpty();
  }

  @Test
  void everyStreamChunkIsValid() throws Exception {
    String usage = ",\"stream\":true,\"stream_options\":{\"include_usage\":true}";
    String tools =
        ",\"stream\":true,\"tool_choice\":\"required\",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]";

    assertThat(
            OpenAiWireFormat.chatStreamProblems(
                post("/v1/chat/completions", chat(usage), null).body()))
        .isEmpty();
    assertThat(
            OpenAiWireFormat.chatStreamProblems(
                post("/v1/chat/completions", chat(tools), null).body()))
        .isEmpty();
    assertThat(
            OpenAiWireFormat.chatStreamProblems(
                post("/v1/chat/completions", chat(usage), "refusal").body()))
        .isEmpty();
  }

  @Test
  void embeddingsModelsAndModelAreValid() throws Exception {
    String embeddings =
        post(
                "/v1/embeddings",
                "{\"model\":\"text-embedding-3-small\",\"input\":[\"a\",\"b\"]}",
                null)
            .body();

    assertThat(OpenAiWireFormat.problems(Body.EMBEDDINGS, embeddings)).isEmpty();
    assertThat(OpenAiWireFormat.problems(Body.MODELS, get("/v1/models").body())).isEmpty();
    assertThat(OpenAiWireFormat.problems(Body.MODEL, get("/v1/models/gpt-4o-mini").body()))
        .isEmpty();
  }

  @Test
  void errorBodiesAreValidErrorResponses() throws Exception {
    HttpResponse<String> unauthorized =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(mock.baseUrl() + "/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString(chat("")))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> rateLimited =
        post("/v1/chat/completions", chat(""), "status:429;retry-after=1");
    HttpResponse<String> unknownModel =
        post("/v1/chat/completions", "{\"model\":\"nope\",\"messages\":[]}", null);

    for (HttpResponse<String> res : java.util.List.of(unauthorized, rateLimited, unknownModel)) {
      assertThat(res.statusCode()).isGreaterThanOrEqualTo(400);
      assertThat(OpenAiWireFormat.problems(Body.ERROR, res.body())).as(res.body()).isEmpty();
    }
  }

  @Test
  void streamValidationReportsTruncation() throws Exception {
    String body = post("/v1/chat/completions", chat(",\"stream\":true"), "truncate:2").body();

    assertThat(OpenAiWireFormat.chatStreamProblems(body))
        .contains("stream ended without data: [DONE]");
  }

  private static String chat(String extra) {
    return "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]"
        + extra
        + "}";
  }

  private static HttpResponse<String> post(String path, String json, String fault)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(mock.origin() + path))
            .timeout(Duration.ofSeconds(10))
            .header("authorization", "Bearer " + KEY)
            .POST(HttpRequest.BodyPublishers.ofString(json));
    if (fault != null) {
      b.header(MockProvider.FAULT_HEADER, fault);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(mock.origin() + path))
            .header("authorization", "Bearer " + KEY)
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
