package dev.switchboard.gateway.resilience;

import static dev.switchboard.gateway.TestTables.policyRoute;
import static dev.switchboard.gateway.TestTables.target;
import static dev.switchboard.gateway.resilience.ResilienceTables.policy;
import static dev.switchboard.gateway.resilience.ResilienceTables.provider;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A target ({@code provider/model}) has one circuit breaker, also when two routes whose policies
 * set different {@code circuitBreaker} settings share it: traffic of both routes must not rebuild
 * it in turn (each rebuild forgot every failure, so a dead target shared that way never opened).
 */
class SharedTargetBreakerIT {

  @TempDir static Path dir;
  static MockProvider mock;
  static GatewayHarness gateway;

  @BeforeAll
  static void start() throws Exception {
    gateway =
        GatewayHarness.withMocks(
            dir,
            List.of(new MockProviderOptions().keys("sk-m")),
            (vertx, mocks) -> table(mocks.get(0)),
            Map.of("bad", "sk-m", "good", "sk-m"));
    mock = gateway.mock(0);
  }

  static RoutingTable table(MockProvider mock) {
    RoutingTable.Timeouts timeouts = new RoutingTable.Timeouts(1_000L, 3_000L, 5_000L, null);
    return TestTables.table(
        List.of(
            provider("bad", mock.baseUrl(), timeouts, null, null, null, Map.of()),
            provider("good", mock.baseUrl(), timeouts, null, null, null, Map.of())),
        List.of(
            policy(
                "interactive",
                1,
                200,
                0.2,
                5,
                new RoutingTable.CircuitBreaker(50, 5_000L, 4, 60_000L, 60_000L),
                List.of()),
            policy(
                "batch",
                1,
                200,
                0.2,
                5,
                new RoutingTable.CircuitBreaker(50, 30_000L, 4, 60_000L, 60_000L),
                List.of())),
        List.of(
            policyRoute(
                "chat", "interactive", target("bad", "shared", 0), target("good", "ok-model", 1)),
            policyRoute(
                "batch", "batch", target("bad", "shared", 0), target("good", "ok-model", 1))));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  @Test
  void aTargetSharedByRoutesWithDifferentBreakerSettingsStillOpens() throws Exception {
    mock.faults().set("shared", "status:500");
    // Both routes send their requests in turn, as mixed traffic does.
    for (int i = 0; i < 8; i++) {
      HttpResponse<String> r = chat(i % 2 == 0 ? "chat" : "batch");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("x-switchboard-provider")).hasValue("good");
    }
    assertThat(gateway.server().resilience().breakerState("bad/shared"))
        .contains(CircuitBreaker.State.OPEN);
    long attempts = mock.attempts("shared");
    for (int i = 0; i < 4; i++) {
      assertThat(chat(i % 2 == 0 ? "chat" : "batch").statusCode()).isEqualTo(200);
    }
    // Open for both routes: skipped without being called.
    assertThat(mock.attempts("shared")).isEqualTo(attempts);
  }

  private static HttpResponse<String> chat(String route) throws Exception {
    return gateway.post("/v1/chat/completions", GatewayHarness.chat(route, false));
  }
}
