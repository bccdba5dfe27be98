package dev.switchboard.gateway.cache;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * Cache figures per route since the gateway started, for {@code /v1/switchboard/stats}: lookups by
 * outcome, hit rate, and the cost and latency the hits saved (what the original answers cost and
 * took).
 */
public final class CacheStats {

  /** The outcomes, as in {@code x-switchboard-cache}. */
  public static final String HIT = "hit";

  public static final String SEMANTIC = "semantic";
  public static final String MISS = "miss";
  public static final String BYPASS = "bypass";

  private static final class Route {
    final LongAdder hit = new LongAdder();
    final LongAdder semantic = new LongAdder();
    final LongAdder miss = new LongAdder();
    final LongAdder bypass = new LongAdder();
    final DoubleAdder savedUsd = new DoubleAdder();
    final DoubleAdder savedMs = new DoubleAdder();
  }

  private final Map<String, Route> routes = new ConcurrentHashMap<>();

  /** Counts one request's cache outcome and, for a hit, what it saved. */
  public void record(String route, String outcome, Double savedUsd, double savedMs) {
    Route r = routes.computeIfAbsent(route, k -> new Route());
    switch (outcome) {
      case HIT -> r.hit.increment();
      case SEMANTIC -> r.semantic.increment();
      case MISS -> r.miss.increment();
      default -> r.bypass.increment();
    }
    if (HIT.equals(outcome) || SEMANTIC.equals(outcome)) {
      if (savedUsd != null) {
        r.savedUsd.add(savedUsd);
      }
      r.savedMs.add(savedMs);
    }
  }

  /** Per route: lookups by outcome, hit rate over lookups (bypasses excluded), what was saved. */
  public Map<String, Object> snapshot() {
    Map<String, Object> out = new TreeMap<>();
    routes.forEach(
        (name, r) -> {
          long hits = r.hit.sum();
          long semantic = r.semantic.sum();
          long misses = r.miss.sum();
          long lookups = hits + semantic + misses;
          Map<String, Object> doc = new LinkedHashMap<>();
          doc.put("hit", hits);
          doc.put("semantic", semantic);
          doc.put("miss", misses);
          doc.put("bypass", r.bypass.sum());
          doc.put("hit_rate", lookups == 0 ? null : (hits + semantic) / (double) lookups);
          doc.put("saved_cost_usd", r.savedUsd.sum());
          doc.put("saved_latency_ms", r.savedMs.sum());
          out.put(name, doc);
        });
    return out;
  }
}
