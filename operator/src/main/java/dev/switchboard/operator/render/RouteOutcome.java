package dev.switchboard.operator.render;

import dev.switchboard.operator.rollout.RolloutDecision;
import dev.switchboard.operator.status.Problem;
import java.util.List;

/**
 * What became of one ModelRoute in the rendered table: served from its current spec, still served
 * from its last good rendering, or not served at all; with the problems that caused it.
 *
 * @param servedRevision the revision (generation) in the table, or null when not served
 * @param rollout the canary planner's decision when the route's rollout was planned for this render
 *     (its own reconcile): for a {@link State#CURRENT} route, or for one whose spec does not render
 *     while its canary ran (rolled back); else null
 */
public record RouteOutcome(
    State state,
    List<Problem> specProblems,
    List<Problem> referenceProblems,
    Long servedRevision,
    RolloutDecision rollout) {

  /** How the route appears in the table. */
  public enum State {
    /** Rendered from the current spec. */
    CURRENT,
    /** The current spec has problems; the last good rendering keeps serving. */
    LAST_GOOD,
    /** The current spec has problems and there is no earlier rendering to serve. */
    NOT_SERVED
  }

  public RouteOutcome {
    specProblems = List.copyOf(specProblems);
    referenceProblems = List.copyOf(referenceProblems);
  }

  /** Every problem, spec problems first. */
  public List<Problem> problems() {
    List<Problem> all = new java.util.ArrayList<>(specProblems);
    all.addAll(referenceProblems);
    return all;
  }
}
