package dev.switchboard.gateway.resilience;

import static dev.switchboard.gateway.TestTables.policyRoute;
import static dev.switchboard.gateway.TestTables.target;
import static dev.switchboard.gateway.resilience.ResilienceTables.policy;
import static dev.switchboard.gateway.resilience.ResilienceTables.provider;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import dev.switchboard.mock.openapi.OpenAiWireFormat;
import dev.switchboard.mock.sse.ChatStreamTranscript;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A native Gemini target behind the chat front door, against the mock provider speaking Gemini:
 * answers, streams that end by closing (no {@code [DONE]} upstream), usage with cached tokens,
 * RESOURCE_EXHAUSTED with its RetryInfo delay, a rejected key, and every fault class of {@link
 * FaultMatrixIT} in Gemini's wire format, on a route alone and on a route that fails over to an
 * OpenAI target (streaming and not).
 */
class GeminiFaultMatrixIT {

  static final int N = 3;
  static final String GEMINI_MODEL = "gemini-2.0-flash";

  @org.junit.jupiter.api.io.TempDir static Path dir;
  static MockProvider mock;
  static GatewayHarness gateway;
  static final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void start() throws Exception {
    List<String> models =
        new ArrayList<>(List.of(GEMINI_MODEL, "healthy-model", "text-embedding-004"));
    for (FaultMatrixIT.Fault f : FaultMatrixIT.Fault.values()) {
      models.add(f.model());
    }
    gateway =
        GatewayHarness.withMock(
            dir,
            new MockProviderOptions()
                .keys("gm-key", "sk-m")
                .models(models.toArray(String[]::new))
                .embeddingDimensions(4)
                .resetGraceMs(20),
            GeminiFaultMatrixIT::table,
            Map.of("gem", "gm-key", "gem-bad-key", "gm-wrong", "good", "sk-m"));
    mock = gateway.mock();
  }

  /** Gemini routes alone, across a rejected key and each fault class with an OpenAI fallback. */
  static RoutingTable table(MockProvider mock) {
    RoutingTable.Timeouts timeouts = new RoutingTable.Timeouts(1_000L, 1_500L, 5_000L, 1_500L);
    RoutingTable.CircuitBreaker breaker =
        new RoutingTable.CircuitBreaker(50, 4_000L, 1000, 10_000L, 1_000L);
    RoutingTable.Provider gem =
        provider("gem", mock.origin() + "/v1beta", timeouts, null, null, null, Map.of());
    gem = withKind(gem, "gemini");
    RoutingTable.Provider badKey =
        withKind(
            provider(
                "gem-bad-key", mock.origin() + "/v1beta", timeouts, null, null, null, Map.of()),
            "gemini");
    List<RoutingTable.Route> routes = new ArrayList<>();
    routes.add(policyRoute("gemini", "failover", target("gem", GEMINI_MODEL, 0)));
    routes.add(policyRoute("gemini-embed", "failover", target("gem", "text-embedding-004", 0)));
    routes.add(policyRoute("gemini-once", "once", target("gem", GEMINI_MODEL, 0)));
    routes.add(
        policyRoute(
            "bad-key-then-openai",
            "failover",
            target("gem-bad-key", GEMINI_MODEL, 0),
            target("good", "healthy-model", 1)));
    routes.add(
        policyRoute(
            "openai-then-gemini",
            "failover",
            target("good", "fault-server-error", 0),
            target("gem", GEMINI_MODEL, 1)));
    for (FaultMatrixIT.Fault f : FaultMatrixIT.Fault.values()) {
      routes.add(
          policyRoute(
              "fb-" + f.model(),
              "failover",
              target("gem", f.model(), 0),
              target("good", "healthy-model", 1)));
    }
    return TestTables.table(
        List.of(
            gem, badKey, provider("good", mock.baseUrl(), timeouts, null, null, null, Map.of())),
        List.of(
            policy("failover", 1, 200, 1.0, 50, breaker, List.of()),
            policy("once", 1, 200, 1.0, 50, breaker, List.of())),
        routes);
  }

  private static RoutingTable.Provider withKind(RoutingTable.Provider p, String kind) {
    return new RoutingTable.Provider(
        p.name(),
        kind,
        p.baseUrl(),
        p.hasKey(),
        p.apiVersion(),
        p.headers(),
        p.timeouts(),
        p.maxConcurrency(),
        p.quota(),
        p.healthCheck(),
        p.models());
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  @BeforeEach
  void reset() {
    mock.faults().clearAll();
  }

  private static HttpResponse<String> post(String path, String body, String fault)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(gateway.origin() + path))
            .timeout(Duration.ofSeconds(20))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (fault != null) {
      b.header(MockProvider.FAULT_HEADER, fault);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The gateway forwards no client header: faults reach the mock as a rule for the model. */
  private static HttpResponse<String> postWithRule(String body, String fault) throws Exception {
    mock.faults().set(GEMINI_MODEL, fault);
    return post("/v1/chat/completions", body, null);
  }

  private static String chat(String route, boolean stream, String extra) {
    return "{\"model\":\""
        + route
        + "\",\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},{\"role\":\"user\",\"content\":\"hello gemini\"}]"
        + (stream ? ",\"stream\":true,\"stream_options\":{\"include_usage\":true}" : "")
        + extra
        + "}";
  }

  @Test
  void chatCompletionFromGenerateContentWithCachedTokens() throws Exception {
    mock.faults().set(GEMINI_MODEL, "prompt-tokens:100,cached-tokens:40");
    HttpResponse<String> r = post("/v1/chat/completions", chat("gemini", false, ""), null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    OpenAiWireFormat.assertValid(OpenAiWireFormat.Body.CHAT_COMPLETION, r.body());
    JsonNode body = GatewayHarness.json(r.body());
    assertThat(body.at("/choices/0/message/content").asText())
        .isEqualTo("Echo from " + GEMINI_MODEL + ": hello gemini");
    assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    assertThat(body.at("/usage/prompt_tokens").asInt()).isEqualTo(100);
    assertThat(body.at("/usage/prompt_tokens_details/cached_tokens").asInt()).isEqualTo(40);
    JsonNode sent =
        GatewayHarness.json(mock.requests().get(mock.requests().size() - 1).body().encode());
    assertThat(sent.at("/systemInstruction/parts/0/text").asText()).isEqualTo("be brief");
    assertThat(mock.requests().get(mock.requests().size() - 1).path())
        .isEqualTo("/v1beta/models/" + GEMINI_MODEL + ":generateContent");
  }

  @Test
  void streamEndsWithDoneWhenGeminiClosesAfterTheFinishReason() throws Exception {
    HttpResponse<String> r = post("/v1/chat/completions", chat("gemini", true, ""), null);
    assertThat(r.statusCode()).isEqualTo(200);
    ChatStreamTranscript t = ChatStreamTranscript.of(r.body());
    assertThat(t.problems()).as(r.body()).isEmpty();
    assertThat(t.doneSeen()).isTrue();
    assertThat(t.content()).isEqualTo("Echo from " + GEMINI_MODEL + ": hello gemini");
    assertThat(t.finishReason()).isEqualTo("stop");
    assertThat(OpenAiWireFormat.chatStreamProblems(r.body())).isEmpty();
    assertThat(mock.requests().get(mock.requests().size() - 1).query()).isEqualTo("alt=sse");
  }

  @Test
  void streamClosedBeforeAFinishReasonIsATruncation() throws Exception {
    HttpResponse<String> r = postWithRule(chat("gemini-once", true, ""), "truncate:2");
    ChatStreamTranscript t = ChatStreamTranscript.of(r.body());
    assertThat(t.doneSeen()).isFalse();
    assertThat(t.error()).isNotNull();
    assertThat(t.error().path("code").asText()).isEqualTo("stream_truncated");
  }

  @Test
  void midStreamErrorIsOneTerminalErrorEvent() throws Exception {
    HttpResponse<String> r = postWithRule(chat("gemini-once", true, ""), "stream-error:2");
    ChatStreamTranscript t = ChatStreamTranscript.of(r.body());
    assertThat(t.doneSeen()).isFalse();
    assertThat(t.error().path("code").asText()).isEqualTo("INTERNAL");
  }

  @Test
  void resourceExhaustedGivesItsRetryDelayAsRetryAfter() throws Exception {
    HttpResponse<String> r =
        postWithRule(chat("gemini-once", false, ""), "status:429;retry-after=7");
    assertThat(r.statusCode()).isEqualTo(429);
    assertThat(r.headers().firstValue("retry-after")).hasValue("7");
  }

  @Test
  void invalidArgumentIsPassedOnAsTheClientsError() throws Exception {
    HttpResponse<String> r = postWithRule(chat("gemini-once", false, ""), "status:400");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(GatewayHarness.json(r.body()).at("/error/code").asText())
        .isEqualTo("INVALID_ARGUMENT");
  }

  @Test
  void rejectedKeyFailsOverToAnotherProvider() throws Exception {
    for (boolean stream : new boolean[] {false, true}) {
      HttpResponse<String> r =
          post("/v1/chat/completions", chat("bad-key-then-openai", stream, ""), null);
      assertThat(r.statusCode()).isEqualTo(200);
      String content =
          stream
              ? ChatStreamTranscript.of(r.body()).content()
              : GatewayHarness.json(r.body()).at("/choices/0/message/content").asText();
      assertThat(content).startsWith("Echo from healthy-model");
      assertThat(r.body()).doesNotContain("gm-wrong");
    }
  }

  @Test
  void openAiFailsOverToGeminiStreamingAndNot() throws Exception {
    mock.faults().set("fault-server-error", "status:500");
    HttpResponse<String> plain =
        post("/v1/chat/completions", chat("openai-then-gemini", false, ""), null);
    assertThat(plain.statusCode()).isEqualTo(200);
    assertThat(GatewayHarness.json(plain.body()).at("/choices/0/message/content").asText())
        .startsWith("Echo from " + GEMINI_MODEL);
    HttpResponse<String> stream =
        post("/v1/chat/completions", chat("openai-then-gemini", true, ""), null);
    ChatStreamTranscript t = ChatStreamTranscript.of(stream.body());
    assertThat(t.problems()).isEmpty();
    assertThat(t.content()).startsWith("Echo from " + GEMINI_MODEL);
  }

  @Test
  void toolsAndJsonModeRoundTrip() throws Exception {
    String tools =
        ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"lookup\",\"parameters\":{\"type\":\"object\",\"properties\":{\"query\":{\"type\":\"string\"}}}}}],\"tool_choice\":\"required\"";
    for (boolean stream : new boolean[] {false, true}) {
      HttpResponse<String> r = post("/v1/chat/completions", chat("gemini", stream, tools), null);
      assertThat(r.statusCode()).isEqualTo(200);
      if (stream) {
        ChatStreamTranscript t = ChatStreamTranscript.of(r.body());
        assertThat(t.problems()).as(r.body()).isEmpty();
        assertThat(t.finishReason()).isEqualTo("tool_calls");
        assertThat(r.body()).contains("\"name\":\"lookup\"").contains("\"id\":\"call_");
      } else {
        JsonNode call = GatewayHarness.json(r.body()).at("/choices/0/message/tool_calls/0");
        assertThat(call.at("/function/name").asText()).isEqualTo("lookup");
        assertThat(
                GatewayHarness.json(call.at("/function/arguments").asText()).path("query").asText())
            .isEqualTo("hello gemini");
        assertThat(call.path("id").asText()).startsWith("call_");
      }
    }
    JsonNode sent =
        GatewayHarness.json(mock.requests().get(mock.requests().size() - 1).body().encode());
    assertThat(sent.at("/toolConfig/functionCallingConfig/mode").asText()).isEqualTo("ANY");
    HttpResponse<String> json =
        post(
            "/v1/chat/completions",
            chat("gemini", false, ",\"response_format\":{\"type\":\"json_object\"}"),
            null);
    String content = GatewayHarness.json(json.body()).at("/choices/0/message/content").asText();
    assertThat(GatewayHarness.json(content).path("model").asText()).isEqualTo(GEMINI_MODEL);
  }

  @Test
  void safetyBlockIsARefusal() throws Exception {
    HttpResponse<String> r = postWithRule(chat("gemini-once", false, ""), "refusal");
    JsonNode body = GatewayHarness.json(r.body());
    assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("content_filter");
    assertThat(body.at("/choices/0/message/refusal").asText()).contains("SAFETY");
  }

  @Test
  void embeddingsThroughBatchEmbedContents() throws Exception {
    HttpResponse<String> r =
        post(
            "/v1/embeddings",
            "{\"model\":\"gemini-embed\",\"input\":[\"a\",\"b\"],\"dimensions\":4}",
            null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    OpenAiWireFormat.assertValid(OpenAiWireFormat.Body.EMBEDDINGS, r.body());
    JsonNode body = GatewayHarness.json(r.body());
    assertThat(body.path("data")).hasSize(2);
    assertThat(body.at("/data/1/embedding")).hasSize(4);
    assertThat(body.path("model").asText()).isEqualTo("text-embedding-004");
    HttpResponse<String> b64 =
        post(
            "/v1/embeddings",
            "{\"model\":\"gemini-embed\",\"input\":\"a\",\"encoding_format\":\"base64\"}",
            null);
    assertThat(GatewayHarness.json(b64.body()).at("/data/0/embedding").isTextual()).isTrue();
  }

  @ParameterizedTest
  @EnumSource(FaultMatrixIT.Fault.class)
  void everyFaultInGeminisWireFormatGetsAWellFormedAnswer(FaultMatrixIT.Fault fault)
      throws Exception {
    mock.faults().set(fault.model(), fault.spec);
    Map<Outcome, List<String>> plain = new EnumMap<>(Outcome.class);
    Map<Outcome, List<String>> streams = new EnumMap<>(Outcome.class);
    for (Outcome o : Outcome.values()) {
      plain.put(o, new ArrayList<>());
      streams.put(o, new ArrayList<>());
    }
    for (int i = 0; i < N; i++) {
      for (boolean stream : new boolean[] {false, true}) {
        HttpResponse<String> r =
            post("/v1/chat/completions", GatewayHarness.chat("fb-" + fault.model(), stream), null);
        Outcome.Verdict v = Outcome.classify(r, stream);
        (stream ? streams : plain).get(v.outcome()).add(v.detail());
      }
    }
    for (Map<Outcome, List<String>> outcomes : List.of(plain, streams)) {
      assertThat(outcomes.get(Outcome.MALFORMED)).as(fault + " malformed").isEmpty();
      assertThat(outcomes.get(Outcome.LOST)).as(fault + " lost").isEmpty();
    }
    assertThat(plain.get(Outcome.OK)).as(fault + " with fallback: " + plain).hasSize(N);
    if (!fault.afterFirstChunk) {
      assertThat(streams.get(Outcome.OK))
          .as(fault + " streams with fallback: " + streams)
          .hasSize(N);
    }
  }
}
