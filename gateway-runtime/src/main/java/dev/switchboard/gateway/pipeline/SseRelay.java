package dev.switchboard.gateway.pipeline;

import dev.switchboard.gateway.frontdoor.StreamEncoder;
import dev.switchboard.gateway.http.ErrorMapping;
import dev.switchboard.gateway.http.OpenAiError;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.upstream.FailureKind;
import dev.switchboard.gateway.upstream.UpstreamFailure;
import dev.switchboard.gateway.upstream.UpstreamStream;
import dev.switchboard.gateway.upstream.adapter.StreamDecoder;
import dev.switchboard.gateway.upstream.adapter.StreamEventFacts;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays one committed upstream stream to the client, event by event as they arrive: the upstream
 * adapter's decoder says what each event is and carries, the facts go to the request's context, the
 * front door encodes what the client gets. Applies back-pressure, and ends the stream either at the
 * upstream's final event (its end marker, or its close where that is the end) or with exactly one
 * terminal error event — never a silent truncation. It reports only to its {@link Exchange}.
 */
final class SseRelay implements UpstreamStream.Sink, OpenStream {

  private static final Logger LOG = LoggerFactory.getLogger(SseRelay.class);

  private final Exchange exchange;
  private final RequestContext ctx;
  private final StreamEncoder encoder;
  private final UpstreamStream upstream;
  private final StreamDecoder decoder;
  private final StreamTap tap;
  private boolean headersSent;
  private boolean done;
  private boolean closed;

  /** Whether the upstream's close was judged ({@link #completeAtEnd()}), and its end event. */
  private boolean endJudged;

  private StreamEventFacts closeEnd;

  SseRelay(
      Exchange exchange, UpstreamStream upstream, StreamDecoder decoder, StreamEncoder encoder) {
    this.exchange = exchange;
    this.ctx = exchange.ctx();
    this.encoder = encoder;
    this.upstream = upstream;
    this.decoder = decoder;
    this.tap = exchange.streamTap();
  }

  @Override
  public void onEvent(String data) {
    if (closed || done) {
      return; // nothing follows the stream's final event, whatever the upstream still sends
    }
    if (tap != null) {
      tap.event(data);
    }
    StreamEventFacts event = decoder.decode(data, upstream.takeParsed(data));
    switch (event.kind()) {
      case DONE -> {
        done = true;
        Exchange.record(ctx, event); // a plain-text refusal is judged once the answer is complete
        write(encoder.end(event));
        complete(); // the upstream's close may come later: the client does not wait for it
      }
      case CHUNK -> {
        Exchange.record(ctx, event);
        write(encoder.event(event));
      }
      case DROP -> Exchange.record(ctx, event);
      case MALFORMED -> {
        upstream.abort(
            new UpstreamFailure(
                FailureKind.BAD_RESPONSE, "the upstream sent a stream event that is not JSON"));
        terminalError(
            new OpenAiError(
                502,
                "The upstream provider sent a stream event that is not JSON.",
                "upstream_error",
                null,
                "bad_gateway",
                "bad_response"));
      }
      case ERROR -> {
        if (event.accountOutOfCredit()) {
          // The account is empty: the breaker counts it and every target of the provider is held
          // back (FailoverChain), and the client is told so in the gateway's words, as in a 502.
          upstream.abort(
              new UpstreamFailure(
                  FailureKind.TARGET_UNUSABLE,
                  "the upstream said mid-stream that the account is out of credit"));
          terminalError(ErrorMapping.upstreamQuotaExhausted(""));
          return;
        }
        // The provider reported a failure mid-stream: its breaker counts it, and the client gets it
        // as the one terminal event.
        upstream.abort(
            new UpstreamFailure(
                FailureKind.SERVER_ERROR, "the upstream sent an error event mid-stream"));
        OpenAiError error =
            new OpenAiError(
                502,
                event.errorMessage() != null
                    ? event.errorMessage()
                    : "The upstream provider failed mid-stream.",
                event.errorType() != null ? event.errorType() : "upstream_error",
                event.errorParam(),
                event.errorCode(),
                "upstream_stream_error");
        if (event.payload() != null) {
          terminalRelayed(event, error); // a terminal event of the client's own protocol
        } else {
          terminalError(error);
        }
      }
    }
  }

  @Override
  public boolean completeAtEnd() {
    if (!endJudged) {
      endJudged = true;
      if (!done) {
        StreamEventFacts end = decoder.atEnd(); // a provider whose close is its end marker
        if (end != null && end.kind() == StreamEventFacts.Kind.DONE) {
          closeEnd = end;
        }
      }
    }
    return done || closeEnd != null;
  }

  @Override
  public void onEnd() {
    if (closed) {
      return;
    }
    if (!completeAtEnd()) {
      terminalError(ErrorMapping.streamTruncated());
      return;
    }
    // The close is the end (the final event would have ended the stream already).
    done = true;
    Exchange.record(ctx, closeEnd);
    write(encoder.end(closeEnd));
    complete();
  }

  /**
   * The final event went out: the client's stream ends here and the request is a success. The
   * upstream finishes on its own ({@link UpstreamStream#answered()}).
   */
  private void complete() {
    closed = true;
    upstream.answered();
    exchange.response().end();
    if (tap != null) {
      tapCompleted();
    }
    exchange.finish(200, "success", null);
  }

  /**
   * Tells the tap the stream reached its final event: a complete answer. The client has it whole by
   * then, so a tap failing here (e.g. the cache storing it) spoils nothing the client got: the
   * request stays the success it was, and the failure is logged without its message, which might
   * quote the answer.
   */
  private void tapCompleted() {
    try {
      tap.completed();
    } catch (RuntimeException e) {
      StackTraceElement[] at = e.getStackTrace();
      LOG.warn(
          "request {}: the stream tap {} failed after the complete answer went out: {} at {}",
          ctx.requestId(),
          tap.getClass().getName(),
          e.getClass().getName(),
          at.length > 0 ? at[0] : "?");
    }
  }

  @Override
  public void onError(UpstreamFailure failure) {
    if (closed) {
      return;
    }
    if (ctx.clientGone()) {
      closed = true;
      exchange.finish(499, "cancelled", "client_cancelled");
      return;
    }
    if (failure.kind() == FailureKind.CONNECT) {
      // The serving target's connection broke (a reset): no "no target could serve" as before the
      // first chunk, where every target was tried.
      terminalError(ErrorMapping.streamConnectionLost());
      return;
    }
    terminalError(ErrorMapping.toOpenAiError(failure, ctx));
  }

  /**
   * Relaying an event failed in the gateway (an exception of the decoder, the encoder or the tap):
   * the request fails as any gateway failure does ({@link Exchange#fail}), which ends the stream
   * through {@link #fail}.
   */
  @Override
  public void onSinkFailure(RuntimeException err) {
    exchange.fail(err);
  }

  /**
   * Ends the stream with {@code error} as its one terminal event when the gateway failed while
   * relaying it ({@link Exchange#fail}); nothing when it has ended already.
   */
  @Override
  public void fail(OpenAiError error) {
    if (!closed) {
      terminalError(error);
    }
  }

  /**
   * Ends the stream with the upstream's own failure event (a Responses stream's {@code
   * response.failed}, already key-scrubbed as every relayed event is), which the client's protocol
   * defines as a terminal event; the request is the failure {@code error} describes, as with {@link
   * #terminalError}. Should the encoder give nothing for it, the gateway's error event ends it.
   */
  private void terminalRelayed(StreamEventFacts failed, OpenAiError error) {
    Buffer last;
    try {
      last = encoder.event(failed);
    } catch (RuntimeException e) {
      last = null;
    }
    if (last == null || ctx.clientGone()) {
      terminalError(error);
      return;
    }
    closed = true;
    ensureHeaders();
    exchange.response().end(last);
    exchange.finish(200, "error", error.errorClass());
  }

  private void terminalError(OpenAiError error) {
    closed = true;
    if (ctx.clientGone()) {
      exchange.finish(499, "cancelled", "client_cancelled");
      return;
    }
    ensureHeaders();
    endWithError(exchange, encoder, error);
  }

  /**
   * Ends a stream whose head went out with {@code error} as its one terminal event, and finishes
   * the request ({@link SseRelay}, a cached stream replayed in batches).
   */
  static void endWithError(Exchange exchange, StreamEncoder encoder, OpenAiError error) {
    Buffer last;
    try {
      last = encoder.error(error);
    } catch (RuntimeException e) {
      // Not even the terminal event can be written: the stream still ends, cut short without its
      // end marker (every SDK reads that as a failed stream), rather than stay open until the
      // client's own timeout.
      last = null;
    }
    if (last == null) {
      exchange.response().end();
    } else {
      exchange.response().end(last);
    }
    exchange.finish(200, "error", error.errorClass());
  }

  private void write(Buffer event) {
    if (event == null) {
      return; // the encoder holds this event back (a bridged format writes it later, or never)
    }
    HttpServerResponse response = exchange.response();
    if (ctx.clientGone() || response.ended()) {
      return;
    }
    ensureHeaders();
    response.write(event);
    if (response.writeQueueFull()) {
      upstream.pause();
      response.drainHandler(v -> upstream.resume());
    }
  }

  private void ensureHeaders() {
    if (headersSent) {
      return;
    }
    headersSent = true;
    streamHead(exchange.response(), ctx);
  }

  /** The head of an SSE answer (a relayed stream, a replayed cached one): set, not yet sent. */
  static void streamHead(HttpServerResponse response, RequestContext ctx) {
    ServedHeaders.write(response, ctx);
    response
        .setStatusCode(200)
        .setChunked(true)
        .putHeader("content-type", "text/event-stream; charset=utf-8")
        .putHeader("cache-control", "no-cache")
        .putHeader("x-accel-buffering", "no");
  }
}
