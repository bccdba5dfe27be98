package dev.switchboard.gateway.consumer;

import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A request the route's own client rate limit refuses (the admit stage, after the consumer's
 * admission) was never served: its consumer gets the request back, counted in memory and in the
 * shared Redis store alike, and {@code switchboard_consumer_requests_total} counts it as {@code
 * route_rate_limited}, not {@code admitted}. Time is a manual clock, so no bucket refills during
 * the test.
 */
class ConsumerRouteLimitRefusalTest {

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

  static String message(HttpResponse<String> refused) throws Exception {
    JsonNode error = GatewayHarness.json(refused.body()).get("error");
    assertThat(error.get("code").asText()).isEqualTo("rate_limit_exceeded");
    return error.get("message").asText();
  }

  @Test
  void aRouteLimitRefusalGivesTheConsumerItsRequestBackInMemory() throws Exception {
    refusalGivesTheRequestBack(local);
  }

  @Test
  void aRouteLimitRefusalGivesTheConsumerItsRequestBackInRedis() throws Exception {
    refusalGivesTheRequestBack(shared);
  }

  private void refusalGivesTheRequestBack(GatewayHarness gateway) throws Exception {
    // Consumer: 2 requests a minute; route "capped": 1 a minute.
    assertThat(chat(gateway, "capped").statusCode()).isEqualTo(200);
    HttpResponse<String> routeRefused = chat(gateway, "capped");
    assertThat(routeRefused.statusCode()).isEqualTo(429);
    assertThat(message(routeRefused))
        .doesNotContain("two-a-minute"); // the route's, not the consumer's

    // The refused request served nothing: the consumer's second request of the minute is left.
    assertThat(chat(gateway, "open").statusCode()).isEqualTo(200);
    HttpResponse<String> consumerRefused = chat(gateway, "open");
    assertThat(consumerRefused.statusCode()).isEqualTo(429);
    assertThat(message(consumerRefused)).contains("consumer 'two-a-minute'");

    // The consumer's metric says what happened to each of its four requests.
    assertThat(consumerRequests(gateway, "admitted")).isEqualTo(2);
    assertThat(consumerRequests(gateway, "route_rate_limited")).isEqualTo(1);
    assertThat(consumerRequests(gateway, "rate_limited")).isEqualTo(1);
  }

  /** {@code switchboard_consumer_requests_total} of the consumer with {@code outcome}. */
  private static double consumerRequests(GatewayHarness gateway, String outcome) throws Exception {
    double count = 0;
    for (String line : gateway.admin("/metrics").body().split("\n")) {
      if (line.startsWith("switchboard_consumer_requests_total{")
          && line.contains("consumer=\"two-a-minute\"")
          && line.contains("outcome=\"" + outcome + "\"")) {
        count += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return count;
  }
}
