package dev.switchboard.contract;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Whether request and response bodies go into the request log (RoutingPolicy {@code
 * spec.logging.bodies}, the table's {@code policies.*.loggingBodies}). Bodies are logged only for
 * {@link #FULL}, an explicit opt-in; any other value, unknown ones included, logs none, the safe
 * reading for privacy.
 */
public enum BodyLogging {
  NONE("none"),
  METADATA("metadata"),
  FULL("full");

  private final String wireName;

  BodyLogging(String wireName) {
    this.wireName = wireName;
  }

  /** The value as it appears in the CRDs, the routing table and metric labels. */
  @JsonValue
  public String wireName() {
    return wireName;
  }

  /** The constant of a wire value; empty for null and for values this build does not know. */
  public static Optional<BodyLogging> fromWire(String value) {
    return value == null ? Optional.empty() : Optional.ofNullable(BY_WIRE_NAME.get(value));
  }

  /** Every wire value, in declaration order (the allowed set of the CRD schema). */
  public static List<String> wireNames() {
    return Arrays.stream(values()).map(BodyLogging::wireName).toList();
  }

  private static final Map<String, BodyLogging> BY_WIRE_NAME =
      Arrays.stream(values()).collect(Collectors.toUnmodifiableMap(v -> v.wireName, v -> v));

  /** Whether a wire value opts in to body logging: only {@code full} does. */
  public static boolean logsBodies(String value) {
    return fromWire(value).orElse(NONE) == FULL;
  }
}
