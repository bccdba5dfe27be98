package dev.switchboard.gateway.consumer;

import static dev.switchboard.gateway.TestTables.route;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.LogCapture;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.logging.RequestLogWriter;
import dev.switchboard.mock.MockProviderOptions;
import java.net.http.HttpResponse;
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
 * Without consumers (open access) an answer that came without usage is accounted with the same
 * estimate as a consumer's: a whole answer by its text, a stream by the text it relayed; in the
 * request log ({@code usage_estimated}) and both cost metrics.
 */
class AnswerWithoutUsageOpenAccessTest {

  @TempDir static Path dir;
  static GatewayHarness gateway;

  @BeforeAll
  static void start() throws Exception {
    gateway =
        GatewayHarness.withMock(
            dir,
            new MockProviderOptions().keys("sk-provider"),
            m ->
                TestTables.table(
                    List.of(
                        TestTables.provider(
                            "openai",
                            "openai",
                            m.baseUrl(),
                            true,
                            Map.of("gpt-4o-bare", AnswerWithoutUsageAccountingTest.PRICED),
                            null)),
                    List.of(
                        route("open-chat", List.of(), target("openai", "gpt-4o-bare", 0)),
                        route("open-stream", List.of(), target("openai", "gpt-4o-bare", 0)))),
            Map.of("openai", "sk-provider"));
    gateway.mock().faults().set("gpt-4o-bare", "no-usage");
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  @Test
  void aChatAnswerWithoutUsageIsLoggedAndCountedAsAnEstimate() throws Exception {
    String body =
        "{\"model\":\"open-chat\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello there\"}]}";
    Call call = call(body);
    long chars =
        GatewayHarness.json(call.response.body())
            .at("/choices/0/message/content")
            .asText()
            .length();
    assertThat(chars).isPositive();
    assertEstimated(call.line, "open-chat", body, chars);
  }

  @Test
  void aStreamWithoutUsageIsLoggedAndCountedAsAnEstimate() throws Exception {
    String body = AnswerWithoutUsageAccountingTest.streamBody("open-stream");
    Call call = call(body);
    long chars = AnswerWithoutUsageAccountingTest.relayedChars(call.response.body());
    assertThat(chars).isPositive();
    assertEstimated(call.line, "open-stream", body, chars);
  }

  record Call(HttpResponse<String> response, JsonNode line) {}

  static Call call(String body) throws Exception {
    String route = GatewayHarness.json(body).path("model").asText();
    try (LogCapture log = LogCapture.of(RequestLogWriter.LOGGER_NAME, Level.INFO)) {
      HttpResponse<String> response = gateway.post("/v1/chat/completions", body);
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () -> assertThat(ConsumerCutStreamAccountingTest.routeLines(log, route)).hasSize(1));
      return new Call(
          response,
          GatewayHarness.json(ConsumerCutStreamAccountingTest.routeLines(log, route).get(0)));
    }
  }

  static void assertEstimated(JsonNode line, String route, String body, long chars)
      throws Exception {
    double expected = AnswerWithoutUsageAccountingTest.estimateUsd(body, chars);
    assertThat(line.path("usage_estimated").asBoolean()).isTrue();
    assertThat(line.path("input_tokens").asLong())
        .isEqualTo(AnswerWithoutUsageAccountingTest.inputTokens(body));
    assertThat(line.path("output_tokens").asLong())
        .isEqualTo(AnswerWithoutUsageAccountingTest.outputTokens(chars));
    assertThat(line.path("cost_usd").asDouble()).isCloseTo(expected, Offset.offset(1e-9));
    String metrics = gateway.admin("/metrics").body();
    assertThat(ConsumerCutStreamAccountingTest.sum(metrics, "switchboard_cost_usd_total", route))
        .isCloseTo(expected, Offset.offset(1e-9));
    assertThat(
            ConsumerCutStreamAccountingTest.sum(
                metrics, "switchboard_estimated_cost_usd_total", route))
        .isCloseTo(expected, Offset.offset(1e-9));
  }
}
