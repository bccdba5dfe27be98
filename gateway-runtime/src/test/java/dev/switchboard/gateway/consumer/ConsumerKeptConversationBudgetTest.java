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
 * A Responses API follow-up ({@code previous_response_id}) is a short body whose prompt is the
 * whole conversation the provider kept: its reservation must not be the body's size, or concurrent
 * follow-ups spend past the consumer's budget. One gateway without a shared store.
 */
class ConsumerKeptConversationBudgetTest {

  static final double BUDGET_USD = 5.0;

  @TempDir static Path dir;
  static GatewayHarness gateway;
  static MockProvider mock;
  static final ManualClock clock = new ManualClock();
  static final HttpClient http = ConsumerFixture.http();

  @BeforeAll
  static void start() throws Exception {
    Path consumers =
        ConsumerFixture.writeConsumers(
            dir, ConsumerFixture.consumer("chatty", "sk-chatty", BUDGET_USD));
    // $100 per million tokens in and out, a context window of 10,000 tokens.
    RoutingTable.Model model =
        new RoutingTable.Model(
            List.of("chat"), 10_000L, new RoutingTable.Pricing(100.0, 100.0, null, "USD"), null);
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

  static HttpRequest responses(String body) {
    return ConsumerFixture.post(gateway, "/v1/responses", "sk-chatty", body);
  }

  /** What an answer cost at $100 per million tokens in and out. */
  static double cost(HttpResponse<String> answer) throws Exception {
    JsonNode usage = GatewayHarness.json(answer.body()).get("usage");
    return (usage.get("input_tokens").asLong() + usage.get("output_tokens").asLong())
        * 100.0
        / 1_000_000;
  }

  static double spentTodayUsd() throws Exception {
    return ConsumerFixture.spentTodayUsd(gateway, clock, "chatty");
  }

  @Test
  void concurrentFollowUpsOfAKeptConversationNeverSpendPastTheBudget() throws Exception {
    HttpResponse<String> first =
        http.send(
            responses("{\"model\":\"native\",\"input\":\"One\",\"max_output_tokens\":10}"),
            HttpResponse.BodyHandlers.ofString());
    assertThat(first.statusCode()).isEqualTo(200);
    String id = GatewayHarness.json(first.body()).get("id").asText();
    // The provider counts the conversation it kept: 9,000 input tokens for each follow-up, all
    // admitted before the first one settles.
    mock.faults().add("gpt-4.1", "delay:1000,prompt-tokens:9000,tokens:10", 20);
    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      all.add(
          http.sendAsync(
              responses(
                  "{\"model\":\"native\",\"input\":\"Two\",\"max_output_tokens\":10,"
                      + "\"previous_response_id\":\""
                      + id
                      + "\"}"),
              HttpResponse.BodyHandlers.ofString()));
    }
    double charged = cost(first);
    int refused = 0;
    for (CompletableFuture<HttpResponse<String>> f : all) {
      HttpResponse<String> answer = f.join();
      if (answer.statusCode() == 200) {
        charged += cost(answer);
      } else {
        assertThat(answer.statusCode()).isEqualTo(429);
        refused++;
      }
    }
    double answered = charged;
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(spentTodayUsd())
                    .isCloseTo(answered, org.assertj.core.data.Offset.offset(1e-6)));
    assertThat(answered).isLessThanOrEqualTo(BUDGET_USD);
    assertThat(refused).isPositive();
  }
}
