package dev.switchboard.gateway.lifecycle;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.routing.PerRecordCache;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.routing.ResolvedRoute;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Keeps requests off retired models. A model is retired from the start (UTC) of its lifecycle's
 * {@code retiredAfter} date, read on the gateway's clock, so retirement takes effect on time even
 * before the operator re-renders the table. With the policy's {@code onRetired: successor} (the
 * default) a retired target is replaced by its successor at the same provider, with the same
 * weight, priority and arm — but only when the successor is declared and has every capability the
 * retired model had; otherwise, and with {@code onRetired: reject}, the target drops out and the
 * route's other targets serve (failover as usual).
 */
public final class Retirements {

  /**
   * A successor chain longer than this is treated as a loop (a retired successor of a successor).
   */
  private static final int MAX_SUCCESSOR_HOPS = 4;

  private final PerRecordCache<RoutingTable.Lifecycle, Long> retiredAtMs =
      new PerRecordCache<>(4096);

  /**
   * The route as it may serve at {@code nowMs}: the same object when no candidate is retired.
   * Canary candidates are treated like the stable ones (evaluation candidates are never served).
   */
  public ResolvedRoute apply(ResolvedRoute route, long nowMs) {
    if (!anyRetired(route.candidates(), nowMs) && !anyRetired(route.canaryCandidates(), nowMs)) {
      return route;
    }
    boolean toSuccessor = route.policy() == null || route.policy().retiredGoToSuccessor();
    return new ResolvedRoute(
        route.route(),
        route.policy(),
        replace(route.candidates(), nowMs, toSuccessor),
        replace(route.canaryCandidates(), nowMs, toSuccessor),
        route.matchedBy());
  }

  /** The retired targets among {@code candidates} at {@code nowMs}, by id, with their dates. */
  public Map<String, String> retired(List<PlannedTarget> candidates, long nowMs) {
    Map<String, String> retired = new LinkedHashMap<>();
    for (PlannedTarget candidate : candidates) {
      lifecycle(candidate.provider(), candidate.target().model())
          .filter(l -> isRetired(l, nowMs))
          .ifPresent(l -> retired.put(candidate.id(), l.retiredAfter()));
    }
    return retired;
  }

  /** Whether {@code model} at {@code provider} is retired at {@code nowMs}. */
  public boolean isRetired(RoutingTable.Provider provider, String model, long nowMs) {
    return lifecycle(provider, model).filter(l -> isRetired(l, nowMs)).isPresent();
  }

  private boolean anyRetired(List<PlannedTarget> candidates, long nowMs) {
    for (PlannedTarget candidate : candidates) {
      if (isRetired(candidate.provider(), candidate.target().model(), nowMs)) {
        return true;
      }
    }
    return false;
  }

  private List<PlannedTarget> replace(
      List<PlannedTarget> candidates, long nowMs, boolean toSuccessor) {
    Map<String, PlannedTarget> kept = new LinkedHashMap<>();
    for (PlannedTarget candidate : candidates) {
      if (!isRetired(candidate.provider(), candidate.target().model(), nowMs)) {
        kept.putIfAbsent(candidate.id(), candidate);
        continue;
      }
      if (toSuccessor) {
        successor(candidate, nowMs).ifPresent(s -> kept.putIfAbsent(s.id(), s));
      }
    }
    return List.copyOf(new ArrayList<>(kept.values()));
  }

  /** The serving successor of a retired target, following successors that are retired too. */
  Optional<PlannedTarget> successor(PlannedTarget retired, long nowMs) {
    RoutingTable.Provider provider = retired.provider();
    String model = retired.target().model();
    for (int hop = 0; hop < MAX_SUCCESSOR_HOPS; hop++) {
      Optional<RoutingTable.Model> declared = provider.model(model);
      String next =
          declared
              .map(RoutingTable.Model::lifecycle)
              .map(RoutingTable.Lifecycle::successor)
              .orElse(null);
      if (next == null || !covers(provider, next, declared.get())) {
        return Optional.empty();
      }
      if (!isRetired(provider, next, nowMs)) {
        RoutingTable.Target t = retired.target();
        return Optional.of(
            new PlannedTarget(
                new RoutingTable.Target(t.provider(), next, t.weight(), t.priority()),
                provider,
                retired.arm()));
      }
      model = next;
    }
    return Optional.empty();
  }

  /** Whether {@code successor} is declared at the provider with every capability of {@code old}. */
  static boolean covers(RoutingTable.Provider provider, String successor, RoutingTable.Model old) {
    return provider
        .model(successor)
        .map(s -> s.capabilities().containsAll(old.capabilities()))
        .orElse(false);
  }

  private Optional<RoutingTable.Lifecycle> lifecycle(RoutingTable.Provider provider, String model) {
    return provider.model(model).map(RoutingTable.Model::lifecycle);
  }

  private boolean isRetired(RoutingTable.Lifecycle lifecycle, long nowMs) {
    if (lifecycle.retiredAfter() == null) {
      return false;
    }
    return nowMs >= retiredAtMs.get(lifecycle, l -> startOfDayMs(l.retiredAfter()));
  }

  /**
   * The start of {@code date} in UTC; never for a date that does not parse (the operator flags it).
   */
  static long startOfDayMs(String date) {
    try {
      return LocalDate.parse(date).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    } catch (DateTimeParseException e) {
      return Long.MAX_VALUE;
    }
  }
}
