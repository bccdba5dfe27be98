package dev.switchboard.gateway.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;

/**
 * An error as OpenAI's API phrases it: an HTTP status plus {@code {"error": {"message", "type",
 * "param", "code"}}}. The gateway answers every failure with one of these, so SDKs raise their
 * usual typed exceptions.
 *
 * @param errorClass a small fixed label for metrics and logs ({@code invalid_request}, ...)
 * @param innerError an Azure OpenAI rejection's {@code innererror} (its content filter's {@code
 *     content_filter_result}), written as {@code error.innererror} as Azure writes it; null for
 *     every other error
 */
public record OpenAiError(
    int status,
    String message,
    String type,
    String param,
    String code,
    String errorClass,
    JsonNode innerError) {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** An error of the gateway's own, or a provider's without an {@code innererror}. */
  public OpenAiError(
      int status, String message, String type, String param, String code, String errorClass) {
    this(status, message, type, param, code, errorClass, null);
  }

  public static OpenAiError invalidRequest(String message, String param) {
    return new OpenAiError(400, message, "invalid_request_error", param, null, "invalid_request");
  }

  public static OpenAiError modelNotFound(String model) {
    return new OpenAiError(
        404,
        "The model '" + model + "' does not exist or you do not have access to it.",
        "invalid_request_error",
        "model",
        "model_not_found",
        "model_not_found");
  }

  public static OpenAiError notFound(String path) {
    return new OpenAiError(
        404,
        "Unknown request URL: " + path,
        "invalid_request_error",
        null,
        "unknown_url",
        "not_found");
  }

  public static OpenAiError methodNotAllowed(String method, String path) {
    return new OpenAiError(
        405,
        "Method " + method + " is not allowed on " + path,
        "invalid_request_error",
        null,
        "method_not_allowed",
        "method_not_allowed");
  }

  public static OpenAiError tooLarge(long limit) {
    return new OpenAiError(
        413,
        "The request body exceeds the limit of " + limit + " bytes.",
        "invalid_request_error",
        null,
        "request_too_large",
        "request_too_large");
  }

  public static OpenAiError unsupportedMediaType(String contentType) {
    return new OpenAiError(
        415,
        "Content-Type must be application/json, got '" + contentType + "'.",
        "invalid_request_error",
        null,
        "unsupported_media_type",
        "unsupported_media_type");
  }

  public static OpenAiError notReady() {
    return new OpenAiError(
        503,
        "The gateway has not loaded a valid routing table yet.",
        "service_unavailable",
        null,
        "not_ready",
        "not_ready");
  }

  public static OpenAiError internal(String message) {
    return new OpenAiError(500, message, "server_error", null, "internal_error", "internal");
  }

  /** The JSON body. */
  public Buffer toBuffer() {
    return Buffer.buffer(toJson().toString());
  }

  /**
   * The {@code {"error": {...}}} document; param and code are explicit nulls when absent, {@code
   * innererror} is there only when the provider sent one.
   */
  public ObjectNode toJson() {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode error = root.putObject("error");
    error.put("message", message);
    error.put("type", type);
    error.put("param", param);
    error.put("code", code);
    if (innerError != null) {
      error.set("innererror", innerError);
    }
    return root;
  }
}
