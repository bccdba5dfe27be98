package dev.switchboard.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.logging.RequestLogWriter;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stream the upstream ends before its final event: the client gets its one terminal error, the
 * metrics and the canary analysis count the attempt as failed, and the request log line says the
 * same — its attempt is not the success it looked like when its first event went out.
 */
class StreamAttemptLogIT {

  @TempDir Path dir;

  Vertx vertx;
  HttpServer upstream;
  final ListAppender<ILoggingEvent> requestLog = new ListAppender<>();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    upstream =
        GatewayHarness.upstream(
            vertx,
            req -> {
              var res = req.response();
              res.setChunked(true).putHeader("content-type", "text/event-stream");
              // One chunk, then a clean end: no finish_reason, no [DONE].
              res.end(
                  "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,"
                      + "\"model\":\"cut-1\",\"choices\":[{\"index\":0,\"delta\":"
                      + "{\"role\":\"assistant\",\"content\":\"hi\"},\"finish_reason\":null}]}"
                      + "\n\n");
            });
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
  void theRequestLogSaysTheAttemptOfAStreamCutShortFailed() throws Exception {
    try (GatewayHarness gateway =
        GatewayHarness.oneRoute(vertx, dir, upstream, "cutting", "chat", "cut")) {
      HttpResponse<String> response =
          gateway.post("/v1/chat/completions", GatewayHarness.chat("chat", true));

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(GatewayProxyIT.sseData(response.body())).doesNotContain("[DONE]");
      // The header went out with the first event: one attempt.
      assertThat(response.headers().firstValue("x-switchboard-attempts")).hasValue("1");
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(lines()).isNotEmpty());
      JsonNode line = lines().get(0);
      assertThat(line.path("error_class").asText()).isEqualTo("stream_truncated");
      assertThat(line.path("attempt_outcomes").toString())
          .isEqualTo("[\"cutting/cut:bad_response\"]");
    }
  }
}
