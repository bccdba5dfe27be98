package dev.switchboard.gateway.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.mock.MockProvider;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An Anthropic Messages stream passed through to a Messages client that ends without its usage (the
 * client left, the upstream cut it short) is settled like any other stream: the prompt estimated
 * from the body, the output from the answer text relayed to the client.
 */
class ConsumerResponsesStreamTest {

  @TempDir static Path dir;
  static GatewayHarness gateway;
  static MockProvider mock;
  static final ManualClock clock = new ManualClock();

  @BeforeAll
  static void start() throws Exception {
    Path consumers =
        ConsumerFixture.writeConsumers(dir, ConsumerFixture.consumer("coder", "sk-coder", 1.0));
    RoutingTable.Model model =
        new RoutingTable.Model(
            List.of("chat"), 128_000L, new RoutingTable.Pricing(1.0, 1_000.0, null, "USD"), null);
    gateway =
        ConsumerFixture.gateway(
            dir,
            consumers,
            ConsumerFixture.oneModel("openai", "openai", "gpt-4.1", model, "native"),
            "openai",
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

  @Test
  void aPassedThroughStreamCutShortSettlesTheTextItRelayed() throws Exception {
    mock.faults().add("gpt-4.1", "tokens:40,truncate:12", 1);
    String body =
        "{\"model\":\"native\",\"stream\":true,\"max_output_tokens\":100,\"input\":\"Say hi\"}";
    var cut = gateway.post("/v1/responses", body, "authorization", "Bearer sk-coder");
    assertThat(cut.statusCode()).isEqualTo(200);
    assertThat(cut.body()).doesNotContain("response.completed");
    long relayedChars = 0;
    for (String line : cut.body().split("\n")) {
      if (line.startsWith("data: {")) {
        JsonNode event = GatewayHarness.json(line.substring(6));
        if ("response.output_text.delta".equals(event.path("type").asText())) {
          relayedChars += event.path("delta").asText("").length();
        }
      }
    }
    assertThat(relayedChars).isPositive();
    // prompt = body bytes / 4 + 1 at $1/M, output = relayed characters / 4 (up) at $1000/M.
    double expected =
        ((body.length() / 4 + 1) * 1.0 + ((relayedChars + 3) / 4) * 1_000.0) / 1_000_000;
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(spentTodayUsd()).isPositive());
    assertThat(spentTodayUsd()).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-9));
  }
}
