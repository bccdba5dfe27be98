package dev.switchboard.e2e.stack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.ResponseFormatJsonObject;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionTool;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStreamEvent;
import dev.switchboard.e2e.local.LocalStack;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.record.RequestRecord;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The official OpenAI Java SDK against the local stack's native Gemini target ({@code chat-gemini},
 * {@code text-embedding-004} on the mock's Gemini API): chat completions as JSON and as a stream, a
 * tool call, JSON mode, embeddings, the Responses API bridged through chat (JSON and stream), and
 * chat failover from the OpenAI-preset primary to Gemini. The mock speaks only Gemini's wire format
 * on these paths, so every answer the SDK parses was translated by the gateway.
 */
// The failover test fails the primary on purpose (opening its breaker): it runs last.
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GeminiOpenAiJavaSdkIT {

  private static final String GEMINI_MODEL = "gemini-2.5-flash";
  private static LocalSamples samples;
  private static LocalStack stack;
  private static OpenAIClient sdk;

  @BeforeAll
  static void start() {
    samples = LocalSamples.create();
    stack = samples.start(samples.options(), line -> {});
    sdk =
        OpenAIOkHttpClient.builder()
            .baseUrl(stack.baseUrl())
            .apiKey("sk-application")
            .maxRetries(0)
            .timeout(Duration.ofSeconds(30))
            .build();
  }

  @AfterAll
  static void stop() {
    if (sdk != null) {
      sdk.close();
    }
    if (stack != null) {
      stack.close();
    }
  }

  private static MockProvider gemini() {
    return stack.mock(samples.secondary);
  }

  /**
   * The last Gemini API call the mock received. The mock also serves the secondary's OpenAI and
   * Anthropic shapes and the health checks, so other requests may come after it.
   */
  private static RequestRecord lastGeminiRequest() {
    List<RequestRecord> seen =
        gemini().requests().stream()
            .filter(r -> "POST".equals(r.method()) && r.path().startsWith("/v1beta/models/"))
            .toList();
    assertThat(seen).isNotEmpty();
    return seen.get(seen.size() - 1);
  }

  @Test
  @Order(1)
  void chatCompletionAsJsonIsTranslatedToGenerateContent() {
    HttpResponseFor<ChatCompletion> raw =
        sdk.chat()
            .completions()
            .withRawResponse()
            .create(
                ChatCompletionCreateParams.builder()
                    .model("chat-gemini")
                    .addSystemMessage("be brief")
                    .addUserMessage("hello gemini")
                    .build());
    ChatCompletion completion = raw.parse();

    assertThat(raw.headers().values("x-switchboard-provider")).containsExactly("local-gemini");
    assertThat(completion.choices()).hasSize(1);
    assertThat(completion.choices().get(0).message().content())
        .hasValue("Echo from " + GEMINI_MODEL + ": hello gemini");
    assertThat(completion.usage())
        .hasValueSatisfying(u -> assertThat(u.totalTokens()).isPositive());
    RequestRecord seen = lastGeminiRequest();
    assertThat(seen.path()).isEqualTo("/v1beta/models/" + GEMINI_MODEL + ":generateContent");
    // The key travels in Gemini's header, never as a bearer token; the client's key never arrives.
    assertThat(seen.keyAccepted()).isTrue();
    assertThat(seen.keyFingerprint()).isEqualTo(RequestRecord.fingerprint("sk-local-secondary"));
    assertThat(seen.header("authorization")).isNull();
    assertThat(seen.body().getJsonObject("systemInstruction")).isNotNull();
  }

  @Test
  @Order(2)
  void aStreamArrivesAsChatCompletionChunksWithUsage() {
    StringBuilder content = new StringBuilder();
    long chunks;
    List<ChatCompletionChunk> all;
    try (StreamResponse<ChatCompletionChunk> stream =
        sdk.chat()
            .completions()
            .createStreaming(
                ChatCompletionCreateParams.builder()
                    .model("chat-gemini")
                    .addUserMessage("stream from gemini")
                    .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
                    .build())) {
      all = stream.stream().toList();
    }
    chunks = all.stream().filter(c -> !c.choices().isEmpty()).count();
    all.forEach(
        c -> c.choices().forEach(choice -> choice.delta().content().ifPresent(content::append)));

    assertThat(content.toString()).isEqualTo("Echo from " + GEMINI_MODEL + ": stream from gemini");
    assertThat(chunks).isGreaterThan(2);
    assertThat(all)
        .last()
        .satisfies(
            c ->
                assertThat(c.usage())
                    .hasValueSatisfying(u -> assertThat(u.completionTokens()).isPositive()));
    assertThat(lastGeminiRequest().path())
        .isEqualTo("/v1beta/models/" + GEMINI_MODEL + ":streamGenerateContent");
    assertThat(lastGeminiRequest().query()).contains("alt=sse");
  }

  @Test
  @Order(3)
  void aToolCallComesBackAsAnOpenAiFunctionCall() throws Exception {
    ChatCompletion completion =
        sdk.chat()
            .completions()
            .create(
                ChatCompletionCreateParams.builder()
                    .model("chat-gemini")
                    .addUserMessage("what is the weather in Paris? use get_weather")
                    .addTool(
                        ChatCompletionTool.ofFunction(
                            ChatCompletionFunctionTool.builder()
                                .function(
                                    FunctionDefinition.builder()
                                        .name("get_weather")
                                        .description("Current weather for a city")
                                        .parameters(
                                            FunctionParameters.builder()
                                                .putAdditionalProperty(
                                                    "type", JsonValue.from("object"))
                                                .putAdditionalProperty(
                                                    "properties",
                                                    JsonValue.from(
                                                        Map.of("query", Map.of("type", "string"))))
                                                .build())
                                        .build())
                                .build()))
                    .build());

    var choice = completion.choices().get(0);
    assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
    List<ChatCompletionMessageFunctionToolCall> calls =
        choice.message().toolCalls().orElseThrow().stream().map(call -> call.asFunction()).toList();
    assertThat(calls)
        .singleElement()
        .satisfies(c -> assertThat(c.function().name()).isEqualTo("get_weather"));
    JsonNode arguments = new ObjectMapper().readTree(calls.get(0).function().arguments());
    assertThat(arguments.path("query").asText()).contains("Paris");
    // Gemini was offered the tool as a function declaration.
    assertThat(lastGeminiRequest().body().encode()).contains("functionDeclarations", "get_weather");
  }

  @Test
  @Order(4)
  void jsonModeAsksGeminiForJsonAndReturnsIt() throws Exception {
    ChatCompletion completion =
        sdk.chat()
            .completions()
            .create(
                ChatCompletionCreateParams.builder()
                    .model("chat-gemini")
                    .addUserMessage("answer in json")
                    .responseFormat(ResponseFormatJsonObject.builder().build())
                    .build());

    JsonNode answer =
        new ObjectMapper().readTree(completion.choices().get(0).message().content().orElseThrow());
    assertThat(answer.path("echo").asText()).isEqualTo("answer in json");
    assertThat(
            lastGeminiRequest()
                .body()
                .getJsonObject("generationConfig")
                .getString("responseMimeType"))
        .isEqualTo("application/json");
  }

  @Test
  @Order(5)
  void embeddingsAreTranslatedToGeminiEmbedContents() {
    CreateEmbeddingResponse embeddings =
        sdk.embeddings()
            .create(
                EmbeddingCreateParams.builder()
                    .model("text-embedding-004")
                    .inputOfArrayOfStrings(List.of("first", "second"))
                    .build());

    assertThat(embeddings.data()).hasSize(2);
    assertThat(embeddings.data()).allSatisfy(e -> assertThat(e.embedding()).isNotEmpty());
    assertThat(embeddings.data().get(1).index()).isEqualTo(1);
    assertThat(lastGeminiRequest().path()).startsWith("/v1beta/models/text-embedding-004:");
  }

  @Test
  @Order(6)
  void theResponsesApiIsBridgedToGemini() {
    Response response =
        sdk.responses()
            .create(
                ResponseCreateParams.builder()
                    .model("chat-gemini")
                    .input("hello responses")
                    .store(false)
                    .build());
    String text =
        response.output().stream()
            .flatMap(item -> item.message().stream())
            .flatMap(m -> m.content().stream())
            .flatMap(c -> c.outputText().stream())
            .map(t -> t.text())
            .collect(Collectors.joining());
    assertThat(text).isEqualTo("Echo from " + GEMINI_MODEL + ": hello responses");
    assertThat(response.usage()).hasValueSatisfying(u -> assertThat(u.outputTokens()).isPositive());
    assertThat(lastGeminiRequest().path()).endsWith(":generateContent");

    StringBuilder streamed = new StringBuilder();
    boolean completed;
    try (StreamResponse<ResponseStreamEvent> stream =
        sdk.responses()
            .createStreaming(
                ResponseCreateParams.builder()
                    .model("chat-gemini")
                    .input("stream responses")
                    .store(false)
                    .build())) {
      List<ResponseStreamEvent> events = stream.stream().toList();
      events.forEach(e -> e.outputTextDelta().ifPresent(d -> streamed.append(d.delta())));
      completed = events.stream().anyMatch(ResponseStreamEvent::isCompleted);
    }
    assertThat(streamed.toString()).isEqualTo("Echo from " + GEMINI_MODEL + ": stream responses");
    assertThat(completed).isTrue();
    assertThat(lastGeminiRequest().path()).endsWith(":streamGenerateContent");
  }

  @Test
  @Order(7)
  void chatFailsOverFromTheOpenAiPrimaryToGemini() {
    MockProvider primary = stack.mock(samples.primary);
    primary.faults().set("gpt-4o-mini", "status:503");
    try {
      long primaryBefore = primary.totalAttempts();
      HttpResponseFor<ChatCompletion> raw =
          sdk.chat()
              .completions()
              .withRawResponse()
              .create(
                  ChatCompletionCreateParams.builder()
                      .model("chat-openai-then-gemini")
                      .addUserMessage("fail over please")
                      .build());
      ChatCompletion completion = raw.parse();

      assertThat(raw.headers().values("x-switchboard-provider")).containsExactly("local-gemini");
      assertThat(completion.choices().get(0).message().content())
          .hasValue("Echo from " + GEMINI_MODEL + ": fail over please");
      // The primary was tried (and answered 503) before Gemini served the request.
      assertThat(primary.totalAttempts()).isGreaterThan(primaryBefore);
      assertThat(lastGeminiRequest().path()).endsWith(":generateContent");
    } finally {
      primary.faults().clearAll();
    }
  }
}
