package dev.switchboard.operator.rollout.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.kubemock.EmbeddedKubernetesApi;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class EndpointSliceGatewayTargetsTest {

  @Test
  void listsReadyEndpointsOfTheGatewayServiceOnItsMetricsPort() {
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start();
        EndpointSliceGatewayTargets targets =
            new EndpointSliceGatewayTargets(
                api.client(), "switchboard-gateway-admin", "admin", "/metrics")) {
      api.client()
          .resource(
              new EndpointSliceBuilder()
                  .withNewMetadata()
                  .withName("switchboard-gateway-abc12")
                  .withNamespace("team-a")
                  .addToLabels("kubernetes.io/service-name", "switchboard-gateway-admin")
                  .endMetadata()
                  .withAddressType("IPv4")
                  .addNewPort()
                  .withName("http")
                  .withPort(8080)
                  .endPort()
                  .addNewPort()
                  .withName("admin")
                  .withPort(9090)
                  .endPort()
                  .addNewEndpoint()
                  .withAddresses("10.0.0.1")
                  .withNewConditions()
                  .withReady(true)
                  .endConditions()
                  .endEndpoint()
                  .addNewEndpoint()
                  .withAddresses("10.0.0.2")
                  .withNewConditions()
                  .withReady(false)
                  .endConditions()
                  .endEndpoint()
                  .addNewEndpoint()
                  .withAddresses("10.0.0.3")
                  .withNewConditions()
                  .withReady(false)
                  .withServing(false)
                  .withTerminating(true)
                  .endConditions()
                  .endEndpoint()
                  .build())
          .create();
      api.client()
          .resource(
              new EndpointSliceBuilder()
                  .withNewMetadata()
                  .withName("other-service-xyz")
                  .withNamespace("team-a")
                  .addToLabels("kubernetes.io/service-name", "other")
                  .endMetadata()
                  .withAddressType("IPv4")
                  .addNewPort()
                  .withName("admin")
                  .withPort(9090)
                  .endPort()
                  .addNewEndpoint()
                  .withAddresses("10.0.0.9")
                  .endEndpoint()
                  .build())
          .create();

      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(targets.metricsUrls("team-a"))
                      .containsExactly(URI.create("http://10.0.0.1:9090/metrics")));
      assertThat(targets.metricsUrls("team-b")).isEmpty();
      // A replica shutting down: not ready, but read for its last evaluation pairs.
      assertThat(targets.terminatingMetricsUrls("team-a"))
          .containsExactly(URI.create("http://10.0.0.3:9090/metrics"));
    }
  }
}
