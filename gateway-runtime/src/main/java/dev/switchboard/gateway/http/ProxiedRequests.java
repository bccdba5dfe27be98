package dev.switchboard.gateway.http;

import dev.switchboard.gateway.frontdoor.FrontDoor;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.internal.http.HttpServerRequestInternal;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The public port's request handler: the proxied API calls ({@code POST} on a front door's exact
 * path, a JSON body with a length or chunked) go straight to the {@link ProxyHandler} with their
 * body read here; everything else goes to the vertx-web {@code Router}, which also holds the same
 * routes. The router costs each request a routing context, a request wrapper, a pause of the
 * request and a task on the event loop to resume it for its body handler: about 5 % of the
 * gateway's CPU per plain request, and more of a lone request's path, which runs out of the CPU's
 * caches (BENCHMARKS.md, issue #21). What the router would answer to such a request is answered the
 * same here: 415 before the body is read, 413 from the declared length or once the body grows past
 * the limit, and a closed connection (logged at DEBUG) when the client went away or broke the
 * body's framing. Requests this handler does not take as they come (a missing or invalid {@code
 * Host}, an {@code Expect} header, no declared body, HTTP/2) keep the router's handling unchanged.
 */
final class ProxiedRequests implements Handler<HttpServerRequest> {

  private static final Logger LOG = LoggerFactory.getLogger(ProxiedRequests.class);

  private final Map<String, FrontDoor> doors;
  private final Handler<HttpServerRequest> router;
  private final ProxyHandler proxy;
  private final long maxBodyBytes;

  /**
   * @param doors the front door of each proxied path, by its exact path
   * @param router what handles every other request (and holds the same routes)
   */
  ProxiedRequests(
      Map<String, FrontDoor> doors,
      Handler<HttpServerRequest> router,
      ProxyHandler proxy,
      long maxBodyBytes) {
    this.doors = Map.copyOf(doors);
    this.router = router;
    this.proxy = proxy;
    this.maxBodyBytes = maxBodyBytes;
  }

  @Override
  public void handle(HttpServerRequest request) {
    FrontDoor door = request.method() == HttpMethod.POST ? doors.get(request.path()) : null;
    long declared = door == null ? -1 : declaredLength(request);
    if (door == null || declared == -2 || !plain(request)) {
      router.handle(request);
      return;
    }
    if (!GatewayRouter.isJson(request)) {
      GatewayRouter.unsupportedMediaType(request);
      return;
    }
    if (declared > maxBodyBytes) {
      GatewayRouter.error(request, OpenAiError.tooLarge(maxBodyBytes));
      return;
    }
    new Body(request, door, declared).read();
  }

  /**
   * The declared body length: the {@code Content-Length}, -1 when the body is chunked, -2 when the
   * request declares no body (or an unreadable length).
   */
  private static long declaredLength(HttpServerRequest request) {
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length != null && !length.isEmpty()) {
      try {
        long parsed = Long.parseLong(length);
        return parsed < 0 ? -2 : parsed;
      } catch (NumberFormatException e) {
        return -2;
      }
    }
    return request.headers().contains(HttpHeaders.TRANSFER_ENCODING) ? -1 : -2;
  }

  /** Whether nothing about the request asks for more than reading its body. */
  private static boolean plain(HttpServerRequest request) {
    return request.version() == HttpVersion.HTTP_1_1
        && !request.isEnded()
        && request.getHeader(HttpHeaders.EXPECT) == null
        && request instanceof HttpServerRequestInternal internal
        && internal.isValidAuthority();
  }

  /** One request's body as it arrives, up to the limit. */
  private final class Body implements Handler<Buffer> {
    private final HttpServerRequest request;
    private final FrontDoor door;
    private final Buffer bytes;
    private boolean failed;
    private boolean ended;

    Body(HttpServerRequest request, FrontDoor door, long declared) {
      this.request = request;
      this.door = door;
      int initial = declared < 0 ? 1024 : (int) Math.min(declared, 64 * 1024);
      this.bytes = Buffer.buffer(initial);
    }

    void read() {
      request.handler(this).endHandler(v -> end()).exceptionHandler(this::failed);
    }

    @Override
    public void handle(Buffer chunk) {
      if (failed) {
        return; // the answer is out; the rest is drained, so the connection stays usable
      }
      if ((long) bytes.length() + chunk.length() > maxBodyBytes) {
        failed = true;
        GatewayRouter.error(request, OpenAiError.tooLarge(maxBodyBytes));
        return;
      }
      bytes.appendBuffer(chunk);
    }

    private void end() {
      ended = true;
      if (failed) {
        return;
      }
      try {
        proxy.handle(request, bytes, door);
      } catch (RuntimeException e) {
        LOG.error("request {} {} failed before the pipeline", request.method(), request.path(), e);
        if (!request.response().ended()) {
          GatewayRouter.error(request, OpenAiError.internal("Unexpected gateway error."));
        }
      }
    }

    private void failed(Throwable error) {
      if (failed || ended) {
        // Answered already, or the pipeline owns the answer (it sees a closed connection itself).
        LOG.debug(
            "{} {} after it was answered or read: {}", request.method(), request.path(), error);
        return;
      }
      failed = true;
      // The client went away, or its body's framing is broken (Vert.x fails the connection then):
      // either way there is no one left to answer, and nothing worth more than DEBUG.
      LOG.debug(
          "reading the body of {} {} failed: {}",
          request.method(),
          request.path(),
          error.toString());
      request.connection().close();
    }
  }
}
