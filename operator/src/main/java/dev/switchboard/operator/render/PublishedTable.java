package dev.switchboard.operator.render;

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
    Map<String, RoutingTable.Route> routesByName) {

  public static final PublishedTable NONE = new PublishedTable(Optional.empty(), Map.of());

  public PublishedTable {
    keys = Map.copyOf(keys);
    routesByName = Map.copyOf(routesByName);
  }

  /**
   * The table and keys, with the routes indexed by name: a render looks up every route's published
   * entry, and a linear search each time made one render quadratic in the number of routes.
   */
  public PublishedTable(Optional<RoutingTable> table, Map<String, String> keys) {
    this(table, keys, index(table));
  }

  private static Map<String, RoutingTable.Route> index(Optional<RoutingTable> table) {
    Map<String, RoutingTable.Route> byName = new java.util.HashMap<>();
    table.ifPresent(t -> t.routes().forEach(r -> byName.putIfAbsent(r.name(), r)));
    return byName;
  }

  public Optional<RoutingTable.Route> route(String name) {
    return Optional.ofNullable(routesByName.get(name));
  }

  @Override
  public String toString() {
    return "PublishedTable[table=" + table.map(RoutingTable::configVersion) + ", keys=<redacted>]";
  }
}
