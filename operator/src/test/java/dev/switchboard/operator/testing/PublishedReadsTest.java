package dev.switchboard.operator.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.contract.ConsumerTable;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.RoutingTableCodec;
import dev.switchboard.contract.RoutingTableLayout;
import dev.switchboard.kubemock.EmbeddedKubernetesApi;
import dev.switchboard.operator.consumer.ConsumerKeysPublisher;
import dev.switchboard.operator.publish.RoutingTablePublisher;
import dev.switchboard.operator.render.RenderOutcome;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link PublishedReads} reads a table in each of the forms the publisher writes, and what is not
 * published (yet, or not completely) is empty or fails as an assertion, never as an exception that
 * ends a wait.
 */
class PublishedReadsTest {

  private static final AtomicInteger NAMESPACES = new AtomicInteger();
  private static EmbeddedKubernetesApi api;
  private static KubernetesClient client;
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
  void namespace() {
    ns = "published-reads-" + NAMESPACES.incrementAndGet();
  }

  /** A rendering of {@code count} routes on provider "openai" with key "sk-test". */
  private static RenderOutcome rendering(int count) {
    List<RoutingTable.Route> routes = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String name = String.format("route-%04d", i);
      routes.add(
          new RoutingTable.Route(
              name,
              "model-" + name,
              List.of("alias-" + Integer.toHexString(name.hashCode())),
              null,
              1,
              List.of(new RoutingTable.Target("openai", "gpt-4o-2024-08-06", 1, 0)),
              List.of(),
              null));
    }
    RoutingTable.Provider provider =
        new RoutingTable.Provider(
            "openai",
            "openai",
            "https://api.openai.com/v1",
            true,
            null,
            Map.of(),
            new RoutingTable.Timeouts(2000L, 15000L, 120000L, null),
            null,
            null,
            null,
            Map.of());
    RoutingTable table =
        RoutingTableCodec.versioned(
            new RoutingTable(
                RoutingTable.SCHEMA_VERSION,
                null,
                "ns",
                Map.of("openai", provider),
                Map.of(),
                routes));
    return new RenderOutcome(
        table, RoutingTableCodec.encode(table), Map.of("openai", "sk-test"), Map.of());
  }

  private ConfigMap main() {
    return client.configMaps().inNamespace(ns).withName(RoutingTable.CONFIG_MAP_NAME).get();
  }

  @Test
  void aTableIsReadInEachFormThePublisherWrites() {
    RenderOutcome plain = rendering(2);
    new RoutingTablePublisher(client).publish(ns, plain, List.of());
    assertThat(main().getData()).containsOnlyKeys(RoutingTable.CONFIG_MAP_KEY);
    assertThat(PublishedReads.routingTable(client, ns)).hasValue(plain.table());
    assertThat(PublishedReads.routingTable(main())).hasValue(plain.table());

    RenderOutcome compressed = rendering(200);
    new RoutingTablePublisher(client, new RoutingTablePublisher.Limits(1024, 64 * 1024, 8))
        .publish(ns, compressed, List.of());
    assertThat(main().getBinaryData()).containsOnlyKeys(RoutingTableLayout.COMPRESSED_KEY);
    assertThat(PublishedReads.routingTable(client, ns)).hasValue(compressed.table());
    assertThat(PublishedReads.routingTable(main())).hasValue(compressed.table());

    RenderOutcome sharded = rendering(201);
    new RoutingTablePublisher(client, new RoutingTablePublisher.Limits(1024, 1024, 16))
        .publish(ns, sharded, List.of());
    assertThat(RoutingTableLayout.manifest(main().getData()))
        .hasValueSatisfying(m -> assertThat(m.shards()).hasSizeGreaterThan(1));
    assertThat(PublishedReads.routingTable(client, ns)).hasValue(sharded.table());
    assertThat(PublishedReads.presentRoute(client, ns, "route-0200"))
        .isEqualTo(sharded.table().routes().get(200));
    assertThat(PublishedReads.providerKeys(client, ns))
        .containsExactly(Map.entry("openai", "sk-test"));
  }

  @Test
  void whatIsNotPublishedIsEmptyOrFailsAsAnAssertionThatNamesIt() {
    assertThat(PublishedReads.routingTable(client, ns)).isEmpty();
    assertThat(PublishedReads.routingTable(null)).isEmpty();
    assertThat(PublishedReads.route(client, ns, "route-0000")).isEmpty();
    assertThat(PublishedReads.providerKeys(client, ns)).isEmpty();
    assertThat(PublishedReads.consumerTable(client, ns)).isEmpty();
    assertThatThrownBy(() -> PublishedReads.presentRoutingTable(client, ns))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("the routing table published in " + ns);
    assertThatThrownBy(() -> PublishedReads.presentRoute(client, ns, "route-0000"))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("the routing table published in " + ns);
    assertThatThrownBy(() -> PublishedReads.presentConsumerTable(client, ns))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("the consumer table published in " + ns);

    new RoutingTablePublisher(client).publish(ns, rendering(1), List.of());
    assertThat(PublishedReads.route(client, ns, "route-0001")).isEmpty();
    assertThatThrownBy(() -> PublishedReads.presentRoute(client, ns, "route-0001"))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("route route-0001 in the routing table published in " + ns);

    ConsumerTable consumers = new ConsumerTable(ConsumerTable.SCHEMA_VERSION, List.of());
    new ConsumerKeysPublisher(client).publish(ns, consumers, List.of());
    assertThat(PublishedReads.presentConsumerTable(client, ns)).isEqualTo(consumers);
  }

  /** A gateway keeps its table while a shard is missing; a read of it is not complete either. */
  @Test
  void aShardedTableWithAPieceMissingFailsAsAnAssertion() {
    new RoutingTablePublisher(client, new RoutingTablePublisher.Limits(1024, 1024, 16))
        .publish(ns, rendering(201), List.of());
    String shard =
        RoutingTableLayout.manifest(main().getData()).orElseThrow().shards().get(1).name();
    client.configMaps().inNamespace(ns).withName(shard).delete();

    assertThatThrownBy(() -> PublishedReads.routingTable(client, ns))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("the routing table published in " + ns + " is not complete")
        .hasMessageContaining(shard);
    // One ConfigMap as a watch saw it: its shards are not looked up.
    assertThatThrownBy(() -> PublishedReads.routingTable(main()))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("is not complete");
  }
}
