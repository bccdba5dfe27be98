package dev.switchboard.gateway.pipeline;

import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.resilience.RequestNeeds;
import dev.switchboard.gateway.routing.strategy.AttemptPlanner;

/**
 * Plans the attempt chain with the route's routing strategy (and a split canary's share), notes
 * what the request needs from a target (capabilities, context window) for the failover walk, and
 * for streams makes the upstream report usage.
 */
public final class PlanStage implements Stage {

  private final AttemptPlanner planner;

  public PlanStage(AttemptPlanner planner) {
    this.planner = planner;
  }

  @Override
  public boolean forward(Exchange exchange) {
    RequestContext ctx = exchange.ctx();
    ctx.needs(RequestNeeds.of(exchange.body(), ctx.operation()));
    if (exchange.plan() == null) { // else DeterministicStage pinned the chain
      exchange.plan(planner.plan(ctx.route()));
    }
    boolean stream = exchange.frontDoor().wantsStream(exchange.body());
    ctx.stream(stream);
    if (stream) {
      exchange.stripUsage(exchange.frontDoor().askForUsage(exchange.body()));
    }
    return true;
  }
}
