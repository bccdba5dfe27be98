package dev.switchboard.gateway.routing.strategy;

import dev.switchboard.gateway.routing.PlannedTarget;
import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleSupplier;

/** {@code weighted}: one weighted random order over all candidates, priority ignored. */
public final class WeightedStrategy implements RoutingStrategy {

  private final DoubleSupplier random;

  /**
   * @param random uniform values in [0, 1); injectable so tests are deterministic
   */
  public WeightedStrategy(DoubleSupplier random) {
    this.random = random;
  }

  @Override
  public List<PlannedTarget> order(
      String route, List<PlannedTarget> candidates, LiveFigures figures) {
    return weightedShuffle(candidates, random);
  }

  /**
   * Draws targets one after the other with probability proportional to weight (weight 0 goes last
   * in table order: such targets only serve as fallbacks).
   */
  static List<PlannedTarget> weightedShuffle(List<PlannedTarget> group, DoubleSupplier random) {
    if (group.size() <= 1) {
      return group;
    }
    List<PlannedTarget> pool = new ArrayList<>(group);
    List<PlannedTarget> out = new ArrayList<>(group.size());
    while (!pool.isEmpty()) {
      int total = 0;
      for (PlannedTarget t : pool) {
        total += Math.max(0, t.target().weight());
      }
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
