package dev.switchboard.operator.rollout;

import dev.switchboard.api.v1alpha1.CanaryAnalysis;
import dev.switchboard.operator.rollout.metrics.ArmCounters;
import dev.switchboard.operator.rollout.metrics.ArmMetrics;
import dev.switchboard.operator.rollout.metrics.CanaryWindow;
import dev.switchboard.operator.statistics.Intervals;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Compares a canary against stable over the current step's figures so far (the sources accumulate
 * every window since the step started): absolute error rate, p95 latency ratio (and p95
 * time-to-first-token ratio for streams), mean output tokens ratio (verbosity drift) and refusal
 * rate increase. A pure function of the thresholds and the figures.
 *
 * <p>Rates are judged with confidence, not on their point estimates: a criterion fails only when
 * the lower bound of a 99 % interval (Wilson for the error rate, Newcombe's hybrid score for the
 * refusal-rate difference) is past its threshold, and is within it only when the upper bound of a
 * 95 % interval is under it; otherwise the step keeps collecting. The stricter bound for failing is
 * because the same canary is judged again every interval: a canary as good as stable (1 % errors
 * against a 2 % threshold, 50 requests an interval, steps of 4, 10 and 20 looks) was rolled back in
 * 17 of 400 simulated rollouts with a one-sided 2.5 % test per look, in 2 of 400 with 0.5 % (close
 * to Pocock's constant boundary for a 2.5 % overall error over about ten looks), and in 96 % of
 * them on one window's raw rates (what this class did before); a canary at 10 % errors still fails
 * at the first window in three rollouts of four ({@code ProgressiveCanaryPlannerTest}).
 *
 * <p>The p95 ratios (latency, TTFT) are judged with a distribution-free bound when the source gives
 * the histograms (the gateway scrape source does): the canary's p95 fails only when the lower bound
 * of its order-statistic interval ({@link Intervals#quantileRanks}, one-sided 0.5 %, the bucket's
 * lower edge) is past {@code max} times stable's p95, and is within only when the upper bound
 * (one-sided 2.5 %, the bucket's upper edge) is not; so at least 72 canary observations are needed
 * before a p95 can pass. Stable's p95 is taken as measured. Without histograms (the Prometheus
 * source answers {@code histogram_quantile}) and for the output tokens ratio (a mean, whose spread
 * no source gives), the ratio is judged on the step's accumulated figures, whose noise shrinks as
 * the step goes on.
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

  /** Normal quantile of the interval whose lower bound must pass a threshold to fail: 99 %. */
  static final double Z_FAIL = Intervals.Z99;

  /** Normal quantile of the interval whose upper bound must be under a threshold to pass: 95 %. */
  static final double Z_PASS = Intervals.Z95;

  /** One-sided error of the bound that fails a quantile: the lower end of {@link #Z_FAIL}'s. */
  static final double ALPHA_FAIL = 0.005;

  /** One-sided error of the bound that passes a quantile: the upper end of {@link #Z_PASS}'s. */
  static final double ALPHA_PASS = 0.025;

  private CanaryAnalyzer() {}

  public static AnalysisResult judge(CanaryAnalysis thresholds, CanaryWindow window) {
    CanaryAnalysis t = thresholds == null ? new CanaryAnalysis() : thresholds;
    int minRequests = orDefault(t.getMinRequests(), DEFAULT_MIN_REQUESTS);
    ArmMetrics canary = window.canary();
    ArmMetrics stable = window.stable();
    if (canary.requests() < minRequests) {
      return AnalysisResult.inconclusive();
    }
    Judgement judgement = new Judgement();

    double maxErrorRate = orDefault(t.getMaxErrorRate(), DEFAULT_MAX_ERROR_RATE);
    double[] errorsFail = Intervals.wilson(canary.errors(), canary.requests(), Z_FAIL);
    double[] errorsPass = Intervals.wilson(canary.errors(), canary.requests(), Z_PASS);
    judgement.rate(
        errorsFail[0],
        errorsPass[1],
        canary.errorRate(),
        maxErrorRate,
        String.format(
            Locale.ROOT,
            "error rate %.4f > %.4f (%d of %d canary requests failed, 99%% interval %.4f-%.4f;"
                + " stable %.4f)",
            canary.errorRate(),
            maxErrorRate,
            canary.errors(),
            canary.requests(),
            errorsFail[0],
            errorsFail[1],
            stable.errorRate()));

    double maxLatencyRatio = orDefault(t.getMaxLatencyP95Ratio(), DEFAULT_MAX_LATENCY_P95_RATIO);
    judgement.p95Ratio(
        "latency p95",
        canary.latencyP95Seconds(),
        canary.latencyBuckets(),
        stable.latencyP95Seconds(),
        maxLatencyRatio);
    judgement.p95Ratio(
        "TTFT p95",
        canary.ttftP95Seconds(),
        canary.ttftBuckets(),
        stable.ttftP95Seconds(),
        maxLatencyRatio);

    double maxTokensRatio = orDefault(t.getMaxOutputTokensRatio(), DEFAULT_MAX_OUTPUT_TOKENS_RATIO);
    judgement.ratio(
        "output tokens per request",
        canary.outputTokensPerRequest(),
        stable.outputTokensPerRequest(),
        maxTokensRatio);

    double maxRefusalIncrease =
        orDefault(t.getMaxRefusalRateIncrease(), DEFAULT_MAX_REFUSAL_RATE_INCREASE);
    Double canaryRefusals = canary.refusalRate();
    if (canaryRefusals != null) {
      // With no stable answers to compare against, the canary's own rate is the increase.
      double stableRefusals = stable.refusalRate() == null ? 0.0 : stable.refusalRate();
      double low;
      double high;
      if (stable.answered() > 0) {
        low = difference(canary, stable, Z_FAIL)[0];
        high = difference(canary, stable, Z_PASS)[1];
      } else {
        low = Intervals.wilson(canary.refusals(), canary.answered(), Z_FAIL)[0];
        high = Intervals.wilson(canary.refusals(), canary.answered(), Z_PASS)[1];
      }
      double increase = canaryRefusals - stableRefusals;
      judgement.rate(
          low,
          high,
          increase,
          maxRefusalIncrease,
          String.format(
              Locale.ROOT,
              "refusal rate increase %.4f > %.4f (canary %.4f, stable %.4f; 99%% interval from"
                  + " %.4f)",
              increase,
              maxRefusalIncrease,
              canaryRefusals,
              stableRefusals,
              low));
    }
    return judgement.result();
  }

  private static double[] difference(ArmMetrics canary, ArmMetrics stable, double z) {
    return Intervals.difference(
        canary.refusals(), canary.answered(), stable.refusals(), stable.answered(), z);
  }

  /** The criteria's outcomes so far. */
  private static final class Judgement {
    final List<String> failures = new ArrayList<>();
    final List<String> suspects = new ArrayList<>();
    boolean undecided;

    /**
     * A rate criterion: failed when even the low end of its interval is past the threshold, within
     * when the high end is not, else undecided (and suspect when the estimate itself is past it).
     */
    void rate(double low, double high, double estimate, double max, String description) {
      if (low > max) {
        failures.add(description);
      } else if (high > max) {
        undecided = true;
        if (estimate > max) {
          suspects.add(description);
        }
      }
    }

    void ratio(String what, Double canary, Double stable, double max) {
      describeRatio(what, canary, stable, max).ifPresent(failures::add);
    }

    /**
     * A p95 ratio: with the canary's histogram, judged by its quantile bounds against {@code max}
     * times stable's p95; without, as {@link #ratio}.
     */
    void p95Ratio(
        String what, Double canary, Map<Double, Double> buckets, Double stable, double max) {
      if (buckets.isEmpty()) {
        ratio(what, canary, stable, max);
        return;
      }
      if (canary == null || stable == null || stable <= 0) {
        return;
      }
      double[] bounds = ArmCounters.quantileBounds(0.95, buckets, ALPHA_FAIL, ALPHA_PASS);
      rate(
          bounds[0] / stable,
          bounds[1] / stable,
          canary / stable,
          max,
          String.format(
              Locale.ROOT,
              "%s %s (canary %.4g, stable %.4g; canary p95 99%% lower bound %.4g)",
              what,
              beyond(canary / stable, max),
              canary,
              stable,
              bounds[0]));
    }

    AnalysisResult result() {
      if (!failures.isEmpty()) {
        return new AnalysisResult(AnalysisResult.Verdict.FAIL, failures, suspects, true);
      }
      return new AnalysisResult(
          undecided ? AnalysisResult.Verdict.INCONCLUSIVE : AnalysisResult.Verdict.PASS,
          List.of(),
          suspects,
          true);
    }
  }

  private static Optional<String> describeRatio(
      String what, Double canary, Double stable, double max) {
    if (canary == null || stable == null || stable <= 0) {
      return Optional.empty();
    }
    double ratio = canary / stable;
    if (ratio <= max) {
      return Optional.empty();
    }
    return Optional.of(
        String.format(
            Locale.ROOT,
            "%s %s (canary %.4g, stable %.4g)",
            what,
            beyond(ratio, max),
            canary,
            stable));
  }

  /**
   * "ratio R > M" with as many decimals (two to six) as it takes for R and M to read differently: a
   * ratio just past its limit said "ratio 1.50 > 1.50".
   */
  static String beyond(double ratio, double max) {
    for (int decimals = 2; ; decimals++) {
      String r = String.format(Locale.ROOT, "%." + decimals + "f", ratio);
      String m = String.format(Locale.ROOT, "%." + decimals + "f", max);
      if (!r.equals(m) || decimals == 6) {
        return "ratio " + r + " > " + m;
      }
    }
  }

  private static int orDefault(Integer value, int fallback) {
    return value == null ? fallback : value;
  }

  private static double orDefault(Double value, double fallback) {
    return value == null ? fallback : value;
  }
}
