package dev.switchboard.gateway.upstream;

import static dev.switchboard.gateway.TestTables.route;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
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
import dev.switchboard.mock.openai.ReasoningPayloads;
import dev.switchboard.mock.sse.ChatStreamTranscript;
import dev.switchboard.mock.sse.SseEvent;
import dev.switchboard.mock.sse.SseParser;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A native Gemini target behind the chat front door against the mock provider, which refuses with
 * Gemini's 400 INVALID_ARGUMENT what the real Gemini API refuses: requests the gateway translates
 * must be ones Gemini takes.
 */
class GeminiWireRulesIT {

  static final String GEMINI_25 = "gemini-2.5-flash";
  static final String GEMINI_3 = "gemini-3-flash-preview";
  static final String GEMINI_3_PRO = "gemini-3-pro-preview";

  @TempDir static Path dir;
  static GatewayHarness gateway;
  static MockProvider mock;

  @BeforeAll
  static void start() throws Exception {
    gateway =
        GatewayHarness.withMock(
            dir,
            new MockProviderOptions().keys("gm-key").models(GEMINI_25, GEMINI_3, GEMINI_3_PRO),
            GeminiWireRulesIT::table,
            Map.of("gem", "gm-key"));
    mock = gateway.mock();
  }

  static RoutingTable table(MockProvider mock) {
    RoutingTable.Model priced =
        new RoutingTable.Model(
            List.of("chat", "tools", "json"),
            1_000_000L,
            new RoutingTable.Pricing(0.30, 2.50, 0.075, "USD"),
            null);
    return TestTables.table(
        List.of(
            TestTables.provider(
                "gem",
                "gemini",
                mock.origin() + "/v1beta",
                true,
                Map.of(GEMINI_25, priced, GEMINI_3, priced, GEMINI_3_PRO, priced),
                null)),
        List.of(
            route("g25", List.of(), target("gem", GEMINI_25, 0)),
            route("g3", List.of(), target("gem", GEMINI_3, 0)),
            route("g3pro", List.of(), target("gem", GEMINI_3_PRO, 0))));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  final ListAppender<ILoggingEvent> requestLog = new ListAppender<>();

  @BeforeEach
  void reset() {
    mock.faults().clearAll();
    requestLog.start();
    ((Logger) org.slf4j.LoggerFactory.getLogger(RequestLogWriter.LOGGER_NAME))
        .addAppender(requestLog);
  }

  @AfterEach
  void detach() {
    ((Logger) org.slf4j.LoggerFactory.getLogger(RequestLogWriter.LOGGER_NAME))
        .detachAppender(requestLog);
  }

  private static JsonNode lastSent() throws Exception {
    return GatewayHarness.json(mock.requests().get(mock.requests().size() - 1).body().encode());
  }

  @Test
  void toolAndResponseSchemasGeminiWouldRefuseAreSentInAFormItTakes() throws Exception {
    String tools =
        """
        {"model": "g25", "messages": [{"role": "user", "content": "look it up"}],
         "tools": [
          {"type": "function", "function": {"name": "fetch", "parameters": {"type": "object",
            "properties": {"url": {"type": "string", "format": "uri"},
                           "mail": {"type": "string", "format": "email"},
                           "level": {"type": "integer", "enum": [1, 2, 3]}},
            "required": ["url"]}}},
          {"type": "function", "function": {"name": "annotate", "parameters": {"type": "object",
            "properties": {"meta": {"type": "object", "description": "anything"}}}}},
          {"type": "function", "function": {"name": "tree", "parameters": {"type": "object",
            "properties": {"name": {"type": "string"},
                           "children": {"type": "array", "items": {"$ref": "#"}}}}}}]}
        """;
    HttpResponse<String> r = gateway.post("/v1/chat/completions", tools);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode declarations = lastSent().at("/tools/0/functionDeclarations");
    JsonNode fetch = declarations.at("/0/parameters/properties");
    assertThat(fetch.at("/url/format").isMissingNode()).isTrue();
    assertThat(fetch.at("/level/type").asText()).isEqualTo("INTEGER");
    assertThat(fetch.at("/level/enum").isMissingNode()).isTrue();
    // A free-form object and a self-reference have no Schema form: their JSON Schema goes as sent.
    assertThat(declarations.at("/1/parametersJsonSchema/properties/meta/type").asText())
        .isEqualTo("object");
    assertThat(declarations.at("/1/parameters").isMissingNode()).isTrue();
    assertThat(declarations.at("/2/parametersJsonSchema/properties/children/items/$ref").asText())
        .isEqualTo("#");

    String format =
        """
        {"model": "g25", "messages": [{"role": "user", "content": "describe"}],
         "response_format": {"type": "json_schema", "json_schema": {"name": "free",
           "schema": {"type": "object"}}}}
        """;
    HttpResponse<String> json = gateway.post("/v1/chat/completions", format);
    assertThat(json.statusCode()).as(json.body()).isEqualTo(200);
    assertThat(lastSent().at("/generationConfig/responseJsonSchema/type").asText())
        .isEqualTo("object");
    assertThat(lastSent().at("/generationConfig/responseSchema").isMissingNode()).isTrue();
  }

  @Test
  void aGemini3ToolLoopCarriesTheThoughtSignatureBackToGemini() throws Exception {
    String tools =
        ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"lookup\","
            + "\"parameters\":{\"type\":\"object\",\"properties\":{\"query\":{\"type\":\"string\"}}}}}],"
            + "\"tool_choice\":\"required\"";
    String ask = "{\"role\":\"user\",\"content\":\"find cats\"}";
    HttpResponse<String> first =
        gateway.post(
            "/v1/chat/completions", "{\"model\":\"g3\",\"messages\":[" + ask + "]" + tools + "}");
    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    JsonNode call = GatewayHarness.json(first.body()).at("/choices/0/message/tool_calls/0");
    String signature = call.at("/extra_content/google/thought_signature").asText("");
    assertThat(signature).isNotEmpty();

    // The client replays the call as it got it, with the tool's result: Gemini 3 takes it.
    String replay =
        "{\"model\":\"g3\",\"messages\":["
            + ask
            + ",{\"role\":\"assistant\",\"content\":null,\"tool_calls\":["
            + call
            + "]},{\"role\":\"tool\",\"tool_call_id\":\""
            + call.path("id").asText()
            + "\",\"content\":\"{\\\"cats\\\":3}\"}]"
            + tools.replace("\"required\"", "\"auto\"")
            + "}";
    HttpResponse<String> second = gateway.post("/v1/chat/completions", replay);
    assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
    JsonNode sent = lastSent();
    assertThat(sent.at("/contents/1/parts/0/functionCall/name").asText()).isEqualTo("lookup");
    assertThat(sent.at("/contents/1/parts/0/thoughtSignature").asText()).isEqualTo(signature);

    // A stream carries it on the tool-call delta.
    HttpResponse<String> stream =
        gateway.post(
            "/v1/chat/completions",
            "{\"model\":\"g3\",\"stream\":true,\"messages\":[" + ask + "]" + tools + "}");
    assertThat(stream.statusCode()).isEqualTo(200);
    assertThat(stream.body()).contains("\"thought_signature\":\"" + signature + "\"");

    // A client that dropped it: Google's placeholder, not a 400.
    HttpResponse<String> unsigned =
        gateway.post(
            "/v1/chat/completions",
            replay.replace(",\"extra_content\":" + call.path("extra_content").toString(), ""));
    assertThat(unsigned.statusCode()).as(unsigned.body()).isEqualTo(200);
    assertThat(lastSent().at("/contents/1/parts/0/thoughtSignature").asText())
        .isEqualTo("skip_thought_signature_validator");
  }

  @Test
  void emptyAssistantTextIsNeverSentAsAnEmptyPart() throws Exception {
    String loop =
        """
        {"model": "g25", "messages": [
          {"role": "user", "content": "hi"},
          {"role": "assistant", "content": "", "tool_calls": [{"id": "call_1", "type": "function",
            "function": {"name": "lookup", "arguments": "{\\"q\\": \\"x\\"}"}}]},
          {"role": "tool", "tool_call_id": "call_1", "content": "{\\"n\\": 1}"}],
         "tools": [{"type": "function", "function": {"name": "lookup", "parameters": {
           "type": "object", "properties": {"q": {"type": "string"}}}}}]}
        """;
    HttpResponse<String> r = gateway.post("/v1/chat/completions", loop);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode model = lastSent().at("/contents/1");
    assertThat(model.path("role").asText()).isEqualTo("model");
    assertThat(model.path("parts")).hasSize(1);
    assertThat(model.at("/parts/0/functionCall/name").asText()).isEqualTo("lookup");

    String silent =
        """
        {"model": "g25", "messages": [{"role": "user", "content": "hi"},
          {"role": "assistant", "content": null}, {"role": "user", "content": "again"}]}
        """;
    HttpResponse<String> again = gateway.post("/v1/chat/completions", silent);
    assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
    assertThat(lastSent().path("contents")).hasSize(2);
  }

  @Test
  void streamUsageSentAfterTheFinishIsAccountedAndRelayed() throws Exception {
    mock.faults().set(GEMINI_25, "gemini-usage-tail,prompt-tokens:1000");
    String ask = "{\"role\":\"user\",\"content\":\"count the tokens\"}";
    HttpResponse<String> withUsage =
        gateway.post(
            "/v1/chat/completions",
            "{\"model\":\"g25\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                + "\"messages\":["
                + ask
                + "]}",
            "x-request-id",
            "usage-tail-asked");
    assertThat(withUsage.statusCode()).isEqualTo(200);
    ChatStreamTranscript t = ChatStreamTranscript.of(withUsage.body());
    assertThat(t.problems()).as(withUsage.body()).isEmpty();
    assertThat(t.doneSeen()).isTrue();
    JsonNode usage = null;
    for (String line : withUsage.body().split("\n")) {
      if (line.startsWith("data: {") && line.contains("\"usage\"")) {
        usage = GatewayHarness.json(line.substring("data: ".length())).path("usage");
      }
    }
    assertThat(usage).as(withUsage.body()).isNotNull();
    assertThat(usage.path("prompt_tokens").asLong()).isEqualTo(1000);
    long output = usage.path("completion_tokens").asLong();
    assertThat(output).as(withUsage.body()).isPositive();
    JsonNode line = awaitLogLine("usage-tail-asked");
    assertThat(line.path("input_tokens").asLong()).isEqualTo(1000);
    assertThat(line.path("output_tokens").asLong()).isEqualTo(output);
    double cost = (1000 * 0.30 + output * 2.50) / 1_000_000;
    assertThat(line.path("cost_usd").asDouble()).isCloseTo(cost, within(1e-12));

    // A client that did not ask for usage gets none, and the gateway still counts it.
    HttpResponse<String> without =
        gateway.post(
            "/v1/chat/completions",
            "{\"model\":\"g25\",\"stream\":true,\"messages\":[" + ask + "]}",
            "x-request-id",
            "usage-tail-unasked");
    assertThat(without.statusCode()).isEqualTo(200);
    assertThat(without.body()).doesNotContain("\"usage\"").contains("[DONE]");
    JsonNode second = awaitLogLine("usage-tail-unasked");
    assertThat(second.path("input_tokens").asLong()).isEqualTo(1000);
    assertThat(second.path("output_tokens").asLong()).isEqualTo(output);
    assertThat(second.path("cost_usd").asDouble()).isCloseTo(cost, within(1e-12));
    // Gemini did send the usage after the finish.
    assertThat(mock.requests().get(mock.requests().size() - 1).fault())
        .contains("gemini-usage-tail");
  }

  @Test
  void reasoningEffortBecomesTheThinkingConfigEachModelTakes() throws Exception {
    String ask = "\"messages\":[{\"role\":\"user\",\"content\":\"think\"}]";
    Object[][] cases = {
      {"g25", "medium", "/thinkingBudget", "8192"},
      {"g25", "none", "/thinkingBudget", "0"},
      {"g3", "minimal", "/thinkingLevel", "minimal"},
      {"g3", "none", "/thinkingLevel", "minimal"},
      {"g3", "high", "/thinkingLevel", "high"},
      {"g3pro", "medium", "/thinkingLevel", "high"},
      {"g3pro", "minimal", "/thinkingLevel", "low"},
    };
    for (Object[] c : cases) {
      HttpResponse<String> r =
          gateway.post(
              "/v1/chat/completions",
              "{\"model\":\"" + c[0] + "\",\"reasoning_effort\":\"" + c[1] + "\"," + ask + "}");
      String at = c[0] + " " + c[1];
      assertThat(r.statusCode()).as(at + ": " + r.body()).isEqualTo(200);
      JsonNode thinking = lastSent().at("/generationConfig/thinkingConfig");
      assertThat(thinking.at((String) c[2]).asText()).as(at).isEqualTo(c[3]);
      assertThat(thinking.has("thinkingLevel") && thinking.has("thinkingBudget"))
          .as(at + ": a level or a budget, never both")
          .isFalse();
      // Thought summaries are asked for with every effort but none (reasoning_content).
      assertThat(thinking.path("includeThoughts").asBoolean(false))
          .as(at)
          .isEqualTo(!"none".equals(c[1]));
    }

    // The Responses bridge's reasoning.effort reaches Gemini the same way.
    HttpResponse<String> responses =
        gateway.post(
            "/v1/responses",
            "{\"model\":\"g3\",\"input\":\"think\",\"reasoning\":{\"effort\":\"low\"}}");
    assertThat(responses.statusCode()).as(responses.body()).isEqualTo(200);
    assertThat(lastSent().at("/generationConfig/thinkingConfig/thinkingLevel").asText())
        .isEqualTo("low");

    HttpResponse<String> unknown =
        gateway.post(
            "/v1/chat/completions",
            "{\"model\":\"g3\",\"reasoning_effort\":\"extreme\"," + ask + "}");
    assertThat(unknown.statusCode()).isEqualTo(400);
    assertThat(unknown.body()).contains("reasoning_effort");
  }

  /** The request log's {@code n}th line (1 based) of this test, once it is written. */
  /**
   * The request log line of the request {@code requestId}: found by its id, not its place (a line
   * of the previous test's request may still be written after this test attached its appender).
   */
  private JsonNode awaitLogLine(String requestId) throws Exception {
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                logLines().stream().anyMatch(l -> requestId.equals(l.path("request_id").asText())));
    return logLines().stream()
        .filter(l -> requestId.equals(l.path("request_id").asText()))
        .findFirst()
        .orElseThrow();
  }

  private List<JsonNode> logLines() throws Exception {
    List<ILoggingEvent> events;
    synchronized (requestLog) {
      events = List.copyOf(requestLog.list);
    }
    List<JsonNode> lines = new ArrayList<>();
    for (ILoggingEvent e : events) {
      lines.add(GatewayHarness.json(e.getFormattedMessage()));
    }
    return lines;
  }

  /**
   * With an effort, Gemini is asked for its thought summaries, which come back as the chat answer's
   * reasoning_content (JSON and streamed), never as its content.
   */
  @Test
  void theThoughtSummariesAnEffortAsksForComeBackAsReasoningContent() throws Exception {
    String ask =
        "{\"model\":\"g25\",\"reasoning_effort\":\"low\","
            + "\"messages\":[{\"role\":\"user\",\"content\":\"ponder this\"}]}";
    HttpResponse<String> res = gateway.post("/v1/chat/completions", ask);

    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    JsonNode message = GatewayHarness.json(res.body()).at("/choices/0/message");
    assertThat(message.path("reasoning_content").asText())
        .isEqualTo(ReasoningPayloads.PREFIX + "ponder this");
    assertThat(message.path("content").asText())
        .isEqualTo("Echo from " + GEMINI_25 + ": ponder this");
    assertThat(
            GatewayHarness.json(res.body())
                .at("/usage/completion_tokens_details/reasoning_tokens")
                .asInt())
        .isEqualTo(4); // "Reasoning", " about:", " ponder", " this"

    HttpResponse<String> stream =
        gateway.post(
            "/v1/chat/completions", ask.replace("{\"model\"", "{\"stream\":true,\"model\""));
    assertThat(stream.statusCode()).as(stream.body()).isEqualTo(200);
    StringBuilder reasoning = new StringBuilder();
    StringBuilder content = new StringBuilder();
    for (SseEvent e : SseParser.parseAll(stream.body())) {
      if ("[DONE]".equals(e.data())) {
        continue;
      }
      JsonNode delta = GatewayHarness.json(e.data()).at("/choices/0/delta");
      reasoning.append(delta.path("reasoning_content").asText(""));
      content.append(delta.path("content").asText(""));
    }
    assertThat(reasoning.toString()).isEqualTo(ReasoningPayloads.PREFIX + "ponder this");
    assertThat(content.toString()).isEqualTo("Echo from " + GEMINI_25 + ": ponder this");

    // Without an effort nothing is asked for, and nothing comes.
    HttpResponse<String> plain =
        gateway.post(
            "/v1/chat/completions",
            "{\"model\":\"g25\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
    assertThat(plain.body()).doesNotContain("reasoning_content");
  }
}
