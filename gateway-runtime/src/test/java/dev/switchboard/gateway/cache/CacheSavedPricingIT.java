package dev.switchboard.gateway.cache;

import static dev.switchboard.gateway.TestTables.cachePolicy;
import static dev.switchboard.gateway.TestTables.policyRoute;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a cache hit saved is what its original answer was charged: at the prices in force when that
 * answer was accounted (a price window applied), as the original request's {@code cost_usd} — not
 * at list price.
 */
class CacheSavedPricingIT {

  @TempDir static Path dir;
  static Vertx vertx;
  static MockProvider mock;
  static GatewayHarness gateway;
  static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    mock =
        MockProvider.startBlocking(
            vertx, new MockProviderOptions().keys("sk-provider").models("windowed"));
    // List price $1 / $1000 per million tokens; a window over the whole day halves the output.
    RoutingTable.Model windowed =
        new RoutingTable.Model(
            List.of("chat"),
            128_000L,
            new RoutingTable.Pricing(
                1.0,
                1_000.0,
                null,
                "USD",
                List.of(
                    new RoutingTable.PriceWindow(
                        "all-day", null, "00:00", "24:00", "UTC", null, 500.0, null)),
                null),
            null);
    RoutingTable.Cache exact =
        new RoutingTable.Cache(
            true, 600_000L, 1000, false, null, null, null, null, 0.3, null, null);
    RoutingTable table =
        TestTables.table(
            List.of(
                TestTables.provider(
                    "mock",
                    "openai-compatible",
                    mock.baseUrl(),
                    true,
                    Map.of("windowed", windowed),
                    null)),
            List.of(cachePolicy("exact", exact)),
            List.of(policyRoute("cached", "exact", target("mock", "windowed", 0))));
    gateway = GatewayHarness.start(vertx, dir, table, Map.of("mock", "sk-provider"));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    mock.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static HttpResponse<String> ask() throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/chat/completions"))
            .header("Content-Type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"model\":\"cached\",\"temperature\":0,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"What is saved?\"}]}"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aHitSavesWhatItsOriginalWasChargedInItsPriceWindow() throws Exception {
    mock.faults().add("windowed", "tokens:40,prompt-tokens:1000", 1);
    HttpResponse<String> first = ask();
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.headers().firstValue("x-switchboard-cache")).contains("miss");
    JsonNode usage = GatewayHarness.json(first.body()).get("usage");
    double charged =
        (usage.get("prompt_tokens").asLong() * 1.0
                + usage.get("completion_tokens").asLong() * 500.0)
            / 1_000_000;

    HttpResponse<String> second = ask();
    assertThat(second.statusCode()).isEqualTo(200);
    assertThat(second.headers().firstValue("x-switchboard-cache")).contains("hit");

    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () -> assertThat(stats().path("hit").asLong()).as("the hit is counted").isEqualTo(1));
    // The window's price (output $500 per million), not list price ($1000): twice as much.
    assertThat(stats().path("saved_cost_usd").asDouble()).isCloseTo(charged, Offset.offset(1e-12));
  }

  private static JsonNode stats() throws Exception {
    return GatewayHarness.json(gateway.get("/v1/switchboard/stats").body())
        .path("cache")
        .path("cached");
  }
}
