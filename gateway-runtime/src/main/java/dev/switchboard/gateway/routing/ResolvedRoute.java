package dev.switchboard.gateway.routing;

import dev.switchboard.contract.CanaryMode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.Strategy;
import java.util.List;

/**
 * What a request's logical model name resolved to: the route, its policy (may be null) and the
 * candidate target set (a matched rule's targets or the route's own) before ordering.
 *
 * @param canaryCandidates the canary arm's candidates for this request, empty when there is no
 *     canary (rules of the canary are matched the same way as the stable arm's)
 */
public record ResolvedRoute(
    RoutingTable.Route route,
    RoutingTable.Policy policy,
    List<PlannedTarget> candidates,
    List<PlannedTarget> canaryCandidates,
    String matchedBy) {

  public String name() {
    return route.name();
  }

  /**
   * The route's strategy, {@code priority} when no policy says otherwise (or names an unknown one).
   */
  public Strategy strategy() {
    return policy == null ? Strategy.DEFAULT : policy.strategyOrDefault();
  }

  /**
   * The canary's mode when it has candidates, else null (also for a mode this build does not know).
   */
  public CanaryMode canaryMode() {
    return canaryCandidates.isEmpty() || route.canary() == null
        ? null
        : route.canary().canaryMode().orElse(null);
  }

  /** Whether the route's policy asks for request and response bodies in the log. */
  public boolean logsBodies() {
    return policy != null && policy.logsBodies();
  }
}
