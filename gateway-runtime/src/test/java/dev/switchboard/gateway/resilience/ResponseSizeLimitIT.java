package dev.switchboard.gateway.resilience;

import static dev.switchboard.gateway.TestTables.policyRoute;
import static dev.switchboard.gateway.TestTables.target;
import static dev.switchboard.gateway.resilience.ResilienceTables.policy;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #13, finding 2: a provider whose non-streamed answer never ends (mock fault {@code
 * endless-json}) costs the gateway at most its {@code maxResponseBytes}; the attempt fails as a bad
 * answer long before the total timeout, and the request fails over.
 */
class ResponseSizeLimitIT {

  private static final long LIMIT = 1024 * 1024;

  @TempDir static Path dir;
  static MockProvider endless;
  static MockProvider fallback;
  static GatewayHarness gateway;

  @BeforeAll
  static void start() throws Exception {
    gateway =
        GatewayHarness.withMocks(
            dir,
            List.of(new MockProviderOptions().keys("sk-e"), new MockProviderOptions().keys("sk-f")),
            (vertx, mocks) -> table(mocks.get(0), mocks.get(1)),
            Map.of("endless", "sk-e", "fallback", "sk-f"));
    endless = gateway.mock(0);
    fallback = gateway.mock(1);
  }

  /** Route {@code chat}: provider {@code endless} with the size limit, then {@code fallback}. */
  static RoutingTable table(MockProvider endless, MockProvider fallback) {
    // A total timeout far beyond the test's patience: only the size limit can end the attempt.
    RoutingTable.Timeouts timeouts = new RoutingTable.Timeouts(1_000L, 60_000L, 600_000L, null);
    return TestTables.table(
        List.of(
            new RoutingTable.Provider(
                "endless",
                "openai-compatible",
                endless.baseUrl(),
                true,
                null,
                Map.of(),
                timeouts,
                null,
                LIMIT,
                null,
                null,
                Map.of()),
            ResilienceTables.provider(
                "fallback", fallback.baseUrl(), timeouts, null, null, null, Map.of())),
        List.of(policy("failover", 1, 100, 0.2, 5, null, List.of())),
        List.of(
            policyRoute(
                "chat", "failover", target("endless", "e-1", 0), target("fallback", "f-1", 1))));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  @Test
  void anEndlessAnswerFailsOverToTheFallbackAtTheLimit() throws Exception {
    endless.faults().set("*", "endless-json");

    HttpResponse<String> r =
        gateway.post("/v1/chat/completions", GatewayHarness.chat("chat", false));

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("x-switchboard-provider")).hasValue("fallback");
    assertThat(r.body()).doesNotContain("chatcmpl-endless");
    assertThat(endless.attempts("e-1")).isEqualTo(1);
    // Ended by the limit as a bad answer, not by a timeout.
    assertThat(attempts("endless", "bad_response")).isEqualTo(1.0);
    assertThat(attempts("endless", "timeout")).isZero();
    assertThat(attempts("fallback", "success")).isEqualTo(1.0);
  }

  /** {@code switchboard_upstream_attempts_total} of one provider and outcome, 0 when absent. */
  private static double attempts(String provider, String outcome) throws Exception {
    return gateway
        .admin("/metrics")
        .body()
        .lines()
        .filter(l -> l.startsWith("switchboard_upstream_attempts_total{"))
        .filter(l -> l.contains("provider=\"" + provider + "\""))
        .filter(l -> l.contains("outcome=\"" + outcome + "\""))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }
}
