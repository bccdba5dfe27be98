package dev.switchboard.operator.providerendpoint;

import dev.switchboard.api.v1alpha1.ObservedKey;
import dev.switchboard.api.v1alpha1.ProviderEndpoint;
import dev.switchboard.api.v1alpha1.ProviderEndpointStatus;
import dev.switchboard.api.v1alpha1.SecretKeyRef;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.operator.keys.KeyAges;
import dev.switchboard.operator.runtime.CommitmentSource;
import dev.switchboard.operator.runtime.ProviderHealth;
import dev.switchboard.operator.status.Conditions;
import dev.switchboard.operator.status.EventRecorder;
import dev.switchboard.operator.status.FieldsRecognized;
import dev.switchboard.operator.status.Problem;
import dev.switchboard.operator.status.Reason;
import dev.switchboard.operator.status.StatusUpdater;
import dev.switchboard.operator.status.Terminating;
import dev.switchboard.operator.status.UnenforcedFields;
import io.fabric8.kubernetes.api.model.Secret;
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
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Reconciles ProviderEndpoints' status: validate (spec, SSRF guard) → resolve credentials from the
 * referenced Secret → model lifecycle phases → status and events. The routing table itself is
 * rendered by the ModelRoute controller, which watches the same resources.
 */
// On all events: an endpoint marked for deletion (others' finalizers hold it) must say so.
@ControllerConfiguration(
    name = ProviderEndpointReconciler.NAME,
    triggerReconcilerOnAllEvents = true)
public class ProviderEndpointReconciler implements Reconciler<ProviderEndpoint> {

  public static final String NAME = "providerendpoint";

  private static final Duration HEALTH_REFRESH = Duration.ofSeconds(15);

  static final String BY_SECRET = "providers-by-secret";

  private static final Set<String> MANAGED =
      Set.of(
          Conditions.READY,
          Conditions.CREDENTIALS_RESOLVED,
          UnenforcedFields.ENFORCED,
          RetirementDates.APPROACHING,
          // Managed even when not desired: no rotation policy (or no key) removes the condition.
          KeyAges.KEY_ROTATION_DUE);

  private final ProviderEndpointValidator validator;
  private final ModelPhases modelPhases;
  private final Conditions conditions;
  private final EventRecorder events;
  private final ProviderHealth health;
  private final KeyAges keyAges;
  private final CommitmentSource commitmentSource;
  private final CommitmentStatuses commitmentStatuses;
  private InformerEventSource<Secret, ProviderEndpoint> secrets;

  public ProviderEndpointReconciler(
      ProviderEndpointValidator validator,
      ModelPhases modelPhases,
      Conditions conditions,
      EventRecorder events) {
    this(validator, modelPhases, conditions, events, null);
  }

  /**
   * @param health the gateway replicas' view of providers for the {@code Healthy} condition, or
   *     null to not manage that condition
   */
  public ProviderEndpointReconciler(
      ProviderEndpointValidator validator,
      ModelPhases modelPhases,
      Conditions conditions,
      EventRecorder events,
      ProviderHealth health) {
    this(validator, modelPhases, conditions, events, health, new KeyAges(Clock.systemUTC()));
  }

  /**
   * @param keyAges fingerprints and ages of the endpoint's key, on the operator's clock
   */
  public ProviderEndpointReconciler(
      ProviderEndpointValidator validator,
      ModelPhases modelPhases,
      Conditions conditions,
      EventRecorder events,
      ProviderHealth health,
      KeyAges keyAges) {
    this(
        validator,
        modelPhases,
        conditions,
        events,
        health,
        keyAges,
        CommitmentSource.NONE,
        Clock.systemUTC());
  }

  /**
   * @param commitmentSource what the gateways report about prepaid commitments, for {@code
   *     status.commitments} and the {@code CommitmentExhausted} condition ({@link
   *     CommitmentSource#NONE}: neither is managed)
   * @param clock the operator's clock (month-end projections)
   */
  public ProviderEndpointReconciler(
      ProviderEndpointValidator validator,
      ModelPhases modelPhases,
      Conditions conditions,
      EventRecorder events,
      ProviderHealth health,
      KeyAges keyAges,
      CommitmentSource commitmentSource,
      Clock clock) {
    this.commitmentSource = commitmentSource;
    this.commitmentStatuses = new CommitmentStatuses(clock);
    this.keyAges = keyAges;
    this.health = health;
    this.validator = validator;
    this.modelPhases = modelPhases;
    this.conditions = conditions;
    this.events = events;
  }

  @Override
  public UpdateControl<ProviderEndpoint> reconcile(
      ProviderEndpoint endpoint, Context<ProviderEndpoint> context) {
    if (context.isPrimaryResourceDeleted()) {
      return UpdateControl.noUpdate();
    }
    List<Problem> specProblems = validator.validate(endpoint);
    CredentialResolver.Result credentials =
        new CredentialResolver((namespace, name) -> secrets.get(new ResourceID(name, namespace)))
            .resolve(endpoint);

    ProviderEndpointStatus next = new ProviderEndpointStatus();
    var phases =
        modelPhases.phases(endpoint.getSpec() == null ? null : endpoint.getSpec().getModels());
    next.setModels(phases.isEmpty() ? null : phases);
    // Marked for deletion first: whatever else is wrong, it is going away.
    List<Problem> all = new ArrayList<>(Terminating.ofEndpoint(endpoint).stream().toList());
    all.addAll(specProblems);
    if (!credentials.resolved()) {
      all.add(credentials.problem());
    }
    List<Conditions.Desired> desired =
        new ArrayList<>(
            List.of(
                all.isEmpty()
                    ? new Conditions.Desired(
                        Conditions.READY,
                        true,
                        Reason.ENDPOINT_READY.wireName(),
                        "the endpoint can be routed to")
                    : new Conditions.Desired(
                        Conditions.READY, false, all.get(0).reasonName(), joined(all)),
                credentials.resolved()
                    ? new Conditions.Desired(
                        Conditions.CREDENTIALS_RESOLVED,
                        true,
                        credentials.credentials().hasKey()
                            ? Reason.SECRET_KEY_FOUND.wireName()
                            : Reason.NO_CREDENTIALS_NEEDED.wireName(),
                        credentials.credentials().hasKey()
                            ? "the API key was found in the referenced Secret"
                            : "no apiKeySecretRef: requests are sent without a key")
                    : new Conditions.Desired(
                        Conditions.CREDENTIALS_RESOLVED,
                        false,
                        credentials.problem().reasonName(),
                        credentials.problem().message())));
    desired.add(UnenforcedFields.condition(UnenforcedFields.of(endpoint.getSpec())));
    Optional<Conditions.Desired> retiring =
        modelPhases.retirementWarning(
            endpoint.getSpec() == null ? null : endpoint.getSpec().getModels());
    retiring.ifPresent(desired::add);
    Set<String> managed = new HashSet<>(MANAGED);
    ProviderEndpointStatus before = endpoint.getStatus();
    Optional<Duration> rotationDue = Optional.empty();
    ObservedKey key = null;
    List<ObservedKey> lastRecord =
        before == null || before.getCredentials() == null
            ? List.of()
            : List.of(before.getCredentials());
    if (!specProblems.isEmpty() || invalidReference(credentials)) {
      // An invalid spec renders nothing: the Secret's key is not published for the endpoint. The
      // routing table holds for it at most the key a route's last good entry carries (as it was
      // published), so the record follows that key, and goes when the table holds none.
      key =
          publishedKey(endpoint)
              .map(published -> keyAges.observe(KeyAges.fingerprint(published), lastRecord))
              .orElse(null);
    } else if (credentials.resolved() && credentials.credentials().hasKey()) {
      key = keyAges.observe(KeyAges.fingerprint(credentials.credentials().apiKey()), lastRecord);
    } else if (!credentials.resolved() && before != null) {
      // The Secret is unreadable for now (deleted and created again by a secret syncer, say;
      // CredentialsResolved=False says so). The age record stays until a different key is seen:
      // forgetting it would restart the key's age when the same key comes back.
      key = before.getCredentials();
    }
    next.setCredentials(key);
    if (key != null) {
      Optional<Duration> maxAge =
          KeyAges.maxAge(endpoint.getSpec() == null ? null : endpoint.getSpec().getKeyRotation());
      if (maxAge.isPresent()) {
        boolean due = keyAges.due(key, maxAge.get());
        desired.add(
            due
                ? new Conditions.Desired(
                    KeyAges.KEY_ROTATION_DUE,
                    true,
                    Reason.KEY_OLDER_THAN_MAX_AGE.wireName(),
                    "the API key "
                        + key.getFingerprint()
                        + " was first seen "
                        + KeyAges.human(keyAges.age(key))
                        + " ago, longer than keyRotation.maxAge "
                        + endpoint.getSpec().getKeyRotation().getMaxAge()
                        + "; put a new key into "
                        + secretName(endpoint))
                : new Conditions.Desired(
                    KeyAges.KEY_ROTATION_DUE,
                    false,
                    Reason.KEYS_WITHIN_MAX_AGE.wireName(),
                    "the API key "
                        + key.getFingerprint()
                        + " is younger than keyRotation.maxAge "
                        + endpoint.getSpec().getKeyRotation().getMaxAge()));
        if (!due) {
          rotationDue = Optional.of(keyAges.untilDue(key, maxAge.get()));
        }
      }
    }
    Optional<Conditions.Desired> healthy =
        health == null
            ? Optional.empty()
            : health.condition(
                endpoint.getMetadata().getNamespace(), endpoint.getMetadata().getName());
    if (health != null) {
      // Managed even when empty: no replica reporting on the provider removes the condition.
      managed.add(ProviderHealth.HEALTHY);
    }
    healthy.ifPresent(desired::add);
    ProviderEndpointStatus previous = endpoint.getStatus();
    next.setCommitments(previous == null ? null : previous.getCommitments());
    if (commitmentSource != CommitmentSource.NONE) {
      Optional<Map<String, List<CommitmentSource.Used>>> reported =
          commitmentSource.commitments(endpoint.getMetadata().getNamespace());
      // No replica answered: the status keeps what it said (it is dated by observedAt).
      if (reported.isPresent()) {
        CommitmentStatuses.Result commitments =
            commitmentStatuses.of(
                endpoint.getSpec(),
                reported.get().getOrDefault(endpoint.getMetadata().getName(), List.of()),
                previous == null ? null : previous.getCommitments());
        next.setCommitments(commitments.rows());
        managed.add(CommitmentStatuses.COMMITMENT_EXHAUSTED);
        commitments.condition().ifPresent(desired::add);
      }
    }
    next.setConditions(
        conditions.merge(
            previous == null ? null : previous.getConditions(),
            managed,
            desired,
            endpoint.getMetadata().getGeneration()));
    next.setConditions(
        FieldsRecognized.apply(
            endpoint,
            previous == null ? null : previous.getConditions(),
            next.getConditions(),
            conditions,
            events));
    recordTransition(endpoint, next);
    RetirementDates.recordEvents(
        endpoint,
        previous == null ? null : previous.getConditions(),
        retiring.stream().toList(),
        events);
    recordCredentialsRejected(endpoint, next);
    recordRotationDue(endpoint, next);
    recordCommitmentUsedUp(endpoint, next);
    UpdateControl<ProviderEndpoint> control =
        StatusUpdater.patchIfChanged(endpoint, next, ProviderEndpointStatus::setObservedGeneration);
    // Phases flip at midnight UTC of a lifecycle date; come back then rather than polling.
    modelPhases
        .untilNextChange(endpoint.getSpec() == null ? null : endpoint.getSpec().getModels())
        .map(d -> d.plus(Duration.ofSeconds(1)))
        .ifPresent(control::rescheduleAfter);
    // Come back when the key turns older than maxAge (the status carries when it was first seen).
    rotationDue
        .map(d -> d.plus(Duration.ofSeconds(1)))
        .filter(d -> control.getScheduleDelay().map(delay -> d.toMillis() < delay).orElse(true))
        .ifPresent(control::rescheduleAfter);
    if (health != null || commitmentSource != CommitmentSource.NONE) {
      // The gateways' view changes without any Kubernetes event: look again at a modest pace.
      if (control.getScheduleDelay().map(d -> d > HEALTH_REFRESH.toMillis()).orElse(true)) {
        control.rescheduleAfter(HEALTH_REFRESH);
      }
    }
    return control;
  }

  @Override
  public List<EventSource<?, ProviderEndpoint>> prepareEventSources(
      EventSourceContext<ProviderEndpoint> context) {
    IndexerResourceCache<ProviderEndpoint> endpoints = context.getPrimaryCache();
    endpoints.addIndexers(
        Map.<String, Function<ProviderEndpoint, List<String>>>of(
            BY_SECRET,
            pe ->
                pe.getSpec() == null
                        || pe.getSpec().getApiKeySecretRef() == null
                        || pe.getSpec().getApiKeySecretRef().getName() == null
                    ? List.of()
                    : List.of(
                        pe.getMetadata().getNamespace()
                            + "/"
                            + pe.getSpec().getApiKeySecretRef().getName())));
    secrets =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Secret.class, ProviderEndpoint.class)
                .withNamespacesInheritedFromController()
                .withSecondaryToPrimaryMapper(
                    secret ->
                        (RoutingTable.KEYS_SECRET_NAME.equals(secret.getMetadata().getName())
                                // The published keys: what an invalid endpoint's record follows.
                                ? endpoints.list(secret.getMetadata().getNamespace())
                                : endpoints
                                    .byIndex(
                                        BY_SECRET,
                                        secret.getMetadata().getNamespace()
                                            + "/"
                                            + secret.getMetadata().getName())
                                    .stream())
                            .map(ResourceID::fromResource)
                            .collect(Collectors.toSet()))
                .build(),
            context);
    return List.of(secrets);
  }

  /** A reference without a Secret name: a spec problem, not a Secret that is briefly gone. */
  private static boolean invalidReference(CredentialResolver.Result credentials) {
    return !credentials.resolved() && credentials.problem().reason() == Reason.INVALID_SPEC;
  }

  /**
   * The key the published routing table holds for the endpoint (in the provider keys Secret, by
   * endpoint name), read from the same informer cache as the user's Secrets.
   */
  private Optional<String> publishedKey(ProviderEndpoint endpoint) {
    SecretKeyRef published = new SecretKeyRef();
    published.setName(RoutingTable.KEYS_SECRET_NAME);
    published.setKey(endpoint.getMetadata().getName());
    CredentialResolver.Result result =
        new CredentialResolver((namespace, name) -> secrets.get(new ResourceID(name, namespace)))
            .resolve(endpoint.getMetadata().getNamespace(), published);
    return result.resolved() ? Optional.of(result.credentials().apiKey()) : Optional.empty();
  }

  private static String secretName(ProviderEndpoint endpoint) {
    SecretKeyRef ref = endpoint.getSpec() == null ? null : endpoint.getSpec().getApiKeySecretRef();
    return ref == null || ref.getName() == null
        ? "the endpoint's Secret (spec.apiKeySecretRef names none)"
        : "Secret '" + ref.getName() + "'";
  }

  private void recordTransition(ProviderEndpoint endpoint, ProviderEndpointStatus next) {
    var before =
        Conditions.find(
            endpoint.getStatus() == null ? null : endpoint.getStatus().getConditions(),
            Conditions.READY);
    var after = Conditions.find(next.getConditions(), Conditions.READY).orElseThrow();
    if (before.isEmpty()
        || !Objects.equals(before.get().getStatus(), after.getStatus())
        || !Objects.equals(before.get().getReason(), after.getReason())) {
      events.record(
          endpoint,
          Conditions.TRUE.equals(after.getStatus()) ? EventRecorder.NORMAL : EventRecorder.WARNING,
          after.getReason(),
          after.getMessage());
    }
  }

  /**
   * A Warning event when the gateways start reporting that the provider rejects their key (once per
   * transition: the steady state records nothing).
   */
  private void recordCredentialsRejected(ProviderEndpoint endpoint, ProviderEndpointStatus next) {
    var before =
        Conditions.find(
            endpoint.getStatus() == null ? null : endpoint.getStatus().getConditions(),
            ProviderHealth.HEALTHY);
    var after = Conditions.find(next.getConditions(), ProviderHealth.HEALTHY);
    if (after.isPresent()
        && ProviderHealth.CREDENTIALS_REJECTED.equals(after.get().getReason())
        && (before.isEmpty()
            || !ProviderHealth.CREDENTIALS_REJECTED.equals(before.get().getReason()))) {
      events.record(
          endpoint,
          EventRecorder.WARNING,
          ProviderHealth.CREDENTIALS_REJECTED,
          after.get().getMessage());
    }
  }

  /** A Warning event when the key becomes older than keyRotation.maxAge (once per transition). */
  private void recordRotationDue(ProviderEndpoint endpoint, ProviderEndpointStatus next) {
    var before =
        Conditions.find(
            endpoint.getStatus() == null ? null : endpoint.getStatus().getConditions(),
            KeyAges.KEY_ROTATION_DUE);
    var after = Conditions.find(next.getConditions(), KeyAges.KEY_ROTATION_DUE);
    if (after.isPresent()
        && Conditions.TRUE.equals(after.get().getStatus())
        && (before.isEmpty() || !Conditions.TRUE.equals(before.get().getStatus()))) {
      events.record(
          endpoint, EventRecorder.WARNING, after.get().getReason(), after.get().getMessage());
    }
  }

  /** A Normal event when a prepaid commitment is used up (once per transition). */
  private void recordCommitmentUsedUp(ProviderEndpoint endpoint, ProviderEndpointStatus next) {
    var before =
        Conditions.find(
            endpoint.getStatus() == null ? null : endpoint.getStatus().getConditions(),
            CommitmentStatuses.COMMITMENT_EXHAUSTED);
    var after = Conditions.find(next.getConditions(), CommitmentStatuses.COMMITMENT_EXHAUSTED);
    if (after.isPresent()
        && Conditions.TRUE.equals(after.get().getStatus())
        && (before.isEmpty()
            || !Conditions.TRUE.equals(before.get().getStatus())
            || !Objects.equals(before.get().getMessage(), after.get().getMessage()))) {
      events.record(
          endpoint, EventRecorder.NORMAL, after.get().getReason(), after.get().getMessage());
    }
  }

  private static String joined(List<Problem> problems) {
    return Conditions.summary(problems.stream().map(Problem::message).toList(), "; ", "");
  }
}
