package dev.switchboard.gateway.upstream;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.switchboard.gateway.refusal.RefusalDetector;
import dev.switchboard.gateway.request.Refusals;
import dev.switchboard.gateway.request.TokenUsage;
import java.io.IOException;
import java.nio.CharBuffer;

/**
 * What the gateway reads from a successful non-streaming answer: the model version and fingerprint
 * the provider reports, the first choice's finish reason and whether it is a refusal, and the token
 * usage. The answer's bytes go to the client unchanged; these few fields are found in one pass of a
 * streaming parser over them, without building a tree (an embeddings answer is mostly numbers the
 * gateway never needs to look at).
 *
 * @param refused the first choice was refused ({@code finish_reason: content_filter}, a non-empty
 *     {@code refusal} in its {@code message}, or a {@code message.content} opening with a
 *     plain-text refusal); see {@code Refusals}
 * @param chunkedContent the first choice's {@code message.content} is an array of chunks, not a
 *     string (Mistral's reasoning models: {@code thinking} chunks, then {@code text} ones), which
 *     the adapter of Mistral and openai-compatible targets turns into chat's form; noted in the
 *     same pass, so it costs nothing
 */
public record ReplySummary(
    String model,
    String systemFingerprint,
    String finishReason,
    boolean refused,
    TokenUsage usage,
    boolean chunkedContent) {

  /** The facts of an answer whose content, if any, is a string. */
  public ReplySummary(
      String model,
      String systemFingerprint,
      String finishReason,
      boolean refused,
      TokenUsage usage) {
    this(model, systemFingerprint, finishReason, refused, usage, false);
  }

  private static final JsonFactory JSON = new JsonFactory();

  /** Why a 2xx body is not a usable answer. */
  public static final class BadReply extends Exception {
    /** A reply that is not usable, and why ({@code problem} names what was found). */
    public BadReply(String problem) {
      super(problem, null, false, false);
    }
  }

  /**
   * Reads a 2xx body of {@code op}.
   *
   * @throws BadReply when the body is not a JSON object, carries an {@code error} object, or lacks
   *     the operation's array ({@code choices}, or {@code data} for embeddings); the message says
   *     which
   */
  public static ReplySummary scan(byte[] body, Operation op) throws BadReply {
    String listField = op == Operation.EMBEDDINGS ? "data" : "choices";
    boolean hasList = false;
    boolean hasError = false;
    String model = null;
    String fingerprint = null;
    TokenUsage usage = null;
    FirstChoice first = FirstChoice.NONE;
    try (JsonParser p = JSON.createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new BadReply("a body that is not a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        switch (name) {
          case "error" -> hasError |= value == JsonToken.START_OBJECT;
          case "model" -> model = scalar(p, value);
          case "system_fingerprint" -> fingerprint = scalar(p, value);
          case "usage" -> {
            if (value == JsonToken.START_OBJECT) {
              usage = usage(p);
              continue;
            }
          }
          default -> {
            if (name.equals(listField) && value == JsonToken.START_ARRAY) {
              hasList = true;
              if (op != Operation.EMBEDDINGS) {
                first = firstChoice(p);
                continue;
              }
            }
          }
        }
        p.skipChildren();
      }
    } catch (IOException e) {
      throw new BadReply("a body that is not a JSON object");
    }
    if (hasError) {
      throw new BadReply("an error object");
    }
    if (!hasList) {
      throw new BadReply("no '" + listField + "' array");
    }
    return new ReplySummary(
        model, fingerprint, first.finishReason, first.refused, usage, first.chunked);
  }

  private record FirstChoice(String finishReason, boolean refused, boolean chunked) {
    static final FirstChoice NONE = new FirstChoice(null, false, false);
  }

  /** What {@link #messageFacts} found: a refusal. */
  private static final int REFUSAL = 1;

  /** What {@link #messageFacts} found: a {@code content} that is an array of chunks. */
  private static final int CHUNKED = 2;

  /** Reads the first element of an array the parser is at the start of, and skips the rest. */
  private static FirstChoice firstChoice(JsonParser p) throws IOException {
    FirstChoice first = FirstChoice.NONE;
    JsonToken element = p.nextToken();
    if (element == JsonToken.START_OBJECT) {
      String finish = null;
      int facts = 0;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if ("finish_reason".equals(name)) {
          finish = scalar(p, value);
        } else if (("message".equals(name) || "delta".equals(name))
            && value == JsonToken.START_OBJECT) {
          facts |= messageFacts(p, "message".equals(name));
          continue;
        }
        p.skipChildren();
      }
      first =
          new FirstChoice(
              finish,
              (facts & REFUSAL) != 0 || "content_filter".equals(finish),
              (facts & CHUNKED) != 0);
      element = p.nextToken();
    }
    while (element != JsonToken.END_ARRAY && element != null) {
      p.skipChildren();
      element = p.nextToken();
    }
    return first;
  }

  /**
   * {@link #REFUSAL} when a message object (the parser at its start) carries a non-empty {@code
   * refusal} or, when {@code readContent}, a {@code content} that opens with a plain-text refusal;
   * {@link #CHUNKED} when its {@code content} is an array. Only the opening is judged, through a
   * view of the parser's buffer: no copy of the answer is made.
   */
  private static int messageFacts(JsonParser p, boolean readContent) throws IOException {
    boolean refusal = false;
    boolean chunked = false;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken value = p.nextToken();
      if (value == JsonToken.START_ARRAY && "content".equals(name)) {
        chunked = true;
      } else if (value == JsonToken.VALUE_STRING) {
        if ("refusal".equals(name)) {
          refusal |= p.getTextLength() > 0;
        } else if (readContent && "content".equals(name) && !refusal) {
          int length = Math.min(p.getTextLength(), RefusalDetector.MAX_CHARS);
          refusal =
              Refusals.isTextRefusal(
                  CharBuffer.wrap(p.getTextCharacters(), p.getTextOffset(), length));
        }
      }
      p.skipChildren();
    }
    return (refusal ? REFUSAL : 0) | (chunked ? CHUNKED : 0);
  }

  /** Reads an OpenAI {@code usage} object the parser is at the start of. */
  private static TokenUsage usage(JsonParser p) throws IOException {
    long input = 0;
    long output = 0;
    long cached = 0;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken value = p.nextToken();
      switch (name) {
        case "prompt_tokens" -> input = p.getValueAsLong(0);
        case "completion_tokens" -> output = p.getValueAsLong(0);
        case "prompt_tokens_details" -> {
          if (value == JsonToken.START_OBJECT) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              String detail = p.currentName();
              p.nextToken();
              if ("cached_tokens".equals(detail)) {
                cached = p.getValueAsLong(0);
              }
              p.skipChildren();
            }
            continue;
          }
        }
        default -> {}
      }
      p.skipChildren();
    }
    return new TokenUsage(input, output, cached);
  }

  /** A scalar value as text (null for JSON null, objects and arrays). */
  private static String scalar(JsonParser p, JsonToken value) throws IOException {
    return value.isScalarValue() && value != JsonToken.VALUE_NULL ? p.getText() : null;
  }
}
