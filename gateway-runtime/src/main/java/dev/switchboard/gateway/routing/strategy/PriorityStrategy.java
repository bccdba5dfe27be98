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
    // The two common shapes without grouping (the same random draws as the groups would take):
    // one priority for all (one weighted draw over them), or priorities already ascending.
    int first = candidates.get(0).target().priority();
    boolean one = true;
    boolean ascending = true;
    int previous = first;
    for (int i = 1; i < candidates.size(); i++) {
      int priority = candidates.get(i).target().priority();
      one &= priority == first;
      ascending &= priority > previous;
      previous = priority;
    }
    if (one) {
      return List.copyOf(WeightedStrategy.weightedShuffle(candidates, random));
    }
    if (ascending) {
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
