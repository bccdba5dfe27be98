package dev.switchboard.gateway.pipeline;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.frontdoor.ChatForm;
import dev.switchboard.gateway.frontdoor.FrontDoor;
import dev.switchboard.gateway.http.ErrorMapping;
import dev.switchboard.gateway.http.OpenAiError;
import dev.switchboard.gateway.request.Caller;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.request.TokenUsage;
import dev.switchboard.gateway.resilience.Backoff;
import dev.switchboard.gateway.resilience.SharedClientRateLimits;
import dev.switchboard.gateway.resilience.TokenBucket;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.upstream.FailureKind;
import dev.switchboard.gateway.upstream.ReplySummary;
import dev.switchboard.gateway.upstream.UpstreamFailure;
import dev.switchboard.gateway.upstream.UpstreamStream;
import dev.switchboard.gateway.upstream.adapter.StreamEventFacts;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * One request on its way through the {@link Pipeline}: the HTTP exchange, the front door the client
 * came through, the {@link RequestContext} that records what happened (for metrics, stats and the
 * log), and what the stages hand each other (the internal request, the planned chain, the upstream
 * result). Touched only from the request's event loop.
 */
public final class Exchange {

  private static final CharSequence APPLICATION_JSON =
      HttpHeaders.createOptimized("application/json");

  private final HttpServerRequest request;
  private final Buffer rawBody;
  private final Context context;
  private final RequestContext ctx;
  private final FrontDoor frontDoor;
  private final Pipeline pipeline;
  private final Function<String, String> headers;
  private int entered = -1;

  private ObjectNode body;
  private ChatForm chatForm;
  private boolean stripUsage;
  private List<PlannedTarget> plan;
  private Object result;
  private List<TokenBucket> tokenLimits = List.of();
  private SharedClientRateLimits.TokenCharge sharedTokenLimits;
  private Caller caller;
  private CacheStage.Lookup cacheLookup;
  private StreamTap streamTap;
  private OpenStream relay;
  private String pinnedTarget;
  private RouteLimit routeLimit;
  private java.util.function.Consumer<RouteLimit> onRouteLimit;

  /** What the route policy's client rate limits made of a request ({@link AdmitStage}). */
  enum RouteLimit {
    /** Admitted, or no limit applies. */
    PASSED,
    /** A limit was reached: 429. */
    REFUSED,
    /** The check itself failed (an internal error): nothing was served either. */
    FAILED
  }

  /**
   * A request whose body has been read in full.
   *
   * @param request the client's request, on its event loop (this thread)
   * @param rawBody the body's bytes, or null when the request declared none
   */
  public Exchange(
      HttpServerRequest request,
      Buffer rawBody,
      RequestContext ctx,
      FrontDoor frontDoor,
      Pipeline pipeline) {
    this.request = request;
    this.rawBody = rawBody;
    this.context = Vertx.currentContext();
    this.ctx = ctx;
    this.frontDoor = frontDoor;
    this.pipeline = pipeline;
    this.headers = request::getHeader;
  }

  /** The client's HTTP request. */
  public HttpServerRequest request() {
    return request;
  }

  /** The body's bytes as the client sent them, or null when the request declared none. */
  public Buffer rawBody() {
    return rawBody;
  }

  /** The body's length in bytes, or -1 when the request declared none. */
  public int rawBodyLength() {
    return rawBody == null ? -1 : rawBody.length();
  }

  /** The request's event-loop context: where work that left the loop comes back to. */
  public Context context() {
    return context;
  }

  public HttpServerResponse response() {
    return request.response();
  }

  /** A request header by (case-insensitive) name, or null. */
  public Function<String, String> headers() {
    return headers;
  }

  public RequestContext ctx() {
    return ctx;
  }

  public FrontDoor frontDoor() {
    return frontDoor;
  }

  /** The client's request as the front door decoded it, in the door's format. */
  public ObjectNode body() {
    return body;
  }

  /**
   * The request in the internal (chat completions) format: the body itself for the OpenAI doors,
   * else the front door's translation. Stages that read the request's content (messages, tools,
   * metadata) read this, so they work the same behind every door.
   */
  public ObjectNode chat() {
    return chatForm().chat();
  }

  /**
   * The front door's {@link FrontDoor#toChat translation} of the request, made once on first use
   * and kept: its chat form and whether it can be bridged at all.
   */
  public ChatForm chatForm() {
    if (chatForm == null) {
      chatForm = toChat(frontDoor, body);
    }
    return chatForm;
  }

  /** Runs where a request's chat form is made: a test observes the thread. */
  static volatile Runnable toChatProbe = () -> {};

  /** The door's chat form of {@code body} ({@link FrontDoor#toChat}). */
  static ChatForm toChat(FrontDoor door, ObjectNode body) {
    toChatProbe.run();
    return door.toChat(body);
  }

  /**
   * The request for a target that speaks the door's own format: the client's body, or the door's
   * copy of it without what only the gateway may read ({@link ChatForm#passThrough()}).
   */
  public ObjectNode passThroughBody() {
    ObjectNode passThrough = chatForm().passThrough();
    return passThrough != null ? passThrough : body;
  }

  public void body(ObjectNode body) {
    this.body = body;
    this.chatForm = null;
  }

  /**
   * Sets the request body with its chat form made already (a large body's, made on a worker with
   * its parse: copying megabytes of inline images into the chat form would stall the loop).
   */
  void body(ObjectNode body, ChatForm chatForm) {
    this.body = body;
    this.chatForm = chatForm;
  }

  /** Whether the gateway asked a stream for usage the client did not ask for (so it is hidden). */
  public boolean stripUsage() {
    return stripUsage;
  }

  public void stripUsage(boolean stripUsage) {
    this.stripUsage = stripUsage;
  }

  /** The ordered chain of targets to try. */
  public List<PlannedTarget> plan() {
    return plan;
  }

  public void plan(List<PlannedTarget> plan) {
    this.plan = plan;
  }

  /** What execution produced: a {@code JsonReply} or an {@link UpstreamStream}. */
  public Object result() {
    return result;
  }

  public void result(Object result) {
    this.result = result;
  }

  /** Who is calling (set by the identify stage). */
  public Caller caller() {
    return caller;
  }

  public void caller(Caller caller) {
    this.caller = caller;
  }

  /**
   * The one target ({@code provider/model}) this request must go to, set only by the admin port's
   * drift endpoint; null for every client request.
   */
  public String pinnedTarget() {
    return pinnedTarget;
  }

  public void pinnedTarget(String pinnedTarget) {
    this.pinnedTarget = pinnedTarget;
  }

  /**
   * Whether this is the operator's own request (the admin port's drift endpoint, reachable only by
   * the operator and Prometheus): it is no consumer's, so consumer keys, limits and budgets do not
   * apply, nor do the route policy's client rate limits (the drift runner bounds it), and it must
   * reach the model, so the response cache does not either.
   */
  public boolean internal() {
    return pinnedTarget != null;
  }

  /** Client token limits the request passed, charged with its usage once it finished. */
  public List<TokenBucket> tokenLimits() {
    return tokenLimits;
  }

  public void tokenLimits(List<TokenBucket> tokenLimits) {
    this.tokenLimits = tokenLimits;
  }

  /** Shared client token limits the request passed (charged the same way), or null. */
  public SharedClientRateLimits.TokenCharge sharedTokenLimits() {
    return sharedTokenLimits;
  }

  public void sharedTokenLimits(SharedClientRateLimits.TokenCharge charge) {
    this.sharedTokenLimits = charge;
  }

  /**
   * What the route's client rate limits made of the request, or null when they never decided (the
   * request ended before). Refused or failed after its consumer was admitted: nothing was served,
   * so the consumer gets its request back.
   */
  RouteLimit routeLimit() {
    return routeLimit;
  }

  /** The route's client rate limits decided: tells the listener waiting for it, once. */
  void routeLimit(RouteLimit verdict) {
    this.routeLimit = verdict;
    notifyRouteLimit(verdict);
  }

  /**
   * Runs {@code listener} once with the route limits' verdict (the consumer stage counts its
   * admission by it), or with null when the request ends without one ({@link
   * #routeLimitUndecided}).
   */
  void onRouteLimit(java.util.function.Consumer<RouteLimit> listener) {
    this.onRouteLimit = listener;
  }

  /** The request ended before the route limits decided: a listener still waiting learns null. */
  void routeLimitUndecided() {
    notifyRouteLimit(null);
  }

  private void notifyRouteLimit(RouteLimit verdict) {
    java.util.function.Consumer<RouteLimit> listener = onRouteLimit;
    onRouteLimit = null;
    if (listener != null) {
      listener.accept(verdict);
    }
  }

  /** The cache's view of this request (set by the cache stage when the route caches). */
  CacheStage.Lookup cacheLookup() {
    return cacheLookup;
  }

  void cacheLookup(CacheStage.Lookup cacheLookup) {
    this.cacheLookup = cacheLookup;
  }

  /** Who sees the relayed stream's upstream events and its complete end, or null. */
  public StreamTap streamTap() {
    return streamTap;
  }

  public void streamTap(StreamTap streamTap) {
    this.streamTap = streamTap;
  }

  /**
   * The stream being answered (the answer stage's relay, a cached stream replayed in batches), or
   * null.
   */
  void relay(OpenStream relay) {
    this.relay = relay;
  }

  int entered() {
    return entered;
  }

  void entered(int index) {
    entered = index;
  }

  /** Whether the request has its final status. */
  public boolean finished() {
    return ctx.status() != 0;
  }

  /**
   * Continues with the next stage, on the calling thread and without a guard around the caller's
   * own work: a stage whose asynchronous step completes in a callback hands the step to {@link
   * #resumeWhen} instead.
   */
  public void proceed() {
    pipeline.resume(this);
  }

  /**
   * Continues the request from a callback of the current stage's own (on the request's event loop):
   * {@code step} finishes the stage's part and says whether the next stage runs now. Its throw is
   * answered as a stage's would be; nothing runs when the request finished meanwhile.
   */
  public void continueIf(java.util.function.BooleanSupplier step) {
    pipeline.resumeIf(this, step);
  }

  /**
   * Continues the request once the current stage's asynchronous step {@code step} completed: back
   * on the request's event loop, {@code decide} judges the step's outcome, then the next stage
   * runs. Whatever {@code decide} throws ends the request as a stage's {@link Stage#forward} would
   * (an {@code ApiException} with its error, anything else with an internal error), so a request is
   * answered, walked back and logged however its step failed. Nothing when the request finished
   * meanwhile (the client left: the way back has run already).
   */
  public <T> void resumeWhen(Future<T> step, java.util.function.Consumer<Future<T>> decide) {
    step.onComplete(
        ar -> {
          if (context == null || context == Vertx.currentContext()) {
            pipeline.resume(this, step, decide);
          } else {
            context.runOnContext(v -> pipeline.resume(this, step, decide));
          }
        });
  }

  /**
   * Ends the request with its final status and walks the answer back through the stages. A second
   * call (a late timer or close) is ignored: a request is recorded once.
   */
  public void finish(int status, String outcome, String errorClass) {
    if (finished()) {
      return;
    }
    ctx.finish(status, outcome, errorClass);
    pipeline.walkBack(this);
  }

  /**
   * Ends the request with the error {@code err} maps to (499 when the client is gone); a stream
   * whose head already went out ends with that error as its one terminal event.
   */
  public void fail(Throwable err) {
    boolean cancelled =
        err instanceof UpstreamFailure f && f.kind() == FailureKind.CLIENT_CANCELLED
            || ctx.clientGone();
    if (result instanceof UpstreamStream stream) {
      // Answering failed: the upstream must not keep generating. Unless the client left, the
      // gateway gave the stream up, and its attempt (the log's, the canary arm's) settles failed.
      if (cancelled) {
        stream.cancel();
      } else {
        stream.giveUp(
            new UpstreamFailure(
                FailureKind.INTERNAL,
                "the gateway gave the stream up: " + err.getClass().getSimpleName()));
      }
    }
    if (cancelled) {
      finish(499, "cancelled", "client_cancelled");
      return;
    }
    OpenAiError error = frontDoor.answerError(ErrorMapping.toOpenAiError(err, ctx), err);
    HttpServerResponse response = request.response();
    if (!response.headWritten()) {
      // Only the provider's own refusal, relayed, is an attempt's answer.
      ServedHeaders.write(
          response,
          ctx,
          err instanceof UpstreamFailure rejected
              && rejected.kind() == FailureKind.REQUEST_REJECTED);
      if (err instanceof UpstreamFailure f) {
        if (error.status() == 429) {
          relayRetryHint(response, f);
        } else if (f.lasting()) {
          // No target can serve until the configuration or an account changes: OpenAI's and
          // Anthropic's SDKs retry a 502 twice unless told not to.
          response.putHeader("x-should-retry", "false");
        }
      }
      response
          .setStatusCode(error.status())
          .putHeader(HttpHeaders.CONTENT_TYPE, APPLICATION_JSON)
          .end(frontDoor.encodeError(error));
    } else if (relay != null) {
      // The stream already went out (head and chunks): it ends with its one terminal error event.
      relay.fail(error);
    }
    finish(error.status(), "error", error.errorClass());
  }

  /**
   * The upstream's wait on a relayed 429 as OpenAI's SDKs read it: {@code retry-after-ms} (which
   * they prefer) and {@code Retry-After} in delta-seconds or, when the provider sent only {@code
   * retry-after-ms}, that in whole seconds rounded up (clients that know only the standard header).
   * The failover chain normalised both ({@code Backoff.normalizeRetryAfter}: an HTTP date became
   * the seconds left, each capped by the policy's {@code maxRetryAfter}).
   */
  static void relayRetryHint(HttpServerResponse response, UpstreamFailure f) {
    // Parsed, so only a number goes out: never whatever else the provider put in the header.
    OptionalLong ms = Backoff.retryAfterMs(null, f.retryAfterMs(), 0);
    if (ms.isPresent()) {
      response.putHeader("retry-after-ms", Long.toString(ms.getAsLong()));
    }
    if (f.retryAfter() != null) {
      response.putHeader("retry-after", f.retryAfter());
    } else if (ms.isPresent()) {
      response.putHeader("retry-after", wholeSecondsUp(ms.getAsLong()));
    }
    // The wait an SDK reads: retry-after-ms, else Retry-After (delta-seconds by now).
    OptionalLong wait = ms.isPresent() ? ms : Backoff.retryAfterMs(f.retryAfter(), null, 0);
    if (wait.isPresent() && wait.getAsLong() > SDK_RETRY_HORIZON_MS) {
      response.putHeader("x-should-retry", "false");
    }
  }

  /**
   * The longest wait the gateway leaves to an SDK's own retry. The SDKs disagree past it: OpenAI's
   * Node SDK and Anthropic's Python SDK take a {@code retry-after-ms} / {@code Retry-After} only up
   * to 60 s (OpenAI's Python SDK up to 120 s) and otherwise retry after their own backoff (0.5 s,
   * then 1 s) into the same refusal; openai-java and Anthropic's TypeScript SDK sleep whatever it
   * says (an hour, twice, for a per-day quota's hold), blocking the call. So a longer wait also
   * says {@code x-should-retry: false}: every SDK raises at once, and the application reads the
   * wait from the headers.
   */
  static final long SDK_RETRY_HORIZON_MS = 60_000;

  /**
   * The gateway's own wait on one of its refusals (a client or consumer rate limit, every target
   * held back), in the form {@link #relayRetryHint} relays a provider's: {@code retry-after-ms},
   * which the OpenAI and Anthropic SDKs read first, and {@code Retry-After} in whole seconds
   * rounded up for clients that know only the standard header. Both at least 1: an SDK takes a wait
   * of 0 for no hint and backs off on its own. A wait over {@link #SDK_RETRY_HORIZON_MS} adds
   * {@code x-should-retry: false}.
   */
  static void retryHint(BiConsumer<String, String> header, long waitMs) {
    long ms = Math.max(1, waitMs);
    header.accept("retry-after-ms", Long.toString(ms));
    header.accept("retry-after", wholeSecondsUp(ms));
    if (ms > SDK_RETRY_HORIZON_MS) {
      // A token bucket deep in debt after a long answer: past what SDKs wait (see the constant).
      header.accept("x-should-retry", "false");
    }
  }

  private static String wholeSecondsUp(long ms) {
    return Long.toString((ms + 999) / 1000);
  }

  /**
   * Records what a JSON answer says (model version, fingerprint, finish reason, refusal, usage).
   */
  static void record(RequestContext ctx, ReplySummary reply) {
    ctx.upstreamModel(reply.model());
    ctx.systemFingerprint(reply.systemFingerprint());
    ctx.finishReason(reply.finishReason());
    if (reply.refused()) {
      ctx.markRefused();
    }
    usage(ctx, reply.usage());
  }

  /** Records what one stream event says; model and fingerprint are kept from the first. */
  static void record(RequestContext ctx, StreamEventFacts event) {
    if (ctx.upstreamModel() == null && event.model() != null) {
      ctx.upstreamModel(event.model());
    }
    if (ctx.systemFingerprint() == null && event.systemFingerprint() != null) {
      ctx.systemFingerprint(event.systemFingerprint());
    }
    if (event.finishReason() != null) {
      ctx.finishReason(event.finishReason());
    }
    if (event.isRefusal()) {
      ctx.markRefused();
    }
    if (ctx.countsStreamedText()) {
      ctx.addAnswerChars(event.answerChars());
    }
    usage(ctx, event.usage());
  }

  private static void usage(RequestContext ctx, TokenUsage usage) {
    if (usage != null) {
      ctx.usage(usage);
    }
  }
}
