package dev.switchboard.gateway.server;

import dev.switchboard.gateway.http.OpenAiError;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.impl.HttpServerConnection;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Connection-level protections of one listening port, shared by every event loop serving it: a cap
 * on open connections, a header-read timeout for new connections, a keep-alive idle timeout between
 * requests, and a 400-and-close for requests carrying both {@code Content-Length} and {@code
 * Transfer-Encoding}.
 *
 * <p>Vert.x has no header-read timeout, and its idle timeout would also cut a stream whose upstream
 * is silent for a while, so both timers live in a small Netty handler that sees request heads
 * arrive and responses end. It reaches the channel through Vert.x's internal connection type; the
 * tests of this class fail loudly if a Vert.x upgrade moves it.
 */
public final class ConnectionGuard {

  /** Name of the Netty handler this guard adds to each connection's pipeline. */
  static final String HANDLER_NAME = "switchboardConnectionGuard";

  private final String port;
  private final HttpServerOptions serverOptions;
  private final long headerReadTimeoutMs;
  private final long idleTimeoutMs;
  private final int maxConnections;
  private final AtomicInteger open = new AtomicInteger();
  private volatile boolean draining;
  // The connections counted in open, for closeAll when a graceful shutdown runs out of time.
  private final java.util.Set<Channel> channels =
      java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final Counter overLimit;
  private final Counter headerTimeouts;
  private final Counter idleTimeouts;
  private final Counter smuggling;

  /**
   * @param port label of the port in metrics ({@code public}, {@code admin})
   * @param serverOptions the options the server listens with (the decoder copies its limits)
   */
  public ConnectionGuard(
      String port,
      HttpServerOptions serverOptions,
      long headerReadTimeoutMs,
      long idleTimeoutMs,
      int maxConnections,
      MeterRegistry registry) {
    this.port = port;
    this.serverOptions = serverOptions;
    this.headerReadTimeoutMs = headerReadTimeoutMs;
    this.idleTimeoutMs = idleTimeoutMs;
    this.maxConnections = maxConnections;
    Gauge.builder("switchboard_server_connections_open", open, AtomicInteger::get)
        .description("Open client connections")
        .tag("port", port)
        .register(registry);
    overLimit = closed(registry, "over_limit");
    headerTimeouts = closed(registry, "header_timeout");
    idleTimeouts = closed(registry, "idle_timeout");
    smuggling = closed(registry, "content_length_with_transfer_encoding");
  }

  private Counter closed(MeterRegistry registry, String reason) {
    return Counter.builder("switchboard_server_connections_closed")
        .description("Client connections the gateway closed to protect itself, by reason")
        .tags("port", port, "reason", reason)
        .register(registry);
  }

  /**
   * Server options with what this guard needs: HTTP/1.1 only. With h2c on, Vert.x announces a
   * connection only once its first request head has arrived (too late for a header-read timeout),
   * and h2c upgrades through proxies are a known smuggling vector of their own.
   */
  public static HttpServerOptions http1Only(HttpServerOptions options) {
    return options.setHttp2ClearTextEnabled(false);
  }

  /** Installs the guard on {@code server} in front of {@code requests}. */
  public HttpServer install(HttpServer server, Handler<HttpServerRequest> requests) {
    return server
        .connectionHandler(this::opened)
        .exceptionHandler(ClientDisconnects::connectionError)
        .requestHandler(req -> request(req, requests));
  }

  /** Open connections now (all event loops). */
  public int openConnections() {
    return open.get();
  }

  /**
   * From now on every response says {@code Connection: close}, so clients on keep-alive connections
   * take their next request elsewhere (a new connection reaches a replica still in the endpoints)
   * instead of sending it here until the port stops accepting. The start of a graceful shutdown.
   */
  public void drain() {
    draining = true;
  }

  /**
   * Closes every open connection at once, streams and all: the end of a graceful shutdown whose
   * timeout ran out (the server has stopped accepting by then).
   */
  public void closeAll() {
    for (Channel channel : channels) {
      channel.close();
    }
  }

  private void opened(HttpConnection connection) {
    // Runs on the connection's event loop while Vert.x sets the pipeline up, before any read.
    Channel channel = ((HttpServerConnection) connection).channelHandlerContext().channel();
    if (open.incrementAndGet() > maxConnections) {
      open.decrementAndGet();
      overLimit.increment();
      channel.close();
      return;
    }
    channels.add(channel);
    channel
        .closeFuture()
        .addListener(
            f -> {
              channels.remove(channel);
              open.decrementAndGet();
            });
    ChannelPipeline pipeline = channel.pipeline();
    pipeline.replace("httpDecoder", "httpDecoder", new KeepContentLengthDecoder(serverOptions));
    pipeline.addBefore("handler", HANDLER_NAME, new Timers());
  }

  /** The per-connection timeout handler, on its own (tests drive it on an embedded channel). */
  ChannelDuplexHandler newTimers() {
    return new Timers();
  }

  private void request(HttpServerRequest req, Handler<HttpServerRequest> next) {
    if (req.headers().contains(HttpHeaders.CONTENT_LENGTH)
        && req.headers().contains(HttpHeaders.TRANSFER_ENCODING)) {
      // RFC 9112 6.1: a server MAY reject such a message and MUST close the connection after
      // responding; a proxy in front trusting Content-Length would otherwise read another request
      // out of the body.
      smuggling.increment();
      OpenAiError error =
          OpenAiError.invalidRequest(
              "A request must not carry both Content-Length and Transfer-Encoding.", null);
      req.response()
          .setStatusCode(error.status())
          .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
          .putHeader(HttpHeaders.CONNECTION, "close")
          .end(error.toBuffer())
          .onComplete(v -> req.connection().close());
      return;
    }
    if (draining) {
      req.response().putHeader(HttpHeaders.CONNECTION, "close");
    }
    next.handle(req);
  }

  /**
   * Vert.x's decoder, except that it keeps {@code Content-Length} when {@code Transfer-Encoding:
   * chunked} is present too: Netty drops it silently (RFC 9112 lets a server ignore it), which
   * would hide the conflict from {@link #request}. The body is still read as chunked.
   */
  private static final class KeepContentLengthDecoder extends VertxHttpRequestDecoder {
    KeepContentLengthDecoder(HttpServerOptions options) {
      super(options);
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
      String contentLength = message.headers().get(HttpHeaders.CONTENT_LENGTH);
      super.handleTransferEncodingChunkedWithContentLength(message);
      if (contentLength != null) {
        message.headers().set(HttpHeaders.CONTENT_LENGTH, contentLength);
      }
    }
  }

  /**
   * The header-read timeout (from the connection's opening to its first request head) and the idle
   * timeout (from the moment the last response in flight has been written to the next request
   * head), kept with one lazily re-armed check per connection, as Netty's {@code IdleStateHandler}
   * does: a request only counts itself in and out and notes the time it went idle; no timer is set
   * or cancelled per request. When the check runs it closes the connection if it has been waiting
   * longer than its limit, and otherwise runs again when the limit would be reached. Time is the
   * event loop's own ticker, the clock its scheduled tasks run on.
   */
  private final class Timers extends ChannelDuplexHandler {
    private final Runnable fire = this::fire;
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> check;
    private long checkAtNanos;
    private int inFlight;
    private boolean sawRequest;
    private long waitingSinceNanos;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      this.ctx = ctx;
      waitingSinceNanos = now();
      schedule(TimeUnit.MILLISECONDS.toNanos(headerReadTimeoutMs));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HttpRequest) {
        sawRequest = true;
        inFlight++;
      }
      ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      boolean informational =
          msg instanceof HttpResponse response
              && response.status().codeClass() == HttpStatusClass.INFORMATIONAL;
      if (msg instanceof LastHttpContent && !informational && inFlight > 0 && --inFlight == 0) {
        long now = now();
        waitingSinceNanos = now;
        long limit = TimeUnit.MILLISECONDS.toNanos(idleTimeoutMs);
        // The pending check (the header-read one, or one of an earlier idle spell) may come later
        // than this spell's limit; then it is moved forward. On a busy keep-alive connection it
        // is earlier, and stays.
        if (check == null || checkAtNanos - (now + limit) > 0) {
          schedule(limit);
        }
      }
      ctx.write(msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      cancel();
      ctx.fireChannelInactive();
    }

    private void fire() {
      check = null;
      if (inFlight > 0 || !ctx.channel().isActive()) {
        return; // busy: going idle arms the next check
      }
      long limit = TimeUnit.MILLISECONDS.toNanos(sawRequest ? idleTimeoutMs : headerReadTimeoutMs);
      long waited = now() - waitingSinceNanos;
      if (waited >= limit) {
        (sawRequest ? idleTimeouts : headerTimeouts).increment();
        ctx.channel().close();
      } else {
        schedule(limit - waited);
      }
    }

    private void schedule(long delayNanos) {
      cancel();
      checkAtNanos = now() + delayNanos;
      check = ctx.executor().schedule(fire, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void cancel() {
      if (check != null) {
        check.cancel(false);
        check = null;
      }
    }

    private long now() {
      return ctx.executor().ticker().nanoTime();
    }
  }
}
