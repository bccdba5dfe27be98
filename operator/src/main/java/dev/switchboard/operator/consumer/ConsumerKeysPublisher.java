package dev.switchboard.operator.consumer;

import dev.switchboard.contract.ConsumerTable;
import dev.switchboard.contract.RoutingTableLayout;
import dev.switchboard.operator.publish.OwnWrites;
import dev.switchboard.operator.publish.RoutingTablePublisher;
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
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a namespace's consumer table into Secret {@value ConsumerTable#SECRET_NAME} (key {@value
 * ConsumerTable#SECRET_KEY}), only when it changed. The table holds key hashes only. What was last
 * written is remembered per namespace, so a steady state costs no API call; a change made by
 * someone else (seen by the Secret informer) makes it read and write again.
 */
public final class ConsumerKeysPublisher {

  private static final Logger LOG = LoggerFactory.getLogger(ConsumerKeysPublisher.class);

  /** What the API server accepts in one Secret's {@code data} (as for a ConfigMap). */
  public static final int SECRET_LIMIT_BYTES = RoutingTableLayout.CONFIG_MAP_LIMIT_BYTES;

  private final KubernetesClient client;
  private final ConcurrentMap<String, Written> written = new ConcurrentHashMap<>();

  /** Its writes, told apart from others' when the informer reports them late or early. */
  private final OwnWrites ownWrites = new OwnWrites();

  private final ConcurrentMap<String, Object> locks = new ConcurrentHashMap<>();

  public ConsumerKeysPublisher(KubernetesClient client) {
    this.client = client;
  }

  /** Serializes render-and-publish per namespace across reconciler threads. */
  public Object lockFor(String namespace) {
    return locks.computeIfAbsent(namespace, ns -> new Object());
  }

  /**
   * Writes the table unless it is what the Secret holds.
   *
   * @param owners non-controller owner references (every Consumer of the namespace)
   * @return whether the Secret was written
   */
  public boolean publish(String namespace, ConsumerTable table, List<OwnerReference> owners) {
    byte[] bytes = table.toJson();
    // Measured before writing, as the API server counts a Secret's data (key plus value): a table
    // it would refuse is not sent, the one published stays in force, and the caller says why.
    long size = (long) ConsumerTable.SECRET_KEY.length() + bytes.length;
    if (size > SECRET_LIMIT_BYTES) {
      throw new ConsumerTableTooLargeException(size, table.consumers().size());
    }
    String json = new String(bytes, StandardCharsets.UTF_8);
    List<String> ownerUids = uids(owners);
    Written last = written.get(namespace);
    if (last != null && last.json().equals(json) && last.ownerUids().equals(ownerUids)) {
      return false;
    }
    Secret current =
        client.secrets().inNamespace(namespace).withName(ConsumerTable.SECRET_NAME).get();
    if (current != null
        && json.equals(tableOf(current))
        && uids(current.getMetadata().getOwnerReferences()).equals(ownerUids)) {
      written.put(namespace, new Written(json, ownerUids));
      ownWrites.remember(current);
      return false;
    }
    Secret desired =
        new SecretBuilder()
            .withNewMetadata()
            .withName(ConsumerTable.SECRET_NAME)
            .withNamespace(namespace)
            .withLabels(
                Map.of(RoutingTablePublisher.MANAGED_BY_LABEL, RoutingTablePublisher.MANAGED_BY))
            .withOwnerReferences(owners)
            .endMetadata()
            .withType("Opaque")
            .withData(
                Map.of(
                    ConsumerTable.SECRET_KEY,
                    Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8))))
            .build();
    ownWrites.write(
        desired,
        observed ->
            json.equals(tableOf((Secret) observed))
                && ownerUids.equals(uids(observed.getMetadata().getOwnerReferences())),
        () -> write(current, desired));
    written.put(namespace, new Written(json, ownerUids));
    // Consumer names and counts only: not even the hashes go to the log.
    LOG.info(
        "published {} consumer(s) {} to {}/{}",
        table.consumers().size(),
        table.consumers().stream().map(ConsumerTable.Consumer::name).toList(),
        namespace,
        ConsumerTable.SECRET_NAME);
    return true;
  }

  /**
   * Called for informer events on the published Secret: true (and forgets what was written) when
   * the observed version is not the one this publisher wrote, so the namespace must be rendered
   * again.
   */
  public boolean changedByOthers(Secret observed) {
    if (ownWrites.isOwn(observed)) {
      // Its own write, also one seen late (it wrote again before the informer caught up: a burst
      // of Consumers) or before the write returned its version: not a change, or every Consumer
      // of the namespace would be reconciled for it.
      return false;
    }
    forget(observed.getMetadata().getNamespace());
    return true;
  }

  /** Forgets what was written in a namespace (the Secret was deleted by someone else). */
  public void forget(String namespace) {
    written.remove(namespace);
    ownWrites.forget(namespace);
  }

  private Secret write(Secret existing, Secret desired) {
    String namespace = desired.getMetadata().getNamespace();
    if (existing != null) {
      desired.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
      Map<String, String> labels =
          new TreeMap<>(
              existing.getMetadata().getLabels() == null
                  ? Map.of()
                  : existing.getMetadata().getLabels());
      labels.putAll(desired.getMetadata().getLabels());
      desired.getMetadata().setLabels(labels);
      desired.getMetadata().setAnnotations(existing.getMetadata().getAnnotations());
    }
    try {
      return existing == null
          ? client.resource(desired).inNamespace(namespace).create()
          : client.resource(desired).inNamespace(namespace).update();
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      }
      Secret fresh = client.resource(desired).inNamespace(namespace).get();
      desired.getMetadata().setResourceVersion(null);
      if (fresh == null) {
        return client.resource(desired).inNamespace(namespace).create();
      }
      desired.getMetadata().setResourceVersion(fresh.getMetadata().getResourceVersion());
      return client.resource(desired).inNamespace(namespace).update();
    }
  }

  /**
   * The consumer table a Secret holds, or empty when it holds none that parses (a Secret written by
   * someone else, or by a version with another schema).
   */
  public static Optional<ConsumerTable> tableIn(Secret secret) {
    String json = tableOf(secret);
    if (json == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(ConsumerTable.parse(json.getBytes(StandardCharsets.UTF_8)));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private static String tableOf(Secret secret) {
    if (secret.getData() == null || secret.getData().get(ConsumerTable.SECRET_KEY) == null) {
      return null;
    }
    try {
      return new String(
          Base64.getDecoder().decode(secret.getData().get(ConsumerTable.SECRET_KEY)),
          StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static List<String> uids(List<OwnerReference> owners) {
    return owners == null
        ? List.of()
        : owners.stream().map(OwnerReference::getUid).sorted().toList();
  }

  /** What was written (or found to be there already) in a namespace. */
  private record Written(String json, List<String> ownerUids) {}

  /** The rendered table does not fit one Secret; nothing was written. */
  public static final class ConsumerTableTooLargeException extends RuntimeException {
    private final long bytes;

    public ConsumerTableTooLargeException(long bytes, int consumers) {
      super(
          "the consumer table of "
              + consumers
              + " consumer(s) is "
              + bytes
              + " bytes, over the "
              + SECRET_LIMIT_BYTES
              + " bytes a Secret holds");
      this.bytes = bytes;
    }

    /** The table's size as the API server would count it. */
    public long bytes() {
      return bytes;
    }
  }
}
