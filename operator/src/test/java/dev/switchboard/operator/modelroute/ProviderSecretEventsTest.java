package dev.switchboard.operator.modelroute;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.operator.OperatorSettings;
import dev.switchboard.operator.publish.RoutingTablePublisher;
import dev.switchboard.operator.testing.SwitchboardOperatorExtension;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Which events of a provider's key Secret reconcile the routes using it. At operator start the
 * Secret informer delivers an ADD event for every Secret during or after the first reconciles,
 * which read the same versions from its cache: each reconciled the routes of the providers using it
 * a second time (measured: every route twice in a quarter of the restarts), for a table and
 * statuses that could not change. A rotated key and a deleted Secret still reconcile them.
 */
class ProviderSecretEventsTest {

  @RegisterExtension
  static final SwitchboardOperatorExtension KUBE =
      new SwitchboardOperatorExtension(
          OperatorSettings.forMockApiServer().withUpstreamAllowances(false, true));

  private static final String NS = "provider-secret-events";

  @Test
  void onlyAVersionNotReadOrADeletionReconcilesTheRoutesUsingTheSecret() {
    KubernetesClient client = KUBE.client();
    for (int p = 0; p < 2; p++) {
      client.resource(secret("key-" + p, "sk-" + p)).create();
      client
          .resource(
              """
              apiVersion: switchboard.dev/v1alpha1
              kind: ProviderEndpoint
              metadata: {name: provider-%d, namespace: provider-secret-events}
              spec:
                provider: openai-compatible
                baseUrl: "http://10.0.0.%d:8000/v1"
                apiKeySecretRef: {name: key-%d}
              """
                  .formatted(p, p + 1, p))
          .create();
    }
    for (int i = 0; i < 4; i++) {
      client
          .resource(
              """
              apiVersion: switchboard.dev/v1alpha1
              kind: ModelRoute
              metadata: {name: route-%d, namespace: provider-secret-events}
              spec:
                targets: [{providerRef: {name: provider-%d}, model: m}]
              """
                  .formatted(i, i % 2))
          .create();
    }
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              for (int i = 0; i < 4; i++) {
                assertThat(ready(client, "route-" + i)).isEqualTo("True");
              }
            });
    ModelRouteReconciler routes = KUBE.operator().modelRoutes();
    Set<ResourceID> ofProvider0 = Set.of(id("route-0"), id("route-2"));
    Set<ResourceID> ofProvider1 = Set.of(id("route-1"), id("route-3"));

    // The events of the versions every reconcile read (as the initial list's ADD events come).
    assertThat(routes.routesUsingSecret(read(client, "key-0")))
        .as("an event of the version every reconcile read")
        .isEmpty();
    assertThat(routes.routesUsingSecret(read(client, "key-1"))).isEmpty();

    // A rotated key: its routes are reconciled and the new key published.
    Secret rotated = client.resource(secret("key-0", "sk-0-rotated")).inNamespace(NS).update();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> assertThat(publishedKeys(client)).containsEntry("provider-0", "sk-0-rotated"));
    assertThat(routes.routesUsingSecret(rotated))
        .as("read at two versions: no later event of it is taken for nothing new")
        .isEqualTo(ofProvider0);

    // A deleted Secret: its routes lose the provider's key.
    Secret deleted = read(client, "key-1");
    client.resource(deleted).delete();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              assertThat(ready(client, "route-1")).isEqualTo("False");
              assertThat(ready(client, "route-3")).isEqualTo("False");
            });
    assertThat(routes.routesUsingSecret(deleted)).isEqualTo(ofProvider1);
  }

  private static Secret secret(String name, String key) {
    return new io.fabric8.kubernetes.api.model.SecretBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(NS)
        .endMetadata()
        .withStringData(Map.of("apiKey", key))
        .build();
  }

  private static Secret read(KubernetesClient client, String name) {
    return client.secrets().inNamespace(NS).withName(name).get();
  }

  private static Map<String, String> publishedKeys(KubernetesClient client) {
    return RoutingTablePublisher.decodedKeys(
        client.secrets().inNamespace(NS).withName(RoutingTable.KEYS_SECRET_NAME).get());
  }

  private static ResourceID id(String route) {
    return new ResourceID(route, NS);
  }

  private static String ready(KubernetesClient client, String name) {
    ModelRoute route = client.resources(ModelRoute.class).inNamespace(NS).withName(name).get();
    if (route == null || route.getStatus() == null || route.getStatus().getConditions() == null) {
      return "Unknown";
    }
    return route.getStatus().getConditions().stream()
        .filter(c -> c.getType().equals("Ready"))
        .map(c -> c.getStatus())
        .findFirst()
        .orElse("Unknown");
  }
}
