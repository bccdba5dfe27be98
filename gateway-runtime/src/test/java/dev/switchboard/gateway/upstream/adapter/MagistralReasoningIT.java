package dev.switchboard.gateway.upstream.adapter;

import static dev.switchboard.gateway.GatewayHarness.json;
import static dev.switchboard.gateway.TestTables.provider;
import static dev.switchboard.gateway.TestTables.route;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.mock.MockProviderOptions;
import dev.switchboard.mock.openai.ReasoningPayloads;
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
 * A Mistral reasoning model (the mock's {@code magistral-medium-2509}, which answers its thinking
 * as {@code thinking} content chunks before the {@code text} ones, as Mistral does) through the
 * gateway: a chat client gets the answer as text {@code content} and the thinking as {@code
 * reasoning_content}, JSON and streamed, as from every other reasoning provider; a Messages client
 * that asked for thinking gets it as a {@code thinking} block before the text.
 */
class MagistralReasoningIT {

  static final String MAGISTRAL = "magistral-medium-2509";

  /**
   * Magistral as an aggregator names it, behind an OpenAI-compatible endpoint that hands Mistral's
   * answer on as it came (the mock's OpenAI path answers it with Mistral's content chunks).
   */
  static final String RELAYED = "mistralai/magistral-medium-2509";

  @TempDir static Path dir;
  static GatewayHarness gateway;

  @BeforeAll
  static void start() throws Exception {
    gateway =
        GatewayHarness.withMocks(
            dir,
            List.of(new MockProviderOptions().keys("sk-mistral")),
            (vertx, mocks) ->
                TestTables.table(
                    List.of(
                        provider(
                            "mistral",
                            "mistral",
                            mocks.get(0).origin() + "/mistral/v1",
                            true,
                            Map.of(),
                            null),
                        provider(
                            "compat",
                            "openai-compatible",
                            mocks.get(0).origin() + "/v1",
                            true,
                            Map.of(),
                            null),
                        provider(
                            "openai",
                            "openai",
                            mocks.get(0).origin() + "/v1",
                            true,
                            Map.of(),
                            null)),
                    List.of(
                        route("magistral", List.of(), target("mistral", MAGISTRAL, 0)),
                        route("magistral-compat", List.of(), target("compat", RELAYED, 0)),
                        route("magistral-openai", List.of(), target("openai", RELAYED, 0)),
                        route(
                            "mistral-small",
                            List.of(),
                            target("mistral", "mistral-small-latest", 0)))),
            Map.of("mistral", "sk-mistral", "compat", "sk-mistral", "openai", "sk-mistral"));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  private static HttpResponse<String> chat(String model, String fields, String content)
      throws Exception {
    return gateway.post(
        "/v1/chat/completions",
        "{\"model\":\""
            + model
            + "\","
            + fields
            + "\"messages\":[{\"role\":\"user\",\"content\":\""
            + content
            + "\"}]}");
  }

  @Test
  void aChatClientGetsTheTextAsContentAndTheThinkingAsReasoningContent() throws Exception {
    assertChatForm("magistral", MAGISTRAL);
  }

  /** The same answer through an OpenAI-compatible provider (a proxy or aggregator in front). */
  @Test
  void anOpenAiCompatibleTargetsChunksBecomeChatsFormToo() throws Exception {
    assertChatForm("magistral-compat", RELAYED);
  }

  private static void assertChatForm(String route, String model) throws Exception {
    HttpResponse<String> res = chat(route, "", "which is larger");

    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    JsonNode message = json(res.body()).at("/choices/0/message");
    assertThat(message.path("content").isTextual()).as(res.body()).isTrue();
    assertThat(message.path("content").asText())
        .isEqualTo("Echo from " + model + ": which is larger");
    assertThat(message.path("reasoning_content").asText())
        .isEqualTo(ReasoningPayloads.PREFIX + "which is larger");
    assertThat(json(res.body()).at("/usage/completion_tokens").asInt()).isPositive();
  }

  /** OpenAI never answers chunks: its answers are relayed as they came, never parsed for them. */
  @Test
  void anOpenAiTargetsAnswerIsNotLookedInto() throws Exception {
    HttpResponse<String> res = chat("magistral-openai", "", "as it came");

    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    assertThat(json(res.body()).at("/choices/0/message/content").isArray()).isTrue();
    assertThat(res.body()).doesNotContain("reasoning_content");
  }

  @Test
  void aStreamedChatClientGetsReasoningContentDeltasThenTextDeltas() throws Exception {
    assertStreamedChatForm("magistral", MAGISTRAL);
  }

  @Test
  void anOpenAiCompatibleTargetsStreamedChunksBecomeChatsFormToo() throws Exception {
    assertStreamedChatForm("magistral-compat", RELAYED);
  }

  private static void assertStreamedChatForm(String route, String model) throws Exception {
    HttpResponse<String> res = chat(route, "\"stream\":true,", "stream it");

    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    StringBuilder reasoning = new StringBuilder();
    StringBuilder text = new StringBuilder();
    List<String> order = new ArrayList<>();
    for (SseEvent e : SseParser.parseAll(res.body())) {
      if ("[DONE]".equals(e.data())) {
        continue;
      }
      JsonNode delta = json(e.data()).at("/choices/0/delta");
      JsonNode content = delta.path("content");
      assertThat(content.isArray()).as(e.data()).isFalse();
      if (!delta.path("reasoning_content").asText("").isEmpty()) {
        reasoning.append(delta.path("reasoning_content").asText());
        order.add("reasoning");
      }
      if (!content.asText("").isEmpty()) {
        text.append(content.asText());
        order.add("text");
      }
    }
    assertThat(reasoning.toString()).isEqualTo(ReasoningPayloads.PREFIX + "stream it");
    assertThat(text.toString()).isEqualTo("Echo from " + model + ": stream it");
    assertThat(order.indexOf("text")).isGreaterThan(order.lastIndexOf("reasoning"));
  }

  /**
   * A chat client that hands the answer back as it got it (reasoning_content included, as agent
   * frameworks do) is not refused: Mistral's assistant message has no such field (422), so it is
   * left out and named.
   */
  @Test
  void theReasoningContentHandedBackIsNotSentToMistral() throws Exception {
    JsonNode first = json(chat("magistral", "", "first").body()).at("/choices/0/message");
    HttpResponse<String> res =
        gateway.post(
            "/v1/chat/completions",
            "{\"model\":\"magistral\",\"messages\":[{\"role\":\"user\",\"content\":\"first\"},"
                + first
                + ",{\"role\":\"user\",\"content\":\"second\"}]}");

    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    assertThat(res.headers().firstValue("x-switchboard-unhonoured-params"))
        .hasValue("messages[].reasoning_content");
    List<RequestRecord> seen = gateway.mock().requests();
    assertThat(seen.get(seen.size() - 1).body().encode()).doesNotContain("reasoning");
  }

  @Test
  void aMistralModelWithoutThinkingIsRelayedAsItCame() throws Exception {
    HttpResponse<String> res = chat("mistral-small", "", "plain");

    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    assertThat(json(res.body()).at("/choices/0/message/content").asText())
        .isEqualTo("Echo from mistral-small-latest: plain");
    assertThat(res.body()).doesNotContain("reasoning_content");
  }

  private static HttpResponse<String> messages(String fields, String content) throws Exception {
    return gateway.post(
        "/v1/messages",
        "{\"model\":\"magistral\",\"max_tokens\":256,"
            + "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":1024},"
            + fields
            + "\"messages\":[{\"role\":\"user\",\"content\":\""
            + content
            + "\"}]}");
  }

  @Test
  void aMessagesClientThatAskedForThinkingGetsAThinkingBlockBeforeTheText() throws Exception {
    HttpResponse<String> res = messages("", "which is larger");

    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    JsonNode content = json(res.body()).path("content");
    assertThat(content).hasSize(2);
    assertThat(content.at("/0/type").asText()).isEqualTo("thinking");
    assertThat(content.at("/0/thinking").asText())
        .isEqualTo(ReasoningPayloads.PREFIX + "which is larger");
    assertThat(content.at("/1/type").asText()).isEqualTo("text");
    assertThat(content.at("/1/text").asText())
        .isEqualTo("Echo from " + MAGISTRAL + ": which is larger");
  }

  @Test
  void aStreamedMessagesAnswerOpensWithTheThinkingBlock() throws Exception {
    HttpResponse<String> res = messages("\"stream\":true,", "stream it");

    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    List<String> blocks = new ArrayList<>();
    StringBuilder thinking = new StringBuilder();
    StringBuilder text = new StringBuilder();
    for (SseEvent e : SseParser.parseAll(res.body())) {
      JsonNode event = json(e.data());
      switch (e.event()) {
        case "content_block_start" ->
            blocks.add(
                event.path("index").asInt() + ":" + event.at("/content_block/type").asText());
        case "content_block_delta" -> {
          thinking.append(event.at("/delta/thinking").asText(""));
          text.append(event.at("/delta/text").asText(""));
        }
        default -> {}
      }
    }
    assertThat(blocks).containsExactly("0:thinking", "1:text");
    assertThat(thinking.toString()).isEqualTo(ReasoningPayloads.PREFIX + "stream it");
    assertThat(text.toString()).isEqualTo("Echo from " + MAGISTRAL + ": stream it");
  }
}
