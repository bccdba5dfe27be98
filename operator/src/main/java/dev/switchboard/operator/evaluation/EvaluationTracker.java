package dev.switchboard.operator.evaluation;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.api.v1alpha1.EvaluationBaseline;
import dev.switchboard.api.v1alpha1.EvaluationCandidate;
import dev.switchboard.api.v1alpha1.EvaluationCandidateStatus;
import dev.switchboard.api.v1alpha1.EvaluationSpec;
import dev.switchboard.api.v1alpha1.EvaluationStatus;
import dev.switchboard.api.v1alpha1.Interval;
import dev.switchboard.api.v1alpha1.MirrorsSkipped;
import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.PolicyLifecycle;
import dev.switchboard.api.v1alpha1.RouteTarget;
import dev.switchboard.contract.Durations;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.operator.lifecycle.ModelRetirement;
import dev.switchboard.operator.render.EvaluationRendering;
import dev.switchboard.operator.render.NamespaceView;
import dev.switchboard.operator.status.Reason;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs side-by-side evaluations from the operator's side, on its injected clock: decides which
 * evaluation a route has (its {@code spec.evaluation}, or one started automatically for a successor
 * when the policy's {@code lifecycle.evaluateSuccessorBefore} says so), folds the gateway replicas'
 * cumulative sums into the state persisted in the ConfigMap {@code switchboard-evaluations} (so an
 * operator restart loses nothing), computes {@code status.evaluation}, and writes the runbook entry
 * at each day's end and when it completes.
 */
public final class EvaluationTracker {

  /** The ConfigMap holding every evaluation's state, one key per route and evaluation. */
  public static final String STATE_CONFIG_MAP = "switchboard-evaluations";

  /** The default runbook ConfigMap. */
  public static final String RUNBOOK_CONFIG_MAP = "switchboard-runbook";

  /**
   * The label on report ConfigMaps this operator created (value {@code "true"}): it writes runbook
   * entries only into ConfigMaps that carry it, never into another application's ConfigMap that a
   * route's {@code report.configMapName} happens to name.
   */
  public static final String REPORT_LABEL = "switchboard.dev/evaluation-report";

  /** The condition a route gets while its report ConfigMap cannot be written (status True). */
  public static final String REPORT_BLOCKED = "EvaluationReportBlocked";

  /**
   * Condition type: every candidate of the declared evaluation renders (True), or which do not
   * (False, with a reference reason); an evaluation does not start until it is True.
   */
  public static final String EVALUATION_READY = "EvaluationReady";

  /**
   * The condition a route gets while its evaluation's state or runbook entry could not be written
   * (status True); the write is tried again at the next collection.
   */
  public static final String WRITE_FAILED = "EvaluationWriteFailed";

  /**
   * The condition a route gets, for the rest of its evaluation, once the evaluation's stored state
   * was found corrupt and rebuilt (status True): its figures may miss pairs.
   */
  public static final String STATE_RECOVERED = "EvaluationStateRecovered";

  /** Attempts of one write (a conflict means someone wrote meanwhile: read again and retry). */
  static final int WRITE_ATTEMPTS = 3;

  private static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
  private static final String MANAGED_BY = "switchboard-operator";

  /**
   * Runbook entries kept per route in its report ConfigMap: writing an entry removes the route's
   * oldest beyond these (by the end of their window), so the ConfigMap stays well below the API
   * server's 1 MiB; export them (see the docs) to keep a longer history.
   */
  public static final int RUNBOOK_ENTRIES_PER_ROUTE = EvaluationRendering.RUNBOOK_ENTRIES_PER_ROUTE;

  /** How soon a route whose evaluation ended early is reconciled again (to render it without). */
  static final Duration RENDER_AFTER_EARLY_END = Duration.ofSeconds(1);

  /**
   * How often a running evaluation collects the replicas' sums: the contract's pace, which a
   * stopping gateway replica also goes by to tell whether an operator is reading it.
   */
  public static final Duration COLLECT_EVERY =
      Duration.ofMillis(RoutingTable.Evaluation.COLLECT_EVERY_MS);

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Logger LOG = LoggerFactory.getLogger(EvaluationTracker.class);

  private final KubernetesClient client;
  private final Reports source;

  /**
   * Deleted routes ({@code namespace/route}) whose state could not be removed yet: tried again at
   * the next collection in their namespace, unless a route of that name is tracked again.
   */
  private final java.util.Set<String> pendingForgets =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * Routes ({@code namespace/route}) without evaluation whose keys were removed (or found absent)
   * since this operator started, and none of whose evaluations saved state since: not looked for
   * again.
   */
  private final java.util.Set<String> swept = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * The operator's informer caches of ConfigMaps: those labelled as its own ({@code
   * app.kubernetes.io/managed-by}) or as reports ({@link #REPORT_LABEL}).
   */
  @FunctionalInterface
  public interface ConfigMapCache {
    /** The cached ConfigMap (not to be modified), empty when no informer holds it. */
    Optional<ConfigMap> get(String namespace, String name);
  }

  /**
   * How long what a GET found about a report ConfigMap no informer holds (absent, or another
   * application's) is believed before reading again.
   */
  public static final Duration RECHECK_UNCACHED = Duration.ofMinutes(5);

  private volatile ConfigMapCache cache;

  /** Report ConfigMaps no informer holds ({@code namespace/name}): what was found, and when. */
  private final Map<String, Checked> checked = new java.util.concurrent.ConcurrentHashMap<>();

  private record Checked(Optional<String> blocked, Instant at) {}

  /** The gateway replicas' cumulative reports ({@code GET /admin/evaluations}) of a namespace. */
  public interface Reports {
    List<com.fasterxml.jackson.databind.JsonNode> reports(String namespace);

    /** The reports, and the replicas that did not answer this time (none known by default). */
    default Collected collect(String namespace) {
      return new Collected(reports(namespace), List.of());
    }
  }

  /**
   * One collection: the reports of the replicas that answered, and the replicas (their admin
   * address) that were asked and did not.
   */
  public record Collected(
      List<com.fasterxml.jackson.databind.JsonNode> reports, List<String> unanswered) {}

  /**
   * How long after {@code endsAt} the collections go on while a replica does not answer, so a
   * replica that is briefly unreachable at the end is still counted; then the evaluation completes
   * without it, and the runbook entry names it.
   */
  public static final Duration FINAL_GRACE = Duration.ofMinutes(5);

  private final Clock clock;

  public EvaluationTracker(KubernetesClient client, Reports source, Clock clock) {
    this.client = client;
    this.source = source;
    this.clock = clock;
  }

  /**
   * Reads report ConfigMaps from the operator's informers from now on, instead of from the API
   * server at every collection.
   */
  public void readReportConfigMapsFrom(ConfigMapCache cache) {
    this.cache = cache;
  }

  /**
   * The status to publish, when to look again, why the report ConfigMap cannot be written (empty
   * when it can), which write of this collection failed (empty when none did), and what was corrupt
   * in the evaluation's stored state and how it was rebuilt (empty when it never was).
   */
  public record Outcome(
      EvaluationStatus status,
      Optional<Duration> requeue,
      Optional<String> reportBlocked,
      Optional<WriteFailure> writeFailed,
      Optional<String> stateRecovered,
      Optional<EndedEarly> endedEarly) {

    public Outcome(EvaluationStatus status, Optional<Duration> requeue) {
      this(status, requeue, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }
  }

  /**
   * An evaluation the operator ended before its window was over because its baseline no longer
   * serves the route: {@code reason} ({@link #BASELINE_CHANGED} or {@link #BASELINE_REMOVED}) and a
   * message naming it, its baseline, what serves now and its final runbook entry. Reported for the
   * rest of the evaluation that ended (or of the one started in its place); {@code now} only by the
   * collection that ended it. {@code successor} is the id of the evaluation started in its place
   * (null: none, as for an automatic one).
   */
  public record EndedEarly(String reason, String message, boolean now, String successor) {

    public EndedEarly(String reason, String message, boolean now) {
      this(reason, message, now, null);
    }
  }

  /**
   * The condition a route gets, for the rest of its evaluation, once the operator ended an
   * evaluation early because its baseline no longer served the route (status True).
   */
  public static final String ENDED_EARLY = "EvaluationEndedEarly";

  /** {@link EndedEarly#reason}: the route's first target is no longer the declared baseline. */
  public static final String BASELINE_CHANGED = Reason.BASELINE_CHANGED.wireName();

  /** {@link EndedEarly#reason}: the retiring model an automatic evaluation compares is gone. */
  public static final String BASELINE_REMOVED = Reason.BASELINE_REMOVED.wireName();

  /**
   * {@link EndedEarly#reason}: a new {@code spec.evaluation} (other candidates, sample or duration)
   * replaced the running evaluation on the same baseline.
   */
  public static final String SPEC_CHANGED = Reason.SPEC_CHANGED.wireName();

  /**
   * {@link EndedEarly#reason}: the route's {@code spec.evaluation} was removed while the declared
   * evaluation ran. Said by an event and the final runbook entry, not by a condition: the route
   * then has no evaluation for one to describe.
   */
  public static final String SPEC_REMOVED = Reason.SPEC_REMOVED.wireName();

  /**
   * {@link EndedEarly#reason}: a {@code spec.evaluation} was declared while the policy's automatic
   * evaluation of a successor ran; the declared one replaces it.
   */
  public static final String SPEC_DECLARED = Reason.SPEC_DECLARED.wireName();

  /**
   * {@link EndedEarly#reason}: the route was deleted while the evaluation ran. Said by an event on
   * the deleted route and the final runbook entry.
   */
  public static final String ROUTE_DELETED = Reason.ROUTE_DELETED.wireName();

  /**
   * What became of a deleted route's evaluations: those it ended ({@link #ROUTE_DELETED}, each with
   * its final runbook entry written or owed), and the write that failed, if one did (tried again at
   * the namespace's next collection; the route's deletion is never held for it).
   */
  public record Deleted(List<EndedEarly> ended, Optional<WriteFailure> failed) {}

  /**
   * A write that failed after {@link #WRITE_ATTEMPTS} attempts: of the runbook entry ({@code
   * report}) or of the state; the message names the ConfigMap, the key and the API server's answer
   * (its code and reason, never the data).
   */
  public record WriteFailure(boolean report, String message) {}

  /**
   * What is being evaluated: {@code baseline} ({@code provider/model}, null when the route names no
   * target) is what the candidates are compared with; {@code endsBy} (null: none) cuts the window
   * short — an automatic evaluation ends when the retiring model does, since from then on its
   * successor serves and would be compared with itself.
   */
  record Plan(
      String id,
      List<String> candidates,
      double sample,
      long durationMs,
      String report,
      boolean automatic,
      String baseline,
      Instant endsBy) {}

  /**
   * Tracks the route's evaluation; never throws for a gateway or ConfigMap problem. Every declared
   * evaluation that saved state ends with a final runbook entry before another's save removes that
   * state, even one the route's status never named (a lost status write, then another change).
   */
  public Optional<Outcome> track(ModelRoute route, NamespaceView view) {
    Optional<Plan> plan = plan(route, view);
    if (plan.isEmpty()) {
      return endRemoved(route);
    }
    Plan p = plan.get();
    String namespace = route.getMetadata().getNamespace();
    String name = route.getMetadata().getName();
    retryForgets(namespace, name);
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    EvaluationStatus previous =
        route.getStatus() == null ? null : route.getStatus().getEvaluation();
    Optional<Plan> superseded = superseded(route, previous, p);
    Set<String> said = superseded.map(old -> Set.of(p.id(), old.id())).orElse(Set.of(p.id()));
    EndedEarly replaced = null;
    if (superseded.isPresent()) {
      Ending over = endedAlready(namespace, name, superseded.get());
      if (over == Ending.UNKNOWN) {
        return unreadable(route, superseded.get());
      }
      if (over == Ending.ENDED) {
        // Ended already, its replacement started (the status that said so was lost).
        superseded = Optional.empty();
      }
    }
    if (superseded.isPresent()) {
      // The declared evaluation that ran on the route's former first target, or under its former
      // spec: ended now, with its final runbook entry saying why, before this one starts.
      Plan old = superseded.get();
      EndedEarly ending = ending(name, old, p, now, true);
      Optional<Outcome> ended = collect(route, old, now, ending, null, null);
      if (ended.isEmpty()) {
        return unreadable(route, old);
      }
      replaced = ending;
    }
    EndedEarly gone = baselineGone(route, p, now);
    Optional<Outcome> outcome = collect(route, p, now, gone, replaced, said);
    return outcome.isPresent() ? outcome : unreadable(route, p);
  }

  /**
   * Ends the running declared evaluation the route's status holds that {@code spec.evaluation} no
   * longer means (its first target or its spec changed) while the evaluation that replaces it
   * cannot start yet, because not all of its candidates resolve: the status must not claim a
   * running evaluation whose baseline no longer serves, and its final runbook entry is due now, not
   * once the candidates resolve. Empty when there is none to end. When it ended already and its
   * replacement started (the status write that said so was lost), that replacement goes on — or,
   * when the spec changed again meanwhile, that replacement, which ran though the status never
   * named it, is the one ended now ({@link #endUnsaid}), as is any such one when the status names
   * none to end.
   */
  public Optional<Outcome> endReplaced(ModelRoute route, NamespaceView view) {
    Optional<Plan> plan = plan(route, view);
    if (plan.isEmpty()) {
      return Optional.empty();
    }
    EvaluationStatus previous =
        route.getStatus() == null ? null : route.getStatus().getEvaluation();
    Optional<Plan> superseded = superseded(route, previous, plan.get());
    String name = route.getMetadata().getName();
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    if (superseded.isEmpty()) {
      // The status names none to end; one may have run while it did not say so.
      return endUnsaid(route, plan.get(), now, false, Set.of(plan.get().id()));
    }
    retryForgets(route.getMetadata().getNamespace(), name);
    Plan old = superseded.get();
    Ending over = endedAlready(route.getMetadata().getNamespace(), name, old);
    if (over == Ending.UNKNOWN) {
      return unreadable(route, old);
    }
    if (over == Ending.ENDED) {
      // The evaluation that ran after it, when the status write that said so was lost and the
      // spec changed again: ended now, so it gets its final entry before the replacement starts.
      Optional<Outcome> unsaid =
          endUnsaid(route, plan.get(), now, false, Set.of(plan.get().id(), old.id()));
      if (unsaid.isPresent()) {
        return unsaid;
      }
      // Ended, and its replacement started (the status that said so was lost): nothing of the
      // ended one to write again; the replacement goes on, as it would had the status said so.
      Plan p = plan.get();
      Stored started = load(route.getMetadata().getNamespace(), stateKey(name, p.id()));
      return started.state() == null
          ? Optional.empty()
          : collect(route, p, now, baselineGone(route, p, now), null, null);
    }
    Optional<Outcome> ended =
        collect(route, old, now, ending(name, old, plan.get(), now, false), null, null);
    return ended.isPresent() ? ended : unreadable(route, old);
  }

  /**
   * Whether the declared evaluation {@code old}, which the route's status still says is running,
   * ended already: its state is gone and its final runbook entry is written. That is what a lost
   * status write leaves once the evaluation that replaced it saved its own state (which removes the
   * route's other keys); starting {@code old} afresh then would overwrite its final entry with one
   * of an empty state (its window reset, its pairs gone). {@link Ending#UNKNOWN} when that cannot
   * be told now (a ConfigMap could not be read). Read only while the status names an evaluation
   * being replaced.
   */
  private Ending endedAlready(String namespace, String route, Plan old) {
    Stored stored = load(namespace, stateKey(route, old.id()));
    if (stored.state() != null || stored.corrupt()) {
      return Ending.RUNNING;
    }
    if (stored.unreadable()) {
      return Ending.UNKNOWN;
    }
    if (client == null) {
      return Ending.RUNNING;
    }
    try {
      return RunbookEntry.isFinal(entry(namespace, old.report(), route, old.id()))
          ? Ending.ENDED
          : Ending.RUNNING;
    } catch (KubernetesClientException e) {
      return Ending.UNKNOWN;
    }
  }

  /** What {@link #endedAlready} found of an evaluation the status still says is running. */
  private enum Ending {
    /** Its state is there (or its final entry is not written): it has not ended. */
    RUNNING,
    /** Its state is gone and its final runbook entry is written. */
    ENDED,
    /** A ConfigMap could not be read: not known now. */
    UNKNOWN
  }

  /**
   * Ends the route's declared evaluations whose stored state says they run but which the route's
   * status does not name ({@code said}: the ids it does, and the one meant now): each ran while a
   * status write that would have named it was lost, and the spec changed again (or was removed)
   * before the next reconcile — the status still names the one before it, ended already. Each gets
   * its final runbook entry, ended early for {@code p} ({@code startsNow} when it starts at once)
   * or, {@code p} null, because the spec was removed; the save of the next evaluation would
   * otherwise have removed its state with no final entry at all. The outcome of the last one ended
   * (its status's {@code endedIds} hold the others); empty when there is none (nearly always: read
   * from the informers' copy when they hold it, one key lookup per key of the route), or its state
   * could not be read (the next collection tries again; no save removes a running one meanwhile).
   */
  private Optional<Outcome> endUnsaid(
      ModelRoute route, Plan p, Instant now, boolean startsNow, Set<String> said) {
    String namespace = route.getMetadata().getNamespace();
    String name = route.getMetadata().getName();
    List<EvaluationState> unsaid = new ArrayList<>();
    try {
      ConfigMapCache informers = cache;
      ConfigMap cm =
          client == null
              ? null
              : (informers == null
                      ? Optional.<ConfigMap>empty()
                      : informers.get(namespace, STATE_CONFIG_MAP))
                  .orElseGet(
                      () ->
                          client
                              .configMaps()
                              .inNamespace(namespace)
                              .withName(STATE_CONFIG_MAP)
                              .get());
      if (cm != null && cm.getData() != null) {
        cm.getData()
            .forEach(
                (key, text) -> {
                  EvaluationState state = name.equals(routeOf(key)) ? runningDeclared(text) : null;
                  if (state != null && !said.contains(state.id)) {
                    unsaid.add(state);
                  }
                });
      }
    } catch (KubernetesClientException e) {
      LOG.warn(
          "Route {}/{}: cannot read ConfigMap {} for evaluations its status does not name ({});"
              + " looking again at the next collection",
          namespace,
          name,
          STATE_CONFIG_MAP,
          answer(e));
      return Optional.empty();
    }
    return endUnsaid(route, p, now, startsNow, unsaid);
  }

  /** Ends {@code unsaid} (see above), the oldest first. */
  private Optional<Outcome> endUnsaid(
      ModelRoute route, Plan p, Instant now, boolean startsNow, List<EvaluationState> unsaid) {
    String namespace = route.getMetadata().getNamespace();
    String name = route.getMetadata().getName();
    unsaid = new ArrayList<>(unsaid);
    // The oldest first: the last ended is the one the next evaluation replaces.
    unsaid.sort(java.util.Comparator.comparing((EvaluationState s) -> s.startedAt));
    EvaluationStatus before = route.getStatus() == null ? null : route.getStatus().getEvaluation();
    Outcome last = null;
    for (EvaluationState state : unsaid) {
      // Read again, never from a copy: one a stale copy still shows running may have ended and
      // gone, and ending it again would start it afresh and overwrite its final entry.
      Stored current = load(namespace, stateKey(name, state.id));
      if (current.state() == null || current.state().completed) {
        continue;
      }
      Plan old =
          new Plan(
              state.id,
              state.candidates.isEmpty() ? List.copyOf(state.totals.keySet()) : state.candidates,
              // its state's sample, or read from its earlier entry when it has none
              Double.NaN,
              0,
              state.report != null
                  ? state.report
                  : p != null ? p.report() : reportConfigMap(before, RUNBOOK_CONFIG_MAP),
              false,
              state.baselineTarget,
              null);
      EndedEarly ending =
          p == null ? specRemoved(name, old, now) : ending(name, old, p, now, startsNow);
      Optional<Outcome> ended = collect(route, old, now, ending, null, null);
      if (ended.isEmpty() || ended.get().endedEarly().filter(EndedEarly::now).isEmpty()) {
        continue; // unreadable now, or ended meanwhile: nothing ended here
      }
      LOG.info(
          "Route {}/{}: evaluation {} ran while the route's status did not say so (a status write"
              + " was lost); ended with its final runbook entry",
          namespace,
          name,
          state.id);
      ended.get().status().setEndedIds(EvaluationRendering.endedIds(before, state.id));
      before = ended.get().status();
      last = ended.get();
    }
    return Optional.ofNullable(last);
  }

  /**
   * The state {@code text} holds when it is that of a declared evaluation that has not ended; null
   * otherwise (ended, automatic, or not an evaluation's state).
   */
  private static EvaluationState runningDeclared(String text) {
    EvaluationState state = stateOf(text);
    return state == null || state.completed || state.automatic ? null : state;
  }

  /**
   * The runbook entry of the route's evaluation {@code id} in the ConfigMap {@code report} (null:
   * none), from the informers' copy when they hold it.
   *
   * @throws KubernetesClientException when it had to be read and could not be
   */
  private String entry(String namespace, String report, String route, String id) {
    ConfigMapCache informers = cache;
    ConfigMap configMap =
        (informers == null ? Optional.<ConfigMap>empty() : informers.get(namespace, report))
            .orElseGet(() -> client.configMaps().inNamespace(namespace).withName(report).get());
    return configMap == null || configMap.getData() == null
        ? null
        : configMap.getData().get(RunbookEntry.key(route, id));
  }

  /**
   * The sample of an evaluation whose spec is gone and whose state, saved by an earlier version,
   * does not record it: as its earlier (daily) entry states it; NaN when it has none (or it cannot
   * be read), which the entry then says is unknown.
   */
  private double earlierSample(String namespace, String report, String route, String id) {
    if (client == null) {
      return Double.NaN;
    }
    try {
      return RunbookEntry.sample(entry(namespace, report, route, id)).orElse(Double.NaN);
    } catch (KubernetesClientException e) {
      return Double.NaN;
    }
  }

  /**
   * Why the running declared evaluation {@code old} ends for {@code p}: its baseline is no longer
   * the route's first target, or (same baseline) its spec changed; {@code startsNow} when {@code p}
   * starts at once (else once its candidates resolve).
   */
  private static EndedEarly ending(String name, Plan old, Plan p, Instant now, boolean startsNow) {
    if (old.automatic()) {
      return specDeclared(name, old, p, now, startsNow);
    }
    if (p.automatic()) {
      // No spec.evaluation any more: the policy's automatic evaluation of a successor follows.
      return specRemoved(name, old, now);
    }
    if (java.util.Objects.equals(old.baseline(), p.baseline())) {
      return specChanged(name, old, p, now, startsNow);
    }
    return new EndedEarly(
        BASELINE_CHANGED,
        "evaluation "
            + old.id()
            + " ended early at "
            + now
            + ": its baseline "
            + old.baseline()
            + " is no longer the route's first target ("
            + (p.baseline() == null ? "none" : p.baseline())
            + "), so it served none of the requests its candidates were to be compared on;"
            + " its final runbook entry is "
            + old.report()
            + " key "
            + RunbookEntry.key(name, old.id())
            + "; evaluation "
            + p.id()
            + " compares the candidates with "
            + (p.baseline() == null ? "the new first target" : p.baseline())
            + (startsNow ? " from now" : " once every candidate resolves"),
        true,
        p.id());
  }

  /**
   * Why a running declared evaluation ends when a new {@code spec.evaluation} replaces it on the
   * same baseline: the new one is another evaluation (its own id, state, pairs and runbook entry),
   * so the old one gets its final entry now rather than stop silently at its last daily one.
   */
  private static EndedEarly specChanged(
      String route, Plan old, Plan p, Instant now, boolean startsNow) {
    return new EndedEarly(
        SPEC_CHANGED,
        "evaluation "
            + old.id()
            + " ended early at "
            + now
            + ": the route's spec.evaluation changed (candidates, sample or duration), so"
            + " evaluation "
            + p.id()
            + (startsNow ? " replaces it" : " replaces it once every candidate resolves")
            + " on the same baseline "
            + p.baseline()
            + "; its final runbook entry is "
            + old.report()
            + " key "
            + RunbookEntry.key(route, old.id()),
        true,
        p.id());
  }

  /**
   * Why the policy's running automatic evaluation ends when a {@code spec.evaluation} is declared:
   * the route runs one evaluation at a time, and the declared one is the user's choice; the
   * automatic one gets its final entry now rather than lose its state to the declared one's save.
   */
  private static EndedEarly specDeclared(
      String route, Plan old, Plan p, Instant now, boolean startsNow) {
    return new EndedEarly(
        SPEC_DECLARED,
        "automatic evaluation "
            + old.id()
            + " ended early at "
            + now
            + ": a spec.evaluation was declared on the route, so evaluation "
            + p.id()
            + (startsNow ? " replaces it" : " replaces it once every candidate resolves")
            + " (baseline "
            + (p.baseline() == null ? "the route's first target" : p.baseline())
            + "); its final runbook entry is "
            + old.report()
            + " key "
            + RunbookEntry.key(route, old.id()),
        true,
        p.id());
  }

  /**
   * The running evaluation the route's status holds that {@code plan} replaces: the route's first
   * target changed (its baseline differs from the plan's), or its spec did (another id on the same
   * baseline), or its spec was removed and the policy starts an automatic one; or the policy's
   * running automatic evaluation, once a {@code spec.evaluation} is declared.
   */
  private Optional<Plan> superseded(ModelRoute route, EvaluationStatus previous, Plan plan) {
    if (previous == null
        || previous.getId() == null
        || previous.getId().equals(plan.id())
        || !"Running".equals(previous.getPhase())
        || previous.getBaseline() == null
        || previous.getBaseline().getTarget() == null) {
      return Optional.empty();
    }
    if (Boolean.TRUE.equals(previous.getAutomatic())) {
      // The policy's evaluation of a successor, replaced by a newly declared spec.evaluation.
      return plan.automatic()
          ? Optional.empty()
          : Optional.of(
              automatic(
                  previous.getId(),
                  candidatesOf(previous),
                  previous.getBaseline().getTarget(),
                  null));
    }
    if (plan.automatic()) {
      return Optional.of(removedPlan(previous));
    }
    List<String> candidates = candidatesOf(previous);
    return Optional.of(
        new Plan(
            previous.getId(),
            candidates,
            // Of another spec (SpecChanged), its sample is its state's, not the new spec's.
            EvaluationRendering.ofSpec(route.getSpec().getEvaluation(), previous)
                ? plan.sample()
                : Double.NaN,
            plan.durationMs(),
            // Beside its daily entries: a new spec may name another report ConfigMap.
            reportConfigMap(previous, plan.report()),
            false,
            previous.getBaseline().getTarget(),
            null));
  }

  /**
   * Ends the declared evaluation the route's status still holds once {@code spec.evaluation} is
   * removed: its final runbook entry (the figures folded so far, saying why it ended), then its
   * state removed from {@link #STATE_CONFIG_MAP} — the route keeps no key when it has no
   * evaluation. Its id joins {@code endedIds}, so the spec declared again runs as {@code <id>-r2}.
   * It used to stop silently, its last daily entry its only record and its key left behind until
   * another evaluation of the route saved. While a write is refused, the status keeps the ended
   * evaluation ({@code Completed}) and the next collection writes again. A declared evaluation
   * stored as running that the status does not name (it started while a status write was lost) is
   * ended the same way ({@link #endUnsaid}). Empty when there is nothing to end (none, or already
   * ended: nothing is written again).
   */
  private Optional<Outcome> endRemoved(ModelRoute route) {
    EvaluationStatus previous =
        route.getStatus() == null ? null : route.getStatus().getEvaluation();
    String namespace = route.getMetadata().getNamespace();
    String name = route.getMetadata().getName();
    boolean declared =
        previous != null
            && previous.getId() != null
            && !Boolean.TRUE.equals(previous.getAutomatic());
    if (!declared && !hasKeysLeft(namespace, name)) {
      return Optional.empty();
    }
    retryForgets(namespace, name);
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    Outcome outcome = null;
    if (declared) {
      Plan old = removedPlan(previous);
      Stored stored = load(namespace, stateKey(name, old.id()));
      if (stored.unreadable() && !stored.corrupt()) {
        return unreadable(route, old);
      }
      if (stored.state() != null || stored.corrupt()) {
        Optional<Outcome> ended = collect(route, old, now, specRemoved(name, old, now), null, null);
        if (ended.isEmpty()) {
          return unreadable(route, old);
        }
        outcome = ended.get();
      }
    }
    // One that ran while the status did not say so (the write that would have was lost before the
    // spec was removed): its final entry too, before its key goes with the route's others.
    Optional<Outcome> unsaid =
        endUnsaid(route, null, now, false, declared ? Set.of(previous.getId()) : Set.of());
    if (unsaid.isPresent()) {
      outcome = unsaid.get();
    }
    if (outcome == null && declared) {
      // Ended and removed already (the status that said so was not written): nothing to redo.
      return Optional.of(
          new Outcome(EvaluationRendering.withoutEvaluation(previous), Optional.empty()));
    }
    String ended = outcome == null ? null : outcome.status().getId();
    Optional<WriteFailure> failed =
        (outcome == null ? Optional.<WriteFailure>empty() : outcome.writeFailed())
            .or(
                () ->
                    removeKeys(namespace, name)
                        .map(
                            answer ->
                                new WriteFailure(
                                    false,
                                    "could not remove the state of "
                                        + (ended == null
                                            ? "the route's ended evaluations"
                                            : "ended evaluation " + ended)
                                        + " from ConfigMap "
                                        + STATE_CONFIG_MAP
                                        + " after "
                                        + WRITE_ATTEMPTS
                                        + " attempts ("
                                        + answer
                                        + "); retrying at the next collection")));
    if (outcome == null) {
      // Keys an earlier version left: nothing ran to end, nothing for the status to say.
      failed.ifPresentOrElse(
          f -> LOG.warn("Route {}/{}: {} (it has no evaluation)", namespace, name, f.message()),
          () -> swept.add(namespace + "/" + name));
      return Optional.empty();
    }
    if (failed.isPresent()) {
      // Owed: the status keeps the ended evaluation (Completed) so the next reconcile comes back.
      return Optional.of(
          new Outcome(
              outcome.status(),
              Optional.of(COLLECT_EVERY),
              outcome.reportBlocked(),
              failed,
              outcome.stateRecovered(),
              outcome.endedEarly()));
    }
    swept.add(namespace + "/" + name);
    return Optional.of(
        new Outcome(
            EvaluationRendering.withoutEvaluation(outcome.status()),
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            outcome.endedEarly()));
  }

  /**
   * Whether a route without evaluation may still have keys in {@link #STATE_CONFIG_MAP}: keys an
   * earlier version left (it cleared {@code status.evaluation} when {@code spec.evaluation} was
   * removed and kept them), or those of an evaluation that ran while the route's status did not say
   * so (the write that would have was lost). Looked at once per route while this operator runs, and
   * again after any of its evaluations saved state; on the informers' copy (no read of the API
   * server: only a route with keys there costs a read and a write), or without informers read.
   */
  private boolean hasKeysLeft(String namespace, String route) {
    String key = namespace + "/" + route;
    if (swept.contains(key)) {
      return false;
    }
    ConfigMapCache informers = cache;
    boolean none =
        informers != null
            && informers
                .get(namespace, STATE_CONFIG_MAP)
                .map(
                    cm ->
                        cm.getData() == null
                            || cm.getData().keySet().stream()
                                .noneMatch(k -> route.equals(routeOf(k))))
                // every version created it with the managed-by label the informers select
                .orElse(true);
    if (none) {
      swept.add(key);
    }
    return !none;
  }

  /**
   * The declared evaluation the route's status holds, as far as the status tells it: its spec is
   * gone. Its sample is read from its stored state (or, saved by an earlier version without it,
   * from its earlier runbook entry); the report ConfigMap from {@code status.evaluation.report}.
   */
  private static Plan removedPlan(EvaluationStatus previous) {
    List<String> candidates = candidatesOf(previous);
    return new Plan(
        previous.getId(),
        candidates,
        Double.NaN,
        0,
        reportConfigMap(previous, RUNBOOK_CONFIG_MAP),
        false,
        previous.getBaseline() == null ? null : previous.getBaseline().getTarget(),
        null);
  }

  /**
   * The ConfigMap holding the runbook entries of the evaluation {@code previous} describes, as its
   * {@code report} names it ({@code configmap/<name> key <key>}); {@code fallback} when it names
   * none. An ended evaluation's final entry goes beside its daily ones, whatever report ConfigMap a
   * new spec names.
   */
  private static String reportConfigMap(EvaluationStatus previous, String fallback) {
    String report = previous.getReport();
    int keyAt = report == null ? -1 : report.indexOf(REPORT_KEY);
    return report != null
            && report.startsWith(REPORT_CONFIG_MAP)
            && keyAt > REPORT_CONFIG_MAP.length()
        ? report.substring(REPORT_CONFIG_MAP.length(), keyAt)
        : fallback;
  }

  /** {@code status.evaluation.report}: where the entry is ({@code configmap/<name> key <key>}). */
  private static String reportRef(String configMap, String key) {
    return REPORT_CONFIG_MAP + configMap + REPORT_KEY + key;
  }

  /** How {@code status.evaluation.report} begins, and what separates its ConfigMap from its key. */
  private static final String REPORT_CONFIG_MAP = "configmap/";

  private static final String REPORT_KEY = " key ";

  /** The candidates' targets {@code previous} names, in its order; empty when it names none. */
  private static List<String> candidatesOf(EvaluationStatus previous) {
    return previous.getCandidates() == null
        ? List.of()
        : previous.getCandidates().stream().map(EvaluationCandidateStatus::getTarget).toList();
  }

  /** Why a running declared evaluation ends when its {@code spec.evaluation} is removed. */
  private static EndedEarly specRemoved(String route, Plan old, Instant now) {
    return new EndedEarly(
        SPEC_REMOVED,
        "evaluation "
            + old.id()
            + " ended early at "
            + now
            + ": the route's spec.evaluation was removed, so its candidates are no longer"
            + " mirrored; its final runbook entry is "
            + old.report()
            + " key "
            + RunbookEntry.key(route, old.id())
            + " (declared again, the evaluation runs anew under another id)",
        true);
  }

  /**
   * Why an automatic evaluation ends now: the retiring model it compares its successor with is no
   * longer one of the route's targets, so no request is served by it (null while it is).
   */
  private static EndedEarly baselineGone(ModelRoute route, Plan plan, Instant now) {
    if (!plan.automatic() || plan.baseline() == null || route.getSpec() == null) {
      return null;
    }
    List<RouteTarget> targets =
        route.getSpec().getTargets() == null ? List.of() : route.getSpec().getTargets();
    boolean onRoute =
        targets.stream()
            .anyMatch(
                t ->
                    t.getProviderRef() != null
                        && plan.baseline()
                            .equals(t.getProviderRef().getName() + "/" + t.getModel()));
    return onRoute
        ? null
        : new EndedEarly(
            BASELINE_REMOVED,
            "automatic evaluation "
                + plan.id()
                + " ended early at "
                + now
                + ": its baseline, the retiring model "
                + plan.baseline()
                + ", is no longer a target of the route, so no request it serves can be compared;"
                + " its final runbook entry is "
                + plan.report()
                + " key "
                + RunbookEntry.key(route.getMetadata().getName(), plan.id()),
            true);
  }

  /** The outcome while the evaluation's state cannot be read: its status as it is, read again. */
  private Optional<Outcome> unreadable(ModelRoute route, Plan p) {
    // Unknown is not absent: starting over would reset startedAt/endsAt, overwrite the real
    // state, mirror again for a whole duration and replace the final runbook entry. Keep what
    // the status says and read again at the next collection.
    LOG.warn(
        "Cannot read the state of evaluation {} of route {}/{} from ConfigMap {}; keeping its"
            + " current status and retrying in {}",
        p.id(),
        route.getMetadata().getNamespace(),
        route.getMetadata().getName(),
        STATE_CONFIG_MAP,
        COLLECT_EVERY);
    EvaluationStatus current = route.getStatus() == null ? null : route.getStatus().getEvaluation();
    return Optional.of(new Outcome(current, Optional.of(COLLECT_EVERY)));
  }

  /**
   * One collection of the evaluation {@code p}: its state loaded (or started), the replicas' sums
   * folded in, its runbook entry and state written when due, its status. {@code end} (null: none)
   * ends it now, before its window is over, saying why; {@code replaced} (null: none) is the
   * evaluation that ended for this one to start. {@code said} (null: not looked for) are the ids
   * the route's status names: another declared evaluation stored as running ran while the status
   * did not say so, and is ended first ({@link #endUnsaid}), this one replacing it. Empty when its
   * state cannot be read.
   */
  private Optional<Outcome> collect(
      ModelRoute route,
      Plan p,
      Instant now,
      EndedEarly end,
      EndedEarly replaced,
      Set<String> said) {
    String namespace = route.getMetadata().getNamespace();
    String name = route.getMetadata().getName();
    String stateKey = stateKey(name, p.id());
    Stored stored = load(namespace, stateKey);
    EvaluationStatus before = route.getStatus() == null ? null : route.getStatus().getEvaluation();
    List<EvaluationState> unsaid =
        said == null
            ? List.of()
            : stored.running().stream().filter(s -> !said.contains(s.id)).toList();
    if (!unsaid.isEmpty()) {
      // Read with this one's state (no read of its own): nearly always none.
      Optional<Outcome> ended = endUnsaid(route, p, now, true, unsaid);
      if (ended.isPresent()) {
        replaced = ended.get().endedEarly().orElse(replaced);
        before = ended.get().status();
        stored = load(namespace, stateKey);
      }
    }
    // Final entries still owed by the route's earlier evaluations (replaced while their write was
    // refused): no longer collected themselves, so written from here.
    List<EvaluationState> owed = stored.owed();
    if (stored.corrupt()) {
      // It will not get better by reading again: rebuild it rather than hold the evaluation.
      stored = new Stored(recover(route, p, stateKey, stored.problem(), now), null, false);
    }
    if (stored.unreadable()) {
      LOG.warn(
          "Evaluation {} of route {}/{}: state unreadable: {}",
          p.id(),
          namespace,
          name,
          stored.problem());
      return Optional.empty();
    }
    EvaluationState state = stored.state();
    if (state == null && said != null && !p.automatic()) {
      // About to start under an id whose final entry is in the runbook already: it ran and ended,
      // its state gone, on a route whose status no longer says so (deleted and created again).
      Optional<EvaluationStatus> ran = endedRun(namespace, name, p, before);
      if (ran == null) {
        return Optional.empty();
      }
      if (ran.isPresent()) {
        return Optional.of(new Outcome(ran.get(), Optional.of(RENDER_AFTER_EARLY_END)));
      }
    }
    if (state == null) {
      state = fresh(name, p, now);
      if (replaced == null) {
        replaced = endedFor(route, p).orElse(null);
      }
    }
    // Kept with the state, so it can be ended from the state alone should it run while the route's
    // status does not say so; a state an earlier version stored gets them now.
    state.report = p.report();
    if (state.candidates.isEmpty()) {
      state.candidates = List.copyOf(p.candidates());
    }
    if (replaced != null && !state.completed) {
      state.replacedReason = replaced.reason();
      state.replaced = replaced.message();
    }
    boolean endsEarly = end != null && !state.completed;
    List<String> unanswered = List.of();
    if (!state.completed) {
      Collected collected = source.collect(namespace);
      collected.reports().forEach(state::fold);
      unanswered = collected.unanswered();
    }
    Map<String, EvaluationStatistics.Result> results = new LinkedHashMap<>();
    for (String target : p.candidates()) {
      results.put(
          target,
          EvaluationStatistics.evaluate(state.totals.getOrDefault(target, CandidateSums.EMPTY)));
    }
    Instant endsAt = Instant.parse(state.endsAt);
    // The final read waits (bounded) for every replica asked: its sums are cumulative, so one
    // that answers within the grace loses nothing; one that does not is named in the entry.
    boolean ends =
        endsEarly
            || (!now.isBefore(endsAt)
                && (unanswered.isEmpty() || !now.isBefore(endsAt.plus(FINAL_GRACE))));
    boolean waiting = !state.completed && !now.isBefore(endsAt) && !ends;
    Optional<String> blocked = reportBlocked(namespace, p.report());
    boolean entryDue = state.runbookPending;
    if (endsEarly) {
      // Its window is over now: the gateways stop with the table that no longer carries it.
      state.endsAt = now.isBefore(endsAt) ? now.toString() : state.endsAt;
      endsAt = Instant.parse(state.endsAt);
      state.endedEarlyReason = end.reason();
      state.endedEarly = end.message();
      state.replacedBy = end.successor();
    }
    if (!state.completed && ends) {
      state.completed = true;
      state.unreported = List.copyOf(unanswered);
      state.seen.clear(); // nothing is folded any more: the totals are all that is kept
      entryDue = true;
    } else if (!state.completed && !day(now).equals(state.lastRunbookDay)) {
      // A day ended while running: the interim entry, so the runbook never lags more than a day.
      state.lastRunbookDay = day(now);
      entryDue = true;
    }
    Optional<WriteFailure> failed = Optional.empty();
    if (entryDue) {
      double sample = state.sample != null ? state.sample : p.sample();
      if (Double.isNaN(sample)) {
        // Its spec is gone and its state predates the sample in it: read before it is overwritten.
        sample = earlierSample(namespace, p.report(), name, p.id());
        state.sample = Double.isNaN(sample) ? null : sample;
      }
      // Owed until written: a refused write is tried again at the next collection, not lost.
      String text =
          RunbookEntry.markdown(namespace, state, results, sample, now.toString(), state.completed);
      Optional<String> entryFailed = writeRunbook(namespace, p.report(), state, text, blocked);
      state.runbookPending = entryFailed.isPresent();
      // A final entry keeps its text while owed: should another evaluation replace this one, it
      // is written from that one's collections.
      state.owedEntry = entryFailed.isPresent() && state.completed ? text : null;
      state.owedReport = state.owedEntry == null ? null : p.report();
      failed = entryFailed.map(message -> new WriteFailure(true, message));
    }
    Set<String> stillOwed = new HashSet<>();
    for (EvaluationState earlier : owed) {
      Optional<String> owedFailed =
          writeRunbook(
              namespace,
              earlier.owedReport,
              earlier,
              earlier.owedEntry,
              reportBlocked(namespace, earlier.owedReport));
      if (owedFailed.isPresent()) {
        stillOwed.add(stateKey(name, earlier.id));
        if (failed.isEmpty()) {
          failed = owedFailed.map(message -> new WriteFailure(true, message));
        }
      }
    }
    Optional<String> stateFailed = save(namespace, stateKey, state, stillOwed);
    // The route has a key again: once without evaluation, it is looked at again (endRemoved).
    swept.remove(namespace + "/" + name);
    if (failed.isEmpty()) {
      failed = stateFailed.map(message -> new WriteFailure(false, message));
    }
    failed.ifPresent(
        f ->
            LOG.warn(
                "Evaluation {} of route {}/{}: {}; retrying in {}",
                p.id(),
                namespace,
                name,
                f.message(),
                COLLECT_EVERY));
    EvaluationStatus status = status(state, p, results, now);
    status.setReport(reportRef(p.report(), RunbookEntry.key(name, p.id())));
    // The runs this route already ended: a later run of one gets a new id (declaredId).
    status.setEndedIds(EvaluationRendering.endedIds(before, state.id));
    Optional<Duration> requeue =
        endsEarly
            // Rendered again once its status says Completed, so the table no longer carries it
            // (the gateways would otherwise mirror on until the endsAt they were given).
            ? Optional.of(RENDER_AFTER_EARLY_END)
            : state.completed
                ? (failed.isPresent() ? Optional.of(COLLECT_EVERY) : Optional.empty())
                : Optional.of(
                    waiting
                        ? min(COLLECT_EVERY, Duration.between(now, endsAt.plus(FINAL_GRACE)))
                        : min(COLLECT_EVERY, Duration.between(now, endsAt).plusSeconds(1)));
    Optional<EndedEarly> endedEarly = Optional.empty();
    if (state.endedEarly != null) {
      endedEarly = Optional.of(new EndedEarly(state.endedEarlyReason, state.endedEarly, endsEarly));
    } else if (state.replaced != null) {
      boolean replacedNow =
          replaced != null && replaced.now() && state.replaced.equals(replaced.message());
      endedEarly = Optional.of(new EndedEarly(state.replacedReason, state.replaced, replacedNow));
    }
    return Optional.of(
        new Outcome(
            status, requeue, blocked, failed, Optional.ofNullable(state.recovered), endedEarly));
  }

  /**
   * Why the evaluation the route's status holds ended early for {@code p} to start, when {@code p}
   * could not start at once (its candidates did not resolve; {@link #endReplaced} ended the old one
   * meanwhile): {@code p} starts now and carries it, as one that starts at once does, for its whole
   * window. Read once, as {@code p} starts; not {@code now}: its event was recorded when the old
   * one ended. Empty when the status holds no such evaluation, or one ended for another.
   */
  private Optional<EndedEarly> endedFor(ModelRoute route, Plan p) {
    EvaluationStatus previous =
        route.getStatus() == null ? null : route.getStatus().getEvaluation();
    if (p.automatic()
        || previous == null
        || previous.getId() == null
        || previous.getId().equals(p.id())
        || !"Completed".equals(previous.getPhase())) {
      return Optional.empty();
    }
    Stored old =
        load(
            route.getMetadata().getNamespace(),
            stateKey(route.getMetadata().getName(), previous.getId()));
    EvaluationState ended = old.state();
    if (ended == null || ended.endedEarly == null || !p.id().equals(ended.replacedBy)) {
      return Optional.empty();
    }
    return Optional.of(new EndedEarly(ended.endedEarlyReason, ended.endedEarly, false, p.id()));
  }

  /**
   * The status that records the declared evaluation {@code p} as ended, when its final runbook
   * entry is written already: its state is gone and the route's status does not say it ran (the
   * route was deleted and created again with the same spec). Starting it would overwrite that entry
   * with new daily ones; with its id in {@code endedIds} the spec means its next run ({@code
   * <id>-r2}), started at the next reconcile. Empty when it has no final entry; null when that
   * cannot be told now (the report ConfigMap could not be read). Looked up as an evaluation starts,
   * in the informers' copy (read from the API server only without informers).
   */
  private Optional<EvaluationStatus> endedRun(
      String namespace, String route, Plan p, EvaluationStatus before) {
    ConfigMapCache informers = cache;
    if (client == null || (informers != null && informers.get(namespace, p.report()).isEmpty())) {
      // The informers hold every ConfigMap this operator writes entries into: none there, none
      // of its entries (no read of another application's ConfigMap, or of one that is not there).
      return Optional.empty();
    }
    try {
      if (!RunbookEntry.isFinal(entry(namespace, p.report(), route, p.id()))) {
        return Optional.empty();
      }
    } catch (KubernetesClientException e) {
      return null;
    }
    LOG.info(
        "Route {}/{}: evaluation {} has its final runbook entry already; its spec now means its"
            + " next run",
        namespace,
        route,
        p.id());
    EvaluationStatus ran = new EvaluationStatus();
    ran.setId(p.id());
    ran.setEndedIds(EvaluationRendering.endedIds(before, p.id()));
    return Optional.of(EvaluationRendering.withoutEvaluation(ran));
  }

  private static EvaluationState fresh(String route, Plan p, Instant now) {
    EvaluationState state = new EvaluationState();
    state.id = p.id();
    state.route = route;
    state.automatic = p.automatic();
    // Fixed for the whole window: pairs against another first planned target are never pooled in.
    state.baselineTarget = p.baseline();
    state.sample = Double.isNaN(p.sample()) ? null : p.sample();
    state.startedAt = now.toString();
    Instant ends = now.plusMillis(p.durationMs());
    state.endsAt = (p.endsBy() != null && p.endsBy().isBefore(ends) ? p.endsBy() : ends).toString();
    state.lastRunbookDay = day(now);
    return state;
  }

  /**
   * The state of an evaluation whose stored one is corrupt: its window and phase from the route's
   * {@code status.evaluation} (when that describes this evaluation), its sums from the replicas'
   * cumulative reports (folded by the collection, or here once when it completed already), and a
   * note saying what was wrong and what was done, kept for the rest of the evaluation. Without a
   * status to go by it starts again now.
   */
  private EvaluationState recover(
      ModelRoute route, Plan p, String stateKey, String problem, Instant now) {
    String namespace = route.getMetadata().getNamespace();
    EvaluationState state = fresh(route.getMetadata().getName(), p, now);
    EvaluationStatus current = route.getStatus() == null ? null : route.getStatus().getEvaluation();
    String found =
        "key "
            + stateKey
            + " of ConfigMap "
            + STATE_CONFIG_MAP
            + " "
            + problem
            + " (at "
            + now
            + ")";
    if (current != null
        && p.id().equals(current.getId())
        && instant(current.getStartedAt()).isPresent()
        && instant(current.getEndsAt()).isPresent()) {
      state.startedAt = current.getStartedAt();
      state.endsAt = current.getEndsAt();
      state.completed = "Completed".equals(current.getPhase());
      state.baselineTarget =
          current.getBaseline() == null ? null : current.getBaseline().getTarget();
      if (state.completed) {
        // No longer collected: the replicas' final sums, once.
        source.reports(namespace).forEach(state::fold);
      }
      state.recovered =
          found
              + "; replaced by a state rebuilt from status.evaluation (window "
              + state.startedAt
              + " to "
              + state.endsAt
              + ") and the gateway replicas' cumulative sums: pairs counted by a replica that"
              + " restarted before then are missing";
    } else {
      state.recovered =
          found
              + "; status.evaluation does not describe evaluation "
              + p.id()
              + ", so it started again then";
    }
    LOG.warn(
        "Evaluation {} of route {}/{}: {}",
        p.id(),
        namespace,
        route.getMetadata().getName(),
        state.recovered);
    return state;
  }

  private static Optional<Instant> instant(String text) {
    try {
      return text == null ? Optional.empty() : Optional.of(Instant.parse(text));
    } catch (java.time.format.DateTimeParseException e) {
      return Optional.empty();
    }
  }

  /**
   * Why the report ConfigMap must not be written, if so: it exists and is not one this operator
   * created for reports. One that an earlier version created (no {@link #REPORT_LABEL} yet) is
   * recognised by what it holds: the operator's managed-by label and nothing but runbook entries
   * ({@code <route>.<id>.md} keys whose text starts as {@link RunbookEntry} writes it); it is
   * labelled at its next write. A ConfigMap that could not be read counts as writable: the write
   * checks again.
   *
   * <p>Read from the informers' cache when they hold it (the operator's own and labelled ones);
   * otherwise (absent, or another application's) from the API server at most once per {@link
   * #RECHECK_UNCACHED}, not at every collection. A write that finds another application's ConfigMap
   * records it at once.
   */
  Optional<String> reportBlocked(String namespace, String name) {
    if (client == null) {
      return Optional.empty();
    }
    ConfigMapCache informers = cache;
    Optional<ConfigMap> cached =
        informers == null ? Optional.empty() : informers.get(namespace, name);
    if (cached.isPresent()) {
      return blockedBy(cached.get(), name);
    }
    Instant now = clock.instant();
    Checked before = informers == null ? null : checked.get(namespace + "/" + name);
    if (before != null && now.isBefore(before.at().plus(RECHECK_UNCACHED))) {
      return before.blocked();
    }
    ConfigMap existing;
    try {
      existing = client.configMaps().inNamespace(namespace).withName(name).get();
    } catch (KubernetesClientException e) {
      return Optional.empty();
    }
    Optional<String> blocked = blockedBy(existing, name);
    if (informers != null) {
      checked.put(namespace + "/" + name, new Checked(blocked, now));
    }
    return blocked;
  }

  /** Why the existing ConfigMap (null: none) must not get runbook entries, if so. */
  private static Optional<String> blockedBy(ConfigMap existing, String name) {
    if (existing == null || isReport(existing) || isEarlierReport(existing)) {
      return Optional.empty();
    }
    return Optional.of(
        "ConfigMap "
            + name
            + " (spec.evaluation.report.configMapName) exists and was not created by the operator"
            + " for evaluation reports (no label "
            + REPORT_LABEL
            + "=true), so the runbook entry is not written into it; name a ConfigMap that does not"
            + " exist yet, or label this one if it is meant to hold the reports");
  }

  private static boolean isReport(ConfigMap configMap) {
    Map<String, String> labels = configMap.getMetadata().getLabels();
    return labels != null && "true".equals(labels.get(REPORT_LABEL));
  }

  /** A report ConfigMap created before {@link #REPORT_LABEL} existed. */
  private static boolean isEarlierReport(ConfigMap configMap) {
    Map<String, String> labels = configMap.getMetadata().getLabels();
    Map<String, String> data = configMap.getData();
    return labels != null
        && MANAGED_BY.equals(labels.get(MANAGED_BY_LABEL))
        && (configMap.getBinaryData() == null || configMap.getBinaryData().isEmpty())
        && data != null
        && !data.isEmpty()
        && data.entrySet().stream()
            .allMatch(
                e ->
                    e.getKey().endsWith(".md")
                        && e.getKey().indexOf('.') < e.getKey().length() - ".md".length()
                        && e.getValue() != null
                        && e.getValue().startsWith(RunbookEntry.HEADING));
  }

  /**
   * Ends the evaluations of a route just deleted and removes their state from {@code
   * switchboard-evaluations}. One still running ends now ({@link #ROUTE_DELETED}): its final
   * runbook entry, from its stored state and the replicas read once more, is written before its
   * state goes; a final entry still owed is written too. Its runbook entries stay: they are the
   * record support reads (and exports) after the fact. Every write is bounded ({@link
   * #WRITE_ATTEMPTS}); when one fails, the entry's text stays in the state and the whole is tried
   * again at the namespace's next collection (or the operator's next start).
   */
  public Deleted forget(String namespace, String route) {
    return forget(namespace, route, true);
  }

  /**
   * As {@link #forget}, for a route found deleted when the operator started (it went while no
   * operator ran): when it was deleted is not known, so its running evaluations end at the time
   * found, and their final entries say so.
   */
  public Deleted forgetDeletedMeanwhile(String namespace, String route) {
    return forget(namespace, route, false);
  }

  private Deleted forget(String namespace, String route, boolean seen) {
    swept.remove(namespace + "/" + route);
    List<EndedEarly> ended = new ArrayList<>();
    Optional<WriteFailure> failed = endWithRoute(namespace, route, seen, ended);
    if (failed.isEmpty()) {
      failed =
          removeKeys(namespace, route)
              .map(
                  answer ->
                      new WriteFailure(
                          false,
                          "could not remove the evaluation state of deleted route "
                              + route
                              + " from ConfigMap "
                              + STATE_CONFIG_MAP
                              + " after "
                              + WRITE_ATTEMPTS
                              + " attempts ("
                              + answer
                              + "); retrying at the next evaluation collection in the"
                              + " namespace"));
    }
    if (failed.isEmpty()) {
      pendingForgets.remove(namespace + "/" + route);
      return new Deleted(ended, Optional.empty());
    }
    pendingForgets.add(namespace + "/" + route);
    LOG.warn("{}/{}: {}", namespace, route, failed.get().message());
    return new Deleted(ended, failed);
  }

  /**
   * Ends the deleted route's running evaluations with their final entries, and writes the final
   * entries its earlier ones still owe, before the route's keys go; the first write that failed.
   * Costs no read when the informers' copy holds no key of the route (the common case); the keys it
   * holds are read again from the API server, never ended from a copy.
   */
  private Optional<WriteFailure> endWithRoute(
      String namespace, String route, boolean seen, List<EndedEarly> ended) {
    if (client == null) {
      return Optional.empty();
    }
    ConfigMapCache informers = cache;
    if (informers != null
        && informers
            .get(namespace, STATE_CONFIG_MAP)
            .map(cm -> cm.getData() == null || !routesWithState(cm).contains(route))
            .orElse(true)) {
      return Optional.empty();
    }
    ConfigMap cm;
    try {
      cm = client.configMaps().inNamespace(namespace).withName(STATE_CONFIG_MAP).get();
    } catch (KubernetesClientException e) {
      return Optional.of(
          new WriteFailure(
              false,
              "could not read ConfigMap "
                  + STATE_CONFIG_MAP
                  + " to end the evaluations of deleted route "
                  + route
                  + " ("
                  + answer(e)
                  + "); retrying at the next evaluation collection in the namespace"));
    }
    if (cm == null || cm.getData() == null) {
      return Optional.empty();
    }
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    ModelRoute gone = new ModelRoute();
    gone.setMetadata(
        new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
            .withName(route)
            .withNamespace(namespace)
            .build());
    Optional<WriteFailure> failed = Optional.empty();
    List<EvaluationState> running = new ArrayList<>();
    for (Map.Entry<String, String> e : new TreeMap<>(cm.getData()).entrySet()) {
      EvaluationState state = route.equals(routeOf(e.getKey())) ? stateOf(e.getValue()) : null;
      if (state == null) {
        continue;
      }
      if (!state.completed) {
        running.add(state);
      } else if (state.owedEntry != null && state.owedReport != null) {
        Optional<String> owedFailed =
            writeRunbook(
                namespace,
                state.owedReport,
                state,
                state.owedEntry,
                reportBlocked(namespace, state.owedReport));
        if (failed.isEmpty()) {
          failed = owedFailed.map(message -> new WriteFailure(true, message));
        }
      }
    }
    for (EvaluationState state : running) {
      Plan old =
          new Plan(
              state.id,
              state.candidates.isEmpty() ? List.copyOf(state.totals.keySet()) : state.candidates,
              // its state's sample, or read from its earlier entry when it has none
              Double.NaN,
              0,
              state.report != null ? state.report : RUNBOOK_CONFIG_MAP,
              state.automatic,
              state.baselineTarget,
              null);
      Optional<Outcome> outcome =
          collect(gone, old, now, routeDeleted(route, old, now, seen, state.endsAt), null, null);
      if (outcome.isEmpty()) {
        failed =
            failed.or(
                () ->
                    Optional.of(
                        new WriteFailure(
                            false,
                            "could not read the state of evaluation "
                                + old.id()
                                + " of deleted route "
                                + route
                                + "; retrying at the next evaluation collection in the"
                                + " namespace")));
        continue;
      }
      outcome.get().endedEarly().filter(EndedEarly::now).ifPresent(ended::add);
      LOG.info(
          "Route {}/{} {}: evaluation {} ended with its final runbook entry",
          namespace,
          route,
          seen ? "deleted" : "found deleted at start",
          old.id());
      if (failed.isEmpty()) {
        failed = outcome.get().writeFailed();
      }
    }
    return failed;
  }

  /** The evaluation state {@code text} holds; null when it holds none (a key edited by hand). */
  private static EvaluationState stateOf(String text) {
    try {
      com.fasterxml.jackson.databind.JsonNode node = text == null ? null : JSON.readTree(text);
      if (node == null
          || !node.isObject()
          || !node.path("id").isTextual()
          || !node.path("route").isTextual()
          || instant(node.path("startedAt").asText(null)).isEmpty()
          || instant(node.path("endsAt").asText(null)).isEmpty()) {
        return null;
      }
      return EvaluationState.fromJson(node);
    } catch (java.io.IOException e) {
      return null;
    }
  }

  /** Why a running evaluation ends with its route: deleted ({@code seen}), or found deleted. */
  private static EndedEarly routeDeleted(
      String route, Plan old, Instant now, boolean seen, String endsAt) {
    boolean windowOver = instant(endsAt).map(end -> !now.isBefore(end)).orElse(false);
    return new EndedEarly(
        ROUTE_DELETED,
        (old.automatic() ? "automatic evaluation " : "evaluation ")
            + old.id()
            + (windowOver ? " ended at " + now + ", after its window (to " + endsAt + ")" : "")
            + (windowOver ? "" : " ended early at " + now)
            + (seen
                ? ": its route was deleted, so nothing is mirrored for it any more"
                : ": its route was found deleted when the operator started (it was deleted while"
                    + " no operator ran, when is not known; the figures are those the gateway"
                    + " replicas still held)")
            + "; its final runbook entry is "
            + old.report()
            + " key "
            + RunbookEntry.key(route, old.id()),
        true);
  }

  /**
   * Removes every key of the route from {@link #STATE_CONFIG_MAP}; the API server's last answer
   * ({@link #answer}) when that failed {@link #WRITE_ATTEMPTS} times, empty when done (or nothing
   * to remove: no write then).
   */
  private Optional<String> removeKeys(String namespace, String route) {
    if (client == null) {
      return Optional.empty();
    }
    KubernetesClientException last = null;
    for (int attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      try {
        ConfigMap existing =
            client.configMaps().inNamespace(namespace).withName(STATE_CONFIG_MAP).get();
        if (existing == null || existing.getData() == null) {
          return Optional.empty();
        }
        Map<String, String> data = new TreeMap<>(existing.getData());
        if (data.keySet().removeIf(key -> route.equals(routeOf(key)))) {
          existing.setData(data);
          client.configMaps().inNamespace(namespace).resource(existing).update();
        }
        return Optional.empty();
      } catch (KubernetesClientException e) {
        // a conflict (someone wrote meanwhile): read again and retry
        last = e;
      }
    }
    return Optional.of(answer(last));
  }

  /**
   * Retries removing the state of the namespace's deleted routes; a route tracked again under its
   * old name keeps its state (as it would have, had it been created again before the deletion).
   */
  private void retryForgets(String namespace, String tracked) {
    pendingForgets.remove(namespace + "/" + tracked);
    for (String pending : List.copyOf(pendingForgets)) {
      if (pending.startsWith(namespace + "/")) {
        forget(namespace, pending.substring(namespace.length() + 1));
      }
    }
  }

  /** The API server's answer to a failed request: its code and reason, never a body or URL. */
  static String answer(KubernetesClientException e) {
    if (e == null) {
      return "no answer";
    }
    if (e.getCode() <= 0) {
      return "no answer from the API server: "
          + (e.getCause() == null ? "connection failed" : e.getCause().getClass().getSimpleName());
    }
    io.fabric8.kubernetes.api.model.Status status = e.getStatus();
    StringBuilder text = new StringBuilder("HTTP ").append(e.getCode());
    if (status != null && status.getReason() != null && !status.getReason().isBlank()) {
      text.append(' ').append(status.getReason());
    }
    if (status != null && status.getMessage() != null && !status.getMessage().isBlank()) {
      String message = status.getMessage();
      text.append(": ").append(message.length() > 200 ? message.substring(0, 200) + "…" : message);
    }
    return text.toString();
  }

  /** The routes that have evaluation state in a {@link #STATE_CONFIG_MAP}. */
  public static java.util.Set<String> routesWithState(ConfigMap state) {
    java.util.Set<String> routes = new java.util.TreeSet<>();
    if (state.getData() != null) {
      for (String key : state.getData().keySet()) {
        String route = routeOf(key);
        if (route != null && !route.isEmpty()) {
          routes.add(route);
        }
      }
    }
    return routes;
  }

  private static String stateKey(String route, String id) {
    return route + "." + id + ".json";
  }

  /**
   * The route of a state key {@code <route>.<id>.json}; route names may hold dots, evaluation ids
   * never do.
   */
  private static String routeOf(String stateKey) {
    if (!stateKey.endsWith(".json")) {
      return null;
    }
    String withoutSuffix = stateKey.substring(0, stateKey.length() - ".json".length());
    int dot = withoutSuffix.lastIndexOf('.');
    return dot < 0 ? null : withoutSuffix.substring(0, dot);
  }

  /**
   * The candidates ({@code provider/model}) of the automatic evaluation the route has — running,
   * completed, or due to start now for an approaching retirement — when it declares none; empty
   * otherwise. Lets the reconcile check that they resolve before {@link #track} starts a window.
   */
  public Optional<List<String>> automaticCandidates(ModelRoute route, NamespaceView view) {
    return plan(route, view).filter(Plan::automatic).map(Plan::candidates);
  }

  /** The route's evaluation: declared, continued automatic, or newly automatic. */
  Optional<Plan> plan(ModelRoute route, NamespaceView view) {
    EvaluationSpec spec = route.getSpec() == null ? null : route.getSpec().getEvaluation();
    if (spec != null && spec.getCandidates() != null && !spec.getCandidates().isEmpty()) {
      List<String> candidates = new ArrayList<>();
      for (EvaluationCandidate c : spec.getCandidates()) {
        if (c.getProviderRef() != null) {
          candidates.add(c.getProviderRef().getName() + "/" + c.getModel());
        }
      }
      return Optional.of(
          new Plan(
              EvaluationRendering.declaredId(route),
              candidates,
              spec.getSample() == null ? 0.1 : spec.getSample(),
              EvaluationRendering.durationMs(spec),
              spec.getReport() == null || spec.getReport().getConfigMapName() == null
                  ? RUNBOOK_CONFIG_MAP
                  : spec.getReport().getConfigMapName(),
              false,
              EvaluationRendering.declaredBaseline(route.getSpec()),
              null));
    }
    EvaluationStatus previous =
        route.getStatus() == null ? null : route.getStatus().getEvaluation();
    if (previous != null
        && Boolean.TRUE.equals(previous.getAutomatic())
        && previous.getId() != null) {
      List<String> candidates = candidatesOf(previous);
      return Optional.of(
          automatic(
              previous.getId(),
              candidates,
              previous.getBaseline() == null ? null : previous.getBaseline().getTarget(),
              null));
    }
    PolicyLifecycle lifecycle = ModelRetirement.policyLifecycle(route, view);
    Long windowMs =
        lifecycle == null ? null : Durations.toMillisOrNull(lifecycle.getEvaluateSuccessorBefore());
    if (windowMs == null) {
      return Optional.empty();
    }
    Instant now = clock.instant();
    return ModelRetirement.retiringTargets(route, view).stream()
        .filter(r -> r.successor() != null && r.capable())
        .filter(
            r ->
                now.isBefore(r.retiresAt())
                    && Duration.between(now, r.retiresAt()).toMillis() <= windowMs)
        .findFirst()
        .map(
            r -> {
              String successor =
                  r.target().substring(0, r.target().indexOf('/') + 1) + r.successor();
              return automatic(
                  "auto-" + shortHash(r.target() + ">" + successor),
                  List.of(successor),
                  r.target(),
                  r.retiresAt());
            });
  }

  private static Plan automatic(
      String id, List<String> candidates, String baseline, Instant endsBy) {
    return new Plan(
        id,
        candidates,
        EvaluationRendering.AUTOMATIC_SAMPLE,
        Durations.toMillisOrNull(EvaluationRendering.AUTOMATIC_DURATION),
        RUNBOOK_CONFIG_MAP,
        true,
        baseline,
        endsBy);
  }

  static EvaluationStatus status(
      EvaluationState state,
      Plan plan,
      Map<String, EvaluationStatistics.Result> results,
      Instant now) {
    EvaluationStatus status = new EvaluationStatus();
    status.setId(state.id);
    status.setPhase(state.completed ? "Completed" : "Running");
    status.setStartedAt(state.startedAt);
    status.setEndsAt(state.endsAt);
    status.setUpdatedAt(now.toString());
    status.setAutomatic(plan.automatic() ? Boolean.TRUE : null);
    List<EvaluationCandidateStatus> candidates = new ArrayList<>();
    CandidateSums first = null;
    for (Map.Entry<String, EvaluationStatistics.Result> e : results.entrySet()) {
      CandidateSums sums = state.totals.getOrDefault(e.getKey(), CandidateSums.EMPTY);
      first = first == null ? sums : first;
      EvaluationStatistics.Result r = e.getValue();
      EvaluationCandidateStatus c = new EvaluationCandidateStatus();
      c.setTarget(e.getKey());
      c.setRequests(sums.requests());
      c.setPairs(r.pairs());
      c.setSkipped(new MirrorsSkipped(sums.baselineSkipped(), sums.candidateSkipped()));
      c.setOutputTokensRatio(interval(r.outputTokensRatio()));
      c.setWordsRatio(interval(r.wordsRatio()));
      c.setSentencesRatio(interval(r.sentencesRatio()));
      c.setTtftRatio(interval(r.ttftRatio()));
      c.setLatencyRatio(interval(r.latencyRatio()));
      c.setCostRatio(interval(r.costRatio()));
      c.setRefusalRateDelta(interval(r.refusalRateDelta()));
      c.setErrorRateDelta(interval(r.errorRateDelta()));
      c.setVerdict(r.verdict());
      c.setVerdicts(r.verdicts());
      candidates.add(c);
    }
    status.setCandidates(candidates);
    if (state.baselineTarget != null && (first == null || first.requests() == 0)) {
      // What the candidates are compared with, from the start: the routing table renders it.
      EvaluationBaseline baseline = new EvaluationBaseline();
      baseline.setTarget(state.baselineTarget);
      baseline.setRequests(0L);
      status.setBaseline(baseline);
    }
    if (first != null && first.requests() > 0) {
      EvaluationBaseline baseline = new EvaluationBaseline();
      baseline.setTarget(state.baselineTarget);
      baseline.setRequests(first.requests());
      baseline.setOutputTokensMean(mean(first.figure("outputTokens"), false));
      baseline.setWordsPerAnswer(mean(first.figure("words"), false));
      baseline.setSentencesPerAnswer(mean(first.figure("sentences"), false));
      baseline.setTtftMeanMs(mean(first.figure("ttftMs"), false));
      baseline.setLatencyMeanMs(mean(first.figure("latencyMs"), false));
      Double cost = mean(first.figure("costUsd"), false);
      baseline.setCostPer1kRequests(cost == null ? null : round(cost * 1000, 6));
      baseline.setRefusalRate(
          first.baselineAnswered() == 0
              ? null
              : round((double) first.baselineRefusals() / first.baselineAnswered(), 4));
      baseline.setErrorRate(round((double) first.baselineFailures() / first.requests(), 4));
      status.setBaseline(baseline);
    }
    return status;
  }

  private static Double mean(CandidateSums.Paired p, boolean candidate) {
    return p.n() == 0 ? null : round((candidate ? p.sumC() : p.sumB()) / p.n(), 4);
  }

  private static Interval interval(Optional<EvaluationStatistics.Estimate> estimate) {
    return estimate
        .map(
            e -> {
              Interval i = new Interval();
              i.setValue(round(e.value(), 4));
              i.setCi95(List.of(round(e.low(), 4), round(e.high(), 4)));
              return i;
            })
        .orElse(null);
  }

  private static double round(double v, int digits) {
    double scale = Math.pow(10, digits);
    return Math.round(v * scale) / scale;
  }

  /**
   * Writes the evaluation's runbook entry {@code text} into the ConfigMap {@code report}; the
   * failure, if the write failed (not when it is blocked).
   */
  private Optional<String> writeRunbook(
      String namespace,
      String report,
      EvaluationState state,
      String text,
      Optional<String> blocked) {
    if (blocked.isPresent()) {
      // Said in the route's status; the entry is written once the name is changed.
      return Optional.empty();
    }
    String key = RunbookEntry.key(state.route, state.id);
    return putKey(
        namespace,
        report,
        key,
        text,
        true,
        data -> RunbookEntry.beyondKept(data, state.route, key, RUNBOOK_ENTRIES_PER_ROUTE));
  }

  /**
   * An evaluation's persisted state: {@code state} null with no {@code problem} when none is stored
   * yet; a {@code problem} when it could not be read: an API error (whether one exists is unknown;
   * read again later), or a stored value that is not an evaluation's state ({@code corrupt}:
   * reading again gives the same).
   */
  private record Stored(
      EvaluationState state,
      String problem,
      boolean corrupt,
      List<EvaluationState> owed,
      List<EvaluationState> running) {
    static final Stored ABSENT = new Stored(null, null, false);

    Stored(EvaluationState state, String problem, boolean corrupt) {
      this(state, problem, corrupt, List.of(), List.of());
    }

    boolean unreadable() {
      return problem != null;
    }
  }

  private Stored load(String namespace, String key) {
    if (client == null) {
      return Stored.ABSENT;
    }
    try {
      ConfigMap cm = client.configMaps().inNamespace(namespace).withName(STATE_CONFIG_MAP).get();
      String text = cm == null || cm.getData() == null ? null : cm.getData().get(key);
      List<EvaluationState> owed = owed(cm, key);
      List<EvaluationState> running = running(cm, key);
      if (text == null) {
        return owed.isEmpty() && running.isEmpty()
            ? Stored.ABSENT
            : new Stored(null, null, false, owed, running);
      }
      com.fasterxml.jackson.databind.JsonNode node = JSON.readTree(text);
      if (node == null
          || !node.isObject()
          || !node.path("id").isTextual()
          || !node.path("route").isTextual()
          || instant(node.path("startedAt").asText(null)).isEmpty()
          || instant(node.path("endsAt").asText(null)).isEmpty()) {
        return new Stored(
            null, "is not an evaluation's state (no id, route, startedAt or endsAt)", true);
      }
      return new Stored(EvaluationState.fromJson(node), null, false, owed, running);
    } catch (KubernetesClientException e) {
      return new Stored(null, e.getMessage(), false);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      com.fasterxml.jackson.core.JsonLocation at = e.getLocation();
      return new Stored(
          null,
          "is not valid JSON ("
              + e.getOriginalMessage().lines().findFirst().orElse("")
              + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr())
              + ")",
          true);
    } catch (java.io.IOException e) {
      return new Stored(null, "is not valid JSON", true);
    }
  }

  /**
   * The states of the route's other evaluations (the route of {@code key}) that still owe their
   * final runbook entry; unreadable ones are left to the corrupt-state handling of their own.
   */
  private static List<EvaluationState> owed(ConfigMap cm, String key) {
    return others(cm, key, EvaluationTracker::owing);
  }

  /** The route's other declared evaluations (the route of {@code key}) stored as running. */
  private static List<EvaluationState> running(ConfigMap cm, String key) {
    return others(cm, key, EvaluationTracker::runningDeclared);
  }

  /**
   * What {@code read} makes of the states of the route's other evaluations (the route of {@code
   * key}), those it makes nothing of (null) left out.
   */
  private static List<EvaluationState> others(
      ConfigMap cm, String key, java.util.function.Function<String, EvaluationState> read) {
    String route = routeOf(key);
    if (cm == null || cm.getData() == null || route == null) {
      return List.of();
    }
    List<EvaluationState> found = new ArrayList<>();
    cm.getData()
        .forEach(
            (other, text) -> {
              EvaluationState state =
                  other.equals(key) || !route.equals(routeOf(other)) ? null : read.apply(text);
              if (state != null) {
                found.add(state);
              }
            });
    return found;
  }

  /** The state {@code text} holds when it owes its final runbook entry; null otherwise. */
  private static EvaluationState owing(String text) {
    if (text == null) {
      return null;
    }
    try {
      com.fasterxml.jackson.databind.JsonNode node = JSON.readTree(text);
      if (node == null || !node.path("owedEntry").isTextual()) {
        return null;
      }
      EvaluationState state = EvaluationState.fromJson(node);
      return state.id != null && state.route != null && state.owedReport != null ? state : null;
    } catch (java.io.IOException e) {
      return null; // not an evaluation's state: nothing owed by it
    }
  }

  private Optional<String> save(
      String namespace, String key, EvaluationState state, Set<String> stillOwed) {
    // The route's other evaluations (completed, or replaced by a new spec) are over: their
    // results are in their runbook entries, and their state would only fill the ConfigMap —
    // except one whose final entry is still owed: it keeps it (and its retry) until written, and
    // a declared one still running, which has no final entry yet.
    String route = routeOf(key);
    return putKey(
        namespace,
        STATE_CONFIG_MAP,
        key,
        state.toJson().toString(),
        false,
        data ->
            data.keySet().stream()
                .filter(
                    other ->
                        !other.equals(key)
                            && route.equals(routeOf(other))
                            && !stillOwed.contains(other)
                            // one still running is ended (endUnsaid) before its key goes
                            && runningDeclared(data.get(other)) == null)
                .toList());
  }

  /**
   * Sets one key of a ConfigMap (created when missing), keeping its other keys. A report ConfigMap
   * is created with {@link #REPORT_LABEL}, and written only while it carries it (or is one an
   * earlier version created, which gets it now); checked on the copy that is updated, so a
   * ConfigMap someone else created meanwhile is left alone too.
   *
   * @return what went wrong when the key could not be written after {@link #WRITE_ATTEMPTS}
   *     attempts; empty when it was written, or deliberately not (a ConfigMap not the operator's)
   */
  private Optional<String> putKey(
      String namespace,
      String name,
      String key,
      String value,
      boolean report,
      java.util.function.Function<Map<String, String>, List<String>> obsolete) {
    if (client == null) {
      return Optional.empty();
    }
    KubernetesClientException last = null;
    for (int attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      try {
        // A report ConfigMap from the informers' cache first (a copy: the cache's must stay as
        // it is); a stale one fails the update with a conflict, and the retry reads it anew.
        ConfigMapCache informers = cache;
        ConfigMap existing =
            (report && attempt == 0 && informers != null
                    ? informers.get(namespace, name).map(cm -> new ConfigMapBuilder(cm).build())
                    : Optional.<ConfigMap>empty())
                .orElseGet(() -> client.configMaps().inNamespace(namespace).withName(name).get());
        if (existing == null) {
          client
              .configMaps()
              .inNamespace(namespace)
              .resource(
                  new ConfigMapBuilder()
                      .withNewMetadata()
                      .withName(name)
                      .withNamespace(namespace)
                      .addToLabels(MANAGED_BY_LABEL, MANAGED_BY)
                      .addToLabels(report ? Map.of(REPORT_LABEL, "true") : Map.of())
                      .endMetadata()
                      .withData(new TreeMap<>(Map.of(key, value)))
                      .build())
              .create();
          return Optional.empty();
        }
        boolean adopted = false;
        if (report && !isReport(existing)) {
          if (!isEarlierReport(existing)) {
            // Created by someone else since it was last looked at: said from the next collection.
            checked.put(
                namespace + "/" + name, new Checked(blockedBy(existing, name), clock.instant()));
            return Optional.empty();
          }
          adopted = true;
          Map<String, String> labels = new TreeMap<>(existing.getMetadata().getLabels());
          labels.put(REPORT_LABEL, "true");
          existing.getMetadata().setLabels(labels);
        }
        Map<String, String> data =
            existing.getData() == null ? new TreeMap<>() : new TreeMap<>(existing.getData());
        List<String> drop = obsolete.apply(data);
        if (value.equals(data.get(key)) && !adopted && drop.isEmpty()) {
          return Optional.empty();
        }
        drop.forEach(data::remove);
        data.put(key, value);
        existing.setData(data);
        client.configMaps().inNamespace(namespace).resource(existing).update();
        return Optional.empty();
      } catch (KubernetesClientException e) {
        // a conflict (someone wrote meanwhile): read again and retry
        last = e;
      }
    }
    return Optional.of(
        "could not write key "
            + key
            + " of ConfigMap "
            + name
            + " after "
            + WRITE_ATTEMPTS
            + " attempts ("
            + answer(last)
            + "); retrying at the next collection");
  }

  private static String day(Instant instant) {
    return LocalDate.ofInstant(instant, ZoneOffset.UTC).toString();
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private static String shortHash(String text) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always available", e);
    }
  }
}
