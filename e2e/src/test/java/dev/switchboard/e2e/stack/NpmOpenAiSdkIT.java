package dev.switchboard.e2e.stack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.e2e.local.LocalStack;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.gemini.GeminiPayloads;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The official {@code openai} npm SDK, run with node, against the local stack: a non-streamed and a
 * streamed completion and a typed 404; and the Responses API through the same SDK and the Vercel AI
 * SDK, passed through (OpenAI and Azure targets), bridged (after failover to the chat-only target),
 * and a stored response's input items auto-paginated, retrieved and deleted. The SDK is installed
 * from the npm registry into {@code target/npm-client} by the test itself (pinned in {@code
 * src/test/resources/npm-client}).
 */
// The Responses test fails the primary on purpose, which opens its breaker: it runs last.
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NpmOpenAiSdkIT {

  private static LocalStack stack;
  private static LocalSamples samples;

  @BeforeAll
  static void start() throws Exception {
    NpmClient.prepare(List.of("client.mjs", "responses.mjs"), List.of("openai", "@ai-sdk/openai"));
    samples = LocalSamples.create();
    stack = samples.start(samples.options(), line -> {});
  }

  @AfterAll
  static void stop() {
    if (stack != null) {
      stack.close();
    }
  }

  private static String run(List<String> command, Duration timeout) throws Exception {
    return NpmClient.run(
        command,
        timeout,
        stack == null ? Map.of() : Map.of("SWITCHBOARD_BASE_URL", stack.baseUrl()));
  }

  @Test
  @Order(1)
  void theNpmSdkStreamsAndCompletesThroughTheGateway() throws Exception {
    String output = run(List.of("node", "client.mjs"), Duration.ofMinutes(1));
    String lastLine = output.strip().lines().reduce((a, b) -> b).orElseThrow();
    JsonNode result = new ObjectMapper().readTree(lastLine);

    assertThat(result.at("/nonStreaming/model").asText()).isEqualTo("gpt-4o-mini-2024-07-18");
    assertThat(result.at("/nonStreaming/content").asText()).contains("hello from node");
    assertThat(result.at("/streaming/content").asText()).contains("stream from node");
    assertThat(result.at("/streaming/chunks").asInt()).isGreaterThan(2);
    assertThat(result.at("/streaming/usage/completion_tokens").asInt()).isPositive();
    assertThat(result.at("/notFound/status").asInt()).isEqualTo(404);
    assertThat(result.at("/notFound/code").asText()).isEqualTo("model_not_found");
  }

  @Test
  @Order(2)
  void theResponsesApiWorksWithTheOpenAiAndVercelSdksPassedThroughAndBridged() throws Exception {
    // chat-default's first target is an OpenAI-preset mock: passed through.
    JsonNode native_ = responses("chat-default", "stored");
    assertThat(native_.at("/create/text").asText()).contains("responses from node");
    assertThat(native_.at("/create/id").asText()).startsWith("resp_mock");
    assertThat(native_.at("/stream/first").asText()).isEqualTo("response.created");
    assertThat(native_.at("/stream/last").asText()).isEqualTo("response.completed");
    assertThat(native_.at("/stream/text").asText()).contains("stream responses from node");
    assertThat(native_.at("/stream/deltas").asText())
        .isEqualTo(native_.at("/stream/text").asText());
    assertThat(native_.at("/stream/usage/output_tokens").asInt()).isPositive();
    assertThat(native_.at("/generateText/text").asText()).contains("vercel generateText");
    assertThat(native_.at("/streamText/toolCalls/0/name").asText()).isEqualTo("lookup");
    assertThat(native_.at("/streamText/toolResults/0").asText()).startsWith("found ");
    assertThat(native_.at("/generateObject/echo").asText()).isEqualTo("vercel generateObject");
    // A stored response's input items, one per page: the SDK follows the cursor (after = the last
    // id) through the gateway, newest first, until has_more is false.
    assertThat(native_.at("/stored/texts").toString()).isEqualTo("[\"three\",\"two\",\"one\"]");
    assertThat(native_.at("/stored/pages").asInt()).isEqualTo(3);
    assertThat(native_.at("/stored/retrieved").asText()).endsWith(": three");
    assertThat(native_.at("/stored/deleted").asBoolean()).isTrue();

    // Azure OpenAI: passed through on its v1 path.
    JsonNode azure = responses("chat-azure");
    assertThat(azure.at("/create/text").asText()).contains("responses from node");

    // The native target fails: every call fails over to the chat-only target and is bridged.
    // The samples' first mock is the primary (OpenAI-preset) provider.
    MockProvider primary = stack.mock(samples.mocks().keySet().iterator().next());
    primary.faults().set("gpt-4o-mini", "status:503");
    try {
      JsonNode bridged = responses("chat-default");
      assertThat(bridged.at("/create/text").asText())
          .isEqualTo("Echo from llama-3.1-8b-instruct: responses from node");
      assertThat(bridged.at("/create/id").asText())
          .startsWith("resp_")
          .doesNotStartWith("resp_mock");
      assertThat(bridged.at("/stream/last").asText()).isEqualTo("response.completed");
      assertThat(bridged.at("/stream/text").asText()).contains("stream responses from node");
      assertThat(bridged.at("/stream/deltas").asText())
          .isEqualTo(bridged.at("/stream/text").asText());
      assertThat(bridged.at("/stream/usage/output_tokens").asInt()).isPositive();
      // include: ["message.output_text.logprobs"], streamed: every text delta carries its tokens'
      // logprobs (the chat chunks'), the done event and the final part all of them.
      JsonNode logprobs = bridged.at("/logprobs");
      assertThat(logprobs.at("/text").asText()).contains("logprobs from node");
      assertThat(logprobs.at("/deltasWith").asInt())
          .isPositive()
          .isEqualTo(logprobs.at("/deltas").asInt());
      assertThat(logprobs.at("/tokens").asText()).isEqualTo(logprobs.at("/text").asText());
      assertThat(logprobs.at("/tops").asInt()).isEqualTo(2);
      assertThat(logprobs.at("/done").asInt())
          .isEqualTo(logprobs.at("/part").asInt())
          .isEqualTo(logprobs.at("/deltas").asInt());
      assertThat(bridged.at("/generateText/text").asText()).contains("vercel generateText");
      assertThat(bridged.at("/generateText/inputTokens").asInt()).isPositive();
      assertThat(bridged.at("/streamText/toolCalls/0/name").asText()).isEqualTo("lookup");
      assertThat(bridged.at("/generateObject/echo").asText()).isEqualTo("vercel generateObject");
    } finally {
      primary.faults().clearAll();
    }
  }

  @Test
  @Order(3)
  void aResponsesToolLoopOnGemini3HandsGeminiItsOwnSignatureBack() throws Exception {
    String output =
        run(List.of("node", "responses.mjs", "chat-gemini-3", "tool-loop"), Duration.ofMinutes(2));
    JsonNode result =
        new ObjectMapper().readTree(output.strip().lines().reduce((a, b) -> b).orElseThrow());
    for (String loop : List.of("/toolLoop/json", "/toolLoop/stream")) {
      JsonNode gemini = result.at(loop);
      assertThat(gemini.path("items").toString())
          .as(loop)
          .isEqualTo("[\"reasoning\",\"function_call\"]");
      assertThat(gemini.path("encrypted").asText())
          .as(loop)
          .startsWith("switchboard.gemini-thought-signature.v1:");
      assertThat(gemini.path("secondStatus").asText()).as(loop).isEqualTo("completed");
      assertThat(gemini.path("secondText").asText()).as(loop).startsWith("Echo from gemini-3");
    }
    // Each loop's second turn replayed the call with the mock's own signature, not the
    // placeholder (streamText's tool call above runs one step: no replay).
    List<String> signatures = NpmAnthropicSdkIT.replayedSignatures(stack.mock(samples.secondary));
    assertThat(signatures).hasSize(2).containsOnly(GeminiPayloads.signature("lookup"));
  }

  @Test
  @Order(4)
  void aResponsesToolLoopOnClaudeHandsAnthropicItsThinkingBack() throws Exception {
    JsonNode result = responses("chat-claude", "thinking-loop");
    for (String loop : List.of("/toolLoop/json", "/toolLoop/stream")) {
      JsonNode claude = result.at(loop);
      assertThat(claude.path("items").toString())
          .as(loop)
          .isEqualTo("[\"reasoning\",\"function_call\"]");
      assertThat(claude.path("encrypted").asText())
          .as(loop)
          .startsWith("switchboard.anthropic-thinking.v1:");
      // The mock Anthropic provider, as Anthropic, takes the follow-up with thinking enabled only
      // when its tool turn opens with the thinking block it signed: it thought again.
      assertThat(claude.path("secondStatus").asText()).as(loop).isEqualTo("completed");
      assertThat(claude.path("secondItems").toString())
          .as(loop)
          .isEqualTo("[\"reasoning\",\"message\"]");
    }
  }

  private static JsonNode responses(String model, String... mode) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of("node", "responses.mjs", model));
    command.addAll(List.of(mode));
    String output = run(command, Duration.ofMinutes(2));
    String lastLine = output.strip().lines().reduce((a, b) -> b).orElseThrow();
    return new ObjectMapper().readTree(lastLine);
  }
}
