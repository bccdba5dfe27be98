package dev.switchboard.gateway.config.kubernetes;

import dev.switchboard.contract.ConsumerTable;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.config.ConfigListener;
import dev.switchboard.gateway.config.ConfigSource;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cluster configuration: informers on the ConfigMap {@code switchboard-routing} (key {@code
 * routing.json}) and the Secrets {@code switchboard-provider-keys} and {@code
 * switchboard-consumer-keys} (hashes of consumer keys only) of one namespace, watched by name
 * through the API so changes arrive in well under a second (a mounted volume lags a minute or
 * more). The only class in the gateway that sees Fabric8. Informer callbacks run on Fabric8's
 * threads; the listener is thread-safe, so no event loop is involved or blocked.
 */
public final class KubernetesConfigSource implements ConfigSource {

  private static final Logger LOG = LoggerFactory.getLogger(KubernetesConfigSource.class);

  private final KubernetesClient client;
  private final String namespace;
  private final boolean ownsClient;
  private SharedIndexInformer<ConfigMap> configMapInformer;
  private SharedIndexInformer<Secret> secretInformer;
  private SharedIndexInformer<Secret> consumerInformer;

  /**
   * @param ownsClient whether {@link #close()} closes the client too
   */
  public KubernetesConfigSource(KubernetesClient client, String namespace, boolean ownsClient) {
    this.client = client;
    this.namespace = namespace;
    this.ownsClient = ownsClient;
  }

  /** A source using the pod's service account (or the local kubeconfig outside a cluster). */
  public static KubernetesConfigSource inCluster(String namespace) {
    return new KubernetesConfigSource(new KubernetesClientBuilder().build(), namespace, true);
  }

  @Override
  public Future<Void> start(ConfigListener listener) {
    String cmOrigin = "configmap/" + namespace + "/" + RoutingTable.CONFIG_MAP_NAME;
    String secretOrigin = "secret/" + namespace + "/" + RoutingTable.KEYS_SECRET_NAME;
    secretInformer =
        client
            .secrets()
            .inNamespace(namespace)
            .withName(RoutingTable.KEYS_SECRET_NAME)
            .runnableInformer(0);
    secretInformer.addEventHandler(
        handler(
            secret -> listener.onProviderKeys(keys(secret), secretOrigin),
            secret -> {
              LOG.warn("{} was deleted: no provider keys are loaded now", secretOrigin);
              listener.onProviderKeys(Map.of(), secretOrigin);
            }));
    configMapInformer =
        client
            .configMaps()
            .inNamespace(namespace)
            .withName(RoutingTable.CONFIG_MAP_NAME)
            .runnableInformer(0);
    configMapInformer.addEventHandler(
        handler(
            cm -> {
              String json =
                  cm.getData() == null ? null : cm.getData().get(RoutingTable.CONFIG_MAP_KEY);
              if (json == null) {
                LOG.warn(
                    "{} has no key {}; keeping the current table",
                    cmOrigin,
                    RoutingTable.CONFIG_MAP_KEY);
                return;
              }
              listener.onRoutingDocument(json.getBytes(StandardCharsets.UTF_8), cmOrigin);
            },
            // Deleting the ConfigMap is not an instruction to stop serving: keep the last table.
            cm -> LOG.warn("{} was deleted; keeping the current table", cmOrigin)));
    String consumerOrigin = "secret/" + namespace + "/" + ConsumerTable.SECRET_NAME;
    consumerInformer =
        client
            .secrets()
            .inNamespace(namespace)
            .withName(ConsumerTable.SECRET_NAME)
            .runnableInformer(0);
    consumerInformer.addEventHandler(
        handler(
            secret -> {
              String json = keys(secret).get(ConsumerTable.SECRET_KEY);
              if (json == null) {
                LOG.warn(
                    "{} has no key {}; keeping the current consumers",
                    consumerOrigin,
                    ConsumerTable.SECRET_KEY);
                return;
              }
              listener.onConsumerTable(json.getBytes(StandardCharsets.UTF_8), consumerOrigin);
            },
            // The operator renders an empty table when the last Consumer goes; a deleted Secret
            // is a mistake, and opening access on a mistake would be worse than keeping the keys.
            secret -> LOG.warn("{} was deleted; keeping the current consumers", consumerOrigin)));
    // Keys and consumers first, so the first table is served with both in force.
    return Future.fromCompletionStage(secretInformer.start())
        .compose(v -> Future.fromCompletionStage(consumerInformer.start()))
        .compose(v -> Future.fromCompletionStage(configMapInformer.start()))
        .mapEmpty();
  }

  private static <T> ResourceEventHandler<T> handler(
      java.util.function.Consumer<T> onUpsert, java.util.function.Consumer<T> onDelete) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T obj) {
        onUpsert.accept(obj);
      }

      @Override
      public void onUpdate(T oldObj, T newObj) {
        onUpsert.accept(newObj);
      }

      @Override
      public void onDelete(T obj, boolean deletedFinalStateUnknown) {
        onDelete.accept(obj);
      }
    };
  }

  /** Provider keys from a Secret: {@code data} (base64) wins over {@code stringData}. */
  static Map<String, String> keys(Secret secret) {
    Map<String, String> keys = new TreeMap<>();
    if (secret.getStringData() != null) {
      keys.putAll(secret.getStringData());
    }
    if (secret.getData() != null) {
      secret
          .getData()
          .forEach(
              (name, value) -> {
                try {
                  keys.put(
                      name, new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8));
                } catch (IllegalArgumentException e) {
                  // Name only: the malformed value may still be (part of) a key.
                  LOG.warn("key {} of the provider-keys Secret is not base64; ignored", name);
                }
              });
    }
    return keys;
  }

  @Override
  public Future<Void> close() {
    if (configMapInformer != null) {
      configMapInformer.close();
    }
    if (secretInformer != null) {
      secretInformer.close();
    }
    if (consumerInformer != null) {
      consumerInformer.close();
    }
    if (ownsClient) {
      client.close();
    }
    return Future.succeededFuture();
  }
}
