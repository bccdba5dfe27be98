package dev.switchboard.operator.consumer;

import dev.switchboard.api.v1alpha1.Consumer;
import dev.switchboard.api.v1alpha1.ConsumerBudget;
import dev.switchboard.api.v1alpha1.ConsumerSpend;
import dev.switchboard.api.v1alpha1.ConsumerStatus;
import dev.switchboard.api.v1alpha1.ObservedKey;
import dev.switchboard.api.v1alpha1.SecretKeyRef;
import dev.switchboard.contract.ConsumerTable;
import dev.switchboard.operator.keys.KeyAges;
import dev.switchboard.operator.keys.OperatorCredential;
import dev.switchboard.operator.providerendpoint.CredentialResolver;
import dev.switchboard.operator.publish.CoalescingBatches;
import dev.switchboard.operator.publish.RenderedSecrets;
import dev.switchboard.operator.runtime.ConsumerSpendSource;
import dev.switchboard.operator.status.Conditions;
import dev.switchboard.operator.status.EventRecorder;
import dev.switchboard.operator.status.FieldsRecognized;
import dev.switchboard.operator.status.Problem;
import dev.switchboard.operator.status.Reason;
import dev.switchboard.operator.status.StatusUpdater;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.health.InformerHealthIndicator;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.ManagedInformerEventSource;
import java.time.Clock;
import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles Consumers: every change to a Consumer or to a Secret one of them references renders
 * the namespace's consumer table (key hashes only) into Secret {@value ConsumerTable#SECRET_NAME},
 * which the gateways watch, so a revoked key is refused as soon as they read it. Deleting a
 * Consumer re-renders without it (no finalizer: the reconciler also runs on delete events); once
 * none is left the table is written empty, which opens access again, as with no Consumer at all.
 * Every table, also one without Consumers ({@link #publishOperatorKey}), carries the hash of the
 * operator's drift credential. Status: key fingerprints and ages, spend from the gateways, Ready,
 * BudgetExhausted, KeyRotationDue.
 *
 * <p>Render and publish are coalesced per namespace ({@link CoalescingBatches}): the reconciles
 * that arrive while a table is rendered and published share the next one, and each writes its
 * status from the outcome of a table rendered after it arrived (a failed publish fails every
 * reconcile of its batch). A burst of N Consumers therefore costs a few renders of the namespace,
 * not N.
 */
@ControllerConfiguration(name = ConsumerReconciler.NAME, triggerReconcilerOnAllEvents = true)
public class ConsumerReconciler implements Reconciler<Consumer> {

  public static final String NAME = "consumer";

  private static final Logger LOG = LoggerFactory.getLogger(ConsumerReconciler.class);

  /** Condition type: the consumer's spend reached its daily or monthly budget. */
  public static final String BUDGET_EXHAUSTED = "BudgetExhausted";

  static final String BY_SECRET = "consumers-by-secret";
  static final String BY_NAMESPACE = "consumers-by-namespace";

  /**
   * What the Ready condition says of a table that does not fit, the same whatever its size, so that
   * a table growing while it does not fit rewrites no Consumer's status (the size is in the event).
   */
  static final String TOO_LARGE_SUMMARY =
      "the namespace's consumer table is over the "
          + ConsumerKeysPublisher.SECRET_LIMIT_BYTES
          + " bytes a Secret holds";

  /** How soon a namespace whose table did not fit is rendered again. */
  static final Duration TOO_LARGE_RETRY = Duration.ofMinutes(1);

  /**
   * Namespaces whose last rendered table did not fit a Secret, with its exact size (for the Warning
   * event): every Consumer there says so, and turns back when a render fits again.
   */
  private final Map<String, String> tooLarge = new java.util.concurrent.ConcurrentHashMap<>();

  /** Spend changes without any Kubernetes event: how often it is read from the gateways. */
  static final Duration SPEND_REFRESH = Duration.ofSeconds(15);

  private final ConsumerKeysPublisher publisher;
  private final Conditions conditions;
  private final EventRecorder events;
  private final KeyAges keyAges;
  private final ConsumerSpendSource spendSource;
  private final Clock clock;
  private final OperatorCredential credential;
  private InformerEventSource<Secret, Consumer> secrets;
  private IndexerResourceCache<Consumer> consumers;

  /** A namespace's Consumers, from the informer cache (set with the event sources). */
  private Function<String, List<Consumer>> consumersIn;

  /**
   * Whether the Consumer informer has synced (set with the event sources): until then its cache
   * says "no Consumer" of every namespace, which {@link #publishOperatorKey} must not believe.
   */
  private java.util.function.BooleanSupplier consumersSynced = () -> false;

  /**
   * Namespaces {@link #publishOperatorKey} was asked for before the Consumer informer had synced:
   * published once it has ({@link #publishAfterSync}).
   */
  private final Set<String> heldBack = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * The consumer table this process last published (or found already published) per namespace: who
   * holds a key that several Consumers list ({@link #inForce}).
   */
  private final Map<String, ConsumerTable> inForce = new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * The keys the last published render of each namespace kept for a Consumer that could not read
   * them ({@link ConsumerTableRenderer.Rendered#kept}). In memory only: after a restart a key kept
   * so is held by nobody until its holder reads it again.
   */
  private final Map<String, Map<String, String>> kept =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** A Secret by namespace and name, from the informer cache (set with the event sources). */
  private java.util.function.BiFunction<String, String, Optional<Secret>> secretNamed;

  /** The Consumers that reference a Secret, by namespace and name (set with the event sources). */
  private java.util.function.BiFunction<String, String, List<Consumer>> usersOf;

  /** What the latest table render of each namespace read of its Secrets. */
  private final RenderedSecrets renderedSecrets = RenderedSecrets.latestRender();

  /**
   * Render-and-publish per namespace, single flight: the reconciles that arrive while a table is
   * rendered and published share the next one, so a burst of N Consumers costs a few renders of N
   * rows, not N of them (N²).
   */
  private final CoalescingBatches<TableRequest, PublishedTable> tables =
      new CoalescingBatches<>(this::renderAndPublish);

  /** Reconciles a Consumer whose outcome another Consumer's change altered (a key handed on). */
  private final SimpleInboundEventSource<Consumer> others =
      new SimpleInboundEventSource<>("consumer-outcome-changed");

  /**
   * The outcome each Consumer's status was last written from. A key its holder drops (or a holder
   * deleted) goes to another Consumer that lists it, without any event for that one: its status
   * would keep saying KeySharedWithOtherConsumer until something else touched it.
   */
  private final Map<ResourceID, ConsumerTableRenderer.Resolution> applied =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * Whether each Consumer's spend was last reported from a shared store: what a SpendUnknown
   * message says about refusals (not known after a restart during an outage).
   */
  private final Map<ResourceID, Boolean> sharedSpend =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * Namespaces where this process published the table for its credential alone (no Consumer): a
   * deleted table is written back there. Only the leader publishes, so only it writes back.
   */
  private final Set<String> operatorKeyed = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** Writes back off the informer's thread. */
  private final java.util.concurrent.Executor writeBack =
      dev.switchboard.operator.publish.WriteBack.executor("consumer-table-write-back");

  public ConsumerReconciler(
      ConsumerKeysPublisher publisher,
      Conditions conditions,
      EventRecorder events,
      ConsumerSpendSource spendSource,
      Clock clock,
      OperatorCredential credential) {
    this.credential = credential;
    this.publisher = publisher;
    this.conditions = conditions;
    this.events = events;
    this.keyAges = new KeyAges(clock);
    this.spendSource = spendSource;
    this.clock = clock;
  }

  @Override
  public UpdateControl<Consumer> reconcile(Consumer consumer, Context<Consumer> context) {
    String namespace = consumer.getMetadata().getNamespace();
    boolean deleted =
        context.isPrimaryResourceDeleted() || consumer.getMetadata().getDeletionTimestamp() != null;
    // Returns once a table rendered after this reconcile began is published (or refused as too
    // large): it holds this Consumer's generation or a later one. A failed publish throws here, in
    // every reconcile of its batch, and JOSDK retries each.
    PublishedTable published = publishTable(consumer, deleted);
    ConsumerTableRenderer.Resolution resolution =
        deleted ? null : published.rendered().consumers().get(consumer.getMetadata().getName());
    if (resolution == null) {
      return UpdateControl.noUpdate();
    }
    UpdateControl<Consumer> control =
        writtenAndCached(consumer, status(consumer, resolution, published.tooLarge()), context);
    if (published.tooLarge() != null
        && control.getScheduleDelay().map(d -> d > TOO_LARGE_RETRY.toMillis()).orElse(true)) {
      // Tried again: nothing else may happen in the namespace for a while.
      control.rescheduleAfter(TOO_LARGE_RETRY);
    }
    return control;
  }

  /** One reconcile's part in its namespace's next consumer table. */
  private record TableRequest(ResourceID consumer, String uid, boolean deleted) {}

  /**
   * What one batch rendered, and why it was not published (it does not fit a Secret, with its exact
   * size), or null when it was published or already in force.
   */
  record PublishedTable(ConsumerTableRenderer.Rendered rendered, String tooLarge) {}

  /**
   * Renders and publishes a namespace's consumer table once for a batch of reconciles (see {@link
   * CoalescingBatches}): from the informer cache as it is when the batch starts, so it holds every
   * Consumer of the batch as of its reconcile or later, without the batch's deleted ones. Under the
   * namespace lock, which {@link #publishOperatorKey} shares.
   */
  private PublishedTable renderAndPublish(String namespace, List<TableRequest> batch) {
    Set<String> deletedUids = new HashSet<>();
    Set<ResourceID> reconciling = new HashSet<>();
    for (TableRequest request : batch) {
      reconciling.add(request.consumer());
      if (request.deleted()) {
        deletedUids.add(request.uid());
      }
    }
    synchronized (publisher.lockFor(namespace)) {
      RenderedSecrets.Render reads = renderedSecrets.start(namespace);
      ConsumerTableRenderer.Rendered rendered;
      List<Consumer> live;
      try {
        live =
            consumersIn.apply(namespace).stream()
                .filter(c -> c.getMetadata().getDeletionTimestamp() == null)
                .filter(c -> !deletedUids.contains(c.getMetadata().getUid()))
                .toList();
        rendered =
            ConsumerTableRenderer.render(
                live,
                new CredentialResolver(RenderedSecrets.recording(reads, secretNamed)),
                credential.sha256(),
                inForce(namespace),
                kept.getOrDefault(namespace, Map.of()));
      } finally {
        reads.done();
      }
      String overflow = null;
      try {
        publisher.publish(namespace, rendered.table(), owners(live));
        inForce.put(namespace, rendered.table());
        kept.put(namespace, rendered.kept());
      } catch (ConsumerKeysPublisher.ConsumerTableTooLargeException e) {
        // The published table stays in force; every Consumer of the namespace says so.
        overflow = e.getMessage();
      }
      String wasOverflow =
          overflow == null ? tooLarge.remove(namespace) : tooLarge.put(namespace, overflow);
      if ((wasOverflow == null) != (overflow == null)) {
        // The others' statuses change with it, without any event of theirs. Only when the overflow
        // starts or ends: their condition does not carry its size, so a table that grows or
        // shrinks while it does not fit rewrites no status (a Consumer added there would cost a
        // status write of every Consumer of the namespace).
        live.stream()
            .map(ResourceID::fromResource)
            .filter(other -> !reconciling.contains(other))
            .forEach(others::propagateEvent);
      }
      // Under the lock, so that what another batch compares with is what was rendered last.
      for (TableRequest request : batch) {
        ConsumerTableRenderer.Resolution resolution =
            request.deleted() ? null : rendered.consumers().get(request.consumer().getName());
        if (resolution == null) {
          applied.remove(request.consumer());
          sharedSpend.remove(request.consumer());
        } else {
          applied.put(request.consumer(), resolution);
        }
      }
      refreshOthers(namespace, reconciling, rendered);
      return new PublishedTable(rendered, overflow);
    }
  }

  /**
   * The consumer table the gateways of a namespace enforce, which decides who keeps a key that
   * several Consumers list: the one this process last published there, else (after a restart, or
   * before its first publish) the one its Secret holds; null when there is none or it cannot be
   * read. What this process published comes first, so that someone who edits or deletes the Secret
   * cannot hand a key to another Consumer (the Secret is written back from the render).
   */
  private ConsumerTable inForce(String namespace) {
    ConsumerTable last = inForce.get(namespace);
    if (last != null) {
      return last;
    }
    return secretNamed
        .apply(namespace, ConsumerTable.SECRET_NAME)
        .flatMap(ConsumerKeysPublisher::tableIn)
        .orElse(null);
  }

  /** How many consumer tables were rendered for reconciles, over all namespaces. */
  public long tableRenders() {
    return tables.batches();
  }

  /** How many reconciles of a namespace wait for its next consumer table (for tests). */
  int waitingForTable(String namespace) {
    return tables.waiting(namespace);
  }

  /**
   * Renders and publishes the namespace's table for one Consumer's reconcile, as {@link #reconcile}
   * does: shared with the reconciles that wait meanwhile.
   */
  PublishedTable publishTable(Consumer consumer, boolean deleted) {
    return tables.submit(
        consumer.getMetadata().getNamespace(),
        new TableRequest(
            ResourceID.fromResource(consumer), consumer.getMetadata().getUid(), deleted));
  }

  /**
   * Reads Consumers and Secrets from these in place of the informers: for tests that run the
   * table's rendering and publishing without an operator.
   */
  void readFrom(
      Function<String, List<Consumer>> consumersIn,
      java.util.function.BiFunction<String, String, Optional<Secret>> secretNamed) {
    readFrom(consumersIn, () -> true, secretNamed);
  }

  /** As {@link #readFrom(Function, java.util.function.BiFunction)}, with the cache's sync state. */
  void readFrom(
      Function<String, List<Consumer>> consumersIn,
      java.util.function.BooleanSupplier consumersSynced,
      java.util.function.BiFunction<String, String, Optional<Secret>> secretNamed) {
    this.consumersIn = consumersIn;
    this.consumersSynced = consumersSynced;
    this.secretNamed = secretNamed;
    this.usersOf =
        (namespace, name) ->
            consumersIn.apply(namespace).stream()
                .filter(c -> secretNames(c).contains(name))
                .toList();
  }

  /**
   * Writes a changed status now and puts the written Consumer into JOSDK's primary cache, returning
   * the same control without the patch (its reschedule kept). A status patched through the returned
   * control is not cached by the framework: a reconcile that another Consumer's render queues
   * before the informer delivers the write would read the old conditions and record their
   * transition (a Warning or Normal event) a second time.
   */
  private static UpdateControl<Consumer> writtenAndCached(
      Consumer consumer, UpdateControl<Consumer> control, Context<Consumer> context) {
    if (!control.isPatchStatus()) {
      return control;
    }
    ConsumerStatus next = consumer.getStatus();
    PrimaryUpdateAndCacheUtils.updateStatusAndCacheResource(
        consumer,
        context,
        current -> {
          current.setStatus(next);
          return current;
        });
    UpdateControl<Consumer> written = UpdateControl.noUpdate();
    control.getScheduleDelay().ifPresent(written::rescheduleAfter);
    return written;
  }

  /**
   * Queues a reconcile of every Consumer of the namespace outside the batch whose outcome in this
   * render differs from the one its status was written from. One never reconciled by this process
   * is left alone: its first reconcile (every Consumer has one on start) renders it anyway.
   */
  private void refreshOthers(
      String namespace, Set<ResourceID> reconciling, ConsumerTableRenderer.Rendered rendered) {
    rendered
        .consumers()
        .forEach(
            (name, outcome) -> {
              ResourceID other = new ResourceID(name, namespace);
              ConsumerTableRenderer.Resolution last = applied.get(other);
              if (!reconciling.contains(other) && last != null && !last.equals(outcome)) {
                others.propagateEvent(other);
              }
            });
  }

  /**
   * Publishes the consumer table of a namespace that has no Consumer: no consumers (so the public
   * API stays keyless) but the hash of this process's credential, so that its gateways answer only
   * this operator on the admin port's drift entry. Called wherever a routing table is published; a
   * namespace with Consumers is left to their reconciles, which publish the hash with them. Cheap
   * in a steady state (what was written is remembered).
   *
   * <p>Not before the Consumer informer has synced: JOSDK starts each controller's reconciles once
   * its own informers have synced, so without leader election a routing table can be published at
   * start while the Consumer cache is still empty, and an empty consumer table there would open a
   * namespace that requires keys until its Consumers reconcile. Such a namespace is held back (fail
   * closed: the table it has stays in force) and published by {@link #publishAfterSync}.
   */
  public void publishOperatorKey(String namespace) {
    if (consumersIn == null) {
      return;
    }
    if (!consumersSynced.getAsBoolean()) {
      heldBack.add(namespace);
      LOG.info("consumer table of {} held back until the Consumer informer has synced", namespace);
      return;
    }
    if (!heldBack.isEmpty()) {
      publishAfterSync();
    }
    publishOperatorKeyNow(namespace);
  }

  /**
   * Publishes, once the Consumer informer has synced, what could not be published before: the
   * operator-key table of every namespace {@link #publishOperatorKey} held back, and an empty one
   * where the published table still holds consumers although none is left (its last Consumer was
   * deleted while no operator ran: no Consumer reconciles there, and running gateways would keep
   * accepting its keys). Called by the operator once its informers have synced (on the leader); a
   * no-op while the cache has not synced.
   *
   * <p>First, the table of every namespace that has Consumers but no consumer table (a fresh
   * install, or a table deleted while no operator ran): with leader election this runs before any
   * reconcile, so such a namespace gets its consumer table before its routing table. Else its
   * routes and its Consumers reconcile in parallel, and a gateway that got the routing table first
   * would serve it without consumer keys until the Consumers' reconcile published theirs.
   *
   * @return the namespaces published
   */
  public List<String> publishAfterSync() {
    List<String> published = new ArrayList<>();
    if (consumersIn == null || !consumersSynced.getAsBoolean()) {
      return published;
    }
    for (String namespace : consumersWithoutTable()) {
      try {
        if (renderAndPublish(namespace, List.of()).tooLarge() == null) {
          published.add(namespace);
        }
      } catch (RuntimeException e) {
        // Its Consumers' reconciles publish it (and retry).
        LOG.warn("could not publish the consumer table in {}: {}", namespace, e.toString());
      }
    }
    java.util.SortedSet<String> namespaces = new java.util.TreeSet<>();
    for (String namespace : List.copyOf(heldBack)) {
      heldBack.remove(namespace);
      namespaces.add(namespace);
    }
    namespaces.addAll(consumersDeletedMeanwhile());
    for (String namespace : namespaces) {
      try {
        if (publishOperatorKeyNow(namespace)) {
          published.add(namespace);
        }
      } catch (RuntimeException e) {
        // The namespace's next routing table publish tries again.
        LOG.warn("could not publish the consumer table in {}: {}", namespace, e.toString());
      }
    }
    return published;
  }

  /** Namespaces with Consumers (in the informer cache) but no consumer table in the Secret one. */
  private java.util.SortedSet<String> consumersWithoutTable() {
    if (consumers == null || secretNamed == null) {
      return new java.util.TreeSet<>();
    }
    return consumers
        .list()
        .map(c -> c.getMetadata().getNamespace())
        .filter(namespace -> secretNamed.apply(namespace, ConsumerTable.SECRET_NAME).isEmpty())
        .collect(Collectors.toCollection(java.util.TreeSet::new));
  }

  /**
   * Namespaces whose consumer table (in the Secret informer's cache) was rendered with Consumers
   * (it has owner references: every table with consumers is owned by them) while none is left.
   */
  private Set<String> consumersDeletedMeanwhile() {
    if (secrets == null) {
      return Set.of();
    }
    return secrets
        .list(
            s ->
                ConsumerTable.SECRET_NAME.equals(s.getMetadata().getName())
                    && s.getMetadata().getOwnerReferences() != null
                    && !s.getMetadata().getOwnerReferences().isEmpty())
        .map(s -> s.getMetadata().getNamespace())
        .filter(namespace -> consumersIn.apply(namespace).isEmpty())
        .collect(Collectors.toSet());
  }

  /** The operator-key table, unless the namespace has Consumers; whether it was published. */
  private boolean publishOperatorKeyNow(String namespace) {
    synchronized (publisher.lockFor(namespace)) {
      if (!consumersIn.apply(namespace).isEmpty()) {
        return false;
      }
      ConsumerTable table =
          ConsumerTableRenderer.render(List.of(), resolver(), credential.sha256()).table();
      publisher.publish(namespace, table, List.of());
      inForce.put(namespace, table);
      operatorKeyed.add(namespace);
      return true;
    }
  }

  UpdateControl<Consumer> status(Consumer consumer, ConsumerTableRenderer.Resolution resolution) {
    return status(consumer, resolution, null);
  }

  /**
   * @param tooLarge why the namespace's table was not published (it does not fit a Secret), with
   *     its exact size, or null; the exact size goes only into the Warning event, the condition's
   *     message stays the same while the overflow lasts
   */
  UpdateControl<Consumer> status(
      Consumer consumer, ConsumerTableRenderer.Resolution resolution, String tooLarge) {
    ConsumerStatus previous = consumer.getStatus();
    ConsumerStatus next = new ConsumerStatus();
    List<ObservedKey> keys = keys(resolution, previous == null ? null : previous.getKeys());
    next.setKeys(keys.isEmpty() ? null : keys);
    int inForce = resolution.keySha256().size();

    List<Conditions.Desired> desired = new ArrayList<>();
    // KeyRotationDue is managed even when not desired: no policy or no key removes it.
    Set<String> managed = new HashSet<>(Set.of(Conditions.READY, KeyAges.KEY_ROTATION_DUE));
    List<Problem> problems = resolution.problems();
    desired.add(
        tooLarge != null
            ? new Conditions.Desired(
                Conditions.READY,
                false,
                Reason.CONSUMER_TABLE_TOO_LARGE.wireName(),
                TOO_LARGE_SUMMARY
                    + "; it was not published and the last published table stays in force (new"
                    + " keys, revocations and limits wait): remove consumers, keys or model globs,"
                    + " or spread the consumers over namespaces")
            : problems.isEmpty()
                ? new Conditions.Desired(
                    Conditions.READY,
                    true,
                    Reason.KEYS_PUBLISHED.wireName(),
                    inForce
                        + " key(s) published (as hashes) to Secret "
                        + ConsumerTable.SECRET_NAME
                        + "; the gateways accept them and refuse other keys")
                : new Conditions.Desired(
                    Conditions.READY,
                    false,
                    problems.get(0).reasonName(),
                    Conditions.summary(
                        problems.stream().map(Problem::message).toList(),
                        "; ",
                        " (" + inForce + " key(s) in force)")));

    Optional<Duration> nextCheck = Optional.empty();
    Optional<Duration> maxAge =
        KeyAges.maxAge(consumer.getSpec() == null ? null : consumer.getSpec().getKeyRotation());
    if (maxAge.isPresent() && !keys.isEmpty()) {
      List<String> due =
          keys.stream().filter(k -> keyAges.due(k, maxAge.get())).map(this::describe).toList();
      String limit = consumer.getSpec().getKeyRotation().getMaxAge();
      desired.add(
          due.isEmpty()
              ? new Conditions.Desired(
                  KeyAges.KEY_ROTATION_DUE,
                  false,
                  Reason.KEYS_WITHIN_MAX_AGE.wireName(),
                  "every key is younger than keyRotation.maxAge " + limit)
              : new Conditions.Desired(
                  KeyAges.KEY_ROTATION_DUE,
                  true,
                  Reason.KEY_OLDER_THAN_MAX_AGE.wireName(),
                  "older than keyRotation.maxAge "
                      + limit
                      + ": "
                      + String.join(", ", due)
                      + "; add a new key to keySecretRefs, move the callers, then remove the old"
                      + " one"));
      nextCheck =
          keys.stream()
              .map(k -> keyAges.untilDue(k, maxAge.get()))
              .filter(d -> !d.isNegative())
              .min(Duration::compareTo)
              .map(d -> d.plus(Duration.ofSeconds(1)));
    }

    List<Condition> before = previous == null ? null : previous.getConditions();
    ConsumerSpend spend = previous == null ? null : previous.getSpend();
    if (spendSource != ConsumerSpendSource.NONE) {
      // Managed: spend the gateways answer without this consumer removes the condition.
      managed.add(BUDGET_EXHAUSTED);
      ConsumerBudget budget = consumer.getSpec() == null ? null : consumer.getSpec().getBudget();
      Optional<Map<String, ConsumerSpendSource.Spent>> reported =
          spendSource.spend(consumer.getMetadata().getNamespace());
      ResourceID id = ResourceID.fromResource(consumer);
      if (reported.isPresent()) {
        ConsumerSpendSource.Spent spent = reported.get().get(consumer.getMetadata().getName());
        spend = spent == null ? null : spend(spent, spend);
        if (spent != null) {
          sharedSpend.put(id, spent.shared());
        }
        budgetCondition(budget, spent).ifPresent(desired::add);
      } else {
        // No replica answered (a gateway rollout, say): the last figures stay, dated by
        // spend.updatedAt, and BudgetExhausted says since when they are unknown.
        unknownSpendCondition(
                budget, Conditions.find(before, BUDGET_EXHAUSTED), spend, sharedSpend.get(id))
            .ifPresent(desired::add);
      }
    }
    next.setSpend(spend);

    next.setConditions(
        conditions.merge(before, managed, desired, consumer.getMetadata().getGeneration()));
    next.setConditions(
        FieldsRecognized.apply(consumer, before, next.getConditions(), conditions, events));
    recordEvents(consumer, before, next.getConditions(), tooLarge);
    UpdateControl<Consumer> control =
        StatusUpdater.patchIfChanged(consumer, next, ConsumerStatus::setObservedGeneration);
    Duration again =
        spendSource == ConsumerSpendSource.NONE
            ? nextCheck.orElse(null)
            : nextCheck.filter(d -> d.compareTo(SPEND_REFRESH) < 0).orElse(SPEND_REFRESH);
    if (again != null) {
      control.rescheduleAfter(again);
    }
    return control;
  }

  /**
   * The consumer's keys with their ages: those published and, while some of its key Secrets cannot
   * be read (Ready=False says which), the age records of as many previously seen keys that are not
   * readable now (the oldest first, so a rotation policy is never eased by a Secret that was
   * briefly gone). Such a record is forgotten once every reference reads again and the key is not
   * among them: a different key was seen. A key refused because another consumer holds it is not
   * listed: its fingerprint, next to the one in the holder's status, would name the holder.
   */
  private List<ObservedKey> keys(
      ConsumerTableRenderer.Resolution resolution, List<ObservedKey> previous) {
    List<ObservedKey> keys = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (String hash : resolution.keySha256()) {
      String fingerprint = KeyAges.fingerprintOfHash(hash);
      if (seen.add(fingerprint)) {
        keys.add(keyAges.observe(fingerprint, previous));
      }
    }
    if (resolution.unreadable() > 0 && previous != null) {
      previous.stream()
          .filter(k -> k != null && k.getFingerprint() != null && k.getObservedSince() != null)
          .filter(k -> !seen.contains(k.getFingerprint()))
          // ISO-8601 instants in UTC, all written by this operator: text order is time order.
          .sorted(java.util.Comparator.comparing(ObservedKey::getObservedSince))
          .limit(resolution.unreadable())
          .forEach(keys::add);
    }
    return keys;
  }

  /** The figures, with updatedAt moved only when they changed (a steady state writes nothing). */
  private ConsumerSpend spend(ConsumerSpendSource.Spent spent, ConsumerSpend previous) {
    double today = round(spent.todayUsd());
    double month = round(spent.monthUsd());
    if (previous != null
        && Objects.equals(previous.getToday(), today)
        && Objects.equals(previous.getMonth(), month)
        && previous.getUpdatedAt() != null) {
      return previous;
    }
    ConsumerSpend next = new ConsumerSpend();
    next.setToday(today);
    next.setMonth(month);
    next.setCurrency("USD");
    next.setUpdatedAt(
        DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS)));
    return next;
  }

  /** BudgetExhausted from the reported spend; empty when the gateways do not count the consumer. */
  static Optional<Conditions.Desired> budgetCondition(
      ConsumerBudget budget, ConsumerSpendSource.Spent spent) {
    return spent == null
        ? budgetCondition(budget, null, null)
        : budgetCondition(budget, spent, spent.shared());
  }

  /**
   * BudgetExhausted from spend figures against the budget.
   *
   * @param shared whether the gateways count the figures in a shared store; null: not known
   */
  private static Optional<Conditions.Desired> budgetCondition(
      ConsumerBudget budget, ConsumerSpendSource.Spent spent, Boolean shared) {
    if (budget == null || (budget.getUsdPerDay() == null && budget.getUsdPerMonth() == null)) {
      return Optional.of(
          new Conditions.Desired(
              BUDGET_EXHAUSTED, false, Reason.NO_BUDGET.wireName(), "the consumer has no budget"));
    }
    if (spent == null) {
      return Optional.empty();
    }
    if (budget.getUsdPerMonth() != null && spent.monthUsd() >= budget.getUsdPerMonth()) {
      return Optional.of(
          new Conditions.Desired(
              BUDGET_EXHAUSTED,
              true,
              Reason.MONTHLY_BUDGET_SPENT.wireName(),
              String.format(
                  java.util.Locale.ROOT,
                  "spent %.2f USD this month of a %.2f USD monthly budget; %s",
                  spent.monthUsd(),
                  budget.getUsdPerMonth(),
                  refused(shared, "the month ends"))));
    }
    if (budget.getUsdPerDay() != null && spent.todayUsd() >= budget.getUsdPerDay()) {
      return Optional.of(
          new Conditions.Desired(
              BUDGET_EXHAUSTED,
              true,
              Reason.DAILY_BUDGET_SPENT.wireName(),
              String.format(
                  java.util.Locale.ROOT,
                  "spent %.2f USD today of a %.2f USD daily budget; %s",
                  spent.todayUsd(),
                  budget.getUsdPerDay(),
                  refused(shared, "00:00 UTC"))));
    }
    return Optional.of(
        new Conditions.Desired(
            BUDGET_EXHAUSTED,
            false,
            Reason.WITHIN_BUDGET.wireName(),
            String.format(
                java.util.Locale.ROOT,
                "spent %.2f USD today and %.2f USD this month, within a budget of %s",
                spent.todayUsd(),
                spent.monthUsd(),
                describe(budget))));
  }

  /** The budget in words: "5.00 USD a day", "100.00 USD a month", or both. */
  private static String describe(ConsumerBudget budget) {
    List<String> parts = new ArrayList<>();
    if (budget.getUsdPerDay() != null) {
      parts.add(String.format(java.util.Locale.ROOT, "%.2f USD a day", budget.getUsdPerDay()));
    }
    if (budget.getUsdPerMonth() != null) {
      parts.add(String.format(java.util.Locale.ROOT, "%.2f USD a month", budget.getUsdPerMonth()));
    }
    return String.join(" and ", parts);
  }

  /**
   * BudgetExhausted while no gateway replica can be asked: reason {@code SpendUnknown}, and a
   * message that says since when and what the last reported figures (status.spend, kept) make of
   * the consumer's budget as it is now, so a budget changed during the outage is the one described.
   * Dropping the condition instead would show a suspended consumer as Ready during every gateway
   * restart (the shared store keeps refusing it meanwhile) and raise its Warning event again once
   * the replicas answer. The message keeps its first time, so a long outage writes nothing more.
   * Absent when nothing was known for a budget before.
   *
   * @param shared whether the last report came from a shared store; null: not known
   */
  private Optional<Conditions.Desired> unknownSpendCondition(
      ConsumerBudget budget, Optional<Condition> last, ConsumerSpend spend, Boolean shared) {
    Optional<Conditions.Desired> noBudget = budgetCondition(budget, null);
    if (noBudget.isPresent()) {
      return noBudget; // needs no spend
    }
    if (last.isEmpty() || Reason.NO_BUDGET.wireName().equals(last.get().getReason())) {
      return Optional.empty();
    }
    boolean stillUnknown = Reason.SPEND_UNKNOWN.wireName().equals(last.get().getReason());
    String since =
        stillUnknown
            ? unknownSince(last.get().getMessage())
            : DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS));
    if (spend == null || spend.getToday() == null || spend.getMonth() == null) {
      // No figures kept (not expected: a condition comes with them): the last word stays.
      return Optional.of(
          new Conditions.Desired(
              BUDGET_EXHAUSTED,
              Conditions.TRUE.equals(last.get().getStatus()),
              Reason.SPEND_UNKNOWN.wireName(),
              stillUnknown
                  ? last.get().getMessage()
                  : UNKNOWN_SINCE + since + "; last reported: " + last.get().getMessage()));
    }
    Conditions.Desired lastFigures =
        budgetCondition(
                budget,
                new ConsumerSpendSource.Spent(spend.getToday(), spend.getMonth(), true),
                shared)
            .orElseThrow();
    return Optional.of(
        new Conditions.Desired(
            BUDGET_EXHAUSTED,
            lastFigures.status(),
            Reason.SPEND_UNKNOWN.wireName(),
            UNKNOWN_SINCE + since + "; last reported: " + lastFigures.message()));
  }

  private static final String UNKNOWN_SINCE = "no gateway replica has answered since ";

  /** The time a SpendUnknown message gives ("?" for a message this operator did not write). */
  private static String unknownSince(String message) {
    if (message == null || !message.startsWith(UNKNOWN_SINCE) || message.indexOf(';') < 0) {
      return "?";
    }
    return message.substring(UNKNOWN_SINCE.length(), message.indexOf(';'));
  }

  /**
   * What the gateways do about a spent budget: refuse on the shared total; without a shared store
   * each replica counts its own spend, so the sum says nothing about which of them refuse.
   */
  private static String refused(Boolean shared, String until) {
    if (shared == null) {
      return "with a shared state store requests are answered 429 insufficient_quota until "
          + until
          + " or the budget is raised; without one each replica refuses only once it has spent the"
          + " budget itself";
    }
    return shared
        ? "requests are answered 429 insufficient_quota until " + until + " or the budget is raised"
        : "summed over gateway replicas that count alone (no shared state store): each replica"
            + " refuses only once it has spent the budget itself";
  }

  private String describe(ObservedKey key) {
    return key.getFingerprint() + " (first seen " + KeyAges.human(keyAges.age(key)) + " ago)";
  }

  /**
   * Events on the transitions of the consumer's conditions; {@code tooLarge}, when set, is the
   * table's exact size, said in the ConsumerTableTooLarge event in place of the condition's stable
   * summary.
   */
  private void recordEvents(
      Consumer consumer, List<Condition> before, List<Condition> after, String tooLarge) {
    Optional<Condition> readyBefore = Conditions.find(before, Conditions.READY);
    Condition readyAfter = Conditions.find(after, Conditions.READY).orElseThrow();
    if (readyBefore.isEmpty()
        || !Objects.equals(readyBefore.get().getStatus(), readyAfter.getStatus())
        || !Objects.equals(readyBefore.get().getReason(), readyAfter.getReason())) {
      events.record(
          consumer,
          Conditions.TRUE.equals(readyAfter.getStatus())
              ? EventRecorder.NORMAL
              : EventRecorder.WARNING,
          readyAfter.getReason(),
          tooLarge != null
                  && Reason.CONSUMER_TABLE_TOO_LARGE.wireName().equals(readyAfter.getReason())
              ? readyAfter.getMessage().replace(TOO_LARGE_SUMMARY, tooLarge)
              : readyAfter.getMessage());
    }
    for (String type : List.of(BUDGET_EXHAUSTED, KeyAges.KEY_ROTATION_DUE)) {
      Optional<Condition> was = Conditions.find(before, type);
      Optional<Condition> now = Conditions.find(after, type);
      if (now.isPresent()
          && Conditions.TRUE.equals(now.get().getStatus())
          && (was.isEmpty() || !Conditions.TRUE.equals(was.get().getStatus()))) {
        events.record(
            consumer, EventRecorder.WARNING, now.get().getReason(), now.get().getMessage());
      }
    }
  }

  private CredentialResolver resolver() {
    return new CredentialResolver(secretNamed);
  }

  private static double round(double usd) {
    return Math.round(usd * 1_000_000d) / 1_000_000d;
  }

  @Override
  public List<EventSource<?, Consumer>> prepareEventSources(EventSourceContext<Consumer> context) {
    consumers = context.getPrimaryCache();
    consumersIn = namespace -> consumers.byIndex(BY_NAMESPACE, namespace);
    consumersSynced = new OnceTrue(() -> synced(consumers));
    consumers.addIndexers(
        Map.<String, Function<Consumer, List<String>>>of(
            BY_SECRET,
            c ->
                secretNames(c).stream()
                    .map(name -> c.getMetadata().getNamespace() + "/" + name)
                    .toList(),
            BY_NAMESPACE,
            c -> List.of(c.getMetadata().getNamespace())));
    secrets =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Secret.class, Consumer.class)
                .withName("consumer-secrets")
                .withNamespacesInheritedFromController()
                .withSecondaryToPrimaryMapper(this::consumersFor)
                .withOnDeleteFilter(this::forgetDeleted)
                .build(),
            context);
    secretNamed = (namespace, name) -> secrets.get(new ResourceID(name, namespace));
    usersOf = (namespace, name) -> consumers.byIndex(BY_SECRET, namespace + "/" + name);
    return List.of(secrets, others);
  }

  /**
   * Whether JOSDK's informer behind a cache runs and every informer of it (one per watched
   * namespace) has synced: running alone is not enough, as JOSDK goes on without the sync when
   * {@code stopOnInformerErrorDuringStartup} is off and the sync times out.
   */
  static boolean synced(IndexerResourceCache<?> cache) {
    return cache instanceof ManagedInformerEventSource<?, ?, ?> source
        && source.isRunning()
        && !source.informerHealthIndicators().isEmpty()
        && source.informerHealthIndicators().values().stream()
            .allMatch(InformerHealthIndicator::hasSynced);
  }

  /**
   * True from the first time its condition is: a cache that has synced once is the one to read (a
   * relist later replaces it in place), and the check is not paid on every routing publish.
   */
  private static final class OnceTrue implements java.util.function.BooleanSupplier {
    private final java.util.function.BooleanSupplier condition;
    private volatile boolean seen;

    OnceTrue(java.util.function.BooleanSupplier condition) {
      this.condition = condition;
    }

    @Override
    public boolean getAsBoolean() {
      if (!seen && condition.getAsBoolean()) {
        seen = true;
      }
      return seen;
    }
  }

  /** The names of the Secrets a Consumer's keys are read from. */
  private static List<String> secretNames(Consumer consumer) {
    return consumer.getSpec() == null || consumer.getSpec().getKeySecretRefs() == null
        ? List.of()
        : consumer.getSpec().getKeySecretRefs().stream()
            .filter(r -> r != null && r.getName() != null)
            .map(SecretKeyRef::getName)
            .distinct()
            .toList();
  }

  /**
   * Consumers a Secret event concerns: its users, unless the namespace's latest table render read
   * it at this version or is still to read it ({@link RenderedSecrets}), or all when our table was
   * changed by others.
   */
  Set<ResourceID> consumersFor(Secret secret) {
    String namespace = secret.getMetadata().getNamespace();
    String name = secret.getMetadata().getName();
    if (ConsumerTable.SECRET_NAME.equals(name)) {
      if (!publisher.changedByOthers(secret)) {
        return Set.of();
      }
      return consumersIn.apply(namespace).stream()
          .map(ResourceID::fromResource)
          .collect(Collectors.toSet());
    }
    if (renderedSecrets.nothingNew(secret)) {
      return Set.of();
    }
    return usersOf.apply(namespace, name).stream()
        .map(ResourceID::fromResource)
        .collect(Collectors.toSet());
  }

  /**
   * A deleted Secret is forgotten as rendered, so that its delete event reconciles its Consumers
   * (they lose the key). A deleted table is forgotten, so that its delete event counts as a change
   * by others and the table is written back: a gateway that starts without it knows no Consumer and
   * lets every request in, and takes drift requests from anyone who reaches its admin port. Without
   * Consumers no reconcile follows, so the table with the operator's credential alone is written
   * back here.
   */
  boolean forgetDeleted(Secret secret, Boolean finalStateUnknown) {
    renderedSecrets.deleted(secret);
    if (ConsumerTable.SECRET_NAME.equals(secret.getMetadata().getName())) {
      String namespace = secret.getMetadata().getNamespace();
      publisher.forget(namespace);
      if (operatorKeyed.contains(namespace)) {
        writeBack.execute(() -> writeBackOperatorKey(namespace));
      }
    }
    return true;
  }

  private void writeBackOperatorKey(String namespace) {
    try {
      publishOperatorKey(namespace);
    } catch (RuntimeException e) {
      // The namespace's next routing table publish tries again.
      LOG.warn("could not write back the consumer table in {}: {}", namespace, e.toString());
    }
  }

  /**
   * Non-controller owner references to every Consumer: GC removes the table with the last one.
   * Deliberately not capped as the routing table's are ({@code
   * RoutingTablePublisher.MAX_OWNER_REFERENCES}): a routing table collected while routes remain
   * leaves a restarted gateway not ready (closed), but a consumer table collected while Consumers
   * remain would let a gateway restarted meanwhile serve without consumer keys (open). The cost is
   * ~160 bytes of metadata per Consumer, outside the 1 MiB the API server allows a Secret's data.
   */
  private static List<OwnerReference> owners(List<Consumer> consumers) {
    return consumers.stream()
        .map(
            c ->
                new OwnerReferenceBuilder()
                    .withApiVersion(c.getApiVersion())
                    .withKind(c.getKind())
                    .withName(c.getMetadata().getName())
                    .withUid(c.getMetadata().getUid())
                    .withBlockOwnerDeletion(false)
                    .withController(false)
                    .build())
        .sorted(java.util.Comparator.comparing(OwnerReference::getUid))
        .toList();
  }
}
