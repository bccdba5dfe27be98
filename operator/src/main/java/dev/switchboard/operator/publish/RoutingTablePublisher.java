package dev.switchboard.operator.publish;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.RoutingTableCodec;
import dev.switchboard.operator.render.PublishedTable;
import dev.switchboard.operator.render.RenderOutcome;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies a namespace's rendering: ConfigMap {@code switchboard-routing} (key {@code routing.json})
 * and Secret {@code switchboard-provider-keys}, each written only when its content, labels or
 * owners changed. What was last written per namespace is remembered, so a steady state costs no API
 * call at all; it is read from the API server once per namespace (after a start or when an informer
 * reports a change made by someone else).
 */
public final class RoutingTablePublisher {

  /** The label that marks objects this operator manages. */
  public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";

  public static final String MANAGED_BY = "switchboard-operator";

  /** Annotation with the table's config version, handy for {@code kubectl get -o yaml}. */
  public static final String CONFIG_VERSION_ANNOTATION = "switchboard.dev/config-version";

  private static final Logger LOG = LoggerFactory.getLogger(RoutingTablePublisher.class);

  private final KubernetesClient client;
  private final ConcurrentMap<String, Published> known = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Object> locks = new ConcurrentHashMap<>();

  /**
   * Counts, per namespace, how often what was known got forgotten. Informer events forget on their
   * own threads while a publish runs under the namespace lock; a publish that started before a
   * forget must not put back what it read before it (the object deleted meanwhile would never be
   * restored).
   */
  private final ConcurrentMap<String, Long> forgets = new ConcurrentHashMap<>();

  public RoutingTablePublisher(KubernetesClient client) {
    this.client = client;
  }

  /** What is published in the namespace now (the source of last good routes). */
  public PublishedTable published(String namespace) {
    Published current = current(namespace);
    Optional<RoutingTable> table = Optional.empty();
    if (current.configMap() != null && current.configMap().getData() != null) {
      String json = current.configMap().getData().get(RoutingTable.CONFIG_MAP_KEY);
      if (json != null) {
        try {
          table = Optional.of(RoutingTableCodec.decode(json));
        } catch (RoutingTableCodec.InvalidRoutingTableException e) {
          LOG.warn(
              "published routing table in {} cannot be read, ignoring it: {}",
              namespace,
              e.getMessage());
        }
      }
    }
    return new PublishedTable(table, decodedKeys(current.secret()));
  }

  /** A lock that serializes render-and-publish per namespace across reconciler threads. */
  public Object lockFor(String namespace) {
    return locks.computeIfAbsent(namespace, ns -> new Object());
  }

  /**
   * Writes the table and keys when they differ from what is published.
   *
   * @param owners owner references (non-controller) the objects should carry
   * @return how many objects were written (0 in a steady state)
   */
  public int publish(String namespace, RenderOutcome outcome, List<OwnerReference> owners) {
    long forgetsBefore = forgets.getOrDefault(namespace, 0L);
    Published current = current(namespace);
    int writes = 0;
    ConfigMap configMap = current.configMap();
    ConfigMap desiredMap = desiredConfigMap(namespace, outcome, owners);
    if (!sameContent(configMap, desiredMap)) {
      configMap = write(configMap, desiredMap);
      writes++;
      LOG.info(
          "published routing table {} to {}/{} ({} routes)",
          outcome.table().configVersion(),
          namespace,
          RoutingTable.CONFIG_MAP_NAME,
          outcome.table().routes().size());
    }
    Secret secret = current.secret();
    Secret desiredSecret = desiredSecret(namespace, outcome.keys(), owners);
    if (!sameContent(secret, desiredSecret)) {
      secret = write(secret, desiredSecret);
      writes++;
      // Names only: key values are never logged.
      LOG.info(
          "published provider keys {} to {}/{}",
          outcome.keys().keySet(),
          namespace,
          RoutingTable.KEYS_SECRET_NAME);
    }
    remember(namespace, forgetsBefore, new Published(configMap, secret));
    return writes;
  }

  /** Removes both objects once a namespace has no routes left (GC would too, on a real cluster). */
  public int withdraw(String namespace) {
    long forgetsBefore = forgets.getOrDefault(namespace, 0L);
    Published current = current(namespace);
    int writes = 0;
    if (current.configMap() != null) {
      client.configMaps().inNamespace(namespace).withName(RoutingTable.CONFIG_MAP_NAME).delete();
      writes++;
    }
    if (current.secret() != null) {
      client.secrets().inNamespace(namespace).withName(RoutingTable.KEYS_SECRET_NAME).delete();
      writes++;
    }
    if (writes > 0) {
      LOG.info("namespace {} has no ModelRoutes left; removed its routing table", namespace);
    }
    remember(namespace, forgetsBefore, new Published(null, null));
    return writes;
  }

  /**
   * Called for informer events on the published objects. Returns true (and forgets what it knew)
   * when the object is not the version this publisher wrote, i.e. someone else changed it and the
   * namespace must be rendered again.
   */
  public boolean changedByOthers(HasMetadata observed) {
    String namespace = observed.getMetadata().getNamespace();
    Published current = known.get(namespace);
    if (current == null) {
      return true;
    }
    HasMetadata mine =
        observed instanceof ConfigMap ? current.configMap() : (HasMetadata) current.secret();
    if (mine != null
        && Objects.equals(
            mine.getMetadata().getResourceVersion(), observed.getMetadata().getResourceVersion())) {
      return false;
    }
    forget(namespace);
    return true;
  }

  /** Forgets what was published in a namespace, so the next render reads it again. */
  public void forget(String namespace) {
    forgets.merge(namespace, 1L, Long::sum);
    known.remove(namespace);
  }

  /** Keeps what a publish wrote, unless something was forgotten since it started. */
  private void remember(String namespace, long forgetsBefore, Published published) {
    known.put(namespace, published);
    if (forgets.getOrDefault(namespace, 0L) != forgetsBefore) {
      // Checked after the put: a forget racing with it either sees the entry or bumps the count.
      known.remove(namespace);
    }
  }

  private Published current(String namespace) {
    return known.computeIfAbsent(
        namespace,
        ns ->
            new Published(
                client.configMaps().inNamespace(ns).withName(RoutingTable.CONFIG_MAP_NAME).get(),
                client.secrets().inNamespace(ns).withName(RoutingTable.KEYS_SECRET_NAME).get()));
  }

  private static ConfigMap desiredConfigMap(
      String namespace, RenderOutcome outcome, List<OwnerReference> owners) {
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withName(RoutingTable.CONFIG_MAP_NAME)
        .withNamespace(namespace)
        .withLabels(Map.of(MANAGED_BY_LABEL, MANAGED_BY))
        .withAnnotations(Map.of(CONFIG_VERSION_ANNOTATION, outcome.table().configVersion()))
        .withOwnerReferences(owners)
        .endMetadata()
        .withData(
            Map.of(
                RoutingTable.CONFIG_MAP_KEY,
                new String(outcome.canonicalJson(), StandardCharsets.UTF_8)))
        .build();
  }

  private static Secret desiredSecret(
      String namespace, Map<String, String> keys, List<OwnerReference> owners) {
    Map<String, String> data = new TreeMap<>();
    keys.forEach(
        (name, key) ->
            data.put(
                name, Base64.getEncoder().encodeToString(key.getBytes(StandardCharsets.UTF_8))));
    return new SecretBuilder()
        .withNewMetadata()
        .withName(RoutingTable.KEYS_SECRET_NAME)
        .withNamespace(namespace)
        .withLabels(Map.of(MANAGED_BY_LABEL, MANAGED_BY))
        .withOwnerReferences(owners)
        .endMetadata()
        .withType("Opaque")
        .withData(data)
        .build();
  }

  private static boolean sameContent(ConfigMap existing, ConfigMap desired) {
    return existing != null
        && Objects.equals(orEmpty(existing.getData()), desired.getData())
        && sameMetadata(existing, desired);
  }

  private static boolean sameContent(Secret existing, Secret desired) {
    return existing != null
        && Objects.equals(orEmpty(existing.getData()), desired.getData())
        && sameMetadata(existing, desired);
  }

  private static boolean sameMetadata(HasMetadata existing, HasMetadata desired) {
    Map<String, String> labels = orEmpty(existing.getMetadata().getLabels());
    Map<String, String> annotations = orEmpty(existing.getMetadata().getAnnotations());
    boolean labelsPresent =
        desired.getMetadata().getLabels().entrySet().stream()
            .allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    boolean annotationsPresent =
        orEmpty(desired.getMetadata().getAnnotations()).entrySet().stream()
            .allMatch(e -> e.getValue().equals(annotations.get(e.getKey())));
    return labelsPresent && annotationsPresent && ownerUids(existing).equals(ownerUids(desired));
  }

  private static List<String> ownerUids(HasMetadata resource) {
    List<OwnerReference> owners = resource.getMetadata().getOwnerReferences();
    return owners == null
        ? List.of()
        : owners.stream().map(OwnerReference::getUid).sorted().toList();
  }

  private static <K, V> Map<K, V> orEmpty(Map<K, V> map) {
    return map == null ? Map.of() : map;
  }

  /** Creates or updates; on a conflict (someone else wrote meanwhile) reads again and retries. */
  private <T extends HasMetadata> T write(T existing, T desired) {
    String namespace = desired.getMetadata().getNamespace();
    if (existing != null) {
      // Keep what others added (labels, annotations) and update with optimistic locking.
      desired.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
      Map<String, String> labels = new TreeMap<>(orEmpty(existing.getMetadata().getLabels()));
      labels.putAll(desired.getMetadata().getLabels());
      desired.getMetadata().setLabels(labels);
      Map<String, String> annotations =
          new TreeMap<>(orEmpty(existing.getMetadata().getAnnotations()));
      annotations.putAll(orEmpty(desired.getMetadata().getAnnotations()));
      desired.getMetadata().setAnnotations(annotations);
    }
    try {
      return existing == null
          ? client.resource(desired).inNamespace(namespace).create()
          : client.resource(desired).inNamespace(namespace).update();
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      }
      T fresh = client.resource(desired).inNamespace(namespace).get();
      desired.getMetadata().setResourceVersion(null);
      if (fresh == null) {
        return client.resource(desired).inNamespace(namespace).create();
      }
      desired.getMetadata().setResourceVersion(fresh.getMetadata().getResourceVersion());
      return client.resource(desired).inNamespace(namespace).update();
    }
  }

  private static Map<String, String> decodedKeys(Secret secret) {
    Map<String, String> keys = new TreeMap<>();
    if (secret != null && secret.getData() != null) {
      secret
          .getData()
          .forEach(
              (name, value) ->
                  keys.put(
                      name, new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8)));
    }
    return keys;
  }

  private record Published(ConfigMap configMap, Secret secret) {}
}
