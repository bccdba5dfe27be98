package dev.switchboard.operator.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A burst of Consumer reconciles in one namespace shares its table renders: the reconciles that
 * arrive while a table is rendered and published wait, and one more render covers all of them,
 * instead of one render of the whole namespace each (N² for N Consumers). The test holds the first
 * render open while the burst arrives, so what it counts does not depend on timing.
 */
class ConsumerTableBurstTest {

  private static final String NS = "consumer-burst";
  private static final int BURST = 40;

  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T09:00:00Z"));

  /** The namespace's Consumers as the informer would hold them; the test adds to it. */
  private final List<Consumer> cache = new CopyOnWriteArrayList<>();

  private final Map<String, Secret> secrets = new java.util.concurrent.ConcurrentHashMap<>();

  /** Renders so far: each starts by reading the namespace's Consumers. */
  private final AtomicInteger renders = new AtomicInteger();

  private final CountDownLatch firstRenderStarted = new CountDownLatch(1);
  private final CountDownLatch releaseFirstRender = new CountDownLatch(1);

  @AfterEach
  void stop() throws InterruptedException {
    releaseFirstRender.countDown();
    threads.shutdownNow();
    assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
  }

  private ConsumerReconciler reconciler(KubernetesClient publishTo, KubernetesClient events) {
    ConsumerReconciler reconciler =
        new ConsumerReconciler(
            new ConsumerKeysPublisher(publishTo),
            new Conditions(clock),
            new EventRecorder(events, clock),
            namespace -> Optional.empty(),
            clock,
            OperatorCredential.generate());
    reconciler.readFrom(
        namespace -> {
          List<Consumer> now = List.copyOf(cache);
          // The first render is held open (having read the namespace) until the whole burst waits.
          if (renders.incrementAndGet() == 1) {
            firstRenderStarted.countDown();
            try {
              releaseFirstRender.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          return now;
        },
        (namespace, name) -> Optional.ofNullable(secrets.get(name)));
    return reconciler;
  }

  private Consumer add(int i) {
    String name = "app-" + i;
    secrets.put(
        name,
        new SecretBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(NS)
            .endMetadata()
            .withData(
                Map.of(
                    "apiKey",
                    java.util.Base64.getEncoder()
                        .encodeToString(
                            ("sk-" + name).getBytes(java.nio.charset.StandardCharsets.UTF_8))))
            .build());
    Consumer c = new Consumer();
    c.setMetadata(
        new ObjectMetaBuilder()
            .withName(name)
            .withNamespace(NS)
            .withUid("uid-" + i)
            .withGeneration(1L)
            .build());
    SecretKeyRef ref = new SecretKeyRef();
    ref.setName(name);
    ref.setKey("apiKey");
    ConsumerSpec spec = new ConsumerSpec();
    spec.setKeySecretRefs(List.of(ref));
    spec.setModels(List.of("chat-*"));
    c.setSpec(spec);
    cache.add(c);
    return c;
  }

  /** Starts the first reconcile, holds its render open, and queues the burst behind it. */
  private List<Future<ConsumerReconciler.PublishedTable>> burstBehindAHeldRender(
      ConsumerReconciler reconciler, Future<ConsumerReconciler.PublishedTable>[] first)
      throws InterruptedException {
    Consumer firstConsumer = add(0);
    first[0] = threads.submit(() -> reconciler.publishTable(firstConsumer, false));
    assertThat(firstRenderStarted.await(10, TimeUnit.SECONDS)).isTrue();
    List<Future<ConsumerReconciler.PublishedTable>> burst = new ArrayList<>();
    for (int i = 1; i <= BURST; i++) {
      Consumer c = add(i);
      burst.add(threads.submit(() -> reconciler.publishTable(c, false)));
    }
    await().atMost(10, TimeUnit.SECONDS).until(() -> reconciler.waitingForTable(NS) == BURST);
    return burst;
  }

  @Test
  void aBurstArrivingDuringARenderIsCoveredByOneMoreRender() throws Exception {
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      ConsumerReconciler reconciler = reconciler(api.client(), api.client());
      @SuppressWarnings("unchecked")
      Future<ConsumerReconciler.PublishedTable>[] first = new Future[1];
      List<Future<ConsumerReconciler.PublishedTable>> burst =
          burstBehindAHeldRender(reconciler, first);

      releaseFirstRender.countDown();

      // The first render read the namespace before the burst: the burst's reconciles cannot use it.
      assertThat(first[0].get(10, TimeUnit.SECONDS).rendered().consumers())
          .containsOnlyKeys("app-0");
      for (int i = 1; i <= BURST; i++) {
        ConsumerReconciler.PublishedTable table = burst.get(i - 1).get(10, TimeUnit.SECONDS);
        // Every reconcile gets a table that holds its own Consumer, published before it returned.
        assertThat(table.tooLarge()).isNull();
        assertThat(table.rendered().consumers().get("app-" + i))
            .as("app-%d's outcome", i)
            .satisfies(r -> assertThat(r.keySha256()).hasSize(1))
            .satisfies(r -> assertThat(r.problems()).isEmpty());
        assertThat(table.rendered().table().consumers()).hasSize(BURST + 1);
      }
      assertThat(renders).hasValue(2);
      assertThat(reconciler.tableRenders()).isEqualTo(2);
      ConsumerTable published = PublishedReads.consumerTable(api.client(), NS).orElseThrow();
      assertThat(published.consumers()).hasSize(BURST + 1);
    }
  }

  @Test
  void aFailedSharedPublishFailsEveryReconcileOfItsBatch() throws Exception {
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start();
        KubernetesClient unreachable =
            new KubernetesClientBuilder()
                .withConfig(
                    new ConfigBuilder()
                        .withMasterUrl("http://127.0.0.1:1")
                        .withRequestRetryBackoffLimit(0)
                        .build())
                .build()) {
      ConsumerReconciler reconciler = reconciler(unreachable, api.client());
      @SuppressWarnings("unchecked")
      Future<ConsumerReconciler.PublishedTable>[] first = new Future[1];
      List<Future<ConsumerReconciler.PublishedTable>> burst =
          burstBehindAHeldRender(reconciler, first);

      releaseFirstRender.countDown();

      for (Future<ConsumerReconciler.PublishedTable> reconcile : burst) {
        // Thrown out of each reconcile, which JOSDK retries: none of them says Ready.
        assertThat(failure(reconcile)).isInstanceOf(KubernetesClientException.class);
      }
      assertThat(failure(first[0])).isInstanceOf(KubernetesClientException.class);
      assertThat(renders).hasValue(2);
    }
  }

  @Test
  void aTableTooLargeReachesEveryReconcileOfItsBatch() throws Exception {
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      ConsumerReconciler reconciler = reconciler(api.client(), api.client());
      @SuppressWarnings("unchecked")
      Future<ConsumerReconciler.PublishedTable>[] first = new Future[1];
      List<Future<ConsumerReconciler.PublishedTable>> burst =
          burstBehindAHeldRender(reconciler, first);
      // Model globs enough to push the burst's table over what a Secret holds (the first render,
      // of app-0 alone, fits).
      for (Consumer c : cache.subList(1, cache.size())) {
        List<String> models = new ArrayList<>();
        for (int g = 0; g < 120; g++) {
          models.add(("family-" + g + "-").repeat(30).substring(0, 239) + "*");
        }
        c.getSpec().setModels(models);
      }

      releaseFirstRender.countDown();

      for (int i = 1; i <= BURST; i++) {
        ConsumerReconciler.PublishedTable table = burst.get(i - 1).get(10, TimeUnit.SECONDS);
        assertThat(table.tooLarge()).contains("over the");
        // The condition each Consumer's status says, as its reconcile writes it.
        Consumer own = cache.get(i);
        assertThat(
                reconciler
                    .status(own, table.rendered().consumers().get("app-" + i), table.tooLarge())
                    .getResource()
                    .orElseThrow()
                    .getStatus()
                    .getConditions())
            .as("app-%d's conditions", i)
            .anySatisfy(c -> assertThat(c.getReason()).isEqualTo("ConsumerTableTooLarge"));
      }
      assertThat(renders).hasValue(2);
      // The last table that fit stays in force.
      assertThat(PublishedReads.consumerTable(api.client(), NS).orElseThrow().consumers())
          .extracting(ConsumerTable.Consumer::name)
          .containsExactly("app-0");
    }
  }

  private static Throwable failure(Future<?> reconcile) throws Exception {
    try {
      reconcile.get(30, TimeUnit.SECONDS);
      return null;
    } catch (ExecutionException e) {
      return e.getCause();
    }
  }
}
