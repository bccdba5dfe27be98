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
   * As {@link #plan(ModelRoute, RoutingTable.Route, Optional)}, told whether the route's policy is
   * deterministic with {@code pinTarget}: the gateway then answers every request from the pinned
   * chain and a split canary gets no traffic, so a planner that runs canaries publishes and records
   * weight 0 for it (the step is kept: it takes the step's weight again once the policy stops
   * pinning).
   */
  default RolloutDecision plan(
      ModelRoute route,
      RoutingTable.Route desired,
      Optional<RoutingTable.Route> published,
      boolean pinned) {
    return plan(route, desired, published);
  }

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

  /**
   * Called before the route's rollout is planned: the returned action puts back whatever planning
   * moves outside its decision (a metrics source's baselines and step sums), for a decision whose
   * table is then not published. Its next reconcile plans again from the status and the table that
   * are, and must find the running step's memory as that step left it.
   */
  default Runnable checkpoint(ModelRoute route) {
    return () -> {};
  }

  /**
   * The routing table holding {@code decision} for {@code route} was published. Only now does a
   * planner say the decision anywhere but in that table and the route's status (the operator's
   * rollout gauges), and drop what its metrics source keeps for a rollout that is over. A decision
   * whose table was not published (too large, rejected, the write failed) is never said here: the
   * route's next reconcile plans again from the status and the table that are.
   */
  default void published(ModelRoute route, RolloutDecision decision) {}

  /**
   * The planner used until canary rollouts exist: every change of targets applies at once. The
   * published table is read from its ConfigMap, so it may still hold a canary arm written by an
   * operator that ran canaries; a route whose spec does not render keeps its last good entry
   * without that arm (its spec would drop it too), and nothing is rolled back or recorded.
   */
  static CanaryPlanner immediate() {
    return new CanaryPlanner() {
      @Override
      public RolloutDecision plan(
          ModelRoute route, RoutingTable.Route desired, Optional<RoutingTable.Route> published) {
        return new RolloutDecision(
            desired, RolloutDecision.STABLE, desired.revision(), null, null, null, null);
      }

      @Override
      public Optional<RolloutDecision> planWithoutSpec(
          ModelRoute route, Optional<RoutingTable.Route> published, String problem) {
        return published
            .filter(p -> p.canary() != null)
            .map(
                p ->
                    new RolloutDecision(
                        RolloutDecision.withoutCanary(p),
                        RolloutDecision.STABLE,
                        p.revision(),
                        null,
                        null,
                        null,
                        null));
      }
    };
  }
}
