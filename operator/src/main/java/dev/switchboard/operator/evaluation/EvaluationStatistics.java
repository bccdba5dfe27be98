package dev.switchboard.operator.evaluation;

import dev.switchboard.operator.statistics.Intervals;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Figures, 95 % intervals and verdicts of one candidate against its baseline, from {@link
 * CandidateSums}. Methods (analytic, so the same sums always give the same answer):
 *
 * <ul>
 *   <li>Ratios of means (output tokens, words, sentences, TTFT, latency, cost) on the paired
 *       requests: the delta method on the log of the ratio, with the pairs' covariance — {@code
 *       Var(log R) ≈ (s_c²/m_c² + s_b²/m_b² − 2·s_bc/(m_b·m_c)) / n}, interval {@code
 *       R·exp(±1.96·se)}.
 *   <li>Differences of proportions (refusal rate over answered requests, error rate over sampled
 *       requests): Newcombe's hybrid score interval from two Wilson intervals (treats the arms as
 *       independent, which is conservative for positively correlated pairs).
 * </ul>
 *
 * <p>No verdict below {@link #MIN_PAIRS} paired answers. A verdict needs the interval to exclude
 * "no change" and the estimate to pass a materiality threshold (±10 % length and cost, +20 % TTFT,
 * ±1 percentage point refusals and errors; TTFT also at least 50 ms slower on average); with none,
 * {@code NoMaterialChange}.
 */
public final class EvaluationStatistics {

  /** The fewest paired answers a verdict is given on. */
  public static final long MIN_PAIRS = 30;

  /** A TTFT shift smaller than this is not material to anyone reading answers. */
  public static final double MIN_TTFT_SHIFT_MS = 50;

  static final double Z95 = Intervals.Z95;

  private EvaluationStatistics() {}

  /** An estimate with its 95 % interval. */
  public record Estimate(double value, double low, double high) {
    boolean above(double threshold) {
      return low > threshold;
    }

    boolean below(double threshold) {
      return high < threshold;
    }
  }

  /** Everything said about one candidate. */
  public record Result(
      long pairs,
      Optional<Estimate> outputTokensRatio,
      Optional<Estimate> wordsRatio,
      Optional<Estimate> sentencesRatio,
      Optional<Estimate> ttftRatio,
      Optional<Estimate> latencyRatio,
      Optional<Estimate> costRatio,
      Optional<Estimate> refusalRateDelta,
      Optional<Estimate> errorRateDelta,
      double baselineRefusalRate,
      double candidateRefusalRate,
      List<String> verdicts) {

    /** The first (most important) verdict. */
    public String verdict() {
      return verdicts.get(0);
    }
  }

  /** The figures and verdicts of {@code sums}. */
  public static Result evaluate(CandidateSums sums) {
    long pairs = sums.figure("words").n();
    Optional<Estimate> tokens = ratio(sums.figure("outputTokens"));
    Optional<Estimate> words = ratio(sums.figure("words"));
    Optional<Estimate> sentences = ratio(sums.figure("sentences"));
    Optional<Estimate> ttft = ratio(sums.figure("ttftMs"));
    Optional<Estimate> latency = ratio(sums.figure("latencyMs"));
    Optional<Estimate> cost = ratio(sums.figure("costUsd"));
    Optional<Estimate> refusals =
        difference(
            sums.candidateRefusals(),
            sums.candidateAnswered(),
            sums.baselineRefusals(),
            sums.baselineAnswered());
    Optional<Estimate> errors =
        difference(
            sums.candidateFailures(), sums.requests(), sums.baselineFailures(), sums.requests());
    List<String> verdicts = new ArrayList<>();
    if (pairs < MIN_PAIRS) {
      verdicts.add("InsufficientSample");
    } else {
      Optional<Estimate> length = words.isPresent() ? words : tokens;
      length
          .filter(e -> e.above(1) && e.value() >= 1.10)
          .ifPresent(e -> verdicts.add("VerbosityUp"));
      length
          .filter(e -> e.below(1) && e.value() <= 0.90)
          .ifPresent(e -> verdicts.add("VerbosityDown"));
      refusals
          .filter(e -> e.above(0) && e.value() >= 0.01)
          .ifPresent(e -> verdicts.add("RefusalsUp"));
      refusals
          .filter(e -> e.below(0) && e.value() <= -0.01)
          .ifPresent(e -> verdicts.add("RefusalsDown"));
      errors.filter(e -> e.above(0) && e.value() >= 0.01).ifPresent(e -> verdicts.add("ErrorsUp"));
      CandidateSums.Paired t = sums.figure("ttftMs");
      double slowerByMs = t.n() == 0 ? 0 : (t.sumC() - t.sumB()) / t.n();
      ttft.filter(e -> e.above(1) && e.value() >= 1.20 && slowerByMs >= MIN_TTFT_SHIFT_MS)
          .ifPresent(e -> verdicts.add("SlowerTTFT"));
      cost.filter(e -> e.above(1) && e.value() >= 1.10).ifPresent(e -> verdicts.add("CostUp"));
      cost.filter(e -> e.below(1) && e.value() <= 0.90).ifPresent(e -> verdicts.add("CostDown"));
      if (verdicts.isEmpty()) {
        verdicts.add("NoMaterialChange");
      }
    }
    return new Result(
        pairs,
        tokens,
        words,
        sentences,
        ttft,
        latency,
        cost,
        refusals,
        errors,
        rate(sums.baselineRefusals(), sums.baselineAnswered()),
        rate(sums.candidateRefusals(), sums.candidateAnswered()),
        List.copyOf(verdicts));
  }

  /** Ratio of means of paired figures (candidate over baseline), delta method on the log scale. */
  public static Optional<Estimate> ratio(CandidateSums.Paired p) {
    long n = p.n();
    if (n < 2) {
      return Optional.empty();
    }
    double mb = p.sumB() / n;
    double mc = p.sumC() / n;
    if (!(mb > 0) || !(mc > 0)) {
      return Optional.empty();
    }
    double varB = Math.max(0, (p.sumB2() - n * mb * mb) / (n - 1));
    double varC = Math.max(0, (p.sumC2() - n * mc * mc) / (n - 1));
    double cov = (p.sumBc() - n * mb * mc) / (n - 1);
    double varLog = Math.max(0, (varC / (mc * mc) + varB / (mb * mb) - 2 * cov / (mb * mc)) / n);
    double r = mc / mb;
    double half = Z95 * Math.sqrt(varLog);
    return Optional.of(new Estimate(r, r * Math.exp(-half), r * Math.exp(half)));
  }

  /** Difference of two proportions x1/n1 − x2/n2, Newcombe's hybrid score interval. */
  public static Optional<Estimate> difference(long x1, long n1, long x2, long n2) {
    if (n1 <= 0 || n2 <= 0) {
      return Optional.empty();
    }
    double[] interval = Intervals.difference(x1, n1, x2, n2, Z95);
    return Optional.of(new Estimate((double) x1 / n1 - (double) x2 / n2, interval[0], interval[1]));
  }

  /** Wilson score interval of x/n at 95 %. */
  static double[] wilson(long x, long n) {
    return Intervals.wilson(x, n, Z95);
  }

  private static double rate(long x, long n) {
    return n == 0 ? 0 : (double) x / n;
  }
}
