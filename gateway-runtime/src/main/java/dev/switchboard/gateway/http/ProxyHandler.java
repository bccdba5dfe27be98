package dev.switchboard.gateway.http;

import dev.switchboard.gateway.frontdoor.FrontDoor;
import dev.switchboard.gateway.pipeline.Exchange;
import dev.switchboard.gateway.pipeline.Pipeline;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.time.GatewayClock;
import dev.switchboard.gateway.upstream.Operation;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The HTTP entry of every proxied request ({@code POST /v1/chat/completions}, {@code POST
 * /v1/embeddings}): gives the request its id and context and hands it, with the front door of the
 * path it came in on, to the request {@link Pipeline} (see docs/REQUEST-PIPELINE.md).
 */
public final class ProxyHandler {

  private static final CharSequence REQUEST_ID = HttpHeaders.createOptimized("x-request-id");

  /** Anthropic's name for the request id, which its SDKs read ({@code _request_id}). */
  static final CharSequence ANTHROPIC_REQUEST_ID = HttpHeaders.createOptimized("request-id");

  private final Pipeline pipeline;
  private final GatewayClock clock;

  public ProxyHandler(Pipeline pipeline, GatewayClock clock) {
    this.pipeline = pipeline;
    this.clock = clock;
  }

  /**
   * Handles one proxied request that came in through {@code frontDoor}, its body read in full
   * ({@code body} null when it declared none).
   */
  public void handle(HttpServerRequest request, Buffer body, FrontDoor frontDoor) {
    RequestContext ctx = context(request, frontDoor);
    passThroughHeaders(request, frontDoor, ctx);
    pipeline.start(new Exchange(request, body, ctx, frontDoor, pipeline));
  }

  /** The request's context: its id (also on the answer) and a cancel when the client goes away. */
  private RequestContext context(HttpServerRequest request, FrontDoor frontDoor) {
    RequestContext ctx = new RequestContext(requestId(request), frontDoor.operation(), clock);
    request.response().putHeader(REQUEST_ID, ctx.requestId());
    if (frontDoor.operation() == Operation.MESSAGES
        || frontDoor.operation() == Operation.COUNT_TOKENS) {
      request.response().putHeader(ANTHROPIC_REQUEST_ID, ctx.requestId());
    }
    request.response().closeHandler(v -> ctx.cancel());
    return ctx;
  }

  /** Longest forwarded header value; longer ones are not forwarded (protocol options are short). */
  static final int MAX_PASS_THROUGH_VALUE = 1024;

  private static void passThroughHeaders(
      HttpServerRequest request, FrontDoor door, RequestContext ctx) {
    java.util.List<String> names = door.passThroughHeaders();
    if (names.isEmpty()) {
      return;
    }
    java.util.Map<String, String> found = new java.util.LinkedHashMap<>();
    for (String name : names) {
      String value = request.getHeader(name);
      if (value != null && value.length() <= MAX_PASS_THROUGH_VALUE && printable(value)) {
        found.put(name, value);
      }
    }
    if (!found.isEmpty()) {
      ctx.passThroughHeaders(java.util.Map.copyOf(found));
    }
  }

  private static boolean printable(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c > 0x7e) {
        return false;
      }
    }
    return true;
  }

  /**
   * Handles one drift-check request on the admin port: sent to exactly the target the {@code
   * x-switchboard-target} header names ({@code provider/model}), through the same stages as client
   * requests (keys, adapters, provider quotas, accounting; not the clients' rate limits, see {@code
   * AdmitStage}). Only the admin router calls this; the public port has no way to set a target.
   */
  public void handlePinned(RoutingContext rc, FrontDoor frontDoor) {
    String target = rc.request().getHeader("x-switchboard-target");
    if (target == null || target.isBlank() || target.length() > 600) {
      rc.response()
          .setStatusCode(400)
          .putHeader("content-type", "application/json")
          .end(
              frontDoor.encodeError(
                  OpenAiError.invalidRequest(
                      "The drift endpoint needs the header x-switchboard-target: provider/model.",
                      "x-switchboard-target")));
      return;
    }
    RequestContext ctx = context(rc.request(), frontDoor);
    Exchange exchange = new Exchange(rc.request(), rc.body().buffer(), ctx, frontDoor, pipeline);
    exchange.pinnedTarget(target);
    pipeline.start(exchange);
  }

  /** The client's {@code x-request-id} when it is safe to log and forward, else a new one. */
  static String requestId(HttpServerRequest request) {
    String given = request.getHeader("x-request-id");
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
}
