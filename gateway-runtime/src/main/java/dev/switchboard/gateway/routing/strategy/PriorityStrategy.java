package dev.switchboard.gateway.routing.strategy;

import dev.switchboard.gateway.routing.PlannedTarget;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.DoubleSupplier;

/**
 * {@code priority} (and every strategy name not implemented yet): ascending priority, ties ordered
 * by a weighted random draw so traffic spreads by weight.
 */
public final class PriorityStrategy implements RoutingStrategy {

  private final DoubleSupplier random;

  /**
   * @param random uniform values in [0, 1); injectable so tests are deterministic
   */
  public PriorityStrategy(DoubleSupplier random) {
    this.random = random;
  }

  @Override
  public List<PlannedTarget> order(
      String route, List<PlannedTarget> candidates, LiveFigures figures) {
    if (candidates.size() <= 1) {
      return candidates;
    }
    Map<Integer, List<PlannedTarget>> byPriority = new TreeMap<>();
    for (PlannedTarget t : candidates) {
      byPriority.computeIfAbsent(t.target().priority(), p -> new ArrayList<>()).add(t);
    }
    List<PlannedTarget> out = new ArrayList<>(candidates.size());
    for (List<PlannedTarget> group : byPriority.values()) {
      out.addAll(WeightedStrategy.weightedShuffle(group, random));
    }
    return List.copyOf(out);
  }
}
