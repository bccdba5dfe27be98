package dev.switchboard.operator.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.switchboard.api.v1alpha1.CommitmentStatus;
import dev.switchboard.api.v1alpha1.ProviderEndpoint;
import dev.switchboard.kubemock.EmbeddedKubernetesApi;
import dev.switchboard.operator.OperatorSettings;
import dev.switchboard.operator.SwitchboardOperator;
import dev.switchboard.operator.providerendpoint.CommitmentStatuses;
import dev.switchboard.operator.serialization.TolerantSerialization;
import dev.switchboard.operator.status.Conditions;
import dev.switchboard.operator.testing.Fixtures;
import dev.switchboard.operator.testing.MutableClock;
import dev.switchboard.operator.testing.StatusReads;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/**
 * {@code ProviderEndpoint.status.commitments} and the {@code CommitmentExhausted} condition from
 * two gateway replicas (fake admin ports serving {@code /admin/commitments}): replicas counting
 * alone are summed, replicas sharing a store report the same total and the largest is taken; the
 * month-end projection runs on the operator's injected clock; a used-up commitment turns the
 * condition True with a Normal event.
 */
class CommitmentStatusScenarioTest {

  private static final String NS = "committed";

  /** Noon of the 7th of a 31-day month: 6.5 of 31 days have passed. */
  private static final Instant NOW = Instant.parse("2030-01-07T12:00:00Z");

  private static String report(boolean shared, double endpointUsd, double premiumTokens) {
    return """
        {"object":"switchboard.commitments","shared":%s,"commitments":[
          {"provider":"committed","scope":"endpoint","month":"2030-01","unit":"spend",
           "committed":50.0,"used":%s},
          {"provider":"committed","model":"premium","target":"committed/premium","scope":"model",
           "month":"2030-01","unit":"tokens","committed":1000.0,"used":%s},
          {"provider":"elsewhere","scope":"endpoint","month":"2030-01","unit":"spend",
           "committed":9.0,"used":9.0}]}
        """
        .formatted(shared, endpointUsd, premiumTokens);
  }

  private static HttpServer replica(AtomicReference<String> commitments) throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          String path = exchange.getRequestURI().getPath();
          byte[] body =
              (path.equals("/admin/commitments") ? commitments.get() : "")
                  .getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
          if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
              out.write(body);
            }
          }
        });
    server.start();
    return server;
  }

  @Test
  void statusShowsEachCommitmentsUseAndProjectionAndSaysWhenOneIsUsedUp() throws Exception {
    AtomicReference<String> first = new AtomicReference<>(report(false, 10.0, 300));
    AtomicReference<String> second = new AtomicReference<>(report(false, 5.0, 200));
    HttpServer a = replica(first);
    HttpServer b = replica(second);
    Path crds = Path.of("../crds");
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      api.installCrds(
          crds.resolve("providerendpoints.switchboard.dev-v1.yml"),
          crds.resolve("routingpolicies.switchboard.dev-v1.yml"),
          crds.resolve("modelroutes.switchboard.dev-v1.yml"));
      KubernetesClient operatorClient =
          TolerantSerialization.clientBuilder().withConfig(api.clientConfig()).build();
      List<URI> urls = new ArrayList<>();
      for (HttpServer s : List.of(a, b)) {
        urls.add(URI.create("http://127.0.0.1:" + s.getAddress().getPort() + "/metrics"));
      }
      OperatorSettings settings = OperatorSettings.forMockApiServer().withGatewayMetricsUrls(urls);
      // The operator's clock stands still at NOW unless the test moves it.
      MutableClock clock = new MutableClock(NOW);
      SwitchboardOperator operator = SwitchboardOperator.start(operatorClient, settings, clock);
      try {
        KubernetesClient client = api.client();
        Fixtures.load("fixtures/committed-endpoint.yaml", NS)
            .forEach(item -> client.resource(item).create());

        // Replicas counting alone: their counts are summed.
        await()
            .atMost(Duration.ofSeconds(20))
            .untilAsserted(
                () -> {
                  List<CommitmentStatus> rows =
                      StatusReads.status(endpoint(client)).getCommitments();
                  assertThat(rows).hasSize(2);
                  CommitmentStatus account = rows.get(0);
                  assertThat(account.getModel()).isNull();
                  assertThat(account.getUnit()).isEqualTo("spend");
                  assertThat(account.getAmount()).isEqualTo(50.0);
                  assertThat(account.getUsed()).isEqualTo(15.0);
                  assertThat(account.getMonth()).isEqualTo("2030-01");
                  assertThat(Instant.parse(account.getObservedAt())).isEqualTo(NOW);
                  // $15 in 6.5 of 31 days (on the operator's clock): $71.54 by the month's end.
                  assertThat(account.getProjectedMonthEnd())
                      .isCloseTo(15.0 * 31 / 6.5, Offset.offset(0.01));
                  CommitmentStatus premium = rows.get(1);
                  assertThat(premium.getModel()).isEqualTo("premium");
                  assertThat(premium.getUnit()).isEqualTo("tokens");
                  assertThat(premium.getUsed()).isEqualTo(500.0);
                  assertThat(premium.getProjectedMonthEnd())
                      .isCloseTo(500.0 * 31 / 6.5, Offset.offset(0.01));
                  Condition c = exhausted(client);
                  assertThat(c.getStatus()).isEqualTo(Conditions.FALSE);
                  assertThat(c.getReason()).isEqualTo("CommitmentsHaveRoom");
                });

        // Replicas sharing a store report the same total: the largest is taken, not the sum.
        first.set(report(true, 20.0, 1000));
        second.set(report(true, 20.0, 1000));
        // The replicas' reports are cached for a second of the operator's clock: move it past
        // that, then a change to the endpoint's spec reconciles it at once (a label alone would
        // not: the controller skips changes that leave the generation alone).
        clock.advance(Duration.ofSeconds(1));
        // A merge patch carries no resourceVersion: it cannot conflict with a status write.
        client
            .resources(ProviderEndpoint.class)
            .inNamespace(NS)
            .withName("committed")
            .patch(
                io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                    io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
                "{\"spec\":{\"headers\":{\"X-Touched\":\"yes\"}}}");
        await()
            .atMost(Duration.ofSeconds(40))
            .untilAsserted(
                () -> {
                  List<CommitmentStatus> rows =
                      StatusReads.status(endpoint(client)).getCommitments();
                  assertThat(rows).hasSize(2);
                  assertThat(rows.get(0).getUsed()).isEqualTo(20.0);
                  assertThat(rows.get(1).getUsed()).isEqualTo(1000.0);
                  Condition c = exhausted(client);
                  assertThat(c.getStatus()).isEqualTo(Conditions.TRUE);
                  assertThat(c.getReason()).isEqualTo("CommitmentUsedUp");
                  assertThat(c.getMessage())
                      .contains("model premium's commitment (1,000 tokens) is used up for 2030-01");
                });
        await()
            .atMost(Duration.ofSeconds(10))
            .untilAsserted(
                () ->
                    assertThat(
                            client.v1().events().inNamespace(NS).list().getItems().stream()
                                .map(Event::getReason))
                        .contains("CommitmentUsedUp"));
      } finally {
        operator.close();
      }
    } finally {
      a.stop(0);
      b.stop(0);
    }
  }

  private static ProviderEndpoint endpoint(KubernetesClient client) {
    return client.resources(ProviderEndpoint.class).inNamespace(NS).withName("committed").get();
  }

  private static Condition exhausted(KubernetesClient client) {
    return StatusReads.presentCondition(endpoint(client), CommitmentStatuses.COMMITMENT_EXHAUSTED);
  }
}
