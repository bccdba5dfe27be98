package dev.switchboard.operator.modelroute;

import dev.switchboard.api.v1alpha1.GatewayStatus;
import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.ModelRouteStatus;
import dev.switchboard.api.v1alpha1.ProviderEndpoint;
import dev.switchboard.api.v1alpha1.RoutingPolicy;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.operator.evaluation.EvaluationTracker;
import dev.switchboard.operator.lifecycle.RetirementWatch;
import dev.switchboard.operator.providerendpoint.ProviderEndpointValidator;
import dev.switchboard.operator.publish.CoalescingBatches;
import dev.switchboard.operator.publish.RenderedSecrets;
import dev.switchboard.operator.publish.RoutingTablePublisher;
import dev.switchboard.operator.render.EvaluationRendering;
import dev.switchboard.operator.render.NamespaceView;
import dev.switchboard.operator.render.PlannedRollout;
import dev.switchboard.operator.render.RenderMemo;
import dev.switchboard.operator.render.RenderOutcome;
import dev.switchboard.operator.render.ResolvedNamespace;
import dev.switchboard.operator.render.RouteOutcome;
import dev.switchboard.operator.render.RouteReferences;
import dev.switchboard.operator.render.RoutingTableComposer;
import dev.switchboard.operator.rollout.CanaryPlanner;
import dev.switchboard.operator.rollout.ProgressiveCanaryPlanner;
import dev.switchboard.operator.rollout.RolloutDecision;
import dev.switchboard.operator.rollout.RolloutHooks;
import dev.switchboard.operator.routingpolicy.EmbedderReferences;
import dev.switchboard.operator.routingpolicy.RoutingPolicyValidator;
import dev.switchboard.operator.runtime.GatewayObserver;
import dev.switchboard.operator.status.Conditions;
import dev.switchboard.operator.status.EventRecorder;
import dev.switchboard.operator.status.FieldsRecognized;
import dev.switchboard.operator.status.Problem;
import dev.switchboard.operator.status.Reason;
import dev.switchboard.operator.status.StatusUpdater;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles ModelRoutes, and through them each namespace's routing table: any change to a route, a
 * policy, a provider or a Secret a provider uses re-renders the namespace from the informer caches
 * and publishes it when it changed. Runs on every event, deletes included, so that deleting a route
 * removes it from the table without a finalizer.
 *
 * <p>One reconcile: validate and resolve → plan the route's canary (may read metrics; no lock) →
 * render the namespace (pure) and publish, under the namespace lock → observe the gateways → status
 * and events.
 *
 * <p>At scale (issue #21) rendering is incremental and publishing coalesced: the namespace's {@link
 * RenderMemo} re-renders only routes whose inputs changed, and reconciles that arrive while a
 * render-and-publish runs share the next one ({@link CoalescingBatches}), whose outcome covers each
 * of their routes and was published before their statuses are written.
 */
@ControllerConfiguration(name = ModelRouteReconciler.NAME, triggerReconcilerOnAllEvents = true)
public class ModelRouteReconciler implements Reconciler<ModelRoute> {

  public static final String NAME = "modelroute";

  private static final Logger LOG = LoggerFactory.getLogger(ModelRouteReconciler.class);

  /** How soon a route is looked at again while replicas are still loading its table. */
  public static final java.time.Duration GATEWAY_CATCH_UP = java.time.Duration.ofSeconds(2);

  private static final java.time.Duration GATEWAY_REFRESH = java.time.Duration.ofSeconds(30);
  private static final java.time.Duration TOO_LARGE_RETRY = java.time.Duration.ofMinutes(1);
  private static final java.time.Duration ANNOTATION_CLEAR_DELAY = java.time.Duration.ofSeconds(1);

  static final String ROUTES_BY_PROVIDER = "routes-by-provider";
  static final String ROUTES_BY_POLICY = "routes-by-policy";
  static final String PROVIDERS_BY_SECRET = "providers-by-secret";

  private final ProviderEndpointValidator providerValidator;
  private final RoutingPolicyValidator policyValidator;
  private final RoutingTableComposer composer;
  private final RoutingTablePublisher publisher;
  private final ModelRouteStatusBuilder statusBuilder;
  private final Conditions conditions;
  private final EventRecorder events;
  private final CanaryPlanner planner;
  private final RolloutHooks rollout;
  private final GatewayObserver gateways;
  private final RetirementWatch retirement;
  private final EvaluationTracker evaluations;
  private final java.time.Duration gatewayCatchUp;
  private volatile java.util.function.Consumer<String> alongside = namespace -> {};

  /**
   * Whether this process writes back the empty tables of {@link #alwaysPublished} namespaces that
   * others delete or change: set once it published them ({@link #publishEmptyTablesWhereNone}, run
   * by the leader only), as the informers run in every replica.
   */
  private volatile boolean keepingEmptyTables;

  /** Writes empty tables back off the informers' threads. */
  private final java.util.concurrent.Executor emptyTableWriteBack =
      dev.switchboard.operator.publish.WriteBack.executor("empty-routing-table-write-back");

  /**
   * Namespaces that always have a routing table, empty while they have no ModelRoute, so that their
   * gateways can become ready before the first route (see {@link #publishEmptyTablesWhereNone()}).
   */
  private final Set<String> alwaysPublished;

  private IndexerResourceCache<ModelRoute> routes;
  private InformerEventSource<ProviderEndpoint, ModelRoute> providers;
  private InformerEventSource<RoutingPolicy, ModelRoute> policies;
  private InformerEventSource<Secret, ModelRoute> secrets;
  private InformerEventSource<ConfigMap, ModelRoute> tables;
  private ReferenceResolver references;
  private SimpleInboundEventSource<ModelRoute> outdated;
  private final java.util.concurrent.ConcurrentMap<String, RenderMemo> memos =
      new java.util.concurrent.ConcurrentHashMap<>();
  private final CoalescingBatches<RenderRequest, Optional<RenderOutcome>> renders =
      new CoalescingBatches<>(this::renderAndPublish);

  /**
   * The versions of the providers' Secrets that resolving read, so that an event of a Secret at a
   * version every read found (the Secret informer's initial ADD events at start, delivered during
   * or after the first reconciles) reconciles no route.
   */
  private final RenderedSecrets renderedSecrets = RenderedSecrets.everyRead();

  /**
   * Per route, what it was last reconciled again for by another route's render ({@link
   * #reconcileOutdated}): the Ready it should say and its resource version then.
   */
  private final java.util.concurrent.ConcurrentMap<ResourceID, String> nudged =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * @param planner decides each route's canary rollout, in that route's own reconcile
   * @param rollout annotation clearing and forgetting deleted routes
   * @param gateways observes what the gateway replicas run, for {@code status.gateway}
   */
  public ModelRouteReconciler(
      ProviderEndpointValidator providerValidator,
      RoutingPolicyValidator policyValidator,
      RoutingTableComposer composer,
      RoutingTablePublisher publisher,
      Conditions conditions,
      EventRecorder events,
      CanaryPlanner planner,
      RolloutHooks rollout,
      GatewayObserver gateways) {
    this(
        providerValidator,
        policyValidator,
        composer,
        publisher,
        conditions,
        events,
        planner,
        rollout,
        gateways,
        new RetirementWatch(java.time.Clock.systemUTC()),
        null,
        Set.of(),
        GATEWAY_CATCH_UP);
  }

  /**
   * As above, with model retirement watched by {@code retirement} (on the operator's clock), and a
   * table always published in {@code alwaysPublished} (an empty one while they have no route).
   *
   * @param gatewayCatchUp how soon, in real time, a route is reconciled again while its replicas
   *     are still loading the table ({@link #GATEWAY_CATCH_UP}; shorter under a clock that jumps,
   *     the TEST ONLY {@code time.OffsetClock}, as canary and drift rechecks are)
   */
  public ModelRouteReconciler(
      ProviderEndpointValidator providerValidator,
      RoutingPolicyValidator policyValidator,
      RoutingTableComposer composer,
      RoutingTablePublisher publisher,
      Conditions conditions,
      EventRecorder events,
      CanaryPlanner planner,
      RolloutHooks rollout,
      GatewayObserver gateways,
      RetirementWatch retirement,
      EvaluationTracker evaluations,
      Set<String> alwaysPublished,
      java.time.Duration gatewayCatchUp) {
    this.alwaysPublished = Set.copyOf(alwaysPublished);
    this.gatewayCatchUp = gatewayCatchUp;
    this.retirement = retirement;
    this.evaluations = evaluations;
    this.providerValidator = providerValidator;
    this.policyValidator = policyValidator;
    this.composer = composer;
    this.publisher = publisher;
    this.statusBuilder = new ModelRouteStatusBuilder(conditions);
    this.conditions = conditions;
    this.events = events;
    this.planner = planner;
    this.rollout = rollout;
    this.gateways = gateways;
  }

  @Override
  public UpdateControl<ModelRoute> reconcile(ModelRoute route, Context<ModelRoute> context) {
    String namespace = route.getMetadata().getNamespace();
    // A route only marked for deletion (another controller's finalizer holds it) is deleted as far
    // as serving goes: the deletion was asked for, and the finalizer may hold it for long.
    if (context.isPrimaryResourceDeleted() || terminating(route)) {
      nudged.remove(ResourceID.fromResource(route));
      rollout.deleted(namespace, route.getMetadata().getName());
      retirement.forget(namespace, route.getMetadata().getName());
      if (evaluations != null) {
        // A running evaluation ends with its final runbook entry (RouteDeleted) before its state
        // goes. Bounded writes, never holding the deletion: a failed one is tried again at the
        // namespace's next collection, and said where kubectl shows it meanwhile.
        EvaluationTracker.Deleted deleted =
            evaluations.forget(namespace, route.getMetadata().getName());
        deleted
            .ended()
            .forEach(e -> events.record(route, EventRecorder.NORMAL, e.reason(), e.message()));
        deleted
            .failed()
            .ifPresent(
                failure ->
                    events.record(
                        route,
                        EventRecorder.WARNING,
                        (failure.report()
                                ? Reason.EVALUATION_REPORT_WRITE_FAILED
                                : Reason.EVALUATION_STATE_WRITE_FAILED)
                            .wireName(),
                        failure.message()));
      }
      renders.submit(namespace, new RenderRequest(route.getMetadata().getName(), null, route));
      return UpdateControl.noUpdate();
    }
    Optional<RoutingTable.Route> published = publisher.published(namespace).routeOf(route);
    ResolvedNamespace resolved = resolve(referencesView(namespace));
    // Planning may move what the metrics source keeps for the route's step; a decision that is not
    // published puts it back, since the step goes on from what it kept.
    Runnable unplanned = planner.checkpoint(route);
    Optional<PlannedRollout> planned = planRollout(route, published, resolved);
    Optional<RenderOutcome> rendered;
    String tooLarge = null;
    RouteOutcome outcome;
    try {
      try {
        rendered =
            renders.submit(
                namespace,
                new RenderRequest(route.getMetadata().getName(), planned.orElse(null), null));
      } catch (RoutingTablePublisher.RoutingTableTooLargeException e) {
        // Nothing was written; the rendering is kept for the route's own status below.
        rendered = Optional.of(e.rendering());
        tooLarge = e.getMessage();
      } catch (RoutingTableComposer.RoutingTableRejectedException e) {
        unplanned.run();
        return rejected(route, e, context);
      }
      outcome = rendered.map(r -> r.routes().get(route.getMetadata().getName())).orElse(null);
      Optional<PlannedRollout> conflicted = planConflict(route, planned, published, outcome);
      if (conflicted.isPresent()) {
        // Held back for a model-name conflict only composing found: its canary is rolled back like
        // that of a spec that no longer renders, and the namespace rendered again with the
        // rollback.
        try {
          rendered =
              renders.submit(
                  namespace,
                  new RenderRequest(route.getMetadata().getName(), conflicted.get(), null));
          tooLarge = null;
        } catch (RoutingTablePublisher.RoutingTableTooLargeException e) {
          rendered = Optional.of(e.rendering());
          tooLarge = e.getMessage();
        } catch (RoutingTableComposer.RoutingTableRejectedException e) {
          unplanned.run();
          return rejected(route, e, context);
        }
        outcome = rendered.map(r -> r.routes().get(route.getMetadata().getName())).orElse(null);
      }
    } catch (RuntimeException e) {
      // The publish failed: the decision did not happen.
      unplanned.run();
      throw e;
    }
    if (outcome != null && tooLarge == null && outcome.rollout() != null) {
      // The table holding the decision is out: only now do the rollout gauges say it (a table too
      // large, rejected or not written left them saying a decision no gateway ever served).
      planner.published(route, outcome.rollout());
    } else {
      unplanned.run();
    }
    if (outcome == null) {
      return UpdateControl.noUpdate();
    }
    if (tooLarge != null && outcome.rollout() != null) {
      // Nothing was published: the rollout did not move, so its fields, events and manual
      // annotations stay as they were (the planner decides again from them at the retry).
      outcome =
          new RouteOutcome(
              outcome.state(),
              outcome.specProblems(),
              outcome.referenceProblems(),
              outcome.servedRevision(),
              null);
    }
    ModelRouteStatus next = statusBuilder.build(route, outcome);
    NamespaceView view = referencesView(namespace);
    List<Conditions.Desired> lifecycle = retirement.conditions(route, view);
    next.setConditions(
        conditions.merge(
            next.getConditions(),
            RetirementWatch.MANAGED,
            lifecycle,
            route.getMetadata().getGeneration()));
    RetirementWatch.recordEvents(
        route,
        route.getStatus() == null ? null : route.getStatus().getConditions(),
        lifecycle,
        events);
    // The candidates that do not render, declared or of an automatic evaluation of a successor:
    // said in EvaluationReady (Ready is about serving, which they never do), and an evaluation that
    // has not started waits for them all.
    Optional<List<String>> automatic =
        evaluations == null ? Optional.empty() : evaluations.automaticCandidates(route, view);
    List<Problem> candidates =
        automatic
            .map(a -> RouteReferences.automaticEvaluationProblems(a, resolved))
            .orElseGet(() -> RouteReferences.evaluationProblems(route, resolved));
    boolean waiting =
        !candidates.isEmpty()
            && !(automatic.isPresent() ? automaticStarted(route) : evaluationStarted(route));
    // Gateway I/O outside the namespace lock, like the canary analysis. While the new evaluation
    // waits for its candidates, the one it replaces (another first target or spec) ends anyway.
    Optional<EvaluationTracker.Outcome> evaluation =
        evaluations == null
            ? Optional.empty()
            : waiting ? evaluations.endReplaced(route, view) : evaluations.track(route, view);
    if (evaluations == null || (waiting && evaluation.isEmpty())) {
      next.setEvaluation(route.getStatus() == null ? null : route.getStatus().getEvaluation());
    } else {
      // No evaluation any more (spec.evaluation removed): the ended runs' ids stay, so the spec
      // declared again later means a new run and never overwrites their runbook entries.
      next.setEvaluation(
          evaluation
              .map(EvaluationTracker.Outcome::status)
              .orElseGet(
                  () ->
                      EvaluationRendering.withoutEvaluation(
                          route.getStatus() == null ? null : route.getStatus().getEvaluation())));
    }
    evaluationCondition(
        next,
        EvaluationTracker.EVALUATION_READY,
        evaluationReady(route, automatic.isPresent(), candidates, waiting),
        route.getMetadata().getGeneration());
    if (evaluations != null) {
      long generation = route.getMetadata().getGeneration();
      // Present only while this collection's write of the state or the runbook entry failed.
      evaluationCondition(
          next,
          EvaluationTracker.WRITE_FAILED,
          evaluation
              .flatMap(EvaluationTracker.Outcome::writeFailed)
              .map(
                  failure ->
                      new Conditions.Desired(
                          EvaluationTracker.WRITE_FAILED,
                          true,
                          (failure.report()
                                  ? Reason.EVALUATION_REPORT_WRITE_FAILED
                                  : Reason.EVALUATION_STATE_WRITE_FAILED)
                              .wireName(),
                          failure.message())),
          generation);
      // Present for the rest of an evaluation whose stored state was found corrupt and rebuilt.
      evaluationCondition(
          next,
          EvaluationTracker.STATE_RECOVERED,
          evaluation
              .flatMap(EvaluationTracker.Outcome::stateRecovered)
              .map(
                  message ->
                      new Conditions.Desired(
                          EvaluationTracker.STATE_RECOVERED,
                          true,
                          Reason.EVALUATION_STATE_CORRUPT.wireName(),
                          message)),
          generation);
      // Present for the rest of an evaluation that ended early (its baseline no longer served the
      // route), or of the one started in its place; the event when it ended.
      Optional<EvaluationTracker.EndedEarly> endedEarly =
          evaluation.flatMap(EvaluationTracker.Outcome::endedEarly);
      // A route left without an evaluation (spec.evaluation removed) has none for the condition
      // to describe: the event and the final runbook entry say it ended.
      boolean hasEvaluation = next.getEvaluation() != null && next.getEvaluation().getId() != null;
      Optional<Conditions.Desired> endedCondition =
          endedEarly
              .filter(e -> hasEvaluation)
              .map(
                  e ->
                      new Conditions.Desired(
                          EvaluationTracker.ENDED_EARLY, true, e.reason(), e.message()));
      if (waiting && evaluation.isEmpty()) {
        // Nothing is collected while the replacement waits for its candidates: an evaluation
        // ended for it stays said until it starts — unless the route means the ended evaluation
        // again (its spec or first target was put back): the replacement the condition names
        // will never start, and a new run of the ended one waits instead.
        endedCondition =
            meansEndedAgain(route)
                ? Optional.empty()
                : Conditions.find(
                        route.getStatus() == null ? null : route.getStatus().getConditions(),
                        EvaluationTracker.ENDED_EARLY)
                    .map(
                        c ->
                            new Conditions.Desired(
                                EvaluationTracker.ENDED_EARLY,
                                true,
                                c.getReason(),
                                c.getMessage()));
      }
      evaluationCondition(next, EvaluationTracker.ENDED_EARLY, endedCondition, generation);
      endedEarly
          .filter(EvaluationTracker.EndedEarly::now)
          .ifPresent(
              ended -> events.record(route, EventRecorder.NORMAL, ended.reason(), ended.message()));
      // Present only while the report ConfigMap is another application's.
      evaluationCondition(
          next,
          EvaluationTracker.REPORT_BLOCKED,
          evaluation
              .flatMap(EvaluationTracker.Outcome::reportBlocked)
              .map(
                  message ->
                      new Conditions.Desired(
                          EvaluationTracker.REPORT_BLOCKED,
                          true,
                          Reason.REPORT_CONFIG_MAP_NOT_OWNED.wireName(),
                          message)),
          generation);
    }
    Optional<GatewayStatus> runtime =
        gateways.gatewayStatus(namespace, rendered.get().table().configVersion());
    runtime.ifPresent(next::setGateway);
    gateways
        .observed(namespace, route.getMetadata().getName(), next.getObserved())
        .ifPresent(observed -> next.setObserved(observed.isEmpty() ? null : observed));
    next.setConditions(
        FieldsRecognized.apply(
            route,
            route.getStatus() == null ? null : route.getStatus().getConditions(),
            next.getConditions(),
            conditions,
            events));
    next.setConditions(
        ModelVersionChanges.apply(
            route,
            route.getStatus() == null ? null : route.getStatus().getConditions(),
            next.getConditions(),
            conditions,
            events,
            runtime.isPresent() ? gateways.versionChanges(namespace) : java.util.Map.of()));
    next.setConditions(
        SeedHonoured.apply(
            route,
            route.getMetadata().getName(),
            rendered.get().table(),
            route.getStatus() == null ? null : route.getStatus().getConditions(),
            next.getConditions(),
            conditions,
            events));
    PinnedSplit.apply(
        route,
        route.getMetadata().getName(),
        rendered.get().table(),
        route.getStatus() == null ? null : route.getStatus().getConditions(),
        next,
        conditions,
        events);
    if (tooLarge != null) {
      next.setConditions(
          conditions.merge(
              next.getConditions(),
              Set.of(Conditions.READY),
              List.of(
                  new Conditions.Desired(
                      Conditions.READY,
                      false,
                      Reason.ROUTING_TABLE_TOO_LARGE.wireName(),
                      tooLarge
                          + "; the routing table was not published and the last published table"
                          + " keeps serving (remove routes, or split them across namespaces)")),
              route.getMetadata().getGeneration()));
    }
    recordEvents(route, next, outcome.rollout());
    UpdateControl<ModelRoute> control =
        control(
            route,
            next,
            outcome.rollout(),
            outcome.state() == RouteOutcome.State.CURRENT,
            tooLarge == null,
            runtime,
            context);
    if (tooLarge != null
        && control.getScheduleDelay().map(d -> d > TOO_LARGE_RETRY.toMillis()).orElse(true)) {
      // Other routes may shrink the namespace without an event for this one.
      control.rescheduleAfter(TOO_LARGE_RETRY);
    }
    // Thresholds and retirement dates change conditions without any Kubernetes event.
    retirement
        .untilNextChange(route, view)
        .filter(d -> control.getScheduleDelay().map(s -> d.toMillis() < s).orElse(true))
        .ifPresent(control::rescheduleAfter);
    // A running evaluation collects the replicas' sums at its own pace.
    evaluation
        .flatMap(EvaluationTracker.Outcome::requeue)
        .filter(d -> control.getScheduleDelay().map(s -> d.toMillis() < s).orElse(true))
        .ifPresent(control::rescheduleAfter);
    return control;
  }

  /**
   * Validate, resolve and plan the route's canary from its status and the published table. Runs
   * without the namespace lock: an analysis may read gateway metrics over HTTP. A route whose spec
   * does not render is planned too: a canary it runs is rolled back to stable.
   */
  private Optional<PlannedRollout> planRollout(
      ModelRoute route, Optional<RoutingTable.Route> published, ResolvedNamespace resolved) {
    String name = route.getMetadata().getName();
    Optional<RoutingTable.Route> desired = composer.desired(route, resolved);
    if (desired.isPresent()) {
      return Optional.of(
          new PlannedRollout(
              name,
              desired.get().revision(),
              planner.plan(
                  route,
                  desired.get(),
                  published,
                  PinnedSplit.pins(resolved, desired.get().policy()))));
    }
    String problem =
        composer.problems(route, resolved).stream()
            .findFirst()
            .map(Problem::message)
            .orElse("the route's spec does not render");
    return planner
        .planWithoutSpec(route, published, problem)
        .map(
            decision ->
                new PlannedRollout(name, route.getMetadata().getGeneration(), decision, true));
  }

  /**
   * The rollback of a route whose spec renders but which composing held back for a model-name
   * conflict (another route serves one of its names) while its canary runs: the planner's decision
   * for the spec cannot apply, and the last good entry must not keep its canary arm with no
   * analysis. Planned as for a spec that does not render, from the entry published before this
   * reconcile's render (that render may have dropped the route from the table).
   *
   * @return the rollback to render, or empty when the route is not held back for a conflict or no
   *     canary runs
   */
  private Optional<PlannedRollout> planConflict(
      ModelRoute route,
      Optional<PlannedRollout> planned,
      Optional<RoutingTable.Route> published,
      RouteOutcome outcome) {
    if (outcome == null
        || outcome.state() == RouteOutcome.State.CURRENT
        || outcome.rollout() != null
        || planned.isEmpty()
        || planned.get().withoutSpec()) {
      return Optional.empty();
    }
    return outcome.specProblems().stream()
        .filter(p -> p.reason() == Reason.MODEL_NAME_CONFLICT)
        .findFirst()
        .flatMap(conflict -> planner.planWithoutSpec(route, published, conflict.message()))
        .map(
            decision ->
                new PlannedRollout(
                    route.getMetadata().getName(),
                    route.getMetadata().getGeneration(),
                    decision,
                    true));
  }

  /**
   * One reconcile's part in a namespace's next render: its route's name, the rollout planned for
   * it, or the route that was deleted.
   */
  private record RenderRequest(String route, PlannedRollout planned, ModelRoute deleted) {}

  /**
   * Renders and publishes a namespace once for a batch of reconciles (see {@link
   * CoalescingBatches}), under the namespace lock (pure rendering, then the writes), with every
   * rollout planned in the batch applied; empty once the namespace has no routes left and its table
   * is the empty one. The namespace's {@link RenderMemo} limits rendering to the routes whose
   * inputs changed; batches of one namespace never run at the same time, so the memo needs no lock.
   */
  private Optional<RenderOutcome> renderAndPublish(String namespace, List<RenderRequest> batch) {
    Map<String, PlannedRollout> planned = new HashMap<>();
    List<ModelRoute> deleted = new ArrayList<>();
    Set<String> reconciling = new java.util.HashSet<>();
    for (RenderRequest request : batch) {
      reconciling.add(request.route());
      if (request.planned() != null) {
        planned.put(request.planned().route(), request.planned());
      }
      if (request.deleted() != null) {
        deleted.add(request.deleted());
      }
    }
    Optional<RenderOutcome> result;
    synchronized (publisher.lockFor(namespace)) {
      NamespaceView view = references.view(namespace);
      if (!deleted.isEmpty()) {
        view = without(view, deleted);
      }
      if (view.routes().isEmpty()) {
        // Never withdrawn: gateways keep serving the table they hold when it is deleted (they
        // must survive garbage collection), so the deleted routes would stay served, and a
        // gateway started later would wait for a table that never comes. Owned by nothing, so
        // that garbage collection does not take it with the last route.
        publisher.publish(namespace, emptyTable(namespace), List.of());
        memos.remove(namespace);
        result = Optional.empty();
      } else {
        ResolvedNamespace resolved = resolve(view);
        RenderOutcome rendered =
            composer.compose(
                resolved,
                publisher.published(namespace),
                planned,
                memos.computeIfAbsent(namespace, ns -> new RenderMemo()));
        publisher.publish(namespace, rendered, owners(view.routes()));
        reconcileOutdated(view, rendered, reconciling);
        result = Optional.of(rendered);
      }
    }
    // An empty table is served too: its gateways must know the operator's credential.
    publishAlongside(namespace);
    return result;
  }

  /**
   * Sets what is published with every routing table, outside the namespace's lock (the consumer
   * table with the operator's credential); set before the reconciler is registered.
   */
  public void publishAlongside(java.util.function.Consumer<String> alongside) {
    this.alongside = alongside;
  }

  private void publishAlongside(String namespace) {
    try {
      alongside.accept(namespace);
    } catch (RuntimeException e) {
      // The namespace's next publish tries again; the routing table itself is out.
      LOG.warn("could not publish alongside the routing table in {}: {}", namespace, e.toString());
    }
  }

  /**
   * Publishes an empty routing table in each namespace of {@code alwaysPublished} that has no
   * ModelRoute and no table at all, so that its gateways load a table and report ready before
   * anyone applies a route ({@code helm install --wait}, Flux and Argo CD health checks). Called
   * once the informers have synced, by the replica that leads. A namespace with any part of a table
   * published is left alone: after a restart that table holds the routes' last good entries, and an
   * empty one would make them vanish (a table whose routes are all gone is emptied by {@link
   * #withdrawRoutesDeletedMeanwhile}).
   *
   * @return the namespaces that got an empty table
   */
  public List<String> publishEmptyTablesWhereNone() {
    keepingEmptyTables = true;
    List<String> published = new ArrayList<>();
    for (String namespace : new java.util.TreeSet<>(alwaysPublished)) {
      try {
        synchronized (publisher.lockFor(namespace)) {
          // Routes publish their own table; an existing one is never replaced from here.
          if (routes.list(namespace).findAny().isEmpty() && !publisher.hasTable(namespace)) {
            publisher.publish(namespace, emptyTable(namespace), List.of());
            published.add(namespace);
          }
        }
      } catch (RuntimeException e) {
        // The next start, or the namespace's last route going, tries again.
        LOG.warn("could not publish an empty routing table in {}: {}", namespace, e.toString());
      }
      // Its gateways serve a table in any case: they must know the operator's credential.
      publishAlongside(namespace);
    }
    if (!published.isEmpty()) {
      LOG.info("published an empty routing table in {} (no ModelRoutes there yet)", published);
    }
    return published;
  }

  /**
   * Publishes the empty table in each namespace whose published table still serves routes although
   * no ModelRoute is left there: they were deleted while no operator ran, so their delete events
   * were never seen and no route is left to render the namespace again (the table not yet collected
   * by garbage collection, or orphaned by {@code kubectl delete --cascade=orphan}). Gateways would
   * serve the deleted routes, and hold their providers' keys, until the namespace's next route. The
   * namespaces are found by the operator's own table ConfigMaps in the informer cache. Called once
   * the informers have synced, by the replica that leads.
   *
   * @return the namespaces that got the empty table
   */
  public List<String> withdrawRoutesDeletedMeanwhile() {
    List<String> withdrawn = new ArrayList<>();
    if (tables == null) {
      return withdrawn;
    }
    // From the caches first: the many namespaces left with the empty table (or with routes) cost
    // no API call here.
    java.util.SortedSet<String> namespaces =
        tables
            .list(this::routelessButNotEmpty)
            .map(configMap -> configMap.getMetadata().getNamespace())
            .collect(Collectors.toCollection(java.util.TreeSet::new));
    for (String namespace : namespaces) {
      try {
        synchronized (publisher.lockFor(namespace)) {
          // A route reconciled meanwhile renders the namespace itself.
          if (routes.list(namespace).findAny().isPresent()
              || publisher
                  .published(namespace)
                  .table()
                  .map(t -> t.routes().isEmpty())
                  .orElse(true)) {
            continue;
          }
          publisher.publish(namespace, emptyTable(namespace), List.of());
          memos.remove(namespace);
          withdrawn.add(namespace);
        }
      } catch (RuntimeException e) {
        // The namespace's next route renders it; the next start tries again.
        LOG.warn(
            "could not withdraw the routes deleted meanwhile in {}: {}", namespace, e.toString());
        continue;
      }
      publishAlongside(namespace);
    }
    if (!withdrawn.isEmpty()) {
      LOG.info(
          "published the empty routing table where every route was deleted meanwhile: {}",
          withdrawn);
    }
    return withdrawn;
  }

  /**
   * Whether a published table ConfigMap (from the informer cache) is in a namespace without routes
   * and is not the empty table, by its config version annotation.
   */
  private boolean routelessButNotEmpty(ConfigMap configMap) {
    String namespace = configMap.getMetadata().getNamespace();
    if (!RoutingTable.CONFIG_MAP_NAME.equals(configMap.getMetadata().getName())
        || routes.list(namespace).findAny().isPresent()) {
      return false;
    }
    Map<String, String> annotations = configMap.getMetadata().getAnnotations();
    return annotations == null
        || !emptyTable(namespace)
            .table()
            .configVersion()
            .equals(annotations.get(RoutingTablePublisher.CONFIG_VERSION_ANNOTATION));
  }

  /**
   * Removes the evaluation state ({@link EvaluationTracker#STATE_CONFIG_MAP}) of routes deleted
   * while no operator ran: their delete events were never seen, and the list of removals still to
   * retry is kept in memory only. An evaluation still running there ends first, with its final
   * runbook entry, at the time found ({@link EvaluationTracker#forgetDeletedMeanwhile}). Every
   * namespace with such a ConfigMap (the operator's own, found by its label in the informer cache)
   * is checked against the routes there; runbook entries stay, as for a route deleted while the
   * operator runs. Called once the informers have synced, by the replica that leads; a removal
   * refused now is retried at the namespace's next collection.
   *
   * @return the {@code namespace/route} whose state was removed or is to be retried
   */
  public List<String> forgetEvaluationsOfDeletedRoutes() {
    List<String> forgotten = new ArrayList<>();
    if (evaluations == null || tables == null) {
      return forgotten;
    }
    List<ConfigMap> states =
        tables
            .list(
                configMap ->
                    EvaluationTracker.STATE_CONFIG_MAP.equals(configMap.getMetadata().getName()))
            .toList();
    for (ConfigMap state : states) {
      String namespace = state.getMetadata().getNamespace();
      for (String route : EvaluationTracker.routesWithState(state)) {
        if (routes.get(new ResourceID(route, namespace)).isEmpty()) {
          try {
            // Its running evaluations end now, with their final entries (found deleted).
            evaluations.forgetDeletedMeanwhile(namespace, route);
            forgotten.add(namespace + "/" + route);
          } catch (RuntimeException e) {
            LOG.warn(
                "could not remove the evaluation state of deleted route {}/{}: {}",
                namespace,
                route,
                e.toString());
          }
        }
      }
    }
    if (!forgotten.isEmpty()) {
      LOG.info("removed the evaluation state of routes deleted meanwhile: {}", forgotten);
    }
    return forgotten;
  }

  /**
   * Writes a routeless namespace's empty table back after someone else deleted or changed part of
   * it: no route reconciles there to do it, and a gateway started meanwhile would never become
   * ready. A table that holds routes is left alone here (the routes of a table published before a
   * restart and deleted meanwhile are withdrawn at start: {@link #withdrawRoutesDeletedMeanwhile}).
   */
  private void writeBackEmptyTable(String namespace) {
    try {
      synchronized (publisher.lockFor(namespace)) {
        if (routes.list(namespace).findAny().isPresent()
            || (publisher.hasTable(namespace)
                && publisher
                    .published(namespace)
                    .table()
                    .map(t -> !t.routes().isEmpty())
                    .orElse(false))) {
          return;
        }
        if (publisher.publish(namespace, emptyTable(namespace), List.of()) > 0) {
          LOG.info("wrote back the empty routing table in {} (changed by others)", namespace);
        }
      }
    } catch (RuntimeException e) {
      // The next start, or the namespace's next route, publishes it.
      LOG.warn("could not write back the empty routing table in {}: {}", namespace, e.toString());
    }
  }

  /**
   * The routes to reconcile after others changed the namespace's published objects: any one of
   * them, or none, and then the empty table is written back where one is always published.
   */
  private Set<ResourceID> routesToRepublish(String namespace) {
    Set<ResourceID> ids = anyRouteIn(namespace);
    if (ids.isEmpty() && keepingEmptyTables && alwaysPublished.contains(namespace)) {
      emptyTableWriteBack.execute(() -> writeBackEmptyTable(namespace));
    }
    return ids;
  }

  /**
   * A valid table with no routes, providers, policies or keys: what a routeless namespace serves.
   */
  private RenderOutcome emptyTable(String namespace) {
    NamespaceView nothing =
        new NamespaceView(namespace, List.of(), List.of(), List.of(), name -> Optional.empty());
    return composer.compose(
        ResolvedNamespace.resolve(nothing, providerValidator, policyValidator),
        dev.switchboard.operator.render.PublishedTable.NONE);
  }

  /**
   * Reconciles again the routes whose {@code Ready} condition no longer says what this render made
   * of them although nothing of their own changed: another route took their model name or gave it
   * back, or was deleted. Routes with a reconcile of their own under way (in this batch, never
   * reconciled, or at a generation their status has not caught up with) are left to it.
   */
  private void reconcileOutdated(
      NamespaceView view, RenderOutcome rendered, Set<String> reconciling) {
    for (ModelRoute route : view.routes()) {
      String name = route.getMetadata().getName();
      RouteOutcome outcome = rendered.routes().get(name);
      ModelRouteStatus status = route.getStatus();
      if (outcome == null
          || reconciling.contains(name)
          || status == null
          || !Objects.equals(status.getObservedGeneration(), route.getMetadata().getGeneration())) {
        continue;
      }
      Conditions.Desired ready = ModelRouteStatusBuilder.ready(outcome);
      boolean current =
          Conditions.find(status.getConditions(), Conditions.READY)
              .filter(
                  c ->
                      ready.statusName().equals(c.getStatus())
                          && ready.reason().equals(c.getReason())
                          && Objects.equals(Conditions.capped(ready.message()), c.getMessage()))
              .isPresent();
      ResourceID id = ResourceID.fromResource(route);
      if (current) {
        nudged.remove(id);
        continue;
      }
      // Once per Ready to say and version of the route: a route whose status write fails stays
      // out of date at the same version, and two such routes would re-trigger each other at
      // once, for ever. Their own failed reconciles are retried by JOSDK, with its backoff.
      String nudge =
          ready.statusName()
              + "/"
              + ready.reason()
              + "/"
              + ready.message()
              + "@"
              + route.getMetadata().getResourceVersion();
      if (!nudge.equals(nudged.put(id, nudge))) {
        outdated.propagateEvent(id);
      }
    }
  }

  /**
   * The view's providers and policies validated, its Secrets read through a lookup that records
   * what it reads ({@link RenderedSecrets}): the reconcile's own resolve and the namespace's render
   * alike, as a route's status comes from both.
   */
  private ResolvedNamespace resolve(NamespaceView view) {
    RenderedSecrets.Render reads = renderedSecrets.start(view.namespace());
    try {
      return ResolvedNamespace.resolve(
          view,
          RenderedSecrets.recording(reads, (namespace, name) -> view.secrets().apply(name)),
          providerValidator,
          policyValidator);
    } finally {
      reads.done();
    }
  }

  /** The renders of one namespace so far (for tests and diagnostics). */
  public RenderMemo renderMemo(String namespace) {
    return memos.computeIfAbsent(namespace, ns -> new RenderMemo());
  }

  /** How many coalesced render-and-publish batches ran, over all namespaces. */
  public long renderBatches() {
    return renders.batches();
  }

  private void recordEvents(ModelRoute route, ModelRouteStatus next, RolloutDecision decision) {
    recordTransition(route, next);
    if (decision != null && decision.transition() != null) {
      RolloutDecision.Transition transition = decision.transition();
      events.record(
          route,
          transition.warning() ? EventRecorder.WARNING : EventRecorder.NORMAL,
          transition.reason(),
          transition.message());
    }
  }

  /**
   * The status write (when it changed), manual annotations cleared once acted on, and when to look
   * again.
   *
   * @param rendered the route is served from its spec; a retry needs one that renders, so it is
   *     kept until then (promote and abort are acted on either way)
   * @param published the table was published; when not, no annotation was acted on
   */
  private UpdateControl<ModelRoute> control(
      ModelRoute route,
      ModelRouteStatus next,
      RolloutDecision decision,
      boolean rendered,
      boolean published,
      Optional<GatewayStatus> runtime,
      Context<ModelRoute> context) {
    Set<String> manual = new java.util.HashSet<>(manualAnnotations(route));
    if (!rendered) {
      manual.remove(ProgressiveCanaryPlanner.RETRY_ANNOTATION);
    }
    if (!published) {
      manual.clear();
    }
    // Written now and cached: the rollout's state machine lives in this status, and the next
    // reconcile must not plan from an older one the informer still holds.
    boolean written =
        StatusUpdater.writeAndCacheIfChanged(
            route, next, ModelRouteStatus::setObservedGeneration, context);
    UpdateControl<ModelRoute> control = UpdateControl.noUpdate();
    if (!manual.isEmpty()) {
      if (written) {
        // Clear once the decision taken on the annotation is recorded; annotation-only changes
        // do not trigger a reconcile, so come back for it.
        control.rescheduleAfter(ANNOTATION_CLEAR_DELAY);
        return control;
      }
      rollout.clearAnnotations(route, manual);
    }
    java.time.Duration requeue = decision == null ? null : decision.requeueAfter();
    if (runtime.isPresent()) {
      // Status tells runtime truth only if it is looked at again: soon while replicas are still
      // loading the table, at a slow pace otherwise.
      GatewayStatus gateway = runtime.get();
      java.time.Duration refresh =
          gateway.getReplicasReady() < gateway.getReplicasTotal()
              ? gatewayCatchUp
              : GATEWAY_REFRESH;
      requeue = requeue == null || refresh.compareTo(requeue) < 0 ? refresh : requeue;
    }
    if (requeue != null) {
      control.rescheduleAfter(requeue);
    }
    return control;
  }

  /**
   * The namespace's table failed the gateway's validator and nothing was published: a route the
   * problems are about says so in {@code Ready} (and a Warning event on the change), and is looked
   * at again soon, as a fix elsewhere may free the namespace without an event for it. A route the
   * problems are not about fails the reconcile as before ({@link #updateErrorStatus}: an event and
   * JOSDK's retries), its status left as it was.
   */
  private UpdateControl<ModelRoute> rejected(
      ModelRoute route,
      RoutingTableComposer.RoutingTableRejectedException e,
      Context<ModelRoute> context) {
    Optional<Conditions.Desired> ready = RejectedTable.ready(route, e.tableProblems());
    if (ready.isEmpty()) {
      throw e;
    }
    ModelRouteStatus next =
        route.getStatus() == null
            ? new ModelRouteStatus()
            : context.getClient().getKubernetesSerialization().clone(route.getStatus());
    List<Condition> before = next.getConditions();
    next.setConditions(
        conditions.merge(
            before,
            Set.of(Conditions.READY),
            List.of(ready.get()),
            route.getMetadata().getGeneration()));
    Condition was = Conditions.find(before, Conditions.READY).orElse(null);
    if (was == null || !ready.get().reason().equals(was.getReason())) {
      events.record(route, EventRecorder.WARNING, ready.get().reason(), ready.get().message());
    }
    StatusUpdater.writeAndCacheIfChanged(
        route, next, ModelRouteStatus::setObservedGeneration, context);
    UpdateControl<ModelRoute> control = UpdateControl.noUpdate();
    control.rescheduleAfter(TOO_LARGE_RETRY);
    return control;
  }

  @Override
  public ErrorStatusUpdateControl<ModelRoute> updateErrorStatus(
      ModelRoute route, Context<ModelRoute> context, Exception e) {
    if (e instanceof RoutingTableComposer.RoutingTableRejectedException rejected) {
      events.record(
          route,
          EventRecorder.WARNING,
          Reason.ROUTING_TABLE_REJECTED.wireName(),
          "the rendered routing table failed validation and was not published; the previous"
              + " table keeps serving: "
              + rejected.problems());
    }
    return ErrorStatusUpdateControl.defaultErrorProcessing();
  }

  @Override
  public List<EventSource<?, ModelRoute>> prepareEventSources(
      EventSourceContext<ModelRoute> context) {
    routes = context.getPrimaryCache();
    routes.addIndexers(
        Map.<String, java.util.function.Function<ModelRoute, List<String>>>of(
            ROUTES_BY_PROVIDER,
            route -> keys(route, ReferenceResolver.providerNames(route)),
            ROUTES_BY_POLICY,
            route -> keys(route, ReferenceResolver.policyNames(route))));

    providers =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(ProviderEndpoint.class, ModelRoute.class)
                .withNamespacesInheritedFromController()
                .withSecondaryToPrimaryMapper(this::routesAffectedBy)
                .build(),
            context);
    providers.addIndexers(
        Map.<String, java.util.function.Function<ProviderEndpoint, List<String>>>of(
            PROVIDERS_BY_SECRET,
            pe ->
                pe.getSpec() == null
                        || pe.getSpec().getApiKeySecretRef() == null
                        || pe.getSpec().getApiKeySecretRef().getName() == null
                    ? List.of()
                    : List.of(
                        key(
                            pe.getMetadata().getNamespace(),
                            pe.getSpec().getApiKeySecretRef().getName()))));
    policies =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(RoutingPolicy.class, ModelRoute.class)
                .withNamespacesInheritedFromController()
                .withSecondaryToPrimaryMapper(rp -> routesReferencing(ROUTES_BY_POLICY, rp))
                .build(),
            context);
    secrets =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Secret.class, ModelRoute.class)
                .withNamespacesInheritedFromController()
                .withSecondaryToPrimaryMapper(this::routesUsingSecret)
                .withOnDeleteFilter(this::forgetIfPublished)
                .build(),
            context);
    tables =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(ConfigMap.class, ModelRoute.class)
                .withNamespacesInheritedFromController()
                .withLabelSelector(
                    RoutingTablePublisher.MANAGED_BY_LABEL + "=" + RoutingTablePublisher.MANAGED_BY)
                .withSecondaryToPrimaryMapper(this::routesIfTableChangedByOthers)
                .withOnDeleteFilter(this::forgetIfPublished)
                .build(),
            context);
    // Report ConfigMaps a user labelled (the operator's own are in the tables' informer too): so
    // that evaluations find them without a GET at every collection. No route reconciles for them.
    InformerEventSource<ConfigMap, ModelRoute> reports =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(ConfigMap.class, ModelRoute.class)
                .withName("evaluation-reports")
                .withNamespacesInheritedFromController()
                .withLabelSelector(EvaluationTracker.REPORT_LABEL + "=true")
                .withSecondaryToPrimaryMapper(configMap -> Set.of())
                .build(),
            context);
    if (evaluations != null) {
      evaluations.readReportConfigMapsFrom(
          (namespace, name) ->
              tables
                  .get(new ResourceID(name, namespace))
                  .or(() -> reports.get(new ResourceID(name, namespace))));
    }
    outdated = new SimpleInboundEventSource<>("outdated-route-status");
    references = new ReferenceResolver(this::viewFromCaches);
    return List.of(providers, policies, secrets, tables, reports, outdated);
  }

  /**
   * The namespace's providers and policies without its routes: what one route's references,
   * lifecycle and evaluation are checked against. Listing and sorting every route of a large
   * namespace for each reconcile would make reconciling all of them quadratic.
   */
  private NamespaceView referencesView(String namespace) {
    return new NamespaceView(
        namespace,
        providers.list(namespace, pe -> true).toList(),
        policies.list(namespace, rp -> true).toList(),
        List.of(),
        name -> secrets.get(new ResourceID(name, namespace)));
  }

  /** Routes marked for deletion are left out: every render leaves them out of the table. */
  private NamespaceView viewFromCaches(String namespace) {
    return new NamespaceView(
        namespace,
        providers.list(namespace, pe -> true).toList(),
        policies.list(namespace, rp -> true).toList(),
        routes.list(namespace, route -> !terminating(route)).toList(),
        name -> secrets.get(new ResourceID(name, namespace)));
  }

  /** ModelRoutes to reconcile when a referenced resource changes. */
  private Set<ResourceID> routesReferencing(String index, HasMetadata referenced) {
    String namespace = referenced.getMetadata().getNamespace();
    Set<ResourceID> ids =
        routes.byIndex(index, key(namespace, referenced.getMetadata().getName())).stream()
            .map(ResourceID::fromResource)
            .collect(Collectors.toSet());
    // Unreferenced providers and policies still appear in the table: re-render it once.
    return ids.isEmpty() ? anyRouteIn(namespace) : ids;
  }

  /**
   * Routes to reconcile when a ProviderEndpoint changes: those targeting it, and those whose
   * policy's semantic cache embeds with it (their status names the policy's embedder problem).
   */
  private Set<ResourceID> routesAffectedBy(ProviderEndpoint endpoint) {
    Set<ResourceID> ids = new java.util.HashSet<>(routesReferencing(ROUTES_BY_PROVIDER, endpoint));
    if (policies == null) {
      return ids;
    }
    String namespace = endpoint.getMetadata().getNamespace();
    String name = endpoint.getMetadata().getName();
    policies
        .list(namespace, rp -> EmbedderReferences.providerName(rp).filter(name::equals).isPresent())
        .forEach(
            rp ->
                routes
                    .byIndex(ROUTES_BY_POLICY, key(namespace, rp.getMetadata().getName()))
                    .stream()
                    .map(ResourceID::fromResource)
                    .forEach(ids::add));
    return ids;
  }

  /**
   * Routes to reconcile for a Secret event: all (one) when the published keys were changed by
   * others, else those of the providers using the Secret, unless the event cannot change anything
   * ({@link RenderedSecrets}).
   */
  Set<ResourceID> routesUsingSecret(Secret secret) {
    // By name, not label: this informer selects no label, so a keys Secret replaced by someone
    // else without the operator's label (kubectl replace of a hand-made object) arrives here as an
    // update, and must be written back like any other change by others.
    if (isKeysSecret(secret)) {
      return publisher.changedByOthers(secret)
          ? routesToRepublish(secret.getMetadata().getNamespace())
          : Set.of();
    }
    if (renderedSecrets.nothingNew(secret)) {
      // Every resolve so far read this version, or none read the Secret yet.
      return Set.of();
    }
    String namespace = secret.getMetadata().getNamespace();
    return providers
        .byIndex(PROVIDERS_BY_SECRET, key(namespace, secret.getMetadata().getName()))
        .stream()
        .flatMap(pe -> routesReferencing(ROUTES_BY_PROVIDER, pe).stream())
        .collect(Collectors.toSet());
  }

  private Set<ResourceID> routesIfTableChangedByOthers(ConfigMap configMap) {
    return (isPublished(configMap, RoutingTable.CONFIG_MAP_NAME) || isShard(configMap))
            && publisher.changedByOthers(configMap)
        ? routesToRepublish(configMap.getMetadata().getNamespace())
        : Set.of();
  }

  /**
   * A published object deleted by someone else is forgotten, so that its delete event counts as a
   * change by others and it is written back; the shards the publisher deleted itself (a smaller
   * table) are no event at all. A provider's Secret deleted always reconciles its routes.
   */
  private boolean forgetIfPublished(HasMetadata resource, Boolean finalStateUnknown) {
    if (resource instanceof Secret secret && !isKeysSecret(secret)) {
      // Its delete event reconciles the routes using it (their providers lose the key).
      renderedSecrets.deleted(secret);
    }
    if (isPublished(resource, RoutingTable.CONFIG_MAP_NAME)
        || isKeysSecret(resource)
        || isShard(resource)) {
      return publisher.deletedByOthers(resource);
    }
    return true;
  }

  private static boolean isPublished(HasMetadata resource, String name) {
    Map<String, String> labels = resource.getMetadata().getLabels();
    return name.equals(resource.getMetadata().getName())
        && labels != null
        && RoutingTablePublisher.MANAGED_BY.equals(
            labels.get(RoutingTablePublisher.MANAGED_BY_LABEL));
  }

  /**
   * The provider keys Secret, whatever its labels: the name is the operator's (the gateways read it
   * by name), and the Secrets' informer, unlike the tables', selects no label.
   */
  private static boolean isKeysSecret(HasMetadata resource) {
    return resource instanceof Secret
        && RoutingTable.KEYS_SECRET_NAME.equals(resource.getMetadata().getName());
  }

  /** A shard ConfigMap of a sharded routing table. */
  private static boolean isShard(HasMetadata resource) {
    Map<String, String> labels = resource.getMetadata().getLabels();
    return resource instanceof ConfigMap
        && labels != null
        && RoutingTable.CONFIG_MAP_NAME.equals(labels.get(RoutingTablePublisher.SHARD_OF_LABEL))
        && RoutingTablePublisher.MANAGED_BY.equals(
            labels.get(RoutingTablePublisher.MANAGED_BY_LABEL));
  }

  private Set<ResourceID> anyRouteIn(String namespace) {
    return routes
        .list(namespace)
        .map(ResourceID::fromResource)
        .min(Comparator.comparing(ResourceID::getName))
        .map(Set::of)
        .orElse(Set.of());
  }

  /** Sets condition {@code type} of {@code next} to {@code desired}, or removes it when empty. */
  /** Whether the status holds the route's declared evaluation (running or completed). */
  /**
   * Whether the route's {@code spec.evaluation} means a new run of the evaluation its status holds
   * (which ended early for a replacement that then was taken back).
   */
  private static boolean meansEndedAgain(ModelRoute route) {
    var spec = route.getSpec() == null ? null : route.getSpec().getEvaluation();
    var status = route.getStatus() == null ? null : route.getStatus().getEvaluation();
    if (spec == null || status == null || status.getId() == null) {
      return false;
    }
    String meant = EvaluationRendering.declaredId(route);
    return !meant.equals(status.getId())
        && EvaluationRendering.sameEvaluation(meant, status.getId());
  }

  private static boolean evaluationStarted(ModelRoute route) {
    var spec = route.getSpec() == null ? null : route.getSpec().getEvaluation();
    var status = route.getStatus() == null ? null : route.getStatus().getEvaluation();
    return spec != null
        && status != null
        && EvaluationRendering.declaredId(route).equals(status.getId());
  }

  /** Whether the status holds an evaluation the operator started by itself (running or not). */
  private static boolean automaticStarted(ModelRoute route) {
    var status = route.getStatus() == null ? null : route.getStatus().getEvaluation();
    return status != null && Boolean.TRUE.equals(status.getAutomatic());
  }

  /**
   * EvaluationReady while the route declares an evaluation or has an automatic one (due to start,
   * running or completed); absent otherwise.
   */
  private static Optional<Conditions.Desired> evaluationReady(
      ModelRoute route, boolean automatic, List<Problem> candidates, boolean waiting) {
    var spec = route.getSpec() == null ? null : route.getSpec().getEvaluation();
    if (spec == null && !automatic) {
      return Optional.empty();
    }
    if (candidates.isEmpty()) {
      return Optional.of(
          new Conditions.Desired(
              EvaluationTracker.EVALUATION_READY,
              true,
              Reason.CANDIDATES_RESOLVED.wireName(),
              "every candidate's provider and model resolve"));
    }
    return Optional.of(
        new Conditions.Desired(
            EvaluationTracker.EVALUATION_READY,
            false,
            candidates.get(0).reasonName(),
            Conditions.summary(
                candidates.stream().map(Problem::message).toList(),
                "; ",
                waiting
                    ? " — the evaluation starts once every candidate resolves"
                    : " — the evaluation goes on with the other candidates")));
  }

  private void evaluationCondition(
      ModelRouteStatus next, String type, Optional<Conditions.Desired> desired, long generation) {
    next.setConditions(
        conditions.merge(
            next.getConditions(),
            Set.of(type),
            desired.map(List::of).orElse(List.of()),
            generation));
  }

  private void recordTransition(ModelRoute route, ModelRouteStatus next) {
    recordWarningCondition(route, next, ModelRouteStatusBuilder.FLOATING_MODEL_VERSION);
    recordWarningCondition(route, next, EvaluationTracker.REPORT_BLOCKED);
    recordWarningCondition(route, next, EvaluationTracker.WRITE_FAILED);
    recordWarningCondition(route, next, EvaluationTracker.STATE_RECOVERED);
    var before =
        Conditions.find(
            route.getStatus() == null ? null : route.getStatus().getConditions(), Conditions.READY);
    var after = Conditions.find(next.getConditions(), Conditions.READY).orElseThrow();
    boolean changed =
        before.isEmpty()
            || !Objects.equals(before.get().getStatus(), after.getStatus())
            || !Objects.equals(before.get().getReason(), after.getReason());
    if (changed) {
      boolean ready = Conditions.TRUE.equals(after.getStatus());
      events.record(
          route,
          ready ? EventRecorder.NORMAL : EventRecorder.WARNING,
          after.getReason(),
          after.getMessage());
    }
  }

  /**
   * A Warning event when a warning condition of the route comes true or says something new: it
   * starts naming floating aliases or names different ones ({@code FloatingModelVersion}), its
   * evaluation report names a ConfigMap that is not the operator's ({@code
   * EvaluationReportBlocked}), its evaluation's state or runbook entry cannot be written ({@code
   * EvaluationWriteFailed}), its evaluation's stored state was corrupt and rebuilt ({@code
   * EvaluationStateRecovered}).
   */
  private void recordWarningCondition(ModelRoute route, ModelRouteStatus next, String type) {
    var before =
        Conditions.find(route.getStatus() == null ? null : route.getStatus().getConditions(), type);
    var after = Conditions.find(next.getConditions(), type);
    if (after.isEmpty() || !Conditions.TRUE.equals(after.get().getStatus())) {
      return;
    }
    boolean changed =
        before.isEmpty()
            || !Conditions.TRUE.equals(before.get().getStatus())
            || !Objects.equals(before.get().getMessage(), after.get().getMessage());
    if (changed) {
      events.record(
          route, EventRecorder.WARNING, after.get().getReason(), after.get().getMessage());
    }
  }

  private static Set<String> manualAnnotations(ModelRoute route) {
    Map<String, String> annotations = route.getMetadata().getAnnotations();
    if (annotations == null) {
      return Set.of();
    }
    return RolloutHooks.MANUAL_ANNOTATIONS.stream()
        .filter(annotations::containsKey)
        .collect(Collectors.toSet());
  }

  /**
   * The view without routes deleted meanwhile (the cache may still hold them); a route of the same
   * name created again since (another uid) stays.
   */
  /** Marked for deletion, kept by the API server only until its finalizers are removed. */
  private static boolean terminating(ModelRoute route) {
    return route.getMetadata().getDeletionTimestamp() != null;
  }

  private static NamespaceView without(NamespaceView view, List<ModelRoute> deleted) {
    return new NamespaceView(
        view.namespace(),
        view.providers(),
        view.policies(),
        view.routes().stream().filter(r -> deleted.stream().noneMatch(d -> same(r, d))).toList(),
        view.secrets());
  }

  private static boolean same(ModelRoute a, ModelRoute b) {
    String uidA = a.getMetadata().getUid();
    String uidB = b.getMetadata().getUid();
    return a.getMetadata().getName().equals(b.getMetadata().getName())
        && (uidA == null || uidB == null || uidA.equals(uidB));
  }

  /**
   * Non-controller owner references to the first routes by name (the publisher keeps at most {@link
   * RoutingTablePublisher#MAX_OWNER_REFERENCES}), so GC removes the table with the last one.
   */
  private static List<OwnerReference> owners(List<ModelRoute> routes) {
    // The view is sorted by name already.
    return routes.stream()
        .limit(RoutingTablePublisher.MAX_OWNER_REFERENCES)
        .map(
            r ->
                new OwnerReferenceBuilder()
                    .withApiVersion(r.getApiVersion())
                    .withKind(r.getKind())
                    .withName(r.getMetadata().getName())
                    .withUid(r.getMetadata().getUid())
                    .withController(false)
                    .withBlockOwnerDeletion(false)
                    .build())
        .toList();
  }

  private static List<String> keys(ModelRoute route, List<String> names) {
    return names.stream().map(n -> key(route.getMetadata().getNamespace(), n)).toList();
  }

  static String key(String namespace, String name) {
    return namespace + "/" + name;
  }
}
