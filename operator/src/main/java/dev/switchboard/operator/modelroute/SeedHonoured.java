package dev.switchboard.operator.modelroute;

import dev.switchboard.contract.CanaryMode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.SeedSupport;
import dev.switchboard.operator.status.Conditions;
import dev.switchboard.operator.status.EventRecorder;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The {@code DeterministicHonoured} condition of a route on a deterministic policy that sends a
 * seed: False ({@code SeedNotHonoured}, with a Warning event) naming the targets whose provider
 * does not honour {@code seed} ({@link SeedSupport}), True when all do; its targets are every
 * target that may answer (its own, its rules', a split canary's). The gateway says the same per
 * answer ({@code x-switchboard-unhonoured-params: seed}); a parameter is never dropped silently.
 * Absent on other routes.
 */
final class SeedHonoured {

  static final String TYPE = "DeterministicHonoured";

  private SeedHonoured() {}

  /**
   * The route's entry: a rendered table lists its routes sorted by name ({@code
   * RoutingTableRenderer.table}), so a binary search (every reconcile asks, and a linear search
   * made reconciling all routes quadratic).
   */
  static RoutingTable.Route entry(RoutingTable table, String routeName) {
    List<RoutingTable.Route> routes = table.routes();
    int low = 0;
    int high = routes.size() - 1;
    while (low <= high) {
      int mid = (low + high) >>> 1;
      int order = routes.get(mid).name().compareTo(routeName);
      if (order == 0) {
        return routes.get(mid);
      } else if (order < 0) {
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    return null;
  }

  /** The condition for {@code routeName} in {@code table}; null when its policy sends no seed. */
  static Conditions.Desired desired(String routeName, RoutingTable table) {
    RoutingTable.Route entry = entry(table, routeName);
    RoutingTable.Policy policy =
        entry == null || entry.policy() == null ? null : table.policies().get(entry.policy());
    RoutingTable.Deterministic d = policy == null ? null : policy.deterministic();
    if (d == null || !d.on() || (d.seed() == null && !d.seedRequired())) {
      return null;
    }
    Set<String> unhonoured = new LinkedHashSet<>();
    for (RoutingTable.Target t : answering(entry, d)) {
      RoutingTable.Provider p = table.providers().get(t.provider());
      if (p != null && !SeedSupport.honoursSeed(p.kind())) {
        unhonoured.add(t.provider() + "/" + t.model() + " (" + p.kind() + ")");
      }
    }
    return unhonoured.isEmpty()
        ? new Conditions.Desired(
            TYPE, true, "SeedHonoured", "every target's provider honours the seed")
        : new Conditions.Desired(
            TYPE,
            false,
            "SeedNotHonoured",
            "the seed is sent but not honoured by "
                + String.join(", ", unhonoured)
                + "; answers served there are not reproducible (they carry"
                + " x-switchboard-unhonoured-params: seed)");
  }

  /**
   * The targets that may answer the route's requests: its own, its rules', and a split canary's
   * unless {@code pinTarget} turns the split off (a shadow canary never answers).
   */
  private static List<RoutingTable.Target> answering(
      RoutingTable.Route entry, RoutingTable.Deterministic d) {
    List<RoutingTable.Target> targets = new ArrayList<>(entry.targets());
    entry.rules().forEach(rule -> targets.addAll(rule.targets()));
    RoutingTable.Canary canary = entry.canary();
    if (canary != null
        && !d.pinned()
        && canary.canaryMode().filter(CanaryMode.SPLIT::equals).isPresent()) {
      targets.addAll(canary.targets());
      canary.rules().forEach(rule -> targets.addAll(rule.targets()));
    }
    return targets;
  }

  static List<Condition> apply(
      HasMetadata route,
      String routeName,
      RoutingTable table,
      List<Condition> previous,
      List<Condition> next,
      Conditions conditions,
      EventRecorder events) {
    List<Condition> without = new ArrayList<>(next);
    without.removeIf(c -> TYPE.equals(c.getType()));
    Conditions.Desired desired = desired(routeName, table);
    if (desired == null) {
      return without; // no seed is sent by contract: nothing to say
    }
    Condition before = Conditions.find(previous, TYPE).orElse(null);
    if (!desired.status()
        // The stored message is capped: compared uncapped, a long one would differ every time.
        && (before == null
            || !Objects.equals(before.getMessage(), Conditions.capped(desired.message())))) {
      events.record(route, EventRecorder.WARNING, "SeedNotHonoured", desired.message());
    }
    List<Condition> base = new ArrayList<>(without);
    if (before != null) {
      base.add(before);
    }
    return conditions.merge(
        base, Set.of(TYPE), List.of(desired), route.getMetadata().getGeneration());
  }
}
