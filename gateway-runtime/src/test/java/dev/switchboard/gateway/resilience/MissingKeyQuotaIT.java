package dev.switchboard.gateway.resilience;

import static dev.switchboard.gateway.TestTables.policyRoute;
import static dev.switchboard.gateway.TestTables.target;
import static dev.switchboard.gateway.resilience.ResilienceTables.policy;
import static dev.switchboard.gateway.resilience.ResilienceTables.provider;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A target passed over because no key is loaded for its provider was never sent, so it takes
 * nothing from that provider's quota: with {@code requestsPerMinute: 1} and the clock standing
 * still, the provider still has its one request once its key arrives.
 */
class MissingKeyQuotaIT {

  @TempDir Path dir;
  final ManualClock clock = new ManualClock();
  MockProvider mock;
  GatewayHarness gateway;

  @BeforeEach
  void start() throws Exception {
    gateway =
        GatewayHarness.withMock(
            dir,
            new MockProviderOptions().keys("sk-m"),
            MissingKeyQuotaIT::table,
            Map.of("good", "sk-m"),
            o -> o,
            clock);
    mock = gateway.mock();
  }

  static RoutingTable table(MockProvider mock) {
    RoutingTable.Timeouts timeouts = new RoutingTable.Timeouts(1_000L, 3_000L, 5_000L, null);
    return TestTables.table(
        List.of(
            provider(
                "keyless",
                mock.baseUrl(),
                timeouts,
                null,
                new RoutingTable.Quota(1, null),
                null,
                Map.of()),
            provider("good", mock.baseUrl(), timeouts, null, null, null, Map.of())),
        List.of(policy("p", 1, 200, 0.2, 5, null, List.of())),
        List.of(
            policyRoute(
                "keyed", "p", target("keyless", "k-model", 0), target("good", "ok-model", 1))));
  }

  @AfterEach
  void stop() throws Exception {
    gateway.close();
  }

  @Test
  void aTargetWithoutKeyTakesNoUnitOfItsProvidersQuota() throws Exception {
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> r = chat();
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(r.headers().firstValue("x-switchboard-provider")).hasValue("good");
    }
    assertThat(keylessQuotaAvailable()).isTrue();

    gateway.writeKey("keyless", "sk-m");

    // Until the key is loaded the target is passed over again (still taking nothing); then its
    // one request of the minute is there to serve.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> "keyless".equals(chat().headers().firstValue("x-switchboard-provider").get()));
    assertThat(mock.attempts("k-model")).isEqualTo(1);
    assertThat(keylessQuotaAvailable()).isFalse();
  }

  private HttpResponse<String> chat() throws Exception {
    return gateway.post("/v1/chat/completions", GatewayHarness.chat("keyed", false));
  }

  @SuppressWarnings("unchecked")
  private boolean keylessQuotaAvailable() {
    Map<String, Object> providers =
        (Map<String, Object>) gateway.server().resilience().summary().get("providers");
    return (Boolean) ((Map<String, Object>) providers.get("keyless")).get("quotaAvailable");
  }
}
