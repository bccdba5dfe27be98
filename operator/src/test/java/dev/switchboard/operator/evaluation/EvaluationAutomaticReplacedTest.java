package dev.switchboard.operator.evaluation;

import static dev.switchboard.operator.evaluation.EvaluationBaselineTest.entry;
import static dev.switchboard.operator.evaluation.EvaluationBaselineTest.report;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.api.v1alpha1.EvaluationCandidate;
import dev.switchboard.api.v1alpha1.EvaluationSpec;
import dev.switchboard.api.v1alpha1.EvaluationStatus;
import dev.switchboard.api.v1alpha1.LocalObjectRef;
import dev.switchboard.api.v1alpha1.ModelLifecycle;
import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.ModelRouteSpec;
import dev.switchboard.api.v1alpha1.ModelRouteStatus;
import dev.switchboard.api.v1alpha1.PolicyLifecycle;
import dev.switchboard.api.v1alpha1.ProviderEndpoint;
import dev.switchboard.api.v1alpha1.ProviderEndpointSpec;
import dev.switchboard.api.v1alpha1.ProviderModel;
import dev.switchboard.api.v1alpha1.RouteTarget;
import dev.switchboard.api.v1alpha1.RoutingPolicy;
import dev.switchboard.api.v1alpha1.RoutingPolicySpec;
import dev.switchboard.kubemock.EmbeddedKubernetesApi;
import dev.switchboard.operator.render.NamespaceView;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A running automatic evaluation of a successor that a newly declared {@code spec.evaluation}
 * replaces ends with its final runbook entry (reason {@code SpecDeclared}); its state used to be
 * removed by the declared one's first save with no final entry at all.
 */
class EvaluationAutomaticReplacedTest {

  static final String NS = "team-a";
  static final Instant START = Instant.parse("2026-12-04T09:00:00Z");

  private static LocalObjectRef ref(String name) {
    LocalObjectRef ref = new LocalObjectRef();
    ref.setName(name);
    return ref;
  }

  private static RouteTarget target(String model) {
    RouteTarget t = new RouteTarget();
    t.setProviderRef(ref("openai"));
    t.setModel(model);
    return t;
  }

  /** gpt-4-turbo retires 2026-12-20 (successor gpt-5); the policy evaluates 30 days ahead. */
  static NamespaceView view(ModelRoute route) {
    ProviderEndpoint pe = new ProviderEndpoint();
    pe.setMetadata(new ObjectMetaBuilder().withName("openai").withNamespace(NS).build());
    ProviderEndpointSpec peSpec = new ProviderEndpointSpec();
    peSpec.setProvider("openai");
    ModelLifecycle lifecycle = new ModelLifecycle();
    lifecycle.setRetiredAfter("2026-12-20");
    lifecycle.setSuccessor("gpt-5");
    ProviderModel retiring = new ProviderModel();
    retiring.setName("gpt-4-turbo");
    retiring.setCapabilities(List.of("chat"));
    retiring.setLifecycle(lifecycle);
    ProviderModel successor = new ProviderModel();
    successor.setName("gpt-5");
    successor.setCapabilities(List.of("chat"));
    ProviderModel other = new ProviderModel();
    other.setName("gpt-4.1");
    other.setCapabilities(List.of("chat"));
    peSpec.setModels(List.of(retiring, successor, other));
    pe.setSpec(peSpec);
    RoutingPolicy policy = new RoutingPolicy();
    policy.setMetadata(new ObjectMetaBuilder().withName("standard").withNamespace(NS).build());
    RoutingPolicySpec policySpec = new RoutingPolicySpec();
    PolicyLifecycle policyLifecycle = new PolicyLifecycle();
    policyLifecycle.setEvaluateSuccessorBefore("720h");
    policySpec.setLifecycle(policyLifecycle);
    policy.setSpec(policySpec);
    return new NamespaceView(
        NS, List.of(pe), List.of(policy), List.of(route), n -> Optional.empty());
  }

  static ModelRoute route() {
    ModelRoute route = new ModelRoute();
    route.setMetadata(new ObjectMetaBuilder().withName("chat").withNamespace(NS).build());
    ModelRouteSpec spec = new ModelRouteSpec();
    spec.setPolicyRef(ref("standard"));
    spec.setTargets(List.of(target("gpt-4-turbo")));
    route.setSpec(spec);
    return route;
  }

  private static void declare(ModelRoute route) {
    EvaluationCandidate candidate = new EvaluationCandidate();
    candidate.setProviderRef(ref("openai"));
    candidate.setModel("gpt-4.1");
    EvaluationSpec evaluation = new EvaluationSpec();
    evaluation.setCandidates(List.of(candidate));
    evaluation.setSample(0.2);
    evaluation.setDuration("48h");
    route.getSpec().setEvaluation(evaluation);
  }

  static Clock at(Instant instant) {
    return Clock.fixed(instant, ZoneId.of("UTC"));
  }

  static void publish(ModelRoute route, EvaluationStatus evaluation) {
    ModelRouteStatus status = new ModelRouteStatus();
    status.setEvaluation(evaluation);
    route.setStatus(status);
  }

  static Map<String, String> data(EmbeddedKubernetesApi api, String name) {
    ConfigMap cm = api.client().configMaps().inNamespace(NS).withName(name).get();
    return cm == null || cm.getData() == null ? Map.of() : cm.getData();
  }

  @Test
  void aDeclaredSpecEndsTheRunningAutomaticEvaluationWithItsFinalEntry() {
    declaredOverAutomatic(false);
  }

  /**
   * The declared evaluation's candidate does not resolve yet: the automatic one ends all the same.
   */
  @Test
  void aDeclaredSpecThatWaitsForItsCandidatesEndsTheAutomaticOneAllTheSame() {
    declaredOverAutomatic(true);
  }

  private void declaredOverAutomatic(boolean waiting) {
    ModelRoute route = route();
    AtomicReference<List<JsonNode>> reports = new AtomicReference<>(List.of());
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      EvaluationStatus automatic =
          new EvaluationTracker(api.client(), ns -> reports.get(), at(START))
              .track(route, view(route))
              .orElseThrow()
              .status();
      assertThat(automatic.getAutomatic()).isTrue();
      String autoId = automatic.getId();
      publish(route, automatic);
      reports.set(
          List.of(report("a", entry(autoId, "openai/gpt-4-turbo", "openai/gpt-5", 60, 40, 1.25))));
      declare(route);
      Instant declaredAt = START.plus(Duration.ofHours(5));

      EvaluationTracker tracker =
          new EvaluationTracker(api.client(), ns -> reports.get(), at(declaredAt));
      EvaluationTracker.Outcome outcome =
          (waiting ? tracker.endReplaced(route, view(route)) : tracker.track(route, view(route)))
              .orElseThrow();

      assertThat(outcome.endedEarly())
          .hasValueSatisfying(
              e -> {
                assertThat(e.reason()).isEqualTo(EvaluationTracker.SPEC_DECLARED);
                assertThat(e.now()).isTrue();
                assertThat(e.message()).contains(autoId);
              });
      String finalEntry =
          data(api, EvaluationTracker.RUNBOOK_CONFIG_MAP).get("chat." + autoId + ".md");
      assertThat(finalEntry)
          .contains("ended early (final entry): automatic evaluation " + autoId)
          .contains("Sampled requests: 60, answered by both: 60")
          .contains(START + " to " + declaredAt);
      assertThat(outcome.writeFailed()).isEmpty();
      if (waiting) {
        assertThat(outcome.status().getId()).isEqualTo(autoId);
        assertThat(outcome.status().getPhase()).isEqualTo("Completed");
      } else {
        String declaredId = outcome.status().getId();
        assertThat(declaredId).isNotEqualTo(autoId);
        assertThat(outcome.status().getAutomatic()).isNull();
        assertThat(outcome.status().getEndedIds()).containsExactly(autoId);
        // Its results are in its final entry: the declared one's save removed its key.
        assertThat(data(api, EvaluationTracker.STATE_CONFIG_MAP))
            .containsOnlyKeys("chat." + declaredId + ".json");
      }
    }
  }
}
