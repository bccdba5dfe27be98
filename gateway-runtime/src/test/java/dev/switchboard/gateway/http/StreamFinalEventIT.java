package dev.switchboard.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.time.ManualClock;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An upstream that sends its final event ({@code [DONE]}) and then keeps its connection open for a
 * while before it closes: the client's stream ends at the final event, the request is recorded as a
 * success and its answer cached then, whatever the upstream does afterwards. The gateway's time is
 * a manual clock, so the upstream lingers past no timeout unless the test moves the clock.
 */
class StreamFinalEventIT {

  /** The provider's stream-idle timeout. */
  static final long IDLE_MS = 5_000;

  static final String TARGET = "lingering/linger-1";

  @TempDir Path dir;

  Vertx vertx;
  HttpServer upstream;
  GatewayHarness gateway;
  final ManualClock clock = new ManualClock();
  final AtomicInteger requests = new AtomicInteger();
  final AtomicInteger upstreamClosed = new AtomicInteger();
  final ConcurrentLinkedQueue<HttpServerResponse> lingering = new ConcurrentLinkedQueue<>();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    upstream =
        GatewayHarness.upstream(
            vertx,
            req -> {
              requests.incrementAndGet();
              var res = req.response();
              res.closeHandler(v -> upstreamClosed.incrementAndGet());
              res.setChunked(true).putHeader("content-type", "text/event-stream");
              String head =
                  "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,"
                      + "\"model\":\"linger-1\",\"choices\":[{\"index\":0,\"delta\":";
              res.write(
                  head
                      + "{\"role\":\"assistant\",\"content\":\"hi\"},\"finish_reason\":null}]}\n\n"
                      + head
                      + "{},\"finish_reason\":\"stop\"}]}\n\n"
                      + "data: [DONE]\n\n");
              lingering.add(res); // closed when the test says so
            });
    String base = "http://127.0.0.1:" + upstream.actualPort() + "/v1";
    RoutingTable.Provider provider =
        new RoutingTable.Provider(
            "lingering",
            "openai-compatible",
            base,
            false,
            null,
            Map.of(),
            new RoutingTable.Timeouts(1_000L, 60_000L, 600_000L, IDLE_MS),
            null,
            null,
            null,
            null,
            Map.of(),
            null);
    // One failure opens the breaker; the exact cache keeps complete answers.
    RoutingTable.Policy policy =
        new RoutingTable.Policy(
            "p",
            null,
            null,
            null,
            null,
            null,
            new RoutingTable.CircuitBreaker(50, 600_000L, 1, 60_000L, 60_000L),
            null,
            new RoutingTable.Cache(
                true, 600_000L, 100, false, null, null, null, null, 1.0, null, null),
            null,
            null,
            null,
            null);
    gateway =
        GatewayHarness.start(
            vertx,
            dir,
            TestTables.table(
                List.of(provider),
                List.of(policy),
                List.of(
                    TestTables.policyRoute(
                        "chat", "p", TestTables.target("lingering", "linger-1", 0)))),
            Map.of(),
            clock);
  }

  @AfterEach
  void stop() throws Exception {
    lingering.forEach(res -> res.end());
    gateway.close();
    vertx.close().toCompletionStage().toCompletableFuture().get();
  }

  /**
   * The client's stream ends with {@code [DONE]} while the upstream has not closed yet, recorded as
   * a success; an upstream that stays open past its idle timeout is reset then, and the complete
   * answer still counts as the target's success.
   */
  @Test
  void theClientsStreamEndsAtTheFinalEventWhileTheUpstreamLingers() throws Exception {
    HttpResponse<String> response =
        java.net.http.HttpClient.newHttpClient()
            .sendAsync(
                HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/chat/completions"))
                    .header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(GatewayHarness.chat("chat", true)))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .get(10, TimeUnit.SECONDS);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(GatewayProxyIT.sseData(response.body())).hasSize(3).last().isEqualTo("[DONE]");
    assertThat(response.body()).doesNotContain("\"error\"");
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(gateway.admin("/metrics").body())
                    .containsPattern(
                        "gen_ai_client_operation_duration_seconds_count\\{[^}]*outcome=\"success\""));
    assertThat(upstreamClosed).hasValue(0); // the upstream was left to finish on its own

    clock.advance(IDLE_MS);

    await().atMost(Duration.ofSeconds(10)).until(() -> upstreamClosed.get() == 1);
    assertThat(gateway.server().resilience().breakerState(TARGET))
        .hasValue(CircuitBreaker.State.CLOSED);
    assertThat(gateway.admin("/metrics").body()).doesNotContain("switchboard_errors_total{");
  }

  /**
   * A client that closes its connection as soon as it read {@code [DONE]}, before the upstream
   * closed, got its whole answer: the request is a success, not a cancel, its answer is cached, and
   * the upstream connection is not reset.
   */
  @Test
  void aClientThatLeavesRightAfterDoneIsAnsweredAndCached() throws Exception {
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
      } while (line != null && !line.equals("data: [DONE]"));
      assertThat(line).isEqualTo("data: [DONE]");
    }
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(gateway.admin("/metrics").body())
                    .containsPattern(
                        "gen_ai_client_operation_duration_seconds_count\\{[^}]*outcome=\"success\""));
    assertThat(gateway.admin("/metrics").body()).doesNotContain("outcome=\"cancelled\"");

    HttpResponse<String> again = gateway.post("/v1/chat/completions", body);

    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(again.headers().firstValue("x-switchboard-cache")).hasValue("hit");
    assertThat(GatewayProxyIT.sseData(again.body())).last().isEqualTo("[DONE]");
    assertThat(requests).hasValue(1);
    assertThat(upstreamClosed).hasValue(0);
  }
}
