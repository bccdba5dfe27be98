package dev.switchboard.gateway.resilience;

import static dev.switchboard.gateway.TestTables.policyRoute;
import static dev.switchboard.gateway.TestTables.target;
import static dev.switchboard.gateway.resilience.ResilienceTables.policy;
import static dev.switchboard.gateway.resilience.ResilienceTables.provider;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.time.ManualClock;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
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
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client too slow to read a long stream holds the relay paused (back-pressure) until the
 * attempt's total timeout strikes: the provider was ready to send all along, so the cut is the
 * client's doing, as silence while paused is ({@code timeouts.streamIdle}). It must not count
 * against the provider: one breaker failure here would open it, and slow clients would take a
 * healthy provider out of every route.
 */
class SlowClientTotalTimeoutIT {

  private static final long TOTAL_MS = 60_000;
  private static final String TARGET = "fast/fast-model";

  private static final String CHUNK =
      "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"fast-1\","
          + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\""
          + "a".repeat(32 * 1024)
          + "\"},\"finish_reason\":null}]}\n\n";

  @TempDir Path dir;
  final ManualClock clock = new ManualClock();
  Vertx vertx;
  HttpServer fast;
  GatewayHarness gateway;

  /** When (System.nanoTime) the upstream last had to wait for its write queue to drain; 0: not. */
  final AtomicLong parkedSince = new AtomicLong();

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
    RoutingTable.Timeouts timeouts = new RoutingTable.Timeouts(1_000L, 5_000L, TOTAL_MS, 600_000L);
    gateway =
        GatewayHarness.start(
            vertx,
            dir,
            TestTables.table(
                List.of(
                    provider(
                        "fast",
                        "http://127.0.0.1:" + fast.actualPort() + "/v1",
                        timeouts,
                        null,
                        null,
                        null,
                        Map.of())),
                List.of(
                    policy(
                        "one-failure-opens",
                        1,
                        200,
                        0.2,
                        5,
                        new RoutingTable.CircuitBreaker(50, 600_000L, 1, 600_000L, 600_000L),
                        List.of())),
                List.of(policyRoute("fast", "one-failure-opens", target("fast", "fast-model", 0)))),
            Map.of("fast", "sk-fast"),
            clock);
  }

  /** Writes an endless stream as fast as the upstream's own write queue takes it. */
  private void pump(HttpServerResponse res, Buffer chunk) {
    parkedSince.set(0);
    while (!res.writeQueueFull() && !res.closed()) {
      res.write(chunk);
    }
    if (!res.closed()) {
      parkedSince.set(System.nanoTime());
      res.drainHandler(v -> pump(res, chunk));
    }
  }

  @AfterEach
  void stop() throws Exception {
    gateway.close();
    vertx.close().toCompletionStage().toCompletableFuture().get();
  }

  @Test
  void aStreamAClientHeldPausedPastTheTotalTimeoutIsNotTheProvidersFailure() throws Exception {
    try (Socket socket = new Socket()) {
      socket.setReceiveBufferSize(64 * 1024);
      socket.connect(new InetSocketAddress("127.0.0.1", gateway.server().port()));
      String body = GatewayHarness.chat("fast", true);
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
      long read = 0;
      while (read < 256 * 1024) {
        int n = in.read(buffer);
        assertThat(n).isPositive();
        read += n;
      }
      // The client reads no more: the buffers between it and the upstream fill, the relay pauses
      // the upstream, which then waits for a drain that never comes (two seconds of it: a gateway
      // that is merely slow on a loaded machine drains sooner).
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () -> {
                long since = parkedSince.get();
                return since != 0 && System.nanoTime() - since > 2_000_000_000L;
              });

      clock.advance(TOTAL_MS);

      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(gateway.admin("/metrics").body())
                      .containsPattern(
                          "switchboard_upstream_attempts_total\\{[^}]*outcome=\"(timeout|deadline)\""));
      assertThat(gateway.server().resilience().breakerState(TARGET))
          .hasValue(CircuitBreaker.State.CLOSED);
      String metrics = gateway.admin("/metrics").body();
      assertThat(metrics)
          .doesNotContainPattern("switchboard_upstream_attempts_total\\{[^}]*outcome=\"timeout\"");
      assertThat(metrics)
          .containsPattern("switchboard_upstream_attempts_total\\{[^}]*outcome=\"deadline\"");
    }
  }
}
