package dev.switchboard.gateway.pipeline;

import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.RoutingTableCodec;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import io.vertx.core.Vertx;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin port's drift requests (the operator's own, {@link Exchange#internal()}) draw nothing
 * from the route's client rate limits: a nightly run neither uses up the anonymous clients' bucket
 * (keyed on {@code api-key}, which an anonymous request shares) or the route's own, nor is it
 * refused by them — the drift runner bounds it ({@code maxRequests}, {@code concurrency}). Time is
 * a manual clock, so no bucket refills during the test.
 */
class DriftRequestRouteLimitTest {

  static final String DRIFT = "/admin/drift/chat/completions";

  @TempDir Path dir;
  Vertx vertx;
  MockProvider mock;
  GatewayHarness gateway;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    mock =
        MockProvider.startBlocking(
            vertx, new MockProviderOptions().keys("sk-provider").models("gpt-4o-mini"));
    RoutingTable base =
        TestTables.table(
            List.of(TestTables.provider("mock", mock.baseUrl(), true)),
            List.of(
                TestTables.policyRoute(
                    "capped", "one-a-minute", target("mock", "gpt-4o-mini", 0))));
    RoutingTable table =
        RoutingTableCodec.versioned(
            new RoutingTable(
                base.schemaVersion(),
                null,
                base.namespace(),
                base.providers(),
                Map.of(
                    "one-a-minute",
                    new RoutingTable.Policy(
                        "one-a-minute",
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        List.of(
                            new RoutingTable.RateLimit("api-key", 1, null),
                            new RoutingTable.RateLimit("route", 1, null)),
                        null,
                        null,
                        null,
                        null,
                        null)),
                base.routes()));
    gateway =
        GatewayHarness.start(
            vertx, dir, table, Map.of("mock", "sk-provider"), o -> o, new ManualClock());
  }

  @AfterEach
  void stop() throws Exception {
    gateway.close();
    mock.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void driftRequestsNeitherUseUpNorAreRefusedByTheRoutesClientRateLimits() throws Exception {
    String body = GatewayHarness.chat("capped", false);
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> drift =
          gateway.adminPost(DRIFT, body, "x-switchboard-target", "mock/gpt-4o-mini");
      assertThat(drift.statusCode()).as(drift.body()).isEqualTo(200);
    }

    // The anonymous client's one request of the minute is still there, and only one.
    HttpResponse<String> client = gateway.post("/v1/chat/completions", body);
    assertThat(client.statusCode()).as(client.body()).isEqualTo(200);
    assertThat(gateway.post("/v1/chat/completions", body).statusCode()).isEqualTo(429);
  }
}
