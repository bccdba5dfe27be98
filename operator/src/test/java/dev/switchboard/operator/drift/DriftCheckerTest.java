package dev.switchboard.operator.drift;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.api.v1alpha1.DriftCheck;
import dev.switchboard.api.v1alpha1.DriftResult;
import dev.switchboard.api.v1alpha1.LocalObjectRef;
import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.ModelRouteSpec;
import dev.switchboard.api.v1alpha1.RouteRule;
import dev.switchboard.api.v1alpha1.RouteTarget;
import dev.switchboard.api.v1alpha1.RoutingPolicy;
import dev.switchboard.api.v1alpha1.RoutingPolicySpec;
import dev.switchboard.api.v1alpha1.RoutingPolicyStatus;
import dev.switchboard.api.v1alpha1.RuleMatch;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.kubemock.EmbeddedKubernetesApi;
import dev.switchboard.operator.serialization.TolerantSerialization;
import dev.switchboard.operator.status.EventRecorder;
import dev.switchboard.operator.testing.MutableClock;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The drift check as the operator runs it, against the embedded Kubernetes API: schedule state in
 * status across reconciles, restarts and downtime, the baseline ConfigMap the policy owns, the
 * Drifted condition and Warning event, and a new baseline on request. Every test runs in its own
 * namespace on an injected clock.
 */
class DriftCheckerTest {

  private static final Path CRDS = Path.of("../crds");
  static EmbeddedKubernetesApi api;
  static KubernetesClient client;

  final MutableClock clock = new MutableClock(Instant.parse("2026-01-10T12:00:00Z"));
  final FakeDriftClient provider = new FakeDriftClient();
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  /**
   * One recorder for every checker of a test, as the operator has one for all its reconciles: a
   * repeat is folded into the Event already recorded, its count written once a minute ({@link
   * EventRecorder#flushDue}), so only a flush shows how often an event was recorded.
   */
  final EventRecorder recorder = new EventRecorder(client, clock);

  /** Published routing-table entries by namespace and route (none: the route is not published). */
  final Map<String, Map<String, RoutingTable.Route>> published =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * The namespace's published table as the publisher reads it: the entries above, with a version
   * that changes with them (as the operator's digest does).
   */
  Optional<RoutingTable> published(String namespace) {
    Map<String, RoutingTable.Route> routes = published.get(namespace);
    if (routes == null) {
      return Optional.empty();
    }
    List<RoutingTable.Route> entries = List.copyOf(new java.util.TreeMap<>(routes).values());
    return Optional.of(
        new RoutingTable(
            RoutingTable.SCHEMA_VERSION,
            "sha256:" + Integer.toHexString(entries.hashCode()),
            namespace,
            Map.of(),
            Map.of(),
            entries));
  }

  /** Publishes the route as its spec stands (own targets, then each rule's), as a render does. */
  void publish(ModelRoute route) {
    ModelRouteSpec spec = route.getSpec();
    List<RoutingTable.Rule> rules =
        spec.getRules() == null
            ? List.of()
            : spec.getRules().stream()
                .map(r -> new RoutingTable.Rule(Map.of(), targets(r.getTargets())))
                .toList();
    String name = route.getMetadata().getName();
    published
        .computeIfAbsent(
            route.getMetadata().getNamespace(),
            ns -> new java.util.concurrent.ConcurrentHashMap<>())
        .put(
            name,
            new RoutingTable.Route(
                name,
                spec.getModel() == null ? name : spec.getModel(),
                List.of(),
                spec.getPolicyRef().getName(),
                1,
                targets(spec.getTargets()),
                rules,
                null));
  }

  private static List<RoutingTable.Target> targets(List<RouteTarget> targets) {
    return targets.stream()
        .map(t -> new RoutingTable.Target(t.getProviderRef().getName(), t.getModel(), 1, 0))
        .toList();
  }

  @BeforeAll
  static void start() {
    api = EmbeddedKubernetesApi.start();
    api.installCrds(
        CRDS.resolve("providerendpoints.switchboard.dev-v1.yml"),
        CRDS.resolve("routingpolicies.switchboard.dev-v1.yml"),
        CRDS.resolve("modelroutes.switchboard.dev-v1.yml"));
    client =
        TolerantSerialization.clientBuilder()
            .withConfig(api.clientConfig())
            .withHttpClientFactory(new JdkHttpClientFactory())
            .build();
  }

  @AfterAll
  static void stop() {
    client.close();
    api.close();
  }

  DriftChecker checker() {
    return new DriftChecker(
        client, this::published, clock, provider, recorder, new DriftMetrics(registry));
  }

  /** A namespace with policy {@code nightly} (03:00 Berlin), one route on it with two targets. */
  RoutingPolicy setUp(String ns, int prompts) {
    Map<String, String> data = new java.util.TreeMap<>();
    for (int i = 0; i < prompts; i++) {
      data.put("p" + i, "Explain rule " + i + " of the compliance handbook.");
    }
    client
        .configMaps()
        .inNamespace(ns)
        .resource(
            new ConfigMapBuilder()
                .withMetadata(new ObjectMetaBuilder().withName("drift-prompts").build())
                .withData(data)
                .build())
        .create();
    ModelRoute route = new ModelRoute();
    route.setMetadata(new ObjectMetaBuilder().withName("compliance").withNamespace(ns).build());
    ModelRouteSpec spec = new ModelRouteSpec();
    spec.setPolicyRef(ref("nightly"));
    spec.setTargets(List.of(target("openai", "gpt-4o"), target("azure", "gpt-4o")));
    route.setSpec(spec);
    publish(client.resource(route).create());
    RoutingPolicy policy = new RoutingPolicy();
    policy.setMetadata(new ObjectMetaBuilder().withName("nightly").withNamespace(ns).build());
    RoutingPolicySpec ps = new RoutingPolicySpec();
    DriftCheck check = new DriftCheck();
    check.setSchedule("0 3 * * *");
    check.setTimeZone("Europe/Berlin");
    check.setPromptsConfigMapRef(ref("drift-prompts"));
    check.setSamples(2);
    check.setMaxNormalizedDistance(0.15);
    ps.setDriftCheck(check);
    policy.setSpec(ps);
    return client.resource(policy).create();
  }

  static LocalObjectRef ref(String name) {
    LocalObjectRef r = new LocalObjectRef();
    r.setName(name);
    return r;
  }

  static RouteTarget target(String provider, String model) {
    RouteTarget t = new RouteTarget();
    t.setProviderRef(ref(provider));
    t.setModel(model);
    return t;
  }

  /** Reconciles once and keeps the outcome as the policy's status, as the reconciler writes it. */
  static DriftChecker.Outcome reconcile(DriftChecker checker, RoutingPolicy policy) {
    DriftChecker.Outcome outcome = checker.reconcile(policy);
    RoutingPolicyStatus status = new RoutingPolicyStatus();
    status.setDrift(outcome.status());
    policy.setStatus(status);
    return outcome;
  }

  /** A policy deleted, or whose drift check was removed, leaves no drift series behind. */
  @Test
  void aForgottenPolicyLeavesNoDriftSeries() {
    RoutingPolicy policy = setUp("forget", 5);
    DriftChecker checker = checker();
    reconcile(checker, policy);
    assertThat(registry.find("switchboard_drift_drifted").tag("namespace", "forget").gauges())
        .hasSize(2);
    assertThat(registry.find("switchboard_drift_runs").tag("namespace", "forget").counters())
        .hasSize(1);

    checker.forget(policy);

    assertThat(registry.getMeters()).noneMatch(m -> "forget".equals(m.getId().getTag("namespace")));
  }

  @Test
  void theFirstRunRecordsABaselineInAConfigMapThePolicyOwns() {
    RoutingPolicy policy = setUp("baseline", 5);

    DriftChecker.Outcome o = reconcile(checker(), policy);

    assertThat(provider.requests.get()).isEqualTo(5 * 2 * 2);
    assertThat(o.status().getResults()).hasSize(2);
    assertThat(o.drifted().status()).isFalse();
    assertThat(o.drifted().reason()).isEqualTo("BaselineRecorded");
    // 03:00 in Berlin is 02:00Z in January.
    assertThat(o.status().getNextRun()).isEqualTo("2026-01-11T02:00:00Z");
    assertThat(o.recheck()).isLessThanOrEqualTo(Duration.ofHours(1));
    ConfigMap baseline =
        client.configMaps().inNamespace("baseline").withName("switchboard-drift-nightly").get();
    assertThat(baseline.getData())
        .containsOnlyKeys("compliance.openai_gpt-4o", "compliance.azure_gpt-4o");
    assertThat(baseline.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(r -> assertThat(r.getUid()).isEqualTo(policy.getMetadata().getUid()));
    assertThat(registry.find("switchboard_drift_drifted").tag("route", "compliance").gauges())
        .hasSize(2);
    // A baseline was taken, nothing compared: no distance is claimed.
    assertThat(registry.find("switchboard_drift_distance").tag("route", "compliance").gauges())
        .hasSize(2)
        .allSatisfy(g -> assertThat(g.value()).isNaN());
  }

  @Test
  void underAClockThatJumpsTheScheduleIsLookedAtAgainSoonInRealTime() {
    RoutingPolicy policy = setUp("recheck", 2);
    DriftChecker jumping =
        new DriftChecker(
            client,
            this::published,
            clock,
            provider,
            recorder,
            new DriftMetrics(registry),
            Duration.ofMillis(200));

    DriftChecker.Outcome o = reconcile(jumping, policy);

    // The next run is 14 hours away on the clock, but the clock may be moved there at any time.
    assertThat(o.status().getNextRun()).isEqualTo("2026-01-11T02:00:00Z");
    assertThat(o.recheck()).isEqualTo(Duration.ofMillis(200));
    assertThat(reconcile(checker(), policy).recheck()).isEqualTo(Duration.ofHours(1));
  }

  @Test
  void runsFollowTheScheduleAcrossRestartsAndDowntimeOnlyOnceEach() {
    RoutingPolicy policy = setUp("schedule", 3);
    reconcile(checker(), policy);
    int baselineRequests = provider.requests.get();

    clock.advance(Duration.ofHours(13)); // 01:00Z: before 03:00 Berlin
    reconcile(checker(), policy);
    assertThat(provider.requests.get()).isEqualTo(baselineRequests);

    clock.advance(Duration.ofMinutes(61)); // 02:01Z
    DriftChecker.Outcome nightly = reconcile(checker(), policy);
    assertThat(provider.requests.get()).isEqualTo(2 * baselineRequests);
    assertThat(nightly.drifted().reason()).isEqualTo("NoDrift");
    assertThat(nightly.status().getLastScheduled()).isEqualTo("2026-01-11T02:00:00Z");

    // A restarted operator (a new checker) reads the same status: no second run.
    clock.advance(Duration.ofMinutes(5));
    reconcile(checker(), policy);
    assertThat(provider.requests.get()).isEqualTo(2 * baselineRequests);

    // Down from then until 09:00Z two days later: two nights missed, one run when back.
    clock.advance(Duration.ofHours(54));
    DriftChecker.Outcome back = reconcile(checker(), policy);
    reconcile(checker(), policy);
    assertThat(provider.requests.get()).isEqualTo(3 * baselineRequests);
    assertThat(back.status().getLastScheduled()).isEqualTo("2026-01-13T02:00:00Z");
  }

  @Test
  void driftIsAConditionAndAWarningEventUntilANewBaselineIsAskedFor() {
    RoutingPolicy policy = setUp("drift", 20);
    DriftChecker checker = checker();
    reconcile(checker, policy);
    provider.changedPrompts.add("Explain rule 3 of the compliance handbook.");

    clock.advance(Duration.ofDays(1));
    DriftChecker.Outcome o = reconcile(checker, policy);

    assertThat(o.drifted().status()).isTrue();
    assertThat(o.drifted().reason()).isEqualTo("OutputDrifted");
    assertThat(o.drifted().message()).contains("compliance openai/gpt-4o", "1 of 20 prompts", "p3");
    assertThat(client.v1().events().inNamespace("drift").list().getItems())
        .anySatisfy(
            e -> {
              assertThat(e.getReason()).isEqualTo("Drifted");
              assertThat(e.getType()).isEqualTo("Warning");
              assertThat(e.getMessage()).contains("azure/gpt-4o");
            });

    // Acknowledged: a new annotation value takes a new baseline at once, off schedule.
    int before = provider.requests.get();
    policy.getMetadata().setAnnotations(Map.of(DriftChecker.REBASELINE_ANNOTATION, "2026-01-11"));
    DriftChecker.Outcome rebased = reconcile(checker, policy);
    assertThat(provider.requests.get()).isGreaterThan(before);
    assertThat(rebased.drifted().reason()).isEqualTo("BaselineRecorded");
    assertThat(rebased.status().getRebaseline()).isEqualTo("2026-01-11");
    // The same annotation value is not taken again.
    int after = provider.requests.get();
    reconcile(checker, policy);
    assertThat(provider.requests.get()).isEqualTo(after);
  }

  /**
   * A reconcile retried on the status it started from (its status write was refused, and JOSDK
   * retries within seconds) runs the check again and finds the same drift: the repeat is folded
   * into the Event already recorded and written as its count once the minute is over, not recorded
   * as a second Event.
   */
  @Test
  void theSameDriftFoundAgainWithinAMinuteIsOneEventCountedTwice() {
    RoutingPolicy policy = setUp("drift-repeat", 20);
    DriftChecker checker = checker();
    reconcile(checker, policy);
    provider.changedPrompts.add("Explain rule 3 of the compliance handbook.");
    clock.advance(Duration.ofDays(1));

    // The night's run finds the drift; its status is not kept (the write was refused)...
    DriftChecker.Outcome found = checker.reconcile(policy);
    assertThat(found.drifted().reason()).isEqualTo("OutputDrifted");
    int sent = provider.requests.get();
    // ...so the reconcile retried 10 s later starts from the same status and runs again.
    clock.advance(Duration.ofSeconds(10));
    DriftChecker.Outcome again = checker.reconcile(policy);
    assertThat(provider.requests.get()).as("a second run").isGreaterThan(sent);
    assertThat(again.drifted().reason()).isEqualTo("OutputDrifted");
    assertThat(again.drifted().message()).isEqualTo(found.drifted().message());

    // Counted, not written: the minute since the Event was created is not over.
    recorder.flushDue();
    assertThat(written("drift-repeat", "Drifted"))
        .singleElement()
        .satisfies(e -> assertThat(e.getCount()).isEqualTo(1));
    clock.advance(EventRecorder.COALESCE_WINDOW);
    recorder.flushDue();
    assertThat(written("drift-repeat", "Drifted"))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getType()).isEqualTo("Warning");
              assertThat(e.getMessage()).contains("compliance openai/gpt-4o", "1 of 20 prompts");
              assertThat(e.getCount()).isEqualTo(2);
              assertThat(e.getLastTimestamp()).isEqualTo("2026-01-11T12:00:10Z");
            });
  }

  @Test
  void theTargetsOfARoutesRulesAreCheckedTooEachOnce() {
    RoutingPolicy policy = setUp("rules", 4);
    ModelRoute route =
        client.resources(ModelRoute.class).inNamespace("rules").withName("compliance").get();
    // Legal requests go to qwen and to openai/gpt-4o, which the route's own targets have already.
    RouteRule legal = new RouteRule();
    RuleMatch match = new RuleMatch();
    match.setMetadata(Map.of("task", "legal"));
    legal.setMatch(match);
    legal.setTargets(List.of(target("qwen", "qwen-max"), target("openai", "gpt-4o")));
    route.getSpec().setRules(List.of(legal));
    publish(client.resource(route).update());
    DriftChecker checker = checker();

    DriftChecker.Outcome first = reconcile(checker, policy);

    assertThat(provider.requests.get()).isEqualTo(4 * 2 * 3);
    assertThat(first.status().getResults())
        .extracting(r -> r.getTarget())
        .containsExactly("openai/gpt-4o", "azure/gpt-4o", "qwen/qwen-max");
    assertThat(
            client
                .configMaps()
                .inNamespace("rules")
                .withName("switchboard-drift-nightly")
                .get()
                .getData())
        .containsOnlyKeys(
            "compliance.openai_gpt-4o", "compliance.azure_gpt-4o", "compliance.qwen_qwen-max");

    // A rule target that drifts is caught like any other.
    provider.fingerprintsByTarget.put("qwen/qwen-max", "fp_swapped");
    clock.advance(Duration.ofDays(1));
    DriftChecker.Outcome next = reconcile(checker, policy);

    assertThat(next.drifted().status()).isTrue();
    assertThat(next.drifted().message())
        .contains("compliance qwen/qwen-max: fingerprint fp_1 → fp_swapped")
        .doesNotContain("openai/gpt-4o:", "azure/gpt-4o:");
  }

  @Test
  void aMissingPromptsConfigMapIsSaidAndNothingIsSent() {
    RoutingPolicy policy = setUp("missing", 3);
    client.configMaps().inNamespace("missing").withName("drift-prompts").delete();
    await(() -> client.configMaps().inNamespace("missing").withName("drift-prompts").get() == null);

    DriftChecker.Outcome o = reconcile(checker(), policy);

    assertThat(provider.requests.get()).isZero();
    assertThat(o.status().getMessage()).contains("drift-prompts", "not found");
    assertThat(o.drifted().status()).isFalse();
    assertThat(o.drifted().reason()).isEqualTo("NotChecked");
  }

  // --- Attempts that reach no target (gateway not serving yet, or down)
  // ---------------------------

  private static final String NOT_SERVED =
      "gateway answered HTTP 404: The model 'compliance' does not exist";

  /**
   * The Events of a reason in the namespace, after the recorder wrote every count it holds (as the
   * operator does when it stops): a repeat folded in memory shows in the count.
   */
  private List<io.fabric8.kubernetes.api.model.Event> events(String ns, String reason) {
    recorder.flushAll();
    return written(ns, reason);
  }

  /** The Events of a reason in the namespace as written so far. */
  private List<io.fabric8.kubernetes.api.model.Event> written(String ns, String reason) {
    return client.v1().events().inNamespace(ns).list().getItems().stream()
        .filter(e -> reason.equals(e.getReason()))
        .toList();
  }

  private double gauge(String name, String policy) {
    return registry.get(name).tag("policy", policy).gauge().value();
  }

  @Test
  void aFirstRunNoTargetAnswersIsRetriedWithinMinutesAndTheBaselineComesWhenTheGatewayServes() {
    // Applied together with the gateway (one Helm install): the route is not served yet.
    RoutingPolicy policy = setUp("first-unreachable", 3);
    provider.outage = NOT_SERVED;
    DriftChecker checker = checker();

    DriftChecker.Outcome first = reconcile(checker, policy);

    assertThat(provider.requests.get()).isEqualTo(3 * 2 * 2);
    assertThat(first.status().getResults()).isNull();
    assertThat(first.status().getLastRun()).isNull();
    assertThat(first.status().getLastScheduled()).isNull(); // the schedule time is still owed
    assertThat(first.status().getLastAttempt()).isEqualTo("2026-01-10T12:00:00Z");
    assertThat(first.status().getFailedAttempts()).isEqualTo(1);
    assertThat(first.status().getRetryAt()).isEqualTo("2026-01-10T12:01:00Z");
    assertThat(first.recheck()).isEqualTo(Duration.ofSeconds(61));
    assertThat(first.drifted().unknown()).isTrue();
    assertThat(first.drifted().statusName()).isEqualTo("Unknown");
    assertThat(first.drifted().reason()).isEqualTo("DriftCheckUnreachable");
    assertThat(first.drifted().message())
        .contains("no target answered", "12 requests to 2 targets failed", "HTTP 404", "attempt 1")
        .contains("2026-01-10T12:01:00Z");
    assertThat(
            client
                .configMaps()
                .inNamespace("first-unreachable")
                .withName("switchboard-drift-nightly")
                .get())
        .isNull();
    assertThat(registry.find("switchboard_drift_runs").counters()).isEmpty();
    assertThat(gauge("switchboard_drift_failed_attempts", "nightly")).isEqualTo(1.0);

    // Before the retry time nothing is sent, however often the policy is reconciled.
    clock.advance(Duration.ofSeconds(30));
    DriftChecker.Outcome waiting = reconcile(checker, policy);
    assertThat(provider.requests.get()).isEqualTo(12);
    assertThat(waiting.recheck()).isEqualTo(Duration.ofSeconds(31));
    assertThat(waiting.drifted().reason()).isEqualTo("DriftCheckUnreachable");

    // The retry a minute later still meets no route: the next waits two minutes; no second event.
    clock.advance(Duration.ofSeconds(30));
    DriftChecker.Outcome second = reconcile(checker, policy);
    assertThat(provider.requests.get()).isEqualTo(24);
    assertThat(second.status().getFailedAttempts()).isEqualTo(2);
    assertThat(second.status().getRetryAt()).isEqualTo("2026-01-10T12:03:00Z");
    assertThat(events("first-unreachable", "DriftCheckUnreachable"))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getType()).isEqualTo("Warning");
              assertThat(e.getMessage()).contains("HTTP 404");
              assertThat(e.getCount()).as("recorded once, not folded repeats").isEqualTo(1);
            });

    // The gateway serves the route now: the next retry takes the baseline (not a day later).
    provider.outage = null;
    clock.advance(Duration.ofMinutes(2));
    DriftChecker.Outcome taken = reconcile(checker, policy);
    assertThat(taken.drifted().reason()).isEqualTo("BaselineRecorded");
    assertThat(taken.drifted().unknown()).isFalse();
    assertThat(taken.status().getResults()).hasSize(2);
    assertThat(taken.status().getLastRun()).isEqualTo("2026-01-10T12:03:00Z");
    assertThat(taken.status().getLastScheduled()).isEqualTo("2026-01-10T02:00:00Z");
    assertThat(taken.status().getFailedAttempts()).isNull();
    assertThat(taken.status().getRetryAt()).isNull();
    assertThat(
            client
                .configMaps()
                .inNamespace("first-unreachable")
                .withName("switchboard-drift-nightly")
                .get()
                .getData())
        .hasSize(2);
    assertThat(events("first-unreachable", "DriftCheckReachable"))
        .singleElement()
        .satisfies(
            e -> assertThat(e.getCount()).as("recorded once, not folded repeats").isEqualTo(1));
    assertThat(gauge("switchboard_drift_failed_attempts", "nightly")).isZero();

    // And the night compares against it.
    int before = provider.requests.get();
    clock.advance(Duration.ofHours(14)); // 02:03Z: 03:03 in Berlin
    DriftChecker.Outcome night = reconcile(checker, policy);
    assertThat(provider.requests.get()).isEqualTo(before + 12);
    assertThat(night.drifted().reason()).isEqualTo("NoDrift");
  }

  @Test
  void theBackoffDoublesAndIsCappedAtFifteenMinutesAndAtTheNextScheduleTime() {
    assertThat(
            java.util.stream.IntStream.rangeClosed(1, 7)
                .mapToObj(DriftChecker::retryDelay)
                .map(Duration::toMinutes))
        .containsExactly(1L, 2L, 4L, 8L, 15L, 15L, 15L);

    RoutingPolicy policy = setUp("backoff", 1);
    provider.outage = "java.net.ConnectException";
    DriftChecker checker = checker();
    clock.advance(Duration.ofHours(13).plusMinutes(20)); // 01:20Z, 40 minutes before 03:00 Berlin
    List<Long> waits = new java.util.ArrayList<>();
    DriftChecker.Outcome o = reconcile(checker, policy);
    while (o.status().getRetryAt() != null
        && Instant.parse(o.status().getRetryAt()).isBefore(Instant.parse("2026-01-11T02:00:00Z"))) {
      Instant retry = Instant.parse(o.status().getRetryAt());
      waits.add(Duration.between(clock.instant(), retry).toMinutes());
      clock.advance(Duration.between(clock.instant(), retry));
      o = reconcile(checker, policy);
    }
    // 01:20 +1 +2 +4 +8 = 01:35, +15 = 01:50, then 02:00 (the schedule time) rather than 02:05.
    assertThat(waits).containsExactly(1L, 2L, 4L, 8L, 15L);
    assertThat(o.status().getFailedAttempts()).isEqualTo(6);
    assertThat(o.status().getRetryAt()).isEqualTo("2026-01-11T02:00:00Z");
    assertThat(events("backoff", "DriftCheckUnreachable"))
        .singleElement()
        .satisfies(
            e -> assertThat(e.getCount()).as("recorded once, not folded repeats").isEqualTo(1));
  }

  @Test
  void aRestartedOperatorKeepsTheRetryTimeAndTheAttemptCount() {
    RoutingPolicy policy = setUp("restart-retry", 2);
    provider.outage = NOT_SERVED;
    reconcile(checker(), policy);
    clock.advance(Duration.ofMinutes(1));
    DriftChecker.Outcome second = reconcile(checker(), policy);
    assertThat(second.status().getRetryAt()).isEqualTo("2026-01-10T12:03:00Z");
    int sent = provider.requests.get();

    // A new operator (a restart, or a new leader) 30 s later reads status: it waits for 12:03.
    clock.advance(Duration.ofSeconds(30));
    DriftChecker restarted = checker();
    DriftChecker.Outcome after = reconcile(restarted, policy);
    assertThat(provider.requests.get()).isEqualTo(sent);
    assertThat(after.status().getRetryAt()).isEqualTo("2026-01-10T12:03:00Z");
    assertThat(after.status().getFailedAttempts()).isEqualTo(2);
    assertThat(after.recheck()).isEqualTo(Duration.ofSeconds(91));

    clock.advance(Duration.ofSeconds(90));
    DriftChecker.Outcome third = reconcile(restarted, policy);
    assertThat(provider.requests.get()).isGreaterThan(sent);
    assertThat(third.status().getFailedAttempts()).isEqualTo(3);
    assertThat(third.status().getRetryAt()).isEqualTo("2026-01-10T12:07:00Z");
    assertThat(events("restart-retry", "DriftCheckUnreachable"))
        .singleElement()
        .satisfies(
            e -> assertThat(e.getCount()).as("recorded once, not folded repeats").isEqualTo(1));
  }

  @Test
  void aNightTheGatewayIsDownIsNeitherAFalseDriftNorAFalseNoDriftAndIsMadeUpForWithinMinutes() {
    RoutingPolicy policy = setUp("outage", 4);
    DriftChecker checker = checker();
    DriftChecker.Outcome baseline = reconcile(checker, policy);
    ConfigMap stored =
        client.configMaps().inNamespace("outage").withName("switchboard-drift-nightly").get();
    double runs = registry.get("switchboard_drift_runs").counter().count();

    // 03:00 Berlin: the gateway is down (connection refused).
    provider.outage = "java.net.ConnectException: Connection refused";
    clock.advance(Duration.ofHours(14)); // 02:00Z
    DriftChecker.Outcome night = reconcile(checker, policy);

    assertThat(night.drifted().statusName()).isEqualTo("Unknown");
    assertThat(night.drifted().reason()).isEqualTo("DriftCheckUnreachable");
    assertThat(night.drifted().message()).contains("Connection refused");
    // The last completed run's results and times stay; the night is still owed.
    assertThat(night.status().getResults()).isEqualTo(baseline.status().getResults());
    assertThat(night.status().getLastRun()).isEqualTo(baseline.status().getLastRun());
    assertThat(night.status().getLastScheduled()).isEqualTo(baseline.status().getLastScheduled());
    assertThat(night.status().getRetryAt()).isEqualTo("2026-01-11T02:01:00Z");
    assertThat(
            client
                .configMaps()
                .inNamespace("outage")
                .withName("switchboard-drift-nightly")
                .get()
                .getData())
        .isEqualTo(stored.getData());
    assertThat(events("outage", "Drifted")).isEmpty();
    assertThat(registry.get("switchboard_drift_runs").counter().count()).isEqualTo(runs);
    assertThat(gauge("switchboard_drift_drifted", "nightly")).isZero();

    // Back at 02:05Z: the retry due since 02:01 runs the night, compared against the baseline.
    provider.outage = null;
    clock.advance(Duration.ofMinutes(5));
    DriftChecker.Outcome madeUp = reconcile(checker, policy);
    assertThat(madeUp.drifted().reason()).isEqualTo("NoDrift");
    assertThat(madeUp.status().getLastScheduled()).isEqualTo("2026-01-11T02:00:00Z");
    assertThat(madeUp.status().getResults())
        .allSatisfy(r -> assertThat(r.getReason()).isEqualTo("matches the baseline"));
    assertThat(registry.get("switchboard_drift_runs").counter().count()).isEqualTo(runs + 1);
    // Once only: no second run for the same night.
    int sent = provider.requests.get();
    clock.advance(Duration.ofMinutes(30));
    reconcile(checker, policy);
    assertThat(provider.requests.get()).isEqualTo(sent);
  }

  /**
   * DriftRegressionIT's flake, on the operator's real gateway client: the policy's first attempt
   * began while no gateway replica served the namespace (applied before the gateway started, as on
   * the local stack, at install or during a rollout), and the gateway came up between the route's
   * two targets. The first target was never asked, so the attempt is no run: it used to be recorded
   * with the first target "no answer; no baseline yet" beside the second's baseline.
   */
  @Test
  void aGatewayThatComesUpBetweenTwoTargetsMakesTheAttemptNoRunAndTheRetryTakesBothBaselines()
      throws Exception {
    RoutingPolicy policy = setUp("half-run", 4);
    policy.getSpec().getDriftCheck().setConcurrency(1); // target after target, in plan order
    java.util.concurrent.atomic.AtomicInteger askedThroughGateway =
        new java.util.concurrent.atomic.AtomicInteger();
    com.sun.net.httpserver.HttpServer admin =
        com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    admin.createContext(
        "/admin/drift/chat/completions",
        exchange -> {
          askedThroughGateway.incrementAndGet();
          var json = new com.fasterxml.jackson.databind.ObjectMapper();
          String prompt =
              json.readTree(exchange.getRequestBody())
                  .path("messages")
                  .path(0)
                  .path("content")
                  .asText();
          String target = exchange.getRequestHeaders().getFirst("x-switchboard-target");
          var body =
              json.createObjectNode()
                  .put("model", "model-2026-01-01")
                  .put("system_fingerprint", "fp_1");
          body.putArray("choices")
              .addObject()
              .putObject("message")
              .put("content", "Echo from " + target + ": " + prompt);
          byte[] answer = body.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, answer.length);
          exchange.getResponseBody().write(answer);
          exchange.close();
        });
    admin.start();
    try {
      java.net.URI replica =
          java.net.URI.create("http://127.0.0.1:" + admin.getAddress().getPort() + "/metrics");
      // No replica for the first target's 4 prompts x 2 samples; then the gateway is up.
      java.util.concurrent.atomic.AtomicInteger beforeTheGateway =
          new java.util.concurrent.atomic.AtomicInteger(4 * 2);
      DriftChecker checker =
          new DriftChecker(
              client,
              this::published,
              clock,
              new GatewayDriftClient(
                  namespace ->
                      beforeTheGateway.getAndDecrement() > 0 ? List.of() : List.of(replica),
                  dev.switchboard.operator.keys.OperatorCredential.generate()),
              recorder,
              new DriftMetrics(registry));

      DriftChecker.Outcome half = reconcile(checker, policy);

      assertThat(half.status().getResults()).isNull();
      assertThat(half.status().getLastRun()).isNull();
      assertThat(half.status().getLastScheduled()).isNull(); // the schedule time is still owed
      assertThat(half.status().getFailedAttempts()).isEqualTo(1);
      assertThat(half.status().getRetryAt()).isEqualTo("2026-01-10T12:01:00Z");
      assertThat(half.drifted().reason()).isEqualTo(DriftChecker.UNREACHABLE);
      assertThat(half.drifted().message())
          .contains("no gateway replica serves namespace half-run", "attempt 1");
      assertThat(
              client
                  .configMaps()
                  .inNamespace("half-run")
                  .withName("switchboard-drift-nightly")
                  .get())
          .isNull();
      assertThat(registry.find("switchboard_drift_runs").tag("policy", "nightly").counters())
          .isEmpty();
      // Answers nobody keeps are not asked for: the rest of the attempt was not sent.
      assertThat(askedThroughGateway.get()).isZero();

      beforeTheGateway.set(0);
      clock.advance(Duration.ofMinutes(1));
      DriftChecker.Outcome retried = reconcile(checker, policy);

      assertThat(retried.drifted().reason()).isEqualTo("BaselineRecorded");
      assertThat(retried.status().getResults())
          .extracting(DriftResult::getTarget)
          .containsExactlyInAnyOrder("openai/gpt-4o", "azure/gpt-4o");
      assertThat(retried.status().getResults())
          .allSatisfy(r -> assertThat(r.getReason()).isEqualTo("baseline recorded"));
      assertThat(
              client
                  .configMaps()
                  .inNamespace("half-run")
                  .withName("switchboard-drift-nightly")
                  .get()
                  .getData())
          .containsOnlyKeys("compliance.openai_gpt-4o", "compliance.azure_gpt-4o");
      assertThat(askedThroughGateway.get()).isEqualTo(2 * 4 * 2);
    } finally {
      admin.stop(0);
    }
  }

  /**
   * A gateway replica's admin port that refuses the route (404 {@code model_not_found}, as the
   * gateway answers a model its table has no route for) from table {@code stale} while {@code
   * stale} holds a version, and answers from table {@code current} once it is null: a replica
   * loading the published table during an attempt.
   */
  static com.sun.net.httpserver.HttpServer replica(
      java.util.concurrent.atomic.AtomicReference<String> stale,
      String current,
      java.util.concurrent.atomic.AtomicInteger refused,
      java.util.concurrent.atomic.AtomicInteger answered)
      throws java.io.IOException {
    com.sun.net.httpserver.HttpServer admin =
        com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    admin.createContext(
        "/admin/drift/chat/completions",
        exchange -> {
          var request = json.readTree(exchange.getRequestBody());
          String prompt = request.path("messages").path(0).path("content").asText();
          String target = exchange.getRequestHeaders().getFirst("x-switchboard-target");
          String loaded = stale.get();
          var body = json.createObjectNode();
          int status;
          if (loaded != null) {
            refused.incrementAndGet();
            status = 404;
            body.putObject("error")
                .put(
                    "message",
                    "The model '"
                        + request.path("model").asText()
                        + "' does not exist or you do not have access to it.")
                .put("type", "invalid_request_error")
                .put("param", "model")
                .put("code", "model_not_found");
          } else {
            answered.incrementAndGet();
            status = 200;
            body.put("model", "model-2026-01-01").put("system_fingerprint", "fp_1");
            body.putArray("choices")
                .addObject()
                .putObject("message")
                .put("content", "Echo from " + target + ": " + prompt);
          }
          byte[] bytes = body.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
          exchange
              .getResponseHeaders()
              .add("x-switchboard-config-version", loaded != null ? loaded : current);
          exchange.sendResponseHeaders(status, bytes.length);
          exchange.getResponseBody().write(bytes);
          exchange.close();
        });
    admin.start();
    return admin;
  }

  /**
   * The sibling of the race above: the operator has published the route, but the gateway replica
   * has not loaded that table yet when the attempt starts, and loads it between the route's two
   * targets. Its 404 {@code model_not_found} for the first target comes from another table than the
   * published one (its {@code x-switchboard-config-version} says so): the first target was never
   * asked, so the attempt is no run. It used to be recorded with the first target "no answer; no
   * baseline yet" beside the second's baseline.
   */
  @Test
  void aRouteTheReplicaServesOnlyFromTheMiddleOfAnAttemptMakesItNoRunAndTheRetryTakesBothBaselines()
      throws Exception {
    RoutingPolicy policy = setUp("half-table", 4);
    policy.getSpec().getDriftCheck().setConcurrency(1); // target after target, in plan order
    String publishedVersion = published("half-table").orElseThrow().configVersion();
    // The replica still serves the table from before the route: 404 for the first target's
    // 4 prompts x 2 samples, then it has loaded the published one.
    var stale = new java.util.concurrent.atomic.AtomicReference<>("sha256:before-the-route");
    var refused = new java.util.concurrent.atomic.AtomicInteger();
    var answered = new java.util.concurrent.atomic.AtomicInteger();
    com.sun.net.httpserver.HttpServer admin = replica(stale, publishedVersion, refused, answered);
    try {
      java.net.URI metrics =
          java.net.URI.create("http://127.0.0.1:" + admin.getAddress().getPort() + "/metrics");
      java.util.concurrent.atomic.AtomicInteger untilLoaded =
          new java.util.concurrent.atomic.AtomicInteger(4 * 2);
      DriftChecker checker =
          new DriftChecker(
              client,
              this::published,
              clock,
              new GatewayDriftClient(
                  namespace -> {
                    if (untilLoaded.getAndDecrement() <= 0) {
                      stale.set(null);
                    }
                    return List.of(metrics);
                  },
                  dev.switchboard.operator.keys.OperatorCredential.generate()),
              recorder,
              new DriftMetrics(registry));

      DriftChecker.Outcome half = reconcile(checker, policy);

      assertThat(half.status().getResults()).isNull();
      assertThat(half.status().getLastRun()).isNull();
      assertThat(half.status().getLastScheduled()).isNull(); // the schedule time is still owed
      assertThat(half.status().getFailedAttempts()).isEqualTo(1);
      assertThat(half.status().getRetryAt()).isEqualTo("2026-01-10T12:01:00Z");
      assertThat(half.drifted().reason()).isEqualTo(DriftChecker.UNREACHABLE);
      assertThat(half.drifted().message())
          .contains("no gateway replica", "sha256:before-the-route", "attempt 1");
      assertThat(
              client
                  .configMaps()
                  .inNamespace("half-table")
                  .withName("switchboard-drift-nightly")
                  .get())
          .isNull();
      assertThat(registry.find("switchboard_drift_runs").tag("policy", "nightly").counters())
          .isEmpty();
      // The first refusal ends the sending: answers nobody keeps are not asked for.
      assertThat(refused.get()).isEqualTo(1);
      assertThat(answered.get()).isZero();

      stale.set(null);
      untilLoaded.set(0);
      clock.advance(Duration.ofMinutes(1));
      DriftChecker.Outcome retried = reconcile(checker, policy);

      assertThat(retried.drifted().reason()).isEqualTo("BaselineRecorded");
      assertThat(retried.status().getResults())
          .extracting(DriftResult::getTarget, DriftResult::getReason)
          .containsExactlyInAnyOrder(
              org.assertj.core.groups.Tuple.tuple("openai/gpt-4o", "baseline recorded"),
              org.assertj.core.groups.Tuple.tuple("azure/gpt-4o", "baseline recorded"));
      assertThat(
              client
                  .configMaps()
                  .inNamespace("half-table")
                  .withName("switchboard-drift-nightly")
                  .get()
                  .getData())
          .containsOnlyKeys("compliance.openai_gpt-4o", "compliance.azure_gpt-4o");
      assertThat(answered.get()).isEqualTo(2 * 4 * 2);
    } finally {
      admin.stop(0);
    }
  }

  /**
   * A route on the policy that the operator found not servable: its status says so, for its spec.
   */
  ModelRoute notServable(String ns, String name, String reason) {
    ModelRoute route = new ModelRoute();
    route.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
    ModelRouteSpec spec = new ModelRouteSpec();
    spec.setPolicyRef(ref("nightly"));
    spec.setTargets(List.of(target("mistral", "mistral-large-2411")));
    route.setSpec(spec);
    ModelRoute created = client.resource(route).create();
    dev.switchboard.api.v1alpha1.ModelRouteStatus status =
        new dev.switchboard.api.v1alpha1.ModelRouteStatus();
    status.setObservedGeneration(created.getMetadata().getGeneration());
    status.setConditions(
        List.of(
            new io.fabric8.kubernetes.api.model.ConditionBuilder()
                .withType("Ready")
                .withStatus("False")
                .withReason(reason)
                .withMessage("the route is not served")
                .withLastTransitionTime("2026-01-10T11:00:00Z")
                .build()));
    created.setStatus(status);
    return client.resource(created).updateStatus();
  }

  /**
   * A route the operator never published (its spec is invalid) is not asked — the gateway would
   * answer 404, which is no measurement of its targets — but named in status: the other routes of
   * the policy run, night after night, and it counts as no failure. When it is the policy's only
   * route, the run checks nothing (NotChecked), and is not retried as an unreachable gateway.
   */
  @Test
  void aRouteNeverPublishedNeitherBlocksTheOtherRoutesRunsNorCountsAsAFailure() {
    RoutingPolicy policy = setUp("unserved", 3);
    notServable("unserved", "broken", "InvalidSpec");
    provider.unknownRoutes.add("broken");
    DriftChecker checker = checker();

    DriftChecker.Outcome first = reconcile(checker, policy);

    assertThat(provider.asked).containsOnly("openai/gpt-4o", "azure/gpt-4o");
    assertThat(first.drifted().reason()).isEqualTo("BaselineRecorded");
    assertThat(first.status().getFailedAttempts()).isNull();
    assertThat(first.status().getLastRun()).isEqualTo("2026-01-10T12:00:00Z");
    assertThat(first.status().getResults())
        .extracting(DriftResult::getRoute)
        .containsOnly("compliance");
    assertThat(first.status().getMessage())
        .contains("broken (Ready=False InvalidSpec)", "not in the published routing table");

    for (int night = 1; night <= 3; night++) {
      clock.advance(Duration.ofDays(1));
      DriftChecker.Outcome o = reconcile(checker, policy);
      assertThat(o.drifted().reason()).isEqualTo("NoDrift");
      assertThat(o.drifted().message()).doesNotContain("no answer", "broken");
      assertThat(o.status().getFailedAttempts()).isNull();
      assertThat(o.status().getResults())
          .allSatisfy(r -> assertThat(r.getReason()).isEqualTo("matches the baseline"));
      assertThat(o.status().getMessage()).contains("broken (Ready=False InvalidSpec)");
    }
    assertThat(provider.asked).doesNotContain("mistral/mistral-large-2411");
    assertThat(events("unserved", "DriftCheckUnreachable")).isEmpty();
    assertThat(gauge("switchboard_drift_failed_attempts", "nightly")).isZero();

    // The policy's only route is the broken one: nothing to ask, a run that checked nothing.
    client.resources(ModelRoute.class).inNamespace("unserved").withName("compliance").delete();
    await(
        () ->
            client.resources(ModelRoute.class).inNamespace("unserved").withName("compliance").get()
                == null);
    published.remove("unserved");
    clock.advance(Duration.ofDays(1));
    int sent = provider.requests.get();
    DriftChecker.Outcome alone = reconcile(checker, policy);
    assertThat(provider.requests.get()).isEqualTo(sent);
    assertThat(alone.status().getFailedAttempts()).isNull();
    assertThat(alone.status().getRetryAt()).isNull();
    assertThat(alone.drifted().reason()).isEqualTo("NotChecked");
    assertThat(alone.drifted().message()).contains("broken (Ready=False InvalidSpec)");
  }

  /**
   * A route whose current spec the operator has not reconciled yet (applied with the policy, at
   * install) is about to be published: the attempt waits for it (no run, retried within a minute)
   * rather than taking the other routes' baselines and its own a night late.
   */
  @Test
  void aRouteNotPublishedYetMakesTheAttemptWaitForIt() {
    RoutingPolicy policy = setUp("pending", 2);
    ModelRoute late = new ModelRoute();
    late.setMetadata(new ObjectMetaBuilder().withName("late").withNamespace("pending").build());
    ModelRouteSpec spec = new ModelRouteSpec();
    spec.setPolicyRef(ref("nightly"));
    spec.setTargets(List.of(target("qwen", "qwen-max")));
    late.setSpec(spec);
    late = client.resource(late).create();
    DriftChecker checker = checker();

    DriftChecker.Outcome waiting = reconcile(checker, policy);

    assertThat(provider.requests.get()).isZero();
    assertThat(waiting.status().getFailedAttempts()).isEqualTo(1);
    assertThat(waiting.status().getRetryAt()).isEqualTo("2026-01-10T12:01:00Z");
    assertThat(waiting.drifted().reason()).isEqualTo(DriftChecker.UNREACHABLE);
    assertThat(waiting.drifted().message()).contains("route late is not in the published");

    publish(late);
    clock.advance(Duration.ofMinutes(1));
    DriftChecker.Outcome run = reconcile(checker, policy);
    assertThat(run.drifted().reason()).isEqualTo("BaselineRecorded");
    assertThat(run.status().getResults())
        .extracting(DriftResult::getRoute, DriftResult::getTarget)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("compliance", "openai/gpt-4o"),
            org.assertj.core.groups.Tuple.tuple("compliance", "azure/gpt-4o"),
            org.assertj.core.groups.Tuple.tuple("late", "qwen/qwen-max"));
  }

  /**
   * A route whose status is never written for its spec (the reconciler cannot write it, or never
   * finishes) is waited for a bounded time only: from the fifth attempt in a row, at least 15
   * minutes after the first, the run goes on without it — the other routes' baselines taken, the
   * skipped route named in status and in a Warning event — and the next night's run completes too.
   * It used to keep the policy's drift check from ever running, retried every 15 minutes for good.
   */
  @Test
  void aRouteWhoseStatusIsNeverWrittenIsWaitedForABoundedTimeThenSkippedAndSaid() {
    RoutingPolicy policy = setUp("unwritten", 2);
    ModelRoute stuck = new ModelRoute();
    stuck.setMetadata(new ObjectMetaBuilder().withName("stuck").withNamespace("unwritten").build());
    ModelRouteSpec spec = new ModelRouteSpec();
    spec.setPolicyRef(ref("nightly"));
    spec.setTargets(List.of(target("qwen", "qwen-max")));
    stuck.setSpec(spec);
    client.resource(stuck).create();
    DriftChecker checker = checker();

    // Attempts 1 to 4: waiting for the route, retried after 1, 2, 4 and 8 minutes.
    for (int attempt = 1; attempt < DriftChecker.PENDING_ATTEMPTS; attempt++) {
      DriftChecker.Outcome waiting = reconcile(checker, policy);
      assertThat(provider.requests.get()).isZero();
      assertThat(waiting.status().getFailedAttempts()).isEqualTo(attempt);
      assertThat(waiting.drifted().reason()).isEqualTo(DriftChecker.UNREACHABLE);
      clock.advance(
          Duration.between(clock.instant(), Instant.parse(waiting.status().getRetryAt())));
    }
    assertThat(clock.instant()).isEqualTo(Instant.parse("2026-01-10T12:15:00Z"));

    DriftChecker.Outcome run = reconcile(checker, policy);

    assertThat(run.status().getFailedAttempts()).isNull();
    assertThat(run.status().getRetryAt()).isNull();
    assertThat(run.status().getLastRun()).isEqualTo("2026-01-10T12:15:00Z");
    assertThat(run.drifted().reason()).isEqualTo("BaselineRecorded");
    assertThat(run.status().getResults())
        .extracting(DriftResult::getRoute)
        .containsOnly("compliance");
    assertThat(provider.asked).doesNotContain("qwen/qwen-max");
    assertThat(run.status().getMessage())
        .contains("stuck (no status, spec generation 1)", "skipped, not checked in this run");
    assertThat(events("unwritten", DriftChecker.ROUTE_SKIPPED))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getType()).isEqualTo("Warning");
              assertThat(e.getMessage()).contains("stuck", "after 5 attempts");
            });

    // The next night runs: the route is waited for again (it may have been fixed), bounded again.
    clock.advance(Duration.between(clock.instant(), Instant.parse("2026-01-11T02:00:00Z")));
    DriftChecker.Outcome night = reconcile(checker, policy);
    for (int attempt = 1; night.status().getFailedAttempts() != null; attempt++) {
      assertThat(attempt).isLessThan(DriftChecker.PENDING_ATTEMPTS);
      clock.advance(Duration.between(clock.instant(), Instant.parse(night.status().getRetryAt())));
      night = reconcile(checker, policy);
    }
    assertThat(night.status().getLastScheduled()).isEqualTo("2026-01-11T02:00:00Z");
    assertThat(night.drifted().reason()).isEqualTo("NoDrift");
    assertThat(night.status().getResults())
        .allSatisfy(r -> assertThat(r.getReason()).isEqualTo("matches the baseline"));
  }

  /**
   * A route marked for deletion (a finalizer holds it) is deleted as far as serving goes and its
   * status is not written again: it is neither asked nor waited for.
   */
  @Test
  void aRouteMarkedForDeletionIsNotWaitedFor() {
    RoutingPolicy policy = setUp("terminating", 2);
    ModelRoute leaving = new ModelRoute();
    leaving.setMetadata(
        new ObjectMetaBuilder()
            .withName("leaving")
            .withNamespace("terminating")
            .withFinalizers("example.com/hold")
            .build());
    ModelRouteSpec spec = new ModelRouteSpec();
    spec.setPolicyRef(ref("nightly"));
    spec.setTargets(List.of(target("qwen", "qwen-max")));
    leaving.setSpec(spec);
    client.resource(leaving).create();
    client.resources(ModelRoute.class).inNamespace("terminating").withName("leaving").delete();
    await(
        () ->
            client
                    .resources(ModelRoute.class)
                    .inNamespace("terminating")
                    .withName("leaving")
                    .get()
                    .getMetadata()
                    .getDeletionTimestamp()
                != null);

    DriftChecker.Outcome run = reconcile(checker(), policy);

    assertThat(run.status().getFailedAttempts()).isNull();
    assertThat(run.drifted().reason()).isEqualTo("BaselineRecorded");
    assertThat(run.status().getResults())
        .extracting(DriftResult::getRoute)
        .containsOnly("compliance");
  }

  @Test
  void aDriftFoundBeforeAnOutageStaysTrueWhileNothingAnswers() {
    RoutingPolicy policy = setUp("drift-outage", 20);
    DriftChecker checker = checker();
    reconcile(checker, policy);
    provider.changedPrompts.add("Explain rule 3 of the compliance handbook.");
    clock.advance(Duration.ofDays(1));
    assertThat(reconcile(checker, policy).drifted().status()).isTrue();

    provider.outage = NOT_SERVED;
    clock.advance(Duration.ofDays(1));
    DriftChecker.Outcome down = reconcile(checker, policy);

    // Nothing has shown the drift gone (a held canary stays held); the outage is said.
    assertThat(down.drifted().statusName()).isEqualTo("True");
    assertThat(down.drifted().reason()).isEqualTo("OutputDrifted");
    assertThat(down.drifted().message()).contains("p3", "no target answered", "HTTP 404");
  }

  @Test
  void aTargetThatHasNeverAnsweredClaimsNoAgreementAndNoDistance() {
    RoutingPolicy policy = setUp("unanswered", 3);
    provider.failingTargets.add("azure/gpt-4o");

    reconcile(checker(), policy); // openai answers: a completed run

    assertThat(
            registry
                .get("switchboard_drift_agreement")
                .tag("target", "azure/gpt-4o")
                .gauge()
                .value())
        .isNaN();
    assertThat(
            registry
                .get("switchboard_drift_distance")
                .tag("target", "azure/gpt-4o")
                .gauge()
                .value())
        .isNaN();
    assertThat(
            registry
                .get("switchboard_drift_agreement")
                .tag("target", "openai/gpt-4o")
                .gauge()
                .value())
        .isEqualTo(1.0);
  }

  @Test
  void whenSomeTargetsAnswerTheyAreComparedAndTheOthersAreNamed() {
    RoutingPolicy policy = setUp("partial", 3);
    DriftChecker checker = checker();
    reconcile(checker, policy);
    provider.failingTargets.add("azure/gpt-4o");

    clock.advance(Duration.ofDays(1));
    DriftChecker.Outcome o = reconcile(checker, policy);

    // A completed run: it counts as the night's, no retry.
    assertThat(o.status().getFailedAttempts()).isNull();
    assertThat(o.status().getRetryAt()).isNull();
    assertThat(o.status().getLastScheduled()).isEqualTo("2026-01-11T02:00:00Z");
    assertThat(o.drifted().reason()).isEqualTo("NoDrift");
    assertThat(o.drifted().message())
        .contains("1 targets match their baselines", "no answer from compliance azure/gpt-4o");
    DriftResult azure =
        o.status().getResults().stream()
            .filter(r -> r.getTarget().equals("azure/gpt-4o"))
            .findFirst()
            .orElseThrow();
    assertThat(azure.getReason()).isEqualTo("no answer (6 requests failed); not compared");
    assertThat(azure.getError()).isEqualTo("HTTP 503");
    assertThat(azure.getDistance()).isNull();
  }

  @Test
  void aNewRebaselineValueDuringAnOutageIsTakenByTheFirstRunThatCompletes() {
    RoutingPolicy policy = setUp("rebaseline-outage", 2);
    DriftChecker checker = checker();
    reconcile(checker, policy);
    provider.outage = NOT_SERVED;
    policy.getMetadata().setAnnotations(Map.of(DriftChecker.REBASELINE_ANNOTATION, "v2"));

    DriftChecker.Outcome failed = reconcile(checker, policy);
    assertThat(failed.status().getFailedAttempts()).isEqualTo(1);
    assertThat(failed.status().getRebaseline()).isNull(); // not taken
    int sent = provider.requests.get();
    clock.advance(Duration.ofSeconds(20));
    reconcile(checker, policy); // the pending value waits for the retry
    assertThat(provider.requests.get()).isEqualTo(sent);

    provider.outage = null;
    clock.advance(Duration.ofSeconds(40));
    DriftChecker.Outcome taken = reconcile(checker, policy);
    assertThat(taken.drifted().reason()).isEqualTo("BaselineRecorded");
    assertThat(taken.status().getRebaseline()).isEqualTo("v2");
    assertThat(taken.status().getResults())
        .allSatisfy(r -> assertThat(r.getBaselineFrom()).isEqualTo("2026-01-10T12:01:00Z"));
  }

  // --- What serves: the published table's stable arm, not the spec's (canary) targets --------

  static RoutingTable.Target stable(String provider, String model) {
    return new RoutingTable.Target(provider, model, 1, 0);
  }

  @Test
  void duringACanaryAndAfterItsRollbackTheStableTargetsThatServeAreCheckedAndKeepTheirBaselines() {
    RoutingPolicy policy = setUp("canary", 3);
    List<RoutingTable.Target> serving =
        List.of(stable("openai", "gpt-4o"), stable("azure", "gpt-4o"));
    published.put(
        "canary",
        Map.of(
            "compliance",
            new RoutingTable.Route(
                "compliance", "compliance", List.of(), "nightly", 1, serving, List.of(), null)));
    // The gateway serves (and its drift endpoint accepts) the published targets only.
    provider.served.addAll(List.of("openai/gpt-4o", "azure/gpt-4o", "openai/gpt-4.1"));
    DriftChecker checker = checker();
    assertThat(reconcile(checker, policy).drifted().reason()).isEqualTo("BaselineRecorded");
    Map<String, String> baselines =
        client
            .configMaps()
            .inNamespace("canary")
            .withName("switchboard-drift-nightly")
            .get()
            .getData();

    // Night 1: the spec now names the canary's target; the table keeps the stable arm and adds
    // the canary arm. The stable targets are what serves (and the canary's analysis judges it).
    ModelRoute route =
        client.resources(ModelRoute.class).inNamespace("canary").withName("compliance").get();
    route.getSpec().setTargets(List.of(target("openai", "gpt-4.1")));
    client.resource(route).update();
    published.put(
        "canary",
        Map.of(
            "compliance",
            new RoutingTable.Route(
                "compliance",
                "compliance",
                List.of(),
                "nightly",
                2,
                serving,
                List.of(),
                new RoutingTable.Canary(
                    "split", 10, 2, List.of(stable("openai", "gpt-4.1")), List.of()))));
    provider.asked.clear();
    clock.advance(Duration.ofDays(1));
    DriftChecker.Outcome night1 = reconcile(checker, policy);

    assertThat(provider.asked).containsOnly("openai/gpt-4o", "azure/gpt-4o");
    assertThat(night1.drifted().reason()).isEqualTo("NoDrift");
    assertThat(night1.status().getResults())
        .extracting(DriftResult::getTarget, DriftResult::getReason)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("openai/gpt-4o", "matches the baseline"),
            org.assertj.core.groups.Tuple.tuple("azure/gpt-4o", "matches the baseline"));
    assertThat(
            client
                .configMaps()
                .inNamespace("canary")
                .withName("switchboard-drift-nightly")
                .get()
                .getData())
        .isEqualTo(baselines);

    // Night 2: the canary was rolled back. The spec still names gpt-4.1, which the gateway no
    // longer serves (its drift endpoint answers 400); the stable targets serve 100 %.
    published.put(
        "canary",
        Map.of(
            "compliance",
            new RoutingTable.Route(
                "compliance", "compliance", List.of(), "nightly", 2, serving, List.of(), null)));
    provider.served.remove("openai/gpt-4.1");
    provider.asked.clear();
    clock.advance(Duration.ofDays(1));
    DriftChecker.Outcome night2 = reconcile(checker, policy);

    assertThat(provider.asked).containsOnly("openai/gpt-4o", "azure/gpt-4o");
    assertThat(night2.drifted().reason()).isEqualTo("NoDrift");
    assertThat(night2.status().getFailedAttempts()).isNull();
    assertThat(
            client
                .configMaps()
                .inNamespace("canary")
                .withName("switchboard-drift-nightly")
                .get()
                .getData())
        .isEqualTo(baselines);
  }

  @Test
  void aFallbackThatHonoursNoSeedIsNotReproducibleNotDriftAndHoldsNoCanary() {
    // azure's answers vary from sample to sample (say, an Anthropic fallback: no seed).
    RoutingPolicy policy = setUp("noisy", 3);
    provider.noisyTargets.add("azure/gpt-4o");
    DriftChecker checker = checker();
    reconcile(checker, policy);

    clock.advance(Duration.ofDays(1));
    DriftChecker.Outcome night = reconcile(checker, policy);

    assertThat(night.drifted().status()).isFalse();
    assertThat(night.drifted().reason()).isEqualTo(DriftChecker.NOT_REPRODUCIBLE);
    assertThat(night.drifted().message())
        .contains("compliance azure/gpt-4o", "not reproducible", "1 targets match their baselines");
    assertThat(events("noisy", "Drifted")).isEmpty();
    assertThat(
            registry.get("switchboard_drift_drifted").tag("target", "azure/gpt-4o").gauge().value())
        .isZero();
    // Not compared, so no distance is claimed (not 0, "as the baseline"); what it is, is said.
    assertThat(
            registry
                .get("switchboard_drift_distance")
                .tag("target", "azure/gpt-4o")
                .gauge()
                .value())
        .isNaN();
    assertThat(
            registry
                .get("switchboard_drift_reproducible")
                .tag("target", "azure/gpt-4o")
                .gauge()
                .value())
        .isZero();
    // The steady target was compared: its distance is measured, and it is reproducible.
    assertThat(
            registry
                .get("switchboard_drift_distance")
                .tag("target", "openai/gpt-4o")
                .gauge()
                .value())
        .isZero();
    assertThat(
            registry
                .get("switchboard_drift_reproducible")
                .tag("target", "openai/gpt-4o")
                .gauge()
                .value())
        .isEqualTo(1.0);
  }

  private static void await(java.util.function.BooleanSupplier condition) {
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(condition::getAsBoolean);
  }
}
