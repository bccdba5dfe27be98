package dev.switchboard.operator.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.api.v1alpha1.AnalysisStatus;
import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.ModelRouteStatus;
import dev.switchboard.api.v1alpha1.ProviderEndpoint;
import dev.switchboard.api.v1alpha1.RouteTarget;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.kubemock.EmbeddedKubernetesApi;
import dev.switchboard.operator.OperatorSettings;
import dev.switchboard.operator.SwitchboardOperator;
import dev.switchboard.operator.rollout.metrics.CanaryMetricsSource;
import dev.switchboard.operator.rollout.metrics.CanaryWindow;
import dev.switchboard.operator.rollout.metrics.FakeGatewayReplica;
import dev.switchboard.operator.rollout.metrics.GatewayScrapeSource;
import dev.switchboard.operator.rollout.metrics.GatewayTargets;
import dev.switchboard.operator.serialization.TolerantSerialization;
import dev.switchboard.operator.testing.Fixtures;
import dev.switchboard.operator.testing.PublishedReads;
import dev.switchboard.operator.testing.StatusReads;
import dev.switchboard.operator.testing.UserEdits;
import dev.switchboard.operator.time.OffsetClock;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Canary rollouts through the whole operator on the mock API server: a change of targets with
 * {@code spec.canary} set shows up in the published table as a canary arm at the first step's
 * weight, is promoted when analysis passes and rolled back when it fails. The operator and the API
 * server share one {@link OffsetClock}; analysis runs every minute of it, so an analysis happens
 * when a test moves the clock a minute on (the operator looks at a running canary every {@link
 * OffsetClock#RECHECK} of real time under such a clock), with a fake metrics source deciding the
 * verdict.
 */
class CanaryRolloutScenarioTest {

  private static final Path CRDS = Path.of("../crds");

  /** The canaries' analysis interval: far longer than a test runs, so only a test's move counts. */
  private static final Duration ANALYSIS_INTERVAL = Duration.ofMinutes(1);

  private static final OffsetClock CLOCK = OffsetClock.systemUtc();
  private static final AtomicInteger NAMESPACES = new AtomicInteger();

  private static EmbeddedKubernetesApi api;
  private static KubernetesClient operatorClient;
  private static SwitchboardOperator operator;
  private static final FakeMetricsSource METRICS = new FakeMetricsSource();

  private KubernetesClient client;
  private String ns;

  @BeforeAll
  static void startOperator() {
    api = EmbeddedKubernetesApi.start(0, CLOCK);
    api.installCrds(
        CRDS.resolve("providerendpoints.switchboard.dev-v1.yml"),
        CRDS.resolve("routingpolicies.switchboard.dev-v1.yml"),
        CRDS.resolve("modelroutes.switchboard.dev-v1.yml"));
    operatorClient = TolerantSerialization.clientBuilder().withConfig(api.clientConfig()).build();
    operator =
        SwitchboardOperator.start(
            operatorClient, OperatorSettings.forMockApiServer(), CLOCK, METRICS);
  }

  @AfterAll
  static void stopOperator() {
    if (operator != null) {
      operator.stop();
    }
    if (operatorClient != null) {
      operatorClient.close();
    }
    if (api != null) {
      api.close();
    }
  }

  @BeforeEach
  void namespace() {
    ns = "canary-" + NAMESPACES.incrementAndGet();
    client = api.client();
    METRICS.answerNothing();
    List<HasMetadata> items = canaryRouteFixture();
    items.forEach(item -> client.resource(item).create());
    eventually()
        .untilAsserted(
            () -> {
              assertThat(StatusReads.status(route()).getPhase()).isEqualTo("Stable");
              assertThat(published().targets())
                  .extracting(RoutingTable.Target::model)
                  .containsExactly("gpt-4o");
            });
  }

  @Test
  void aChangeOfTargetsIsPublishedAsACanaryAndPromotedWhenAnalysisPasses() throws Exception {
    changeTargets("gpt-5");
    eventually()
        .untilAsserted(
            () -> {
              RoutingTable.Route route = published();
              assertThat(route.targets())
                  .extracting(RoutingTable.Target::model)
                  .containsExactly("gpt-4o");
              assertThat(route.canary()).isNotNull();
              assertThat(route.canary().weight()).isEqualTo(10);
              assertThat(route.canary().targets())
                  .extracting(RoutingTable.Target::model)
                  .containsExactly("gpt-5");
              assertThat(route().getStatus().getPhase()).isEqualTo("Progressing");
              assertThat(route().getStatus().getCanaryWeight()).isEqualTo(10);
            });
    assertThat(route().getStatus().getAnalysis()).as("no analysis before its interval").isNull();

    // No verdict at the first analysis (no window): the canary holds at the first step.
    CLOCK.advance(ANALYSIS_INTERVAL);
    eventually()
        .untilAsserted(
            () -> {
              assertThat(route().getStatus().getAnalysis()).isNotNull();
              assertThat(route().getStatus().getAnalysis().getVerdict()).isEqualTo("Inconclusive");
            });
    assertThat(route().getStatus().getCanaryWeight()).isEqualTo(10);
    assertThat(published().canary().weight()).isEqualTo(10);
    assertThat(operatorMetrics())
        .contains("switchboard_canary_weight{namespace=\"" + ns + "\",route=\"chat\"} 10.0");

    // Each passing analysis takes the canary a step further: 50 %, then promoted.
    METRICS.answer(FakeMetricsSource.HEALTHY);
    CLOCK.advance(ANALYSIS_INTERVAL);
    eventually()
        .untilAsserted(
            () -> {
              assertThat(route().getStatus().getCanaryWeight()).isEqualTo(50);
              assertThat(published().canary().weight()).isEqualTo(50);
            });
    CLOCK.advance(ANALYSIS_INTERVAL);
    eventually()
        .untilAsserted(
            () -> {
              assertThat(route().getStatus().getPhase()).isEqualTo("Stable");
              assertThat(route().getStatus().getStableRevision()).isEqualTo(2L);
              RoutingTable.Route route = published();
              assertThat(route.canary()).isNull();
              assertThat(route.targets())
                  .extracting(RoutingTable.Target::model)
                  .containsExactly("gpt-5");
            });
    // Analysis reads metrics (HTTP in production) outside the namespace lock and any other monitor.
    assertThat(METRICS.collected).isNotEmpty();
    assertThat(METRICS.monitorsHeldWhileCollecting).isEmpty();
    assertThat(eventReasons()).contains("CanaryStarted", "CanaryStepAdvanced", "CanaryPromoted");
    assertThat(canaryCondition()).as("no canary left to report on").isEmpty();
  }

  @Test
  void failingAnalysisRollsBackToStableAndWarns() {
    changeTargets("gpt-5-broken");
    eventually().untilAsserted(() -> assertThat(published().canary()).isNotNull());

    METRICS.answer(
        new CanaryWindow(
            FakeMetricsSource.arm(100, 40, 0.8, 100, 0),
            FakeMetricsSource.arm(900, 0, 0.8, 100, 0),
            Duration.ofSeconds(1)));
    CLOCK.advance(ANALYSIS_INTERVAL);
    eventually()
        .untilAsserted(
            () -> {
              assertThat(route().getStatus().getPhase()).isEqualTo("RolledBack");
              assertThat(route().getStatus().getFailedRevision()).isEqualTo(2L);
              assertThat(route().getStatus().getAnalysis()).isNotNull();
              assertThat(route().getStatus().getAnalysis().getVerdict()).isEqualTo("Fail");
              RoutingTable.Route route = published();
              assertThat(route.canary()).isNull();
              assertThat(route.targets())
                  .extracting(RoutingTable.Target::model)
                  .containsExactly("gpt-4o");
            });
    assertThat(canaryCondition())
        .hasValueSatisfying(
            c -> {
              assertThat(c.getStatus()).isEqualTo("False");
              assertThat(c.getReason()).isEqualTo("AnalysisFailed");
            });
    Event warning =
        events().stream()
            .filter(e -> "CanaryRolledBack".equals(e.getReason()))
            .findFirst()
            .orElseThrow();
    assertThat(warning.getType()).isEqualTo("Warning");
    assertThat(warning.getMessage()).contains("error rate 0.4000").contains("requests=100");

    // A spec edit that leaves the canary's targets alone is no retry, however healthy it would be.
    METRICS.answer(FakeMetricsSource.HEALTHY);
    editRoute(r -> r.getSpec().setAliases(List.of("chat-latest")));
    eventually()
        .untilAsserted(
            () -> {
              assertThat(published().aliases()).contains("chat-latest");
              assertThat(route().getStatus().getPhase()).isEqualTo("RolledBack");
              assertThat(route().getStatus().getFailedTargets())
                  .singleElement()
                  .satisfies(id -> assertThat(id).endsWith("/gpt-5-broken"));
              assertThat(published().canary()).isNull();
            });
    // Started once: counted with the repeats the recorder folds into one Event.
    assertThat(
            events().stream()
                .filter(e -> "CanaryStarted".equals(e.getReason()))
                .mapToInt(Event::getCount)
                .sum())
        .isOne();
  }

  @Test
  void aSplitCanaryItsPolicysPinnedTargetKeepsFromTrafficSaysSoAndClaimsNoWeight() {
    dev.switchboard.api.v1alpha1.RoutingPolicy policy =
        new dev.switchboard.api.v1alpha1.RoutingPolicy();
    policy.setMetadata(
        new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
            .withName("pinned")
            .withNamespace(ns)
            .build());
    dev.switchboard.api.v1alpha1.RoutingPolicySpec spec =
        new dev.switchboard.api.v1alpha1.RoutingPolicySpec();
    dev.switchboard.api.v1alpha1.Deterministic deterministic =
        new dev.switchboard.api.v1alpha1.Deterministic();
    deterministic.setEnabled(true); // pinTarget: true by default
    spec.setDeterministic(deterministic);
    policy.setSpec(spec);
    client.resource(policy).create();
    editRoute(
        r -> {
          dev.switchboard.api.v1alpha1.LocalObjectRef ref =
              new dev.switchboard.api.v1alpha1.LocalObjectRef();
          ref.setName("pinned");
          r.getSpec().setPolicyRef(ref);
        });
    eventually().untilAsserted(() -> assertThat(published().policy()).isEqualTo("pinned"));

    changeTargets("gpt-5");
    eventually().untilAsserted(() -> assertThat(published().canary()).isNotNull());
    CLOCK.advance(ANALYSIS_INTERVAL); // the first analysis
    eventually()
        .untilAsserted(
            () -> {
              assertThat(published().canary()).isNotNull();
              assertThat(route().getStatus().getPhase()).isEqualTo("Progressing");
              assertThat(route().getStatus().getAnalysis()).isNotNull();
              // The gateway sends it nothing: status, the table and the gauge do not claim the
              // step's 10%.
              assertThat(route().getStatus().getCanaryWeight()).isZero();
              assertThat(published().canary().weight()).isZero();
              assertThat(operatorMetrics())
                  .contains(
                      "switchboard_canary_weight{namespace=\"" + ns + "\",route=\"chat\"} 0.0");
              assertThat(canaryCondition())
                  .hasValueSatisfying(
                      c -> {
                        assertThat(c.getStatus()).isEqualTo("False");
                        assertThat(c.getReason()).isEqualTo("SplitDisabledByPinTarget");
                        assertThat(c.getMessage()).contains("pinTarget").contains("shadow");
                      });
            });
    assertThat(events())
        .filteredOn(e -> "SplitDisabledByPinTarget".equals(e.getReason()))
        .singleElement()
        .satisfies(e -> assertThat(e.getType()).isEqualTo("Warning"));
    // The start's event does not claim the step's share either.
    assertThat(events())
        .filteredOn(e -> "CanaryStarted".equals(e.getReason()))
        .singleElement()
        .satisfies(
            e ->
                assertThat(e.getMessage())
                    .contains("takes no traffic")
                    .contains("pinTarget")
                    .doesNotContain("10%"));

    // Later analyses keep saying so without moving the condition's transition time, and without a
    // second event (the recorder folds repeats into one Event's count).
    String since = canaryCondition().orElseThrow().getLastTransitionTime();
    String lastRun = route().getStatus().getAnalysis().getLastRun();
    CLOCK.advance(ANALYSIS_INTERVAL);
    eventually()
        .untilAsserted(
            () ->
                assertThat(route().getStatus().getAnalysis().getLastRun()).isGreaterThan(lastRun));
    assertThat(canaryCondition())
        .hasValueSatisfying(
            c -> {
              assertThat(c.getReason()).isEqualTo("SplitDisabledByPinTarget");
              assertThat(c.getLastTransitionTime()).isEqualTo(since);
            });
    assertThat(route().getStatus().getCanaryWeight()).isZero();
    assertThat(published().canary().weight()).isZero();
    operator.flushEvents();
    assertThat(events())
        .filteredOn(e -> "SplitDisabledByPinTarget".equals(e.getReason()))
        .singleElement()
        .satisfies(e -> assertThat(e.getCount()).isEqualTo(1));

    // Once the policy stops pinning, the canary takes its step's weight again: the step was kept.
    client
        .resources(dev.switchboard.api.v1alpha1.RoutingPolicy.class)
        .inNamespace(ns)
        .withName("pinned")
        .edit(
            p -> {
              p.getSpec().getDeterministic().setPinTarget(false);
              return p;
            });
    eventually()
        .untilAsserted(
            () -> {
              assertThat(published().canary().weight()).isEqualTo(10);
              assertThat(route().getStatus().getCanaryWeight()).isEqualTo(10);
              assertThat(operatorMetrics())
                  .contains(
                      "switchboard_canary_weight{namespace=\"" + ns + "\",route=\"chat\"} 10.0");
            });
  }

  @Test
  void thePromoteAnnotationPromotesAndIsCleared() {
    changeTargets("gpt-5");
    eventually().untilAsserted(() -> assertThat(published().canary()).isNotNull());

    editRoute(
        r ->
            r.getMetadata()
                .setAnnotations(Map.of(ProgressiveCanaryPlanner.PROMOTE_ANNOTATION, "true")));
    eventually()
        .untilAsserted(
            () -> {
              assertThat(route().getStatus().getPhase()).isEqualTo("Stable");
              assertThat(published().canary()).isNull();
              assertThat(published().targets())
                  .extracting(RoutingTable.Target::model)
                  .containsExactly("gpt-5");
              Map<String, String> annotations = route().getMetadata().getAnnotations();
              assertThat(annotations == null ? Map.of() : annotations)
                  .doesNotContainKey(ProgressiveCanaryPlanner.PROMOTE_ANNOTATION);
            });
  }

  @Test
  void aRestartedOperatorCarriesTheCanaryOnFromStatusAndTable() {
    changeTargets("gpt-5");
    eventually()
        .untilAsserted(
            () -> {
              assertThat(route().getStatus().getPhase()).isEqualTo("Progressing");
              assertThat(published().canary()).isNotNull();
            });
    String stepStartedAt = route().getStatus().getStepStartedAt();

    operator.stop();
    operator =
        SwitchboardOperator.start(
            operatorClient, OperatorSettings.forMockApiServer(), CLOCK, METRICS);
    // Still no verdict at the step's first analysis: the new operator holds the same step and
    // keeps the stable arm.
    CLOCK.advance(ANALYSIS_INTERVAL);
    eventually()
        .untilAsserted(
            () -> {
              assertThat(route().getStatus().getAnalysis()).isNotNull();
              assertThat(java.time.Instant.parse(route().getStatus().getAnalysis().getLastRun()))
                  .isAfter(java.time.Instant.parse(stepStartedAt));
            });
    assertThat(route().getStatus().getStepStartedAt()).isEqualTo(stepStartedAt);
    assertThat(route().getStatus().getCurrentStep()).isZero();
    assertThat(published().targets())
        .extracting(RoutingTable.Target::model)
        .containsExactly("gpt-4o");

    METRICS.answer(FakeMetricsSource.HEALTHY);
    CLOCK.advance(ANALYSIS_INTERVAL);
    eventually().untilAsserted(() -> assertThat(route().getStatus().getCurrentStep()).isOne());
    CLOCK.advance(ANALYSIS_INTERVAL);
    eventually()
        .untilAsserted(
            () -> {
              assertThat(route().getStatus().getPhase()).isEqualTo("Stable");
              assertThat(published().targets())
                  .extracting(RoutingTable.Target::model)
                  .containsExactly("gpt-5");
            });
  }

  /**
   * The gateway source's step sums survive an operator restart: 30 canary requests before it and 30
   * after make the 50 the step needs, and the canary failing 30 % of them is rolled back at the
   * restarted operator's first analysis. The sums used to live in the operator's memory only, so
   * the restarted operator started the step again and held it at 30; then its first scrape only
   * took the baseline (the replicas' counters were not in status), so that window's 30 were lost
   * and the rollback waited a window more.
   */
  @Test
  void aRestartedOperatorGoesOnWithTheStepsSumsAndRollsABadCanaryBack() {
    try (FakeGatewayReplica gateway = new FakeGatewayReplica("chat")) {
      restartOperator(scrapeSource(gateway));
      gateway
          .set("stable", new FakeGatewayReplica.Arm(1000, 0, 0.4, 100_000, 0))
          .set("canary", new FakeGatewayReplica.Arm(0, 0, 0.4, 0, 0));
      changeTargets("gpt-5");
      eventually()
          .untilAsserted(() -> assertThat(route().getStatus().getPhase()).isEqualTo("Progressing"));

      gateway
          .set("stable", new FakeGatewayReplica.Arm(1300, 0, 0.4, 130_000, 0))
          .set("canary", new FakeGatewayReplica.Arm(30, 9, 0.4, 2_100, 0));
      CLOCK.advance(ANALYSIS_INTERVAL);
      eventually()
          .untilAsserted(
              () -> {
                AnalysisStatus analysis = route().getStatus().getAnalysis();
                assertThat(analysis).isNotNull();
                assertThat(analysis.getVerdict()).isEqualTo("Inconclusive");
                assertThat(analysis.getStepCounts()).isNotNull();
                assertThat(analysis.getStepCounts().getCanary().getRequests()).isEqualTo(30);
                assertThat(analysis.getStepCounts().getCanary().getErrors()).isEqualTo(9);
              });
      String before = route().getStatus().getAnalysis().getLastRun();

      // A new operator, with nothing in memory, while the gateway counts on: its first scrape
      // closes the window on the baseline the status kept.
      restartOperator(scrapeSource(gateway));
      gateway
          .set("stable", new FakeGatewayReplica.Arm(1600, 0, 0.4, 160_000, 0))
          .set("canary", new FakeGatewayReplica.Arm(60, 18, 0.4, 4_200, 0));
      CLOCK.advance(ANALYSIS_INTERVAL);
      eventually()
          .untilAsserted(
              () ->
                  assertThat(route().getStatus().getAnalysis().getLastRun()).isNotEqualTo(before));
      eventually()
          .untilAsserted(
              () -> {
                ModelRouteStatus status = StatusReads.status(route());
                assertThat(status.getPhase()).isEqualTo("RolledBack");
                assertThat(status.getAnalysis()).isNotNull();
                assertThat(status.getAnalysis().getCanary()).isNotNull();
                assertThat(status.getAnalysis().getCanary().getRequests()).isEqualTo(60);
                assertThat(status.getAnalysis().getStepCounts())
                    .as("no step analysed any more")
                    .isNull();
              });
    } finally {
      restartOperator(METRICS);
    }
  }

  private static GatewayScrapeSource scrapeSource(FakeGatewayReplica gateway) {
    return new GatewayScrapeSource(GatewayTargets.fixed(List.of(gateway.metricsUrl())), CLOCK);
  }

  private static void restartOperator(CanaryMetricsSource metrics) {
    operator.stop();
    operator =
        SwitchboardOperator.start(
            operatorClient, OperatorSettings.forMockApiServer(), CLOCK, metrics);
  }

  @Test
  void aCanaryWhoseModelNameAnOlderRouteStartsClaimingIsRolledBackToStable() {
    startCanaryBesideAnOlderRoute(List.of());

    // The older route starts claiming chat's model name: chat is held back for the conflict.
    UserEdits.edit(
        client.resources(ModelRoute.class).inNamespace(ns).withName("legacy"),
        r -> {
          r.getSpec().setAliases(List.of("chat"));
          return r;
        });
    eventually()
        .untilAsserted(
            () -> {
              assertThat(condition("Ready"))
                  .hasValueSatisfying(
                      c -> assertThat(c.getReason()).isEqualTo("ModelNameConflict"));
              // No share of traffic is left on the canary without analysis.
              assertThat(publishedTable().routes())
                  .filteredOn(r -> r.name().equals("chat"))
                  .allSatisfy(r -> assertThat(r.canary()).isNull());
              assertThat(publishedTable().routes())
                  .filteredOn(r -> r.name().equals("legacy"))
                  .singleElement()
                  .satisfies(r -> assertThat(r.aliases()).containsExactly("chat"));
              assertThat(route().getStatus().getPhase()).isEqualTo("RolledBack");
              // Dropped from the table by the render of legacy's edit, chat's entry no longer
              // names the canary's targets; the revision that ran is known from its status.
              assertThat(route().getStatus().getFailedRevision()).isEqualTo(2L);
              assertThat(canaryCondition())
                  .hasValueSatisfying(
                      c -> {
                        assertThat(c.getStatus()).isEqualTo("False");
                        assertThat(c.getReason()).isEqualTo("ConfigurationInvalid");
                      });
            });
    Event warning =
        events().stream()
            .filter(e -> "CanaryConfigurationInvalid".equals(e.getReason()))
            .findFirst()
            .orElseThrow();
    assertThat(warning.getType()).isEqualTo("Warning");
    assertThat(warning.getMessage()).contains("already served by ModelRoute 'legacy'");
  }

  @Test
  void aCanaryWhoseRouteTakesANameAnOlderRouteServesIsRolledBackToItsStableArm() {
    startCanaryBesideAnOlderRoute(List.of("chat-next"));

    // Mid-canary, chat adds an alias the older route serves: its spec is held back for the
    // conflict and its last good entry (without the alias) keeps serving, without the canary arm.
    editRoute(r -> r.getSpec().setAliases(List.of("chat-next")));
    eventually()
        .untilAsserted(
            () -> {
              assertThat(condition("Ready"))
                  .hasValueSatisfying(
                      c -> assertThat(c.getReason()).isEqualTo("ModelNameConflict"));
              RoutingTable.Route route = published();
              assertThat(route.canary()).isNull();
              assertThat(route.targets())
                  .extracting(RoutingTable.Target::model)
                  .containsExactly("gpt-4o");
              assertThat(route.aliases()).isEmpty();
              assertThat(route().getStatus().getPhase()).isEqualTo("RolledBack");
              assertThat(route().getStatus().getFailedRevision()).isEqualTo(2L);
              assertThat(route().getStatus().getFailedTargets())
                  .containsExactly("openai-prod/gpt-5");
              assertThat(canaryCondition())
                  .hasValueSatisfying(
                      c -> assertThat(c.getReason()).isEqualTo("ConfigurationInvalid"));
            });
    assertThat(events())
        .filteredOn(e -> "CanaryConfigurationInvalid".equals(e.getReason()))
        .isNotEmpty()
        .allSatisfy(
            e -> assertThat(e.getMessage()).contains("already served by ModelRoute 'legacy'"));
  }

  @Test
  void aCanaryWhoseRouteBecomesInvalidIsRolledBackToStable() {
    changeTargets("gpt-5");
    eventually().untilAsserted(() -> assertThat(published().canary()).isNotNull());

    // The team pulls the canary's model: the route's spec no longer resolves.
    editProvider(p -> p.getSpec().getModels().removeIf(m -> "gpt-5".equals(m.getName())));
    eventually()
        .untilAsserted(
            () -> {
              assertThat(condition("Ready"))
                  .hasValueSatisfying(c -> assertThat(c.getStatus()).isEqualTo("False"));
              // The last good entry that keeps serving is the stable arm only: no more traffic
              // to the pulled model, and the table no longer carries it for the canary.
              RoutingTable.Route route = published();
              assertThat(route.canary()).isNull();
              assertThat(route.targets())
                  .extracting(RoutingTable.Target::model)
                  .containsExactly("gpt-4o");
              assertThat(publishedTable().providers().get("openai-prod").model("gpt-5")).isEmpty();
              assertThat(route().getStatus().getPhase()).isEqualTo("RolledBack");
              assertThat(route().getStatus().getFailedRevision()).isEqualTo(2L);
              assertThat(route().getStatus().getFailedTargets())
                  .containsExactly("openai-prod/gpt-5");
              assertThat(canaryCondition())
                  .hasValueSatisfying(
                      c -> {
                        assertThat(c.getStatus()).isEqualTo("False");
                        assertThat(c.getReason()).isEqualTo("ConfigurationInvalid");
                      });
            });
    Event warning =
        events().stream()
            .filter(e -> "CanaryConfigurationInvalid".equals(e.getReason()))
            .findFirst()
            .orElseThrow();
    assertThat(warning.getType()).isEqualTo("Warning");
    assertThat(warning.getMessage()).contains("does not list model 'gpt-5'");

    // The model comes back: the route serves from its spec again, the canary stays rolled back
    // (its targets failed) and the condition still says why.
    editProvider(p -> p.getSpec().getModels().add(model("gpt-5")));
    eventually()
        .untilAsserted(
            () ->
                assertThat(condition("Ready"))
                    .hasValueSatisfying(c -> assertThat(c.getStatus()).isEqualTo("True")));
    assertThat(route().getStatus().getPhase()).isEqualTo("RolledBack");
    assertThat(published().canary()).isNull();
    assertThat(canaryCondition())
        .hasValueSatisfying(c -> assertThat(c.getReason()).isEqualTo("ConfigurationInvalid"));

    // A retry cannot act while the route is invalid: it is kept (an edit reconciles the route
    // meanwhile) and acts once the model is back.
    editProvider(p -> p.getSpec().getModels().removeIf(m -> "gpt-5".equals(m.getName())));
    eventually()
        .untilAsserted(
            () ->
                assertThat(condition("Ready"))
                    .hasValueSatisfying(c -> assertThat(c.getStatus()).isEqualTo("False")));
    editRoute(
        r -> {
          r.getMetadata().setAnnotations(Map.of(ProgressiveCanaryPlanner.RETRY_ANNOTATION, "true"));
          r.getSpec().setAliases(List.of("chat-latest"));
        });
    awaitStatusOfCurrentGeneration();
    // A reconcile that changes nothing in the status (where acted-on annotations are cleared)...
    long renders = operator.renderMemo(ns).routeRenders();
    editProvider(p -> p.getSpec().getModels().add(model("gpt-4o-mini")));
    eventually().until(() -> operator.renderMemo(ns).routeRenders() > renders);
    // ...and one after it (reconciles of a route never overlap), whose status write shows it ran.
    editRoute(r -> r.getSpec().setAliases(List.of("chat-latest", "chat-next")));
    awaitStatusOfCurrentGeneration();
    assertThat(route().getMetadata().getAnnotations())
        .containsKey(ProgressiveCanaryPlanner.RETRY_ANNOTATION);
    assertThat(route().getStatus().getPhase()).isEqualTo("RolledBack");

    editProvider(p -> p.getSpec().getModels().add(model("gpt-5")));
    eventually()
        .untilAsserted(
            () -> {
              assertThat(route().getStatus().getPhase()).isEqualTo("Progressing");
              assertThat(published().canary()).isNotNull();
              assertThat(published().canary().targets())
                  .extracting(RoutingTable.Target::model)
                  .containsExactly("gpt-5");
              Map<String, String> annotations = route().getMetadata().getAnnotations();
              assertThat(annotations == null ? Map.of() : annotations)
                  .doesNotContainKey(ProgressiveCanaryPlanner.RETRY_ANNOTATION);
            });
  }

  @Test
  void theAbortAnnotationRollsBackARouteThatIsInvalidAndIsClearedOnlyThen() {
    changeTargets("gpt-5");
    eventually().untilAsserted(() -> assertThat(published().canary()).isNotNull());

    // The route's spec breaks (an unlisted model) and an operator aborts in the same breath.
    editRoute(
        r -> {
          r.getMetadata().setAnnotations(Map.of(ProgressiveCanaryPlanner.ABORT_ANNOTATION, "true"));
          r.getSpec().getTargets().get(0).setModel("gpt-6");
        });
    eventually()
        .untilAsserted(
            () -> {
              Map<String, String> annotations = route().getMetadata().getAnnotations();
              assertThat(annotations == null ? Map.of() : annotations)
                  .doesNotContainKey(ProgressiveCanaryPlanner.ABORT_ANNOTATION);
            });
    // Gone only once acted on: the canary is rolled back by then.
    assertThat(route().getStatus().getPhase()).isEqualTo("RolledBack");
    assertThat(route().getStatus().getFailedTargets()).containsExactly("openai-prod/gpt-5");
    assertThat(canaryCondition())
        .hasValueSatisfying(c -> assertThat(c.getReason()).isEqualTo("Aborted"));
    assertThat(published().canary()).isNull();
    assertThat(published().targets())
        .extracting(RoutingTable.Target::model)
        .containsExactly("gpt-4o");
    assertThat(eventReasons()).contains("CanaryAborted");
  }

  /**
   * In a namespace of its own: ModelRoute "legacy" (model "legacy", the given aliases) created a
   * second before "chat", so it keeps its names in a conflict; then chat's canary to gpt-5 started.
   */
  private void startCanaryBesideAnOlderRoute(List<String> legacyAliases) {
    // An older route in a namespace of its own: names are kept by the older route in a conflict.
    ns = "canary-" + NAMESPACES.incrementAndGet();
    ModelRoute legacy =
        client
            .resource(
                canaryRouteFixture().stream()
                    .filter(ModelRoute.class::isInstance)
                    .map(ModelRoute.class::cast)
                    .findFirst()
                    .map(
                        r -> {
                          r.getMetadata().setName("legacy");
                          r.getSpec().setModel("legacy");
                          r.getSpec().setCanary(null);
                          r.getSpec().setAliases(legacyAliases);
                          return r;
                        })
                    .orElseThrow())
            .create();
    // Creation timestamps have seconds (the API server's, on the shared clock): chat is created
    // a second later, so it is the newer route.
    CLOCK.advance(Duration.ofSeconds(1));
    canaryRouteFixture().forEach(item -> client.resource(item).create());
    assertThat(java.time.Instant.parse(route().getMetadata().getCreationTimestamp()))
        .isAfter(java.time.Instant.parse(legacy.getMetadata().getCreationTimestamp()));
    eventually()
        .untilAsserted(
            () -> {
              assertThat(StatusReads.status(route()).getPhase()).isEqualTo("Stable");
            });
    changeTargets("gpt-5");
    eventually().untilAsserted(() -> assertThat(published().canary()).isNotNull());
  }

  /**
   * The canary-route fixture in this test's namespace, its route analysed every {@link
   * #ANALYSIS_INTERVAL}.
   */
  private List<HasMetadata> canaryRouteFixture() {
    List<HasMetadata> items = Fixtures.load("fixtures/canary-route.yaml", ns);
    for (HasMetadata item : items) {
      if (item instanceof ModelRoute route && route.getSpec().getCanary() != null) {
        route.getSpec().getCanary().getAnalysis().setInterval(ANALYSIS_INTERVAL.toSeconds() + "s");
      }
    }
    return items;
  }

  private Optional<io.fabric8.kubernetes.api.model.Condition> canaryCondition() {
    return condition(CanaryCondition.TYPE);
  }

  private Optional<io.fabric8.kubernetes.api.model.Condition> condition(String type) {
    return StatusReads.condition(route(), type);
  }

  private void editProvider(java.util.function.Consumer<ProviderEndpoint> change) {
    UserEdits.edit(
        client.resources(ProviderEndpoint.class).inNamespace(ns).withName("openai-prod"),
        p -> {
          change.accept(p);
          return p;
        });
  }

  private void awaitStatusOfCurrentGeneration() {
    eventually()
        .untilAsserted(
            () -> {
              ModelRoute route = route();
              assertThat(StatusReads.status(route).getObservedGeneration())
                  .isEqualTo(route.getMetadata().getGeneration());
            });
  }

  private static dev.switchboard.api.v1alpha1.ProviderModel model(String name) {
    var model = new dev.switchboard.api.v1alpha1.ProviderModel();
    model.setName(name);
    model.setCapabilities(List.of("chat"));
    return model;
  }

  private RoutingTable publishedTable() {
    return PublishedReads.presentRoutingTable(client, ns);
  }

  private static ConditionFactory eventually() {
    return await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100));
  }

  private void changeTargets(String model) {
    editRoute(
        r -> {
          RouteTarget target = r.getSpec().getTargets().get(0);
          target.setModel(model);
        });
  }

  /** Edits the route like a user would, again when the operator's status write came between. */
  private void editRoute(java.util.function.Consumer<ModelRoute> change) {
    UserEdits.edit(
        client.resources(ModelRoute.class).inNamespace(ns).withName("chat"),
        r -> {
          change.accept(r);
          return r;
        });
  }

  private ModelRoute route() {
    return client.resources(ModelRoute.class).inNamespace(ns).withName("chat").get();
  }

  private RoutingTable.Route published() {
    return PublishedReads.presentRoute(client, ns, "chat");
  }

  private List<Event> events() {
    return client.v1().events().inNamespace(ns).list().getItems();
  }

  private List<String> eventReasons() {
    return events().stream().map(Event::getReason).toList();
  }

  private static String operatorMetrics() throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + operator.metricsPort() + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    return response.body();
  }
}
