package dev.switchboard.operator.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.contract.ConsumerTable;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.operator.OperatorSettings;
import dev.switchboard.operator.testing.Fixtures;
import dev.switchboard.operator.testing.PublishedReads;
import dev.switchboard.operator.testing.SwitchboardOperatorExtension;
import io.fabric8.kubernetes.api.model.Secret;
import java.time.Duration;
import java.util.Optional;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A namespace whose last ModelRoute is deleted keeps a routing table, the empty one, and so its
 * gateways keep serving one: the consumer table that only carries the operator's credential stays
 * too, and is still written back when someone else deletes it. Cluster-wide mode, the namespace not
 * one the operator always publishes to.
 */
class OperatorKeyKeptWithTheEmptyTableTest {

  private static final String NS = "opkey-emptied";

  @RegisterExtension
  static final SwitchboardOperatorExtension KUBE =
      new SwitchboardOperatorExtension(
          OperatorSettings.forMockApiServer().withUpstreamAllowances(false, true));

  private static ConditionFactory eventually() {
    return await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50));
  }

  private static Secret consumerKeys() {
    return KUBE.client().secrets().inNamespace(NS).withName(ConsumerTable.SECRET_NAME).get();
  }

  /** The published routing table; empty before the first is published. */
  private static Optional<RoutingTable> routingTable() {
    return PublishedReads.routingTable(KUBE.client(), NS);
  }

  @Test
  void theOperatorOnlyTableStaysWithTheEmptyRoutingTableAndIsWrittenBack() {
    Fixtures.load("fixtures/namespace-basic.yaml", NS)
        .forEach(item -> KUBE.client().resource(item).create());
    eventually()
        .untilAsserted(
            () -> {
              assertThat(routingTable()).hasValueSatisfying(t -> assertThat(t.routes()).hasSize(2));
              assertThat(consumerKeys()).as("consumer table").isNotNull();
            });

    KUBE.client().resources(ModelRoute.class).inNamespace(NS).delete();
    eventually()
        .untilAsserted(
            () ->
                assertThat(routingTable())
                    .hasValueSatisfying(t -> assertThat(t.routes()).isEmpty()));
    assertThat(consumerKeys()).isNotNull();

    KUBE.client().secrets().inNamespace(NS).withName(ConsumerTable.SECRET_NAME).delete();
    eventually().until(() -> consumerKeys() != null);
    assertThat(routingTable()).hasValueSatisfying(t -> assertThat(t.routes()).isEmpty());
  }
}
