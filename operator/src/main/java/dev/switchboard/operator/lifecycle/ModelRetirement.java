package dev.switchboard.operator.lifecycle;

import dev.switchboard.api.v1alpha1.ModelLifecycle;
import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.PolicyLifecycle;
import dev.switchboard.api.v1alpha1.ProviderEndpoint;
import dev.switchboard.api.v1alpha1.ProviderModel;
import dev.switchboard.api.v1alpha1.RouteTarget;
import dev.switchboard.api.v1alpha1.RoutingPolicy;
import dev.switchboard.contract.Durations;
import dev.switchboard.operator.providerendpoint.RetirementDates;
import dev.switchboard.operator.render.NamespaceView;
import dev.switchboard.operator.render.RouteReferences;
import dev.switchboard.operator.status.Conditions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Model retirement as the operator reports it, on its injected clock: which warning threshold
 * ({@code warnBefore}, default 90/30/7 days) a model has crossed, and — for a route — the {@code
 * RetirementApproaching} and {@code TargetRetired} conditions that tell what the gateway does with
 * a retired target (it enforces retirement itself on its own clock, from the dates in the table). A
 * condition's reason names the threshold, so "one event per threshold" is a reason change.
 */
public final class ModelRetirement {

  /** Condition type: a target's model retires within a warning threshold. */
  public static final String APPROACHING = RetirementDates.APPROACHING;

  /** Condition type: a target's model is retired; the reason says what serves instead. */
  public static final String RETIRED = "TargetRetired";

  public static final String SUCCESSOR_SERVING = "SuccessorServing";
  public static final String TARGET_DROPPED = "TargetDropped";
  public static final String NO_TARGET_LEFT = "NoTargetLeft";

  /** The default warning thresholds: 90, 30 and 7 days. */
  public static final List<Duration> DEFAULT_WARN_BEFORE = RetirementDates.DEFAULT_WARN_BEFORE;

  /** The horizon of the "routes on retiring models" gauge. */
  public static final Duration GAUGE_HORIZON = Duration.ofDays(30);

  private ModelRetirement() {}

  /** One target's model with its retirement date. */
  public record Retiring(
      String target, String retiredAfter, Instant retiresAt, String successor, boolean capable) {}

  /** The start (UTC) of a lifecycle date; see {@link RetirementDates#startOfDay}. */
  public static Optional<Instant> startOfDay(String date) {
    return RetirementDates.startOfDay(date);
  }

  /** Whole days until {@code at}; see {@link RetirementDates#daysUntil}. */
  public static long daysUntil(Instant now, Instant at) {
    return RetirementDates.daysUntil(now, at);
  }

  /** A policy's thresholds, largest first; the defaults without a policy or setting. */
  public static List<Duration> thresholds(PolicyLifecycle lifecycle) {
    if (lifecycle == null || lifecycle.getWarnBefore() == null) {
      return DEFAULT_WARN_BEFORE;
    }
    List<Duration> thresholds = new ArrayList<>();
    for (String text : lifecycle.getWarnBefore()) {
      Long ms = Durations.toMillisOrNull(text);
      if (ms != null && ms > 0) {
        thresholds.add(Duration.ofMillis(ms));
      }
    }
    thresholds.sort(Comparator.reverseOrder());
    return thresholds;
  }

  /** The smallest threshold crossed; see {@link RetirementDates#crossed}. */
  public static Optional<Duration> crossed(
      Instant now, Instant retiresAt, List<Duration> thresholds) {
    return RetirementDates.crossed(now, retiresAt, thresholds);
  }

  /** The next instant a threshold is crossed or a model retires, so conditions change on time. */
  public static Optional<Instant> nextBoundary(
      Instant now, List<Instant> retirements, List<Duration> thresholds) {
    return retirements.stream()
        .flatMap(
            at ->
                java.util.stream.Stream.concat(
                    java.util.stream.Stream.of(at), thresholds.stream().map(at::minus)))
        .filter(boundary -> boundary.isAfter(now))
        .min(Comparator.naturalOrder());
  }

  /** The reason naming a threshold; see {@link RetirementDates#approachingReason}. */
  public static String approachingReason(Duration threshold) {
    return RetirementDates.approachingReason(threshold);
  }

  /** Every target of the route whose model has a retirement date, by {@code provider/model}. */
  public static List<Retiring> retiringTargets(ModelRoute route, NamespaceView view) {
    Map<String, Retiring> found = new LinkedHashMap<>();
    if (route.getSpec() == null) {
      return List.of();
    }
    for (RouteTarget target : RouteReferences.allTargets(route.getSpec())) {
      if (target.getProviderRef() == null || target.getModel() == null) {
        continue;
      }
      String providerName = target.getProviderRef().getName();
      view.providers().stream()
          .filter(p -> p.getMetadata().getName().equals(providerName))
          .findFirst()
          .flatMap(p -> retiring(p, target.getModel()))
          .ifPresent(r -> found.putIfAbsent(r.target(), r));
    }
    return List.copyOf(found.values());
  }

  /** The model's retirement at the provider, when it has a parsable retiredAfter. */
  public static Optional<Retiring> retiring(ProviderEndpoint provider, String model) {
    Optional<ProviderModel> declared = declared(provider, model);
    ModelLifecycle lifecycle = declared.map(ProviderModel::getLifecycle).orElse(null);
    if (lifecycle == null) {
      return Optional.empty();
    }
    String successor = lifecycle.getSuccessor();
    boolean capable =
        successor != null
            && declared(provider, successor)
                .map(s -> capabilities(s).containsAll(capabilities(declared.get())))
                .orElse(false);
    return startOfDay(lifecycle.getRetiredAfter())
        .map(
            at ->
                new Retiring(
                    provider.getMetadata().getName() + "/" + model,
                    lifecycle.getRetiredAfter(),
                    at,
                    successor,
                    capable));
  }

  private static List<String> capabilities(ProviderModel model) {
    return model.getCapabilities() == null ? List.of() : model.getCapabilities();
  }

  private static Optional<ProviderModel> declared(ProviderEndpoint provider, String model) {
    if (provider.getSpec() == null || provider.getSpec().getModels() == null) {
      return Optional.empty();
    }
    return provider.getSpec().getModels().stream()
        .filter(m -> model.equals(m.getName()))
        .findFirst();
  }

  /** The policy's lifecycle settings, null when the route has no policy or the policy none. */
  public static PolicyLifecycle policyLifecycle(ModelRoute route, NamespaceView view) {
    if (route.getSpec() == null || route.getSpec().getPolicyRef() == null) {
      return null;
    }
    String name = route.getSpec().getPolicyRef().getName();
    return view.policies().stream()
        .filter(p -> p.getMetadata().getName().equals(name))
        .findFirst()
        .map(RoutingPolicy::getSpec)
        .map(s -> s.getLifecycle())
        .orElse(null);
  }

  /**
   * The route's lifecycle conditions at {@code now}: {@code RetirementApproaching} while a target
   * retires within a threshold, {@code TargetRetired} once one is retired (reason: what the gateway
   * does instead). Conditions that do not apply are absent.
   */
  public static List<Conditions.Desired> routeConditions(
      ModelRoute route, NamespaceView view, Instant now) {
    List<Retiring> retiring = retiringTargets(route, view);
    PolicyLifecycle policy = policyLifecycle(route, view);
    List<Duration> thresholds = thresholds(policy);
    boolean toSuccessor = policy == null || !"reject".equals(policy.getOnRetired());
    // Retired target → the model that serves in its place now (absent: the target drops out).
    Map<String, String> successors = new LinkedHashMap<>();
    if (toSuccessor) {
      for (Retiring r : retiring) {
        if (!now.isBefore(r.retiresAt())) {
          servingSuccessor(r, view, now).ifPresent(s -> successors.put(r.target(), s));
        }
      }
    }
    List<Conditions.Desired> desired = new ArrayList<>();

    Duration smallest = null;
    List<String> approaching = new ArrayList<>();
    List<String> retired = new ArrayList<>();
    boolean anyDropped = false;
    for (Retiring r : retiring) {
      Optional<Duration> crossed = crossed(now, r.retiresAt(), thresholds);
      if (crossed.isPresent()) {
        smallest =
            smallest == null || crossed.get().compareTo(smallest) < 0 ? crossed.get() : smallest;
        approaching.add(
            r.target()
                + " retires on "
                + r.retiredAfter()
                + " (in "
                + daysUntil(now, r.retiresAt())
                + " days)"
                + (r.successor() == null
                    ? ", no successor declared"
                    : "; successor " + r.successor()));
      } else if (!now.isBefore(r.retiresAt())) {
        boolean replaced = successors.containsKey(r.target());
        anyDropped |= !replaced;
        retired.add(
            r.target()
                + (replaced
                    ? " is retired; its successor "
                        + successors.get(r.target())
                        + " serves in its place"
                    : " is retired and receives no requests"
                        + (toSuccessor
                            ? (r.successor() == null
                                ? " (no successor declared)"
                                : r.capable()
                                    ? " (successor "
                                        + r.successor()
                                        + " is retired too, and no successor after it serves)"
                                    : " (successor "
                                        + r.successor()
                                        + " is not declared with the retired model's capabilities)")
                            : " (onRetired: reject)")));
      }
    }
    if (smallest != null) {
      desired.add(
          new Conditions.Desired(
              APPROACHING, true, approachingReason(smallest), String.join("; ", approaching)));
    }
    if (!retired.isEmpty()) {
      String reason =
          !anyDropped
              ? SUCCESSOR_SERVING
              : allTargetsRetiredWithoutSuccessor(route, retiring, now, successors)
                  ? NO_TARGET_LEFT
                  : TARGET_DROPPED;
      desired.add(new Conditions.Desired(RETIRED, true, reason, String.join("; ", retired)));
    }
    return desired;
  }

  /**
   * The model that serves in place of a retired target at {@code now}, as the gateway decides
   * ({@code Retirements.successor}): its successor, declared at the same provider with every
   * capability of the model before it, followed while that one is retired too (at most {@value
   * #MAX_SUCCESSOR_HOPS} hops); empty when the target drops out.
   */
  private static Optional<String> servingSuccessor(Retiring r, NamespaceView view, Instant now) {
    for (Hop hop : successorChain(r, view)) {
      boolean retired = hop.retires().filter(at -> !now.isBefore(at)).isPresent();
      if (!retired) {
        return Optional.of(hop.model());
      }
    }
    return Optional.empty();
  }

  /**
   * The retirement dates along a target's successor chain (the models that may serve in its place,
   * as {@link #servingSuccessor} follows them): when one of them retires, what serves for the
   * retired target changes, and so does its {@code TargetRetired} condition.
   */
  public static List<Instant> successorRetirements(Retiring r, NamespaceView view) {
    List<Instant> dates = new ArrayList<>();
    for (Hop hop : successorChain(r, view)) {
      if (hop.retires().isEmpty()) {
        break;
      }
      dates.add(hop.retires().get());
    }
    return dates;
  }

  /** One hop of a successor chain: the successor's model name and when it retires, if it does. */
  private record Hop(String model, Optional<Instant> retires) {}

  /**
   * A target's successor chain, as the gateway follows it: each successor declared at the target's
   * provider with every capability of the model before it, at most {@value #MAX_SUCCESSOR_HOPS}
   * hops; it ends at the first successor that is not declared or lacks a capability.
   */
  private static List<Hop> successorChain(Retiring r, NamespaceView view) {
    String providerName = r.target().substring(0, r.target().indexOf('/'));
    Optional<ProviderEndpoint> provider =
        view.providers().stream()
            .filter(p -> p.getMetadata().getName().equals(providerName))
            .findFirst();
    List<Hop> chain = new ArrayList<>();
    if (provider.isEmpty()) {
      return chain;
    }
    String model = r.target().substring(providerName.length() + 1);
    for (int hop = 0; hop < MAX_SUCCESSOR_HOPS; hop++) {
      Optional<ProviderModel> current = declared(provider.get(), model);
      String next =
          current.map(ProviderModel::getLifecycle).map(ModelLifecycle::getSuccessor).orElse(null);
      Optional<ProviderModel> successor =
          next == null ? Optional.empty() : declared(provider.get(), next);
      if (successor.isEmpty()
          || !capabilities(successor.get()).containsAll(capabilities(current.get()))) {
        break;
      }
      chain.add(
          new Hop(
              next,
              Optional.ofNullable(successor.get().getLifecycle())
                  .flatMap(l -> startOfDay(l.getRetiredAfter()))));
      model = next;
    }
    return chain;
  }

  /** The gateway's bound on successor chains (a longer one is treated as a loop). */
  private static final int MAX_SUCCESSOR_HOPS = 4;

  private static boolean allTargetsRetiredWithoutSuccessor(
      ModelRoute route, List<Retiring> retiring, Instant now, Map<String, String> successors) {
    List<RouteTarget> targets =
        route.getSpec().getTargets() == null ? List.of() : route.getSpec().getTargets();
    for (RouteTarget target : targets) {
      String id =
          (target.getProviderRef() == null ? "" : target.getProviderRef().getName())
              + "/"
              + target.getModel();
      Optional<Retiring> r = retiring.stream().filter(x -> x.target().equals(id)).findFirst();
      boolean serving =
          r.isEmpty() || now.isBefore(r.get().retiresAt()) || successors.containsKey(id);
      if (serving) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether any target of the route retires within {@link #GAUGE_HORIZON} (and is not yet retired).
   */
  public static boolean retiresSoon(ModelRoute route, NamespaceView view, Instant now) {
    return retiringTargets(route, view).stream()
        .anyMatch(
            r ->
                now.isBefore(r.retiresAt())
                    && Duration.between(now, r.retiresAt()).compareTo(GAUGE_HORIZON) <= 0);
  }
}
