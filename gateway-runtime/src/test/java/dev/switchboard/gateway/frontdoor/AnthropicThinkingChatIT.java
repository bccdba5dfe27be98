package dev.switchboard.gateway.frontdoor;

import static dev.switchboard.gateway.TestTables.route;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Anthropic extended thinking through the chat-completions door, across a tool turn, as a client
 * built for LiteLLM runs it: the answer's assistant message carries its thinking blocks ({@code
 * thinking_blocks}: text and signature, LiteLLM's field; a stream gives each block whole in a
 * chunk's {@code delta.thinking_blocks}), the client appends that message to its history as it
 * came, and the follow-up reaches Anthropic with thinking on and the tool turn opening with those
 * blocks, unchanged — which the mock Anthropic provider, as Anthropic, refuses otherwise (it signs
 * its thinking and takes back only what it signed). No other provider ever gets the field.
 */
class AnthropicThinkingChatIT {

  static final String CLAUDE = "claude-sonnet-4-5";

  static final String GEMINI = "gemini-2.5-flash";

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  static GatewayHarness gateway;
  static MockProvider mock;

  @BeforeAll
  static void start() throws Exception {
    gateway =
        GatewayHarness.withMock(
            dir,
            new MockProviderOptions().keys("mock-key").models(CLAUDE, "gpt-4o-mini", GEMINI),
            AnthropicThinkingChatIT::table,
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

  static final String ASK = "{\"role\":\"user\",\"content\":\"use lookup to find cats\"}";

  private static String request(String model, boolean stream, String messages) {
    return "{\"model\":\""
        + model
        + "\",\"stream\":"
        + stream
        + ",\"reasoning_effort\":\"low\",\"messages\":["
        + messages
        + "],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"lookup\",\"parameters\":"
        + "{\"type\":\"object\",\"properties\":{\"query\":{\"type\":\"string\"}}}}}]}";
  }

  /** The next turn's messages: the question, the assistant message as it came, the tool result. */
  private static String replay(JsonNode assistant) {
    return ASK
        + ","
        + assistant
        + ",{\"role\":\"tool\",\"tool_call_id\":\""
        + assistant.at("/tool_calls/0/id").asText()
        + "\",\"content\":\"3 cats\"}";
  }

  /** The first turn, JSON: the assistant message, with its thinking blocks. */
  private static JsonNode firstTurn(String model) throws Exception {
    HttpResponse<String> first = gateway.post("/v1/chat/completions", request(model, false, ASK));
    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    // The OpenAI SDK still reads the answer: an extra message field is kept, not refused.
    OpenAiWireFormat.assertValid(OpenAiWireFormat.Body.CHAT_COMPLETION, first.body());
    return GatewayHarness.json(first.body()).at("/choices/0/message");
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
    assertThat(sent.toString()).doesNotContain("thinking_blocks");
  }

  @Test
  void aToolLoopHandsAnthropicItsThinkingBackWithItsSignature() throws Exception {
    JsonNode assistant = firstTurn("claude");
    String thought = assistant.path("reasoning_content").asText();
    assertThat(thought).isNotEmpty();
    JsonNode blocks = assistant.get("thinking_blocks");
    assertThat(blocks).hasSize(1);
    assertThat(blocks.at("/0/type").asText()).isEqualTo("thinking");
    assertThat(blocks.at("/0/thinking").asText()).isEqualTo(thought);
    assertThat(blocks.at("/0/signature").asText()).isEqualTo(AnthropicPayloads.signature(thought));
    assertThat(assistant.at("/tool_calls/0/function/name").asText()).isEqualTo("lookup");

    HttpResponse<String> second =
        gateway.post("/v1/chat/completions", request("claude", false, replay(assistant)));
    assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
    assertThat(second.headers().firstValue("x-switchboard-unhonoured-params")).isEmpty();
    assertThinkingHandedBack(thought);
    // The follow-up thought again, with thinking on.
    assertThat(GatewayHarness.json(second.body()).at("/choices/0/message/thinking_blocks"))
        .hasSize(1);
  }

  @Test
  void aStreamedToolLoopHandsAnthropicItsThinkingBackWithItsSignature() throws Exception {
    HttpResponse<String> first = gateway.post("/v1/chat/completions", request("claude", true, ASK));
    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    assertThat(OpenAiWireFormat.chatStreamProblems(first.body())).isEmpty();

    // The client accumulates the deltas into the assistant message, thinking blocks included.
    ObjectNode assistant = JSON.createObjectNode().put("role", "assistant");
    StringBuilder content = new StringBuilder();
    StringBuilder thought = new StringBuilder();
    ArrayNode blocks = assistant.putArray("thinking_blocks");
    ObjectNode call = null;
    for (SseEvent e : SseParser.parseAll(first.body())) {
      if ("[DONE]".equals(e.data())) {
        continue;
      }
      JsonNode delta = GatewayHarness.json(e.data()).at("/choices/0/delta");
      content.append(delta.path("content").asText(""));
      thought.append(delta.path("reasoning_content").asText(""));
      delta.path("thinking_blocks").forEach(blocks::add);
      for (JsonNode piece : delta.path("tool_calls")) {
        if (piece.has("id")) {
          call = assistant.putArray("tool_calls").addObject();
          call.put("id", piece.path("id").asText()).put("type", "function");
          call.putObject("function")
              .put("name", piece.at("/function/name").asText())
              .put("arguments", "");
        }
        ObjectNode function = (ObjectNode) call.get("function");
        function.put(
            "arguments",
            function.path("arguments").asText() + piece.at("/function/arguments").asText(""));
      }
    }
    assistant.put("content", content.toString());
    assertThat(call).isNotNull();
    assertThat(blocks).hasSize(1);
    assertThat(blocks.at("/0/thinking").asText()).isEqualTo(thought.toString());
    assertThat(blocks.at("/0/signature").asText())
        .isEqualTo(AnthropicPayloads.signature(thought.toString()));

    HttpResponse<String> second =
        gateway.post("/v1/chat/completions", request("claude", true, replay(assistant)));
    assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
    assertThat(second.body()).doesNotContain("\"error\"");
    assertThat(second.headers().firstValue("x-switchboard-unhonoured-params")).isEmpty();
    assertThinkingHandedBack(thought.toString());
  }

  @Test
  void aChangedSignatureIsRefusedAsAnthropicRefusesIt() throws Exception {
    JsonNode assistant = firstTurn("claude");
    ((ObjectNode) assistant.at("/thinking_blocks/0")).put("signature", "Zm9yZ2Vk");

    HttpResponse<String> second =
        gateway.post("/v1/chat/completions", request("claude", false, replay(assistant)));
    assertThat(second.statusCode()).as(second.body()).isEqualTo(400);
    assertThat(GatewayHarness.json(second.body()).at("/error/message").asText())
        .contains("signature");
  }

  @Test
  void theFieldNeverReachesAnotherProvider() throws Exception {
    JsonNode assistant = firstTurn("claude");
    String signature = assistant.at("/thinking_blocks/0/signature").asText();

    for (String model : List.of("chat-only", "gpt")) {
      HttpResponse<String> other =
          gateway.post("/v1/chat/completions", request(model, false, replay(assistant)));
      assertThat(other.statusCode()).as(other.body()).isEqualTo(200);
      JsonNode sent = lastSent();
      assertThat(sent.at("/messages/1/tool_calls/0/function/name").asText()).isEqualTo("lookup");
      assertThat(sent.at("/messages/1").has("thinking_blocks")).as(model).isFalse();
      assertThat(sent.toString()).doesNotContain(signature);
      assertThat(other.headers().firstValue("x-switchboard-unhonoured-params"))
          .as(model)
          .hasValueSatisfying(v -> assertThat(v).contains("messages[].thinking_blocks"));
    }
  }

  @Test
  void aToolLoopThatFailsOverFromAnthropicToGeminiMidLoopStillSucceeds() throws Exception {
    JsonNode assistant = firstTurn("claude-then-gemini");
    assertThat(assistant.get("thinking_blocks")).hasSize(1);

    mock.faults().set(CLAUDE, "status:503");
    try {
      HttpResponse<String> second =
          gateway.post(
              "/v1/chat/completions", request("claude-then-gemini", false, replay(assistant)));
      // Gemini gets the call without Anthropic's thinking (never a 400 of its own), and says so.
      assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
      assertThat(second.headers().firstValue("x-switchboard-provider")).hasValue("gem");
      assertThat(second.headers().firstValue("x-switchboard-unhonoured-params"))
          .hasValueSatisfying(v -> assertThat(v).contains("messages[].thinking_blocks"));
      JsonNode sent = lastSent();
      assertThat(sent.at("/contents/1/parts/0/functionCall/name").asText()).isEqualTo("lookup");
      assertThat(sent.toString())
          .doesNotContain(assistant.at("/thinking_blocks/0/signature").asText());
    } finally {
      mock.faults().clear(CLAUDE);
    }
  }
}
