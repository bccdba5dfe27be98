package dev.switchboard.operator.modelroute;

import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.RouteRule;
import dev.switchboard.api.v1alpha1.RouteTarget;
import dev.switchboard.operator.runtime.GatewayReplicas;
import dev.switchboard.operator.status.Conditions;
import dev.switchboard.operator.status.EventRecorder;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code ModelVersionChanged} condition of a route: set to True when a gateway replica reports
 * that one of the route's targets answered with another model version or system fingerprint than
 * before, without a configuration change (a provider swapping the model behind an unchanged id),
 * with old → new and when; a Warning event accompanies each new change. The condition stays as it
 * was while no replica reports a change (a restarted gateway forgets), so a change once seen is not
 * silently dropped.
 */
final class ModelVersionChanges {

  static final String TYPE = "ModelVersionChanged";
  static final String REASON = "UpstreamModelChanged";

  private ModelVersionChanges() {}

  /** The route's conditions with {@code ModelVersionChanged} brought up to date. */
  static List<Condition> apply(
      ModelRoute route,
      List<Condition> previous,
      List<Condition> next,
      Conditions conditions,
      EventRecorder events,
      Map<String, GatewayReplicas.VersionChange> reported) {
    List<String> changes = new ArrayList<>();
    for (String target : targets(route)) {
      GatewayReplicas.VersionChange c = reported.get(target);
      if (c != null) {
        changes.add(describe(c));
      }
    }
    if (changes.isEmpty()) {
      // Keep what an earlier reconcile said: merge with no managed type carries it over.
      Condition kept = Conditions.find(previous, TYPE).orElse(null);
      if (kept == null) {
        return next;
      }
      List<Condition> withKept = new ArrayList<>(next);
      withKept.removeIf(c -> TYPE.equals(c.getType()));
      withKept.add(kept);
      return withKept;
    }
    String message = Conditions.summary(changes, "; ", "");
    Condition before = Conditions.find(previous, TYPE).orElse(null);
    if (before == null || !Objects.equals(before.getMessage(), Conditions.capped(message))) {
      events.record(route, EventRecorder.WARNING, TYPE, message);
    }
    // Merged onto the previous conditions so that lastTransitionTime only moves on a status flip.
    List<Condition> merged = new ArrayList<>(next);
    merged.removeIf(c -> TYPE.equals(c.getType()));
    if (before != null) {
      merged.add(before);
    }
    return conditions.merge(
        merged,
        Set.of(TYPE),
        List.of(new Conditions.Desired(TYPE, true, REASON, message)),
        route.getMetadata().getGeneration());
  }

  static String describe(GatewayReplicas.VersionChange c) {
    List<String> parts = new ArrayList<>();
    if (!Objects.equals(c.fromVersion(), c.toVersion())) {
      parts.add("model version " + orUnknown(c.fromVersion()) + " → " + orUnknown(c.toVersion()));
    }
    if (!Objects.equals(c.fromFingerprint(), c.toFingerprint())) {
      parts.add(
          "system_fingerprint "
              + orUnknown(c.fromFingerprint())
              + " → "
              + orUnknown(c.toFingerprint()));
    }
    if (parts.isEmpty()) {
      // Both sides labelled alike: values beyond the gateway's bound on distinct label values per
      // target, both "other". A change all the same (the gateway compares the real values).
      parts.add("model version " + orUnknown(c.fromVersion()) + " → " + orUnknown(c.toVersion()));
    }
    return c.target()
        + ": "
        + String.join(", ", parts)
        + " at "
        + Instant.ofEpochSecond(c.atEpochSeconds());
  }

  private static String orUnknown(String value) {
    return value == null || value.isEmpty() ? "(none)" : value;
  }

  private static Set<String> targets(ModelRoute route) {
    Set<String> ids = new TreeSet<>();
    if (route.getSpec() == null) {
      return ids;
    }
    add(ids, route.getSpec().getTargets());
    if (route.getSpec().getRules() != null) {
      for (RouteRule rule : route.getSpec().getRules()) {
        add(ids, rule.getTargets());
      }
    }
    return ids;
  }

  private static void add(Set<String> ids, List<RouteTarget> targets) {
    if (targets == null) {
      return;
    }
    for (RouteTarget t : targets) {
      if (t.getProviderRef() != null && t.getModel() != null) {
        ids.add(t.getProviderRef().getName() + "/" + t.getModel());
      }
    }
  }
}
