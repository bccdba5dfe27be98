package dev.switchboard.gateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.time.ManualClock;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One attempt against a real loopback upstream, with its timeouts on a manual clock: the upstream
 * is made to stall, and the test moves time instead of waiting for it.
 */
class UpstreamCallerTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  private final Vertx vertx = Vertx.vertx();
  private final ManualClock clock = new ManualClock();
  private final UpstreamClients clients = new UpstreamClients(vertx);
  private final UpstreamCaller caller = new UpstreamCaller(clock, clients);
  private final Context context = vertx.getOrCreateContext();
  private final List<HttpServerRequest> received = new CopyOnWriteArrayList<>();
  private HttpServer upstream;

  @AfterEach
  void close() throws Exception {
    clients.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private PlannedTarget target(Consumer<HttpServerRequest> answer, RoutingTable.Timeouts timeouts)
      throws Exception {
    upstream =
        GatewayHarness.upstream(
            vertx,
            req -> {
              received.add(req);
              answer.accept(req);
            });
    RoutingTable.Provider provider =
        TestTables.provider(
            "up",
            "openai-compatible",
            "http://127.0.0.1:" + upstream.actualPort() + "/v1",
            false,
            Map.of(),
            timeouts);
    return new PlannedTarget(TestTables.target("up", "m", 0), provider, PlannedTarget.STABLE);
  }

  /** Runs {@code call} on the event loop, as the gateway does, so its timers belong to it. */
  private <T> Future<T> onLoop(Supplier<Future<T>> call) {
    Promise<T> promise = Promise.promise();
    context.runOnContext(v -> call.get().onComplete(promise));
    return promise.future();
  }

  private RequestContext request() {
    return new RequestContext("req-1", Operation.CHAT_COMPLETIONS, clock);
  }

  private static final Buffer BODY = Buffer.buffer("{\"model\":\"m\",\"messages\":[]}");

  private static UpstreamFailure failureOf(Future<?> future) {
    await().atMost(WAIT).until(future::isComplete);
    assertThat(future.failed()).isTrue();
    return (UpstreamFailure) future.cause();
  }

  @Test
  void aStalledAnswerFailsAtTheFirstTokenTimeoutAndNotBefore() throws Exception {
    PlannedTarget pt = target(req -> {}, new RoutingTable.Timeouts(1_000L, 500L, 2_000L, null));

    Future<JsonReply> reply =
        onLoop(
            () ->
                caller.callJson(pt, Operation.CHAT_COMPLETIONS, BODY, request(), Optional.empty()));
    await().atMost(WAIT).until(() -> received.size() == 1);
    clock.advance(499);
    assertThat(reply.isComplete()).isFalse();
    clock.advance(1);

    UpstreamFailure failure = failureOf(reply);
    assertThat(failure.kind()).isEqualTo(FailureKind.TIMEOUT);
    assertThat(failure.getMessage()).isEqualTo("up/m exceeded its first-token timeout of 500 ms");
    assertThat(failure.cutByDeadline()).isFalse();
  }

  /**
   * The head arrived in time but the body stalls: the first-token timeout no longer applies, the
   * attempt fails at its total timeout, counted from the attempt's start, and not before.
   */
  @Test
  void anAnswerWhoseHeadArrivedButWhoseBodyStallsFailsAtTheTotalTimeout() throws Exception {
    AtomicReference<Future<Void>> headWritten = new AtomicReference<>();
    PlannedTarget pt =
        target(
            req ->
                headWritten.set(
                    req.response()
                        .setChunked(true)
                        .putHeader("content-type", "application/json")
                        .write("{\"id\":")),
            new RoutingTable.Timeouts(1_000L, 500L, 2_000L, null));

    Future<JsonReply> reply =
        onLoop(
            () ->
                caller.callJson(pt, Operation.CHAT_COMPLETIONS, BODY, request(), Optional.empty()));
    await().atMost(WAIT).until(() -> headWritten.get() != null && headWritten.get().succeeded());
    // On loopback the head is in the gateway's socket once written; two turns of the gateway's
    // event loop later it has been read (I/O is handled before queued tasks).
    onLoop(() -> Future.<Void>succeededFuture()).toCompletionStage().toCompletableFuture().get();
    onLoop(() -> Future.<Void>succeededFuture()).toCompletionStage().toCompletableFuture().get();
    clock.advance(500);
    await().atMost(WAIT).until(() -> clock.pendingDelaysMillis().contains(1_500L));
    assertThat(reply.isComplete()).isFalse();
    clock.advance(1_499);
    assertThat(reply.isComplete()).isFalse();
    clock.advance(1);

    // The success head came: the provider was answering, so the chain must not re-send to it.
    UpstreamFailure failure = failureOf(reply);
    assertThat(failure.getMessage())
        .isEqualTo(
            "up/m exceeded its total timeout of 2000 ms after its answer's head (HTTP 200)"
                + " arrived");
    assertThat(failure.answerStarted()).isTrue();
  }

  @Test
  void theRequestDeadlineCapsEveryTimeoutOfTheAttempt() throws Exception {
    PlannedTarget pt =
        target(req -> {}, new RoutingTable.Timeouts(5_000L, 60_000L, 120_000L, null));
    RequestContext ctx = request();
    ctx.deadlineNanos(clock.nanoTime() + 200_000_000L);

    Future<JsonReply> reply =
        onLoop(() -> caller.callJson(pt, Operation.CHAT_COMPLETIONS, BODY, ctx, Optional.empty()));
    await().atMost(WAIT).until(() -> received.size() == 1);
    assertThat(clock.pendingDelaysMillis()).containsOnly(200L);
    clock.advance(200);

    // The target kept within its own timeouts: the request's deadline ended the attempt, which
    // is then no timeout of the target (its breaker and the canary analysis do not count it).
    UpstreamFailure failure = failureOf(reply);
    assertThat(failure.kind()).isEqualTo(FailureKind.TIMEOUT);
    assertThat(failure.cutByDeadline()).isTrue();
    assertThat(failure.outcomeLabel()).isEqualTo("deadline");
    assertThat(failure.getMessage())
        .isEqualTo(
            "up/m did not answer within the request's deadline (total timeout cut from 120000"
                + " to 200 ms)");
  }

  /** The events and the failure a committed stream delivered to its sink. */
  private record Relayed(List<String> events, AtomicReference<UpstreamFailure> failure) {}

  /** Opens a stream to an upstream that sends one event and then falls silent. */
  private Relayed oneEventThenSilence(RoutingTable.Timeouts timeouts) throws Exception {
    PlannedTarget pt =
        target(
            req ->
                req.response()
                    .setChunked(true)
                    .putHeader("content-type", "text/event-stream")
                    .write("data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n"),
            timeouts);
    Relayed relayed = new Relayed(new CopyOnWriteArrayList<>(), new AtomicReference<>());
    Future<UpstreamStream> opened =
        onLoop(
            () ->
                caller.openStream(
                    pt, Operation.CHAT_COMPLETIONS, BODY, request(), Optional.empty()));
    await().atMost(WAIT).until(opened::isComplete);
    opened
        .result()
        .attach(
            new UpstreamStream.Sink() {
              @Override
              public void onEvent(String data) {
                relayed.events().add(data);
              }

              @Override
              public void onEnd() {}

              @Override
              public void onError(UpstreamFailure failure) {
                relayed.failure().set(failure);
              }
            });
    return relayed;
  }

  @Test
  void aCommittedStreamFailsAtItsTotalTimeout() throws Exception {
    Relayed relayed = oneEventThenSilence(new RoutingTable.Timeouts(1_000L, 500L, 3_000L, 10_000L));

    // Committed at the first event: the total and the stream-idle timeouts are left.
    assertThat(clock.pendingDelaysMillis()).containsExactly(3_000L, 10_000L);
    clock.advance(2_999);
    assertThat(relayed.failure().get()).isNull();
    clock.advance(1);

    await().atMost(WAIT).until(() -> relayed.failure().get() != null);
    assertThat(relayed.failure().get().kind()).isEqualTo(FailureKind.TIMEOUT);
    assertThat(relayed.failure().get().getMessage()).contains("total timeout of 3000 ms");
    assertThat(relayed.events()).hasSize(1);
  }

  @Test
  void aStreamThatFallsSilentAfterItsFirstEventStallsAtItsIdleTimeout() throws Exception {
    Relayed relayed = oneEventThenSilence(new RoutingTable.Timeouts(1_000L, 500L, 60_000L, 2_000L));

    clock.advance(1_999);
    assertThat(relayed.failure().get()).isNull();
    clock.advance(1);

    await().atMost(WAIT).until(() -> relayed.failure().get() != null);
    assertThat(relayed.failure().get().kind()).isEqualTo(FailureKind.STREAM_STALLED);
    assertThat(relayed.failure().get().getMessage())
        .isEqualTo("up/m sent nothing for its stream-idle timeout of 2000 ms");
    // Ended: no timer of the attempt is left behind.
    await().atMost(WAIT).until(() -> clock.pendingTimers() == 0);
  }

  /**
   * The client left while the attempt waited for its turn (a bulkhead queue, a shared quota) or for
   * its upstream connection: the request is never sent, where it would have the provider generate,
   * and bill, a whole answer nobody reads.
   */
  @Test
  void anAttemptWhoseClientLeftBeforeItsRequestWasSentSendsNothing() throws Exception {
    PlannedTarget pt =
        target(
            req ->
                req.response()
                    .setChunked(true)
                    .putHeader("content-type", "text/event-stream")
                    .write("data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n"),
            null);
    RequestContext gone = new RequestContext("req-gone", Operation.CHAT_COMPLETIONS, clock);
    gone.cancel();

    UpstreamFailure failure =
        failureOf(
            onLoop(
                () ->
                    caller.openStream(
                        pt, Operation.CHAT_COMPLETIONS, BODY, gone, Optional.empty())));

    assertThat(failure.kind()).isEqualTo(FailureKind.CLIENT_CANCELLED);
    // A later attempt on the same client is sent; the abandoned one, started first, never was.
    RequestContext next = new RequestContext("req-next", Operation.CHAT_COMPLETIONS, clock);
    Future<UpstreamStream> opened =
        onLoop(
            () -> caller.openStream(pt, Operation.CHAT_COMPLETIONS, BODY, next, Optional.empty()));
    await().atMost(WAIT).until(opened::isComplete);
    assertThat(opened.succeeded()).isTrue();
    assertThat(received).extracting(r -> r.getHeader("x-request-id")).containsExactly("req-next");
  }

  @Test
  void aRateLimitCarriesTheProvidersRetryAfterToTheChain() throws Exception {
    PlannedTarget pt =
        target(
            req ->
                req.response()
                    .setStatusCode(429)
                    .putHeader("retry-after", "2")
                    .putHeader("retry-after-ms", "1500")
                    .end("{\"error\":{\"message\":\"slow down\"}}"),
            null);

    UpstreamFailure failure =
        failureOf(
            onLoop(
                () ->
                    caller.callJson(
                        pt, Operation.CHAT_COMPLETIONS, BODY, request(), Optional.empty())));

    assertThat(failure.kind()).isEqualTo(FailureKind.RATE_LIMITED);
    assertThat(failure.upstreamStatus()).isEqualTo(429);
    assertThat(failure.retryAfter()).isEqualTo("2");
    assertThat(failure.retryAfterMs()).isEqualTo("1500");
    // Nothing waits on the clock once the attempt ended.
    assertThat(clock.pendingTimers()).isZero();
  }

  /** A target whose provider reads at most {@code maxResponseBytes} of a non-streamed answer. */
  private PlannedTarget limitedTarget(Consumer<HttpServerRequest> answer, long maxResponseBytes)
      throws Exception {
    PlannedTarget base = target(answer, null);
    RoutingTable.Provider p = base.provider();
    RoutingTable.Provider limited =
        new RoutingTable.Provider(
            p.name(),
            p.kind(),
            p.baseUrl(),
            p.hasKey(),
            p.apiVersion(),
            p.headers(),
            p.timeouts(),
            p.maxConcurrency(),
            maxResponseBytes,
            p.quota(),
            p.healthCheck(),
            p.models());
    return new PlannedTarget(base.target(), limited, PlannedTarget.STABLE);
  }

  /** Writes an endless JSON body, counting what it managed to write. */
  private static Consumer<HttpServerRequest> endlessJson(
      java.util.concurrent.atomic.AtomicLong written) {
    Buffer chunk = Buffer.buffer("a".repeat(16 * 1024));
    return req -> {
      var res = req.response().setChunked(true).putHeader("content-type", "application/json");
      res.write("{\"choices\":[{\"message\":{\"content\":\"");
      Runnable[] next = new Runnable[1];
      next[0] =
          () -> {
            while (!res.closed() && !res.writeQueueFull()) {
              res.write(chunk.copy());
              written.addAndGet(chunk.length());
            }
            if (!res.closed()) {
              res.drainHandler(v -> next[0].run());
            }
          };
      next[0].run();
    };
  }

  /** Issue #13, finding 2: an endless answer is cut at the limit, not at the total timeout. */
  @Test
  void anEndlessAnswerFailsAsABadAnswerOnceItPassesTheResponseSizeLimit() throws Exception {
    java.util.concurrent.atomic.AtomicLong written = new java.util.concurrent.atomic.AtomicLong();
    PlannedTarget pt = limitedTarget(endlessJson(written), 256 * 1024);

    // The clock never moves: only the size limit can end this attempt.
    UpstreamFailure failure =
        failureOf(
            onLoop(
                () ->
                    caller.callJson(
                        pt, Operation.CHAT_COMPLETIONS, BODY, request(), Optional.empty())));

    assertThat(failure.kind()).isEqualTo(FailureKind.BAD_RESPONSE);
    assertThat(failure.kind().retriable()).isTrue();
    assertThat(failure.getMessage())
        .isEqualTo(
            "up/m sent an answer larger than its response size limit of 262144 bytes after its answer's head (HTTP 200) arrived");
    assertThat(failure.answerStarted()).isTrue();
    // The upstream request was reset: the upstream sees its connection go, nothing more is read.
    await().atMost(WAIT).until(this::upstreamClosed);
    assertThat(written.get()).isGreaterThan(256 * 1024);
    assertThat(clock.pendingTimers()).isZero();
  }

  private boolean upstreamClosed() {
    return !received.isEmpty() && received.get(0).response().closed();
  }

  @Test
  void anAnnouncedContentLengthAboveTheLimitFailsBeforeReadingTheBody() throws Exception {
    PlannedTarget pt =
        limitedTarget(
            req ->
                req.response()
                    .putHeader("content-type", "application/json")
                    .end("{\"choices\":[],\"pad\":\"" + "b".repeat(2_000) + "\"}"),
            1_000);

    UpstreamFailure failure =
        failureOf(
            onLoop(
                () ->
                    caller.callJson(
                        pt, Operation.CHAT_COMPLETIONS, BODY, request(), Optional.empty())));

    assertThat(failure.kind()).isEqualTo(FailureKind.BAD_RESPONSE);
    assertThat(failure.getMessage()).contains("response size limit of 1000 bytes");
  }

  @Test
  void anAnswerWithinTheLimitIsReadWhole() throws Exception {
    String answer =
        "{\"id\":\"c\",\"object\":\"chat.completion\",\"model\":\"m\",\"choices\":[{\"index\":0,"
            + "\"message\":{\"role\":\"assistant\",\"content\":\"hi\"},\"finish_reason\":\"stop\"}]}";
    PlannedTarget pt =
        limitedTarget(
            req -> req.response().putHeader("content-type", "application/json").end(answer),
            answer.length());

    Future<JsonReply> reply =
        onLoop(
            () ->
                caller.callJson(pt, Operation.CHAT_COMPLETIONS, BODY, request(), Optional.empty()));

    await().atMost(WAIT).until(reply::isComplete);
    assertThat(reply.succeeded()).isTrue();
    assertThat(reply.result().body().toString()).isEqualTo(answer);
  }

  /** A one-chunk answer is kept as it arrived; an answer in several chunks is joined in order. */
  @Test
  void anAnswerArrivingInSeveralChunksIsJoinedInOrder() throws Exception {
    String answer =
        "{\"id\":\"c\",\"object\":\"chat.completion\",\"model\":\"m\",\"choices\":[{\"index\":0,"
            + "\"message\":{\"role\":\"assistant\",\"content\":\""
            + "x".repeat(20_000)
            + "\"},\"finish_reason\":\"stop\"}]}";
    PlannedTarget pt =
        limitedTarget(
            req -> {
              var res =
                  req.response().setChunked(true).putHeader("content-type", "application/json");
              // Three writes, flushed apart: the gateway reads at least three chunks.
              res.write(answer.substring(0, 7));
              vertx.setTimer(
                  20,
                  a -> {
                    res.write(answer.substring(7, 9_000));
                    vertx.setTimer(20, b -> res.end(answer.substring(9_000)));
                  });
            },
            1_000_000);

    Future<JsonReply> reply =
        onLoop(
            () ->
                caller.callJson(pt, Operation.CHAT_COMPLETIONS, BODY, request(), Optional.empty()));

    await().atMost(WAIT).until(reply::isComplete);
    assertThat(reply.succeeded()).isTrue();
    assertThat(reply.result().body().toString()).isEqualTo(answer);
  }

  private static final String KEY = "sk-proj-Zx9QrT7mWv2LpK8sNb4YhGc6JdF1eAu3";

  /** Issue #13, finding 1, at the source: an echoing upstream's 4xx body loses the key. */
  @Test
  void anErrorBodyThatEchoesTheKeyIsScrubbedBeforeAnythingReadsIt() throws Exception {
    PlannedTarget pt =
        target(
            req ->
                req.response()
                    .setStatusCode(400)
                    .putHeader("content-type", "application/json")
                    .end(
                        "{\"error\":{\"message\":\"Bad request; you sent "
                            + req.getHeader("authorization")
                            + "\",\"type\":\"invalid_request_error\"}}"),
            null);

    UpstreamFailure failure =
        failureOf(
            onLoop(
                () ->
                    caller.callJson(
                        pt, Operation.CHAT_COMPLETIONS, BODY, request(), Optional.of(KEY))));

    assertThat(failure.kind()).isEqualTo(FailureKind.REQUEST_REJECTED);
    assertThat(received.get(0).getHeader("authorization")).isEqualTo("Bearer " + KEY);
    assertThat(failure.upstreamBody().toString())
        .isEqualTo(
            "{\"error\":{\"message\":\"Bad request; you sent Bearer [REDACTED]\","
                + "\"type\":\"invalid_request_error\"}}");
  }

  @Test
  void streamEventsThatEchoTheKeyAreScrubbed() throws Exception {
    PlannedTarget pt =
        target(
            req ->
                req.response()
                    .setChunked(true)
                    .putHeader("content-type", "text/event-stream")
                    .write("data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n")
                    .compose(
                        v ->
                            req.response()
                                .end(
                                    "data: {\"error\":{\"message\":\"failed for "
                                        + req.getHeader("authorization")
                                        + "\"}}\n\n")),
            null);
    List<String> events = new CopyOnWriteArrayList<>();
    AtomicReference<Boolean> ended = new AtomicReference<>(false);
    Future<UpstreamStream> opened =
        onLoop(
            () ->
                caller.openStream(
                    pt, Operation.CHAT_COMPLETIONS, BODY, request(), Optional.of(KEY)));
    await().atMost(WAIT).until(opened::isComplete);
    opened
        .result()
        .attach(
            new UpstreamStream.Sink() {
              @Override
              public void onEvent(String data) {
                events.add(data);
              }

              @Override
              public void onEnd() {
                ended.set(true);
              }

              @Override
              public void onError(UpstreamFailure failure) {
                ended.set(true);
              }
            });

    await().atMost(WAIT).until(ended::get);
    assertThat(events)
        .containsExactly(
            "{\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}",
            "{\"error\":{\"message\":\"failed for Bearer [REDACTED]\"}}");
  }

  /**
   * Events the client would never see (here Gemini's usage-only chunk) hold the attempt open, so a
   * failure after them still fails over; but an upstream sending nothing else commits the attempt
   * after {@link UpstreamCaller#MAX_HELD_EVENTS} of them instead of having them queued until its
   * first-token timeout.
   */
  @Test
  void anAttemptHoldsEventsTheClientNeverSeesUpToACap() throws Exception {
    upstream =
        GatewayHarness.upstream(
            vertx,
            req -> {
              var res = req.response();
              res.setChunked(true).putHeader("content-type", "text/event-stream");
              res.write(
                  "data: {\"usageMetadata\":{\"promptTokenCount\":5}}\n\n"
                      .repeat(UpstreamCaller.MAX_HELD_EVENTS));
            });
    RoutingTable.Provider provider =
        TestTables.provider(
            "gem",
            "gemini",
            "http://127.0.0.1:" + upstream.actualPort() + "/v1beta",
            false,
            Map.of(),
            new RoutingTable.Timeouts(1_000L, 5_000L, 10_000L, null));
    PlannedTarget pt =
        new PlannedTarget(TestTables.target("gem", "g", 0), provider, PlannedTarget.STABLE);

    Future<UpstreamStream> stream =
        onLoop(
            () ->
                caller.openStream(
                    pt, Operation.CHAT_COMPLETIONS, BODY, request(), Optional.empty()));

    await().atMost(WAIT).until(stream::isComplete);
    assertThat(stream.succeeded()).isTrue();
    assertThat(stream.result().queued()).isEqualTo(UpstreamCaller.MAX_HELD_EVENTS);
    context.runOnContext(v -> stream.result().cancel());
  }

  /**
   * A key the HTTP client refuses as a header value (two keys on two lines) is never sent, and the
   * failure does not quote it: the client's complaint does, and failures are logged.
   */
  @Test
  void aKeyThatIsNoValidHeaderValueFailsAsNoKeyWithoutQuotingIt() throws Exception {
    PlannedTarget pt =
        target(
            req -> req.response().end("{}"), new RoutingTable.Timeouts(1_000L, 500L, 2_000L, null));
    Optional<String> key = Optional.of("sk-proj-AAAAAAAAAAAA\nsk-proj-BBBBBBBBBBBB");

    UpstreamFailure json =
        failureOf(
            onLoop(() -> caller.callJson(pt, Operation.CHAT_COMPLETIONS, BODY, request(), key)));
    UpstreamFailure stream =
        failureOf(
            onLoop(() -> caller.openStream(pt, Operation.CHAT_COMPLETIONS, BODY, request(), key)));

    for (UpstreamFailure failure : List.of(json, stream)) {
      assertThat(failure.kind()).isEqualTo(FailureKind.NO_KEY);
      assertThat(failure.getMessage()).contains("up").doesNotContain("sk-proj");
      assertThat(String.valueOf(failure)).doesNotContain("sk-proj");
    }
    assertThat(received).isEmpty();
  }
}
