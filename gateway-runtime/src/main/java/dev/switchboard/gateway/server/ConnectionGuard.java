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

  private void opened(HttpConnection connection) {
    // Runs on the connection's event loop while Vert.x sets the pipeline up, before any read.
    Channel channel = ((HttpServerConnection) connection).channelHandlerContext().channel();
    if (open.incrementAndGet() > maxConnections) {
      open.decrementAndGet();
      overLimit.increment();
      channel.close();
      return;
    }
    channel.closeFuture().addListener(f -> open.decrementAndGet());
    ChannelPipeline pipeline = channel.pipeline();
    pipeline.replace("httpDecoder", "httpDecoder", new KeepContentLengthDecoder(serverOptions));
    pipeline.addBefore("handler", HANDLER_NAME, new Timers());
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
   * The header-read timer (armed when the connection opens) and the idle timer (armed when the last
   * response in flight has been written), both disarmed when a request head arrives.
   */
  private final class Timers extends ChannelDuplexHandler {
    private ScheduledFuture<?> timer;
    private int inFlight;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      arm(ctx, headerReadTimeoutMs, headerTimeouts);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HttpRequest) {
        disarm();
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
        arm(ctx, idleTimeoutMs, idleTimeouts);
      }
      ctx.write(msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      disarm();
      ctx.fireChannelInactive();
    }

    private void arm(ChannelHandlerContext ctx, long ms, Counter reason) {
      disarm();
      timer =
          ctx.executor()
              .schedule(
                  () -> {
                    reason.increment();
                    ctx.channel().close();
                  },
                  ms,
                  TimeUnit.MILLISECONDS);
    }

    private void disarm() {
      if (timer != null) {
        timer.cancel(false);
        timer = null;
      }
    }
  }
}
