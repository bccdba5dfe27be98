package dev.switchboard.gateway.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.frontdoor.ChatCompletionsFrontDoor;
import dev.switchboard.gateway.frontdoor.ForwardingFrontDoor;
import dev.switchboard.gateway.frontdoor.FrontDoor;
import dev.switchboard.gateway.frontdoor.StreamEncoder;
import dev.switchboard.gateway.http.OpenAiError;
import dev.switchboard.gateway.metrics.AttemptAccounting;
import dev.switchboard.gateway.metrics.GatewayMetrics;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.resilience.FailoverChain;
import dev.switchboard.gateway.resilience.ResiliencePolicy;
import dev.switchboard.gateway.resilience.ResilienceRegistry;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.gateway.upstream.Operation;
import dev.switchboard.gateway.upstream.UpstreamCaller;
import dev.switchboard.gateway.upstream.UpstreamClients;
import dev.switchboard.gateway.upstream.adapter.StreamEventFacts;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A stream whose end fails in the gateway (here the client's stream encoder throws when it writes
 * the end of a Gemini stream, whose close is its end marker: an injected fault, since the real
 * encoders do not fail) is still ended for the client, with the one terminal error event of a
 * gateway failure; the request is finished and walked back (where its log line is written), and its
 * attempt settles as failed ({@code internal}) in the request's attempts and {@code
 * switchboard_upstream_attempts_total} alike, not as the success the close looked like — through
 * the gateway's real failover chain, upstream caller, relay and attempt accounting over a loopback
 * upstream. The target's breaker does not count the gateway's failure.
 */
class StreamEndFailureTest {
  /** Gemini's whole answer "hi" in one event; the stream ends when the upstream closes it. */
  private static final String GEMINI_HI =
      "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"hi\"}],\"role\":\"model\"},"
          + "\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":5,"
          + "\"candidatesTokenCount\":1,\"totalTokenCount\":6},\"modelVersion\":\"gem-1\"}"
          + "\r\n\r\n";

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
              res.setChunked(true).putHeader("content-type", "text/event-stream").write(GEMINI_HI);
              // The close comes once the relay is attached.
              attached.thenRun(res::end);
            });
    canary =
        new PlannedTarget(
            TestTables.target("gem", "m", 0),
            TestTables.provider(
                "gem",
                "gemini",
                "http://127.0.0.1:" + upstream.actualPort() + "/v1beta",
                false,
                Map.of(),
                null),
            PlannedTarget.CANARY);
  }

  @AfterEach
  void stop() throws Exception {
    clients.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aStreamWhoseEndFailsIsEndedWithAnErrorAndSettlesItsAttemptAsFailed() throws Exception {
    // Without an end for the client the request would hang here until the client's timeout.
    HttpResponse<String> r = send();

    // The client got the answer's chunk, then the one terminal error of a gateway failure.
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("\"content\":\"hi\"").contains("internal_error");
    assertThat(r.body()).doesNotContain("[DONE]");
    await().atMost(Duration.ofSeconds(10)).until(() -> accounted.get() != null);
    RequestContext ctx = accounted.get();
    assertThat(ctx.errorClass()).isEqualTo("internal");
    // The request log's attempt_outcomes and the canary arm's attempt figures agree: failed.
    assertThat(ctx.attempts())
        .containsExactly(new RequestContext.Attempt(canary.id(), "canary", "internal", 0));
    assertThat(attempts("internal")).isEqualTo(1);
    assertThat(attempts("success")).isZero();
    // Failed, but not upstream: no upstream error is counted for it.
    assertThat(metrics.registry().find("switchboard_upstream_errors").counters()).isEmpty();
    // The gateway failed, not the target: its breaker records no failure.
    assertThat(
            resilience
                .breaker(canary, ResiliencePolicy.of(null))
                .getMetrics()
                .getNumberOfFailedCalls())
        .isZero();
  }

  /**
   * When even the terminal error event cannot be written (the encoder fails at the error too), the
   * client's stream is still ended — cut short without {@code [DONE]}, which every SDK reads as a
   * failed stream — rather than left open until the client's own timeout.
   */
  @Test
  void aStreamWhoseErrorEventAlsoFailsIsStillEnded() throws Exception {
    HttpResponse<String> r = send(true);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("\"content\":\"hi\"").doesNotContain("[DONE]");
    await().atMost(Duration.ofSeconds(10)).until(() -> accounted.get() != null);
    assertThat(accounted.get().errorClass()).isEqualTo("internal");
    assertThat(attempts("success")).isZero();
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

  /** The chat completions door, whose stream encoder throws when it writes a stream's end. */
  private static final class EncoderFailingAtEnd extends ForwardingFrontDoor {
    private final boolean errorFails;

    EncoderFailingAtEnd(FrontDoor door, boolean errorFails) {
      super(door);
      this.errorFails = errorFails;
    }

    @Override
    public StreamEncoder streamEncoder(Operation format, ObjectNode request, RequestContext ctx) {
      StreamEncoder encoder = door.streamEncoder(format, request, ctx);
      return new StreamEncoder() {
        @Override
        public Buffer event(StreamEventFacts event) {
          return encoder.event(event);
        }

        @Override
        public Buffer end(StreamEventFacts done) {
          throw new IllegalStateException("the encoder failed at the stream's end");
        }

        @Override
        public Buffer error(OpenAiError error) {
          if (errorFails) {
            throw new IllegalStateException("the encoder failed at the stream's error too");
          }
          return encoder.error(error);
        }
      };
    }
  }

  private HttpResponse<String> send() throws Exception {
    return send(false);
  }

  private HttpResponse<String> send(boolean errorFails) throws Exception {
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
    FrontDoor chat = new EncoderFailingAtEnd(new ChatCompletionsFrontDoor(), errorFails);
    Pipeline pipeline = new Pipeline(List.of(account, execute, new AnswerStage()));
    HttpServer server = LoopbackPipeline.serve(vertx, pipeline, chat, clock);
    // The request timeout covers the head only: the whole body (the stream's end) is waited for
    // here, so a stream left open fails the test instead of hanging it.
    return LoopbackPipeline.post(http, server, "{}", Duration.ofSeconds(10));
  }
}
