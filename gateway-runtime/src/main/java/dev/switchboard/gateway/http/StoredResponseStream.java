package dev.switchboard.gateway.http;

import dev.switchboard.gateway.frontdoor.ResponsesFrontDoor;
import dev.switchboard.gateway.security.LineKeyScrubber;
import dev.switchboard.gateway.time.GatewayClock;
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
 * last event relayed (never a reset connection, and never after half an event); so does one that
 * stays silent longer than the provider's {@code timeouts.streamIdle}, whose request is then reset
 * (a stream paused because the client reads slowly is not silent). The client leaving is the
 * caller's to handle (it resets the provider's request).
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
  private final GatewayClock clock;
  private final long idleMs;
  private final String requestId;

  /** When the provider last sent something, on {@link #clock}. */
  private long lastNanos;

  private long idleTimer = -1;
  private boolean paused;

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
   * @param idleMs the provider's {@code timeouts.streamIdle}: the longest silence allowed
   * @param requestId the call's request id, quoted in the stalled stream's error message
   */
  StoredResponseStream(
      HttpServerResponse out,
      HttpClientRequest req,
      HttpClientResponse resp,
      LineKeyScrubber lines,
      long firstSequence,
      Ended ended,
      GatewayClock clock,
      long idleMs,
      String requestId) {
    this.out = out;
    this.req = req;
    this.resp = resp;
    this.lines = lines;
    this.firstSequence = firstSequence;
    this.ended = ended;
    this.clock = clock;
    this.idleMs = idleMs;
    this.requestId = requestId;
  }

  /** Opens the client's stream (its head goes out at once) and relays the provider's. */
  void start() {
    out.setStatusCode(200)
        .setChunked(true)
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream; charset=utf-8")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
        .putHeader("x-accel-buffering", "no");
    resp.handler(this::chunk);
    resp.exceptionHandler(this::broken);
    resp.endHandler(v -> end());
    lastNanos = clock.nanoTime();
    idleTimer = clock.setTimer(idleMs, this::checkIdle);
    out.writeHead(); // the client knows at once that the stream is open
  }

  /**
   * Chunks only note when they arrived; the one timer is set again for the silence still missing
   * when it fires early, so a busy stream costs no timer per chunk.
   */
  private void checkIdle(long id) {
    idleTimer = -1;
    if (closed || out.closed() || out.ended()) {
      return;
    }
    if (paused) {
      lastNanos = clock.nanoTime(); // waiting for the client, not for the provider
    }
    long silentMs = (clock.nanoTime() - lastNanos) / 1_000_000;
    if (silentMs < idleMs) {
      idleTimer = clock.setTimer(Math.max(1, idleMs - silentMs), this::checkIdle);
      return;
    }
    stalled();
    req.reset(); // after the terminal event: the reset's own failure finds the stream closed
  }

  private void stalled() {
    fail(
        new OpenAiError(
            504,
            "The upstream provider's stream stalled. Request id: " + requestId + ".",
            "timeout_error",
            null,
            "upstream_stream_stalled",
            "stream_stalled"));
  }

  private void chunk(Buffer chunk) {
    lastNanos = clock.nanoTime();
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
      paused = true;
      resp.pause();
      out.drainHandler(
          d -> {
            paused = false;
            lastNanos = clock.nanoTime();
            resp.resume();
          });
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
    stopIdle();
    out.end(held.appendBuffer(lines.finish()));
    ended.ended(200, "success", null);
  }

  /**
   * The provider's stream failed: its HTTP client's own idle timeout (its {@code timeouts.total},
   * when shorter than {@code streamIdle}) is a stalled stream, anything else one broken off.
   */
  private void broken(Throwable err) {
    String text = String.valueOf(err.getMessage()).toLowerCase(java.util.Locale.ROOT);
    if (err instanceof java.util.concurrent.TimeoutException
        || err.getClass().getSimpleName().contains("Timeout")
        || text.contains("timeout")
        || text.contains("timed out")) {
      stalled();
      return;
    }
    fail(
        new OpenAiError(
            502,
            "The upstream provider's connection was lost mid-stream.",
            "upstream_error",
            null,
            "upstream_connection_lost",
            "stream_broken"));
  }

  private void stopIdle() {
    if (idleTimer >= 0) {
      clock.cancelTimer(idleTimer);
      idleTimer = -1;
    }
  }

  private void tooLong() {
    fail(
        new OpenAiError(
            502,
            "The upstream provider sent a stream event longer than " + MAX_EVENT_BYTES + " bytes.",
            "upstream_error",
            null,
            "bad_gateway",
            "bad_response"));
    req.reset(); // after the terminal event, as for a stalled stream
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
    stopIdle();
    held = Buffer.buffer();
    out.end(ResponsesFrontDoor.streamErrorEvent(error, firstSequence + relayed));
    ended.ended(200, "error", error.errorClass());
  }
}
