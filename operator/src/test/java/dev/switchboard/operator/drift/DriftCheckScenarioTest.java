package dev.switchboard.operator.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.api.v1alpha1.RoutingPolicy;
import dev.switchboard.operator.OperatorSettings;
import dev.switchboard.operator.status.Conditions;
import dev.switchboard.operator.testing.Fixtures;
import dev.switchboard.operator.testing.SwitchboardOperatorExtension;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The RoutingPolicy controller runs the drift check: without a gateway to ask (this operator has
 * none), the run is recorded in status with its failed requests and {@code Drifted=False
 * NotChecked} — status never claims a comparison that did not happen — and removing the drift check
 * removes its status and condition.
 */
class DriftCheckScenarioTest {

  private static final String NS = "drift-scenario";

  @RegisterExtension
  static final SwitchboardOperatorExtension OPERATOR =
      new SwitchboardOperatorExtension(OperatorSettings.forMockApiServer());

  @Test
  void aDriftCheckWithoutAGatewayIsRecordedAsNotChecked() {
    KubernetesClient client = OPERATOR.client();
    Fixtures.load("fixtures/namespace-basic.yaml", NS).forEach(i -> client.resource(i).create());
    client
        .configMaps()
        .inNamespace(NS)
        .resource(
            new ConfigMapBuilder()
                .withMetadata(new ObjectMetaBuilder().withName("drift-prompts").build())
                .withData(Map.of("a", "What is 2+2?", "b", "Name a prime."))
                .build())
        .create();
    String name = "standard";
    client
        .resources(RoutingPolicy.class)
        .inNamespace(NS)
        .withName(name)
        .edit(
            p -> {
              dev.switchboard.api.v1alpha1.DriftCheck check =
                  new dev.switchboard.api.v1alpha1.DriftCheck();
              check.setSchedule("@daily");
              dev.switchboard.api.v1alpha1.LocalObjectRef ref =
                  new dev.switchboard.api.v1alpha1.LocalObjectRef();
              ref.setName("drift-prompts");
              check.setPromptsConfigMapRef(ref);
              check.setSamples(1);
              p.getSpec().setDriftCheck(check);
              return p;
            });

    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              RoutingPolicy p =
                  client.resources(RoutingPolicy.class).inNamespace(NS).withName(name).get();
              assertThat(p.getStatus().getDrift()).isNotNull();
              assertThat(p.getStatus().getDrift().getResults()).isNotEmpty();
              assertThat(p.getStatus().getDrift().getResults())
                  .allSatisfy(r -> assertThat(r.getFailedRequests()).isEqualTo(2));
              assertThat(p.getStatus().getDrift().getNextRun()).isNotNull();
              var drifted = Conditions.find(p.getStatus().getConditions(), DriftChecker.DRIFTED);
              assertThat(drifted).isPresent();
              assertThat(drifted.get().getStatus()).isEqualTo(Conditions.FALSE);
              assertThat(drifted.get().getReason()).isEqualTo("NotChecked");
            });

    client
        .resources(RoutingPolicy.class)
        .inNamespace(NS)
        .withName(name)
        .edit(
            p -> {
              p.getSpec().setDriftCheck(null);
              return p;
            });
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              RoutingPolicy p =
                  client.resources(RoutingPolicy.class).inNamespace(NS).withName(name).get();
              assertThat(p.getStatus().getDrift()).isNull();
              assertThat(Conditions.find(p.getStatus().getConditions(), DriftChecker.DRIFTED))
                  .isEmpty();
            });
  }
}
