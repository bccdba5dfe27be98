package dev.switchboard.gateway.consumer;

import static dev.switchboard.gateway.TestTables.route;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.ConsumerTable;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.ConsumerOptions;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.request.KeyDigest;
import dev.switchboard.gateway.state.Spend;
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.mock.MockProviderOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Anthropic's {@code POST /v1/messages/count_tokens} generates nothing and costs nothing: it must
 * not be charged to a consumer's budget (Claude Code counts tokens before many of its requests).
 */
class ConsumerCountTokensTest {

  @TempDir static Path dir;
  static GatewayHarness gateway;
  static final ManualClock clock = new ManualClock();

  @BeforeAll
  static void start() throws Exception {
    Path consumers = dir.resolve("consumers.json");
    Files.write(
        consumers,
        new ConsumerTable(
                ConsumerTable.SCHEMA_VERSION,
                List.of(
                    new ConsumerTable.Consumer(
                        "coder",
                        List.of(KeyDigest.of("sk-coder")),
                        null,
                        List.of(),
                        new ConsumerTable.Budget(5.0, null),
                        null,
                        Map.of())))
            .toJson());
    RoutingTable.Model claude =
        new RoutingTable.Model(
            List.of("chat"), 200_000L, new RoutingTable.Pricing(3.0, 15.0, 0.3, "USD"), null);
    gateway =
        GatewayHarness.withMock(
            Files.createDirectories(dir.resolve("gateway")),
            new MockProviderOptions().keys("sk-provider"),
            m ->
                TestTables.table(
                    List.of(
                        TestTables.provider(
                            "claude",
                            "anthropic",
                            m.baseUrl(),
                            true,
                            Map.of("claude-sonnet-4-5", claude),
                            null)),
                    List.of(route("claude", List.of(), target("claude", "claude-sonnet-4-5", 0)))),
            Map.of("claude", "sk-provider"),
            o -> o.withConsumers(ConsumerOptions.defaults().withConsumersFile(consumers)),
            clock);
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  @Test
  void countingTokensCostsTheConsumerNothing() throws Exception {
    // A count reserved (and kept) what a whole answer could cost: about 3 USD of output on this
    // model, so the second count of a 5 USD day was refused. Counting is free.
    for (int i = 0; i < 3; i++) {
      var counted =
          gateway.post(
              "/v1/messages/count_tokens",
              "{\"model\":\"claude\",\"messages\":[{\"role\":\"user\",\"content\":\"a b c\"}]}",
              "x-api-key",
              "sk-coder");
      assertThat(counted.statusCode()).as(counted.body()).isEqualTo(200);
      assertThat(GatewayHarness.json(counted.body()).path("input_tokens").asInt()).isPositive();
    }
    String day = LocalDate.ofInstant(clock.asJavaClock().instant(), ZoneOffset.UTC).toString();
    long spent =
        gateway
            .server()
            .consumerLimiter()
            .store()
            .spend("coder", day, day.substring(0, 7))
            .toCompletionStage()
            .toCompletableFuture()
            .get(5, TimeUnit.SECONDS)
            .dayNanoUsd();
    assertThat(Spend.toUsd(spent)).isZero();
  }
}
