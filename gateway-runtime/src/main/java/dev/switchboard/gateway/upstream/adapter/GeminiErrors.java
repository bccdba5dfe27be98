package dev.switchboard.gateway.upstream.adapter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.gateway.upstream.FailureKind;
import dev.switchboard.gateway.upstream.FailureScope;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;

/**
 * Google's error envelope {@code {"error":{"code","message","status","details"}}}: the canonical
 * status in OpenAI's vocabulary, and the facts in {@code details} the gateway acts on ({@code
 * RetryInfo.retryDelay}, {@code ErrorInfo.reason: API_KEY_INVALID}, a {@code QuotaFailure} for a
 * per-day quota).
 */
final class GeminiErrors {

  private static final ObjectMapper JSON = new ObjectMapper();

  private GeminiErrors() {}

  /** What one error object says. */
  record Google(
      int code,
      String status,
      String message,
      Long retryDelayMs,
      String reason,
      boolean perDayQuota) {

    /** The OpenAI error type the canonical status corresponds to. */
    String openAiType() {
      if (status == null) {
        return code >= 500 ? "server_error" : "invalid_request_error";
      }
      return switch (status) {
        case "INVALID_ARGUMENT", "FAILED_PRECONDITION", "OUT_OF_RANGE", "NOT_FOUND" ->
            "invalid_request_error";
        case "UNAUTHENTICATED", "PERMISSION_DENIED" -> "authentication_error";
        case "RESOURCE_EXHAUSTED" -> "rate_limit_error";
        default -> "server_error";
      };
    }

    /** Whether the error says the API key is not valid (Gemini answers that with 400). */
    boolean badKey() {
      return "API_KEY_INVALID".equals(reason);
    }

    /**
     * Whether the error says the model the gateway named is not there ({@code NOT_FOUND}, "models/…
     * is not found for API version …"), not something the client named.
     */
    boolean modelNotFound() {
      return "NOT_FOUND".equals(status) && message != null && message.contains("models/");
    }

    /**
     * Whether the error says the account cannot use the API at all ({@code FAILED_PRECONDITION},
     * which Google's troubleshooting guide gives for "Gemini API free tier is not available in your
     * country. Please enable billing on your project in Google AI Studio.", and which "User
     * location is not supported for the API use." comes with): a condition of the gateway's project
     * and where it calls from, the same for every model of the provider, never of the client's
     * request.
     */
    boolean accountUnusable() {
      return "FAILED_PRECONDITION".equals(status);
    }

    /**
     * The scope of a rate limit: a quota violated for the day ({@link #perDayQuota}) holds the
     * target back, a per-minute one concerns the attempt.
     */
    FailureScope rateLimitScope() {
      return perDayQuota ? FailureScope.DAILY_QUOTA : FailureScope.ATTEMPT;
    }

    /** The failure kind of an error event that arrives where an answer was expected. */
    FailureKind eventKind() {
      return code == 429 || "RESOURCE_EXHAUSTED".equals(status)
          ? FailureKind.RATE_LIMITED
          : FailureKind.SERVER_ERROR;
    }
  }

  /**
   * Whether an error body says the API key is not valid: Google's envelope as an object ({@code
   * {"error":{...}}}, the Gemini API) or as an array of them ({@code [{"error":{...}}]}, its
   * OpenAI-compatible endpoint). Google answers a wrong key with 400, not 401.
   */
  static boolean badKey(Buffer body) {
    JsonNode error = envelopeError(body);
    return error != null && read(error).badKey();
  }

  /**
   * Whether an error body says the model is not found, in either of Google's envelopes (see {@link
   * #badKey}).
   */
  static boolean modelNotFound(Buffer body) {
    JsonNode error = envelopeError(body);
    return error != null && read(error).modelNotFound();
  }

  /**
   * Whether an error body says the account cannot use the API ({@link Google#accountUnusable}), in
   * either of Google's envelopes (see {@link #badKey}).
   */
  static boolean accountUnusable(Buffer body) {
    JsonNode error = envelopeError(body);
    return error != null && read(error).accountUnusable();
  }

  /**
   * Whether an error body says a per-day quota is used up, in either of Google's envelopes (see
   * {@link #badKey}).
   */
  static boolean perDayQuota(Buffer body) {
    JsonNode error = envelopeError(body);
    return error != null && read(error).perDayQuota();
  }

  /** The {@code error} object of an object or array envelope, or null. */
  private static JsonNode envelopeError(Buffer body) {
    if (body == null || body.length() == 0) {
      return null;
    }
    try {
      JsonNode root = JSON.readTree(body.getBytes());
      JsonNode error = (root.isArray() ? root.path(0) : root).path("error");
      return error.isObject() ? error : null;
    } catch (IOException | RuntimeException notJson) {
      return null;
    }
  }

  /** Reads an {@code error} object. */
  static Google read(JsonNode error) {
    Long delay = null;
    String reason = null;
    boolean perDay = false;
    for (JsonNode detail : error.path("details")) {
      String type = detail.path("@type").asText("");
      if (type.endsWith("google.rpc.RetryInfo")) {
        delay = durationMs(detail.path("retryDelay"));
      } else if (type.endsWith("google.rpc.ErrorInfo") && reason == null) {
        reason = detail.path("reason").asText(null);
      } else if (type.endsWith("google.rpc.QuotaFailure")) {
        perDay |= perDay(detail.path("violations"));
      }
    }
    return new Google(
        error.path("code").asInt(0),
        error.path("status").asText(null),
        error.path("message").asText(null),
        delay,
        reason,
        perDay);
  }

  /**
   * Whether a {@code QuotaFailure}'s violations name a per-day quota: a {@code quotaId} like {@code
   * GenerateRequestsPerDayPerProjectPerModel-FreeTier} (the Gemini API) or a {@code quotaMetric}
   * like {@code …/generate_content_requests_per_day} (Vertex AI). Google lists every quota the
   * request violated; one for the day means no retry will pass before it resets.
   */
  private static boolean perDay(JsonNode violations) {
    for (JsonNode violation : violations) {
      if (violation.path("quotaId").asText("").contains("PerDay")
          || violation.path("quotaMetric").asText("").contains("per_day")) {
        return true;
      }
    }
    return false;
  }

  /**
   * A {@code google.protobuf.Duration} in its JSON form ({@code "38s"}, {@code "1.5s"}, {@code
   * "0.250s"}) or as {@code {"seconds", "nanos"}}, in milliseconds rounded up; null when
   * unreadable.
   */
  static Long durationMs(JsonNode duration) {
    if (duration.isTextual()) {
      String text = duration.asText().strip();
      if (!text.endsWith("s")) {
        return null;
      }
      try {
        double seconds = Double.parseDouble(text.substring(0, text.length() - 1));
        return seconds < 0 ? null : (long) Math.ceil(seconds * 1000);
      } catch (NumberFormatException e) {
        return null;
      }
    }
    if (duration.isObject()) {
      long seconds = duration.path("seconds").asLong(0);
      long nanos = duration.path("nanos").asLong(0);
      return seconds * 1000 + (nanos + 999_999) / 1_000_000;
    }
    return null;
  }
}
