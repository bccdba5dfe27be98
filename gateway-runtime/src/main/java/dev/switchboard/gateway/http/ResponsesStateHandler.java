package dev.switchboard.gateway.http;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.consumer.ConsumerPolicy;
import dev.switchboard.gateway.metrics.GatewayMetrics;
import dev.switchboard.gateway.pipeline.ConsumerStage;
import dev.switchboard.gateway.pipeline.IdentifyStage;
import dev.switchboard.gateway.pipeline.ValidateStage;
import dev.switchboard.gateway.request.Caller;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.resilience.RequestDeadline;
import dev.switchboard.gateway.responses.ResponseLocation;
import dev.switchboard.gateway.responses.ResponseLocations;
import dev.switchboard.gateway.responses.StoredResponseQuery;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.routing.RoutingSnapshot;
import dev.switchboard.gateway.routing.RoutingState;
import dev.switchboard.gateway.security.KeyScrubber;
import dev.switchboard.gateway.security.LineKeyScrubber;
import dev.switchboard.gateway.time.GatewayClock;
import dev.switchboard.gateway.upstream.AttemptTimeouts;
import dev.switchboard.gateway.upstream.JsonAttemptTimer;
import dev.switchboard.gateway.upstream.Operation;
import dev.switchboard.gateway.upstream.UpstreamCaller;
import dev.switchboard.gateway.upstream.UpstreamClients;
import dev.switchboard.gateway.upstream.UpstreamFailure;
import dev.switchboard.gateway.upstream.UpstreamRequests;
import dev.switchboard.gateway.upstream.adapter.UpstreamAdapter;
import dev.switchboard.gateway.upstream.adapter.UpstreamAdapters;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stored-response endpoints of the Responses API: {@code GET} and {@code DELETE
 * /v1/responses/{id}}, {@code GET /v1/responses/{id}/input_items} and {@code POST
 * /v1/responses/{id}/cancel}. Each goes to the provider that produced the response ({@link
 * ResponseLocations}), with that provider's key; an id the gateway did not serve, or one answered
 * by a target that keeps no responses, is a 404 in OpenAI's shape. The provider's answer (status
 * and JSON body, any echoed key scrubbed, at most the provider's {@code maxResponseSize}) goes back
 * as it is; a streamed retrieve ({@code ?stream=true}) is relayed event by event as the provider
 * sends it. A 401/403 is the provider refusing the gateway's key, answered as on the main path (502
 * {@code upstream_auth_failed}, no provider text) and recorded as a credentials rejection. Every
 * call is accounted as the proxied requests are (metrics and a request log line), under an {@code
 * operation} of its own ({@link StoredResponseQuery.Endpoint#operationName()}), with the provider
 * and target that hold the response and no route. Every call has a proxied request's deadline
 * ({@link RequestDeadline}: its timeouts are capped by what is left of it, and a streamed retrieve
 * ends there as every other stream does). An identified consumer's rate limits apply to every call
 * (its budget does not: nothing is billed); its model access was checked when its request produced
 * the response, which only it may call.
 */
public final class ResponsesStateHandler {

  private static final Logger LOG = LoggerFactory.getLogger(ResponsesStateHandler.class);

  /**
   * The largest non-stream stored-response body read (a response with its whole output) when the
   * provider sets no {@code maxResponseSize}.
   */
  private static final long MAX_BODY = 64L * 1024 * 1024;

  private final RoutingState state;
  private final UpstreamClients clients;
  private final ResponseLocations locations;
  private final IdentifyStage identify;
  private final Consumer<RoutingTable.Provider> credentialsRejected;
  private final GatewayClock clock;
  private final Consumer<RequestContext> account;
  private final ConsumerStage consumers;
  private final long maxDeadlineMs;

  /**
   * @param identify the consumer keys in force: once they are required, these endpoints (answered
   *     with the gateway's own provider key) want one as every API request does (401)
   * @param credentialsRejected records that a provider refused the gateway's key (401/403)
   * @param clock the gateway's clock, which every call's timings are read from
   * @param account records a finished call (metrics and the request log line)
   * @param consumers the identified consumer's rate limits, which every call passes (its budget
   *     not: nothing is billed)
   * @param maxDeadlineMs the overall request deadline, as for a proxied request (clients may ask
   *     for less with {@value RequestDeadline#HEADER})
   */
  public ResponsesStateHandler(
      RoutingState state,
      UpstreamClients clients,
      ResponseLocations locations,
      IdentifyStage identify,
      Consumer<RoutingTable.Provider> credentialsRejected,
      GatewayClock clock,
      Consumer<RequestContext> account,
      ConsumerStage consumers,
      long maxDeadlineMs) {
    this.state = state;
    this.clients = clients;
    this.locations = locations;
    this.identify = identify;
    this.credentialsRejected = credentialsRejected;
    this.clock = clock;
    this.account = account;
    this.consumers = consumers;
    this.maxDeadlineMs = maxDeadlineMs;
  }

  /** {@code GET /v1/responses/:id}. */
  public void retrieve(RoutingContext rc) {
    forward(rc, HttpMethod.GET, "", StoredResponseQuery.Endpoint.RETRIEVE);
  }

  /** {@code DELETE /v1/responses/:id}; forgets the id once the provider deleted it. */
  public void delete(RoutingContext rc) {
    forward(rc, HttpMethod.DELETE, "", StoredResponseQuery.Endpoint.DELETE);
  }

  /** {@code GET /v1/responses/:id/input_items}. */
  public void inputItems(RoutingContext rc) {
    forward(rc, HttpMethod.GET, "/input_items", StoredResponseQuery.Endpoint.INPUT_ITEMS);
  }

  /** {@code POST /v1/responses/:id/cancel}. */
  public void cancel(RoutingContext rc) {
    forward(rc, HttpMethod.POST, "/cancel", StoredResponseQuery.Endpoint.CANCEL);
  }

  private void forward(
      RoutingContext rc, HttpMethod method, String suffix, StoredResponseQuery.Endpoint endpoint) {
    StoredCall call =
        new StoredCall(
            rc,
            new RequestContext(
                ProxyHandler.requestId(rc.request()),
                Operation.RESPONSES,
                endpoint.operationName(),
                clock));
    // The request's deadline, as a proxied request's (ResolveRouteStage): every timeout of the
    // call is capped by what is left of it.
    long deadlineMs =
        RequestDeadline.forHeader(rc.request().getHeader(RequestDeadline.HEADER), maxDeadlineMs);
    call.ctx.deadlineNanos(call.ctx.startNanos() + deadlineMs * 1_000_000L);
    HttpServerResponse out = rc.response();
    out.putHeader("x-request-id", call.ctx.requestId());
    // The client leaving resets the provider's request, whichever path (JSON or stream) it is on.
    out.closeHandler(
        v -> {
          if (!out.ended()) {
            call.ctx.cancel();
            call.finish(499, "cancelled", "client_cancelled");
          }
        });
    Caller identified;
    try {
      identified = new Caller(rc.request()::getHeader, rc.request().headers()::getAll);
      identify.identify(identified);
    } catch (ApiException refused) {
      call.fail(refused.error());
      return;
    }
    StoredResponseQuery.Checked query = StoredResponseQuery.check(endpoint, rc.request().query());
    if (!query.accepted()) {
      call.fail(refused(query));
      return;
    }
    ConsumerPolicy consumer = identified.consumer();
    String caller = consumer == null ? null : consumer.name();
    if (consumer != null) {
      call.ctx.consumer(consumer.name(), consumer.labels());
    }
    String id = rc.pathParam("id");
    RoutingSnapshot snapshot = state.current().orElse(null);
    if (snapshot == null) {
      call.fail(OpenAiError.notReady());
      return;
    }
    call.ctx.snapshot(snapshot);
    if (consumer == null) {
      locate(call, id, caller, snapshot, method, suffix, query.query());
      return;
    }
    // The consumer's rate limits apply as to any request; its budget does not (nothing is billed).
    consumers
        .admitUnbilled(consumer, out::putHeader)
        .onComplete(
            admitted -> {
              if (admitted.failed()) {
                call.fail(
                    admitted.cause() instanceof ApiException refused
                        ? refused.error()
                        : OpenAiError.internal(
                            "Unexpected gateway error. Request id: " + call.ctx.requestId() + "."));
                return;
              }
              if (call.accounted()) {
                consumers.settleUnbilled(admitted.result()); // the client left meanwhile
                return;
              }
              call.unbilled = admitted.result();
              locate(call, id, caller, snapshot, method, suffix, query.query());
            });
  }

  /** Finds who holds response {@code id} and calls it, or answers why it cannot be called. */
  private void locate(
      StoredCall call,
      String id,
      String caller,
      RoutingSnapshot snapshot,
      HttpMethod method,
      String suffix,
      String clientQuery) {
    locations
        .find(id)
        .onComplete(
            ar -> {
              ResponseLocation location = ar.succeeded() ? ar.result() : null;
              // Another consumer's response is as unknown as one never served.
              if (location == null || !location.visibleTo(caller)) {
                call.fail(notFound(id, "No response found with id '" + id + "'."));
                return;
              }
              if (!location.stored()) {
                call.fail(
                    notFound(
                        id,
                        "Response '"
                            + id
                            + "' was not stored: it was answered by a target that keeps no"
                            + " responses (bridged through chat completions, or 'store': false)."));
                return;
              }
              RoutingTable.Provider provider = snapshot.provider(location.provider()).orElse(null);
              UpstreamAdapter adapter =
                  provider == null ? null : UpstreamAdapters.forProvider(provider);
              if (adapter == null || !adapter.speaks(Operation.RESPONSES)) {
                call.fail(
                    notFound(
                        id,
                        "Response '"
                            + id
                            + "' is held by provider '"
                            + location.provider()
                            + "', which is no longer configured to serve the Responses API."));
                return;
              }
              call.ctx.target(target(provider, location));
              call(call, provider, adapter, method, id, suffix, clientQuery);
            });
  }

  /**
   * The target that produced the response, for metrics and the log: its provider and model as
   * remembered ({@code provider/model}), in no canary arm (a stored-response call is no arm's).
   */
  private static PlannedTarget target(RoutingTable.Provider provider, ResponseLocation location) {
    String id = location.targetId();
    String prefix = provider.name() + "/";
    String model = id != null && id.startsWith(prefix) ? id.substring(prefix.length()) : id;
    return new PlannedTarget(
        new RoutingTable.Target(provider.name(), model, 0, 0), provider, NO_ARM);
  }

  /** The arm label of a stored-response call: the metrics' label for none. */
  private static final String NO_ARM = GatewayMetrics.NONE;

  private void call(
      StoredCall call,
      RoutingTable.Provider provider,
      UpstreamAdapter adapter,
      HttpMethod method,
      String id,
      String suffix,
      String clientQuery) {
    RoutingContext rc = call.rc;
    Optional<String> key = state.keys().keyFor(provider.name());
    MultiMap headers = HttpHeaders.headers();
    try {
      adapter.headers(provider, key, call.ctx.requestId(), false, headers);
    } catch (IllegalArgumentException invalidHeaderValue) {
      // Never the exception's message: it quotes the refused value, which may be the key.
      call.fail(
          new OpenAiError(
              503,
              "The provider holding response '" + id + "' cannot be called: its key is not valid.",
              "service_unavailable",
              null,
              "no_healthy_target",
              "no_key"));
      return;
    }
    AttemptTimeouts own = AttemptTimeouts.of(provider);
    AttemptTimeouts timeouts = own.cappedAt(call.ctx.remainingMs());
    URI base = URI.create(UpstreamRequests.baseUrl(provider));
    String path = adapter.path(provider, "", Operation.RESPONSES);
    int query = path.indexOf('?');
    String resource =
        (query < 0 ? path : path.substring(0, query))
            + "/"
            + URLEncoder.encode(id, StandardCharsets.UTF_8)
            + suffix;
    String providerQuery = query < 0 ? null : path.substring(query + 1);
    String fullQuery =
        providerQuery == null
            ? clientQuery
            : clientQuery.isEmpty() ? providerQuery : providerQuery + "&" + clientQuery;
    String uri =
        (base.getRawPath() == null ? "" : base.getRawPath())
            + resource
            + (fullQuery == null || fullQuery.isEmpty() ? "" : "?" + fullQuery);
    RequestOptions options =
        new RequestOptions()
            .setMethod(method)
            .setAbsoluteURI(base.toString())
            .setURI(uri)
            .setConnectTimeout(timeouts.connectMs())
            .setIdleTimeout(timeouts.totalMs())
            .setHeaders(headers);
    KeyScrubber scrubber = key.map(KeyScrubber::forKey).orElse(KeyScrubber.NONE);
    long maxBody = maxBody(provider);
    AtomicReference<HttpClientRequest> sent = new AtomicReference<>();
    // One timer, as a proxied plain call has: until the provider's answer head arrives the call is
    // held to its first-token timeout (a plain call's first token is its head), and the whole JSON
    // answer, its body included, to its total. The connection's idle timeout alone would let a
    // body that trickles in a byte at a time run forever, each byte resetting it. A streamed
    // retrieve's events are watched by its stream-idle timer once its head is in.
    JsonAttemptTimer timer =
        new JsonAttemptTimer(
            clock,
            timeouts,
            () ->
                timedOut(
                    call,
                    sent,
                    timeout("first-token", timeouts.firstTokenMs(), own.firstTokenMs(), call.ctx)),
            () ->
                timedOut(
                    call, sent, timeout("total", timeouts.totalMs(), own.totalMs(), call.ctx)));
    clients
        .clientFor(provider)
        .request(options)
        .compose(
            req -> {
              sent.set(req);
              if (call.accounted()) {
                req.reset(); // timed out while connecting: nothing to send
              }
              // At once when the client already left (the request then fails unsent).
              call.ctx.onCancel(req::reset);
              return method == HttpMethod.POST ? req.send(Buffer.buffer("{}")) : req.send();
            })
        .onComplete(
            ar -> {
              if (call.accounted() || ar.failed()) {
                timer.stop();
                // Accounted: timed out before the head, or the client left.
                call.fail(unreachable(id));
                return;
              }
              timer.headersArrived();
              HttpClientResponse resp = ar.result();
              if (method == HttpMethod.GET && suffix.isEmpty() && isEventStream(resp)) {
                timer.stop();
                call.ctx.stream(true);
                relayStream(call, sent.get(), resp, scrubber, timeouts);
                return;
              }
              body(resp, sent.get(), maxBody)
                  .onComplete(
                      read -> {
                        timer.stop();
                        if (call.accounted()) {
                          return; // timed out while the body came, or the client left
                        }
                        if (read.failed()) {
                          call.fail(
                              read.cause() instanceof TooLarge
                                  ? tooLarge(id, maxBody)
                                  : unreachable(id));
                          return;
                        }
                        answer(call, provider, method, id, resp, read.result(), scrubber);
                      });
            });
  }

  /** A timeout struck: the client gets {@code error} and the provider's request is reset. */
  private static void timedOut(
      StoredCall call, AtomicReference<HttpClientRequest> sent, OpenAiError error) {
    // Failed first: the reset fails the request at once, which then finds it ended.
    call.fail(error);
    HttpClientRequest req = sent.get();
    if (req != null) {
      req.reset();
    }
  }

  private void answer(
      StoredCall call,
      RoutingTable.Provider provider,
      HttpMethod method,
      String id,
      HttpClientResponse resp,
      Buffer body,
      KeyScrubber scrubber) {
    if (resp.statusCode() == 401 || resp.statusCode() == 403) {
      credentialsRejected.accept(provider);
      LOG.warn(
          "request {}: provider {} rejected the gateway's key ({}) on a stored-response call",
          call.ctx.requestId(),
          provider.name(),
          resp.statusCode());
      // The one provider holding the response refuses the key until it changes: as on the main
      // path, SDKs (which retry a 502 twice) are told not to.
      call.rc.response().putHeader("x-should-retry", "false");
      call.fail(ErrorMapping.upstreamAuthFailed(" Request id: " + call.ctx.requestId() + "."));
      return;
    }
    if (method == HttpMethod.DELETE && resp.statusCode() / 100 == 2) {
      locations.forget(id);
    }
    String type = resp.getHeader(HttpHeaders.CONTENT_TYPE);
    int status = resp.statusCode();
    if (call.ctx.clientGone()) {
      return; // accounted when the client left
    }
    // A stored response may be megabytes (up to the provider's maxResponseSize): scrubbing it
    // would stall every request on this loop, so a large one is scrubbed on a worker.
    Future<Buffer> clean =
        body.length() > INLINE_SCRUB_LIMIT
            ? call.rc.vertx().executeBlocking(() -> scrubbed(body, scrubber), false)
            : Future.succeededFuture(scrubbed(body, scrubber));
    clean.onComplete(
        scrubbed -> {
          if (call.ctx.clientGone()) {
            return; // accounted when the client left
          }
          if (scrubbed.failed()) {
            call.fail(unreachable(id));
            return;
          }
          call.rc
              .response()
              .setStatusCode(status)
              .putHeader(HttpHeaders.CONTENT_TYPE, type == null ? "application/json" : type)
              .end(scrubbed.result());
          call.finish(
              status,
              status / 100 == 2 ? "success" : "error",
              status / 100 == 2 ? null : providerErrorClass(status));
        });
  }

  /**
   * Larger stored-response bodies are scrubbed on a worker, by the rule that sends large request
   * bodies (and answers) to one.
   */
  static final int INLINE_SCRUB_LIMIT = ValidateStage.INLINE_PARSE_LIMIT;

  /** Runs where a stored-response body is scrubbed: a test observes the thread. */
  static volatile Runnable scrubProbe = () -> {};

  private static Buffer scrubbed(Buffer body, KeyScrubber scrubber) {
    scrubProbe.run();
    return scrubber.scrub(body);
  }

  /**
   * The error class of a provider's own error answer passed on as it is, named as the proxied
   * requests name the same failure ({@link ErrorMapping}).
   */
  private static String providerErrorClass(int status) {
    if (status == 429) {
      return "upstream_rate_limited";
    }
    return status >= 500 ? "server_error" : "upstream_rejected";
  }

  /**
   * One stored-response call: its context (timings, provider, status for metrics and the request
   * log) and its answer, accounted exactly once however it ends.
   */
  private final class StoredCall {
    final RoutingContext rc;
    final RequestContext ctx;
    private boolean accounted;

    /** The consumer's admission, settled when the call ends; null without one. */
    ConsumerStage.Unbilled unbilled;

    StoredCall(RoutingContext rc, RequestContext ctx) {
      this.rc = rc;
      this.ctx = ctx;
    }

    /** Whether the call was accounted already (it ended: answered, failed or left). */
    boolean accounted() {
      return accounted;
    }

    /**
     * Answers {@code error} and accounts the call as failed with it (unless the client left); once
     * only, whichever failure comes first.
     */
    void fail(OpenAiError error) {
      if (accounted) {
        return;
      }
      if (ctx.clientGone()) {
        finish(499, "cancelled", "client_cancelled");
        return;
      }
      InfoHandlers.sendError(rc, error);
      finish(error.status(), "error", error.errorClass());
    }

    /** Accounts the call as ended now with {@code status}, once. */
    void finish(int status, String outcome, String errorClass) {
      if (accounted) {
        return;
      }
      accounted = true;
      consumers.settleUnbilled(unbilled);
      ctx.finish(status, outcome, errorClass);
      account.accept(ctx);
    }
  }

  private static boolean isEventStream(HttpClientResponse resp) {
    String type = resp.getHeader(HttpHeaders.CONTENT_TYPE);
    return resp.statusCode() == 200
        && type != null
        && type.toLowerCase(Locale.ROOT).startsWith("text/event-stream");
  }

  /**
   * A streamed retrieve ({@code ?stream=true}): a background response's events go to the client as
   * the provider sends them, not once the response finished ({@link StoredResponseStream}). The
   * client leaving resets the upstream request (the call's close handler); the upstream breaking
   * off ends the client's stream with an {@code error} event, so a cut stream never looks complete.
   */
  private void relayStream(
      StoredCall call,
      HttpClientRequest req,
      HttpClientResponse resp,
      KeyScrubber scrubber,
      AttemptTimeouts timeouts) {
    HttpServerResponse out = call.rc.response();
    if (call.ctx.clientGone() || out.closed()) {
      req.reset(); // the client left while the provider was still to answer
      call.finish(499, "cancelled", "client_cancelled");
      return;
    }
    new StoredResponseStream(
            out,
            req,
            resp,
            new LineKeyScrubber(scrubber),
            firstSequence(call.rc.request().getParam("starting_after")),
            call::finish,
            clock,
            timeouts.streamIdleMs(),
            call.ctx.requestId(),
            call.ctx::firstToken,
            call.ctx.deadlineNanos(),
            () ->
                ErrorMapping.toOpenAiError(
                    UpstreamFailure.deadlineTimeout(
                        call.ctx.target().id()
                            + " streamed a stored response past the request's deadline"),
                    call.ctx))
        .start();
  }

  /**
   * The {@code sequence_number} of the first event of a retrieve resumed after {@code
   * startingAfter} (OpenAI numbers a stream's events from 0, without gaps); 0 without it.
   */
  static long firstSequence(String startingAfter) {
    if (startingAfter == null) {
      return 0;
    }
    try {
      return Math.max(0, Long.parseLong(startingAfter.trim()) + 1);
    } catch (NumberFormatException e) {
      return 0; // the provider refuses it; no stream to number
    }
  }

  /**
   * The whole (non-stream) answer, at most {@code max} bytes: announced larger, or counted past it
   * as a chunked body arrives, the read fails and the upstream request is reset.
   */
  private static Future<Buffer> body(HttpClientResponse resp, HttpClientRequest req, long max) {
    String length = resp.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length != null) {
      try {
        if (Long.parseLong(length.trim()) > max) {
          req.reset();
          return Future.failedFuture(new TooLarge());
        }
      } catch (NumberFormatException ignored) {
        // Vert.x refuses a malformed Content-Length before this; counted below in any case
      }
    }
    Promise<Buffer> promise = Promise.promise();
    Buffer body = Buffer.buffer();
    resp.handler(
        chunk -> {
          if (promise.future().isComplete()) {
            return;
          }
          if ((long) body.length() + chunk.length() > max) {
            promise.tryFail(new TooLarge());
            req.reset();
            return;
          }
          body.appendBuffer(chunk);
        });
    resp.exceptionHandler(promise::tryFail);
    resp.endHandler(v -> promise.tryComplete(body));
    return promise.future();
  }

  /** The provider's response size limit ({@code maxResponseSize}), 64 MiB by default. */
  private static long maxBody(RoutingTable.Provider provider) {
    Long limit = provider.maxResponseBytes();
    return limit == null || limit <= 0 ? MAX_BODY : limit;
  }

  /** The provider's answer went past its size limit. */
  private static final class TooLarge extends RuntimeException {
    TooLarge() {
      super("stored response too large", null, false, false);
    }
  }

  private static OpenAiError tooLarge(String id, long limit) {
    return new OpenAiError(
        502,
        "The provider holding response '"
            + id
            + "' sent an answer larger than its response size limit of "
            + limit
            + " bytes (maxResponseSize).",
        "upstream_error",
        null,
        "bad_gateway",
        "bad_response");
  }

  /**
   * The provider sent no answer head within its {@code timeouts.firstToken}, or not the whole
   * answer within its {@code timeouts.total}, or the request's deadline cut either shorter and was
   * reached ({@code ms < ownMs}): the error a plain call gets for the same timeout ({@link
   * ErrorMapping}, 504 {@code upstream_timeout}, error class {@code timeout}).
   */
  private static OpenAiError timeout(String which, long ms, long ownMs, RequestContext ctx) {
    UpstreamFailure f = UpstreamCaller.timeout(which, ms, ownMs, ctx.target());
    return ErrorMapping.toOpenAiError(
        f.withMessage(f.getMessage() + " on a stored-response call"), ctx);
  }

  private static OpenAiError unreachable(String id) {
    return new OpenAiError(
        502,
        "The provider holding response '" + id + "' could not be reached.",
        "upstream_error",
        null,
        "bad_gateway",
        "upstream_unreachable");
  }

  private static OpenAiError refused(StoredResponseQuery.Checked query) {
    if (query.malformed()) {
      return OpenAiError.invalidRequest(
          "The query string is malformed: it has an invalid percent-encoded sequence.", null);
    }
    // OpenAI's own answer to a parameter it does not take on this endpoint.
    return new OpenAiError(
        400,
        "Unknown parameter: '" + query.refused() + "'.",
        "invalid_request_error",
        query.refused(),
        "unknown_parameter",
        "invalid_request");
  }

  private static OpenAiError notFound(String id, String message) {
    return new OpenAiError(404, message, "invalid_request_error", null, null, "not_found");
  }
}
