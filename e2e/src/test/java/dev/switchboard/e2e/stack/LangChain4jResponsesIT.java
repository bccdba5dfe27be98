package dev.switchboard.e2e.stack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiResponsesChatModel;
import dev.langchain4j.model.openai.OpenAiResponsesStreamingChatModel;
import dev.switchboard.e2e.local.LocalStack;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.record.RequestRecord;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * LangChain4j's Responses API chat models ({@code OpenAiResponsesChatModel} and {@code
 * OpenAiResponsesStreamingChatModel} of {@code langchain4j-open-ai}) against the local stack's
 * {@code /v1/responses}: passed through to the OpenAI-preset primary ({@code chat-default}) and
 * bridged through chat to the native Gemini target ({@code chat-gemini}).
 */
class LangChain4jResponsesIT {

  private static LocalSamples samples;
  private static LocalStack stack;

  @BeforeAll
  static void start() {
    samples = LocalSamples.create();
    stack = samples.start(samples.options(), line -> {});
  }

  @AfterAll
  static void stop() {
    if (stack != null) {
      stack.close();
    }
  }

  /** The last API call (POST) the mock received; health checks may come after it. */
  private static RequestRecord last(MockProvider mock) {
    List<RequestRecord> seen =
        mock.requests().stream().filter(r -> "POST".equals(r.method())).toList();
    assertThat(seen).isNotEmpty();
    return seen.get(seen.size() - 1);
  }

  private static OpenAiResponsesChatModel model(String name) {
    return OpenAiResponsesChatModel.builder()
        .baseUrl(stack.baseUrl())
        .apiKey("sk-application")
        .modelName(name)
        .build();
  }

  private static String stream(String model, String prompt) throws Exception {
    OpenAiResponsesStreamingChatModel streaming =
        OpenAiResponsesStreamingChatModel.builder()
            .baseUrl(stack.baseUrl())
            .apiKey("sk-application")
            .modelName(model)
            .build();
    StringBuilder partials = new StringBuilder();
    CompletableFuture<ChatResponse> done = new CompletableFuture<>();
    streaming.chat(
        prompt,
        new StreamingChatResponseHandler() {
          @Override
          public void onPartialResponse(String partial) {
            partials.append(partial);
          }

          @Override
          public void onCompleteResponse(ChatResponse response) {
            done.complete(response);
          }

          @Override
          public void onError(Throwable error) {
            done.completeExceptionally(error);
          }
        });
    ChatResponse response = done.get(30, TimeUnit.SECONDS);
    assertThat(response.aiMessage().text()).isEqualTo(partials.toString());
    return partials.toString();
  }

  @Test
  void passedThroughToAnOpenAiTarget() throws Exception {
    MockProvider primary = stack.mock(samples.primary);

    ChatResponse response =
        model("chat-default")
            .chat(dev.langchain4j.data.message.UserMessage.from("hello from langchain4j"));
    assertThat(response.aiMessage().text())
        .startsWith("Echo from ")
        .endsWith(": hello from langchain4j");
    assertThat(response.tokenUsage().outputTokenCount()).isPositive();
    // Passed through: the OpenAI-preset mock itself received a Responses request.
    assertThat(last(primary).path()).isEqualTo("/v1/responses");

    String streamed = stream("chat-default", "stream from langchain4j");
    assertThat(streamed).startsWith("Echo from ").endsWith(": stream from langchain4j");
    assertThat(last(primary).path()).isEqualTo("/v1/responses");
  }

  @Test
  void bridgedThroughChatToAGeminiTarget() throws Exception {
    MockProvider gemini = stack.mock(samples.secondary);

    ChatResponse response =
        model("chat-gemini").chat(dev.langchain4j.data.message.UserMessage.from("hello bridged"));
    assertThat(response.aiMessage().text()).isEqualTo("Echo from gemini-2.5-flash: hello bridged");
    assertThat(response.tokenUsage().outputTokenCount()).isPositive();
    assertThat(last(gemini).path()).isEqualTo("/v1beta/models/gemini-2.5-flash:generateContent");

    String streamed = stream("chat-gemini", "stream bridged");
    assertThat(streamed).isEqualTo("Echo from gemini-2.5-flash: stream bridged");
    assertThat(last(gemini).path())
        .isEqualTo("/v1beta/models/gemini-2.5-flash:streamGenerateContent");
  }
}
