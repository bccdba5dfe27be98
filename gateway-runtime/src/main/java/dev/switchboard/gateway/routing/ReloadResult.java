package dev.switchboard.gateway.routing;

import java.time.Instant;
import java.util.List;

/**
 * The outcome of offering a routing document to the gateway.
 *
 * @param result {@code applied}, {@code unchanged} or {@code rejected}
 */
public record ReloadResult(
    String result, String configVersion, String origin, List<String> problems, Instant at) {

  public static final String APPLIED = "applied";
  public static final String UNCHANGED = "unchanged";
  public static final String REJECTED = "rejected";

  public boolean applied() {
    return APPLIED.equals(result);
  }
}
