package dev.switchboard.operator.providerendpoint;

import dev.switchboard.operator.status.Conditions;
import dev.switchboard.operator.status.EventRecorder;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The date arithmetic of model retirement shared by ProviderEndpoints and ModelRoutes: a lifecycle
 * date's first instant (UTC), whole days left, which warning threshold is crossed and its reason
 * ({@code RetiresWithin30Days}), and the rule "one Warning event per threshold" (an event when the
 * condition is new or its reason changed).
 */
public final class RetirementDates {

  /** Condition type: a model retires within a warning threshold. */
  public static final String APPROACHING = "RetirementApproaching";

  /** The default warning thresholds: 90, 30 and 7 days. */
  public static final List<Duration> DEFAULT_WARN_BEFORE =
      List.of(Duration.ofDays(90), Duration.ofDays(30), Duration.ofDays(7));

  private RetirementDates() {}

  /** The start (UTC) of a lifecycle date; empty when absent or unparsable (the validator says). */
  public static Optional<Instant> startOfDay(String date) {
    if (date == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(LocalDate.parse(date).atStartOfDay(ZoneOffset.UTC).toInstant());
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  /** Whole days from {@code now} until {@code at}, rounded up; 0 once it is reached. */
  public static long daysUntil(Instant now, Instant at) {
    if (!now.isBefore(at)) {
      return 0;
    }
    Duration left = Duration.between(now, at);
    long days = left.toDays();
    return left.equals(Duration.ofDays(days)) ? days : days + 1;
  }

  /** The smallest threshold that {@code retiresAt} is within, empty when none (or retired). */
  public static Optional<Duration> crossed(
      Instant now, Instant retiresAt, List<Duration> thresholds) {
    if (!now.isBefore(retiresAt)) {
      return Optional.empty();
    }
    Duration left = Duration.between(now, retiresAt);
    return thresholds.stream().filter(t -> left.compareTo(t) <= 0).min(Comparator.naturalOrder());
  }

  /** The reason of an approaching-retirement condition: {@code RetiresWithin30Days}. */
  public static String approachingReason(Duration threshold) {
    return threshold.toDays() > 0 && threshold.equals(Duration.ofDays(threshold.toDays()))
        ? "RetiresWithin" + threshold.toDays() + "Days"
        : "RetiresWithin" + threshold.toHours() + "Hours";
  }

  /** A Warning event for each condition that is new or has another reason than before. */
  public static void recordEvents(
      HasMetadata resource,
      List<Condition> before,
      List<Conditions.Desired> now,
      EventRecorder events) {
    for (Conditions.Desired want : newlyReached(before, now)) {
      events.record(resource, EventRecorder.WARNING, want.reason(), want.message());
    }
  }

  /** The conditions that are new or have another reason than before (a new threshold). */
  public static List<Conditions.Desired> newlyReached(
      List<Condition> before, List<Conditions.Desired> now) {
    return now.stream()
        .filter(
            want -> {
              Optional<Condition> previous = Conditions.find(before, want.type());
              return previous.isEmpty()
                  || !Objects.equals(previous.get().getReason(), want.reason());
            })
        .toList();
  }
}
