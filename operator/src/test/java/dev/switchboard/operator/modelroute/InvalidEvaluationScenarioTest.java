package dev.switchboard.operator.modelroute;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.api.v1alpha1.EvaluationCandidate;
import dev.switchboard.api.v1alpha1.EvaluationSpec;
import dev.switchboard.api.v1alpha1.LocalObjectRef;
import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.ModelRouteSpec;
import dev.switchboard.api.v1alpha1.ProviderEndpoint;
import dev.switchboard.api.v1alpha1.ProviderEndpointSpec;
import dev.switchboard.api.v1alpha1.RouteTarget;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.operator.OperatorSettings;
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
 * A route whose evaluation the gateway would refuse (a sample above 1, which the mock API server
 * lets through as a cluster without the schema would) is the route's own problem: it says so and
 * keeps its last good entry, and every other route of the namespace keeps being published.
 */
class InvalidEvaluationScenarioTest {

  @RegisterExtension
  static final SwitchboardOperatorExtension KUBE =
      new SwitchboardOperatorExtension(OperatorSettings.forMockApiServer());

  private static final String NS = "invalid-evaluation";
  private static final Duration WAIT = Duration.ofSeconds(30);

  private static ModelRoute route(String name, String model) {
    ModelRoute route = new ModelRoute();
    route.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
    ModelRouteSpec spec = new ModelRouteSpec();
    RouteTarget target = new RouteTarget();
    LocalObjectRef ref = new LocalObjectRef();
    ref.setName("vllm");
    target.setProviderRef(ref);
    target.setModel(model);
    spec.setTargets(List.of(target));
    route.setSpec(spec);
    return route;
  }

  private static ModelRoute get(String name) {
    return KUBE.client().resources(ModelRoute.class).inNamespace(NS).withName(name).get();
  }

  private static Optional<Condition> ready(String name) {
    return StatusReads.condition(get(name), "Ready");
  }

  private static Optional<RoutingTable.Route> published(String name) {
    return PublishedReads.route(KUBE.client(), NS, name);
  }

  @Test
  void theBadRouteSaysSoAndEveryOtherRouteKeepsPublishing() {
    ProviderEndpoint vllm = new ProviderEndpoint();
    vllm.setMetadata(new ObjectMetaBuilder().withName("vllm").withNamespace(NS).build());
    ProviderEndpointSpec ps = new ProviderEndpointSpec();
    ps.setProvider("openai-compatible");
    ps.setBaseUrl("http://vllm.example.com/v1");
    vllm.setSpec(ps);
    KUBE.client().resource(vllm).create();
    KUBE.client().resource(route("chat", "llama")).create();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(ready("chat")).map(Condition::getStatus).hasValue("True");
              assertThat(published("chat")).isPresent();
            });

    ModelRoute chat = get("chat");
    EvaluationCandidate candidate = new EvaluationCandidate();
    LocalObjectRef ref = new LocalObjectRef();
    ref.setName("vllm");
    candidate.setProviderRef(ref);
    candidate.setModel("llama-2");
    EvaluationSpec evaluation = new EvaluationSpec();
    evaluation.setCandidates(List.of(candidate));
    evaluation.setSample(1.5);
    chat.getSpec().setEvaluation(evaluation);
    KUBE.client().resource(chat).update();
    KUBE.client().resource(route("other", "mistral")).create();

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(ready("chat"))
                  .hasValueSatisfying(
                      c -> {
                        assertThat(c.getStatus()).isEqualTo("False");
                        assertThat(c.getReason()).isEqualTo("InvalidSpec");
                        assertThat(c.getMessage())
                            .contains("spec.evaluation.sample 1.5 is outside 0..1");
                      });
              assertThat(get("chat").getStatus().getObservedGeneration())
                  .isEqualTo(get("chat").getMetadata().getGeneration());
              assertThat(ready("other")).map(Condition::getStatus).hasValue("True");
              assertThat(published("other")).isPresent();
              // The last good entry of the bad route serves on, without the evaluation.
              assertThat(published("chat"))
                  .hasValueSatisfying(r -> assertThat(r.evaluation()).isNull());
            });
  }
}
