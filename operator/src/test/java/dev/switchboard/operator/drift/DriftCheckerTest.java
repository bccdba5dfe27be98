package dev.switchboard.operator.drift;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.api.v1alpha1.DriftCheck;
import dev.switchboard.api.v1alpha1.LocalObjectRef;
import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.ModelRouteSpec;
import dev.switchboard.api.v1alpha1.RouteRule;
import dev.switchboard.api.v1alpha1.RouteTarget;
import dev.switchboard.api.v1alpha1.RoutingPolicy;
import dev.switchboard.api.v1alpha1.RoutingPolicySpec;
import dev.switchboard.api.v1alpha1.RoutingPolicyStatus;
import dev.switchboard.api.v1alpha1.RuleMatch;
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
        client, clock, provider, new EventRecorder(client, clock), new DriftMetrics(registry));
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
    client.resource(route).create();
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
  }

  @Test
  void underAClockThatJumpsTheScheduleIsLookedAtAgainSoonInRealTime() {
    RoutingPolicy policy = setUp("recheck", 2);
    DriftChecker jumping =
        new DriftChecker(
            client,
            clock,
            provider,
            new EventRecorder(client, clock),
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
    client.resource(route).update();
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

  private static void await(java.util.function.BooleanSupplier condition) {
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(condition::getAsBoolean);
  }
}
