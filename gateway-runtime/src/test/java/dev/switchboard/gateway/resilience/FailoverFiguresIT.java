package dev.switchboard.gateway.resilience;

import static dev.switchboard.gateway.TestTables.policyRoute;
import static dev.switchboard.gateway.TestTables.target;
import static dev.switchboard.gateway.resilience.ResilienceTables.policy;
import static dev.switchboard.gateway.resilience.ResilienceTables.provider;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live figures of a target are its own: after a retry or failover, the time the request spent
 * on earlier attempts and waits counts for the route (what the client saw), not for the target that
 * served it — else {@code least-latency}/{@code cost-latency} judge a healthy fallback slow for its
 * primary's failures.
 */
class FailoverFiguresIT {

  @TempDir static Path dir;
  static GatewayHarness gateway;
  static MockProvider mock;
  static final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void start() throws Exception {
    gateway =
        GatewayHarness.withMocks(
            dir,
            List.of(new MockProviderOptions().keys("sk-m")),
            (vertx, mocks) -> table(mocks.get(0)),
            Map.of("flaky", "sk-m", "steady", "sk-m"));
    mock = gateway.mock(0);
  }

  static RoutingTable table(MockProvider mock) {
    RoutingTable.Timeouts timeouts = new RoutingTable.Timeouts(1_000L, 3_000L, 5_000L, null);
    return TestTables.table(
        List.of(
            provider("flaky", mock.baseUrl(), timeouts, null, null, null, Map.of()),
            provider("steady", mock.baseUrl(), timeouts, null, null, null, Map.of())),
        List.of(policy("patient", 2, 2_000, 0.2, 5, null, List.of())),
        List.of(
            policyRoute(
                "fo", "patient", target("flaky", "fo-model", 0), target("steady", "ok-model", 1))));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  @Test
  void theServingTargetsFiguresLeaveOutTheAttemptsBeforeIt() throws Exception {
    ManualClock clock = new ManualClock();
    try (GatewayHarness manual =
        GatewayHarness.start(
            gateway.vertx(),
            dir.resolve("manual-clock"),
            table(mock),
            Map.of("flaky", "sk-m", "steady", "sk-m"),
            clock)) {
      // Two 503s asking to wait 300 ms: the retry waits, then the request fails over.
      mock.faults().add("fo-model", "status:503;retry-after-ms=300", 2);
      CompletableFuture<HttpResponse<String>> response =
          http.sendAsync(
              HttpRequest.newBuilder(URI.create(manual.origin() + "/v1/chat/completions"))
                  .timeout(Duration.ofSeconds(20))
                  .header("content-type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(GatewayHarness.chat("fo", true)))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> clock.pendingDelaysMillis().contains(300L));
      clock.advance(300);
      HttpResponse<String> r = response.get(20, TimeUnit.SECONDS);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("x-switchboard-provider")).hasValue("steady");
      assertThat(mock.attempts("fo-model")).isEqualTo(2);

      JsonNode stats = GatewayHarness.json(manual.get("/v1/switchboard/stats").body());
      // The client waited 300 ms for its first token.
      assertThat(stats.path("routes").path("fo").path("ttft_p95_ms").asDouble()).isEqualTo(300.0);
      JsonNode steady = null;
      for (JsonNode row : stats.path("targets")) {
        if (row.path("target").asText().equals("steady/ok-model")) {
          steady = row;
        }
      }
      assertThat(steady).isNotNull();
      // The fallback answered at once (the clock did not move after the failover).
      assertThat(steady.path("ttft_p95_ms").asDouble()).isEqualTo(0.0);
      assertThat(steady.path("latency_p95_ms").asDouble()).isEqualTo(0.0);
    }
  }
}
