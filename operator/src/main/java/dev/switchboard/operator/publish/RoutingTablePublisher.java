package dev.switchboard.operator.publish;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.RoutingTableCodec;
import dev.switchboard.contract.RoutingTableLayout;
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
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
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
 * Applies a namespace's rendering: ConfigMap {@code switchboard-routing} (key {@code routing.json},
 * or for a large table compressed and, if need be, sharded across {@code switchboard-routing-<n>}
 * with a manifest written last: {@link RoutingTableLayout}) and Secret {@code
 * switchboard-provider-keys}, each written only when its content, labels or owners changed. What
 * was last written per namespace is remembered, so a steady state costs no API call at all; it is
 * read from the API server once per namespace (after a start or when an informer reports a change
 * made by someone else).
 */
public final class RoutingTablePublisher {

  /** The label that marks objects this operator manages. */
  public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";

  public static final String MANAGED_BY = "switchboard-operator";

  /** Annotation with the table's config version, handy for {@code kubectl get -o yaml}. */
  public static final String CONFIG_VERSION_ANNOTATION = "switchboard.dev/config-version";

  /** Label on the shard ConfigMaps of a sharded table (value: the main ConfigMap's name). */
  public static final String SHARD_OF_LABEL = "switchboard.dev/routing-table-shard-of";

  /**
   * Most owner references an object carries. Owners exist so that Kubernetes removes the objects
   * with the last route while the operator is away; thousands of them would make the object too
   * large for etcd (about 160 bytes each, 1.5 MiB per object), and rewrite it on every route added.
   * The first routes by name stand for all: if they all go while the operator is down, GC removes
   * the table, the gateways keep the one they hold, and the operator writes it back.
   */
  public static final int MAX_OWNER_REFERENCES = 64;

  private static final Logger LOG = LoggerFactory.getLogger(RoutingTablePublisher.class);

  private final KubernetesClient client;
  private final ConcurrentMap<String, Published> known = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Object> locks = new ConcurrentHashMap<>();

  /** Its writes, told apart from others' when the informer reports them late or early. */
  private final OwnWrites ownWrites = new OwnWrites();

  /**
   * Counts, per namespace, how often what was known got forgotten. Informer events forget on their
   * own threads while a publish runs under the namespace lock; a publish that started before a
   * forget must not put back what it read before it (the object deleted meanwhile would never be
   * restored).
   */
  private final ConcurrentMap<String, Long> forgets = new ConcurrentHashMap<>();

  /**
   * The last complete table per namespace this publisher wrote or read: what the gateways keep
   * serving while the published one cannot be read (a sharded set whose next table's shards are
   * being written, or a table deleted or spoilt by someone else).
   */
  private final ConcurrentMap<String, PublishedTable> lastComplete = new ConcurrentHashMap<>();

  private final Limits limits;

  public RoutingTablePublisher(KubernetesClient client) {
    this(client, Limits.STANDARD);
  }

  /** A publisher with other size limits (tests shard small tables with small ones). */
  public RoutingTablePublisher(KubernetesClient client, Limits limits) {
    this.client = client;
    this.limits = limits;
  }

  /** When a table is compressed and sharded; see {@link RoutingTableLayout}. */
  public record Limits(int plainMaxBytes, int shardMaxBytes, int maxShards) {
    public static final Limits STANDARD =
        new Limits(
            RoutingTableLayout.PLAIN_MAX_BYTES,
            RoutingTableLayout.SHARD_MAX_BYTES,
            RoutingTableLayout.MAX_SHARDS);
  }

  /** What is published in the namespace now (the source of last good routes). */
  public PublishedTable published(String namespace) {
    Published current = current(namespace);
    if (current.decoded() != null) {
      return current.decoded();
    }
    Optional<RoutingTable> table = Optional.empty();
    String unreadable = null;
    if (current.configMap() != null) {
      try {
        table =
            RoutingTableLayout.read(
                    current.configMap().getData(),
                    binary(current.configMap()),
                    name ->
                        Optional.ofNullable(current.shards().get(name))
                            .map(shard -> binary(shard).get(RoutingTableLayout.SHARD_KEY)))
                .map(RoutingTableCodec::decode);
      } catch (RoutingTableCodec.InvalidRoutingTableException
          | RoutingTableLayout.IncompleteTableException e) {
        unreadable = e.getMessage();
      }
    }
    PublishedTable kept = lastComplete.get(namespace);
    if (table.isEmpty() && kept != null) {
      // A sharded set whose next table is being written (the informer reports this publisher's
      // own shard writes too), or a table deleted or spoilt by someone else: the gateways keep
      // the last complete one, and so do last good entries and canary plans. Not kept: the next
      // call reads again.
      LOG.debug("published routing table in {} is incomplete or gone: {}", namespace, unreadable);
      return kept;
    }
    if (unreadable != null) {
      LOG.warn(
          "published routing table in {} cannot be read, ignoring it: {}", namespace, unreadable);
    }
    // Read back: which route object each entry is of is known only when this publisher wrote it.
    String version = table.map(RoutingTable::configVersion).orElse(null);
    Map<String, String> servedUids =
        kept != null
                && version != null
                && kept.table().map(t -> t.configVersion().equals(version)).orElse(false)
            ? kept.servedUids()
            : Map.of();
    PublishedTable decoded = new PublishedTable(table, decodedKeys(current.secret()), servedUids);
    if (table.isPresent()) {
      lastComplete.put(namespace, decoded);
    }
    // Decoding 10,000 routes costs tens of milliseconds and every reconcile asks twice: keep it
    // with what it was read from (replaced on every publish and forgotten on others' writes).
    known.replace(namespace, current, current.withDecoded(decoded));
    return decoded;
  }

  /**
   * Whether any part of a routing table is published in the namespace: the main ConfigMap or a
   * shard (a sharded table whose manifest write was interrupted still counts, so that nothing
   * written by a route's render is ever replaced by an empty table).
   */
  public boolean hasTable(String namespace) {
    Published current = current(namespace);
    return current.configMap() != null || !current.shards().isEmpty();
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
  public int publish(String namespace, RenderOutcome outcome, List<OwnerReference> allOwners) {
    List<OwnerReference> owners =
        allOwners.size() <= MAX_OWNER_REFERENCES
            ? allOwners
            : allOwners.subList(0, MAX_OWNER_REFERENCES);
    Published last = known.get(namespace);
    if (last != null
        && last.configMap() != null
        && outcome.table().configVersion().equals(last.writtenVersion())
        && ownerUids(last.configMap())
            .equals(owners.stream().map(OwnerReference::getUid).sorted().toList())
        && sameContent(last.secret(), desiredSecret(namespace, outcome.keys(), owners))) {
      // This publisher wrote exactly this table and nobody changed it since (an edit by others
      // forgets what is known): skip compressing a large table only to find it unchanged.
      if (last.decoded() != null && !last.decoded().servedUids().equals(outcome.servedUids())) {
        // The same entries rendered from other objects (a route deleted and created again as it
        // was): which object each entry is of is what the next render's last good rule reads.
        PublishedTable same =
            new PublishedTable(last.decoded().table(), outcome.keys(), outcome.servedUids());
        lastComplete.put(namespace, same);
        known.replace(namespace, last, last.withDecoded(same));
      }
      return 0;
    }
    RoutingTableLayout.Layout layout;
    try {
      layout =
          RoutingTableLayout.layout(
              outcome.canonicalJson(),
              outcome.table().configVersion(),
              limits.plainMaxBytes(),
              limits.shardMaxBytes(),
              limits.maxShards());
    } catch (RoutingTableLayout.TableTooLargeException e) {
      throw new RoutingTableTooLargeException(e.getMessage(), outcome);
    }
    Secret desiredSecret = desiredSecret(namespace, outcome.keys(), owners);
    long keyBytes =
        outcome.keys().values().stream()
            .mapToLong(k -> k.getBytes(StandardCharsets.UTF_8).length)
            .sum();
    if (keyBytes > RoutingTableLayout.CONFIG_MAP_LIMIT_BYTES) {
      throw new RoutingTableTooLargeException(
          "the provider keys total " + keyBytes + " bytes; a Secret holds at most 1 MiB", outcome);
    }
    long forgetsBefore = forgets.getOrDefault(namespace, 0L);
    Published current = current(namespace);
    int writes = 0;
    // Keys before the table: a gateway that loads the new table must already hold the key of every
    // provider it names (else it fails over on NO_KEY). Keys the new table no longer needs stay
    // until it is written (the gateways still serve the old one), and go below.
    Secret secret = current.secret();
    Map<String, String> bridging = new TreeMap<>(decodedKeys(secret));
    bridging.putAll(outcome.keys());
    Secret keysFirst = desiredSecret(namespace, bridging, owners);
    if (!sameContent(secret, keysFirst)) {
      secret = writeKeys(secret, keysFirst, namespace);
      writes++;
    }
    // Shards first and the manifest last: a gateway switches only once every shard the manifest
    // names is there with its digest, so it never sees half of a table.
    Map<String, ConfigMap> shards = new TreeMap<>(current.shards());
    for (RoutingTableLayout.Part part : layout.shards()) {
      ConfigMap desiredShard = desiredConfigMap(namespace, part, outcome, owners, true);
      ConfigMap existing = shards.get(part.name());
      if (!sameContent(existing, desiredShard)) {
        shards.put(part.name(), write(existing, desiredShard));
        writes++;
      }
    }
    ConfigMap configMap = current.configMap();
    ConfigMap desiredMap = desiredConfigMap(namespace, layout.main(), outcome, owners, false);
    if (!sameContent(configMap, desiredMap)) {
      configMap = write(configMap, desiredMap);
      writes++;
      LOG.info(
          "published routing table {} to {}/{} ({} routes, {} bytes, {} form{})",
          outcome.table().configVersion(),
          namespace,
          RoutingTable.CONFIG_MAP_NAME,
          outcome.table().routes().size(),
          outcome.canonicalJson().length,
          layout.form().name().toLowerCase(java.util.Locale.ROOT),
          layout.shards().isEmpty() ? "" : ", " + layout.shards().size() + " shards");
    }
    // Shards the new table does not use go only after the manifest stopped naming them.
    List<String> used = layout.shards().stream().map(RoutingTableLayout.Part::name).toList();
    for (String stale : new ArrayList<>(shards.keySet())) {
      if (!used.contains(stale)) {
        // Its own deletion: the delete event that comes back is no change by others.
        ownWrites.delete(
            shards.remove(stale),
            () -> client.configMaps().inNamespace(namespace).withName(stale).delete());
        writes++;
      }
    }
    if (!sameContent(secret, desiredSecret)) {
      secret = writeKeys(secret, desiredSecret, namespace);
      writes++;
    }
    PublishedTable written =
        new PublishedTable(Optional.of(outcome.table()), outcome.keys(), outcome.servedUids());
    lastComplete.put(namespace, written);
    remember(
        namespace,
        forgetsBefore,
        new Published(configMap, secret, shards, written, outcome.table().configVersion()));
    return writes;
  }

  private Secret writeKeys(Secret existing, Secret desired, String namespace) {
    Secret written = write(existing, desired);
    // Names only: key values are never logged.
    LOG.info(
        "published provider keys {} to {}/{}",
        desired.getData().keySet(),
        namespace,
        RoutingTable.KEYS_SECRET_NAME);
    return written;
  }

  /**
   * Called for informer events on the published objects. Returns true (and forgets what it knew)
   * when the object is not the version this publisher wrote, i.e. someone else changed it and the
   * namespace must be rendered again.
   */
  public boolean changedByOthers(HasMetadata observed) {
    String namespace = observed.getMetadata().getNamespace();
    if (ownWrites.isOwn(observed)) {
      // Its own write, also one seen late (it wrote again before the informer caught up: the keys
      // Secret twice in a publish, a burst of publishes) or before the write returned its version:
      // not a change, or the namespace would be rendered again for nothing.
      return false;
    }
    Published current = known.get(namespace);
    if (current == null) {
      return true;
    }
    HasMetadata mine =
        observed instanceof ConfigMap
            ? (RoutingTable.CONFIG_MAP_NAME.equals(observed.getMetadata().getName())
                ? current.configMap()
                : current.shards().get(observed.getMetadata().getName()))
            : (HasMetadata) current.secret();
    if (mine != null
        && Objects.equals(
            mine.getMetadata().getResourceVersion(), observed.getMetadata().getResourceVersion())) {
      return false;
    }
    forget(namespace);
    return true;
  }

  /**
   * Called for informer delete events of the published objects. Returns true (and forgets what it
   * knew) unless this publisher deleted the object itself (a shard the table no longer uses): a
   * deletion by someone else must be written back, its own must not even be rendered again.
   */
  public boolean deletedByOthers(HasMetadata observed) {
    if (ownWrites.isOwnDeletion(observed)) {
      return false;
    }
    forget(observed.getMetadata().getNamespace());
    return true;
  }

  /** Forgets what was published in a namespace, so the next render reads it again. */
  public void forget(String namespace) {
    forgets.merge(namespace, 1L, Long::sum);
    known.remove(namespace);
    ownWrites.forget(namespace);
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
        ns -> {
          Map<String, ConfigMap> shards = new TreeMap<>();
          client
              .configMaps()
              .inNamespace(ns)
              .withLabel(SHARD_OF_LABEL, RoutingTable.CONFIG_MAP_NAME)
              .list()
              .getItems()
              .forEach(cm -> shards.put(cm.getMetadata().getName(), cm));
          return new Published(
              client.configMaps().inNamespace(ns).withName(RoutingTable.CONFIG_MAP_NAME).get(),
              client.secrets().inNamespace(ns).withName(RoutingTable.KEYS_SECRET_NAME).get(),
              shards,
              null,
              null);
        });
  }

  private static ConfigMap desiredConfigMap(
      String namespace,
      RoutingTableLayout.Part part,
      RenderOutcome outcome,
      List<OwnerReference> owners,
      boolean shard) {
    Map<String, String> labels = new TreeMap<>(Map.of(MANAGED_BY_LABEL, MANAGED_BY));
    if (shard) {
      labels.put(SHARD_OF_LABEL, RoutingTable.CONFIG_MAP_NAME);
    }
    Map<String, String> binaryData = new TreeMap<>();
    part.binaryData()
        .forEach((key, bytes) -> binaryData.put(key, Base64.getEncoder().encodeToString(bytes)));
    ConfigMapBuilder builder =
        new ConfigMapBuilder()
            .withNewMetadata()
            .withName(part.name())
            .withNamespace(namespace)
            .withLabels(labels)
            .withAnnotations(Map.of(CONFIG_VERSION_ANNOTATION, outcome.table().configVersion()))
            .withOwnerReferences(owners)
            .endMetadata()
            .withData(new TreeMap<>(part.data()));
    // Absent rather than empty, so a small table's object is what it always was.
    if (!binaryData.isEmpty()) {
      builder.withBinaryData(binaryData);
    }
    return builder.build();
  }

  /** A ConfigMap's {@code binaryData}, decoded (also what tests read a published table with). */
  public static Map<String, byte[]> binary(ConfigMap configMap) {
    Map<String, byte[]> decoded = new HashMap<>();
    if (configMap.getBinaryData() != null) {
      configMap
          .getBinaryData()
          .forEach((key, base64) -> decoded.put(key, Base64.getDecoder().decode(base64)));
    }
    return decoded;
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
        && Objects.equals(orEmpty(existing.getData()), orEmpty(desired.getData()))
        && Objects.equals(orEmpty(existing.getBinaryData()), orEmpty(desired.getBinaryData()))
        && sameMetadata(existing, desired);
  }

  private static boolean sameContent(Secret existing, Secret desired) {
    return existing != null
        && Objects.equals(orEmpty(existing.getData()), desired.getData())
        && sameMetadata(existing, desired);
  }

  /** Whether an observed object holds what {@code desired} writes (of the same kind). */
  private static boolean sameContent(HasMetadata observed, HasMetadata desired) {
    if (observed instanceof ConfigMap map && desired instanceof ConfigMap desiredMap) {
      return sameContent(map, desiredMap);
    }
    return observed instanceof Secret secret
        && desired instanceof Secret desiredSecret
        && sameContent(secret, desiredSecret);
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
    return ownWrites.write(
        desired,
        observed -> sameContent(observed, desired),
        () -> createOrUpdate(existing, desired, namespace));
  }

  private <T extends HasMetadata> T createOrUpdate(T existing, T desired, String namespace) {
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

  /**
   * A provider keys Secret, decoded (provider → key); empty for none or an empty one (also what
   * tests read the published keys with).
   */
  public static Map<String, String> decodedKeys(Secret secret) {
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

  /**
   * What is published in a namespace, its decoded form once known ({@code null} until read), and
   * the config version this publisher wrote or confirmed ({@code null} when read from the API).
   */
  private record Published(
      ConfigMap configMap,
      Secret secret,
      Map<String, ConfigMap> shards,
      PublishedTable decoded,
      String writtenVersion) {
    Published withDecoded(PublishedTable table) {
      return new Published(configMap, secret, shards, table, writtenVersion);
    }
  }

  /**
   * The namespace's table does not fit even compressed in {@link RoutingTableLayout#MAX_SHARDS}
   * ConfigMaps (or its keys in one Secret); nothing was written and the last table keeps serving.
   */
  public static final class RoutingTableTooLargeException extends RuntimeException {
    private final transient RenderOutcome rendering;

    public RoutingTableTooLargeException(String message, RenderOutcome rendering) {
      super(message);
      this.rendering = rendering;
    }

    /** The rendering that could not be published. */
    public RenderOutcome rendering() {
      return rendering;
    }
  }
}
