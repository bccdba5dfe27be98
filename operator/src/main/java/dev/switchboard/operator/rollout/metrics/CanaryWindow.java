package dev.switchboard.operator.rollout.metrics;

import java.time.Duration;

/**
 * Both arms of a canary measured over the same window, so that they are compared under the same
 * conditions (time of day, load, provider weather).
 *
 * @param window the length of the window the figures cover
 */
public record CanaryWindow(ArmMetrics canary, ArmMetrics stable, Duration window) {}
