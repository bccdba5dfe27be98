package dev.switchboard.operator.rollout;

import dev.switchboard.api.v1alpha1.AnalysisStatus;
import dev.switchboard.contract.RoutingTable;
import java.time.Duration;
import java.util.List;

/**
 * What the canary planner decided for one route: the entry to publish (stable targets, plus a
 * canary arm while one is in progress) and the rollout state to record in the route's status.
 *
 * @param requeueAfter when the planner wants to look again (next step or analysis), or null
 * @param stepStartedAt RFC 3339 time the current step started, while a canary runs
 * @param failedRevision the revision whose canary was rolled back
 * @param failedTargets the {@code provider/model} of the rolled-back canary's targets (and its
 *     rules' targets): it is not retried until they change
 * @param analysis the last analysis run, while a canary runs or after it was rolled back
 * @param transition what changed relative to the route's recorded status, to report as an event;
 *     null when nothing did
 */
public record RolloutDecision(
    RoutingTable.Route route,
    String phase,
    Long stableRevision,
    Long canaryRevision,
    Integer canaryWeight,
    Integer currentStep,
    Duration requeueAfter,
    String stepStartedAt,
    Long failedRevision,
    List<String> failedTargets,
    AnalysisStatus analysis,
    Transition transition) {

  /** Phase of a route that serves one target set with no rollout in progress. */
  public static final String STABLE = "Stable";

  /** A canary takes its step's share of traffic and is analysed. */
  public static final String PROGRESSING = "Progressing";

  /** A canary holds its weight because its metrics cannot be read. */
  public static final String PAUSED = "Paused";

  /** The canary failed analysis or was aborted; stable takes all traffic. */
  public static final String ROLLED_BACK = "RolledBack";

  /** Reserved for a rollout that can neither progress nor roll back (not produced today). */
  public static final String FAILED = "Failed";

  public RolloutDecision(
      RoutingTable.Route route,
      String phase,
      Long stableRevision,
      Long canaryRevision,
      Integer canaryWeight,
      Integer currentStep,
      Duration requeueAfter) {
    this(
        route,
        phase,
        stableRevision,
        canaryRevision,
        canaryWeight,
        currentStep,
        requeueAfter,
        null,
        null,
        null,
        null,
        null);
  }

  /** The entry without its canary arm: what serves once a canary is rolled back. */
  public static RoutingTable.Route withoutCanary(RoutingTable.Route route) {
    return route.canary() == null ? route : route.withCanary(null);
  }

  /**
   * A rollout event worth telling the user about.
   *
   * @param warning true for a Warning event (rollback, abort), false for Normal
   * @param reason CamelCase event reason
   */
  public record Transition(boolean warning, String reason, String message) {}
}
