package dev.switchboard.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.gateway.GatewayHarness;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client that sends {@code Connection: close} (curl with {@code -H 'Connection: close'}, many
 * scripts and load balancers' health checks) gets its whole answer, and the gateway then closes the
 * connection: the request was served, and is recorded as a success, not as a client that left.
 */
class ConnectionCloseOutcomeIT {

  @TempDir Path dir;

  Vertx vertx;
  HttpServer upstream;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    upstream =
        GatewayHarness.upstream(
            vertx,
            (req, body) -> {
              var res = req.response();
              String head =
                  "{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,"
                      + "\"model\":\"whole-1\",\"choices\":[{\"index\":0,\"delta\":";
              if (body.toString().contains("\"stream\":true")) {
                res.setChunked(true).putHeader("content-type", "text/event-stream");
                res.end(
                    "data: "
                        + head
                        + "{\"role\":\"assistant\",\"content\":\"hi\"},"
                        + "\"finish_reason\":null}]}\n\n"
                        + "data: "
                        + head
                        + "{},\"finish_reason\":\"stop\"}]}\n\n"
                        + "data: [DONE]\n\n");
              } else {
                res.putHeader("content-type", "application/json")
                    .end(
                        "{\"id\":\"c\",\"object\":\"chat.completion\",\"created\":1,"
                            + "\"model\":\"whole-1\",\"choices\":[{\"index\":0,"
                            + "\"message\":{\"role\":\"assistant\",\"content\":\"hi\"},"
                            + "\"finish_reason\":\"stop\"}],\"usage\":{"
                            + "\"prompt_tokens\":1,\"completion_tokens\":1,"
                            + "\"total_tokens\":2}}");
              }
            });
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get();
  }

  /** One request on its own connection with {@code Connection: close}; the whole answer. */
  private static String closing(String origin, String body) throws Exception {
    URI uri = URI.create(origin);
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  + "Content-Type: application/json\r\nConnection: close\r\nContent-Length: "
                  + bytes.length
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.write(bytes);
      out.flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      try {
        in.transferTo(all); // until the gateway closes the connection
      } catch (java.net.SocketTimeoutException e) {
        throw new AssertionError("not closed; got: " + all.toString(StandardCharsets.UTF_8));
      }
      return all.toString(StandardCharsets.UTF_8);
    }
  }

  @Test
  void aStreamToAClientThatAskedToCloseIsASuccess() throws Exception {
    try (GatewayHarness gateway =
        GatewayHarness.oneRoute(vertx, dir, upstream, "whole", "chat", "whole")) {
      String answer = closing(gateway.origin(), GatewayHarness.chat("chat", true));

      assertThat(answer).startsWith("HTTP/1.1 200").contains("data: [DONE]");
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(gateway.admin("/metrics").body())
                      .containsPattern(
                          "gen_ai_client_operation_duration_seconds_count\\{[^}]*outcome=\"success\""));
      assertThat(gateway.admin("/metrics").body())
          .doesNotContainPattern(
              "gen_ai_client_operation_duration_seconds_count\\{[^}]*outcome=\"cancelled\"");
    }
  }

  @Test
  void aJsonAnswerToAClientThatAskedToCloseIsASuccess() throws Exception {
    try (GatewayHarness gateway =
        GatewayHarness.oneRoute(vertx, dir, upstream, "whole", "chat", "whole")) {
      String answer = closing(gateway.origin(), GatewayHarness.chat("chat", false));

      assertThat(answer).startsWith("HTTP/1.1 200").contains("\"chat.completion\"");
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(gateway.admin("/metrics").body())
                      .containsPattern(
                          "gen_ai_client_operation_duration_seconds_count\\{[^}]*outcome=\"success\""));
      assertThat(gateway.admin("/metrics").body())
          .doesNotContainPattern(
              "gen_ai_client_operation_duration_seconds_count\\{[^}]*outcome=\"cancelled\"");
    }
  }
}
