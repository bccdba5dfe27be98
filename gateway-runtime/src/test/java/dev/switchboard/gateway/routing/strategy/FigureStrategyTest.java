package dev.switchboard.gateway.routing.strategy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.Strategy;
import dev.switchboard.gateway.routing.PlannedTarget;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;

/** The cost and latency strategies on synthetic figures and an explicit instant. */
class FigureStrategyTest {

  /** No exploration draw: above any share used here. */
  private static final double NO_EXPLORE = 0.9;

  private static RoutingTable.Provider provider(String name, RoutingTable.Pricing pricing) {
    return new RoutingTable.Provider(
        name,
        "openai",
        "https://" + name + "/v1",
        false,
        null,
        Map.of(),
        null,
        null,
        null,
        null,
        Map.of("m", new RoutingTable.Model(List.of("chat"), null, pricing, null)));
  }

  private static PlannedTarget target(String provider, int priority, RoutingTable.Pricing price) {
    return new PlannedTarget(
        new RoutingTable.Target(provider, "m", 100, priority), provider(provider, price), "stable");
  }

  private static RoutingTable.Pricing price(double in, double out) {
    return new RoutingTable.Pricing(in, out, null, "USD");
  }

  private static TargetFigures latency(double ttftP95) {
    return new TargetFigures(50, 0, ttftP95 / 2, ttftP95, 40.0, 0, ttftP95 * 4, null, false);
  }

  private static RoutingTable.Policy policy(Long objectiveMs, Double share) {
    return new RoutingTable.Policy(
        "pol", null, objectiveMs, null, null, null, null, null, null, null, null, share, null);
  }

  /** Figures keyed by provider name; the route's token mix is given separately. */
  private static LiveFigures figures(
      Map<String, TargetFigures> byProvider, TargetFigures.TokenMix routeMix) {
    return new LiveFigures() {
      @Override
      public TargetFigures target(String route, String targetId) {
        return byProvider.getOrDefault(
            targetId.substring(0, targetId.indexOf('/')), TargetFigures.NONE);
      }

      @Override
      public TargetFigures route(String route) {
        return routeMix == null
            ? TargetFigures.NONE
            : new TargetFigures(100, 0, null, null, null, 0, null, routeMix, false);
      }
    };
  }

  private static DoubleSupplier replay(double... values) {
    Deque<Double> queue = new ArrayDeque<>();
    for (double v : values) {
      queue.add(v);
    }
    return () -> queue.isEmpty() ? NO_EXPLORE : queue.poll();
  }

  private static List<String> providers(RoutingStrategy.Ordering o) {
    return o.targets().stream().map(t -> t.target().provider()).toList();
  }

  @Test
  void leastLatencyPicksTheLowestTtftP95AndPriorityBreaksTies() {
    List<PlannedTarget> targets =
        List.of(target("a", 0, null), target("b", 1, null), target("c", 2, null));
    FigureStrategy s = new FigureStrategy(Strategy.LEAST_LATENCY, replay());
    LiveFigures f = figures(Map.of("a", latency(900), "b", latency(300), "c", latency(300)), null);
    RoutingStrategy.Ordering o = s.decide("r", targets, null, Instant.EPOCH, f);
    // b and c tie at 300 ms: b has the lower priority number.
    assertThat(providers(o)).containsExactly("b", "c", "a");
    assertThat(o.explanation()).startsWith("chose=b/m,ttft_p95_ms=300;next=c/m,ttft_p95_ms=300");
  }

  @Test
  void theExplanationIsBuiltAgainOnlyWhenWhatItPrintsChanges() {
    List<PlannedTarget> targets = List.of(target("a", 0, null), target("b", 1, null));
    FigureStrategy s = new FigureStrategy(Strategy.LEAST_LATENCY, replay());
    Map<String, TargetFigures> live = new java.util.HashMap<>();
    live.put("a", latency(900));
    live.put("b", latency(300));
    LiveFigures f = figures(live, null);
    String first = s.decide("r", targets, null, Instant.EPOCH, f).explanation();
    assertThat(first).isEqualTo("chose=b/m,ttft_p95_ms=300;next=a/m,ttft_p95_ms=900");
    // The same figures, and figures that print the same (rounded to the millisecond): the same
    // text, not built again.
    assertThat(s.decide("r", targets, null, Instant.EPOCH, f).explanation()).isSameAs(first);
    live.put("b", latency(300.4));
    assertThat(s.decide("r", targets, null, Instant.EPOCH, f).explanation()).isSameAs(first);
    // A figure that prints otherwise, the order turned, a target without figures: new text.
    live.put("b", latency(301));
    assertThat(s.decide("r", targets, null, Instant.EPOCH, f).explanation())
        .isEqualTo("chose=b/m,ttft_p95_ms=301;next=a/m,ttft_p95_ms=900");
    live.put("b", latency(1000));
    assertThat(s.decide("r", targets, null, Instant.EPOCH, f).explanation())
        .isEqualTo("chose=a/m,ttft_p95_ms=900;next=b/m,ttft_p95_ms=1000");
    live.remove("b");
    assertThat(s.decide("r", targets, null, Instant.EPOCH, f).explanation())
        .isEqualTo("chose=a/m,ttft_p95_ms=900;next=b/m,ttft_p95_ms=none");
    // Two routes whose names share a slot ("Aa" and "BB" hash alike) never get each other's text.
    assertThat("Aa".hashCode()).isEqualTo("BB".hashCode());
    LiveFigures byRoute =
        new LiveFigures() {
          @Override
          public TargetFigures target(String route, String targetId) {
            boolean aFast = route.equals("Aa");
            return latency(targetId.startsWith("a") == aFast ? 100 : 700);
          }

          @Override
          public TargetFigures route(String route) {
            return TargetFigures.NONE;
          }
        };
    for (int i = 0; i < 2; i++) {
      assertThat(s.decide("Aa", targets, null, Instant.EPOCH, byRoute).explanation())
          .isEqualTo("chose=a/m,ttft_p95_ms=100;next=b/m,ttft_p95_ms=700");
      assertThat(s.decide("BB", targets, null, Instant.EPOCH, byRoute).explanation())
          .isEqualTo("chose=b/m,ttft_p95_ms=100;next=a/m,ttft_p95_ms=700");
    }
  }

  @Test
  void leastLatencyFallsBackToTheWholeRequestsP95ForTargetsThatServedNoStream() {
    List<PlannedTarget> targets = List.of(target("a", 0, null), target("b", 1, null));
    TargetFigures jsonOnly = new TargetFigures(50, 0, null, null, null, 0, 200.0, null, false);
    LiveFigures f = figures(Map.of("a", latency(900), "b", jsonOnly), null);
    RoutingStrategy.Ordering o =
        new FigureStrategy(Strategy.LEAST_LATENCY, replay())
            .decide("r", targets, null, Instant.EPOCH, f);
    assertThat(providers(o)).containsExactly("b", "a");
  }

  @Test
  void leastCostPricesTheObservedCacheWritesAtTheCacheWritePrice() {
    // a: cheaper input, but writes to its prompt cache cost five times its input price.
    PlannedTarget a =
        target("a", 0, new RoutingTable.Pricing(2.0, 2.0, null, "USD", null, null, 10.0));
    PlannedTarget b = target("b", 1, price(3.0, 2.0));
    // Per request 10,000 input of which 8,000 written to the cache, 100 output:
    // a = 2,000 x 2 + 8,000 x 10 + 100 x 2 = 84,200; b = 10,000 x 3 + 100 x 2 = 30,200 per million.
    LiveFigures priming = figures(Map.of(), new TargetFigures.TokenMix(10_000, 0, 100, 8_000));
    RoutingStrategy.Ordering o =
        new FigureStrategy(Strategy.LEAST_COST, replay())
            .decide("r", List.of(a, b), null, Instant.EPOCH, priming);
    assertThat(providers(o)).containsExactly("b", "a");
  }

  @Test
  void leastCostUsesTheObservedTokenMixAndTheCachedInputPrice() {
    // a: cheap input, dear output; b: the other way round. Which is cheaper depends on the mix.
    PlannedTarget a = target("a", 0, price(1.0, 10.0));
    PlannedTarget b = target("b", 1, price(5.0, 2.0));
    List<PlannedTarget> targets = List.of(a, b);
    FigureStrategy s = new FigureStrategy(Strategy.LEAST_COST, replay());
    LiveFigures outputHeavy = figures(Map.of(), new TargetFigures.TokenMix(100, 0, 2000));
    LiveFigures inputHeavy = figures(Map.of(), new TargetFigures.TokenMix(10_000, 0, 100));
    assertThat(providers(s.decide("r", targets, null, Instant.EPOCH, outputHeavy)))
        .containsExactly("b", "a");
    assertThat(providers(s.decide("r", targets, null, Instant.EPOCH, inputHeavy)))
        .containsExactly("a", "b");
    // With most input read from b's cache at a tenth of the price, b wins the input-heavy mix.
    PlannedTarget cachedB = target("b", 1, new RoutingTable.Pricing(5.0, 2.0, 0.5, "USD"));
    TargetFigures bWithCache =
        new TargetFigures(
            50,
            0,
            null,
            null,
            null,
            0,
            null,
            new TargetFigures.TokenMix(10_000, 9_500, 100),
            false);
    LiveFigures cached =
        figures(Map.of("b", bWithCache), new TargetFigures.TokenMix(10_000, 0, 100));
    assertThat(providers(s.decide("r", List.of(a, cachedB), null, Instant.EPOCH, cached)))
        .containsExactly("b", "a");
  }

  @Test
  void leastCostFlipsAtAPriceWindowBoundaryAcrossMidnight() {
    // DeepSeek-style: half price from 16:30 to 00:30 UTC every day.
    RoutingTable.Pricing deepseek =
        new RoutingTable.Pricing(
            0.56,
            1.68,
            null,
            "USD",
            List.of(
                new RoutingTable.PriceWindow(
                    "off-peak", null, "16:30", "00:30", "UTC", 0.28, 0.84, null)));
    PlannedTarget cheapAtNight = target("deepseek", 1, deepseek);
    PlannedTarget steady = target("other", 0, price(0.40, 1.20));
    List<PlannedTarget> targets = List.of(steady, cheapAtNight);
    FigureStrategy s = new FigureStrategy(Strategy.LEAST_COST, replay());
    LiveFigures f = figures(Map.of(), null);
    assertThat(providers(s.decide("r", targets, null, Instant.parse("2030-01-07T16:29:59Z"), f)))
        .containsExactly("other", "deepseek");
    RoutingStrategy.Ordering night =
        s.decide("r", targets, null, Instant.parse("2030-01-07T16:30:00Z"), f);
    assertThat(providers(night)).containsExactly("deepseek", "other");
    assertThat(night.explanation()).contains("price_window=off-peak");
    assertThat(providers(s.decide("r", targets, null, Instant.parse("2030-01-08T00:29:00Z"), f)))
        .containsExactly("deepseek", "other");
    assertThat(providers(s.decide("r", targets, null, Instant.parse("2030-01-08T00:30:00Z"), f)))
        .containsExactly("other", "deepseek");
  }

  @Test
  void costLatencyTakesTheCheapestTargetMeetingTheObjectiveElseTheFastest() {
    PlannedTarget cheapSlow = target("cheap", 2, price(0.1, 0.1));
    PlannedTarget mid = target("mid", 1, price(1.0, 1.0));
    PlannedTarget dear = target("dear", 0, price(10.0, 10.0));
    List<PlannedTarget> targets = List.of(dear, mid, cheapSlow);
    FigureStrategy s = new FigureStrategy(Strategy.COST_LATENCY, replay());
    LiveFigures f =
        figures(Map.of("cheap", latency(2500), "mid", latency(1200), "dear", latency(400)), null);
    RoutingStrategy.Ordering o = s.decide("r", targets, policy(1500L, null), Instant.EPOCH, f);
    // mid and dear meet 1.5 s: mid is cheaper; cheap misses it and goes last.
    assertThat(providers(o)).containsExactly("mid", "dear", "cheap");
    assertThat(o.explanation()).contains("objective_ttft_p95_ms=1500;meets=true");
    // Nobody meets 300 ms: the fastest first.
    assertThat(providers(s.decide("r", targets, policy(300L, null), Instant.EPOCH, f)))
        .containsExactly("dear", "mid", "cheap");
    // Without an objective it is least-cost.
    assertThat(providers(s.decide("r", targets, policy(null, null), Instant.EPOCH, f)))
        .containsExactly("cheap", "mid", "dear");
  }

  @Test
  void targetsWithoutFiguresGoBehindAndAreExploredAtTheShare() {
    PlannedTarget known = target("known", 1, null);
    PlannedTarget fresh = target("fresh", 0, null);
    List<PlannedTarget> targets = List.of(fresh, known);
    LiveFigures f = figures(Map.of("known", latency(800)), null);
    // Not drawn for exploration: the target with figures first, though its priority is lower.
    assertThat(
            providers(
                new FigureStrategy(Strategy.LEAST_LATENCY, replay(0.05))
                    .decide("r", targets, policy(null, 0.05), Instant.EPOCH, f)))
        .containsExactly("known", "fresh");
    // Drawn (0.04 < 0.05): the target without figures goes first.
    RoutingStrategy.Ordering explored =
        new FigureStrategy(Strategy.LEAST_LATENCY, replay(0.04, 0.0))
            .decide("r", targets, policy(null, 0.05), Instant.EPOCH, f);
    assertThat(providers(explored)).containsExactly("fresh", "known");
    assertThat(explored.explanation()).contains("explore=true");
    // A share of 0 never explores; the default share is 2 %.
    assertThat(
            providers(
                new FigureStrategy(Strategy.LEAST_LATENCY, replay(0.0))
                    .decide("r", targets, policy(null, 0.0), Instant.EPOCH, f)))
        .containsExactly("known", "fresh");
    assertThat(
            providers(
                new FigureStrategy(Strategy.LEAST_LATENCY, replay(0.019, 0.0))
                    .decide("r", targets, null, Instant.EPOCH, f)))
        .containsExactly("fresh", "known");
  }

  @Test
  void explorationPrefersTargetsWithStaleFigures() {
    PlannedTarget a = target("a", 0, null);
    PlannedTarget b = target("b", 1, null);
    PlannedTarget c = target("c", 2, null);
    Map<String, TargetFigures> byProvider = new HashMap<>();
    byProvider.put("a", latency(100));
    byProvider.put("b", latency(200));
    byProvider.put("c", latency(3000).asStale());
    // The second draw (0.0) would pick b among all others; c is the only stale one.
    RoutingStrategy.Ordering o =
        new FigureStrategy(Strategy.LEAST_LATENCY, replay(0.0, 0.0))
            .decide("r", List.of(a, b, c), null, Instant.EPOCH, figures(byProvider, null));
    assertThat(providers(o)).containsExactly("c", "a", "b");
    assertThat(o.explanation()).contains("stale=true");
  }

  @Test
  void withoutAnyFiguresTheOrderIsPriorityAndTheReasonSaysSo() {
    List<PlannedTarget> targets = List.of(target("b", 1, null), target("a", 0, null));
    RoutingStrategy.Ordering o =
        new FigureStrategy(Strategy.COST_LATENCY, replay())
            .decide("r", targets, policy(1000L, null), Instant.EPOCH, LiveFigures.NONE);
    assertThat(providers(o)).containsExactly("a", "b");
    assertThat(o.explanation()).contains("no-figures=priority");
  }

  @Test
  void committedCapacityIsFreeUntilTheMonthsUseReachesItThenListPriceRules() {
    long now = Instant.parse("2030-01-07T12:00:00Z").toEpochMilli();
    long[] clock = {now};
    dev.switchboard.gateway.stats.LiveStats stats =
        new dev.switchboard.gateway.stats.LiveStats(60_000, () -> clock[0]);
    RoutingTable.Pricing committed =
        new RoutingTable.Pricing(
            3.0, 15.0, null, "USD", null, new RoutingTable.Commitment(1_000L, null));
    List<PlannedTarget> targets =
        List.of(target("cheap", 0, price(0.1, 0.4)), target("premium", 1, committed));
    FigureStrategy s = new FigureStrategy(Strategy.LEAST_COST, replay());

    RoutingStrategy.Ordering before =
        s.decide("r", targets, policy(null, 0.0), Instant.ofEpochMilli(now), stats.routing());
    assertThat(providers(before)).containsExactly("premium", "cheap");
    assertThat(before.explanation()).contains("committed");

    // 1,000 tokens served by premium this month: the commitment is spent.
    dev.switchboard.gateway.request.TokenUsage usage =
        new dev.switchboard.gateway.request.TokenUsage(600, 400, 0);
    stats.record("r", "premium/m", false, 100.0, 200.0, null, 0.0078, usage);
    RoutingStrategy.Ordering after =
        s.decide("r", targets, policy(null, 0.0), Instant.ofEpochMilli(now), stats.routing());
    assertThat(providers(after)).containsExactly("cheap", "premium");
    RoutingTable table =
        new RoutingTable(
            1, null, "ns", Map.of("premium", targets.get(1).provider()), Map.of(), List.of());
    Map<String, Object> status = stats.commitments().status(table).get(0);
    assertThat(status)
        .containsEntry("target", "premium/m")
        .containsEntry("scope", "model")
        .containsEntry("used", 1000.0)
        .containsEntry("exhausted", true)
        .containsEntry("month", "2030-01");
    // 1,000 tokens by noon of the 7th of a 31-day month: about 4,769 by its end.
    assertThat((double) status.get("projectedMonthEnd"))
        .isCloseTo(1000 * 31 / 6.5, org.assertj.core.data.Offset.offset(1.0));

    // A new month: the commitment is free capacity again.
    clock[0] = Instant.parse("2030-02-01T00:10:00Z").toEpochMilli();
    assertThat(
            providers(
                s.decide(
                    "r",
                    targets,
                    policy(null, 0.0),
                    Instant.ofEpochMilli(clock[0]),
                    stats.routing())))
        .containsExactly("premium", "cheap");
  }

  @Test
  void theModelsOwnCommitmentIsDrawnOnFirstThenTheEndpointsThenListPrice() {
    long[] clock = {Instant.parse("2030-01-10T00:00:00Z").toEpochMilli()};
    dev.switchboard.gateway.stats.LiveStats stats =
        new dev.switchboard.gateway.stats.LiveStats(60_000, () -> clock[0]);
    // premium/m has its own $1 of prepaid use; the whole premium account has $2 more.
    RoutingTable.Provider account =
        withCommitment(
            provider(
                "premium",
                new RoutingTable.Pricing(
                    3.0, 15.0, null, "USD", null, new RoutingTable.Commitment(null, 1.0))),
            new RoutingTable.Commitment(null, 2.0));
    List<PlannedTarget> targets =
        List.of(
            target("cheap", 0, price(0.1, 0.4)),
            new PlannedTarget(new RoutingTable.Target("premium", "m", 100, 1), account, "stable"));
    FigureStrategy s = new FigureStrategy(Strategy.LEAST_COST, replay());
    java.util.function.Supplier<RoutingStrategy.Ordering> decide =
        () ->
            s.decide(
                "r", targets, policy(null, 0.0), Instant.ofEpochMilli(clock[0]), stats.routing());
    dev.switchboard.gateway.request.TokenUsage usage =
        new dev.switchboard.gateway.request.TokenUsage(100, 100, 0);

    assertThat(providers(decide.get())).containsExactly("premium", "cheap");
    assertThat(decide.get().explanation()).contains("price_window=committed;");
    // $1.50 served: the model's $1 is spent, $0.50 of the account's $2 is drawn.
    stats.record("r", "premium/m", false, 100.0, 200.0, null, 1.5, usage);
    assertThat(providers(decide.get())).containsExactly("premium", "cheap");
    assertThat(decide.get().explanation()).contains("price_window=committed-endpoint");
    assertThat(stats.commitments().endpointUsedUsd(account, clock[0])).isEqualTo(0.5);
    // $1.50 more: the account's $2 is spent too; list price decides again.
    stats.record("r", "premium/m", false, 100.0, 200.0, null, 1.5, usage);
    assertThat(providers(decide.get())).containsExactly("cheap", "premium");
    RoutingTable table =
        new RoutingTable(1, null, "ns", Map.of("premium", account), Map.of(), List.of());
    List<Map<String, Object>> status = stats.commitments().status(table);
    assertThat(status).extracting(r -> r.get("scope")).containsExactly("endpoint", "model");
    assertThat(status.get(0))
        .containsEntry("provider", "premium")
        .containsEntry("unit", "spend")
        .containsEntry("used", 2.0)
        .containsEntry("exhausted", true)
        .doesNotContainKey("model");
    assertThat(status.get(1)).containsEntry("used", 3.0).containsEntry("model", "m");
  }

  private static RoutingTable.Provider withCommitment(
      RoutingTable.Provider p, RoutingTable.Commitment commitment) {
    return new RoutingTable.Provider(
        p.name(),
        p.kind(),
        p.baseUrl(),
        p.hasKey(),
        p.apiVersion(),
        p.headers(),
        p.timeouts(),
        p.maxConcurrency(),
        p.maxResponseBytes(),
        p.quota(),
        p.healthCheck(),
        p.models(),
        p.concurrencyScope(),
        commitment);
  }

  @Test
  @SuppressWarnings("unchecked")
  void aTaskClassIsPricedOnItsOwnTokenMixNotTheRoutes() {
    // Cheap input and dear output (b) against the reverse (a). Chats are 500 in / 500 out, the
    // summaries a rule classes (rule:0) 10,000 in / 200 out: 10 % of the route's requests.
    PlannedTarget a = target("a", 0, price(5, 1));
    PlannedTarget b = target("b", 1, price(1, 15));
    dev.switchboard.gateway.time.ManualClock clock = new dev.switchboard.gateway.time.ManualClock();
    dev.switchboard.gateway.stats.LiveStats stats =
        new dev.switchboard.gateway.stats.LiveStats(
            300_000, 60_000, 600_000, clock::currentTimeMillis);
    RoutingTable.Route route =
        new RoutingTable.Route("r", "r", List.of(), null, 1, List.of(), List.of(), null);
    for (int i = 0; i < 100; i++) {
      boolean summary = i % 10 == 0;
      for (PlannedTarget t : List.of(a, b)) {
        dev.switchboard.gateway.request.RequestContext ctx =
            new dev.switchboard.gateway.request.RequestContext(
                "id" + i, dev.switchboard.gateway.upstream.Operation.CHAT_COMPLETIONS, clock);
        ctx.route(
            new dev.switchboard.gateway.routing.ResolvedRoute(
                route, null, List.of(a, b), List.of(), summary ? "rule:0" : "route"));
        ctx.target(t);
        ctx.usage(
            summary
                ? new dev.switchboard.gateway.request.TokenUsage(10_000, 200, 0)
                : new dev.switchboard.gateway.request.TokenUsage(500, 500, 0));
        ctx.finish(200, "success", null);
        stats.record(ctx);
      }
      clock.advance(100);
    }
    stats.refreshRouting();
    FigureStrategy leastCost = new FigureStrategy(Strategy.LEAST_COST, () -> NO_EXPLORE);
    Instant now = Instant.parse("2026-12-04T12:00:00Z");

    // On the route's mix (1,450 in / 470 out) a costs $7.72 per 1,000 requests, b $8.50: chats go
    // to a. A summary on a costs $50.20 per 1,000, on b $13.00: it goes to b.
    assertThat(leastCost.decide("r", null, List.of(a, b), null, now, stats.routing()).targets())
        .containsExactly(a, b);
    assertThat(leastCost.decide("r", "rule:0", List.of(a, b), null, now, stats.routing()).targets())
        .containsExactly(b, a);
    // A class without figures yet is priced like the route.
    assertThat(leastCost.decide("r", "rule:1", List.of(a, b), null, now, stats.routing()).targets())
        .containsExactly(a, b);
    // A reload keeps a class's figures while its rule is there, and forgets them with the rule.
    RoutingTable.Route withRule =
        new RoutingTable.Route(
            "r",
            "r",
            List.of(),
            null,
            1,
            List.of(a.target(), b.target()),
            List.of(
                new RoutingTable.Rule(Map.of(), List.of(), Map.of("task", "summary"), null, null)),
            null);
    stats.retainOnly(
        dev.switchboard.gateway.TestTables.table(
            List.of(a.provider(), b.provider()), List.of(withRule)));
    stats.refreshRouting();
    assertThat(leastCost.decide("r", "rule:0", List.of(a, b), null, now, stats.routing()).targets())
        .containsExactly(b, a);
    // The class's figures stay internal: the stats document shows the route and its targets only.
    Map<String, Object> doc = stats.snapshot();
    assertThat(((Map<String, Object>) doc.get("routes")).keySet()).containsExactly("r");
    assertThat((List<Map<String, Object>>) doc.get("targets"))
        .extracting(row -> row.get("route"), row -> row.get("requests"))
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("r", 100),
            org.assertj.core.groups.Tuple.tuple("r", 100));
    stats.retainOnly(
        dev.switchboard.gateway.TestTables.table(
            List.of(a.provider(), b.provider()),
            List.of(
                new RoutingTable.Route(
                    "r",
                    "r",
                    List.of(),
                    null,
                    2,
                    List.of(a.target(), b.target()),
                    List.of(),
                    null))));
    stats.refreshRouting();
    assertThat(leastCost.decide("r", "rule:0", List.of(a, b), null, now, stats.routing()).targets())
        .containsExactly(a, b);
  }
}
