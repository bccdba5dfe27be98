package dev.switchboard.gateway.upstream.adapter;

import static dev.switchboard.gateway.TestTables.provider;
import static dev.switchboard.gateway.TestTables.route;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.logging.RequestLogWriter;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import dev.switchboard.mock.record.RequestRecord;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OpenAI's {@code temperature} goes to 2, Anthropic's to 1 (it refuses more with a 400): a chat or
 * Responses request to an Anthropic target is sent at most 1, and the answer says so in {@code
 * x-switchboard-unhonoured-params} as it says an unhonoured seed.
 */
class AnthropicTemperatureIT {

  @TempDir static Path dir;

  static GatewayHarness gateway;
  static MockProvider mock;

  @BeforeAll
  static void start() throws Exception {
    gateway =
        GatewayHarness.withMock(
            dir,
            new MockProviderOptions().keys("sk-ant"),
            m ->
                TestTables.table(
                    List.of(provider("ant", "anthropic", m.baseUrl(), true, Map.of(), null)),
                    List.of(route("claude", List.of(), target("ant", "claude-x", 0)))),
            Map.of("ant", "sk-ant"));
    mock = gateway.mock();
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  static JsonObject lastSent() {
    List<RequestRecord> seen = mock.requests();
    return seen.get(seen.size() - 1).body();
  }

  static String unhonoured(HttpResponse<String> res) {
    return res.headers().firstValue("x-switchboard-unhonoured-params").orElse(null);
  }

  @Test
  void aChatTemperatureAboveOneIsSentAsOneAndSaid() throws Exception {
    for (boolean stream : new boolean[] {false, true}) {
      HttpResponse<String> res =
          gateway.post(
              "/v1/chat/completions",
              "{\"model\":\"claude\",\"temperature\":1.6,\"stream\":"
                  + stream
                  + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

      assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
      assertThat(lastSent().getDouble("temperature")).isEqualTo(1.0);
      assertThat(unhonoured(res)).isEqualTo("temperature");
    }
  }

  /**
   * The request log says what the header said, on a route that is not deterministic too (the log
   * wrote unhonoured_params only on deterministic routes).
   */
  @Test
  void theRequestLogNamesTheClampedTemperatureAsTheHeaderDoes() throws Exception {
    ListAppender<ILoggingEvent> requestLog = new ListAppender<>();
    requestLog.start();
    Logger logger = (Logger) org.slf4j.LoggerFactory.getLogger(RequestLogWriter.LOGGER_NAME);
    logger.addAppender(requestLog);
    try {
      HttpResponse<String> res =
          gateway.post(
              "/v1/chat/completions",
              "{\"model\":\"claude\",\"temperature\":1.6,"
                  + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
      String id = res.headers().firstValue("x-request-id").orElseThrow();

      JsonNode line =
          await()
              .atMost(Duration.ofSeconds(10))
              .until(
                  () -> {
                    synchronized (requestLog) {
                      for (ILoggingEvent e : requestLog.list) {
                        JsonNode l = GatewayHarness.json(e.getFormattedMessage());
                        if (id.equals(l.path("request_id").asText())) {
                          return l;
                        }
                      }
                    }
                    return null;
                  },
                  java.util.Objects::nonNull);
      assertThat(unhonoured(res)).isEqualTo("temperature");
      assertThat(line.path("unhonoured_params").asText()).isEqualTo("temperature");
    } finally {
      logger.detachAppender(requestLog);
    }
  }

  @Test
  void aResponsesTemperatureAboveOneIsSentAsOneAndSaid() throws Exception {
    HttpResponse<String> res =
        gateway.post("/v1/responses", "{\"model\":\"claude\",\"temperature\":2,\"input\":\"hi\"}");

    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    assertThat(lastSent().getDouble("temperature")).isEqualTo(1.0);
    assertThat(unhonoured(res)).isEqualTo("temperature");
  }

  @Test
  void aTemperatureAnthropicTakesIsSentAsGivenAndNothingIsSaid() throws Exception {
    HttpResponse<String> res =
        gateway.post(
            "/v1/chat/completions",
            "{\"model\":\"claude\",\"temperature\":0.7,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    assertThat(lastSent().getDouble("temperature")).isEqualTo(0.7);
    assertThat(unhonoured(res)).isNull();
  }
}
