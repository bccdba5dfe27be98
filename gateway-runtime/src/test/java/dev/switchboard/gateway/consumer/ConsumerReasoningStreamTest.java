package dev.switchboard.gateway.consumer;

import static dev.switchboard.gateway.TestTables.route;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.ConsumerOptions;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reasoning model's stream cut short while it reasons (the client left, the upstream broke) has
 * relayed reasoning text the provider bills as output tokens: the stream that ends without usage
 * settles it as it settles the answer text, or a consumer could reason for free by leaving before
 * the answer starts.
 */
class ConsumerReasoningStreamTest {

  @TempDir static Path dir;
  static GatewayHarness gateway;
  static MockProvider mock;
  static final ManualClock clock = new ManualClock();

  @BeforeAll
  static void start() throws Exception {
    Path consumers =
        ConsumerFixture.writeConsumers(dir, ConsumerFixture.consumer("coder", "sk-coder", 100.0));
    RoutingTable.Model priced =
        new RoutingTable.Model(
            List.of("chat"), 128_000L, new RoutingTable.Pricing(1.0, 1_000.0, null, "USD"), null);
    gateway =
        GatewayHarness.withMock(
            Files.createDirectories(dir.resolve("gateway")),
            new MockProviderOptions().keys("sk-provider"),
            m ->
                TestTables.table(
                    List.of(
                        TestTables.provider(
                            "deepseek",
                            "deepseek",
                            m.baseUrl(),
                            true,
                            Map.of("deepseek-reasoner", priced),
                            null),
                        TestTables.provider(
                            "claude",
                            "anthropic",
                            m.baseUrl(),
                            true,
                            Map.of("claude-sonnet-4-5", priced),
                            null)),
                    List.of(
                        route("reasoner", List.of(), target("deepseek", "deepseek-reasoner", 0)),
                        route("claude", List.of(), target("claude", "claude-sonnet-4-5", 0)))),
            Map.of("deepseek", "sk-provider", "claude", "sk-provider"),
            o -> o.withConsumers(ConsumerOptions.defaults().withConsumersFile(consumers)),
            clock);
    mock = gateway.mock();
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  static double spentTodayUsd() throws Exception {
    return ConsumerFixture.spentTodayUsd(gateway, clock, "coder");
  }

  /** Prompt = body bytes / 4 + 1 at $1/M, output = relayed characters / 4 (up) at $1000/M. */
  static double estimate(String body, long relayedChars) {
    return ((body.length() / 4 + 1) * 1.0 + ((relayedChars + 3) / 4) * 1_000.0) / 1_000_000;
  }

  @Test
  void aChatStreamCutWhileTheModelReasonsSettlesTheReasoningItRelayed() throws Exception {
    // The role chunk and two reasoning pieces, then the upstream ends the body.
    mock.faults().add("deepseek-reasoner", "truncate:3", 1);
    String body =
        "{\"model\":\"reasoner\",\"stream\":true,\"max_tokens\":2000,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Think about the weather in Oslo\"}]}";
    double before = spentTodayUsd();
    var cut = gateway.post("/v1/chat/completions", body, "authorization", "Bearer sk-coder");
    assertThat(cut.statusCode()).isEqualTo(200);
    long reasoning = 0;
    long content = 0;
    for (String line : cut.body().split("\n")) {
      if (line.startsWith("data: {")) {
        JsonNode delta = GatewayHarness.json(line.substring(6)).at("/choices/0/delta");
        reasoning += delta.path("reasoning_content").asText("").length();
        content += delta.path("content").asText("").length();
      }
    }
    assertThat(reasoning).isPositive();
    assertThat(content).isZero();
    double expected = estimate(body, reasoning);
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(spentTodayUsd()).isGreaterThan(before));
    assertThat(spentTodayUsd() - before).isCloseTo(expected, Offset.offset(1e-9));
  }

  @Test
  void aMessagesStreamCutWhileClaudeThinksSettlesTheThinkingItRelayed() throws Exception {
    // message_start, the thinking block's start, ping, two thinking deltas.
    mock.faults().add("claude-sonnet-4-5", "truncate:5", 1);
    String body =
        "{\"model\":\"claude\",\"stream\":true,\"max_tokens\":2000,"
            + "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":1024},"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Think about the weather in Oslo\"}]}";
    double before = spentTodayUsd();
    var cut = gateway.post("/v1/messages", body, "x-api-key", "sk-coder");
    assertThat(cut.statusCode()).isEqualTo(200);
    long thinking = 0;
    long text = 0;
    for (String line : cut.body().split("\n")) {
      if (line.startsWith("data: {")) {
        JsonNode event = GatewayHarness.json(line.substring(6));
        if ("content_block_delta".equals(event.path("type").asText())) {
          thinking += event.at("/delta/thinking").asText("").length();
          text += event.at("/delta/text").asText("").length();
        }
      }
    }
    assertThat(thinking).isPositive();
    assertThat(text).isZero();
    double expected = estimate(body, thinking);
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(spentTodayUsd()).isGreaterThan(before));
    assertThat(spentTodayUsd() - before).isCloseTo(expected, Offset.offset(1e-9));
  }
}
