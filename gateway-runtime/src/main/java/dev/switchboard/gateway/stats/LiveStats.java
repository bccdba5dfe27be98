package dev.switchboard.gateway.stats;

import dev.switchboard.contract.Outcome;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.routing.strategy.LiveFigures;
import dev.switchboard.gateway.routing.strategy.TargetFigures;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Live per-route and per-target figures over a sliding window, for {@code GET
 * /v1/switchboard/stats}: TTFT p50/p95, output tokens per second, error rate and cost per 1,000
 * requests, as typed {@link TargetFigures} for routing strategies and as the JSON document. Each
 * key keeps at most {@link #MAX_SAMPLES} recent samples so memory stays bounded however busy the
 * gateway is.
 */
public final class LiveStats implements LiveFigures {

  /** Samples kept per key; enough for stable percentiles, small enough to sort per call. */
  public static final int MAX_SAMPLES = 2048;

  private record Sample(
      long atMillis, boolean error, Double ttftMs, Double tokensPerSecond, Double cost) {}

  private final long windowMillis;
  private final LongSupplier clockMillis;
  private final Map<String, Deque<Sample>> byRoute = new ConcurrentHashMap<>();
  private final Map<String, Deque<Sample>> byTarget = new ConcurrentHashMap<>();
  private volatile java.util.function.Supplier<Map<String, Object>> cache = Map::of;

  public LiveStats(long windowMillis, LongSupplier clockMillis) {
    this.windowMillis = windowMillis;
    this.clockMillis = clockMillis;
  }

  /** The response cache's figures per route, served under {@code cache} in {@link #snapshot}. */
  public void cacheFigures(java.util.function.Supplier<Map<String, Object>> figures) {
    this.cache = figures;
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
    Sample sample =
        new Sample(
            clockMillis.getAsLong(),
            !Outcome.isSuccess(ctx.outcome()),
            ctx.stream() ? ctx.ttftMs() : null,
            tokensPerSecond,
            ctx.costUsd());
    add(byRoute, ctx.routeName(), sample);
    if (ctx.target() != null) {
      add(byTarget, ctx.routeName() + " " + ctx.target().id(), sample);
    }
  }

  private void add(Map<String, Deque<Sample>> map, String key, Sample sample) {
    Deque<Sample> samples = map.computeIfAbsent(key, k -> new ArrayDeque<>());
    synchronized (samples) {
      samples.addLast(sample);
      while (samples.size() > MAX_SAMPLES) {
        samples.removeFirst();
      }
    }
  }

  @Override
  public TargetFigures target(String route, String targetId) {
    Deque<Sample> samples = byTarget.get(route + " " + targetId);
    return samples == null ? TargetFigures.NONE : figures(samples, clockMillis.getAsLong());
  }

  /** The figures of a route over all its targets; {@link TargetFigures#NONE} without data. */
  public TargetFigures route(String route) {
    Deque<Sample> samples = byRoute.get(route);
    return samples == null ? TargetFigures.NONE : figures(samples, clockMillis.getAsLong());
  }

  /** The stats document served at {@code /v1/switchboard/stats}. */
  public Map<String, Object> snapshot() {
    long now = clockMillis.getAsLong();
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("object", "switchboard.stats");
    doc.put("window_seconds", windowMillis / 1000.0);
    Map<String, Object> routes = new TreeMap<>();
    byRoute.forEach(
        (route, samples) -> {
          TargetFigures f = figures(samples, now);
          if (f.requests() > 0) {
            routes.put(route, document(f));
          }
        });
    List<Map<String, Object>> targets = new ArrayList<>();
    new TreeMap<>(byTarget)
        .forEach(
            (key, samples) -> {
              TargetFigures f = figures(samples, now);
              if (f.requests() == 0) {
                return;
              }
              int space = key.indexOf(' ');
              String target = key.substring(space + 1);
              Map<String, Object> row = new LinkedHashMap<>();
              row.put("route", key.substring(0, space));
              row.put("target", target);
              row.put("provider", target.substring(0, target.indexOf('/')));
              row.put("model", target.substring(target.indexOf('/') + 1));
              row.putAll(document(f));
              targets.add(row);
            });
    doc.put("routes", routes);
    doc.put("targets", targets);
    doc.put("cache", cache.get());
    return doc;
  }

  private static Map<String, Object> document(TargetFigures f) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("requests", f.requests());
    out.put("error_rate", f.errorRate());
    out.put("ttft_p50_ms", f.ttftP50Ms());
    out.put("ttft_p95_ms", f.ttftP95Ms());
    out.put("tokens_per_second", f.tokensPerSecond());
    out.put("cost_per_1k_requests_usd", f.costPer1kRequestsUsd());
    return out;
  }

  private TargetFigures figures(Deque<Sample> samples, long now) {
    List<Sample> recent = new ArrayList<>();
    synchronized (samples) {
      samples.removeIf(s -> now - s.atMillis() > windowMillis);
      recent.addAll(samples);
    }
    if (recent.isEmpty()) {
      return TargetFigures.NONE;
    }
    List<Double> ttft = new ArrayList<>();
    List<Double> tps = new ArrayList<>();
    long errors = 0;
    double cost = 0;
    for (Sample s : recent) {
      if (s.error()) {
        errors++;
      }
      if (s.ttftMs() != null) {
        ttft.add(s.ttftMs());
      }
      if (s.tokensPerSecond() != null) {
        tps.add(s.tokensPerSecond());
      }
      if (s.cost() != null) {
        cost += s.cost();
      }
    }
    Collections.sort(ttft);
    return new TargetFigures(
        recent.size(),
        round((double) errors / recent.size()),
        percentile(ttft, 0.50),
        percentile(ttft, 0.95),
        tps.isEmpty()
            ? null
            : round(tps.stream().mapToDouble(Double::doubleValue).average().orElse(0)),
        round(cost / recent.size() * 1000));
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
