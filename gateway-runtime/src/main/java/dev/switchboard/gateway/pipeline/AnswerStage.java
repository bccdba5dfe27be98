package dev.switchboard.gateway.pipeline;

import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.upstream.AnswerText;
import dev.switchboard.gateway.upstream.JsonReply;
import dev.switchboard.gateway.upstream.UpstreamStream;
import dev.switchboard.gateway.upstream.adapter.UpstreamAdapters;
import io.vertx.core.buffer.Buffer;
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
    exchange.ctx().firstToken();
    sendJson(exchange, reply);
  }

  /**
   * Answers {@code reply} through the front door (the upstream's answer, or a cached one) and
   * finishes the request. The door's work on a body over {@link ValidateStage#INLINE_PARSE_LIMIT} —
   * reshaping a chat answer into a Response or a Message, scanning a passed-through Response, the
   * body put into the request log — runs on a worker, the limit above which the answer was decoded
   * on one ({@code UpstreamCaller}): megabytes parsed and written on the loop would stall every
   * request on it. The answer is written back on the loop. Below the limit, the hot path, nothing
   * leaves the loop; a door that sends the body as it is (chat completions, embeddings) never does.
   *
   * <p>An upstream answer without usage is read for its answer text too ({@link AnswerText}), what
   * its cost is estimated from on the way back; an answer with usage never is.
   */
  static void sendJson(Exchange exchange, JsonReply reply) {
    RequestContext ctx = exchange.ctx();
    Exchange.record(ctx, reply.summary());
    boolean logged = ctx.route().logsBodies();
    boolean counted = reply.summary().usage() == null && !ctx.servedFromCache();
    boolean offLoop =
        reply.body().length() > ValidateStage.INLINE_PARSE_LIMIT
            && (logged || counted || exchange.frontDoor().readsReply(reply));
    if (logged && !offLoop) {
      ctx.loggedBodies(null, reply.body().toString());
    }
    if (counted && !offLoop) {
      ctx.addAnswerChars(AnswerText.chars(reply.bodyBytes(), reply.format()));
    }
    if (ctx.clientGone()) {
      exchange.finish(499, "cancelled", "client_cancelled");
      return;
    }
    if (!offLoop) {
      write(
          exchange, reply.status(), exchange.frontDoor().encodeReply(reply, exchange.body(), ctx));
      return;
    }
    OffLoop.run(
            exchange,
            () -> {
              if (logged) {
                ctx.loggedBodies(null, reply.body().toString());
              }
              if (counted) {
                ctx.addAnswerChars(AnswerText.chars(reply.bodyBytes(), reply.format()));
              }
              return exchange.frontDoor().encodeReply(reply, exchange.body(), ctx);
            })
        .onComplete(
            encoded ->
                exchange.continueIf(
                    () -> {
                      if (encoded.failed()) {
                        exchange.fail(encoded.cause());
                      } else {
                        write(exchange, reply.status(), encoded.result());
                      }
                      return false;
                    }));
  }

  private static void write(Exchange exchange, int status, Buffer body) {
    RequestContext ctx = exchange.ctx();
    if (ctx.clientGone()) {
      exchange.finish(499, "cancelled", "client_cancelled"); // left while it was encoded
      return;
    }
    HttpServerResponse response = exchange.response();
    ServedHeaders.write(response, ctx);
    response.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, APPLICATION_JSON);
    response.end(body);
    exchange.finish(status, "success", null);
  }

  private static void relay(Exchange exchange, UpstreamStream upstream) {
    RequestContext ctx = exchange.ctx();
    if (ctx.clientGone()) {
      upstream.cancel();
      exchange.finish(499, "cancelled", "client_cancelled");
      return;
    }
    ctx.firstToken();
    // So a stream that ends without usage is accounted with the text it relayed, budget or not.
    ctx.countStreamedText();
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
