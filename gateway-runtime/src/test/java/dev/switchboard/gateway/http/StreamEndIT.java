package dev.switchboard.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.gateway.GatewayHarness;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An upstream that sends its whole stream, {@code [DONE]} included, and then drops the connection
 * instead of ending the response cleanly: the client got a complete answer, and nothing may follow
 * its {@code [DONE]} — no error event after the end, no error in the request's record. Dropped
 * before its end, the stream ends with the one terminal event that says so.
 */
class StreamEndIT {

  @TempDir Path dir;

  Vertx vertx;
  HttpServer upstream;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    upstream =
        GatewayHarness.upstream(
            vertx,
            req -> {
              var res = req.response();
              res.setChunked(true).putHeader("content-type", "text/event-stream");
              String head =
                  "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,"
                      + "\"model\":\"abrupt-1\",\"choices\":[{\"index\":0,\"delta\":";
              res.write(
                      head
                          + "{\"role\":\"assistant\",\"content\":\"hi\"},\"finish_reason\":null}]}"
                          + "\n\n"
                          + head
                          + "{},\"finish_reason\":\"stop\"}]}\n\n"
                          + "data: [DONE]\n\n")
                  .onComplete(written -> res.reset());
            });
  }

  /**
   * An upstream whose connection is reset after its first chunk reached the client: the one
   * terminal event says the upstream connection broke mid-stream (502), not that no target could
   * serve the request — one was serving it.
   */
  @Test
  void aConnectionResetMidStreamEndsWithAConnectionLostEvent() throws Exception {
    HttpServer resetting =
        GatewayHarness.upstream(
            vertx,
            req -> {
              var res = req.response();
              res.setChunked(true).putHeader("content-type", "text/event-stream");
              res.write(
                      "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,"
                          + "\"model\":\"reset-1\",\"choices\":[{\"index\":0,\"delta\":"
                          + "{\"role\":\"assistant\",\"content\":\"hi\"},\"finish_reason\":null}]}"
                          + "\n\n")
                  .onComplete(written -> res.reset());
            });
    try (GatewayHarness gateway =
        GatewayHarness.oneRoute(vertx, dir, resetting, "resetting", "chat", "resetting")) {
      HttpResponse<String> response =
          gateway.post("/v1/chat/completions", GatewayHarness.chat("chat", true));

      assertThat(response.statusCode()).isEqualTo(200);
      List<String> events = GatewayProxyIT.sseData(response.body());
      assertThat(events).hasSize(2);
      var error = GatewayHarness.json(events.get(1)).path("error");
      assertThat(error.path("code").asText()).isEqualTo("upstream_connection_lost");
      assertThat(error.path("type").asText()).isEqualTo("upstream_error");
      assertThat(error.path("message").asText()).contains("mid-stream");
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(gateway.admin("/metrics").body())
                      .containsPattern("switchboard_errors_total\\{[^}]*stream_broken"));
    }
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get();
  }

  @Test
  void aConnectionDroppedAfterDoneEndsTheStreamAsComplete() throws Exception {
    try (GatewayHarness gateway =
        GatewayHarness.oneRoute(vertx, dir, upstream, "abrupt", "chat", "abrupt")) {
      HttpResponse<String> response =
          gateway.post("/v1/chat/completions", GatewayHarness.chat("chat", true));

      assertThat(response.statusCode()).isEqualTo(200);
      List<String> events = GatewayProxyIT.sseData(response.body());
      assertThat(events).hasSize(3).last().isEqualTo("[DONE]");
      assertThat(response.body()).doesNotContain("\"error\"");
      // Recorded once the request finished, which may be just after its last byte went out.
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(gateway.admin("/metrics").body())
                      .containsPattern(
                          "gen_ai_client_operation_duration_seconds_count\\{[^}]*outcome=\"success\""));
      assertThat(gateway.admin("/metrics").body()).doesNotContain("switchboard_errors_total{");
    }
  }
}
