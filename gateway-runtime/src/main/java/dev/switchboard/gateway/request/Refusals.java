package dev.switchboard.gateway.request;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.gateway.refusal.RefusalDetector;

/**
 * Recognises a refusal in one choice of an OpenAI-shaped answer: {@code finish_reason:
 * content_filter}, a non-empty {@code refusal} in the choice's {@code message} (non-streaming) or
 * {@code delta} (a streamed chunk), or a {@code message.content} that opens with a plain-text
 * refusal ({@link RefusalDetector}). A streamed answer's text is judged once, at its end, from its
 * first characters ({@code AnswerOpening}), never per chunk. Refusal rates are one of the canary
 * analysis criteria.
 */
public final class Refusals {

  private Refusals() {}

  public static boolean isRefusal(JsonNode choice) {
    if (choice == null || !choice.isObject()) {
      return false;
    }
    JsonNode finish = choice.get("finish_reason");
    if (finish != null && "content_filter".equals(finish.asText())) {
      return true;
    }
    return nonEmpty(choice.path("message").get("refusal"))
        || nonEmpty(choice.path("delta").get("refusal"))
        || isTextRefusal(choice.path("message").get("content"));
  }

  /** Whether an answer's text, of which the opening suffices, is a plain-text refusal. */
  public static boolean isTextRefusal(CharSequence answer) {
    return RefusalDetector.standard().isRefusal(answer);
  }

  private static boolean isTextRefusal(JsonNode content) {
    return content != null && content.isTextual() && isTextRefusal(content.textValue());
  }

  private static boolean nonEmpty(JsonNode refusal) {
    return refusal != null && refusal.isTextual() && !refusal.asText().isEmpty();
  }
}
