package dev.switchboard.gateway.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.LogCapture;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.frontdoor.ChatCompletionsFrontDoor;
import dev.switchboard.gateway.metrics.AttemptAccounting;
import dev.switchboard.gateway.metrics.GatewayMetrics;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.resilience.FailoverChain;
import dev.switchboard.gateway.resilience.ResilienceRegistry;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.gateway.upstream.Operation;
import dev.switchboard.gateway.upstream.UpstreamCaller;
import dev.switchboard.gateway.upstream.UpstreamClients;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A stream tap (here standing in for the cache storing the answer) that throws in its {@link
 * StreamTap#completed()}, after the client already received the whole answer and its end marker:
 * the request is logged and counted by what the client received, a success (status 200, no error
 * class, its attempt {@code success} in the request log and {@code
 * switchboard_upstream_attempts_total}), and the tap's failure is logged at WARN without its
 * message (which might quote the answer). Through the gateway's real failover chain, upstream
 * caller, relay and attempt accounting over a loopback upstream.
 */
class StreamTapCompletionFailureTest {

  /** One chat chunk saying "hi", as an SSE event. */
  private static final String HI_CHUNK =
      "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,"
          + "\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"},"
          + "\"finish_reason\":null}]}\n\n";

  /** What the tap's exception says: an answer's words, which must not reach the log. */
  private static final String TAP_SECRET = "could not store the answer: hi";

  private final Vertx vertx = Vertx.vertx();
  private final ManualClock clock = new ManualClock();
  private final HttpClient http = HttpClient.newHttpClient();
  private final GatewayMetrics metrics = new GatewayMetrics();
  private final AtomicReference<RequestContext> accounted = new AtomicReference<>();
  private final CompletableFuture<Void> attached = new CompletableFuture<>();
  private UpstreamClients clients;
  private ResilienceRegistry resilience;
  private HttpServer upstream;
  private PlannedTarget canary;

  @BeforeEach
  void start() throws Exception {
    clients = new UpstreamClients(vertx);
    resilience =
        new ResilienceRegistry(vertx, clients, metrics.registry(), name -> Optional.empty(), clock);
    upstream =
        GatewayHarness.upstream(
            vertx,
            req -> {
              var res = req.response();
              res.setChunked(true).putHeader("content-type", "text/event-stream").write(HI_CHUNK);
              // The end comes in a later read, once the relay is attached.
              attached.thenRun(() -> res.end("data: [DONE]\n\n"));
            });
    canary =
        new PlannedTarget(
            TestTables.target("up", "m", 0),
            TestTables.provider("up", "http://127.0.0.1:" + upstream.actualPort() + "/v1", false),
            PlannedTarget.CANARY);
  }

  @AfterEach
  void stop() throws Exception {
    clients.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aTapFailingAfterTheCompleteAnswerLeavesTheRequestASuccess() throws Exception {
    HttpResponse<String> r;
    List<ILoggingEvent> logged;
    try (LogCapture log = LogCapture.of(SseRelay.class)) {
      r = send();
      await().atMost(Duration.ofSeconds(10)).until(() -> accounted.get() != null);
      logged = log.events();
    }

    // The client got the whole answer and its end marker.
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("\"content\":\"hi\"").contains("[DONE]");
    assertThat(r.body()).doesNotContain("error");
    // Logged and counted by what the client received.
    RequestContext ctx = accounted.get();
    assertThat(ctx.status()).isEqualTo(200);
    assertThat(ctx.outcome()).isEqualTo("success");
    assertThat(ctx.errorClass()).isNull();
    assertThat(ctx.attempts())
        .containsExactly(new RequestContext.Attempt(canary.id(), "canary", "success", 0));
    assertThat(attempts("success")).isEqualTo(1);
    assertThat(attempts("internal")).isZero();
    // The tap's failure is logged at WARN, naming the request and the exception but not its
    // message.
    assertThat(logged)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getLevel()).isEqualTo(Level.WARN);
              assertThat(e.getFormattedMessage())
                  .contains("req")
                  .contains(IllegalStateException.class.getName())
                  .doesNotContain(TAP_SECRET);
              assertThat(e.getThrowableProxy()).isNull();
            });
  }

  /** {@code switchboard_upstream_attempts_total} of the canary arm with {@code outcome}. */
  private double attempts(String outcome) {
    Counter c =
        metrics
            .registry()
            .find("switchboard_upstream_attempts")
            .tags("arm", "canary", "outcome", outcome)
            .counter();
    return c == null ? 0 : c.count();
  }

  private HttpResponse<String> send() throws Exception {
    FailoverChain chain =
        new FailoverChain(new AttemptAccounting(metrics), clock, resilience, () -> 0.5);
    UpstreamCaller caller = new UpstreamCaller(clock, clients);
    Stage account =
        new Stage() {
          @Override
          public boolean forward(Exchange exchange) {
            return true;
          }

          @Override
          public void backward(Exchange exchange) {
            accounted.set(exchange.ctx());
          }
        };
    Stage execute =
        exchange -> {
          exchange.body(
              GatewayHarness.JSON.createObjectNode().put("model", "m").put("stream", true));
          exchange.streamTap(
              new StreamTap() {
                @Override
                public void event(String data) {}

                @Override
                public void completed() {
                  throw new IllegalStateException(TAP_SECRET);
                }
              });
          chain
              .execute(
                  List.of(canary),
                  exchange.ctx(),
                  pt ->
                      caller.openStream(
                          pt,
                          Operation.CHAT_COMPLETIONS,
                          Buffer.buffer("{}"),
                          exchange.ctx(),
                          Optional.empty()))
              .onSuccess(
                  stream -> {
                    exchange.result(stream);
                    exchange.proceed();
                    attached.complete(null);
                  })
              .onFailure(exchange::fail);
          return false;
        };
    ChatCompletionsFrontDoor chat = new ChatCompletionsFrontDoor();
    Pipeline pipeline = new Pipeline(List.of(account, execute, new AnswerStage()));
    HttpServer server = LoopbackPipeline.serve(vertx, pipeline, chat, clock);
    return LoopbackPipeline.post(http, server, "{}", Duration.ofSeconds(10));
  }
}
