package dev.switchboard.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.gateway.GatewayHarness;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A slow client reading a fast stream: the relay pauses the upstream while the client's write queue
 * is full, so the gateway holds no more of the stream than its sockets' buffers — never the stream
 * itself. The upstream here writes as fast as its own write queue lets it (a real server with
 * back-pressure of its own), {@link #TOTAL_BYTES} in all; the client reads in bounded steps, and
 * the upstream is never further ahead of it than the buffers between them can hold.
 */
class StreamBackpressureIT {

  /** One content chunk's text: 32 KiB, so the stream is a few thousand events. */
  private static final String PIECE = "a".repeat(32 * 1024);

  private static final String CHUNK =
      "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"fast-1\","
          + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\""
          + PIECE
          + "\"},\"finish_reason\":null}]}\n\n";

  private static final long TOTAL_BYTES = 128L * 1024 * 1024;

  /**
   * What may sit between the upstream and the client while the relay is paused: the kernel's socket
   * buffers on both connections (loopback autotuning lets a receive buffer grow to tens of MiB) and
   * the HTTP stacks' queues: about 10 MiB measured. A relay that reads on regardless holds the
   * whole stream (the upstream was 128 MiB ahead with the pause taken out).
   */
  private static final long MAX_AHEAD_BYTES = 48L * 1024 * 1024;

  @TempDir Path dir;

  Vertx vertx;
  HttpServer fast;
  final AtomicLong upstreamWritten = new AtomicLong();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    Buffer chunk = Buffer.buffer(CHUNK);
    fast =
        GatewayHarness.upstream(
            vertx,
            req -> {
              HttpServerResponse res = req.response();
              res.setChunked(true).putHeader("content-type", "text/event-stream");
              pump(res, chunk);
            });
  }

  /** Writes chunks while the upstream's own write queue takes them, the rest on its drain. */
  private void pump(HttpServerResponse res, Buffer chunk) {
    while (!res.writeQueueFull() && upstreamWritten.get() < TOTAL_BYTES) {
      res.write(chunk);
      upstreamWritten.addAndGet(chunk.length());
    }
    if (upstreamWritten.get() < TOTAL_BYTES) {
      res.drainHandler(v -> pump(res, chunk));
    } else {
      res.end(
          "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,"
              + "\"model\":\"fast-1\",\"choices\":[{\"index\":0,\"delta\":{},"
              + "\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n");
    }
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get();
  }

  @Test
  void aSlowClientPausesTheUpstreamAndStillGetsTheWholeStream() throws Exception {
    try (GatewayHarness gateway =
            GatewayHarness.oneRoute(vertx, dir, fast, "fast", "chat", "fast");
        Socket socket = new Socket()) {
      socket.setReceiveBufferSize(64 * 1024); // before connecting: caps the client's window
      socket.connect(new InetSocketAddress("127.0.0.1", gateway.server().port()));
      String body = GatewayHarness.chat("chat", true);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n"
                  + "Content-Type: application/json\r\nContent-Length: "
                  + body.getBytes(StandardCharsets.UTF_8).length
                  + "\r\n\r\n"
                  + body)
              .getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[64 * 1024];
      byte[] tail = new byte[64];
      long read = 0;
      long nextCheck = 1024 * 1024;
      long maxAhead = 0;
      boolean paused = false;
      while (true) {
        int n = in.read(buffer);
        if (n < 0) {
          break;
        }
        read += n;
        keepTail(tail, buffer, n);
        if (endsWithLastChunk(tail)) {
          break;
        }
        if (read >= nextCheck) {
          if (!paused) {
            // The slow client: it stops reading for a while, long enough for a relay that does not
            // pause its upstream to read all of it into memory (the relay takes ~25 MB/s here).
            paused = true;
            Thread.sleep(3000);
          }
          maxAhead = Math.max(maxAhead, upstreamWritten.get() - read);
          nextCheck += 4 * 1024 * 1024;
        }
      }
      assertThat(maxAhead)
          .as("bytes the upstream was ahead of the client")
          .isLessThan(MAX_AHEAD_BYTES);
      assertThat(read).isGreaterThan(TOTAL_BYTES);
      assertThat(new String(tail, StandardCharsets.UTF_8)).contains("data: [DONE]");
    }
  }

  private static void keepTail(byte[] tail, byte[] buffer, int n) {
    if (n >= tail.length) {
      System.arraycopy(buffer, n - tail.length, tail, 0, tail.length);
    } else {
      System.arraycopy(tail, n, tail, 0, tail.length - n);
      System.arraycopy(buffer, 0, tail, tail.length - n, n);
    }
  }

  /** The chunked encoding's last chunk: the response ended. */
  private static boolean endsWithLastChunk(byte[] tail) {
    return new String(tail, StandardCharsets.ISO_8859_1).endsWith("\r\n0\r\n\r\n");
  }
}
