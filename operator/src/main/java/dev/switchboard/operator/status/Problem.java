package dev.switchboard.operator.status;

/**
 * Something wrong with a resource or its references: a {@link Reason} for conditions and events,
 * and a {@code message} that says what to fix. Messages never contain secret values.
 */
public record Problem(Reason reason, String message) {

  /** The reason's CamelCase wire name, as conditions and events carry it. */
  public String reasonName() {
    return reason.wireName();
  }
}
