package dev.switchboard.operator.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.RoutingTableCodec;
import dev.switchboard.kubemock.EmbeddedKubernetesApi;
import dev.switchboard.operator.render.RenderOutcome;
import dev.switchboard.operator.testing.PublishedReads;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The keys Secret and the routing table are written in an order a gateway can load at any moment:
 * every version of the table finds the keys of the providers it names already in the Secret, and a
 * key leaves the Secret only after the table stopped naming its provider. Observed as the API
 * server's sequence of writes (watch events in resourceVersion order) on the mock API server.
 */
class KeysBeforeTableTest {

  private static final AtomicInteger NAMESPACES = new AtomicInteger();
  private static EmbeddedKubernetesApi api;
  private static KubernetesClient client;
  private final List<HasMetadata> written = new CopyOnWriteArrayList<>();
  private final List<Watch> watches = new ArrayList<>();
  private String ns;

  @BeforeAll
  static void start() {
    api = EmbeddedKubernetesApi.start();
    client = api.client();
  }

  @AfterAll
  static void stop() {
    api.close();
  }

  @BeforeEach
  void watchNamespace() {
    ns = "keys-order-" + NAMESPACES.incrementAndGet();
    watches.add(client.configMaps().inNamespace(ns).watch(recorder()));
    watches.add(client.secrets().inNamespace(ns).watch(recorder()));
  }

  @AfterEach
  void stopWatching() {
    watches.forEach(Watch::close);
  }

  private <T extends HasMetadata> Watcher<T> recorder() {
    return new Watcher<>() {
      @Override
      public void eventReceived(Action action, T resource) {
        if (action == Action.ADDED || action == Action.MODIFIED) {
          written.add(resource);
        }
      }

      @Override
      public void onClose(WatcherException cause) {}
    };
  }

  /** A rendering whose routes each target one of {@code keys}' providers, all with a key. */
  private static RenderOutcome rendering(Map<String, String> keys) {
    Map<String, RoutingTable.Provider> providers = new TreeMap<>();
    List<RoutingTable.Route> routes = new ArrayList<>();
    keys.keySet()
        .forEach(
            name -> {
              providers.put(
                  name,
                  new RoutingTable.Provider(
                      name,
                      "openai",
                      "https://" + name + ".example.com/v1",
                      true,
                      null,
                      Map.of(),
                      new RoutingTable.Timeouts(2000L, 15000L, 120000L, null),
                      null,
                      null,
                      null,
                      Map.of()));
              routes.add(
                  new RoutingTable.Route(
                      "route-" + name,
                      "model-" + name,
                      List.of(),
                      null,
                      1,
                      List.of(new RoutingTable.Target(name, "gpt-4o-2024-08-06", 1, 0)),
                      List.of(),
                      null));
            });
    RoutingTable table =
        RoutingTableCodec.versioned(
            new RoutingTable(RoutingTable.SCHEMA_VERSION, null, "ns", providers, Map.of(), routes));
    return new RenderOutcome(table, RoutingTableCodec.encode(table), keys, Map.of());
  }

  @Test
  void everyTableVersionFindsItsKeysAndKeysGoOnlyAfterTheTableDropsThem() {
    RoutingTablePublisher publisher = new RoutingTablePublisher(client);
    publisher.publish(ns, rendering(Map.of("provider-a", "sk-a")), List.of());
    // A provider added: its key must be there before the table names it.
    publisher.publish(ns, rendering(Map.of("provider-a", "sk-a", "provider-b", "sk-b")), List.of());
    // A provider removed: its key must stay until the table no longer names it.
    RenderOutcome last = rendering(Map.of("provider-b", "sk-b2"));
    publisher.publish(ns, last, List.of());

    String finalVersion =
        client
            .configMaps()
            .inNamespace(ns)
            .withName(RoutingTable.CONFIG_MAP_NAME)
            .get()
            .getMetadata()
            .getResourceVersion();
    String finalKeys =
        client
            .secrets()
            .inNamespace(ns)
            .withName(RoutingTable.KEYS_SECRET_NAME)
            .get()
            .getMetadata()
            .getResourceVersion();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                written.stream()
                    .map(w -> w.getMetadata().getResourceVersion())
                    .toList()
                    .containsAll(List.of(finalVersion, finalKeys)));

    List<HasMetadata> inOrder = new ArrayList<>(written);
    inOrder.sort(
        Comparator.comparingLong(w -> Long.parseLong(w.getMetadata().getResourceVersion())));
    Set<String> tableProviders = new TreeSet<>();
    Map<String, String> keys = Map.of();
    int tableWrites = 0;
    for (HasMetadata write : inOrder) {
      if (write instanceof ConfigMap map
          && RoutingTable.CONFIG_MAP_NAME.equals(map.getMetadata().getName())) {
        tableProviders =
            new TreeSet<>(PublishedReads.routingTable(map).orElseThrow().providers().keySet());
        tableWrites++;
      } else if (write instanceof Secret secret
          && RoutingTable.KEYS_SECRET_NAME.equals(secret.getMetadata().getName())) {
        keys = PublishedReads.providerKeys(secret);
      } else {
        continue;
      }
      assertThat(keys.keySet())
          .as(
              "keys when %s %s (rv %s) landed",
              write.getKind(),
              write.getMetadata().getName(),
              write.getMetadata().getResourceVersion())
          .containsAll(tableProviders);
    }
    assertThat(tableWrites).isEqualTo(3);
    assertThat(tableProviders).containsExactly("provider-b");
    assertThat(keys).isEqualTo(Map.of("provider-b", "sk-b2"));
  }
}
