package dev.switchboard.gateway.config.kubernetes;

import dev.switchboard.contract.ConsumerTable;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.RoutingTableCodec;
import dev.switchboard.contract.RoutingTableLayout;
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
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cluster configuration: informers on the ConfigMap {@code switchboard-routing} (key {@code
 * routing.json}) and the Secrets {@code switchboard-provider-keys} and {@code
 * switchboard-consumer-keys} (hashes of consumer keys only) of one namespace, watched by name
 * through the API so changes arrive in well under a second (a mounted volume lags a minute or
 * more). The only class in the gateway that sees Fabric8. Informer callbacks run on Fabric8's
 * threads; the listener is thread-safe, so no event loop is involved or blocked.
 *
 * <p>A large table arrives compressed ({@code binaryData.routing.json.gz}) or sharded: then the
 * ConfigMap holds a manifest naming {@code switchboard-routing-<n>} shards with their digests
 * ({@link RoutingTableLayout}). The shards are read by name on a thread of this source and the
 * table is handed on only when every shard matches the manifest; until then (the operator writes
 * the shards first, but a reader may be faster) the current table keeps serving and the read is
 * retried, unless a newer manifest arrived meanwhile.
 */
public final class KubernetesConfigSource implements ConfigSource {

  private static final Logger LOG = LoggerFactory.getLogger(KubernetesConfigSource.class);

  private final KubernetesClient client;
  private final String namespace;
  private final boolean ownsClient;
  private SharedIndexInformer<ConfigMap> configMapInformer;
  private SharedIndexInformer<Secret> secretInformer;
  private SharedIndexInformer<Secret> consumerInformer;
  private ScheduledExecutorService shardReader;

  /**
   * Counts routing ConfigMap versions that carry a table; a read of an older one is not applied.
   */
  private final AtomicLong routingEvents = new AtomicLong();

  /** How often and how far apart an incomplete shard set is read again. */
  static final int SHARD_READ_ATTEMPTS = 40;

  static final long SHARD_RETRY_MS = 250;

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
    shardReader =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread thread = new Thread(r, "switchboard-routing-shards");
              thread.setDaemon(true);
              return thread;
            });
    configMapInformer.addEventHandler(
        handler(
            cm -> onRoutingConfigMap(cm, listener, cmOrigin),
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

  private void onRoutingConfigMap(ConfigMap cm, ConfigListener listener, String origin) {
    Map<String, String> data = cm.getData() == null ? Map.of() : cm.getData();
    String json = data.get(RoutingTable.CONFIG_MAP_KEY);
    if (json != null) {
      long event = routingEvents.incrementAndGet();
      // Through the same single thread as large tables, so an older large table still being
      // read can never be applied after this newer one.
      byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
      shardReader.execute(
          () -> {
            if (routingEvents.get() == event) {
              listener.onRoutingDocument(bytes, origin);
            }
          });
      return;
    }
    Map<String, byte[]> binary = binary(cm);
    if (!binary.containsKey(RoutingTableLayout.COMPRESSED_KEY)
        && !data.containsKey(RoutingTableLayout.MANIFEST_KEY)) {
      // A rejected reload (metric, lastReload), as an unreadable table is, not only a WARN: the
      // ConfigMap no longer says what to serve, and whoever emptied it should see that.
      long event = routingEvents.incrementAndGet();
      String problem =
          "has none of the keys "
              + RoutingTable.CONFIG_MAP_KEY
              + ", "
              + RoutingTableLayout.COMPRESSED_KEY
              + ", "
              + RoutingTableLayout.MANIFEST_KEY;
      shardReader.execute(() -> unreadable(listener, origin, event, problem));
      return;
    }
    // Decompressing a large table and reading shards is not for the informer's thread.
    long event = routingEvents.incrementAndGet();
    shardReader.execute(() -> readLarge(data, binary, listener, origin, event, 1));
  }

  private void readLarge(
      Map<String, String> data,
      Map<String, byte[]> binary,
      ConfigListener listener,
      String origin,
      long event,
      int attempt) {
    if (routingEvents.get() != event) {
      return; // a newer version of the ConfigMap is being read
    }
    byte[] table;
    try {
      table = RoutingTableLayout.read(data, binary, this::shardPiece).orElseThrow();
    } catch (RoutingTableLayout.IncompleteTableException e) {
      if (attempt >= SHARD_READ_ATTEMPTS) {
        unreadable(listener, origin, event, e.getMessage());
        return;
      }
      LOG.debug("{}: {}; reading the shards again", origin, e.getMessage());
      shardReader.schedule(
          () -> readLarge(data, binary, listener, origin, event, attempt + 1),
          SHARD_RETRY_MS,
          TimeUnit.MILLISECONDS);
      return;
    } catch (RoutingTableCodec.InvalidRoutingTableException e) {
      unreadable(listener, origin, event, e.getMessage());
      return;
    } catch (RuntimeException e) {
      // An API error while reading a shard: the next attempt may succeed.
      if (attempt < SHARD_READ_ATTEMPTS) {
        shardReader.schedule(
            () -> readLarge(data, binary, listener, origin, event, attempt + 1),
            SHARD_RETRY_MS,
            TimeUnit.MILLISECONDS);
      } else {
        unreadable(listener, origin, event, "reading the shards failed: " + e);
      }
      return;
    }
    if (routingEvents.get() == event) {
      listener.onRoutingDocument(table, origin);
    }
  }

  /**
   * Tells the listener the published table cannot be read, so the reload shows as rejected (metric
   * and {@code lastReload}) instead of only in this log; unless a newer version is being read.
   */
  private void unreadable(ConfigListener listener, String origin, long event, String problem) {
    if (routingEvents.get() == event) {
      LOG.warn("{} cannot be read: {}; keeping the current table", origin, problem);
      listener.onRoutingUnreadable(origin, problem);
    }
  }

  /** One shard's piece, read by name (the gateway's Role lists the shard names). */
  private Optional<byte[]> shardPiece(String name) {
    ConfigMap shard = client.configMaps().inNamespace(namespace).withName(name).get();
    return Optional.ofNullable(shard)
        .map(KubernetesConfigSource::binary)
        .map(b -> b.get(RoutingTableLayout.SHARD_KEY));
  }

  private static Map<String, byte[]> binary(ConfigMap cm) {
    Map<String, byte[]> decoded = new HashMap<>();
    if (cm.getBinaryData() != null) {
      cm.getBinaryData()
          .forEach(
              (key, value) -> {
                try {
                  decoded.put(key, Base64.getDecoder().decode(value));
                } catch (IllegalArgumentException e) {
                  LOG.warn("binaryData key {} of a routing ConfigMap is not base64; ignored", key);
                }
              });
    }
    return decoded;
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
    if (shardReader != null) {
      shardReader.shutdownNow();
    }
    if (ownsClient) {
      client.close();
    }
    return Future.succeededFuture();
  }
}
