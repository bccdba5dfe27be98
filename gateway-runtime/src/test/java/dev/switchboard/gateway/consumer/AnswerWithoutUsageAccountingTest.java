package dev.switchboard.gateway.consumer;

import static dev.switchboard.gateway.TestTables.cachePolicy;
import static dev.switchboard.gateway.TestTables.policyRoute;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.contract.ConsumerTable;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.ConsumerOptions;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.LogCapture;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.logging.RequestLogWriter;
import dev.switchboard.gateway.request.KeyDigest;
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import java.net.http.HttpResponse;
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
 * An answer the provider reported no usage for (the mock's {@code no-usage}: a provider or an
 * OpenAI-compatible server that omits it) is accounted with the estimate a stream cut short is: the
 * prompt from the request's bytes, the output from the answer's text. Whole answers on the chat,
 * Responses and Messages doors are charged that estimate (no longer their whole reservation), and a
 * stream without a budget behind it is estimated as a budgeted one is; the request log says so
 * ({@code usage_estimated}) and both cost metrics count it. A cache hit on such an answer is
 * neither charged nor estimated.
 */
class AnswerWithoutUsageAccountingTest {

  /** Input $1/M, output $1000/M: the output estimate is what moves the cost. */
  static final RoutingTable.Model PRICED = TestTables.priced(1.0, 1_000.0);

  @TempDir static Path dir;
  static GatewayHarness gateway;
  static MockProvider mock;
  static final ManualClock clock = new ManualClock();

  @BeforeAll
  static void start() throws Exception {
    Path consumers =
        ConsumerFixture.writeConsumers(
            dir,
            ConsumerFixture.consumer("coder", "sk-coder", 100.0),
            // No budget, no limit: nothing of it is counted by the consumer stage.
            ConsumerFixture.consumer("free", "sk-free", null),
            // No budget, a rate limit: settled by the consumer stage, with no reservation.
            new ConsumerTable.Consumer(
                "limited",
                List.of(KeyDigest.of("sk-limited")),
                null,
                List.of(new ConsumerTable.RateLimit(1000, null)),
                null,
                null,
                Map.of()));
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
                            Map.of("gpt-4o-bare", PRICED),
                            null),
                        TestTables.provider(
                            "claude",
                            "anthropic",
                            m.baseUrl(),
                            true,
                            Map.of("claude-sonnet-4-5-bare", PRICED),
                            null)),
                    List.of(
                        cachePolicy(
                            "exact",
                            new RoutingTable.Cache(
                                true, 600_000L, 1000, false, null, null, null, null, 0.3, null,
                                null))),
                    List.of(
                        policyRoute("bare-chat", null, target("openai", "gpt-4o-bare", 0)),
                        policyRoute("bare-responses", null, target("openai", "gpt-4o-bare", 0)),
                        policyRoute(
                            "bare-messages", null, target("claude", "claude-sonnet-4-5-bare", 0)),
                        policyRoute("bare-stream", null, target("openai", "gpt-4o-bare", 0)),
                        policyRoute("bare-limited", null, target("openai", "gpt-4o-bare", 0)),
                        policyRoute("bare-cached", "exact", target("openai", "gpt-4o-bare", 0)))),
            Map.of("openai", "sk-provider", "claude", "sk-provider"),
            o -> o.withConsumers(ConsumerOptions.defaults().withConsumersFile(consumers)),
            clock);
    mock = gateway.mock();
    mock.faults().set("gpt-4o-bare", "no-usage");
    mock.faults().set("claude-sonnet-4-5-bare", "no-usage");
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  static double spent(String consumer) throws Exception {
    return ConsumerFixture.spentTodayUsd(gateway, clock, consumer);
  }

  /** What the estimate of an answer of {@code answerChars} to a {@code body} costs here. */
  static double estimateUsd(String body, long answerChars) {
    return (inputTokens(body) * 1.0 + outputTokens(answerChars) * 1_000.0) / 1_000_000;
  }

  static long inputTokens(String body) {
    return body.length() / 4 + 1; // ASCII: characters are bytes
  }

  static long outputTokens(long answerChars) {
    return (answerChars + 3) / 4;
  }

  @Test
  void aChatAnswerWithoutUsageIsChargedLoggedAndCountedAsAnEstimate() throws Exception {
    String body =
        "{\"model\":\"bare-chat\",\"max_tokens\":2000,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Tell me about the weather in Oslo\"}]}";
    Accounted a = call("/v1/chat/completions", body, "authorization", "Bearer sk-coder", "coder");
    JsonNode answer = GatewayHarness.json(a.response.body());
    assertThat(answer.has("usage")).isFalse();
    long chars = answer.at("/choices/0/message/content").asText().length();
    assertThat(chars).isPositive();
    // The estimate, not the reservation (2000 output tokens at $1000/M: $2).
    assertEstimated(a, "bare-chat", body, chars, true);
  }

  @Test
  void aResponseWithoutUsageIsChargedLoggedAndCountedAsAnEstimate() throws Exception {
    String body =
        "{\"model\":\"bare-responses\",\"max_output_tokens\":2000,"
            + "\"input\":\"Tell me about the weather in Oslo\"}";
    Accounted a = call("/v1/responses", body, "authorization", "Bearer sk-coder", "coder");
    JsonNode response = GatewayHarness.json(a.response.body());
    assertThat(response.path("usage").isObject()).isFalse();
    long chars = 0;
    for (JsonNode item : response.path("output")) {
      for (JsonNode part : item.path("content")) {
        chars += part.path("text").asText("").length();
      }
    }
    assertThat(chars).isPositive();
    assertEstimated(a, "bare-responses", body, chars, true);
  }

  @Test
  void aMessageWithoutUsageIsChargedLoggedAndCountedAsAnEstimate() throws Exception {
    String body =
        "{\"model\":\"bare-messages\",\"max_tokens\":2000,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Tell me about the weather in Oslo\"}]}";
    Accounted a = call("/v1/messages", body, "x-api-key", "sk-coder", "coder");
    JsonNode message = GatewayHarness.json(a.response.body());
    long chars = 0;
    for (JsonNode block : message.path("content")) {
      chars += block.path("text").asText("").length();
    }
    assertThat(chars).isPositive();
    assertEstimated(a, "bare-messages", body, chars, true);
  }

  @Test
  void aStreamWithoutUsageAndWithoutABudgetIsLoggedAndCountedAsAnEstimate() throws Exception {
    String body = streamBody("bare-stream");
    Accounted a = call("/v1/chat/completions", body, "authorization", "Bearer sk-free", "free");
    long chars = relayedChars(a.response.body());
    assertThat(chars).isPositive();
    // Not budgeted, not limited: nothing to settle, the estimate is in the log and the metrics.
    assertEstimated(a, "bare-stream", body, chars, false);
    assertThat(spent("free")).isZero();
  }

  @Test
  void aRateLimitedConsumerWithoutABudgetSpendsTheEstimateOfItsStream() throws Exception {
    String body = streamBody("bare-limited");
    Accounted a =
        call("/v1/chat/completions", body, "authorization", "Bearer sk-limited", "limited");
    long chars = relayedChars(a.response.body());
    assertThat(chars).isPositive();
    // Settled like an answer with usage: its cost in the consumer's spend, nothing reserved.
    assertEstimated(a, "bare-limited", body, chars, true);
  }

  @Test
  void aCacheHitOnAnAnswerWithoutUsageIsNeitherChargedNorEstimated() throws Exception {
    String body =
        "{\"model\":\"bare-cached\",\"max_tokens\":2000,\"temperature\":0,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Tell me about the weather in Oslo\"}]}";
    Accounted miss =
        call("/v1/chat/completions", body, "authorization", "Bearer sk-coder", "coder");
    assertThat(miss.response.headers().firstValue("x-switchboard-cache")).hasValue("miss");
    long chars =
        GatewayHarness.json(miss.response.body())
            .at("/choices/0/message/content")
            .asText()
            .length();
    assertEstimated(miss, "bare-cached", body, chars, true);

    double spentBefore = spent("coder");
    String metricsBefore = gateway.admin("/metrics").body();
    Accounted hit = call("/v1/chat/completions", body, "authorization", "Bearer sk-coder", "coder");
    assertThat(hit.response.headers().firstValue("x-switchboard-cache")).hasValue("hit");
    assertThat(spent("coder")).isEqualTo(spentBefore);
    assertThat(hit.line.path("cache").asText()).isEqualTo("hit");
    assertThat(hit.line.has("usage_estimated")).isFalse();
    assertThat(hit.line.path("cost_usd").asDouble(-1)).isZero();
    String metrics = gateway.admin("/metrics").body();
    for (String name :
        List.of("switchboard_cost_usd_total", "switchboard_estimated_cost_usd_total")) {
      assertThat(sum(metrics, name, "bare-cached"))
          .isCloseTo(sum(metricsBefore, name, "bare-cached"), Offset.offset(1e-12));
    }
  }

  static String streamBody(String model) {
    return "{\"model\":\""
        + model
        + "\",\"stream\":true,\"max_tokens\":2000,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"Tell me about the weather in Oslo\"}]}";
  }

  /** The content characters of a chat stream's chunks, as its client got them. */
  static long relayedChars(String stream) throws Exception {
    assertThat(stream).contains("data: [DONE]");
    long chars = 0;
    for (String line : stream.split("\n")) {
      if (line.startsWith("data: {")) {
        JsonNode chunk = GatewayHarness.json(line.substring(6));
        assertThat(chunk.path("usage").isObject()).isFalse();
        chars += chunk.at("/choices/0/delta/content").asText("").length();
      }
    }
    return chars;
  }

  /** A request's answer, its log line, and its consumer's spend before it. */
  record Accounted(HttpResponse<String> response, JsonNode line, String consumer, double before) {}

  static Accounted call(String path, String body, String header, String key, String consumer)
      throws Exception {
    String route = GatewayHarness.json(body).path("model").asText();
    double before = spent(consumer);
    try (LogCapture log = LogCapture.of(RequestLogWriter.LOGGER_NAME, Level.INFO)) {
      HttpResponse<String> response = gateway.post(path, body, header, key);
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () -> assertThat(ConsumerCutStreamAccountingTest.routeLines(log, route)).hasSize(1));
      JsonNode line =
          GatewayHarness.json(ConsumerCutStreamAccountingTest.routeLines(log, route).get(0));
      return new Accounted(response, line, consumer, before);
    }
  }

  /**
   * The answer of {@code route} was accounted with the estimate of {@code chars} of answer text: in
   * the log line, both cost metrics and, when {@code charged}, what its consumer was charged.
   */
  static void assertEstimated(Accounted a, String route, String body, long chars, boolean charged)
      throws Exception {
    double expected = estimateUsd(body, chars);
    if (charged) {
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () ->
                  assertThat(spent(a.consumer) - a.before)
                      .isCloseTo(expected, Offset.offset(1e-9)));
    }
    JsonNode line = a.line;
    assertThat(line.path("usage_estimated").asBoolean()).isTrue();
    assertThat(line.path("input_tokens").asLong()).isEqualTo(inputTokens(body));
    assertThat(line.path("output_tokens").asLong()).isEqualTo(outputTokens(chars));
    assertThat(line.path("cost_usd").isNumber()).isTrue();
    assertThat(line.path("cost_usd").asDouble()).isCloseTo(expected, Offset.offset(1e-9));
    String metrics = gateway.admin("/metrics").body();
    assertThat(sum(metrics, "switchboard_cost_usd_total", route))
        .isCloseTo(expected, Offset.offset(1e-9));
    assertThat(sum(metrics, "switchboard_estimated_cost_usd_total", route))
        .isCloseTo(expected, Offset.offset(1e-9));
    // No reported usage: no tokens for the canary analysis to average in.
    assertThat(sum(metrics, "gen_ai_client_token_usage_tokens_count", route)).isZero();
  }

  static double sum(String exposition, String name, String route) {
    return ConsumerCutStreamAccountingTest.sum(exposition, name, route);
  }
}
