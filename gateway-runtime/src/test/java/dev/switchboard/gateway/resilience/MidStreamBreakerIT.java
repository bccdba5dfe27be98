package dev.switchboard.gateway.resilience;

import static dev.switchboard.gateway.TestTables.policyRoute;
import static dev.switchboard.gateway.TestTables.target;
import static dev.switchboard.gateway.resilience.ResilienceTables.policy;
import static dev.switchboard.gateway.resilience.ResilienceTables.provider;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A stream that fails after its first chunk reached the client — the upstream closes it before
 * {@code [DONE]}, or sends an error event — cannot fail over, but it is the provider's failure all
 * the same: the target's circuit breaker counts it (RESILIENCE.md: mid-stream failures are recorded
 * when the stream ends), so a provider that keeps cutting its streams is skipped like one that
 * answers 5xx.
 */
class MidStreamBreakerIT {

  /** The breaker opens at 50 % failures once it has seen this many calls. */
  static final int MINIMUM_CALLS = 4;

  @TempDir static Path dir;
  static MockProvider mock;
  static GatewayHarness gateway;

  @BeforeAll
  static void start() throws Exception {
    gateway =
        GatewayHarness.withMock(
            dir,
            new MockProviderOptions().keys("sk-m"),
            MidStreamBreakerIT::table,
            Map.of("cut", "sk-m", "erring", "sk-m", "good", "sk-m"));
    mock = gateway.mock();
    mock.faults().set("cut-model", "truncate:2");
    mock.faults().set("erring-model", "stream-error:2");
  }

  /** One route per fault: its faulty provider first, a healthy one behind it. */
  static RoutingTable table(MockProvider mock) {
    RoutingTable.Timeouts timeouts = new RoutingTable.Timeouts(1_000L, 5_000L, 10_000L, null);
    RoutingTable.CircuitBreaker breaker =
        new RoutingTable.CircuitBreaker(50, 5_000L, MINIMUM_CALLS, 60_000L, 60_000L);
    return TestTables.table(
        List.of(
            provider("cut", mock.baseUrl(), timeouts, null, null, null, Map.of()),
            provider("erring", mock.baseUrl(), timeouts, null, null, null, Map.of()),
            provider("good", mock.baseUrl(), timeouts, null, null, null, Map.of())),
        List.of(policy("failover", 1, 200, 0.2, 5, breaker, List.of())),
        List.of(
            policyRoute(
                "truncated", "failover", target("cut", "cut-model", 0), target("good", "ok", 1)),
            policyRoute(
                "error-event",
                "failover",
                target("erring", "erring-model", 0),
                target("good", "ok", 1))));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  @ParameterizedTest
  @CsvSource({"truncated, cut/cut-model", "error-event, erring/erring-model"})
  void streamsCutAfterTheirFirstChunkOpenTheBreaker(String route, String failing) throws Exception {
    for (int i = 0; i < MINIMUM_CALLS; i++) {
      HttpResponse<String> r =
          gateway.post("/v1/chat/completions", GatewayHarness.chat(route, true));
      // Committed at the first chunk: one terminal error event, no failover.
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("x-switchboard-target-model"))
          .hasValue(failing.substring(failing.indexOf('/') + 1));
      assertThat(r.body()).contains("\"error\"").doesNotContain("[DONE]");
    }
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(gateway.server().resilience().breakerState(failing))
                    .hasValue(CircuitBreaker.State.OPEN));
    long attempts = mock.attempts(failing.substring(failing.indexOf('/') + 1));

    HttpResponse<String> next =
        gateway.post("/v1/chat/completions", GatewayHarness.chat(route, true));

    // Open: the failing target is skipped without being called; the healthy one answers whole.
    assertThat(next.statusCode()).isEqualTo(200);
    assertThat(next.headers().firstValue("x-switchboard-provider")).hasValue("good");
    assertThat(next.body()).contains("data: [DONE]").doesNotContain("\"error\"");
    assertThat(mock.attempts(failing.substring(failing.indexOf('/') + 1))).isEqualTo(attempts);
  }
}
