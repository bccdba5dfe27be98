package dev.switchboard.gateway.routing;

import dev.switchboard.contract.RoutingTable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * An immutable, validated routing table indexed for the request path: logical model names and
 * aliases to routes, plus the providers. A reload builds a new snapshot and swaps it in; requests
 * keep the snapshot they started with.
 */
public final class RoutingSnapshot {

  private final RoutingTable table;
  private final Instant loadedAt;
  private final Map<String, RoutingTable.Route> routesByModelName;

  private RoutingSnapshot(RoutingTable table, Instant loadedAt) {
    this.table = table;
    this.loadedAt = loadedAt;
    Map<String, RoutingTable.Route> index = new LinkedHashMap<>();
    for (RoutingTable.Route route : table.routes()) {
      index.put(route.model(), route);
      route.aliases().forEach(alias -> index.put(alias, route));
    }
    this.routesByModelName = Collections.unmodifiableMap(index);
  }

  /** Indexes a table that {@code RoutingTableValidator} has already accepted. */
  public static RoutingSnapshot of(RoutingTable table, Instant loadedAt) {
    return new RoutingSnapshot(table, loadedAt);
  }

  public RoutingTable table() {
    return table;
  }

  public String configVersion() {
    return table.configVersion();
  }

  public Instant loadedAt() {
    return loadedAt;
  }

  /** Every logical model name and alias, in table order. */
  public List<String> modelNames() {
    return List.copyOf(routesByModelName.keySet());
  }

  public Optional<RoutingTable.Provider> provider(String name) {
    return Optional.ofNullable(table.providers().get(name));
  }

  /**
   * Resolves a logical model name. The first rule whose headers all match (case-insensitive header
   * names, exact values) replaces the route's targets; otherwise the route's own targets serve. A
   * split canary contributes its own candidates, matched the same way.
   *
   * @param header looks a request header up by (any-case) name; returns null when absent
   */
  public Optional<ResolvedRoute> resolve(String model, Function<String, String> header) {
    RoutingTable.Route route = routesByModelName.get(model);
    if (route == null) {
      return Optional.empty();
    }
    RoutingTable.Policy policy =
        route.policy() == null ? null : table.policies().get(route.policy());
    String matchedBy = "route";
    List<RoutingTable.Target> stable = route.targets();
    int ruleIndex = firstMatchingRule(route.rules(), header);
    if (ruleIndex >= 0) {
      stable = route.rules().get(ruleIndex).targets();
      matchedBy = "rule:" + ruleIndex;
    }
    List<PlannedTarget> canary = List.of();
    RoutingTable.Canary c = route.canary();
    if (c != null && c.weight() > 0) {
      List<RoutingTable.Target> canaryTargets = c.targets();
      int canaryRule = firstMatchingRule(c.rules(), header);
      if (canaryRule >= 0) {
        canaryTargets = c.rules().get(canaryRule).targets();
      }
      canary = planned(canaryTargets, PlannedTarget.CANARY);
    }
    return Optional.of(
        new ResolvedRoute(route, policy, planned(stable, PlannedTarget.STABLE), canary, matchedBy));
  }

  private static int firstMatchingRule(
      List<RoutingTable.Rule> rules, Function<String, String> header) {
    for (int i = 0; i < rules.size(); i++) {
      RoutingTable.Rule rule = rules.get(i);
      boolean all =
          rule.matchHeaders().entrySet().stream()
              .allMatch(e -> e.getValue().equals(header.apply(e.getKey())));
      if (all) {
        return i;
      }
    }
    return -1;
  }

  private List<PlannedTarget> planned(List<RoutingTable.Target> targets, String arm) {
    List<PlannedTarget> out = new ArrayList<>(targets.size());
    for (RoutingTable.Target t : targets) {
      // The validator guarantees every target's provider exists in the table.
      out.add(new PlannedTarget(t, table.providers().get(t.provider()), arm));
    }
    return List.copyOf(out);
  }
}
