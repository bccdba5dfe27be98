package dev.switchboard.gateway.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.upstream.Operation;

/**
 * The checks the gateway makes on a request body before routing it: only what it needs to route and
 * stream correctly. Everything else is the provider's business and is forwarded untouched.
 */
public final class RequestValidator {

  private RequestValidator() {}

  /** Throws {@link ApiException} (400, with {@code param}) when the body cannot be routed. */
  public static void validate(JsonNode body, Operation op) {
    if (body == null || !body.isObject()) {
      throw new ApiException(
          OpenAiError.invalidRequest("The request body must be a JSON object.", null));
    }
    ObjectNode object = (ObjectNode) body;
    JsonNode model = object.get("model");
    if (model == null || model.isNull()) {
      throw new ApiException(
          OpenAiError.invalidRequest("You must provide a model parameter.", "model"));
    }
    if (!model.isTextual() || model.asText().isBlank()) {
      throw new ApiException(
          OpenAiError.invalidRequest("'model' must be a non-empty string.", "model"));
    }
    if (op == Operation.CHAT_COMPLETIONS) {
      JsonNode messages = object.get("messages");
      if (messages == null || messages.isNull()) {
        throw new ApiException(
            OpenAiError.invalidRequest("Missing required parameter: 'messages'.", "messages"));
      }
      if (!messages.isArray()) {
        throw new ApiException(
            OpenAiError.invalidRequest("'messages' must be an array.", "messages"));
      }
      if (messages.isEmpty()) {
        throw new ApiException(
            OpenAiError.invalidRequest(
                "'messages' must contain at least one message.", "messages"));
      }
      JsonNode stream = object.get("stream");
      if (stream != null && !stream.isNull() && !stream.isBoolean()) {
        throw new ApiException(OpenAiError.invalidRequest("'stream' must be a boolean.", "stream"));
      }
      JsonNode options = object.get("stream_options");
      if (options != null && !options.isNull() && !options.isObject()) {
        throw new ApiException(
            OpenAiError.invalidRequest("'stream_options' must be an object.", "stream_options"));
      }
    } else {
      JsonNode input = object.get("input");
      if (input == null || input.isNull()) {
        throw new ApiException(
            OpenAiError.invalidRequest("Missing required parameter: 'input'.", "input"));
      }
      if (!input.isTextual() && !input.isArray()) {
        throw new ApiException(
            OpenAiError.invalidRequest("'input' must be a string or an array.", "input"));
      }
    }
  }

  /** Whether the body asks for a stream. */
  public static boolean wantsStream(ObjectNode body) {
    return body.path("stream").asBoolean(false);
  }
}
