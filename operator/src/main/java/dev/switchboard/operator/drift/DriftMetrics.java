package dev.switchboard.operator.drift;

import dev.switchboard.api.v1alpha1.DriftResult;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The drift check's operator metrics, per policy, route and target: {@code
 * switchboard_drift_distance} (largest normalised distance to the baseline), {@code
 * switchboard_drift_agreement}, {@code switchboard_drift_drifted} (1 or 0), and {@code
 * switchboard_drift_runs_total{namespace,policy}}. A target no longer in a policy's last run drops
 * its series.
 */
public final class DriftMetrics {

  private record Key(String namespace, String policy, String route, String target) {}

  private final MeterRegistry registry;
  private final Map<Key, AtomicReference<DriftResult>> latest = new ConcurrentHashMap<>();
  private final Map<Key, List<Gauge>> gauges = new ConcurrentHashMap<>();
  private final Map<List<String>, AtomicInteger> failedAttempts = new ConcurrentHashMap<>();

  public DriftMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /**
   * Records that an attempt to run {@code policy}'s check reached no target, the {@code count}th in
   * a row (0: the check is not failing).
   */
  public void failedAttempts(String namespace, String policy, int count) {
    failedAttempts
        .computeIfAbsent(
            List.of(namespace, policy),
            k -> {
              AtomicInteger value = new AtomicInteger();
              Gauge.builder("switchboard_drift_failed_attempts", value, AtomicInteger::get)
                  .description(
                      "Drift check attempts in a row in which no target answered (0 after a"
                          + " completed run)")
                  .tags("namespace", namespace, "policy", policy)
                  .register(registry);
              return value;
            })
        .set(count);
  }

  /** Records one finished run of {@code policy}. */
  public synchronized void run(String namespace, String policy, List<DriftResult> results) {
    failedAttempts(namespace, policy, 0);
    Counter.builder("switchboard_drift_runs")
        .description("Drift check runs")
        .tags("namespace", namespace, "policy", policy)
        .register(registry)
        .increment();
    for (Key k : List.copyOf(latest.keySet())) {
      if (k.namespace().equals(namespace) && k.policy().equals(policy)) {
        boolean kept =
            results.stream()
                .anyMatch(r -> r.getRoute().equals(k.route()) && r.getTarget().equals(k.target()));
        if (!kept) {
          latest.remove(k);
          gauges.remove(k).forEach(registry::remove);
        }
      }
    }
    for (DriftResult r : results) {
      Key k = new Key(namespace, policy, r.getRoute(), r.getTarget());
      AtomicReference<DriftResult> ref = latest.get(k);
      if (ref != null) {
        if (r.getPrompts() == null || r.getPrompts() > 0) {
          ref.set(r); // an unanswered target keeps what it last measured
        }
        continue;
      }
      AtomicReference<DriftResult> fresh = new AtomicReference<>(r);
      latest.put(k, fresh);
      Tags tags =
          Tags.of(
              "namespace",
              namespace,
              "policy",
              policy,
              "route",
              r.getRoute(),
              "target",
              r.getTarget());
      gauges.put(
          k,
          List.of(
              Gauge.builder(
                      "switchboard_drift_distance",
                      fresh,
                      x -> x.get().getDistance() == null ? 0.0 : x.get().getDistance())
                  .description("Largest normalised Levenshtein distance to the baseline")
                  .tags(tags)
                  .register(registry),
              Gauge.builder(
                      "switchboard_drift_agreement",
                      fresh,
                      x -> x.get().getAgreement() == null ? 1.0 : x.get().getAgreement())
                  .description("Share of prompts whose samples were all equal")
                  .tags(tags)
                  .register(registry),
              Gauge.builder(
                      "switchboard_drift_drifted",
                      fresh,
                      x -> Boolean.TRUE.equals(x.get().getDrifted()) ? 1.0 : 0.0)
                  .description("1 while the last drift run found drift for the target")
                  .tags(tags)
                  .register(registry)));
    }
  }
}
