package dev.switchboard.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.logging.RequestLogWriter;
import dev.switchboard.mock.sse.SseEvent;
import dev.switchboard.mock.sse.SseParser;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A passed-through Responses stream the provider ends with {@code response.failed}: the client gets
 * that event, a terminal event of its protocol that the SDKs read the response's error from, and
 * not an {@code error} event the gateway made up; the request still counts as failed.
 */
class ResponsesFailedEventIT {

  static final String KEY = "sk-proj-responses-failed-key-0123456789";

  @TempDir Path dir;
  Vertx vertx;
  HttpServer upstream;
  final ListAppender<ILoggingEvent> requestLog = new ListAppender<>();

  static String event(String type, String json) {
    return "event: " + type + "\ndata: " + json + "\n\n";
  }

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    String response =
        "{\"id\":\"resp_1\",\"object\":\"response\",\"created_at\":1,\"model\":\"gpt-x\","
            + "\"output\":[],\"usage\":null,";
    upstream =
        GatewayHarness.upstream(
            vertx,
            req ->
                req.response()
                    .setChunked(true)
                    .putHeader("content-type", "text/event-stream")
                    .end(
                        event(
                                "response.created",
                                "{\"type\":\"response.created\",\"sequence_number\":0,"
                                    + "\"response\":"
                                    + response
                                    + "\"status\":\"in_progress\",\"error\":null}}")
                            + event(
                                "response.output_text.delta",
                                "{\"type\":\"response.output_text.delta\",\"sequence_number\":1,"
                                    + "\"item_id\":\"msg_1\",\"output_index\":0,"
                                    + "\"content_index\":0,\"delta\":\"Hel\"}")
                            + event(
                                "response.failed",
                                "{\"type\":\"response.failed\",\"sequence_number\":2,"
                                    + "\"response\":"
                                    + response
                                    + "\"status\":\"failed\",\"error\":{\"code\":\"server_error\","
                                    + "\"message\":\"The model failed; your key was "
                                    + KEY
                                    + "\"}}}")));
    requestLog.start();
    ((Logger) org.slf4j.LoggerFactory.getLogger(RequestLogWriter.LOGGER_NAME))
        .addAppender(requestLog);
  }

  @AfterEach
  void stop() {
    ((Logger) org.slf4j.LoggerFactory.getLogger(RequestLogWriter.LOGGER_NAME))
        .detachAppender(requestLog);
    vertx.close().toCompletionStage().toCompletableFuture().join();
  }

  private List<JsonNode> lines() throws Exception {
    List<ILoggingEvent> events;
    synchronized (requestLog) {
      events = List.copyOf(requestLog.list);
    }
    List<JsonNode> lines = new ArrayList<>();
    for (ILoggingEvent e : events) {
      lines.add(GatewayHarness.json(e.getFormattedMessage()));
    }
    return lines;
  }

  @Test
  void theProvidersResponseFailedEndsTheClientsStreamAndTheRequestFailed() throws Exception {
    try (GatewayHarness gateway =
        GatewayHarness.start(
            vertx,
            dir,
            TestTables.table(
                List.of(
                    TestTables.provider(
                        "oai",
                        "openai",
                        "http://127.0.0.1:" + upstream.actualPort() + "/v1",
                        true,
                        Map.of(),
                        null)),
                List.of(TestTables.route("gpt", List.of(), TestTables.target("oai", "gpt-x", 0)))),
            Map.of("oai", KEY))) {
      HttpResponse<String> res =
          gateway.post("/v1/responses", "{\"model\":\"gpt\",\"stream\":true,\"input\":\"hi\"}");

      assertThat(res.statusCode()).isEqualTo(200);
      List<SseEvent> events = SseParser.parseAll(res.body());
      assertThat(events.stream().map(SseEvent::event))
          .containsExactly("response.created", "response.output_text.delta", "response.failed");
      JsonNode failed = GatewayHarness.json(events.get(2).data());
      assertThat(failed.at("/sequence_number").asInt()).isEqualTo(2);
      assertThat(failed.at("/response/status").asText()).isEqualTo("failed");
      assertThat(failed.at("/response/error/code").asText()).isEqualTo("server_error");
      assertThat(failed.at("/response/error/message").asText()).startsWith("The model failed");
      assertThat(res.body()).doesNotContain(KEY);
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(lines()).isNotEmpty());
      JsonNode line = lines().get(0);
      assertThat(line.path("outcome").asText()).isEqualTo("error");
      assertThat(line.path("error_class").asText()).isEqualTo("upstream_stream_error");
    }
  }
}
