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
 * switchboard_drift_distance} (largest normalised distance to the baseline; NaN when nothing was
 * compared: a target whose own samples disagree, or one whose baseline was just taken), {@code
 * switchboard_drift_reproducible} (0 when its own samples disagreed, 1 when they did not, NaN with
 * fewer than two samples a prompt), {@code switchboard_drift_agreement} (NaN until the target
 * answered), {@code switchboard_drift_drifted} (1 or 0), and {@code
 * switchboard_drift_runs_total{namespace,policy}}. A target no longer in a policy's last run drops
 * its series; a policy deleted, or whose drift check was removed, drops all of its ({@link
 * #forget}).
 *
 * <p>NaN rather than 0 for what was not measured: a distance of 0 says "the same answers as the
 * baseline", which a target that varies on its own was never shown to give (and NaN makes every
 * comparison in an alert rule false, so it raises no drift alert either).
 */
public final class DriftMetrics {

  private record Key(String namespace, String policy, String route, String target) {}

  /** A target's last measured result, and how many samples a prompt its run asked for. */
  private record Measured(DriftResult result, int samples) {}

  private final MeterRegistry registry;
  private final Map<Key, AtomicReference<Measured>> latest = new ConcurrentHashMap<>();
  private final Map<Key, List<Gauge>> gauges = new ConcurrentHashMap<>();
  private final Map<List<String>, AtomicInteger> failedAttempts = new ConcurrentHashMap<>();

  public DriftMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /**
   * Drops every series of {@code policy} in {@code namespace}: it was deleted or its drift check
   * removed. Otherwise each policy that ever ran a check would stay on {@code /metrics} for the
   * operator's life, with a set of gauges per route and target.
   */
  public synchronized void forget(String namespace, String policy) {
    AtomicInteger failing = failedAttempts.remove(List.of(namespace, policy));
    if (failing == null && latest.keySet().stream().noneMatch(k -> k.policy().equals(policy))) {
      return; // the common case (a policy without drift check): nothing registered
    }
    for (String name : List.of("switchboard_drift_failed_attempts", "switchboard_drift_runs")) {
      registry
          .find(name)
          .tags("namespace", namespace, "policy", policy)
          .meters()
          .forEach(registry::remove);
    }
    for (Key k : List.copyOf(latest.keySet())) {
      if (k.namespace().equals(namespace) && k.policy().equals(policy)) {
        latest.remove(k);
        gauges.remove(k).forEach(registry::remove);
      }
    }
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

  /**
   * Records one finished run of {@code policy}, which asked each prompt {@code samples} times
   * (fewer than two: no target's reproducibility was measured).
   */
  public synchronized void run(
      String namespace, String policy, List<DriftResult> results, int samples) {
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
      AtomicReference<Measured> ref = latest.get(k);
      if (ref != null) {
        if (r.getPrompts() == null || r.getPrompts() > 0) {
          ref.set(new Measured(r, samples)); // an unanswered target keeps what it last measured
        }
        continue;
      }
      AtomicReference<Measured> fresh = new AtomicReference<>(new Measured(r, samples));
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
                      x -> {
                        Double distance = x.get().result().getDistance();
                        return distance == null ? Double.NaN : distance;
                      })
                  .description(
                      "Largest normalised Levenshtein distance to the baseline (NaN: not compared)")
                  .tags(tags)
                  .register(registry),
              Gauge.builder(
                      "switchboard_drift_reproducible",
                      fresh,
                      x ->
                          Boolean.FALSE.equals(x.get().result().getReproducible())
                              ? 0.0
                              : x.get().samples() < 2 ? Double.NaN : 1.0)
                  .description(
                      "0 when the target's own samples of a prompt differed beyond"
                          + " maxNormalizedDistance in the last run (not compared, not drift)")
                  .tags(tags)
                  .register(registry),
              Gauge.builder(
                      "switchboard_drift_agreement",
                      fresh,
                      x -> {
                        Double agreement = x.get().result().getAgreement();
                        // Null: nothing answered yet, or no prompt answered twice (samples: 1),
                        // so no agreement was measured.
                        return agreement == null ? Double.NaN : agreement;
                      })
                  .description("Share of prompts whose samples were all equal")
                  .tags(tags)
                  .register(registry),
              Gauge.builder(
                      "switchboard_drift_drifted",
                      fresh,
                      x -> Boolean.TRUE.equals(x.get().result().getDrifted()) ? 1.0 : 0.0)
                  .description("1 while the last drift run found drift for the target")
                  .tags(tags)
                  .register(registry)));
    }
  }
}
