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
   * Reads with a streaming parser and stops after the {@code choices} array.
   */
  public void appendStreamedChunk(String chunkJson) {
    if (isFull() || chunkJson == null || chunkJson.indexOf("\"content\"") < 0) {
      return; // most chunks without content (role, finish, usage) never reach the parser
    }
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
