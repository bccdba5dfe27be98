package dev.switchboard.gateway.upstream;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Incremental Server-Sent Events decoder: feed it bytes as they arrive in any fragmentation and it
 * emits the {@code data} of every complete event (multi-line data joined with {@code \n}).
 * Comments, {@code event:}, {@code id:} and {@code retry:} fields are ignored because the OpenAI
 * wire format carries everything in {@code data}. Accepts LF, CRLF and CR line endings.
 */
public final class SseDecoder {

  /** Upper bound of one pending line, so a hostile upstream cannot make us buffer forever. */
  public static final int MAX_LINE_BYTES = 16 * 1024 * 1024;

  private final Consumer<String> onData;
  private final StringBuilder data = new StringBuilder();
  private byte[] line = new byte[1024];
  private int lineLength;
  private boolean hasData;
  private boolean lastWasCr;

  public SseDecoder(Consumer<String> onData) {
    this.onData = onData;
  }

  /**
   * Feeds bytes.
   *
   * @throws IllegalStateException when a single line exceeds {@link #MAX_LINE_BYTES}
   */
  public void feed(byte[] bytes) {
    for (byte b : bytes) {
      if (b == '\n') {
        if (lastWasCr) {
          lastWasCr = false; // the LF of a CRLF pair: the line already ended at CR
          continue;
        }
        endLine();
      } else if (b == '\r') {
        lastWasCr = true;
        endLine();
      } else {
        lastWasCr = false;
        append(b);
      }
    }
  }

  /** Whether the input so far ended in the middle of an event (bytes not yet dispatched). */
  public boolean hasPartialEvent() {
    return hasData || lineLength > 0;
  }

  private void append(byte b) {
    if (lineLength == line.length) {
      if (line.length >= MAX_LINE_BYTES) {
        throw new IllegalStateException("SSE line longer than " + MAX_LINE_BYTES + " bytes");
      }
      line = java.util.Arrays.copyOf(line, Math.min(line.length * 2, MAX_LINE_BYTES));
    }
    line[lineLength++] = b;
  }

  private void endLine() {
    if (lineLength == 0) {
      dispatch();
      return;
    }
    String text = new String(line, 0, lineLength, StandardCharsets.UTF_8);
    lineLength = 0;
    if (text.startsWith(":")) {
      return;
    }
    int colon = text.indexOf(':');
    String field = colon < 0 ? text : text.substring(0, colon);
    if (!"data".equals(field)) {
      return;
    }
    String value = colon < 0 ? "" : text.substring(colon + 1);
    if (value.startsWith(" ")) {
      value = value.substring(1);
    }
    if (hasData) {
      data.append('\n');
    }
    data.append(value);
    hasData = true;
  }

  private void dispatch() {
    if (hasData) {
      String event = data.toString();
      data.setLength(0);
      hasData = false;
      onData.accept(event);
    }
  }
}
