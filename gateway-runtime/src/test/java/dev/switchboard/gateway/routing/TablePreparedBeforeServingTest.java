package dev.switchboard.gateway.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.RoutingTableCodec;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.cache.CacheSettings;
import dev.switchboard.gateway.resilience.ResilienceRegistry;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A gateway prepares a new routing table's state — the providers' guards with its limits, the
 * routes' response caches with its settings — before the table serves: no request can start on the
 * new table while the guards still carry the old limits or the caches the old settings (before,
 * such a request used the old guard and bypassed the cache until the reload listeners ran). The
 * test holds the resilience registry's lock, which its reconciliation takes, so the reload stops
 * inside its preparation: the table serving meanwhile is still the old one. Real gateway, table
 * applied as its config source applies it.
 */
class TablePreparedBeforeServingTest {

  private final Vertx vertx = Vertx.vertx();
  private GatewayHarness gateway;

  @AfterEach
  void close() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static RoutingTable table(int maxConcurrency, long cacheTtlMs) {
    RoutingTable.Provider provider =
        new RoutingTable.Provider(
            "up",
            "openai-compatible",
            "http://127.0.0.1:9/v1",
            false,
            null,
            Map.of(),
            null,
            maxConcurrency,
            null,
            null,
            null,
            Map.of());
    return TestTables.table(
        List.of(provider),
        List.of(
            TestTables.cachePolicy(
                "cached",
                new RoutingTable.Cache(
                    true, cacheTtlMs, 1000, false, null, null, null, null, 0.3, null, null))),
        List.of(TestTables.policyRoute("chat", "cached", TestTables.target("up", "m", 0))));
  }

  @Test
  void aNewTablesGuardsAndCachesAreInPlaceBeforeItServes() throws Exception {
    RoutingTable before = table(2, 60_000);
    RoutingTable after = table(5, 120_000);
    Path dir = Files.createTempDirectory("prepared");
    gateway = GatewayHarness.start(vertx, dir, before, Map.of());
    RoutingState state = gateway.server().routingState();
    ResilienceRegistry resilience = gateway.server().resilience();
    RoutingTable.Provider newProvider = after.providers().get("up");
    CacheSettings newSettings = CacheSettings.of(after.policies().get("cached").cache());

    CompletableFuture<Void> reload;
    Thread[] applier = new Thread[1];
    synchronized (resilience) {
      reload =
          CompletableFuture.runAsync(
              () -> {
                applier[0] = Thread.currentThread();
                state.apply(RoutingTableCodec.encode(after), "test");
              });
      // The reload waits for the registry's lock: inside the table's preparation.
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> applier[0] != null && applier[0].getState() == Thread.State.BLOCKED);

      assertThat(state.current().orElseThrow().configVersion())
          .as("while the guards are being prepared, requests still start on the old table")
          .isEqualTo(before.configVersion());
    }
    reload.get(10, TimeUnit.SECONDS);

    assertThat(state.current().orElseThrow().configVersion()).isEqualTo(after.configVersion());
    assertThat(resilience.guard(newProvider).bulkhead().max()).isEqualTo(5);
    assertThat(gateway.server().responseCache().route("chat", newSettings))
        .as("the new table's first request finds the caches of its settings")
        .isNotNull();
  }
}
