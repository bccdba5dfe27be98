package dev.switchboard.operator.render;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.api.v1alpha1.Consumer;
import dev.switchboard.api.v1alpha1.ConsumerSpec;
import dev.switchboard.api.v1alpha1.EvaluationCandidate;
import dev.switchboard.api.v1alpha1.EvaluationSpec;
import dev.switchboard.api.v1alpha1.LocalObjectRef;
import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.ModelRouteSpec;
import dev.switchboard.api.v1alpha1.RouteTarget;
import dev.switchboard.api.v1alpha1.SecretKeyRef;
import dev.switchboard.contract.ConsumerTable;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.operator.consumer.ConsumerTableRenderer;
import dev.switchboard.operator.providerendpoint.CredentialResolver;
import dev.switchboard.operator.status.Problem;
import dev.switchboard.operator.status.Reason;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A consumer opts out of evaluation mirroring with a label a real cluster lets it carry: the
 * Consumer CRD admits only keys matching {@link ConsumerTable#LABEL_KEY_PATTERN}, so the label the
 * operator renders (default or given) must be one of those, and a route naming another is told.
 */
class EvaluationOptOutTest {

  private static final Map<String, RoutingTable.Provider> PROVIDERS =
      Map.of(
          "openai",
          new RoutingTable.Provider(
              "openai",
              "openai",
              "https://api.openai.com/v1",
              true,
              null,
              Map.of(),
              null,
              null,
              null,
              null,
              Map.of()));

  private static ModelRoute route(String optOutLabel, Double sample) {
    EvaluationCandidate candidate = new EvaluationCandidate();
    LocalObjectRef ref = new LocalObjectRef();
    ref.setName("openai");
    candidate.setProviderRef(ref);
    candidate.setModel("gpt-5");
    EvaluationSpec evaluation = new EvaluationSpec();
    evaluation.setCandidates(List.of(candidate));
    evaluation.setOptOutLabel(optOutLabel);
    evaluation.setSample(sample);
    RouteTarget target = new RouteTarget();
    target.setProviderRef(ref);
    target.setModel("gpt-4o-2024-08-06");
    ModelRouteSpec spec = new ModelRouteSpec();
    spec.setTargets(List.of(target));
    spec.setEvaluation(evaluation);
    ModelRoute route = new ModelRoute();
    route.setMetadata(new ObjectMetaBuilder().withName("chat").withNamespace("ns").build());
    route.setSpec(spec);
    return route;
  }

  private static String rendered(ModelRoute route) {
    return EvaluationRendering.of(route, PROVIDERS).orElseThrow().noMirrorLabel();
  }

  @Test
  void theDefaultLabelIsOneAConsumerCanCarryAndReachesTheGatewayOnBothSides() {
    String label = rendered(route(null, null));
    String name = label.substring(0, label.indexOf('='));
    String value = label.substring(label.indexOf('=') + 1);
    assertThat(name).matches(ConsumerTable.LABEL_KEY_PATTERN);

    // The consumer side of the same table pair: its labels are published as given.
    Consumer consumer = new Consumer();
    consumer.setMetadata(new ObjectMetaBuilder().withName("batch").withNamespace("ns").build());
    ConsumerSpec spec = new ConsumerSpec();
    SecretKeyRef key = new SecretKeyRef();
    key.setName("batch-key");
    spec.setKeySecretRefs(List.of(key));
    spec.setLabels(Map.of(name, value));
    consumer.setSpec(spec);
    var secret =
        new SecretBuilder()
            .withNewMetadata()
            .withName("batch-key")
            .withNamespace("ns")
            .endMetadata()
            .withStringData(Map.of("apiKey", "sk-batch-1"))
            .build();
    ConsumerTable table =
        ConsumerTableRenderer.render(
                List.of(consumer), new CredentialResolver((ns, n) -> Optional.of(secret)))
            .table();
    assertThat(table.consumers().get(0).labels()).containsEntry(name, value);
  }

  @Test
  void theLegacyDefaultNoConsumerCouldCarryIsReadAsTheNewOne() {
    assertThat(rendered(route("switchboard.dev/evaluation=opt-out", null)))
        .isEqualTo(RoutingTable.Evaluation.DEFAULT_NO_MIRROR_LABEL);
    assertThat(
            new ModelRouteValidator().validate(route("switchboard.dev/evaluation=opt-out", null)))
        .isEmpty();
    assertThat(rendered(route("tier=batch", null))).isEqualTo("tier=batch");
  }

  @Test
  void anOptOutLabelNoConsumerCanCarryIsAProblemOfTheRoute() {
    ModelRouteValidator validator = new ModelRouteValidator();
    assertThat(validator.validate(route("tier=batch", null))).isEmpty();
    assertThat(validator.validate(route("noMirror", null))).isEmpty();

    List<Problem> problems = validator.validate(route("example.com/tier=batch", null));
    assertThat(problems)
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.reason()).isEqualTo(Reason.INVALID_SPEC);
              assertThat(p.message())
                  .startsWith("spec.evaluation.optOutLabel 'example.com/tier=batch'")
                  .contains("a Consumer can carry");
            });
  }

  @Test
  void anEvaluationSampleOutsideZeroToOneIsAProblemOfTheRoute() {
    // The gateway refuses a table holding it: the route must not reach the table.
    assertThat(new ModelRouteValidator().validate(route(null, 1.5)))
        .singleElement()
        .satisfies(
            p -> assertThat(p.message()).isEqualTo("spec.evaluation.sample 1.5 is outside 0..1"));
    assertThat(new ModelRouteValidator().validate(route(null, 1.0))).isEmpty();
  }
}
