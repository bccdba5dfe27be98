package dev.switchboard.gateway.consumer;

import static dev.switchboard.gateway.TestTables.target;

import dev.switchboard.contract.ConsumerTable;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.RoutingTableCodec;
import dev.switchboard.gateway.ConsumerOptions;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.request.KeyDigest;
import dev.switchboard.gateway.state.RedisProcess;
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import io.vertx.core.Vertx;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateways the consumer's and the route's rate-limit tests share: consumer {@code two-a-minute}
 * (key {@code sk-two}, 2 requests a minute), route {@code capped} (its policy's client rate limit:
 * 1 request a minute) and route {@code open} (no limit of its own), served in memory ({@link
 * #local}) and with the shared Redis store ({@link #shared}), on a manual clock. Each test class
 * that extends it gets its own gateways.
 */
abstract class RateLimitedGateways {

  @TempDir static Path dir;
  static Vertx vertx;
  static MockProvider mock;
  static RedisProcess redis;
  static final ManualClock clock = new ManualClock();
  static GatewayHarness local;
  static GatewayHarness shared;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    redis = RedisProcess.start();
    mock =
        MockProvider.startBlocking(
            vertx, new MockProviderOptions().keys("sk-provider").models("gpt-4o-mini"));
    Path consumers = dir.resolve("consumers.json");
    Files.write(
        consumers,
        new ConsumerTable(
                ConsumerTable.SCHEMA_VERSION,
                List.of(
                    new ConsumerTable.Consumer(
                        "two-a-minute",
                        List.of(KeyDigest.of("sk-two")),
                        null,
                        List.of(new ConsumerTable.RateLimit(2, null)),
                        null,
                        "deny",
                        Map.of())))
            .toJson());
    RoutingTable base =
        TestTables.table(
            List.of(TestTables.provider("mock", mock.baseUrl(), true)),
            List.of(
                TestTables.policyRoute("capped", "one-a-minute", target("mock", "gpt-4o-mini", 0)),
                TestTables.route("open", List.of(), target("mock", "gpt-4o-mini", 0))));
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
                        List.of(new RoutingTable.RateLimit("route", 1, null)),
                        null,
                        null,
                        null,
                        null,
                        null)),
                base.routes()));
    local = gateway("local", table, ConsumerOptions.defaults().withConsumersFile(consumers));
    shared =
        gateway(
            "shared",
            table,
            ConsumerOptions.defaults().withConsumersFile(consumers).withStateStore(redis.uri()));
  }

  static GatewayHarness gateway(String name, RoutingTable table, ConsumerOptions consumers)
      throws Exception {
    return GatewayHarness.start(
        vertx,
        Files.createDirectories(dir.resolve(name)),
        table,
        Map.of("mock", "sk-provider"),
        o -> o.withConsumers(consumers),
        clock);
  }

  @AfterAll
  static void stop() throws Exception {
    local.close();
    shared.close();
    mock.close();
    redis.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static HttpResponse<String> chat(GatewayHarness gateway, String model) throws Exception {
    return gateway.send(
        ConsumerFixture.post(
            gateway, "/v1/chat/completions", "sk-two", GatewayHarness.chat(model, false)));
  }
}
