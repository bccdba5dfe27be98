package dev.switchboard.gateway.routing.strategy;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.routing.PlannedTarget;
import java.time.Instant;
import java.util.List;

/**
 * Orders one arm's candidate targets into the order a request tries them. Implementations are
 * stateless apart from their random source and are shared by every request; they may read the live
 * per-target figures (cost and latency strategies do), never block, and never call out.
 */
public interface RoutingStrategy {

  /**
   * The attempt order of {@code candidates} for one request.
   *
   * @param route the route's name (the key of its live figures)
   * @param figures live per-target figures of this replica
   */
  List<PlannedTarget> order(String route, List<PlannedTarget> candidates, LiveFigures figures);

  /**
   * The attempt order with the figures that decided it, for the {@code x-switchboard-route-reason}
   * header and the request log. Strategies that read figures, prices or time override this.
   *
   * @param policy the route's policy (latency objective, exploration share); may be null
   * @param now the gateway clock's time (price windows)
   */
  default Ordering decide(
      String route,
      List<PlannedTarget> candidates,
      RoutingTable.Policy policy,
      Instant now,
      LiveFigures figures) {
    return new Ordering(order(route, candidates, figures), null);
  }

  /**
   * As {@link #decide(String, List, RoutingTable.Policy, Instant, LiveFigures)} for a request of a
   * task class (the rule it matched, null for none): strategies that price a token mix price the
   * class's where it has one.
   */
  default Ordering decide(
      String route,
      String taskClass,
      List<PlannedTarget> candidates,
      RoutingTable.Policy policy,
      Instant now,
      LiveFigures figures) {
    return decide(route, candidates, policy, now, figures);
  }

  /**
   * An attempt order and what decided it.
   *
   * @param explanation the deciding figures as {@code key=value} pairs separated by {@code ;}, null
   *     when only the order's rule decided (priority, weight)
   */
  record Ordering(List<PlannedTarget> targets, String explanation) {}
}
