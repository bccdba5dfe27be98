package dev.switchboard.operator.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.ConsumerTable;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.RoutingTableCodec;
import dev.switchboard.contract.RoutingTableLayout;
import dev.switchboard.operator.publish.RoutingTablePublisher;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Reads of what the operator publishes for the gateways, safe inside Awaitility waits: the routing
 * table ConfigMap, the provider keys Secret and the consumer table Secret.
 *
 * <p>The routing table is read as a gateway reads it, through {@link RoutingTableLayout#read}:
 * plain, compressed or sharded. The {@code Optional} reads are empty while nothing is published, so
 * that both "published" and "gone" can be awaited; the {@code present…} reads fail as an assertion
 * that names what is missing, so that {@code untilAsserted} goes on (as with {@link StatusReads},
 * where {@code orElseThrow()} or a chained read ends the wait at once). A sharded table whose
 * pieces are not all written yet is neither: it fails as an assertion, as a gateway keeps its
 * previous table meanwhile.
 */
public final class PublishedReads {

  private PublishedReads() {}

  /** The routing table published in the namespace; empty while there is none. */
  public static Optional<RoutingTable> routingTable(KubernetesClient client, String namespace) {
    ConfigMap main =
        client.configMaps().inNamespace(namespace).withName(RoutingTable.CONFIG_MAP_NAME).get();
    return read(
        main, shard -> client.configMaps().inNamespace(namespace).withName(shard).get(), namespace);
  }

  /** The routing table published in the namespace, asserted to be there. */
  public static RoutingTable presentRoutingTable(KubernetesClient client, String namespace) {
    Optional<RoutingTable> table = routingTable(client, namespace);
    assertThat(table).as("the routing table published in %s", namespace).isPresent();
    return table.get();
  }

  /** A route of the routing table published in the namespace; empty while it is not published. */
  public static Optional<RoutingTable.Route> route(
      KubernetesClient client, String namespace, String name) {
    return routingTable(client, namespace).flatMap(t -> route(t, name));
  }

  /** A route of the routing table published in the namespace, asserted to be there. */
  public static RoutingTable.Route presentRoute(
      KubernetesClient client, String namespace, String name) {
    Optional<RoutingTable.Route> route = route(presentRoutingTable(client, namespace), name);
    assertThat(route)
        .as("route %s in the routing table published in %s", name, namespace)
        .isPresent();
    return route.get();
  }

  /**
   * The routing table one ConfigMap holds (as a watch saw it, say): plain or compressed; empty when
   * there is no ConfigMap or it holds none of the table's keys. Its shards are not looked up: a
   * sharded one fails as an assertion.
   */
  public static Optional<RoutingTable> routingTable(ConfigMap main) {
    return read(
        main,
        shard -> null,
        main == null ? "a missing ConfigMap" : main.getMetadata().getNamespace());
  }

  /**
   * The provider keys Secret of the namespace, decoded (provider → key); empty while there is none.
   */
  public static Map<String, String> providerKeys(KubernetesClient client, String namespace) {
    return providerKeys(
        client.secrets().inNamespace(namespace).withName(RoutingTable.KEYS_SECRET_NAME).get());
  }

  /** A provider keys Secret, decoded (provider → key); empty for none or an empty one. */
  public static Map<String, String> providerKeys(Secret secret) {
    return RoutingTablePublisher.decodedKeys(secret);
  }

  /** The consumer table published in the namespace; empty while there is none. */
  public static Optional<ConsumerTable> consumerTable(KubernetesClient client, String namespace) {
    Secret secret =
        client.secrets().inNamespace(namespace).withName(ConsumerTable.SECRET_NAME).get();
    if (secret == null
        || secret.getData() == null
        || secret.getData().get(ConsumerTable.SECRET_KEY) == null) {
      return Optional.empty();
    }
    return Optional.of(
        ConsumerTable.parse(
            Base64.getDecoder().decode(secret.getData().get(ConsumerTable.SECRET_KEY))));
  }

  /** The consumer table published in the namespace, asserted to be there. */
  public static ConsumerTable presentConsumerTable(KubernetesClient client, String namespace) {
    Optional<ConsumerTable> table = consumerTable(client, namespace);
    assertThat(table).as("the consumer table published in %s", namespace).isPresent();
    return table.get();
  }

  private static Optional<RoutingTable.Route> route(RoutingTable table, String name) {
    return table.routes().stream().filter(r -> r.name().equals(name)).findFirst();
  }

  private static Optional<RoutingTable> read(
      ConfigMap main, Function<String, ConfigMap> shards, String namespace) {
    if (main == null) {
      return Optional.empty();
    }
    try {
      return RoutingTableLayout.read(
              main.getData(),
              RoutingTablePublisher.binary(main),
              name ->
                  Optional.ofNullable(shards.apply(name))
                      .map(
                          shard ->
                              RoutingTablePublisher.binary(shard)
                                  .get(RoutingTableLayout.SHARD_KEY)))
          .map(RoutingTableCodec::decode);
    } catch (RoutingTableLayout.IncompleteTableException e) {
      throw new AssertionError(
          "the routing table published in " + namespace + " is not complete: " + e.getMessage(), e);
    }
  }
}
