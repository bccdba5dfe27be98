package dev.switchboard.gateway.http;

import dev.switchboard.gateway.frontdoor.ResponsesFrontDoor;
import dev.switchboard.gateway.security.LineKeyScrubber;
import dev.switchboard.gateway.time.GatewayClock;
import dev.switchboard.gateway.upstream.SseDecoder;
import dev.switchboard.gateway.upstream.adapter.ResponsesFacts;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Relays a streamed retrieve ({@code GET /v1/responses/{id}?stream=true}) to the client as the
 * provider sends it: scrubbed line by line ({@link LineKeyScrubber}), each event passed on once it
 * is complete, with back-pressure. A stream the provider breaks off ends, as the gateway's own
 * {@code POST /v1/responses} streams do, with one terminal {@code error} event numbered after the
 * last event relayed (never a reset connection, and never after half an event); so does one that
 * stays silent longer than the provider's {@code timeouts.streamIdle}, whose request is then reset
 * (a stream paused because the client reads slowly is not silent), and one still going at the
 * request's deadline, with the {@code upstream_timeout} a stream cut there gets on every other
 * path. So does one the provider ends cleanly before its final event ({@link
 * ResponsesFacts#FINAL_STREAM_EVENTS}): a cut stream never looks complete — except a resume ({@code
 * starting_after}) the provider answers with no event at all, which is how it answers a client that
 * already had the final event. The client leaving is the caller's to handle (it resets the
 * provider's request).
 */
final class StoredResponseStream {

  /** How a relayed stream ended, for the call's accounting. */
  interface Ended {
    void ended(int status, String outcome, String errorClass);
  }

  /** Bound of one held (incomplete) event, as of one line: a hostile upstream cannot grow it. */
  static final int MAX_EVENT_BYTES = LineKeyScrubber.MAX_LINE_BYTES;

  /** The final event types as bytes, compared in place with an event's {@code event} field. */
  private static final byte[][] FINAL_EVENTS =
      ResponsesFacts.FINAL_STREAM_EVENTS.stream()
          .map(t -> t.getBytes(StandardCharsets.US_ASCII))
          .toArray(byte[][]::new);

  /** How a Responses event's data opens when its {@code type} comes first, as OpenAI sends it. */
  private static final byte[] TYPE_OPENING = "{\"type\":\"".getBytes(StandardCharsets.US_ASCII);

  private final HttpServerResponse out;
  private final HttpClientRequest req;
  private final HttpClientResponse resp;
  private final LineKeyScrubber lines;
  private final long firstSequence;
  private final Ended ended;
  private final GatewayClock clock;
  private final long idleMs;
  private final String requestId;
  private final Runnable firstEvent;
  private final long deadlineNanos;
  private final Supplier<OpenAiError> pastDeadline;
  private boolean firstEventTold;

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

  /** Whether the open event has an {@code event} field, and the final type it names (or null). */
  private boolean eventNamed;

  private String eventFinalType;

  /** The type of the final event relayed; null while none was. */
  private String finalType;

  /** Events relayed whole. */
  private long relayed;

  private boolean closed;

  /**
   * @param firstSequence the {@code sequence_number} of the first event the provider sends: 0, or
   *     one past the client's {@code starting_after}
   * @param idleMs the provider's {@code timeouts.streamIdle}: the longest silence allowed
   * @param requestId the call's request id, quoted in the stalled stream's error message
   * @param firstEvent told once, when the first whole event went to the client (its time to first
   *     token)
   * @param deadlineNanos when the stream must have ended, on {@code clock}: the request's deadline
   *     (the gateway's maximum, or less with {@code x-switchboard-timeout-ms})
   * @param pastDeadline the error that ends a stream still going at {@code deadlineNanos}
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
      String requestId,
      Runnable firstEvent,
      long deadlineNanos,
      Supplier<OpenAiError> pastDeadline) {
    this.out = out;
    this.req = req;
    this.resp = resp;
    this.lines = lines;
    this.firstSequence = firstSequence;
    this.ended = ended;
    this.clock = clock;
    this.idleMs = idleMs;
    this.requestId = requestId;
    this.firstEvent = firstEvent;
    this.deadlineNanos = deadlineNanos;
    this.pastDeadline = pastDeadline;
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
    idleTimer = clock.setTimer(nextCheckMs(idleMs), this::checkIdle);
    out.writeHead(); // the client knows at once that the stream is open
  }

  /**
   * Chunks only note when they arrived; the one timer is set again for the silence still missing
   * when it fires early, so a busy stream costs no timer per chunk. The same timer watches the
   * deadline: it never sleeps past it.
   */
  private void checkIdle(long id) {
    idleTimer = -1;
    if (closed || out.closed() || out.ended()) {
      return;
    }
    if (clock.nanoTime() >= deadlineNanos) {
      fail(pastDeadline.get());
      req.reset(); // after the terminal event, as for a stalled stream
      return;
    }
    if (paused) {
      lastNanos = clock.nanoTime(); // waiting for the client, not for the provider
    }
    long silentMs = (clock.nanoTime() - lastNanos) / 1_000_000;
    if (silentMs < idleMs) {
      idleTimer = clock.setTimer(nextCheckMs(idleMs - silentMs), this::checkIdle);
      return;
    }
    stalled();
    req.reset(); // after the terminal event: the reset's own failure finds the stream closed
  }

  /** {@code silenceLeftMs}, or less when the deadline comes first; at least 1 ms. */
  private long nextCheckMs(long silenceLeftMs) {
    long deadlineLeftMs = (deadlineNanos - clock.nanoTime() + 999_999) / 1_000_000;
    return Math.max(1, Math.min(silenceLeftMs, deadlineLeftMs));
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
      if (!firstEventTold && relayed > 0) {
        firstEventTold = true;
        firstEvent.run();
      }
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
          if (eventFinalType != null) {
            finalType = eventFinalType;
          }
        }
        eventHasData = false;
        eventNamed = false;
        eventFinalType = null;
        complete = i + 1;
      } else if (isField(lineStart, i, DATA)) {
        eventHasData = true;
        if (!eventNamed && eventFinalType == null) {
          eventFinalType = finalTypeOfData(valueStart(lineStart, i, DATA.length), i);
        }
      } else if (isField(lineStart, i, EVENT)) {
        eventNamed = true;
        eventFinalType = finalType(valueStart(lineStart, i, EVENT.length), i, 0);
      }
      lineStart = i + 1;
    }
    return complete;
  }

  private static final byte[] DATA = {'d', 'a', 't', 'a'};
  private static final byte[] EVENT = {'e', 'v', 'e', 'n', 't'};

  /** Whether the line {@code [start, end)} of {@link #held} is the field {@code name}. */
  private boolean isField(int start, int end, byte[] name) {
    if (end - start < name.length) {
      return false;
    }
    for (int k = 0; k < name.length; k++) {
      if (held.getByte(start + k) != name[k]) {
        return false;
      }
    }
    return end - start == name.length || held.getByte(start + name.length) == ':';
  }

  /** Where the value of a field line starting at {@code start} begins (after ':' and one space). */
  private int valueStart(int start, int end, int nameLength) {
    int at = Math.min(end, start + nameLength + 1);
    return at < end && held.getByte(at) == ' ' ? at + 1 : at;
  }

  /**
   * The final event type that {@code [start, end)} of {@link #held} holds from its offset {@code
   * skip}, followed by {@code end} or (with {@code skip > 0}, inside JSON) a closing quote; null
   * when it names none. Compared in place: the events of a busy stream cost no allocation.
   */
  private String finalType(int start, int end, int skip) {
    for (int t = 0; t < FINAL_EVENTS.length; t++) {
      byte[] type = FINAL_EVENTS[t];
      int from = start + skip;
      int after = from + type.length;
      if (after > end || (skip == 0 ? after != end : held.getByte(after) != '"')) {
        continue;
      }
      boolean same = true;
      for (int k = 0; k < type.length && same; k++) {
        same = held.getByte(from + k) == type[k];
      }
      if (same) {
        return ResponsesFacts.FINAL_STREAM_EVENTS.get(t);
      }
    }
    return null;
  }

  /**
   * The final event type an unnamed event's data {@code [start, end)} carries: read in place when
   * its {@code type} comes first (as OpenAI writes it), else from the parsed data (a provider that
   * orders its fields otherwise: rare, and only then parsed).
   */
  private String finalTypeOfData(int start, int end) {
    boolean typeFirst = end - start > TYPE_OPENING.length;
    for (int k = 0; k < TYPE_OPENING.length && typeFirst; k++) {
      typeFirst = held.getByte(start + k) == TYPE_OPENING[k];
    }
    if (typeFirst) {
      return finalType(start, end, TYPE_OPENING.length);
    }
    String type = ResponsesFacts.eventType(held.getString(start, end, "UTF-8"));
    return type != null && ResponsesFacts.FINAL_STREAM_EVENTS.contains(type) ? type : null;
  }

  private void end() {
    if (closed || out.ended() || out.closed()) {
      return;
    }
    held.appendBuffer(lines.finish());
    relayOpenEvent();
    if (finalType == null && !(relayed == 0 && firstSequence > 0)) {
      // Ended cleanly, but before the final event: cut short as surely as a reset would have.
      // Not a resume with nothing after it: a client resuming past the final event (it had them
      // all when its connection broke) is sent no event and the stream closed, as OpenAI does.
      fail(ErrorMapping.streamTruncated());
      return;
    }
    closed = true;
    stopIdle();
    out.end(held.appendBuffer(lines.finish()));
    if (ResponsesFacts.failedEnd(finalType)) {
      // The provider's own failure event ended it, as a relayed stream's error event does.
      ended.ended(200, "error", "upstream_stream_error");
    } else {
      ended.ended(200, "success", null);
    }
  }

  /**
   * The provider closed its stream with an event still open in {@link #held}: its blank line
   * missing, perhaps its last line end too (a server ending its body with {@code data: {…}\n}).
   * Whole — its data one complete JSON object ({@link SseDecoder#finish()}'s rule) — it is what the
   * provider meant as its last event: the missing line ends are added, so the client's own parser
   * dispatches it too, and it goes out and counts as relayed (a final event then ends the stream
   * complete). Cut short, it stays held, and is dropped by the truncation that follows.
   */
  private void relayOpenEvent() {
    if (held.length() == 0) {
      return;
    }
    List<String> data = new ArrayList<>(1);
    SseDecoder event = new SseDecoder(data::add);
    event.feed(held.getBytes());
    event.finish();
    if (data.isEmpty()) {
      return; // cut short, or no data at all (comments, a lone event name)
    }
    int from = held.length();
    if (held.length() > lineStart) {
      held.appendString("\n"); // the open last line ends
    } else if (lastWasCr) {
      held.appendString("\r"); // a bare CR ended it: an LF would only complete a CRLF
    }
    held.appendString("\n"); // the blank line that ends the event
    scan(from);
    out.write(held);
    held = Buffer.buffer();
    lineStart = 0;
    if (!firstEventTold && relayed > 0) {
      firstEventTold = true;
      firstEvent.run();
    }
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
    fail(ErrorMapping.streamConnectionLost());
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
