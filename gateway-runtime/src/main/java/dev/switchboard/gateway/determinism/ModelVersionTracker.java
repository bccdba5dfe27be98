package dev.switchboard.gateway.determinism;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.time.GatewayClock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.BiConsumer;

/**
 * Tracks, per target ({@code provider/model}), the model version (the upstream's {@code model}
 * field) and {@code system_fingerprint} its answers carry, and notices when they change without the
 * configuration changing — a provider swapping the model behind an unchanged id. Each change counts
 * {@code switchboard_model_version_changes_total{target}} and replaces the target's {@code
 * switchboard_model_version_change{target,from_version,to_version,from_fingerprint,to_fingerprint}}
 * gauge (value: the change's time, epoch seconds), which the operator scrapes into the route's
 * {@code ModelVersionChanged} condition. {@code switchboard_model_version_info{target,
 * model_version,fingerprint}} is 1 for what each target answers with now.
 *
 * <p>An answer without a version or fingerprint (an empty Azure first event, a provider that sends
 * none) says nothing about it: only a known value replacing another known value is a change. The
 * hot path is one map read and two string comparisons; only a change takes the slow path.
 */
public final class ModelVersionTracker {

  /** What one target answers with, since when. */
  public record Seen(String version, String fingerprint, long sinceMillis) {}

  /** One observed change. */
  public record Change(
      String target,
      String fromVersion,
      String toVersion,
      String fromFingerprint,
      String toFingerprint,
      long atMillis) {}

  private final ConcurrentMap<String, Seen> seen = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Gauge> infoGauges = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Gauge> changeGauges = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Change> lastChange = new ConcurrentHashMap<>();
  private final MeterRegistry registry;
  private final GatewayClock clock;
  private volatile BiConsumer<String, String> versionListener;

  public ModelVersionTracker(MeterRegistry registry, GatewayClock clock) {
    this.registry = registry;
    this.clock = clock;
  }

  /**
   * Also tells {@code listener} the model version of every answer a target gives (target id,
   * version), whatever the request: the response cache stops serving an older version's answers as
   * soon as the gateway sees the target answer with a newer one — through a bypassed request, a
   * route without cache, a drift check or a shadow copy, not only a miss on a cached route. Called
   * at start, before requests.
   */
  public void onVersion(BiConsumer<String, String> listener) {
    this.versionListener = listener;
  }

  /** Notes what a finished request's answer said about its target's model. */
  public void observe(RequestContext ctx) {
    if (ctx.target() == null || ctx.status() != 200) {
      return;
    }
    BiConsumer<String, String> listener = versionListener;
    String version = known(ctx.upstreamModel());
    if (listener != null && version != null && !ctx.servedFromCache()) {
      listener.accept(ctx.target().id(), version); // a replayed answer says nothing about now
    }
    observe(ctx.target().id(), ctx.upstreamModel(), ctx.systemFingerprint());
  }

  /** Notes one answer of {@code target}; returns the change it revealed, if any. */
  public Optional<Change> observe(String target, String version, String fingerprint) {
    String v = known(version);
    String f = known(fingerprint);
    if (v == null && f == null) {
      return Optional.empty();
    }
    Seen before = seen.get(target);
    if (before != null
        && (v == null || v.equals(before.version()))
        && (f == null || f.equals(before.fingerprint()))) {
      return Optional.empty(); // the hot path: nothing new
    }
    return slowPath(target, v, f);
  }

  private synchronized Optional<Change> slowPath(String target, String v, String f) {
    Seen before = seen.get(target);
    long now = clock.currentTimeMillis();
    if (before == null) {
      Seen first = new Seen(v, f, now);
      seen.put(target, first);
      info(target, first);
      return Optional.empty();
    }
    String version = v == null ? before.version() : v;
    String fingerprint = f == null ? before.fingerprint() : f;
    boolean versionChanged = before.version() != null && !Objects.equals(before.version(), version);
    boolean fingerprintChanged =
        before.fingerprint() != null && !Objects.equals(before.fingerprint(), fingerprint);
    Seen next =
        new Seen(
            version,
            fingerprint,
            versionChanged || fingerprintChanged ? now : before.sinceMillis());
    seen.put(target, next);
    info(target, next);
    if (!versionChanged && !fingerprintChanged) {
      return Optional.empty(); // a value learnt for the first time
    }
    Change change =
        new Change(target, before.version(), version, before.fingerprint(), fingerprint, now);
    lastChange.put(target, change);
    Counter.builder("switchboard_model_version_changes")
        .description("Changes of the model version or system fingerprint a target answers with")
        .tag("target", target)
        .register(registry)
        .increment();
    Gauge old = changeGauges.remove(target);
    if (old != null) {
      registry.remove(old);
    }
    changeGauges.put(
        target,
        Gauge.builder("switchboard_model_version_change", () -> change.atMillis() / 1000.0)
            .description(
                "The last change of a target's model version or fingerprint (epoch seconds)")
            .tag("target", target)
            .tag("from_version", nullToEmpty(change.fromVersion()))
            .tag("to_version", nullToEmpty(change.toVersion()))
            .tag("from_fingerprint", nullToEmpty(change.fromFingerprint()))
            .tag("to_fingerprint", nullToEmpty(change.toFingerprint()))
            .register(registry));
    return Optional.of(change);
  }

  private void info(String target, Seen now) {
    Gauge old = infoGauges.remove(target);
    if (old != null) {
      registry.remove(old);
    }
    infoGauges.put(
        target,
        Gauge.builder("switchboard_model_version_info", () -> 1)
            .description("The model version and system fingerprint a target answers with now")
            .tag("target", target)
            .tag("model_version", nullToEmpty(now.version()))
            .tag("fingerprint", nullToEmpty(now.fingerprint()))
            .register(registry));
  }

  /**
   * Forgets the targets no route of the newly applied {@code table} has any more (its own, rule,
   * canary or evaluation targets), with their series: a model upgraded in a route, or a provider
   * renamed, would otherwise leave its info, change and counter series on {@code /metrics} for the
   * replica's life. A target that comes back starts afresh (its first answer is no change).
   */
  public synchronized void retainOnly(RoutingTable table) {
    Set<String> live = table.everyTargetId();
    for (String target : List.copyOf(seen.keySet())) {
      if (!live.contains(target)) {
        seen.remove(target);
        lastChange.remove(target);
        remove(infoGauges.remove(target));
        remove(changeGauges.remove(target));
        remove(registry.find("switchboard_model_version_changes").tag("target", target).counter());
      }
    }
  }

  private void remove(Meter meter) {
    if (meter != null) {
      registry.remove(meter);
    }
  }

  /** What {@code target} answers with now, if it answered yet. */
  public Optional<Seen> current(String target) {
    return Optional.ofNullable(seen.get(target));
  }

  /** The last change of {@code target}, if one was seen. */
  public Optional<Change> lastChange(String target) {
    return Optional.ofNullable(lastChange.get(target));
  }

  /** A usable value, cut to 256 characters (it becomes a metric label), or null. */
  private static String known(String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    return value.length() > 256 ? value.substring(0, 256) : value;
  }

  private static String nullToEmpty(String value) {
    return value == null ? "" : value;
  }
}
