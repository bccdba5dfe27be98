package dev.switchboard.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.ProviderEndpoint;
import dev.switchboard.api.v1alpha1.RoutingPolicy;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.RoutingTableValidator;
import dev.switchboard.operator.testing.Fixtures;
import dev.switchboard.operator.testing.PublishedReads;
import dev.switchboard.operator.testing.StatusReads;
import dev.switchboard.operator.testing.SwitchboardOperatorExtension;
import dev.switchboard.operator.testing.UserEdits;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The shared scenario over every resource in {@code config-samples/} and {@code
 * config-samples/local/}: create → every resource Ready and every route in a valid table → update a
 * route, a policy, a provider and a Secret → await → delete the routes → the table is removed.
 */
class ConfigSamplesScenarioTest {

  @RegisterExtension
  static final SwitchboardOperatorExtension KUBE =
      new SwitchboardOperatorExtension(OperatorSettings.forMockApiServer());

  private static final Path SAMPLES = Path.of("../config-samples");

  private final KubernetesClient client = KUBE.client();

  private static ConditionFactory eventually() {
    return await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "local"})
  void samplesRenderAndFollowChanges(String set) {
    String ns = set.isEmpty() ? "samples" : "samples-" + set;
    List<HasMetadata> items = Fixtures.loadDirectory(SAMPLES.resolve(set), ns);
    items.forEach(item -> client.resource(item).create());
    List<ModelRoute> routes = Fixtures.ofType(items, ModelRoute.class);
    List<ProviderEndpoint> providers = Fixtures.ofType(items, ProviderEndpoint.class);
    List<RoutingPolicy> policies = Fixtures.ofType(items, RoutingPolicy.class);
    assertThat(routes).isNotEmpty();

    eventually()
        .untilAsserted(
            () -> {
              for (HasMetadata item : items) {
                if (item instanceof CustomResource<?, ?>) {
                  assertThat(ready(ns, item))
                      .as("Ready of %s %s", item.getKind(), item.getMetadata().getName())
                      .get()
                      .extracting(Condition::getStatus)
                      .isEqualTo("True");
                }
              }
              RoutingTable table = PublishedReads.presentRoutingTable(client, ns);
              assertThat(RoutingTableValidator.validate(table)).isEmpty();
              assertThat(table.routes())
                  .extracting(RoutingTable.Route::name)
                  .containsExactlyInAnyOrderElementsOf(
                      routes.stream().map(r -> r.getMetadata().getName()).toList());
              assertThat(table.providers().keySet())
                  .containsExactlyInAnyOrderElementsOf(
                      providers.stream().map(p -> p.getMetadata().getName()).toList());
            });

    // Update a route, a policy, a provider and rotate a provider's key.
    String routeName = routes.get(0).getMetadata().getName();
    UserEdits.edit(
        client.resources(ModelRoute.class).inNamespace(ns).withName(routeName),
        r -> {
          r.getSpec().setAliases(List.of("renamed-" + routeName));
          return r;
        });
    String policyName = policies.get(0).getMetadata().getName();
    UserEdits.edit(
        client.resources(RoutingPolicy.class).inNamespace(ns).withName(policyName),
        p -> {
          p.getSpec().setStrategy("least-latency");
          return p;
        });
    ProviderEndpoint keyed =
        providers.stream()
            .filter(p -> p.getSpec().getApiKeySecretRef() != null)
            .findFirst()
            .orElseThrow();
    String providerName = keyed.getMetadata().getName();
    UserEdits.edit(
        client.resources(ProviderEndpoint.class).inNamespace(ns).withName(providerName),
        p -> {
          p.getSpec().setMaxConcurrency(7);
          return p;
        });
    client
        .secrets()
        .inNamespace(ns)
        .withName(keyed.getSpec().getApiKeySecretRef().getName())
        .edit(
            s -> {
              s.setStringData(null);
              s.setData(
                  Map.of(
                      Optional.ofNullable(keyed.getSpec().getApiKeySecretRef().getKey())
                          .orElse("apiKey"),
                      Base64.getEncoder()
                          .encodeToString("rotated".getBytes(StandardCharsets.UTF_8))));
              return s;
            });
    eventually()
        .untilAsserted(
            () -> {
              RoutingTable table = PublishedReads.presentRoutingTable(client, ns);
              assertThat(route(table, routeName).aliases()).containsExactly("renamed-" + routeName);
              assertThat(table.policies().get(policyName).strategy()).isEqualTo("least-latency");
              assertThat(table.providers().get(providerName).maxConcurrency()).isEqualTo(7);
              assertThat(keys(ns)).containsEntry(providerName, "rotated");
            });

    // Delete every route: the empty table and empty keys take their place (never none: gateways
    // keep serving a deleted table).
    routes.forEach(
        r ->
            client
                .resources(ModelRoute.class)
                .inNamespace(ns)
                .withName(r.getMetadata().getName())
                .delete());
    eventually()
        .untilAsserted(
            () -> {
              assertThat(table(ns).map(RoutingTable::routes))
                  .hasValueSatisfying(r -> assertThat(r).isEmpty());
              assertThat(
                      client
                          .secrets()
                          .inNamespace(ns)
                          .withName(RoutingTable.KEYS_SECRET_NAME)
                          .get())
                  .isNotNull();
              assertThat(keys(ns)).isEmpty();
            });
  }

  private Optional<Condition> ready(String ns, HasMetadata item) {
    return StatusReads.condition(
        (CustomResource<?, ?>) client.resource(item).inNamespace(ns).get(), "Ready");
  }

  private Optional<RoutingTable> table(String ns) {
    return PublishedReads.routingTable(client, ns);
  }

  private Map<String, String> keys(String ns) {
    return PublishedReads.providerKeys(client, ns);
  }

  private static RoutingTable.Route route(RoutingTable table, String name) {
    Optional<RoutingTable.Route> route =
        table.routes().stream().filter(r -> r.name().equals(name)).findFirst();
    // An assertion, not orElseThrow: read inside waits, which retry only failed assertions.
    assertThat(route).as("route %s in the published table", name).isPresent();
    return route.get();
  }
}
