package dev.switchboard.operator.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.api.v1alpha1.Consumer;
import dev.switchboard.contract.ConsumerTable;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.kubemock.EmbeddedKubernetesApi;
import dev.switchboard.operator.OperatorSettings;
import dev.switchboard.operator.SwitchboardOperator;
import dev.switchboard.operator.publish.RoutingTablePublisher;
import dev.switchboard.operator.rollout.CanaryPlanner;
import dev.switchboard.operator.serialization.TolerantSerialization;
import dev.switchboard.operator.testing.Fixtures;
import dev.switchboard.operator.testing.MutableClock;
import dev.switchboard.operator.testing.PublishedReads;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The operator as the chart runs it, with leader election (a coordination.k8s.io/v1 Lease, which
 * the mock API server stores like any other resource), two replicas in one JVM against it. What the
 * leader's start callback publishes is what gateways see first: a namespace with Consumers must get
 * its consumer table with them before it is served a routing table (a gateway that has a routing
 * table but no consumer table serves every request without a key), and never a table without
 * consumers; a replica waiting for the lease publishes nothing; the one that takes over publishes
 * the table of the Consumers that exist then, with its own credential.
 */
class LeaderElectionConsumerTableTest {

  private static final String KEYED = "leader-keyed";
  private static final String OPEN = "leader-open";

  /** A namespace with a Consumer and no routes: no route reconciles there. */
  private static final String ROUTELESS = "leader-routeless";

  private static final String LEASE_NAMESPACE = "default";
  private static final Path CRDS = Path.of("../crds");

  private EmbeddedKubernetesApi api;
  private final List<KubernetesClient> clients = new ArrayList<>();
  private final List<SwitchboardOperator> operators = new ArrayList<>();
  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-25T12:00:00Z"));

  /** Every version of the keyed namespace's consumer table the test's watch saw. */
  private final List<ConsumerTable> keyedVersions = Collections.synchronizedList(new ArrayList<>());

  /** The resourceVersion each of the keyed namespace's tables was created with. */
  private final Map<String, Long> created = new java.util.concurrent.ConcurrentHashMap<>();

  /** Counted down when the keyed namespace's routing table is created. */
  private final java.util.concurrent.CountDownLatch routingCreated =
      new java.util.concurrent.CountDownLatch(1);

  private Watch watch;
  private Watch routingWatch;

  private static ConditionFactory eventually() {
    return await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50));
  }

  @BeforeEach
  void startApi() {
    api = EmbeddedKubernetesApi.start();
    api.installCrds(
        CRDS.resolve("providerendpoints.switchboard.dev-v1.yml"),
        CRDS.resolve("routingpolicies.switchboard.dev-v1.yml"),
        CRDS.resolve("modelroutes.switchboard.dev-v1.yml"),
        CRDS.resolve("consumers.switchboard.dev-v1.yml"));
    // JOSDK checks with a SelfSubjectRulesReview that it may use Leases before it elects; the mock
    // API server only stores objects (it refuses the review, which has no name), so the answer a
    // cluster gives an operator with the chart's Role is set up here.
    api.mockServer()
        .expect()
        .post()
        .withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
        .andReturn(
            201,
            new SelfSubjectRulesReviewBuilder()
                .withNewStatus()
                .addNewResourceRule()
                .withApiGroups("coordination.k8s.io")
                .withResources("leases")
                .withVerbs("get", "create", "update")
                .endResourceRule()
                .withIncomplete(false)
                .endStatus()
                .build())
        .always();
    watch =
        api.client()
            .secrets()
            .inNamespace(KEYED)
            .withName(ConsumerTable.SECRET_NAME)
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, Secret secret) {
                    if (action != Action.DELETED) {
                      keyedVersions.add(table(secret));
                    }
                    if (action == Action.ADDED) {
                      created.putIfAbsent(
                          ConsumerTable.SECRET_NAME,
                          Long.parseLong(secret.getMetadata().getResourceVersion()));
                    }
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                });
    routingWatch =
        api.client()
            .configMaps()
            .inNamespace(KEYED)
            .withName(RoutingTable.CONFIG_MAP_NAME)
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, ConfigMap map) {
                    if (action == Action.ADDED) {
                      created.putIfAbsent(
                          RoutingTable.CONFIG_MAP_NAME,
                          Long.parseLong(map.getMetadata().getResourceVersion()));
                      routingCreated.countDown();
                    }
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                });
  }

  @AfterEach
  void stopAll() {
    operators.forEach(SwitchboardOperator::stop);
    if (watch != null) {
      watch.close();
    }
    if (routingWatch != null) {
      routingWatch.close();
    }
    clients.forEach(KubernetesClient::close);
    if (api != null) {
      api.close();
    }
  }

  @Test
  void theLeaderPublishesConsumersFirstTheStandbyNothingAndTheNextLeaderTheTableInForce()
      throws Exception {
    // What exists before any operator runs: routes in both namespaces, Consumers in one.
    for (String namespace : List.of(KEYED, OPEN)) {
      Fixtures.load("fixtures/namespace-basic.yaml", namespace)
          .forEach(item -> api.client().resource(item).create());
    }
    createConsumer("app", "sk-leader-app");
    createConsumer("other", "sk-leader-other");
    createConsumer(ROUTELESS, "solo", "sk-leader-solo");

    List<String> writesA = Collections.synchronizedList(new ArrayList<>());
    operators.add(start("replica-a", writesA));
    eventually().until(() -> holder().equals(Optional.of("replica-a")));
    eventually()
        .untilAsserted(
            () -> {
              assertThat(PublishedReads.routingTable(api.client(), KEYED))
                  .hasValueSatisfying(t -> assertThat(t.routes()).hasSize(2));
              assertThat(consumerNames(KEYED)).containsExactly("app", "other");
              assertThat(consumerNames(ROUTELESS)).containsExactly("solo");
              assertThat(PublishedReads.routingTable(api.client(), OPEN))
                  .hasValueSatisfying(t -> assertThat(t.routes()).hasSize(2));
              assertThat(PublishedReads.consumerTable(api.client(), OPEN))
                  .hasValueSatisfying(t -> assertThat(t.operatorKeySha256()).hasSize(1));
            });
    // KEYED's consumer table was created before its routing table (the mock API server's
    // resourceVersion is one counter for every object, as etcd's revision is).
    eventually()
        .untilAsserted(
            () ->
                assertThat(created)
                    .containsKeys(ConsumerTable.SECRET_NAME, RoutingTable.CONFIG_MAP_NAME));
    assertThat(created.get(ConsumerTable.SECRET_NAME))
        .as("resourceVersion the consumer table was created with, before the routing table's")
        .isLessThan(created.get(RoutingTable.CONFIG_MAP_NAME));
    String keyOfA =
        PublishedReads.presentConsumerTable(api.client(), KEYED).operatorKeySha256().get(0);

    // A second replica waits for the lease and writes nothing, whatever changes meanwhile.
    List<String> writesB = Collections.synchronizedList(new ArrayList<>());
    operators.add(start("replica-b", writesB));
    createConsumer("late", "sk-leader-late");
    eventually()
        .untilAsserted(
            () -> assertThat(consumerNames(KEYED)).containsExactly("app", "late", "other"));
    assertThat(holder()).contains("replica-a");
    assertThat(writesB).as("writes of the replica waiting for the lease").isEmpty();

    // The leader stops (JOSDK does not release the lease: it runs out). While no replica leads, a
    // Consumer goes; the new leader publishes the table of those that are left, with its own key.
    // In ROUTELESS the last Consumer goes: no Consumer and no route is left to reconcile there,
    // only the new leader's catch-up can withdraw its keys (the mock API server, like a cluster
    // whose garbage collector has not got to it yet, keeps the table the Consumer owned).
    operators.remove(0).stop();
    api.client().resources(Consumer.class).inNamespace(KEYED).withName("other").delete();
    api.client().resources(Consumer.class).inNamespace(ROUTELESS).withName("solo").delete();
    eventually().until(() -> holder().equals(Optional.of("replica-b")));
    eventually()
        .untilAsserted(
            () -> {
              ConsumerTable keyed = PublishedReads.presentConsumerTable(api.client(), KEYED);
              assertThat(keyed.consumers())
                  .extracting(ConsumerTable.Consumer::name)
                  .containsExactly("app", "late");
              assertThat(keyed.operatorKeySha256()).hasSize(1).doesNotContain(keyOfA);
              ConsumerTable routeless =
                  PublishedReads.presentConsumerTable(api.client(), ROUTELESS);
              assertThat(routeless.consumers()).isEmpty();
              assertThat(routeless.operatorKeySha256()).hasSize(1).doesNotContain(keyOfA);
              ConsumerTable open = PublishedReads.presentConsumerTable(api.client(), OPEN);
              assertThat(open.consumers()).isEmpty();
              assertThat(open.operatorKeySha256()).hasSize(1).doesNotContain(keyOfA);
            });
    assertThat(keyedVersions)
        .as("every version of %s's consumer table", KEYED)
        .isNotEmpty()
        .allSatisfy(t -> assertThat(t.consumers()).isNotEmpty());
  }

  private SwitchboardOperator start(String identity, List<String> writes) {
    KubernetesClient client =
        TolerantSerialization.clientBuilder()
            .withConfig(api.clientConfig())
            .withHttpClientFactory(new JdkHttpClientFactory())
            .withHttpClientBuilderConsumer(
                builder -> builder.addOrReplaceInterceptor("writes", new Writes(writes)))
            .build();
    clients.add(client);
    OperatorSettings settings =
        new OperatorSettings(
                java.util.Set.of(),
                true,
                true,
                true,
                OperatorSettings.DEFAULT_LEASE_NAME,
                LEASE_NAMESPACE,
                false)
            .withMetricsPort(-1);
    return SwitchboardOperator.start(
        client,
        settings,
        clock,
        CanaryPlanner.immediate(),
        o -> {},
        RoutingTablePublisher.Limits.STANDARD,
        lease ->
            lease
                .withIdentity(identity)
                .withLeaseDuration(Duration.ofSeconds(2))
                .withRenewDeadline(Duration.ofMillis(1500))
                .withRetryPeriod(Duration.ofMillis(200))
                // Losing the lease exits the JVM in production (a fresh process rejoins).
                .withExitOnStopLeading(false));
  }

  private void createConsumer(String name, String key) {
    createConsumer(KEYED, name, key);
  }

  private void createConsumer(String namespace, String name, String key) {
    api.client()
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(name + "-key")
                .withNamespace(namespace)
                .endMetadata()
                .withStringData(Map.of("apiKey", key))
                .build())
        .create();
    api.client()
        .resource(
            ConsumerScenarioTest.consumer(
                namespace, name, List.of(ConsumerScenarioTest.ref(name + "-key", "apiKey")), null))
        .create();
  }

  private List<String> consumerNames(String namespace) {
    return PublishedReads.consumerTable(api.client(), namespace)
        .map(t -> t.consumers().stream().map(ConsumerTable.Consumer::name).sorted().toList())
        .orElse(List.of());
  }

  private Optional<String> holder() {
    Lease lease =
        api.client()
            .leases()
            .inNamespace(LEASE_NAMESPACE)
            .withName(OperatorSettings.DEFAULT_LEASE_NAME)
            .get();
    return Optional.ofNullable(lease).map(Lease::getSpec).map(spec -> spec.getHolderIdentity());
  }

  private static ConsumerTable table(Secret secret) {
    return ConsumerTable.parse(
        Base64.getDecoder().decode(secret.getData().get(ConsumerTable.SECRET_KEY)));
  }

  /**
   * Records the writes a replica makes in the test's namespaces (not its Lease). A Consumer
   * reconcile that creates the keyed namespace's consumer table is held until its routing table is
   * created (at most 10 s): the slower of two controllers that JOSDK starts together, whichever it
   * is in a run, so only a table published before reconciling starts comes first for sure.
   */
  private final class Writes implements Interceptor {
    private final List<String> log;

    Writes(List<String> log) {
      this.log = log;
    }

    @Override
    public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
      String path = request.uri().getPath();
      if (request.method().equals("POST")
          && path.endsWith("/namespaces/" + KEYED + "/secrets")
          && Thread.currentThread().getName().startsWith("ReconcilerExecutor")
          && String.valueOf(request.bodyString())
              .contains("\"name\":\"" + ConsumerTable.SECRET_NAME + "\"")) {
        try {
          routingCreated.await(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      if (!request.method().equals("GET")
          && (path.contains("/namespaces/" + KEYED + "/")
              || path.contains("/namespaces/" + OPEN + "/"))) {
        log.add(request.method() + " " + path);
      }
    }
  }
}
