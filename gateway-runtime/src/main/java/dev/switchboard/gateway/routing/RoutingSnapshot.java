package dev.switchboard.gateway.routing;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.Strategy;
import io.netty.util.AsciiString;
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

  /**
   * {@link #configVersion} as a header value, encoded once: every answer carries it ({@code
   * x-switchboard-config-version}), and a String value is re-encoded, char by char, per answer.
   */
  private final CharSequence configVersionHeader;

  private RoutingSnapshot(RoutingTable table, Instant loadedAt) {
    this.table = table;
    this.loadedAt = loadedAt;
    this.configVersionHeader =
        table.configVersion() == null ? null : new AsciiString(table.configVersion());
    Map<String, RoutingTable.Route> index = new LinkedHashMap<>();
    for (RoutingTable.Route route : table.routes()) {
      index.put(route.model(), route);
      route.aliases().forEach(alias -> index.put(alias, route));
    }
    this.routesByModelName = Collections.unmodifiableMap(index);
    this.plannedStable = plannedSlots(table.routes().size());
    this.plannedCanary = plannedSlots(table.routes().size());
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

  /**
   * {@link #configVersion} as an ASCII header value (the operator's {@code sha256:} digest), null
   * without one; written as the String was (a character beyond ASCII as {@code ?}).
   */
  public CharSequence configVersionHeader() {
    return configVersionHeader;
  }

  public Instant loadedAt() {
    return loadedAt;
  }

  /** Every logical model name and alias, in table order. */
  public List<String> modelNames() {
    return List.copyOf(routesByModelName.keySet());
  }

  /** The route a logical model name or alias names. */
  public Optional<RoutingTable.Route> route(String modelName) {
    return Optional.ofNullable(routesByModelName.get(modelName));
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
    return resolve(model, header, key -> null);
  }

  /** The header a client sends to ask for the fastest target now ({@code low}). */
  public static final String PRIORITY_HEADER = "x-switchboard-priority";

  /**
   * Resolves a logical model name. The first rule whose headers (case-insensitive names, exact
   * values) and {@code metadata} body entries all match applies: its targets replace the route's (a
   * rule without targets keeps them) and its strategy, if any, is the request's. A client's {@code
   * x-switchboard-priority: low} asks for {@code least-latency} over both. A split canary
   * contributes its own candidates, matched the same way.
   *
   * @param header looks a request header up by (any-case) name; returns null when absent
   * @param metadata looks an entry of the request body's {@code metadata} object up; null when
   *     absent or not a string
   */
  public Optional<ResolvedRoute> resolve(
      String model, Function<String, String> header, Function<String, String> metadata) {
    return resolve(model, header, metadata, () -> null);
  }

  /**
   * As {@link #resolve(String, Function, Function)}, with rules that name languages ({@code
   * matchLanguage}) matching when {@code language} — the detected language of the last user
   * message, asked for only when such a rule is evaluated — is one of them.
   */
  public Optional<ResolvedRoute> resolve(
      String model,
      Function<String, String> header,
      Function<String, String> metadata,
      java.util.function.Supplier<String> language) {
    RoutingTable.Route route = routesByModelName.get(model);
    if (route == null) {
      return Optional.empty();
    }
    RoutingTable.Policy policy =
        route.policy() == null ? null : table.policies().get(route.policy());
    String matchedBy = "route";
    List<RoutingTable.Target> stable = route.targets();
    Strategy requestStrategy = null;
    String requestStrategyBy = null;
    int ruleIndex = firstMatchingRule(route.rules(), header, metadata, language);
    if (ruleIndex >= 0) {
      RoutingTable.Rule rule = route.rules().get(ruleIndex);
      if (!rule.targets().isEmpty()) {
        stable = rule.targets();
      }
      matchedBy = "rule:" + ruleIndex;
      if (rule.strategy() != null) {
        requestStrategy = Strategy.fromWire(rule.strategy()).orElse(null);
        requestStrategyBy = matchedBy;
      }
    }
    if ("low".equalsIgnoreCase(header.apply(PRIORITY_HEADER))) {
      requestStrategy = Strategy.LEAST_LATENCY;
      requestStrategyBy = "hint:priority-low";
    }
    List<PlannedTarget> canary = List.of();
    RoutingTable.Canary c = route.canary();
    if (c != null && c.weight() > 0) {
      List<RoutingTable.Target> canaryTargets = c.targets();
      int canaryRule = firstMatchingRule(c.rules(), header, metadata, language);
      if (canaryRule >= 0 && !c.rules().get(canaryRule).targets().isEmpty()) {
        canaryTargets = c.rules().get(canaryRule).targets();
      }
      canary = planned(canaryTargets, PlannedTarget.CANARY);
    }
    return Optional.of(
        new ResolvedRoute(
            route,
            policy,
            planned(stable, PlannedTarget.STABLE),
            canary,
            matchedBy,
            requestStrategy,
            requestStrategyBy));
  }

  /**
   * The target {@code id} ({@code provider/model}) of {@code route} that some request can reach:
   * one of the route's own targets or a rule's (stable arm), or one of a split canary's own or rule
   * targets (canary arm); empty when the route cannot send a request there. The admin port's drift
   * endpoint pins a request to a stable-arm one, so a drift check reaches rule targets too (and
   * refuses a canary arm's: drift checks replay only the stable arm).
   */
  public Optional<PlannedTarget> reachableTarget(RoutingTable.Route route, String id) {
    Optional<PlannedTarget> stable = find(route.targets(), route.rules(), id, PlannedTarget.STABLE);
    if (stable.isPresent()) {
      return stable;
    }
    RoutingTable.Canary c = route.canary();
    if (c != null && c.weight() > 0) {
      return find(c.targets(), c.rules(), id, PlannedTarget.CANARY);
    }
    return Optional.empty();
  }

  private Optional<PlannedTarget> find(
      List<RoutingTable.Target> own, List<RoutingTable.Rule> rules, String id, String arm) {
    List<List<RoutingTable.Target>> lists = new ArrayList<>();
    lists.add(own);
    rules.forEach(rule -> lists.add(rule.targets()));
    for (List<RoutingTable.Target> targets : lists) {
      for (RoutingTable.Target t : targets) {
        if (t.id().equals(id)) {
          return Optional.of(new PlannedTarget(t, table.providers().get(t.provider()), arm));
        }
      }
    }
    return Optional.empty();
  }

  private static int firstMatchingRule(
      List<RoutingTable.Rule> rules,
      Function<String, String> header,
      Function<String, String> metadata,
      java.util.function.Supplier<String> language) {
    for (int i = 0; i < rules.size(); i++) {
      RoutingTable.Rule rule = rules.get(i);
      if (allMatch(rule.matchHeaders(), header)
          && allMatch(rule.matchMetadataOrEmpty(), metadata)
          && (rule.matchLanguageOrEmpty().isEmpty()
              || rule.matchLanguageOrEmpty().contains(language.get()))) {
        return i;
      }
    }
    return -1;
  }

  private static boolean allMatch(Map<String, String> wanted, Function<String, String> actual) {
    for (Map.Entry<String, String> e : wanted.entrySet()) {
      if (!e.getValue().equals(actual.apply(e.getKey()))) {
        return false;
      }
    }
    return true;
  }

  /**
   * The planned targets of a target list of this table (a route's, a rule's; a canary's in {@link
   * #plannedCanary}), by the list's identity: a request resolving a route used to plan its targets
   * again — a planned target and its {@code provider/model} id per target, and two lists — although
   * they are the same for every request until the next reload. Made on first use, so a table's
   * unused routes cost nothing but their slot.
   */
  private final IdentitySlots<List<RoutingTable.Target>, List<PlannedTarget>> plannedStable;

  private final IdentitySlots<List<RoutingTable.Target>, List<PlannedTarget>> plannedCanary;

  private final Function<List<RoutingTable.Target>, List<PlannedTarget>> planStable =
      targets -> plan(targets, PlannedTarget.STABLE);

  private final Function<List<RoutingTable.Target>, List<PlannedTarget>> planCanary =
      targets -> plan(targets, PlannedTarget.CANARY);

  /** Slots for a table of {@code routes} routes: two per route and arm, 32 to 32,768. */
  private static <V> IdentitySlots<List<RoutingTable.Target>, V> plannedSlots(int routes) {
    return new IdentitySlots<>(Math.max(32, Math.min(1 << 15, routes * 2)));
  }

  private List<PlannedTarget> planned(List<RoutingTable.Target> targets, String arm) {
    return PlannedTarget.CANARY.equals(arm)
        ? plannedCanary.get(targets, planCanary)
        : plannedStable.get(targets, planStable);
  }

  private List<PlannedTarget> plan(List<RoutingTable.Target> targets, String arm) {
    List<PlannedTarget> out = new ArrayList<>(targets.size());
    for (RoutingTable.Target t : targets) {
      // The validator guarantees every target's provider exists in the table.
      out.add(new PlannedTarget(t, table.providers().get(t.provider()), arm));
    }
    return List.copyOf(out);
  }
}
