package dev.switchboard.operator.render;

import dev.switchboard.operator.rollout.RolloutDecision;

/**
 * The canary planner's decision for the route being reconciled, taken before rendering (it may read
 * gateway metrics, which must not happen under the namespace lock) and persisted in that route's
 * status afterwards.
 *
 * @param route the ModelRoute's name
 * @param revision the generation the decision was taken for; a newer spec in the view ignores it
 * @param withoutSpec the route's spec could not be rendered: the decision is for its last good
 *     entry (a running canary rolled back, its arm dropped), not for a desired one
 */
public record PlannedRollout(
    String route, long revision, RolloutDecision decision, boolean withoutSpec) {

  public PlannedRollout(String route, long revision, RolloutDecision decision) {
    this(route, revision, decision, false);
  }
}
