package dev.switchboard.gateway.consumer;

import static dev.switchboard.gateway.TestTables.route;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.ConsumerOptions;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.LogCapture;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.logging.RequestLogWriter;
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stream that ends without the provider's usage settles the consumer's budget with an estimate;
 * the request log line and the cost metric say what was charged, marked as an estimate, so the
 * spend report and the log agree. The estimate is no reported usage: the token metric the canary
 * analysis reads and the token mix the cost strategies price targets with leave it out.
 */
class ConsumerCutStreamAccountingTest {

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
                            "openai",
                            "openai",
                            m.baseUrl(),
                            true,
                            Map.of("gpt-4o-cut", priced, "gpt-4o-whole", priced),
                            null)),
                    List.of(
                        route("cut", List.of(), target("openai", "gpt-4o-cut", 0)),
                        route("whole", List.of(), target("openai", "gpt-4o-whole", 0)))),
            Map.of("openai", "sk-provider"),
            o -> o.withConsumers(ConsumerOptions.defaults().withConsumersFile(consumers)),
            clock);
    mock = gateway.mock();
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  static String body(String model) {
    return "{\"model\":\""
        + model
        + "\",\"stream\":true,\"max_tokens\":2000,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"Tell me about the weather in Oslo\"}]}";
  }

  @Test
  void aStreamCutBeforeItsUsageLogsAndCountsWhatTheConsumerWasCharged() throws Exception {
    // The role chunk and two content pieces, then the upstream ends the body: no usage.
    mock.faults().add("gpt-4o-cut", "truncate:3", 1);
    String body = body("cut");
    double spentBefore = ConsumerFixture.spentTodayUsd(gateway, clock, "coder");
    List<String> lines;
    long relayed = 0;
    try (LogCapture log = LogCapture.of(RequestLogWriter.LOGGER_NAME, Level.INFO)) {
      var cut = gateway.post("/v1/chat/completions", body, "authorization", "Bearer sk-coder");
      assertThat(cut.statusCode()).isEqualTo(200);
      for (String line : cut.body().split("\n")) {
        if (line.startsWith("data: {")) {
          JsonNode delta = GatewayHarness.json(line.substring(6)).at("/choices/0/delta");
          relayed += delta.path("content").asText("").length();
        }
      }
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(() -> assertThat(routeLines(log, "cut")).hasSize(1));
      lines = routeLines(log, "cut");
    }
    assertThat(relayed).isPositive();
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(ConsumerFixture.spentTodayUsd(gateway, clock, "coder"))
                    .isGreaterThan(spentBefore));
    double charged = ConsumerFixture.spentTodayUsd(gateway, clock, "coder") - spentBefore;
    long promptTokens = body.length() / 4 + 1;
    long outputTokens = (relayed + 3) / 4;
    assertThat(charged)
        .isCloseTo((promptTokens * 1.0 + outputTokens * 1_000.0) / 1_000_000, Offset.offset(1e-9));

    JsonNode line = GatewayHarness.json(lines.get(0));
    assertThat(line.path("error_class").asText()).isEqualTo("stream_truncated");
    assertThat(line.path("usage_estimated").asBoolean()).isTrue();
    assertThat(line.path("input_tokens").asLong()).isEqualTo(promptTokens);
    assertThat(line.path("output_tokens").asLong()).isEqualTo(outputTokens);
    assertThat(line.path("cached_tokens").asLong()).isZero();
    assertThat(line.path("cost_usd").isNumber()).isTrue();
    assertThat(line.path("cost_usd").asDouble()).isCloseTo(charged, Offset.offset(1e-9));

    String metrics = gateway.admin("/metrics").body();
    // The cost counter counts what the consumer was charged, its estimated part apart as well.
    assertThat(sum(metrics, "switchboard_cost_usd_total", "cut"))
        .isCloseTo(charged, Offset.offset(1e-9));
    assertThat(sum(metrics, "switchboard_estimated_cost_usd_total", "cut"))
        .isCloseTo(charged, Offset.offset(1e-9));
    // No reported usage: no tokens per answer for the canary analysis to average in.
    assertThat(sum(metrics, "gen_ai_client_token_usage_tokens_count", "cut")).isZero();

    // The live stats count the cost, but no token mix the cost strategies would price with.
    JsonNode row = statsRow("cut");
    assertThat(row.path("mean_output_tokens").isNull()).isTrue();
    assertThat(row.path("mean_input_tokens").isNull()).isTrue();
    assertThat(row.path("cost_per_1k_requests_usd").asDouble())
        .isCloseTo(charged * 1000, Offset.offset(1e-3));
  }

  @Test
  void aStreamWithItsUsageIsNotMarkedEstimated() throws Exception {
    List<String> lines;
    try (LogCapture log = LogCapture.of(RequestLogWriter.LOGGER_NAME, Level.INFO)) {
      var whole =
          gateway.post("/v1/chat/completions", body("whole"), "authorization", "Bearer sk-coder");
      assertThat(whole.statusCode()).isEqualTo(200);
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(() -> assertThat(routeLines(log, "whole")).hasSize(1));
      lines = routeLines(log, "whole");
    }
    JsonNode line = GatewayHarness.json(lines.get(0));
    assertThat(line.has("usage_estimated")).isFalse();
    assertThat(line.path("output_tokens").asLong()).isPositive();
    assertThat(line.path("cost_usd").isNumber()).isTrue();
    String metrics = gateway.admin("/metrics").body();
    assertThat(sum(metrics, "switchboard_estimated_cost_usd_total", "whole")).isZero();
    assertThat(sum(metrics, "gen_ai_client_token_usage_tokens_count", "whole")).isPositive();
  }

  /** The request log lines of {@code route}. */
  static List<String> routeLines(LogCapture log, String route) throws Exception {
    List<String> out = new ArrayList<>();
    for (String message : log.messages()) {
      if (route.equals(GatewayHarness.json(message).path("route").asText())) {
        out.add(message);
      }
    }
    return out;
  }

  /** The sum of the samples of {@code name} on {@code route} in a Prometheus exposition. */
  static double sum(String exposition, String name, String route) {
    double sum = 0;
    for (String l : exposition.split("\n")) {
      if (l.startsWith(name + "{") && l.contains("route=\"" + route + "\"")) {
        sum += Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }

  /** The {@code /v1/switchboard/stats} target row of {@code route}, as the consumer sees it. */
  static JsonNode statsRow(String route) throws Exception {
    var stats =
        gateway.send(
            HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/switchboard/stats"))
                .header("authorization", "Bearer sk-coder")
                .GET()
                .build());
    assertThat(stats.statusCode()).isEqualTo(200);
    for (JsonNode row : GatewayHarness.json(stats.body()).path("targets")) {
      if (route.equals(row.path("route").asText())) {
        return row;
      }
    }
    throw new AssertionError("no stats row of route " + route + ": " + stats.body());
  }
}
