package dev.switchboard.gateway.routing.strategy;

import dev.switchboard.contract.CanaryMode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.Strategy;
import dev.switchboard.contract.TimeWindow;
import dev.switchboard.gateway.routing.PerRecordCache;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.routing.ResolvedRoute;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

/**
 * Orders a resolved route's targets into the chain one request walks through. It picks the
 * request's strategy — the request's own (a matched rule's, or {@code least-latency} for {@code
 * x-switchboard-priority: low}), else that of the policy's schedule window in force on the gateway
 * clock, else the policy's — and lets it order each arm; a split canary takes the front of the
 * chain for its share of requests, with the stable targets behind it so a failing canary falls back
 * to stable instead of failing the client. Every plan says why, for {@code
 * x-switchboard-route-reason}.
 */
public final class AttemptPlanner {

  /** A request's attempt chain and why it is ordered so ({@code key=value;…}, header-safe). */
  public record RoutePlan(List<PlannedTarget> chain, String reason) {}

  private record CompiledWindow(TimeWindow window, Strategy strategy) {}

  private final DoubleSupplier random;
  private final LiveFigures figures;
  private final LongSupplier wallMillis;
  private final RoutingStrategy byPriority;
  private final Map<Strategy, RoutingStrategy> strategies = new EnumMap<>(Strategy.class);
  private final PerRecordCache<RoutingTable.Policy, List<CompiledWindow>> schedules =
      new PerRecordCache<>(1024);

  /**
   * @param random uniform values in [0, 1); injectable so tests are deterministic
   * @param figures the live per-target figures strategies read (the stats' routing view)
   * @param wallMillis the gateway clock's wall time (schedule and price windows)
   */
  public AttemptPlanner(DoubleSupplier random, LiveFigures figures, LongSupplier wallMillis) {
    this.random = random;
    this.figures = figures;
    this.wallMillis = wallMillis;
    this.byPriority = new PriorityStrategy(random);
    // One registration per strategy.
    strategies.put(Strategy.PRIORITY, byPriority);
    strategies.put(Strategy.WEIGHTED, new WeightedStrategy(random));
    strategies.put(Strategy.LEAST_LATENCY, new FigureStrategy(Strategy.LEAST_LATENCY, random));
    strategies.put(Strategy.LEAST_COST, new FigureStrategy(Strategy.LEAST_COST, random));
    strategies.put(Strategy.COST_LATENCY, new FigureStrategy(Strategy.COST_LATENCY, random));
  }

  /** Without live figures, at the epoch (tests of the order rules alone). */
  public AttemptPlanner(DoubleSupplier random) {
    this(random, LiveFigures.NONE, () -> 0L);
  }

  /** The implementation of a strategy. */
  RoutingStrategy strategy(Strategy strategy) {
    return strategies.getOrDefault(strategy, byPriority);
  }

  /** The ordered chain of targets for one request. */
  public List<PlannedTarget> plan(ResolvedRoute route) {
    return decide(route).chain();
  }

  /** The ordered chain of targets for one request, with the reason for its order. */
  public RoutePlan decide(ResolvedRoute route) {
    Instant now = Instant.ofEpochMilli(wallMillis.getAsLong());
    Strategy chosen = route.strategy();
    String by = "policy";
    if (route.requestStrategy() != null) {
      chosen = route.requestStrategy();
      by = route.requestStrategyBy();
    } else if (route.policy() != null && !route.policy().schedule().isEmpty()) {
      for (CompiledWindow w : schedules.get(route.policy(), AttemptPlanner::compile)) {
        if (w.window().contains(now)) {
          chosen = w.strategy();
          by = "window:" + w.window().name();
          break;
        }
      }
    }
    RoutingStrategy strategy = strategy(chosen);
    RoutingStrategy.Ordering stable =
        strategy.decide(
            route.name(), route.taskClass(), route.candidates(), route.policy(), now, figures);
    List<PlannedTarget> chain = stable.targets();
    boolean toCanary = false;
    // A shadow canary never answers clients: the shadow stage copies requests to it instead.
    if (route.canaryMode() == CanaryMode.SPLIT) {
      int weight = route.route().canary().weight();
      toCanary = random.getAsDouble() * 100 < weight;
      if (toCanary) {
        // The arm is judged like the stable one: the policy's objective and exploration share,
        // and the prices in force now (not the list prices).
        List<PlannedTarget> withCanary =
            new ArrayList<>(
                strategy
                    .decide(
                        route.name(),
                        route.taskClass(),
                        route.canaryCandidates(),
                        route.policy(),
                        now,
                        figures)
                    .targets());
        withCanary.addAll(chain);
        chain = List.copyOf(withCanary);
      }
    }
    return new RoutePlan(chain, reason(route.name(), chosen, by, toCanary, stable.explanation()));
  }

  /**
   * Slots of the last reason per route (by the route name's hash; a collision only means building
   * the text again): most requests of a route in a row are ordered for the same reason, and the
   * text, up to a few hundred characters with the strategy's figures, was built and copied for each
   * of them on the hot path.
   */
  private static final int REASON_SLOTS = 256;

  private final Reason[] reasons = new Reason[REASON_SLOTS];

  /**
   * A reason's parts and its text; every field final, so a slot read by another event loop sees it
   * whole without a lock.
   */
  private record Reason(
      String route, Strategy chosen, String by, boolean canary, String explanation, String text) {}

  /** The reason's text: the last one of {@code route} when its parts are the same, else built. */
  private String reason(
      String route, Strategy chosen, String by, boolean toCanary, String explanation) {
    int slot = route.hashCode() & (REASON_SLOTS - 1);
    Reason last = reasons[slot];
    if (last != null
        && last.chosen() == chosen
        && last.canary() == toCanary
        && Objects.equals(last.explanation(), explanation)
        && last.by().equals(by)
        && last.route().equals(route)) {
      return last.text();
    }
    StringBuilder text = new StringBuilder(64);
    text.append("strategy=").append(chosen.wireName()).append(";by=").append(by);
    if (toCanary) {
      text.append(";canary=true");
    }
    if (explanation != null) {
      text.append(';').append(explanation);
    }
    String built = text.toString();
    reasons[slot] = new Reason(route, chosen, by, toCanary, explanation, built);
    return built;
  }

  private static List<CompiledWindow> compile(RoutingTable.Policy policy) {
    List<CompiledWindow> out = new ArrayList<>();
    for (RoutingTable.ScheduleWindow w : policy.schedule()) {
      // The validator rejected tables whose windows do not compile or name unknown strategies.
      out.add(new CompiledWindow(w.window(), Strategy.orDefault(w.strategy())));
    }
    return List.copyOf(out);
  }
}
