package dev.switchboard.operator.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.kubemock.EmbeddedKubernetesApi;
import dev.switchboard.operator.OperatorSettings;
import dev.switchboard.operator.SwitchboardOperator;
import dev.switchboard.operator.serialization.TolerantSerialization;
import dev.switchboard.operator.status.Conditions;
import dev.switchboard.operator.testing.Fixtures;
import dev.switchboard.operator.testing.MutableClock;
import dev.switchboard.operator.testing.StatusReads;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A silent model change the gateway saw ({@code switchboard_model_version_change} on a replica's
 * {@code /metrics}) reaches the route whose target it is as {@code ModelVersionChanged=True}, with
 * old → new and when, and one Warning event; a route without that target is left alone.
 */
class ModelVersionChangedScenarioTest {

  private static final String NS = "silent";

  @Test
  void aFingerprintChangeReportedByAReplicaIsOnTheRouteWithAWarningEvent() throws Exception {
    AtomicReference<String> change = new AtomicReference<>("");
    HttpServer replica = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    replica.createContext(
        "/metrics",
        exchange -> {
          byte[] body =
              ("switchboard_config_version_info{config_version=\"sha256:x\"} 1\n" + change.get())
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
      // The operator's clock stands still until the test moves it past the one second the
      // replicas' view is cached for.
      MutableClock clock = new MutableClock(Instant.parse("2026-11-25T12:00:00Z"));
      SwitchboardOperator operator = SwitchboardOperator.start(operatorClient, settings, clock);
      try {
        KubernetesClient client = api.client();
        Fixtures.load("fixtures/canary-route.yaml", NS)
            .forEach(item -> client.resource(item).create());
        await()
            .atMost(Duration.ofSeconds(20))
            .untilAsserted(() -> assertThat(route(client).getStatus()).isNotNull());
        assertThat(condition(client)).isNull();

        // 1767225600 = 2026-01-01T00:00:00Z
        change.set(
            "switchboard_model_version_change{from_fingerprint=\"fp_one\",from_version=\"gpt-4o\","
                + "target=\"openai-prod/gpt-4o\",to_fingerprint=\"fp_two\",to_version=\"gpt-4o\"}"
                + " 1.7672256E9\n"
                + "switchboard_model_version_change{from_fingerprint=\"a\",from_version=\"x\","
                + "target=\"other/model\",to_fingerprint=\"b\",to_version=\"y\"} 1.7672256E9\n");
        clock.advance(Duration.ofSeconds(1));
        await()
            .atMost(Duration.ofSeconds(60)) // the route's periodic runtime refresh (30 s) at most
            .pollInterval(Duration.ofMillis(500))
            .untilAsserted(
                () -> {
                  Condition c = condition(client);
                  assertThat(c).isNotNull();
                  assertThat(c.getStatus()).isEqualTo(Conditions.TRUE);
                  assertThat(c.getReason()).isEqualTo("UpstreamModelChanged");
                  assertThat(c.getMessage())
                      .isEqualTo(
                          "openai-prod/gpt-4o: system_fingerprint fp_one → fp_two at"
                              + " 2026-01-01T00:00:00Z");
                });
        await()
            .atMost(Duration.ofSeconds(10))
            .untilAsserted(
                () ->
                    assertThat(client.v1().events().inNamespace(NS).list().getItems())
                        .filteredOn(e -> "ModelVersionChanged".equals(e.getReason()))
                        .singleElement()
                        .satisfies(e -> assertThat(e.getType()).isEqualTo("Warning")));

        // A later reconcile that still sees the same change records it no second time. The
        // recorder folds a repeat into the same Event (count 2), so the count says it, not the
        // number of Events; once the status is that of the edit, its events are written (events
        // are recorded before the status).
        client
            .resources(ModelRoute.class)
            .inNamespace(NS)
            .withName("chat")
            .edit(
                r -> {
                  r.getSpec().setAliases(List.of("chat-again"));
                  return r;
                });
        await()
            .atMost(Duration.ofSeconds(20))
            .untilAsserted(
                () -> {
                  ModelRoute r = route(client);
                  assertThat(r.getStatus().getObservedGeneration())
                      .isEqualTo(r.getMetadata().getGeneration());
                });
        operator.flushEvents();
        assertThat(client.v1().events().inNamespace(NS).list().getItems())
            .filteredOn(e -> "ModelVersionChanged".equals(e.getReason()))
            .singleElement()
            .satisfies(e -> assertThat(e.getCount()).isEqualTo(1));
      } finally {
        operator.stop();
        operatorClient.close();
        replica.stop(0);
      }
    }
  }

  private static ModelRoute route(KubernetesClient client) {
    return client.resources(ModelRoute.class).inNamespace(NS).withName("chat").get();
  }

  private static Condition condition(KubernetesClient client) {
    return StatusReads.condition(route(client), "ModelVersionChanged").orElse(null);
  }
}
