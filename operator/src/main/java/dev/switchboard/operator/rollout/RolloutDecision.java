package dev.switchboard.operator.rollout;

import dev.switchboard.contract.RoutingTable;
import java.time.Duration;

/**
 * What the canary planner decided for one route: the entry to publish (stable targets, plus a
 * canary arm while one is in progress) and the rollout state to record in the route's status.
 *
 * @param requeueAfter when the planner wants to look again (next step or analysis), or null
 */
public record RolloutDecision(
    RoutingTable.Route route,
    String phase,
    Long stableRevision,
    Long canaryRevision,
    Integer canaryWeight,
    Integer currentStep,
    Duration requeueAfter) {

  /** Phase of a route that serves one target set with no rollout in progress. */
  public static final String STABLE = "Stable";
}
