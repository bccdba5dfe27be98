package dev.switchboard.operator.lifecycle;

import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.PolicyLifecycle;
import dev.switchboard.operator.providerendpoint.RetirementDates;
import dev.switchboard.operator.render.NamespaceView;
import dev.switchboard.operator.status.Conditions;
import dev.switchboard.operator.status.EventRecorder;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The operator's side of model retirement for routes, on the injected clock: the lifecycle
 * conditions of each route, a Warning event when one appears or crosses into another threshold (so
 * once per threshold), when to look again, and the gauge {@code
 * switchboard_routes_on_retiring_models} (routes with a target whose model retires within 30 days).
 */
public final class RetirementWatch {

  /** The condition types this watch owns on a ModelRoute. */
  public static final Set<String> MANAGED =
      Set.of(ModelRetirement.APPROACHING, ModelRetirement.RETIRED);

  private final Clock clock;
  private final Map<String, Boolean> retiringSoon = new ConcurrentHashMap<>();

  public RetirementWatch(Clock clock) {
    this.clock = clock;
  }

  /** Registers the gauge of routes depending on models that retire within 30 days. */
  public void bindTo(MeterRegistry registry) {
    Gauge.builder(
            "switchboard_routes_on_retiring_models",
            retiringSoon,
            m -> m.values().stream().filter(Boolean::booleanValue).count())
        .description("ModelRoutes with a target whose model retires within 30 days")
        .register(registry);
  }

  /** The route's lifecycle conditions now; notes the route for the gauge. */
  public List<Conditions.Desired> conditions(ModelRoute route, NamespaceView view) {
    Instant now = clock.instant();
    retiringSoon.put(key(route), ModelRetirement.retiresSoon(route, view, now));
    return ModelRetirement.routeConditions(route, view, now);
  }

  /** A Warning event per new threshold; see {@link RetirementDates#recordEvents}. */
  public static void recordEvents(
      HasMetadata resource,
      List<Condition> before,
      List<Conditions.Desired> now,
      EventRecorder events) {
    RetirementDates.recordEvents(resource, before, now, events);
  }

  /** The conditions that are new or changed reason; see {@link RetirementDates#newlyReached}. */
  public static List<Conditions.Desired> newlyReached(
      List<Condition> before, List<Conditions.Desired> now) {
    return RetirementDates.newlyReached(before, now);
  }

  /**
   * Time until the route's lifecycle conditions next change: a threshold or a target's retirement
   * date, or the retirement of a successor serving (or to serve) in a retired target's place.
   */
  public Optional<Duration> untilNextChange(ModelRoute route, NamespaceView view) {
    Instant now = clock.instant();
    List<ModelRetirement.Retiring> retiring = ModelRetirement.retiringTargets(route, view);
    List<Instant> dates = retiring.stream().map(ModelRetirement.Retiring::retiresAt).toList();
    PolicyLifecycle policy = ModelRetirement.policyLifecycle(route, view);
    Optional<Instant> next =
        ModelRetirement.nextBoundary(now, dates, ModelRetirement.thresholds(policy));
    if (policy == null || !"reject".equals(policy.getOnRetired())) {
      Optional<Instant> successorRetires =
          retiring.stream()
              .flatMap(r -> ModelRetirement.successorRetirements(r, view).stream())
              .filter(at -> at.isAfter(now))
              .min(Comparator.naturalOrder());
      next =
          Stream.of(next, successorRetires)
              .flatMap(Optional::stream)
              .min(Comparator.naturalOrder());
    }
    return next.map(at -> Duration.between(now, at).plusSeconds(1));
  }

  /** Forgets a deleted route. */
  public void forget(String namespace, String name) {
    retiringSoon.remove(namespace + "/" + name);
  }

  private static String key(ModelRoute route) {
    return route.getMetadata().getNamespace() + "/" + route.getMetadata().getName();
  }
}
