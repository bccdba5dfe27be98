package dev.switchboard.gateway.evaluation;

import static dev.switchboard.gateway.TestTables.provider;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Side-by-side evaluation against a real mock provider whose models differ (one 25 % wordier, one
 * refusing 5 points more often in plain text, one identical): every client is answered by the
 * baseline alone, each sampled request reaches the baseline replay and every candidate, and the
 * admin port's paired sums show the differences the operator turns into verdicts.
 */
class EvaluationMirrorIT {

  static final int REQUESTS = 200;

  @TempDir static Path dir;

  static MockProvider mock;
  static GatewayHarness gateway;

  @BeforeAll
  static void start() throws Exception {
    gateway =
        GatewayHarness.withMock(
            dir,
            new MockProviderOptions()
                .keys("sk-t")
                .models("base", "wordy", "refusing", "same")
                .persona("base", 1.0, 0.02)
                .persona("wordy", 1.25, 0.02)
                .persona("refusing", 1.0, 0.07)
                .persona("same", 1.0, 0.02),
            EvaluationMirrorIT::table,
            Map.of("mock", "sk-t"));
    mock = gateway.mock();
  }

  /** One route, {@code chat} on the baseline, mirrored to every candidate. */
  static RoutingTable table(MockProvider mock) {
    RoutingTable.Route route =
        new RoutingTable.Route(
                "chat",
                "chat",
                List.of(),
                null,
                1,
                List.of(target("mock", "base", 0)),
                List.of(),
                null)
            .withEvaluation(
                new RoutingTable.Evaluation(
                    "e1",
                    List.of(
                        target("mock", "wordy", 0),
                        target("mock", "refusing", 0),
                        target("mock", "same", 0)),
                    1.0,
                    null,
                    null));
    return TestTables.table(List.of(provider("mock", mock.baseUrl(), true)), List.of(route));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  @Test
  void everySampledRequestIsPairedWithEachCandidateWhileTheClientSeesOnlyTheBaseline()
      throws Exception {
    for (int i = 0; i < REQUESTS; i++) {
      HttpResponse<String> answer =
          gateway.post(
              "/v1/chat/completions",
              "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"question "
                  + i
                  + "\"}]}");
      assertThat(answer.statusCode()).isEqualTo(200);
      assertThat(answer.headers().firstValue("x-switchboard-target-model")).hasValue("base");
    }
    Map<String, JsonNode> byTarget = new HashMap<>();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              JsonNode doc =
                  GatewayHarness.JSON.readTree(gateway.admin("/admin/evaluations").body());
              byTarget.clear();
              doc.path("candidates").forEach(c -> byTarget.put(c.path("target").asText(), c));
              return byTarget.size() == 3
                  && byTarget.values().stream()
                      .allMatch(c -> c.path("requests").asLong() == REQUESTS);
            });
    // The client's call plus one baseline replay per sampled request; each candidate once each.
    assertThat(mock.attempts("base")).isEqualTo(2L * REQUESTS);
    assertThat(mock.attempts("wordy")).isEqualTo(REQUESTS);

    JsonNode wordy = byTarget.get("mock/wordy");
    assertThat(wordy.path("baselineTarget").asText()).isEqualTo("mock/base");
    double ratio = ratio(wordy, "words");
    assertThat(ratio).isBetween(1.15, 1.35);
    assertThat(ratio(byTarget.get("mock/same"), "words")).isEqualTo(1.0);
    assertThat(byTarget.get("mock/same").path("candidateRefusals").asLong())
        .isEqualTo(byTarget.get("mock/same").path("baselineRefusals").asLong());

    JsonNode refusing = byTarget.get("mock/refusing");
    long extra =
        refusing.path("candidateRefusals").asLong() - refusing.path("baselineRefusals").asLong();
    assertThat(extra).isBetween(3L, 20L); // about 5 % of 200, detected in plain text
    assertThat(refusing.path("figures").path("ttftMs").path("n").asLong()).isPositive();
    // The route does not log bodies: no answer text leaves the gateway.
    assertThat(refusing.path("recentPairs").get(0).path("candidate").has("excerpt")).isFalse();
  }

  private static double ratio(JsonNode candidate, String figure) {
    JsonNode f = candidate.path("figures").path(figure);
    return f.path("sumC").asDouble() / f.path("sumB").asDouble();
  }
}
