package dev.switchboard.operator.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.RoutingTableCodec;
import dev.switchboard.contract.RoutingTableLayout;
import dev.switchboard.kubemock.EmbeddedKubernetesApi;
import dev.switchboard.operator.render.RenderOutcome;
import dev.switchboard.operator.testing.UserEdits;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Large tables against the mock API server, which refuses ConfigMaps over 1 MiB like a real one:
 * 10,000 routes are published compressed, larger tables sharded behind a manifest, and a table
 * beyond the shard limit is refused without a write.
 */
class RoutingTablePublisherScaleTest {

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
    ns = "scale-" + NAMESPACES.incrementAndGet();
  }

  /** A rendering of {@code count} routes, each about as large as a typical rendered route. */
  static RenderOutcome rendering(int count, String salt) {
    RoutingTable.Provider provider =
        new RoutingTable.Provider(
            "openai-prod",
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
    List<RoutingTable.Route> routes = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String name = String.format("team-route-%05d", i);
      routes.add(
          new RoutingTable.Route(
              name,
              name,
              List.of(name + "-" + salt),
              null,
              1,
              List.of(
                  new RoutingTable.Target("openai-prod", "gpt-4o-2024-08-06", 1, 0),
                  new RoutingTable.Target("openai-prod", "gpt-4o-mini-2024-07-18", 1, 1)),
              List.of(),
              null));
    }
    RoutingTable table =
        RoutingTableCodec.versioned(
            new RoutingTable(
                RoutingTable.SCHEMA_VERSION,
                null,
                "ns",
                Map.of("openai-prod", provider),
                Map.of(),
                routes));
    return new RenderOutcome(
        table, RoutingTableCodec.encode(table), Map.of("openai-prod", "sk-test"), Map.of());
  }

  private static List<OwnerReference> owners(int count) {
    return IntStream.range(0, count)
        .mapToObj(
            i ->
                new OwnerReferenceBuilder()
                    .withApiVersion("switchboard.dev/v1alpha1")
                    .withKind("ModelRoute")
                    .withName(String.format("team-route-%05d", i))
                    .withUid(String.format("00000000-0000-0000-0000-%012d", i))
                    .withController(false)
                    .withBlockOwnerDeletion(false)
                    .build())
        .toList();
  }

  private ConfigMap main() {
    return client.configMaps().inNamespace(ns).withName(RoutingTable.CONFIG_MAP_NAME).get();
  }

  private List<String> shardNames() {
    return client
        .configMaps()
        .inNamespace(ns)
        .withLabel(RoutingTablePublisher.SHARD_OF_LABEL, RoutingTable.CONFIG_MAP_NAME)
        .list()
        .getItems()
        .stream()
        .map(cm -> cm.getMetadata().getName())
        .sorted()
        .toList();
  }

  @Test
  void tenThousandRoutesArePublishedCompressedWithBoundedOwners() {
    RenderOutcome big = rendering(10_000, "a");
    // What the mock would refuse (and did not, before it enforced the limit) in the plain form.
    assertThat(big.canonicalJson().length).isGreaterThan(RoutingTableLayout.CONFIG_MAP_LIMIT_BYTES);
    RoutingTablePublisher publisher = new RoutingTablePublisher(client);

    assertThat(publisher.publish(ns, big, owners(10_000))).isEqualTo(2);
    assertThat(publisher.publish(ns, big, owners(10_000))).isZero();

    ConfigMap map = main();
    assertThat(map.getData()).isEmpty();
    assertThat(map.getBinaryData()).containsOnlyKeys(RoutingTableLayout.COMPRESSED_KEY);
    assertThat(map.getMetadata().getOwnerReferences())
        .hasSize(RoutingTablePublisher.MAX_OWNER_REFERENCES);
    assertThat(map.getMetadata().getAnnotations())
        .containsEntry(
            RoutingTablePublisher.CONFIG_VERSION_ANNOTATION, big.table().configVersion());
    // A fresh publisher (an operator restart) reads the same table back, and writes nothing.
    RoutingTablePublisher restarted = new RoutingTablePublisher(client);
    assertThat(restarted.published(ns).table()).hasValue(big.table());
    assertThat(restarted.publish(ns, big, owners(10_000))).isZero();
  }

  @Test
  void aSmallTableKeepsThePlainJsonKey() {
    RenderOutcome small = rendering(3, "a");
    new RoutingTablePublisher(client).publish(ns, small, owners(3));
    assertThat(main().getData())
        .containsExactly(
            Map.entry(
                RoutingTable.CONFIG_MAP_KEY,
                new String(small.canonicalJson(), java.nio.charset.StandardCharsets.UTF_8)));
    assertThat(main().getBinaryData()).isNullOrEmpty();
    assertThat(main().getMetadata().getOwnerReferences()).hasSize(3);
  }

  @Test
  void aTableBeyondOnePieceIsShardedAndShrinkingRemovesTheUnusedShards() {
    RoutingTablePublisher.Limits small = new RoutingTablePublisher.Limits(1024, 8 * 1024, 16);
    RoutingTablePublisher publisher = new RoutingTablePublisher(client, small);
    RenderOutcome large = rendering(2_000, "a");

    publisher.publish(ns, large, owners(2_000));

    RoutingTableLayout.Manifest manifest =
        RoutingTableLayout.manifest(main().getData()).orElseThrow();
    assertThat(manifest.configVersion()).isEqualTo(large.table().configVersion());
    assertThat(shardNames())
        .containsExactlyInAnyOrderElementsOf(
            manifest.shards().stream().map(RoutingTableLayout.ShardRef::name).toList())
        .hasSizeGreaterThan(1);
    RoutingTablePublisher restarted = new RoutingTablePublisher(client, small);
    assertThat(restarted.published(ns).table()).hasValue(large.table());

    // Back to a small table: the plain key, and no shard left behind.
    RenderOutcome tiny = rendering(2, "b");
    restarted.publish(ns, tiny, owners(2));
    assertThat(main().getData()).containsOnlyKeys(RoutingTable.CONFIG_MAP_KEY);
    assertThat(shardNames()).isEmpty();
  }

  @Test
  void whileTheNextTablesShardsAreWrittenThePublishedTableIsStillTheCurrentOne() {
    RoutingTablePublisher.Limits small = new RoutingTablePublisher.Limits(1024, 8 * 1024, 16);
    RoutingTablePublisher publisher = new RoutingTablePublisher(client, small);
    RenderOutcome current = rendering(2_000, "a");
    publisher.publish(ns, current, owners(2_000));

    // The next table's first shard is written, its manifest not yet: the gateways keep serving
    // the current table. The informer reports the shard write (forget), and a route that plans
    // its canary meanwhile reads the published table: it must get the current one, not none (no
    // table made a running canary apply at once, "the route was not published before").
    RenderOutcome next = rendering(2_000, "b");
    RoutingTableLayout.Part firstShard =
        RoutingTableLayout.layout(
                next.canonicalJson(),
                next.table().configVersion(),
                small.plainMaxBytes(),
                small.shardMaxBytes(),
                small.maxShards())
            .shards()
            .get(0);
    UserEdits.edit(
        client.configMaps().inNamespace(ns).withName(firstShard.name()),
        cm -> {
          cm.setBinaryData(
              Map.of(
                  RoutingTableLayout.SHARD_KEY,
                  java.util.Base64.getEncoder()
                      .encodeToString(firstShard.binaryData().get(RoutingTableLayout.SHARD_KEY))));
          return cm;
        });
    publisher.forget(ns);

    assertThat(publisher.published(ns).table().map(RoutingTable::configVersion))
        .hasValue(current.table().configVersion());
    assertThat(publisher.published(ns).keys()).containsEntry("openai-prod", "sk-test");

    // Once the set is complete again it is read as it is.
    publisher.publish(ns, next, owners(2_000));
    publisher.forget(ns);
    assertThat(publisher.published(ns).table().map(RoutingTable::configVersion))
        .hasValue(next.table().configVersion());

    // Deleted by someone else: the gateways keep serving what they hold, and so it stays the
    // published table until it is written back.
    client.configMaps().inNamespace(ns).withName(RoutingTable.CONFIG_MAP_NAME).delete();
    publisher.forget(ns);
    assertThat(publisher.published(ns).table().map(RoutingTable::configVersion))
        .hasValue(next.table().configVersion());
  }

  @Test
  void aTableBeyondTheShardLimitIsRefusedAndTheLastOneStays() {
    RoutingTablePublisher.Limits tight = new RoutingTablePublisher.Limits(1024, 4 * 1024, 2);
    RoutingTablePublisher publisher = new RoutingTablePublisher(client, tight);
    RenderOutcome fits = rendering(2, "a");
    publisher.publish(ns, fits, owners(2));
    String before = main().getMetadata().getResourceVersion();

    RenderOutcome huge = rendering(2_000, "a");
    assertThatThrownBy(() -> publisher.publish(ns, huge, owners(2_000)))
        .isInstanceOfSatisfying(
            RoutingTablePublisher.RoutingTableTooLargeException.class,
            e -> assertThat(e.rendering()).isSameAs(huge))
        .hasMessageContaining("at most 2 are allowed");
    assertThat(main().getMetadata().getResourceVersion()).isEqualTo(before);
    assertThat(shardNames()).isEmpty();
    assertThat(new RoutingTablePublisher(client, tight).published(ns).table())
        .hasValue(fits.table());
  }
}
