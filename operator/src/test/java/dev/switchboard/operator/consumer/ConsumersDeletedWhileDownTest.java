package dev.switchboard.operator.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.api.v1alpha1.Consumer;
import dev.switchboard.contract.ConsumerTable;
import dev.switchboard.operator.OperatorSettings;
import dev.switchboard.operator.testing.PublishedReads;
import dev.switchboard.operator.testing.SwitchboardOperatorExtension;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The last Consumer of a namespace deleted while no operator ran: no Consumer is left to reconcile
 * and, without routes there, no routing table is published, so nothing else would render the
 * namespace again. The restarted operator publishes its table without the deleted consumer once its
 * informers have synced (the mock API server, like a cluster whose garbage collector has not got to
 * it yet, keeps the table that the deleted Consumer owned). Cluster-wide, the namespace not one the
 * operator always publishes to.
 */
class ConsumersDeletedWhileDownTest {

  private static final String NS = "consumer-gone-meanwhile";

  @RegisterExtension
  static final SwitchboardOperatorExtension KUBE =
      new SwitchboardOperatorExtension(
          OperatorSettings.forMockApiServer().withUpstreamAllowances(false, true));

  private static ConditionFactory eventually() {
    return await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50));
  }

  @Test
  void theRestartedOperatorPublishesTheTableWithoutTheConsumerDeletedMeanwhile() {
    KUBE.client()
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("app-key")
                .withNamespace(NS)
                .endMetadata()
                .withStringData(Map.of("apiKey", "sk-gone"))
                .build())
        .create();
    KUBE.client()
        .resource(
            ConsumerScenarioTest.consumer(
                NS, "app", List.of(ConsumerScenarioTest.ref("app-key", "apiKey")), null))
        .create();
    eventually()
        .untilAsserted(
            () ->
                assertThat(PublishedReads.consumerTable(KUBE.client(), NS))
                    .hasValueSatisfying(t -> assertThat(t.consumers()).hasSize(1)));

    KUBE.stopOperator();
    KUBE.client().resources(Consumer.class).inNamespace(NS).withName("app").delete();
    eventually()
        .until(
            () ->
                KUBE.client().resources(Consumer.class).inNamespace(NS).withName("app").get()
                    == null);
    KUBE.startOperator();

    eventually()
        .untilAsserted(
            () ->
                assertThat(PublishedReads.consumerTable(KUBE.client(), NS))
                    .hasValueSatisfying(
                        t -> {
                          assertThat(t.consumers()).isEmpty();
                          assertThat(t.operatorKeySha256()).hasSize(1);
                        }));
    assertThat(
            KUBE.client()
                .secrets()
                .inNamespace(NS)
                .withName(ConsumerTable.SECRET_NAME)
                .get()
                .getMetadata()
                .getOwnerReferences())
        .isEmpty();
  }
}
