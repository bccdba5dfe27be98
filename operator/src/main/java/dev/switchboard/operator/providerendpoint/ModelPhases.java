package dev.switchboard.operator.providerendpoint;

import dev.switchboard.api.v1alpha1.ModelLifecycle;
import dev.switchboard.api.v1alpha1.ModelStatus;
import dev.switchboard.api.v1alpha1.ProviderModel;
import dev.switchboard.operator.status.Conditions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Lifecycle phase of each model a provider lists, from its dates and a clock. A date means the
 * start of that day in UTC: {@code deprecatedAfter: 2026-06-01} makes the model Deprecated from
 * 2026-06-01T00:00Z on.
 */
public final class ModelPhases {

  public static final String ACTIVE = "Active";
  public static final String DEPRECATED = "Deprecated";
  public static final String RETIRED = "Retired";

  private final Clock clock;

  public ModelPhases(Clock clock) {
    this.clock = clock;
  }

  /** Status entries sorted by model name. */
  public List<ModelStatus> phases(List<ProviderModel> models) {
    List<ModelStatus> result = new ArrayList<>();
    if (models == null) {
      return result;
    }
    Instant now = clock.instant();
    models.stream()
        .filter(m -> m.getName() != null)
        .sorted(Comparator.comparing(ProviderModel::getName))
        .forEach(
            model -> {
              ModelStatus status = new ModelStatus();
              status.setName(model.getName());
              status.setPhase(phaseOf(model.getLifecycle(), now));
              ModelLifecycle lifecycle = model.getLifecycle();
              if (lifecycle != null) {
                status.setSuccessor(lifecycle.getSuccessor());
                startOfDay(lifecycle.getRetiredAfter())
                    .ifPresent(at -> status.setRetiresInDays(RetirementDates.daysUntil(now, at)));
              }
              result.add(status);
            });
    return result;
  }

  /** Time until the next lifecycle boundary of any model, so phases flip on time. */
  public Optional<Duration> untilNextChange(List<ProviderModel> models) {
    if (models == null) {
      return Optional.empty();
    }
    Instant now = clock.instant();
    return models.stream()
        .map(ProviderModel::getLifecycle)
        .filter(l -> l != null)
        .flatMap(l -> java.util.stream.Stream.of(l.getDeprecatedAfter(), l.getRetiredAfter()))
        .map(ModelPhases::startOfDay)
        .flatMap(Optional::stream)
        // retiresInDays and the warning thresholds change on the days before retirement too
        .flatMap(
            at ->
                java.util.stream.Stream.concat(
                    java.util.stream.Stream.of(at),
                    java.util.stream.Stream.iterate(1, d -> d <= 90, d -> d + 1)
                        .map(d -> at.minus(Duration.ofDays(d)))))
        .filter(boundary -> boundary.isAfter(now))
        .min(Comparator.naturalOrder())
        .map(boundary -> Duration.between(now, boundary));
  }

  /**
   * {@code RetirementApproaching} when a model retires within one of the default thresholds (90,
   * 30, 7 days); its reason names the smallest threshold crossed, so each threshold gives one
   * event.
   */
  public Optional<Conditions.Desired> retirementWarning(List<ProviderModel> models) {
    if (models == null) {
      return Optional.empty();
    }
    Instant now = clock.instant();
    Duration smallest = null;
    List<String> messages = new ArrayList<>();
    for (ProviderModel model : models) {
      if (model.getName() == null || model.getLifecycle() == null) {
        continue;
      }
      Optional<Instant> at = startOfDay(model.getLifecycle().getRetiredAfter());
      Optional<Duration> crossed =
          at.flatMap(a -> RetirementDates.crossed(now, a, RetirementDates.DEFAULT_WARN_BEFORE));
      if (crossed.isPresent()) {
        smallest =
            smallest == null || crossed.get().compareTo(smallest) < 0 ? crossed.get() : smallest;
        String successor = model.getLifecycle().getSuccessor();
        messages.add(
            model.getName()
                + " retires on "
                + model.getLifecycle().getRetiredAfter()
                + " (in "
                + RetirementDates.daysUntil(now, at.get())
                + " days)"
                + (successor == null ? ", no successor declared" : "; successor " + successor));
      }
    }
    return smallest == null
        ? Optional.empty()
        : Optional.of(
            new Conditions.Desired(
                RetirementDates.APPROACHING,
                true,
                RetirementDates.approachingReason(smallest),
                String.join("; ", messages)));
  }

  static String phaseOf(ModelLifecycle lifecycle, Instant now) {
    if (lifecycle == null) {
      return ACTIVE;
    }
    if (reached(lifecycle.getRetiredAfter(), now)) {
      return RETIRED;
    }
    if (reached(lifecycle.getDeprecatedAfter(), now)) {
      return DEPRECATED;
    }
    return ACTIVE;
  }

  private static boolean reached(String date, Instant now) {
    return startOfDay(date).map(start -> !now.isBefore(start)).orElse(false);
  }

  private static Optional<Instant> startOfDay(String date) {
    if (date == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(LocalDate.parse(date).atStartOfDay(ZoneOffset.UTC).toInstant());
    } catch (DateTimeParseException e) {
      return Optional.empty(); // reported by ProviderEndpointValidator
    }
  }
}
