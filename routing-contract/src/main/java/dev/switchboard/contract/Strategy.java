package dev.switchboard.contract;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * How a route orders its targets (RoutingPolicy {@code spec.strategy}, schedule windows, the
 * table's {@code policies.*.strategy}). A value this build does not know (a table from a newer
 * operator) is rejected by {@link RoutingTableValidator}; code that must still act on one routes it
 * as {@link #PRIORITY} ({@link #orDefault}).
 */
public enum Strategy {
  PRIORITY("priority"),
  WEIGHTED("weighted"),
  LEAST_LATENCY("least-latency"),
  LEAST_COST("least-cost"),
  COST_LATENCY("cost-latency");

  private final String wireName;

  Strategy(String wireName) {
    this.wireName = wireName;
  }

  /** The value as it appears in the CRDs, the routing table and metric labels. */
  @JsonValue
  public String wireName() {
    return wireName;
  }

  /** The constant of a wire value; empty for null and for values this build does not know. */
  public static Optional<Strategy> fromWire(String value) {
    return value == null ? Optional.empty() : Optional.ofNullable(BY_WIRE_NAME.get(value));
  }

  /** Every wire value, in declaration order (the allowed set of the CRD schema). */
  public static List<String> wireNames() {
    return Arrays.stream(values()).map(Strategy::wireName).toList();
  }

  private static final Map<String, Strategy> BY_WIRE_NAME =
      Arrays.stream(values()).collect(Collectors.toUnmodifiableMap(v -> v.wireName, v -> v));

  /** The strategy of a policy that names none, and what an unknown value routes as. */
  public static final Strategy DEFAULT = PRIORITY;

  /** The strategy of a wire value; {@link #DEFAULT} for null and unknown values. */
  public static Strategy orDefault(String value) {
    return fromWire(value).orElse(DEFAULT);
  }
}
