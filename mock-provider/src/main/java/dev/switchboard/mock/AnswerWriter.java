package dev.switchboard.mock;

import dev.switchboard.mock.fault.FaultSpec;
import dev.switchboard.mock.openai.OpenAiPayloads;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * Writes an answer, whole or as an SSE stream, and applies the faults that act on the body once
 * headers are out: {@code reset-after-headers}, {@code truncate}, {@code stall-after}, {@code
 * stream-error}, {@code linger}, {@code unterminated-end}, {@code drip} and {@code trickle}. Runs
 * on the event loop only.
 */
final class AnswerWriter {

  private final Vertx vertx;
  private final MockProviderOptions options;

  AnswerWriter(Vertx vertx, MockProviderOptions options) {
    this.vertx = vertx;
    this.options = options;
  }

  /**
   * Sends a JSON body, honouring {@code reset-after-headers} (half the body, then a TCP reset),
   * {@code truncate} (half the body, then a clean end of an invalid document) and {@code trickle}
   * (the body one byte at a time).
   */
  void sendJson(RoutingContext ctx, String body, FaultSpec fault) {
    if (fault.noUsage()) {
      body = NoUsage.json(body);
    }
    HttpServerResponse res = ctx.response().putHeader("content-type", "application/json");
    boolean cut =
        fault.resetAfterHeaders()
            || fault.truncateAfterEvents() != null
            || fault.stallAfterEvents() != null;
    if (!cut && fault.trickleMs() != null) {
      trickle(res, body, fault.trickleMs());
      return;
    }
    if (!cut) {
      res.end(body);
      return;
    }
    res.setChunked(true);
    if (fault.truncateAfterEvents() != null) {
      res.putHeader("connection", "close");
    }
    res.write(body.substring(0, body.length() / 2));
    if (fault.resetAfterHeaders()) {
      resetLater(ctx.request());
    } else if (fault.truncateAfterEvents() != null) {
      endAndClose(ctx.request(), res);
    }
    // stall-after: half a body, then silence until the client gives up.
  }

  /**
   * {@code trickle:MS}: the head at once, then the body chunked, one byte every {@code intervalMs}
   * (the whole of it, ended properly): an upstream that is never silent for long, so an idle
   * timeout never fires, yet takes as long as the body has bytes to finish. Stops when the client
   * goes away.
   */
  void trickle(HttpServerResponse res, String body, long intervalMs) {
    io.vertx.core.buffer.Buffer bytes = io.vertx.core.buffer.Buffer.buffer(body);
    res.setChunked(true).putHeader("content-type", "application/json").writeHead();
    trickleFrom(res, bytes, 0, intervalMs);
  }

  private void trickleFrom(
      HttpServerResponse res, io.vertx.core.buffer.Buffer bytes, int at, long intervalMs) {
    if (res.closed() || res.ended()) {
      return;
    }
    if (at >= bytes.length()) {
      res.end();
      return;
    }
    res.write(bytes.getBuffer(at, at + 1));
    vertx.setTimer(intervalMs, t -> trickleFrom(res, bytes, at + 1, intervalMs));
  }

  /**
   * {@code endless-json}: a 200 {@code application/json} answer whose body never ends (an open
   * string of filler), written as fast as the client reads it, until the client goes away.
   */
  void sendEndlessJson(RoutingContext ctx) {
    HttpServerResponse res =
        ctx.response().setChunked(true).putHeader("content-type", "application/json");
    res.write(
        "{\"id\":\"chatcmpl-endless\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,"
            + "\"message\":{\"role\":\"assistant\",\"content\":\"");
    new EndlessWriter(res).next();
  }

  private final class EndlessWriter {
    private static final int CHUNK = 64 * 1024;
    private final HttpServerResponse res;
    private final io.vertx.core.buffer.Buffer filler =
        io.vertx.core.buffer.Buffer.buffer("a".repeat(CHUNK));

    EndlessWriter(HttpServerResponse res) {
      this.res = res;
    }

    void next() {
      if (res.closed() || res.ended()) {
        return;
      }
      res.write(filler.copy());
      if (res.writeQueueFull()) {
        res.drainHandler(v -> next());
      } else {
        // Yield to the event loop between chunks, so other connections are still served.
        vertx.runOnContext(v -> next());
      }
    }
  }

  /** What a stream that fails server-side ends with: given the message and the events sent. */
  @FunctionalInterface
  interface ErrorEvent {
    String of(String message, int eventsSent);

    /**
     * With the provider's own message: {@code standard} is OpenAI's, {@code echo} the credentials
     * the request carried when the fault echoes them (else empty). A provider with its own message
     * overrides this.
     */
    default String of(String standard, String echo, int eventsSent) {
      return of(standard + echo, eventsSent);
    }

    /**
     * With the fault's error {@code code} ({@code stream-error:N;code=X}) and its message: OpenAI's
     * paths put the code into the event (OpenAI's type and code for {@code insufficient_quota});
     * other providers ignore it.
     */
    default String coded(String message, String code, int eventsSent) {
      return of(message, eventsSent);
    }
  }

  /** OpenAI chat's mid-stream failure: a {@code data:} event with an {@code error} object. */
  private static final ErrorEvent CHAT_ERROR =
      new ErrorEvent() {
        @Override
        public String of(String message, int sent) {
          return OpenAiPayloads.event(OpenAiPayloads.error(message, "server_error", null, null));
        }

        @Override
        public String coded(String message, String code, int sent) {
          String type = "insufficient_quota".equals(code) ? code : "server_error";
          return OpenAiPayloads.event(OpenAiPayloads.error(message, type, null, code));
        }
      };

  void stream(RoutingContext ctx, List<String> events, long intervalMs, FaultSpec fault) {
    stream(ctx, events, intervalMs, fault, CHAT_ERROR);
  }

  /** As above, ending a failing stream with {@code errorEvent} (the API's own error event). */
  void stream(
      RoutingContext ctx,
      List<String> events,
      long intervalMs,
      FaultSpec fault,
      ErrorEvent errorEvent) {
    if (fault.noUsage()) {
      events = NoUsage.events(events);
    }
    HttpServerResponse res =
        ctx.response()
            .setChunked(true)
            .putHeader("content-type", "text/event-stream; charset=utf-8")
            .putHeader("cache-control", "no-cache");
    // The last event is [DONE]; every cut below happens before it.
    int beforeDone = events.size() - 1;
    int limit = events.size();
    if (fault.resetAfterHeaders()) {
      limit = 1;
    } else if (fault.truncateAfterEvents() != null) {
      res.putHeader("connection", "close");
      limit = Math.min(beforeDone, fault.truncateAfterEvents());
    } else if (fault.stallAfterEvents() != null) {
      limit = Math.min(beforeDone, fault.stallAfterEvents());
    } else if (fault.streamErrorAfterEvents() != null) {
      limit = Math.min(beforeDone, fault.streamErrorAfterEvents());
    }
    new StreamWriter(ctx.request(), res, events, limit, intervalMs, fault, errorEvent).writeFrom(0);
  }

  /** Writes events one by one, honouring the interval and back-pressure, then ends per fault. */
  private final class StreamWriter {
    private final HttpServerRequest req;
    private final HttpServerResponse res;
    private final List<String> events;
    private final int limit;
    private final long intervalMs;
    private final FaultSpec fault;
    private final ErrorEvent errorEvent;

    StreamWriter(
        HttpServerRequest req,
        HttpServerResponse res,
        List<String> events,
        int limit,
        long intervalMs,
        FaultSpec fault,
        ErrorEvent errorEvent) {
      this.errorEvent = errorEvent;
      this.req = req;
      this.res = res;
      this.events = events;
      this.limit = limit;
      this.intervalMs = intervalMs;
      this.fault = fault;
    }

    void writeFrom(int start) {
      int i = start;
      while (i < limit) {
        if (res.closed()) {
          return;
        }
        String event = events.get(i++);
        if (i == events.size() && fault.unterminatedEnd() != null) {
          event = unterminated(event, "bare".equals(fault.unterminatedEnd()));
        }
        res.write(event);
        if (i < limit && intervalMs > 0) {
          int next = i;
          vertx.setTimer(intervalMs, t -> writeFrom(next));
          return;
        }
        if (i < limit && res.writeQueueFull()) {
          int next = i;
          res.drainHandler(v -> writeFrom(next));
          return;
        }
      }
      finish();
    }

    private void finish() {
      if (res.closed()) {
        return;
      }
      if (fault.resetAfterHeaders()) {
        resetLater(req);
      } else if (fault.truncateAfterEvents() != null) {
        endAndClose(req, res);
      } else if (fault.stallAfterEvents() != null) {
        // Go silent with the connection open: only the client's idle/total timeout ends this.
        // With stall-after:0 the response head still goes out, so the silence starts after it.
        if (!res.headWritten()) {
          res.writeHead();
        }
        return;
      } else if (fault.streamErrorAfterEvents() != null) {
        // What OpenAI sends when a stream fails server-side after it started.
        String standard =
            "The server had an error while processing your request. Sorry about that!";
        String echo =
            fault.echoAuth()
                ? " Request received with " + ErrorReplies.receivedCredentials(req)
                : "";
        String code = fault.errorCode();
        if (code == null) {
          res.end(errorEvent.of(standard, echo, limit));
        } else {
          String message =
              "insufficient_quota".equals(code)
                  ? ErrorReplies.NO_CREDIT
                  : "Mock provider fault: stream error (" + code + ").";
          res.end(errorEvent.coded(message + echo, code, limit));
        }
      } else if (fault.linger()) {
        // The whole answer went out; the connection stays open until the client resets it.
        return;
      } else {
        res.end();
      }
    }
  }

  /**
   * {@code unterminated-end}: the stream's final event without the blank line after it, and with
   * {@code bare} without its last line's end too.
   */
  static String unterminated(String event, boolean bare) {
    String cut = withoutLastLineEnd(event);
    return bare ? withoutLastLineEnd(cut) : cut;
  }

  private static String withoutLastLineEnd(String text) {
    if (text.endsWith("\r\n")) {
      return text.substring(0, text.length() - 2);
    }
    if (text.endsWith("\n") || text.endsWith("\r")) {
      return text.substring(0, text.length() - 1);
    }
    return text;
  }

  private void resetLater(HttpServerRequest req) {
    // Give the client time to read what was sent: an RST makes the peer drop unread data.
    if (options.resetGraceMs() == 0) {
      reset(req);
    } else {
      vertx.setTimer(options.resetGraceMs(), t -> reset(req));
    }
  }

  private static void endAndClose(HttpServerRequest req, HttpServerResponse res) {
    // Clients that saw "connection: close" will not reuse the connection we are about to close.
    HttpConnection connection = req.connection();
    res.end().onComplete(done -> connection.close());
  }

  /** Aborts the TCP connection with an RST (SO_LINGER 0), the way a crashing peer looks. */
  static void reset(HttpServerRequest req) {
    HttpConnection connection = req.connection();
    if (connection instanceof ConnectionBase base) {
      Channel channel = base.channel();
      channel.config().setOption(ChannelOption.SO_LINGER, 0);
      channel.close();
    } else {
      connection.close();
    }
  }
}
