package dev.switchboard.operator.rollout.metrics;

import java.util.Map;
import java.util.TreeMap;

/**
 * What one arm of a canary (canary or stable) did over an analysis window.
 *
 * @param requests upstream attempts sent to the arm's targets (a canary attempt that failed and was
 *     answered by stable counts here, against the canary)
 * @param errors attempts among {@code requests} that failed
 * @param latencyP95Seconds p95 of non-streaming request duration, null without data
 * @param ttftP95Seconds p95 of time to first token of streaming requests, null without data
 * @param answered requests the arm answered successfully (the denominator of refusal rate and
 *     output tokens)
 * @param outputTokens output tokens of the answered requests; NaN when none of them reported usage
 *     (a 0/0 mean: unknown, not zero)
 * @param refusals answered requests that were refusals (finish_reason content_filter or a refusal)
 * @param latencyBuckets the cumulative histogram {@code latencyP95Seconds} was read from (upper
 *     bound in seconds to count), empty when the source gives only the quantile
 * @param ttftBuckets the same for {@code ttftP95Seconds}
 */
public record ArmMetrics(
    long requests,
    long errors,
    Double latencyP95Seconds,
    Double ttftP95Seconds,
    long answered,
    double outputTokens,
    long refusals,
    Map<Double, Double> latencyBuckets,
    Map<Double, Double> ttftBuckets) {

  public ArmMetrics {
    latencyBuckets = latencyBuckets == null ? Map.of() : new TreeMap<>(latencyBuckets);
    ttftBuckets = ttftBuckets == null ? Map.of() : new TreeMap<>(ttftBuckets);
  }

  /** Figures from a source that gives the quantiles but not their histograms. */
  public ArmMetrics(
      long requests,
      long errors,
      Double latencyP95Seconds,
      Double ttftP95Seconds,
      long answered,
      double outputTokens,
      long refusals) {
    this(
        requests,
        errors,
        latencyP95Seconds,
        ttftP95Seconds,
        answered,
        outputTokens,
        refusals,
        Map.of(),
        Map.of());
  }

  /** An arm that saw no traffic in the window. */
  public static final ArmMetrics EMPTY = new ArmMetrics(0, 0, null, null, 0, 0, 0);

  /** Share of failed attempts, 0 when there were none. */
  public double errorRate() {
    return requests == 0 ? 0.0 : (double) errors / requests;
  }

  /**
   * Mean output tokens per answered request, null when nothing was answered or no answer reported
   * its usage: a mean of no reports is no figure, and read as 0 it showed the arm answering with no
   * tokens at all and judged its verbosity "within" on no evidence.
   */
  public Double outputTokensPerRequest() {
    return answered == 0 || Double.isNaN(outputTokens) ? null : outputTokens / answered;
  }

  /** Share of answered requests that were refusals, null when nothing was answered. */
  public Double refusalRate() {
    return answered == 0 ? null : (double) refusals / answered;
  }
}
