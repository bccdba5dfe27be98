package dev.switchboard.operator.drift;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.api.v1alpha1.DriftCheck;
import dev.switchboard.api.v1alpha1.DriftResult;
import dev.switchboard.api.v1alpha1.DriftStatus;
import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.RoutingPolicy;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.operator.status.Conditions;
import dev.switchboard.operator.status.EventRecorder;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a RoutingPolicy's {@code driftCheck} when its schedule says so (state in {@code
 * status.drift}, so restarts and missed runs behave, see {@link DriftSchedule}), against every
 * target that serves a ModelRoute using the policy — the stable arm of its published routing-table
 * entry, its own targets and its rules' (during a canary and after a rollback that is not what the
 * spec names; a canary's targets are never replayed) — with the baseline kept in the ConfigMap
 * {@code switchboard-drift-<policy>} the policy owns. Produces the new {@code status.drift}, the
 * {@code Drifted} condition, events and metrics.
 *
 * <p>Only routes in the published table are asked: one whose spec the operator found not servable
 * (never published) is named in {@code status.drift.message} and neither asked nor a failure; one
 * not reconciled yet makes the attempt wait for it, for at most {@link #PENDING_ATTEMPTS} attempts
 * (then it is skipped, named and a Warning event); one marked for deletion is ignored. An attempt
 * in which no target answered (gateway unreachable, every request an error), in which any request
 * found no gateway replica to take it ({@link DriftClient.NoGatewayException}: the instrument
 * missing or not ready, not a target failing — e.g. the gateway came up between two targets, or a
 * replica answered 404 for a route of the published table it has not loaded yet), or that waits for
 * a route to be published, is not a run: it takes and compares no baseline, does not count as the
 * schedule time's run, and is retried after {@link #retryDelay} (1, 2, 4 … minutes, at most {@link
 * #MAX_RETRY_DELAY}, never after the next schedule time), the retry time kept in status.
 */
public final class DriftChecker {

  /** Condition type set on policies with a drift check. */
  public static final String DRIFTED = "Drifted";

  /** Annotation on a policy: a new value takes a new baseline at once (e.g. a timestamp). */
  public static final String REBASELINE_ANNOTATION = "switchboard.dev/drift-rebaseline";

  /** Longest wait before looking again (a schedule edit reconciles at once anyway). */
  public static final Duration MAX_RECHECK = Duration.ofHours(1);

  /** Reason of {@code Drifted=Unknown} (and of its Warning event) while no target answers. */
  public static final String UNREACHABLE = "DriftCheckUnreachable";

  /**
   * Reason of {@code Drifted=False} when no target drifted but some answer a prompt differently
   * from one sample to the next in the same run: no reference to compare with, so not drift (and no
   * canary is held for it).
   */
  public static final String NOT_REPRODUCIBLE = "NotReproducible";

  /** Normal event when a run completes after attempts that reached no target. */
  public static final String REACHABLE_AGAIN = "DriftCheckReachable";

  /** Wait before the first retry of an attempt that reached no target; doubles per attempt. */
  public static final Duration FIRST_RETRY_DELAY = Duration.ofMinutes(1);

  /** Longest wait between attempts that reached no target. */
  public static final Duration MAX_RETRY_DELAY = Duration.ofMinutes(15);

  /**
   * The attempt (counted in a row, as {@code failedAttempts}) from which a route not published yet
   * is no longer waited for: the fifth, at least 1 + 2 + 4 + 8 = 15 minutes after the first (less
   * only when schedule times come sooner). A route's status is written within seconds of its spec;
   * one still not written by then (the reconciler cannot write it, or never finishes) would
   * otherwise keep the whole policy's drift check from ever running.
   */
  public static final int PENDING_ATTEMPTS = 5;

  /** Warning event of a run that went on without routes whose status was never written. */
  public static final String ROUTE_SKIPPED = "DriftRouteSkipped";

  private static final Logger LOG = LoggerFactory.getLogger(DriftChecker.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final KubernetesClient client;
  private final PublishedRoutes published;
  private final Clock clock;
  private final DriftRunner runner;
  private final EventRecorder events;
  private final DriftMetrics metrics;
  private final Duration maxRecheck;

  /**
   * The routing table published in a namespace: what the gateways serve, or are about to. (An
   * interface, not the publisher: the drift package sits below rendering and publishing.)
   */
  @FunctionalInterface
  public interface PublishedRoutes {

    /**
     * The table published in {@code namespace} now, read once (its routes and its {@code
     * configVersion} belong together); empty: none.
     */
    Optional<RoutingTable> table(String namespace);
  }

  /**
   * @param published the published routing tables (e.g. from {@code
   *     RoutingTablePublisher.published}): the drift check replays what serves
   */
  public DriftChecker(
      KubernetesClient client,
      PublishedRoutes published,
      Clock clock,
      DriftClient drift,
      EventRecorder events,
      DriftMetrics metrics) {
    this(client, published, clock, drift, events, metrics, MAX_RECHECK);
  }

  /**
   * As above, looking at the schedule again at least every {@code maxRecheck} of real time ({@link
   * #MAX_RECHECK} unless the clock can jump, see {@code time.OffsetClock}).
   */
  public DriftChecker(
      KubernetesClient client,
      PublishedRoutes published,
      Clock clock,
      DriftClient drift,
      EventRecorder events,
      DriftMetrics metrics,
      Duration maxRecheck) {
    this.client = client;
    this.published = published;
    this.clock = clock;
    this.runner = new DriftRunner(drift);
    this.events = events;
    this.metrics = metrics;
    this.maxRecheck = maxRecheck;
  }

  /**
   * What one reconcile of {@code policy} decides for its drift check.
   *
   * @param status the new {@code status.drift} (null: no drift check)
   * @param drifted the {@code Drifted} condition (null: none)
   * @param recheck when to reconcile again for the schedule (null: not needed)
   */
  public record Outcome(DriftStatus status, Conditions.Desired drifted, Duration recheck) {}

  /** The baseline ConfigMap's name for {@code policy}. */
  public static String baselineName(String policy) {
    return "switchboard-drift-" + policy;
  }

  /** Drops the drift metrics of {@code policy}: it was deleted, or its drift check removed. */
  public void forget(RoutingPolicy policy) {
    metrics.forget(policy.getMetadata().getNamespace(), policy.getMetadata().getName());
  }

  /** Reconciles the drift check of {@code policy}; may run it (blocking, bounded). */
  public Outcome reconcile(RoutingPolicy policy) {
    DriftCheck check = policy.getSpec() == null ? null : policy.getSpec().getDriftCheck();
    DriftStatus previous = policy.getStatus() == null ? null : policy.getStatus().getDrift();
    if (check == null) {
      return new Outcome(null, null, null);
    }
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    DriftSchedule schedule;
    try {
      schedule = DriftSchedule.parse(check.getSchedule(), check.getTimeZone());
    } catch (IllegalArgumentException e) {
      DriftStatus status = copy(previous);
      status.setMessage(e.getMessage());
      status.setNextRun(null);
      return new Outcome(
          status,
          new Conditions.Desired(DRIFTED, false, "DriftCheckInvalid", e.getMessage()),
          null);
    }
    String token = annotation(policy);
    boolean rebaseline =
        token != null && !token.equals(previous == null ? null : previous.getRebaseline());
    Instant lastScheduled = parse(previous == null ? null : previous.getLastScheduled());
    DriftSchedule.Decision decision = schedule.decide(lastScheduled, now);
    Instant retryAt = pendingRetry(previous, schedule, now);
    if (retryAt != null || (!decision.runNow() && !rebaseline)) {
      // Not due, or due but backing off after an attempt no target answered (a new rebaseline
      // value waits for that retry too: it is taken by the first run that completes).
      DriftStatus status = copy(previous);
      status.setNextRun(format(decision.next()));
      return new Outcome(
          status, condition(status), recheck(earliest(decision.next(), retryAt), now));
    }
    int failuresBefore =
        previous == null || previous.getFailedAttempts() == null ? 0 : previous.getFailedAttempts();
    Attempt attempt = run(policy, check, previous, now, rebaseline, failuresBefore);
    DriftStatus status = attempt.status();
    status.setLastAttempt(format(now));
    status.setNextRun(format(decision.next()));
    if (attempt.completed()) {
      status.setLastRun(format(now));
      status.setLastScheduled(format(decision.runNow() ? decision.scheduled() : lastScheduled));
      status.setFailedAttempts(null);
      status.setRetryAt(null);
      if (rebaseline) {
        status.setRebaseline(token);
      }
      return new Outcome(status, condition(status), recheck(decision.next(), now));
    }
    // Not a run: lastScheduled stays, so the schedule time is still owed; retried with backoff.
    int failures = failuresBefore + 1;
    Instant retry = earliest(decision.next(), now.plus(retryDelay(failures)));
    status.setFailedAttempts(failures);
    status.setRetryAt(format(retry));
    status.setMessage(attempt.problem() + "; attempt " + failures + ", next at " + format(retry));
    metrics.failedAttempts(
        policy.getMetadata().getNamespace(), policy.getMetadata().getName(), failures);
    if (failures == 1) {
      // Once per outage, not per retry: the condition carries the attempt count meanwhile.
      events.record(policy, EventRecorder.WARNING, UNREACHABLE, status.getMessage());
    }
    LOG.warn(
        "drift check {}/{}: {}",
        policy.getMetadata().getNamespace(),
        policy.getMetadata().getName(),
        status.getMessage());
    return new Outcome(status, condition(status), recheck(retry, now));
  }

  /**
   * The wait after the {@code failures}th attempt in a row that reached no target: {@link
   * #FIRST_RETRY_DELAY} doubled per further attempt, at most {@link #MAX_RETRY_DELAY}.
   */
  public static Duration retryDelay(int failures) {
    int doublings = Math.max(0, Math.min(failures - 1, 20));
    Duration delay = FIRST_RETRY_DELAY.multipliedBy(1L << doublings);
    return delay.compareTo(MAX_RETRY_DELAY) > 0 ? MAX_RETRY_DELAY : delay;
  }

  /**
   * The retry time status holds while it is still ahead; null when none is pending, it has come, or
   * a schedule time passed since the failed attempt (a schedule edit: that time runs at once).
   */
  private static Instant pendingRetry(DriftStatus previous, DriftSchedule schedule, Instant now) {
    Instant retryAt = parse(previous == null ? null : previous.getRetryAt());
    if (retryAt == null || !now.isBefore(retryAt)) {
      return null;
    }
    Instant lastAttempt = parse(previous.getLastAttempt());
    Instant due = schedule.latest(now).orElse(null);
    if (lastAttempt != null && due != null && due.isAfter(lastAttempt)) {
      return null;
    }
    return retryAt;
  }

  private static Instant earliest(Instant a, Instant b) {
    if (a == null) {
      return b;
    }
    return b == null || a.isBefore(b) ? a : b;
  }

  /**
   * One attempt's outcome.
   *
   * @param completed whether a target answered (or there was nothing to ask): the run counts
   * @param problem what failed when not completed (no target answered, the first error)
   */
  private record Attempt(DriftStatus status, boolean completed, String problem) {}

  private Attempt run(
      RoutingPolicy policy,
      DriftCheck check,
      DriftStatus previous,
      Instant now,
      boolean rebaseline,
      int failuresBefore) {
    String namespace = policy.getMetadata().getNamespace();
    String name = policy.getMetadata().getName();
    DriftStatus status = copy(previous);
    String promptsName =
        check.getPromptsConfigMapRef() == null ? null : check.getPromptsConfigMapRef().getName();
    ConfigMap prompts =
        promptsName == null
            ? null
            : client.configMaps().inNamespace(namespace).withName(promptsName).get();
    if (prompts == null || prompts.getData() == null || prompts.getData().isEmpty()) {
      String message =
          "prompts ConfigMap " + promptsName + " not found or empty; nothing was checked";
      status.setMessage(message);
      status.setRequests(0);
      events.record(policy, EventRecorder.WARNING, "DriftPromptsMissing", message);
      return new Attempt(status, true, null);
    }
    Planned planned = plan(namespace, name);
    List<String> skipped = List.of();
    if (!planned.pending().isEmpty() && failuresBefore + 1 >= PENDING_ATTEMPTS) {
      // Waited long enough: the run goes on without them, and says so (status and an event).
      skipped = planned.pendingWhy();
    } else if (!planned.pending().isEmpty()) {
      // The operator has not published these routes' current spec yet (just applied, at install):
      // they will serve in seconds, and a run without them would take their baselines a night late.
      return new Attempt(
          status,
          false,
          "route "
              + String.join(", ", planned.pending())
              + " is not in the published routing table yet (its current spec is not reconciled);"
              + " not a run, nothing was sent (waited for until attempt "
              + PENDING_ATTEMPTS
              + ", then skipped)");
    }
    List<DriftRunner.Subject> subjects = planned.subjects();
    ConfigMap stored =
        client.configMaps().inNamespace(namespace).withName(baselineName(name)).get();
    Map<String, Baseline> baselines = readBaselines(stored);
    DriftRunner.Outcome outcome;
    try {
      outcome =
          runner.run(
              new DriftRunner.Plan(
                  namespace,
                  planned.configVersion(),
                  subjects,
                  new TreeMap<>(prompts.getData()),
                  orDefault(check.getSamples(), 3),
                  orDefault(check.getMaxRequests(), 500),
                  orDefault(check.getConcurrency(), 4),
                  check.getMaxNormalizedDistance() == null
                      ? 0.15
                      : check.getMaxNormalizedDistance(),
                  baselines,
                  rebaseline,
                  format(now)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      status.setMessage("the run was interrupted");
      return new Attempt(status, true, null);
    }
    if (outcome.noGateway() != null) {
      // A target asked while no replica took requests was never asked: keeping the others'
      // answers would record it as unanswered (and without a baseline) after half a run.
      return new Attempt(status, false, noGateway(outcome));
    }
    if (outcome.requests() > 0 && outcome.answered() == 0) {
      // No target answered: nothing measured, so the baselines and last results stay as they are.
      return new Attempt(status, false, unreachable(outcome));
    }
    // Keep only the baselines of current subjects: a removed route or target drops its entry.
    Map<String, Baseline> kept = new TreeMap<>();
    for (DriftRunner.Subject s : subjects) {
      Baseline b = outcome.baselines().get(s.key());
      if (b != null) {
        kept.put(s.key(), b);
      }
    }
    writeBaselines(policy, kept);
    status.setResults(outcome.results());
    status.setRequests(outcome.requests());
    status.setMessage(
        planned.routes() == 0
            ? "no ModelRoute uses this policy; nothing was checked"
            : message(outcome.message(), planned.notServed(), skipped));
    metrics.run(namespace, name, outcome.results(), orDefault(check.getSamples(), 3));
    if (failuresBefore > 0) {
      events.record(
          policy,
          EventRecorder.NORMAL,
          REACHABLE_AGAIN,
          "the drift check ran after " + failuresBefore + " attempts that reached no target");
    }
    List<String> drifted = new ArrayList<>();
    for (DriftResult r : outcome.results()) {
      if (Boolean.TRUE.equals(r.getDrifted())) {
        drifted.add(r.getRoute() + " " + r.getTarget() + ": " + r.getReason());
      }
    }
    if (!drifted.isEmpty()) {
      events.record(policy, EventRecorder.WARNING, "Drifted", String.join("; ", drifted));
    }
    if (!skipped.isEmpty()) {
      events.record(
          policy,
          EventRecorder.WARNING,
          ROUTE_SKIPPED,
          skippedText(skipped) + " (after " + (failuresBefore + 1) + " attempts)");
    }
    LOG.info(
        "drift check {}/{}: {} targets, {} requests, {} drifted",
        namespace,
        name,
        outcome.results().size(),
        outcome.requests(),
        drifted.size());
    return new Attempt(status, true, null);
  }

  /**
   * A run's message: the budget's note, then the routes not served (not asked, and no failure of
   * theirs: their own Ready condition says why).
   */
  private static String message(String budget, List<String> notServed, List<String> skipped) {
    List<String> parts = new ArrayList<>();
    if (budget != null) {
      parts.add(budget);
    }
    if (!notServed.isEmpty()) {
      parts.add(
          Conditions.summary(
              notServed,
              ", ",
              " not in the published routing table (not served, see the route's Ready"
                  + " condition): not checked"));
    }
    if (!skipped.isEmpty()) {
      parts.add(skippedText(skipped));
    }
    return parts.isEmpty() ? null : String.join("; ", parts);
  }

  /** What a run that went on without routes whose status was never written says of them. */
  private static String skippedText(List<String> skipped) {
    return Conditions.summary(
        skipped,
        ", ",
        " not in the published routing table and no status written for the current spec:"
            + " skipped, not checked in this run (see the route's status and the operator's log)");
  }

  /** What an attempt that found no gateway replica says. */
  private static String noGateway(DriftRunner.Outcome outcome) {
    return "no gateway replica took the drift check's requests ("
        + outcome.noGateway()
        + "); not a run, nothing of it is kept";
  }

  /** What an attempt that reached no target says: how many requests failed, the first error. */
  private static String unreachable(DriftRunner.Outcome outcome) {
    String first =
        outcome.results().stream()
            .filter(r -> r.getError() != null)
            .findFirst()
            .map(r -> "; first error: " + r.getRoute() + " " + r.getTarget() + ": " + r.getError())
            .orElse("");
    return "no target answered the drift check ("
        + outcome.requests()
        + " requests to "
        + outcome.results().size()
        + " targets failed"
        + first
        + ")";
  }

  /**
   * What an attempt asks.
   *
   * @param subjects every target that serves a published route using the policy
   * @param configVersion the version of the published table they were taken from
   * @param routes how many ModelRoutes use the policy
   * @param notServed routes using the policy that the table does not hold while their status, for
   *     their current spec, says they are not ready (e.g. an invalid spec never published): not
   *     asked, named, no failure of the attempt's
   * @param pending routes using the policy that the table does not hold and whose current spec the
   *     operator has not reconciled yet: they are about to be published (waited for, at most {@link
   *     #PENDING_ATTEMPTS} attempts)
   * @param pendingWhy the same routes, each with what its status says (named when skipped)
   */
  private record Planned(
      List<DriftRunner.Subject> subjects,
      String configVersion,
      int routes,
      List<String> notServed,
      List<String> pending,
      List<String> pendingWhy) {}

  /**
   * Every target that serves a route of the namespace using {@code policy}, each once per route, in
   * a stable order: the routes' entries in the published table, stable arm only (while a canary
   * runs the spec names the canary's targets, the stable ones live only in the table; after a
   * rollback it still names the failed ones, which the gateway no longer serves). A route the table
   * does not hold is not asked — the gateway would answer 404, which would look like the target's
   * failure: it is not served (named in status) or not published yet (the attempt waits for it).
   */
  private Planned plan(String namespace, String policy) {
    Optional<RoutingTable> table = published.table(namespace);
    Map<String, RoutingTable.Route> byName = new java.util.HashMap<>();
    table.ifPresent(t -> t.routes().forEach(r -> byName.putIfAbsent(r.name(), r)));
    List<DriftRunner.Subject> subjects = new ArrayList<>();
    List<String> notServed = new ArrayList<>();
    List<String> pending = new ArrayList<>();
    List<String> pendingWhy = new ArrayList<>();
    int using = 0;
    List<ModelRoute> routes =
        new ArrayList<>(
            client.resources(ModelRoute.class).inNamespace(namespace).list().getItems());
    routes.sort(java.util.Comparator.comparing(r -> r.getMetadata().getName()));
    for (ModelRoute route : routes) {
      if (route.getSpec() == null
          || route.getSpec().getPolicyRef() == null
          || !policy.equals(route.getSpec().getPolicyRef().getName())) {
        continue;
      }
      if (route.getMetadata().getDeletionTimestamp() != null) {
        // Marked for deletion (a finalizer holds it): deleted as far as serving goes, and its
        // status is not written again, so it is neither asked nor waited for.
        continue;
      }
      using++;
      String name = route.getMetadata().getName();
      RoutingTable.Route entry = byName.get(name);
      if (entry == null) {
        Optional<String> refused = notReady(route);
        if (refused.isPresent()) {
          notServed.add(name + " (" + refused.get() + ")");
        } else {
          pending.add(name);
          pendingWhy.add(name + " (" + unwritten(route) + ")");
        }
        continue;
      }
      List<String> targets = servedTargets(entry);
      String key = DriftRunner.targetsKey(targets);
      for (String t : targets) {
        subjects.add(new DriftRunner.Subject(entry.model(), t, key));
      }
    }
    return new Planned(
        subjects,
        table.map(RoutingTable::configVersion).orElse(null),
        using,
        notServed,
        pending,
        pendingWhy);
  }

  /** What a route's status says of a spec it does not speak of yet. */
  private static String unwritten(ModelRoute route) {
    Long observed = route.getStatus() == null ? null : route.getStatus().getObservedGeneration();
    return (observed == null ? "no status" : "status for generation " + observed)
        + ", spec generation "
        + route.getMetadata().getGeneration();
  }

  /**
   * The reason of a route's {@code Ready=False} when its status speaks of its current spec (the
   * reconciler found it not servable); empty while that spec is not reconciled or is ready.
   */
  private static Optional<String> notReady(ModelRoute route) {
    if (route.getStatus() == null
        || route.getStatus().getObservedGeneration() == null
        || !route.getStatus().getObservedGeneration().equals(route.getMetadata().getGeneration())) {
      return Optional.empty();
    }
    return Conditions.find(route.getStatus().getConditions(), Conditions.READY)
        .filter(c -> Conditions.FALSE.equals(c.getStatus()))
        .map(c -> "Ready=False " + c.getReason());
  }

  /**
   * The {@code provider/model} ids a published route sends requests to outside a canary: its own
   * targets, then each rule's, without repeats. Its {@code canary} is left out: the canary's own
   * analysis judges it while it runs, and once promoted its targets are the route's.
   */
  static List<String> servedTargets(RoutingTable.Route route) {
    java.util.LinkedHashSet<String> ids = new java.util.LinkedHashSet<>();
    route.targets().forEach(t -> ids.add(t.id()));
    route.rules().forEach(rule -> rule.targets().forEach(t -> ids.add(t.id())));
    return List.copyOf(ids);
  }

  private static Map<String, Baseline> readBaselines(ConfigMap stored) {
    Map<String, Baseline> baselines = new TreeMap<>();
    if (stored == null || stored.getData() == null) {
      return baselines;
    }
    stored
        .getData()
        .forEach(
            (k, v) -> {
              try {
                baselines.put(k, JSON.readValue(v, Baseline.class));
              } catch (JsonProcessingException e) {
                LOG.warn("drift baseline {} is unreadable and is taken anew", k);
              }
            });
    return baselines;
  }

  private void writeBaselines(RoutingPolicy policy, Map<String, Baseline> baselines) {
    Map<String, String> data = new TreeMap<>();
    baselines.forEach(
        (k, b) -> {
          try {
            data.put(k, JSON.writeValueAsString(b));
          } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
          }
        });
    ConfigMap map =
        new ConfigMapBuilder()
            .withNewMetadata()
            .withName(baselineName(policy.getMetadata().getName()))
            .withNamespace(policy.getMetadata().getNamespace())
            .addToLabels("app.kubernetes.io/managed-by", "switchboard-operator")
            .addToOwnerReferences(
                new OwnerReferenceBuilder()
                    .withApiVersion(policy.getApiVersion())
                    .withKind(policy.getKind())
                    .withName(policy.getMetadata().getName())
                    .withUid(policy.getMetadata().getUid())
                    .withController(true)
                    .build())
            .endMetadata()
            .withData(data)
            .build();
    try {
      client.configMaps().resource(map).serverSideApply();
    } catch (KubernetesClientException e) {
      // Some API servers (the local stack's mock) lack server-side apply: replace instead.
      client.configMaps().resource(map).createOr(existing -> existing.update());
    }
  }

  /**
   * The Drifted condition: while attempts reach no target, Unknown {@link #UNREACHABLE} — unless
   * the last completed run found drift, which stays True (nothing has shown it gone, and a held
   * canary stays held) with the outage said; otherwise from the last completed run's results.
   */
  static Conditions.Desired condition(DriftStatus status) {
    Conditions.Desired measured = measured(status);
    if (status.getFailedAttempts() == null || status.getFailedAttempts() == 0) {
      return measured;
    }
    if (measured.status()) {
      return new Conditions.Desired(
          DRIFTED,
          true,
          measured.reason(),
          Conditions.summary(
              List.of(measured.message()),
              "",
              " (as of the last completed run, "
                  + status.getLastRun()
                  + "; since then "
                  + status.getMessage()
                  + ")"));
    }
    return Conditions.Desired.unknown(DRIFTED, UNREACHABLE, status.getMessage());
  }

  /** The Drifted condition from the last completed run's results. */
  private static Conditions.Desired measured(DriftStatus status) {
    List<DriftResult> results = status.getResults() == null ? List.of() : status.getResults();
    if (results.isEmpty()) {
      return new Conditions.Desired(
          DRIFTED,
          false,
          "NotChecked",
          status.getMessage() == null
              ? "no drift run has compared answers yet"
              : status.getMessage());
    }
    List<String> drifted = new ArrayList<>();
    for (DriftResult r : results) {
      if (Boolean.TRUE.equals(r.getDrifted())) {
        drifted.add(r.getRoute() + " " + r.getTarget() + ": " + r.getReason());
      }
    }
    if (!drifted.isEmpty()) {
      return new Conditions.Desired(
          DRIFTED,
          true,
          "OutputDrifted",
          Conditions.summary(
              drifted, "; ", " (acknowledge with a new " + REBASELINE_ANNOTATION + " value)"));
    }
    long compared = results.stream().filter(r -> r.getDistance() != null).count();
    List<String> unreproducible =
        results.stream()
            .filter(r -> Boolean.FALSE.equals(r.getReproducible()))
            .map(r -> r.getRoute() + " " + r.getTarget())
            .toList();
    long baselines =
        results.stream()
            .filter(r -> !Boolean.FALSE.equals(r.getReproducible()))
            .filter(r -> "baseline recorded".equals(r.getReason()))
            .count();
    List<String> unanswered =
        results.stream()
            .filter(r -> r.getDistance() == null && !Boolean.FALSE.equals(r.getReproducible()))
            .filter(r -> !"baseline recorded".equals(r.getReason()))
            .map(r -> r.getRoute() + " " + r.getTarget())
            .toList();
    String failures =
        unanswered.isEmpty()
            ? ""
            : "; no answer from "
                + (unanswered.size() <= 3
                    ? String.join(", ", unanswered)
                    : String.join(", ", unanswered.subList(0, 3))
                        + " and "
                        + (unanswered.size() - 3)
                        + " more")
                + " (see status.drift.results)";
    if (!unreproducible.isEmpty()) {
      // Not drift, and so no reason to hold a canary: these targets' answers vary on their own.
      return new Conditions.Desired(
          DRIFTED,
          false,
          NOT_REPRODUCIBLE,
          Conditions.summary(
              unreproducible,
              ", ",
              " not reproducible: their own samples differ beyond maxNormalizedDistance, so"
                  + " they are not compared with their baselines (see status.drift.results)"
                  + (compared > 0 ? "; " + compared + " targets match their baselines" : "")
                  + failures));
    }
    if (compared > 0) {
      return new Conditions.Desired(
          DRIFTED, false, "NoDrift", compared + " targets match their baselines" + failures);
    }
    if (baselines > 0) {
      return new Conditions.Desired(
          DRIFTED,
          false,
          "BaselineRecorded",
          "baselines recorded for " + baselines + " targets; the next run compares" + failures);
    }
    return new Conditions.Desired(
        DRIFTED, false, "NotChecked", "no target answered the drift prompts" + failures);
  }

  private static String annotation(RoutingPolicy policy) {
    Map<String, String> a = policy.getMetadata().getAnnotations();
    return a == null ? null : a.get(REBASELINE_ANNOTATION);
  }

  private Duration recheck(Instant next, Instant now) {
    if (next == null) {
      return maxRecheck;
    }
    Duration wait = Duration.between(now, next).plusSeconds(1);
    if (wait.compareTo(Duration.ofSeconds(1)) < 0) {
      wait = Duration.ofSeconds(1);
    }
    return wait.compareTo(maxRecheck) > 0 ? maxRecheck : wait;
  }

  private static DriftStatus copy(DriftStatus previous) {
    DriftStatus s = new DriftStatus();
    if (previous != null) {
      s.setLastRun(previous.getLastRun());
      s.setLastAttempt(previous.getLastAttempt());
      s.setFailedAttempts(previous.getFailedAttempts());
      s.setRetryAt(previous.getRetryAt());
      s.setLastScheduled(previous.getLastScheduled());
      s.setNextRun(previous.getNextRun());
      s.setRequests(previous.getRequests());
      s.setMessage(previous.getMessage());
      s.setRebaseline(previous.getRebaseline());
      s.setResults(previous.getResults());
    }
    return s;
  }

  private static int orDefault(Integer v, int fallback) {
    return v == null ? fallback : v;
  }

  private static Instant parse(String time) {
    try {
      return time == null ? null : Instant.parse(time);
    } catch (java.time.format.DateTimeParseException e) {
      return null;
    }
  }

  private static String format(Instant t) {
    return t == null ? null : DateTimeFormatter.ISO_INSTANT.format(t);
  }
}
