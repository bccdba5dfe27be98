package dev.switchboard.gateway.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.frontdoor.ChatCompletionsFrontDoor;
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
 * A stream the gateway itself gives up ({@link Exchange#fail} while relaying: here a stream tap
 * that throws on the second event) is not the success its first event looked like: the request's
 * attempt (the {@code x-switchboard-attempts} header's entry and the request log's {@code
 * attempt_outcomes}) and {@code switchboard_upstream_attempts_total} (the canary arm's figures)
 * both say {@code internal}, through the gateway's real failover chain and attempt accounting, and
 * the target's circuit breaker does not count the gateway's failure against it.
 */
class GivenUpStreamAccountingTest {

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
              // The second chunk comes in a later read, once the relay is attached.
              attached.thenRun(() -> res.write(HI_CHUNK));
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
  void aStreamTheGatewayGivesUpSettlesItsAttemptAsFailedInTheLogAndTheMetrics() throws Exception {
    HttpResponse<String> r = send();

    // The client got the first chunk, then the one terminal error of a gateway failure.
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("\"content\":\"hi\"").contains("internal_error");
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
                int seen;

                @Override
                public void event(String data) {
                  if (++seen == 2) {
                    throw new IllegalStateException("bug");
                  }
                }

                @Override
                public void completed() {}
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
