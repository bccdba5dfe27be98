package dev.switchboard.gateway.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.upstream.FailureKind;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResiliencePolicyTest {

  @Test
  void absentPolicyMeansDocumentedDefaults() {
    ResiliencePolicy p = ResiliencePolicy.of(null);
    assertThat(p).isSameAs(ResiliencePolicy.defaults());
    assertThat(p.maxAttempts()).isEqualTo(1);
    assertThat(p.respectRetryAfter()).isTrue();
    assertThat(p.requireSameCapabilities()).isTrue();
    assertThat(p.budgetRatio()).isEqualTo(0.2);
    assertThat(p.budgetMinPerSecond()).isEqualTo(5);
    assertThat(p.maxRetryAfterMs()).isEqualTo(60_000);
    assertThat(p.retries(FailureKind.BAD_RESPONSE)).isTrue();
    assertThat(p.retries(FailureKind.REQUEST_REJECTED)).isFalse();
    assertThat(p.retries(FailureKind.AUTH_REJECTED)).isFalse();
  }

  @Test
  void retryOnNamesMapToFailureKinds() {
    RoutingTable.Retry retry =
        new RoutingTable.Retry(
            2, null, null, null, null, List.of("timeout", "rate-limited"), false, null, null, null);
    ResiliencePolicy p =
        ResiliencePolicy.of(
            new RoutingTable.Policy(
                "p", null, null, List.of(), retry, false, null, List.of(), null, null, null));
    assertThat(p.maxAttempts()).isEqualTo(2);
    assertThat(p.respectRetryAfter()).isFalse();
    assertThat(p.requireSameCapabilities()).isFalse();
    assertThat(p.retryOn())
        .containsExactlyInAnyOrder(
            FailureKind.TIMEOUT, FailureKind.RATE_LIMITED, FailureKind.NO_KEY);
  }

  @Test
  void breakerFieldsFallBackOneByOne() {
    RoutingTable.CircuitBreaker cb = new RoutingTable.CircuitBreaker(25, null, 4, 500L, null);
    ResiliencePolicy p =
        ResiliencePolicy.of(
            new RoutingTable.Policy(
                "p", null, null, List.of(), null, null, cb, List.of(), null, null, null));
    assertThat(p.breaker())
        .isEqualTo(
            new ResiliencePolicy.BreakerSettings(
                25,
                ResiliencePolicy.BreakerSettings.DEFAULTS.slowCallThresholdMs(),
                4,
                500,
                ResiliencePolicy.BreakerSettings.DEFAULTS.openForMs()));
  }
}
