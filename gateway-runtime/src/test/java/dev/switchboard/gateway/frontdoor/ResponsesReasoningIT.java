package dev.switchboard.gateway.frontdoor;

import static dev.switchboard.gateway.GatewayHarness.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseReasoningItem;
import com.openai.models.responses.ResponseStreamEvent;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import dev.switchboard.mock.openai.ReasoningPayloads;
import dev.switchboard.mock.openapi.OpenAiWireFormat;
import dev.switchboard.mock.record.RequestRecord;
import dev.switchboard.mock.sse.SseEvent;
import dev.switchboard.mock.sse.SseParser;
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
 * A reasoning model behind an OpenAI-compatible API (the mock's {@code deepseek-reasoner}, as
 * DeepSeek answers: {@code reasoning_content}) through the gateway's Responses door: the reasoning
 * is a {@code reasoning} output item before the message, JSON and streamed, which the openai-java
 * SDK reads; its tokens are the usage's {@code reasoning_tokens}; handed back in the next request's
 * input, the item is not sent to the target (DeepSeek refuses reasoning in its input) and is named.
 */
class ResponsesReasoningIT {

  /** The DeepSeek reasoner ReasoningContentIT's table routes "reasoner" to. */
  static final String REASONER = ReasoningContentIT.REASONER;

  @TempDir static Path dir;
  static GatewayHarness gateway;
  static MockProvider mock;

  @BeforeAll
  static void start() throws Exception {
    gateway =
        GatewayHarness.withMock(
            dir,
            new MockProviderOptions().keys("mock-key").models(REASONER),
            ReasoningContentIT::table,
            Map.of("deepseek", "mock-key"));
    mock = gateway.mock();
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  private static HttpResponse<String> responses(String fields, String input) throws Exception {
    return gateway.post(
        "/v1/responses", "{\"model\":\"reasoner\"," + fields + "\"input\":\"" + input + "\"}");
  }

  @Test
  void theReasoningIsAReasoningItemBeforeTheMessageWithItsTokens() throws Exception {
    HttpResponse<String> res = responses("", "which is larger");

    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    OpenAiWireFormat.assertValid(OpenAiWireFormat.Body.RESPONSE, res.body());
    JsonNode response = json(res.body());
    JsonNode output = response.path("output");
    assertThat(output).hasSize(2);
    assertThat(output.at("/0/type").asText()).isEqualTo("reasoning");
    assertThat(output.at("/0/id").asText()).startsWith("rs_");
    assertThat(output.at("/0/content/0/type").asText()).isEqualTo("reasoning_text");
    assertThat(output.at("/0/content/0/text").asText())
        .isEqualTo(ReasoningPayloads.PREFIX + "which is larger");
    assertThat(output.at("/1/type").asText()).isEqualTo("message");
    assertThat(output.at("/1/content/0/text").asText())
        .isEqualTo("Echo from deepseek-reasoner: which is larger");
    // "Reasoning", " about:", " which", " is", " larger": counted by the target, in output_tokens.
    assertThat(response.at("/usage/output_tokens_details/reasoning_tokens").asInt()).isEqualTo(5);
  }

  @Test
  void aStreamOpensWithTheReasoningItemAndTheMessageTakesTheNextIndex() throws Exception {
    HttpResponse<String> res = responses("\"stream\":true,", "stream it");

    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    assertThat(OpenAiWireFormat.responsesStreamProblems(res.body())).isEmpty();
    List<String> added = new ArrayList<>();
    StringBuilder reasoning = new StringBuilder();
    StringBuilder text = new StringBuilder();
    JsonNode completed = null;
    for (SseEvent e : SseParser.parseAll(res.body())) {
      JsonNode event = json(e.data());
      switch (e.event()) {
        case "response.output_item.added" ->
            added.add(event.path("output_index").asInt() + ":" + event.at("/item/type").asText());
        case "response.reasoning_text.delta" -> reasoning.append(event.path("delta").asText());
        case "response.output_text.delta" -> text.append(event.path("delta").asText());
        case "response.completed" -> completed = event.path("response");
        default -> {}
      }
    }
    assertThat(added).containsExactly("0:reasoning", "1:message");
    assertThat(reasoning.toString()).isEqualTo(ReasoningPayloads.PREFIX + "stream it");
    assertThat(text.toString()).isEqualTo("Echo from deepseek-reasoner: stream it");
    assertThat(completed).isNotNull();
    assertThat(completed.at("/output/0/content/0/text").asText())
        .isEqualTo(ReasoningPayloads.PREFIX + "stream it");
    // "Reasoning", " about:", " stream", " it"
    assertThat(completed.at("/usage/output_tokens_details/reasoning_tokens").asInt()).isEqualTo(4);
  }

  @Test
  void theReasoningItemHandedBackIsNotSentToTheTarget() throws Exception {
    JsonNode first = json(responses("", "first").body());
    String body =
        "{\"model\":\"reasoner\",\"input\":[{\"role\":\"user\",\"content\":\"first\"},"
            + first.path("output").get(0)
            + ","
            + first.path("output").get(1)
            + ",{\"role\":\"user\",\"content\":\"second\"}]}";

    HttpResponse<String> res = gateway.post("/v1/responses", body);

    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    assertThat(res.headers().firstValue("x-switchboard-unhonoured-params").orElse(""))
        .contains("input[].reasoning");
    List<RequestRecord> requests = mock.requests();
    String sent = requests.get(requests.size() - 1).body().encode();
    assertThat(sent).doesNotContain("reasoning").doesNotContain(ReasoningPayloads.PREFIX);
    assertThat(sent).contains("Echo from deepseek-reasoner: first"); // the answer's text went
  }

  /**
   * Whatever a {@code reasoning} input item holds, a chat target gets none of it and the request is
   * served (named); an input item type chat completions has no form for is the client's 400 naming
   * it, on a route with no target of the Responses API — never a 500, never sent.
   */
  @Test
  void anyReasoningInputItemIsLeftOutAndAnUnknownItemTypeIsA400() throws Exception {
    HttpResponse<String> res =
        gateway.post(
            "/v1/responses",
            "{\"model\":\"reasoner\",\"input\":[{\"role\":\"user\",\"content\":\"odd\"},"
                + "{\"type\":\"reasoning\",\"content\":\"not a list\",\"encrypted_content\":5},"
                + "{\"type\":\"reasoning\",\"id\":\"rs_1\",\"summary\":[{\"type\":\"summary_text\","
                + "\"text\":\"s\"}],\"encrypted_content\":\"gAAAAABo\"},"
                + "{\"role\":\"user\",\"content\":\"again\"}]}");
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    assertThat(res.headers().firstValue("x-switchboard-unhonoured-params").orElse(""))
        .contains("input[].reasoning");
    List<RequestRecord> requests = mock.requests();
    String body = requests.get(requests.size() - 1).body().encode();
    assertThat(body).doesNotContain("gAAAAABo").doesNotContain("not a list");

    HttpResponse<String> unknown =
        gateway.post(
            "/v1/responses",
            "{\"model\":\"reasoner\",\"input\":[{\"role\":\"user\",\"content\":\"x\"},"
                + "{\"type\":\"mystery_item\",\"id\":\"m_1\"}]}");
    assertThat(unknown.statusCode()).as(unknown.body()).isEqualTo(400);
    OpenAiWireFormat.assertValid(OpenAiWireFormat.Body.ERROR, unknown.body());
    assertThat(json(unknown.body()).at("/error/param").asText()).isEqualTo("input[1].type");
    assertThat(mock.requests())
        .noneMatch(r -> r.body() != null && r.body().encode().contains("mystery_item"));
  }

  @Test
  void theOpenAiJavaSdkReadsTheReasoningItemAndItsStreamedText() {
    OpenAIClient client =
        OpenAIOkHttpClient.builder()
            .baseUrl(gateway.baseUrl())
            .apiKey("sk-application-key")
            .maxRetries(0)
            .timeout(Duration.ofSeconds(20))
            .build();
    try {
      Response response =
          client
              .responses()
              .create(ResponseCreateParams.builder().model("reasoner").input("Hi SDK").build());
      response.validate();
      ResponseReasoningItem reasoning = response.output().get(0).asReasoning();
      assertThat(reasoning.summary()).isEmpty();
      assertThat(reasoning.content().orElseThrow())
          .extracting(ResponseReasoningItem.Content::text)
          .containsExactly(ReasoningPayloads.PREFIX + "Hi SDK");
      assertThat(response.output().get(1).asMessage().content().get(0).asOutputText().text())
          .isEqualTo("Echo from deepseek-reasoner: Hi SDK");
      assertThat(response.usage().orElseThrow().outputTokensDetails().reasoningTokens())
          .isEqualTo(4);

      StringBuilder streamed = new StringBuilder();
      String done = null;
      try (StreamResponse<ResponseStreamEvent> stream =
          client
              .responses()
              .createStreaming(
                  ResponseCreateParams.builder().model("reasoner").input("Hi stream").build())) {
        for (ResponseStreamEvent event :
            (Iterable<ResponseStreamEvent>) stream.stream()::iterator) {
          event.validate();
          event.reasoningTextDelta().ifPresent(d -> streamed.append(d.delta()));
          if (event.reasoningTextDone().isPresent()) {
            done = event.reasoningTextDone().get().text();
          }
        }
      }
      assertThat(streamed.toString()).isEqualTo(ReasoningPayloads.PREFIX + "Hi stream");
      assertThat(done).isEqualTo(streamed.toString());
    } finally {
      client.close();
    }
  }
}
