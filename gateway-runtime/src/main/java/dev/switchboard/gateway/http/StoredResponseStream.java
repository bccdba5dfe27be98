package dev.switchboard.gateway.http;

import dev.switchboard.gateway.frontdoor.ResponsesFrontDoor;
import dev.switchboard.gateway.security.LineKeyScrubber;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;

/**
 * Relays a streamed retrieve ({@code GET /v1/responses/{id}?stream=true}) to the client as the
 * provider sends it: scrubbed line by line ({@link LineKeyScrubber}), each event passed on once it
 * is complete, with back-pressure. A stream the provider breaks off ends, as the gateway's own
 * {@code POST /v1/responses} streams do, with one terminal {@code error} event numbered after the
 * last event relayed (never a reset connection, and never after half an event); the client leaving
 * is the caller's to handle (it resets the provider's request).
 */
final class StoredResponseStream {

  /** How a relayed stream ended, for the call's accounting. */
  interface Ended {
    void ended(int status, String outcome, String errorClass);
  }

  /** Bound of one held (incomplete) event, as of one line: a hostile upstream cannot grow it. */
  static final int MAX_EVENT_BYTES = LineKeyScrubber.MAX_LINE_BYTES;

  private final HttpServerResponse out;
  private final HttpClientRequest req;
  private final HttpClientResponse resp;
  private final LineKeyScrubber lines;
  private final long firstSequence;
  private final Ended ended;

  /** Scrubbed bytes of the event still incomplete (and of the line still open). */
  private Buffer held = Buffer.buffer();

  /** Where the open line starts in {@link #held}. */
  private int lineStart;

  private boolean lastWasCr;
  private boolean eventHasData;

  /** Events relayed whole. */
  private long relayed;

  private boolean closed;

  /**
   * @param firstSequence the {@code sequence_number} of the first event the provider sends: 0, or
   *     one past the client's {@code starting_after}
   */
  StoredResponseStream(
      HttpServerResponse out,
      HttpClientRequest req,
      HttpClientResponse resp,
      LineKeyScrubber lines,
      long firstSequence,
      Ended ended) {
    this.out = out;
    this.req = req;
    this.resp = resp;
    this.lines = lines;
    this.firstSequence = firstSequence;
    this.ended = ended;
  }

  /** Opens the client's stream (its head goes out at once) and relays the provider's. */
  void start() {
    out.setStatusCode(200)
        .setChunked(true)
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream; charset=utf-8")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
        .putHeader("x-accel-buffering", "no");
    resp.handler(this::chunk);
    resp.exceptionHandler(err -> broken());
    resp.endHandler(v -> end());
    out.writeHead(); // the client knows at once that the stream is open
  }

  private void chunk(Buffer chunk) {
    if (closed || out.closed() || out.ended()) {
      return;
    }
    Buffer clean;
    try {
      clean = lines.feed(chunk);
    } catch (LineKeyScrubber.LineTooLong tooLong) {
      tooLong();
      return;
    }
    int from = held.length();
    held.appendBuffer(clean);
    int complete = scan(from);
    if (complete > 0) {
      out.write(held.getBuffer(0, complete));
      held = held.getBuffer(complete, held.length());
      lineStart -= complete;
    } else if (held.length() > MAX_EVENT_BYTES) {
      tooLong();
      return;
    }
    if (out.writeQueueFull()) {
      resp.pause();
      out.drainHandler(d -> resp.resume());
    }
  }

  /**
   * Reads {@link #held} from {@code from} for the end of events (an empty line; LF, CRLF or CR line
   * ends, as SSE allows), counting those that carried data; returns how many bytes from the start
   * of {@link #held} hold whole events (0: none ended).
   */
  private int scan(int from) {
    int complete = 0;
    for (int i = from; i < held.length(); i++) {
      byte b = held.getByte(i);
      if (b == '\n' && lastWasCr) {
        lastWasCr = false; // the LF of a CRLF: the line ended at its CR
        if (complete == i) {
          complete = i + 1;
        }
        lineStart = i + 1;
        continue;
      }
      lastWasCr = b == '\r';
      if (b != '\n' && b != '\r') {
        continue;
      }
      if (i == lineStart) {
        if (eventHasData) {
          relayed++;
        }
        eventHasData = false;
        complete = i + 1;
      } else if (isData(lineStart, i)) {
        eventHasData = true;
      }
      lineStart = i + 1;
    }
    return complete;
  }

  /** Whether the line {@code [start, end)} of {@link #held} is a {@code data} field. */
  private boolean isData(int start, int end) {
    return end - start >= 4
        && held.getByte(start) == 'd'
        && held.getByte(start + 1) == 'a'
        && held.getByte(start + 2) == 't'
        && held.getByte(start + 3) == 'a'
        && (end - start == 4 || held.getByte(start + 4) == ':');
  }

  private void end() {
    if (closed || out.ended() || out.closed()) {
      return;
    }
    closed = true;
    out.end(held.appendBuffer(lines.finish()));
    ended.ended(200, "success", null);
  }

  /** The provider's stream broke off (a reset, a lost connection, its idle timeout). */
  private void broken() {
    fail(
        new OpenAiError(
            502,
            "The upstream provider's connection was lost mid-stream.",
            "upstream_error",
            null,
            "upstream_connection_lost",
            "stream_broken"));
  }

  private void tooLong() {
    req.reset();
    fail(
        new OpenAiError(
            502,
            "The upstream provider sent a stream event longer than " + MAX_EVENT_BYTES + " bytes.",
            "upstream_error",
            null,
            "bad_gateway",
            "bad_response"));
  }

  /**
   * Ends the client's stream with {@code error} as its one terminal event, after the last whole
   * event (an incomplete one is dropped: half an event would corrupt the error event).
   */
  private void fail(OpenAiError error) {
    if (closed || out.ended() || out.closed()) {
      return;
    }
    closed = true;
    held = Buffer.buffer();
    out.end(ResponsesFrontDoor.streamErrorEvent(error, firstSequence + relayed));
    ended.ended(200, "error", error.errorClass());
  }
}
