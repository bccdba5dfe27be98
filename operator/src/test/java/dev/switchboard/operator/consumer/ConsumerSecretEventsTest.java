package dev.switchboard.operator.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.api.v1alpha1.Consumer;
import dev.switchboard.api.v1alpha1.ConsumerSpec;
import dev.switchboard.api.v1alpha1.SecretKeyRef;
import dev.switchboard.kubemock.EmbeddedKubernetesApi;
import dev.switchboard.operator.keys.OperatorCredential;
import dev.switchboard.operator.status.Conditions;
import dev.switchboard.operator.status.EventRecorder;
import dev.switchboard.operator.testing.MutableClock;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Which events of a key Secret reconcile the Consumers that use it. At operator start the Secret
 * informer delivers an ADD event for every Secret after the first renders already read them from
 * its cache: each reconciled its Consumers a second time (about 2N reconciles for N Consumers at
 * every start), for a table and statuses that could not change.
 */
class ConsumerSecretEventsTest {

  private static final String NS = "consumer-secret-events";

  private final Map<String, Secret> secrets = new ConcurrentHashMap<>();

  private static Secret secret(String name, String key, String resourceVersion) {
    return new SecretBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(NS)
        .withResourceVersion(resourceVersion)
        .endMetadata()
        .withData(
            Map.of(
                "apiKey", Base64.getEncoder().encodeToString(key.getBytes(StandardCharsets.UTF_8))))
        .build();
  }

  private static Consumer consumer(String name, String secretName) {
    Consumer c = new Consumer();
    c.setMetadata(
        new ObjectMetaBuilder()
            .withName(name)
            .withNamespace(NS)
            .withUid("uid-" + name)
            .withGeneration(1L)
            .build());
    SecretKeyRef ref = new SecretKeyRef();
    ref.setName(secretName);
    ref.setKey("apiKey");
    ConsumerSpec spec = new ConsumerSpec();
    spec.setKeySecretRefs(List.of(ref));
    spec.setModels(List.of("chat-*"));
    c.setSpec(spec);
    return c;
  }

  @Test
  void anEventOfASecretAtTheVersionTheTableWasRenderedFromReconcilesNothing() {
    MutableClock clock = new MutableClock(Instant.parse("2026-12-07T09:00:00Z"));
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      ConsumerReconciler reconciler =
          new ConsumerReconciler(
              new ConsumerKeysPublisher(api.client()),
              new Conditions(clock),
              new EventRecorder(api.client(), clock),
              namespace -> Optional.empty(),
              clock,
              OperatorCredential.generate());
      Consumer search = consumer("search", "search-key");
      Consumer other = consumer("other", "other-key");
      // Run as a render reads its Consumers, before it reads their Secrets.
      AtomicReference<Runnable> beforeSecretsRead = new AtomicReference<>(() -> {});
      reconciler.readFrom(
          namespace -> {
            beforeSecretsRead.get().run();
            return List.of(other, search);
          },
          (namespace, name) -> Optional.ofNullable(secrets.get(name)));
      secrets.put("search-key", secret("search-key", "sk-search", "7"));
      secrets.put("other-key", secret("other-key", "sk-other", "8"));
      ResourceID searchId = ResourceID.fromResource(search);

      // What the informer reports before any render: the Consumer is reconciled for it.
      assertThat(reconciler.consumersFor(secrets.get("search-key"))).containsExactly(searchId);

      reconciler.publishTable(search, false);

      // The ADD events of the informer's initial list, delivered after the render read the same
      // versions from its cache.
      assertThat(reconciler.consumersFor(secrets.get("search-key")))
          .as("the Secret at the version the table was rendered from")
          .isEmpty();
      assertThat(reconciler.consumersFor(secrets.get("other-key"))).isEmpty();

      // A rotated key is a new version: its Consumer is reconciled.
      Secret rotated = secret("search-key", "sk-search-2", "9");
      assertThat(reconciler.consumersFor(rotated)).containsExactly(searchId);

      // The rotation's event delivered while a render is under way that has yet to read the Secret
      // (the informer's cache holds the new version before it delivers the event): that render
      // reads the new version, nothing is left to reconcile. At operator start the initial ADD
      // events arrive so, during the first renders.
      Secret rotatedAgain = secret("search-key", "sk-search-3", "10");
      secrets.put("search-key", rotatedAgain);
      AtomicReference<java.util.Set<ResourceID>> duringRender = new AtomicReference<>();
      beforeSecretsRead.set(() -> duringRender.set(reconciler.consumersFor(rotatedAgain)));
      reconciler.publishTable(other, false);
      assertThat(duringRender.get())
          .as("the event seen before the render read the Secret")
          .isEmpty();
      assertThat(reconciler.consumersFor(rotatedAgain)).isEmpty();
      beforeSecretsRead.set(() -> {});

      // A deleted Secret comes with the version last seen: its Consumer loses the key.
      Secret deleted = secrets.remove("other-key");
      reconciler.forgetDeleted(deleted, false);
      assertThat(reconciler.consumersFor(deleted)).containsExactly(ResourceID.fromResource(other));
    }
  }
}
