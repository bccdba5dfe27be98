package dev.switchboard.gateway.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.mock.MockProvider;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Anthropic bills prompt tokens written to its cache above the input price: a request's reservation
 * must cover the cache-write price, or concurrent cache-priming requests spend past the consumer's
 * budget. One gateway without a shared store, in front of the mock speaking Messages.
 */
class ConsumerCacheWriteBudgetTest {

  static final double BUDGET_USD = 1.0;

  /** $1 per million input and output tokens; a cache write costs $10,000 per million. */
  static final RoutingTable.Pricing PRICES =
      new RoutingTable.Pricing(1.0, 1.0, null, "USD", null, null, 10_000.0);

  @TempDir static Path dir;
  static GatewayHarness gateway;
  static MockProvider mock;
  static final ManualClock clock = new ManualClock();
  static final HttpClient http = ConsumerFixture.http();

  @BeforeAll
  static void start() throws Exception {
    Path consumers =
        ConsumerFixture.writeConsumers(
            dir, ConsumerFixture.consumer("primer", "sk-primer", BUDGET_USD));
    RoutingTable.Model model = new RoutingTable.Model(List.of("chat"), 200_000L, PRICES, null);
    gateway =
        ConsumerFixture.gateway(
            dir,
            consumers,
            ConsumerFixture.oneModel("claude", "anthropic", "claude-sonnet-4-5", model, "primed"),
            "claude",
            clock);
    mock = gateway.mock();
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  /** What an answer cost, from the usage the client was shown. */
  static double cost(HttpResponse<String> answer) throws Exception {
    JsonNode usage = GatewayHarness.json(answer.body()).get("usage");
    return (usage.get("input_tokens").asLong() * 1.0
            + usage.get("cache_creation_input_tokens").asLong() * 10_000.0
            + usage.get("output_tokens").asLong() * 1.0)
        / 1_000_000;
  }

  @Test
  void concurrentCachePrimingRequestsNeverSpendPastTheBudget() throws Exception {
    // Each answer: 20 prompt tokens of which the mock writes 10 to the cache (the request has a
    // cache breakpoint), so about $0.10; all admitted before the first one settles.
    mock.faults().add("claude-sonnet-4-5", "delay:1000,prompt-tokens:20,tokens:5", 30);
    HttpRequest request =
        ConsumerFixture.post(
            gateway,
            "/v1/messages",
            "sk-primer",
            "{\"model\":\"primed\",\"max_tokens\":5,\"system\":[{\"type\":\"text\",\"text\":"
                + "\"long prefix\",\"cache_control\":{\"type\":\"ephemeral\"}}],"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Say hi\"}]}");
    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (int i = 0; i < 15; i++) {
      all.add(http.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
    }
    double charged = 0;
    int refused = 0;
    for (CompletableFuture<HttpResponse<String>> f : all) {
      HttpResponse<String> answer = f.join();
      if (answer.statusCode() == 200) {
        assertThat(
                GatewayHarness.json(answer.body())
                    .at("/usage/cache_creation_input_tokens")
                    .asLong())
            .isEqualTo(10);
        charged += cost(answer);
      } else {
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(429);
        refused++;
      }
    }
    double answered = charged;
    // The consumer is charged the cache writes at their price, as the request log says.
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(ConsumerFixture.spentTodayUsd(gateway, clock, "primer"))
                    .isCloseTo(answered, org.assertj.core.data.Offset.offset(1e-6)));
    assertThat(answered).isLessThanOrEqualTo(BUDGET_USD);
    assertThat(refused).isPositive();
  }
}
