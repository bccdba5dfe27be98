package dev.switchboard.operator.modelroute;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.operator.OperatorSettings;
import dev.switchboard.operator.render.RenderMemo;
import dev.switchboard.operator.testing.PublishedReads;
import dev.switchboard.operator.testing.StatusReads;
import dev.switchboard.operator.testing.SwitchboardOperatorExtension;
import dev.switchboard.operator.testing.UserEdits;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue #21 through the real reconciler and API server: with many routes Ready, changing one route
 * re-renders that route, not the namespace (counted, not timed), and every route's Ready status was
 * written after a table holding its entry was published.
 */
class IncrementalReconcileScenarioTest {

  @RegisterExtension
  static final SwitchboardOperatorExtension KUBE =
      new SwitchboardOperatorExtension(
          OperatorSettings.forMockApiServer().withUpstreamAllowances(false, true));

  private static final String NS = "incremental";
  private static final int ROUTES = 60;

  @Test
  void changingOneRouteAmongManyRendersThatRouteOnly() {
    KubernetesClient client = KUBE.client();
    client
        .resource(
            """
            apiVersion: switchboard.dev/v1alpha1
            kind: ProviderEndpoint
            metadata: {name: upstream, namespace: incremental}
            spec: {provider: openai-compatible, baseUrl: "http://10.0.0.1:8000/v1"}
            """)
        .create();
    for (int i = 0; i < ROUTES; i++) {
      client.resource(route(i, "m")).create();
    }
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              assertThat(readyRoutes(client)).hasSize(ROUTES);
              assertThat(publishedRoutes(client)).hasSize(ROUTES);
            });
    RenderMemo memo = KUBE.operator().renderMemo(NS);
    // Every route was rendered at least once; status writes render nothing (the memo keys on
    // generations), so only the renders of routes created while others rendered come on top.
    assertThat(memo.routeRenders()).isBetween((long) ROUTES, 3L * ROUTES);
    long routesBefore = memo.routeRenders();

    UserEdits.edit(
        client.resources(ModelRoute.class).inNamespace(NS).withName("route-07"),
        r -> {
          r.getSpec().getTargets().get(0).setModel("changed");
          return r;
        });
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              ModelRoute route =
                  client.resources(ModelRoute.class).inNamespace(NS).withName("route-07").get();
              assertThat(StatusReads.status(route).getObservedGeneration()).isEqualTo(2L);
            });
    // Read once, not awaited: the status for generation 2 is written only after the table that
    // serves generation 2 was published.
    assertThat(publishedRoutes(client))
        .filteredOn(r -> r.name().equals("route-07"))
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.revision()).isEqualTo(2L);
              assertThat(r.targets().get(0).model()).isEqualTo("changed");
            });

    // The spec change renders route-07 once; the status write it causes renders nothing, and
    // neither do the status writes of other routes or of the provider still arriving.
    assertThat(memo.routeRenders() - routesBefore).isEqualTo(1L);
  }

  private static String route(int i, String model) {
    return """
        apiVersion: switchboard.dev/v1alpha1
        kind: ModelRoute
        metadata: {name: route-%02d, namespace: incremental}
        spec:
          targets: [{providerRef: {name: upstream}, model: %s}]
        """
        .formatted(i, model);
  }

  private static List<ModelRoute> readyRoutes(KubernetesClient client) {
    return client.resources(ModelRoute.class).inNamespace(NS).list().getItems().stream()
        .filter(
            r ->
                r.getStatus() != null
                    && r.getStatus().getConditions() != null
                    && r.getStatus().getConditions().stream()
                        .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True")))
        .toList();
  }

  private static List<RoutingTable.Route> publishedRoutes(KubernetesClient client) {
    return PublishedReads.routingTable(client, NS).map(RoutingTable::routes).orElse(List.of());
  }
}
