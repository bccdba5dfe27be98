package dev.switchboard.gateway.routing.strategy;

import dev.switchboard.contract.CanaryMode;
import dev.switchboard.contract.Strategy;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.routing.ResolvedRoute;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;

/**
 * Orders a resolved route's targets into the chain one request walks through: the route's {@link
 * RoutingStrategy} orders each arm, and a split canary takes the front of the chain for its share
 * of requests, with the stable targets behind it so a failing canary falls back to stable instead
 * of failing the client. A strategy name without an implementation yet orders by priority.
 */
public final class AttemptPlanner {

  private final DoubleSupplier random;
  private final LiveFigures figures;
  private final RoutingStrategy byPriority;
  private final Map<Strategy, RoutingStrategy> strategies = new EnumMap<>(Strategy.class);

  /**
   * @param random uniform values in [0, 1); injectable so tests are deterministic
   * @param figures the live per-target figures strategies may read
   */
  public AttemptPlanner(DoubleSupplier random, LiveFigures figures) {
    this.random = random;
    this.figures = figures;
    this.byPriority = new PriorityStrategy(random);
    // One registration per strategy; cost and latency strategies join here.
    strategies.put(Strategy.PRIORITY, byPriority);
    strategies.put(Strategy.WEIGHTED, new WeightedStrategy(random));
  }

  /** Without live figures (tests). */
  public AttemptPlanner(DoubleSupplier random) {
    this(random, LiveFigures.NONE);
  }

  /** The implementation of a route's strategy (priority for one not implemented yet). */
  RoutingStrategy strategy(Strategy strategy) {
    return strategies.getOrDefault(strategy, byPriority);
  }

  /** The ordered chain of targets for one request. */
  public List<PlannedTarget> plan(ResolvedRoute route) {
    RoutingStrategy strategy = strategy(route.strategy());
    List<PlannedTarget> stable = strategy.order(route.name(), route.candidates(), figures);
    // A shadow canary never answers clients: the shadow stage copies requests to it instead.
    if (route.canaryMode() != CanaryMode.SPLIT) {
      return stable;
    }
    int weight = route.route().canary().weight();
    boolean toCanary = random.getAsDouble() * 100 < weight;
    if (!toCanary) {
      return stable;
    }
    List<PlannedTarget> chain =
        new ArrayList<>(strategy.order(route.name(), route.canaryCandidates(), figures));
    chain.addAll(stable);
    return List.copyOf(chain);
  }
}
