package dev.switchboard.operator.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.switchboard.api.v1alpha1.GatewayStatus;
import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.ProviderEndpoint;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.kubemock.EmbeddedKubernetesApi;
import dev.switchboard.operator.OperatorSettings;
import dev.switchboard.operator.SwitchboardOperator;
import dev.switchboard.operator.serialization.TolerantSerialization;
import dev.switchboard.operator.status.Conditions;
import dev.switchboard.operator.testing.Fixtures;
import dev.switchboard.operator.testing.StatusReads;
import dev.switchboard.operator.time.OffsetClock;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Status tells runtime truth: a gateway replica (a fake {@code /metrics}) that runs the published
 * table counts as ready in {@code ModelRoute.status.gateway}, and its provider health becomes the
 * ProviderEndpoint's {@code Healthy} condition.
 */
class RuntimeStatusScenarioTest {

  /** How long the operator keeps the replicas' answers ({@code GatewayRuntimeView}). */
  private static final Duration CACHED = Duration.ofSeconds(1);

  private static final String NS = "runtime";

  @Test
  void routeAndProviderStatusFollowWhatTheGatewayReports() throws Exception {
    AtomicReference<String> version = new AtomicReference<>("sha256:none");
    AtomicReference<String> healthy = new AtomicReference<>("1.0");
    AtomicReference<String> rejected = new AtomicReference<>("0.0");
    java.util.concurrent.atomic.AtomicBoolean reportsProvider =
        new java.util.concurrent.atomic.AtomicBoolean(true);
    HttpServer replica = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    replica.createContext(
        "/metrics",
        exchange -> {
          byte[] body =
              ("switchboard_config_version_info{config_version=\""
                      + version.get()
                      + "\"} 1\n"
                      + (reportsProvider.get()
                          ? "switchboard_provider_healthy{provider=\"openai-prod\"} "
                              + healthy.get()
                              + "\n"
                              + "switchboard_provider_credentials_rejected{provider=\"openai-prod\"} "
                              + rejected.get()
                              + "\n"
                          : ""))
                  .getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    replica.start();
    Path crds = Path.of("../crds");
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      api.installCrds(
          crds.resolve("providerendpoints.switchboard.dev-v1.yml"),
          crds.resolve("routingpolicies.switchboard.dev-v1.yml"),
          crds.resolve("modelroutes.switchboard.dev-v1.yml"));
      KubernetesClient operatorClient =
          TolerantSerialization.clientBuilder().withConfig(api.clientConfig()).build();
      OperatorSettings settings =
          OperatorSettings.forMockApiServer()
              .withGatewayMetricsUrls(
                  List.of(
                      URI.create(
                          "http://127.0.0.1:" + replica.getAddress().getPort() + "/metrics")));
      // The replicas' view is cached for a second of the operator's clock: each change below is
      // seen once the test has moved the clock past that. A clock that jumps also makes the
      // operator look again at replicas catching up every OffsetClock.RECHECK of real time, not
      // every GATEWAY_CATCH_UP (2 s).
      OffsetClock clock = OffsetClock.systemUtc();
      SwitchboardOperator operator = SwitchboardOperator.start(operatorClient, settings, clock);
      try {
        KubernetesClient client = api.client();
        Fixtures.load("fixtures/canary-route.yaml", NS)
            .forEach(item -> client.resource(item).create());

        // The replica still runs an older table: 0 of 1 ready.
        await()
            .atMost(Duration.ofSeconds(20))
            .untilAsserted(
                () -> {
                  ModelRoute route =
                      client.resources(ModelRoute.class).inNamespace(NS).withName("chat").get();
                  GatewayStatus gateway = StatusReads.status(route).getGateway();
                  assertThat(gateway).isNotNull();
                  assertThat(gateway.getReplicasTotal()).isEqualTo(1);
                  assertThat(gateway.getReplicasReady()).isZero();
                });

        // It loads the published table: 1 of 1, and status names the version it runs.
        ConfigMap table =
            client.configMaps().inNamespace(NS).withName(RoutingTable.CONFIG_MAP_NAME).get();
        String published =
            table.getMetadata().getAnnotations().get("switchboard.dev/config-version");
        version.set(published);
        clock.advance(CACHED);
        await()
            .atMost(Duration.ofSeconds(20))
            .untilAsserted(
                () -> {
                  ModelRoute route =
                      client.resources(ModelRoute.class).inNamespace(NS).withName("chat").get();
                  GatewayStatus gateway = StatusReads.status(route).getGateway();
                  assertThat(gateway).isNotNull();
                  assertThat(gateway.getReplicasReady()).isEqualTo(1);
                  assertThat(gateway.getConfigVersion()).isEqualTo(published);
                });

        assertThat(healthyCondition(client)).isNotNull();
        assertThat(healthyCondition(client).getStatus()).isEqualTo(Conditions.TRUE);
        healthy.set("0.0");
        clock.advance(CACHED);
        await()
            .atMost(Duration.ofSeconds(20))
            .pollInterval(Duration.ofMillis(500))
            .untilAsserted(
                () -> {
                  // Rather than wait for the periodic refresh, change the endpoint so that it is
                  // reconciled (and the replicas read) again.
                  nudge(client);
                  Condition condition = healthyCondition(client);
                  assertThat(condition).isNotNull();
                  assertThat(condition.getStatus()).isEqualTo(Conditions.FALSE);
                  assertThat(condition.getReason()).isEqualTo("HealthChecksFailing");
                });

        // The provider rejects the replica's key: the reason says so, with one Warning event.
        rejected.set("1.0");
        clock.advance(CACHED);
        await()
            .atMost(Duration.ofSeconds(20))
            .pollInterval(Duration.ofMillis(500))
            .untilAsserted(
                () -> {
                  nudge(client);
                  Condition condition = healthyCondition(client);
                  assertThat(condition).isNotNull();
                  assertThat(condition.getStatus()).isEqualTo(Conditions.FALSE);
                  assertThat(condition.getReason()).isEqualTo("CredentialsRejected");
                });
        // Further reconciles in the same state record no second event.
        nudge(client);
        nudge(client);
        // Once the status says the last nudge was reconciled, every event of those reconciles
        // has been recorded (events are written before the status).
        await()
            .atMost(Duration.ofSeconds(10))
            .untilAsserted(
                () -> {
                  ProviderEndpoint pe =
                      client
                          .resources(ProviderEndpoint.class)
                          .inNamespace(NS)
                          .withName("openai-prod")
                          .get();
                  assertThat(StatusReads.status(pe).getObservedGeneration())
                      .isEqualTo(pe.getMetadata().getGeneration());
                });
        operator.flushEvents();
        assertThat(credentialsRejectedEvents(client)).hasSize(1);
        Event event = credentialsRejectedEvents(client).get(0);
        // Recorded once, not folded repeats (the recorder counts a repeat into the same Event).
        assertThat(event.getCount()).isEqualTo(1);
        assertThat(event.getType()).isEqualTo("Warning");
        assertThat(event.getInvolvedObject().getName()).isEqualTo("openai-prod");
        assertThat(event.getMessage()).contains("rejects the gateway's API key");

        // No replica reports on the provider any more: the condition is gone (docs/API.md), not
        // kept as last seen.
        reportsProvider.set(false);
        clock.advance(CACHED);
        await()
            .atMost(Duration.ofSeconds(20))
            .pollInterval(Duration.ofMillis(500))
            .untilAsserted(
                () -> {
                  nudge(client);
                  assertThat(healthyCondition(client)).isNull();
                });
      } finally {
        operator.stop();
        operatorClient.close();
        replica.stop(0);
      }
    }
  }

  private static final java.util.concurrent.atomic.AtomicInteger NUDGES =
      new java.util.concurrent.atomic.AtomicInteger();

  /**
   * Changes the endpoint's spec, so that it is reconciled again. A JSON merge patch carries no
   * resourceVersion, so the operator's own writes to the endpoint (its status patches, which the
   * nudges cause) cannot make it conflict; an edit of a read copy got a 409 whenever one came in
   * between, and five in a row ended the wait it was in.
   */
  private static void nudge(KubernetesClient client) {
    client
        .resources(ProviderEndpoint.class)
        .inNamespace(NS)
        .withName("openai-prod")
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"spec\":{\"headers\":{\"X-Nudge\":\"n" + NUDGES.incrementAndGet() + "\"}}}");
  }

  private static List<Event> credentialsRejectedEvents(KubernetesClient client) {
    return client.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> "CredentialsRejected".equals(e.getReason()))
        .toList();
  }

  /** The endpoint's Healthy condition, null while there is none. */
  private static Condition healthyCondition(KubernetesClient client) {
    return StatusReads.condition(
            client.resources(ProviderEndpoint.class).inNamespace(NS).withName("openai-prod").get(),
            ProviderHealth.HEALTHY)
        .orElse(null);
  }
}
