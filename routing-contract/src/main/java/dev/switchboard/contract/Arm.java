package dev.switchboard.contract;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Which side of a canary a target belongs to: the {@code arm} label of the gateway's metrics, which
 * the operator's canary analysis reads back. Targets outside a canary are {@link #STABLE}; a label
 * this build does not know is not counted for either arm.
 */
public enum Arm {
  STABLE("stable"),
  CANARY("canary");

  private final String wireName;

  Arm(String wireName) {
    this.wireName = wireName;
  }

  /** The value as it appears in the CRDs, the routing table and metric labels. */
  @JsonValue
  public String wireName() {
    return wireName;
  }

  /** The constant of a wire value; empty for null and for values this build does not know. */
  public static Optional<Arm> fromWire(String value) {
    return value == null ? Optional.empty() : Optional.ofNullable(BY_WIRE_NAME.get(value));
  }

  /** Every wire value, in declaration order (the allowed set of the CRD schema). */
  public static List<String> wireNames() {
    return Arrays.stream(values()).map(Arm::wireName).toList();
  }

  private static final Map<String, Arm> BY_WIRE_NAME =
      Arrays.stream(values()).collect(Collectors.toUnmodifiableMap(v -> v.wireName, v -> v));
}
