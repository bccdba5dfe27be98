package dev.switchboard.operator.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.api.v1alpha1.CanaryAnalysis;
import dev.switchboard.operator.rollout.metrics.ArmCounters;
import dev.switchboard.operator.rollout.metrics.ArmMetrics;
import dev.switchboard.operator.rollout.metrics.CanaryWindow;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The p95 criteria judged with order-statistic bounds on the histogram the gateway exports. */
class CanaryAnalyzerTest {

  private static final double INF = Double.POSITIVE_INFINITY;

  /** Stable: p95 0.875 s over many requests, so the threshold at the default 1.5 is 1.31 s. */
  private static final ArmMetrics STABLE = arm(Map.of(0.5, 8000.0, 1.0, 10_000.0, INF, 10_000.0));

  @Test
  void aFewSlowRequestsInAShortSampleDoNotRollBackTheCanary() {
    // 80 latencies, 8 of them slow: the p95 estimate (1.75 s) is 2x stable's, but with 80
    // observations the p95 may well be the 71st smallest (0.5 s at most): its lower bound is not
    // past the threshold, so the step keeps collecting. It was rolled back on the estimate.
    ArmMetrics canary = arm(Map.of(0.5, 72.0, 1.5, 72.0, 2.0, 80.0, INF, 80.0));
    assertThat(canary.latencyP95Seconds()).isGreaterThan(1.7);

    AnalysisResult result = judge(canary);

    assertThat(result.verdict()).isEqualTo(AnalysisResult.Verdict.INCONCLUSIVE);
    assertThat(result.suspects()).anySatisfy(s -> assertThat(s).contains("latency p95 ratio"));
  }

  /** A ratio just past its limit reads as past it, not "ratio 1.50 > 1.50". */
  @Test
  void aRatioJustPastItsLimitSaysByHowMuch() {
    assertThat(CanaryAnalyzer.beyond(2.0, 1.5)).isEqualTo("ratio 2.00 > 1.50");
    assertThat(CanaryAnalyzer.beyond(1.5004, 1.5)).isEqualTo("ratio 1.5004 > 1.5000");
    assertThat(CanaryAnalyzer.beyond(1.50000001, 1.5)).isEqualTo("ratio 1.500000 > 1.500000");
  }

  @Test
  void tooFewLatenciesCannotPassTheP95() {
    // 60 latencies all within 1.0 s: the estimate is within 1.31 s, but 60 observations cannot
    // bound
    // a p95 from above (it takes 72). It passed on the estimate.
    ArmMetrics canary = arm(Map.of(1.0, 60.0, INF, 60.0));

    assertThat(judge(canary).verdict()).isEqualTo(AnalysisResult.Verdict.INCONCLUSIVE);
  }

  @Test
  void aSlowCanaryFailsAndAFastOnePasses() {
    AnalysisResult slow = judge(arm(Map.of(1.0, 10.0, 1.5, 10.0, 2.0, 200.0, INF, 200.0)));
    assertThat(slow.verdict()).isEqualTo(AnalysisResult.Verdict.FAIL);
    assertThat(slow.failures()).singleElement().asString().contains("latency p95 ratio");

    AnalysisResult fast = judge(arm(Map.of(0.5, 900.0, 1.0, 1000.0, INF, 1000.0)));
    assertThat(fast.verdict()).isEqualTo(AnalysisResult.Verdict.PASS);
  }

  @Test
  void withoutHistogramsTheEstimateIsJudgedAsBefore() {
    // The Prometheus source answers histogram_quantile only.
    ArmMetrics canary = new ArmMetrics(2000, 0, 1.75, null, 2000, 200_000, 0);
    ArmMetrics stable = new ArmMetrics(10_000, 0, 0.8, null, 10_000, 1_000_000, 0);
    AnalysisResult result =
        CanaryAnalyzer.judge(new CanaryAnalysis(), new CanaryWindow(canary, stable, Duration.ZERO));
    assertThat(result.verdict()).isEqualTo(AnalysisResult.Verdict.FAIL);
  }

  /**
   * A figure exactly at its threshold is within it ("highest acceptable"): no failure and no
   * suspect, so the step advances after its pause; just past it, the ratio fails and the rate
   * holds.
   */
  @Test
  void aFigureAtItsThresholdIsWithinItAndJustPastItIsNot() {
    ArmMetrics stable = new ArmMetrics(100_000, 0, 1.0, null, 100_000, 10_000_000, 0);
    ArmMetrics atThresholds = new ArmMetrics(10_000, 200, 1.5, null, 9_800, 1_470_000, 0);

    AnalysisResult at =
        CanaryAnalyzer.judge(
            new CanaryAnalysis(), new CanaryWindow(atThresholds, stable, Duration.ZERO));

    assertThat(at.verdict()).isEqualTo(AnalysisResult.Verdict.INCONCLUSIVE);
    assertThat(at.failures()).isEmpty();
    assertThat(at.suspects()).isEmpty();
    assertThat(at.mayAdvance()).isTrue();

    ArmMetrics pastThresholds = new ArmMetrics(10_000, 201, 1.5001, null, 9_799, 1_469_850, 0);
    AnalysisResult past =
        CanaryAnalyzer.judge(
            new CanaryAnalysis(), new CanaryWindow(pastThresholds, stable, Duration.ZERO));
    assertThat(past.verdict()).isEqualTo(AnalysisResult.Verdict.FAIL);
    assertThat(past.failures()).singleElement().asString().startsWith("latency p95 ratio");
    assertThat(past.suspects()).singleElement().asString().startsWith("error rate");
  }

  /**
   * The Prometheus source reads attempts and failures with two instant queries a moment apart, each
   * extrapolated by {@code increase} and rounded: a canary failing every request can come back with
   * a few more failures than attempts. That is a failing canary, not a rate no interval can judge.
   */
  @Test
  void moreFailuresThanAttemptsFromQueriesAMomentApartFailTheCanary() {
    ArmMetrics canary = new ArmMetrics(1000, 1003, null, null, 0, 0, 0);
    ArmMetrics stable = new ArmMetrics(10_000, 10, null, null, 9990, 999_000, 0);

    AnalysisResult result =
        CanaryAnalyzer.judge(new CanaryAnalysis(), new CanaryWindow(canary, stable, Duration.ZERO));

    assertThat(result.verdict()).isEqualTo(AnalysisResult.Verdict.FAIL);
    assertThat(result.failures()).singleElement().asString().startsWith("error rate");
  }

  /** Likewise refusals read a moment after the answers: the canary refuses everything. */
  @Test
  void moreRefusalsThanAnswersFailTheCanary() {
    ArmMetrics canary = new ArmMetrics(1000, 0, null, null, 1000, 100_000, 1003);
    ArmMetrics stable = new ArmMetrics(10_000, 0, null, null, 10_000, 1_000_000, 10);

    AnalysisResult result =
        CanaryAnalyzer.judge(new CanaryAnalysis(), new CanaryWindow(canary, stable, Duration.ZERO));

    assertThat(result.verdict()).isEqualTo(AnalysisResult.Verdict.FAIL);
    assertThat(result.failures()).singleElement().asString().startsWith("refusal rate increase");
  }

  private static AnalysisResult judge(ArmMetrics canary) {
    return CanaryAnalyzer.judge(
        new CanaryAnalysis(), new CanaryWindow(canary, STABLE, Duration.ofMinutes(1)));
  }

  /**
   * An arm with enough requests (no errors, no refusals, equal verbosity) that only its latency
   * histogram can decide.
   */
  private static ArmMetrics arm(Map<Double, Double> latency) {
    long requests = latency == null ? 0 : 10_000;
    return new ArmMetrics(
        requests,
        0,
        ArmCounters.quantile(0.95, latency),
        null,
        requests,
        requests * 100.0,
        0,
        latency,
        Map.of());
  }
}
