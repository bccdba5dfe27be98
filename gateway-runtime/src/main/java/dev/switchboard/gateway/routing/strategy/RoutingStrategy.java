package dev.switchboard.gateway.routing.strategy;

import dev.switchboard.gateway.routing.PlannedTarget;
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
}
