package dev.switchboard.gateway.refusal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * The first {@link RefusalDetector#MAX_CHARS} characters of one streamed answer's first choice,
 * collected from its content deltas so that {@link RefusalDetector} can run once when the stream
 * ends. Appending stops once the opening is full, so a long answer costs nothing after its first
 * few hundred characters; the buffer is allocated on the first content. One per stream, confined to
 * the thread (event loop) that relays it.
 */
public final class AnswerOpening {

  private static final JsonFactory JSON = new JsonFactory();

  private StringBuilder text;

  /** Whether the opening holds {@link RefusalDetector#MAX_CHARS} characters: stop feeding it. */
  public boolean isFull() {
    return text != null && text.length() >= RefusalDetector.MAX_CHARS;
  }

  /** Appends as much of {@code content} as still fits. */
  public void append(CharSequence content) {
    if (content != null) {
      append(content, 0, content.length());
    }
  }

  private void append(CharSequence content, int from, int to) {
    int room = RefusalDetector.MAX_CHARS - length();
    if (room <= 0 || to <= from) {
      return;
    }
    builder().append(content, from, Math.min(to, from + room));
  }

  private void append(char[] chars, int offset, int length) {
    int room = RefusalDetector.MAX_CHARS - length();
    if (room > 0 && length > 0) {
      builder().append(chars, offset, Math.min(length, room));
    }
  }

  private StringBuilder builder() {
    if (text == null) {
      text = new StringBuilder(RefusalDetector.MAX_CHARS);
    }
    return text;
  }

  private int length() {
    return text == null ? 0 : text.length();
  }

  /** The collected opening (empty when no content arrived). */
  public String text() {
    return text == null ? "" : text.toString();
  }

  /** Whether the collected opening is a refusal, by {@link RefusalDetector#standard()}. */
  public boolean isRefusal() {
    return text != null && RefusalDetector.standard().isRefusal(text);
  }

  /**
   * Appends the {@code delta.content} of the first choice ({@code index} 0, or no index) in one
   * streamed chat-completion chunk, given as its JSON text. Does nothing once full, and ignores
   * what is not such a chunk: whether a chunk is valid is the relay's business, not this one's.
   *
   * <p>The usual compact chunk (one {@code "content"} key, at most one {@code "index"}) is read by
   * scanning its text, without a parser or any allocation; any other shape (pretty-printed, several
   * choices, tool calls, logprobs) goes through a streaming parser that stops after {@code
   * choices}.
   */
  public void appendStreamedChunk(String chunkJson) {
    if (isFull() || chunkJson == null) {
      return;
    }
    int key = chunkJson.indexOf("\"content\"");
    if (key < 0) {
      return; // role, finish and usage chunks
    }
    int mark = length();
    if (!appendCompact(chunkJson, key)) {
      if (text != null) {
        text.setLength(mark);
      }
      appendParsed(chunkJson);
    }
  }

  /**
   * Reads the content of a compact single-choice chunk whose only {@code "content"} key starts at
   * {@code key}; false when the chunk has another shape and must be parsed.
   */
  private boolean appendCompact(String chunk, int key) {
    int after = key + "\"content\"".length();
    if (chunk.indexOf("\"content\"", after) >= 0) {
      return false;
    }
    int index = chunk.indexOf("\"index\":");
    if (index >= 0) {
      int digit = index + "\"index\":".length();
      if (index > key || chunk.indexOf("\"index\":", digit) >= 0 || digit + 1 >= chunk.length()) {
        return false;
      }
      char first = chunk.charAt(digit);
      boolean oneDigit = !Character.isDigit(chunk.charAt(digit + 1));
      if (first >= '1' && first <= '9') {
        return true; // another choice: nothing to collect
      }
      if (first != '0' || !oneDigit) {
        return false;
      }
    }
    if (chunk.startsWith(":null", after)) {
      return true;
    }
    return chunk.startsWith(":\"", after) && appendJsonString(chunk, after + 2);
  }

  /** Appends the JSON string body starting at {@code from}; false when it is not well-formed. */
  private boolean appendJsonString(String s, int from) {
    for (int i = from; i < s.length(); i++) {
      if (isFull()) {
        return true;
      }
      char c = s.charAt(i);
      if (c == '"') {
        return true;
      }
      if (c == '\\') {
        if (++i >= s.length()) {
          return false;
        }
        char escaped = s.charAt(i);
        switch (escaped) {
          case '"', '\\', '/' -> c = escaped;
          case 'b' -> c = '\b';
          case 'f' -> c = '\f';
          case 'n' -> c = '\n';
          case 'r' -> c = '\r';
          case 't' -> c = '\t';
          case 'u' -> {
            if (i + 4 >= s.length()) {
              return false;
            }
            int code = 0;
            for (int k = 1; k <= 4; k++) {
              int d = Character.digit(s.charAt(i + k), 16);
              if (d < 0) {
                return false;
              }
              code = code * 16 + d;
            }
            c = (char) code;
            i += 4;
          }
          default -> {
            return false;
          }
        }
      }
      builder().append(c);
    }
    return false; // no closing quote
  }

  private void appendParsed(String chunkJson) {
    try (JsonParser p = JSON.createParser(chunkJson)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if ("choices".equals(name) && value == JsonToken.START_ARRAY) {
          while (p.nextToken() == JsonToken.START_OBJECT) {
            choice(p);
          }
          return;
        }
        p.skipChildren();
      }
    } catch (IOException e) {
      // Not a JSON chunk: nothing to collect; the relay reports broken chunks itself.
    }
  }

  /** Reads one choice object (the parser at its start), keeping its content only for index 0. */
  private void choice(JsonParser p) throws IOException {
    int mark = length();
    boolean other = false;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken value = p.nextToken();
      if ("index".equals(name)) {
        other = value == JsonToken.VALUE_NUMBER_INT && p.getIntValue() != 0;
      } else if ("delta".equals(name) && value == JsonToken.START_OBJECT) {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String field = p.currentName();
          JsonToken v = p.nextToken();
          if ("content".equals(field) && v == JsonToken.VALUE_STRING && !other) {
            append(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
          }
          p.skipChildren();
        }
        continue;
      }
      p.skipChildren();
    }
    if (other && text != null) {
      text.setLength(mark); // the index came after the delta: not the first choice after all
    }
  }
}
