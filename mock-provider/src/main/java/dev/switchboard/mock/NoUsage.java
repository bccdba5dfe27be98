package dev.switchboard.mock;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code no-usage} fault: an answer as a provider or an OpenAI-compatible server that reports
 * no token usage sends it. A JSON answer loses its top-level {@code usage} (Gemini's {@code
 * usageMetadata}); a stream loses the usage of every event ({@code usage}, {@code usageMetadata},
 * an Anthropic {@code message_start}'s {@code message.usage}, a Responses event's {@code
 * response.usage}), and a chat stream's usage-only chunk ({@code choices: []}) is not sent.
 */
final class NoUsage {

  private NoUsage() {}

  /** {@code body} without its usage; unchanged when it is no JSON object. */
  static String json(String body) {
    if (!body.startsWith("{")) {
      return body;
    }
    try {
      JsonObject json = new JsonObject(body);
      return strip(json) ? json.encode() : body;
    } catch (DecodeException notJson) {
      return body;
    }
  }

  /** {@code events} (whole SSE events) without usage; a chat usage-only chunk is left out. */
  static List<String> events(List<String> events) {
    List<String> out = new ArrayList<>(events.size());
    for (String event : events) {
      String stripped = event(event);
      if (stripped != null) {
        out.add(stripped);
      }
    }
    return out;
  }

  /** One event without usage, or null when it carried nothing else (a usage-only chunk). */
  private static String event(String event) {
    int at = event.indexOf("data: {");
    if (at < 0) {
      return event;
    }
    int end = event.indexOf('\n', at);
    if (end < 0) {
      end = event.length();
    }
    if (end > at && event.charAt(end - 1) == '\r') {
      end--;
    }
    JsonObject json;
    try {
      json = new JsonObject(event.substring(at + 6, end));
    } catch (DecodeException notJson) {
      return event;
    }
    if (!strip(json)) {
      return event;
    }
    if (json.getValue("choices") instanceof JsonArray choices && choices.isEmpty()) {
      return null; // the chat stream's usage chunk
    }
    return event.substring(0, at + 6) + json.encode() + event.substring(end);
  }

  /** Removes the usage {@code json} carries; whether it carried any. */
  private static boolean strip(JsonObject json) {
    boolean had = json.remove("usage") != null | json.remove("usageMetadata") != null;
    for (String nested : List.of("message", "response")) {
      if (json.getValue(nested) instanceof JsonObject inner) {
        had |= inner.remove("usage") != null;
      }
    }
    return had;
  }
}
