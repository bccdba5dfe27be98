package dev.switchboard.gateway.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.frontdoor.ChatCompletionsFrontDoor;
import dev.switchboard.gateway.http.ApiException;
import dev.switchboard.gateway.http.OpenAiError;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.gateway.upstream.Operation;
import dev.switchboard.gateway.upstream.UpstreamCaller;
import dev.switchboard.gateway.upstream.UpstreamClients;
import dev.switchboard.mock.openapi.OpenAiWireFormat;
import dev.switchboard.mock.openapi.OpenAiWireFormat.Body;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The pipeline's contract with its stages, on a real loopback HTTP exchange: the walk forward, a
 * stage ending the request early, asynchronous stages, and the walk back through every entered
 * stage (accounting above all) exactly once.
 */
class PipelineTest {

  private final Vertx vertx = Vertx.vertx();
  private final ManualClock clock = new ManualClock();
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<String> trace = new CopyOnWriteArrayList<>();
  private final AtomicReference<RequestContext> accounted = new AtomicReference<>();
  private HttpServer server;

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** A stage that records both walks and does {@code forward}'s part. */
  private Stage stage(String name, Function<Exchange, Boolean> forward) {
    return new Stage() {
      @Override
      public boolean forward(Exchange exchange) {
        trace.add("> " + name);
        return forward.apply(exchange);
      }

      @Override
      public void backward(Exchange exchange) {
        trace.add("< " + name);
      }
    };
  }

  /** Stands for accounting: registered first, it must see every finished request. */
  private Stage account() {
    return new Stage() {
      @Override
      public boolean forward(Exchange exchange) {
        return true;
      }

      @Override
      public void backward(Exchange exchange) {
        trace.add("< account");
        accounted.set(exchange.ctx());
      }
    };
  }

  private Stage pass(String name) {
    return stage(name, ex -> true);
  }

  private Stage answer(String name) {
    return stage(
        name,
        ex -> {
          ex.response().setStatusCode(200).end("{\"ok\":true}");
          ex.finish(200, "success", null);
          return false;
        });
  }

  private HttpResponse<String> send(Stage... stages) throws Exception {
    return walkedBack(sendAsync(stages));
  }

  /** The response, once the request also walked back (the client may see the answer first). */
  private HttpResponse<String> walkedBack(CompletableFuture<HttpResponse<String>> response)
      throws Exception {
    HttpResponse<String> r = response.get(10, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(10)).until(() -> accounted.get() != null);
    return r;
  }

  private CompletableFuture<HttpResponse<String>> sendAsync(Stage... stages) throws Exception {
    ChatCompletionsFrontDoor chat = new ChatCompletionsFrontDoor();
    Pipeline pipeline = new Pipeline(List.of(stages));
    Router router = Router.router(vertx);
    router
        .post("/v1/chat/completions")
        .handler(BodyHandler.create(false))
        .handler(
            rc ->
                pipeline.start(
                    new Exchange(
                        rc.request(),
                        rc.body().buffer(),
                        new RequestContext("req", chat.operation(), clock),
                        chat,
                        pipeline)));
    server =
        vertx
            .createHttpServer()
            .requestHandler(router)
            .listen(0, "127.0.0.1")
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    return http.sendAsync(
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.actualPort() + "/v1/chat/completions"))
            .timeout(Duration.ofSeconds(10))
            .POST(HttpRequest.BodyPublishers.ofString("{}"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aRequestWalksForwardThroughEveryStageAndBackInReverse() throws Exception {
    HttpResponse<String> r = send(account(), pass("a"), pass("b"), answer("answer"));

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(trace)
        .containsExactly("> a", "> b", "> answer", "< answer", "< b", "< a", "< account");
    assertThat(accounted.get().outcome()).isEqualTo("success");
  }

  @Test
  void aStageEndingTheRequestWithAnErrorStillWalksBackThroughAccounting() throws Exception {
    HttpResponse<String> r =
        send(
            account(),
            pass("a"),
            stage(
                "reject",
                ex -> {
                  throw new ApiException(OpenAiError.invalidRequest("no good", "model"));
                }),
            answer("never"));

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(OpenAiWireFormat.problems(Body.ERROR, r.body())).isEmpty();
    assertThat(r.body()).contains("no good");
    // The stage that ended it was entered, so it sees the answer too; later ones never ran.
    assertThat(trace).containsExactly("> a", "> reject", "< reject", "< a", "< account");
    assertThat(accounted.get().status()).isEqualTo(400);
    assertThat(accounted.get().errorClass()).isEqualTo("invalid_request");
  }

  @Test
  void aStageThatAnswersItselfSkipsTheRestLikeACacheHit() throws Exception {
    HttpResponse<String> r = send(account(), answer("cache"), pass("execute"), answer("answer"));

    assertThat(r.body()).isEqualTo("{\"ok\":true}");
    assertThat(trace).containsExactly("> cache", "< cache", "< account");
  }

  @Test
  void anAsynchronousStageContinuesTheWalkWhenItIsDone() throws Exception {
    Stage waits =
        stage(
            "waits",
            ex -> {
              clock.setTimer(
                  40,
                  id -> {
                    trace.add("timer");
                    ex.proceed();
                  });
              return false;
            });
    CompletableFuture<HttpResponse<String>> response =
        sendAsync(account(), waits, pass("b"), answer("answer"));
    await().atMost(Duration.ofSeconds(10)).until(() -> clock.pendingTimers() == 1);
    assertThat(trace).containsExactly("> waits");
    clock.advance(40);
    HttpResponse<String> r = walkedBack(response);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(trace)
        .containsExactly(
            "> waits", "timer", "> b", "> answer", "< answer", "< b", "< waits", "< account");
  }

  @Test
  void anUnexpectedFailureIsAnInternalErrorAndIsAccountedOnce() throws Exception {
    HttpResponse<String> r =
        send(
            account(),
            stage(
                "buggy",
                ex -> {
                  throw new IllegalStateException("bug");
                }),
            answer("never"));

    assertThat(r.statusCode()).isEqualTo(500);
    assertThat(OpenAiWireFormat.problems(Body.ERROR, r.body())).isEmpty();
    // The client gets the request id to quote, never the internals.
    assertThat(r.body()).contains("Request id: req.").doesNotContain("bug").doesNotContain("buggy");
    assertThat(trace).containsExactly("> buggy", "< buggy", "< account");
  }

  @Test
  void aListWithoutAnAnsweringStageFailsInsteadOfLeavingTheClientWaiting() throws Exception {
    HttpResponse<String> r = send(account(), pass("a"));

    assertThat(r.statusCode()).isEqualTo(500);
    assertThat(trace).containsExactly("> a", "< a", "< account");
  }

  /**
   * An unexpected exception while a stream is relayed, after its head and first chunk went out (a
   * stream tap that throws, as the answer stage delivers the chunks that waited for it): the client
   * gets the one terminal error event and the end of the stream instead of an open response, and
   * the request is accounted once.
   */
  @Test
  void aStreamThatFailsAfterItsHeadWentOutEndsWithOneTerminalErrorEvent() throws Exception {
    HttpServer upstream =
        GatewayHarness.upstream(
            vertx,
            req ->
                req.response()
                    .setChunked(true)
                    .putHeader("content-type", "text/event-stream")
                    .write(HI_CHUNK + HI_CHUNK));
    UpstreamClients clients = new UpstreamClients(vertx);
    // Answered after the read that carried both chunks: both wait for it.
    Stage opens = opensStream(upstream, clients, () -> new IllegalStateException("bug"), () -> {});
    try {
      HttpResponse<String> r = send(account(), opens, new AnswerStage());

      assertThat(r.statusCode()).isEqualTo(200);
      List<String> events = dataEvents(r.body());
      assertThat(events).hasSize(2);
      assertThat(events.get(0)).contains("\"content\":\"hi\"");
      assertThat(GatewayHarness.json(events.get(1)).path("error").path("message").asText())
          .contains("Request id: req.")
          .doesNotContain("bug");
      assertThat(trace).containsExactly("> opens", "< opens", "< account");
      assertThat(accounted.get().outcome()).isEqualTo("error");
    } finally {
      clients.close();
    }
  }

  /**
   * An unexpected exception while a later upstream event is relayed, the first chunk having gone
   * out already (a stream tap that throws on the event the network delivers after the relay was
   * attached), whatever its type: the stream ends with the one terminal error event of a gateway
   * failure (500 internal, not an upstream fault such as an over-long line), the upstream request
   * is reset, and the request is accounted once.
   */
  @ParameterizedTest
  @ValueSource(strings = {"IllegalStateException", "UnsupportedOperationException"})
  void aStreamWhoseRelayFailsOnALaterEventEndsWithOneTerminalErrorEvent(String thrown)
      throws Exception {
    CompletableFuture<Void> attached = new CompletableFuture<>();
    java.util.concurrent.atomic.AtomicInteger upstreamClosed =
        new java.util.concurrent.atomic.AtomicInteger();
    HttpServer upstream =
        GatewayHarness.upstream(
            vertx,
            req -> {
              var res = req.response();
              res.closeHandler(v -> upstreamClosed.incrementAndGet());
              res.setChunked(true).putHeader("content-type", "text/event-stream").write(HI_CHUNK);
              // The second chunk comes in a later read, once the relay is attached.
              attached.thenRun(() -> res.write(HI_CHUNK));
            });
    UpstreamClients clients = new UpstreamClients(vertx);
    Stage opens =
        opensStream(
            upstream,
            clients,
            () ->
                thrown.equals("IllegalStateException")
                    ? new IllegalStateException("bug")
                    : new UnsupportedOperationException("bug"),
            () -> attached.complete(null));
    try {
      HttpResponse<String> r = send(account(), opens, new AnswerStage());

      assertThat(r.statusCode()).isEqualTo(200);
      List<String> events = dataEvents(r.body());
      assertThat(events).hasSize(2);
      assertThat(events.get(0)).contains("\"content\":\"hi\"");
      var error = GatewayHarness.json(events.get(1)).path("error");
      assertThat(error.path("code").asText()).isEqualTo("internal_error");
      assertThat(error.path("message").asText()).contains("Request id: req.").doesNotContain("bug");
      assertThat(trace).containsExactly("> opens", "< opens", "< account");
      assertThat(accounted.get().outcome()).isEqualTo("error");
      assertThat(accounted.get().errorClass()).isEqualTo("internal");
      await().atMost(Duration.ofSeconds(10)).until(() -> upstreamClosed.get() == 1);
    } finally {
      clients.close();
    }
  }

  /** One chat chunk saying "hi", as an SSE event. */
  private static final String HI_CHUNK =
      "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,"
          + "\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"},"
          + "\"finish_reason\":null}]}\n\n";

  /**
   * A stage that opens a stream from {@code upstream} whose tap throws {@code failure} on the
   * second event, and hands the stream on in a later turn of the loop ({@code proceeded} runs right
   * after the answer stage attached its relay).
   */
  private Stage opensStream(
      HttpServer upstream,
      UpstreamClients clients,
      java.util.function.Supplier<RuntimeException> failure,
      Runnable proceeded) {
    PlannedTarget pt =
        new PlannedTarget(
            TestTables.target("up", "m", 0),
            TestTables.provider("up", "http://127.0.0.1:" + upstream.actualPort() + "/v1", false),
            PlannedTarget.STABLE);
    UpstreamCaller caller = new UpstreamCaller(clock, clients);
    return stage(
        "opens",
        ex -> {
          ex.ctx().target(pt);
          ex.body(GatewayHarness.JSON.createObjectNode().put("model", "m").put("stream", true));
          ex.streamTap(
              new StreamTap() {
                int seen;

                @Override
                public void event(String data) {
                  if (++seen == 2) {
                    throw failure.get();
                  }
                }

                @Override
                public void completed() {}
              });
          caller
              .openStream(
                  pt,
                  Operation.CHAT_COMPLETIONS,
                  Buffer.buffer("{}"),
                  ex.ctx(),
                  java.util.Optional.empty())
              .onSuccess(
                  stream -> {
                    ex.result(stream);
                    ex.context()
                        .runOnContext(
                            v -> {
                              ex.proceed();
                              proceeded.run();
                            });
                  });
          return false;
        });
  }

  /** The data of a stream body's SSE events. */
  private static List<String> dataEvents(String body) {
    return java.util.Arrays.stream(body.split("\n\n"))
        .filter(e -> e.startsWith("data: "))
        .map(e -> e.substring(6))
        .toList();
  }
}
