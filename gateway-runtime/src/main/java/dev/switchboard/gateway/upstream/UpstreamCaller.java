package dev.switchboard.gateway.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.pipeline.ValidateStage;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.routing.PerRecordCache;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.security.KeyScrubber;
import dev.switchboard.gateway.time.GatewayClock;
import dev.switchboard.gateway.upstream.adapter.UpstreamAdapter;
import dev.switchboard.gateway.upstream.adapter.UpstreamAdapters;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.ConnectException;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Sends one attempt to one target and classifies the result. Enforces the attempt's timeouts with
 * Vert.x timers (never blocking), resets the upstream request when the client disconnects, and
 * turns every way an upstream can misbehave into an {@link UpstreamFailure} of the right kind.
 */
public final class UpstreamCaller {

  /** Upstream error bodies beyond this size are cut; they only feed error messages. */
  private static final int MAX_ERROR_BODY = 64 * 1024;

  /**
   * The largest non-streamed body read from a provider that sets no {@code maxResponseBytes}: far
   * above a chat answer (a 128k-token completion is about 0.5 MiB) and a typical embeddings batch,
   * far below what a few parallel endless answers would cost. The extreme embeddings batch (2,048
   * inputs of 3,072 floats as JSON text, ~90 MB) needs a higher limit or {@code encoding_format:
   * base64} (~34 MB).
   */
  public static final long DEFAULT_MAX_RESPONSE_BYTES = 64L * 1024 * 1024;

  private final GatewayClock clock;
  private final UpstreamClients clients;
  private final PerRecordCache<RoutingTable.Provider, URL> baseUrls = new PerRecordCache<>(1024);

  /** Runs where an answer is decoded: a test observes the thread; nothing otherwise. */
  private volatile Runnable decodeProbe = () -> {};

  /** By key instance: a loaded key is the same String for every request until the next reload. */
  private final PerRecordCache<String, KeyScrubber> scrubbers = new PerRecordCache<>(1024);

  /**
   * @param clock the attempt timeouts' timers
   */
  public UpstreamCaller(GatewayClock clock, UpstreamClients clients) {
    this.clock = clock;
    this.clients = clients;
  }

  /** For tests: {@code probe} runs on the thread that decodes each 2xx answer. */
  UpstreamCaller decodeProbe(Runnable probe) {
    this.decodeProbe = probe;
    return this;
  }

  /** A non-streaming call: completes with the whole, parsed, 2xx answer or an UpstreamFailure. */
  public Future<JsonReply> callJson(
      PlannedTarget pt, Operation op, Buffer body, RequestContext ctx, Optional<String> key) {
    return callJson(pt, op, body, ctx, key, null);
  }

  /**
   * As {@link #callJson(PlannedTarget, Operation, Buffer, RequestContext, Optional)}, with the
   * gateway-side request {@code body} was encoded from, for adapters whose answer translation
   * depends on it ({@link UpstreamAdapter#replyBody(Buffer, Operation, PlannedTarget, ObjectNode,
   * java.util.function.LongSupplier)}); null when unknown.
   */
  public Future<JsonReply> callJson(
      PlannedTarget pt,
      Operation op,
      Buffer body,
      RequestContext ctx,
      Optional<String> key,
      ObjectNode request) {
    AttemptTimeouts own = AttemptTimeouts.of(pt.provider());
    AttemptTimeouts timeouts = own.cappedAt(ctx.remainingMs());
    KeyScrubber scrubber = scrubber(key);
    Promise<JsonReply> promise = Promise.promise();
    AtomicReference<HttpClientRequest> current = new AtomicReference<>();
    // The status of a success head once it arrived (0 before): a failure after it is marked.
    int[] successHead = {0};
    JsonAttemptTimer timer =
        new JsonAttemptTimer(
            clock,
            timeouts,
            () ->
                abort(
                    promise,
                    current,
                    timeout("first-token", timeouts.firstTokenMs(), own.firstTokenMs(), pt)),
            () ->
                abort(
                    promise,
                    current,
                    afterHead(
                        timeout("total", timeouts.totalMs(), own.totalMs(), pt), successHead[0])));
    promise.future().onComplete(ar -> timer.stop());
    ctx.onCancel(() -> abort(promise, current, cancelled()));
    options(pt, op, ctx, key, false, timeouts)
        .compose(o -> clients.clientFor(pt.provider()).request(o))
        .compose(req -> send(req, body, promise, current))
        .compose(
            resp -> {
              timer.headersArrived();
              if (resp.statusCode() >= 200 && resp.statusCode() < 300) {
                successHead[0] = resp.statusCode();
              }
              return readBody(resp, current.get(), pt).map(b -> new Object[] {resp, b});
            })
        .onComplete(
            ar -> {
              timer.stop();
              if (ar.failed()) {
                promise.tryFail(
                    afterHead(
                        classify(ar.cause(), pt, timeouts.connectMs() < own.connectMs()),
                        successHead[0]));
                return;
              }
              HttpClientResponse resp = (HttpClientResponse) ar.result()[0];
              Buffer bytes = (Buffer) ar.result()[1];
              int status = resp.statusCode();
              if (status >= 200 && status < 300) {
                // Answers over the request bodies' limit are decoded on a worker, by the same rule
                // (one constant); a chat answer is far below it and stays on the loop, where a
                // worker hop would cost more than the work.
                Context loop =
                    bytes.length() > ValidateStage.INLINE_PARSE_LIMIT
                        ? Vertx.currentContext()
                        : null;
                if (loop == null) {
                  try {
                    promise.tryComplete(decode(status, bytes, scrubber, pt, op, request, ctx));
                  } catch (ReplySummary.BadReply bad) {
                    promise.tryFail(badReply(pt, status, bad.getMessage(), scrubber));
                  }
                } else {
                  // Copying, scrubbing and parsing megabytes (an embeddings batch) would stall
                  // every request on this loop; the answer is handed back on it.
                  loop.executeBlocking(
                          () -> decode(status, bytes, scrubber, pt, op, request, ctx), false)
                      .onComplete(
                          decoded -> {
                            if (decoded.succeeded()) {
                              promise.tryComplete(decoded.result());
                            } else {
                              String problem =
                                  decoded.cause() instanceof ReplySummary.BadReply bad
                                      ? bad.getMessage()
                                      : "an answer that cannot be read";
                              promise.tryFail(badReply(pt, status, problem, scrubber));
                            }
                          });
                }
              } else {
                promise.tryFail(statusFailure(pt, resp, bytes, scrubber));
              }
            });
    return promise.future();
  }

  /**
   * A 2xx answer's work: the key scrubbed (the provider may echo the key it received; the client
   * never gets it back), the facts read and the body made for the client, by the adapter, once.
   */
  private JsonReply decode(
      int status,
      Buffer bytes,
      KeyScrubber scrubber,
      PlannedTarget pt,
      Operation op,
      ObjectNode request,
      RequestContext ctx)
      throws ReplySummary.BadReply {
    decodeProbe.run();
    byte[] raw = bytes.getBytes();
    byte[] clean = scrubber.scrub(raw);
    Buffer body = clean == raw ? bytes : Buffer.buffer(clean);
    UpstreamAdapter.DecodedReply decoded =
        UpstreamAdapters.forProvider(pt.provider())
            .decode(
                clean,
                body,
                op,
                pt,
                request,
                ctx::epochSeconds); // read only by a translating adapter
    // The answer as the adapter left it: when it is the body as it came (scrubbed), its bytes
    // are those already copied out to read it, which the response cache's entry takes as they are.
    return new JsonReply(
        status, decoded.body(), decoded.summary(), op, decoded.body() == body ? clean : null);
  }

  /**
   * A {@code 2xx} answer that arrived whole but cannot be read: very likely generated and billed,
   * so it is marked {@link UpstreamFailure#afterWholeAnswer} (never re-sent to the same target).
   */
  private static UpstreamFailure badReply(
      PlannedTarget pt, int status, String problem, KeyScrubber scrubber) {
    return new UpstreamFailure(
            FailureKind.BAD_RESPONSE,
            pt.id() + " answered " + status + " with " + scrubber.scrub(problem),
            status,
            null,
            null)
        .afterWholeAnswer();
  }

  /**
   * Events an attempt holds back before it commits because they give the client nothing ({@link
   * UpstreamAdapter#reachesClient}); past this many it commits all the same, so an upstream cannot
   * make the gateway queue its events for as long as the first-token timeout.
   */
  static final int MAX_HELD_EVENTS = 16;

  /**
   * A streaming call: completes with the stream as soon as its first SSE event that reaches the
   * client arrived (so the caller can still fail over while nothing was written to the client), or
   * with an UpstreamFailure. Events before it (usage only, a ping) wait in the stream.
   */
  public Future<UpstreamStream> openStream(
      PlannedTarget pt, Operation op, Buffer body, RequestContext ctx, Optional<String> key) {
    AttemptTimeouts own = AttemptTimeouts.of(pt.provider());
    AttemptTimeouts timeouts = own.cappedAt(ctx.remainingMs());
    KeyScrubber scrubber = scrubber(key);
    Promise<UpstreamStream> promise = Promise.promise();
    AtomicReference<HttpClientRequest> current = new AtomicReference<>();
    AtomicReference<UpstreamStream> streamRef = new AtomicReference<>();
    long firstTokenTimer =
        clock.setTimer(
            timeouts.firstTokenMs(),
            id ->
                abort(
                    promise,
                    current,
                    afterStreamHead(
                        streamRef,
                        timeout("first-token", timeouts.firstTokenMs(), own.firstTokenMs(), pt))));
    long totalTimer =
        clock.setTimer(
            timeouts.totalMs(),
            id -> {
              UpstreamFailure f = timeout("total", timeouts.totalMs(), own.totalMs(), pt);
              UpstreamStream s = streamRef.get();
              if (s != null && promise.future().succeeded()) {
                // A slow client holding the relay paused kept the provider from sending: the cut is
                // the client's doing, as silence while paused is (IdleWatch), not the target's.
                s.fail(
                    s.paused()
                        ? UpstreamFailure.deadlineTimeout(
                            f.getMessage() + " while a slow client held its stream paused")
                        : f);
              } else {
                abort(promise, current, afterStreamHead(streamRef, f));
              }
            });
    ctx.onCancel(
        () -> {
          UpstreamStream s = streamRef.get();
          if (s != null && promise.future().succeeded()) {
            s.cancel();
          } else {
            abort(promise, current, cancelled());
          }
        });
    IdleWatch idle =
        new IdleWatch(
            timeouts.streamIdleMs(),
            streamRef,
            () -> {
              UpstreamStream s = streamRef.get();
              if (s != null && promise.future().succeeded()) {
                // Events already reached the client: end with the one terminal error event.
                s.fail(
                    new UpstreamFailure(
                        FailureKind.STREAM_STALLED,
                        pt.id()
                            + " sent nothing for its stream-idle timeout of "
                            + timeouts.streamIdleMs()
                            + " ms",
                        200,
                        null,
                        null));
              } else {
                // Head but no event yet: an attempt failure, so the chain can still fail over.
                abort(
                    promise,
                    current,
                    afterStreamHead(
                        streamRef,
                        timeout("stream-idle", timeouts.streamIdleMs(), own.streamIdleMs(), pt)));
              }
            });
    promise
        .future()
        .onComplete(
            ar -> {
              clock.cancelTimer(firstTokenTimer);
              if (ar.failed()) {
                clock.cancelTimer(totalTimer);
                idle.stop();
              } else {
                ar.result()
                    .onFinish(
                        () -> {
                          clock.cancelTimer(totalTimer);
                          idle.stop();
                        });
              }
            });
    options(pt, op, ctx, key, true, timeouts)
        .compose(o -> clients.clientFor(pt.provider()).request(o))
        .compose(req -> send(req, body, promise, current))
        .onComplete(
            ar -> {
              if (ar.failed()) {
                promise.tryFail(classify(ar.cause(), pt, timeouts.connectMs() < own.connectMs()));
                return;
              }
              HttpClientResponse resp = ar.result();
              String contentType = resp.getHeader(HttpHeaders.CONTENT_TYPE);
              boolean sse =
                  contentType != null
                      && contentType.toLowerCase(Locale.ROOT).startsWith("text/event-stream");
              if (resp.statusCode() != 200 || !sse) {
                readBody(resp, current.get(), pt)
                    .onComplete(
                        b -> {
                          if (b.failed() && b.cause() instanceof UpstreamFailure tooLarge) {
                            promise.tryFail(tooLarge);
                            return;
                          }
                          Buffer bytes = b.succeeded() ? b.result() : Buffer.buffer();
                          promise.tryFail(
                              resp.statusCode() == 200
                                  // A whole success answer that cannot be used: as a plain one
                                  // that does not parse, not sent to the same target again.
                                  ? new UpstreamFailure(
                                          FailureKind.BAD_RESPONSE,
                                          pt.id() + " answered a stream request without SSE",
                                          200,
                                          null,
                                          null)
                                      .afterWholeAnswer()
                                  : statusFailure(pt, resp, bytes, scrubber));
                        });
                return;
              }
              UpstreamStream stream = new UpstreamStream(current.get(), resp, op);
              streamRef.set(stream);
              idle.start();
              UpstreamAdapter adapter = UpstreamAdapters.forProvider(pt.provider());
              SseDecoder decoder =
                  new SseDecoder(
                      received -> {
                        // Every event, error events included, loses the key before anything
                        // reads it: the client, the request log and the error mapping.
                        String data = scrubber.scrub(received);
                        if (!promise.future().isComplete()) {
                          JsonNode first = adapter.parseEvent(data);
                          UpstreamFailure broken = adapter.firstEventProblem(pt, data, first);
                          if (broken != null) {
                            // Nothing reached the client yet: fail the attempt so the chain can
                            // still move on, instead of committing to a stream that is an error.
                            if (promise.tryFail(broken)) {
                              stream.cancel();
                            }
                            return;
                          }
                          stream.firstEventParsed(data, first);
                          stream.event(data);
                          // The first event the client sees commits this attempt; an event it
                          // would not see waits with the stream, and the attempt stays open.
                          if (adapter.reachesClient(op, first)
                              || stream.queued() >= MAX_HELD_EVENTS) {
                            promise.tryComplete(stream);
                          }
                          return;
                        }
                        stream.event(data); // later ones flow to the sink
                      });
              resp.handler(
                  buf -> {
                    idle.touch();
                    try {
                      decoder.feed(buf.getBytes());
                    } catch (SseDecoder.LineTooLong e) {
                      UpstreamFailure f =
                          new UpstreamFailure(
                              FailureKind.BAD_RESPONSE,
                              pt.id() + ": " + scrubber.scrub(e.getMessage()));
                      if (!promise.tryFail(afterHead(f, 200))) {
                        stream.fail(f);
                      } else {
                        stream.cancel();
                      }
                    } catch (RuntimeException e) {
                      // The gateway failed taking an event (the sink threw), not the upstream.
                      if (!promise.tryFail(e)) {
                        stream.sinkFailed(e);
                      } else {
                        stream.cancel();
                      }
                    }
                  });
              resp.exceptionHandler(
                  err -> {
                    UpstreamFailure f =
                        new UpstreamFailure(
                            FailureKind.CONNECT,
                            pt.id() + " stream broke: " + describe(err),
                            200,
                            null,
                            null);
                    if (!promise.tryFail(afterHead(f, 200))) {
                      stream.fail(f);
                    }
                  });
              resp.endHandler(
                  v -> {
                    // A last event that is whole but lacks its blank line (a server ending with
                    // "data: [DONE]\n") is the stream's end, not a cut: it is taken before the
                    // close is judged. A cut one stays out, and the close is a truncation.
                    try {
                      decoder.finish();
                    } catch (RuntimeException e) {
                      // The gateway failed taking that event (the sink threw), not the upstream.
                      if (!promise.tryFail(e)) {
                        stream.sinkFailed(e);
                      } else {
                        stream.cancel();
                      }
                    }
                    if (!promise.tryFail(
                        new UpstreamFailure(
                                FailureKind.BAD_RESPONSE,
                                pt.id() + " ended the stream before any event for the client",
                                200,
                                null,
                                null)
                            .afterAnswerHead(200))) {
                      stream.end();
                    }
                  });
            });
    return promise.future();
  }

  /**
   * Sends the attempt's request, unless the attempt was given up while its connection was being
   * made (the client left, during the connect or while the attempt waited for its turn): then the
   * request is reset unsent, so the provider never generates an answer nobody reads.
   */
  private static Future<HttpClientResponse> send(
      HttpClientRequest req,
      Buffer body,
      Promise<?> attempt,
      AtomicReference<HttpClientRequest> current) {
    current.set(req);
    if (attempt.future().failed()) {
      req.reset(0, attempt.future().cause());
      return Future.failedFuture(attempt.future().cause());
    }
    return req.send(body);
  }

  /**
   * Ends a stream that stays silent longer than its stream-idle timeout. Chunks only record the
   * time they arrived; the one Vert.x timer is rescheduled when it fires early (for the silence
   * still missing), so a busy stream costs no timer per chunk. A stream paused by back-pressure
   * from a slow client is not silent by its own fault and is not ended.
   */
  private final class IdleWatch {
    private final long idleMs;
    private final AtomicReference<UpstreamStream> stream;
    private final Runnable onIdle;
    private volatile long lastNanos;
    private long timerId = -1;
    private boolean stopped;

    IdleWatch(long idleMs, AtomicReference<UpstreamStream> stream, Runnable onIdle) {
      this.idleMs = idleMs;
      this.stream = stream;
      this.onIdle = onIdle;
    }

    /** Starts watching when the response head arrived. */
    void start() {
      if (!stopped) {
        lastNanos = clock.nanoTime();
        timerId = clock.setTimer(idleMs, this::check);
      }
    }

    void touch() {
      lastNanos = clock.nanoTime();
    }

    private void check(long id) {
      if (stopped) {
        return;
      }
      UpstreamStream s = stream.get();
      if (s != null && s.paused()) {
        touch();
      }
      long silentMs = (clock.nanoTime() - lastNanos) / 1_000_000;
      if (silentMs >= idleMs) {
        stopped = true;
        onIdle.run();
      } else {
        timerId = clock.setTimer(Math.max(1, idleMs - silentMs), this::check);
      }
    }

    void stop() {
      stopped = true;
      if (timerId >= 0) {
        clock.cancelTimer(timerId);
      }
    }
  }

  /**
   * The upstream request, or a {@link FailureKind#NO_KEY} failure with a fixed message when a
   * header value is refused by the HTTP client: its complaint quotes the whole value, which may be
   * the key, so it must reach no log line and no answer.
   */
  private Future<RequestOptions> options(
      PlannedTarget pt,
      Operation op,
      RequestContext ctx,
      Optional<String> key,
      boolean stream,
      AttemptTimeouts timeouts) {
    UpstreamAdapter adapter = UpstreamAdapters.forProvider(pt.provider());
    MultiMap headers = HttpHeaders.headers();
    try {
      adapter.headers(pt.provider(), key, ctx.requestId(), stream, headers);
    } catch (IllegalArgumentException invalidHeaderValue) {
      return Future.failedFuture(invalidHeaders(pt.provider().name()));
    }
    if (op == ctx.operation() && op != op.internal() && adapter.speaks(op)) {
      // Passed through in the client's own format: its protocol options go along (never a key:
      // the adapter set the provider's, and a door lists no credential header).
      ctx.passThroughHeaders().forEach(headers::set);
    }
    URL base = baseUrl(pt.provider());
    return Future.succeededFuture(
        new RequestOptions()
            .setMethod(HttpMethod.POST)
            .setAbsoluteURI(base)
            .setURI(base.getPath() + adapter.path(pt.provider(), pt.target().model(), op, stream))
            .setConnectTimeout(timeouts.connectMs())
            .setHeaders(headers));
  }

  /**
   * The failure for upstream headers the HTTP client refuses: named for the provider only, never
   * quoting the refused value (it may be the key). Not sent, so like a missing key.
   */
  public static UpstreamFailure invalidHeaders(String provider) {
    return new UpstreamFailure(
        FailureKind.NO_KEY,
        "the key or a header value for provider "
            + provider
            + " is not a valid header value (a line break or control character inside)");
  }

  /**
   * The whole body of a non-streamed answer, at most the provider's {@code maxResponseBytes}: past
   * it (announced by {@code Content-Length} or counted as it arrives) the attempt fails as a bad
   * answer, which fails over, and the upstream request is reset so nothing more is read.
   */
  private static Future<Buffer> readBody(
      HttpClientResponse resp, HttpClientRequest request, PlannedTarget pt) {
    long limit = maxResponseBytes(pt.provider());
    String announced = resp.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (announced != null && announcedLength(announced) > limit) {
      UpstreamFailure f = tooLarge(pt, limit);
      request.reset(0, f);
      return Future.failedFuture(f);
    }
    Promise<Buffer> promise = Promise.promise();
    BodyChunks body = new BodyChunks();
    resp.handler(
        chunk -> {
          if (promise.future().isComplete()) {
            return;
          }
          if ((long) body.length() + chunk.length() > limit) {
            UpstreamFailure f = tooLarge(pt, limit);
            promise.tryFail(f);
            request.reset(0, f);
            return;
          }
          body.add(chunk);
        });
    resp.exceptionHandler(promise::tryFail);
    resp.endHandler(v -> promise.tryComplete(body.whole()));
    return promise.future();
  }

  /**
   * An answer's body as it arrives. Most answers arrive in one chunk, which is kept as it is; only
   * a second chunk makes a copy that the rest is appended to.
   */
  private static final class BodyChunks {
    private Buffer first;
    private Buffer joined;

    int length() {
      return joined != null ? joined.length() : first == null ? 0 : first.length();
    }

    void add(Buffer chunk) {
      if (first == null) {
        first = chunk;
      } else {
        if (joined == null) {
          joined = Buffer.buffer(first.length() + chunk.length() * 2).appendBuffer(first);
        }
        joined.appendBuffer(chunk);
      }
    }

    Buffer whole() {
      return joined != null ? joined : first == null ? Buffer.buffer() : first;
    }
  }

  static long maxResponseBytes(RoutingTable.Provider provider) {
    Long limit = provider.maxResponseBytes();
    return limit == null || limit <= 0 ? DEFAULT_MAX_RESPONSE_BYTES : limit;
  }

  private static long announcedLength(String header) {
    try {
      return Long.parseLong(header.trim());
    } catch (NumberFormatException e) {
      return -1; // Vert.x rejects a malformed Content-Length before we get here
    }
  }

  private static UpstreamFailure tooLarge(PlannedTarget pt, long limit) {
    return new UpstreamFailure(
        FailureKind.BAD_RESPONSE,
        pt.id() + " sent an answer larger than its response size limit of " + limit + " bytes");
  }

  /** The scrubber of the attempt's key, built once per loaded key. */
  private KeyScrubber scrubber(Optional<String> key) {
    return key.isEmpty() ? KeyScrubber.NONE : scrubbers.get(key.get(), KeyScrubber::forKey);
  }

  /** The provider's base URL, parsed once per provider record. */
  private URL baseUrl(RoutingTable.Provider provider) {
    return baseUrls.get(provider, UpstreamCaller::parseBaseUrl);
  }

  private static URL parseBaseUrl(RoutingTable.Provider provider) {
    try {
      return URI.create(UpstreamRequests.baseUrl(provider)).toURL();
    } catch (MalformedURLException | IllegalArgumentException e) {
      // The table validator accepts only http(s) URLs; this is a bug, not bad input.
      throw new IllegalStateException("provider " + provider.name() + " has an invalid URL", e);
    }
  }

  private static <T> void abort(
      Promise<T> promise, AtomicReference<HttpClientRequest> current, UpstreamFailure failure) {
    if (promise.tryFail(failure)) {
      HttpClientRequest req = current.get();
      if (req != null) {
        req.reset(0, failure);
      }
    }
  }

  /**
   * A timeout of {@code ms}; when the request's deadline cut it below the provider's own {@code
   * ownMs}, a {@link UpstreamFailure#deadlineTimeout}: the target kept within its own timeouts.
   * Also the stored-response calls' ({@code ResponsesStateHandler}), whose timeouts are cut alike.
   */
  public static UpstreamFailure timeout(String which, long ms, long ownMs, PlannedTarget pt) {
    if (ms < ownMs) {
      return UpstreamFailure.deadlineTimeout(
          pt.id()
              + " did not answer within the request's deadline ("
              + which
              + " timeout cut from "
              + ownMs
              + " to "
              + ms
              + " ms)");
    }
    return new UpstreamFailure(
        FailureKind.TIMEOUT, pt.id() + " exceeded its " + which + " timeout of " + ms + " ms");
  }

  /**
   * {@code f}, marked {@link UpstreamFailure#afterAnswerHead} once the stream's {@code 200}
   * event-stream head arrived ({@code streamRef} set): a stream that breaks, stalls or ends after
   * it, before anything reached the client, had begun upstream (held events such as a Responses
   * stream's {@code response.created} say so) and is not sent to the same target again, as a plain
   * answer broken off after its head is not.
   */
  private static UpstreamFailure afterStreamHead(
      AtomicReference<UpstreamStream> streamRef, UpstreamFailure f) {
    return streamRef.get() == null ? f : afterHead(f, 200);
  }

  /**
   * {@code f}, marked {@link UpstreamFailure#afterAnswerHead} when a success head with {@code
   * status} had arrived (0: none did); a client's cancellation is never the provider's.
   */
  private static UpstreamFailure afterHead(UpstreamFailure f, int status) {
    return status == 0 || f.kind() == FailureKind.CLIENT_CANCELLED ? f : f.afterAnswerHead(status);
  }

  private static UpstreamFailure cancelled() {
    return new UpstreamFailure(FailureKind.CLIENT_CANCELLED, "client disconnected");
  }

  /**
   * @param connectCut whether the request's deadline cut the connect timeout below the provider's
   *     own: a timeout then is the deadline's, not the target's
   */
  private static UpstreamFailure classify(Throwable err, PlannedTarget pt, boolean connectCut) {
    if (err instanceof UpstreamFailure f) {
      return f;
    }
    String text = describe(err);
    boolean timeout =
        err instanceof TimeoutException
            || err.getClass().getSimpleName().contains("Timeout")
            || text.toLowerCase(Locale.ROOT).contains("timed out")
            || text.toLowerCase(Locale.ROOT).contains("timeout");
    if (timeout) {
      return connectCut
          ? UpstreamFailure.deadlineTimeout(
              pt.id() + " timed out within the request's deadline: " + text)
          : new UpstreamFailure(FailureKind.TIMEOUT, pt.id() + " timed out: " + text);
    }
    String what = err instanceof ConnectException ? "cannot connect" : "connection failed";
    return new UpstreamFailure(FailureKind.CONNECT, pt.id() + " " + what + ": " + text);
  }

  private static String describe(Throwable err) {
    return err.getMessage() == null ? err.getClass().getSimpleName() : err.getMessage();
  }

  private static UpstreamFailure statusFailure(
      PlannedTarget pt, HttpClientResponse resp, Buffer body, KeyScrubber scrubber) {
    int status = resp.statusCode();
    Buffer cut = body.length() > MAX_ERROR_BODY ? body.getBuffer(0, MAX_ERROR_BODY) : body;
    // Error bodies are where providers echo the Authorization header they received.
    cut = scrubber.scrub(cut);
    FailureKind kind;
    if (status == 429) {
      kind = FailureKind.RATE_LIMITED;
    } else if (status >= 500) {
      kind = FailureKind.SERVER_ERROR;
    } else if (status == 401 || status == 403) {
      kind = FailureKind.AUTH_REJECTED;
    } else if (status == 402) {
      // Payment required: the gateway's account, not the client's request (Anthropic
      // billing_error).
      kind = FailureKind.TARGET_UNUSABLE;
    } else if (status >= 400) {
      kind = FailureKind.REQUEST_REJECTED;
    } else {
      kind = FailureKind.BAD_RESPONSE;
    }
    UpstreamAdapter adapter = UpstreamAdapters.forProvider(pt.provider());
    kind = adapter.failureKind(status, cut, kind);
    // Retry-After may be relayed to the client: a hostile provider gets no channel for the key.
    String retryAfter = scrubber.scrub(resp.getHeader("retry-after"));
    String retryAfterMs = scrubber.scrub(resp.getHeader("retry-after-ms"));
    if (retryAfter == null && retryAfterMs == null) {
      // Gemini puts its delay into the error body (RetryInfo), not into a header.
      Long delayMs = adapter.retryDelayMs(status, cut);
      if (delayMs != null) {
        retryAfterMs = Long.toString(delayMs);
        retryAfter = Long.toString((delayMs + 999) / 1000);
      }
    }
    return new UpstreamFailure(
            kind, pt.id() + " answered HTTP " + status, status, cut, retryAfter, retryAfterMs)
        .withScope(adapter.failureScope(status, cut, kind));
  }
}
