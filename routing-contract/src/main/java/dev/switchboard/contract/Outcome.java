package dev.switchboard.contract;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * How a request or an attempt ended: the {@code outcome} label of the gateway's metrics and request
 * log, which the operator's canary analysis reads back. Anything but {@link #SUCCESS}, unknown
 * labels included, counts as not successful.
 */
public enum Outcome {
  SUCCESS("success"),
  ERROR("error"),
  CANCELLED("cancelled");

  private final String wireName;

  Outcome(String wireName) {
    this.wireName = wireName;
  }

  /** The value as it appears in the CRDs, the routing table and metric labels. */
  @JsonValue
  public String wireName() {
    return wireName;
  }

  /** The constant of a wire value; empty for null and for values this build does not know. */
  public static Optional<Outcome> fromWire(String value) {
    return value == null ? Optional.empty() : Optional.ofNullable(BY_WIRE_NAME.get(value));
  }

  /** Every wire value, in declaration order (the allowed set of the CRD schema). */
  public static List<String> wireNames() {
    return Arrays.stream(values()).map(Outcome::wireName).toList();
  }

  private static final Map<String, Outcome> BY_WIRE_NAME =
      Arrays.stream(values()).collect(Collectors.toUnmodifiableMap(v -> v.wireName, v -> v));

  /** Whether a wire value is a success: only {@code success} is. */
  public static boolean isSuccess(String value) {
    return SUCCESS.wireName.equals(value);
  }
}
