package dev.switchboard.operator.rollout;

import dev.switchboard.api.v1alpha1.ModelRoute;
import java.util.Set;

/**
 * What the ModelRoute reconciler asks of the rollout machinery besides planning: clearing the
 * manual promote/abort/retry annotations once acted upon, and forgetting deleted routes.
 */
public interface RolloutHooks {

  /** Hooks for an operator without canary rollouts. */
  RolloutHooks NONE =
      new RolloutHooks() {
        @Override
        public void clearAnnotations(ModelRoute route, Set<String> names) {}

        @Override
        public void deleted(String namespace, String name) {}
      };

  /** The annotations the controller acts on and then removes. */
  Set<String> MANUAL_ANNOTATIONS =
      Set.of(
          ProgressiveCanaryPlanner.PROMOTE_ANNOTATION,
          ProgressiveCanaryPlanner.ABORT_ANNOTATION,
          ProgressiveCanaryPlanner.RETRY_ANNOTATION);

  /** Removes the annotations from the route: a metadata write; the spec is never written. */
  void clearAnnotations(ModelRoute route, Set<String> names);

  /** The route was deleted. */
  void deleted(String namespace, String name);
}
