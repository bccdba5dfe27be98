package dev.switchboard.gateway.pipeline;

import dev.switchboard.gateway.http.ApiException;
import dev.switchboard.gateway.http.OpenAiError;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.resilience.RequestDeadline;
import dev.switchboard.gateway.routing.ResolvedRoute;

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
            .resolve(model, exchange.headers())
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
}
