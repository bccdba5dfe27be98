package dev.switchboard.operator.modelroute;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.api.v1alpha1.EvaluationCandidate;
import dev.switchboard.api.v1alpha1.EvaluationSpec;
import dev.switchboard.api.v1alpha1.EvaluationStatus;
import dev.switchboard.api.v1alpha1.LocalObjectRef;
import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.ModelRouteSpec;
import dev.switchboard.api.v1alpha1.ProviderEndpoint;
import dev.switchboard.api.v1alpha1.ProviderEndpointSpec;
import dev.switchboard.api.v1alpha1.RouteTarget;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.operator.OperatorSettings;
import dev.switchboard.operator.evaluation.EvaluationTracker;
import dev.switchboard.operator.testing.PublishedReads;
import dev.switchboard.operator.testing.StatusReads;
import dev.switchboard.operator.testing.SwitchboardOperatorExtension;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An evaluation whose candidate does not resolve is said in its own condition, leaves Ready alone,
 * and does not start (no window, no runbook entry with zero requests) until the candidate does.
 */
class EvaluationCandidatesScenarioTest {

  @RegisterExtension
  static final SwitchboardOperatorExtension KUBE =
      new SwitchboardOperatorExtension(OperatorSettings.forMockApiServer());

  private static final String NS = "evaluation-candidates";
  private static final Duration WAIT = Duration.ofSeconds(30);

  private static LocalObjectRef ref(String name) {
    LocalObjectRef ref = new LocalObjectRef();
    ref.setName(name);
    return ref;
  }

  private static void provider(String name) {
    ProviderEndpoint pe = new ProviderEndpoint();
    pe.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
    ProviderEndpointSpec spec = new ProviderEndpointSpec();
    spec.setProvider("openai-compatible");
    spec.setBaseUrl("http://" + name + ".example.com/v1");
    pe.setSpec(spec);
    KUBE.client().resource(pe).create();
  }

  private static ModelRoute get() {
    return KUBE.client().resources(ModelRoute.class).inNamespace(NS).withName("chat").get();
  }

  private static Optional<Condition> condition(String type) {
    return StatusReads.condition(get(), type);
  }

  private static Optional<RoutingTable.Route> published() {
    return PublishedReads.route(KUBE.client(), NS, "chat");
  }

  @Test
  void anEvaluationWaitsForItsCandidatesAndSaysWhich() {
    provider("vllm");
    ModelRoute route = new ModelRoute();
    route.setMetadata(new ObjectMetaBuilder().withName("chat").withNamespace(NS).build());
    ModelRouteSpec spec = new ModelRouteSpec();
    RouteTarget target = new RouteTarget();
    target.setProviderRef(ref("vllm"));
    target.setModel("llama");
    spec.setTargets(List.of(target));
    EvaluationCandidate served = new EvaluationCandidate();
    served.setProviderRef(ref("vllm"));
    served.setModel("llama-2");
    EvaluationCandidate missing = new EvaluationCandidate();
    missing.setProviderRef(ref("openai-prd"));
    missing.setModel("gpt-5");
    EvaluationSpec evaluation = new EvaluationSpec();
    evaluation.setCandidates(List.of(served, missing));
    spec.setEvaluation(evaluation);
    route.setSpec(spec);
    KUBE.client().resource(route).create();

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(condition("Ready")).map(Condition::getStatus).hasValue("True");
              assertThat(condition(EvaluationTracker.EVALUATION_READY))
                  .hasValueSatisfying(
                      c -> {
                        assertThat(c.getStatus()).isEqualTo("False");
                        assertThat(c.getReason()).isEqualTo("ProviderNotFound");
                        assertThat(c.getMessage())
                            .startsWith(
                                "spec.evaluation.candidates[1]: ProviderEndpoint 'openai-prd'"
                                    + " does not exist")
                            .endsWith("the evaluation starts once every candidate resolves");
                      });
              assertThat(published()).isPresent();
            });
    // Not started: no window in status, nothing mirrored, no runbook entry.
    assertThat(get().getStatus().getEvaluation()).isNull();
    assertThat(published().orElseThrow().evaluation()).isNull();
    assertThat(
            KUBE.client()
                .configMaps()
                .inNamespace(NS)
                .withName(EvaluationTracker.RUNBOOK_CONFIG_MAP)
                .get())
        .isNull();

    provider("openai-prd");
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(condition(EvaluationTracker.EVALUATION_READY))
                  .hasValueSatisfying(
                      c -> {
                        assertThat(c.getStatus()).isEqualTo("True");
                        assertThat(c.getReason()).isEqualTo("CandidatesResolved");
                      });
              EvaluationStatus started = StatusReads.status(get()).getEvaluation();
              assertThat(started).isNotNull();
              assertThat(started.getPhase()).isEqualTo("Running");
              assertThat(published())
                  .hasValueSatisfying(
                      r -> {
                        assertThat(r.evaluation()).isNotNull();
                        assertThat(r.evaluation().candidates()).hasSize(2);
                      });
            });
  }

  /**
   * The automatic evaluation of a successor, started for an approaching retirement, waits for its
   * candidate as a declared one does: while the provider is not ready it says so in EvaluationReady
   * on the route and starts no window (it started, ran its 72 h mirroring nothing and reported zero
   * requests); once the provider is ready it starts.
   */
  @Test
  void anAutomaticEvaluationWaitsForItsSuccessorAndSaysSo() {
    String ns = "evaluation-automatic";
    ProviderEndpoint pe = new ProviderEndpoint();
    pe.setMetadata(new ObjectMetaBuilder().withName("openai").withNamespace(ns).build());
    ProviderEndpointSpec peSpec = new ProviderEndpointSpec();
    peSpec.setProvider("openai");
    dev.switchboard.api.v1alpha1.SecretKeyRef key = new dev.switchboard.api.v1alpha1.SecretKeyRef();
    key.setName("openai-key");
    key.setKey("apiKey");
    peSpec.setApiKeySecretRef(key);
    dev.switchboard.api.v1alpha1.ModelLifecycle lifecycle =
        new dev.switchboard.api.v1alpha1.ModelLifecycle();
    lifecycle.setRetiredAfter("2026-12-10"); // the operator's clock reads 2026-11-25
    lifecycle.setSuccessor("gpt-5");
    dev.switchboard.api.v1alpha1.ProviderModel retiring =
        new dev.switchboard.api.v1alpha1.ProviderModel();
    retiring.setName("gpt-4-turbo");
    retiring.setCapabilities(List.of("chat"));
    retiring.setLifecycle(lifecycle);
    dev.switchboard.api.v1alpha1.ProviderModel successor =
        new dev.switchboard.api.v1alpha1.ProviderModel();
    successor.setName("gpt-5");
    successor.setCapabilities(List.of("chat"));
    peSpec.setModels(List.of(retiring, successor));
    pe.setSpec(peSpec);
    KUBE.client().resource(pe).create();

    dev.switchboard.api.v1alpha1.RoutingPolicy policy =
        new dev.switchboard.api.v1alpha1.RoutingPolicy();
    policy.setMetadata(new ObjectMetaBuilder().withName("standard").withNamespace(ns).build());
    dev.switchboard.api.v1alpha1.RoutingPolicySpec policySpec =
        new dev.switchboard.api.v1alpha1.RoutingPolicySpec();
    policySpec.setStrategy("priority");
    dev.switchboard.api.v1alpha1.PolicyLifecycle policyLifecycle =
        new dev.switchboard.api.v1alpha1.PolicyLifecycle();
    policyLifecycle.setEvaluateSuccessorBefore("720h");
    policySpec.setLifecycle(policyLifecycle);
    policy.setSpec(policySpec);
    KUBE.client().resource(policy).create();

    ModelRoute route = new ModelRoute();
    route.setMetadata(new ObjectMetaBuilder().withName("chat").withNamespace(ns).build());
    ModelRouteSpec spec = new ModelRouteSpec();
    spec.setPolicyRef(ref("standard"));
    RouteTarget target = new RouteTarget();
    target.setProviderRef(ref("openai"));
    target.setModel("gpt-4-turbo");
    spec.setTargets(List.of(target));
    route.setSpec(spec);
    KUBE.client().resource(route).create();

    java.util.function.Supplier<ModelRoute> chat =
        () -> KUBE.client().resources(ModelRoute.class).inNamespace(ns).withName("chat").get();
    java.util.function.Supplier<Optional<Condition>> evaluationReady =
        () -> StatusReads.condition(chat.get(), EvaluationTracker.EVALUATION_READY);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(evaluationReady.get())
                    .hasValueSatisfying(
                        c -> {
                          assertThat(c.getStatus()).isEqualTo("False");
                          assertThat(c.getReason()).isEqualTo("ProviderNotReady");
                          assertThat(c.getMessage())
                              .startsWith(
                                  "automatic evaluation candidate openai/gpt-5: ProviderEndpoint"
                                      + " 'openai' is not ready")
                              .endsWith("the evaluation starts once every candidate resolves");
                        }));
    // No window started, no state kept, no runbook entry.
    assertThat(chat.get().getStatus().getEvaluation()).isNull();
    assertThat(
            KUBE.client()
                .configMaps()
                .inNamespace(ns)
                .withName(EvaluationTracker.STATE_CONFIG_MAP)
                .get())
        .isNull();

    KUBE.client()
        .resource(
            new io.fabric8.kubernetes.api.model.SecretBuilder()
                .withNewMetadata()
                .withName("openai-key")
                .withNamespace(ns)
                .endMetadata()
                .withStringData(java.util.Map.of("apiKey", "sk-openai-test"))
                .build())
        .create();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(evaluationReady.get())
                  .hasValueSatisfying(
                      c -> {
                        assertThat(c.getStatus()).isEqualTo("True");
                        assertThat(c.getReason()).isEqualTo("CandidatesResolved");
                      });
              assertThat(StatusReads.status(chat.get()).getEvaluation())
                  .satisfies(
                      e -> {
                        assertThat(e).isNotNull();
                        assertThat(e.getAutomatic()).isTrue();
                        assertThat(e.getPhase()).isEqualTo("Running");
                      });
            });
  }
}
