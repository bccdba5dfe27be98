package dev.switchboard.gateway.routing.strategy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.routing.ResolvedRoute;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AttemptPlannerTest {

  private static final RoutingTable.Provider P =
      new RoutingTable.Provider(
          "p", "openai", "https://x/v1", false, null, Map.of(), null, null, null, null, Map.of());

  private static PlannedTarget t(String model, int weight, int priority, String arm) {
    return new PlannedTarget(new RoutingTable.Target("p", model, weight, priority), P, arm);
  }

  private static ResolvedRoute route(
      String strategy, List<PlannedTarget> stable, List<PlannedTarget> canary, int canaryWeight) {
    RoutingTable.Canary c =
        canary.isEmpty()
            ? null
            : new RoutingTable.Canary("split", canaryWeight, 2, List.of(), List.of());
    RoutingTable.Route r =
        new RoutingTable.Route("r", "r", List.of(), "pol", 1, List.of(), List.of(), c);
    RoutingTable.Policy policy =
        new RoutingTable.Policy(
            "pol", strategy, null, null, null, null, null, null, null, null, null);
    return new ResolvedRoute(r, policy, stable, canary, "route");
  }

  /** A random source that replays the given values. */
  private static AttemptPlanner planner(double... values) {
    Deque<Double> queue = new ArrayDeque<>();
    for (double v : values) {
      queue.add(v);
    }
    return new AttemptPlanner(() -> queue.isEmpty() ? 0.0 : queue.poll());
  }

  private static List<String> models(List<PlannedTarget> chain) {
    return chain.stream().map(p -> p.target().model()).toList();
  }

  @Test
  void priorityOrdersByPriorityAscending() {
    ResolvedRoute r =
        route(
            "priority",
            List.of(t("c", 100, 2, "stable"), t("a", 100, 0, "stable"), t("b", 100, 1, "stable")),
            List.of(),
            0);
    assertThat(models(planner().plan(r))).containsExactly("a", "b", "c");
  }

  @Test
  void tiesAreSpreadByWeight() {
    List<PlannedTarget> tied =
        List.of(
            t("heavy", 80, 0, "stable"),
            t("light", 20, 0, "stable"),
            t("backup", 100, 1, "stable"));
    // 0.5 * 100 = 50 falls in heavy's share [0, 80); 0.9 * 100 = 90 in light's [80, 100).
    assertThat(models(planner(0.5).plan(route("priority", tied, List.of(), 0))))
        .containsExactly("heavy", "light", "backup");
    assertThat(models(planner(0.9).plan(route("priority", tied, List.of(), 0))))
        .containsExactly("light", "heavy", "backup");
  }

  @Test
  void weightedIgnoresPriorityAndZeroWeightGoesLast() {
    List<PlannedTarget> targets =
        List.of(
            t("first", 50, 0, "stable"), t("zero", 0, 0, "stable"), t("second", 50, 5, "stable"));
    assertThat(models(planner(0.75, 0.0).plan(route("weighted", targets, List.of(), 0))))
        .containsExactly("second", "first", "zero");
  }

  @Test
  void splitCanaryTakesItsShareAndFallsBackToStable() {
    List<PlannedTarget> stable = List.of(t("old", 100, 0, "stable"));
    List<PlannedTarget> canary = List.of(t("new", 100, 0, "canary"));
    // 0.04 * 100 = 4 < weight 5: canary first, stable behind it.
    assertThat(planner(0.04).plan(route("priority", stable, canary, 5)))
        .extracting(PlannedTarget::arm)
        .containsExactly("canary", "stable");
    assertThat(planner(0.06).plan(route("priority", stable, canary, 5)))
        .extracting(PlannedTarget::arm)
        .containsExactly("stable");
  }

  @Test
  void strategiesWithoutAnImplementationYetOrderByPriority() {
    List<PlannedTarget> targets =
        List.of(t("b", 100, 1, "stable"), t("a", 100, 0, "stable"), t("c", 100, 2, "stable"));
    assertThat(models(planner().plan(route("least-cost", targets, List.of(), 0))))
        .containsExactly("a", "b", "c");
  }
}
