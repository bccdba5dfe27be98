package dev.switchboard.operator.rollout;

import dev.switchboard.api.v1alpha1.CanaryAnalysis;
import dev.switchboard.operator.rollout.metrics.ArmMetrics;
import dev.switchboard.operator.rollout.metrics.CanaryWindow;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Compares a canary against stable over one window: absolute error rate, p95 latency ratio (and p95
 * time-to-first-token ratio for streams), mean output tokens ratio (verbosity drift) and refusal
 * rate increase. A pure function of the thresholds and the figures.
 *
 * <p>Below {@code minRequests} canary requests there is no verdict. A ratio criterion is only
 * judged when both arms have data for it, so that an idle stable arm cannot fail a canary.
 */
public final class CanaryAnalyzer {

  // The CRD schema's defaults, repeated because an API server without schema defaulting (the mock
  // server, or a route stored before a field existed) hands the operator nulls.
  static final int DEFAULT_MIN_REQUESTS = 50;
  static final double DEFAULT_MAX_ERROR_RATE = 0.02;
  static final double DEFAULT_MAX_LATENCY_P95_RATIO = 1.5;
  static final double DEFAULT_MAX_OUTPUT_TOKENS_RATIO = 1.5;
  static final double DEFAULT_MAX_REFUSAL_RATE_INCREASE = 0.05;

  private CanaryAnalyzer() {}

  public static AnalysisResult judge(CanaryAnalysis thresholds, CanaryWindow window) {
    CanaryAnalysis t = thresholds == null ? new CanaryAnalysis() : thresholds;
    int minRequests = orDefault(t.getMinRequests(), DEFAULT_MIN_REQUESTS);
    ArmMetrics canary = window.canary();
    ArmMetrics stable = window.stable();
    if (canary.requests() < minRequests) {
      return AnalysisResult.inconclusive();
    }
    List<String> failures = new ArrayList<>();

    double maxErrorRate = orDefault(t.getMaxErrorRate(), DEFAULT_MAX_ERROR_RATE);
    if (canary.errorRate() > maxErrorRate) {
      failures.add(
          String.format(
              Locale.ROOT,
              "error rate %.4f > %.4f (%d of %d canary requests failed; stable %.4f)",
              canary.errorRate(),
              maxErrorRate,
              canary.errors(),
              canary.requests(),
              stable.errorRate()));
    }

    double maxLatencyRatio = orDefault(t.getMaxLatencyP95Ratio(), DEFAULT_MAX_LATENCY_P95_RATIO);
    ratio("latency p95", canary.latencyP95Seconds(), stable.latencyP95Seconds(), maxLatencyRatio)
        .ifPresent(failures::add);
    ratio("TTFT p95", canary.ttftP95Seconds(), stable.ttftP95Seconds(), maxLatencyRatio)
        .ifPresent(failures::add);

    double maxTokensRatio = orDefault(t.getMaxOutputTokensRatio(), DEFAULT_MAX_OUTPUT_TOKENS_RATIO);
    ratio(
            "output tokens per request",
            canary.outputTokensPerRequest(),
            stable.outputTokensPerRequest(),
            maxTokensRatio)
        .ifPresent(failures::add);

    double maxRefusalIncrease =
        orDefault(t.getMaxRefusalRateIncrease(), DEFAULT_MAX_REFUSAL_RATE_INCREASE);
    Double canaryRefusals = canary.refusalRate();
    if (canaryRefusals != null) {
      // With no stable answers to compare against, the canary's own rate is the increase.
      double stableRefusals = stable.refusalRate() == null ? 0.0 : stable.refusalRate();
      double increase = canaryRefusals - stableRefusals;
      if (increase > maxRefusalIncrease) {
        failures.add(
            String.format(
                Locale.ROOT,
                "refusal rate increase %.4f > %.4f (canary %.4f, stable %.4f)",
                increase,
                maxRefusalIncrease,
                canaryRefusals,
                stableRefusals));
      }
    }
    return failures.isEmpty()
        ? new AnalysisResult(AnalysisResult.Verdict.PASS, List.of())
        : new AnalysisResult(AnalysisResult.Verdict.FAIL, failures);
  }

  private static java.util.Optional<String> ratio(
      String what, Double canary, Double stable, double max) {
    if (canary == null || stable == null || stable <= 0) {
      return java.util.Optional.empty();
    }
    double ratio = canary / stable;
    if (ratio <= max) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(
        String.format(
            Locale.ROOT,
            "%s ratio %.2f > %.2f (canary %.4g, stable %.4g)",
            what,
            ratio,
            max,
            canary,
            stable));
  }

  private static int orDefault(Integer value, int fallback) {
    return value == null ? fallback : value;
  }

  private static double orDefault(Double value, double fallback) {
    return value == null ? fallback : value;
  }
}
