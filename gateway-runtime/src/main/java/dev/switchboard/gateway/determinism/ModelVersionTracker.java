package dev.switchboard.gateway.determinism;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.time.GatewayClock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tracks, per target ({@code provider/model}), the model version (the upstream's {@code model}
 * field) and {@code system_fingerprint} its answers carry, and notices when they change without the
 * configuration changing — a provider swapping the model behind an unchanged id. Each change counts
 * {@code switchboard_model_version_changes_total{target}} and replaces the target's {@code
 * switchboard_model_version_change{target,from_version,to_version,from_fingerprint,to_fingerprint}}
 * gauge (value: the change's time, epoch seconds), which the operator scrapes into the route's
 * {@code ModelVersionChanged} condition. {@code switchboard_model_version{target,
 * model_version,fingerprint}} is 1 for what each target answers with now.
 *
 * <p>An answer without a version or fingerprint (an empty Azure first event, a provider that sends
 * none) says nothing about it: only a known value replacing another known value is a change. The
 * hot path is one map read and two string comparisons; only a change takes the slow path.
 *
 * <p>The version and fingerprint are the upstream's words, and each distinct value is a new series
 * in Prometheus: an upstream flapping its {@code model} string (a misbehaving or hostile one) would
 * create series without bound. So each target names at most {@link #MAX_LABEL_VALUES} distinct
 * versions, and as many fingerprints, in the labels of these series, a new one taking the place of
 * the oldest only once that one was first seen an hour ago ({@link #LABEL_HOLD_MS}); a further new
 * value is labelled {@link #OTHER} (logged once per episode, target and label at WARN, cut). Change
 * detection, {@link #current}, {@link #lastChange}, the version listener, the {@code
 * x-switchboard-model-version} header and the request log keep the real value. A target's labelled
 * values are forgotten with it when it leaves the routing table ({@link #retainOnly}).
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

  /** The most distinct model versions (and fingerprints) one target's series are labelled with. */
  public static final int MAX_LABEL_VALUES = 8;

  /**
   * The label value of a target's model versions (fingerprints) beyond the first {@link
   * #MAX_LABEL_VALUES}.
   */
  public static final String OTHER = "other";

  /** How much of a value beyond the bound the warning quotes. */
  private static final int LOGGED_CHARS = 64;

  private static final Logger LOG = LoggerFactory.getLogger(ModelVersionTracker.class);

  /**
   * How long a label value keeps its place: a new value beyond the bound takes the place of the one
   * admitted longest ago once that one was admitted this long ago.
   */
  static final long LABEL_HOLD_MS = 3_600_000L;

  /**
   * The values one kind of label (versions or fingerprints) of one target may take: at most {@link
   * #MAX_LABEL_VALUES}, with the time each was admitted. A new value is admitted while there is
   * room, or in the place of the oldest once that one is {@link #LABEL_HOLD_MS} old: an upstream
   * flapping its string adds at most {@link #MAX_LABEL_VALUES} label values per hour, and a real
   * upgrade months into a replica's life still gets its own label.
   */
  private static final class Admitted {
    final java.util.LinkedHashMap<String, Long> values = new java.util.LinkedHashMap<>();
    boolean warned;

    /** {@code value} as it may be labelled now: itself, or null when there is no room for it. */
    String admit(String value, long now) {
      if (values.containsKey(value)) {
        return value;
      }
      if (values.size() >= MAX_LABEL_VALUES) {
        Map.Entry<String, Long> oldest = values.entrySet().iterator().next();
        if (now - oldest.getValue() < LABEL_HOLD_MS) {
          return null;
        }
        values.remove(oldest.getKey());
      }
      values.put(value, now);
      warned = false; // a later flapping episode is said again
      return value;
    }
  }

  /** The label values one target's series may take. */
  private static final class LabelValues {
    final Admitted versions = new Admitted();
    final Admitted fingerprints = new Admitted();
  }

  /** The target's last-change gauge, its tags and the change it reads. */
  private record ChangeSeries(Gauge gauge, Tags tags, AtomicReference<Change> change) {}

  private final ConcurrentMap<String, Seen> seen = new ConcurrentHashMap<>();
  private final Map<String, LabelValues> labelValues = new HashMap<>();
  private final ConcurrentMap<String, Gauge> infoGauges = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, ChangeSeries> changeGauges = new ConcurrentHashMap<>();
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
    LabelValues labels = labels(target);
    Tags tags =
        Tags.of(
            "target", target,
            "from_version", versionLabel(target, labels, change.fromVersion()),
            "to_version", versionLabel(target, labels, change.toVersion()),
            "from_fingerprint", fingerprintLabel(target, labels, change.fromFingerprint()),
            "to_fingerprint", fingerprintLabel(target, labels, change.toFingerprint()));
    ChangeSeries series = changeGauges.get(target);
    if (series != null && series.tags().equals(tags)) {
      series.change().set(change); // the same series (values beyond the bound): only its time
    } else {
      if (series != null) {
        registry.remove(series.gauge());
      }
      AtomicReference<Change> last = new AtomicReference<>(change);
      changeGauges.put(
          target,
          new ChangeSeries(
              Gauge.builder(
                      "switchboard_model_version_change", () -> last.get().atMillis() / 1000.0)
                  .description(
                      "The last change of a target's model version or fingerprint (epoch seconds)")
                  .tags(tags)
                  .register(registry),
              tags,
              last));
    }
    return Optional.of(change);
  }

  private void info(String target, Seen now) {
    LabelValues labels = labels(target);
    String version = versionLabel(target, labels, now.version());
    String fingerprint = fingerprintLabel(target, labels, now.fingerprint());
    Gauge old = infoGauges.get(target);
    if (old != null
        && version.equals(old.getId().getTag("model_version"))
        && fingerprint.equals(old.getId().getTag("fingerprint"))) {
      return; // the same series (values beyond the bound)
    }
    if (old != null) {
      infoGauges.remove(target);
      registry.remove(old);
    }
    infoGauges.put(
        target,
        Gauge.builder("switchboard_model_version", () -> 1)
            .description("The model version and system fingerprint a target answers with now")
            .tag("target", target)
            .tag("model_version", version)
            .tag("fingerprint", fingerprint)
            .register(registry));
  }

  private LabelValues labels(String target) {
    return labelValues.computeIfAbsent(target, t -> new LabelValues());
  }

  /** The label of {@code version} in {@code target}'s series: itself, or {@link #OTHER}. */
  private String versionLabel(String target, LabelValues labels, String version) {
    return label(target, labels.versions, version, "model versions", "model_version");
  }

  /** The label of {@code fingerprint} in {@code target}'s series: itself, or {@link #OTHER}. */
  private String fingerprintLabel(String target, LabelValues labels, String fingerprint) {
    return label(target, labels.fingerprints, fingerprint, "system fingerprints", "fingerprint");
  }

  private String label(
      String target, Admitted admitted, String value, String what, String labelName) {
    if (value == null) {
      return "";
    }
    if (admitted.admit(value, clock.currentTimeMillis()) != null) {
      return value;
    }
    if (!admitted.warned) {
      admitted.warned = true;
      warn(target, what, labelName, value);
    }
    return OTHER;
  }

  private static void warn(String target, String what, String label, String value) {
    LOG.warn(
        "target {} answered with more than {} distinct {} within an hour (the latest begins '{}');"
            + " further new ones are labelled {}=\"{}\" in its switchboard_model_version_* series"
            + " until an hour after the oldest was first seen (the response header and request log"
            + " keep them)",
        target,
        MAX_LABEL_VALUES,
        what,
        excerpt(value),
        label,
        OTHER);
  }

  /** The start of an upstream's value, printable ASCII only, for a log line. */
  private static String excerpt(String value) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < value.length() && i < LOGGED_CHARS; i++) {
      char c = value.charAt(i);
      out.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return value.length() > LOGGED_CHARS ? out + "..." : out.toString();
  }

  /**
   * Forgets the targets no route of the newly applied {@code table} has any more (its own, rule,
   * canary or evaluation targets), with their series: a model upgraded in a route, or a provider
   * renamed, would otherwise leave its info, change and counter series on {@code /metrics} for the
   * replica's life. A target that comes back starts afresh (its first answer is no change, and it
   * may name {@link #MAX_LABEL_VALUES} versions and fingerprints again).
   */
  public synchronized void retainOnly(RoutingTable table) {
    Set<String> live = table.everyTargetId();
    for (String target : List.copyOf(seen.keySet())) {
      if (!live.contains(target)) {
        seen.remove(target);
        lastChange.remove(target);
        labelValues.remove(target);
        remove(infoGauges.remove(target));
        ChangeSeries series = changeGauges.remove(target);
        remove(series == null ? null : series.gauge());
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
