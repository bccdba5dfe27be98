package dev.switchboard.operator.rollout;

import dev.switchboard.api.v1alpha1.ModelRoute;
import java.util.Optional;

/**
 * Something outside the canary's own analysis that may hold a passing canary at its step (the drift
 * check of the route's policy, with {@code driftCheck.holdCanary}).
 */
public interface CanaryGate {

  /** Why {@code route}'s canary must not advance or be promoted now; empty when it may. */
  Optional<String> hold(ModelRoute route);

  /** Never holds. */
  CanaryGate NONE = route -> Optional.empty();
}
