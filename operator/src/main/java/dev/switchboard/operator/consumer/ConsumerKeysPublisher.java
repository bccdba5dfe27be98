package dev.switchboard.operator.consumer;

import dev.switchboard.contract.ConsumerTable;
import dev.switchboard.contract.RoutingTableLayout;
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
import java.util.Objects;
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

  /** The table being written per namespace, until the write returns (its version unknown). */
  private final ConcurrentMap<String, Written> writing = new ConcurrentHashMap<>();

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
      remember(namespace, json, ownerUids, current.getMetadata().getResourceVersion());
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
    // The informer may deliver the write's event before the write returns its version.
    writing.put(namespace, new Written(json, ownerUids, null, List.of()));
    try {
      Secret result = write(current, desired);
      remember(namespace, json, ownerUids, result.getMetadata().getResourceVersion());
    } finally {
      writing.remove(namespace);
    }
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
    String namespace = observed.getMetadata().getNamespace();
    Written last = written.get(namespace);
    String version = observed.getMetadata().getResourceVersion();
    if (last != null
        && (Objects.equals(last.resourceVersion(), version) || last.earlier().contains(version))) {
      // Its own write; an earlier one is seen late when it wrote again before the informer caught
      // up (a burst of Consumers): not a change, or every Consumer would be reconciled for it.
      return false;
    }
    Written inFlight = writing.get(namespace);
    if (inFlight != null
        && inFlight.json().equals(tableOf(observed))
        && inFlight.ownerUids().equals(uids(observed.getMetadata().getOwnerReferences()))) {
      // The write under way, seen before it returned its version.
      return false;
    }
    written.remove(namespace);
    return true;
  }

  /** Forgets what was written in a namespace (the Secret was deleted by someone else). */
  public void forget(String namespace) {
    written.remove(namespace);
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

  /**
   * Keeps what was written (or found to be there already), with the versions this publisher wrote
   * before it since it last forgot (at most {@link #EARLIER_VERSIONS}): their informer events may
   * still come.
   */
  private void remember(String namespace, String json, List<String> ownerUids, String version) {
    Written last = written.get(namespace);
    List<String> earlier = List.of();
    if (last != null && !Objects.equals(last.resourceVersion(), version)) {
      java.util.ArrayList<String> versions = new java.util.ArrayList<>(last.earlier());
      versions.add(last.resourceVersion());
      earlier =
          List.copyOf(
              versions.subList(Math.max(0, versions.size() - EARLIER_VERSIONS), versions.size()));
    } else if (last != null) {
      earlier = last.earlier();
    }
    written.put(namespace, new Written(json, ownerUids, version, earlier));
  }

  /** How many earlier own versions are recognised when their events come late. */
  private static final int EARLIER_VERSIONS = 16;

  private record Written(
      String json, List<String> ownerUids, String resourceVersion, List<String> earlier) {}

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
