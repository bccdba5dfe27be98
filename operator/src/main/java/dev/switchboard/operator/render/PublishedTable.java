package dev.switchboard.operator.render;

import dev.switchboard.contract.RoutingTable;
import java.util.Map;
import java.util.Optional;

/**
 * What is published in a namespace now: the routing table read back from the ConfigMap (empty when
 * there is none or it cannot be read) and the provider keys from the keys Secret. It is the source
 * of last good routes, so they survive operator restarts.
 */
public record PublishedTable(Optional<RoutingTable> table, Map<String, String> keys) {

  public static final PublishedTable NONE = new PublishedTable(Optional.empty(), Map.of());

  public PublishedTable {
    keys = Map.copyOf(keys);
  }

  public Optional<RoutingTable.Route> route(String name) {
    return table.flatMap(t -> t.routes().stream().filter(r -> r.name().equals(name)).findFirst());
  }

  @Override
  public String toString() {
    return "PublishedTable[table=" + table.map(RoutingTable::configVersion) + ", keys=<redacted>]";
  }
}
