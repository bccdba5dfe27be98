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
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An upstream that keeps its connection open after its final event (mock fault {@code linger})
 * gives its concurrency slots back at that event: the endpoint's {@code maxConcurrency} and the
 * model's {@code maxConcurrency} of 1 each admit the next request while the first upstream still
 * lingers. When the attempt's {@code total} timeout later resets the lingering upstreams, nothing
 * is released twice and nothing counts against the target. The gateway's time is a manual clock, so
 * no timeout fires unless the test moves it.
 */
class LingeringStreamPermitIT {

  static final long TOTAL_MS = 10_000;
  static final String TARGET = "slow-closer/linger-model";

  @TempDir Path dir;
  final ManualClock clock = new ManualClock();
  MockProvider mock;
  GatewayHarness gateway;

  @BeforeEach
  void start() throws Exception {
    gateway =
        GatewayHarness.withMock(
            dir,
            new MockProviderOptions().keys("sk-m"),
            LingeringStreamPermitIT::table,
            Map.of("slow-closer", "sk-m"),
            o -> o,
            clock);
    mock = gateway.mock();
    mock.faults().set("linger-model", "linger");
  }

  /**
   * One slot for the endpoint and one for the model; {@code total} well below {@code streamIdle},
   * so only the total timeout can end a lingering upstream; one failure opens the breaker.
   */
  static RoutingTable table(MockProvider mock) {
    RoutingTable.Timeouts totalFirst =
        new RoutingTable.Timeouts(1_000L, 5_000L, TOTAL_MS, 600_000L);
    return TestTables.table(
        List.of(
            provider(
                "slow-closer",
                mock.baseUrl(),
                totalFirst,
                1,
                null,
                null,
                Map.of("linger-model", new RoutingTable.Model(List.of(), null, null, null, 1)))),
        List.of(
            policy(
                "one-failure-opens",
                1,
                200,
                0.2,
                5,
                new RoutingTable.CircuitBreaker(50, 600_000L, 1, 60_000L, 60_000L),
                List.of())),
        List.of(
            policyRoute("lingers", "one-failure-opens", target("slow-closer", "linger-model", 0))));
  }

  @AfterEach
  void stop() throws Exception {
    gateway.close();
  }

  @Test
  void theSlotsComeBackAtTheFinalEventAndTheTotalTimeoutLaterCountsNothing() throws Exception {
    HttpResponse<String> first = post();

    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.body()).contains("data: [DONE]").doesNotContain("\"error\"");
    // The upstream still holds its connection open, yet both caps are free again.
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(inFlight()).isZero());
    assertThat(modelInFlight()).isZero();
    assertThat(mock.clientAborts()).isZero();

    // So the next request is admitted by both caps of 1 while the first upstream lingers.
    HttpResponse<String> second = post();

    assertThat(second.statusCode()).isEqualTo(200);
    assertThat(second.headers().firstValue("x-switchboard-provider")).hasValue("slow-closer");
    assertThat(second.body()).contains("data: [DONE]").doesNotContain("\"error\"");
    assertThat(mock.attempts("linger-model")).isEqualTo(2);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(inFlight()).isZero());

    // The attempts' total timeout resets both lingering upstreams: no permit comes back twice
    // (a cap of 1 would then admit two), and the complete answers stay the target's successes.
    clock.advance(TOTAL_MS);

    await().atMost(Duration.ofSeconds(10)).until(() -> mock.clientAborts() == 2);
    assertThat(inFlight()).isZero();
    assertThat(modelInFlight()).isZero();
    assertThat(gateway.server().resilience().breakerState(TARGET))
        .hasValue(CircuitBreaker.State.CLOSED);
    String metrics = gateway.admin("/metrics").body();
    assertThat(metrics).doesNotContain("switchboard_errors_total{");
    assertThat(metrics)
        .doesNotContainPattern("switchboard_upstream_attempts_total\\{[^}]*outcome=\"timeout\"");
  }

  private HttpResponse<String> post() throws Exception {
    return gateway.post("/v1/chat/completions", GatewayHarness.chat("lingers", true));
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> slowCloser() {
    Map<String, Object> providers =
        (Map<String, Object>) gateway.server().resilience().summary().get("providers");
    return (Map<String, Object>) providers.get("slow-closer");
  }

  private int inFlight() {
    return (Integer) slowCloser().get("inFlight");
  }

  @SuppressWarnings("unchecked")
  private int modelInFlight() {
    Map<String, Map<String, Object>> models =
        (Map<String, Map<String, Object>>) slowCloser().get("models");
    return (Integer) models.get("linger-model").get("inFlight");
  }
}
