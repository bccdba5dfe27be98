package dev.switchboard.mock.sse;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * An incremental {@code text/event-stream} parser following the WHATWG rules: lines end in {@code
 * \n}, {@code \r\n} or {@code \r}; {@code data:} lines accumulate (one leading space is stripped);
 * comment lines start with {@code :}; a blank line dispatches the event; an event still being
 * accumulated when the stream ends is not dispatched (see {@link #hasIncompleteEvent()}).
 *
 * <p>Feed bytes as they arrive ({@link #feed(byte[])}, split anywhere, even inside a UTF-8
 * sequence) or text ({@link #feed(String)}). Not thread-safe.
 */
public final class SseParser {

  private final CharsetDecoder decoder =
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPLACE)
          .onUnmappableCharacter(CodingErrorAction.REPLACE);
  private ByteBuffer pendingBytes = ByteBuffer.allocate(0);
  private final StringBuilder line = new StringBuilder();
  private final StringBuilder data = new StringBuilder();
  private boolean dataSeen;
  private boolean fieldSeen;
  private String eventType;
  private String lastId;
  private boolean lastWasCr;

  /** Parses a complete body at once. */
  public static List<SseEvent> parseAll(String body) {
    return new SseParser().feed(body);
  }

  /** Consumes raw bytes and returns the events they complete. */
  public List<SseEvent> feed(byte[] bytes) {
    ByteBuffer in = ByteBuffer.allocate(pendingBytes.remaining() + bytes.length);
    in.put(pendingBytes).put(bytes).flip();
    CharBuffer out = CharBuffer.allocate(in.remaining() + 1);
    decoder.decode(in, out, false);
    // Bytes of a UTF-8 sequence split across reads wait for the next call.
    pendingBytes = ByteBuffer.allocate(in.remaining()).put(in).flip();
    out.flip();
    return feed(out.toString());
  }

  /** Consumes text and returns the events it completes. */
  public List<SseEvent> feed(String text) {
    List<SseEvent> events = new ArrayList<>();
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\n' && lastWasCr) {
        lastWasCr = false;
        continue;
      }
      lastWasCr = c == '\r';
      if (c == '\n' || c == '\r') {
        processLine(line.toString(), events);
        line.setLength(0);
      } else {
        line.append(c);
      }
    }
    return events;
  }

  /**
   * True when the input ended inside an event (a partial line or fields without the blank line that
   * dispatches them) — a truncated stream.
   */
  public boolean hasIncompleteEvent() {
    return line.length() > 0 || fieldSeen || pendingBytes.hasRemaining();
  }

  private void processLine(String l, List<SseEvent> events) {
    if (l.isEmpty()) {
      if (dataSeen) {
        events.add(new SseEvent(eventType, data.toString(), lastId));
      }
      data.setLength(0);
      dataSeen = false;
      fieldSeen = false;
      eventType = null;
      return;
    }
    if (l.charAt(0) == ':') {
      return;
    }
    int colon = l.indexOf(':');
    String field = colon < 0 ? l : l.substring(0, colon);
    String value = colon < 0 ? "" : l.substring(colon + 1);
    if (value.startsWith(" ")) {
      value = value.substring(1);
    }
    fieldSeen = true;
    switch (field) {
      case "data" -> {
        if (dataSeen) {
          data.append('\n');
        }
        data.append(value);
        dataSeen = true;
      }
      case "event" -> eventType = value;
      case "id" -> {
        if (value.indexOf('\0') < 0) {
          lastId = value;
        }
      }
      default -> {
        // "retry" and unknown fields do not affect the events.
      }
    }
  }
}
