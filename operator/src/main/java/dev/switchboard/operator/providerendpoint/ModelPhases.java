package dev.switchboard.operator.providerendpoint;

import dev.switchboard.api.v1alpha1.ModelLifecycle;
import dev.switchboard.api.v1alpha1.ModelStatus;
import dev.switchboard.api.v1alpha1.ProviderModel;
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
        .filter(boundary -> boundary.isAfter(now))
        .min(Comparator.naturalOrder())
        .map(boundary -> Duration.between(now, boundary));
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
