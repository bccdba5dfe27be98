package dev.switchboard.operator.rollout.metrics;

import dev.switchboard.api.v1alpha1.ReplicaCounts;
import dev.switchboard.api.v1alpha1.StepCounts;
import dev.switchboard.contract.Arm;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Where a counter-based source's next window starts: each gateway replica's cumulative counters of
 * the route's canary and stable arms at {@code at}, by the replica's {@code /metrics} URL (without
 * user-info or query). The route's status keeps them with the step's sums ({@code
 * status.analysis.stepCounts.baselines}), so that a restarted operator, or a new leader, counts the
 * window its first scrape closes instead of only taking the baseline in it.
 *
 * @param at when the counters were scraped
 * @param replicas by replica URL, the counters by arm label
 */
public record Baselines(Instant at, Map<String, Map<String, ArmCounters>> replicas) {

  /**
   * The most replicas whose counters the status keeps (a few KiB each: a handful of counts and the
   * occupied buckets of two histograms per arm). With more, it keeps the first {@code MAX_REPLICAS}
   * by URL (the same ones at every write while the replicas stay): a restarted operator's first
   * scrape counts their window, and the others, having no baseline, only set theirs in it.
   */
  public static final int MAX_REPLICAS = 16;

  public Baselines {
    Map<String, Map<String, ArmCounters>> copy = new TreeMap<>();
    replicas.forEach((replica, arms) -> copy.put(replica, Map.copyOf(arms)));
    replicas = java.util.Collections.unmodifiableMap(copy);
  }

  /**
   * These baselines in the status's form, added to {@code counts}: of at most {@link #MAX_REPLICAS}
   * replicas, the first by URL.
   */
  public StepCounts into(StepCounts counts) {
    StepCounts target = counts == null ? new StepCounts() : counts;
    Map<String, ReplicaCounts> kept = new LinkedHashMap<>();
    replicas.forEach(
        (replica, arms) -> {
          if (kept.size() >= MAX_REPLICAS) {
            return;
          }
          ReplicaCounts replicaCounts = new ReplicaCounts();
          replicaCounts.setCanary(StepSums.toStatus(arms.get(Arm.CANARY.wireName())));
          replicaCounts.setStable(StepSums.toStatus(arms.get(Arm.STABLE.wireName())));
          kept.put(replica, replicaCounts);
        });
    target.setBaselineAt(at.toString());
    target.setBaselines(kept);
    return target;
  }

  /** The baselines a status holds, empty when it holds none or they cannot be read. */
  public static Optional<Baselines> fromStatus(StepCounts counts) {
    if (counts == null || counts.getBaselineAt() == null || counts.getBaselines() == null) {
      return Optional.empty();
    }
    try {
      Map<String, Map<String, ArmCounters>> replicas = new HashMap<>();
      counts
          .getBaselines()
          .forEach(
              (replica, replicaCounts) -> {
                Map<String, ArmCounters> arms = new HashMap<>();
                if (replicaCounts != null && replicaCounts.getCanary() != null) {
                  arms.put(Arm.CANARY.wireName(), StepSums.fromStatus(replicaCounts.getCanary()));
                }
                if (replicaCounts != null && replicaCounts.getStable() != null) {
                  arms.put(Arm.STABLE.wireName(), StepSums.fromStatus(replicaCounts.getStable()));
                }
                replicas.put(replica, arms);
              });
      return Optional.of(new Baselines(Instant.parse(counts.getBaselineAt()), replicas));
    } catch (DateTimeParseException | NumberFormatException e) {
      return Optional.empty();
    }
  }
}
