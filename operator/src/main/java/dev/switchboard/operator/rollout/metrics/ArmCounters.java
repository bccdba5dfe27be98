package dev.switchboard.operator.rollout.metrics;

import dev.switchboard.contract.Outcome;
import dev.switchboard.operator.statistics.Intervals;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Cumulative counters of one route's arm as a gateway replica exports them, and the arithmetic on
 * them: differences between two scrapes (counters only grow, unless the replica restarted), sums
 * across replicas, and the figures of a window.
 *
 * <p>The gateway's metric names (Micrometer's Prometheus naming of the OpenTelemetry GenAI names):
 *
 * <ul>
 *   <li>{@code switchboard_upstream_attempts_total{route,arm,outcome}}: every attempt, so a canary
 *       attempt that failed and fell back to stable counts against the canary (an attempt the
 *       client cancelled, or one its own short deadline cut off, counts for neither arm);
 *   <li>{@code gen_ai_client_operation_duration_seconds_bucket{route,arm,outcome,stream,le}}: the
 *       latency of successful non-streaming requests ({@code _count} of successful requests);
 *   <li>{@code gen_ai_server_time_to_first_token_seconds_bucket{route,arm,operation,le}}: TTFT of
 *       streams, summed over the operations;
 *   <li>{@code gen_ai_client_token_usage_tokens_sum/_count{route,arm,gen_ai_token_type="output"}};
 *   <li>{@code switchboard_refusals_total{route,arm}}.
 * </ul>
 */
public record ArmCounters(
    double attempts,
    double failedAttempts,
    Map<Double, Double> latencyBuckets,
    Map<Double, Double> ttftBuckets,
    double answered,
    double outputTokens,
    double outputTokenReports,
    double refusals) {

  static final String ATTEMPTS = "switchboard_upstream_attempts_total";
  static final String DURATION = "gen_ai_client_operation_duration_seconds";
  static final String TTFT = "gen_ai_server_time_to_first_token_seconds";
  static final String TOKENS = "gen_ai_client_token_usage_tokens";
  static final String REFUSALS = "switchboard_refusals_total";

  /**
   * The attempt outcome of a client that hung up (the gateway's failure kind {@code
   * CLIENT_CANCELLED}): says nothing about the arm, so it is neither a request nor an error of it.
   */
  static final String CLIENT_CANCELLED = "client_cancelled";

  /**
   * The attempt outcome of a timeout that fired only because the request's deadline (the client's
   * {@code x-switchboard-timeout-ms}) was shorter than the target's own timeout: the client's
   * choice, not the arm's failure, so neither a request nor an error of it.
   */
  static final String DEADLINE = "deadline";

  /** Whether an attempt with {@code outcome} says something about its arm. */
  static boolean countsForArm(String outcome) {
    return !CLIENT_CANCELLED.equals(outcome) && !DEADLINE.equals(outcome);
  }

  public static final ArmCounters ZERO = new ArmCounters(0, 0, Map.of(), Map.of(), 0, 0, 0, 0);

  public ArmCounters {
    latencyBuckets = new TreeMap<>(latencyBuckets);
    ttftBuckets = new TreeMap<>(ttftBuckets);
  }

  /** The counters of every arm of {@code route} in one replica's samples, by arm label. */
  public static Map<String, ArmCounters> of(List<PrometheusText.Sample> samples, String route) {
    Map<String, Builder> arms = new HashMap<>();
    for (PrometheusText.Sample s : samples) {
      if (!route.equals(s.label("route")) || s.label("arm") == null || Double.isNaN(s.value())) {
        continue;
      }
      Builder arm = arms.computeIfAbsent(s.label("arm"), a -> new Builder());
      boolean success = Outcome.isSuccess(s.label("outcome"));
      switch (s.name()) {
        case ATTEMPTS -> {
          if (!countsForArm(s.label("outcome"))) {
            continue;
          }
          arm.attempts += s.value();
          if (!success) {
            arm.failedAttempts += s.value();
          }
        }
        case DURATION + "_bucket" -> {
          if (success && "false".equals(s.label("stream"))) {
            addBucket(arm.latency, s);
          }
        }
        case DURATION + "_count" -> {
          if (success) {
            arm.answered += s.value();
          }
        }
        case TTFT + "_bucket" -> addBucket(arm.ttft, s);
        case TOKENS + "_sum" -> {
          if ("output".equals(s.label("gen_ai_token_type"))) {
            arm.outputTokens += s.value();
          }
        }
        case TOKENS + "_count" -> {
          if ("output".equals(s.label("gen_ai_token_type"))) {
            arm.outputTokenReports += s.value();
          }
        }
        case REFUSALS -> arm.refusals += s.value();
        default -> {}
      }
    }
    Map<String, ArmCounters> result = new HashMap<>();
    arms.forEach((name, b) -> result.put(name, b.build()));
    return result;
  }

  private static void addBucket(Map<Double, Double> buckets, PrometheusText.Sample s) {
    String le = s.label("le");
    if (le == null) {
      return;
    }
    double bound = "+Inf".equals(le) ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
    buckets.merge(bound, s.value(), Double::sum);
  }

  /**
   * What happened between {@code earlier} and this scrape. When any counter went down the replica
   * restarted in between, and everything it counted since is the difference. Every counter is
   * looked at, failures and histograms' totals included: a restarted replica that has already
   * served more requests than before it restarted, but failed fewer, would otherwise give a
   * negative number of failures (whose error rate no interval judges: a failing canary passed).
   */
  public ArmCounters since(ArmCounters earlier) {
    if (attempts < earlier.attempts
        || failedAttempts < earlier.failedAttempts
        || answered < earlier.answered
        || refusals < earlier.refusals
        || outputTokens < earlier.outputTokens
        || outputTokenReports < earlier.outputTokenReports
        || fewer(latencyBuckets, earlier.latencyBuckets)
        || fewer(ttftBuckets, earlier.ttftBuckets)) {
      return this;
    }
    return new ArmCounters(
        attempts - earlier.attempts,
        failedAttempts - earlier.failedAttempts,
        subtract(latencyBuckets, earlier.latencyBuckets),
        subtract(ttftBuckets, earlier.ttftBuckets),
        answered - earlier.answered,
        outputTokens - earlier.outputTokens,
        outputTokenReports - earlier.outputTokenReports,
        refusals - earlier.refusals);
  }

  public ArmCounters plus(ArmCounters other) {
    Map<Double, Double> latency = addCumulative(latencyBuckets, other.latencyBuckets);
    Map<Double, Double> ttft = addCumulative(ttftBuckets, other.ttftBuckets);
    return new ArmCounters(
        attempts + other.attempts,
        failedAttempts + other.failedAttempts,
        latency,
        ttft,
        answered + other.answered,
        outputTokens + other.outputTokens,
        outputTokenReports + other.outputTokenReports,
        refusals + other.refusals);
  }

  /** The figures of a window whose counters these are. */
  public ArmMetrics toMetrics() {
    long answeredRequests = Math.round(answered);
    // Not every answer reports usage; the mean of those that do stands for all answers. None: no
    // mean (NaN, which ArmMetrics reads as no figure).
    double tokens =
        outputTokenReports <= 0 ? Double.NaN : outputTokens / outputTokenReports * answeredRequests;
    return new ArmMetrics(
        Math.round(attempts),
        Math.round(failedAttempts),
        quantile(0.95, latencyBuckets),
        quantile(0.95, ttftBuckets),
        answeredRequests,
        tokens,
        Math.round(refusals),
        latencyBuckets,
        ttftBuckets);
  }

  /**
   * The q-quantile of a cumulative histogram, interpolated linearly inside the bucket the rank
   * falls in (as PromQL's {@code histogram_quantile} does); null without observations.
   */
  public static Double quantile(double q, Map<Double, Double> cumulative) {
    TreeMap<Double, Double> buckets = new TreeMap<>(cumulative);
    if (buckets.isEmpty()) {
      return null;
    }
    double total = buckets.lastEntry().getValue();
    if (total <= 0) {
      return null;
    }
    double rank = q * total;
    double lowerBound = 0;
    double lowerCount = 0;
    for (Map.Entry<Double, Double> bucket : buckets.entrySet()) {
      double upperBound = bucket.getKey();
      double count = bucket.getValue();
      if (count >= rank) {
        if (Double.isInfinite(upperBound)) {
          return lowerBound;
        }
        double inBucket = count - lowerCount;
        if (inBucket <= 0) {
          return upperBound;
        }
        return lowerBound + (upperBound - lowerBound) * (rank - lowerCount) / inBucket;
      }
      lowerBound = upperBound;
      lowerCount = count;
    }
    return lowerBound;
  }

  /**
   * Distribution-free confidence bounds {low, high} of the q-quantile of a cumulative histogram
   * ({@link Intervals#quantileRanks}): the order statistics' ranks are found in the buckets, the
   * lower rank's bucket contributes its lower edge and the upper rank's its upper edge, so the
   * buckets' coarseness only widens the bounds. 0 when there is no lower bound, infinity when there
   * is no upper one (too few observations, or the rank falls in the +Inf bucket).
   */
  public static double[] quantileBounds(
      double q, Map<Double, Double> cumulative, double alphaLower, double alphaUpper) {
    TreeMap<Double, Double> buckets = new TreeMap<>(cumulative);
    long n = buckets.isEmpty() ? 0 : Math.round(buckets.lastEntry().getValue());
    long[] ranks = Intervals.quantileRanks(n, q, alphaLower, alphaUpper);
    double low = 0;
    double high = Double.POSITIVE_INFINITY;
    double lowerEdge = 0;
    boolean lowFound = ranks[0] == 0;
    for (Map.Entry<Double, Double> bucket : buckets.entrySet()) {
      double count = bucket.getValue();
      if (!lowFound && count >= ranks[0]) {
        low = lowerEdge;
        lowFound = true;
      }
      if (ranks[1] <= n && count >= ranks[1]) {
        high = bucket.getKey();
        break;
      }
      lowerEdge = bucket.getKey();
    }
    return new double[] {low, high};
  }

  /**
   * The sum of two cumulative histograms whose bounds may differ (one kept sparse in status): at
   * each bound, each adds what it counts up to that bound, its count at the nearest bound below.
   */
  private static Map<Double, Double> addCumulative(Map<Double, Double> a, Map<Double, Double> b) {
    TreeMap<Double, Double> left = new TreeMap<>(a);
    TreeMap<Double, Double> right = new TreeMap<>(b);
    Map<Double, Double> sum = new TreeMap<>();
    for (Double le : left.keySet()) {
      sum.put(le, left.get(le) + countUpTo(right, le));
    }
    for (Double le : right.keySet()) {
      sum.putIfAbsent(le, right.get(le) + countUpTo(left, le));
    }
    return sum;
  }

  /**
   * Whether a cumulative histogram holds fewer observations (its last bucket's count) than {@code
   * before} did: its buckets are counters, reset together when the replica restarts.
   */
  private static boolean fewer(Map<Double, Double> now, Map<Double, Double> before) {
    return total(now) < total(before);
  }

  private static double total(Map<Double, Double> cumulative) {
    if (cumulative.isEmpty()) {
      return 0;
    }
    return cumulative instanceof TreeMap<Double, Double> sorted
        ? sorted.lastEntry().getValue()
        : new TreeMap<>(cumulative).lastEntry().getValue();
  }

  private static double countUpTo(TreeMap<Double, Double> cumulative, double le) {
    Map.Entry<Double, Double> floor = cumulative.floorEntry(le);
    return floor == null ? 0 : floor.getValue();
  }

  /**
   * The difference of two cumulative histograms; a bound {@code before} lacks counts what its
   * nearest bound below counts (a baseline kept sparse in status lists only the bounds where its
   * count grows).
   */
  private static Map<Double, Double> subtract(Map<Double, Double> now, Map<Double, Double> before) {
    TreeMap<Double, Double> earlier =
        before instanceof TreeMap<Double, Double> sorted ? sorted : new TreeMap<>(before);
    Map<Double, Double> result = new TreeMap<>();
    now.forEach((le, v) -> result.put(le, Math.max(0, v - countUpTo(earlier, le))));
    return result;
  }

  private static final class Builder {
    double attempts;
    double failedAttempts;
    final Map<Double, Double> latency = new TreeMap<>();
    final Map<Double, Double> ttft = new TreeMap<>();
    double answered;
    double outputTokens;
    double outputTokenReports;
    double refusals;

    ArmCounters build() {
      return new ArmCounters(
          attempts,
          failedAttempts,
          latency,
          ttft,
          answered,
          outputTokens,
          outputTokenReports,
          refusals);
    }
  }
}
