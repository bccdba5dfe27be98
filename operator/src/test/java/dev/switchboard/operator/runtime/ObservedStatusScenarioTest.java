package dev.switchboard.operator.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.ObservedTarget;
import dev.switchboard.kubemock.EmbeddedKubernetesApi;
import dev.switchboard.operator.OperatorSettings;
import dev.switchboard.operator.SwitchboardOperator;
import dev.switchboard.operator.serialization.TolerantSerialization;
import dev.switchboard.operator.testing.Fixtures;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The cost-observation loop in status: two gateway replicas (fake admin ports serving {@code
 * /metrics} and {@code /admin/routing-figures}) report their figures, and the route's {@code
 * status.observed} shows them merged over both.
 */
class ObservedStatusScenarioTest {

  private static final String NS = "observed";

  private static HttpServer replica(String figures) throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/metrics", exchange -> send(exchange, ""));
    server.createContext("/admin/routing-figures", exchange -> send(exchange, figures));
    server.start();
    return server;
  }

  private static void send(com.sun.net.httpserver.HttpExchange exchange, String body)
      throws java.io.IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(200, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Test
  void statusObservedShowsTheFiguresOfAllReplicasMerged() throws Exception {
    List<HttpServer> replicas = new ArrayList<>();
    replicas.add(replica(ObservedFiguresTest.BUSY.toString()));
    replicas.add(replica(ObservedFiguresTest.QUIET.toString()));
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
                  replicas.stream()
                      .map(
                          r ->
                              URI.create(
                                  "http://127.0.0.1:" + r.getAddress().getPort() + "/metrics"))
                      .toList());
      SwitchboardOperator operator =
          SwitchboardOperator.start(operatorClient, settings, Clock.systemUTC());
      try {
        KubernetesClient client = api.client();
        Fixtures.load("fixtures/canary-route.yaml", NS)
            .forEach(item -> client.resource(item).create());
        await()
            .atMost(Duration.ofSeconds(20))
            .untilAsserted(
                () -> {
                  ModelRoute route =
                      client.resources(ModelRoute.class).inNamespace(NS).withName("chat").get();
                  assertThat(route.getStatus()).isNotNull();
                  List<ObservedTarget> observed = route.getStatus().getObserved();
                  assertThat(observed).isNotNull();
                  assertThat(observed)
                      .extracting(ObservedTarget::getTarget)
                      .containsExactly("cheap/m", "fast/m");
                  assertThat(observed.get(0).getRequests()).isEqualTo(84);
                  assertThat(observed.get(0).getChosenShare()).isEqualTo(0.8);
                  assertThat(observed.get(0).getTtftP95()).isEqualTo("248ms");
                  assertThat(observed.get(1).getErrorRate()).isEqualTo(0.0952);
                });
      } finally {
        operator.stop();
        operatorClient.close();
        replicas.forEach(r -> r.stop(0));
      }
    }
  }
}
