package dev.switchboard.operator.modelroute;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.RoutingTableValidator;
import dev.switchboard.operator.OperatorSettings;
import dev.switchboard.operator.testing.Fixtures;
import dev.switchboard.operator.testing.PublishedReads;
import dev.switchboard.operator.testing.SwitchboardOperatorExtension;
import dev.switchboard.operator.testing.UserEdits;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A watched namespace without ModelRoutes gets a valid empty routing table, so that its gateways
 * become ready on a fresh install (helm --wait, Flux, Argo CD); a table already published is never
 * replaced by an empty one when the operator restarts, unless its routes were deleted meanwhile.
 */
class EmptyNamespaceTableTest {

  private static final String FRESH = "empty-fresh";
  private static final String RESTARTED = "empty-restarted";
  private static final String EMPTIED = "empty-emptied";
  private static final String DELETED = "empty-deleted";

  @RegisterExtension
  static final SwitchboardOperatorExtension KUBE =
      new SwitchboardOperatorExtension(
          OperatorSettings.forMockApiServer()
              .withUpstreamAllowances(false, true)
              .withWatchNamespaces(Set.of(FRESH, RESTARTED, EMPTIED, DELETED)));

  private final KubernetesClient client = KUBE.client();

  private static ConditionFactory eventually() {
    return await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50));
  }

  private ConfigMap tableMap(String namespace) {
    return client.configMaps().inNamespace(namespace).withName(RoutingTable.CONFIG_MAP_NAME).get();
  }

  private Optional<RoutingTable> table(String namespace) {
    return PublishedReads.routingTable(client, namespace);
  }

  private Map<String, String> keysIn(String namespace) {
    return PublishedReads.providerKeys(client, namespace);
  }

  private void awaitReady(String namespace, String route) {
    eventually()
        .untilAsserted(
            () -> {
              ModelRoute current =
                  client.resources(ModelRoute.class).inNamespace(namespace).withName(route).get();
              assertThat(current.getStatus()).isNotNull();
              assertThat(current.getStatus().getObservedGeneration())
                  .isEqualTo(current.getMetadata().getGeneration());
              assertThat(current.getStatus().getConditions())
                  .anySatisfy(
                      c -> {
                        assertThat(c.getType()).isEqualTo("Ready");
                        assertThat(c.getStatus()).isEqualTo("True");
                      });
            });
  }

  @Test
  void aWatchedNamespaceWithoutRoutesGetsAValidEmptyTable() {
    RoutingTable empty = eventually().until(() -> table(FRESH), Optional::isPresent).orElseThrow();

    assertThat(empty.routes()).isEmpty();
    assertThat(empty.providers()).isEmpty();
    assertThat(RoutingTableValidator.validate(empty)).isEmpty();
    assertThat(keysIn(FRESH)).isEmpty();
    // Nothing owns it: garbage collection must not take it away while no route exists.
    assertThat(tableMap(FRESH).getMetadata().getOwnerReferences()).isNullOrEmpty();
  }

  @Test
  void aPublishedTableIsKeptAcrossARestartUnlessItsRoutesWereDeletedMeanwhile() {
    Fixtures.load("fixtures/namespace-basic.yaml", RESTARTED)
        .forEach(item -> client.resource(item).create());
    eventually().until(() -> table(RESTARTED).map(t -> t.routes().size()).orElse(0), n -> n == 2);
    awaitReady(RESTARTED, "chat-default");
    awaitReady(RESTARTED, "reasoning");

    // With its routes: the restart renders the same table and writes nothing.
    KUBE.stopOperator();
    String before = tableMap(RESTARTED).getMetadata().getResourceVersion();
    int writesBefore = KUBE.writes(RESTARTED);
    ModelRoute reasoning =
        client.resources(ModelRoute.class).inNamespace(RESTARTED).withName("reasoning").get();
    int reconciledBefore = KUBE.reconciliations(reasoning);
    KUBE.startOperator();
    eventually()
        .untilAsserted(
            () ->
                assertThat(KUBE.reconciliations(reasoning))
                    .as("reconciled after the restart")
                    .isGreaterThan(reconciledBefore));
    assertThat(tableMap(RESTARTED).getMetadata().getResourceVersion()).isEqualTo(before);
    assertThat(KUBE.writeLog(RESTARTED).subList(writesBefore, KUBE.writes(RESTARTED)))
        .as("writes after the restart")
        .noneMatch(w -> w.contains("/configmaps/" + RoutingTable.CONFIG_MAP_NAME));

    // Without them (deleted while the operator was away, the table not yet collected): those
    // routes are gone, so is what they served. The table used to stay, serving them and their
    // providers' keys until the namespace's next route.
    KUBE.stopOperator();
    client.resources(ModelRoute.class).inNamespace(RESTARTED).delete();
    eventually()
        .until(
            () -> client.resources(ModelRoute.class).inNamespace(RESTARTED).list().getItems(),
            java.util.List::isEmpty);
    KUBE.startOperator();
    // Done before startOperator returned (no leader election here), as publishing empty tables.
    assertThat(table(FRESH)).isPresent();
    assertThat(table(RESTARTED).orElseThrow().routes()).isEmpty();
    assertThat(RoutingTableValidator.validate(table(RESTARTED).orElseThrow())).isEmpty();
    assertThat(keysIn(RESTARTED)).isEmpty();
    assertThat(tableMap(RESTARTED).getMetadata().getOwnerReferences()).isNullOrEmpty();
  }

  @Test
  void aNamespaceWhoseLastRouteIsDeletedKeepsAnEmptyTable() {
    Fixtures.load("fixtures/namespace-basic.yaml", EMPTIED)
        .forEach(item -> client.resource(item).create());
    eventually().until(() -> table(EMPTIED).map(t -> t.routes().size()).orElse(0), n -> n == 2);
    eventually().untilAsserted(() -> assertThat(keysIn(EMPTIED)).isNotEmpty());

    client.resources(ModelRoute.class).inNamespace(EMPTIED).delete();

    eventually()
        .untilAsserted(
            () -> {
              assertThat(table(EMPTIED).map(t -> t.routes().size())).contains(0);
              assertThat(keysIn(EMPTIED)).isEmpty();
            });
    assertThat(RoutingTableValidator.validate(table(EMPTIED).orElseThrow())).isEmpty();
  }

  @Test
  void aDeletedEmptyTableIsWrittenBackAtOnce() {
    eventually().until(() -> table(DELETED), Optional::isPresent);
    eventually()
        .until(
            () ->
                client.secrets().inNamespace(DELETED).withName(RoutingTable.KEYS_SECRET_NAME).get(),
            s -> s != null);

    // No route reconciles in this namespace: before, the table came back only with the next
    // operator start or the namespace's first route, and a gateway started meanwhile never got
    // ready.
    client.configMaps().inNamespace(DELETED).withName(RoutingTable.CONFIG_MAP_NAME).delete();
    RoutingTable back = eventually().until(() -> table(DELETED), Optional::isPresent).orElseThrow();
    assertThat(back.routes()).isEmpty();
    assertThat(RoutingTableValidator.validate(back)).isEmpty();

    client.secrets().inNamespace(DELETED).withName(RoutingTable.KEYS_SECRET_NAME).delete();
    eventually()
        .until(
            () ->
                client.secrets().inNamespace(DELETED).withName(RoutingTable.KEYS_SECRET_NAME).get(),
            s -> s != null);
    assertThat(keysIn(DELETED)).isEmpty();

    // An edit by others is undone the same way.
    UserEdits.edit(
        client.configMaps().inNamespace(DELETED).withName(RoutingTable.CONFIG_MAP_NAME),
        cm -> {
          cm.getData().put(RoutingTable.CONFIG_MAP_KEY, "{\"edited\":true}");
          return cm;
        });
    // The edited document decodes (unknown fields are ignored) and fails validation until the
    // operator writes the table back.
    eventually()
        .untilAsserted(
            () ->
                assertThat(table(DELETED))
                    .as("the routing table in %s", DELETED)
                    .hasValueSatisfying(
                        t -> assertThat(RoutingTableValidator.validate(t)).isEmpty()));
  }
}
