package dev.switchboard.gateway.routing.strategy;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.Strategy;
import dev.switchboard.gateway.cost.CommitmentLedger;
import dev.switchboard.gateway.cost.PriceSchedule;
import dev.switchboard.gateway.cost.Pricing;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.routing.ResolvedRoute;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.function.DoubleSupplier;

/**
 * The strategies that route on live figures: {@code least-latency} (lowest observed TTFT p95, the
 * whole request's p95 for targets that served no stream), {@code least-cost} (lowest effective cost
 * per request now: the price window in force, the observed token mix, the cached-input and
 * cache-write prices) and {@code cost-latency} (the cheapest target whose latency meets the
 * policy's {@code latencyObjective}, else the fastest; without an objective it is {@code
 * least-cost}).
 *
 * <p>The order starts from {@link PriorityStrategy}'s (priority, then a weighted draw) and sorts it
 * stably by the figure, so priority breaks ties. Targets the strategy cannot judge yet (no figures)
 * go behind those it can, in priority order; with no figures at all the order is priority's. A
 * share of requests ({@code exploration.share}, default {@value #DEFAULT_EXPLORATION_SHARE}) puts
 * another target in front — one without figures or with stale ones first — so the figures of
 * targets not chosen stay fresh and a recovered provider is noticed. The rest of the chain stays
 * behind it in order, and the failover walk still skips unhealthy, broken, full or incapable
 * targets.
 */
public final class FigureStrategy implements RoutingStrategy {

  /** The exploration share when the policy sets none. */
  public static final double DEFAULT_EXPLORATION_SHARE = 0.02;

  /**
   * Requests a target needs in the window before its own token mix is believed over the route's.
   */
  static final int OWN_MIX_MIN_REQUESTS = 20;

  private final Strategy kind;
  private final DoubleSupplier random;
  private final PriorityStrategy byPriority;
  private final Comparator<Scored> order;

  /**
   * @param kind {@link Strategy#LEAST_LATENCY}, {@link Strategy#LEAST_COST} or {@link
   *     Strategy#COST_LATENCY}
   * @param random uniform values in [0, 1); injectable so tests are deterministic
   */
  public FigureStrategy(Strategy kind, DoubleSupplier random) {
    if (kind != Strategy.LEAST_LATENCY
        && kind != Strategy.LEAST_COST
        && kind != Strategy.COST_LATENCY) {
      throw new IllegalArgumentException(kind + " does not route on figures");
    }
    this.kind = kind;
    this.random = random;
    this.byPriority = new PriorityStrategy(random);
    this.order = comparator();
  }

  @Override
  public List<PlannedTarget> order(
      String route, List<PlannedTarget> candidates, LiveFigures figures) {
    return decide(route, candidates, null, null, figures).targets();
  }

  /** One candidate with what the strategy knows about it. */
  private record Scored(
      PlannedTarget target,
      int index,
      Double latencyMs,
      Double costUsd,
      String priceWindow,
      boolean meets,
      boolean known,
      boolean stale) {}

  @Override
  public Ordering decide(
      String route,
      List<PlannedTarget> candidates,
      RoutingTable.Policy policy,
      Instant now,
      LiveFigures figures) {
    return decide(route, null, candidates, policy, now, figures);
  }

  @Override
  public Ordering decide(
      String route,
      String taskClass,
      List<PlannedTarget> candidates,
      RoutingTable.Policy policy,
      Instant now,
      LiveFigures figures) {
    if (candidates.isEmpty()) {
      return new Ordering(candidates, null);
    }
    List<PlannedTarget> base = byPriority.order(route, candidates, figures);
    Long objective = policy == null ? null : policy.latencyObjectiveTtftP95Ms();
    TargetFigures routeFigures = figures.route(route);
    String classKey = taskClass == null ? null : ResolvedRoute.classKey(route, taskClass);
    TargetFigures classFigures = classKey == null ? TargetFigures.NONE : figures.route(classKey);
    Scored[] scored = new Scored[base.size()];
    int knownCount = 0;
    for (int i = 0; i < scored.length; i++) {
      scored[i] =
          score(
              base.get(i), i, route, figures, routeFigures, classKey, classFigures, objective, now);
      if (scored[i].known()) {
        knownCount++;
      }
    }
    Scored[] ordered = scored.clone();
    if (knownCount > 0) {
      Arrays.sort(ordered, order);
    }
    boolean explored = false;
    double share =
        policy == null || policy.explorationShare() == null
            ? DEFAULT_EXPLORATION_SHARE
            : policy.explorationShare();
    if (ordered.length > 1 && share > 0 && random.getAsDouble() < share) {
      int pick = explorationPick(ordered);
      Scored chosen = ordered[pick];
      System.arraycopy(ordered, 0, ordered, 1, pick);
      ordered[0] = chosen;
      explored = true;
    }
    List<PlannedTarget> out = new ArrayList<>(ordered.length);
    for (Scored s : ordered) {
      out.add(s.target());
    }
    return new Ordering(
        List.copyOf(out), explanation(route, ordered, knownCount, objective, explored));
  }

  private Scored score(
      PlannedTarget target,
      int index,
      String route,
      LiveFigures figures,
      TargetFigures routeFigures,
      String classKey,
      TargetFigures classFigures,
      Long objective,
      Instant now) {
    TargetFigures f = figures.target(route, target.id());
    Double latency = f.rankingLatencyMs();
    Double cost = null;
    String window = null;
    if (kind != Strategy.LEAST_LATENCY) {
      RoutingTable.Model model = target.provider().model(target.target().model()).orElse(null);
      if (model != null && model.pricing() != null) {
        PriceSchedule.Prices prices =
            now == null
                ? new PriceSchedule.Prices(model.pricing(), null)
                : PriceSchedule.at(model.pricing(), now);
        TargetFigures.TokenMix mix =
            mix(
                classKey == null ? TargetFigures.NONE : figures.target(classKey, target.id()),
                classFigures,
                f,
                routeFigures);
        cost =
            Pricing.costUsd(
                prices.pricing(),
                mix.inputTokens(),
                mix.cachedInputTokens(),
                mix.cacheWriteInputTokens(),
                mix.outputTokens());
        window = prices.window();
        CommitmentLedger.Cover cover =
            model.pricing().commitment() == null && target.provider().commitment() == null
                ? null
                : figures.committedCapacity(target.provider(), target.target().model());
        if (cover != null) {
          // Prepaid capacity: its marginal price is zero until the month's use reaches it.
          cost = 0.0;
          window = cover.label();
        }
      }
    }
    boolean meets = objective == null || (latency != null && latency <= objective);
    boolean known =
        switch (kind) {
          case LEAST_LATENCY -> latency != null;
          case LEAST_COST -> cost != null;
          default -> cost != null && (objective == null || latency != null);
        };
    return new Scored(target, index, latency, cost, window, meets, known, f.stale());
  }

  /**
   * The token mix a request is priced with: its task class's on this target once that has enough
   * requests, else the class's over the route's targets; then (no class, or no figures of it yet)
   * the target's own once it has enough requests, else the route's, else a default. A class's
   * requests can be far from the route's mix (long documents to summarise among short chats), and
   * pricing them on the route's would send them where they cost most.
   */
  private static TargetFigures.TokenMix mix(
      TargetFigures classOwn, TargetFigures classRoute, TargetFigures own, TargetFigures route) {
    if (classOwn.tokenMix() != null && classOwn.requests() >= OWN_MIX_MIN_REQUESTS) {
      return classOwn.tokenMix();
    }
    if (classRoute.tokenMix() != null) {
      return classRoute.tokenMix();
    }
    if (own.tokenMix() != null && own.requests() >= OWN_MIX_MIN_REQUESTS) {
      return own.tokenMix();
    }
    if (route.tokenMix() != null) {
      return route.tokenMix();
    }
    return own.tokenMix() != null ? own.tokenMix() : TargetFigures.TokenMix.DEFAULT;
  }

  private Comparator<Scored> comparator() {
    Comparator<Scored> unknownLast = Comparator.comparing(s -> !s.known());
    Comparator<Scored> byFigure =
        switch (kind) {
          case LEAST_LATENCY -> Comparator.comparing(Scored::latencyMs, nullsLast());
          case LEAST_COST -> Comparator.comparing(Scored::costUsd, nullsLast());
          default ->
              Comparator.comparing((Scored s) -> !s.meets())
                  .thenComparing(
                      (a, b) ->
                          a.meets()
                              ? nullsLast().compare(a.costUsd(), b.costUsd())
                              : nullsLast().compare(a.latencyMs(), b.latencyMs()));
        };
    // The priority order (index) breaks ties.
    return unknownLast.thenComparing(byFigure).thenComparingInt(Scored::index);
  }

  private static Comparator<Double> nullsLast() {
    return Comparator.nullsLast(Comparator.naturalOrder());
  }

  /**
   * Which target goes in front for exploration: one without figures or with stale ones when there
   * is such a target behind the first, else any target behind the first.
   */
  private int explorationPick(Scored[] ordered) {
    int needing = 0;
    for (int i = 1; i < ordered.length; i++) {
      if (!ordered[i].known() || ordered[i].stale()) {
        needing++;
      }
    }
    if (needing == 0) {
      return 1 + (int) (random.getAsDouble() * (ordered.length - 1));
    }
    int nth = (int) (random.getAsDouble() * needing);
    for (int i = 1; i < ordered.length; i++) {
      if ((!ordered[i].known() || ordered[i].stale()) && nth-- == 0) {
        return i;
      }
    }
    return 1;
  }

  /**
   * Slots of the last explanation per route (by the route name's hash; a collision only means
   * building the text again): the explanation is the same text for most requests in a row — the
   * same two targets with the same rounded figures — and building it was a few hundred bytes of
   * {@code StringBuilder}, {@code Double.toString} and copies per request on the hot path.
   */
  private static final int EXPLANATION_SLOTS = 256;

  private final Explained[] explained = new Explained[EXPLANATION_SLOTS];

  /**
   * What one explanation says, as the values it prints (rounded as printed), and its text (which
   * names no route: two routes printing the same values share it). Every field is final, so a slot
   * read by another event loop sees it whole without a lock.
   */
  private record Explained(
      Shown first, Shown next, boolean explored, boolean noFigures, Long objective, String text) {

    boolean says(Scored first, Scored next, boolean explored, boolean noFigures, Long objective) {
      return this.explored == explored
          && this.noFigures == noFigures
          && Objects.equals(this.objective, objective)
          && this.first.shows(first)
          && (this.next == null ? next == null : next != null && this.next.shows(next));
    }
  }

  /** One target's printed figures. */
  private record Shown(
      String id, long latencyMs, double costPer1k, String window, boolean stale, boolean meets) {

    static Shown of(Scored s) {
      return new Shown(
          s.target().id(), shownLatency(s), shownCost(s), s.priceWindow(), s.stale(), s.meets());
    }

    boolean shows(Scored s) {
      return latencyMs == shownLatency(s)
          && Double.compare(costPer1k, shownCost(s)) == 0
          && stale == s.stale()
          && meets == s.meets()
          && id.equals(s.target().id())
          && Objects.equals(window, s.priceWindow());
    }
  }

  /** The latency as printed (whole milliseconds), {@link Long#MIN_VALUE} for none. */
  private static long shownLatency(Scored s) {
    return s.latencyMs() == null ? Long.MIN_VALUE : Math.round(s.latencyMs());
  }

  /** The cost per 1,000 requests as printed (4 decimals), NaN for none. */
  private static double shownCost(Scored s) {
    return s.costUsd() == null ? Double.NaN : round4(s.costUsd() * 1000);
  }

  /**
   * The explanation of {@code ordered}: the same text (the same instance) as the last request of
   * {@code route} when it would print the same, else built and remembered.
   */
  private String explanation(
      String route, Scored[] ordered, int knownCount, Long objective, boolean explored) {
    Scored first = ordered[0];
    Scored next = ordered.length > 1 ? ordered[1] : null;
    boolean noFigures = knownCount == 0;
    int slot = route.hashCode() & (EXPLANATION_SLOTS - 1);
    Explained last = explained[slot];
    if (last != null && last.says(first, next, explored, noFigures, objective)) {
      return last.text();
    }
    String text = explain(ordered, knownCount, objective, explored);
    explained[slot] =
        new Explained(
            Shown.of(first),
            next == null ? null : Shown.of(next),
            explored,
            noFigures,
            objective,
            text);
    return text;
  }

  private String explain(Scored[] ordered, int knownCount, Long objective, boolean explored) {
    StringBuilder sb = new StringBuilder(256);
    Scored first = ordered[0];
    sb.append("chose=").append(first.target().id());
    figures(sb, first);
    if (explored) {
      sb.append(";explore=true");
    } else if (knownCount == 0) {
      sb.append(";no-figures=priority");
    }
    if (objective != null && kind == Strategy.COST_LATENCY) {
      sb.append(";objective_ttft_p95_ms=").append(objective);
      sb.append(";meets=").append(first.meets());
    }
    if (ordered.length > 1) {
      Scored next = ordered[1];
      sb.append(";next=").append(next.target().id());
      figures(sb, next);
    }
    return sb.toString();
  }

  private void figures(StringBuilder sb, Scored s) {
    if (kind != Strategy.LEAST_COST || s.latencyMs() != null) {
      sb.append(",ttft_p95_ms=")
          .append(s.latencyMs() == null ? "none" : Long.toString(shownLatency(s)));
    }
    if (kind != Strategy.LEAST_LATENCY) {
      sb.append(",cost_per_1k_usd=")
          .append(s.costUsd() == null ? "none" : Double.toString(shownCost(s)));
      if (s.priceWindow() != null) {
        sb.append(",price_window=").append(s.priceWindow());
      }
    }
    if (s.stale()) {
      sb.append(",stale=true");
    }
  }

  private static double round4(double v) {
    return Math.round(v * 10_000) / 10_000.0;
  }
}
