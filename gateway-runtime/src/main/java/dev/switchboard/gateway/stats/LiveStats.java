package dev.switchboard.gateway.stats;

import dev.switchboard.contract.Outcome;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.cost.CommitmentLedger;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.request.TokenUsage;
import dev.switchboard.gateway.routing.ResolvedRoute;
import dev.switchboard.gateway.routing.strategy.LiveFigures;
import dev.switchboard.gateway.routing.strategy.TargetFigures;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Live per-route and per-target figures over a sliding window, for {@code GET
 * /v1/switchboard/stats}: TTFT p50/p95, latency p95, output tokens per second, error rate, token
 * mix and cost per 1,000 requests, as typed {@link TargetFigures} and as the JSON document. Each
 * key keeps at most {@link #MAX_SAMPLES} recent samples so memory stays bounded however busy the
 * gateway is: percentiles, token rate and token mix come from them. Counts (requests, errors,
 * summed cost, and so error rate, cost per 1,000 requests and chosen share) stay exact however busy
 * the key is: while its samples cover the window they are counted, once the cap has dropped samples
 * inside the window they come from per-second counters (to the second at the window's start).
 *
 * <p>Shadow canary copies ({@link RequestContext#shadow()}) answered no client: they count in their
 * target's figures (and its committed use) but not in the route's, and not as chosen.
 *
 * <p>Routing strategies read {@link #routing()}: figures over a shorter window ({@code
 * routingWindowMillis}, so a provider that degrades or recovers is seen within it), computed by
 * {@link #refreshRouting()} on a timer of the gateway clock rather than per request, so a decision
 * costs map lookups instead of a sort. A target that had no sample in the routing window keeps its
 * last figures, marked stale, for {@code staleAfterMillis}; then it is unknown again.
 */
public final class LiveStats implements LiveFigures {

  /** Samples kept per key; enough for stable percentiles, small enough to sort per call. */
  public static final int MAX_SAMPLES = 2048;

  private record Sample(
      long atMillis,
      boolean served,
      boolean error,
      Double ttftMs,
      Double latencyMs,
      Double tokensPerSecond,
      Double cost,
      TokenUsage usage) {}

  private final long windowMillis;
  private final long routingWindowMillis;
  private final long staleAfterMillis;
  private final LongSupplier clockMillis;
  private final Map<String, Series> byRoute = new ConcurrentHashMap<>();
  private final Map<String, Series> byTarget = new ConcurrentHashMap<>();
  private volatile java.util.function.Supplier<Map<String, Object>> cache = Map::of;

  /** The prices in force now of a target ({@code route, target id}); null when it has none. */
  private volatile java.util.function.BiFunction<String, String, Map<String, Object>> pricesNow =
      (route, target) -> null;

  /** Routing figures per route, per target; replaced whole by each refresh. */
  private volatile Map<String, Map<String, TargetFigures>> routingTargets = Map.of();

  private volatile Map<String, TargetFigures> routingRoutes = Map.of();

  /**
   * The routes, targets and task classes of the table in force, as the last {@link #retainOnly} saw
   * it; null before the first (everything is recorded).
   */
  private volatile Known known;

  /** When each target's routing figures were last fresh (for stale figures' expiry). */
  private final Map<String, Long> lastFreshAt = new ConcurrentHashMap<>();

  /** This month's use per model, for prepaid commitments. */
  private final CommitmentLedger commitments;

  private final LiveFigures routingView =
      new LiveFigures() {
        @Override
        public CommitmentLedger.Cover committedCapacity(
            dev.switchboard.contract.RoutingTable.Provider provider, String model) {
          return commitments.cover(provider, model);
        }

        @Override
        public TargetFigures target(String route, String targetId) {
          Map<String, TargetFigures> targets = routingTargets.get(route);
          TargetFigures f = targets == null ? null : targets.get(targetId);
          return f == null ? TargetFigures.NONE : f;
        }

        @Override
        public TargetFigures route(String route) {
          TargetFigures f = routingRoutes.get(route);
          return f == null ? TargetFigures.NONE : f;
        }
      };

  /** Stats and routing over the same window, stale figures forgotten after five windows. */
  public LiveStats(long windowMillis, LongSupplier clockMillis) {
    this(windowMillis, windowMillis, 5 * windowMillis, clockMillis);
  }

  /**
   * @param windowMillis the stats document's window
   * @param routingWindowMillis the window of the figures routing strategies read
   * @param staleAfterMillis how long a target without samples keeps its last routing figures
   */
  public LiveStats(
      long windowMillis,
      long routingWindowMillis,
      long staleAfterMillis,
      LongSupplier clockMillis) {
    this.windowMillis = windowMillis;
    this.routingWindowMillis = routingWindowMillis;
    this.staleAfterMillis = staleAfterMillis;
    this.clockMillis = clockMillis;
    this.commitments = new CommitmentLedger(clockMillis);
  }

  /** The response cache's figures per route, served under {@code cache} in {@link #snapshot}. */
  public void cacheFigures(java.util.function.Supplier<Map<String, Object>> figures) {
    this.cache = figures;
  }

  /**
   * Where each target row of {@link #snapshot} gets its {@code price_now} (the prices after the
   * price window in force on the gateway clock), so an application can adapt to them.
   */
  public void pricesNow(java.util.function.BiFunction<String, String, Map<String, Object>> prices) {
    this.pricesNow = prices;
  }

  /** Adds a finished request. Requests that never reached a route are not counted. */
  public void record(RequestContext ctx) {
    if (ctx.route() == null) {
      return;
    }
    Double tokensPerSecond = null;
    Double generation = ctx.generationSeconds();
    if (ctx.usage() != null && generation != null && generation > 0 && ctx.stream()) {
      tokensPerSecond = ctx.usage().outputTokens() / generation;
    }
    boolean error = !Outcome.isSuccess(ctx.outcome());
    boolean served = !ctx.shadow();
    Sample sample =
        new Sample(
            clockMillis.getAsLong(),
            served,
            error,
            ctx.stream() ? ctx.ttftMs() : null,
            ctx.durationSeconds() * 1000,
            tokensPerSecond,
            ctx.costUsd(),
            ctx.usage());
    // After a retry or failover the request's times include the attempts and waits before the
    // serving one: the route keeps them (what the client saw), the target gets its own.
    Sample own =
        !ctx.retried()
            ? sample
            : new Sample(
                sample.atMillis(),
                served,
                error,
                ctx.stream() ? ctx.attemptTtftMs() : null,
                ctx.attemptDurationMs(),
                tokensPerSecond,
                ctx.costUsd(),
                ctx.usage());
    String targetId = ctx.target() == null ? null : ctx.target().id();
    RoutingTable routedOn = ctx.snapshot() == null ? null : ctx.snapshot().table();
    record(ctx.routeName(), targetId, sample, own, routedOn);
    String taskClass = ctx.route().taskClass();
    if (taskClass != null && sample.served()) {
      // The class's own figures (its token mix is what the cost strategies price it with); not
      // shown on their own, and counted once in committed use.
      String key = ResolvedRoute.classKey(ctx.routeName(), taskClass);
      add(byRoute, key, sample, routedOn);
      if (targetId != null) {
        add(byTarget, key + " " + targetId, own, routedOn);
      }
    }
  }

  /**
   * Adds one finished request by its figures (the replay benchmark feeds synthetic ones).
   *
   * @param targetId the serving target, null when none answered
   */
  public void record(
      String route,
      String targetId,
      boolean error,
      Double ttftMs,
      Double latencyMs,
      Double tokensPerSecond,
      Double costUsd,
      TokenUsage usage) {
    Sample sample =
        new Sample(
            clockMillis.getAsLong(),
            true,
            error,
            ttftMs,
            latencyMs,
            tokensPerSecond,
            costUsd,
            usage);
    record(route, targetId, sample, sample, null);
  }

  /**
   * Adds a request to its route ({@code sample}) and serving target ({@code own}).
   *
   * @param routedOn the table the request was routed on (null: unknown)
   */
  private void record(
      String route, String targetId, Sample sample, Sample own, RoutingTable routedOn) {
    if (sample.served()) {
      add(byRoute, route, sample, routedOn);
    }
    if (targetId != null) {
      add(byTarget, route + " " + targetId, own, routedOn);
      if (!own.error()) {
        // Committed use counts what was spent, whatever the table says now.
        commitments.record(targetId, own.usage(), own.cost(), own.atMillis());
      }
    }
  }

  /**
   * Adds {@code sample} under {@code key} unless the table in force no longer has that route or
   * target: a request routed before a reload that finishes after it would otherwise bring back what
   * the reload forgot, until the next one. A request routed on the table in force is recorded
   * whatever its target (a retired model's successor is no target of the table). A reload that
   * swaps the table while the sample is added is checked again after it, so the key goes whichever
   * of the two came first.
   */
  private void add(Map<String, Series> map, String key, Sample sample, RoutingTable routedOn) {
    boolean target = map == byTarget;
    Known before = known;
    if (!keeps(before, key, target, routedOn)) {
      return;
    }
    Series series = map.computeIfAbsent(key, k -> new Series(windowMillis));
    series.add(sample);
    Known after = known;
    if (after != before && !keeps(after, key, target, routedOn)) {
      map.remove(key, series);
    }
  }

  private static boolean keeps(Known k, String key, boolean target, RoutingTable routedOn) {
    return k == null || routedOn == k.table() || (target ? k.keepsTarget(key) : k.keepsRoute(key));
  }

  /** What a table has: route names, {@code route target-id} pairs, task-class keys of its rules. */
  private record Known(
      RoutingTable table,
      java.util.Set<String> routes,
      java.util.Set<String> targets,
      java.util.Set<String> classes) {

    /** A task class's figures ({@code route#rule:N}) go with their rule. */
    boolean goneClass(String key) {
      return ResolvedRoute.isClassKey(key) && !classes.contains(key.split(" ", 2)[0]);
    }

    boolean keepsRoute(String key) {
      return !goneClass(key) && routes.contains(baseOf(key));
    }

    boolean keepsTarget(String key) {
      return !goneClass(key) && targets.contains(baseOf(key));
    }
  }

  /**
   * One key's recent samples (at most {@link #MAX_SAMPLES}) and, once the cap has dropped a sample,
   * its exact counts per second of the stats window (kept only for such busy keys: ~9 KB each at a
   * 5-minute window, beside the samples' ~130 KB). Guarded by its own monitor.
   */
  private static final class Series {
    final Deque<Sample> samples = new ArrayDeque<>();
    private final int slots;
    private long[] second;
    private int[] requests;
    private int[] served;
    private int[] errors;
    private double[] cost;

    /** When the newest sample the cap dropped was taken; {@code Long.MIN_VALUE} when none. */
    long cappedAt = Long.MIN_VALUE;

    Series(long windowMillis) {
      slots = (int) Math.min(100_000, windowMillis / 1000 + 2);
    }

    synchronized void add(Sample s) {
      samples.addLast(s);
      if (second != null) {
        count(s);
      }
      while (samples.size() > MAX_SAMPLES) {
        Sample dropped = samples.removeFirst();
        if (second == null) {
          // The first drop: from now on the samples may fall short of the window.
          second = new long[slots];
          java.util.Arrays.fill(second, Long.MIN_VALUE);
          requests = new int[slots];
          served = new int[slots];
          errors = new int[slots];
          cost = new double[slots];
          count(dropped);
          samples.forEach(this::count);
        }
        cappedAt = Math.max(cappedAt, dropped.atMillis());
      }
    }

    private void count(Sample s) {
      long sec = Math.floorDiv(s.atMillis(), 1000);
      int i = (int) Math.floorMod(sec, (long) slots);
      if (second[i] != sec) {
        if (second[i] > sec) {
          return; // older than the window the slots hold
        }
        second[i] = sec;
        requests[i] = 0;
        served[i] = 0;
        errors[i] = 0;
        cost[i] = 0;
      }
      requests[i]++;
      if (s.served()) {
        served[i]++;
      }
      if (s.error()) {
        errors[i]++;
      }
      if (s.cost() != null) {
        cost[i] += s.cost();
      }
    }

    /** Exact counts over {@code window} before {@code now}. */
    synchronized Counts counts(long now, long window) {
      int n = 0;
      int chosen = 0;
      int failed = 0;
      double spent = 0;
      if (cappedAt == Long.MIN_VALUE || now - cappedAt > window) {
        // The samples cover the whole window: count them, to the millisecond.
        for (Sample s : samples) {
          if (now - s.atMillis() <= window) {
            n++;
            chosen += s.served() ? 1 : 0;
            failed += s.error() ? 1 : 0;
            spent += s.cost() == null ? 0 : s.cost();
          }
        }
      } else {
        long from = Math.floorDiv(now - window, 1000);
        long to = Math.floorDiv(now, 1000);
        for (int i = 0; i < slots; i++) {
          if (second[i] >= from && second[i] <= to) {
            n += requests[i];
            chosen += served[i];
            failed += errors[i];
            spent += cost[i];
          }
        }
      }
      return new Counts(n, chosen, failed, spent);
    }
  }

  /**
   * Forgets the routes and targets {@code table} no longer has (after a reload), so the stats and
   * the routing figures stop showing them and their samples are not kept for good, and records none
   * of them from now on (requests routed before the reload that finish after it). A target is kept
   * per route: one that moved to another route starts afresh there.
   */
  public void retainOnly(RoutingTable table) {
    java.util.Set<String> routes = new java.util.HashSet<>();
    java.util.Set<String> targets = new java.util.HashSet<>();
    java.util.Set<String> classes = new java.util.HashSet<>();
    for (RoutingTable.Route route : table.routes()) {
      routes.add(route.name());
      for (int i = 0; i < route.rules().size(); i++) {
        classes.add(ResolvedRoute.classKey(route.name(), "rule:" + i));
      }
      java.util.function.Consumer<RoutingTable.Target> keep =
          t -> targets.add(route.name() + " " + t.id());
      route.targets().forEach(keep);
      route.rules().forEach(r -> r.targets().forEach(keep));
      if (route.canary() != null) {
        route.canary().targets().forEach(keep);
        route.canary().rules().forEach(r -> r.targets().forEach(keep));
      }
    }
    // A task class's figures (route#rule:N) go with their rule, route and targets.
    Known now = new Known(table, routes, targets, classes);
    // In force before the pruning: a request finishing meanwhile records nothing that goes.
    known = now;
    byRoute.keySet().removeIf(key -> !now.keepsRoute(key));
    byTarget.keySet().removeIf(key -> !now.keepsTarget(key));
    pruneRouting(now);
  }

  /**
   * Drops from the routing figures (and their freshness) what {@code now} no longer has. Run by a
   * reload, and by a {@link #refreshRouting()} a reload overtook: that refresh may have computed
   * figures from samples the reload then forgot.
   */
  private void pruneRouting(Known now) {
    lastFreshAt.keySet().removeIf(key -> !now.keepsTarget(key));
    Map<String, Map<String, TargetFigures>> routingNow = new HashMap<>();
    routingTargets.forEach(
        (route, figures) -> {
          Map<String, TargetFigures> kept = new HashMap<>();
          if (now.goneClass(route)) {
            return;
          }
          figures.forEach(
              (target, f) -> {
                if (now.targets().contains(baseOf(route) + " " + target)) {
                  kept.put(target, f);
                }
              });
          if (!kept.isEmpty()) {
            routingNow.put(route, kept);
          }
        });
    Map<String, TargetFigures> routesNow = new HashMap<>(routingRoutes);
    routesNow.keySet().removeIf(key -> now.goneClass(key) || !now.routes().contains(baseOf(key)));
    routingTargets = routingNow;
    routingRoutes = routesNow;
  }

  /**
   * The route (and target) a key names: the key itself, or for a task class's key ({@code
   * route#rule:N}, {@code route#rule:N target}) the route's.
   */
  private static String baseOf(String key) {
    int hash = key.indexOf('#');
    if (hash < 0) {
      return key;
    }
    int space = key.indexOf(' ', hash);
    return key.substring(0, hash) + (space < 0 ? "" : key.substring(space));
  }

  /** How many routes and route targets have samples kept (for tests). */
  int tracked() {
    return byRoute.size() + byTarget.size();
  }

  @Override
  public TargetFigures target(String route, String targetId) {
    Series samples = byTarget.get(route + " " + targetId);
    return samples == null
        ? TargetFigures.NONE
        : figures(samples, clockMillis.getAsLong(), windowMillis);
  }

  /** The figures of a route over all its targets; {@link TargetFigures#NONE} without data. */
  @Override
  public TargetFigures route(String route) {
    Series samples = byRoute.get(route);
    return samples == null
        ? TargetFigures.NONE
        : figures(samples, clockMillis.getAsLong(), windowMillis);
  }

  /** This month's use per model (prepaid commitments are judged against it). */
  public CommitmentLedger commitments() {
    return commitments;
  }

  /**
   * The figures routing strategies decide on, as of the last {@link #refreshRouting()}: cheap to
   * read on every request.
   */
  public LiveFigures routing() {
    return routingView;
  }

  /** Recomputes the routing figures over the routing window (the gateway calls it every second). */
  public void refreshRouting() {
    // The table in force as the figures are computed; a reload may overtake this refresh (it runs
    // on the reload's thread), which is checked again once the figures are in place.
    Known tableBefore = known;
    long now = clockMillis.getAsLong();
    Map<String, Map<String, TargetFigures>> previous = routingTargets;
    Map<String, Map<String, TargetFigures>> targets = new HashMap<>();
    byTarget.forEach(
        (key, samples) -> {
          int space = key.indexOf(' ');
          String route = key.substring(0, space);
          String target = key.substring(space + 1);
          TargetFigures f = figures(samples, now, routingWindowMillis);
          if (f.requests() > 0) {
            lastFreshAt.put(key, now);
          } else {
            Map<String, TargetFigures> before = previous.get(route);
            TargetFigures last = before == null ? null : before.get(target);
            Long freshAt = lastFreshAt.get(key);
            if (last == null || freshAt == null || now - freshAt > staleAfterMillis) {
              lastFreshAt.remove(key);
              return;
            }
            f = last.stale() ? last : last.asStale();
          }
          targets.computeIfAbsent(route, r -> new HashMap<>()).put(target, f);
        });
    Map<String, TargetFigures> routes = new HashMap<>();
    byRoute.forEach(
        (route, samples) -> {
          TargetFigures f = figures(samples, now, routingWindowMillis);
          if (f.requests() > 0) {
            routes.put(route, f);
          }
        });
    routingTargets = targets;
    routingRoutes = routes;
    Known tableAfter = known;
    if (tableAfter != tableBefore) {
      // A reload forgot routes or targets while these figures were computed from their samples:
      // drop them now rather than show them until the next refresh.
      pruneRouting(tableAfter);
    }
  }

  /**
   * The series of samples kept under {@code key} ({@code route target-id}), or null; a test holds
   * its monitor to stop a {@link #refreshRouting()} at it.
   */
  Object series(String key) {
    return byTarget.get(key);
  }

  /** The stats document of every route, as {@code GET /admin/stats} serves it. */
  public Map<String, Object> snapshot() {
    return snapshot(route -> true);
  }

  /**
   * The stats document served at {@code /v1/switchboard/stats}, of the routes {@code visible}
   * accepts only (a consumer sees the routes it may use): their rows, their targets and their cache
   * figures.
   */
  public Map<String, Object> snapshot(java.util.function.Predicate<String> visible) {
    long now = clockMillis.getAsLong();
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("object", "switchboard.stats");
    doc.put("window_seconds", windowMillis / 1000.0);
    doc.put("routing_window_seconds", routingWindowMillis / 1000.0);
    Map<String, Object> routes = new TreeMap<>();
    Map<String, Integer> routeRequests = new HashMap<>();
    byRoute.forEach(
        (route, samples) -> {
          if (ResolvedRoute.isClassKey(route) || !visible.test(route)) {
            return;
          }
          TargetFigures f = figures(samples, now, windowMillis);
          if (f.requests() > 0) {
            routes.put(route, document(f));
            routeRequests.put(route, f.requests());
          }
        });
    List<Map<String, Object>> targets = new ArrayList<>();
    new TreeMap<>(byTarget)
        .forEach(
            (key, samples) -> {
              int space = key.indexOf(' ');
              String route = key.substring(0, space);
              if (ResolvedRoute.isClassKey(route) || !visible.test(route)) {
                return;
              }
              TargetFigures f = figures(samples, now, windowMillis);
              if (f.requests() == 0) {
                return;
              }
              String target = key.substring(space + 1);
              Map<String, Object> row = new LinkedHashMap<>();
              row.put("route", route);
              row.put("target", target);
              row.put("provider", target.substring(0, target.indexOf('/')));
              row.put("model", target.substring(target.indexOf('/') + 1));
              row.putAll(document(f));
              Map<String, Object> price = pricesNow.apply(route, target);
              if (price != null) {
                row.put("price_now", price);
              }
              Integer all = routeRequests.get(route);
              int chosen = samples.counts(now, windowMillis).served();
              row.put(
                  "chosen_share", all == null ? 0.0 : round((double) Math.min(chosen, all) / all));
              TargetFigures r = routingView.target(route, target);
              if (r != TargetFigures.NONE) {
                Map<String, Object> routing = document(r);
                routing.put("stale", r.stale());
                row.put("routing", routing);
              }
              targets.add(row);
            });
    doc.put("routes", routes);
    doc.put("targets", targets);
    Map<String, Object> cached = new TreeMap<>(cache.get());
    cached.keySet().removeIf(route -> !visible.test(route));
    doc.put("cache", cached);
    return doc;
  }

  /**
   * This replica's routing figures with the raw counts behind them, for {@code GET
   * /admin/routing-figures}: per route the requests in the routing window, per target its requests,
   * errors and summed cost (so the operator can merge replicas by request weight) beside its
   * percentiles and token rate. Targets whose figures are stale are left out: they say nothing
   * about the window.
   */
  public Map<String, Object> routingFigures() {
    long now = clockMillis.getAsLong();
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("object", "switchboard.routing_figures");
    doc.put("window_seconds", routingWindowMillis / 1000.0);
    doc.put("at_millis", now);
    Map<String, Map<String, Object>> routes = new TreeMap<>();
    byRoute.forEach(
        (route, samples) -> {
          if (ResolvedRoute.isClassKey(route)) {
            return;
          }
          Counts c = samples.counts(now, routingWindowMillis);
          if (c.requests() > 0) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("requests", c.requests());
            r.put("targets", new TreeMap<String, Object>());
            routes.put(route, r);
          }
        });
    new TreeMap<>(byTarget)
        .forEach(
            (key, samples) -> {
              int space = key.indexOf(' ');
              Map<String, Object> r = routes.get(key.substring(0, space));
              Counts c = samples.counts(now, routingWindowMillis);
              if (r == null || c.requests() == 0) {
                return;
              }
              TargetFigures f = figures(samples, now, routingWindowMillis);
              Map<String, Object> t = new LinkedHashMap<>();
              t.put("requests", c.requests());
              // Chosen for a client (not a shadow canary's copy): the chosen share's numerator.
              t.put("served", c.served());
              t.put("errors", c.errors());
              t.put("cost_usd", c.costUsd());
              t.put("ttft_p95_ms", f.ttftP95Ms());
              t.put("latency_p95_ms", f.latencyP95Ms());
              t.put("tokens_per_second", f.tokensPerSecond());
              @SuppressWarnings("unchecked")
              Map<String, Object> targets = (Map<String, Object>) r.get("targets");
              targets.put(key.substring(space + 1), t);
            });
    doc.put("routes", routes);
    return doc;
  }

  /** Exact counts over a window (the figures round; merging replicas must not). */
  private record Counts(int requests, int served, int errors, double costUsd) {}

  private static Map<String, Object> document(TargetFigures f) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("requests", f.requests());
    out.put("error_rate", f.errorRate());
    out.put("ttft_p50_ms", f.ttftP50Ms());
    out.put("ttft_p95_ms", f.ttftP95Ms());
    out.put("latency_p95_ms", f.latencyP95Ms());
    out.put("tokens_per_second", f.tokensPerSecond());
    out.put("cost_per_1k_requests_usd", f.costPer1kRequestsUsd());
    TargetFigures.TokenMix mix = f.tokenMix();
    out.put("mean_input_tokens", mix == null ? null : round(mix.inputTokens()));
    out.put("mean_cached_input_tokens", mix == null ? null : round(mix.cachedInputTokens()));
    out.put(
        "mean_cache_write_input_tokens", mix == null ? null : round(mix.cacheWriteInputTokens()));
    out.put("mean_output_tokens", mix == null ? null : round(mix.outputTokens()));
    return out;
  }

  private TargetFigures figures(Series series, long now, long window) {
    List<Sample> recent = new ArrayList<>();
    Counts counts;
    synchronized (series) {
      Deque<Sample> samples = series.samples;
      // The stats window is the longest: only samples older than it are dropped for good.
      samples.removeIf(s -> now - s.atMillis() > windowMillis);
      counts = series.counts(now, window);
      for (Sample s : samples) {
        if (now - s.atMillis() <= window) {
          recent.add(s);
        }
      }
    }
    if (recent.isEmpty()) {
      return TargetFigures.NONE;
    }
    List<Double> ttft = new ArrayList<>();
    List<Double> latency = new ArrayList<>();
    List<Double> tps = new ArrayList<>();
    long errors = 0;
    double cost = 0;
    long withUsage = 0;
    double input = 0;
    double cached = 0;
    double written = 0;
    double output = 0;
    for (Sample s : recent) {
      if (s.error()) {
        errors++;
      }
      if (s.ttftMs() != null) {
        ttft.add(s.ttftMs());
      }
      if (s.latencyMs() != null) {
        latency.add(s.latencyMs());
      }
      if (s.tokensPerSecond() != null) {
        tps.add(s.tokensPerSecond());
      }
      if (s.cost() != null) {
        cost += s.cost();
      }
      if (s.usage() != null) {
        withUsage++;
        input += s.usage().inputTokens();
        long read = Math.min(s.usage().cachedInputTokens(), s.usage().inputTokens());
        cached += read;
        written += Math.min(s.usage().cacheWriteInputTokens(), s.usage().inputTokens() - read);
        output += s.usage().outputTokens();
      }
    }
    Collections.sort(ttft);
    Collections.sort(latency);
    // Exact counts where the cap left the samples short of the window (see the class comment).
    int requests = Math.max(counts.requests(), recent.size());
    if (requests > recent.size()) {
      errors = counts.errors();
      cost = counts.costUsd();
    }
    return new TargetFigures(
        requests,
        round((double) errors / requests),
        percentile(ttft, 0.50),
        percentile(ttft, 0.95),
        tps.isEmpty()
            ? null
            : round(tps.stream().mapToDouble(Double::doubleValue).average().orElse(0)),
        round(cost / requests * 1000),
        percentile(latency, 0.95),
        withUsage == 0
            ? null
            : new TargetFigures.TokenMix(
                input / withUsage, cached / withUsage, output / withUsage, written / withUsage),
        false);
  }

  /** Nearest-rank percentile of sorted values; null when there are none. */
  static Double percentile(List<Double> sorted, double p) {
    if (sorted.isEmpty()) {
      return null;
    }
    int rank = (int) Math.ceil(p * sorted.size());
    return round(sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1))));
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }
}
