package dev.switchboard.operator.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Rollout gauges exist for routes that have had a rollout, not for every route. */
class OperatorMetricsRolloutGaugesTest {

  @Test
  void aRouteThatWasAlwaysStableExportsNoGaugesAndACanaryKeepsThemAfterPromotion() {
    try (OperatorMetrics metrics = new OperatorMetrics()) {
      for (int i = 0; i < 1_000; i++) {
        metrics.observed("ns", "quiet-" + i, "Stable", 0, null);
      }
      metrics.observed("ns", "chat", "Progressing", 10, null);
      metrics.observed("ns", "chat", "Stable", 0, "Passed"); // promoted: still exported

      String scrape = metrics.registry().scrape();

      assertThat(scrape).doesNotContain("quiet-");
      assertThat(
              metrics.registry().getMeters().stream()
                  .filter(m -> m.getId().getName().startsWith("switchboard_canary")))
          .as("one route's gauges: weight, verdicts, phases")
          .hasSizeBetween(1, 9);
      assertThat(scrape)
          .contains("switchboard_canary_weight{namespace=\"ns\",route=\"chat\"} 0.0")
          .contains(
              "switchboard_canary_phase{namespace=\"ns\",phase=\"Stable\",route=\"chat\"} 1.0");
    }
  }
}
