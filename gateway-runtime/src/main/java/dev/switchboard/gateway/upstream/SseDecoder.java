package dev.switchboard.gateway.upstream;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Incremental Server-Sent Events decoder: feed it bytes as they arrive in any fragmentation and it
 * emits the {@code data} of every complete event (multi-line data joined with {@code \n}).
 * Comments, {@code event:}, {@code id:} and {@code retry:} fields are ignored because the OpenAI
 * wire format carries everything in {@code data}. Follows the WHATWG parsing rules: LF, CRLF and CR
 * line endings, one leading UTF-8 byte order mark ignored. An event whose data is empty (a bare
 * {@code data:}, which some providers send as a keep-alive) carries nothing and is not emitted.
 *
 * <p>At the end of the stream ({@link #finish()}) it departs from the spec, which discards an event
 * that lacks its terminating blank line: a last event that is whole ({@code [DONE]} or one complete
 * JSON object) is emitted, because servers that end their body with {@code data: [DONE]\n} — or
 * without even its line end — and close meant it as their end; only a cut event is left out.
 */
public final class SseDecoder {

  /** Upper bound of one pending line, so a hostile upstream cannot make us buffer forever. */
  public static final int MAX_LINE_BYTES = 16 * 1024 * 1024;

  private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

  private static final JsonFactory JSON = new JsonFactory();

  private final Consumer<String> onData;
  private final StringBuilder data = new StringBuilder();
  private byte[] line = new byte[1024];
  private int lineLength;
  private boolean hasData;
  private boolean lastWasCr;

  /**
   * How many bytes of a leading byte order mark arrived so far; -1 once past the stream's start.
   */
  private int bomBytes;

  public SseDecoder(Consumer<String> onData) {
    this.onData = onData;
  }

  /** A single line of the input exceeds {@link #MAX_LINE_BYTES}. */
  public static final class LineTooLong extends IllegalStateException {
    LineTooLong() {
      super("SSE line longer than " + MAX_LINE_BYTES + " bytes");
    }
  }

  /**
   * Feeds bytes; the events completed on the way go to the consumer, whose exceptions pass through.
   *
   * @throws LineTooLong when a single line exceeds {@link #MAX_LINE_BYTES}
   */
  public void feed(byte[] bytes) {
    int from = bomBytes < 0 ? 0 : skipBom(bytes);
    for (int i = from; i < bytes.length; i++) {
      byte b = bytes[i];
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

  /**
   * Where {@code bytes} go on after the part of a leading byte order mark they hold (which may come
   * split over several reads); the bytes of a start that turns out to be no mark are kept as data.
   */
  private int skipBom(byte[] bytes) {
    int i = 0;
    while (i < bytes.length && bomBytes < BOM.length) {
      if (bytes[i] != BOM[bomBytes]) {
        for (int k = 0; k < bomBytes; k++) {
          append(BOM[k]);
        }
        bomBytes = -1;
        return i;
      }
      bomBytes++;
      i++;
    }
    if (bomBytes == BOM.length) {
      bomBytes = -1;
    }
    return i;
  }

  /**
   * The upstream closed the stream: the line in progress ends there (as the official SDKs' line
   * decoders flush their last line), and the pending event is emitted when it is whole — its data
   * {@code [DONE]} or exactly one complete JSON object, the end of every provider's stream — though
   * no blank line followed it. An event cut short (a JSON line missing its end) is not emitted and
   * {@link #hasPartialEvent()} stays true: the stream was truncated. Exceptions of the consumer
   * pass through, as in {@link #feed}. Nothing is to be fed afterwards.
   *
   * <p>The spec (and the OpenAI and Anthropic SDKs, whose stream then just ends without its last
   * event) drops such an event; the gateway relays it instead, framed whole for its client, so an
   * answer the upstream completed is not counted as a truncation.
   */
  public void finish() {
    if (lineLength > 0) {
      endLine();
    }
    if (hasData && (data.length() == 0 || whole(data.toString()))) {
      dispatch();
    }
  }

  /** Whether {@code data} is a whole event: {@code [DONE]} or exactly one complete JSON object. */
  static boolean whole(String data) {
    String text = data.strip();
    if ("[DONE]".equals(text)) {
      return true;
    }
    if (!text.startsWith("{") || !text.endsWith("}")) {
      return false;
    }
    try (JsonParser parser = JSON.createParser(text)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return false;
      }
      parser.skipChildren();
      return parser.nextToken() == null;
    } catch (IOException e) {
      return false;
    }
  }

  /** Whether the input so far ended in the middle of an event (bytes not yet dispatched). */
  public boolean hasPartialEvent() {
    return hasData || lineLength > 0;
  }

  private void append(byte b) {
    if (lineLength == line.length) {
      if (line.length >= MAX_LINE_BYTES) {
        throw new LineTooLong();
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
      hasData = false;
      if (data.length() == 0) {
        return; // a keep-alive: nothing to relay, and no event that is not JSON
      }
      String event = data.toString();
      data.setLength(0);
      onData.accept(event);
    }
  }
}
