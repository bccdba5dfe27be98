package dev.switchboard.operator.rollout.metrics;

import dev.switchboard.api.v1alpha1.ArmCounts;
import dev.switchboard.api.v1alpha1.StepCounts;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A canary step's counters summed over its complete windows: what a counter-based source answers,
 * and what the route's status keeps ({@code status.analysis.stepCounts}) so that a restarted
 * operator, a new leader or the end of a paused stretch goes on with the step's sums instead of
 * starting them again.
 *
 * @param revision the canary revision
 * @param step the step's index
 * @param from when the first of these windows began
 * @param to when the last of them ended
 * @param arms the counters by arm label
 */
public record StepSums(
    long revision, int step, Instant from, Instant to, Map<String, ArmCounters> arms) {

  public StepSums {
    arms = Map.copyOf(arms);
  }

  /** Whether these are the sums of {@code revision}'s step {@code step}. */
  public boolean isOf(long revision, Integer step) {
    return this.revision == revision && step != null && this.step == step;
  }

  /** These sums with one more window, which ended at {@code end}. */
  public StepSums plus(Map<String, ArmCounters> window, Instant end) {
    Map<String, ArmCounters> sum = new HashMap<>(arms);
    window.forEach((arm, counters) -> sum.merge(arm, counters, ArmCounters::plus));
    return new StepSums(revision, step, from, end, sum);
  }

  /** The status form: whole counts, and of each histogram only the bounds where its count grows. */
  public StepCounts toStatus() {
    StepCounts counts = new StepCounts();
    counts.setRevision(revision);
    counts.setStep(step);
    counts.setFrom(from.toString());
    counts.setTo(to.toString());
    counts.setCanary(toStatus(arms.get(dev.switchboard.contract.Arm.CANARY.wireName())));
    counts.setStable(toStatus(arms.get(dev.switchboard.contract.Arm.STABLE.wireName())));
    return counts;
  }

  /** The sums a status holds, empty when it holds none or they cannot be read. */
  public static Optional<StepSums> fromStatus(StepCounts counts) {
    if (counts == null
        || counts.getRevision() == null
        || counts.getStep() == null
        || counts.getFrom() == null
        || counts.getTo() == null) {
      return Optional.empty();
    }
    try {
      Map<String, ArmCounters> arms = new HashMap<>();
      if (counts.getCanary() != null) {
        arms.put(dev.switchboard.contract.Arm.CANARY.wireName(), fromStatus(counts.getCanary()));
      }
      if (counts.getStable() != null) {
        arms.put(dev.switchboard.contract.Arm.STABLE.wireName(), fromStatus(counts.getStable()));
      }
      return Optional.of(
          new StepSums(
              counts.getRevision(),
              counts.getStep(),
              Instant.parse(counts.getFrom()),
              Instant.parse(counts.getTo()),
              arms));
    } catch (DateTimeParseException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** One arm's counters in the status's form (histograms sparse), null for none. */
  static ArmCounts toStatus(ArmCounters arm) {
    if (arm == null) {
      return null;
    }
    ArmCounts counts = new ArmCounts();
    counts.setRequests(Math.round(arm.attempts()));
    counts.setErrors(Math.round(arm.failedAttempts()));
    counts.setAnswered(Math.round(arm.answered()));
    counts.setOutputTokens(arm.outputTokens());
    counts.setOutputTokenReports(Math.round(arm.outputTokenReports()));
    counts.setRefusals(Math.round(arm.refusals()));
    counts.setLatency(sparse(arm.latencyBuckets()));
    counts.setTtft(sparse(arm.ttftBuckets()));
    return counts;
  }

  /** One arm's counters from the status's form. */
  static ArmCounters fromStatus(ArmCounts counts) {
    return new ArmCounters(
        orZero(counts.getRequests()),
        orZero(counts.getErrors()),
        dense(counts.getLatency()),
        dense(counts.getTtft()),
        orZero(counts.getAnswered()),
        counts.getOutputTokens() == null ? 0 : counts.getOutputTokens(),
        orZero(counts.getOutputTokenReports()),
        orZero(counts.getRefusals()));
  }

  /**
   * The bounds of a cumulative histogram where its count grows, and its last: the rest follow (a
   * left-out bound counts what the bound before it counts), so a step's few occupied buckets are
   * all status holds, whatever the gateway's bucket layout.
   */
  private static Map<String, Long> sparse(Map<Double, Double> cumulative) {
    if (cumulative.isEmpty()) {
      return null;
    }
    Map<String, Long> kept = new LinkedHashMap<>();
    long before = 0;
    TreeMap<Double, Double> sorted = new TreeMap<>(cumulative);
    Double last = sorted.lastKey();
    for (Map.Entry<Double, Double> bucket : sorted.entrySet()) {
      long count = Math.round(bucket.getValue());
      if (count > before || bucket.getKey().equals(last)) {
        kept.put(le(bucket.getKey()), count);
        before = count;
      }
    }
    return kept;
  }

  private static Map<Double, Double> dense(Map<String, Long> sparse) {
    Map<Double, Double> buckets = new TreeMap<>();
    if (sparse != null) {
      sparse.forEach(
          (le, count) ->
              buckets.put(
                  "+Inf".equals(le) ? Double.POSITIVE_INFINITY : Double.parseDouble(le),
                  count == null ? 0.0 : count));
    }
    return buckets;
  }

  private static String le(double bound) {
    return Double.isInfinite(bound) ? "+Inf" : Double.toString(bound);
  }

  private static double orZero(Long value) {
    return value == null ? 0 : value;
  }
}
