package dev.switchboard.gateway.upstream.adapter;

import static dev.switchboard.gateway.TestTables.policyRoute;
import static dev.switchboard.gateway.TestTables.provider;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.logging.RequestLogWriter;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import dev.switchboard.mock.record.RequestRecord;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every adapter names what it leaves out of a request, in {@code x-switchboard-unhonoured-params}
 * and the request log: Anthropic's Messages and Gemini's generateContent have no place for some
 * chat fields, chat completions none for some Responses fields (a bridged {@code /v1/responses}
 * request), and the Responses API no seed. The mock providers speak the real wire formats, so a
 * field that reached one it would refuse fails the request.
 */
class UnhonouredParamsIT {

  @TempDir static Path dir;

  static GatewayHarness gateway;
  static MockProvider mock;

  static final String BROKEN_CLAUDE = "claude-broken";
  static final String REJECTING_CLAUDE = "claude-rejecting";
  static final String BROKEN_GPT = "gpt-broken";
  static final String REJECTING_GPT = "gpt-rejecting";

  @BeforeAll
  static void start() throws Exception {
    gateway =
        GatewayHarness.withMock(
            dir,
            new MockProviderOptions().keys("sk-all"),
            m ->
                TestTables.table(
                    List.of(
                        provider("ant", "anthropic", m.baseUrl(), true, Map.of(), null),
                        provider("gem", "gemini", m.origin() + "/v1beta", true, Map.of(), null),
                        provider("oai", "openai", m.baseUrl(), true, Map.of(), null),
                        provider("compat", "openai-compatible", m.baseUrl(), true, Map.of(), null)),
                    List.of(
                        new RoutingTable.Policy(
                            "det",
                            null,
                            null,
                            null,
                            null,
                            null,
                            null,
                            null,
                            null,
                            new RoutingTable.Deterministic(true, null, true, false),
                            null)),
                    List.of(
                        policyRoute("claude", null, target("ant", "claude-x", 0)),
                        policyRoute("det-claude", "det", target("ant", "claude-x", 0)),
                        policyRoute("gem", null, target("gem", "gemini-2.5-flash", 0)),
                        policyRoute("gpt", null, target("oai", "gpt-4o-mini", 0)),
                        policyRoute("chat-only", null, target("compat", "gpt-4o-mini", 0)),
                        policyRoute(
                            "spill",
                            null,
                            target("ant", BROKEN_CLAUDE, 0),
                            target("oai", "gpt-4o-mini", 1)),
                        policyRoute("claude-broken", null, target("ant", BROKEN_CLAUDE, 0)),
                        policyRoute("claude-rejects", null, target("ant", REJECTING_CLAUDE, 0)),
                        policyRoute("gpt-broken", null, target("oai", BROKEN_GPT, 0)),
                        policyRoute("gpt-rejects", null, target("oai", REJECTING_GPT, 0)))),
            Map.of("ant", "sk-all", "gem", "sk-all", "oai", "sk-all", "compat", "sk-all"));
    mock = gateway.mock();
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  final ListAppender<ILoggingEvent> requestLog = new ListAppender<>();

  @BeforeEach
  void attach() {
    mock.faults().set(BROKEN_CLAUDE, "status:503");
    mock.faults().set(REJECTING_CLAUDE, "status:400");
    mock.faults().set(BROKEN_GPT, "status:503");
    mock.faults().set(REJECTING_GPT, "status:400");
    requestLog.start();
    ((Logger) org.slf4j.LoggerFactory.getLogger(RequestLogWriter.LOGGER_NAME))
        .addAppender(requestLog);
  }

  @AfterEach
  void detach() {
    ((Logger) org.slf4j.LoggerFactory.getLogger(RequestLogWriter.LOGGER_NAME))
        .detachAppender(requestLog);
    mock.reset();
  }

  static JsonObject lastSent() {
    List<RequestRecord> seen = mock.requests();
    return seen.get(seen.size() - 1).body();
  }

  static String unhonoured(HttpResponse<String> res) {
    return res.headers().firstValue("x-switchboard-unhonoured-params").orElse(null);
  }

  /** The request log line's unhonoured_params for the request that got {@code res}. */
  String loggedUnhonoured(HttpResponse<String> res) {
    String id = res.headers().firstValue("x-request-id").orElseThrow();
    JsonNode line =
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () -> {
                  List<ILoggingEvent> events;
                  synchronized (requestLog) {
                    events = List.copyOf(requestLog.list);
                  }
                  for (ILoggingEvent e : events) {
                    JsonNode l = GatewayHarness.json(e.getFormattedMessage());
                    if (id.equals(l.path("request_id").asText())) {
                      return l;
                    }
                  }
                  return null;
                },
                java.util.Objects::nonNull);
    return line.path("unhonoured_params").asText(null);
  }

  static String chat(String model, String fields, boolean stream) {
    return "{\"model\":\""
        + model
        + "\","
        + fields
        + ",\"stream\":"
        + stream
        + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  }

  @Test
  void anAnthropicTargetNamesTheChatFieldsMessagesHasNoPlaceFor() throws Exception {
    for (boolean stream : new boolean[] {false, true}) {
      HttpResponse<String> res =
          gateway.post(
              "/v1/chat/completions",
              chat(
                  "claude",
                  "\"logit_bias\":{\"50256\":-100},\"seed\":3,\"user\":\"u-1\","
                      + "\"frequency_penalty\":0.4,\"presence_penalty\":null",
                  stream));

      assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
      JsonObject sent = lastSent();
      assertThat(sent.containsKey("logit_bias") || sent.containsKey("seed")).isFalse();
      assertThat(sent.getJsonObject("metadata").getString("user_id")).isEqualTo("u-1");
      assertThat(unhonoured(res)).isEqualTo("logit_bias, seed, frequency_penalty");
      assertThat(loggedUnhonoured(res)).isEqualTo("logit_bias, seed, frequency_penalty");
    }
  }

  /** A deterministic route names the seed once: the contract's and the adapter's are one. */
  @Test
  void aDeterministicRouteNamesTheSeedAnAnthropicTargetWasNotSentOnce() throws Exception {
    HttpResponse<String> res =
        gateway.post(
            "/v1/chat/completions",
            chat("det-claude", "\"logit_bias\":{\"50256\":-100},\"seed\":3", false));

    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    assertThat(unhonoured(res)).isEqualTo("seed, logit_bias");
    assertThat(loggedUnhonoured(res)).isEqualTo("seed, logit_bias");
  }

  @Test
  void aGeminiTargetNamesTheChatFieldsGenerateContentHasNoPlaceFor() throws Exception {
    for (boolean stream : new boolean[] {false, true}) {
      HttpResponse<String> res =
          gateway.post(
              "/v1/chat/completions",
              chat(
                  "gem",
                  "\"user\":\"u-1\",\"seed\":3,\"logit_bias\":{\"50256\":-100},"
                      + "\"service_tier\":\"flex\"",
                  stream));

      assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
      assertThat(lastSent().getJsonObject("generationConfig").getInteger("seed")).isEqualTo(3);
      assertThat(unhonoured(res)).isEqualTo("user, logit_bias, service_tier");
      assertThat(loggedUnhonoured(res)).isEqualTo("user, logit_bias, service_tier");
    }
  }

  /**
   * Gemini refuses a stream asked for logprobs (the mock too, 400 INVALID_ARGUMENT): a streamed
   * chat request with {@code logprobs} and {@code top_logprobs} is sent without them and answered,
   * naming both; the same request not streamed asks for them.
   */
  @Test
  void aGeminiStreamIsSentWithoutTheLogprobsGeminiRefusesOnAStream() throws Exception {
    HttpResponse<String> res =
        gateway.post(
            "/v1/chat/completions", chat("gem", "\"logprobs\":true,\"top_logprobs\":2", true));

    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    assertThat(res.body()).contains("data: [DONE]");
    JsonObject config = lastSent().getJsonObject("generationConfig", new JsonObject());
    assertThat(config.containsKey("responseLogprobs") || config.containsKey("logprobs")).isFalse();
    assertThat(unhonoured(res)).isEqualTo("logprobs, top_logprobs");
    assertThat(loggedUnhonoured(res)).isEqualTo("logprobs, top_logprobs");

    res =
        gateway.post(
            "/v1/chat/completions", chat("gem", "\"logprobs\":true,\"top_logprobs\":2", false));
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    assertThat(lastSent().getJsonObject("generationConfig").getBoolean("responseLogprobs"))
        .isTrue();
    assertThat(unhonoured(res)).isNull();
  }

  /**
   * A Responses request bridged through chat completions: what the bridge leaves out (metadata),
   * then what the adapter leaves out of the chat form, in the client's names (reasoning.effort: the
   * target's model id names no Claude version that thinks).
   */
  @Test
  void aBridgedResponsesRequestNamesWhatTheBridgeAndTheAdapterLeftOut() throws Exception {
    HttpResponse<String> res =
        gateway.post(
            "/v1/responses",
            "{\"model\":\"claude\",\"input\":\"hi\",\"metadata\":{\"k\":\"v\"},"
                + "\"reasoning\":{\"effort\":\"low\"},\"seed\":3}");

    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    assertThat(unhonoured(res)).isEqualTo("metadata, reasoning.effort, seed");
    assertThat(loggedUnhonoured(res)).isEqualTo("metadata, reasoning.effort, seed");

    res =
        gateway.post(
            "/v1/responses",
            "{\"model\":\"gem\",\"input\":\"hi\",\"metadata\":{\"k\":\"v\"},\"stream\":true}");

    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    assertThat(unhonoured(res)).isEqualTo("metadata");
  }

  static final String SHARED_FIELDS =
      "\"service_tier\":\"flex\",\"safety_identifier\":\"h-1\",\"prompt_cache_key\":\"k-1\","
          + "\"prompt_cache_retention\":\"24h\",\"text\":{\"verbosity\":\"low\"}";

  /**
   * A Responses request bridged to a chat-completions target: what chat completions carries too
   * (service_tier, safety_identifier, prompt_cache_*, text.verbosity as verbosity) reaches it and
   * nothing is named; the tier the answer reports is the Response's. Anthropic and Gemini, which
   * have no place for them in their own formats, name them as the client did.
   */
  @Test
  void aBridgedResponsesRequestForwardsWhatChatCompletionsCarries() throws Exception {
    HttpResponse<String> res =
        gateway.post(
            "/v1/responses", "{\"model\":\"chat-only\",\"input\":\"hi\"," + SHARED_FIELDS + "}");

    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    JsonObject sent = lastSent();
    assertThat(sent.containsKey("messages")).isTrue();
    assertThat(sent.getString("service_tier")).isEqualTo("flex");
    assertThat(sent.getString("safety_identifier")).isEqualTo("h-1");
    assertThat(sent.getString("prompt_cache_key")).isEqualTo("k-1");
    assertThat(sent.getString("prompt_cache_retention")).isEqualTo("24h");
    assertThat(sent.getString("verbosity")).isEqualTo("low");
    assertThat(unhonoured(res)).isNull();
    assertThat(loggedUnhonoured(res)).isNull();
    // The mock serves every request on the default tier and says so, as OpenAI does.
    assertThat(GatewayHarness.json(res.body()).path("service_tier").asText()).isEqualTo("default");

    res =
        gateway.post(
            "/v1/responses",
            "{\"model\":\"chat-only\",\"input\":\"hi\",\"stream\":true," + SHARED_FIELDS + "}");
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    assertThat(lastSent().getString("service_tier")).isEqualTo("flex");
    assertThat(unhonoured(res)).isNull();
    String completed = null;
    for (String frame : res.body().split("\n\n")) {
      if (frame.startsWith("event: response.completed\n")) {
        completed = frame.substring(frame.indexOf("data: ") + 6);
      }
    }
    assertThat(completed).as(res.body()).isNotNull();
    assertThat(GatewayHarness.json(completed).at("/response/service_tier").asText())
        .isEqualTo("default");

    for (String model : new String[] {"claude", "gem"}) {
      res =
          gateway.post(
              "/v1/responses",
              "{\"model\":\"" + model + "\",\"input\":\"hi\"," + SHARED_FIELDS + "}");
      assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
      assertThat(unhonoured(res))
          .as(model)
          .isEqualTo(
              "text.verbosity, safety_identifier, prompt_cache_key, prompt_cache_retention,"
                  + " service_tier");
    }
  }

  /**
   * A Responses request passed through to an OpenAI target: the Responses API has no seed (the mock
   * refuses it as OpenAI does), so the client's is left out and named; its metadata is sent.
   */
  @Test
  void aResponsesTargetNamesTheSeedItWasNotSent() throws Exception {
    HttpResponse<String> res =
        gateway.post(
            "/v1/responses",
            "{\"model\":\"gpt\",\"input\":\"hi\",\"metadata\":{\"k\":\"v\"},\"seed\":3}");

    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    JsonObject sent = lastSent();
    assertThat(sent.containsKey("seed")).isFalse();
    assertThat(sent.getJsonObject("metadata").getString("k")).isEqualTo("v");
    assertThat(unhonoured(res)).isEqualTo("seed");
    assertThat(loggedUnhonoured(res)).isEqualTo("seed");
  }

  /**
   * A Messages request bridged to chat completions (an OpenAI target): top_k and thinking have no
   * chat equivalent and are named as the client named them; metadata.user_id reaches OpenAI as
   * user. The same request to an Anthropic target is passed through as sent and names nothing.
   */
  @Test
  void aBridgedMessagesRequestNamesWhatChatCompletionsHasNoPlaceFor() throws Exception {
    String body =
        "{\"model\":\"%s\",\"max_tokens\":2048,\"top_k\":5,\"metadata\":{\"user_id\":\"u-1\"},"
            + "\"thinking\":{\"type\":\"%s\",\"budget_tokens\":1024},"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    HttpResponse<String> res = gateway.post("/v1/messages", body.formatted("gpt", "enabled"));

    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    assertThat(lastSent().getString("user")).isEqualTo("u-1");
    assertThat(lastSent().containsKey("top_k")).isFalse();
    assertThat(unhonoured(res)).isEqualTo("top_k, thinking");
    assertThat(loggedUnhonoured(res)).isEqualTo("top_k, thinking");

    res = gateway.post("/v1/messages", body.formatted("gpt", "disabled"));
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    assertThat(unhonoured(res)).isEqualTo("top_k");

    res = gateway.post("/v1/messages", body.formatted("claude", "enabled"));
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    assertThat(lastSent().getInteger("top_k")).isEqualTo(5);
    assertThat(unhonoured(res)).isNull();
  }

  /**
   * Only the served attempt counts: the failed Anthropic attempt's left-out fields are not named.
   */
  @Test
  void afterFailoverFromAnthropicWhatItLeftOutIsNotNamed() throws Exception {
    HttpResponse<String> res =
        gateway.post(
            "/v1/chat/completions", chat("spill", "\"logit_bias\":{\"50256\":-100}", false));

    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    assertThat(res.headers().firstValue("x-switchboard-provider")).hasValue("oai");
    assertThat(lastSent().getJsonObject("logit_bias")).isNotNull();
    assertThat(unhonoured(res)).isNull();
  }

  /**
   * The header describes the answer the client got, behind every door: the provider's own refusal,
   * relayed, is the answer of an attempt that was not sent some fields, and names them; an error
   * the gateway makes after every attempt failed describes no attempt and names nothing, in the
   * header or the request log.
   */
  @Test
  void anErrorNamesWhatItsAttemptWasNotSentOnlyWhenItIsThatAttemptsAnswer() throws Exception {
    String chatFields = "\"logit_bias\":{\"50256\":-100}";
    HttpResponse<String> rejected =
        gateway.post("/v1/chat/completions", chat("claude-rejects", chatFields, false));
    assertThat(rejected.statusCode()).as(rejected.body()).isEqualTo(400);
    assertThat(unhonoured(rejected)).isEqualTo("logit_bias");
    assertThat(loggedUnhonoured(rejected)).isEqualTo("logit_bias");

    HttpResponse<String> failed =
        gateway.post("/v1/chat/completions", chat("claude-broken", chatFields, false));
    assertThat(failed.statusCode()).as(failed.body()).isGreaterThanOrEqualTo(500);
    assertThat(unhonoured(failed)).isNull();
    assertThat(loggedUnhonoured(failed)).isNull();

    String messages =
        "{\"model\":\"%s\",\"max_tokens\":16,\"top_k\":5,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    HttpResponse<String> bridgedRejected =
        gateway.post("/v1/messages", messages.formatted("gpt-rejects"));
    assertThat(bridgedRejected.statusCode()).as(bridgedRejected.body()).isEqualTo(400);
    assertThat(unhonoured(bridgedRejected)).isEqualTo("top_k");

    HttpResponse<String> bridgedFailed =
        gateway.post("/v1/messages", messages.formatted("gpt-broken"));
    assertThat(bridgedFailed.statusCode()).as(bridgedFailed.body()).isGreaterThanOrEqualTo(500);
    assertThat(new JsonObject(bridgedFailed.body()).getString("type")).isEqualTo("error");
    assertThat(unhonoured(bridgedFailed)).isNull();
  }

  /**
   * Through every door: a default an SDK writes out is not named; what a translation drops inside
   * the messages or tools is, in the client's own names.
   */
  @Test
  void namesNestedDropsButNoDefaultsBehindEveryDoor() throws Exception {
    HttpResponse<String> defaults =
        gateway.post(
            "/v1/chat/completions",
            chat(
                "claude",
                "\"n\":1,\"logprobs\":false,\"presence_penalty\":0,\"frequency_penalty\":0,"
                    + "\"logit_bias\":{},\"top_logprobs\":0,\"parallel_tool_calls\":true",
                false));
    assertThat(defaults.statusCode()).as(defaults.body()).isEqualTo(200);
    assertThat(unhonoured(defaults)).isNull();
    assertThat(loggedUnhonoured(defaults)).isNull();

    HttpResponse<String> strict =
        gateway.post(
            "/v1/responses",
            "{\"model\":\"claude\",\"input\":\"hi\",\"include\":[],\"tools\":[{\"type\":"
                + "\"function\",\"name\":\"f\",\"strict\":true,\"parameters\":{\"type\":"
                + "\"object\",\"properties\":{\"a\":{\"type\":\"string\"}}}}]}");
    assertThat(strict.statusCode()).as(strict.body()).isEqualTo(200);
    assertThat(unhonoured(strict)).isEqualTo("tools[].strict");

    HttpResponse<String> cached =
        gateway.post(
            "/v1/messages",
            "{\"model\":\"gpt\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\","
                + "\"content\":[{\"type\":\"text\",\"text\":\"hi\","
                + "\"cache_control\":{\"type\":\"ephemeral\"}}]}]}");
    assertThat(cached.statusCode()).as(cached.body()).isEqualTo(200);
    assertThat(lastSent().toString()).doesNotContain("cache_control");
    assertThat(unhonoured(cached)).isEqualTo("messages[].content[].cache_control");
  }

  /**
   * What the bridges and adapters dropped silently before is named through the doors, where the
   * client put it: a Messages history's thinking block sent to a chat target, a Responses reasoning
   * item and a schema keyword Gemini has no place for.
   */
  @Test
  void namesThinkingReasoningAndSchemaKeywordsThroughTheDoors() throws Exception {
    HttpResponse<String> thinking =
        gateway.post(
            "/v1/messages",
            "{\"model\":\"gpt\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\","
                + "\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":[{\"type\":"
                + "\"thinking\",\"thinking\":\"hmm\",\"signature\":\"EqQB\"},{\"type\":\"text\","
                + "\"text\":\"yes\"}]},{\"role\":\"user\",\"content\":\"go on\"}]}");
    assertThat(thinking.statusCode()).as(thinking.body()).isEqualTo(200);
    assertThat(lastSent().toString()).doesNotContain("hmm");
    assertThat(unhonoured(thinking)).isEqualTo("messages[].content[].thinking");
    assertThat(loggedUnhonoured(thinking)).isEqualTo("messages[].content[].thinking");

    HttpResponse<String> reasoning =
        gateway.post(
            "/v1/responses",
            "{\"model\":\"gem\",\"input\":[{\"role\":\"user\",\"content\":\"hi\"},"
                + "{\"type\":\"reasoning\",\"id\":\"rs_1\",\"summary\":[]},"
                + "{\"role\":\"user\",\"content\":\"go on\"}],\"tools\":[{\"type\":"
                + "\"function\",\"name\":\"f\",\"parameters\":{\"type\":\"object\","
                + "\"additionalProperties\":false,\"properties\":{\"a\":{\"type\":"
                + "\"string\"}}}}]}");
    assertThat(reasoning.statusCode()).as(reasoning.body()).isEqualTo(200);
    assertThat(unhonoured(reasoning))
        .isEqualTo("input[].reasoning, tools[].parameters.additionalProperties");
  }

  /** Nothing left out, nothing said. */
  @Test
  void aRequestEveryTargetTakesAsItIsNamesNothing() throws Exception {
    for (String model : new String[] {"claude", "gem"}) {
      HttpResponse<String> res =
          gateway.post(
              "/v1/chat/completions", chat(model, "\"temperature\":0.5,\"max_tokens\":9", false));

      assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
      assertThat(unhonoured(res)).isNull();
    }
  }
}
