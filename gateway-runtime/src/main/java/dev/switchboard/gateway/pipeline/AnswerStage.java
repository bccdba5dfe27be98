package dev.switchboard.gateway.pipeline;

import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.upstream.JsonReply;
import dev.switchboard.gateway.upstream.UpstreamStream;
import dev.switchboard.gateway.upstream.adapter.UpstreamAdapters;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;

/**
 * Answers the client through its front door: a JSON answer in one piece (the upstream's bytes,
 * where formats match), a stream event by event through an {@link SseRelay}. The request finishes
 * when the last byte went out (or the client left).
 */
public final class AnswerStage implements Stage {

  private static final CharSequence APPLICATION_JSON =
      HttpHeaders.createOptimized("application/json");

  @Override
  public boolean forward(Exchange exchange) {
    if (exchange.result() instanceof UpstreamStream upstream) {
      relay(exchange, upstream);
    } else {
      answerJson(exchange, (JsonReply) exchange.result());
    }
    return false;
  }

  private static void answerJson(Exchange exchange, JsonReply reply) {
    RequestContext ctx = exchange.ctx();
    ctx.firstToken();
    Exchange.record(ctx, reply.summary());
    if (ctx.route().logsBodies()) {
      ctx.loggedBodies(null, reply.body().toString());
    }
    if (ctx.clientGone()) {
      exchange.finish(499, "cancelled", "client_cancelled");
      return;
    }
    HttpServerResponse response = exchange.response();
    ServedHeaders.write(response, ctx);
    response.setStatusCode(reply.status()).putHeader(HttpHeaders.CONTENT_TYPE, APPLICATION_JSON);
    response.end(exchange.frontDoor().encodeReply(reply, exchange.body(), ctx));
    exchange.finish(reply.status(), "success", null);
  }

  private static void relay(Exchange exchange, UpstreamStream upstream) {
    RequestContext ctx = exchange.ctx();
    if (ctx.clientGone()) {
      upstream.cancel();
      exchange.finish(499, "cancelled", "client_cancelled");
      return;
    }
    ctx.firstToken();
    // After commit the chain's cancel action only resets the upstream; the request still has to
    // be recorded as cancelled.
    ctx.onCancel(() -> exchange.finish(499, "cancelled", "client_cancelled"));
    SseRelay relay =
        new SseRelay(
            exchange,
            upstream,
            UpstreamAdapters.forProvider(ctx.target().provider())
                .streamDecoder(upstream.format(), exchange.stripUsage(), ctx::epochSeconds),
            exchange.frontDoor().streamEncoder(upstream.format(), exchange.body(), ctx));
    exchange.relay(relay); // a failure while relaying ends the stream through it
    upstream.attach(relay);
  }
}
