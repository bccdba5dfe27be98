package dev.switchboard.gateway.upstream;

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
import dev.switchboard.gateway.pipeline.AnswerStage;
import dev.switchboard.gateway.pipeline.Exchange;
import dev.switchboard.gateway.pipeline.Pipeline;
import dev.switchboard.gateway.pipeline.Stage;
import dev.switchboard.gateway.pipeline.StreamTap;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.resilience.FailoverChain;
import dev.switchboard.gateway.resilience.ResiliencePolicy;
import dev.switchboard.gateway.resilience.ResilienceRegistry;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.time.ManualClock;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A stream the upstream closed before the gateway's relay was attached (its events and its close
 * waited in the {@link UpstreamStream}) settles its attempt as it would had the close come after:
 * when relaying it then fails in the gateway, the request's attempt (the request log's {@code
 * attempt_outcomes}) and {@code switchboard_upstream_attempts_total} (the canary arm's figures) say
 * {@code internal}, not the success the close looked like; when the close cut the answer short, the
 * attempt is the upstream's failure. Through the gateway's real failover chain, upstream caller,
 * relay and attempt accounting over a loopback upstream; the relay is attached only once the
 * upstream's close was read.
 */
class StreamClosedBeforeAttachTest {
  /** Gemini's whole answer "hi" in one event; the stream ends when the upstream closes it. */
  private static final String GEMINI_HI =
      "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"hi\"}],\"role\":\"model\"},"
          + "\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":5,"
          + "\"candidatesTokenCount\":1,\"totalTokenCount\":6},\"modelVersion\":\"gem-1\"}"
          + "\r\n\r\n";

  /** One chat chunk saying "hi", as an SSE event. */
  private static final String HI_CHUNK =
      "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,"
          + "\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"},"
          + "\"finish_reason\":null}]}\n\n";

  private final Vertx vertx = Vertx.vertx();
  private final ManualClock clock = new ManualClock();
  private final HttpClient http = HttpClient.newHttpClient();
  private final GatewayMetrics metrics = new GatewayMetrics();
  private final AtomicReference<RequestContext> accounted = new AtomicReference<>();
  private final UpstreamClients clients = new UpstreamClients(vertx);
  private final ResilienceRegistry resilience =
      new ResilienceRegistry(vertx, clients, metrics.registry(), name -> Optional.empty(), clock);

  @AfterEach
  void stop() throws Exception {
    clients.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aCloseBeforeTheRelayWhoseEndThenFailsSettlesTheAttemptAsTheGatewaysFailure()
      throws Exception {
    PlannedTarget canary = target("gemini", GEMINI_HI, "/v1beta");

    // The client's stream encoder fails at the end, which the close (Gemini's end marker) brings.
    HttpResponse<String> r = send(canary, new EncoderFailingAtEnd(new ChatCompletionsFrontDoor()));

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("\"content\":\"hi\"").contains("internal_error");
    RequestContext ctx = accounted();
    assertThat(ctx.errorClass()).isEqualTo("internal");
    // The request log's attempt_outcomes and the canary arm's attempt figures agree: failed.
    assertThat(ctx.attempts())
        .containsExactly(new RequestContext.Attempt(canary.id(), "canary", "internal", 0));
    assertThat(attempts("internal")).isEqualTo(1);
    assertThat(attempts("success")).isZero();
    // The gateway failed, not the target: its breaker records no failure.
    assertThat(failedCalls(canary)).isZero();
  }

  @Test
  void aCloseBeforeTheRelayWhoseQueuedEventThenFailsSettlesTheAttemptAsTheGatewaysFailure()
      throws Exception {
    PlannedTarget canary = target("openai-compatible", HI_CHUNK + "data: [DONE]\n\n", "/v1");

    // The tap throws at the first event the relay takes: one that waited for it.
    HttpResponse<String> r = send(canary, new ChatCompletionsFrontDoor(), true);

    assertThat(r.statusCode()).isEqualTo(500);
    assertThat(r.body()).contains("internal_error");
    RequestContext ctx = accounted();
    assertThat(ctx.errorClass()).isEqualTo("internal");
    assertThat(ctx.attempts())
        .containsExactly(new RequestContext.Attempt(canary.id(), "canary", "internal", 0));
    assertThat(attempts("internal")).isEqualTo(1);
    assertThat(attempts("success")).isZero();
    assertThat(failedCalls(canary)).isZero();
  }

  @Test
  void aCloseBeforeTheRelayThatCutTheAnswerShortIsTheUpstreamsFailure() throws Exception {
    // A chunk, then the close without [DONE].
    PlannedTarget canary = target("openai-compatible", HI_CHUNK, "/v1");

    HttpResponse<String> r = send(canary, new ChatCompletionsFrontDoor());

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("\"content\":\"hi\"").contains("stream_truncated");
    RequestContext ctx = accounted();
    assertThat(ctx.attempts())
        .containsExactly(new RequestContext.Attempt(canary.id(), "canary", "bad_response", 0));
    assertThat(attempts("bad_response")).isEqualTo(1);
    assertThat(attempts("success")).isZero();
    // The upstream cut its answer short: its breaker counts it.
    assertThat(failedCalls(canary)).isEqualTo(1);
  }

  /** A canary target on a loopback upstream that writes {@code events} and closes at once. */
  private PlannedTarget target(String kind, String events, String basePath) throws Exception {
    HttpServer upstream =
        GatewayHarness.upstream(
            vertx,
            req ->
                req.response()
                    .setChunked(true)
                    .putHeader("content-type", "text/event-stream")
                    .end(events));
    return new PlannedTarget(
        TestTables.target("up", "m", 0),
        TestTables.provider(
            "up",
            kind,
            "http://127.0.0.1:" + upstream.actualPort() + basePath,
            false,
            Map.of(),
            null),
        PlannedTarget.CANARY);
  }

  private RequestContext accounted() {
    await().atMost(Duration.ofSeconds(10)).until(() -> accounted.get() != null);
    return accounted.get();
  }

  private long failedCalls(PlannedTarget target) {
    return resilience
        .breaker(target, ResiliencePolicy.of(null))
        .getMetrics()
        .getNumberOfFailedCalls();
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
    EncoderFailingAtEnd(FrontDoor door) {
      super(door);
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
          return encoder.error(error);
        }
      };
    }
  }

  private HttpResponse<String> send(PlannedTarget target, FrontDoor door) throws Exception {
    return send(target, door, false);
  }

  private HttpResponse<String> send(PlannedTarget target, FrontDoor door, boolean tapFails)
      throws Exception {
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
          if (tapFails) {
            exchange.streamTap(
                new StreamTap() {
                  @Override
                  public void event(String data) {
                    throw new IllegalStateException("bug");
                  }

                  @Override
                  public void completed() {}
                });
          }
          chain
              .execute(
                  List.of(target),
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
                    // The answer stage attaches the relay only once the upstream's close was read.
                    vertx.setPeriodic(
                        1,
                        id -> {
                          if (stream.finished()) {
                            vertx.cancelTimer(id);
                            exchange.proceed();
                          }
                        });
                  })
              .onFailure(exchange::fail);
          return false;
        };
    Pipeline pipeline = new Pipeline(List.of(account, execute, new AnswerStage()));
    HttpServer server =
        dev.switchboard.gateway.pipeline.LoopbackPipeline.serve(vertx, pipeline, door, clock);
    // The whole body (the stream's end) is waited for here, so a stream left open fails the test
    // instead of hanging it.
    return dev.switchboard.gateway.pipeline.LoopbackPipeline.post(
        http, server, "{}", Duration.ofSeconds(10));
  }
}
