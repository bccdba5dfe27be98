package dev.switchboard.gateway.resilience;

import dev.switchboard.contract.CanaryMode;
import dev.switchboard.contract.Strategy;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.routing.ResolvedRoute;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.DoubleSupplier;

/**
 * Orders a resolved route's targets into the chain one request walks through. {@code priority} (and
 * every strategy not implemented yet): ascending priority, ties ordered by a weighted random draw
 * so traffic spreads by weight. {@code weighted}: one weighted random order over all targets. A
 * split canary takes the front of the chain for its share of requests, with the stable targets
 * behind it so a failing canary falls back to stable instead of failing the client.
 *
 * <p>This is the seam for health-, breaker- and capability-aware planning (issue 4).
 */
public final class AttemptPlanner {

  private final DoubleSupplier random;

  /**
   * @param random uniform values in [0, 1); injectable so tests are deterministic
   */
  public AttemptPlanner(DoubleSupplier random) {
    this.random = random;
  }

  /** The ordered chain of targets for one request. */
  public List<PlannedTarget> plan(ResolvedRoute route) {
    List<PlannedTarget> stable = order(route.candidates(), route.strategy());
    // A shadow canary never answers clients: ShadowMirror copies requests to it instead.
    if (route.canaryMode() != CanaryMode.SPLIT) {
      return stable;
    }
    int weight = route.route().canary().weight();
    boolean toCanary = random.getAsDouble() * 100 < weight;
    if (!toCanary) {
      return stable;
    }
    List<PlannedTarget> chain = new ArrayList<>(order(route.canaryCandidates(), route.strategy()));
    chain.addAll(stable);
    return List.copyOf(chain);
  }

  private List<PlannedTarget> order(List<PlannedTarget> targets, Strategy strategy) {
    if (strategy == Strategy.WEIGHTED) {
      return weightedShuffle(targets);
    }
    Map<Integer, List<PlannedTarget>> byPriority = new TreeMap<>();
    for (PlannedTarget t : targets) {
      byPriority.computeIfAbsent(t.target().priority(), p -> new ArrayList<>()).add(t);
    }
    List<PlannedTarget> out = new ArrayList<>(targets.size());
    byPriority.values().forEach(group -> out.addAll(weightedShuffle(group)));
    return List.copyOf(out);
  }

  /**
   * Draws targets one after the other with probability proportional to weight (weight 0 goes last
   * in table order: such targets only serve as fallbacks).
   */
  private List<PlannedTarget> weightedShuffle(List<PlannedTarget> group) {
    if (group.size() <= 1) {
      return group;
    }
    List<PlannedTarget> pool = new ArrayList<>(group);
    List<PlannedTarget> out = new ArrayList<>(group.size());
    while (!pool.isEmpty()) {
      int total = pool.stream().mapToInt(t -> Math.max(0, t.target().weight())).sum();
      if (total == 0) {
        out.addAll(pool);
        break;
      }
      double pick = random.getAsDouble() * total;
      int index = 0;
      for (int i = 0; i < pool.size(); i++) {
        pick -= Math.max(0, pool.get(i).target().weight());
        if (pick < 0) {
          index = i;
          break;
        }
      }
      out.add(pool.remove(index));
    }
    return out;
  }
}
