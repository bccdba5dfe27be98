package dev.switchboard.operator.drift;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.api.v1alpha1.DriftCheck;
import dev.switchboard.api.v1alpha1.DriftResult;
import dev.switchboard.api.v1alpha1.DriftStatus;
import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.ModelRouteSpec;
import dev.switchboard.api.v1alpha1.RouteRule;
import dev.switchboard.api.v1alpha1.RouteTarget;
import dev.switchboard.api.v1alpha1.RoutingPolicy;
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
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a RoutingPolicy's {@code driftCheck} when its schedule says so (state in {@code
 * status.drift}, so restarts and missed runs behave, see {@link DriftSchedule}), against every
 * target every ModelRoute using the policy can serve (its own and its rules'), with the baseline
 * kept in the ConfigMap {@code switchboard-drift-<policy>} the policy owns. Produces the new {@code
 * status.drift}, the {@code Drifted} condition, events and metrics.
 */
public final class DriftChecker {

  /** Condition type set on policies with a drift check. */
  public static final String DRIFTED = "Drifted";

  /** Annotation on a policy: a new value takes a new baseline at once (e.g. a timestamp). */
  public static final String REBASELINE_ANNOTATION = "switchboard.dev/drift-rebaseline";

  /** Longest wait before looking again (a schedule edit reconciles at once anyway). */
  public static final Duration MAX_RECHECK = Duration.ofHours(1);

  private static final Logger LOG = LoggerFactory.getLogger(DriftChecker.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final KubernetesClient client;
  private final Clock clock;
  private final DriftRunner runner;
  private final EventRecorder events;
  private final DriftMetrics metrics;
  private final Duration maxRecheck;

  public DriftChecker(
      KubernetesClient client,
      Clock clock,
      DriftClient drift,
      EventRecorder events,
      DriftMetrics metrics) {
    this(client, clock, drift, events, metrics, MAX_RECHECK);
  }

  /**
   * As above, looking at the schedule again at least every {@code maxRecheck} of real time ({@link
   * #MAX_RECHECK} unless the clock can jump, see {@code time.OffsetClock}).
   */
  public DriftChecker(
      KubernetesClient client,
      Clock clock,
      DriftClient drift,
      EventRecorder events,
      DriftMetrics metrics,
      Duration maxRecheck) {
    this.client = client;
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
    if (!decision.runNow() && !rebaseline) {
      DriftStatus status = copy(previous);
      status.setNextRun(format(decision.next()));
      return new Outcome(status, condition(status), recheck(decision.next(), now));
    }
    DriftStatus status = run(policy, check, previous, now, rebaseline);
    status.setLastScheduled(format(decision.runNow() ? decision.scheduled() : lastScheduled));
    status.setNextRun(format(decision.next()));
    if (rebaseline) {
      status.setRebaseline(token);
    }
    return new Outcome(status, condition(status), recheck(decision.next(), now));
  }

  private DriftStatus run(
      RoutingPolicy policy,
      DriftCheck check,
      DriftStatus previous,
      Instant now,
      boolean rebaseline) {
    String namespace = policy.getMetadata().getNamespace();
    String name = policy.getMetadata().getName();
    DriftStatus status = copy(previous);
    status.setLastRun(format(now));
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
      return status;
    }
    List<DriftRunner.Subject> subjects = subjects(namespace, name);
    ConfigMap stored =
        client.configMaps().inNamespace(namespace).withName(baselineName(name)).get();
    Map<String, Baseline> baselines = readBaselines(stored);
    DriftRunner.Outcome outcome;
    try {
      outcome =
          runner.run(
              new DriftRunner.Plan(
                  namespace,
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
      return status;
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
    status.setMessage(outcome.message());
    metrics.run(namespace, name, outcome.results());
    List<String> drifted = new ArrayList<>();
    for (DriftResult r : outcome.results()) {
      if (Boolean.TRUE.equals(r.getDrifted())) {
        drifted.add(r.getRoute() + " " + r.getTarget() + ": " + r.getReason());
      }
    }
    if (!drifted.isEmpty()) {
      events.record(policy, EventRecorder.WARNING, "Drifted", String.join("; ", drifted));
    }
    LOG.info(
        "drift check {}/{}: {} targets, {} requests, {} drifted",
        namespace,
        name,
        outcome.results().size(),
        outcome.requests(),
        drifted.size());
    return status;
  }

  /**
   * Every target every route of the namespace that uses {@code policy} can serve — its own {@code
   * targets} and those of its {@code rules}, each once, in declaration order — in a stable order.
   */
  private List<DriftRunner.Subject> subjects(String namespace, String policy) {
    List<DriftRunner.Subject> subjects = new ArrayList<>();
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
      String model =
          route.getSpec().getModel() == null
              ? route.getMetadata().getName()
              : route.getSpec().getModel();
      List<String> targets = servedTargets(route.getSpec());
      String key = DriftRunner.targetsKey(targets);
      for (String t : targets) {
        subjects.add(new DriftRunner.Subject(model, t, key));
      }
    }
    return subjects;
  }

  /**
   * The {@code provider/model} ids a route can send a request to: its own targets, then each rule's
   * (a request matching a rule goes to the rule's targets), without repeats.
   */
  static List<String> servedTargets(ModelRouteSpec spec) {
    java.util.LinkedHashSet<String> ids = new java.util.LinkedHashSet<>();
    addTargets(ids, spec.getTargets());
    if (spec.getRules() != null) {
      for (RouteRule rule : spec.getRules()) {
        addTargets(ids, rule.getTargets());
      }
    }
    return List.copyOf(ids);
  }

  private static void addTargets(java.util.Set<String> ids, List<RouteTarget> targets) {
    if (targets == null) {
      return;
    }
    for (RouteTarget t : targets) {
      if (t.getProviderRef() != null && t.getModel() != null) {
        ids.add(t.getProviderRef().getName() + "/" + t.getModel());
      }
    }
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

  /** The Drifted condition from the last results. */
  static Conditions.Desired condition(DriftStatus status) {
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
    long baselines =
        results.stream().filter(r -> "baseline recorded".equals(r.getReason())).count();
    long unanswered = results.size() - compared - baselines;
    String failures =
        unanswered == 0 ? "" : "; " + unanswered + " targets did not answer (see status.drift)";
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
