package dev.switchboard.gateway.http;

import static dev.switchboard.gateway.TestTables.provider;
import static dev.switchboard.gateway.TestTables.route;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import dev.switchboard.mock.sse.ChatStreamTranscript;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A plain-text refusal ("I'm sorry, but I can't help with that.") counts in {@code
 * switchboard_refusals_total} — the series the operator's canary analysis reads — for a JSON answer
 * and for a streamed one, on the serving path and on a shadow canary's copy; an ordinary answer
 * does not. The mock provider answers {@code "Echo from <model>: <last user message>"}, one delta
 * per word when streaming, so the user message chooses the answer's text.
 */
class TextRefusalIT {

  static final String REFUSAL = "I'm sorry, but I can't help with that.";
  static final String ORDINARY = "You can't divide by zero, so check the denominator first.";

  @TempDir static Path dir;

  static MockProvider mock;
  static GatewayHarness gateway;

  @BeforeAll
  static void start() throws Exception {
    gateway =
        GatewayHarness.withMock(
            dir,
            new MockProviderOptions().keys("sk-t").models("gpt-4o-mini", "shadow-model"),
            TextRefusalIT::table,
            Map.of("mock", "sk-t"));
    mock = gateway.mock();
  }

  /** Three plain routes on gpt-4o-mini and one whose every request is shadowed. */
  static RoutingTable table(MockProvider mock) {
    RoutingTable table =
        TestTables.table(
            List.of(provider("mock", mock.baseUrl(), true)),
            List.of(
                route("refuse-json", List.of(), target("mock", "gpt-4o-mini", 0)),
                route("refuse-stream", List.of(), target("mock", "gpt-4o-mini", 0)),
                route("ordinary", List.of(), target("mock", "gpt-4o-mini", 0)),
                new RoutingTable.Route(
                    "shadowed",
                    "shadowed",
                    List.of(),
                    null,
                    1,
                    List.of(target("mock", "gpt-4o-mini", 0)),
                    List.of(),
                    new RoutingTable.Canary(
                        "shadow", 100, 2, List.of(target("mock", "shadow-model", 0)), List.of()))));
    return table;
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  private static String chat(String route, String userMessage, boolean stream) {
    return GatewayHarness.JSON
        .createObjectNode()
        .put("model", route)
        .put("stream", stream)
        .set(
            "messages",
            GatewayHarness.JSON
                .createArrayNode()
                .add(
                    GatewayHarness.JSON
                        .createObjectNode()
                        .put("role", "user")
                        .put("content", userMessage)))
        .toString();
  }

  /** The sum of a counter's samples whose labels include all of {@code labels}, 0 if none. */
  private static double sum(String metrics, String name, String... labels) {
    Matcher m = Pattern.compile("(?m)^" + name + "\\{([^}]*)\\} (\\S+)$").matcher(metrics);
    double total = 0;
    while (m.find()) {
      boolean all = true;
      for (String label : labels) {
        all &= m.group(1).contains(label);
      }
      if (all) {
        total += Double.parseDouble(m.group(2));
      }
    }
    return total;
  }

  private static double refusals(String... labels) {
    return sum(gateway.server().metrics().scrape(), "switchboard_refusals_total", labels);
  }

  private static double answered(String... labels) {
    return sum(
        gateway.server().metrics().scrape(),
        "gen_ai_client_operation_duration_seconds_count",
        labels);
  }

  @Test
  void aPlainTextRefusalInAJsonAnswerIsCounted() throws Exception {
    HttpResponse<String> response =
        gateway.post("/v1/chat/completions", chat("refuse-json", REFUSAL, false));

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode choice = GatewayHarness.json(response.body()).path("choices").path(0);
    assertThat(choice.path("message").path("content").asText()).endsWith(REFUSAL);
    assertThat(choice.path("message").path("refusal").isNull()).isTrue();
    // The answer itself reaches the client unchanged; only the metric says it was a refusal.
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(refusals("route=\"refuse-json\"")).isEqualTo(1.0));
  }

  @Test
  void aPlainTextRefusalInAStreamedAnswerIsCountedOnceAtItsEnd() throws Exception {
    HttpResponse<String> response =
        gateway.post("/v1/chat/completions", chat("refuse-stream", REFUSAL, true));

    assertThat(response.statusCode()).isEqualTo(200);
    ChatStreamTranscript transcript = ChatStreamTranscript.of(response.body());
    assertThat(transcript.problems()).isEmpty();
    assertThat(transcript.content()).endsWith(REFUSAL);
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(refusals("route=\"refuse-stream\"")).isEqualTo(1.0));
  }

  @Test
  void anOrdinaryAnswerIsNotCounted() throws Exception {
    assertThat(gateway.post("/v1/chat/completions", chat("ordinary", ORDINARY, false)).statusCode())
        .isEqualTo(200);
    assertThat(gateway.post("/v1/chat/completions", chat("ordinary", ORDINARY, true)).statusCode())
        .isEqualTo(200);

    // Both requests are on record: had either counted as a refusal, the counter would show it.
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () -> assertThat(answered("route=\"ordinary\"", "outcome=\"success\"")).isEqualTo(2.0));
    assertThat(refusals("route=\"ordinary\"")).isZero();
  }

  @Test
  void aShadowCanarysPlainTextRefusalsAreCountedForTheCanaryArm() throws Exception {
    gateway.post("/v1/chat/completions", chat("shadowed", REFUSAL, false));
    gateway.post("/v1/chat/completions", chat("shadowed", REFUSAL, true));

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              assertThat(refusals("route=\"shadowed\"", "arm=\"canary\"")).isEqualTo(2.0);
              assertThat(refusals("route=\"shadowed\"", "arm=\"stable\"")).isEqualTo(2.0);
            });
  }
}
