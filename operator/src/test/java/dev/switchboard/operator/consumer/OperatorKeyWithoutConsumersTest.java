package dev.switchboard.operator.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.api.v1alpha1.Consumer;
import dev.switchboard.contract.ConsumerTable;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.operator.OperatorSettings;
import dev.switchboard.operator.testing.Fixtures;
import dev.switchboard.operator.testing.PublishedReads;
import dev.switchboard.operator.testing.SwitchboardOperatorExtension;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The operator's drift credential is published wherever gateways get a routing table, Consumers or
 * not: a consumer table with no consumer (the public API stays keyless) but the credential's hash
 * (the admin port's drift entry answers the operator only). Without it a gateway's drift entry,
 * which spends on a target of the caller's choosing, would be guarded by the network policy alone.
 */
class OperatorKeyWithoutConsumersTest {

  private static final String EMPTY = "opkey-empty";
  private static final String ROUTED = "opkey-routed";
  private static final String CONSUMED = "opkey-consumed";

  @RegisterExtension
  static final SwitchboardOperatorExtension KUBE =
      new SwitchboardOperatorExtension(
          OperatorSettings.forMockApiServer()
              .withUpstreamAllowances(false, true)
              .withWatchNamespaces(Set.of(EMPTY, ROUTED, CONSUMED)));

  private static ConditionFactory eventually() {
    return await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50));
  }

  private static Optional<ConsumerTable> table(String ns) {
    return PublishedReads.consumerTable(KUBE.client(), ns);
  }

  private static String operatorHashIn(String ns) {
    ConsumerTable table = eventually().until(() -> table(ns), Optional::isPresent).orElseThrow();
    assertThat(table.consumers()).as("consumers in %s", ns).isEmpty();
    assertThat(table.operatorKeySha256()).as("operator key in %s", ns).hasSize(1);
    return table.operatorKeySha256().get(0);
  }

  @Test
  void namespacesWithoutConsumersGetTheOperatorsCredentialAndKeepIt() {
    // A fresh namespace with neither routes nor Consumers (its empty routing table makes the
    // gateways ready), and one with routes.
    String hash = operatorHashIn(EMPTY);
    assertThat(hash).matches("[0-9a-f]{64}");
    Fixtures.load("fixtures/namespace-basic.yaml", ROUTED)
        .forEach(item -> KUBE.client().resource(item).create());
    eventually()
        .until(
            () ->
                KUBE.client()
                    .configMaps()
                    .inNamespace(ROUTED)
                    .withName(RoutingTable.CONFIG_MAP_NAME)
                    .get(),
            cm -> cm != null);
    assertThat(operatorHashIn(ROUTED)).isEqualTo(hash);

    // A table deleted by someone else comes back: no Consumer reconciles to write it. Until then
    // there is no table, which fails the assertion (and the wait goes on).
    KUBE.client().secrets().inNamespace(EMPTY).withName(ConsumerTable.SECRET_NAME).delete();
    eventually()
        .untilAsserted(
            () ->
                assertThat(table(EMPTY))
                    .as("consumer table in %s", EMPTY)
                    .hasValueSatisfying(
                        t -> assertThat(t.operatorKeySha256()).containsExactly(hash)));
  }

  @Test
  void theLastConsumerGoingLeavesTheCredentialInForce() {
    KUBE.client()
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("app-key")
                .withNamespace(CONSUMED)
                .endMetadata()
                .withStringData(Map.of("apiKey", "sk-app"))
                .build())
        .create();
    KUBE.client()
        .resource(
            ConsumerScenarioTest.consumer(
                CONSUMED, "app", List.of(ConsumerScenarioTest.ref("app-key", "apiKey")), null))
        .create();
    eventually()
        .untilAsserted(
            () ->
                assertThat(table(CONSUMED))
                    .as("consumer table in %s", CONSUMED)
                    .hasValueSatisfying(t -> assertThat(t.consumers()).hasSize(1)));
    String hash = table(CONSUMED).orElseThrow().operatorKeySha256().get(0);

    KUBE.client().resources(Consumer.class).inNamespace(CONSUMED).withName("app").delete();

    eventually()
        .untilAsserted(
            () ->
                assertThat(table(CONSUMED))
                    .as("consumer table in %s", CONSUMED)
                    .hasValueSatisfying(
                        table -> {
                          assertThat(table.consumers()).isEmpty();
                          assertThat(table.operatorKeySha256()).containsExactly(hash);
                        }));
  }
}
