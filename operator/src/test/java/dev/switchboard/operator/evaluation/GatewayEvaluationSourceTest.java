package dev.switchboard.operator.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.switchboard.operator.keys.OperatorCredential;
import dev.switchboard.operator.rollout.metrics.GatewayTargets;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A gateway replica that is shutting down is read as well, and its last report is handed to the
 * namespace's collections after it exited, so the pairs it counted since its previous report reach
 * every evaluation of its routes (a rolling restart used to lose them: only ready replicas were
 * read). One that does not answer is not named as unanswered: it is leaving.
 */
class GatewayEvaluationSourceTest {

  private final List<HttpServer> servers = new ArrayList<>();
  private Instant now = Instant.parse("2026-12-07T09:00:00Z");

  @AfterEach
  void stop() {
    servers.forEach(s -> s.stop(0));
  }

  /** A replica's admin port answering {@code /admin/evaluations} with {@code instance}'s report. */
  private URI replica(String instance) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    byte[] body =
        ("{\"instance\":\"" + instance + "\",\"recorded\":3,\"candidates\":[]}")
            .getBytes(StandardCharsets.UTF_8);
    server.createContext(
        "/admin/evaluations",
        exchange -> {
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.start();
    servers.add(server);
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/metrics");
  }

  private GatewayEvaluationSource source(List<URI> ready, List<URI> terminating) {
    GatewayTargets targets =
        new GatewayTargets() {
          @Override
          public List<URI> metricsUrls(String namespace) {
            return ready;
          }

          @Override
          public List<URI> terminatingMetricsUrls(String namespace) {
            return terminating;
          }
        };
    Clock clock =
        new Clock() {
          @Override
          public ZoneOffset getZone() {
            return ZoneOffset.UTC;
          }

          @Override
          public Clock withZone(java.time.ZoneId zone) {
            return this;
          }

          @Override
          public Instant instant() {
            return now;
          }
        };
    return new GatewayEvaluationSource(targets, clock, OperatorCredential.generate());
  }

  private static List<String> instances(EvaluationTracker.Collected collected) {
    return collected.reports().stream().map(r -> r.path("instance").asText()).toList();
  }

  @Test
  void aTerminatingReplicaIsReadAndItsLastReportOutlivesIt() throws Exception {
    URI staying = replica("staying");
    URI leaving = replica("leaving");
    List<URI> terminating = new ArrayList<>(List.of(leaving));
    GatewayEvaluationSource source = source(List.of(staying), terminating);

    EvaluationTracker.Collected first = source.collect("team-a");
    assertThat(instances(first)).containsExactlyInAnyOrder("staying", "leaving");
    assertThat(first.unanswered()).isEmpty();

    // It exited: its endpoint is gone (or no longer answers), yet another route's collection
    // still gets its last report.
    servers.get(1).stop(0);
    EvaluationTracker.Collected after = source.collect("team-a");
    assertThat(instances(after)).containsExactlyInAnyOrder("staying", "leaving");
    assertThat(after.unanswered()).isEmpty();
    terminating.clear();
    assertThat(instances(source.collect("team-a"))).containsExactlyInAnyOrder("staying", "leaving");
    // Other namespaces never get it.
    assertThat(instances(source.collect("team-b"))).containsExactly("staying");

    // Kept for a while, not for ever.
    now = now.plus(GatewayEvaluationSource.KEEP_LEAVING);
    assertThat(instances(source.collect("team-a"))).containsExactly("staying");
  }

  @Test
  void aReadyReplicaThatDoesNotAnswerIsNamedALeavingOneIsNot() throws Exception {
    URI down = replica("down");
    URI gone = replica("gone");
    servers.forEach(s -> s.stop(0));
    EvaluationTracker.Collected collected = source(List.of(down), List.of(gone)).collect("team-a");
    assertThat(collected.reports()).isEmpty();
    assertThat(collected.unanswered()).containsExactly(down.getAuthority());
  }
}
