package dev.switchboard.gateway.evaluation;

import static dev.switchboard.gateway.TestTables.policyRoute;
import static dev.switchboard.gateway.TestTables.provider;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A candidate whose breaker users' failures opened, on a route no user asks any more, is not
 * skipped for ever: once its open period is over on the gateway clock, a mirror asks the breaker as
 * a user's request would and is its half-open probe. A failing probe opens it again (a mirror never
 * closes a breaker a user's request would not), a complete answer closes it, and a closed breaker
 * never counts a mirror.
 */
class EvaluationBreakerRecoveryIT {

  /** How long the breaker stays open. */
  static final long OPEN_FOR_MS = 30_000;

  @TempDir Path dir;
  final ManualClock clock = new ManualClock();
  MockProvider mock;
  GatewayHarness gateway;

  @BeforeEach
  void start() throws Exception {
    gateway =
        GatewayHarness.withMock(
            dir,
            new MockProviderOptions()
                .keys("sk-t")
                .models("base", "cand")
                .persona("base", 1.0, 0.0)
                .persona("cand", 1.0, 0.0),
            EvaluationBreakerRecoveryIT::table,
            Map.of("mock", "sk-t"),
            o -> o,
            clock);
    mock = gateway.mock();
  }

  /**
   * "side" serves the candidate to users (and so builds its breaker: one failure opens it, one
   * probe decides); "chat" is evaluated against it, on its own baseline.
   */
  static RoutingTable table(MockProvider mock) {
    RoutingTable.Policy guarded =
        new RoutingTable.Policy(
            "guarded",
            "priority",
            null,
            List.of(),
            new RoutingTable.Retry(1, 10L, 100L, 2.0, "full", null, true, 0.2, 5, null),
            true,
            new RoutingTable.CircuitBreaker(50, 600_000L, 1, 60_000L, OPEN_FOR_MS),
            List.of(),
            null,
            null,
            null);
    RoutingTable.Route side = policyRoute("side", "guarded", target("mock", "cand", 0));
    RoutingTable.Route chat =
        policyRoute("chat", "guarded", target("mock", "base", 0))
            .withEvaluation(
                new RoutingTable.Evaluation(
                    "e1", List.of(target("mock", "cand", 0)), 1.0, null, null, "mock/base"));
    return TestTables.table(
        List.of(provider("mock", mock.baseUrl(), true)), List.of(guarded), List.of(side, chat));
  }

  @AfterEach
  void stop() throws Exception {
    gateway.close();
  }

  @Test
  void aMirrorProbesAnExpiredOpenBreakerAsAUsersRequestWould() throws Exception {
    // Users' requests fail on the candidate: its breaker opens, as failures open it.
    mock.faults().add("cand", "status:500", 1);
    assertThat(
            gateway.post("/v1/chat/completions", GatewayHarness.chat("side", false)).statusCode())
        .isGreaterThanOrEqualTo(500);
    await().atMost(Duration.ofSeconds(10)).until(() -> state() == CircuitBreaker.State.OPEN);

    // Open: the candidate's mirror is skipped; nobody asks the side route any more.
    ask();
    awaitCandidate(c -> c.path("candidateSkipped").asLong() == 1);
    assertThat(mock.attempts("cand")).isEqualTo(1);

    // The open period is over, and the mirror is the probe; the provider fails it again, so the
    // breaker opens again: a mirror's failure counts as a user's would.
    clock.advance(OPEN_FOR_MS + 1);
    mock.faults().add("cand", "status:500", 1);
    ask();
    awaitCandidate(c -> c.path("candidateFailures").asLong() == 1);
    assertThat(mock.attempts("cand")).isEqualTo(2);
    assertThat(state()).isEqualTo(CircuitBreaker.State.OPEN);

    // Opened again on the gateway clock: skipped until that period is over too.
    ask();
    awaitCandidate(c -> c.path("candidateSkipped").asLong() == 2);
    assertThat(mock.attempts("cand")).isEqualTo(2);

    // The next probe answers whole: the breaker closes, as a user's probe would close it.
    clock.advance(OPEN_FOR_MS + 1);
    ask();
    awaitCandidate(
        c -> c.path("requests").asLong() == 2 && c.path("candidateAnswered").asLong() == 1);
    assertThat(state()).isEqualTo(CircuitBreaker.State.CLOSED);

    // Closed: mirrored as usual, and a closed breaker never counts a mirror.
    ask();
    awaitCandidate(c -> c.path("candidateAnswered").asLong() == 2);
    CircuitBreaker breaker =
        gateway.server().resilience().existingBreaker("mock/cand").orElseThrow();
    assertThat(breaker.getMetrics().getNumberOfBufferedCalls()).isZero();
    assertThat(mock.attempts("cand")).isEqualTo(4);
  }

  private void ask() throws Exception {
    assertThat(
            gateway.post("/v1/chat/completions", GatewayHarness.chat("chat", false)).statusCode())
        .isEqualTo(200);
  }

  private CircuitBreaker.State state() {
    return gateway.server().resilience().breakerState("mock/cand").orElseThrow();
  }

  private void awaitCandidate(java.util.function.Predicate<JsonNode> condition) {
    await().atMost(Duration.ofSeconds(10)).until(() -> condition.test(candidate()));
  }

  private JsonNode candidate() throws Exception {
    JsonNode doc = GatewayHarness.JSON.readTree(gateway.admin("/admin/evaluations").body());
    for (JsonNode c : doc.path("candidates")) {
      if ("mock/cand".equals(c.path("target").asText())) {
        return c;
      }
    }
    return GatewayHarness.JSON.createObjectNode();
  }
}
