package dev.switchboard.e2e.stack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.e2e.local.LocalStack;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.gemini.GeminiPayloads;
import dev.switchboard.mock.record.RequestRecord;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The official {@code @anthropic-ai/sdk} npm SDK against {@code /v1/messages} of the local stack,
 * with an Anthropic target ({@code chat-claude}, passed through) and an OpenAI target ({@code
 * chat-default}, translated): plain and streamed messages, streamed and plain tool use, token
 * counting, typed errors. The {@code openai} SDK against {@code /v1/chat/completions} and {@code
 * /v1/responses} with the Anthropic target, and on {@code chat-families} failing over from a broken
 * OpenAI target to the Anthropic one and, with that overloaded too, to the Gemini one, streaming
 * and not. A Gemini 3 tool loop ({@code chat-gemini-3}) through {@code /v1/messages}, JSON and
 * streamed, hands Gemini its own thought signature back. A reasoning model ({@code chat-reasoner})
 * shows its reasoning as a thinking block, and so does Gemini ({@code chat-gemini-3}) when asked to
 * think. {@code models.list()} (auto-paginated) and {@code models.retrieve()} read the listing in
 * Anthropic's shape. The SDKs are installed from npm into {@code target/npm-client} (pinned in
 * {@code src/test/resources/npm-client}).
 */
class NpmAnthropicSdkIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static LocalSamples samples;
  private static LocalStack stack;

  @BeforeAll
  static void start() throws Exception {
    NpmClient.prepare(
        List.of("anthropic.mjs", "failover.mjs"), List.of("@anthropic-ai/sdk", "openai"));
    samples = LocalSamples.create();
    stack = samples.start(samples.options(), line -> {});
  }

  @AfterAll
  static void stop() {
    if (stack != null) {
      stack.close();
    }
  }

  private static JsonNode anthropicResult;

  /** What {@code anthropic.mjs} printed: run once for the tests that read it. */
  private static synchronized JsonNode anthropicScript() throws Exception {
    if (anthropicResult == null) {
      anthropicResult = runScript("anthropic.mjs");
    }
    return anthropicResult;
  }

  private static JsonNode runScript(String script) throws Exception {
    String output = run(List.of("node", script), Duration.ofMinutes(2));
    return JSON.readTree(output.strip().lines().reduce((a, b) -> b).orElseThrow());
  }

  private static String run(List<String> command, Duration timeout) throws Exception {
    return NpmClient.run(
        command,
        timeout,
        stack == null
            ? Map.of()
            : Map.of(
                "SWITCHBOARD_BASE_URL",
                stack.baseUrl(),
                "SWITCHBOARD_ORIGIN",
                stack.baseUrl().substring(0, stack.baseUrl().length() - 3)));
  }

  /**
   * A PDF sent as a base64 document block reaches targets that do not speak Messages as chat's file
   * part (OpenAI's {@code file_data}, Gemini's {@code inlineData}) and is answered, where it was
   * refused (400) for want of an Anthropic target.
   */
  @Test
  void aBase64PdfDocumentIsBridgedToOpenAiAndGeminiTargets() throws Exception {
    JsonNode result = anthropicScript();
    for (String[] target :
        new String[][] {{"pdfToOpenAi", "chat-default"}, {"pdfToGemini", "chat-gemini-3"}}) {
      JsonNode answer = result.path(target[0]);
      assertThat(answer.has("status")).as(answer.toString()).isFalse();
      assertThat(answer.path("text").asText()).contains("read the pdf via " + target[1]);
      assertThat(answer.path("stopReason").asText()).isEqualTo("end_turn");
      assertThat(answer.path("unhonoured").isNull()).as(answer.toString()).isTrue();
    }
  }

  @Test
  void theAnthropicSdkWorksAgainstAnthropicAndOpenAiTargets() throws Exception {
    JsonNode result = anthropicScript();

    JsonNode claude = result.path("anthropicTarget");
    assertThat(claude.path("text").asText())
        .isEqualTo("Echo from claude-sonnet-4-5: hello chat-claude");
    assertThat(claude.path("stopReason").asText()).isEqualTo("end_turn");
    assertThat(claude.at("/usage/input_tokens").asInt()).isPositive();
    assertThat(claude.path("streamText").asText())
        .isEqualTo("Echo from claude-sonnet-4-5: stream chat-claude");
    assertThat(claude.path("events").toString()).contains("\"message_delta\"");
    // Anthropic's own events are relayed, its keep-alive ping included (the SDK hides pings).
    assertThat(result.path("rawEvents").toString())
        .contains("\"message_start\"", "\"ping\"", "\"message_stop\"");
    assertThat(claude.path("toolName").asText()).isEqualTo("lookup");
    assertThat(claude.at("/toolInput/query").asText()).isEqualTo("lookup via chat-claude");
    assertThat(claude.path("toolStop").asText()).isEqualTo("tool_use");
    assertThat(claude.path("plainToolName").asText()).isEqualTo("lookup");
    assertThat(claude.path("count").asInt()).isPositive();

    JsonNode openai = result.path("openaiTarget");
    assertThat(openai.path("text").asText())
        .startsWith("Echo from gpt-4o-mini")
        .endsWith("hello chat-default");
    assertThat(openai.path("stopReason").asText()).isEqualTo("end_turn");
    assertThat(openai.at("/usage/output_tokens").asInt()).isPositive();
    assertThat(openai.path("streamText").asText()).endsWith("stream chat-default");
    assertThat(openai.path("events").toString())
        .contains("\"message_start\"", "\"content_block_delta\"", "\"message_stop\"");
    assertThat(openai.at("/streamUsage/output_tokens").asInt()).isPositive();
    assertThat(openai.path("toolName").asText()).isEqualTo("lookup");
    assertThat(openai.at("/toolInput/query").asText()).isEqualTo("lookup via chat-default");
    assertThat(openai.path("toolStop").asText()).isEqualTo("tool_use");
    assertThat(openai.path("plainToolStop").asText()).isEqualTo("tool_use");
    // count_tokens exists only where a target speaks it: a typed 404 elsewhere.
    assertThat(openai.at("/count/status").asInt()).isEqualTo(404);
    assertThat(openai.at("/count/type").asText()).isEqualTo("not_found_error");
    assertThat(openai.at("/count/name").asText()).isEqualTo("NotFoundError");

    assertThat(result.at("/notFound/status").asInt()).isEqualTo(404);
    assertThat(result.at("/notFound/name").asText()).isEqualTo("NotFoundError");
    assertThat(result.at("/badRequest/status").asInt()).isEqualTo(400);
    assertThat(result.at("/badRequest/type").asText()).isEqualTo("invalid_request_error");
    assertThat(result.at("/badRequest/message").asText()).contains("max_tokens");

    assertThat(result.at("/chatToClaude/model").asText()).isEqualTo("claude-sonnet-4-5");
    assertThat(result.at("/chatToClaude/content").asText())
        .isEqualTo("Echo from claude-sonnet-4-5: openai sdk to claude");
    assertThat(result.at("/chatToClaude/finish").asText()).isEqualTo("stop");
    assertThat(result.at("/chatStreamToClaude/content").asText())
        .isEqualTo("Echo from claude-sonnet-4-5: openai stream to claude");
    assertThat(result.at("/chatStreamToClaude/usage/completion_tokens").asInt()).isPositive();
    // reasoning_effort turned Claude's thinking on (the mock answers a signed thinking block):
    // the OpenAI SDK gets its text as reasoning_content, JSON and streamed.
    assertThat(result.at("/reasoningToClaude/reasoning").asText())
        .isEqualTo("Reasoning about: reason to claude");
    assertThat(result.at("/reasoningToClaude/content").asText())
        .isEqualTo("Echo from claude-sonnet-4-5: reason to claude");
    assertThat(result.at("/reasoningToClaude/streamedReasoning").asText())
        .isEqualTo("Reasoning about: reason stream to claude");
    assertThat(result.at("/reasoningToClaude/streamedContent").asText())
        .isEqualTo("Echo from claude-sonnet-4-5: reason stream to claude");

    // The OpenAI SDK's Responses API on the Anthropic target (bridged through chat).
    assertThat(result.at("/responsesToClaude/text").asText())
        .isEqualTo("Echo from claude-sonnet-4-5: responses to claude");
    assertThat(result.at("/responsesToClaude/streamed").asText())
        .isEqualTo("Echo from claude-sonnet-4-5: responses stream to claude");
    assertThat(result.at("/responsesToClaude/status").asText()).isEqualTo("completed");

    // A Gemini 3 tool loop: the SDK keeps the call's signature as a thinking block and hands it
    // back, so Gemini gets its own signature, not Google's placeholder.
    for (String loop : List.of("/geminiLoop", "/geminiStreamLoop")) {
      JsonNode gemini = result.at(loop);
      assertThat(gemini.path("blocks").toString())
          .as(loop)
          .isEqualTo("[\"thinking\",\"tool_use\"]");
      assertThat(gemini.path("stop").asText()).as(loop).isEqualTo("tool_use");
      assertThat(gemini.path("signature").asText())
          .as(loop)
          .startsWith("switchboard.gemini-thought-signature.v1:");
      assertThat(gemini.path("secondStop").asText()).as(loop).isEqualTo("end_turn");
      assertThat(gemini.path("secondText").asText()).as(loop).startsWith("Echo from gemini-3");
    }
    assertThat(replayedSignatures(stack.mock(samples.secondary)))
        .hasSize(2)
        .containsOnly(GeminiPayloads.signature("lookup"));
  }

  /**
   * A reasoning model behind an OpenAI-compatible API ({@code chat-reasoner}: the mock's {@code
   * deepseek-reasoner}, answering {@code reasoning_content}) reaches the SDK, with thinking
   * enabled, as a thinking block before the text, JSON and streamed; handed back, the block is not
   * sent to the target (which refuses reasoning in its input) and is named. Without thinking asked
   * for, the answer is the text alone.
   */
  @Test
  void theAnthropicSdkSeesAReasoningModelsReasoningAsAThinkingBlock() throws Exception {
    JsonNode reasoner = anthropicScript().path("reasoner");
    for (String answer : List.of("plain", "streamed")) {
      JsonNode content = reasoner.path(answer);
      assertThat(content).as(answer + ": " + content).hasSize(2);
      assertThat(content.at("/0/type").asText()).isEqualTo("thinking");
      assertThat(content.at("/0/thinking").asText())
          .isEqualTo("Reasoning about: think via chat-reasoner");
      assertThat(content.at("/0/signature").asText()).isEmpty();
      assertThat(content.at("/1/type").asText()).isEqualTo("text");
      assertThat(content.at("/1/text").asText())
          .isEqualTo("Echo from deepseek-reasoner: think via chat-reasoner");
    }
    assertThat(reasoner.path("deltas").toString()).contains("\"thinking_delta\"", "\"text_delta\"");
    assertThat(reasoner.at("/next/1/text").asText())
        .isEqualTo("Echo from deepseek-reasoner: and again");
    assertThat(reasoner.path("nextUnhonoured").asText()).contains("messages[].content[].thinking");
    assertThat(reasoner.path("unthought")).hasSize(1);
    assertThat(reasoner.at("/unthought/0/type").asText()).isEqualTo("text");
  }

  /**
   * Gemini thinks only when asked: the request's {@code thinking} is sent as {@code
   * reasoning_effort} ({@code thinkingConfig} with {@code includeThoughts}), and the mock Gemini's
   * thought summaries reach the SDK as a thinking block before the text, JSON and streamed; without
   * thinking asked for, the answer is the text alone.
   */
  @Test
  void theAnthropicSdkSeesGeminisThoughtsWhenItAsksForThinking() throws Exception {
    JsonNode gemini = anthropicScript().path("geminiThinking");
    for (String answer : List.of("plain", "streamed")) {
      JsonNode content = gemini.path(answer);
      assertThat(content).as(answer + ": " + content).hasSize(2);
      assertThat(content.at("/0/type").asText()).isEqualTo("thinking");
      assertThat(content.at("/0/thinking").asText()).contains("think via chat-gemini-3");
      assertThat(content.at("/1/type").asText()).isEqualTo("text");
    }
    assertThat(gemini.path("deltas").toString()).contains("\"thinking_delta\"");
    assertThat(gemini.path("unthought")).hasSize(1);
    assertThat(gemini.at("/unthought/0/type").asText()).isEqualTo("text");
  }

  @Test
  void theAnthropicSdkListsAndRetrievesTheModelsTheOpenAiListShows() throws Exception {
    JsonNode models = anthropicScript().path("models");

    // models.list() auto-paginates (two per page here) through the same ids /v1/models lists.
    List<String> anthropic = texts(models.path("anthropic"));
    assertThat(anthropic).contains("chat-claude", "chat-default").hasSizeGreaterThan(2);
    assertThat(anthropic).isEqualTo(texts(models.path("openai")));
    assertThat(models.at("/firstPage/size").asInt()).isEqualTo(2);
    assertThat(models.at("/firstPage/hasMore").asBoolean()).isTrue();
    assertThat(models.at("/firstPage/type").asText()).isEqualTo("model");

    JsonNode retrieved = models.path("retrieved");
    assertThat(retrieved.path("type").asText()).isEqualTo("model");
    assertThat(retrieved.path("id").asText()).isEqualTo("chat-claude");
    assertThat(retrieved.path("displayName").asText()).isEqualTo("chat-claude");
    assertThat(java.time.Instant.parse(retrieved.path("createdAt").asText())).isNotNull();

    assertThat(models.at("/notFound/status").asInt()).isEqualTo(404);
    assertThat(models.at("/notFound/type").asText()).isEqualTo("not_found_error");
    assertThat(models.at("/notFound/name").asText()).isEqualTo("NotFoundError");
    assertThat(models.at("/notFound/requestId").asText()).isNotBlank();
  }

  private static List<String> texts(JsonNode array) {
    List<String> texts = new java.util.ArrayList<>();
    array.forEach(n -> texts.add(n.asText()));
    return texts;
  }

  /**
   * The thought signatures of the function calls replayed to the Gemini 3 model: one per second
   * turn (the first call of each step carries it).
   */
  static List<String> replayedSignatures(MockProvider mock) {
    List<String> signatures = new java.util.ArrayList<>();
    for (RequestRecord r : mock.requests()) {
      if (!"POST".equals(r.method()) || !r.path().contains("gemini-3-flash-preview")) {
        continue;
      }
      for (Object content : r.body().getJsonArray("contents")) {
        for (Object part : ((JsonObject) content).getJsonArray("parts")) {
          if (((JsonObject) part).containsKey("functionCall")) {
            signatures.add(((JsonObject) part).getString("thoughtSignature"));
          }
        }
      }
    }
    return signatures;
  }

  @Test
  void theOpenAiSdkFailsOverAcrossOpenAiAnthropicAndGemini() throws Exception {
    stack.mock(samples.primary).faults().set("gpt-4o-mini", "status:503");
    try {
      JsonNode result = runScript("failover.mjs");
      assertThat(result.at("/plain/provider").asText()).isEqualTo("local-anthropic");
      assertThat(result.at("/plain/content").asText())
          .isEqualTo("Echo from claude-sonnet-4-5: fail over");
      assertThat(result.at("/stream/provider").asText()).isEqualTo("local-anthropic");
      assertThat(result.at("/stream/content").asText())
          .isEqualTo("Echo from claude-sonnet-4-5: fail over streaming");

      // Anthropic overloaded as well: the third family, Gemini, serves.
      stack.mock(samples.secondary).faults().set("claude-sonnet-4-5", "status:529");
      JsonNode third = runScript("failover.mjs");
      assertThat(third.at("/plain/provider").asText()).isEqualTo("local-gemini");
      assertThat(third.at("/plain/content").asText()).contains("fail over");
      assertThat(third.at("/stream/provider").asText()).isEqualTo("local-gemini");
      assertThat(third.at("/stream/content").asText()).contains("fail over streaming");
    } finally {
      stack.mock(samples.secondary).faults().clearAll();
      stack.mock(samples.primary).faults().clearAll();
    }
  }
}
