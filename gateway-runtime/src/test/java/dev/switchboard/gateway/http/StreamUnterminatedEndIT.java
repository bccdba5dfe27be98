package dev.switchboard.gateway.http;

import static dev.switchboard.gateway.TestTables.policyRoute;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.logging.RequestLogWriter;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Upstreams whose last event lacks the blank line that ends an SSE event — an OpenAI-compatible
 * server ending its body with {@code data: [DONE]\n} (or without even that line end) and closing,
 * an Anthropic stream whose {@code message_stop} is the body's last line, a Gemini stream whose
 * finishing chunk is: the answer is complete, so the client gets it whole, its final event framed
 * as its own SDK needs it, and the attempt is a success. A last line cut inside its JSON is still a
 * truncation: after the first event reached the client its stream ends with {@code
 * stream_truncated} and the attempt counts as the provider's failure; before, the gateway fails
 * over.
 */
class StreamUnterminatedEndIT {

  static final String CHUNK =
      "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,"
          + "\"model\":\"open-1\",\"choices\":[{\"index\":0,\"delta\":";

  static final String OPENAI_ANSWER =
      CHUNK
          + "{\"role\":\"assistant\",\"content\":\"hi\"},\"finish_reason\":null}]}\n\n"
          + CHUNK
          + "{},\"finish_reason\":\"stop\"}]}\n\n";

  static final String ANTHROPIC_ANSWER =
      "event: message_start\n"
          + "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\","
          + "\"role\":\"assistant\",\"model\":\"claude-1\",\"content\":[],\"stop_reason\":null,"
          + "\"stop_sequence\":null,\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}\n\n"
          + "event: content_block_start\n"
          + "data: {\"type\":\"content_block_start\",\"index\":0,"
          + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
          + "event: content_block_delta\n"
          + "data: {\"type\":\"content_block_delta\",\"index\":0,"
          + "\"delta\":{\"type\":\"text_delta\",\"text\":\"hi\"}}\n\n"
          + "event: content_block_stop\n"
          + "data: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
          + "event: message_delta\n"
          + "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
          + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":1}}\n\n"
          + "event: message_stop\n"
          + "data: {\"type\":\"message_stop\"}\n"; // no blank line: the body ends here

  static final String GEMINI_ANSWER =
      "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"hi\"}],\"role\":\"model\"},"
          + "\"index\":0}],\"modelVersion\":\"gem-1\"}\r\n\r\n"
          + "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\" there\"}],"
          + "\"role\":\"model\"},\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":"
          + "{\"promptTokenCount\":5,\"candidatesTokenCount\":2,\"totalTokenCount\":7},"
          + "\"modelVersion\":\"gem-1\"}"; // neither line end nor blank line

  @TempDir static Path dir;
  static Vertx vertx;
  static GatewayHarness gateway;
  static final ListAppender<ILoggingEvent> requestLog = new ListAppender<>();

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    HttpServer upstream = GatewayHarness.upstream(vertx, StreamUnterminatedEndIT::answer);
    String origin = "http://127.0.0.1:" + upstream.actualPort();
    RoutingTable table =
        TestTables.table(
            List.of(
                TestTables.provider("open", origin + "/v1", false),
                TestTables.provider("good", origin + "/v1", false),
                TestTables.provider("claude", "anthropic", origin + "/v1", false, Map.of(), null),
                TestTables.provider("gem", "gemini", origin + "/v1beta", false, Map.of(), null)),
            List.of(
                policyRoute("done-newline", null, target("open", "done-newline", 0)),
                policyRoute("done-bare", null, target("open", "done-bare", 0)),
                policyRoute("cut-after-chunk", null, target("open", "cut-after-chunk", 0)),
                policyRoute(
                    "cut-first",
                    null,
                    target("open", "cut-first", 0),
                    target("good", "done-blank", 1)),
                policyRoute("claude", null, target("claude", "claude-1", 0)),
                policyRoute("gemini", null, target("gem", "gem-1", 0))));
    gateway = GatewayHarness.start(vertx, dir, table, Map.of());
    requestLog.start();
    ((Logger) org.slf4j.LoggerFactory.getLogger(RequestLogWriter.LOGGER_NAME))
        .addAppender(requestLog);
  }

  /** Sends exactly the bytes each target's model stands for, then ends the body. */
  static void answer(HttpServerRequest req, Buffer body) {
    var res = req.response().putHeader("content-type", "text/event-stream");
    if (req.path().endsWith("/messages")) {
      res.end(ANTHROPIC_ANSWER);
      return;
    }
    if (req.path().contains("gem-1")) {
      res.end(GEMINI_ANSWER);
      return;
    }
    String model = body.toJsonObject().getString("model");
    switch (model) {
      case "done-newline" -> res.end(OPENAI_ANSWER + "data: [DONE]\n");
      case "done-bare" -> res.end(OPENAI_ANSWER + "data: [DONE]");
      case "done-blank" -> res.end(OPENAI_ANSWER + "data: [DONE]\n\n");
      // The second chunk cut inside its JSON: no [DONE], no finish reason.
      case "cut-after-chunk" -> res.end(OPENAI_ANSWER.substring(0, OPENAI_ANSWER.length() - 20));
      // Nothing but the start of a chunk: cut before anything could reach the client.
      case "cut-first" -> res.end(CHUNK + "{\"role\":\"assistant\",\"content\":\"h");
      default -> res.setStatusCode(404).end();
    }
  }

  @AfterAll
  static void stop() throws Exception {
    ((Logger) org.slf4j.LoggerFactory.getLogger(RequestLogWriter.LOGGER_NAME))
        .detachAppender(requestLog);
    gateway.close();
    vertx.close().toCompletionStage().toCompletableFuture().get();
  }

  @BeforeEach
  void clearLog() {
    synchronized (requestLog) {
      requestLog.list.clear();
    }
  }

  /** The request log line of the one request the test made, once it is written. */
  private static JsonNode logLine() throws Exception {
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              synchronized (requestLog) {
                assertThat(requestLog.list).hasSize(1);
              }
            });
    synchronized (requestLog) {
      return GatewayHarness.json(requestLog.list.get(0).getFormattedMessage());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"done-newline", "done-bare"})
  void aDoneWithoutItsBlankLineEndsTheStreamAsComplete(String route) throws Exception {
    HttpResponse<String> response =
        gateway.post("/v1/chat/completions", GatewayHarness.chat(route, true));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(GatewayProxyIT.sseData(response.body())).hasSize(3).last().isEqualTo("[DONE]");
    // Framed whole for the client: its own SSE parser dispatches the [DONE] too.
    assertThat(response.body()).endsWith("data: [DONE]\n\n").doesNotContain("\"error\"");
    JsonNode line = logLine();
    assertThat(line.path("outcome").asText()).isEqualTo("success");
    assertThat(line.path("error_class").asText(null)).isNull();
    assertThat(line.path("attempt_outcomes").toString())
        .isEqualTo("[\"open/" + route + ":success\"]");
  }

  @Test
  void anAnthropicMessageStopWithoutItsBlankLineEndsAPassedThroughStream() throws Exception {
    HttpResponse<String> response =
        gateway.post(
            "/v1/messages",
            "{\"model\":\"claude\",\"max_tokens\":16,\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body())
        .contains("\"text\":\"hi\"")
        .endsWith("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n")
        .doesNotContain("\"error\"");
    assertThat(logLine().path("attempt_outcomes").toString())
        .isEqualTo("[\"claude/claude-1:success\"]");
  }

  @Test
  void anAnthropicMessageStopWithoutItsBlankLineEndsABridgedStream() throws Exception {
    HttpResponse<String> response =
        gateway.post("/v1/chat/completions", GatewayHarness.chat("claude", true));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body())
        .contains("\"content\":\"hi\"")
        .endsWith("data: [DONE]\n\n")
        .doesNotContain("\"error\"");
    assertThat(logLine().path("attempt_outcomes").toString())
        .isEqualTo("[\"claude/claude-1:success\"]");
  }

  @Test
  void aGeminiFinishingChunkWithoutItsLineEndsEndsTheStreamAsComplete() throws Exception {
    HttpResponse<String> response =
        gateway.post("/v1/chat/completions", GatewayHarness.chat("gemini", true));

    assertThat(response.statusCode()).isEqualTo(200);
    List<String> events = GatewayProxyIT.sseData(response.body());
    assertThat(events).last().isEqualTo("[DONE]");
    List<String> finishes = new ArrayList<>();
    for (String event : events.subList(0, events.size() - 1)) {
      JsonNode choice = GatewayHarness.json(event).path("choices").path(0);
      finishes.add(choice.path("finish_reason").asText(""));
    }
    assertThat(finishes).contains("stop");
    assertThat(response.body()).contains(" there").doesNotContain("\"error\"");
    assertThat(logLine().path("attempt_outcomes").toString()).isEqualTo("[\"gem/gem-1:success\"]");
  }

  @Test
  void aLastLineCutInsideItsJsonIsStillATruncation() throws Exception {
    HttpResponse<String> response =
        gateway.post("/v1/chat/completions", GatewayHarness.chat("cut-after-chunk", true));

    assertThat(response.statusCode()).isEqualTo(200);
    List<String> events = GatewayProxyIT.sseData(response.body());
    assertThat(events).hasSize(2).doesNotContain("[DONE]");
    assertThat(GatewayHarness.json(events.get(1)).path("error").path("code").asText())
        .isEqualTo("stream_truncated");
    JsonNode line = logLine();
    assertThat(line.path("error_class").asText()).isEqualTo("stream_truncated");
    assertThat(line.path("attempt_outcomes").toString())
        .isEqualTo("[\"open/cut-after-chunk:bad_response\"]");
  }

  @Test
  void aStreamCutInsideItsFirstEventStillFailsOver() throws Exception {
    HttpResponse<String> response =
        gateway.post("/v1/chat/completions", GatewayHarness.chat("cut-first", true));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("x-switchboard-provider")).hasValue("good");
    assertThat(response.headers().firstValue("x-switchboard-attempts")).hasValue("2");
    assertThat(GatewayProxyIT.sseData(response.body())).hasSize(3).last().isEqualTo("[DONE]");
    assertThat(response.body()).doesNotContain("\"error\"");
  }
}
