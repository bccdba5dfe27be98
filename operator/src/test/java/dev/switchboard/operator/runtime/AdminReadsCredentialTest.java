package dev.switchboard.operator.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.switchboard.operator.evaluation.GatewayEvaluationSource;
import dev.switchboard.operator.keys.OperatorCredential;
import dev.switchboard.operator.rollout.metrics.GatewayTargets;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every reader of a gateway's {@code /admin/*} presents the operator's credential as the drift
 * client does: a gateway whose consumer table names it answers no one else (401), so a reader
 * without it would see every replica as silent and keep status stale for good. {@code /metrics}
 * (the replicas' runtime view, the canary's gateway source) is read without it.
 */
class AdminReadsCredentialTest {

  private static final Map<String, String> DOCUMENTS =
      Map.of(
          "/admin/consumers",
          "{\"day\":\"2026-12-07\",\"month\":\"2026-12\",\"shared\":false,\"consumers\":"
              + "[{\"name\":\"team\",\"tracked\":true,\"todayUsd\":1.5,\"monthUsd\":3.0}]}",
          "/admin/commitments",
          "{\"shared\":false,\"commitments\":[{\"provider\":\"p\",\"unit\":\"spend\","
              + "\"committed\":100,\"used\":5,\"month\":\"2026-12\"}]}",
          "/admin/routing-figures",
          "{\"routes\":{}}",
          "/admin/evaluations",
          "{\"instance\":\"replica-1\",\"recorded\":0,\"candidates\":[]}");

  private final OperatorCredential operator = OperatorCredential.generate();
  private final Map<String, String> authorizationByPath = new ConcurrentHashMap<>();
  private final Clock clock = Clock.fixed(Instant.parse("2026-12-07T10:00:00Z"), ZoneOffset.UTC);
  private HttpServer admin;
  private GatewayTargets targets;

  /** A gateway admin port whose consumer table names {@code operator}'s credential. */
  @BeforeEach
  void start() throws IOException {
    admin = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    admin.createContext(
        "/admin/",
        exchange -> {
          String path = exchange.getRequestURI().getPath();
          String authorization = exchange.getRequestHeaders().getFirst("authorization");
          authorizationByPath.put(path, authorization == null ? "(none)" : authorization);
          if (!("Bearer " + operator.token()).equals(authorization)) {
            answer(exchange, 401, "{\"error\":{\"code\":\"invalid_api_key\"}}");
          } else {
            answer(exchange, 200, DOCUMENTS.getOrDefault(path, "{}"));
          }
        });
    admin.createContext(
        "/metrics",
        exchange -> {
          String authorization = exchange.getRequestHeaders().getFirst("authorization");
          authorizationByPath.put("/metrics", authorization == null ? "(none)" : authorization);
          answer(exchange, 200, "switchboard_config_version_info{config_version=\"v1\"} 1\n");
        });
    admin.start();
    targets =
        GatewayTargets.fixed(
            List.of(URI.create("http://127.0.0.1:" + admin.getAddress().getPort() + "/metrics")));
  }

  @AfterEach
  void stop() {
    admin.stop(0);
  }

  private static void answer(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("content-type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }

  @Test
  void everyAdminReadBearsTheOperatorsCredential() {
    var spend = new GatewayConsumerSpend(targets, clock, operator).spend("ns");
    var commitments = new GatewayCommitments(targets, clock, operator).commitments("ns");
    GatewayRuntimeView view = new GatewayRuntimeView(targets, clock, operator);
    var figures = view.routingFigures("ns");
    var evaluations = new GatewayEvaluationSource(targets, clock, operator).collect("ns");
    var replicas = view.replicas("ns");

    assertThat(spend).hasValueSatisfying(s -> assertThat(s).containsKey("team"));
    assertThat(commitments).hasValueSatisfying(c -> assertThat(c).containsKey("p"));
    assertThat(figures).hasValueSatisfying(f -> assertThat(f).hasSize(1));
    assertThat(evaluations.reports()).hasSize(1);
    assertThat(evaluations.unanswered()).isEmpty();
    assertThat(authorizationByPath)
        .containsOnlyKeys(
            "/admin/consumers",
            "/admin/commitments",
            "/admin/routing-figures",
            "/admin/evaluations",
            "/metrics");
    authorizationByPath.forEach(
        (path, authorization) ->
            assertThat(authorization)
                .as(path)
                .isEqualTo(path.equals("/metrics") ? "(none)" : "Bearer " + operator.token()));
    // /metrics needs nothing: the runtime view still reads it.
    assertThat(replicas.replicas()).hasSize(1);
  }

  @Test
  void anotherOperatorsCredentialReadsNothing() {
    OperatorCredential other = OperatorCredential.generate();

    var spend = new GatewayConsumerSpend(targets, clock, other).spend("ns");
    var commitments = new GatewayCommitments(targets, clock, other).commitments("ns");
    var figures = new GatewayRuntimeView(targets, clock, other).routingFigures("ns");
    var evaluations = new GatewayEvaluationSource(targets, clock, other).collect("ns");

    assertThat(spend).isEmpty();
    assertThat(commitments).isEmpty();
    assertThat(figures).isEmpty();
    assertThat(evaluations.reports()).isEmpty();
    assertThat(evaluations.unanswered()).hasSize(1);
  }
}
