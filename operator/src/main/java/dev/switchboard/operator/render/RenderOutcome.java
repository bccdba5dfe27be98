package dev.switchboard.operator.render;

import dev.switchboard.contract.RoutingTable;
import java.util.Map;

/**
 * A namespace's rendering: the versioned table with its canonical bytes, the provider keys for the
 * keys Secret, and what became of each ModelRoute.
 */
public record RenderOutcome(
    RoutingTable table,
    byte[] canonicalJson,
    Map<String, String> keys,
    Map<String, RouteOutcome> routes,
    Map<String, String> servedUids) {

  /**
   * As rendered by the composer, with {@code servedUids} the uid of the ModelRoute each entry of
   * the table was rendered from, by route name (its own or its last good entry).
   */
  public RenderOutcome {
    servedUids = Map.copyOf(servedUids);
  }

  /** A rendering whose entries' objects are not known (tests, the empty table). */
  public RenderOutcome(
      RoutingTable table,
      byte[] canonicalJson,
      Map<String, String> keys,
      Map<String, RouteOutcome> routes) {
    this(table, canonicalJson, keys, routes, Map.of());
  }

  @Override
  public String toString() {
    return "RenderOutcome[configVersion="
        + table.configVersion()
        + ", routes="
        + routes.keySet()
        + "]";
  }
}
