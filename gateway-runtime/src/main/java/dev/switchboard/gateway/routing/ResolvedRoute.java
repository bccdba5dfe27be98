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
 * @param requestStrategy the strategy this request asked for (a matched rule's, or least-latency
 *     for the low-priority hint); null when the policy (and its schedule) decides
 * @param requestStrategyBy what set {@code requestStrategy}: {@code rule:N} or {@code
 *     hint:priority-low}
 */
public record ResolvedRoute(
    RoutingTable.Route route,
    RoutingTable.Policy policy,
    List<PlannedTarget> candidates,
    List<PlannedTarget> canaryCandidates,
    String matchedBy,
    Strategy requestStrategy,
    String requestStrategyBy) {

  /** A resolution that leaves the strategy to the policy (and its schedule). */
  public ResolvedRoute(
      RoutingTable.Route route,
      RoutingTable.Policy policy,
      List<PlannedTarget> candidates,
      List<PlannedTarget> canaryCandidates,
      String matchedBy) {
    this(route, policy, candidates, canaryCandidates, matchedBy, null, null);
  }

  public String name() {
    return route.name();
  }

  /**
   * The policy's base strategy, {@code priority} when no policy says otherwise (or names an unknown
   * one). Schedule windows and {@link #requestStrategy} may override it (see {@code
   * AttemptPlanner}).
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

  /**
   * The request's task class: the matched rule ({@code rule:N}), whose requests' token mix the cost
   * strategies price with; null when no rule matched.
   */
  public String taskClass() {
    return matchedBy != null && matchedBy.startsWith("rule:") ? matchedBy : null;
  }

  /** The key of a task class's live figures: the route's name, {@code #}, the class. */
  public static String classKey(String route, String taskClass) {
    return route + '#' + taskClass;
  }

  /** Whether a live-figures key is a task class's rather than a route's. */
  public static boolean isClassKey(String key) {
    return key.indexOf('#') >= 0;
  }

  /** Whether the route's policy asks for request and response bodies in the log. */
  public boolean logsBodies() {
    return policy != null && policy.logsBodies();
  }
}
