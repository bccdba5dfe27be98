package dev.switchboard.gateway.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.upstream.Operation;

/**
 * The checks the gateway makes on a request body before routing it: only what it needs to route and
 * stream correctly, and the {@code seed} it reports ({@code x-switchboard-seed}). Everything else
 * is the provider's business and is forwarded untouched.
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
      checkSeed(object.get("seed"));
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

  /**
   * A {@code seed} must be an integer, as OpenAI requires: anything else ({@code "42"}, {@code
   * 4.2}) would be forwarded to a provider that may ignore it, while the gateway reports no seed.
   * Also the check of the {@code seed} the gateway takes on {@code /v1/responses}.
   */
  public static void checkSeed(JsonNode seed) {
    if (seed == null || seed.isNull()) {
      return;
    }
    if (!seed.isIntegralNumber()) {
      throw new ApiException(
          new OpenAiError(
              400,
              "Invalid type for 'seed': expected an integer, but got "
                  + typeName(seed)
                  + " instead.",
              "invalid_request_error",
              "seed",
              "invalid_type",
              "invalid_request"));
    }
    if (!seed.canConvertToLong()) {
      throw new ApiException(
          OpenAiError.invalidRequest(
              "Invalid 'seed': integer out of range (a 64-bit integer is expected).", "seed"));
    }
  }

  /** How OpenAI names a JSON value's type in its {@code invalid_type} messages. */
  private static String typeName(JsonNode value) {
    if (value.isTextual()) {
      return "a string";
    }
    if (value.isNumber()) {
      return "a decimal number";
    }
    if (value.isBoolean()) {
      return "a boolean";
    }
    return value.isArray() ? "an array" : "an object";
  }

  /** Whether the body asks for a stream. */
  public static boolean wantsStream(ObjectNode body) {
    return body.path("stream").asBoolean(false);
  }
}
