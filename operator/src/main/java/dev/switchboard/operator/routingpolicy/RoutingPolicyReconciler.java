package dev.switchboard.operator.routingpolicy;

import dev.switchboard.api.v1alpha1.ProviderEndpoint;
import dev.switchboard.api.v1alpha1.RoutingPolicy;
import dev.switchboard.api.v1alpha1.RoutingPolicyStatus;
import dev.switchboard.operator.drift.DriftChecker;
import dev.switchboard.operator.status.Conditions;
import dev.switchboard.operator.status.EventRecorder;
import dev.switchboard.operator.status.FieldsRecognized;
import dev.switchboard.operator.status.Problem;
import dev.switchboard.operator.status.Reason;
import dev.switchboard.operator.status.StatusUpdater;
import dev.switchboard.operator.status.Terminating;
import dev.switchboard.operator.status.UnenforcedFields;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reconciles RoutingPolicies' status: validate (the spec, and the semantic cache's embedder
 * reference against the namespace's ProviderEndpoints: {@link EmbedderReferences}) → {@code Ready}
 * condition and events, and {@code Enforced} naming the fields the gateway does not act on yet
 * ({@link UnenforcedFields}). A ProviderEndpoint's change re-reconciles the policies embedding with
 * it. The drift results in status belong to the drift check and are kept as they are.
 */
// Generation-aware filtering would drop the rebaseline annotation (metadata does not bump the
// generation): PolicyChangeFilter passes spec edits and that annotation, not status writes.
// On all events: a policy marked for deletion (others' finalizers hold it) must say so.
@ControllerConfiguration(
    name = RoutingPolicyReconciler.NAME,
    triggerReconcilerOnAllEvents = true,
    generationAwareEventProcessing = false,
    informer = @Informer(onUpdateFilter = PolicyChangeFilter.class))
public class RoutingPolicyReconciler implements Reconciler<RoutingPolicy> {

  public static final String NAME = "routingpolicy";

  private final RoutingPolicyValidator validator;
  private final Conditions conditions;
  private final EventRecorder events;
  private final DriftChecker drift;

  private IndexerResourceCache<RoutingPolicy> policies;
  private InformerEventSource<ProviderEndpoint, RoutingPolicy> providers;

  public RoutingPolicyReconciler(
      RoutingPolicyValidator validator, Conditions conditions, EventRecorder events) {
    this(validator, conditions, events, null);
  }

  /** With the drift check run by {@code drift} (null: drift checks are not run). */
  public RoutingPolicyReconciler(
      RoutingPolicyValidator validator,
      Conditions conditions,
      EventRecorder events,
      DriftChecker drift) {
    this.validator = validator;
    this.conditions = conditions;
    this.events = events;
    this.drift = drift;
  }

  @Override
  public UpdateControl<RoutingPolicy> reconcile(
      RoutingPolicy policy, Context<RoutingPolicy> context) {
    if (context.isPrimaryResourceDeleted()) {
      if (drift != null) {
        drift.forget(policy);
      }
      return UpdateControl.noUpdate();
    }
    // Marked for deletion first (and no drift check runs on it): it is going away.
    List<Problem> problems = new ArrayList<>(Terminating.ofPolicy(policy).stream().toList());
    problems.addAll(validator.validate(policy));
    problems.addAll(embedderProblems(policy));
    RoutingPolicyStatus previous = policy.getStatus();
    RoutingPolicyStatus next = new RoutingPolicyStatus();
    next.setDrift(previous == null ? null : previous.getDrift());
    // The drift check runs only on a valid policy (its schedule state stays as it was otherwise).
    boolean driftCheck = policy.getSpec() != null && policy.getSpec().getDriftCheck() != null;
    if (drift != null && !driftCheck) {
      next.setDrift(null); // a removed drift check leaves no stale results behind
      drift.forget(policy); // nor series
    }
    DriftChecker.Outcome driftOutcome =
        drift == null || !problems.isEmpty() || !driftCheck ? null : drift.reconcile(policy);
    List<Conditions.Desired> driftCondition = List.of();
    if (driftOutcome != null) {
      next.setDrift(driftOutcome.status());
      if (driftOutcome.drifted() != null) {
        driftCondition = List.of(driftOutcome.drifted());
      }
    }
    Conditions.Desired ready =
        problems.isEmpty()
            ? new Conditions.Desired(
                Conditions.READY,
                true,
                Reason.POLICY_VALID.wireName(),
                "the policy can be used by routes")
            : new Conditions.Desired(
                Conditions.READY,
                false,
                problems.get(0).reasonName(),
                Conditions.summary(problems.stream().map(Problem::message).toList(), "; ", ""));
    next.setConditions(
        conditions.merge(
            previous == null ? null : previous.getConditions(),
            drift == null
                ? Set.of(Conditions.READY, UnenforcedFields.ENFORCED)
                : Set.of(Conditions.READY, UnenforcedFields.ENFORCED, DriftChecker.DRIFTED),
            concat(
                List.of(ready, UnenforcedFields.condition(UnenforcedFields.of(policy.getSpec()))),
                driftCondition),
            policy.getMetadata().getGeneration()));
    var before =
        Conditions.find(previous == null ? null : previous.getConditions(), Conditions.READY);
    if (before.isEmpty()
        || !Objects.equals(before.get().getStatus(), ready.status() ? "True" : "False")
        || !Objects.equals(before.get().getReason(), ready.reason())) {
      events.record(
          policy,
          ready.status() ? EventRecorder.NORMAL : EventRecorder.WARNING,
          ready.reason(),
          ready.message());
    }
    next.setConditions(
        FieldsRecognized.apply(
            policy,
            previous == null ? null : previous.getConditions(),
            next.getConditions(),
            conditions,
            events));
    // One write path for this kind's status, drift check or not: written now and cached (the drift
    // schedule's state lives in this status, and the next reconcile must not run again from an
    // older one the informer still holds), as a full replace of the status. Mixing it with JOSDK's
    // patch (server-side apply in production) left fields the replace wrote, such as drift, owned
    // by another field manager: an apply that omits them does not remove them, so a removed drift
    // check kept stale results and every reconcile applied again.
    StatusUpdater.writeAndCacheIfChanged(
        policy, next, RoutingPolicyStatus::setObservedGeneration, context);
    UpdateControl<RoutingPolicy> control = UpdateControl.noUpdate();
    if (driftOutcome != null && driftOutcome.recheck() != null) {
      control.rescheduleAfter(driftOutcome.recheck());
    }
    return control;
  }

  /**
   * The embedder reference's problems, read from the informer cache; a provider counts as not ready
   * while its own {@code Ready} condition says so (the ProviderEndpoint reconciler's verdict).
   */
  private List<Problem> embedderProblems(RoutingPolicy policy) {
    if (providers == null || EmbedderReferences.providerName(policy).isEmpty()) {
      return List.of();
    }
    String namespace = policy.getMetadata().getNamespace();
    return EmbedderReferences.problems(
        policy,
        namespace,
        name -> providers.get(new ResourceID(name, namespace)),
        endpoint ->
            Conditions.find(
                    endpoint.getStatus() == null ? null : endpoint.getStatus().getConditions(),
                    Conditions.READY)
                .filter(c -> "False".equals(c.getStatus()))
                .map(c -> Optional.ofNullable(c.getMessage()).orElse(c.getReason())));
  }

  @Override
  public List<EventSource<?, RoutingPolicy>> prepareEventSources(
      EventSourceContext<RoutingPolicy> context) {
    policies = context.getPrimaryCache();
    providers =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(ProviderEndpoint.class, RoutingPolicy.class)
                .withNamespacesInheritedFromController()
                .withSecondaryToPrimaryMapper(this::policiesEmbeddingWith)
                .build(),
            context);
    return List.of(providers);
  }

  /** The policies of the endpoint's namespace whose semantic cache embeds with it. */
  private Set<ResourceID> policiesEmbeddingWith(ProviderEndpoint endpoint) {
    String name = endpoint.getMetadata().getName();
    return policies
        .list(endpoint.getMetadata().getNamespace())
        .filter(p -> EmbedderReferences.providerName(p).filter(name::equals).isPresent())
        .map(ResourceID::fromResource)
        .collect(Collectors.toSet());
  }

  private static List<Conditions.Desired> concat(
      List<Conditions.Desired> a, List<Conditions.Desired> b) {
    List<Conditions.Desired> all = new java.util.ArrayList<>(a);
    all.addAll(b);
    return all;
  }
}
