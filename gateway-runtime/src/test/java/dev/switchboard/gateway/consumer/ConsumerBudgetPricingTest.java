package dev.switchboard.gateway.consumer;

import static dev.switchboard.gateway.TestTables.route;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.contract.ConsumerTable;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.ConsumerOptions;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import io.vertx.core.Vertx;
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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Consumer budgets on models with price windows: a request is charged at the prices in force when
 * its answer is accounted (as its {@code cost_usd}), and its reservation covers the dearest price
 * it may be charged. One gateway without a shared store; the windows span every day, so the clock's
 * instant does not matter.
 */
class ConsumerBudgetPricingTest {

  @TempDir static Path dir;
  static Vertx vertx;
  static MockProvider mock;
  static GatewayHarness gateway;
  static final ManualClock clock = new ManualClock();
  static final HttpClient http = ConsumerFixture.http();

  /** List price $1 / $1000 per million, and one window over the whole day. */
  static RoutingTable.Model windowed(double windowOutPerM) {
    return new RoutingTable.Model(
        List.of("chat"),
        128_000L,
        new RoutingTable.Pricing(
            1.0,
            1_000.0,
            null,
            "USD",
            List.of(
                new RoutingTable.PriceWindow(
                    "all-day", null, "00:00", "24:00", "UTC", null, windowOutPerM, null)),
            null),
        null);
  }

  static ConsumerTable.Consumer consumer(String name, double usdPerDay) {
    return ConsumerFixture.consumer(name, "sk-" + name, usdPerDay);
  }

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    mock =
        MockProvider.startBlocking(
            vertx, new MockProviderOptions().keys("sk-provider").models("off-peak", "peak"));
    Path consumers =
        ConsumerFixture.writeConsumers(dir, consumer("night-owl", 1.0), consumer("rush-hour", 0.1));
    RoutingTable table =
        TestTables.table(
            List.of(
                TestTables.provider(
                    "mock",
                    "openai-compatible",
                    mock.baseUrl(),
                    true,
                    Map.of("off-peak", windowed(500.0), "peak", windowed(2_000.0)),
                    null)),
            List.of(
                route("off-peak", List.of(), target("mock", "off-peak", 0)),
                route("peak", List.of(), target("mock", "peak", 0))));
    gateway =
        GatewayHarness.start(
            vertx,
            Files.createDirectories(dir.resolve("gateway")),
            table,
            Map.of("mock", "sk-provider"),
            o -> o.withConsumers(ConsumerOptions.defaults().withConsumersFile(consumers)),
            clock);
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    mock.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static HttpRequest chat(String model, int maxTokens, String key) {
    return ConsumerFixture.post(
        gateway,
        "/v1/chat/completions",
        key,
        "{\"model\":\""
            + model
            + "\",\"max_tokens\":"
            + maxTokens
            + ",\"messages\":[{\"role\":\"user\",\"content\":\"Say hi\"}]}");
  }

  static double spentTodayUsd(String consumer) throws Exception {
    return ConsumerFixture.spentTodayUsd(gateway, clock, consumer);
  }

  @Test
  void anAnswerInAPriceWindowIsChargedAtTheWindowsPrice() throws Exception {
    mock.faults().add("off-peak", "tokens:20,prompt-tokens:1000", 1);
    HttpResponse<String> answer =
        http.send(chat("off-peak", 100, "sk-night-owl"), HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).isEqualTo(200);
    JsonNode usage = GatewayHarness.json(answer.body()).get("usage");
    double expected =
        (usage.get("prompt_tokens").asLong() * 1.0
                + usage.get("completion_tokens").asLong() * 500.0)
            / 1_000_000;
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(spentTodayUsd("night-owl")).isPositive());
    // What the request log and the cost metric say it cost (the window's price), not list price.
    assertThat(spentTodayUsd("night-owl"))
        .isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-9));
  }

  /**
   * A budget that cannot cover the request is not a rate limit that passes: the 429 tells the
   * OpenAI and Anthropic SDKs (which retry every 429 twice by default) not to retry it, on the chat
   * and the Messages door alike.
   */
  @Test
  void aBudgetRefusalTellsSdksNotToRetry() throws Exception {
    // 100 tokens at the window's $2,000 per million: $0.20, more than the $0.10 day.
    HttpResponse<String> chat =
        http.send(chat("peak", 100, "sk-rush-hour"), HttpResponse.BodyHandlers.ofString());
    assertThat(chat.statusCode()).as(chat.body()).isEqualTo(429);
    assertThat(GatewayHarness.json(chat.body()).at("/error/code").asText())
        .isEqualTo("insufficient_quota");
    assertThat(chat.headers().allValues("x-should-retry")).containsExactly("false");

    HttpResponse<String> messages =
        http.send(
            ConsumerFixture.post(
                gateway,
                "/v1/messages",
                "sk-rush-hour",
                "{\"model\":\"peak\",\"max_tokens\":100,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"Say hi\"}]}"),
            HttpResponse.BodyHandlers.ofString());
    assertThat(messages.statusCode()).as(messages.body()).isEqualTo(429);
    assertThat(GatewayHarness.json(messages.body()).at("/error/type").asText())
        .isEqualTo("rate_limit_error");
    assertThat(messages.headers().allValues("x-should-retry")).containsExactly("false");
  }

  @Test
  void concurrentRequestsInADearerWindowNeverSpendPastTheBudget() throws Exception {
    // Every answer at max_tokens, all admitted before the first settles.
    mock.faults().add("peak", "delay:1000,tokens:10", 40);
    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      all.add(
          http.sendAsync(chat("peak", 10, "sk-rush-hour"), HttpResponse.BodyHandlers.ofString()));
    }
    double charged = 0; // what the answers cost at the window's prices
    int refused = 0;
    for (CompletableFuture<HttpResponse<String>> f : all) {
      HttpResponse<String> answer = f.join();
      if (answer.statusCode() == 200) {
        JsonNode usage = GatewayHarness.json(answer.body()).get("usage");
        charged +=
            (usage.get("prompt_tokens").asLong() * 1.0
                    + usage.get("completion_tokens").asLong() * 2_000.0)
                / 1_000_000;
      } else {
        assertThat(answer.statusCode()).isEqualTo(429);
        refused++;
      }
    }
    assertThat(refused).isPositive();
    double answered = charged;
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(spentTodayUsd("rush-hour"))
                    .isCloseTo(answered, org.assertj.core.data.Offset.offset(1e-6)));
    assertThat(answered).isLessThanOrEqualTo(0.1);
  }
}
