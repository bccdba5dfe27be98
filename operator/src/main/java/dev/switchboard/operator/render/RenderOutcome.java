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
    Map<String, RouteOutcome> routes) {

  @Override
  public String toString() {
    return "RenderOutcome[configVersion="
        + table.configVersion()
        + ", routes="
        + routes.keySet()
        + "]";
  }
}
