package dev.switchboard.gateway.frontdoor;

import static dev.switchboard.gateway.TestTables.route;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import dev.switchboard.mock.anthropic.AnthropicPayloads;
import dev.switchboard.mock.gemini.GeminiPayloads;
import dev.switchboard.mock.record.RequestRecord;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gemini 3 tool loops through the Anthropic Messages and Responses doors against the mock Gemini,
 * which refuses a replayed call without the signature it gave (Google's 400): the call's real
 * thought signature reaches the client in the door's own carrier (a {@code thinking} block's {@code
 * signature}, a {@code reasoning} item's {@code encrypted_content}) and goes back to Gemini on the
 * next turn instead of Google's placeholder; other providers never see the gateway's carriers,
 * while genuine Anthropic thinking blocks and OpenAI reasoning items reach their own.
 */
class GeminiThoughtSignatureIT {

  static final String GEMINI_3 = "gemini-3-flash-preview";

  /** The Gemini model of the route that fails over to Anthropic (its own, for its faults). */
  static final String GEMINI_3_PRO = "gemini-3-pro-preview";

  static final String PLACEHOLDER = "skip_thought_signature_validator";

  /** What the mock Gemini signs a call of {@code lookup} with. */
  static final String SIGNATURE = GeminiPayloads.signature("lookup");

  static final String CARRIER = ThoughtCarrier.PREFIX + SIGNATURE;

  @TempDir static Path dir;
  static GatewayHarness gateway;
  static MockProvider mock;

  @BeforeAll
  static void start() throws Exception {
    gateway =
        GatewayHarness.withMock(
            dir,
            new MockProviderOptions()
                .keys("mock-key")
                .models(GEMINI_3, GEMINI_3_PRO, "claude-sonnet-4-5", "gpt-4o-mini"),
            GeminiThoughtSignatureIT::table,
            Map.of(
                "gem",
                "mock-key",
                "gem-pro",
                "mock-key",
                "claude",
                "mock-key",
                "openai",
                "mock-key",
                "oai",
                "mock-key",
                "google-oai",
                "mock-key"));
    mock = gateway.mock();
  }

  static RoutingTable table(MockProvider mock) {
    return TestTables.table(
        List.of(
            TestTables.provider(
                "gem", "gemini", mock.origin() + "/v1beta", true, Map.of(GEMINI_3, model()), null),
            TestTables.provider(
                "gem-pro",
                "gemini",
                mock.origin() + "/v1beta",
                true,
                Map.of(GEMINI_3_PRO, model()),
                null),
            TestTables.provider(
                "google-oai",
                "openai-compatible",
                mock.origin() + "/v1beta/openai/",
                true,
                Map.of(),
                null),
            TestTables.provider("claude", "anthropic", mock.baseUrl(), true, Map.of(), null),
            TestTables.provider("openai", "openai", mock.baseUrl(), true, Map.of(), null),
            TestTables.provider("oai", "openai-compatible", mock.baseUrl(), true, Map.of(), null)),
        List.of(
            route("g3", List.of(), target("gem", GEMINI_3, 0)),
            route("claude", List.of(), target("claude", "claude-sonnet-4-5", 0)),
            route("g3-oai", List.of(), target("google-oai", GEMINI_3, 0)),
            route(
                "g3-then-claude",
                List.of(),
                target("gem-pro", GEMINI_3_PRO, 0),
                target("claude", "claude-sonnet-4-5", 1)),
            route("gpt", List.of(), target("openai", "gpt-4o-mini", 0)),
            route("chat-only", List.of(), target("oai", "gpt-4o-mini", 0))));
  }

  static RoutingTable.Model model() {
    return new RoutingTable.Model(
        List.of("chat", "tools"),
        1_000_000L,
        new RoutingTable.Pricing(0.3, 2.5, null, "USD"),
        null);
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  private static JsonNode lastSent() throws Exception {
    List<RequestRecord> requests = mock.requests();
    return GatewayHarness.json(requests.get(requests.size() - 1).body().encode());
  }

  // ------------------------------------------------------------------------ Anthropic Messages

  static final String MESSAGES_TOOLS =
      "\"tools\":[{\"name\":\"lookup\",\"input_schema\":{\"type\":\"object\","
          + "\"properties\":{\"query\":{\"type\":\"string\"}}}}]";

  static final String ASK = "{\"role\":\"user\",\"content\":\"find cats\"}";

  private static String messagesRequest(
      String model, boolean stream, String messages, String choice) {
    return "{\"model\":\""
        + model
        + "\",\"max_tokens\":256,\"stream\":"
        + stream
        + ",\"messages\":["
        + messages
        + "],"
        + MESSAGES_TOOLS
        + ",\"tool_choice\":{\"type\":\""
        + choice
        + "\"}}";
  }

  /** The next turn: the assistant's content as the client got it, then the tool's result. */
  private static String replay(JsonNode assistantContent, String toolUseId) {
    return ASK
        + ",{\"role\":\"assistant\",\"content\":"
        + assistantContent
        + "},{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\""
        + toolUseId
        + "\",\"content\":\"{\\\"cats\\\":3}\"}]}";
  }

  @Test
  void aMessagesToolLoopHandsGeminiItsOwnSignatureBack() throws Exception {
    HttpResponse<String> first =
        gateway.post("/v1/messages", messagesRequest("g3", false, ASK, "any"));
    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    JsonNode content = GatewayHarness.json(first.body()).get("content");
    assertThat(content).hasSize(2);
    assertThat(content.at("/0/type").asText()).isEqualTo("thinking");
    assertThat(content.at("/0/thinking").asText()).isEmpty();
    assertThat(content.at("/0/signature").asText()).isEqualTo(CARRIER);
    assertThat(content.at("/1/type").asText()).isEqualTo("tool_use");
    assertThat(content.at("/1/name").asText()).isEqualTo("lookup");
    assertThat(GatewayHarness.json(first.body()).path("stop_reason").asText())
        .isEqualTo("tool_use");

    String next = replay(content, content.at("/1/id").asText());
    HttpResponse<String> second =
        gateway.post("/v1/messages", messagesRequest("g3", false, next, "auto"));
    assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
    JsonNode sent = lastSent();
    assertThat(sent.at("/contents/1/parts/0/functionCall/name").asText()).isEqualTo("lookup");
    assertThat(sent.at("/contents/1/parts/0/thoughtSignature").asText()).isEqualTo(SIGNATURE);
  }

  @Test
  void aStreamedMessagesToolLoopHandsGeminiItsOwnSignatureBack() throws Exception {
    HttpResponse<String> first =
        gateway.post("/v1/messages", messagesRequest("g3", true, ASK, "any"));
    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    List<String[]> events = sse(first.body());
    List<String> names = new ArrayList<>();
    for (String[] e : events) {
      names.add(e[0]);
    }
    // Anthropic's framing of a signed thinking block, then the tool_use block at the next index.
    int start = names.indexOf("content_block_start");
    assertThat(names.subList(start, start + 4))
        .containsExactly(
            "content_block_start",
            "content_block_delta",
            "content_block_stop",
            "content_block_start");
    JsonNode thinkingStart = GatewayHarness.json(events.get(start)[1]);
    assertThat(thinkingStart.path("index").asInt()).isZero();
    assertThat(thinkingStart.path("content_block").toString())
        .isEqualTo("{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}");
    JsonNode signature = GatewayHarness.json(events.get(start + 1)[1]);
    assertThat(signature.at("/delta/type").asText()).isEqualTo("signature_delta");
    assertThat(signature.at("/delta/signature").asText()).isEqualTo(CARRIER);
    assertThat(GatewayHarness.json(events.get(start + 2)[1]).path("index").asInt()).isZero();
    JsonNode toolStart = GatewayHarness.json(events.get(start + 3)[1]);
    assertThat(toolStart.path("index").asInt()).isEqualTo(1);
    assertThat(toolStart.at("/content_block/type").asText()).isEqualTo("tool_use");

    // The client puts the blocks together as the SDK's stream does, and replays them.
    ArrayNode content = JsonNodeFactory.instance.arrayNode();
    StringBuilder input = new StringBuilder();
    for (String[] e : events) {
      JsonNode data = GatewayHarness.json(e[1]);
      switch (e[0]) {
        case "content_block_start" -> content.add(data.get("content_block").deepCopy());
        case "content_block_delta" -> {
          ObjectNode block = (ObjectNode) content.get(data.path("index").asInt());
          JsonNode delta = data.get("delta");
          if ("signature_delta".equals(delta.path("type").asText())) {
            block.put("signature", delta.path("signature").asText());
          } else if ("input_json_delta".equals(delta.path("type").asText())) {
            input.append(delta.path("partial_json").asText());
          }
        }
        default -> {}
      }
    }
    ((ObjectNode) content.get(1)).set("input", GatewayHarness.json(input.toString()));
    HttpResponse<String> second =
        gateway.post(
            "/v1/messages",
            messagesRequest("g3", true, replay(content, content.at("/1/id").asText()), "auto"));
    assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
    assertThat(second.body()).doesNotContain("event: error");
    assertThat(lastSent().at("/contents/1/parts/0/thoughtSignature").asText()).isEqualTo(SIGNATURE);
  }

  @Test
  void messagesCarriersNeverReachAnotherProviderButGenuineThinkingDoes() throws Exception {
    String genuine =
        "{\"type\":\"thinking\",\"thinking\":\"Let me look.\",\"signature\":\"EqQBCgIYAhIM1gbcDa9GJwZA\"}";
    String carrier = "{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"" + CARRIER + "\"}";
    String toolUse =
        "{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"lookup\",\"input\":{\"query\":\"cats\"}}";
    String history =
        ASK
            + ",{\"role\":\"assistant\",\"content\":["
            + genuine
            + ","
            + carrier
            + ","
            + toolUse
            + "]},{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\","
            + "\"tool_use_id\":\"toolu_1\",\"content\":\"3 cats\"}]}";

    // An Anthropic target gets the client's body without the carrier, the genuine block as sent.
    HttpResponse<String> claude =
        gateway.post("/v1/messages", messagesRequest("claude", false, history, "auto"));
    assertThat(claude.statusCode()).as(claude.body()).isEqualTo(200);
    JsonNode sent = lastSent();
    assertThat(sent.at("/messages/1/content")).hasSize(2);
    assertThat(sent.at("/messages/1/content/0").toString()).isEqualTo(genuine);
    assertThat(sent.at("/messages/1/content/1/type").asText()).isEqualTo("tool_use");
    assertThat(sent.toString()).doesNotContain(ThoughtCarrier.PREFIX);

    // A chat-completions target gets the tool call without a trace of the signature.
    HttpResponse<String> chat =
        gateway.post("/v1/messages", messagesRequest("chat-only", false, history, "auto"));
    assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
    sent = lastSent();
    assertThat(sent.at("/messages/1/tool_calls/0/id").asText()).isEqualTo("toolu_1");
    assertThat(sent.toString()).doesNotContain(SIGNATURE).doesNotContain("extra_content");

    // Gemini gets the signature the carrier holds (the genuine block is Anthropic's: left out).
    HttpResponse<String> gemini =
        gateway.post("/v1/messages", messagesRequest("g3", false, history, "auto"));
    assertThat(gemini.statusCode()).as(gemini.body()).isEqualTo(200);
    assertThat(lastSent().at("/contents/1/parts/0/thoughtSignature").asText()).isEqualTo(SIGNATURE);
    // Without the carrier, Google's placeholder, as before.
    String unsigned = history.replace(carrier + ",", "");
    HttpResponse<String> placeholder =
        gateway.post("/v1/messages", messagesRequest("g3", false, unsigned, "auto"));
    assertThat(placeholder.statusCode()).as(placeholder.body()).isEqualTo(200);
    assertThat(lastSent().at("/contents/1/parts/0/thoughtSignature").asText())
        .isEqualTo(PLACEHOLDER);
  }

  // ------------------------------------------------- Anthropic with extended thinking after Gemini

  static final String CARRIED_TOOL_TURN =
      ASK
          + ",{\"role\":\"assistant\",\"content\":[{\"type\":\"thinking\",\"thinking\":\"\","
          + "\"signature\":\""
          + CARRIER
          + "\"},{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"lookup\","
          + "\"input\":{\"query\":\"cats\"}}]},{\"role\":\"user\",\"content\":[{\"type\":"
          + "\"tool_result\",\"tool_use_id\":\"toolu_1\",\"content\":\"3 cats\"}]}";

  private static String thinkingRequest(String model, String thinking, String messages) {
    return "{\"model\":\""
        + model
        + "\",\"max_tokens\":2048,\"thinking\":"
        + thinking
        + ",\"messages\":["
        + messages
        + "],"
        + MESSAGES_TOOLS
        + "}";
  }

  static final String ENABLED = "{\"type\":\"enabled\",\"budget_tokens\":1024}";

  @Test
  void aToolLoopGeminiBeganFailsOverToAnthropicWithThinkingTurnedOff() throws Exception {
    // Gemini is down: Anthropic serves a history whose tool turn Gemini made (its signature in the
    // carrier, no thinking block of Anthropic's). With thinking on, Anthropic refuses that (400);
    // the gateway sends it without thinking and says so.
    mock.faults().set(GEMINI_3_PRO, "status:503");
    try {
      HttpResponse<String> answer =
          gateway.post(
              "/v1/messages", thinkingRequest("g3-then-claude", ENABLED, CARRIED_TOOL_TURN));
      assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
      assertThat(answer.headers().firstValue("x-switchboard-provider")).hasValue("claude");
      assertThat(answer.headers().firstValue("x-switchboard-unhonoured-params"))
          .hasValue("thinking");
      JsonNode sent = lastSent();
      assertThat(sent.path("model").asText()).isEqualTo("claude-sonnet-4-5");
      assertThat(sent.has("thinking")).isFalse();
      assertThat(sent.at("/messages/1/content/0/type").asText()).isEqualTo("tool_use");
      assertThat(sent.toString()).doesNotContain(ThoughtCarrier.PREFIX);
    } finally {
      mock.faults().clear(GEMINI_3_PRO);
    }
  }

  @Test
  void countTokensForAToolTurnAnotherProviderServedIsCountedWithThinkingTurnedOff()
      throws Exception {
    // The last tool turn came from another provider (no thinking block of Anthropic's): Anthropic
    // validates count_tokens as the Messages request it counts and refuses it (400) with thinking
    // on, so it is counted without thinking, as that request is sent, and said so.
    String otherProvidersTurn =
        ASK
            + ",{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":\"call_1\","
            + "\"name\":\"lookup\",\"input\":{\"query\":\"cats\"}}]},{\"role\":\"user\","
            + "\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"call_1\","
            + "\"content\":\"3 cats\"}]}";
    HttpResponse<String> counted =
        gateway.post(
            "/v1/messages/count_tokens",
            thinkingRequest("claude", ENABLED, otherProvidersTurn)
                .replace("\"max_tokens\":2048,", ""));
    assertThat(counted.statusCode()).as(counted.body()).isEqualTo(200);
    assertThat(GatewayHarness.json(counted.body()).path("input_tokens").asInt()).isPositive();
    assertThat(counted.headers().firstValue("x-switchboard-unhonoured-params"))
        .hasValue("thinking");
    List<RequestRecord> requests = mock.requests();
    RequestRecord sent = requests.get(requests.size() - 1);
    assertThat(sent.path()).isEqualTo("/v1/messages/count_tokens");
    assertThat(sent.body().containsKey("thinking")).isFalse();
  }

  @Test
  void thinkingStaysOnWhenTheToolTurnHasAnthropicsThinkingOrItIsAdaptive() throws Exception {
    // The tool turn starts with Anthropic's own thinking block: thinking goes as the client sent
    // it.
    String genuine =
        CARRIED_TOOL_TURN.replace(
            "[{\"type\":\"thinking\"",
            "[{\"type\":\"thinking\",\"thinking\":\"Look it up.\",\"signature\":\""
                + AnthropicPayloads.signature("Look it up.")
                + "\"},{\"type\":\"thinking\"");
    HttpResponse<String> own =
        gateway.post("/v1/messages", thinkingRequest("claude", ENABLED, genuine));
    assertThat(own.statusCode()).as(own.body()).isEqualTo(200);
    assertThat(own.headers().firstValue("x-switchboard-unhonoured-params")).isEmpty();
    JsonNode sent = lastSent();
    assertThat(sent.at("/thinking/type").asText()).isEqualTo("enabled");
    assertThat(sent.at("/messages/1/content/0/signature").asText())
        .isEqualTo(AnthropicPayloads.signature("Look it up."));
    assertThat(sent.toString()).doesNotContain(ThoughtCarrier.PREFIX);

    // Adaptive thinking does not require the block: it goes as sent.
    HttpResponse<String> adaptive =
        gateway.post(
            "/v1/messages",
            thinkingRequest("claude", "{\"type\":\"adaptive\"}", CARRIED_TOOL_TURN));
    assertThat(adaptive.statusCode()).as(adaptive.body()).isEqualTo(200);
    assertThat(adaptive.headers().firstValue("x-switchboard-unhonoured-params")).isEmpty();
    assertThat(lastSent().at("/thinking/type").asText()).isEqualTo("adaptive");
  }

  // ------------------------------------------------------------------------------- Responses

  static final String RESPONSES_TOOLS =
      "\"tools\":[{\"type\":\"function\",\"name\":\"lookup\",\"parameters\":{\"type\":\"object\","
          + "\"properties\":{\"query\":{\"type\":\"string\"}}}}]";

  private static String responsesRequest(
      String model, boolean stream, String input, String choice) {
    return "{\"model\":\""
        + model
        + "\",\"stream\":"
        + stream
        + ",\"store\":false,\"input\":["
        + input
        + "],"
        + RESPONSES_TOOLS
        + ",\"tool_choice\":\""
        + choice
        + "\"}";
  }

  static final String RESPONSES_ASK =
      "{\"type\":\"message\",\"role\":\"user\",\"content\":\"find cats\"}";

  private static String responsesReplay(JsonNode reasoning, JsonNode call) {
    return RESPONSES_ASK
        + ","
        + reasoning
        + ","
        + call
        + ",{\"type\":\"function_call_output\",\"call_id\":\""
        + call.path("call_id").asText()
        + "\",\"output\":\"{\\\"cats\\\":3}\"}";
  }

  @Test
  void aResponsesToolLoopHandsGeminiItsOwnSignatureBack() throws Exception {
    HttpResponse<String> first =
        gateway.post("/v1/responses", responsesRequest("g3", false, RESPONSES_ASK, "required"));
    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    JsonNode output = GatewayHarness.json(first.body()).get("output");
    assertThat(output).hasSize(2);
    JsonNode reasoning = output.get(0);
    assertThat(reasoning.path("type").asText()).isEqualTo("reasoning");
    assertThat(reasoning.path("id").asText()).startsWith("rs_");
    assertThat(reasoning.path("summary").isArray()).isTrue();
    assertThat(reasoning.path("summary")).isEmpty();
    assertThat(reasoning.path("encrypted_content").asText()).isEqualTo(CARRIER);
    JsonNode call = output.get(1);
    assertThat(call.path("type").asText()).isEqualTo("function_call");

    HttpResponse<String> second =
        gateway.post(
            "/v1/responses",
            responsesRequest("g3", false, responsesReplay(reasoning, call), "auto"));
    assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
    JsonNode sent = lastSent();
    assertThat(sent.at("/contents/1/parts/0/functionCall/name").asText()).isEqualTo("lookup");
    assertThat(sent.at("/contents/1/parts/0/thoughtSignature").asText()).isEqualTo(SIGNATURE);
  }

  @Test
  void aStreamedResponsesToolLoopHandsGeminiItsOwnSignatureBack() throws Exception {
    HttpResponse<String> first =
        gateway.post("/v1/responses", responsesRequest("g3", true, RESPONSES_ASK, "required"));
    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    List<JsonNode> added = new ArrayList<>();
    List<JsonNode> done = new ArrayList<>();
    JsonNode completed = null;
    for (String[] e : sse(first.body())) {
      JsonNode data = GatewayHarness.json(e[1]);
      switch (e[0]) {
        case "response.output_item.added" -> added.add(data);
        case "response.output_item.done" -> done.add(data);
        case "response.completed" -> completed = data.get("response");
        default -> {}
      }
    }
    assertThat(added).hasSize(2);
    assertThat(done).hasSize(2);
    assertThat(added.get(0).path("output_index").asInt()).isZero();
    assertThat(added.get(0).at("/item/type").asText()).isEqualTo("reasoning");
    assertThat(added.get(0).at("/item/encrypted_content").asText()).isEqualTo(CARRIER);
    assertThat(done.get(0).path("output_index").asInt()).isZero();
    assertThat(done.get(0).at("/item/encrypted_content").asText()).isEqualTo(CARRIER);
    assertThat(added.get(1).path("output_index").asInt()).isEqualTo(1);
    assertThat(done.get(1).at("/item/type").asText()).isEqualTo("function_call");
    assertThat(completed).isNotNull();
    assertThat(completed.at("/output/0/type").asText()).isEqualTo("reasoning");
    assertThat(completed.at("/output/1/type").asText()).isEqualTo("function_call");

    // The client keeps the items of output_item.done, as OpenAI tells it to, and replays them.
    HttpResponse<String> second =
        gateway.post(
            "/v1/responses",
            responsesRequest(
                "g3",
                true,
                responsesReplay(done.get(0).get("item"), done.get(1).get("item")),
                "auto"));
    assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
    assertThat(second.body()).doesNotContain("event: error");
    assertThat(lastSent().at("/contents/1/parts/0/thoughtSignature").asText()).isEqualTo(SIGNATURE);
  }

  @Test
  void responsesCarriersNeverReachOpenAiButGenuineReasoningDoes() throws Exception {
    String genuine =
        "{\"type\":\"reasoning\",\"id\":\"rs_genuine\",\"summary\":[],"
            + "\"encrypted_content\":\"gAAAAABo_genuine_openai_reasoning\"}";
    String carrier =
        "{\"type\":\"reasoning\",\"id\":\"rs_carrier\",\"summary\":[],\"encrypted_content\":\""
            + CARRIER
            + "\"}";
    String call =
        "{\"type\":\"function_call\",\"call_id\":\"call_1\",\"name\":\"lookup\","
            + "\"arguments\":\"{\\\"query\\\":\\\"cats\\\"}\"}";
    String input =
        RESPONSES_ASK
            + ","
            + genuine
            + ","
            + carrier
            + ","
            + call
            + ",{\"type\":\"function_call_output\",\"call_id\":\"call_1\",\"output\":\"3 cats\"}";

    // OpenAI serves the Responses API: it gets the client's input without the carrier.
    HttpResponse<String> openai =
        gateway.post("/v1/responses", responsesRequest("gpt", false, input, "auto"));
    assertThat(openai.statusCode()).as(openai.body()).isEqualTo(200);
    JsonNode sent = lastSent();
    assertThat(sent.get("input")).hasSize(4);
    assertThat(sent.at("/input/1/id").asText()).isEqualTo("rs_genuine");
    assertThat(sent.at("/input/1/encrypted_content").asText())
        .isEqualTo("gAAAAABo_genuine_openai_reasoning");
    assertThat(sent.at("/input/2/type").asText()).isEqualTo("function_call");
    assertThat(sent.toString()).doesNotContain(ThoughtCarrier.PREFIX);

    // A chat-completions target: the tool call without a trace of the signature.
    HttpResponse<String> chat =
        gateway.post("/v1/responses", responsesRequest("chat-only", false, input, "auto"));
    assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
    sent = lastSent();
    assertThat(sent.at("/messages/1/tool_calls/0/id").asText()).isEqualTo("call_1");
    assertThat(sent.toString()).doesNotContain(SIGNATURE).doesNotContain("extra_content");

    // Gemini: the carrier's signature on the call.
    HttpResponse<String> gemini =
        gateway.post("/v1/responses", responsesRequest("g3", false, input, "auto"));
    assertThat(gemini.statusCode()).as(gemini.body()).isEqualTo(200);
    assertThat(lastSent().at("/contents/1/parts/0/thoughtSignature").asText()).isEqualTo(SIGNATURE);
  }

  // ------------------------------------------------------- a signature streamed after its call

  @Test
  void aSignatureStreamedAfterItsCallStillReachesEveryDoorsClient() throws Exception {
    // Gemini may send the turn's signature on a later part of its own (empty text) than the call.
    mock.faults().set(GEMINI_3, "gemini-signature-tail");
    try {
      HttpResponse<String> messages =
          gateway.post("/v1/messages", messagesRequest("g3", true, ASK, "any"));
      assertThat(messages.statusCode()).as(messages.body()).isEqualTo(200);
      int carrierAt = -1;
      int toolUseAt = -1;
      for (String[] e : sse(messages.body())) {
        JsonNode data = GatewayHarness.json(e[1]);
        if (CARRIER.equals(data.at("/delta/signature").asText(null))) {
          carrierAt = data.path("index").asInt();
        }
        if ("tool_use".equals(data.at("/content_block/type").asText())) {
          toolUseAt = data.path("index").asInt();
        }
      }
      assertThat(carrierAt).as(messages.body()).isZero();
      assertThat(toolUseAt).isEqualTo(1);

      HttpResponse<String> responses =
          gateway.post("/v1/responses", responsesRequest("g3", true, RESPONSES_ASK, "required"));
      assertThat(responses.statusCode()).as(responses.body()).isEqualTo(200);
      List<JsonNode> done = new ArrayList<>();
      for (String[] e : sse(responses.body())) {
        if (e[0].equals("response.output_item.done")) {
          done.add(GatewayHarness.json(e[1]).get("item"));
        }
      }
      assertThat(done).hasSize(2);
      assertThat(done.get(0).path("encrypted_content").asText()).isEqualTo(CARRIER);
      assertThat(done.get(1).path("type").asText()).isEqualTo("function_call");

      // The chat door: the call comes once, whole, with the signature where Google puts it.
      HttpResponse<String> chat =
          gateway.post(
              "/v1/chat/completions",
              "{\"model\":\"g3\",\"stream\":true,\"messages\":[{\"role\":\"user\","
                  + "\"content\":\"find cats\"}],\"tool_choice\":\"required\",\"tools\":["
                  + "{\"type\":\"function\",\"function\":{\"name\":\"lookup\",\"parameters\":"
                  + "{\"type\":\"object\",\"properties\":{\"query\":{\"type\":\"string\"}}}}}]}");
      assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
      List<JsonNode> calls = new ArrayList<>();
      for (String line : chat.body().split("\n")) {
        if (line.startsWith("data: {")) {
          GatewayHarness.json(line.substring(6))
              .at("/choices/0/delta/tool_calls")
              .forEach(calls::add);
        }
      }
      assertThat(calls).hasSize(1);
      assertThat(calls.get(0).at("/function/name").asText()).isEqualTo("lookup");
      assertThat(calls.get(0).at("/extra_content/google/thought_signature").asText())
          .isEqualTo(SIGNATURE);
    } finally {
      mock.faults().clear(GEMINI_3);
    }
  }

  // ------------------------------------------- Google's OpenAI-compatible endpoint as the target

  static final String CHAT_TOOLS =
      "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"lookup\",\"parameters\":"
          + "{\"type\":\"object\",\"properties\":{\"query\":{\"type\":\"string\"}}}}}]";

  @Test
  void theChatDoorPassesGooglesCompatibleSignaturesThroughUntouched() throws Exception {
    String ask = "{\"role\":\"user\",\"content\":\"find cats\"}";
    HttpResponse<String> first =
        gateway.post(
            "/v1/chat/completions",
            "{\"model\":\"g3-oai\",\"messages\":["
                + ask
                + "],\"tool_choice\":\"required\","
                + CHAT_TOOLS
                + "}");
    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    JsonNode message = GatewayHarness.json(first.body()).at("/choices/0/message");
    assertThat(message.at("/tool_calls/0/extra_content/google/thought_signature").asText())
        .isEqualTo(SIGNATURE);
    JsonNode call = message.at("/tool_calls/0");
    String replay =
        "{\"model\":\"g3-oai\",\"messages\":["
            + ask
            + ",{\"role\":\"assistant\",\"content\":null,\"tool_calls\":["
            + call
            + "]},{\"role\":\"tool\",\"tool_call_id\":\""
            + call.path("id").asText()
            + "\",\"content\":\"3 cats\"}],"
            + CHAT_TOOLS
            + "}";
    HttpResponse<String> second = gateway.post("/v1/chat/completions", replay);
    assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
    assertThat(lastSent().at("/messages/1/tool_calls/0").toString()).isEqualTo(call.toString());
    // The mock refuses, as Google does, a Gemini 3 call replayed without its signature.
    HttpResponse<String> unsigned =
        gateway.post(
            "/v1/chat/completions",
            replay.replace(
                ",\"extra_content\":{\"google\":{\"thought_signature\":\"" + SIGNATURE + "\"}}",
                ""));
    assertThat(unsigned.statusCode()).as(unsigned.body()).isEqualTo(400);
    assertThat(unsigned.body()).contains("missing a thought_signature");
  }

  @Test
  void messagesAndResponsesToolLoopsHandGooglesCompatibleEndpointItsSignatureBack()
      throws Exception {
    HttpResponse<String> first =
        gateway.post("/v1/messages", messagesRequest("g3-oai", false, ASK, "any"));
    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    JsonNode content = GatewayHarness.json(first.body()).get("content");
    assertThat(content.at("/0/signature").asText()).isEqualTo(CARRIER);
    assertThat(content.at("/1/type").asText()).isEqualTo("tool_use");
    HttpResponse<String> second =
        gateway.post(
            "/v1/messages",
            messagesRequest(
                "g3-oai", false, replay(content, content.at("/1/id").asText()), "auto"));
    assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
    assertThat(
            lastSent()
                .at("/messages/1/tool_calls/0/extra_content/google/thought_signature")
                .asText())
        .isEqualTo(SIGNATURE);

    HttpResponse<String> responses =
        gateway.post("/v1/responses", responsesRequest("g3-oai", true, RESPONSES_ASK, "required"));
    assertThat(responses.statusCode()).as(responses.body()).isEqualTo(200);
    List<JsonNode> done = new ArrayList<>();
    for (String[] e : sse(responses.body())) {
      if (e[0].equals("response.output_item.done")) {
        done.add(GatewayHarness.json(e[1]).get("item"));
      }
    }
    assertThat(done).hasSize(2);
    assertThat(done.get(0).path("encrypted_content").asText()).isEqualTo(CARRIER);
    HttpResponse<String> again =
        gateway.post(
            "/v1/responses",
            responsesRequest("g3-oai", false, responsesReplay(done.get(0), done.get(1)), "auto"));
    assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
    JsonNode sent = lastSent();
    assertThat(sent.at("/messages/1/tool_calls/0/extra_content/google/thought_signature").asText())
        .isEqualTo(SIGNATURE);
    assertThat(sent.toString()).doesNotContain(ThoughtCarrier.PREFIX);
  }

  /** The events of an SSE body as {@code [event name, data]}. */
  static List<String[]> sse(String body) {
    List<String[]> events = new ArrayList<>();
    for (String frame : body.split("\n\n")) {
      String name = null;
      StringBuilder data = new StringBuilder();
      for (String line : frame.split("\n")) {
        if (line.startsWith("event: ")) {
          name = line.substring(7);
        } else if (line.startsWith("data: ")) {
          data.append(line.substring(6));
        }
      }
      if (name != null && !data.isEmpty()) {
        events.add(new String[] {name, data.toString()});
      }
    }
    return events;
  }
}
