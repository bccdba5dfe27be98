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
 * A Messages client's {@code thinking} through the gateway to chat targets that think only when
 * asked: the mock Gemini 2.5 is asked (a thinking budget and {@code includeThoughts}) and its
 * thought summaries come back as a {@code thinking} block, JSON and streamed; an OpenAI model the
 * table says reasons is sent {@code reasoning_effort}; one that does not say so is sent none and
 * the answer names {@code thinking}, as before.
 */
class MessagesThinkingIT {

  static final String GEMINI = "gemini-2.5-flash";

  @TempDir static Path dir;
  static GatewayHarness gateway;
  static MockProvider mock;

  @BeforeAll
  static void start() throws Exception {
    gateway =
        GatewayHarness.withMock(
            dir,
            new MockProviderOptions().keys("mock-key").models(GEMINI, "o4-mini", "gpt-4o-mini"),
            MessagesThinkingIT::table,
            Map.of("gem", "mock-key", "openai", "mock-key"));
    mock = gateway.mock();
  }

  static RoutingTable table(MockProvider mock) {
    return TestTables.table(
        List.of(
            TestTables.provider(
                "gem", "gemini", mock.origin() + "/v1beta", true, Map.of(GEMINI, model()), null),
            TestTables.provider(
                "openai",
                "openai",
                mock.baseUrl(),
                true,
                Map.of(
                    "o4-mini",
                    new RoutingTable.Model(List.of("chat", "reasoning"), null, null, null),
                    "gpt-4o-mini",
                    new RoutingTable.Model(List.of("chat", "tools"), null, null, null)),
                null)),
        List.of(
            route("gemini", List.of(), target("gem", GEMINI, 0)),
            route("o4", List.of(), target("openai", "o4-mini", 0)),
            route("gpt", List.of(), target("openai", "gpt-4o-mini", 0))));
  }

  static RoutingTable.Model model() {
    return new RoutingTable.Model(List.of("chat", "tools", "reasoning"), null, null, null);
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  private static HttpResponse<String> messages(String model, String fields, String content)
      throws Exception {
    return gateway.post(
        "/v1/messages",
        "{\"model\":\""
            + model
            + "\",\"max_tokens\":16000,"
            + fields
            + "\"messages\":[{\"role\":\"user\",\"content\":\""
            + content
            + "\"}]}");
  }

  private static JsonNode lastSent() throws Exception {
    List<RequestRecord> requests = mock.requests();
    return json(requests.get(requests.size() - 1).body().encode());
  }

  private static String unhonoured(HttpResponse<String> res) {
    return res.headers().firstValue("x-switchboard-unhonoured-params").orElse("");
  }

  static final String THINK_HARD = "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":10000},";

  @Test
  void geminiIsAskedToThinkAndItsThoughtsComeBackAsAThinkingBlock() throws Exception {
    HttpResponse<String> res = messages("gemini", THINK_HARD, "which is larger");

    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    JsonNode thinking = lastSent().at("/generationConfig/thinkingConfig");
    assertThat(thinking.path("thinkingBudget").asInt()).isEqualTo(8192); // medium
    assertThat(thinking.path("includeThoughts").asBoolean()).isTrue();
    assertThat(unhonoured(res)).doesNotContain("thinking");
    JsonNode content = json(res.body()).path("content");
    assertThat(content).hasSize(2);
    assertThat(content.at("/0/type").asText()).isEqualTo("thinking");
    assertThat(content.at("/0/thinking").asText())
        .startsWith(ReasoningPayloads.PREFIX)
        .contains("which is larger");
    assertThat(content.at("/0/signature").asText()).isEmpty();
    assertThat(content.at("/1/type").asText()).isEqualTo("text");

    // Without thinking asked for, Gemini is asked for none and the answer is the text alone.
    HttpResponse<String> plain = messages("gemini", "", "which is larger");
    assertThat(lastSent().at("/generationConfig").has("thinkingConfig")).isFalse();
    assertThat(json(plain.body()).path("content")).hasSize(1);
  }

  @Test
  void aStreamedAnswerOpensWithGeminisThoughts() throws Exception {
    HttpResponse<String> res =
        messages("gemini", "\"stream\":true,\"thinking\":{\"type\":\"adaptive\"},", "stream it");

    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    assertThat(lastSent().at("/generationConfig/thinkingConfig/thinkingBudget").asInt())
        .isEqualTo(8192); // adaptive: medium
    List<String> blocks = new ArrayList<>();
    StringBuilder thinking = new StringBuilder();
    for (SseEvent e : SseParser.parseAll(res.body())) {
      JsonNode event = json(e.data());
      if ("content_block_start".equals(e.event())) {
        blocks.add(event.path("index").asInt() + ":" + event.at("/content_block/type").asText());
      } else if ("content_block_delta".equals(e.event())) {
        thinking.append(event.at("/delta/thinking").asText(""));
      }
    }
    assertThat(blocks).containsExactly("0:thinking", "1:text");
    assertThat(thinking.toString()).contains("stream it");
  }

  @Test
  void anOpenAiModelThatReasonsIsSentTheEffort() throws Exception {
    HttpResponse<String> res =
        messages("o4", "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":31999},", "hi");

    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    assertThat(lastSent().path("reasoning_effort").asText()).isEqualTo("high");
    assertThat(unhonoured(res)).doesNotContain("thinking");
  }

  @Test
  void aModelNotKnownToReasonIsSentNoEffortAndTheThinkingIsNamed() throws Exception {
    HttpResponse<String> res = messages("gpt", THINK_HARD, "hi");

    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    assertThat(lastSent().has("reasoning_effort")).isFalse();
    assertThat(unhonoured(res)).contains("thinking");
  }
}
