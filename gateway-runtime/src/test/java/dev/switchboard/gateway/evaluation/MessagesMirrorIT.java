package dev.switchboard.gateway.evaluation;

import static dev.switchboard.gateway.GatewayHarness.json;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import dev.switchboard.mock.record.RequestRecord;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Messages request is mirrored like a chat one (its door's chat form), and each mirror's target
 * is sent the form an attempt on it would be: a Gemini candidate is asked to think when the client
 * asked for thinking, a baseline that would refuse {@code reasoning_effort} is not sent it.
 */
class MessagesMirrorIT {

  static final String GEMINI = "gemini-2.5-flash";

  @TempDir static Path dir;
  static GatewayHarness gateway;
  static MockProvider mock;

  @BeforeAll
  static void start() throws Exception {
    gateway =
        GatewayHarness.withMock(
            dir,
            new MockProviderOptions().keys("mock-key").models(GEMINI, "gpt-4o-mini"),
            MessagesMirrorIT::table,
            Map.of("gem", "mock-key", "openai", "mock-key"));
    mock = gateway.mock();
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  /** {@code chat} served by gpt-4o-mini (not known to reason), every request mirrored to Gemini. */
  static RoutingTable table(MockProvider mock) {
    RoutingTable.Route chat =
        TestTables.route("chat", List.of(), target("openai", "gpt-4o-mini", 0))
            .withEvaluation(
                new RoutingTable.Evaluation(
                    "e1", List.of(target("gem", GEMINI, 0)), 1.0, null, null));
    return TestTables.table(
        List.of(
            TestTables.provider(
                "gem",
                "gemini",
                mock.origin() + "/v1beta",
                true,
                Map.of(
                    GEMINI,
                    new RoutingTable.Model(
                        List.of("chat", "tools", "reasoning"), null, null, null)),
                null),
            TestTables.provider(
                "openai",
                "openai",
                mock.baseUrl(),
                true,
                Map.of(
                    "gpt-4o-mini",
                    new RoutingTable.Model(List.of("chat", "tools"), null, null, null)),
                null)),
        List.of(chat));
  }

  private static HttpResponse<String> messages(String fields, String content) throws Exception {
    return gateway.post(
        "/v1/messages",
        "{\"model\":\"chat\",\"max_tokens\":16000,"
            + fields
            + "\"messages\":[{\"role\":\"user\",\"content\":\""
            + content
            + "\"}]}");
  }

  /** The body the mock was sent for {@code content} on a path containing {@code path}, or null. */
  private static JsonNode sent(String path, String content, boolean stream) throws Exception {
    for (RequestRecord r : mock.requests()) {
      if (r.path().contains(path) && r.body() != null && r.body().encode().contains(content)) {
        JsonNode body = json(r.body().encode());
        if (!path.contains(GEMINI) && body.path("stream").asBoolean() != stream) {
          continue;
        }
        return body;
      }
    }
    return null;
  }

  @Test
  void aMessagesRequestIsMirroredToTheCandidate() throws Exception {
    HttpResponse<String> res = messages("", "mirror me plainly");
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> sent(GEMINI, "mirror me plainly", true) != null);
    assertThat(
            sent(GEMINI, "mirror me plainly", true).at("/generationConfig").has("thinkingConfig"))
        .isFalse();
  }

  @Test
  void aCandidateThatHonoursTheEffortIsAskedToThinkAsTheClientAsked() throws Exception {
    HttpResponse<String> res =
        messages(
            "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":10000},", "mirror me thinking");
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> sent(GEMINI, "mirror me thinking", true) != null);
    JsonNode thinking =
        sent(GEMINI, "mirror me thinking", true).at("/generationConfig/thinkingConfig");
    assertThat(thinking.path("thinkingBudget").asInt()).isEqualTo(8192); // medium
    assertThat(thinking.path("includeThoughts").asBoolean()).isTrue();
    // The baseline's replay, to a model that would refuse the field, is sent none, as its
    // attempt was.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> sent("/chat/completions", "mirror me thinking", true) != null);
    assertThat(sent("/chat/completions", "mirror me thinking", true).has("reasoning_effort"))
        .isFalse();
    assertThat(sent("/chat/completions", "mirror me thinking", false).has("reasoning_effort"))
        .isFalse();
  }
}
