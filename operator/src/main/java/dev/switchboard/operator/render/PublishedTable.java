package dev.switchboard.operator.render;

import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.contract.RoutingTable;
import java.util.Map;
import java.util.Optional;

/**
 * What is published in a namespace now: the routing table read back from the ConfigMap (empty when
 * there is none or it cannot be read) and the provider keys from the keys Secret. It is the source
 * of last good routes, so they survive operator restarts.
 */
public record PublishedTable(
    Optional<RoutingTable> table,
    Map<String, String> keys,
    Map<String, RoutingTable.Route> routesByName,
    Map<String, String> servedUids) {

  public static final PublishedTable NONE = new PublishedTable(Optional.empty(), Map.of());

  public PublishedTable {
    keys = Map.copyOf(keys);
    routesByName = Map.copyOf(routesByName);
    servedUids = Map.copyOf(servedUids);
  }

  /**
   * The table and keys, with the routes indexed by name: a render looks up every route's published
   * entry, and a linear search each time made one render quadratic in the number of routes. Which
   * object each entry was rendered from is not known (a table read back from the API server).
   */
  public PublishedTable(Optional<RoutingTable> table, Map<String, String> keys) {
    this(table, keys, Map.of());
  }

  /**
   * As above, knowing the uid of the ModelRoute each entry was rendered from, by route name (what
   * this operator wrote: {@link RenderOutcome#servedUids()}).
   */
  public PublishedTable(
      Optional<RoutingTable> table, Map<String, String> keys, Map<String, String> servedUids) {
    this(table, keys, index(table), servedUids);
  }

  private static Map<String, RoutingTable.Route> index(Optional<RoutingTable> table) {
    Map<String, RoutingTable.Route> byName = new java.util.HashMap<>();
    table.ifPresent(t -> t.routes().forEach(r -> byName.putIfAbsent(r.name(), r)));
    return byName;
  }

  public Optional<RoutingTable.Route> route(String name) {
    return Optional.ofNullable(routesByName.get(name));
  }

  /**
   * The published entry of this very route: none when the entry of its name was rendered from
   * another object (a route deleted and created again under the same name, a new uid), whose last
   * good entry, canary arms and rollout state are not this one's. When the object is not known (a
   * table read back after a restart), an entry of a later revision than the route's generation is
   * another object's too (generations only grow); one of the same revision or an earlier one cannot
   * be told apart and counts as the route's.
   */
  public Optional<RoutingTable.Route> routeOf(ModelRoute route) {
    String name = route.getMetadata().getName();
    RoutingTable.Route entry = routesByName.get(name);
    if (entry == null) {
      return Optional.empty();
    }
    String uid = route.getMetadata().getUid();
    String served = servedUids.get(name);
    if (served != null && uid != null) {
      return served.equals(uid) ? Optional.of(entry) : Optional.empty();
    }
    Long generation = route.getMetadata().getGeneration();
    return generation == null || entry.revision() <= generation
        ? Optional.of(entry)
        : Optional.empty();
  }

  @Override
  public String toString() {
    return "PublishedTable[table=" + table.map(RoutingTable::configVersion) + ", keys=<redacted>]";
  }
}
