package dev.switchboard.gateway.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.cost.Pricing;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.request.TokenUsage;
import dev.switchboard.gateway.resilience.ClientRateLimiter;
import dev.switchboard.gateway.resilience.FailoverChain;
import dev.switchboard.gateway.resilience.RequestDeadline;
import dev.switchboard.gateway.resilience.RequestNeeds;
import dev.switchboard.gateway.resilience.ResiliencePolicy;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.routing.ResolvedRoute;
import dev.switchboard.gateway.routing.RoutingSnapshot;
import dev.switchboard.gateway.routing.RoutingState;
import dev.switchboard.gateway.routing.strategy.AttemptPlanner;
import dev.switchboard.gateway.time.GatewayClock;
import dev.switchboard.gateway.upstream.FailureKind;
import dev.switchboard.gateway.upstream.JsonReply;
import dev.switchboard.gateway.upstream.Operation;
import dev.switchboard.gateway.upstream.ReplySummary;
import dev.switchboard.gateway.upstream.UpstreamCaller;
import dev.switchboard.gateway.upstream.UpstreamFailure;
import dev.switchboard.gateway.upstream.UpstreamRequests;
import dev.switchboard.gateway.upstream.UpstreamStream;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request pipeline for {@code POST /v1/chat/completions} and {@code POST /v1/embeddings}: parse
 * and validate → resolve the route on the current snapshot → plan the target chain → run attempts
 * through the {@link FailoverChain} → answer (JSON or SSE relay) → record. One Future chain per
 * request; nothing blocks.
 */
public final class ProxyHandler {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Logger LOG = LoggerFactory.getLogger(ProxyHandler.class);

  /** Bodies above this size are parsed on a worker thread instead of the event loop. */
  static final int INLINE_PARSE_LIMIT = 256 * 1024;

  private final RoutingState state;
  private final AttemptPlanner planner;
  private final FailoverChain chain;
  private final UpstreamCaller caller;
  private final Consumer<RequestContext> onFinished;
  private final ShadowMirror shadow;
  private final ClientRateLimiter rateLimiter;
  private final long maxDeadlineMs;
  private final GatewayClock clock;

  /**
   * Without client rate limits; the overall deadline is {@link RequestDeadline#configuredMaxMs()}.
   *
   * @param onFinished called exactly once per request after the answer ended (metrics, stats, log)
   */
  public ProxyHandler(
      RoutingState state,
      AttemptPlanner planner,
      FailoverChain chain,
      UpstreamCaller caller,
      Consumer<RequestContext> onFinished,
      GatewayClock clock) {
    this(state, planner, chain, caller, onFinished, null, RequestDeadline.configuredMaxMs(), clock);
  }

  /**
   * @param rateLimiter client rate limits of route policies (null: none enforced)
   * @param maxDeadlineMs the overall request deadline (clients may ask for less)
   */
  public ProxyHandler(
      RoutingState state,
      AttemptPlanner planner,
      FailoverChain chain,
      UpstreamCaller caller,
      Consumer<RequestContext> onFinished,
      ClientRateLimiter rateLimiter,
      long maxDeadlineMs,
      GatewayClock clock) {
    this.clock = clock;
    this.state = state;
    this.planner = planner;
    this.chain = chain;
    this.caller = caller;
    this.onFinished = onFinished;
    this.rateLimiter = rateLimiter;
    this.maxDeadlineMs = maxDeadlineMs;
    this.shadow =
        new ShadowMirror(
            caller,
            state,
            () -> ThreadLocalRandom.current().nextDouble(),
            onFinished,
            this::account);
  }

  /** Handles one proxied request. */
  public void handle(RoutingContext rc, Operation op) {
    RequestContext ctx = new RequestContext(requestId(rc), op, clock);
    rc.response().putHeader(REQUEST_ID, ctx.requestId());
    rc.response().closeHandler(v -> ctx.cancel());
    RoutingSnapshot snapshot = state.current().orElse(null);
    if (snapshot == null) {
      fail(rc, ctx, new ApiException(OpenAiError.notReady()));
      return;
    }
    ctx.snapshot(snapshot);
    Buffer raw = rc.body().buffer();
    if (raw != null && raw.length() > INLINE_PARSE_LIMIT) {
      // Parsing megabytes of inline images would stall every request on this event loop.
      rc.vertx()
          .executeBlocking(() -> parse(raw), false)
          .onSuccess(body -> proceed(rc, op, ctx, snapshot, body))
          .onFailure(err -> fail(rc, ctx, err));
      return;
    }
    ObjectNode body;
    try {
      body = parse(raw);
    } catch (ApiException e) {
      fail(rc, ctx, e);
      return;
    }
    proceed(rc, op, ctx, snapshot, body);
  }

  private void proceed(
      RoutingContext rc,
      Operation op,
      RequestContext ctx,
      RoutingSnapshot snapshot,
      ObjectNode body) {
    try {
      RequestValidator.validate(body, op);
      String model = body.get("model").asText();
      ResolvedRoute route =
          snapshot
              .resolve(model, name -> rc.request().getHeader(name))
              .orElseThrow(() -> new ApiException(OpenAiError.modelNotFound(model)));
      ctx.route(route);
      if (route.logsBodies()) {
        ctx.loggedBodies(body.toString(), null);
      }
      ctx.deadlineNanos(
          ctx.startNanos()
              + RequestDeadline.forHeader(
                      rc.request().getHeader(RequestDeadline.HEADER), maxDeadlineMs)
                  * 1_000_000L);
      ctx.needs(RequestNeeds.of(body, op));
      admitByRateLimits(rc, ctx, route);
      List<PlannedTarget> plan = planner.plan(route);
      boolean stream = op == Operation.CHAT_COMPLETIONS && RequestValidator.wantsStream(body);
      ctx.stream(stream);
      if (stream) {
        boolean stripUsage = askForUsage(body);
        shadow.maybeMirror(ctx, route, body, true, stripUsage);
        chain
            .execute(
                plan,
                ctx,
                pt -> caller.openStream(pt, upstreamBody(body, pt, stripUsage), ctx, key(pt)))
            .onSuccess(
                upstream ->
                    guarded(rc, ctx, () -> relay(rc, ctx, upstream, stripUsage), upstream::cancel))
            .onFailure(err -> fail(rc, ctx, err));
      } else {
        shadow.maybeMirror(ctx, route, body, false, false);
        chain
            .execute(
                plan,
                ctx,
                pt -> caller.callJson(pt, op, upstreamBody(body, pt, false), ctx, key(pt)))
            .onSuccess(reply -> guarded(rc, ctx, () -> answerJson(rc, ctx, reply), () -> {}))
            .onFailure(err -> fail(rc, ctx, err));
      }
    } catch (ApiException e) {
      fail(rc, ctx, e);
    } catch (RuntimeException e) {
      fail(rc, ctx, new ApiException(OpenAiError.internal("Unexpected gateway error.")));
    }
  }

  /**
   * Applies the route policy's client rate limits: 429 with {@code Retry-After} and OpenAI's {@code
   * rate_limit_exceeded} shape when a limit is reached; otherwise the tokens the answer used are
   * charged once the request finished.
   */
  private void admitByRateLimits(RoutingContext rc, RequestContext ctx, ResolvedRoute route) {
    if (rateLimiter == null || route.policy() == null || route.policy().rateLimits().isEmpty()) {
      return;
    }
    String policyName =
        route.policy().name() == null ? "route:" + route.name() : route.policy().name();
    ClientRateLimiter.Decision decision =
        rateLimiter.admit(
            ResiliencePolicy.of(route.policy()).rateLimits(),
            policyName,
            route.name(),
            name -> rc.request().getHeader(name));
    if (decision.limited()) {
      rc.response().putHeader("retry-after", Long.toString(decision.retryAfterSeconds()));
      throw new ApiException(
          new OpenAiError(
              429,
              decision.message(),
              decision.dimension(),
              null,
              "rate_limit_exceeded",
              "rate_limited"));
    }
    if (!decision.tokenBuckets().isEmpty()) {
      ctx.onFinished(
          () -> {
            TokenUsage usage = ctx.usage();
            if (usage != null) {
              decision.chargeTokens(usage.inputTokens() + usage.outputTokens());
            }
          });
    }
  }

  /**
   * Makes sure the upstream reports usage on streams so tokens and cost are measured.
   *
   * @return true when the client did not ask for usage, so it must be hidden from the client
   */
  private static boolean askForUsage(ObjectNode body) {
    if (body.get("stream_options") instanceof ObjectNode options) {
      if (options.path("include_usage").asBoolean(false)) {
        return false;
      }
      options.put("include_usage", true);
      return true;
    }
    body.putObject("stream_options").put("include_usage", true);
    return true;
  }

  private Optional<String> key(PlannedTarget pt) {
    Optional<String> key = state.keys().keyFor(pt.provider().name());
    if (key.isEmpty() && pt.provider().hasKey()) {
      throw new UpstreamFailure(
          FailureKind.NO_KEY, "no API key is loaded for provider " + pt.provider().name());
    }
    return key;
  }

  /**
   * The client's body with {@code model} replaced by the target's provider model id, and without
   * the {@code stream_options} the gateway added where the provider does not accept them.
   */
  static Buffer upstreamBody(ObjectNode body, PlannedTarget pt, boolean addedUsage) {
    // Shallow: the copy shares the client's field values, which nothing changes after parsing.
    ObjectNode copy = JSON.createObjectNode().setAll(body);
    copy.put("model", pt.target().model());
    if (addedUsage && !UpstreamRequests.acceptsStreamOptions(pt.provider())) {
      // Our own addition must not get the request rejected by a strict provider.
      copy.remove("stream_options");
    }
    try {
      return Buffer.buffer(JSON.writeValueAsBytes(copy));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a parsed JSON tree always serializes", e);
    }
  }

  private void answerJson(RoutingContext rc, RequestContext ctx, JsonReply reply) {
    ctx.firstToken();
    ReplySummary summary = reply.summary();
    ctx.upstreamModel(summary.model());
    ctx.systemFingerprint(summary.systemFingerprint());
    ctx.finishReason(summary.finishReason());
    if (summary.refused()) {
      ctx.markRefused();
    }
    account(ctx, summary.usage());
    if (ctx.route().logsBodies()) {
      ctx.loggedBodies(null, reply.body().toString());
    }
    HttpServerResponse response = rc.response();
    if (ctx.clientGone()) {
      finish(ctx, 499, "cancelled", "client_cancelled");
      return;
    }
    servedHeaders(response, ctx);
    response.setStatusCode(reply.status()).putHeader(HttpHeaders.CONTENT_TYPE, APPLICATION_JSON);
    response.end(reply.body());
    finish(ctx, reply.status(), "success", null);
  }

  /**
   * Runs the answering step so that a bug in it still ends the request with an OpenAI-shaped 500
   * (when nothing was sent yet) and a record, instead of an exception lost in a callback and a
   * client waiting for its timeout.
   */
  private void guarded(
      RoutingContext rc, RequestContext ctx, Runnable answer, Runnable releaseUpstream) {
    try {
      answer.run();
    } catch (RuntimeException e) {
      LOG.error("request {}: answering failed", ctx.requestId(), e);
      releaseUpstream.run();
      fail(rc, ctx, new ApiException(OpenAiError.internal("Unexpected gateway error.")));
    }
  }

  private void relay(
      RoutingContext rc, RequestContext ctx, UpstreamStream upstream, boolean stripUsage) {
    if (ctx.clientGone()) {
      upstream.cancel();
      finish(ctx, 499, "cancelled", "client_cancelled");
      return;
    }
    ctx.firstToken();
    // After commit the chain's cancel action only resets the upstream; the request still has to
    // be recorded as cancelled.
    ctx.onCancel(() -> finish(ctx, 499, "cancelled", "client_cancelled"));
    upstream.attach(new SseRelay(rc, ctx, upstream, stripUsage, this));
  }

  // Header names as pre-encoded ASCII strings: hashed and checked once, not per request.
  private static final CharSequence ROUTE = HttpHeaders.createOptimized("x-switchboard-route");
  private static final CharSequence CONFIG_VERSION =
      HttpHeaders.createOptimized("x-switchboard-config-version");
  private static final CharSequence PROVIDER =
      HttpHeaders.createOptimized("x-switchboard-provider");
  private static final CharSequence TARGET_MODEL =
      HttpHeaders.createOptimized("x-switchboard-target-model");
  private static final CharSequence ARM = HttpHeaders.createOptimized("x-switchboard-arm");
  private static final CharSequence MODEL_VERSION =
      HttpHeaders.createOptimized("x-switchboard-model-version");
  private static final CharSequence FINGERPRINT =
      HttpHeaders.createOptimized("x-switchboard-system-fingerprint");
  private static final CharSequence ATTEMPTS =
      HttpHeaders.createOptimized("x-switchboard-attempts");
  private static final CharSequence TTFT = HttpHeaders.createOptimized("x-switchboard-ttft-ms");
  private static final CharSequence REQUEST_ID = HttpHeaders.createOptimized("x-request-id");
  private static final CharSequence APPLICATION_JSON =
      HttpHeaders.createOptimized("application/json");

  /** Sets the headers that say what served the request (before the first byte goes out). */
  void servedHeaders(HttpServerResponse response, RequestContext ctx) {
    PlannedTarget t = ctx.target();
    response.putHeader(ROUTE, ctx.routeName());
    if (ctx.snapshot() != null) {
      response.putHeader(CONFIG_VERSION, ctx.snapshot().configVersion());
    }
    if (t != null) {
      response.putHeader(PROVIDER, t.provider().name());
      response.putHeader(TARGET_MODEL, t.target().model());
      if (PlannedTarget.CANARY.equals(t.arm())) {
        response.putHeader(ARM, t.arm());
      }
    }
    // Both come from the upstream's body: a value no header may carry is left out, not sent.
    if (headerSafe(ctx.upstreamModel())) {
      response.putHeader(MODEL_VERSION, ctx.upstreamModel());
    }
    if (headerSafe(ctx.systemFingerprint())) {
      response.putHeader(FINGERPRINT, ctx.systemFingerprint());
    }
    response.putHeader(ATTEMPTS, Integer.toString(ctx.attempts().size()));
    if (ctx.ttftMs() != null) {
      response.putHeader(TTFT, Long.toString(Math.round(ctx.ttftMs())));
    }
  }

  /**
   * Whether an upstream-provided value can go into a response header as it is: printable ASCII, at
   * most 256 characters. Anything else (line breaks above all) would be rejected by the HTTP layer,
   * or worse, split the header block.
   */
  static boolean headerSafe(String value) {
    if (value == null || value.isEmpty() || value.length() > 256) {
      return false;
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c > 0x7e) {
        return false;
      }
    }
    return true;
  }

  /** Records usage and its cost from the serving target's prices. */
  void account(RequestContext ctx, TokenUsage usage) {
    if (usage == null) {
      return;
    }
    ctx.usage(usage);
    ctx.costUsd(Pricing.costUsd(ctx.target(), usage));
  }

  private void fail(RoutingContext rc, RequestContext ctx, Throwable err) {
    if (err instanceof UpstreamFailure f && f.kind() == FailureKind.CLIENT_CANCELLED
        || ctx.clientGone()) {
      finish(ctx, 499, "cancelled", "client_cancelled");
      return;
    }
    OpenAiError error = ErrorMapping.toOpenAiError(err, ctx);
    HttpServerResponse response = rc.response();
    if (!response.headWritten()) {
      servedHeaders(response, ctx);
      if (err instanceof UpstreamFailure f && f.retryAfter() != null && error.status() == 429) {
        response.putHeader("retry-after", f.retryAfter());
      }
      response
          .setStatusCode(error.status())
          .putHeader("content-type", "application/json")
          .end(error.toBuffer());
    }
    finish(ctx, error.status(), "error", error.errorClass());
  }

  void finish(RequestContext ctx, int status, String outcome, String errorClass) {
    if (ctx.status() != 0) {
      return; // already finished: a late callback (timer, close) must not record twice
    }
    ctx.finish(status, outcome, errorClass);
    onFinished.accept(ctx);
  }

  private static ObjectNode parse(Buffer body) {
    if (body == null || body.length() == 0) {
      throw new ApiException(OpenAiError.invalidRequest("The request body is empty.", null));
    }
    JsonNode node;
    try {
      node = JSON.readTree(body.getBytes());
    } catch (IOException e) {
      throw new ApiException(
          OpenAiError.invalidRequest(
              "We could not parse the JSON body of your request. (HINT: This likely means you"
                  + " aren't using your HTTP library correctly.)",
              null));
    }
    if (node == null || !node.isObject()) {
      throw new ApiException(
          OpenAiError.invalidRequest("The request body must be a JSON object.", null));
    }
    return (ObjectNode) node;
  }

  /** The client's {@code x-request-id} when it is safe to log and forward, else a new one. */
  static String requestId(RoutingContext rc) {
    String given = rc.request().getHeader("x-request-id");
    // Client ids travel into logs and upstream headers: accept only short, printable ones.
    if (given != null && given.length() <= 128 && given.chars().allMatch(c -> c > 32 && c < 127)) {
      return given;
    }
    return newRequestId();
  }

  /**
   * A random (version 4) UUID from the thread's {@link ThreadLocalRandom}: a request id must be
   * unique, not unguessable, and {@code UUID.randomUUID()} draws from the shared {@code
   * SecureRandom}, a lock and a system call per request.
   */
  static String newRequestId() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long high = (random.nextLong() & ~0xF000L) | 0x4000L;
    long low = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(high, low).toString();
  }

  static String textOrNull(JsonNode node) {
    return node == null || node.isNull() ? null : node.asText();
  }
}
