package dev.switchboard.gateway.frontdoor;

import static dev.switchboard.gateway.GatewayHarness.json;
import static dev.switchboard.gateway.TestTables.route;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.mock.MockProvider;
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
 * A reasoning model behind an OpenAI-compatible API (the mock's {@code deepseek-reasoner}, as
 * DeepSeek answers: {@code reasoning_content}) through the gateway: a Messages client that asked
 * for thinking gets the reasoning as a {@code thinking} block before the text, JSON and streamed,
 * and handing it back sends the target no reasoning (DeepSeek refuses it); a chat client gets the
 * provider's {@code reasoning_content} as it was sent.
 */
class ReasoningContentIT {

  static final String REASONER = "deepseek-reasoner";

  static final String THINKING = "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":1024},";

  @TempDir static Path dir;
  static GatewayHarness gateway;
  static MockProvider mock;

  @BeforeAll
  static void start() throws Exception {
    gateway =
        GatewayHarness.withMock(
            dir,
            new MockProviderOptions().keys("mock-key").models(REASONER),
            ReasoningContentIT::table,
            Map.of("deepseek", "mock-key"));
    mock = gateway.mock();
  }

  static RoutingTable table(MockProvider mock) {
    return TestTables.table(
        List.of(TestTables.provider("deepseek", "deepseek", mock.baseUrl(), true, Map.of(), null)),
        List.of(route("reasoner", List.of(), target("deepseek", REASONER, 0))));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  private static HttpResponse<String> messages(String fields, String content) throws Exception {
    return gateway.post(
        "/v1/messages",
        "{\"model\":\"reasoner\",\"max_tokens\":256,"
            + fields
            + "\"messages\":[{\"role\":\"user\",\"content\":\""
            + content
            + "\"}]}");
  }

  @Test
  void aMessagesClientThatAskedForThinkingGetsTheReasoningAsAThinkingBlock() throws Exception {
    HttpResponse<String> res = messages(THINKING, "which is larger");

    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    JsonNode content = json(res.body()).path("content");
    assertThat(content).hasSize(2);
    assertThat(content.at("/0/type").asText()).isEqualTo("thinking");
    assertThat(content.at("/0/thinking").asText())
        .isEqualTo(ReasoningPayloads.PREFIX + "which is larger");
    assertThat(content.at("/0/signature").asText()).isEmpty();
    assertThat(content.at("/1/type").asText()).isEqualTo("text");
    assertThat(content.at("/1/text").asText())
        .isEqualTo("Echo from deepseek-reasoner: which is larger");

    // Without thinking asked for, the answer is the text alone, as Anthropic's would be.
    JsonNode plain = json(messages("", "which is larger").body()).path("content");
    assertThat(plain).hasSize(1);
    assertThat(plain.at("/0/type").asText()).isEqualTo("text");
  }

  @Test
  void aStreamedMessagesAnswerOpensWithTheThinkingBlock() throws Exception {
    HttpResponse<String> res = messages("\"stream\":true," + THINKING, "stream it");

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
    assertThat(text.toString()).isEqualTo("Echo from deepseek-reasoner: stream it");
  }

  @Test
  void theThinkingBlockHandedBackIsNotSentToTheTarget() throws Exception {
    JsonNode first = json(messages(THINKING, "first").body());
    String body =
        "{\"model\":\"reasoner\",\"max_tokens\":256,"
            + THINKING
            + "\"messages\":[{\"role\":\"user\",\"content\":\"first\"},"
            + "{\"role\":\"assistant\",\"content\":"
            + first.path("content")
            + "},{\"role\":\"user\",\"content\":\"second\"}]}";

    HttpResponse<String> res = gateway.post("/v1/messages", body);

    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    assertThat(res.headers().firstValue("x-switchboard-unhonoured-params").orElse(""))
        .contains("messages[].content[].thinking");
    List<RequestRecord> requests = mock.requests();
    String sent = requests.get(requests.size() - 1).body().encode();
    assertThat(sent).doesNotContain("reasoning").doesNotContain(ReasoningPayloads.PREFIX);
  }

  @Test
  void aChatClientGetsTheReasoningContentAsTheProviderSentIt() throws Exception {
    HttpResponse<String> res =
        gateway.post(
            "/v1/chat/completions",
            "{\"model\":\"reasoner\",\"messages\":[{\"role\":\"user\",\"content\":\"chat\"}]}");
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    assertThat(json(res.body()).at("/choices/0/message/reasoning_content").asText())
        .isEqualTo(ReasoningPayloads.PREFIX + "chat");
    assertThat(json(res.body()).at("/usage/completion_tokens_details/reasoning_tokens").asInt())
        .isEqualTo(3); // "Reasoning", " about:", " chat"

    HttpResponse<String> stream =
        gateway.post(
            "/v1/chat/completions",
            "{\"model\":\"reasoner\",\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"chat\"}]}");
    StringBuilder reasoning = new StringBuilder();
    for (SseEvent e : SseParser.parseAll(stream.body())) {
      if (!"[DONE]".equals(e.data())) {
        reasoning.append(json(e.data()).at("/choices/0/delta/reasoning_content").asText(""));
      }
    }
    assertThat(reasoning.toString()).isEqualTo(ReasoningPayloads.PREFIX + "chat");
  }
}
