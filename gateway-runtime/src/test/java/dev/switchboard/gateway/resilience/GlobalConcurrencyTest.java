package dev.switchboard.gateway.resilience;

import static dev.switchboard.gateway.TestTables.route;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.ConsumerOptions;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.state.RedisProcess;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-model caps with {@code concurrencyScope: global}: three gateway replicas sharing one real
 * redis-server never let more than the premium model's cap of 5 requests be in flight at the mock
 * provider (which counts them) under a burst, while the cheap model on the same endpoint (cap 20)
 * is not held back by the premium model's cap. Per replica, the same burst would reach 15.
 */
class GlobalConcurrencyTest {

  @TempDir static Path dir;
  static Vertx vertx;
  static MockProvider mock;
  static RedisProcess redis;
  static final List<GatewayHarness> replicas = new ArrayList<>();
  static final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  static RoutingTable.Model model(int maxConcurrency) {
    return new RoutingTable.Model(List.of("chat"), 128_000L, null, null, maxConcurrency);
  }

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    redis = RedisProcess.start();
    mock =
        MockProvider.startBlocking(
            vertx, new MockProviderOptions().keys("sk-provider").models("premium", "cheap"));
    // Every answer takes 400 ms, so a burst piles up in flight.
    mock.faults().set("premium", "delay:400");
    mock.faults().set("cheap", "delay:400");
    RoutingTable.Provider account =
        new RoutingTable.Provider(
            "account",
            "openai-compatible",
            mock.baseUrl(),
            true,
            null,
            Map.of(),
            null,
            100,
            null,
            null,
            null,
            Map.of("premium", model(5), "cheap", model(20)),
            RoutingTable.Provider.SCOPE_GLOBAL);
    RoutingTable table =
        TestTables.table(
            List.of(account),
            List.of(
                route("premium", List.of(), target("account", "premium", 0)),
                route("cheap", List.of(), target("account", "cheap", 0))));
    for (int i = 0; i < 3; i++) {
      Path own = Files.createDirectories(dir.resolve("replica-" + i));
      replicas.add(
          GatewayHarness.start(
              vertx,
              own,
              table,
              Map.of("account", "sk-provider"),
              o -> o.withConsumers(ConsumerOptions.defaults().withStateStore(redis.uri()))));
    }
  }

  @AfterAll
  static void stop() throws Exception {
    for (GatewayHarness r : replicas) {
      r.close();
    }
    mock.close();
    vertx.close().toCompletionStage().toCompletableFuture().get();
    redis.close();
  }

  static CompletableFuture<HttpResponse<String>> chat(GatewayHarness replica, String model) {
    return http.sendAsync(
        HttpRequest.newBuilder(URI.create(replica.baseUrl() + "/chat/completions"))
            .timeout(Duration.ofSeconds(30))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(GatewayHarness.chat(model, false)))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void threeReplicasNeverExceedTheGlobalCapOfAModel() throws Exception {
    // Warm replicas (connections to Redis and the provider open, code compiled), as in service.
    for (GatewayHarness replica : replicas) {
      for (int i = 0; i < 3; i++) {
        assertThat(chat(replica, "premium").get().statusCode()).isEqualTo(200);
      }
    }
    mock.stats().reset();
    List<CompletableFuture<HttpResponse<String>>> premium = new ArrayList<>();
    List<CompletableFuture<HttpResponse<String>>> cheap = new ArrayList<>();
    for (int round = 0; round < 3; round++) {
      for (GatewayHarness replica : replicas) {
        for (int i = 0; i < 8; i++) {
          premium.add(chat(replica, "premium"));
        }
        // 18 in all: under the cheap model's cap of 20 even if all overlap.
        for (int i = 0; i < 2; i++) {
          cheap.add(chat(replica, "cheap"));
        }
      }
      Thread.sleep(150);
    }
    CompletableFuture.allOf(premium.toArray(CompletableFuture[]::new)).get();
    CompletableFuture.allOf(cheap.toArray(CompletableFuture[]::new)).get();
    long served = premium.stream().filter(f -> f.join().statusCode() == 200).count();
    long refused = premium.stream().filter(f -> f.join().statusCode() == 503).count();

    assertThat(mock.stats().peakInFlight("premium"))
        .as("premium requests in flight at once, across three replicas")
        .isBetween(1L, 5L);
    assertThat(served).as("the cap serves, it does not block everything").isGreaterThanOrEqualTo(5);
    assertThat(served + refused).as("a full cap fails over (503 here: one target)").isEqualTo(72);
    assertThat(cheap).allSatisfy(f -> assertThat(f.join().statusCode()).isEqualTo(200));
    assertThat(mock.stats().peakInFlight("cheap"))
        .as("the cheap model's own, larger cap")
        .isGreaterThan(5L)
        .isLessThanOrEqualTo(20L);
  }
}
