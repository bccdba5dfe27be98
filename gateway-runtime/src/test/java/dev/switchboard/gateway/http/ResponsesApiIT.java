package dev.switchboard.gateway.http;

import static dev.switchboard.gateway.TestTables.provider;
import static dev.switchboard.gateway.TestTables.route;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStreamEvent;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import dev.switchboard.mock.openai.ChatAnswer;
import dev.switchboard.mock.openapi.OpenAiWireFormat;
import dev.switchboard.mock.record.RequestRecord;
import dev.switchboard.mock.sse.SseEvent;
import dev.switchboard.mock.sse.SseParser;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /v1/responses} end to end through a real gateway and mock provider: passed through to
 * OpenAI- and Azure-shaped providers, bridged through chat completions to a chat-only one and to
 * Anthropic (JSON and streams, tools, refusals, json_schema), failover from a native target to a
 * bridged one, pinning of follow-ups, the stored-response endpoints, and mid-stream failures. Every
 * answer is checked against the openai-java SDK's Response and stream-event models (and the OpenAPI
 * document when given).
 */
class ResponsesApiIT {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;

  static MockProvider mock;
  static GatewayHarness gateway;

  @BeforeAll
  static void start() throws Exception {
    gateway =
        GatewayHarness.withMock(
            dir,
            new MockProviderOptions().keys("sk-provider"),
            ResponsesApiIT::table,
            Map.of(
                "openai",
                "sk-provider",
                "azure",
                "sk-provider",
                "vllm",
                "sk-provider",
                "claude",
                "sk-provider"));
    mock = gateway.mock();
  }

  /** The broken model's fault set on {@code mock}; OpenAI-, Azure- and chat-only providers. */
  static RoutingTable table(MockProvider mock) {
    mock.faults().set("broken-model", "status:500");
    return TestTables.table(
        List.of(
            provider("openai", "openai", mock.baseUrl(), true, Map.of(), null),
            provider("azure", "azure-openai", mock.origin(), true, Map.of(), null),
            provider("vllm", mock.baseUrl(), true),
            provider("claude", "anthropic", mock.baseUrl(), true, Map.of(), null)),
        List.of(
            route("native", List.of(), target("openai", "gpt-4.1", 0)),
            route("azure", List.of(), target("azure", "my-deployment", 0)),
            route("bridged", List.of("chat-only"), target("vllm", "qwen3", 0)),
            route("claude", List.of(), target("claude", "claude-sonnet-4-5", 0)),
            route("erroring", List.of(), target("vllm", "erroring-model", 0)),
            route("native-erroring", List.of(), target("openai", "erroring-model", 0)),
            route(
                "failover",
                List.of(),
                target("openai", "broken-model", 0),
                target("vllm", "qwen3", 1)),
            route("mixed", List.of(), target("vllm", "qwen3", 0), target("openai", "gpt-4.1", 1))));
  }

  @AfterAll
  static void stop() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
  }

  @BeforeEach
  void reset() {
    mock.faults().set("erroring-model", "stream-error:3");
  }

  // ------------------------------------------------------------------------ pass-through

  @Test
  void aResponsesRequestToOpenAiIsPassedThroughWithOnlyTheModelRewritten() throws Exception {
    HttpResponse<String> answer =
        post("{\"model\":\"native\",\"input\":\"Hello there\",\"temperature\":0.5}");

    assertThat(answer.statusCode()).isEqualTo(200);
    OpenAiWireFormat.assertValid(OpenAiWireFormat.Body.RESPONSE, answer.body());
    JsonNode response = JSON.readTree(answer.body());
    assertThat(response.path("id").asText()).startsWith("resp_mock");
    assertThat(outputText(response)).isEqualTo("Echo from gpt-4.1: Hello there");
    RequestRecord upstream = last();
    assertThat(upstream.path()).isEqualTo("/v1/responses");
    assertThat(upstream.body().getString("model")).isEqualTo("gpt-4.1");
    assertThat(upstream.body().getValue("temperature")).isEqualTo(0.5);
    assertThat(upstream.body().getString("input")).isEqualTo("Hello there");
  }

  /** A stored prompt or a conversation stands in for {@code input}, as on OpenAI's API. */
  @Test
  void aPromptOrConversationWithoutInputIsPassedThrough() throws Exception {
    for (String body :
        List.of(
            "{\"model\":\"native\",\"prompt\":{\"id\":\"pmpt_1\"}}",
            "{\"model\":\"native\",\"conversation\":\"conv_1\"}")) {
      HttpResponse<String> answer = post(body);

      assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
      OpenAiWireFormat.assertValid(OpenAiWireFormat.Body.RESPONSE, answer.body());
      assertThat(last().body().containsKey("input")).isFalse();
    }
  }

  @Test
  void azureOpenAiGetsTheResponsesApiOnItsV1PathWithTheDeploymentAsModel() throws Exception {
    HttpResponse<String> answer = post("{\"model\":\"azure\",\"input\":\"Hi Azure\"}");

    assertThat(answer.statusCode()).isEqualTo(200);
    OpenAiWireFormat.assertValid(OpenAiWireFormat.Body.RESPONSE, answer.body());
    RequestRecord upstream = last();
    assertThat(upstream.path()).isEqualTo("/openai/v1/responses");
    assertThat(upstream.headers()).containsKey("api-key");
    assertThat(upstream.headers()).doesNotContainKey("authorization");
    assertThat(upstream.body().getString("model")).isEqualTo("my-deployment");
  }

  @Test
  void aPassedThroughStreamIsRelayedEventByEventAndValid() throws Exception {
    HttpResponse<String> answer =
        post("{\"model\":\"native\",\"input\":\"Stream me\",\"stream\":true}");

    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.headers().firstValue("content-type").orElse(""))
        .startsWith("text/event-stream");
    assertThat(OpenAiWireFormat.responsesStreamProblems(answer.body())).isEmpty();
    assertThat(streamedText(answer.body())).isEqualTo("Echo from gpt-4.1: Stream me");
    assertThat(last().path()).isEqualTo("/v1/responses");
  }

  // ----------------------------------------------------------------------------- bridged

  @Test
  void aChatOnlyTargetIsBridgedThroughChatCompletionsAndAnswersAResponse() throws Exception {
    HttpResponse<String> answer =
        post(
            "{\"model\":\"chat-only\",\"instructions\":\"Be brief.\",\"input\":[{\"role\":\"user\","
                + "\"content\":[{\"type\":\"input_text\",\"text\":\"Bridge me\"}]}],"
                + "\"max_output_tokens\":100,\"reasoning\":{\"effort\":\"low\"}}");

    assertThat(answer.statusCode()).isEqualTo(200);
    OpenAiWireFormat.assertValid(OpenAiWireFormat.Body.RESPONSE, answer.body());
    JsonNode response = JSON.readTree(answer.body());
    assertThat(response.path("id").asText()).startsWith("resp_");
    assertThat(response.path("status").asText()).isEqualTo("completed");
    assertThat(response.path("store").asBoolean(true)).isFalse();
    assertThat(outputText(response)).isEqualTo("Echo from qwen3: Bridge me");
    assertThat(response.path("usage").path("input_tokens").asInt()).isPositive();
    assertThat(response.path("usage").path("output_tokens").asInt()).isPositive();
    RequestRecord upstream = last();
    assertThat(upstream.path()).isEqualTo("/v1/chat/completions");
    assertThat(upstream.body().getString("model")).isEqualTo("qwen3");
    assertThat(upstream.body().getJsonArray("messages").encode())
        .isEqualTo(
            "[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":"
                + "\"Bridge me\"}]");
    assertThat(upstream.body().getInteger("max_tokens")).isEqualTo(100);
    assertThat(upstream.body().getString("reasoning_effort")).isEqualTo("low");
  }

  @Test
  void bridgedToolCallsBecomeFunctionCallItemsAndTheirOutputsGoBackAsToolMessages()
      throws Exception {
    String tools =
        "\"tools\":[{\"type\":\"function\",\"name\":\"get_weather\",\"description\":\"Weather\","
            + "\"parameters\":{\"type\":\"object\",\"properties\":{\"query\":{\"type\":\"string\""
            + "}}}}]";
    HttpResponse<String> answer =
        post(
            "{\"model\":\"bridged\",\"input\":\"Paris?\",\"tool_choice\":\"required\","
                + tools
                + "}");

    assertThat(answer.statusCode()).isEqualTo(200);
    OpenAiWireFormat.assertValid(OpenAiWireFormat.Body.RESPONSE, answer.body());
    JsonNode call = JSON.readTree(answer.body()).path("output").path(0);
    assertThat(call.path("type").asText()).isEqualTo("function_call");
    assertThat(call.path("name").asText()).isEqualTo("get_weather");
    assertThat(call.path("arguments").asText()).isEqualTo("{\"query\":\"Paris?\"}");
    String callId = call.path("call_id").asText();
    assertThat(callId).startsWith("call_");
    assertThat(last().body().getJsonArray("tools").getJsonObject(0).encode())
        .contains("\"function\":{\"name\":\"get_weather\"");

    HttpResponse<String> followUp =
        post(
            "{\"model\":\"bridged\",\"input\":[{\"role\":\"user\",\"content\":\"Paris?\"},"
                + call
                + ",{\"type\":\"function_call_output\",\"call_id\":\""
                + callId
                + "\",\"output\":\"22C\"}],"
                + tools
                + "}");

    assertThat(followUp.statusCode()).isEqualTo(200);
    String messages = last().body().getJsonArray("messages").encode();
    assertThat(messages)
        .contains(
            "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\""
                + callId
                + "\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\"")
        .contains("{\"role\":\"tool\",\"tool_call_id\":\"" + callId + "\",\"content\":\"22C\"}");
  }

  @Test
  void aJsonSchemaFormatIsBridgedAsResponseFormat() throws Exception {
    HttpResponse<String> answer =
        post(
            "{\"model\":\"bridged\",\"input\":\"Give JSON\",\"text\":{\"format\":{\"type\":"
                + "\"json_schema\",\"name\":\"echo\",\"strict\":true,\"schema\":{\"type\":"
                + "\"object\",\"properties\":{\"echo\":{\"type\":\"string\"}}}}}}");

    assertThat(answer.statusCode()).isEqualTo(200);
    OpenAiWireFormat.assertValid(OpenAiWireFormat.Body.RESPONSE, answer.body());
    JsonNode response = JSON.readTree(answer.body());
    assertThat(JSON.readTree(outputText(response)).path("echo").asText()).isEqualTo("Give JSON");
    assertThat(response.path("text").path("format").path("name").asText()).isEqualTo("echo");
    assertThat(last().body().getJsonObject("response_format").encode())
        .startsWith("{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"echo\"");
  }

  @Test
  void aBridgedStreamIsTheFullResponsesEventSequenceWithUsage() throws Exception {
    HttpResponse<String> answer =
        post("{\"model\":\"bridged\",\"input\":\"Stream bridged\",\"stream\":true}");

    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(OpenAiWireFormat.responsesStreamProblems(answer.body())).isEmpty();
    List<String> types = types(answer.body());
    assertThat(types.subList(0, 4))
        .containsExactly(
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.content_part.added");
    assertThat(types.subList(types.size() - 4, types.size()))
        .containsExactly(
            "response.output_text.done",
            "response.content_part.done",
            "response.output_item.done",
            "response.completed");
    assertThat(streamedText(answer.body())).isEqualTo("Echo from qwen3: Stream bridged");
    JsonNode completed = lastEvent(answer.body()).path("response");
    assertThat(completed.path("usage").path("output_tokens").asInt()).isPositive();
    // The gateway asked the chat stream for usage; the client of the Responses API never sees it.
    assertThat(last().body().getJsonObject("stream_options").getBoolean("include_usage")).isTrue();
  }

  @Test
  void aBridgedStreamOfToolCallsStreamsFunctionCallArguments() throws Exception {
    HttpResponse<String> answer =
        post(
            "{\"model\":\"bridged\",\"input\":\"lookup\",\"stream\":true,\"tool_choice\":"
                + "\"required\",\"tools\":[{\"type\":\"function\",\"name\":\"lookup\","
                + "\"parameters\":{\"type\":\"object\"}}]}");

    assertThat(OpenAiWireFormat.responsesStreamProblems(answer.body())).isEmpty();
    List<String> types = types(answer.body());
    assertThat(types).contains("response.function_call_arguments.delta");
    JsonNode done = null;
    for (SseEvent e : SseParser.parseAll(answer.body())) {
      if ("response.function_call_arguments.done".equals(e.event())) {
        done = JSON.readTree(e.data());
      }
    }
    assertThat(done).isNotNull();
    assertThat(done.path("name").asText()).isEqualTo("lookup");
    assertThat(done.path("arguments").asText()).isEqualTo("{\"query\":\"lookup\"}");
    JsonNode completed = lastEvent(answer.body()).path("response");
    assertThat(completed.path("output").path(0).path("type").asText()).isEqualTo("function_call");
  }

  @Test
  void aToolCallWithoutParametersBridgedToAnthropicStreamsArgumentsAsTheJsonAnswerGivesThem()
      throws Exception {
    String request =
        "{\"model\":\"claude\",\"input\":\"time?\",\"tool_choice\":\"required\",\"tools\":"
            + "[{\"type\":\"function\",\"name\":\"get_time\",\"parameters\":{\"type\":"
            + "\"object\",\"properties\":{}}}]";
    JsonNode whole = JSON.readTree(post(request + "}").body());
    assertThat(whole.path("output").path(0).path("arguments").asText()).isEqualTo("{}");

    HttpResponse<String> answer = post(request + ",\"stream\":true}");

    assertThat(OpenAiWireFormat.responsesStreamProblems(answer.body())).isEmpty();
    assertThat(last().path()).isEqualTo("/v1/messages");
    StringBuilder deltas = new StringBuilder();
    JsonNode done = null;
    JsonNode itemDone = null;
    for (SseEvent e : SseParser.parseAll(answer.body())) {
      JsonNode event = JSON.readTree(e.data());
      switch (event.path("type").asText()) {
        case "response.function_call_arguments.delta" ->
            deltas.append(event.path("delta").asText());
        case "response.function_call_arguments.done" -> done = event;
        case "response.output_item.done" -> itemDone = event.path("item");
        default -> {}
      }
    }
    assertThat(deltas.toString()).isEqualTo("{}");
    assertThat(done.path("name").asText()).isEqualTo("get_time");
    assertThat(done.path("arguments").asText()).isEqualTo("{}");
    assertThat(itemDone.path("arguments").asText()).isEqualTo("{}");
    JsonNode completed = lastEvent(answer.body()).path("response");
    assertThat(completed.path("output").path(0).path("arguments").asText()).isEqualTo("{}");
  }

  @Test
  void aBridgedStreamOfARefusalIsTheRefusalPartTheJsonAnswerHas() throws Exception {
    mock.faults().set("qwen3", "refusal");
    try {
      JsonNode whole =
          JSON.readTree(post("{\"model\":\"bridged\",\"input\":\"Refuse me\"}").body());
      JsonNode refusal = whole.path("output").path(0).path("content").path(0);
      assertThat(refusal.path("type").asText()).isEqualTo("refusal");
      assertThat(refusal.path("refusal").asText()).isEqualTo(ChatAnswer.REFUSAL_TEXT);
      // As OpenAI's own Responses API answers a refusal: completed, not incomplete.
      assertThat(whole.path("status").asText()).isEqualTo("completed");
      assertThat(whole.path("incomplete_details").isNull()).isTrue();

      HttpResponse<String> answer =
          post("{\"model\":\"bridged\",\"input\":\"Refuse me\",\"stream\":true}");

      assertThat(answer.statusCode()).isEqualTo(200);
      assertThat(OpenAiWireFormat.responsesStreamProblems(answer.body())).isEmpty();
      assertThat(last().body().getBoolean("stream")).isTrue();
      List<String> types = types(answer.body());
      assertThat(types)
          .startsWith(
              "response.created",
              "response.in_progress",
              "response.output_item.added",
              "response.content_part.added");
      assertThat(types)
          .contains("response.refusal.delta", "response.refusal.done")
          .doesNotContain("response.output_text.delta");
      StringBuilder deltas = new StringBuilder();
      for (SseEvent e : SseParser.parseAll(answer.body())) {
        JsonNode event = JSON.readTree(e.data());
        switch (event.path("type").asText()) {
          case "response.content_part.added" ->
              assertThat(event.path("part").toString())
                  .isEqualTo("{\"type\":\"refusal\",\"refusal\":\"\"}");
          case "response.refusal.delta" -> {
            assertThat(event.path("content_index").asInt()).isZero();
            deltas.append(event.path("delta").asText());
          }
          case "response.refusal.done" ->
              assertThat(event.path("refusal").asText()).isEqualTo(ChatAnswer.REFUSAL_TEXT);
          case "response.content_part.done" -> assertThat(event.path("part")).isEqualTo(refusal);
          case "response.output_item.done" ->
              assertThat(event.path("item").path("content")).containsExactly(refusal);
          default -> {}
        }
      }
      assertThat(deltas.toString()).isEqualTo(ChatAnswer.REFUSAL_TEXT);
      JsonNode last = lastEvent(answer.body()).path("response");
      assertThat(last.path("output").path(0).path("content")).containsExactly(refusal);
      assertThat(last.path("status")).isEqualTo(whole.path("status"));
    } finally {
      mock.faults().clear("qwen3");
    }
  }

  /** An answer a chat target's content filter cut short is an incomplete response. */
  @Test
  void aBridgedContentFilterCutIsAnIncompleteResponse() throws Exception {
    mock.faults().set("qwen3", "content-filter");
    try {
      HttpResponse<String> answer = post("{\"model\":\"bridged\",\"input\":\"Filter me\"}");
      assertThat(answer.statusCode()).isEqualTo(200);
      OpenAiWireFormat.assertValid(OpenAiWireFormat.Body.RESPONSE, answer.body());
      JsonNode whole = JSON.readTree(answer.body());
      assertThat(whole.path("status").asText()).isEqualTo("incomplete");
      assertThat(whole.path("incomplete_details").path("reason").asText())
          .isEqualTo("content_filter");
      assertThat(outputText(whole)).isNotEmpty();
      assertThat("Echo from qwen3: Filter me").startsWith(outputText(whole));

      HttpResponse<String> streamed =
          post("{\"model\":\"bridged\",\"input\":\"Filter me\",\"stream\":true}");
      assertThat(OpenAiWireFormat.responsesStreamProblems(streamed.body())).isEmpty();
      JsonNode last = lastEvent(streamed.body());
      assertThat(last.path("type").asText()).isEqualTo("response.incomplete");
      assertThat(last.path("response").path("incomplete_details").path("reason").asText())
          .isEqualTo("content_filter");
    } finally {
      mock.faults().clear("qwen3");
    }
  }

  // ---------------------------------------------------------------------------- failover

  @Test
  void aFailingNativeTargetFailsOverToABridgedOne() throws Exception {
    HttpResponse<String> json = post("{\"model\":\"failover\",\"input\":\"Survive\"}");
    assertThat(json.statusCode()).isEqualTo(200);
    OpenAiWireFormat.assertValid(OpenAiWireFormat.Body.RESPONSE, json.body());
    assertThat(outputText(JSON.readTree(json.body()))).isEqualTo("Echo from qwen3: Survive");
    assertThat(json.headers().firstValue("x-switchboard-attempts")).hasValue("2");

    HttpResponse<String> stream =
        post("{\"model\":\"failover\",\"input\":\"Survive\",\"stream\":true}");
    assertThat(OpenAiWireFormat.responsesStreamProblems(stream.body())).isEmpty();
    assertThat(streamedText(stream.body())).isEqualTo("Echo from qwen3: Survive");
  }

  // ------------------------------------------------------------------------------- state

  @Test
  void aFollowUpIsPinnedToTheProviderThatStoredThePreviousResponse() throws Exception {
    String id =
        JSON.readTree(post("{\"model\":\"native\",\"input\":\"One\"}").body()).path("id").asText();

    // "mixed" would try the chat-only target first; the follow-up must go to OpenAI.
    HttpResponse<String> followUp =
        post("{\"model\":\"mixed\",\"input\":\"Two\",\"previous_response_id\":\"" + id + "\"}");

    assertThat(followUp.statusCode()).isEqualTo(200);
    assertThat(last().path()).isEqualTo("/v1/responses");
    assertThat(last().body().getString("previous_response_id")).isEqualTo(id);
  }

  @Test
  void aFollowUpThatCannotReachItsProviderIsA400NotSentElsewhere() throws Exception {
    String stored =
        JSON.readTree(post("{\"model\":\"native\",\"input\":\"One\"}").body()).path("id").asText();
    String bridged =
        JSON.readTree(post("{\"model\":\"bridged\",\"input\":\"One\"}").body()).path("id").asText();
    int before = mock.requests().size();

    HttpResponse<String> elsewhere =
        post("{\"model\":\"bridged\",\"input\":\"x\",\"previous_response_id\":\"" + stored + "\"}");
    HttpResponse<String> unknown =
        post("{\"model\":\"native\",\"input\":\"x\",\"previous_response_id\":\"resp_nope\"}");
    HttpResponse<String> notStored =
        post("{\"model\":\"mixed\",\"input\":\"x\",\"previous_response_id\":\"" + bridged + "\"}");

    for (HttpResponse<String> r : List.of(elsewhere, unknown, notStored)) {
      assertThat(r.statusCode()).isEqualTo(400);
      OpenAiWireFormat.assertValid(OpenAiWireFormat.Body.ERROR, r.body());
      assertThat(JSON.readTree(r.body()).path("error").path("param").asText())
          .isEqualTo("previous_response_id");
    }
    assertThat(JSON.readTree(elsewhere.body()).path("error").path("message").asText())
        .contains("held by provider 'openai'");
    assertThat(JSON.readTree(unknown.body()).path("error").path("code").asText())
        .isEqualTo("previous_response_not_found");
    assertThat(mock.requests()).hasSize(before);
  }

  @Test
  void anImageInAFunctionCallOutputIsNeverDroppedOnTheWayToAChatOnlyTarget() throws Exception {
    // A chat tool message carries text only: the image would be lost, so a chat-only target never
    // gets such a request.
    String input =
        "\"input\":[{\"type\":\"function_call\",\"call_id\":\"c1\",\"name\":\"shot\","
            + "\"arguments\":\"{}\"},{\"type\":\"function_call_output\",\"call_id\":\"c1\","
            + "\"output\":[{\"type\":\"input_text\",\"text\":\"the screen:\"},"
            + "{\"type\":\"input_image\",\"image_url\":\"data:image/png;base64,iVBORw0KGgo=\"}]}]";
    int before = mock.requests().size();
    HttpResponse<String> refused = post("{\"model\":\"bridged\"," + input + "}");
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
    JsonNode error = JSON.readTree(refused.body()).path("error");
    assertThat(error.path("param").asText()).isEqualTo("input[1].output");
    assertThat(error.path("message").asText()).contains("input_image");
    assertThat(mock.requests()).hasSize(before);

    // A route with a native target serves it there.
    HttpResponse<String> kept = post("{\"model\":\"mixed\"," + input + "}");
    assertThat(kept.statusCode()).as(kept.body()).isEqualTo(200);
    assertThat(last().path()).isEqualTo("/v1/responses");
  }

  @Test
  void whatOnlyANativeTargetCanDoIsKeptToNativeTargetsOrRefusedWith400() throws Exception {
    String webSearch = "\"tools\":[{\"type\":\"web_search\"}]";
    HttpResponse<String> refusedTool =
        post("{\"model\":\"bridged\",\"input\":\"news\"," + webSearch + "}");
    HttpResponse<String> refusedStore =
        post("{\"model\":\"bridged\",\"input\":\"keep\",\"store\":true}");

    assertThat(refusedTool.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(refusedTool.body()).path("error").path("param").asText())
        .isEqualTo("tools[0].type");
    assertThat(refusedStore.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(refusedStore.body()).path("error").path("param").asText())
        .isEqualTo("store");

    // On a route with a native target, the chat-only first choice is skipped.
    HttpResponse<String> kept = post("{\"model\":\"mixed\",\"input\":\"news\"," + webSearch + "}");
    assertThat(kept.statusCode()).isEqualTo(200);
    assertThat(last().path()).isEqualTo("/v1/responses");
    // Without storage or hosted tools, the same route's first (chat-only) target serves it.
    assertThat(post("{\"model\":\"mixed\",\"input\":\"plain\"}").statusCode()).isEqualTo(200);
    assertThat(last().path()).isEqualTo("/v1/chat/completions");
  }

  @Test
  void storedResponsesAreRetrievedListedAndDeletedAtTheirProvider() throws Exception {
    String id =
        JSON.readTree(post("{\"model\":\"azure\",\"input\":\"Keep me\"}").body())
            .path("id")
            .asText();

    HttpResponse<String> got = gateway.get("/v1/responses/" + id);
    assertThat(got.statusCode()).isEqualTo(200);
    OpenAiWireFormat.assertValid(OpenAiWireFormat.Body.RESPONSE, got.body());
    assertThat(JSON.readTree(got.body()).path("id").asText()).isEqualTo(id);
    assertThat(last().path()).isEqualTo("/openai/v1/responses/" + id);

    HttpResponse<String> items = gateway.get("/v1/responses/" + id + "/input_items");
    assertThat(items.statusCode()).isEqualTo(200);
    assertThat(
            JSON.readTree(items.body())
                .path("data")
                .path(0)
                .path("content")
                .path(0)
                .path("text")
                .asText())
        .isEqualTo("Keep me");

    HttpResponse<String> cancel = gateway.post("/v1/responses/" + id + "/cancel", "{}");
    assertThat(cancel.statusCode()).isEqualTo(400); // the provider's answer: not a background one

    HttpResponse<String> deleted = send("DELETE", "/v1/responses/" + id);
    assertThat(deleted.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(deleted.body()).path("deleted").asBoolean()).isTrue();
    HttpResponse<String> gone = gateway.get("/v1/responses/" + id);
    assertThat(gone.statusCode()).isEqualTo(404);
    OpenAiWireFormat.assertValid(OpenAiWireFormat.Body.ERROR, gone.body());

    String bridged =
        JSON.readTree(post("{\"model\":\"bridged\",\"input\":\"x\"}").body()).path("id").asText();
    HttpResponse<String> notStored = gateway.get("/v1/responses/" + bridged);
    assertThat(notStored.statusCode()).isEqualTo(404);
    assertThat(JSON.readTree(notStored.body()).path("error").path("message").asText())
        .contains("not stored");
  }

  /**
   * A stored-response call takes only the query parameters OpenAI documents for its endpoint to the
   * provider, re-encoded from their values; anything else (a key, a model, a parameter the provider
   * might read) is a 400 naming it, and the provider is never called.
   */
  @Test
  void storedResponseCallsPassOnOnlyTheQueryParametersOpenAiDocuments() throws Exception {
    String id =
        JSON.readTree(post("{\"model\":\"native\",\"input\":\"Keep me\"}").body())
            .path("id")
            .asText();

    HttpResponse<String> got =
        gateway.get(
            "/v1/responses/"
                + id
                + "?include%5B%5D=reasoning.encrypted_content&include_obfuscation=false");
    assertThat(got.statusCode()).as(got.body()).isEqualTo(200);
    assertThat(upstreamQuery(last()))
        .containsExactly(
            Map.entry("include[]", List.of("reasoning.encrypted_content")),
            Map.entry("include_obfuscation", List.of("false")));

    HttpResponse<String> items =
        gateway.get(
            "/v1/responses/"
                + id
                + "/input_items?limit=5&order=asc&after=msg_1&include=message.input_image.image_url"
                + "&include=reasoning.encrypted_content");
    assertThat(items.statusCode()).as(items.body()).isEqualTo(200);
    assertThat(last().path()).isEqualTo("/v1/responses/" + id + "/input_items");
    assertThat(upstreamQuery(last()))
        .containsExactly(
            Map.entry("limit", List.of("5")),
            Map.entry("order", List.of("asc")),
            Map.entry("after", List.of("msg_1")),
            Map.entry(
                "include",
                List.of("message.input_image.image_url", "reasoning.encrypted_content")));

    // A value that decodes to "&api_key=…" stays the one parameter's value on the way out.
    gateway.get("/v1/responses/" + id + "/input_items?after=msg_1%26api_key%3Dsk-injected");
    assertThat(upstreamQuery(last()))
        .containsExactly(Map.entry("after", List.of("msg_1&api_key=sk-injected")));

    int before = mock.requests().size();
    Map<String, String> refused = new java.util.LinkedHashMap<>();
    refused.put("/v1/responses/" + id + "/input_items?limit=5&api_key=sk-injected", "api_key");
    refused.put("/v1/responses/" + id + "?model=x&foo=y", "model");
    refused.put("/v1/responses/" + id + "?stream=false&api-version=2024-10-21", "api-version");
    refused.put("/v1/responses/" + id + "/input_items?before=msg_1", "before");
    for (Map.Entry<String, String> call : refused.entrySet()) {
      HttpResponse<String> answer = gateway.get(call.getKey());
      assertThat(answer.statusCode()).as(call.getKey()).isEqualTo(400);
      OpenAiWireFormat.assertValid(OpenAiWireFormat.Body.ERROR, answer.body());
      JsonNode error = JSON.readTree(answer.body()).path("error");
      assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
      assertThat(error.path("param").asText()).isEqualTo(call.getValue());
      assertThat(error.path("message").asText()).contains("'" + call.getValue() + "'");
      assertThat(answer.body()).doesNotContain("sk-injected");
    }
    HttpResponse<String> cancel = gateway.post("/v1/responses/" + id + "/cancel?foo=1", "{}");
    assertThat(cancel.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(cancel.body()).path("error").path("param").asText()).isEqualTo("foo");
    HttpResponse<String> delete = send("DELETE", "/v1/responses/" + id + "?api_key=sk-injected");
    assertThat(delete.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(delete.body()).path("error").path("param").asText())
        .isEqualTo("api_key");
    assertThat(mock.requests()).hasSize(before);
    // Not deleted by the refused DELETE.
    assertThat(gateway.get("/v1/responses/" + id).statusCode()).isEqualTo(200);
  }

  /**
   * The provider refusing the gateway's key on a stored-response call is the gateway's problem,
   * answered as on the main path: a fixed 502 {@code upstream_auth_failed} (never the provider's
   * 401 and body, which would make the client's SDK blame the client's own key), and recorded as a
   * credentials rejection.
   */
  @Test
  void aStoredResponseCallWhoseKeyTheProviderRejectsIsA502AndRecorded() throws Exception {
    String id =
        JSON.readTree(post("{\"model\":\"native\",\"input\":\"Keep me\"}").body())
            .path("id")
            .asText();
    mock.setKeys("sk-other-key");
    try {
      for (HttpResponse<String> r :
          List.of(
              gateway.get("/v1/responses/" + id),
              gateway.get("/v1/responses/" + id + "/input_items"),
              gateway.post("/v1/responses/" + id + "/cancel", "{}"),
              send("DELETE", "/v1/responses/" + id))) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(502);
        OpenAiWireFormat.assertValid(OpenAiWireFormat.Body.ERROR, r.body());
        assertThat(JSON.readTree(r.body()).path("error").path("code").asText())
            .isEqualTo("upstream_auth_failed");
        assertThat(r.body()).doesNotContain("Incorrect API key").doesNotContain("invalid_api_key");
        assertThat(r.headers().allValues("x-should-retry")).containsExactly("false");
      }
      assertThat(
              JSON.readTree(gateway.admin("/admin/config").body())
                  .path("resilience")
                  .path("providers")
                  .path("openai")
                  .path("credentialsRejected")
                  .asBoolean())
          .isTrue();
    } finally {
      mock.setKeys("sk-provider");
    }
    // Not deleted while the key was refused: still there once it is accepted again.
    assertThat(gateway.get("/v1/responses/" + id).statusCode()).isEqualTo(200);
  }

  // ------------------------------------------------------------------------------ errors

  @Test
  void aStreamThatFailsAfterItStartedEndsWithExactlyOneErrorEvent() throws Exception {
    for (String model : List.of("erroring", "native-erroring")) {
      HttpResponse<String> answer =
          post(
              "{\"model\":\""
                  + model
                  + "\",\"input\":\"one two three four five six\",\"stream\":true}");

      assertThat(answer.statusCode()).as(model).isEqualTo(200);
      assertThat(OpenAiWireFormat.responsesStreamProblems(answer.body())).as(model).isEmpty();
      List<String> types = types(answer.body());
      assertThat(types.get(types.size() - 1)).as(model).isEqualTo("error");
      assertThat(types.stream().filter("error"::equals).count()).as(model).isEqualTo(1);
    }
  }

  @Test
  void badRequestsAreOpenAiShaped400s() throws Exception {
    for (String body :
        List.of(
            "{\"input\":\"no model\"}",
            "{\"model\":\"native\"}",
            "{\"model\":\"native\",\"input\":42}",
            "{\"model\":\"native\",\"input\":\"x\",\"stream\":\"yes\"}",
            "{\"model\":\"native\",\"model\":\"bridged\",\"input\":\"x\"}")) {
      HttpResponse<String> answer = post(body);
      assertThat(answer.statusCode()).as(body).isEqualTo(400);
      OpenAiWireFormat.assertValid(OpenAiWireFormat.Body.ERROR, answer.body());
    }
    assertThat(post("{\"model\":\"nope\",\"input\":\"x\"}").statusCode()).isEqualTo(404);
  }

  // ------------------------------------------------------------------------- openai-java

  @Test
  void theOpenAiJavaSdkReadsPassedThroughAndBridgedResponsesAndStreams() {
    OpenAIClient client =
        OpenAIOkHttpClient.builder()
            .baseUrl(gateway.baseUrl())
            .apiKey("sk-application-key")
            .maxRetries(0)
            .timeout(Duration.ofSeconds(20))
            .build();
    try {
      for (String model : List.of("native", "bridged")) {
        Response response =
            client
                .responses()
                .create(ResponseCreateParams.builder().model(model).input("Hi SDK").build());
        response.validate();
        assertThat(response.output().get(0).asMessage().content().get(0).asOutputText().text())
            .endsWith(": Hi SDK");

        StringBuilder text = new StringBuilder();
        boolean completed = false;
        try (StreamResponse<ResponseStreamEvent> stream =
            client
                .responses()
                .createStreaming(
                    ResponseCreateParams.builder().model(model).input("Hi stream").build())) {
          for (ResponseStreamEvent event :
              (Iterable<ResponseStreamEvent>) stream.stream()::iterator) {
            event.validate();
            event.outputTextDelta().ifPresent(d -> text.append(d.delta()));
            completed |= event.completed().isPresent();
          }
        }
        assertThat(text.toString()).as(model).endsWith(": Hi stream");
        assertThat(completed).as(model).isTrue();
      }
    } finally {
      client.close();
    }
  }

  // ----------------------------------------------------------------------------- helpers

  private static HttpResponse<String> post(String body) throws Exception {
    return gateway.post("/v1/responses", body);
  }

  private static HttpResponse<String> send(String method, String path) throws Exception {
    return gateway.send(
        HttpRequest.newBuilder(URI.create(gateway.origin() + path))
            .timeout(Duration.ofSeconds(30))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .build());
  }

  /** The query the provider received, decoded, in order. */
  private static Map<String, List<String>> upstreamQuery(RequestRecord record) {
    return record.query() == null
        ? Map.of()
        : new io.netty.handler.codec.http.QueryStringDecoder(record.query(), false).parameters();
  }

  private static RequestRecord last() {
    List<RequestRecord> all = mock.requests();
    return all.get(all.size() - 1);
  }

  private static String outputText(JsonNode response) {
    StringBuilder text = new StringBuilder();
    for (JsonNode item : response.path("output")) {
      for (JsonNode part : item.path("content")) {
        text.append(part.path("text").asText(""));
      }
    }
    return text.toString();
  }

  private static List<String> types(String sse) throws Exception {
    List<String> out = new ArrayList<>();
    for (SseEvent e : SseParser.parseAll(sse)) {
      out.add(JSON.readTree(e.data()).path("type").asText());
    }
    return out;
  }

  private static String streamedText(String sse) throws Exception {
    StringBuilder text = new StringBuilder();
    for (SseEvent e : SseParser.parseAll(sse)) {
      JsonNode event = JSON.readTree(e.data());
      if ("response.output_text.delta".equals(event.path("type").asText())) {
        text.append(event.path("delta").asText());
      }
    }
    return text.toString();
  }

  private static JsonNode lastEvent(String sse) throws Exception {
    List<SseEvent> events = SseParser.parseAll(sse);
    return JSON.readTree(events.get(events.size() - 1).data());
  }
}
