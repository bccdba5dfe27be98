package dev.switchboard.gateway.routing;

import dev.switchboard.contract.RoutingTable;
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

  /** The route's strategy, {@code priority} when no policy says otherwise. */
  public String strategy() {
    return policy == null || policy.strategy() == null ? "priority" : policy.strategy();
  }

  /** The canary's mode ({@code split} or {@code shadow}) when it has candidates, else null. */
  public String canaryMode() {
    return canaryCandidates.isEmpty() || route.canary() == null ? null : route.canary().mode();
  }

  /** Whether the route's policy asks for request and response bodies in the log. */
  public boolean logsBodies() {
    return policy != null && "full".equals(policy.loggingBodies());
  }
}
