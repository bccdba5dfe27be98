package dev.switchboard.mock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.RateLimitException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The official OpenAI Java SDK talks to the mock as it would to OpenAI. */
class OpenAiSdkCompatibilityTest {

  private static final String KEY = "sk-sdk";
  private static MockProvider mock;
  private static OpenAIClient sdk;

  @BeforeAll
  static void start() {
    mock =
        MockProvider.startBlocking(
            new MockProviderOptions().keys(KEY).alias("gpt-4o", "gpt-4o-2024-08-06"));
    sdk =
        OpenAIOkHttpClient.builder()
            .apiKey(KEY)
            .baseUrl(mock.baseUrl())
            .maxRetries(2)
            .timeout(Duration.ofSeconds(10))
            .build();
  }

  @AfterAll
  static void stop() {
    sdk.close();
    mock.close();
  }

  @BeforeEach
  void reset() {
    mock.reset();
  }

  private static ChatCompletionCreateParams.Builder params(String model, String text) {
    return ChatCompletionCreateParams.builder().model(model).addUserMessage(text);
  }

  @Test
  void chatCompletion() {
    ChatCompletion completion =
        sdk.chat().completions().create(params("gpt-4o", "hello").seed(3).build());

    assertThat(completion.model()).isEqualTo("gpt-4o-2024-08-06");
    assertThat(completion.choices().get(0).message().content())
        .hasValue("Echo from gpt-4o-2024-08-06: hello (seed 3)");
    assertThat(completion.usage()).isPresent();
  }

  @Test
  void streamingChatCompletionWithUsage() {
    List<ChatCompletionChunk> chunks = new ArrayList<>();
    try (StreamResponse<ChatCompletionChunk> stream =
        sdk.chat()
            .completions()
            .createStreaming(
                params("gpt-4o-mini", "stream me")
                    .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
                    .build())) {
      stream.stream().forEach(chunks::add);
    }

    StringBuilder content = new StringBuilder();
    chunks.forEach(
        c -> c.choices().forEach(choice -> choice.delta().content().ifPresent(content::append)));
    assertThat(content.toString()).isEqualTo("Echo from gpt-4o-mini: stream me");
    assertThat(chunks.get(chunks.size() - 1).usage()).isPresent();
  }

  @Test
  void sdkRetriesHonourRetryAfterAndSucceedOnTheThirdAttempt() {
    mock.faults().add("gpt-4o-mini", "status:429;retry-after-ms=10", 2);

    ChatCompletion completion = sdk.chat().completions().create(params("gpt-4o-mini", "x").build());

    assertThat(completion.choices()).hasSize(1);
    assertThat(mock.attempts("gpt-4o-mini")).isEqualTo(3);
  }

  @Test
  void persistentRateLimitSurfacesAsRateLimitException() {
    mock.faults().set("gpt-4o-mini", "status:429;retry-after-ms=10");

    assertThatThrownBy(() -> sdk.chat().completions().create(params("gpt-4o-mini", "x").build()))
        .isInstanceOf(RateLimitException.class);
    assertThat(mock.attempts("gpt-4o-mini")).isEqualTo(3);
  }

  @Test
  void wrongKeyIsUnauthorized() {
    OpenAIClient wrong =
        OpenAIOkHttpClient.builder()
            .apiKey("sk-wrong")
            .baseUrl(mock.baseUrl())
            .maxRetries(0)
            .build();
    try {
      assertThatThrownBy(
              () -> wrong.chat().completions().create(params("gpt-4o-mini", "x").build()))
          .isInstanceOf(UnauthorizedException.class);
    } finally {
      wrong.close();
    }
  }

  @Test
  void embeddingsAndModels() {
    CreateEmbeddingResponse embeddings =
        sdk.embeddings()
            .create(
                EmbeddingCreateParams.builder()
                    .model("text-embedding-3-small")
                    .input("hello")
                    .build());

    assertThat(embeddings.data().get(0).embedding()).hasSize(8);
    assertThat(sdk.models().list().data()).extracting(m -> m.id()).containsExactly("gpt-4o");
  }
}
