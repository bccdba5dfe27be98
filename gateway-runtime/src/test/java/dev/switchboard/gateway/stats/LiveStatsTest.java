package dev.switchboard.gateway.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.request.TokenUsage;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.routing.ResolvedRoute;
import dev.switchboard.gateway.routing.RoutingSnapshot;
import dev.switchboard.gateway.routing.strategy.TargetFigures;
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.gateway.upstream.Operation;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LiveStatsTest {

  private final ManualClock clock = new ManualClock();
  private final LiveStats stats = new LiveStats(60_000, clock::currentTimeMillis);

  private static final PlannedTarget TARGET =
      new PlannedTarget(
          TestTables.target("p", "m", 0),
          TestTables.provider("p", "http://127.0.0.1:9/v1", false),
          PlannedTarget.STABLE);

  /** A finished stream request: first token after {@code ttftMs}, then {@code genMs} more. */
  private void stream(long ttftMs, long genMs, long outputTokens, Double cost, boolean ok) {
    RoutingTable.Route route =
        new RoutingTable.Route("r", "r", List.of(), null, 1, List.of(), List.of(), null);
    RequestContext ctx = new RequestContext("id", Operation.CHAT_COMPLETIONS, clock);
    ctx.route(new ResolvedRoute(route, null, List.of(TARGET), List.of(), "route"));
    ctx.target(TARGET);
    ctx.stream(true);
    clock.advance(ttftMs);
    ctx.firstToken();
    clock.advance(genMs);
    ctx.usage(new TokenUsage(10, outputTokens, 0));
    ctx.costUsd(cost);
    ctx.finish(200, ok ? "success" : "error", ok ? null : "stream_truncated");
    stats.record(ctx);
  }

  @Test
  void figuresOfATargetAreComputedFromItsRecentRequests() {
    stream(100, 1_000, 50, 0.002, true);
    stream(300, 2_000, 100, 0.004, true);
    stream(200, 500, 0, null, false);

    TargetFigures f = stats.target("r", "p/m");

    assertThat(f.requests()).isEqualTo(3);
    assertThat(f.errorRate()).isEqualTo(0.333);
    assertThat(f.ttftP50Ms()).isEqualTo(200.0);
    assertThat(f.ttftP95Ms()).isEqualTo(300.0);
    // 50 tokens / 1 s, 100 / 2 s, 0 / 0.5 s: mean 33.333 tokens/s.
    assertThat(f.tokensPerSecond()).isEqualTo(33.333);
    // (0.002 + 0.004) / 3 requests x 1,000.
    assertThat(f.costPer1kRequestsUsd()).isEqualTo(2.0);
    assertThat(stats.route("r")).isEqualTo(f);
    assertThat(stats.target("r", "p/other")).isEqualTo(TargetFigures.NONE);
  }

  @Test
  void requestsOlderThanTheWindowDropOut() {
    stream(100, 100, 10, 0.001, true);
    // The second request takes 400 ms and ends exactly one window after the first.
    clock.advance(60_000 - 400);
    stream(300, 100, 10, 0.003, true);

    assertThat(stats.target("r", "p/m").requests()).isEqualTo(2);
    clock.advance(1);
    TargetFigures f = stats.target("r", "p/m");
    assertThat(f.requests()).isEqualTo(1);
    assertThat(f.ttftP50Ms()).isEqualTo(300.0);
    clock.advance(60_000);
    assertThat(stats.target("r", "p/m")).isEqualTo(TargetFigures.NONE);
    assertThat(stats.snapshot().get("routes")).isEqualTo(Map.of());
  }

  @Test
  void nearestRankPercentiles() {
    List<Double> values = List.of(10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 100.0);
    assertThat(LiveStats.percentile(values, 0.5)).isEqualTo(50.0);
    assertThat(LiveStats.percentile(values, 0.95)).isEqualTo(100.0);
    assertThat(LiveStats.percentile(List.of(7.0), 0.95)).isEqualTo(7.0);
    assertThat(LiveStats.percentile(List.of(), 0.5)).isNull();
  }

  @Test
  void routingFiguresAreRefreshedOnTheClockKeptStaleForAWhileThenForgotten() {
    LiveStats routing = new LiveStats(300_000, 60_000, 120_000, clock::currentTimeMillis);
    routing.record("r", "p/m", false, 800.0, 2_000.0, 40.0, 0.001, new TokenUsage(1000, 200, 400));
    // Nothing is computed per read: until the refresh the target is unknown.
    assertThat(routing.routing().target("r", "p/m")).isEqualTo(TargetFigures.NONE);
    routing.refreshRouting();
    TargetFigures fresh = routing.routing().target("r", "p/m");
    assertThat(fresh.ttftP95Ms()).isEqualTo(800.0);
    assertThat(fresh.latencyP95Ms()).isEqualTo(2_000.0);
    assertThat(fresh.tokenMix()).isEqualTo(new TargetFigures.TokenMix(1000, 400, 200));
    assertThat(fresh.stale()).isFalse();
    assertThat(routing.routing().route("r").requests()).isEqualTo(1);

    // Out of the routing window: the last figures stay, marked stale.
    clock.advance(61_000);
    routing.refreshRouting();
    TargetFigures stale = routing.routing().target("r", "p/m");
    assertThat(stale.stale()).isTrue();
    assertThat(stale.ttftP95Ms()).isEqualTo(800.0);
    // A fresh sample replaces them at the next refresh: a recovered provider is seen at once.
    routing.record("r", "p/m", false, 100.0, 500.0, 40.0, 0.001, null);
    routing.refreshRouting();
    assertThat(routing.routing().target("r", "p/m").ttftP95Ms()).isEqualTo(100.0);
    assertThat(routing.routing().target("r", "p/m").stale()).isFalse();

    // No sample for longer than staleAfter: unknown again.
    clock.advance(61_000);
    routing.refreshRouting();
    assertThat(routing.routing().target("r", "p/m").stale()).isTrue();
    clock.advance(120_000);
    routing.refreshRouting();
    assertThat(routing.routing().target("r", "p/m")).isEqualTo(TargetFigures.NONE);
  }

  @Test
  void routingFiguresCarryExactCountsOfTheRoutingWindowOnly() {
    LiveStats routing = new LiveStats(300_000, 60_000, 600_000, clock::currentTimeMillis);
    routing.record("r", "p/a", false, 100.0, 900.0, 50.0, 0.002, null);
    clock.advance(61_000);
    // Only these fall in the 60 s routing window; the first request is outside it.
    routing.record("r", "p/a", false, 300.0, 1_000.0, 70.0, 0.004, null);
    routing.record("r", "p/a", true, null, 50.0, null, null, null);
    routing.record("r", "p/b", false, 200.0, 800.0, 40.0, 0.001, null);
    routing.record("r", null, true, null, 5.0, null, null, null);

    Map<String, Object> doc = routing.routingFigures();

    assertThat(doc.get("window_seconds")).isEqualTo(60.0);
    @SuppressWarnings("unchecked")
    Map<String, Object> route =
        (Map<String, Object>) ((Map<String, Object>) doc.get("routes")).get("r");
    // Five requests reached the route, one of them answered by no target.
    assertThat(route.get("requests")).isEqualTo(4);
    @SuppressWarnings("unchecked")
    Map<String, Map<String, Object>> targets =
        (Map<String, Map<String, Object>>) route.get("targets");
    assertThat(targets.get("p/a"))
        .containsEntry("requests", 2)
        .containsEntry("errors", 1)
        .containsEntry("cost_usd", 0.004)
        .containsEntry("ttft_p95_ms", 300.0)
        .containsEntry("tokens_per_second", 70.0);
    assertThat(targets.get("p/b")).containsEntry("requests", 1).containsEntry("errors", 0);
  }

  @Test
  @SuppressWarnings("unchecked")
  void countsSharesAndCostStayExactOnAKeyBusierThanItsSampleCap() {
    // 25 req/s split evenly between two targets for two minutes of a five-minute window: 3,000
    // requests each, past the 2,048 samples a key keeps for its percentiles.
    LiveStats busy = new LiveStats(300_000, 60_000, 600_000, clock::currentTimeMillis);
    int each = 3_000;
    for (int i = 0; i < each; i++) {
      busy.record("r", "p/a", i % 10 == 0, 100.0, 900.0, null, 0.001, null);
      busy.record("r", "p/b", false, 200.0, 800.0, null, 0.003, null);
      clock.advance(40);
    }
    assertThat(LiveStats.MAX_SAMPLES).isLessThan(each);

    Map<String, Object> doc = busy.snapshot();
    Map<String, Object> route =
        (Map<String, Object>) ((Map<String, Object>) doc.get("routes")).get("r");
    assertThat(route).containsEntry("requests", 2 * each);
    List<Map<String, Object>> rows = (List<Map<String, Object>>) doc.get("targets");
    assertThat(rows)
        .extracting(
            row -> row.get("target"), row -> row.get("requests"), row -> row.get("chosen_share"))
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("p/a", each, 0.5),
            org.assertj.core.groups.Tuple.tuple("p/b", each, 0.5));
    TargetFigures a = busy.target("r", "p/a");
    assertThat(a.errorRate()).isEqualTo(0.1);
    assertThat(a.costPer1kRequestsUsd()).isEqualTo(1.0);

    // The routing window (60 s) holds the last 1,500 of each: exact too, to the second at its
    // start.
    Map<String, Object> figures = busy.routingFigures();
    Map<String, Object> routing =
        (Map<String, Object>) ((Map<String, Object>) figures.get("routes")).get("r");
    assertThat((int) routing.get("requests")).isBetween(3_000, 3_050);
    Map<String, Map<String, Object>> targets =
        (Map<String, Map<String, Object>>) routing.get("targets");
    assertThat((int) targets.get("p/a").get("requests")).isBetween(1_500, 1_525);
    assertThat(targets.get("p/a").get("served")).isEqualTo(targets.get("p/a").get("requests"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void aShadowCopyCountsForItsTargetButNotForTheRouteNorAsChosen() {
    PlannedTarget canary =
        new PlannedTarget(
            TestTables.target("q", "m2", 0),
            TestTables.provider("q", "http://127.0.0.1:9/v1", false),
            PlannedTarget.STABLE);
    RoutingTable.Route route =
        new RoutingTable.Route("r", "r", List.of(), null, 1, List.of(), List.of(), null);
    for (int i = 0; i < 4; i++) {
      stream(100, 100, 10, 0.001, true);
      if (i % 2 == 0) {
        RequestContext copy = new RequestContext("id-shadow", Operation.CHAT_COMPLETIONS, clock);
        copy.shadow(true);
        copy.route(new ResolvedRoute(route, null, List.of(TARGET, canary), List.of(), "route"));
        copy.target(canary);
        copy.usage(new TokenUsage(10, 10, 0));
        copy.costUsd(0.002);
        copy.finish(200, "success", null);
        stats.record(copy);
      }
    }

    assertThat(stats.route("r").requests()).isEqualTo(4);
    assertThat(stats.target("r", "q/m2").requests()).isEqualTo(2);
    List<Map<String, Object>> rows = (List<Map<String, Object>>) stats.snapshot().get("targets");
    assertThat(rows)
        .extracting(row -> row.get("target"), row -> row.get("chosen_share"))
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("p/m", 1.0),
            org.assertj.core.groups.Tuple.tuple("q/m2", 0.0));
    Map<String, Object> routing =
        (Map<String, Object>) ((Map<String, Object>) stats.routingFigures().get("routes")).get("r");
    Map<String, Map<String, Object>> targets =
        (Map<String, Map<String, Object>>) routing.get("targets");
    assertThat(targets.get("q/m2")).containsEntry("requests", 2).containsEntry("served", 0);
    // Billed all the same: the copies count against the provider's committed use.
    assertThat(stats.commitments().used("q", "m2", clock.currentTimeMillis()).tokens())
        .isEqualTo(40);
  }

  @Test
  void statsRowsShowThePricesInForceNow() {
    stats.pricesNow(
        (route, target) ->
            target.equals("p/m")
                ? Map.of("input_per_million_tokens", 0.28, "window", "off-peak")
                : null);
    stream(100, 1_000, 50, 0.002, true);

    @SuppressWarnings("unchecked")
    List<Map<String, Object>> rows = (List<Map<String, Object>>) stats.snapshot().get("targets");

    assertThat(rows).hasSize(1);
    assertThat(rows.get(0).get("price_now"))
        .isEqualTo(Map.of("input_per_million_tokens", 0.28, "window", "off-peak"));
  }

  /** A successful plain request on {@code route} served by {@code provider/model}. */
  private void served(LiveStats to, String route, String provider, String model) {
    served(to, route, provider, model, null);
  }

  /** As above, routed on {@code routedOn} (null: no snapshot known). */
  private void served(
      LiveStats to, String route, String provider, String model, RoutingTable routedOn) {
    RoutingTable.Route r =
        new RoutingTable.Route(route, route, List.of(), null, 1, List.of(), List.of(), null);
    PlannedTarget target =
        new PlannedTarget(
            TestTables.target(provider, model, 0),
            TestTables.provider(provider, "http://127.0.0.1:9/v1", false),
            PlannedTarget.STABLE);
    RequestContext ctx = new RequestContext("id", Operation.CHAT_COMPLETIONS, clock);
    if (routedOn != null) {
      ctx.snapshot(RoutingSnapshot.of(routedOn, java.time.Instant.EPOCH));
    }
    ctx.route(new ResolvedRoute(r, null, List.of(target), List.of(), "route"));
    ctx.target(target);
    clock.advance(100);
    ctx.usage(new TokenUsage(10, 5, 0));
    ctx.finish(200, "success", null);
    to.record(ctx);
  }

  @Test
  @SuppressWarnings("unchecked")
  void aReloadForgetsTheRoutesAndTargetsTheNewTableNoLongerHas() {
    LiveStats live = new LiveStats(60_000, 60_000, 300_000, clock::currentTimeMillis);
    served(live, "r", "p", "m");
    served(live, "r", "q", "gone-model");
    served(live, "removed-route", "p", "m");
    live.refreshRouting();
    assertThat(live.tracked()).isEqualTo(5);

    // The new table keeps route r with p/m only; route removed-route is gone.
    live.retainOnly(
        TestTables.table(
            List.of(TestTables.provider("p", "http://127.0.0.1:9/v1", false)),
            List.of(TestTables.route("r", List.of(), TestTables.target("p", "m", 0)))));

    assertThat(live.tracked()).isEqualTo(2);
    List<Map<String, Object>> rows = (List<Map<String, Object>>) live.snapshot().get("targets");
    assertThat(rows)
        .extracting(row -> row.get("route") + " " + row.get("target"))
        .containsExactly("r p/m");
    assertThat((Map<String, Object>) live.snapshot().get("routes")).containsOnlyKeys("r");
    assertThat(live.target("r", "q/gone-model")).isEqualTo(TargetFigures.NONE);
    assertThat(live.routing().target("r", "q/gone-model")).isEqualTo(TargetFigures.NONE);
    assertThat(live.routing().route("removed-route")).isEqualTo(TargetFigures.NONE);
    assertThat(live.routing().target("r", "p/m").requests()).isEqualTo(1);
    live.refreshRouting();
    assertThat(live.routing().target("r", "q/gone-model")).isEqualTo(TargetFigures.NONE);
    assertThat(live.target("r", "p/m").requests()).isEqualTo(1);
  }

  /**
   * A request routed on the old table that finishes after the reload (its target gone) is not
   * counted: it would bring the removed target back into the stats and the routing figures until
   * the next reload.
   */
  @Test
  @SuppressWarnings("unchecked")
  void aRequestFinishingAfterAReloadDoesNotBringBackATargetTheReloadRemoved() {
    LiveStats live = new LiveStats(60_000, 60_000, 300_000, clock::currentTimeMillis);
    served(live, "r", "p", "m");
    live.retainOnly(
        TestTables.table(
            List.of(TestTables.provider("p", "http://127.0.0.1:9/v1", false)),
            List.of(TestTables.route("r", List.of(), TestTables.target("p", "m", 0)))));

    // Routed before the reload to q/gone-model and to route removed-route; finished after it.
    served(live, "r", "q", "gone-model");
    served(live, "removed-route", "p", "m");
    served(live, "r", "p", "m");
    live.refreshRouting();

    assertThat(live.tracked()).as("route r and its target p/m").isEqualTo(2);
    List<Map<String, Object>> rows = (List<Map<String, Object>>) live.snapshot().get("targets");
    assertThat(rows)
        .extracting(row -> row.get("route") + " " + row.get("target"))
        .containsExactly("r p/m");
    assertThat((Map<String, Object>) live.snapshot().get("routes")).containsOnlyKeys("r");
    assertThat(live.target("r", "q/gone-model")).isEqualTo(TargetFigures.NONE);
    assertThat(live.routing().target("r", "q/gone-model")).isEqualTo(TargetFigures.NONE);
    assertThat(live.routing().route("removed-route")).isEqualTo(TargetFigures.NONE);
    assertThat(live.target("r", "p/m").requests()).isEqualTo(2);
  }

  /**
   * A reload that overtakes a routing refresh (the refresh runs on the gateway clock's timer, the
   * reload on its config source's thread) leaves no routing figures of the targets it removed once
   * both are done: the refresh had computed them from samples the reload then forgot, and would
   * have put them back until the next refresh a second later. The refresh is stopped at the removed
   * target's samples (their monitor held here) while the reload runs; the clock does not move.
   */
  @Test
  void aReloadThatOvertakesARefreshLeavesNoRoutingFiguresOfTheTargetsItRemoved() throws Exception {
    LiveStats live = new LiveStats(60_000, 60_000, 300_000, clock::currentTimeMillis);
    served(live, "r", "p", "m");
    served(live, "r", "q", "gone-model");
    Thread refresh = new Thread(live::refreshRouting, "refresh");
    Thread reload =
        new Thread(
            () ->
                live.retainOnly(
                    TestTables.table(
                        List.of(TestTables.provider("p", "http://127.0.0.1:9/v1", false)),
                        List.of(TestTables.route("r", List.of(), TestTables.target("p", "m", 0))))),
            "reload");
    synchronized (live.series("r q/gone-model")) {
      refresh.start();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> refresh.getState() == Thread.State.BLOCKED);
      reload.start();
      reload.join(10_000);
      assertThat(reload.isAlive()).as("the reload does not wait for the refresh").isFalse();
    }
    refresh.join(10_000);
    assertThat(refresh.isAlive()).isFalse();

    assertThat(live.routing().target("r", "q/gone-model")).isEqualTo(TargetFigures.NONE);
    assertThat(live.routing().target("r", "p/m").requests()).isEqualTo(1);
    // The next refresh, a second later on the gateway clock, finds nothing of it either.
    clock.advance(1_000);
    live.refreshRouting();
    assertThat(live.routing().target("r", "q/gone-model")).isEqualTo(TargetFigures.NONE);
    assertThat(live.routing().target("r", "p/m").requests()).isEqualTo(1);
  }

  /**
   * A request routed on the table in force is recorded whatever its target, as one the table does
   * not list (a retired model's successor serves in its place); the same target of a request routed
   * on the table before is not.
   */
  @Test
  void aRequestRoutedOnTheTableInForceIsRecordedWhateverItsTarget() {
    LiveStats live = new LiveStats(60_000, 60_000, 300_000, clock::currentTimeMillis);
    RoutingTable before =
        TestTables.table(
            List.of(TestTables.provider("p", "http://127.0.0.1:9/v1", false)),
            List.of(TestTables.route("r", List.of(), TestTables.target("p", "old", 0))));
    RoutingTable now =
        TestTables.table(
            List.of(TestTables.provider("p", "http://127.0.0.1:9/v1", false)),
            List.of(TestTables.route("r", List.of(), TestTables.target("p", "m", 0))));
    live.retainOnly(before);
    live.retainOnly(now);

    served(live, "r", "p", "successor", before);
    assertThat(live.target("r", "p/successor")).isEqualTo(TargetFigures.NONE);
    served(live, "r", "p", "successor", now);
    assertThat(live.target("r", "p/successor").requests()).isEqualTo(1);
  }
}
