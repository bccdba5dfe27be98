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
import java.util.concurrent.atomic.AtomicInteger;
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

      DriftClient.Answer answer = client.ask("ns", "chat", "p/m", "a prompt", null);

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

  /** A gateway replica's admin port answering every drift request with {@code status} and body. */
  private static HttpServer replica(int status, String body, AtomicInteger requests)
      throws java.io.IOException {
    return replica(status, body, null, requests);
  }

  /**
   * As above, the answer saying it ran on routing table {@code configVersion} (as every gateway
   * answer does; null: without the header).
   */
  private static HttpServer replica(
      int status, String body, String configVersion, AtomicInteger requests)
      throws java.io.IOException {
    HttpServer admin = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    admin.createContext(
        "/admin/drift/chat/completions",
        exchange -> {
          requests.incrementAndGet();
          exchange.getRequestBody().readAllBytes();
          byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
          if (configVersion != null) {
            exchange.getResponseHeaders().add("x-switchboard-config-version", configVersion);
          }
          exchange.sendResponseHeaders(status, bytes.length);
          exchange.getResponseBody().write(bytes);
          exchange.close();
        });
    admin.start();
    return admin;
  }

  private static URI metricsOf(HttpServer admin) {
    return URI.create("http://127.0.0.1:" + admin.getAddress().getPort() + "/metrics");
  }

  /** A port nothing listens on: a replica gone in a rollout refuses the connection. */
  private static URI goneReplica() throws java.io.IOException {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      return URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/metrics");
    }
  }

  private static final String ANSWER =
      "{\"model\":\"m-2026\",\"choices\":[{\"message\":{\"content\":\"ok\"}}]}";

  private static final String NOT_READY =
      "{\"error\":{\"message\":\"The gateway has not loaded a valid routing table yet.\","
          + "\"type\":\"service_unavailable\",\"code\":\"not_ready\"}}";

  @Test
  void noReplicaIsNoGatewayNotTheTargetsFailure() {
    GatewayDriftClient client =
        new GatewayDriftClient(GatewayTargets.fixed(List.of()), OperatorCredential.generate());

    assertThatThrownBy(() -> client.ask("default", "chat", "p/m", "a prompt", null))
        .isInstanceOf(DriftClient.NoGatewayException.class)
        .hasMessage("no gateway replica serves namespace default");
  }

  @Test
  void aReplicaGoneOrWithoutATableHandsTheRequestToAnotherAndOnlyWhenNoneTakesItIsItNoGateway()
      throws Exception {
    AtomicInteger answered = new AtomicInteger();
    AtomicInteger notReady = new AtomicInteger();
    HttpServer live = replica(200, ANSWER, answered);
    HttpServer starting = replica(503, NOT_READY, notReady);
    try {
      URI gone = goneReplica();
      // Whichever replica the prompt picks first, the request ends where it is taken.
      for (List<URI> replicas :
          List.of(
              List.of(gone, metricsOf(starting), metricsOf(live)),
              List.of(metricsOf(live), gone, metricsOf(starting)),
              List.of(metricsOf(starting), metricsOf(live), gone))) {
        for (String prompt : List.of("a", "b", "c")) {
          GatewayDriftClient client =
              new GatewayDriftClient(GatewayTargets.fixed(replicas), OperatorCredential.generate());
          assertThat(client.ask("default", "chat", "p/m", prompt, null).text()).isEqualTo("ok");
        }
      }
      assertThat(answered.get()).isEqualTo(9);

      GatewayDriftClient none =
          new GatewayDriftClient(
              GatewayTargets.fixed(List.of(gone, metricsOf(starting))),
              OperatorCredential.generate());
      assertThatThrownBy(() -> none.ask("default", "chat", "p/m", "a prompt", null))
          .isInstanceOf(DriftClient.NoGatewayException.class)
          .hasMessageStartingWith("no gateway replica of namespace default took the request")
          .hasMessageContaining("2 asked");
    } finally {
      live.stop(0);
      starting.stop(0);
    }
  }

  @Test
  void aGatewaysErrorAboutTheTargetIsTheTargetsFailureAndNotAskedElsewhere() throws Exception {
    AtomicInteger first = new AtomicInteger();
    AtomicInteger second = new AtomicInteger();
    // 503 with another code: the replica serves, the target has no healthy way to answer.
    HttpServer a =
        replica(
            503,
            "{\"error\":{\"message\":\"No healthy target.\",\"code\":\"no_healthy_target\"}}",
            first);
    HttpServer b =
        replica(
            503,
            "{\"error\":{\"message\":\"No healthy target.\",\"code\":\"no_healthy_target\"}}",
            second);
    try {
      GatewayDriftClient client =
          new GatewayDriftClient(
              GatewayTargets.fixed(List.of(metricsOf(a), metricsOf(b))),
              OperatorCredential.generate());

      assertThatThrownBy(() -> client.ask("default", "chat", "p/m", "a prompt", null))
          .isInstanceOf(IllegalStateException.class)
          .isNotInstanceOf(DriftClient.NoGatewayException.class)
          .hasMessage("gateway answered HTTP 503: No healthy target.");
      assertThat(first.get() + second.get()).isEqualTo(1);
    } finally {
      a.stop(0);
      b.stop(0);
    }
  }

  private static final String NO_ROUTE =
      "{\"error\":{\"message\":\"The model 'chat' does not exist or you do not have access to"
          + " it.\",\"type\":\"invalid_request_error\",\"param\":\"model\","
          + "\"code\":\"model_not_found\"}}";

  private static final String NO_TARGET =
      "{\"error\":{\"message\":\"The route 'chat' has no target 'p/m'.\","
          + "\"type\":\"invalid_request_error\",\"param\":\"x-switchboard-target\"}}";

  /**
   * A replica that refuses the route (404) or the target (400) from another table than the
   * published one the request was planned from has not loaded that table: the request goes to a
   * replica that has, and when none has, the request found no gateway. The same refusal from the
   * planned table, or without a version to tell, is the target's failure, as before.
   */
  @Test
  void aRefusalFromAnotherTableThanThePlannedOneIsNoGatewayAndFromThePlannedOneTheTargets()
      throws Exception {
    AtomicInteger staleRoute = new AtomicInteger();
    AtomicInteger staleTarget = new AtomicInteger();
    AtomicInteger answered = new AtomicInteger();
    AtomicInteger current = new AtomicInteger();
    HttpServer withoutRoute = replica(404, NO_ROUTE, "sha256:old", staleRoute);
    HttpServer withoutTarget = replica(400, NO_TARGET, "sha256:old", staleTarget);
    HttpServer loaded = replica(200, ANSWER, "sha256:new", answered);
    HttpServer refusing = replica(404, NO_ROUTE, "sha256:new", current);
    try {
      for (String prompt : List.of("a", "b", "c")) {
        GatewayDriftClient client =
            new GatewayDriftClient(
                GatewayTargets.fixed(
                    List.of(metricsOf(withoutRoute), metricsOf(withoutTarget), metricsOf(loaded))),
                OperatorCredential.generate());
        assertThat(client.ask("default", "chat", "p/m", prompt, "sha256:new").text())
            .isEqualTo("ok");
      }
      assertThat(answered.get()).isEqualTo(3);

      GatewayDriftClient stale =
          new GatewayDriftClient(
              GatewayTargets.fixed(List.of(metricsOf(withoutRoute), metricsOf(withoutTarget))),
              OperatorCredential.generate());
      assertThatThrownBy(() -> stale.ask("default", "chat", "p/m", "a prompt", "sha256:new"))
          .isInstanceOf(DriftClient.NoGatewayException.class)
          .hasMessageContaining("2 asked")
          .hasMessageContaining("from table sha256:old, not the published sha256:new");

      // The replica runs the planned table and still has no such route: the target's failure.
      GatewayDriftClient same =
          new GatewayDriftClient(
              GatewayTargets.fixed(List.of(metricsOf(refusing))), OperatorCredential.generate());
      assertThatThrownBy(() -> same.ask("default", "chat", "p/m", "a prompt", "sha256:new"))
          .isNotInstanceOf(DriftClient.NoGatewayException.class)
          .hasMessageStartingWith("gateway answered HTTP 404: The model 'chat' does not exist");
      // Without a planned version nothing tells a stale replica: the target's failure.
      assertThatThrownBy(() -> stale.ask("default", "chat", "p/m", "a prompt", null))
          .isNotInstanceOf(DriftClient.NoGatewayException.class)
          .hasMessageStartingWith("gateway answered HTTP 4");
    } finally {
      withoutRoute.stop(0);
      withoutTarget.stop(0);
      loaded.stop(0);
      refusing.stop(0);
    }
  }
}
