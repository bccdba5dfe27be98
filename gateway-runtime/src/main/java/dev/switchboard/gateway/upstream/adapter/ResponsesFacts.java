package dev.switchboard.gateway.upstream.adapter;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.gateway.request.TokenUsage;
import dev.switchboard.gateway.upstream.ReplySummary;
import java.util.List;

/**
 * Reads the gateway's facts from an OpenAI Responses API {@code Response} object (a JSON answer, or
 * the {@code response} of a stream's {@code response.created}/{@code response.completed} events):
 * model, usage with cached input tokens, an equivalent of chat's finish reason and whether the
 * answer is a refusal.
 */
public final class ResponsesFacts {

  private ResponsesFacts() {}

  /**
   * The types of the events that end a Responses stream (nothing follows them): the response
   * finished ({@code response.completed}, {@code response.incomplete}) or failed ({@code
   * response.failed}, {@code error}). A stream that ends before one of them was cut short.
   */
  public static final List<String> FINAL_STREAM_EVENTS =
      List.of("response.completed", "response.incomplete", "response.failed", "error");

  /** Whether a stream ending with an event of {@code type} ended in the response's failure. */
  public static boolean failedEnd(String type) {
    return "response.failed".equals(type) || "error".equals(type);
  }

  /** The {@code type} of a Responses stream event's data; null when it is not a JSON object. */
  public static String eventType(String data) {
    JsonNode event = OpenAiAdapter.parse(data);
    return event == null || !event.isObject() ? null : OpenAiAdapter.textOrNull(event.get("type"));
  }

  /** The facts of a Response object. */
  public static ReplySummary summary(JsonNode response) {
    return new ReplySummary(
        OpenAiAdapter.textOrNull(response.get("model")),
        null,
        finishReason(response),
        refused(response),
        usage(response.get("usage")));
  }

  /** A Responses {@code usage} object ({@code input_tokens}, ...) as token counts; null if none. */
  public static TokenUsage usage(JsonNode usage) {
    if (usage == null || !usage.isObject()) {
      return null;
    }
    return new TokenUsage(
        usage.path("input_tokens").asLong(0),
        usage.path("output_tokens").asLong(0),
        usage.path("input_tokens_details").path("cached_tokens").asLong(0));
  }

  /**
   * Chat's finish reason for the same outcome, for the request log and metrics: {@code tool_calls}
   * when the output calls a function, {@code length} or {@code content_filter} for an incomplete
   * answer, {@code stop} otherwise; null while the response is not finished.
   */
  static String finishReason(JsonNode response) {
    String status = response.path("status").asText("");
    if ("incomplete".equals(status)) {
      String reason = response.path("incomplete_details").path("reason").asText("");
      return "content_filter".equals(reason) ? "content_filter" : "length";
    }
    if (!"completed".equals(status)) {
      return null;
    }
    for (JsonNode item : response.path("output")) {
      if ("function_call".equals(item.path("type").asText())) {
        return "tool_calls";
      }
    }
    return "stop";
  }

  private static boolean refused(JsonNode response) {
    for (JsonNode item : response.path("output")) {
      for (JsonNode part : item.path("content")) {
        if ("refusal".equals(part.path("type").asText())) {
          return true;
        }
      }
    }
    return "content_filter".equals(finishReason(response));
  }
}
