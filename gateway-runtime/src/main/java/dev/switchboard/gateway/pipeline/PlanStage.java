package dev.switchboard.gateway.pipeline;

import dev.switchboard.gateway.http.ApiException;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.resilience.RequestNeeds;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.routing.strategy.AttemptPlanner;
import dev.switchboard.gateway.upstream.Operation;
import dev.switchboard.gateway.upstream.adapter.UpstreamAdapters;
import io.vertx.core.Future;
import java.util.List;

/**
 * Plans the attempt chain with the route's routing strategy (and a split canary's share), keeps it
 * to the targets that speak an operation that is never bridged, notes what the request needs from a
 * target (capabilities, context window) for the failover walk, and for streams makes the upstream
 * report usage.
 */
public final class PlanStage implements Stage {

  private final AttemptPlanner planner;

  public PlanStage(AttemptPlanner planner) {
    this.planner = planner;
  }

  @Override
  public boolean forward(Exchange exchange) {
    RequestContext ctx = exchange.ctx();
    // What the request needs is read from its internal form, the same behind every front door.
    ctx.needs(RequestNeeds.of(exchange.chat(), ctx.operation().internal()));
    if (exchange.plan() == null) {
      AttemptPlanner.RoutePlan plan = planner.decide(ctx.route());
      exchange.plan(plan.chain());
      ctx.routeReason(
          ctx.language() == null ? plan.reason() : plan.reason() + ";language=" + ctx.language());
    } else {
      ctx.routeReason(
          "deterministic: pinned to " + exchange.plan().get(0).id()); // DeterministicStage
    }
    // An operation that is never bridged (count_tokens) goes only to the targets that speak it, so
    // it reaches the first one that can answer instead of failing on the route's first.
    Operation op = ctx.operation();
    if (!op.bridgeable()) {
      List<PlannedTarget> speaking = UpstreamAdapters.speaking(exchange.plan(), op);
      if (speaking.isEmpty()) {
        throw ExecuteStage.notServed(op);
      }
      exchange.plan(speaking);
    }
    boolean stream = exchange.frontDoor().wantsStream(exchange.body());
    ctx.stream(stream);
    if (stream) {
      exchange.stripUsage(exchange.frontDoor().askForUsage(exchange.body()));
    }
    // The front door may keep the chain to the targets able to serve it (Responses follow-ups).
    Future<List<PlannedTarget>> narrowed =
        exchange.frontDoor().narrowPlan(exchange.body(), exchange.chatForm(), exchange.plan(), ctx);
    if (narrowed == null) {
      return true;
    }
    if (narrowed.succeeded()) {
      exchange.plan(narrowed.result());
      return true;
    }
    if (narrowed.failed() && narrowed.cause() instanceof ApiException refused) {
      throw refused;
    }
    exchange.resumeWhen(
        narrowed,
        n -> {
          if (n.failed()) {
            exchange.fail(n.cause());
          } else {
            exchange.plan(n.result());
          }
        });
    return false;
  }
}
