package dev.switchboard.gateway.resilience;

import static dev.switchboard.gateway.TestTables.policyRoute;
import static dev.switchboard.gateway.TestTables.target;
import static dev.switchboard.gateway.resilience.ResilienceTables.policy;
import static dev.switchboard.gateway.resilience.ResilienceTables.provider;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.RoutingTableCodec;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reload that changes a health-checked provider's protection settings ({@code maxConcurrency},
 * {@code quota}) but not its health check gives it fresh protection state: its running health
 * checker must keep deciding whether the provider is healthy for routing.
 */
class HealthAfterReloadIT {

  @TempDir static Path dir;
  static GatewayHarness gateway;
  static MockProvider mock;
  static MockProvider healthMock;

  @BeforeAll
  static void start() throws Exception {
    gateway =
        GatewayHarness.withMocks(
            dir,
            List.of(new MockProviderOptions().keys("sk-m"), new MockProviderOptions().keys("sk-h")),
            (vertx, mocks) -> table(mocks.get(0), mocks.get(1), 4),
            Map.of("good", "sk-m", "hc", "sk-h"));
    mock = gateway.mock(0);
    healthMock = gateway.mock(1);
  }

  static RoutingTable table(MockProvider mock, MockProvider healthMock, int maxConcurrency) {
    RoutingTable.Timeouts timeouts = new RoutingTable.Timeouts(1_000L, 3_000L, 5_000L, null);
    return TestTables.table(
        List.of(
            provider("good", mock.baseUrl(), timeouts, null, null, null, Map.of()),
            provider(
                "hc",
                healthMock.baseUrl(),
                timeouts,
                maxConcurrency,
                null,
                new RoutingTable.HealthCheck(40L, 500L, 2, 2),
                Map.of())),
        List.of(policy("failover", 1, 200, 0.2, 5, null, List.of())),
        List.of(
            policyRoute(
                "health", "failover", target("hc", "hc-model", 0), target("good", "ok-model", 1))));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  @Test
  void healthChecksStillDecideAfterAReloadChangedTheProvidersProtection() throws Exception {
    RoutingTable wider = RoutingTableCodec.versioned(table(mock, healthMock, 8));
    gateway.writeTable(wider);
    gateway.awaitConfigVersion(wider.configVersion());
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> gateway.admin("/admin/config").body().contains("\"maxConcurrency\":8"));

    healthMock.faults().set("*", "status:503");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                gateway
                    .admin("/metrics")
                    .body()
                    .contains("switchboard_provider_healthy{provider=\"hc\"} 0.0"));
    long before = healthMock.attempts("hc-model");
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> r =
          gateway.post("/v1/chat/completions", GatewayHarness.chat("health", false));
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("x-switchboard-provider")).hasValue("good");
    }
    // Unhealthy: skipped without being called.
    assertThat(healthMock.attempts("hc-model")).isEqualTo(before);
  }
}
