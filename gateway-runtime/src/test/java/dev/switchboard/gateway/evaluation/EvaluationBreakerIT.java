package dev.switchboard.gateway.evaluation;

import static dev.switchboard.gateway.TestTables.provider;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.resilience.ResiliencePolicy;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
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
 * A target whose circuit breaker is open has been taken out of service for the gateway's users: it
 * is not mirrored either. Its mirror is skipped (counted as skipped, like a missing key or a full
 * bulkhead), a skipped baseline sends no candidate, and an open breaker counts no mirror (once its
 * open period is over a mirror may be its half-open probe: {@link EvaluationBreakerRecoveryIT}).
 */
class EvaluationBreakerIT {

  static final int REQUESTS = 20;

  @TempDir static Path dir;

  static GatewayHarness gateway;
  static MockProvider mock;

  @BeforeAll
  static void start() throws Exception {
    gateway =
        GatewayHarness.withMock(
            dir,
            new MockProviderOptions()
                .keys("sk-t")
                .models("base", "tripped", "same", "down", "fallback", "pending")
                .persona("base", 1.0, 0.0)
                .persona("tripped", 1.0, 0.0)
                .persona("same", 1.0, 0.0)
                .persona("down", 1.0, 0.0)
                .persona("fallback", 1.0, 0.0)
                .persona("pending", 1.0, 0.0),
            EvaluationBreakerIT::table,
            Map.of("mock", "sk-t"));
    mock = gateway.mock();
    // The breakers the serving path consults, opened as failures would open them.
    open("tripped");
    open("down");
  }

  static RoutingTable table(MockProvider mock) {
    // "open-candidate": one candidate's breaker is open, the other's is not.
    RoutingTable.Route openCandidate =
        new RoutingTable.Route(
                "open-candidate",
                "open-candidate",
                List.of(),
                null,
                1,
                List.of(target("mock", "base", 0)),
                List.of(),
                null)
            .withEvaluation(
                new RoutingTable.Evaluation(
                    "e1",
                    List.of(target("mock", "tripped", 0), target("mock", "same", 0)),
                    1.0,
                    null,
                    null,
                    "mock/base"));
    // "open-baseline": the baseline's breaker is open, so the fallback serves the clients.
    RoutingTable.Route openBaseline =
        new RoutingTable.Route(
                "open-baseline",
                "open-baseline",
                List.of(),
                null,
                1,
                List.of(target("mock", "down", 0), target("mock", "fallback", 1)),
                List.of(),
                null)
            .withEvaluation(
                new RoutingTable.Evaluation(
                    "e2", List.of(target("mock", "pending", 0)), 1.0, null, null, "mock/down"));
    return TestTables.table(
        List.of(provider("mock", mock.baseUrl(), true)), List.of(openCandidate, openBaseline));
  }

  private static void open(String model) {
    gateway
        .server()
        .resilience()
        .breaker(
            new PlannedTarget(
                target("mock", model, 0),
                provider("mock", mock.baseUrl(), true),
                PlannedTarget.STABLE),
            ResiliencePolicy.defaults())
        .transitionToOpenState();
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  private static void ask(String model) throws Exception {
    for (int i = 0; i < REQUESTS; i++) {
      assertThat(
              gateway
                  .post(
                      "/v1/chat/completions",
                      "{\"model\":\""
                          + model
                          + "\",\"messages\":[{\"role\":\"user\",\"content\":\"q "
                          + i
                          + "\"}]}")
                  .statusCode())
          .isEqualTo(200);
    }
  }

  private static Map<String, JsonNode> entries(String route) throws Exception {
    Map<String, JsonNode> byTarget = new HashMap<>();
    GatewayHarness.JSON
        .readTree(gateway.admin("/admin/evaluations").body())
        .path("candidates")
        .forEach(
            c -> {
              if (route.equals(c.path("route").asText())) {
                byTarget.put(c.path("target").asText(), c);
              }
            });
    return byTarget;
  }

  @Test
  void aCandidateBehindAnOpenBreakerIsSkippedNotCalledAndItsBreakerIsNotFed() throws Exception {
    ask("open-candidate");
    Map<String, JsonNode> byTarget = new HashMap<>();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              byTarget.clear();
              byTarget.putAll(entries("open-candidate"));
              return byTarget.size() == 2
                  && byTarget.get("mock/same").path("requests").asLong() == REQUESTS
                  && byTarget.get("mock/tripped").path("candidateSkipped").asLong() == REQUESTS;
            });
    // The provider the breaker protects gets no mirrored call (it used to get one per request).
    assertThat(mock.attempts("tripped")).isZero();
    JsonNode tripped = byTarget.get("mock/tripped");
    assertThat(tripped.path("requests").asLong()).isZero();
    assertThat(tripped.path("candidateFailures").asLong()).isZero();
    assertThat(tripped.path("baselineSkipped").asLong()).isZero();
    // The other candidate is mirrored as usual, and the baseline replayed for it.
    assertThat(mock.attempts("same")).isEqualTo(REQUESTS);
    assertThat(mock.attempts("base")).isEqualTo(2L * REQUESTS);
    // An open breaker refuses mirrors (its open period is not over) and counts none of them.
    assertThat(gateway.server().resilience().breakerState("mock/tripped"))
        .hasValue(CircuitBreaker.State.OPEN);
    assertThat(gateway.server().resilience().breakerState("mock/same")).isEmpty();
  }

  @Test
  void aBaselineBehindAnOpenBreakerIsNotReplayedAndNoCandidateIsSent() throws Exception {
    ask("open-baseline");
    JsonNode[] entry = new JsonNode[1];
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              entry[0] = entries("open-baseline").get("mock/pending");
              return entry[0] != null && entry[0].path("baselineSkipped").asLong() == REQUESTS;
            });
    // The clients are served by the fallback; neither the baseline nor the candidate is called.
    assertThat(mock.attempts("fallback")).isEqualTo(REQUESTS);
    assertThat(mock.attempts("down")).isZero();
    assertThat(mock.attempts("pending")).isZero();
    assertThat(entry[0].path("candidateSkipped").asLong()).isEqualTo(REQUESTS);
    assertThat(entry[0].path("requests").asLong()).isZero();
    assertThat(entry[0].path("baselineFailures").asLong()).isZero();
    assertThat(entry[0].path("candidateFailures").asLong()).isZero();
  }
}
