package dev.switchboard.gateway.frontdoor;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.http.RequestValidator;
import dev.switchboard.gateway.upstream.Operation;

/** {@code POST /v1/chat/completions}, JSON or SSE. */
public final class ChatCompletionsFrontDoor extends OpenAiFrontDoor {

  public ChatCompletionsFrontDoor() {
    super(Operation.CHAT_COMPLETIONS);
  }

  @Override
  public boolean wantsStream(ObjectNode request) {
    return RequestValidator.wantsStream(request);
  }

  @Override
  public boolean askForUsage(ObjectNode request) {
    if (request.get("stream_options") instanceof ObjectNode options) {
      if (options.path("include_usage").asBoolean(false)) {
        return false;
      }
      options.put("include_usage", true);
      return true;
    }
    request.putObject("stream_options").put("include_usage", true);
    return true;
  }
}
