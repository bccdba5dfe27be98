package dev.switchboard.gateway.upstream.adapter;

import static dev.switchboard.gateway.GatewayHarness.chat;
import static dev.switchboard.gateway.TestTables.route;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import dev.switchboard.mock.openapi.OpenAiWireFormat;
import dev.switchboard.mock.openapi.OpenAiWireFormat.Body;
import dev.switchboard.mock.record.RequestRecord;
import dev.switchboard.mock.sse.ChatStreamTranscript;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Azure OpenAI targets against the mock's Azure wire format. The provider's {@code apiVersion}
 * picks the API surface: a dated version addresses the deployment in the path with {@code
 * ?api-version=}; {@code v1} and {@code preview} (which the ProviderEndpoint takes for Azure's v1
 * API) address {@code /openai/v1/...} with the deployment in the body's {@code model}, where a
 * deployment path with {@code api-version=v1} is a path Azure does not have (404 "Resource not
 * found"). A prompt Azure's content filter refuses reaches the client as Azure's 400 {@code
 * content_filter}, with the {@code innererror} that says which filter refused.
 */
class AzureOpenAiIT {

  private static final String KEY = "azure-key-0123456789abcdef";

  @TempDir static Path dir;

  static GatewayHarness gateway;
  static MockProvider mock;

  @BeforeAll
  static void start() throws Exception {
    gateway =
        GatewayHarness.withMock(
            dir,
            new MockProviderOptions().keys(KEY),
            AzureOpenAiIT::table,
            Map.of("dated", KEY, "v1", KEY, "preview", KEY));
    mock = gateway.mock();
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  static RoutingTable table(MockProvider mock) {
    return TestTables.table(
        List.of(
            azure("dated", mock.origin(), "2024-10-21"),
            azure("v1", mock.origin(), "v1"),
            azure("preview", mock.origin(), "preview")),
        List.of(
            route("on-dated", List.of(), target("dated", "contoso-gpt4o", 0)),
            route("on-v1", List.of(), target("v1", "contoso-gpt4o", 0)),
            route("on-preview", List.of(), target("preview", "contoso-gpt4o", 0)),
            route("embed-on-v1", List.of(), target("v1", "contoso-embed", 0)),
            route("filtered", List.of(), target("dated", "filtered-deployment", 0)),
            route("filtered-messages", List.of(), target("dated", "filtered-for-messages", 0)),
            route(
                "verdict-then-error",
                List.of(),
                target("dated", "erring-deployment", 0),
                target("dated", "sound-deployment", 1))));
  }

  private static RoutingTable.Provider azure(String name, String baseUrl, String apiVersion) {
    return new RoutingTable.Provider(
        name,
        "azure-openai",
        baseUrl,
        true,
        apiVersion,
        Map.of(),
        null,
        null,
        null,
        null,
        Map.of());
  }

  @Test
  void aDatedVersionAddressesTheDeploymentInThePath() throws Exception {
    HttpResponse<String> response = gateway.post("/v1/chat/completions", chat("on-dated", false));

    assertThat(response.statusCode()).isEqualTo(200);
    RequestRecord seen = last();
    assertThat(seen.path()).isEqualTo("/openai/deployments/contoso-gpt4o/chat/completions");
    assertThat(seen.query()).isEqualTo("api-version=2024-10-21");
    // Azure's filter annotations reach the client as Azure sent them, beside OpenAI's fields.
    JsonNode answer = GatewayHarness.json(response.body());
    assertThat(answer.path("prompt_filter_results").path(0).has("content_filter_results")).isTrue();
    assertThat(answer.path("choices").path(0).path("content_filter_results").has("hate")).isTrue();
    assertThat(OpenAiWireFormat.problems(Body.CHAT_COMPLETION, response.body())).isEmpty();
  }

  @Test
  void v1AddressesTheV1SurfaceWithTheDeploymentInTheBody() throws Exception {
    for (boolean stream : List.of(false, true)) {
      HttpResponse<String> response = gateway.post("/v1/chat/completions", chat("on-v1", stream));

      assertThat(response.statusCode()).as("stream=%s", stream).isEqualTo(200);
      RequestRecord seen = last();
      assertThat(seen.path()).isEqualTo("/openai/v1/chat/completions");
      assertThat(seen.query()).isNull();
      assertThat(seen.body().getString("model")).isEqualTo("contoso-gpt4o");
      assertThat(seen.keyAccepted()).isTrue();
    }
  }

  @Test
  void previewAddressesTheV1SurfaceAskingForPreviewFeatures() throws Exception {
    HttpResponse<String> response = gateway.post("/v1/chat/completions", chat("on-preview", false));

    assertThat(response.statusCode()).isEqualTo(200);
    RequestRecord seen = last();
    assertThat(seen.path()).isEqualTo("/openai/v1/chat/completions");
    assertThat(seen.query()).isEqualTo("api-version=preview");
    assertThat(seen.body().getString("model")).isEqualTo("contoso-gpt4o");
  }

  @Test
  void embeddingsOnV1GoToTheV1Surface() throws Exception {
    HttpResponse<String> response =
        gateway.post("/v1/embeddings", "{\"model\":\"embed-on-v1\",\"input\":\"hello\"}");

    assertThat(response.statusCode()).isEqualTo(200);
    RequestRecord seen = last();
    assertThat(seen.path()).isEqualTo("/openai/v1/embeddings");
    assertThat(seen.body().getString("model")).isEqualTo("contoso-embed");
  }

  @Test
  void aPromptTheContentFilterRefusedKeepsWhichFilterRefusedIt() throws Exception {
    mock.faults().set("filtered-deployment", "status:400;code=content_filter");

    for (boolean stream : List.of(false, true)) {
      HttpResponse<String> response =
          gateway.post("/v1/chat/completions", chat("filtered", stream));

      assertThat(response.statusCode()).as("stream=%s", stream).isEqualTo(400);
      assertThat(OpenAiWireFormat.problems(Body.ERROR, response.body())).isEmpty();
      JsonNode error = GatewayHarness.json(response.body()).path("error");
      assertThat(error.path("code").asText()).isEqualTo("content_filter");
      assertThat(error.path("param").asText()).isEqualTo("prompt");
      assertThat(error.path("innererror").path("code").asText())
          .isEqualTo("ResponsibleAIPolicyViolation");
      assertThat(
              error
                  .path("innererror")
                  .path("content_filter_result")
                  .path("jailbreak")
                  .path("filtered")
                  .asBoolean())
          .isTrue();
      assertThat(response.body()).doesNotContain(KEY);
    }
    // The client's prompt, refused: never retried.
    assertThat(mock.attempts("filtered-deployment")).isEqualTo(2);
  }

  /**
   * On the Messages door the same refusal is an Anthropic error, which has only {@code type} and
   * {@code message}: the message names the filter and the category that refused, and Azure's {@code
   * innererror} rides along whole, as on the chat door.
   */
  @Test
  void aPromptTheContentFilterRefusedSaysWhichFilterOnTheMessagesDoor() throws Exception {
    mock.faults().set("filtered-for-messages", "status:400;code=content_filter");

    for (boolean stream : List.of(false, true)) {
      HttpResponse<String> response =
          gateway.post(
              "/v1/messages",
              "{\"model\":\"filtered-messages\",\"max_tokens\":16,\"stream\":"
                  + stream
                  + ",\"messages\":[{\"role\":\"user\",\"content\":\"Say hi\"}]}");

      assertThat(response.statusCode()).as("stream=%s", stream).isEqualTo(400);
      JsonNode body = GatewayHarness.json(response.body());
      assertThat(body.path("type").asText()).isEqualTo("error");
      JsonNode error = body.path("error");
      assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
      assertThat(error.path("message").asText())
          .startsWith("The response was filtered due to the prompt triggering Azure OpenAI's")
          .endsWith("[Azure content filter: jailbreak (detected)]");
      assertThat(error.path("innererror").path("code").asText())
          .isEqualTo("ResponsibleAIPolicyViolation");
      JsonNode verdicts = error.path("innererror").path("content_filter_result");
      assertThat(verdicts.path("jailbreak").path("filtered").asBoolean()).isTrue();
      assertThat(verdicts.path("hate").path("severity").asText()).isEqualTo("safe");
      assertThat(response.body()).doesNotContain(KEY);
    }
    assertThat(mock.attempts("filtered-for-messages")).isEqualTo(2);
  }

  /**
   * Azure opens a stream with its prompt filter's verdict ({@code choices: []}), before the model
   * wrote a token: that is no chunk of the answer, so the attempt has not committed yet and an
   * error event right after it still fails over; the client gets the verdict of the target that
   * answered, then its answer.
   */
  @Test
  void thePromptFilterVerdictDoesNotCommitAStream() throws Exception {
    mock.faults().set("erring-deployment", "stream-error:1");

    HttpResponse<String> response =
        gateway.post("/v1/chat/completions", chat("verdict-then-error", true));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("x-switchboard-target-model"))
        .hasValue("sound-deployment");
    ChatStreamTranscript stream = ChatStreamTranscript.of(response.body());
    assertThat(stream.problems()).isEmpty();
    assertThat(stream.content()).isEqualTo("Echo from sound-deployment: Say hi");
    assertThat(ChatStreamTranscript.azurePromptFilter(stream.chunks().get(0))).isTrue();
    assertThat(mock.attempts("erring-deployment")).isPositive();
  }

  /**
   * Azure's opening event has {@code object: ""}, which openai-java's {@code
   * ChatCompletionChunk.validate()} rejects: a client with response validation on would fail on the
   * stream's first event. It reaches the client as a {@code chat.completion.chunk}, its verdict
   * kept for clients that read it.
   */
  @Test
  void theOpenAiJavaSdkValidatesEveryChunkOfAnAzureStream() {
    OpenAIClient client =
        OpenAIOkHttpClient.builder()
            .baseUrl(gateway.baseUrl())
            .apiKey("sk-application-key")
            .responseValidation(true)
            .maxRetries(0)
            .timeout(Duration.ofSeconds(20))
            .build();
    try {
      List<ChatCompletionChunk> chunks = new ArrayList<>();
      try (StreamResponse<ChatCompletionChunk> stream =
          client
              .chat()
              .completions()
              .createStreaming(
                  ChatCompletionCreateParams.builder()
                      .model("on-dated")
                      .addUserMessage("Say hi")
                      .build())) {
        stream.stream().forEach(chunk -> chunks.add(chunk.validate()));
      }
      ChatCompletionChunk verdict = chunks.get(0);
      assertThat(verdict.choices()).isEmpty();
      assertThat(verdict._additionalProperties()).containsKey("prompt_filter_results");
      StringBuilder text = new StringBuilder();
      chunks.forEach(c -> c.choices().forEach(ch -> ch.delta().content().ifPresent(text::append)));
      assertThat(text.toString()).isEqualTo("Echo from contoso-gpt4o: Say hi");
    } finally {
      client.close();
    }
  }

  /** The last call the gateway relayed (health probes, which GET, may come in between). */
  private static RequestRecord last() {
    List<RequestRecord> relayed =
        mock.requests().stream().filter(r -> r.method().equals("POST")).toList();
    return relayed.get(relayed.size() - 1);
  }
}
