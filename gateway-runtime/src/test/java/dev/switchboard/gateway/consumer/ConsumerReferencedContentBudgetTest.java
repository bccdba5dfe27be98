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
 * Images and files sent by URL or file id are a few bytes of the body each and many tokens of the
 * prompt (a photo costs about a thousand, a PDF thousands per page): the reservation of such a
 * request must not be the body's size, or concurrent ones spend past the consumer's budget. One
 * gateway without a shared store.
 */
class ConsumerReferencedContentBudgetTest {

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
            dir,
            ConsumerFixture.consumer("chatty", "sk-chatty", BUDGET_USD),
            ConsumerFixture.consumer("frugal", "sk-frugal", 0.5));
    // $100 per million tokens in and out, a context window of 10,000 tokens.
    RoutingTable.Model model =
        new RoutingTable.Model(
            List.of("chat", "vision"),
            10_000L,
            new RoutingTable.Pricing(100.0, 100.0, null, "USD"),
            null);
    gateway =
        ConsumerFixture.gateway(
            dir,
            consumers,
            ConsumerFixture.oneModel("openai", "openai", "gpt-4.1", model, "vision"),
            "openai",
            clock);
    mock = gateway.mock();
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  static HttpRequest chat(String body) {
    return chat(body, "sk-chatty");
  }

  static HttpRequest chat(String body, String key) {
    return ConsumerFixture.post(gateway, "/v1/chat/completions", key, body);
  }

  /** What an answer cost at $100 per million tokens in and out. */
  static double cost(HttpResponse<String> answer) throws Exception {
    JsonNode usage = GatewayHarness.json(answer.body()).get("usage");
    return (usage.get("prompt_tokens").asLong() + usage.get("completion_tokens").asLong())
        * 100.0
        / 1_000_000;
  }

  static double spentTodayUsd() throws Exception {
    return ConsumerFixture.spentTodayUsd(gateway, clock, "chatty");
  }

  @Test
  void concurrentRequestsWithImagesByUrlNeverSpendPastTheBudget() throws Exception {
    StringBuilder parts = new StringBuilder("{\"type\":\"text\",\"text\":\"What is in these?\"}");
    for (int i = 0; i < 10; i++) {
      parts
          .append(",{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/p")
          .append(i)
          .append(".jpg\"}}");
    }
    String body =
        "{\"model\":\"vision\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":["
            + parts
            + "]}]}";
    // The provider counts the images: 9,000 input tokens for each request, all admitted before
    // the first one settles.
    mock.faults().add("gpt-4.1", "delay:1000,prompt-tokens:9000,tokens:10", 20);
    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      all.add(http.sendAsync(chat(body), HttpResponse.BodyHandlers.ofString()));
    }
    double charged = 0;
    int refused = 0;
    for (CompletableFuture<HttpResponse<String>> f : all) {
      HttpResponse<String> answer = f.join();
      if (answer.statusCode() == 200) {
        charged += cost(answer);
      } else {
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(429);
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

  @Test
  void aUrlThatIsNotAnImageOrFileIsJustText() throws Exception {
    // A web-search answer sent back with its citation: not content the provider fetches, so not
    // the context window's reservation ($1 here), which a budget of $0.50 could never hold.
    String body =
        "{\"model\":\"vision\",\"max_tokens\":10,\"messages\":["
            + "{\"role\":\"assistant\",\"content\":\"See the docs.\",\"annotations\":[{\"type\":"
            + "\"url_citation\",\"url_citation\":{\"url\":\"https://example.com/docs\","
            + "\"title\":\"Docs\",\"start_index\":0,\"end_index\":3}}]},"
            + "{\"role\":\"user\",\"content\":\"Thanks\"}]}";
    HttpResponse<String> answer =
        http.send(chat(body, "sk-frugal"), HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
  }
}
