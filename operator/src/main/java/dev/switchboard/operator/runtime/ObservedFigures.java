package dev.switchboard.operator.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.api.v1alpha1.ObservedTarget;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The cost-observation loop's figures for {@code ModelRoute.status.observed}: each gateway
 * replica's {@code /admin/routing-figures} (its routing window, with raw counts) merged per route,
 * and the rule that keeps status from churning.
 *
 * <p>Merging: requests, errors and cost are summed, so {@code errorRate}, {@code costPer1kRequests}
 * and {@code chosenShare} are exact over the fleet. Percentiles cannot be summed: {@code ttftP95}
 * and {@code latencyP95} are the replicas' p95s averaged by their requests (an approximation of the
 * fleet's p95 that a replica with two requests cannot swing), as is {@code tokensPerSecond}.
 *
 * <p>Churn: a route's figures are written when they changed materially ({@link #material}) and at
 * most once every {@link #MIN_INTERVAL}; the first figures are written at once.
 */
public final class ObservedFigures {

  /** The shortest time between two writes of one route's figures. */
  public static final Duration MIN_INTERVAL = Duration.ofSeconds(30);

  private ObservedFigures() {}

  /** One target's sums over the replicas. */
  private static final class Sum {
    long requests;
    long errors;
    double cost;
    double ttftWeighted;
    long served;
    long ttftWeight;
    double latencyWeighted;
    long latencyWeight;
    double tpsWeighted;
    long tpsWeight;
  }

  /**
   * Merges the replicas' documents for one route; targets sorted by name. Empty when no replica saw
   * a request on the route in its window.
   */
  public static List<ObservedTarget> merge(List<JsonNode> replicas, String route) {
    long routeRequests = 0;
    Map<String, Sum> sums = new TreeMap<>();
    for (JsonNode doc : replicas) {
      JsonNode r = doc.path("routes").path(route);
      if (r.isMissingNode()) {
        continue;
      }
      routeRequests += r.path("requests").asLong();
      var fields = r.path("targets").fields();
      while (fields.hasNext()) {
        var entry = fields.next();
        JsonNode t = entry.getValue();
        long n = t.path("requests").asLong();
        if (n <= 0) {
          continue;
        }
        Sum s = sums.computeIfAbsent(entry.getKey(), k -> new Sum());
        s.requests += n;
        // Chosen for a client: shadow canary copies are the target's requests, never chosen.
        // Gateways before the field counted only chosen requests here.
        s.served += t.has("served") ? t.path("served").asLong() : n;
        s.errors += t.path("errors").asLong();
        s.cost += t.path("cost_usd").asDouble();
        if (t.path("ttft_p95_ms").isNumber()) {
          s.ttftWeighted += t.path("ttft_p95_ms").asDouble() * n;
          s.ttftWeight += n;
        }
        if (t.path("latency_p95_ms").isNumber()) {
          s.latencyWeighted += t.path("latency_p95_ms").asDouble() * n;
          s.latencyWeight += n;
        }
        if (t.path("tokens_per_second").isNumber()) {
          s.tpsWeighted += t.path("tokens_per_second").asDouble() * n;
          s.tpsWeight += n;
        }
      }
    }
    List<ObservedTarget> out = new ArrayList<>();
    for (var entry : sums.entrySet()) {
      Sum s = entry.getValue();
      ObservedTarget o = new ObservedTarget();
      o.setTarget(entry.getKey());
      o.setRequests(s.requests);
      o.setTtftP95(s.ttftWeight == 0 ? null : millis(s.ttftWeighted / s.ttftWeight));
      o.setLatencyP95(s.latencyWeight == 0 ? null : millis(s.latencyWeighted / s.latencyWeight));
      o.setTokensPerSecond(s.tpsWeight == 0 ? null : round(s.tpsWeighted / s.tpsWeight, 10));
      o.setCostPer1kRequests(round(s.cost / s.requests * 1000, 10_000));
      o.setErrorRate(round((double) s.errors / s.requests, 10_000));
      o.setChosenShare(round((double) s.served / Math.max(routeRequests, s.served), 1_000));
      out.add(o);
    }
    return List.copyOf(out);
  }

  /**
   * What {@code status.observed} should hold now: {@code fresh} when it differs materially from
   * {@code current} and the route's last write was at least {@link #MIN_INTERVAL} ago (or there was
   * none), else {@code current} unchanged.
   *
   * @param lastWrite when this route's figures were last written; null when never (this process)
   */
  public static List<ObservedTarget> next(
      List<ObservedTarget> current, List<ObservedTarget> fresh, Instant lastWrite, Instant now) {
    List<ObservedTarget> before = current == null ? List.of() : current;
    if (!material(before, fresh)) {
      return current;
    }
    boolean due =
        before.isEmpty() || lastWrite == null || !now.isBefore(lastWrite.plus(MIN_INTERVAL));
    if (!due) {
      return current;
    }
    return fresh.isEmpty() ? null : fresh;
  }

  /**
   * True when the figures moved enough to be worth a status write: another set of targets, a chosen
   * share or error rate moved by 0.05 / 0.01, requests by 25 %, latency or token rate by 20 %, cost
   * by 10 %.
   */
  static boolean material(List<ObservedTarget> before, List<ObservedTarget> after) {
    if (before.size() != after.size()) {
      return true;
    }
    Map<String, ObservedTarget> byTarget = new HashMap<>();
    before.forEach(o -> byTarget.put(o.getTarget(), o));
    for (ObservedTarget a : after) {
      ObservedTarget b = byTarget.get(a.getTarget());
      if (b == null
          || absolute(b.getChosenShare(), a.getChosenShare(), 0.05)
          || absolute(b.getErrorRate(), a.getErrorRate(), 0.01)
          || relative(num(b.getRequests()), num(a.getRequests()), 0.25)
          || relative(ms(b.getTtftP95()), ms(a.getTtftP95()), 0.20)
          || relative(ms(b.getLatencyP95()), ms(a.getLatencyP95()), 0.20)
          || relative(b.getTokensPerSecond(), a.getTokensPerSecond(), 0.20)
          || relative(b.getCostPer1kRequests(), a.getCostPer1kRequests(), 0.10)) {
        return true;
      }
    }
    return false;
  }

  private static boolean absolute(Double b, Double a, double threshold) {
    if (b == null || a == null) {
      return !Objects.equals(b, a);
    }
    return Math.abs(a - b) >= threshold;
  }

  private static boolean relative(Double b, Double a, double threshold) {
    if (b == null || a == null) {
      return !Objects.equals(b, a);
    }
    double scale = Math.max(Math.abs(b), Math.abs(a));
    return scale > 0 && Math.abs(a - b) / scale >= threshold;
  }

  private static Double num(Long v) {
    return v == null ? null : v.doubleValue();
  }

  /** The milliseconds of a {@code 640ms} duration this class wrote; null for null. */
  static Double ms(String duration) {
    if (duration == null || !duration.endsWith("ms")) {
      return null;
    }
    return Double.parseDouble(duration.substring(0, duration.length() - 2));
  }

  private static String millis(double ms) {
    return Math.round(ms) + "ms";
  }

  private static double round(double v, double scale) {
    return Math.round(v * scale) / scale;
  }
}
