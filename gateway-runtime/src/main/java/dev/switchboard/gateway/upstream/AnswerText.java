package dev.switchboard.gateway.upstream;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * How many characters of answer text a whole (non-streamed) answer holds: what the gateway
 * estimates its output tokens from when the provider reported no usage, as it counts a stream's
 * relayed text. The same text as a stream's: content, reasoning (billed as output), refusal,
 * tool-call names and arguments — in chat's first choice's {@code message}, a Response's {@code
 * output} items, an Anthropic Message's {@code content} blocks (a {@code tool_use} block's {@code
 * input} by its keys and string values). Ids, types, roles, signatures and encrypted reasoning are
 * not answer text; a chat message's {@code thinking_blocks} repeat its {@code reasoning_content}
 * and are left out, and its {@code reasoning} counts only without a {@code reasoning_content}, as
 * in a stream's deltas. Read only for an answer without usage: one pass of a streaming parser, no
 * tree.
 */
public final class AnswerText {

  private static final JsonFactory JSON = new JsonFactory();

  private AnswerText() {}

  /** Characters of answer text in {@code body}, an answer in {@code format}; 0 when unreadable. */
  public static long chars(byte[] body, Operation format) {
    String answer =
        switch (format) {
          case CHAT_COMPLETIONS -> "choices";
          case RESPONSES -> "output";
          case MESSAGES -> "content";
          default -> null; // embeddings and token counts have no answer text
        };
    if (answer == null) {
      return 0;
    }
    try (JsonParser p = JSON.createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return 0;
      }
      long chars = 0;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (answer.equals(name) && value == JsonToken.START_ARRAY) {
          chars += format == Operation.CHAT_COMPLETIONS ? firstMessage(p) : text(p, false);
        } else {
          p.skipChildren();
        }
      }
      return chars;
    } catch (IOException unreadable) {
      return 0;
    }
  }

  /** The text of the first choice's {@code message} (the parser at the start of the choices). */
  private static long firstMessage(JsonParser p) throws IOException {
    long chars = 0;
    JsonToken element = p.nextToken();
    if (element == JsonToken.START_OBJECT) {
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if ("message".equals(name) && value == JsonToken.START_OBJECT) {
          chars += text(p, true);
        } else {
          p.skipChildren();
        }
      }
      element = p.nextToken();
    }
    while (element != JsonToken.END_ARRAY && element != null) {
      p.skipChildren();
      element = p.nextToken();
    }
    return chars;
  }

  /**
   * The answer text inside the object or array the parser is at the start of, which it leaves at
   * its end: the string values of the text fields, at any depth. In a chat {@code message} its
   * reasoning is counted once, as a stream's is: {@code reasoning_content}, else {@code reasoning}
   * (some vLLM versions send both, with the same text).
   */
  private static long text(JsonParser p, boolean chatMessage) throws IOException {
    long chars = 0;
    long reasoningContent = -1;
    long reasoning = -1;
    int depth = 1;
    while (depth > 0) {
      JsonToken token = p.nextToken();
      if (token == null) {
        break;
      }
      switch (token) {
        case START_OBJECT, START_ARRAY -> {
          String name = p.currentName();
          if ("thinking_blocks".equals(name)) {
            p.skipChildren();
          } else if ("input".equals(name) && token == JsonToken.START_OBJECT) {
            chars += everything(p);
          } else {
            depth++;
          }
        }
        case END_OBJECT, END_ARRAY -> depth--;
        case VALUE_STRING -> {
          String name = p.currentName();
          if (chatMessage && depth == 1 && "reasoning_content".equals(name)) {
            reasoningContent = Math.max(0, reasoningContent) + p.getTextLength();
          } else if (chatMessage && depth == 1 && "reasoning".equals(name)) {
            reasoning = Math.max(0, reasoning) + p.getTextLength();
          } else if (isText(name)) {
            chars += p.getTextLength();
          }
        }
        default -> {}
      }
    }
    return chars + (reasoningContent >= 0 ? reasoningContent : Math.max(0, reasoning));
  }

  /** Keys and string values of the object the parser is at the start of (a tool call's input). */
  private static long everything(JsonParser p) throws IOException {
    long chars = 0;
    int depth = 1;
    while (depth > 0) {
      JsonToken token = p.nextToken();
      if (token == null) {
        return chars;
      }
      switch (token) {
        case START_OBJECT, START_ARRAY -> depth++;
        case END_OBJECT, END_ARRAY -> depth--;
        case FIELD_NAME, VALUE_STRING -> chars += p.getTextLength();
        default -> chars += token.isScalarValue() ? p.getText().length() : 0;
      }
    }
    return chars;
  }

  private static boolean isText(String name) {
    if (name == null) {
      return false;
    }
    return switch (name) {
      case "content",
          "text",
          "reasoning_content",
          "reasoning",
          "thinking",
          "refusal",
          "name",
          "arguments" ->
          true;
      default -> false;
    };
  }
}
