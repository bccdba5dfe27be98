package dev.switchboard.gateway.cost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.RoutingTableCodec;
import dev.switchboard.gateway.ConsumerOptions;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.state.RedisProcess;
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import io.vertx.core.Vertx;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Committed use end to end on two gateway replicas sharing one real redis-server ({@code
 * --state-store}): a {@code least-cost} route sends the first request to the provider with prepaid
 * capacity (free while it lasts); that one answer uses the commitment up; after the replicas' sync
 * the other replica — which served nothing — routes on list price too, and its {@code GET
 * /admin/commitments} reports the shared use.
 */
class CommittedRoutingTest {

  @TempDir static Path dir;
  static Vertx vertx;
  static MockProvider mock;
  static RedisProcess redis;
  static final ManualClock clock = new ManualClock();
  static final List<GatewayHarness> replicas = new ArrayList<>();

  static RoutingTable.Provider provider(String name, RoutingTable.Pricing pricing) {
    return new RoutingTable.Provider(
        name,
        "openai-compatible",
        mock.baseUrl(),
        true,
        null,
        Map.of(),
        null,
        null,
        null,
        null,
        Map.of("gpt-4o-mini", new RoutingTable.Model(List.of("chat"), 128_000L, pricing, null)));
  }

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    redis = RedisProcess.start();
    mock =
        MockProvider.startBlocking(
            vertx, new MockProviderOptions().keys("sk-provider").models("gpt-4o-mini"));
    // premium is dear but has a tiny prepaid commitment: one answer uses it up.
    RoutingTable.Provider premium =
        provider(
            "premium",
            new RoutingTable.Pricing(
                3.0, 15.0, null, "USD", null, new RoutingTable.Commitment(null, 0.000_000_1)));
    RoutingTable.Provider cheap =
        provider("cheap", new RoutingTable.Pricing(0.1, 0.4, null, "USD"));
    RoutingTable.Policy policy =
        new RoutingTable.Policy(
            "by-cost", "least-cost", null, null, null, null, null, null, null, null, null, 0.0);
    RoutingTable.Route route =
        new RoutingTable.Route(
            "chat",
            "chat",
            List.of(),
            "by-cost",
            1,
            List.of(
                new RoutingTable.Target("cheap", "gpt-4o-mini", 100, 0),
                new RoutingTable.Target("premium", "gpt-4o-mini", 100, 1)),
            List.of(),
            null);
    RoutingTable table =
        RoutingTableCodec.versioned(
            new RoutingTable(
                RoutingTable.SCHEMA_VERSION,
                null,
                "test",
                Map.of("premium", premium, "cheap", cheap),
                Map.of("by-cost", policy),
                List.of(route)));
    for (int i = 0; i < 2; i++) {
      replicas.add(
          GatewayHarness.start(
              vertx,
              Files.createDirectories(dir.resolve("replica-" + i)),
              table,
              Map.of("premium", "sk-provider", "cheap", "sk-provider"),
              o -> o.withConsumers(ConsumerOptions.defaults().withStateStore(redis.uri())),
              clock));
    }
  }

  @AfterAll
  static void stop() throws Exception {
    for (GatewayHarness r : replicas) {
      r.close();
    }
    mock.close();
    redis.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static String routeReason(int replica) throws Exception {
    HttpResponse<String> r =
        replicas
            .get(replica)
            .post(
                "/v1/chat/completions",
                "{\"model\":\"chat\",\"max_tokens\":16,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"Say hi\"}]}");
    assertThat(r.statusCode()).isEqualTo(200);
    return r.headers().firstValue("x-switchboard-route-reason").orElseThrow();
  }

  @Test
  void theCommittedProviderServesFirstAndEveryReplicaTurnsToListPriceOnceItIsUsed()
      throws Exception {
    assertThat(routeReason(0)).contains("chose=premium/gpt-4o-mini").contains("committed");
    // Replica 0 counted its own answer at once: list price decides there now.
    assertThat(routeReason(0)).contains("chose=cheap/gpt-4o-mini");

    // Replica 1 served nothing; once the replicas have synced (every second of the gateway
    // clock) it sees the shared use and routes on list price as well.
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              clock.advance(1_000);
              JsonNode report =
                  GatewayHarness.JSON.readTree(replicas.get(1).admin("/admin/commitments").body());
              assertThat(report.path("shared").asBoolean()).isTrue();
              JsonNode row = report.path("commitments").get(0);
              assertThat(row.path("target").asText()).isEqualTo("premium/gpt-4o-mini");
              assertThat(row.path("used").asDouble()).isPositive();
              assertThat(row.path("exhausted").asBoolean()).isTrue();
            });
    assertThat(routeReason(1)).contains("chose=cheap/gpt-4o-mini");
  }
}
