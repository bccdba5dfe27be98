package dev.switchboard.operator.publish;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.RoutingTableCodec;
import dev.switchboard.kubemock.EmbeddedKubernetesApi;
import dev.switchboard.operator.render.RenderOutcome;
import dev.switchboard.operator.serialization.TolerantSerialization;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Which informer events on the published routing table and keys are changes by others. Every one
 * the publisher calls so forgets what it wrote and reconciles a route of the namespace: one more
 * render and publish, which reads both objects from the API server again.
 */
class RoutingTablePublisherOwnWritesTest {

  private static final String NS = "own-writes";

  /** A table whose routes serve {@code model-<provider>-<generation>}, one per provider. */
  private static RenderOutcome rendering(Map<String, String> keys, int generation) {
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
                      "model-" + name + "-" + generation,
                      List.of(),
                      null,
                      1,
                      List.of(new RoutingTable.Target(name, "gpt-4o-2024-08-06", 1, 0)),
                      List.of(),
                      null));
            });
    RoutingTable table =
        RoutingTableCodec.versioned(
            new RoutingTable(RoutingTable.SCHEMA_VERSION, null, NS, providers, Map.of(), routes));
    return new RenderOutcome(table, RoutingTableCodec.encode(table), keys, Map.of());
  }

  private static ConfigMap table(KubernetesClient client, String namespace) {
    return client.configMaps().inNamespace(namespace).withName(RoutingTable.CONFIG_MAP_NAME).get();
  }

  private static Secret keys(KubernetesClient client) {
    return client.secrets().inNamespace(NS).withName(RoutingTable.KEYS_SECRET_NAME).get();
  }

  /**
   * In a burst the publisher writes again before the informer delivered its previous writes (and a
   * provider removed writes the keys Secret twice in one publish): those events, seen late, used to
   * count as changes by others (they are not the versions last written), and forgot what was
   * written, so the events of the later writes counted too.
   */
  @Test
  void itsOwnWritesSeenLateAreNotChangesByOthersButAnEditIs() {
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      KubernetesClient client = api.client();
      RoutingTablePublisher publisher = new RoutingTablePublisher(client);
      List<HasMetadata> seenLate = new ArrayList<>();

      publisher.publish(NS, rendering(Map.of("provider-a", "sk-a"), 1), List.of());
      seenLate.add(keys(client));
      seenLate.add(table(client, NS));
      publisher.publish(
          NS, rendering(Map.of("provider-a", "sk-a", "provider-b", "sk-b"), 2), List.of());
      seenLate.add(keys(client));
      seenLate.add(table(client, NS));
      RenderOutcome last = rendering(Map.of("provider-b", "sk-b"), 3);
      publisher.publish(NS, last, List.of());
      seenLate.add(keys(client));
      seenLate.add(table(client, NS));

      // The informer delivers the writes' events only now, in order.
      for (HasMetadata own : seenLate) {
        assertThat(publisher.changedByOthers(own))
            .as("its own write %s@%s", own.getKind(), own.getMetadata().getResourceVersion())
            .isFalse();
      }
      // Nothing was forgotten: the same table again costs no write.
      assertThat(publisher.publish(NS, last, List.of())).isZero();

      ConfigMap edited =
          client
              .configMaps()
              .inNamespace(NS)
              .withName(RoutingTable.CONFIG_MAP_NAME)
              .edit(
                  cm -> {
                    cm.getMetadata().setLabels(Map.of("edited", "by-hand"));
                    return cm;
                  });
      assertThat(publisher.changedByOthers(edited)).as("an edit by someone else").isTrue();
      // Now nothing of its own is trusted: an earlier version of its own seen after the edit (an
      // informer relisting) counts as a change too.
      assertThat(publisher.changedByOthers(seenLate.get(seenLate.size() - 1))).isTrue();
      // And the edit is written back.
      assertThat(publisher.publish(NS, last, List.of())).isEqualTo(1);
    }
  }

  /**
   * The informer may deliver the event of a write before the write returns its resourceVersion:
   * that event used to count as a change by others too, and made the publish forget what it wrote.
   * Seen here from the moment the table's update is sent.
   */
  @Test
  void itsWriteSeenBeforeItReturnedIsNotAChangeByOthers() {
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      AtomicReference<RoutingTablePublisher> publisher = new AtomicReference<>();
      AtomicReference<Boolean> changed = new AtomicReference<>();
      AtomicReference<ConfigMap> observed = new AtomicReference<>();
      KubernetesClient client =
          TolerantSerialization.clientBuilder()
              .withConfig(api.clientConfig())
              .withHttpClientFactory(new JdkHttpClientFactory())
              .withHttpClientBuilderConsumer(
                  builder ->
                      builder.addOrReplaceInterceptor(
                          "event-before-answer",
                          new Interceptor() {
                            @Override
                            public void before(
                                BasicBuilder b, HttpRequest request, RequestTags tags) {
                              if (request.method().equals("PUT")
                                  && request.uri().getPath().contains("/configmaps/")
                                  && observed.get() != null) {
                                changed.set(publisher.get().changedByOthers(observed.get()));
                              }
                            }
                          }))
              .build();
      publisher.set(new RoutingTablePublisher(client));
      Map<String, String> keys = Map.of("provider-a", "sk-a");
      publisher.get().publish(NS, rendering(keys, 1), List.of());
      RenderOutcome next = rendering(keys, 2);
      // What the informer reports of the update: its table, a version not known yet (the same
      // table published elsewhere, moved here).
      new RoutingTablePublisher(api.client()).publish("elsewhere", next, List.of());
      ConfigMap seen = table(api.client(), "elsewhere");
      seen.getMetadata().setNamespace(NS);
      seen.getMetadata().setResourceVersion("999999");
      observed.set(seen);

      assertThat(publisher.get().publish(NS, next, List.of())).isEqualTo(1);

      assertThat(changed.get()).as("changed by others, seen during its own update").isFalse();
      // What the publish wrote is still known: publishing it again costs nothing.
      assertThat(publisher.get().publish(NS, next, List.of())).isZero();
      client.close();
    }
  }

  private static List<ConfigMap> shards(KubernetesClient client, String namespace) {
    return client
        .configMaps()
        .inNamespace(namespace)
        .withLabel(RoutingTablePublisher.SHARD_OF_LABEL, RoutingTable.CONFIG_MAP_NAME)
        .list()
        .getItems();
  }

  /**
   * A smaller table leaves shards unused, and the publisher deletes them after the manifest stopped
   * naming them. Their delete events used to count as deletions by others: the publisher forgot
   * what it published, and a route was reconciled for one more render and publish that re-read
   * every object from the API server. Also after a restart, when the shards deleted were read, not
   * written, by this publisher. A shard someone else deletes is still a change by others.
   */
  @Test
  void theShardsItDeletesAreNotDeletionsByOthersButOneDeletedByOthersIs() {
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      KubernetesClient client = api.client();
      RoutingTablePublisher.Limits small = new RoutingTablePublisher.Limits(1024, 4 * 1024, 16);
      RoutingTablePublisher publisher = new RoutingTablePublisher(client, small);
      publisher.publish(NS, RoutingTablePublisherScaleTest.rendering(2_000, "a"), List.of());
      List<ConfigMap> large = shards(client, NS);
      RenderOutcome medium = RoutingTablePublisherScaleTest.rendering(1_000, "b");
      publisher.publish(NS, medium, List.of());
      List<String> kept =
          shards(client, NS).stream().map(cm -> cm.getMetadata().getName()).toList();
      List<ConfigMap> deleted =
          large.stream().filter(cm -> !kept.contains(cm.getMetadata().getName())).toList();
      assertThat(deleted).as("shards the medium table no longer uses").isNotEmpty();
      assertThat(kept).hasSizeGreaterThan(1);

      // The delete events, with the shards as the informer last saw them. Its secondary index maps
      // each through changedByOthers, then the delete filter asks deletedByOthers.
      for (ConfigMap shard : deleted) {
        assertThat(publisher.changedByOthers(shard)).isFalse();
        assertThat(publisher.deletedByOthers(shard))
            .as("its own deletion of %s", shard.getMetadata().getName())
            .isFalse();
      }
      // Nothing was forgotten: the same table again costs no write.
      assertThat(publisher.publish(NS, medium, List.of())).isZero();

      // After a restart the shards are read, not written, by the publisher that deletes them.
      List<ConfigMap> read = shards(client, NS);
      RoutingTablePublisher restarted = new RoutingTablePublisher(client, small);
      RenderOutcome tiny = rendering(Map.of("provider-a", "sk-a"), 1);
      restarted.publish(NS, tiny, List.of());
      assertThat(shards(client, NS)).isEmpty();
      for (ConfigMap shard : read) {
        assertThat(restarted.changedByOthers(shard)).isFalse();
        assertThat(restarted.deletedByOthers(shard)).isFalse();
      }
      assertThat(restarted.publish(NS, tiny, List.of())).isZero();

      // A shard in use deleted by someone else: forgotten, and written back.
      restarted.publish(NS, medium, List.of());
      ConfigMap inUse = shards(client, NS).get(0);
      client.resource(inUse).delete();
      assertThat(restarted.deletedByOthers(inUse)).as("deleted by someone else").isTrue();
      assertThat(restarted.publish(NS, medium, List.of())).isEqualTo(1);
      assertThat(shards(client, NS)).hasSize(kept.size());
    }
  }
}
