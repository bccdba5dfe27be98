package dev.switchboard.gateway.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.time.ManualClock;
import java.nio.file.Path;
import java.util.List;
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
    Path consumers =
        ConsumerFixture.writeConsumers(dir, ConsumerFixture.consumer("coder", "sk-coder", 5.0));
    RoutingTable.Model claude =
        new RoutingTable.Model(
            List.of("chat"), 200_000L, new RoutingTable.Pricing(3.0, 15.0, 0.3, "USD"), null);
    gateway =
        ConsumerFixture.gateway(
            dir,
            consumers,
            ConsumerFixture.oneModel("claude", "anthropic", "claude-sonnet-4-5", claude, "claude"),
            "claude",
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
    assertThat(ConsumerFixture.spentTodayUsd(gateway, clock, "coder")).isZero();
  }
}
