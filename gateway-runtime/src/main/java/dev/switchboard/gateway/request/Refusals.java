package dev.switchboard.gateway.request;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Recognises a refusal in one choice of an OpenAI-shaped answer: {@code finish_reason:
 * content_filter}, or a non-empty {@code refusal} in the choice's {@code message} (non-streaming)
 * or {@code delta} (a streamed chunk). Refusal rates are one of the canary analysis criteria.
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
        || nonEmpty(choice.path("delta").get("refusal"));
  }

  private static boolean nonEmpty(JsonNode refusal) {
    return refusal != null && refusal.isTextual() && !refusal.asText().isEmpty();
  }
}
