package dev.switchboard.operator.rollout.metrics;

import java.time.Duration;

/**
 * Both arms of a canary measured over the same window, so that they are compared under the same
 * conditions (time of day, load, provider weather).
 *
 * @param window the length of the window the figures cover
 * @param sums the step's counters these figures come from, for the route's status to keep; from a
 *     source that asks for its figures afresh every time (Prometheus) only where the step's window
 *     starts (no counters), or null
 */
public record CanaryWindow(ArmMetrics canary, ArmMetrics stable, Duration window, StepSums sums) {

  /** Figures without counters to keep. */
  public CanaryWindow(ArmMetrics canary, ArmMetrics stable, Duration window) {
    this(canary, stable, window, null);
  }
}
