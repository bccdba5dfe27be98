package dev.switchboard.gateway.cache;

import static dev.switchboard.gateway.TestTables.cachePolicy;
import static dev.switchboard.gateway.TestTables.policyRoute;
import static dev.switchboard.gateway.TestTables.provider;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.InternalServerException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStreamEvent;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.RoutingTableCodec;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The response cache end to end, through the official OpenAI SDK against the mock provider: a
 * repeated question is answered from cache (JSON and stream) without calling the upstream, with the
 * headers that say so; errors, truncated answers and other tenants' answers are never served.
 */
class ResponseCacheIT {

  @TempDir static Path dir;

  static MockProvider mock;
  static GatewayHarness gateway;
  static OpenAIClient client;

  @BeforeAll
  static void start() throws Exception {
    MockProviderOptions mockOptions =
        new MockProviderOptions()
            .keys("sk-provider")
            .models(
                "exact-model",
                "semantic-model",
                "broken-model",
                "plain-model",
                "responses-model",
                "messages-model",
                "gemini-model",
                "versioned-model")
            .alias("versioned-model", "versioned-model-v1");
    gateway =
        GatewayHarness.withMock(
            dir,
            mockOptions,
            ResponseCacheIT::table,
            Map.of(
                "mock",
                "sk-provider",
                "openai",
                "sk-provider",
                "claude",
                "sk-provider",
                "gemini",
                "sk-provider"));
    mock = gateway.mock();
    // What is served is under test here, not how fast: on a busy build machine the first embedding
    // (model load) and later ones can pass the production deadline, which would make them misses.
    gateway.server().responseCache().semanticDeadlineMs(60_000);
    client = client("sk-tenant-a");
  }

  /**
   * The broken model's fault set on {@code mock}; routes with the exact, the semantic and no cache.
   */
  static RoutingTable table(MockProvider mock) {
    mock.faults().set("broken-model", "status:500");
    RoutingTable.Cache exactOnly =
        new RoutingTable.Cache(
            true, 600_000L, 1000, false, null, null, null, null, 0.3, null, null);
    RoutingTable.Cache semantic =
        new RoutingTable.Cache(
            true, 600_000L, 1000, true, 0.9, 3_600_000L, 1000, null, 0.3, null, null);
    Map<String, RoutingTable.Policy> policies = new TreeMap<>();
    policies.put("exact", cachePolicy("exact", exactOnly));
    policies.put("semantic", cachePolicy("semantic", semantic));
    RoutingTable table =
        RoutingTableCodec.versioned(
            new RoutingTable(
                RoutingTable.SCHEMA_VERSION,
                null,
                "test",
                Map.of(
                    "mock",
                    provider("mock", mock.baseUrl(), true),
                    "openai",
                    provider("openai", "openai", mock.baseUrl(), true, Map.of(), null),
                    "claude",
                    provider("claude", "anthropic", mock.baseUrl(), true, Map.of(), null),
                    "gemini",
                    provider("gemini", "gemini", mock.origin() + "/v1beta", true, Map.of(), null)),
                policies,
                List.of(
                    policyRoute("exact", "exact", target("mock", "exact-model", 0)),
                    policyRoute("responses", "exact", target("openai", "responses-model", 0)),
                    policyRoute("messages", "exact", target("claude", "messages-model", 0)),
                    policyRoute("gemini", "exact", target("gemini", "gemini-model", 0)),
                    policyRoute("semantic", "semantic", target("mock", "semantic-model", 0)),
                    policyRoute("broken", "exact", target("mock", "broken-model", 0)),
                    policyRoute("plain", null, target("mock", "plain-model", 0)),
                    policyRoute("versioned", "exact", target("mock", "versioned-model", 0)))));
    return table;
  }

  static OpenAIClient client(String key) {
    return OpenAIOkHttpClient.builder()
        .baseUrl(gateway.baseUrl())
        .apiKey(key)
        .maxRetries(0)
        .build();
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  static ChatCompletionCreateParams.Builder ask(String model, String question) {
    return ChatCompletionCreateParams.builder()
        .model(model)
        .temperature(0.0)
        .addSystemMessage("You are terse.")
        .addUserMessage(question);
  }

  @Test
  void aRepeatedQuestionIsAnsweredFromCacheWithoutCallingTheUpstream() {
    long before = mock.attempts("exact-model");
    HttpResponseFor<ChatCompletion> first =
        client.chat().completions().withRawResponse().create(ask("exact", "What is 2+2?").build());
    HttpResponseFor<ChatCompletion> second =
        client.chat().completions().withRawResponse().create(ask("exact", "What is 2+2?").build());

    assertThat(first.headers().values("x-switchboard-cache")).containsExactly("miss");
    assertThat(second.headers().values("x-switchboard-cache")).containsExactly("hit");
    assertThat(mock.attempts("exact-model") - before).isEqualTo(1);
    ChatCompletion a = first.parse();
    ChatCompletion b = second.parse();
    assertThat(b.choices().get(0).message().content())
        .isEqualTo(a.choices().get(0).message().content());
    // The usage is reported as the original's.
    assertThat(b.usage().get().totalTokens()).isEqualTo(a.usage().get().totalTokens());
    assertThat(second.headers().values("x-switchboard-route")).containsExactly("exact");
  }

  @Test
  void aRepeatedStreamIsReplayedAsAValidStreamTheSdkParses() {
    long before = mock.attempts("exact-model");
    String first = streamText(client, ask("exact", "Name three colours.").build());
    String second = streamText(client, ask("exact", "Name three colours.").build());

    assertThat(second).isEqualTo(first).contains("Name three colours.");
    assertThat(mock.attempts("exact-model") - before).isEqualTo(1);
    // A JSON request is a different answer mode: not served from the stream's entry.
    client.chat().completions().create(ask("exact", "Name three colours.").build());
    assertThat(mock.attempts("exact-model") - before).isEqualTo(2);
  }

  @Test
  void aStreamedHitSaysSoInItsHeaders() throws Exception {
    String body =
        "{\"model\":\"exact\",\"stream\":true,\"temperature\":0,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Stream headers please\"}]}";
    HttpResponse<String> first = gateway.post("/v1/chat/completions", body);
    HttpResponse<String> second = gateway.post("/v1/chat/completions", body);

    assertThat(first.headers().firstValue("x-switchboard-cache")).contains("miss");
    assertThat(second.headers().firstValue("x-switchboard-cache")).contains("hit");
    assertThat(second.headers().firstValue("content-type").orElseThrow())
        .startsWith("text/event-stream");
    assertThat(second.body()).endsWith("data: [DONE]\n\n");
    // The client did not ask for usage: the replay hides the usage chunk like the original did.
    assertThat(first.body()).doesNotContain("\"usage\":{");
    assertThat(second.body()).doesNotContain("\"usage\":{");
    assertThat(dataLines(second.body())).isEqualTo(dataLines(first.body()));
  }

  @Test
  void aStoredStreamThatEndedWithTheUpstreamsCloseIsReplayedToItsEnd() throws Exception {
    // Gemini ends a stream by closing it (no [DONE]): the end event is the decoder's, at the close.
    String chat =
        "{\"model\":\"gemini\",\"stream\":true,\"temperature\":0,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Stream to the end\"}]}";
    HttpResponse<String> first = gateway.post("/v1/chat/completions", chat);
    HttpResponse<String> second = gateway.post("/v1/chat/completions", chat);
    assertThat(first.headers().firstValue("x-switchboard-cache")).contains("miss");
    assertThat(second.headers().firstValue("x-switchboard-cache")).contains("hit");
    assertThat(first.body()).endsWith("data: [DONE]\n\n");
    assertThat(second.body()).endsWith("data: [DONE]\n\n");

    // Through the Messages door the end is message_delta (stop reason, usage) and message_stop.
    String messages =
        "{\"model\":\"gemini\",\"stream\":true,\"temperature\":0,\"max_tokens\":64,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Stream to the end\"}]}";
    HttpResponse<String> original = gateway.post("/v1/messages", messages);
    HttpResponse<String> replayed = gateway.post("/v1/messages", messages);
    assertThat(replayed.headers().firstValue("x-switchboard-cache")).contains("hit");
    assertThat(original.body()).contains("event: message_stop");
    assertThat(eventNames(replayed.body())).isEqualTo(eventNames(original.body()));
  }

  private static List<String> eventNames(String sse) {
    return sse.lines().filter(l -> l.startsWith("event: ")).collect(Collectors.toList());
  }

  @Test
  void anUpstreamErrorIsNeverReplayed() {
    long before = mock.attempts("broken-model");
    for (int i = 0; i < 2; i++) {
      assertThatThrownBy(
              () -> client.chat().completions().create(ask("broken", "Fail for me").build()))
          .isInstanceOf(InternalServerException.class);
    }
    assertThat(mock.attempts("broken-model") - before).isGreaterThanOrEqualTo(2);
  }

  @Test
  void aTruncatedAnswerIsNotStored() {
    long before = mock.attempts("exact-model");
    for (int i = 0; i < 2; i++) {
      ChatCompletion c =
          client
              .chat()
              .completions()
              .create(ask("exact", "Tell me a long story about caches").maxTokens(2).build());
      assertThat(c.choices().get(0).finishReason().asString()).isEqualTo("length");
    }
    assertThat(mock.attempts("exact-model") - before).isEqualTo(2);
  }

  @Test
  void aGeminiAnswerCutShortOrFilteredIsNotStored() throws Exception {
    // Gemini ends such answers with STOP's neighbours: a chat client sees stop (or, for the
    // filters, content_filter), but the answer is no answer to store and replay.
    Map<String, String> clientFinish =
        Map.of(
            "OTHER", "stop",
            "MALFORMED_FUNCTION_CALL", "stop",
            "UNEXPECTED_TOOL_CALL", "stop",
            "LANGUAGE", "stop",
            "RECITATION", "content_filter",
            "IMAGE_PROHIBITED_CONTENT", "content_filter");
    for (Map.Entry<String, String> reason : clientFinish.entrySet()) {
      for (boolean stream : new boolean[] {false, true}) {
        String body =
            "{\"model\":\"gemini\",\"temperature\":0,\"stream\":"
                + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Cut short "
                + reason.getKey()
                + "\"}]}";
        mock.faults().add("gemini-model", "gemini-finish:" + reason.getKey(), 1);
        HttpResponse<String> first = gateway.post("/v1/chat/completions", body);
        HttpResponse<String> second = gateway.post("/v1/chat/completions", body);
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        assertThat(first.body())
            .as(reason.getKey())
            .contains("\"finish_reason\":\"" + reason.getValue() + "\"");
        assertThat(second.headers().firstValue("x-switchboard-cache"))
            .as(reason.getKey() + (stream ? " stream" : ""))
            .contains("miss");
      }
    }
  }

  @Test
  void aTurnAnthropicPausedIsNotStored() throws Exception {
    // pause_turn: a server-tool turn Anthropic paused; the client sends it back to go on, so a
    // stored copy would answer that continuation with the same unfinished turn.
    for (boolean stream : new boolean[] {false, true}) {
      String chat =
          "{\"model\":\"messages\",\"temperature\":0,\"stream\":"
              + stream
              + ",\"messages\":[{\"role\":\"user\",\"content\":\"Search, chat "
              + stream
              + "\"}]}";
      mock.faults().add("messages-model", "anthropic-stop:pause_turn", 1);
      HttpResponse<String> paused = gateway.post("/v1/chat/completions", chat);
      assertThat(paused.statusCode()).as(paused.body()).isEqualTo(200);
      assertThat(paused.body()).contains("\"finish_reason\":\"stop\"");
      assertThat(header(gateway.post("/v1/chat/completions", chat)))
          .as("chat, stream " + stream)
          .isEqualTo("miss");
      // The turn that ended (end_turn) is kept.
      assertThat(header(gateway.post("/v1/chat/completions", chat))).isEqualTo("hit");

      String messages =
          "{\"model\":\"messages\",\"temperature\":0,\"max_tokens\":64,\"stream\":"
              + stream
              + ",\"messages\":[{\"role\":\"user\",\"content\":\"Search, messages "
              + stream
              + "\"}]}";
      mock.faults().add("messages-model", "anthropic-stop:pause_turn", 1);
      HttpResponse<String> pausedTurn = gateway.post("/v1/messages", messages);
      assertThat(pausedTurn.statusCode()).as(pausedTurn.body()).isEqualTo(200);
      assertThat(pausedTurn.body()).contains("\"stop_reason\":\"pause_turn\"");
      assertThat(header(gateway.post("/v1/messages", messages)))
          .as("messages, stream " + stream)
          .isEqualTo("miss");
      assertThat(header(gateway.post("/v1/messages", messages))).isEqualTo("hit");
    }
  }

  @Test
  void aGeminiAnswerWithALaterCandidateCutShortIsNotStored() throws Exception {
    // n = 2: the first candidate ends with STOP, the second as Gemini cut it short.
    for (String reason : List.of("OTHER", "MAX_TOKENS", "SAFETY")) {
      String body =
          "{\"model\":\"gemini\",\"temperature\":0,\"n\":2,\"messages\":[{\"role\":\"user\","
              + "\"content\":\"Second candidate cut short "
              + reason
              + "\"}]}";
      mock.faults().add("gemini-model", "gemini-finish:" + reason + ";candidate=1", 1);
      HttpResponse<String> first = gateway.post("/v1/chat/completions", body);
      HttpResponse<String> second = gateway.post("/v1/chat/completions", body);

      assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
      JsonNode choices = GatewayHarness.json(first.body()).path("choices");
      assertThat(choices).hasSize(2);
      assertThat(choices.path(0).path("finish_reason").asText()).isEqualTo("stop");
      assertThat(second.headers().firstValue("x-switchboard-cache")).as(reason).contains("miss");
    }
  }

  @Test
  void anotherTenantNeverGetsTheAnswer() {
    long before = mock.attempts("exact-model");
    client.chat().completions().create(ask("exact", "Tenant secret question").build());
    HttpResponseFor<ChatCompletion> other =
        client("sk-tenant-b")
            .chat()
            .completions()
            .withRawResponse()
            .create(ask("exact", "Tenant secret question").build());

    assertThat(other.headers().values("x-switchboard-cache")).containsExactly("miss");
    assertThat(mock.attempts("exact-model") - before).isEqualTo(2);
  }

  @Test
  void aRequestThroughAnotherDoorIsKeyedOnTheBodyItsTargetIsSent() throws Exception {
    // Passed through to a Responses target: two conversations ask the same follow-up.
    String blue =
        post("/v1/responses", "{\"model\":\"responses\",\"temperature\":0,\"input\":\"Blue\"}")
            .path("id")
            .asText();
    String green =
        post("/v1/responses", "{\"model\":\"responses\",\"temperature\":0,\"input\":\"Green\"}")
            .path("id")
            .asText();
    String followUp =
        "{\"model\":\"responses\",\"temperature\":0,\"input\":\"Which colour?\","
            + "\"previous_response_id\":\"%s\"}";
    HttpResponse<String> ofBlue = gateway.post("/v1/responses", followUp.formatted(blue));
    HttpResponse<String> ofGreen = gateway.post("/v1/responses", followUp.formatted(green));
    assertThat(header(ofBlue)).isEqualTo("miss");
    assertThat(header(ofGreen)).isEqualTo("miss");
    assertThat(json(ofGreen.body()).path("previous_response_id").asText()).isEqualTo(green);
    assertThat(json(ofGreen.body()).path("id").asText())
        .isNotEqualTo(json(ofBlue.body()).path("id").asText());
    assertThat(header(gateway.post("/v1/responses", followUp.formatted(green)))).isEqualTo("hit");
    // A hosted tool the chat form cannot carry is still part of the request.
    String search = "{\"model\":\"responses\",\"temperature\":0,\"input\":\"Weather in Oslo\"%s}";
    assertThat(header(gateway.post("/v1/responses", search.formatted("")))).isEqualTo("miss");
    assertThat(
            header(
                gateway.post(
                    "/v1/responses", search.formatted(",\"tools\":[{\"type\":\"web_search\"}]"))))
        .isEqualTo("miss");

    // Passed through to Anthropic: top_k and thinking have no chat form, Anthropic reads them.
    String messages =
        "{\"model\":\"messages\",\"temperature\":0,\"max_tokens\":64%s,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Pick a number\"}]}";
    assertThat(header(gateway.post("/v1/messages", messages.formatted("")))).isEqualTo("miss");
    assertThat(header(gateway.post("/v1/messages", messages.formatted(",\"top_k\":5"))))
        .isEqualTo("miss");
    assertThat(header(gateway.post("/v1/messages", messages.formatted(",\"top_k\":5"))))
        .isEqualTo("hit");
  }

  @Test
  void countTokensNeverGoesThroughTheCache() throws Exception {
    // A token count is never stored, so a lookup could only miss (and count as one); it is not
    // an answer to the same messages either, stored or not.
    String messages =
        "{\"model\":\"messages\",\"temperature\":0,\"max_tokens\":64,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Count me\"}]}";
    String count =
        "{\"model\":\"messages\",\"messages\":[{\"role\":\"user\",\"content\":\"Count me\"}]}";
    assertThat(header(gateway.post("/v1/messages", messages))).isEqualTo("miss");
    assertThat(header(gateway.post("/v1/messages", messages))).isEqualTo("hit");
    long before = mock.attempts("messages-model");

    for (int i = 0; i < 2; i++) {
      HttpResponse<String> counted = gateway.post("/v1/messages/count_tokens", count);
      assertThat(counted.statusCode()).as(counted.body()).isEqualTo(200);
      assertThat(GatewayHarness.json(counted.body()).path("input_tokens").isNumber()).isTrue();
      assertThat(counted.headers().firstValue("x-switchboard-cache")).isEmpty();
    }
    assertThat(mock.attempts("messages-model") - before).isEqualTo(2);
  }

  @Test
  void anAnthropicBetaOptionIsPartOfTheKeyOfAMessagesRequest() throws Exception {
    // Forwarded to Anthropic with the body, it turns on features that change the answer.
    String body =
        "{\"model\":\"messages\",\"temperature\":0,\"max_tokens\":64,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Beta or not\"}]}";
    String beta = "interleaved-thinking-2025-05-14";
    assertThat(header(gateway.post("/v1/messages", body))).isEqualTo("miss");
    assertThat(header(gateway.post("/v1/messages", body, "anthropic-beta", beta)))
        .isEqualTo("miss");
    assertThat(header(gateway.post("/v1/messages", body, "anthropic-beta", beta))).isEqualTo("hit");
    assertThat(header(gateway.post("/v1/messages", body))).isEqualTo("hit");
  }

  private static JsonNode post(String path, String body) throws Exception {
    HttpResponse<String> response = gateway.post(path, body);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return json(response.body());
  }

  private static JsonNode json(String body) throws Exception {
    return GatewayHarness.json(body);
  }

  @Test
  void clientCacheControlSkipsLookupOrStoring() throws Exception {
    String body =
        "{\"model\":\"exact\",\"temperature\":0,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Cache control %s\"}]}";
    long before = mock.attempts("exact-model");
    // no-store: answered, not stored; the next request misses again.
    String noStore = body.formatted("no-store");
    assertThat(header(gateway.post("/v1/chat/completions", noStore, "cache-control", "no-store")))
        .isEqualTo("miss");
    assertThat(header(gateway.post("/v1/chat/completions", noStore))).isEqualTo("miss");
    assertThat(header(gateway.post("/v1/chat/completions", noStore))).isEqualTo("hit");
    // no-cache: the stored answer is not looked up.
    assertThat(header(gateway.post("/v1/chat/completions", noStore, "cache-control", "no-cache")))
        .isEqualTo("bypass");
    assertThat(mock.attempts("exact-model") - before).isEqualTo(3);
  }

  @Test
  void aHighOrDefaultTemperatureBypassesAndARouteWithoutCacheSaysNothing() throws Exception {
    String noTemperature =
        "{\"model\":\"exact\",\"messages\":[{\"role\":\"user\",\"content\":\"Be creative\"}]}";
    assertThat(header(gateway.post("/v1/chat/completions", noTemperature))).isEqualTo("bypass");
    assertThat(header(gateway.post("/v1/chat/completions", noTemperature))).isEqualTo("bypass");
    HttpResponse<String> plain =
        gateway.post(
            "/v1/chat/completions",
            "{\"model\":\"plain\",\"temperature\":0,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(plain.headers().firstValue("x-switchboard-cache")).isEmpty();
  }

  @Test
  void aNewerModelVersionSeenThroughABypassedRequestRetiresTheOlderVersionsAnswers()
      throws Exception {
    String question =
        "{\"model\":\"versioned\",\"temperature\":0,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Which version are you?\"}]}";
    HttpResponse<String> first = gateway.post("/v1/chat/completions", question);
    assertThat(header(first)).isEqualTo("miss");
    assertThat(GatewayHarness.json(first.body()).path("model").asText())
        .isEqualTo("versioned-model-v1");
    assertThat(header(gateway.post("/v1/chat/completions", question))).isEqualTo("hit");

    // The provider moves the alias to a new version. The gateway sees it first through a request
    // the cache bypasses (temperature above the policy's maxTemperature): before, only a miss on a
    // cached route told the cache, so the v1 answer kept being served until its TTL ran out.
    mock.alias("versioned-model", "versioned-model-v2");
    HttpResponse<String> bypassed =
        gateway.post(
            "/v1/chat/completions",
            "{\"model\":\"versioned\",\"temperature\":1,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a story\"}]}");
    assertThat(header(bypassed)).isEqualTo("bypass");
    assertThat(GatewayHarness.json(bypassed.body()).path("model").asText())
        .isEqualTo("versioned-model-v2");

    long before = mock.attempts("versioned-model");
    HttpResponse<String> again = gateway.post("/v1/chat/completions", question);
    assertThat(header(again)).isEqualTo("miss");
    assertThat(GatewayHarness.json(again.body()).path("model").asText())
        .isEqualTo("versioned-model-v2");
    assertThat(mock.attempts("versioned-model") - before).isEqualTo(1);
  }

  @Test
  void aParaphraseIsAnsweredByTheSemanticCacheButItsNegationIsNot() {
    long before = mock.attempts("semantic-model");
    client
        .chat()
        .completions()
        .create(
            ask("semantic", "How do I enable two-factor authentication on my account?").build());
    HttpResponseFor<ChatCompletion> paraphrase =
        client
            .chat()
            .completions()
            .withRawResponse()
            .create(
                ask("semantic", "How do I enable two factor authentication on my account").build());
    HttpResponseFor<ChatCompletion> negation =
        client
            .chat()
            .completions()
            .withRawResponse()
            .create(
                ask("semantic", "How do I disable two-factor authentication on my account?")
                    .build());

    assertThat(paraphrase.headers().values("x-switchboard-cache")).containsExactly("semantic");
    assertThat(
            Double.parseDouble(
                paraphrase.headers().values("x-switchboard-cache-similarity").get(0)))
        .isBetween(0.9, 1.0);
    assertThat(negation.headers().values("x-switchboard-cache")).containsExactly("miss");
    assertThat(mock.attempts("semantic-model") - before).isEqualTo(2);
  }

  @Test
  void theOppositeQuestionIsNeverServedThoughItEmbedsAlike() {
    // Each pair scores 0.95 to 0.99 with all-MiniLM-L6-v2, above this route's 0.9: only the
    // lexical guard (an antonym, a sign, a unit, a day) tells the second from the first.
    String[][] pairs = {
      {"Is it safe to eat raw chicken?", "Is it unsafe to eat raw chicken?"},
      {
        "Is a temperature of -20 degrees dangerous for my car battery?",
        "Is a temperature of 20 degrees dangerous for my car battery?"
      },
      {"Set a timer for 10 minutes", "Set a timer for 10 seconds"},
      {"What did I spend yesterday?", "What did I spend today?"}
    };
    for (String[] pair : pairs) {
      long before = mock.attempts("semantic-model");
      client.chat().completions().create(ask("semantic", pair[0]).build());
      HttpResponseFor<ChatCompletion> opposite =
          client.chat().completions().withRawResponse().create(ask("semantic", pair[1]).build());

      assertThat(opposite.headers().values("x-switchboard-cache"))
          .as(pair[1])
          .containsExactly("miss");
      assertThat(mock.attempts("semantic-model") - before).as(pair[1]).isEqualTo(2);
    }
  }

  @Test
  void aDecimalCommaAnotherWeekOrAForeignNegationIsNeverServedThoughItEmbedsAlike() {
    // Each pair scores above this route's 0.9 with all-MiniLM-L6-v2 (noted after it): only the
    // lexical guard (a decimal comma, last/next, weekdays/weekends, nicht/não) tells them apart.
    String[][] pairs = {
      {
        "Is 1,5 kg of flour enough for two loaves?", "Is 15 kg of flour enough for two loaves?"
      }, // 0.952
      {"How much did I spend last week?", "How much did I spend next week?"}, // 0.957
      {"Is the office open on weekdays?", "Is the office open on weekends?"}, // 0.931
      {"Ist Kaffee gesund?", "Ist Kaffee nicht gesund?"}, // 0.931
      {"O café é bom para a saúde?", "O café não é bom para a saúde?"} // 0.964
    };
    for (String[] pair : pairs) {
      long before = mock.attempts("semantic-model");
      client.chat().completions().create(ask("semantic", pair[0]).build());
      HttpResponseFor<ChatCompletion> other =
          client.chat().completions().withRawResponse().create(ask("semantic", pair[1]).build());

      assertThat(other.headers().values("x-switchboard-cache")).as(pair[1]).containsExactly("miss");
      assertThat(mock.attempts("semantic-model") - before).as(pair[1]).isEqualTo(2);
    }
  }

  /**
   * all-MiniLM-L6-v2 reads 256 tokens: a longer question is not embedded (a truncated one would
   * share its vector with every question of the same opening), so it is exact-only, and the metrics
   * say why it missed.
   */
  @Test
  void aQuestionTooLongForTheBuiltinModelIsExactOnlyAndCounted() throws Exception {
    String report = "the committee met again and discussed the budget. ".repeat(60);
    long before = mock.attempts("semantic-model");

    client.chat().completions().create(ask("semantic", report + "What about roads?").build());
    HttpResponseFor<ChatCompletion> other =
        client
            .chat()
            .completions()
            .withRawResponse()
            .create(ask("semantic", report + "What about schools?").build());

    assertThat(other.headers().values("x-switchboard-cache")).containsExactly("miss");
    assertThat(mock.attempts("semantic-model") - before).isEqualTo(2);
    assertThat(gateway.admin("/metrics").body())
        .contains(
            "switchboard_cache_embeddings_total{embedder=\"builtin:all-minilm-l6-v2\","
                + "outcome=\"too_long\",route=\"semantic\"}");
  }

  @Test
  void statsAndMetricsShowHitsAndWhatTheySaved() throws Exception {
    client.chat().completions().create(ask("exact", "Count me").build());
    client.chat().completions().create(ask("exact", "Count me").build());

    JsonNode stats = GatewayHarness.json(gateway.get("/v1/switchboard/stats").body());
    assertThat(stats.path("cache").path("exact").path("hit").asLong()).isGreaterThanOrEqualTo(1);
    assertThat(stats.path("cache").path("exact").path("saved_latency_ms").asDouble())
        .isGreaterThan(0);
    assertThat(gateway.admin("/metrics").body())
        .contains("switchboard_cache_requests_total{outcome=\"hit\",route=\"exact\"}");
  }

  /**
   * A Responses request bridged through chat completions, answered again from the cache (JSON and
   * streamed): the hit's own {@code resp_} id is remembered as the original's is, so a follow-up
   * and a retrieve of it are told it was not stored, not that it is unknown.
   */
  @Test
  void aCacheHitOfABridgedResponseHasAnIdFollowUpsAreToldAbout() throws Exception {
    ResponseCreateParams ask =
        ResponseCreateParams.builder().model("exact").input("Name a colour").temperature(0).build();
    HttpResponseFor<Response> first = client.responses().withRawResponse().create(ask);
    HttpResponseFor<Response> again = client.responses().withRawResponse().create(ask);
    assertThat(first.headers().values("x-switchboard-cache")).containsExactly("miss");
    assertThat(again.headers().values("x-switchboard-cache")).containsExactly("hit");
    String hit = again.parse().id();
    assertThat(hit).startsWith("resp_").isNotEqualTo(first.parse().id());

    ResponseCreateParams streamed =
        ResponseCreateParams.builder().model("exact").input("Name a shape").temperature(0).build();
    streamedId(streamed, "miss");
    String streamedHit = streamedId(streamed, "hit");

    for (String id : List.of(hit, streamedHit)) {
      assertThatThrownBy(
              () ->
                  client
                      .responses()
                      .create(
                          ResponseCreateParams.builder()
                              .model("exact")
                              .input("And another?")
                              .previousResponseId(id)
                              .build()))
          .isInstanceOf(BadRequestException.class)
          .hasMessageContaining("Previous response with id '" + id + "' was not stored");
      HttpResponse<String> retrieved = gateway.get("/v1/responses/" + id);
      assertThat(retrieved.statusCode()).isEqualTo(404);
      assertThat(retrieved.body()).contains("Response '" + id + "' was not stored");
    }
  }

  /**
   * A stored Response deleted through the gateway can no longer be had through it: a repeat of the
   * request that made it (JSON or streamed) is not answered with the deleted response (its id and
   * content) from the cache, a follow-up naming it is refused as the deletion requires though the
   * follow-up's answer was cached, and a retrieve of it is a 404. The repeat goes upstream and its
   * new response is stored and cached as any.
   */
  @Test
  void aDeletedStoredResponseIsNeverReplayedFromTheCache() throws Exception {
    for (boolean stream : new boolean[] {false, true}) {
      String ask =
          "{\"model\":\"responses\",\"temperature\":0,\"store\":true,\"stream\":"
              + stream
              + ",\"input\":\"Name a planet, streamed: "
              + stream
              + "\"}";
      HttpResponse<String> made = gateway.post("/v1/responses", ask);
      assertThat(header(made)).isEqualTo("miss");
      String id = responseId(made, stream);
      HttpResponse<String> repeated = gateway.post("/v1/responses", ask);
      assertThat(header(repeated)).isEqualTo("hit");
      assertThat(responseId(repeated, stream)).isEqualTo(id);
      String followUp =
          "{\"model\":\"responses\",\"temperature\":0,\"input\":\"And its largest moon?\","
              + "\"previous_response_id\":\""
              + id
              + "\"}";
      assertThat(header(gateway.post("/v1/responses", followUp))).isEqualTo("miss");
      assertThat(header(gateway.post("/v1/responses", followUp))).isEqualTo("hit");

      HttpResponse<String> deleted =
          gateway.send(
              java.net.http.HttpRequest.newBuilder(
                      java.net.URI.create(gateway.origin() + "/v1/responses/" + id))
                  .DELETE()
                  .build());
      assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);

      long before = mock.attempts("responses-model");
      HttpResponse<String> after = gateway.post("/v1/responses", ask);
      assertThat(header(after)).isEqualTo("miss");
      assertThat(mock.attempts("responses-model") - before).isEqualTo(1);
      String fresh = responseId(after, stream);
      assertThat(fresh).isNotEqualTo(id);
      assertThat(gateway.get("/v1/responses/" + fresh).statusCode()).isEqualTo(200);
      HttpResponse<String> again = gateway.post("/v1/responses", ask);
      assertThat(header(again)).isEqualTo("hit");
      assertThat(responseId(again, stream)).isEqualTo(fresh);

      HttpResponse<String> refused = gateway.post("/v1/responses", followUp);
      assertThat(refused.statusCode()).isEqualTo(400);
      assertThat(json(refused.body()).path("error").path("code").asText())
          .isEqualTo("previous_response_not_found");
      assertThat(gateway.get("/v1/responses/" + id).statusCode()).isEqualTo(404);
    }
  }

  /** The id of the Response a JSON answer is, or a stream's first event carries. */
  private static String responseId(HttpResponse<String> answer, boolean stream) throws Exception {
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    if (!stream) {
      return json(answer.body()).path("id").asText();
    }
    String first = dataLines(answer.body()).get(0).substring("data: ".length());
    return json(first).path("response").path("id").asText();
  }

  /**
   * The response id of a streamed Responses request, read from its first event, once its cache
   * outcome was {@code cache}.
   */
  private static String streamedId(ResponseCreateParams params, String cache) {
    try (HttpResponseFor<StreamResponse<ResponseStreamEvent>> raw =
            client.responses().withRawResponse().createStreaming(params);
        StreamResponse<ResponseStreamEvent> stream = raw.parse()) {
      assertThat(raw.headers().values("x-switchboard-cache")).containsExactly(cache);
      List<ResponseStreamEvent> events = stream.stream().toList();
      assertThat(events.get(events.size() - 1).isCompleted()).isTrue();
      return events.get(0).asCreated().response().id();
    }
  }

  private static String header(HttpResponse<String> response) {
    assertThat(response.statusCode()).isEqualTo(200);
    return response.headers().firstValue("x-switchboard-cache").orElse(null);
  }

  private static List<String> dataLines(String sse) {
    return sse.lines().filter(l -> l.startsWith("data: ")).collect(Collectors.toList());
  }

  private static String streamText(OpenAIClient c, ChatCompletionCreateParams params) {
    StringBuilder text = new StringBuilder();
    try (StreamResponse<ChatCompletionChunk> stream =
        c.chat().completions().createStreaming(params)) {
      stream.stream()
          .forEach(
              chunk -> chunk.choices().forEach(ch -> ch.delta().content().ifPresent(text::append)));
    }
    return text.toString();
  }
}
