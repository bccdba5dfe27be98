package dev.switchboard.gateway.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.refusal.AnswerOpening;
import dev.switchboard.gateway.request.Refusals;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.request.TokenUsage;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.routing.ResolvedRoute;
import dev.switchboard.gateway.routing.RoutingState;
import dev.switchboard.gateway.upstream.FailureKind;
import dev.switchboard.gateway.upstream.JsonReply;
import dev.switchboard.gateway.upstream.ReplySummary;
import dev.switchboard.gateway.upstream.UpstreamCaller;
import dev.switchboard.gateway.upstream.UpstreamFailure;
import dev.switchboard.gateway.upstream.UpstreamStream;
import io.vertx.core.buffer.Buffer;
import java.util.Comparator;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;

/**
 * Shadow canaries ({@code canary.mode: shadow}): a copy of the canary's share of requests goes to
 * the canary target while the client is answered from stable only. The copy runs on its own request
 * context (request id suffixed {@code -shadow}, arm {@code canary}), so its latency, tokens, errors
 * and refusals land in the same per-target metrics the operator's canary analysis compares —
 * without any effect on the client, whose disconnect does not cancel the copy.
 */
final class ShadowMirror {

  private final UpstreamCaller caller;
  private final RoutingState state;
  private final DoubleSupplier random;
  private final Consumer<RequestContext> onFinished;
  private final BiConsumer<RequestContext, TokenUsage> accountant;

  ShadowMirror(
      UpstreamCaller caller,
      RoutingState state,
      DoubleSupplier random,
      Consumer<RequestContext> onFinished,
      BiConsumer<RequestContext, TokenUsage> accountant) {
    this.caller = caller;
    this.state = state;
    this.random = random;
    this.onFinished = onFinished;
    this.accountant = accountant;
  }

  /**
   * Mirrors the request to the shadow canary when this request falls into the canary's share.
   *
   * @param addedUsage the gateway added {@code stream_options} to the client's body (see {@link
   *     ProxyHandler#upstreamBody})
   */
  void maybeMirror(
      RequestContext primary,
      ResolvedRoute route,
      ObjectNode body,
      boolean stream,
      boolean addedUsage) {
    if (!"shadow".equals(route.canaryMode())
        || random.getAsDouble() * 100 >= route.route().canary().weight()) {
      return;
    }
    PlannedTarget target =
        route.canaryCandidates().stream()
            .min(Comparator.comparingInt(t -> t.target().priority()))
            .orElseThrow();
    RequestContext ctx =
        new RequestContext(primary.requestId() + "-shadow", primary.operation(), System.nanoTime());
    ctx.snapshot(primary.snapshot());
    ctx.route(route);
    ctx.target(target);
    ctx.stream(stream);
    Optional<String> key = state.keys().keyFor(target.provider().name());
    if (key.isEmpty() && target.provider().hasKey()) {
      finish(ctx, 503, "error", FailureKind.NO_KEY.label());
      return;
    }
    Buffer bytes = ProxyHandler.upstreamBody(body, target, addedUsage);
    if (stream) {
      caller
          .openStream(target, bytes, ctx, key)
          .onSuccess(upstream -> drain(ctx, upstream))
          .onFailure(err -> failed(ctx, err));
    } else {
      caller
          .callJson(target, primary.operation(), bytes, ctx, key)
          .onSuccess(reply -> answered(ctx, reply))
          .onFailure(err -> failed(ctx, err));
    }
  }

  private void answered(RequestContext ctx, JsonReply reply) {
    ctx.firstToken(System.nanoTime());
    ReplySummary summary = reply.summary();
    ctx.upstreamModel(summary.model());
    ctx.finishReason(summary.finishReason());
    if (summary.refused()) {
      ctx.markRefused();
    }
    accountant.accept(ctx, summary.usage());
    ctx.recordAttempt(
        new RequestContext.Attempt(ctx.target().id(), ctx.target().arm(), "success", 0));
    finish(ctx, reply.status(), "success", null);
  }

  private void drain(RequestContext ctx, UpstreamStream upstream) {
    ctx.firstToken(System.nanoTime());
    upstream.attach(
        new UpstreamStream.Sink() {
          private boolean done;
          private final AnswerOpening opening = new AnswerOpening();

          @Override
          public void onEvent(String data) {
            if ("[DONE]".equals(data.strip())) {
              done = true;
              return;
            }
            opening.appendStreamedChunk(data);
            JsonNode chunk = UpstreamCaller.parseEvent(data);
            if (chunk == null) {
              return;
            }
            if (ctx.upstreamModel() == null) {
              ctx.upstreamModel(ProxyHandler.textOrNull(chunk.get("model")));
            }
            for (JsonNode choice : chunk.path("choices")) {
              if (Refusals.isRefusal(choice)) {
                ctx.markRefused();
              }
              String finish = ProxyHandler.textOrNull(choice.get("finish_reason"));
              if (finish != null) {
                ctx.finishReason(finish);
              }
            }
            if (chunk.path("usage").isObject()) {
              accountant.accept(ctx, TokenUsage.fromUsageNode(chunk.get("usage")));
            }
          }

          @Override
          public void onEnd() {
            if (done && opening.isRefusal()) {
              ctx.markRefused();
            }
            ctx.recordAttempt(
                new RequestContext.Attempt(ctx.target().id(), ctx.target().arm(), "success", 200));
            finish(ctx, 200, done ? "success" : "error", done ? null : "stream_truncated");
          }

          @Override
          public void onError(UpstreamFailure failure) {
            failed(ctx, failure);
          }
        });
  }

  private void failed(RequestContext ctx, Throwable err) {
    String kind = err instanceof UpstreamFailure f ? f.kind().label() : FailureKind.CONNECT.label();
    int status = err instanceof UpstreamFailure f ? f.upstreamStatus() : 0;
    ctx.recordAttempt(
        new RequestContext.Attempt(ctx.target().id(), ctx.target().arm(), kind, status));
    finish(ctx, status == 0 ? 502 : status, "error", kind);
  }

  private void finish(RequestContext ctx, int status, String outcome, String errorClass) {
    if (ctx.status() == 0) {
      ctx.finish(status, outcome, errorClass, System.nanoTime());
      onFinished.accept(ctx);
    }
  }
}
