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
  void figureStrategiesWithoutFiguresOrPricesOrderByPriorityOutsideExploration() {
    List<PlannedTarget> targets =
        List.of(t("b", 100, 1, "stable"), t("a", 100, 0, "stable"), t("c", 100, 2, "stable"));
    // 0.5: no exploration draw (the default share is 2 %).
    assertThat(models(planner(0.5).plan(route("least-cost", targets, List.of(), 0))))
        .containsExactly("a", "b", "c");
    assertThat(planner(0.5).decide(route("least-latency", targets, List.of(), 0)).reason())
        .isEqualTo(
            "strategy=least-latency;by=policy;chose=p/a,ttft_p95_ms=none;no-figures=priority;"
                + "next=p/b,ttft_p95_ms=none");
  }

  @Test
  void scheduleWindowsSwitchTheStrategyAtTheirBoundariesOnTheGatewayClock() {
    // Weekdays 22:00-06:00 Berlin: weighted; otherwise priority. The priority order differs from
    // the weighted draw, so the chain shows which strategy ran.
    RoutingTable.Policy policy =
        new RoutingTable.Policy(
            "pol",
            "priority",
            null,
            List.of(
                new RoutingTable.ScheduleWindow(
                    "off-peak",
                    List.of("Mon", "Tue", "Wed", "Thu", "Fri"),
                    "22:00",
                    "06:00",
                    "Europe/Berlin",
                    "weighted")),
            null,
            null,
            null,
            null,
            null,
            null,
            null);
    RoutingTable.Route r =
        new RoutingTable.Route("r", "r", List.of(), "pol", 1, List.of(), List.of(), null);
    ResolvedRoute route =
        new ResolvedRoute(
            r,
            policy,
            List.of(t("a", 50, 0, "stable"), t("b", 50, 1, "stable")),
            List.of(),
            "route");
    long[] now = {java.time.Instant.parse("2030-01-07T20:59:00Z").toEpochMilli()}; // Mon 21:59
    // 0.9 draws b first in a weighted order of two equal weights.
    AttemptPlanner planner = new AttemptPlanner(() -> 0.9, LiveFigures.NONE, () -> now[0]);
    AttemptPlanner.RoutePlan before = planner.decide(route);
    assertThat(models(before.chain())).containsExactly("a", "b");
    assertThat(before.reason()).isEqualTo("strategy=priority;by=policy");
    now[0] = java.time.Instant.parse("2030-01-07T21:00:00Z").toEpochMilli(); // Mon 22:00
    AttemptPlanner.RoutePlan inside = planner.decide(route);
    assertThat(models(inside.chain())).containsExactly("b", "a");
    assertThat(inside.reason()).isEqualTo("strategy=weighted;by=window:off-peak");
    now[0] = java.time.Instant.parse("2030-01-08T05:00:00Z").toEpochMilli(); // Tue 06:00
    assertThat(planner.decide(route).reason()).isEqualTo("strategy=priority;by=policy");
    // Saturday night is not in the window (Friday's night runs into Saturday morning only).
    now[0] = java.time.Instant.parse("2030-01-12T22:00:00Z").toEpochMilli(); // Sat 23:00
    assertThat(planner.decide(route).reason()).isEqualTo("strategy=priority;by=policy");
  }

  @Test
  void aRequestsOwnStrategyWinsOverTheSchedule() {
    RoutingTable.Policy policy =
        new RoutingTable.Policy(
            "pol",
            "priority",
            null,
            List.of(
                new RoutingTable.ScheduleWindow(
                    "always", null, "00:00", "24:00", "UTC", "weighted")),
            null,
            null,
            null,
            null,
            null,
            null,
            null);
    RoutingTable.Route r =
        new RoutingTable.Route("r", "r", List.of(), "pol", 1, List.of(), List.of(), null);
    ResolvedRoute route =
        new ResolvedRoute(
            r,
            policy,
            List.of(t("a", 50, 0, "stable"), t("b", 50, 1, "stable")),
            List.of(),
            "rule:0",
            dev.switchboard.contract.Strategy.LEAST_LATENCY,
            "rule:0");
    AttemptPlanner planner = new AttemptPlanner(() -> 0.9, LiveFigures.NONE, () -> 0L);
    assertThat(planner.decide(route).reason()).startsWith("strategy=least-latency;by=rule:0;");
  }

  @Test
  void aSplitCanaryArmIsOrderedOnThePricesInForceNow() {
    // Two canary targets: one at half price from 16:30 to 00:30 UTC, one steady and cheaper than
    // the other's list price. At 16:30 the canary arm must put the one in its price window first,
    // like the stable arm would.
    RoutingTable.Pricing offPeak =
        new RoutingTable.Pricing(
            0.56,
            1.68,
            null,
            "USD",
            List.of(
                new RoutingTable.PriceWindow(
                    "off-peak", null, "16:30", "00:30", "UTC", 0.28, 0.84, null)));
    PlannedTarget night = priced("night", 1, offPeak, "canary");
    PlannedTarget steady =
        priced("steady", 0, new RoutingTable.Pricing(0.40, 1.20, null, "USD"), "canary");
    PlannedTarget stable =
        priced("stable", 0, new RoutingTable.Pricing(1.0, 1.0, null, "USD"), "stable");
    ResolvedRoute r = route("least-cost", List.of(stable), List.of(steady, night), 5);
    long[] now = {java.time.Instant.parse("2030-01-07T16:30:00Z").toEpochMilli()};
    // 0.03: into the canary (3 < 5), no exploration (share 2 %).
    AttemptPlanner planner = new AttemptPlanner(() -> 0.03, LiveFigures.NONE, () -> now[0]);
    assertThat(planner.decide(r).chain().stream().map(t -> t.target().provider()).toList())
        .containsExactly("night", "steady", "stable");
    now[0] = java.time.Instant.parse("2030-01-08T00:30:00Z").toEpochMilli();
    assertThat(planner.decide(r).chain().stream().map(t -> t.target().provider()).toList())
        .containsExactly("steady", "night", "stable");
  }

  private static PlannedTarget priced(
      String provider, int priority, RoutingTable.Pricing pricing, String arm) {
    RoutingTable.Provider p =
        new RoutingTable.Provider(
            provider,
            "openai",
            "https://" + provider + "/v1",
            false,
            null,
            Map.of(),
            null,
            null,
            null,
            null,
            Map.of("m", new RoutingTable.Model(List.of("chat"), null, pricing, null)));
    return new PlannedTarget(new RoutingTable.Target(provider, "m", 100, priority), p, arm);
  }
}
