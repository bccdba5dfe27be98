package dev.switchboard.operator.rollout;

import dev.switchboard.api.v1alpha1.AnalysisStatus;
import dev.switchboard.api.v1alpha1.ArmFigures;
import dev.switchboard.api.v1alpha1.CanaryAnalysis;
import dev.switchboard.api.v1alpha1.CanaryMetrics;
import dev.switchboard.api.v1alpha1.CanarySpec;
import dev.switchboard.api.v1alpha1.CanaryStep;
import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.ModelRouteStatus;
import dev.switchboard.api.v1alpha1.StepCounts;
import dev.switchboard.contract.CanaryMode;
import dev.switchboard.contract.Durations;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.operator.rollout.metrics.ArmMetrics;
import dev.switchboard.operator.rollout.metrics.Baselines;
import dev.switchboard.operator.rollout.metrics.CanaryMetricsSource;
import dev.switchboard.operator.rollout.metrics.CanaryQuery;
import dev.switchboard.operator.rollout.metrics.CanaryWindow;
import dev.switchboard.operator.rollout.metrics.StepSums;
import dev.switchboard.operator.status.Reason;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rolls a change of a route's targets out as a canary when {@code spec.canary} is set: the
 * published targets stay as the stable arm, the new ones become the canary arm at the first step's
 * weight; every {@code analysis.interval} both arms are compared over the same window; a step
 * advances once its pause has passed and analysis passes; after the last step the canary is
 * promoted. A failed analysis (or the {@code switchboard.dev/abort} annotation) rolls back and the
 * failed canary is not retried until its targets change (other spec edits keep it rolled back).
 *
 * <p>Everything the state machine needs lives in the route's status (phase, revisions, step, step
 * start, last analysis) and in the published table (the stable arm's targets), so a restarted
 * operator or a new leader resumes where the previous one stopped. Nothing sleeps: the decision
 * says when to look again.
 *
 * <p>Only the route's own reconcile asks (before it renders, outside the namespace lock, since an
 * analysis may read metrics over HTTP) and writes the decision to the route's status; a render
 * triggered by another route keeps what the published table holds for this one. So the planner
 * keeps no memory between calls.
 */
public final class ProgressiveCanaryPlanner implements CanaryPlanner {

  /** Annotation that promotes the running canary at once; cleared by the controller. */
  public static final String PROMOTE_ANNOTATION = "switchboard.dev/promote";

  /** Annotation that rolls the running canary back at once; cleared by the controller. */
  public static final String ABORT_ANNOTATION = "switchboard.dev/abort";

  /**
   * Annotation that starts a rolled-back canary again with the same targets (after the provider was
   * fixed, say); cleared by the controller. Other spec edits that keep the targets do not.
   */
  public static final String RETRY_ANNOTATION = "switchboard.dev/retry";

  static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(30);

  private static final Logger LOG = LoggerFactory.getLogger(ProgressiveCanaryPlanner.class);

  private final Clock clock;
  private final CanaryMetricsSource metrics;
  private final CanaryObserver observer;
  private final CanaryGate gate;
  private final Duration maxRecheck;

  public ProgressiveCanaryPlanner(Clock clock, CanaryMetricsSource metrics) {
    this(clock, metrics, CanaryObserver.NONE);
  }

  public ProgressiveCanaryPlanner(
      Clock clock, CanaryMetricsSource metrics, CanaryObserver observer) {
    this(clock, metrics, observer, CanaryGate.NONE);
  }

  /** With {@code gate} able to hold a passing canary at its step (the drift check). */
  public ProgressiveCanaryPlanner(
      Clock clock, CanaryMetricsSource metrics, CanaryObserver observer, CanaryGate gate) {
    this(clock, metrics, observer, gate, null);
  }

  /**
   * As above, looking at a canary again after at most {@code maxRecheck} of real time, however far
   * its next step or analysis is on {@code clock} (null: no limit). For a clock that can jump (the
   * TEST ONLY {@code time.OffsetClock}), where a wait computed from the clock means nothing in real
   * time: an analysis due "in 30 s" is one jump away.
   */
  public ProgressiveCanaryPlanner(
      Clock clock,
      CanaryMetricsSource metrics,
      CanaryObserver observer,
      CanaryGate gate,
      Duration maxRecheck) {
    this.maxRecheck = maxRecheck;
    this.clock = Objects.requireNonNull(clock);
    this.metrics = Objects.requireNonNull(metrics);
    this.observer = Objects.requireNonNull(observer);
    this.gate = Objects.requireNonNull(gate);
  }

  @Override
  public RolloutDecision plan(
      ModelRoute route, RoutingTable.Route desired, Optional<RoutingTable.Route> published) {
    return plan(route, desired, published, false);
  }

  @Override
  public RolloutDecision plan(
      ModelRoute route,
      RoutingTable.Route desired,
      Optional<RoutingTable.Route> published,
      boolean pinned) {
    Instant now = clock.instant();
    State recorded = State.of(route.getStatus());
    Outcome outcome = decide(route, desired, published, recorded, now);
    if (pinned) {
      // Pinning turns the split off in the gateway: the table, the status and the gauge all say
      // the share the canary really gets, not the step's.
      outcome = outcome.withoutSplitTraffic();
    }
    State s = outcome.state();
    return new RolloutDecision(
        outcome.route(),
        s.phase(),
        s.stableRevision(),
        s.canaryRevision(),
        s.canaryWeight(),
        s.currentStep(),
        maxRecheck != null
                && outcome.requeueAfter() != null
                && outcome.requeueAfter().compareTo(maxRecheck) > 0
            ? maxRecheck
            : outcome.requeueAfter(),
        s.stepStartedAt(),
        s.failedRevision(),
        s.failedTargets(),
        s.analysis(),
        s.equals(recorded) ? null : outcome.transition());
  }

  /**
   * A route whose spec stopped resolving while its canary runs is rolled back to its stable arm at
   * once: the canary's share would otherwise keep going to a configuration that no longer resolves
   * (a model removed from its ProviderEndpoint, a provider or policy deleted), with no analysis to
   * stop it. The canary's targets are recorded as failed, as for any rollback: it is not retried
   * until they change or the retry annotation asks. The abort annotation rolls back the same way
   * (reported as an abort); the promote annotation cannot be honoured and the event says so.
   */
  @Override
  public Optional<RolloutDecision> planWithoutSpec(
      ModelRoute route, Optional<RoutingTable.Route> published, String problem) {
    State recorded = State.of(route.getStatus());
    RoutingTable.Canary liveCanary = published.map(RoutingTable.Route::canary).orElse(null);
    if (liveCanary == null && !isRunning(recorded)) {
      return Optional.empty();
    }
    long revision = liveCanary != null ? liveCanary.revision() : recorded.canaryRevision();
    // The arm that ran is the published one; without it (never published) nothing is known of it.
    List<String> failedTargets =
        liveCanary == null ? null : targetIds(liveCanary.targets(), liveCanary.rules());
    Long stableRevision =
        published.map(RoutingTable.Route::revision).orElse(recorded.stableRevision());
    Map<String, String> annotations = route.getMetadata().getAnnotations();
    boolean aborted = isTrue(annotations, ABORT_ANNOTATION);
    String why =
        aborted
            ? "aborted by the "
                + ABORT_ANNOTATION
                + " annotation; the route's spec is invalid too: "
            : "the route's spec became invalid while its canary ran: ";
    if (!aborted && isTrue(annotations, PROMOTE_ANNOTATION)) {
      problem +=
          "; the "
              + PROMOTE_ANNOTATION
              + " annotation was not acted on: a canary whose spec is invalid cannot be promoted";
    }
    State state = rolledBackState(stableRevision, revision, failedTargets, recorded.analysis());
    RolloutDecision.Transition transition =
        rollbackTransition(
            revision,
            stableRevision,
            aborted
                ? Reason.CANARY_ABORTED.wireName()
                : Reason.CANARY_CONFIGURATION_INVALID.wireName(),
            why + problem);
    return Optional.of(
        new RolloutDecision(
            published.map(RolloutDecision::withoutCanary).orElse(null),
            state.phase(),
            state.stableRevision(),
            state.canaryRevision(),
            state.canaryWeight(),
            state.currentStep(),
            null,
            state.stepStartedAt(),
            state.failedRevision(),
            state.failedTargets(),
            state.analysis(),
            state.equals(recorded) ? null : transition));
  }

  /** What the metrics source keeps for the route now, put back by the returned action. */
  @Override
  public Runnable checkpoint(ModelRoute route) {
    return metrics.checkpoint(route.getMetadata().getNamespace(), route.getMetadata().getName());
  }

  /**
   * Says the published decision in the rollout gauges; once no step is analysed (promoted, rolled
   * back, cancelled, or none ran) what the metrics source kept for the route is read by nobody and
   * goes (a later canary takes a new baseline). Before the table was published neither may change:
   * a decision that a too-large or rejected table, or a failed write, kept from the gateways showed
   * in the gauges as if it served, and a rollback's forgotten sums were those of a step that went
   * on.
   */
  @Override
  public void published(ModelRoute route, RolloutDecision decision) {
    String namespace = route.getMetadata().getNamespace();
    String name = route.getMetadata().getName();
    if (!isRunning(decision.phase(), decision.currentStep(), decision.canaryRevision())) {
      metrics.forget(namespace, name);
    }
    observer.observed(
        namespace,
        name,
        decision.phase(),
        decision.canaryWeight() == null ? 0 : decision.canaryWeight(),
        decision.analysis() == null ? null : decision.analysis().getVerdict());
  }

  /**
   * A deleted route: its rollout metrics are no longer exported, and the metrics source drops what
   * it kept for it (a route deleted while its canary ran never reaches a plan that ends it).
   */
  public void forget(String namespace, String name) {
    observer.forgotten(namespace, name);
    metrics.forget(namespace, name);
  }

  private Outcome decide(
      ModelRoute route,
      RoutingTable.Route desired,
      Optional<RoutingTable.Route> published,
      State current,
      Instant now) {
    CanarySpec canary = route.getSpec().getCanary();
    long revision = desired.revision();
    if (canary == null || canary.getSteps() == null || canary.getSteps().isEmpty()) {
      return applyAtOnce(desired, current, "spec.canary was removed");
    }
    if (published.isEmpty()) {
      // Nothing serves yet: there is no stable version to compare a canary with.
      return applyAtOnce(desired, current, "the route was not published before");
    }
    RoutingTable.Route live = published.get();
    if (sameArm(desired.targets(), desired.rules(), live.targets(), live.rules())) {
      if (isRunning(current)
          && live.canary() == null
          && live.revision() == revision
          && Objects.equals(current.canaryRevision(), revision)) {
        // The table serves the canary's own revision as stable while its status says it runs: a
        // promotion was published and its status never written (the operator stopped between the
        // two writes). Said as the promotion it was, not as a cancelled canary.
        return promote(
            desired,
            current,
            "the published routing table already serves it as stable (a promotion published and"
                + " not recorded: the operator stopped between the two writes)");
      }
      return applyAtOnce(desired, current, "the targets equal the stable ones again");
    }
    RoutingTable.Route stableEntry = stableEntry(desired, live);
    if (live.canary() == null
        && isRunning(current)
        && Objects.equals(current.canaryRevision(), revision)) {
      // The status says this canary runs, the table that stable alone serves, and the spec is the
      // one the canary started from: a rollback was published and its status never written (the
      // operator stopped, or lost its lease, between the two writes). Starting the canary again
      // would send its share back to a version just rolled back, with the failure forgotten.
      return rollback(
          stableEntry,
          live,
          revision,
          targetIds(desired),
          current.analysis(),
          Reason.CANARY_ROLLED_BACK.wireName(),
          "the published routing table no longer carries the canary while its status said it"
              + " ran: a rollback was published and not recorded (the operator stopped between"
              + " the two writes)"
              + figures(current.analysis()));
    }
    if (RolloutDecision.ROLLED_BACK.equals(current.phase())
        && (Objects.equals(current.failedRevision(), revision)
            || Objects.equals(current.failedTargets(), targetIds(desired)))
        && !isTrue(route.getMetadata().getAnnotations(), RETRY_ANNOTATION)) {
      // The rolled-back canary is retried only when its targets change or the retry annotation
      // asks for it: a spec edit that leaves them alone (aliases, weights, thresholds, steps) is
      // no new canary.
      return new Outcome(
          stableEntry,
          rolledBackState(
              live.revision(),
              current.failedRevision(),
              current.failedTargets(),
              current.analysis()),
          null);
    }

    List<CanaryStep> steps = canary.getSteps();
    CanaryQuery query = query(route, canary, revision);
    State state;
    RolloutDecision.Transition transition = null;
    RoutingTable.Canary liveCanary = live.canary();
    boolean sameCanary =
        liveCanary != null
            && sameArm(
                desired.targets(), desired.rules(), liveCanary.targets(), liveCanary.rules());
    if (sameCanary
        && isRunning(current)
        && Objects.equals(current.canaryRevision(), liveCanary.revision())) {
      // A spec change that left the targets alone (thresholds, aliases, steps) keeps the rollout
      // going, at its step's weight as the spec says now (steps edited away: the last one left).
      // Only when the status describes the published canary: one whose start was published and
      // not recorded has a status that still describes the canary it replaced, whose step, start
      // and sums are not its own.
      int step = Math.min(current.currentStep(), steps.size() - 1);
      state =
          current
              .withRevisions(live.revision(), revision)
              .withStep(step, weight(steps, step))
              .withAnalysis(ofRevision(current.analysis(), current.canaryRevision(), revision));
    } else if (sameCanary) {
      // The status was lost (written by nobody before a restart), or describes an earlier canary:
      // resume at the published weight.
      int step = stepOfWeight(steps, liveCanary.weight());
      state =
          new State(
              RolloutDecision.PROGRESSING,
              live.revision(),
              revision,
              weight(steps, step),
              step,
              now.toString(),
              null,
              null,
              null);
    } else {
      state =
          new State(
              RolloutDecision.PROGRESSING,
              live.revision(),
              revision,
              weight(steps, 0),
              0,
              now.toString(),
              null,
              null,
              null);
      begin(query);
      // The baseline the first window closes on, kept so that it counts after a restart too.
      Optional<Baselines> baselines = metrics.baselines(query);
      if (baselines.isPresent()) {
        StepCounts counts = baselines.get().into(null);
        if (counts != null) {
          AnalysisStatus awaiting = new AnalysisStatus();
          awaiting.setStepCounts(counts);
          state = state.withAnalysis(awaiting);
        }
      }
      transition =
          new RolloutDecision.Transition(
              false,
              Reason.CANARY_STARTED.wireName(),
              String.format(
                  Locale.ROOT,
                  "revision %d takes %d%% of traffic (%s) next to stable revision %d; step 1 of %d",
                  revision,
                  state.canaryWeight(),
                  mode(canary),
                  live.revision(),
                  steps.size()));
    }

    Map<String, String> annotations = route.getMetadata().getAnnotations();
    if (isTrue(annotations, ABORT_ANNOTATION)) {
      return rollback(
          stableEntry,
          live,
          revision,
          targetIds(desired),
          state.analysis(),
          Reason.CANARY_ABORTED.wireName(),
          "aborted by the " + ABORT_ANNOTATION + " annotation");
    }
    if (isTrue(annotations, PROMOTE_ANNOTATION)) {
      return promote(desired, state, "promoted by the " + PROMOTE_ANNOTATION + " annotation");
    }

    Duration interval = interval(canary.getAnalysis());
    Instant due = nextAnalysis(state, interval);
    if (now.isBefore(due)) {
      return new Outcome(
              withCanary(stableEntry, canary, state, desired), state, Duration.between(now, due))
          .withTransition(transition);
    }

    if (RolloutDecision.PAUSED.equals(state.phase())) {
      state = unpausedSince(state, now);
    }

    AnalysisStatus analysis;
    AnalysisResult result;
    // The step's sums as status recorded them: a restarted operator (or a new leader) goes on
    // from them, and an analysis without a window keeps them for the next.
    StepSums recorded = recordedSums(state, revision);
    // And where the next window starts, whatever the step: a restarted operator closes its first
    // window on them instead of only taking a baseline.
    Baselines recordedBaselines = recordedBaselines(state);
    CanaryQuery analysed =
        query
            .since(parseInstant(state.stepStartedAt(), null))
            .atStep(state.currentStep(), recorded)
            .withBaselines(recordedBaselines);
    try {
      Optional<CanaryWindow> window = metrics.collect(analysed);
      result =
          window
              .map(w -> CanaryAnalyzer.judge(canary.getAnalysis(), w))
              .orElse(AnalysisResult.inconclusive());
      analysis =
          analysisStatus(
              now, window, result, recorded, metrics.baselines(analysed).orElse(recordedBaselines));
    } catch (CanaryMetricsSource.MetricsUnavailableException e) {
      LOG.debug("canary metrics of {} unavailable: {}", query.route(), e.getMessage());
      analysis =
          analysisStatus(
              now,
              Optional.empty(),
              AnalysisResult.inconclusive(),
              recorded,
              metrics.baselines(analysed).orElse(recordedBaselines));
      State paused = state.withPhase(RolloutDecision.PAUSED).withAnalysis(analysis);
      RolloutDecision.Transition pausedTransition =
          RolloutDecision.PAUSED.equals(state.phase())
              ? transition
              : new RolloutDecision.Transition(
                  true,
                  Reason.CANARY_METRICS_UNAVAILABLE.wireName(),
                  "the canary holds at "
                      + state.canaryWeight()
                      + "% until its metrics can be read: "
                      + e.getMessage());
      return new Outcome(withCanary(stableEntry, canary, paused, desired), paused, interval)
          .withTransition(pausedTransition);
    }

    if (result.verdict() == AnalysisResult.Verdict.FAIL) {
      return rollback(
          stableEntry,
          live,
          revision,
          targetIds(desired),
          analysis,
          Reason.CANARY_ROLLED_BACK.wireName(),
          "analysis failed: " + String.join("; ", result.failures()) + figures(analysis));
    }
    if (result.mayAdvance()) {
      Optional<String> hold = gate.hold(route);
      if (hold.isPresent()) {
        LOG.info("canary of {} holds: {}", query.route(), hold.get());
        State held = state.withPhase(RolloutDecision.PROGRESSING).withAnalysis(analysis);
        return new Outcome(withCanary(stableEntry, canary, held, desired), held, interval)
            .withTransition(transition);
      }
      Instant stepStarted = parseInstant(state.stepStartedAt(), now);
      Duration pause = pause(steps.get(state.currentStep()));
      if (!now.isBefore(stepStarted.plus(pause))) {
        String passed =
            result.verdict() == AnalysisResult.Verdict.PASS
                ? "analysis passed"
                : "no criterion past its threshold over the step (within it not yet shown with"
                    + " confidence)";
        int next = state.currentStep() + 1;
        if (next >= steps.size()) {
          return promote(
              desired,
              state.withAnalysis(analysis),
              "the last step's pause is over, " + passed + figures(analysis));
        }
        State advanced =
            new State(
                RolloutDecision.PROGRESSING,
                state.stableRevision(),
                revision,
                weight(steps, next),
                next,
                now.toString(),
                null,
                analysis,
                null);
        return new Outcome(withCanary(stableEntry, canary, advanced, desired), advanced, interval)
            .withTransition(
                new RolloutDecision.Transition(
                    false,
                    Reason.CANARY_STEP_ADVANCED.wireName(),
                    String.format(
                        Locale.ROOT,
                        "%s; revision %d now takes %d%% (step %d of %d)%s",
                        passed,
                        revision,
                        advanced.canaryWeight(),
                        next + 1,
                        steps.size(),
                        figures(analysis))));
      }
    }
    // Not enough requests, a figure past its threshold without confidence yet, or the pause not
    // over: hold the weight and look again next interval (the step's figures so far plus one more).
    State held = state.withPhase(RolloutDecision.PROGRESSING).withAnalysis(analysis);
    return new Outcome(withCanary(stableEntry, canary, held, desired), held, interval)
        .withTransition(transition);
  }

  private void begin(CanaryQuery query) {
    try {
      metrics.begin(query);
    } catch (RuntimeException e) {
      // Without a baseline the first window is simply inconclusive.
      LOG.debug("could not take a metrics baseline for {}: {}", query.route(), e.getMessage());
    }
  }

  private static Outcome applyAtOnce(RoutingTable.Route desired, State current, String why) {
    RolloutDecision.Transition transition = null;
    if (isRunning(current)) {
      transition =
          new RolloutDecision.Transition(
              false,
              Reason.CANARY_CANCELLED.wireName(),
              "the canary of revision "
                  + current.canaryRevision()
                  + " stopped because "
                  + why
                  + "; revision "
                  + desired.revision()
                  + " applies at once");
    }
    // The last analysis stays visible after a promotion; a route without canaries has none.
    AnalysisStatus analysis =
        RolloutDecision.STABLE.equals(current.phase()) ? finished(current.analysis()) : null;
    State stable =
        new State(
            RolloutDecision.STABLE,
            desired.revision(),
            null,
            null,
            null,
            null,
            null,
            analysis,
            null);
    return new Outcome(desired, stable, null).withTransition(transition);
  }

  private static Outcome promote(RoutingTable.Route desired, State state, String why) {
    State stable =
        new State(
            RolloutDecision.STABLE,
            desired.revision(),
            null,
            null,
            null,
            null,
            null,
            finished(state.analysis()),
            null);
    return new Outcome(desired, stable, null)
        .withTransition(
            new RolloutDecision.Transition(
                false,
                Reason.CANARY_PROMOTED.wireName(),
                "revision " + desired.revision() + " is now stable: " + why));
  }

  private static Outcome rollback(
      RoutingTable.Route stableEntry,
      RoutingTable.Route live,
      long revision,
      List<String> failedTargets,
      AnalysisStatus analysis,
      String reason,
      String why) {
    return new Outcome(
            stableEntry, rolledBackState(live.revision(), revision, failedTargets, analysis), null)
        .withTransition(rollbackTransition(revision, live.revision(), reason, why));
  }

  private static RolloutDecision.Transition rollbackTransition(
      long revision, Long stableRevision, String reason, String why) {
    return new RolloutDecision.Transition(
        true,
        reason,
        "revision "
            + revision
            + " rolled back, stable revision "
            + stableRevision
            + " takes all traffic; it is not retried until its targets change: "
            + why);
  }

  private static State rolledBackState(
      Long stableRevision, long revision, List<String> failedTargets, AnalysisStatus analysis) {
    return new State(
        RolloutDecision.ROLLED_BACK,
        stableRevision,
        revision,
        0,
        null,
        null,
        revision,
        finished(analysis),
        failedTargets);
  }

  /**
   * The last analysis of a rollout that is over (promoted, rolled back, cancelled): its verdict and
   * figures stay visible, its step's counts go ({@code stepCounts} says a step's analysis is under
   * way, and none is). A copy: the status read may be the informer's cached object.
   */
  private static AnalysisStatus finished(AnalysisStatus analysis) {
    if (analysis == null || analysis.getStepCounts() == null) {
      return analysis;
    }
    AnalysisStatus last = new AnalysisStatus();
    last.setLastRun(analysis.getLastRun());
    last.setVerdict(analysis.getVerdict());
    last.setCanary(analysis.getCanary());
    last.setStable(analysis.getStable());
    return last;
  }

  /**
   * The analysis with its step's counts moved from the canary's earlier revision to {@code
   * revision}: a spec edit that kept the canary's targets (a threshold, an alias, the steps) bumped
   * the generation, and the step's sums are kept by revision, so the requests the step already
   * counted were dropped and a canary that had too few in any one window was judged afresh after
   * every edit. A copy: the status read may be the informer's cached object.
   */
  private static AnalysisStatus ofRevision(AnalysisStatus analysis, Long earlier, long revision) {
    StepCounts counts = analysis == null ? null : analysis.getStepCounts();
    if (counts == null
        || earlier == null
        || earlier == revision
        || !Objects.equals(counts.getRevision(), earlier)) {
      return analysis;
    }
    StepCounts moved = new StepCounts();
    moved.setRevision(revision);
    moved.setStep(counts.getStep());
    moved.setFrom(counts.getFrom());
    moved.setTo(counts.getTo());
    moved.setCanary(counts.getCanary());
    moved.setStable(counts.getStable());
    moved.setBaselineAt(counts.getBaselineAt());
    moved.setBaselines(counts.getBaselines());
    AnalysisStatus copy = new AnalysisStatus();
    copy.setLastRun(analysis.getLastRun());
    copy.setVerdict(analysis.getVerdict());
    copy.setCanary(analysis.getCanary());
    copy.setStable(analysis.getStable());
    copy.setStepCounts(moved);
    return copy;
  }

  /**
   * What a canary arm is, for retrying a rolled-back one: the distinct {@code provider/model} of
   * its targets and its rules' targets, sorted. Weights, priorities and rule matches are left out.
   */
  static List<String> targetIds(RoutingTable.Route route) {
    return targetIds(route.targets(), route.rules());
  }

  private static List<String> targetIds(
      List<RoutingTable.Target> targets, List<RoutingTable.Rule> rules) {
    java.util.TreeSet<String> ids = new java.util.TreeSet<>();
    targets.forEach(t -> ids.add(t.id()));
    rules.forEach(r -> r.targets().forEach(t -> ids.add(t.id())));
    return List.copyOf(ids);
  }

  /**
   * The desired entry (name, aliases, policy as the spec says now) with the stable arm's targets.
   */
  private static RoutingTable.Route stableEntry(
      RoutingTable.Route desired, RoutingTable.Route live) {
    return new RoutingTable.Route(
        desired.name(),
        desired.model(),
        desired.aliases(),
        desired.policy(),
        live.revision(),
        live.targets(),
        live.rules(),
        null);
  }

  /**
   * The stable entry with the canary arm. It carries no {@code evaluation}: RoutingTableComposer
   * sets the route's own on whatever entry the plan gives (RoutingTableComposerTest pins it).
   */
  private static RoutingTable.Route withCanary(
      RoutingTable.Route stableEntry, CanarySpec canary, State state, RoutingTable.Route desired) {
    return new RoutingTable.Route(
        stableEntry.name(),
        stableEntry.model(),
        stableEntry.aliases(),
        stableEntry.policy(),
        stableEntry.revision(),
        stableEntry.targets(),
        stableEntry.rules(),
        new RoutingTable.Canary(
            mode(canary),
            state.canaryWeight(),
            state.canaryRevision(),
            desired.targets(),
            desired.rules()));
  }

  private static boolean sameArm(
      List<RoutingTable.Target> targets,
      List<RoutingTable.Rule> rules,
      List<RoutingTable.Target> otherTargets,
      List<RoutingTable.Rule> otherRules) {
    return Objects.equals(targets, otherTargets) && Objects.equals(rules, otherRules);
  }

  private static boolean isRunning(State state) {
    return isRunning(state.phase(), state.currentStep(), state.canaryRevision());
  }

  private static boolean isRunning(String phase, Integer currentStep, Long canaryRevision) {
    return (RolloutDecision.PROGRESSING.equals(phase) || RolloutDecision.PAUSED.equals(phase))
        && currentStep != null
        && canaryRevision != null;
  }

  /**
   * A paused canary's step start, moved on by the time since the analysis that found it paused (its
   * {@code lastRun}): the step's {@code pause} counts only time the canary was observed, so a
   * canary whose metrics could not be read for longer than its pause still gets the rest of its
   * pause once they return. Called once per analysis, so every paused stretch moves the start once.
   */
  private static State unpausedSince(State state, Instant now) {
    Instant stepStarted = parseInstant(state.stepStartedAt(), null);
    Instant pausedAt =
        state.analysis() == null ? null : parseInstant(state.analysis().getLastRun(), null);
    if (stepStarted == null
        || pausedAt == null
        || pausedAt.isBefore(stepStarted)
        || !pausedAt.isBefore(now)) {
      return state;
    }
    return state.withStepStartedAt(stepStarted.plus(Duration.between(pausedAt, now)).toString());
  }

  private static Instant nextAnalysis(State state, Duration interval) {
    Instant stepStarted = parseInstant(state.stepStartedAt(), Instant.EPOCH);
    Instant lastRun =
        state.analysis() == null ? null : parseInstant(state.analysis().getLastRun(), null);
    // Each window covers at least a full interval of the current step's traffic mix.
    Instant base = lastRun == null || lastRun.isBefore(stepStarted) ? stepStarted : lastRun;
    return base.plus(interval);
  }

  private static CanaryQuery query(ModelRoute route, CanarySpec canary, long revision) {
    CanaryMetrics source = canary.getMetrics();
    return new CanaryQuery(
        route.getMetadata().getNamespace(),
        route.getMetadata().getName(),
        revision,
        interval(canary.getAnalysis()),
        source == null || source.getSource() == null ? CanaryQuery.GATEWAY : source.getSource(),
        source == null ? null : source.getUrl(),
        source == null ? null : positiveOrNull(source.getScrapeInterval()));
  }

  private static Duration positiveOrNull(String duration) {
    Long millis = Durations.toMillisOrNull(duration);
    return millis == null || millis <= 0 ? null : Duration.ofMillis(millis);
  }

  static Duration interval(CanaryAnalysis analysis) {
    Long millis = analysis == null ? null : Durations.toMillisOrNull(analysis.getInterval());
    return millis == null || millis <= 0 ? DEFAULT_INTERVAL : Duration.ofMillis(millis);
  }

  private static Duration pause(CanaryStep step) {
    Long millis = Durations.toMillisOrNull(step.getPause());
    return millis == null ? Duration.ZERO : Duration.ofMillis(millis);
  }

  private static int weight(List<CanaryStep> steps, int index) {
    Integer weight = steps.get(index).getWeight();
    return weight == null ? 0 : weight;
  }

  private static int stepOfWeight(List<CanaryStep> steps, int weight) {
    for (int i = 0; i < steps.size(); i++) {
      if (Objects.equals(steps.get(i).getWeight(), weight)) {
        return i;
      }
    }
    return 0;
  }

  private static String mode(CanarySpec canary) {
    return canary.getMode() == null ? CanaryMode.DEFAULT.wireName() : canary.getMode();
  }

  private static boolean isTrue(Map<String, String> annotations, String name) {
    return annotations != null && "true".equalsIgnoreCase(annotations.get(name));
  }

  private static Instant parseInstant(String text, Instant fallback) {
    if (text == null) {
      return fallback;
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      return fallback;
    }
  }

  private static AnalysisStatus analysisStatus(
      Instant now,
      Optional<CanaryWindow> window,
      AnalysisResult result,
      StepSums recorded,
      Baselines baselines) {
    AnalysisStatus status = new AnalysisStatus();
    status.setLastRun(now.toString());
    status.setVerdict(result.verdict().wireName());
    window.ifPresent(
        w -> {
          status.setCanary(figures(w.canary()));
          status.setStable(figures(w.stable()));
        });
    StepSums sums = window.map(CanaryWindow::sums).orElse(recorded);
    StepCounts counts = sums == null ? null : sums.toStatus();
    status.setStepCounts(baselines == null ? counts : baselines.into(counts));
    return status;
  }

  /** The replicas' counters where the next window starts, as the route's status holds them. */
  private static Baselines recordedBaselines(State state) {
    return state.analysis() == null
        ? null
        : Baselines.fromStatus(state.analysis().getStepCounts()).orElse(null);
  }

  /** The sums of the canary's current step that the route's status holds, null for none. */
  private static StepSums recordedSums(State state, long revision) {
    if (state.analysis() == null) {
      return null;
    }
    return StepSums.fromStatus(state.analysis().getStepCounts())
        .filter(sums -> sums.isOf(revision, state.currentStep()))
        .orElse(null);
  }

  private static ArmFigures figures(ArmMetrics arm) {
    ArmFigures figures = new ArmFigures();
    figures.setRequests(arm.requests());
    figures.setErrorRate(round(arm.errorRate()));
    Double latency =
        arm.latencyP95Seconds() != null ? arm.latencyP95Seconds() : arm.ttftP95Seconds();
    if (latency != null) {
      figures.setLatencyP95(Math.round(latency * 1000) + "ms");
    }
    figures.setOutputTokens(
        arm.outputTokensPerRequest() == null ? null : round(arm.outputTokensPerRequest()));
    figures.setRefusalRate(arm.refusalRate() == null ? null : round(arm.refusalRate()));
    return figures;
  }

  /** Four decimals: enough to judge, and stable enough not to rewrite status on noise. */
  private static double round(double value) {
    return Math.round(value * 10_000) / 10_000.0;
  }

  private static String figures(AnalysisStatus analysis) {
    if (analysis == null || analysis.getCanary() == null) {
      return "";
    }
    return " [canary "
        + describe(analysis.getCanary())
        + "; stable "
        + describe(analysis.getStable())
        + "]";
  }

  private static String describe(ArmFigures f) {
    if (f == null) {
      return "no data";
    }
    return "requests="
        + f.getRequests()
        + " errorRate="
        + f.getErrorRate()
        + " latencyP95="
        + f.getLatencyP95()
        + " outputTokens="
        + f.getOutputTokens()
        + " refusalRate="
        + f.getRefusalRate();
  }

  /** The rollout fields of a route's status. */
  record State(
      String phase,
      Long stableRevision,
      Long canaryRevision,
      Integer canaryWeight,
      Integer currentStep,
      String stepStartedAt,
      Long failedRevision,
      AnalysisStatus analysis,
      List<String> failedTargets) {

    static State of(ModelRouteStatus status) {
      if (status == null) {
        return new State(null, null, null, null, null, null, null, null, null);
      }
      return new State(
          status.getPhase(),
          status.getStableRevision(),
          status.getCanaryRevision(),
          status.getCanaryWeight(),
          status.getCurrentStep(),
          status.getStepStartedAt(),
          status.getFailedRevision(),
          status.getAnalysis(),
          status.getFailedTargets());
    }

    State withPhase(String newPhase) {
      return new State(
          newPhase,
          stableRevision,
          canaryRevision,
          canaryWeight,
          currentStep,
          stepStartedAt,
          failedRevision,
          analysis,
          failedTargets);
    }

    State withAnalysis(AnalysisStatus newAnalysis) {
      return new State(
          phase,
          stableRevision,
          canaryRevision,
          canaryWeight,
          currentStep,
          stepStartedAt,
          failedRevision,
          newAnalysis,
          failedTargets);
    }

    State withStep(int step, int weight) {
      return new State(
          phase,
          stableRevision,
          canaryRevision,
          weight,
          step,
          stepStartedAt,
          failedRevision,
          analysis,
          failedTargets);
    }

    State withStepStartedAt(String start) {
      return new State(
          phase,
          stableRevision,
          canaryRevision,
          canaryWeight,
          currentStep,
          start,
          failedRevision,
          analysis,
          failedTargets);
    }

    State withRevisions(long stable, long canary) {
      return new State(
          phase,
          stable,
          canary,
          canaryWeight,
          currentStep,
          stepStartedAt,
          failedRevision,
          analysis,
          failedTargets);
    }
  }

  private record Outcome(
      RoutingTable.Route route,
      State state,
      Duration requeueAfter,
      RolloutDecision.Transition transition) {
    Outcome(RoutingTable.Route route, State state, Duration requeueAfter) {
      this(route, state, requeueAfter, null);
    }

    Outcome withTransition(RolloutDecision.Transition t) {
      return new Outcome(route, state, requeueAfter, t);
    }

    /**
     * A split canary's arm at weight 0 (the table and the recorded state); its step stays, so it
     * takes the step's weight again once it is no longer pinned out.
     */
    Outcome withoutSplitTraffic() {
      RoutingTable.Canary c = route == null ? null : route.canary();
      if (c == null
          || c.weight() == 0
          || c.canaryMode().filter(CanaryMode.SPLIT::equals).isEmpty()) {
        return this;
      }
      RoutingTable.Route off =
          route.withCanary(
              new RoutingTable.Canary(c.mode(), 0, c.revision(), c.targets(), c.rules()));
      State zero = state.currentStep() == null ? state : state.withStep(state.currentStep(), 0);
      RolloutDecision.Transition said = transition;
      if (said != null && Reason.CANARY_STARTED.wireName().equals(said.reason())) {
        // The start's event says the share the canary gets, as the table and the status do.
        said =
            new RolloutDecision.Transition(
                said.warning(),
                said.reason(),
                said.message()
                    .replaceFirst(
                        "takes \\d+% of traffic",
                        "takes no traffic (its policy's deterministic pinTarget turns the split"
                            + " off)"));
      }
      return new Outcome(off, zero, requeueAfter, said);
    }
  }
}
