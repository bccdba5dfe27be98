package dev.switchboard.gateway.resilience;

import static dev.switchboard.gateway.TestTables.policyRoute;
import static dev.switchboard.gateway.TestTables.provider;
import static dev.switchboard.gateway.TestTables.target;
import static dev.switchboard.gateway.resilience.ResilienceTables.policy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code /metrics} and {@code /admin/config} show of a breaker is the state it is in effect on
 * the gateway clock: once its open period is over, an open breaker is shown half-open (its next
 * request is a probe) though no request came since — dashboards, alerts and the operator's {@code
 * CircuitOpen} condition read these, and a route nobody calls any more was shown open for ever.
 */
class BreakerStateInEffectIT {

  /** How long the breaker stays open. */
  static final long OPEN_FOR_MS = 30_000;

  static final String TARGET = "mock/flaky";

  @TempDir Path dir;
  final ManualClock clock = new ManualClock();
  MockProvider mock;
  GatewayHarness gateway;

  @BeforeEach
  void start() throws Exception {
    gateway =
        GatewayHarness.withMock(
            dir,
            new MockProviderOptions().keys("sk-t").models("flaky", "ok"),
            BreakerStateInEffectIT::table,
            Map.of("mock", "sk-t"),
            o -> o,
            clock);
    mock = gateway.mock();
  }

  /** One failure opens the breaker of "flaky", one probe decides; "ok" answers meanwhile. */
  static RoutingTable table(MockProvider mock) {
    RoutingTable.CircuitBreaker cb =
        new RoutingTable.CircuitBreaker(50, 600_000L, 1, 60_000L, OPEN_FOR_MS);
    return TestTables.table(
        List.of(provider("mock", mock.baseUrl(), true)),
        List.of(policy("guarded", 1, 100, 0.2, 5, cb, List.of())),
        List.of(
            policyRoute("chat", "guarded", target("mock", "flaky", 0), target("mock", "ok", 1))));
  }

  @AfterEach
  void stop() throws Exception {
    gateway.close();
  }

  @Test
  void anOpenBreakerIsShownHalfOpenOnceItsOpenPeriodIsOverWithoutARequest() throws Exception {
    mock.faults().add("flaky", "status:500", 1);
    ask();
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertShown("open"));
    long attempts = mock.attempts("flaky");

    clock.advance(OPEN_FOR_MS);
    assertShown("open");

    clock.advance(1);
    assertShown("half_open");
    assertThat(mock.attempts("flaky")).isEqualTo(attempts); // nothing asked the breaker

    // The next request is the probe, as shown; it answers, and the breaker closes.
    ask();
    assertThat(mock.attempts("flaky")).isEqualTo(attempts + 1);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertShown("closed"));
  }

  private void ask() throws Exception {
    assertThat(
            gateway.post("/v1/chat/completions", GatewayHarness.chat("chat", false)).statusCode())
        .isEqualTo(200);
  }

  private void assertShown(String label) throws Exception {
    String metrics = gateway.admin("/metrics").body();
    for (String state : List.of("closed", "open", "half_open")) {
      assertThat(metrics)
          .contains(
              "switchboard_circuit_breaker_state{state=\""
                  + state
                  + "\",target=\""
                  + TARGET
                  + "\"} "
                  + (state.equals(label) ? "1.0" : "0.0"));
    }
    assertThat(
            GatewayHarness.json(gateway.admin("/admin/config").body())
                .path("resilience")
                .path("circuitBreakers")
                .path(TARGET)
                .asText())
        .isEqualTo(label);
  }
}
