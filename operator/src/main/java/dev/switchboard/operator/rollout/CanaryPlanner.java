package dev.switchboard.operator.rollout;

import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.contract.RoutingTable;
import java.util.Optional;

/**
 * Decides how a route's desired targets reach the routing table: at once, or as a canary that takes
 * a growing share while analysis passes. The state machine lives in the route's status (phase,
 * revisions, step, weight), so a planner is a function of the route, its desired entry and what is
 * published now; time and metrics are injected into implementations.
 */
public interface CanaryPlanner {

  /**
   * @param route the ModelRoute, including its current status
   * @param desired the entry rendered from the current spec
   * @param published the entry in the currently published table, if any
   */
  RolloutDecision plan(
      ModelRoute route, RoutingTable.Route desired, Optional<RoutingTable.Route> published);

  /**
   * The rollout of a route whose spec cannot be rendered (a spec or reference problem) while its
   * last good entry serves: a canary in progress must not keep its share of traffic on a
   * configuration that no longer resolves (a model or provider the team pulled).
   *
   * @param route the ModelRoute, including its current status and annotations
   * @param published the entry in the currently published table, if any
   * @param problem what is wrong with the spec, for the event
   * @return the decision to record and publish (the canary arm dropped), or empty when no canary
   *     runs and the last good entry serves as it is
   */
  default Optional<RolloutDecision> planWithoutSpec(
      ModelRoute route, Optional<RoutingTable.Route> published, String problem) {
    return Optional.empty();
  }

  /** The planner used until canary rollouts exist: every change of targets applies at once. */
  static CanaryPlanner immediate() {
    return (route, desired, published) ->
        new RolloutDecision(
            desired, RolloutDecision.STABLE, desired.revision(), null, null, null, null);
  }
}
