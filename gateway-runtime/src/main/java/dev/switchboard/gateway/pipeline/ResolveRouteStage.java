package dev.switchboard.gateway.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.http.ApiException;
import dev.switchboard.gateway.http.OpenAiError;
import dev.switchboard.gateway.language.LanguageDetector;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.resilience.RequestDeadline;
import dev.switchboard.gateway.routing.ResolvedRoute;
import java.util.function.Function;

/**
 * Resolves the logical model name (and the route's header rules) on the pinned snapshot: 404 in
 * OpenAI's shape for an unknown model. Sets the request's overall deadline, and keeps the request
 * body for the log when the route's policy asks for bodies.
 */
public final class ResolveRouteStage implements Stage {

  private final long maxDeadlineMs;

  /**
   * @param maxDeadlineMs the overall request deadline (clients may ask for less)
   */
  public ResolveRouteStage(long maxDeadlineMs) {
    this.maxDeadlineMs = maxDeadlineMs;
  }

  @Override
  public boolean forward(Exchange exchange) {
    RequestContext ctx = exchange.ctx();
    String model = exchange.frontDoor().model(exchange.body());
    // Detected at most once, and only when a rule of the route names languages (~1 µs: see
    // LanguageDetector; cheap enough for the event loop).
    String[] detected = new String[1];
    boolean[] asked = new boolean[1];
    ResolvedRoute route =
        ctx.snapshot()
            .resolve(
                model,
                exchange.headers(),
                metadataOf(exchange.body()),
                () -> {
                  if (!asked[0]) {
                    asked[0] = true;
                    detected[0] = LanguageDetector.detect(lastUserText(exchange.chat()));
                  }
                  return detected[0];
                })
            .orElseThrow(() -> new ApiException(OpenAiError.modelNotFound(model)));
    ctx.route(route);
    if (asked[0]) {
      ctx.language(detected[0] == null ? "und" : detected[0]);
    }
    if (route.logsBodies()) {
      ctx.loggedBodies(exchange.body().toString(), null);
    }
    ctx.deadlineNanos(
        ctx.startNanos()
            + RequestDeadline.forHeader(
                    exchange.headers().apply(RequestDeadline.HEADER), maxDeadlineMs)
                * 1_000_000L);
    return true;
  }

  /**
   * The text of the last user message (a string, or its text parts joined); null when there is
   * none.
   */
  static String lastUserText(ObjectNode chat) {
    JsonNode messages = chat == null ? null : chat.get("messages");
    if (messages == null || !messages.isArray()) {
      return null;
    }
    for (int i = messages.size() - 1; i >= 0; i--) {
      JsonNode m = messages.get(i);
      if (!"user".equals(m.path("role").asText())) {
        continue;
      }
      JsonNode content = m.get("content");
      if (content != null && content.isTextual()) {
        return content.textValue();
      }
      if (content != null && content.isArray()) {
        StringBuilder text = new StringBuilder();
        for (JsonNode part : content) {
          if (part.path("text").isTextual()) {
            text.append(part.path("text").textValue()).append(' ');
          }
        }
        return text.toString();
      }
      return null;
    }
    return null;
  }

  /** Reads string entries of the OpenAI {@code metadata} body field (task-class rules match it). */
  private static Function<String, String> metadataOf(ObjectNode body) {
    JsonNode metadata = body == null ? null : body.get("metadata");
    if (metadata == null || !metadata.isObject()) {
      return key -> null;
    }
    return key -> {
      JsonNode value = metadata.get(key);
      return value != null && value.isTextual() ? value.textValue() : null;
    };
  }
}
