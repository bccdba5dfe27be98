package dev.switchboard.operator.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.switchboard.contract.ConsumerTable;
import dev.switchboard.operator.consumer.ConsumerTableRenderer;
import dev.switchboard.operator.keys.KeyAges;
import dev.switchboard.operator.keys.OperatorCredential;
import dev.switchboard.operator.rollout.metrics.GatewayTargets;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The drift client presents the operator's credential, and the consumer table the gateways load
 * names it by its hash only: the two agree, and the token never goes into the table.
 */
class GatewayDriftClientTest {

  @Test
  void theDriftRequestBearsTheCredentialWhoseHashTheConsumerTableCarries() throws Exception {
    OperatorCredential credential = OperatorCredential.generate();
    AtomicReference<String> authorization = new AtomicReference<>();
    AtomicReference<String> body = new AtomicReference<>();
    HttpServer admin = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    admin.createContext(
        "/admin/drift/chat/completions",
        exchange -> {
          authorization.set(exchange.getRequestHeaders().getFirst("authorization"));
          body.set(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
          byte[] answer =
              "{\"model\":\"m-2026\",\"choices\":[{\"message\":{\"content\":\"ok\"}}]}"
                  .getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, answer.length);
          exchange.getResponseBody().write(answer);
          exchange.close();
        });
    admin.start();
    try {
      URI metrics = URI.create("http://127.0.0.1:" + admin.getAddress().getPort() + "/metrics");
      GatewayDriftClient client =
          new GatewayDriftClient(GatewayTargets.fixed(List.of(metrics)), credential);

      DriftClient.Answer answer = client.ask("ns", "chat", "p/m", "a prompt");

      assertThat(answer.text()).isEqualTo("ok");
      assertThat(authorization.get()).isEqualTo("Bearer " + credential.token());
      // Temperature 0: the least sampling the provider offers (a seed alone makes no provider that
      // honours none repeatable); no seed of its own, so the policy's applies.
      var sent = new com.fasterxml.jackson.databind.ObjectMapper().readTree(body.get());
      assertThat(sent.path("temperature").isNumber()).isTrue();
      assertThat(sent.path("temperature").asDouble()).isZero();
      assertThat(sent.has("seed")).isFalse();
    } finally {
      admin.stop(0);
    }
    String token = authorization.get().substring("Bearer ".length());
    ConsumerTable table =
        ConsumerTableRenderer.render(
                List.of(),
                new dev.switchboard.operator.providerendpoint.CredentialResolver(
                    (ns, name) -> java.util.Optional.empty()),
                credential.sha256())
            .table();
    assertThat(table.operatorKeySha256()).containsExactly(KeyAges.sha256Hex(token));
    String json = new String(table.toJson(), StandardCharsets.UTF_8);
    assertThat(json).doesNotContain(token);
    assertThat(ConsumerTable.parse(table.toJson()).operatorKeySha256())
        .containsExactly(credential.sha256());
    assertThat(credential.toString()).doesNotContain(token);
  }

  @Test
  void noReplicaIsNoGatewayNotTheTargetsFailure() {
    GatewayDriftClient client =
        new GatewayDriftClient(GatewayTargets.fixed(List.of()), OperatorCredential.generate());

    assertThatThrownBy(() -> client.ask("default", "chat", "p/m", "a prompt"))
        .isInstanceOf(DriftClient.NoGatewayException.class)
        .hasMessage("no gateway replica serves namespace default");
  }
}
