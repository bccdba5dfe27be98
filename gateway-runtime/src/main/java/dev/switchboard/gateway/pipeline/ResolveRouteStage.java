package dev.switchboard.gateway.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.http.ApiException;
import dev.switchboard.gateway.http.OpenAiError;
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
    ResolvedRoute route =
        ctx.snapshot()
            .resolve(model, exchange.headers(), metadataOf(exchange.body()))
            .orElseThrow(() -> new ApiException(OpenAiError.modelNotFound(model)));
    ctx.route(route);
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
