package dev.switchboard.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.gateway.GatewayHarness;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Upstream SSE framing the mock provider does not produce: CRLF line ends, comments, and JSON
 * spread over several {@code data:} lines. The client must still receive one well-formed event per
 * chunk.
 */
class SseFramingIT {

  @TempDir Path dir;

  Vertx vertx;
  HttpServer upstream;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    upstream =
        GatewayHarness.upstream(
            vertx,
            req ->
                req.response()
                    .putHeader("content-type", "text/event-stream")
                    .end(
                        ": ping\r\n\r\n"
                            + "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\r\n"
                            + "data:  \"created\":1,\"model\":\"pretty-1\",\"choices\":"
                            + "[{\"index\":0,\"delta\":{\"role\":\"assistant\","
                            + "\"content\":\"hi\"},\"finish_reason\":null}]}\r\n\r\n"
                            + "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\","
                            + "\"created\":1,\"model\":\"pretty-1\",\"choices\":[{\"index\":0,"
                            + "\"delta\":{},\"finish_reason\":\"stop\"}]}\r\n\r\n"
                            + "data: [DONE]\r\n\r\n"));
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get();
  }

  @Test
  void multiLineDataAndCrlfAreReframedForTheClient() throws Exception {
    try (GatewayHarness gateway =
        GatewayHarness.oneRoute(vertx, dir, upstream, "pretty", "chat", "pretty")) {
      HttpResponse<String> response =
          gateway.post("/v1/chat/completions", GatewayHarness.chat("chat", true));

      assertThat(response.statusCode()).isEqualTo(200);
      List<String> events = GatewayProxyIT.sseData(response.body());
      assertThat(events).hasSize(3);
      assertThat(events).last().isEqualTo("[DONE]");
      assertThat(
              GatewayHarness.json(events.get(0))
                  .path("choices")
                  .get(0)
                  .path("delta")
                  .path("content")
                  .asText())
          .isEqualTo("hi");
      assertThat(response.headers().firstValue("x-switchboard-model-version")).contains("pretty-1");
      assertThat(response.body()).doesNotContain("ping");
    }
  }

  /**
   * A stream that opens with a UTF-8 byte order mark, sends an empty {@code data:} keep-alive
   * between its chunks and more after its {@code [DONE]}: the WHATWG rules ignore the mark, the
   * keep-alive carries nothing, and nothing follows the client's {@code [DONE]}.
   */
  @Test
  void aByteOrderMarkAKeepAliveAndEventsAfterDoneAreNotRelayed() throws Exception {
    String head =
        "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,"
            + "\"model\":\"bom-1\",\"choices\":[{\"index\":0,\"delta\":";
    byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
    HttpServer marked =
        GatewayHarness.upstream(
            vertx,
            req ->
                req.response()
                    .putHeader("content-type", "text/event-stream")
                    .end(
                        io.vertx.core.buffer.Buffer.buffer(bom)
                            .appendString(
                                head
                                    + "{\"role\":\"assistant\",\"content\":\"hi\"},"
                                    + "\"finish_reason\":null}]}\n\n"
                                    + "data:\n\n"
                                    + head
                                    + "{},\"finish_reason\":\"stop\"}]}\n\n"
                                    + "data: [DONE]\n\n"
                                    + head
                                    + "{\"content\":\"late\"},\"finish_reason\":null}]}\n\n")));
    try (GatewayHarness gateway =
        GatewayHarness.oneRoute(vertx, dir, marked, "marked", "chat", "marked")) {
      HttpResponse<String> response =
          gateway.post("/v1/chat/completions", GatewayHarness.chat("chat", true));

      assertThat(response.statusCode()).isEqualTo(200);
      List<String> events = GatewayProxyIT.sseData(response.body());
      assertThat(events).hasSize(3).last().isEqualTo("[DONE]");
      assertThat(
              GatewayHarness.json(events.get(0))
                  .path("choices")
                  .get(0)
                  .path("delta")
                  .path("content")
                  .asText())
          .isEqualTo("hi");
      assertThat(response.body()).doesNotContain("\"error\"").doesNotContain("late");
    }
  }
}
