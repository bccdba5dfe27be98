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
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A provider whose key is not loaded (its Secret entry is missing) is never called: moving on from
 * it to the next target is not a retry, so it costs no retry budget and does not wait a backoff.
 * Counted as one, a route whose budget was spent answered 503 {@code no_key} although its fallback
 * was healthy (the breaker never opens on a missing key, so the keyless target stays first).
 */
class MissingKeyFailoverIT {

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
            Map.of("good", "sk-m"));
    mock = gateway.mock(0);
  }

  static RoutingTable table(MockProvider mock) {
    RoutingTable.Timeouts timeouts = new RoutingTable.Timeouts(1_000L, 3_000L, 5_000L, null);
    return TestTables.table(
        List.of(
            provider("keyless", mock.baseUrl(), timeouts, null, null, null, Map.of()),
            provider("good", mock.baseUrl(), timeouts, null, null, null, Map.of())),
        // No retry budget at all (and three attempts per target, with backoff).
        List.of(policy("strict", 3, 2_000, 0.0, 0, null, List.of())),
        List.of(
            policyRoute(
                "keyed",
                "strict",
                target("keyless", "k-model", 0),
                target("good", "ok-model", 1))));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  @Test
  void aTargetWithoutKeyIsPassedOverWithoutSpendingTheRetryBudget() throws Exception {
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> r = chat("keyed");
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(r.headers().firstValue("x-switchboard-provider")).hasValue("good");
    }
    assertThat(mock.attempts("k-model")).isZero();
  }

  private static HttpResponse<String> chat(String route) throws Exception {
    return gateway.post("/v1/chat/completions", GatewayHarness.chat(route, false));
  }
}
