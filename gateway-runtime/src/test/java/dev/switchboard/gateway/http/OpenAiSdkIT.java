package dev.switchboard.gateway.http;

import static dev.switchboard.gateway.TestTables.provider;
import static dev.switchboard.gateway.TestTables.route;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.InternalServerException;
import com.openai.errors.NotFoundException;
import com.openai.errors.SseException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.models.Model;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
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
 * The acceptance criterion of the whole gateway: an application on the official OpenAI Java SDK
 * works against it by changing only the base URL.
 */
class OpenAiSdkIT {

  @TempDir static Path dir;

  static MockProvider mock;
  static GatewayHarness gateway;
  static OpenAIClient client;

  @BeforeAll
  static void start() throws Exception {
    gateway =
        GatewayHarness.withMock(
            dir,
            new MockProviderOptions()
                .keys("sk-provider")
                .models("truncating-model", "broken-model", "text-embedding-3-small")
                .alias("gpt-4o-mini", "gpt-4o-mini-2024-07-18"),
            OpenAiSdkIT::table,
            Map.of("mock", "sk-provider"));
    mock = gateway.mock();
    client =
        OpenAIOkHttpClient.builder()
            .baseUrl(gateway.baseUrl())
            .apiKey("sk-application-key")
            .maxRetries(0)
            .timeout(Duration.ofSeconds(30))
            .build();
  }

  /** The truncating and broken models' faults set on {@code mock}; a route per model. */
  static RoutingTable table(MockProvider mock) {
    mock.faults().set("truncating-model", "truncate:2");
    mock.faults().set("broken-model", "status:500");
    return TestTables.table(
        List.of(provider("mock", mock.baseUrl(), true)),
        List.of(
            route("chat-default", List.of("gpt-4o"), target("mock", "gpt-4o-mini", 0)),
            route("truncating", List.of(), target("mock", "truncating-model", 0)),
            route("broken", List.of(), target("mock", "broken-model", 0)),
            route("embed", List.of(), target("mock", "text-embedding-3-small", 0))));
  }

  @AfterAll
  static void stop() throws Exception {
    client.close();
    gateway.close();
  }

  private static ChatCompletionCreateParams.Builder chat(String model) {
    return ChatCompletionCreateParams.builder().model(model).addUserMessage("Say hi");
  }

  @Test
  void nonStreamingCompletionWithServedByHeaders() {
    HttpResponseFor<ChatCompletion> raw =
        client.chat().completions().withRawResponse().create(chat("gpt-4o").seed(1).build());
    ChatCompletion completion = raw.parse();

    assertThat(completion.choices()).isNotEmpty();
    assertThat(completion.choices().get(0).message().content()).isPresent();
    assertThat(completion.model()).isEqualTo("gpt-4o-mini-2024-07-18");
    assertThat(completion.usage()).isPresent();
    assertThat(raw.headers().values("x-switchboard-route")).containsExactly("chat-default");
    assertThat(raw.headers().values("x-switchboard-model-version"))
        .containsExactly("gpt-4o-mini-2024-07-18");
  }

  @Test
  void streamingWithoutUsage() {
    List<ChatCompletionChunk> chunks = new ArrayList<>();
    try (StreamResponse<ChatCompletionChunk> stream =
        client.chat().completions().createStreaming(chat("chat-default").build())) {
      stream.stream().forEach(chunks::add);
    }
    StringBuilder text = new StringBuilder();
    chunks.forEach(
        c -> c.choices().forEach(choice -> choice.delta().content().ifPresent(text::append)));
    assertThat(text).isNotEmpty();
    assertThat(chunks).allSatisfy(c -> assertThat(c.usage()).isEmpty());
  }

  @Test
  void streamingWithUsage() {
    List<ChatCompletionChunk> chunks = new ArrayList<>();
    ChatCompletionCreateParams params =
        chat("chat-default")
            .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
            .build();
    try (StreamResponse<ChatCompletionChunk> stream =
        client.chat().completions().createStreaming(params)) {
      stream.stream().forEach(chunks::add);
    }
    ChatCompletionChunk last = chunks.get(chunks.size() - 1);
    assertThat(last.usage()).isPresent();
    assertThat(last.usage().get().completionTokens()).isPositive();
  }

  @Test
  void aStreamThatDiesMidwayRaisesAnErrorInsteadOfEndingQuietly() {
    assertThatThrownBy(
            () -> {
              try (StreamResponse<ChatCompletionChunk> stream =
                  client.chat().completions().createStreaming(chat("truncating").build())) {
                stream.stream().forEach(c -> {});
              }
            })
        .isInstanceOf(SseException.class)
        .hasMessageContaining("ended the stream before it was complete");
  }

  @Test
  void embeddings() {
    CreateEmbeddingResponse response =
        client
            .embeddings()
            .create(EmbeddingCreateParams.builder().model("embed").input("hello").build());
    assertThat(response.data()).hasSize(1);
    assertThat(response.data().get(0).embedding()).isNotEmpty();
  }

  @Test
  void modelListing() {
    List<String> ids = client.models().list().data().stream().map(Model::id).toList();
    assertThat(ids).contains("chat-default", "gpt-4o", "embed");
    assertThat(client.models().retrieve("gpt-4o").id()).isEqualTo("gpt-4o");
  }

  @Test
  void errorsArriveAsTheSdksTypedExceptions() {
    assertThatThrownBy(() -> client.chat().completions().create(chat("no-such-model").build()))
        .isInstanceOf(NotFoundException.class)
        .satisfies(e -> assertThat(((NotFoundException) e).code()).contains("model_not_found"));
    assertThatThrownBy(
            () ->
                client
                    .chat()
                    .completions()
                    .create(
                        ChatCompletionCreateParams.builder()
                            .model("chat-default")
                            .messages(List.of())
                            .build()))
        .isInstanceOf(BadRequestException.class)
        .satisfies(e -> assertThat(((BadRequestException) e).param()).contains("messages"));
    assertThatThrownBy(() -> client.chat().completions().create(chat("broken").build()))
        .isInstanceOf(InternalServerException.class)
        .satisfies(e -> assertThat(((InternalServerException) e).statusCode()).isEqualTo(502));
  }
}
