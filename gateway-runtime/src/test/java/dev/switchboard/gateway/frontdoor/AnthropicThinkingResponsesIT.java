package dev.switchboard.gateway.frontdoor;

import static dev.switchboard.gateway.TestTables.route;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import dev.switchboard.mock.anthropic.AnthropicPayloads;
import dev.switchboard.mock.openapi.OpenAiWireFormat;
import dev.switchboard.mock.record.RequestRecord;
import dev.switchboard.mock.sse.SseEvent;
import dev.switchboard.mock.sse.SseParser;
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
 * Anthropic extended thinking through the Responses door, across a tool turn, as Codex CLI and the
 * OpenAI Agents SDK run it ({@code store: false}, {@code include: ["reasoning.encrypted_content"]},
 * the output items handed back as the next request's input): the reasoning item carries the
 * thinking block (text and signature) in its {@code encrypted_content}, and the follow-up reaches
 * Anthropic with thinking on and the tool turn opening with that block, unchanged — which the mock
 * Anthropic provider, as Anthropic, refuses otherwise (it signs its thinking and takes back only
 * what it signed). The carrier never reaches another provider.
 */
class AnthropicThinkingResponsesIT {

  static final String CLAUDE = "claude-sonnet-4-5";

  static final String GEMINI = "gemini-2.5-flash";

  @TempDir static Path dir;
  static GatewayHarness gateway;
  static MockProvider mock;

  @BeforeAll
  static void start() throws Exception {
    gateway =
        GatewayHarness.withMock(
            dir,
            new MockProviderOptions().keys("mock-key").models(CLAUDE, "gpt-4o-mini", GEMINI),
            AnthropicThinkingResponsesIT::table,
            Map.of(
                "claude", "mock-key", "openai", "mock-key", "oai", "mock-key", "gem", "mock-key"));
    mock = gateway.mock();
  }

  static RoutingTable table(MockProvider mock) {
    return TestTables.table(
        List.of(
            TestTables.provider("claude", "anthropic", mock.baseUrl(), true, Map.of(), null),
            TestTables.provider("openai", "openai", mock.baseUrl(), true, Map.of(), null),
            TestTables.provider("oai", "openai-compatible", mock.baseUrl(), true, Map.of(), null),
            TestTables.provider("gem", "gemini", mock.origin() + "/v1beta", true, Map.of(), null)),
        List.of(
            route("claude", List.of(), target("claude", CLAUDE, 0)),
            route("gpt", List.of(), target("openai", "gpt-4o-mini", 0)),
            route("chat-only", List.of(), target("oai", "gpt-4o-mini", 0)),
            route(
                "claude-then-gemini",
                List.of(),
                target("claude", CLAUDE, 0),
                target("gem", GEMINI, 1))));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  private static JsonNode lastSent() throws Exception {
    List<RequestRecord> requests = mock.requests();
    return GatewayHarness.json(requests.get(requests.size() - 1).body().encode());
  }

  /** The carrier's prefix, as docs/API.md gives it. */
  static final String PREFIX = "switchboard.anthropic-thinking.v1:";

  static final String INCLUDE = "\"include\":[\"reasoning.encrypted_content\"],";

  static final String ASK =
      "{\"type\":\"message\",\"role\":\"user\",\"content\":\"use lookup to find cats\"}";

  private static String request(String model, boolean stream, String extra, String input) {
    return "{\"model\":\""
        + model
        + "\",\"stream\":"
        + stream
        + ",\"store\":false,"
        + extra
        + "\"reasoning\":{\"effort\":\"low\"},\"input\":["
        + input
        + "],\"tools\":[{\"type\":\"function\",\"name\":\"lookup\",\"parameters\":{\"type\":"
        + "\"object\",\"properties\":{\"query\":{\"type\":\"string\"}}}}]}";
  }

  /** The next turn's input: the question, the items the client got, the tool's output. */
  private static String replay(List<JsonNode> items) {
    StringBuilder input = new StringBuilder(ASK);
    String callId = null;
    for (JsonNode item : items) {
      input.append(',').append(item);
      if ("function_call".equals(item.path("type").asText())) {
        callId = item.path("call_id").asText();
      }
    }
    return input
        + ",{\"type\":\"function_call_output\",\"call_id\":\""
        + callId
        + "\",\"output\":\"3 cats\"}";
  }

  /** What the follow-up sent Anthropic: thinking on, the tool turn opening with the block. */
  private static void assertThinkingHandedBack(String thought) throws Exception {
    JsonNode sent = lastSent();
    assertThat(sent.at("/thinking/type").asText()).isEqualTo("enabled");
    JsonNode turn = sent.at("/messages/1");
    assertThat(turn.path("role").asText()).isEqualTo("assistant");
    assertThat(turn.at("/content/0/type").asText()).isEqualTo("thinking");
    assertThat(turn.at("/content/0/thinking").asText()).isEqualTo(thought);
    assertThat(turn.at("/content/0/signature").asText())
        .isEqualTo(AnthropicPayloads.signature(thought));
    assertThat(turn.at("/content/1/type").asText()).isEqualTo("tool_use");
    assertThat(sent.toString()).doesNotContain(PREFIX);
  }

  @Test
  void aToolLoopHandsAnthropicItsThinkingBackWithItsSignature() throws Exception {
    HttpResponse<String> first =
        gateway.post("/v1/responses", request("claude", false, INCLUDE, ASK));
    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    OpenAiWireFormat.assertValid(OpenAiWireFormat.Body.RESPONSE, first.body());
    JsonNode output = GatewayHarness.json(first.body()).get("output");
    assertThat(output).hasSize(2);
    JsonNode reasoning = output.get(0);
    assertThat(reasoning.path("type").asText()).isEqualTo("reasoning");
    String thought = reasoning.at("/content/0/text").asText();
    assertThat(thought).isNotEmpty();
    assertThat(reasoning.path("encrypted_content").asText()).startsWith(PREFIX);
    assertThat(output.get(1).path("type").asText()).isEqualTo("function_call");
    assertThat(first.headers().firstValue("x-switchboard-unhonoured-params")).isEmpty();

    HttpResponse<String> second =
        gateway.post(
            "/v1/responses",
            request("claude", false, INCLUDE, replay(List.of(reasoning, output.get(1)))));
    assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
    assertThat(second.headers().firstValue("x-switchboard-unhonoured-params")).isEmpty();
    assertThinkingHandedBack(thought);
    // The follow-up thought again, with thinking on.
    assertThat(GatewayHarness.json(second.body()).at("/output/0/type").asText())
        .isEqualTo("reasoning");
  }

  @Test
  void aStreamedToolLoopHandsAnthropicItsThinkingBackWithItsSignature() throws Exception {
    HttpResponse<String> first =
        gateway.post("/v1/responses", request("claude", true, INCLUDE, ASK));
    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    assertThat(OpenAiWireFormat.responsesStreamProblems(first.body())).isEmpty();
    List<JsonNode> done = new ArrayList<>();
    StringBuilder thought = new StringBuilder();
    JsonNode completed = null;
    for (SseEvent e : SseParser.parseAll(first.body())) {
      JsonNode data = GatewayHarness.json(e.data());
      switch (e.event()) {
        case "response.reasoning_text.delta" -> thought.append(data.path("delta").asText());
        case "response.output_item.done" -> done.add(data.get("item"));
        case "response.completed" -> completed = data.get("response");
        default -> {}
      }
    }
    assertThat(done).hasSize(2);
    assertThat(done.get(0).path("type").asText()).isEqualTo("reasoning");
    assertThat(done.get(0).path("encrypted_content").asText()).startsWith(PREFIX);
    assertThat(done.get(1).path("type").asText()).isEqualTo("function_call");
    assertThat(completed).isNotNull();
    assertThat(completed.at("/output/0/encrypted_content"))
        .isEqualTo(done.get(0).get("encrypted_content"));

    // The client keeps the items of output_item.done, as OpenAI tells it to, and replays them.
    HttpResponse<String> second =
        gateway.post("/v1/responses", request("claude", true, INCLUDE, replay(done)));
    assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
    assertThat(second.body()).doesNotContain("event: error");
    assertThat(second.headers().firstValue("x-switchboard-unhonoured-params")).isEmpty();
    assertThinkingHandedBack(thought.toString());
  }

  @Test
  void withoutTheIncludeTheItemHasNoCarrierAndTheFollowUpGoesWithoutThinking() throws Exception {
    HttpResponse<String> first = gateway.post("/v1/responses", request("claude", false, "", ASK));
    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    JsonNode output = GatewayHarness.json(first.body()).get("output");
    assertThat(output.get(0).has("encrypted_content")).isFalse();

    HttpResponse<String> second =
        gateway.post(
            "/v1/responses",
            request("claude", false, "", replay(List.of(output.get(0), output.get(1)))));
    assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
    assertThat(lastSent().has("thinking")).isFalse();
    assertThat(second.headers().firstValue("x-switchboard-unhonoured-params"))
        .hasValue("input[].reasoning, reasoning.effort");
  }

  @Test
  void theCarrierNeverReachesAnotherProvider() throws Exception {
    HttpResponse<String> first =
        gateway.post("/v1/responses", request("claude", false, INCLUDE, ASK));
    JsonNode output = GatewayHarness.json(first.body()).get("output");
    String carrier = output.get(0).path("encrypted_content").asText();
    String followUp = replay(List.of(output.get(0), output.get(1)));

    // A chat target: the call without a trace of the thinking; the reasoning item is named.
    HttpResponse<String> chat =
        gateway.post("/v1/responses", request("chat-only", false, INCLUDE, followUp));
    assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
    JsonNode sent = lastSent();
    assertThat(sent.at("/messages/1/tool_calls/0/function/name").asText()).isEqualTo("lookup");
    assertThat(sent.toString())
        .doesNotContain(PREFIX)
        .doesNotContain("signature")
        .doesNotContain("thinking");
    assertThat(chat.headers().firstValue("x-switchboard-unhonoured-params"))
        .hasValueSatisfying(v -> assertThat(v).contains("input[].reasoning"));

    // OpenAI's Responses API: the client's input without the carrier item (it would refuse it).
    HttpResponse<String> openai =
        gateway.post("/v1/responses", request("gpt", false, INCLUDE, followUp));
    assertThat(openai.statusCode()).as(openai.body()).isEqualTo(200);
    sent = lastSent();
    assertThat(sent.toString()).doesNotContain(carrier).doesNotContain("\"reasoning\",\"id\"");
    assertThat(sent.path("input")).hasSize(3);
  }

  @Test
  void aToolLoopThatFailsOverFromAnthropicToGeminiMidLoopStillSucceeds() throws Exception {
    HttpResponse<String> first =
        gateway.post("/v1/responses", request("claude-then-gemini", false, INCLUDE, ASK));
    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    assertThat(first.headers().firstValue("x-switchboard-provider")).hasValue("claude");
    JsonNode output = GatewayHarness.json(first.body()).get("output");
    assertThat(output.at("/0/encrypted_content").asText()).startsWith(PREFIX);

    mock.faults().set(CLAUDE, "status:503");
    try {
      HttpResponse<String> second =
          gateway.post(
              "/v1/responses",
              request(
                  "claude-then-gemini",
                  false,
                  INCLUDE,
                  replay(List.of(output.get(0), output.get(1)))));
      // Gemini gets the call without Anthropic's thinking (never a 400 of its own), and says so.
      assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
      assertThat(second.headers().firstValue("x-switchboard-provider")).hasValue("gem");
      assertThat(second.headers().firstValue("x-switchboard-unhonoured-params"))
          .hasValue("input[].reasoning");
      JsonNode sent = lastSent();
      assertThat(sent.at("/contents/1/parts/0/functionCall/name").asText()).isEqualTo("lookup");
      assertThat(sent.toString())
          .doesNotContain(PREFIX)
          .doesNotContain(AnthropicPayloads.signature(output.at("/0/content/0/text").asText()));
    } finally {
      mock.faults().clear(CLAUDE);
    }
  }

  @Test
  void aChangedCarrierIsRefusedAsOpenAiRefusesEncryptedContentItCannotRead() throws Exception {
    HttpResponse<String> first =
        gateway.post("/v1/responses", request("claude", false, INCLUDE, ASK));
    JsonNode output = GatewayHarness.json(first.body()).get("output");
    ((com.fasterxml.jackson.databind.node.ObjectNode) output.get(0))
        .put("encrypted_content", PREFIX + "bm90IGpzb24");
    int sentBefore = mock.requests().size();

    HttpResponse<String> second =
        gateway.post(
            "/v1/responses",
            request("claude", false, INCLUDE, replay(List.of(output.get(0), output.get(1)))));
    assertThat(second.statusCode()).as(second.body()).isEqualTo(400);
    JsonNode error = GatewayHarness.json(second.body()).get("error");
    assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
    assertThat(error.path("param").asText()).isEqualTo("input[1].encrypted_content");
    assertThat(mock.requests()).hasSize(sentBefore);
  }
}
