package dev.switchboard.contract;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * How a canary arm receives traffic (ModelRoute {@code spec.canary.mode}, the table's {@code
 * routes[].canary.mode}): a share of requests ({@code split}) or a mirrored copy of them whose
 * answers are discarded ({@code shadow}). An unknown mode is rejected by {@link
 * RoutingTableValidator}; a gateway that met one anyway sends the canary nothing (stable answers
 * everything), the safe reading for traffic.
 */
public enum CanaryMode {
  SPLIT("split"),
  SHADOW("shadow");

  private final String wireName;

  CanaryMode(String wireName) {
    this.wireName = wireName;
  }

  /** The value as it appears in the CRDs, the routing table and metric labels. */
  @JsonValue
  public String wireName() {
    return wireName;
  }

  /** The constant of a wire value; empty for null and for values this build does not know. */
  public static Optional<CanaryMode> fromWire(String value) {
    return value == null ? Optional.empty() : Optional.ofNullable(BY_WIRE_NAME.get(value));
  }

  /** Every wire value, in declaration order (the allowed set of the CRD schema). */
  public static List<String> wireNames() {
    return Arrays.stream(values()).map(CanaryMode::wireName).toList();
  }

  private static final Map<String, CanaryMode> BY_WIRE_NAME =
      Arrays.stream(values()).collect(Collectors.toUnmodifiableMap(v -> v.wireName, v -> v));

  /** The mode of a canary that names none. */
  public static final CanaryMode DEFAULT = SPLIT;
}
