package dev.switchboard.operator.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.contract.ConsumerTable;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.operator.OperatorSettings;
import dev.switchboard.operator.testing.Fixtures;
import dev.switchboard.operator.testing.SwitchboardOperatorExtension;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.time.Duration;
import java.util.Map;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A namespace whose routing table is withdrawn (its last ModelRoute deleted) and that has no
 * Consumer loses the consumer table that only carried the operator's credential, and the operator
 * stops writing it back: nothing is left behind in a namespace the gateways no longer serve.
 * Cluster-wide mode, so both namespaces' Secrets come through one informer, in order.
 */
class OperatorKeyWithdrawnTest {

  private static final String WITHDRAWN = "opkey-withdrawn";
  private static final String ROUTED = "opkey-still-routed";

  @RegisterExtension
  static final SwitchboardOperatorExtension KUBE =
      new SwitchboardOperatorExtension(
          OperatorSettings.forMockApiServer().withUpstreamAllowances(false, true));

  private static ConditionFactory eventually() {
    return await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(50))
        .ignoreExceptions();
  }

  private static Secret consumerKeys(String ns) {
    return KUBE.client().secrets().inNamespace(ns).withName(ConsumerTable.SECRET_NAME).get();
  }

  private static boolean routingTable(String ns) {
    return KUBE.client().configMaps().inNamespace(ns).withName(RoutingTable.CONFIG_MAP_NAME).get()
        != null;
  }

  @Test
  void theOperatorOnlyTableGoesWithTheRoutingTableAndIsNotWrittenBack() {
    for (String ns : new String[] {WITHDRAWN, ROUTED}) {
      Fixtures.load("fixtures/namespace-basic.yaml", ns)
          .forEach(item -> KUBE.client().resource(item).create());
      eventually().until(() -> routingTable(ns) && consumerKeys(ns) != null);
    }

    KUBE.client().resources(ModelRoute.class).inNamespace(WITHDRAWN).delete();
    eventually().until(() -> !routingTable(WITHDRAWN));
    eventually().until(() -> consumerKeys(WITHDRAWN) == null);

    // A table that turns up there again and is deleted by hand is not written back either.
    KUBE.client()
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(ConsumerTable.SECRET_NAME)
                .withNamespace(WITHDRAWN)
                .endMetadata()
                .withStringData(Map.of(ConsumerTable.SECRET_KEY, "{}"))
                .build())
        .createOr(op -> op.update());
    KUBE.client().secrets().inNamespace(WITHDRAWN).withName(ConsumerTable.SECRET_NAME).delete();
    // Barrier: a later deletion in a namespace that still has routes is written back; the events
    // before it, the ones above, have been handled by then.
    KUBE.client().secrets().inNamespace(ROUTED).withName(ConsumerTable.SECRET_NAME).delete();
    eventually().until(() -> consumerKeys(ROUTED) != null);
    assertThat(consumerKeys(WITHDRAWN)).isNull();
    assertThat(routingTable(ROUTED)).isTrue();
  }
}
