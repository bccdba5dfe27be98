package dev.switchboard.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.gateway.GatewayHarness;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client that goes away mid-stream must not leave the upstream generating (and billing) tokens:
 * the gateway resets the upstream request. The upstream here is a minimal endless SSE server that
 * records when its connection is closed.
 */
class ClientDisconnectIT {

  @TempDir Path dir;

  Vertx vertx;
  HttpServer endless;
  final AtomicInteger upstreamClosed = new AtomicInteger();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    endless = GatewayHarness.endlessStream(vertx, upstreamClosed::incrementAndGet);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get();
  }

  @Test
  void clientDisconnectCancelsTheUpstreamStream() throws Exception {
    try (GatewayHarness gateway =
        GatewayHarness.oneRoute(vertx, dir, endless, "endless", "chat", "endless")) {
      String body = GatewayHarness.chat("chat", true);
      try (Socket socket = new Socket("127.0.0.1", gateway.server().port())) {
        OutputStream out = socket.getOutputStream();
        out.write(
            ("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n"
                    + "Content-Type: application/json\r\nContent-Length: "
                    + body.getBytes(StandardCharsets.UTF_8).length
                    + "\r\n\r\n"
                    + body)
                .getBytes(StandardCharsets.UTF_8));
        out.flush();
        BufferedReader in =
            new BufferedReader(
                new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        assertThat(in.readLine()).startsWith("HTTP/1.1 200");
        String line;
        do {
          line = in.readLine();
        } while (line != null && !line.startsWith("data:"));
        assertThat(line).startsWith("data:");
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> upstreamClosed.get() > 0);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> gateway.admin("/metrics").body().contains("outcome=\"cancelled\""));
    }
  }
}
