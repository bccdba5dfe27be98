package dev.switchboard.operator.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.api.v1alpha1.Consumer;
import dev.switchboard.api.v1alpha1.ConsumerSpec;
import dev.switchboard.api.v1alpha1.SecretKeyRef;
import dev.switchboard.contract.ConsumerTable;
import dev.switchboard.kubemock.EmbeddedKubernetesApi;
import dev.switchboard.operator.keys.OperatorCredential;
import dev.switchboard.operator.status.Conditions;
import dev.switchboard.operator.status.EventRecorder;
import dev.switchboard.operator.testing.MutableClock;
import dev.switchboard.operator.testing.PublishedReads;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A routing table published before the Consumer informer has synced (no leader election: JOSDK
 * starts each controller's reconciles once its own informers have synced) must not publish the
 * operator-key table, which has no consumer: the informer's empty cache would open a namespace that
 * requires keys until its Consumers reconcile. The namespace is held back, and gets its table once
 * the cache has synced, so the drift entry knows the operator's credential.
 */
class OperatorKeyBeforeConsumersSyncedTest {

  private static final String NS = "opkey-unsynced";
  private static final String FRESH = "opkey-unsynced-fresh";

  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T09:00:00Z"));

  /** The Consumers as an informer would hold them; the test adds to it. */
  private final List<Consumer> cache = new CopyOnWriteArrayList<>();

  private final Map<String, Secret> secrets = new java.util.concurrent.ConcurrentHashMap<>();

  private final AtomicBoolean synced = new AtomicBoolean();

  /** A fresh operator process: nothing remembered of what was written. */
  private ConsumerReconciler process(KubernetesClient client, OperatorCredential credential) {
    ConsumerReconciler reconciler =
        new ConsumerReconciler(
            new ConsumerKeysPublisher(client),
            new Conditions(clock),
            new EventRecorder(client, clock),
            namespace -> Optional.empty(),
            clock,
            credential);
    reconciler.readFrom(
        namespace ->
            cache.stream().filter(c -> namespace.equals(c.getMetadata().getNamespace())).toList(),
        synced::get,
        (namespace, name) -> Optional.ofNullable(secrets.get(name)));
    return reconciler;
  }

  private Consumer consumer() {
    secrets.put(
        "app-key",
        new SecretBuilder()
            .withNewMetadata()
            .withName("app-key")
            .withNamespace(NS)
            .endMetadata()
            .withData(
                Map.of(
                    "apiKey",
                    Base64.getEncoder().encodeToString("sk-app".getBytes(StandardCharsets.UTF_8))))
            .build());
    Consumer c = new Consumer();
    c.setMetadata(
        new ObjectMetaBuilder()
            .withName("app")
            .withNamespace(NS)
            .withUid("uid-app")
            .withGeneration(1L)
            .build());
    SecretKeyRef ref = new SecretKeyRef();
    ref.setName("app-key");
    ref.setKey("apiKey");
    ConsumerSpec spec = new ConsumerSpec();
    spec.setKeySecretRefs(List.of(ref));
    c.setSpec(spec);
    return c;
  }

  @Test
  void aRoutingTablePublishedBeforeTheConsumersAreReadKeepsTheKeysInForce() {
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      OperatorCredential credential = OperatorCredential.generate();
      // A previous run published the namespace's table with its Consumer.
      Consumer app = consumer();
      cache.add(app);
      synced.set(true);
      process(api.client(), credential).publishTable(app, false);
      assertThat(PublishedReads.consumerTable(api.client(), NS).orElseThrow().consumers())
          .hasSize(1);

      // The operator restarts: a route's reconcile publishes its routing table while the Consumer
      // informer is still listing.
      cache.clear();
      synced.set(false);
      ConsumerReconciler restarted = process(api.client(), credential);
      restarted.publishOperatorKey(NS);
      restarted.publishOperatorKey(FRESH);

      assertThat(PublishedReads.consumerTable(api.client(), NS).orElseThrow().consumers())
          .as("the keys stay required: the table is not replaced by one without consumers")
          .extracting(ConsumerTable.Consumer::name)
          .containsExactly("app");
      assertThat(PublishedReads.consumerTable(api.client(), FRESH)).isEmpty();
      // Nothing is published while the cache has not synced, not even from the start hook.
      assertThat(restarted.publishAfterSync()).isEmpty();
      assertThat(PublishedReads.consumerTable(api.client(), FRESH)).isEmpty();

      // Synced: the namespace with its Consumer is left to its reconcile; the one without any
      // gets the operator's credential.
      cache.add(app);
      synced.set(true);
      assertThat(restarted.publishAfterSync()).containsExactly(FRESH);
      assertThat(PublishedReads.consumerTable(api.client(), NS).orElseThrow().consumers())
          .extracting(ConsumerTable.Consumer::name)
          .containsExactly("app");
      ConsumerTable fresh = PublishedReads.consumerTable(api.client(), FRESH).orElseThrow();
      assertThat(fresh.consumers()).isEmpty();
      assertThat(fresh.operatorKeySha256()).containsExactly(credential.sha256());
      // Held back once, published once.
      assertThat(restarted.publishAfterSync()).isEmpty();
    }
  }
}
