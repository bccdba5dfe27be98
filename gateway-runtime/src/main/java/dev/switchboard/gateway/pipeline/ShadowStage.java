package dev.switchboard.gateway.pipeline;

import dev.switchboard.contract.CanaryMode;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.resilience.RequestNeeds;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.routing.ResolvedRoute;
import dev.switchboard.gateway.routing.RoutingState;
import dev.switchboard.gateway.upstream.FailureKind;
import dev.switchboard.gateway.upstream.JsonReply;
import dev.switchboard.gateway.upstream.Operation;
import dev.switchboard.gateway.upstream.UpstreamCaller;
import dev.switchboard.gateway.upstream.UpstreamFailure;
import dev.switchboard.gateway.upstream.UpstreamStream;
import dev.switchboard.gateway.upstream.adapter.StreamDecoder;
import dev.switchboard.gateway.upstream.adapter.StreamEventFacts;
import dev.switchboard.gateway.upstream.adapter.UpstreamAdapters;
import java.util.Comparator;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;

/**
 * Shadow canaries ({@code canary.mode: shadow}): a copy of the canary's share of requests goes to
 * the canary target while the client is answered from stable only. The copy runs on its own request
 * context (request id suffixed {@code -shadow}, arm {@code canary}), so its latency, tokens, errors
 * and refusals land in the same per-target metrics the operator's canary analysis compares (its
 * attempt too: {@code switchboard_upstream_attempts_total} is the analysis's request count) —
 * without any effect on the client, whose disconnect does not cancel the copy. The copy's events
 * are read by the canary's upstream adapter, like any answer's.
 */
public final class ShadowStage implements Stage {

  private final UpstreamCaller caller;
  private final RoutingState state;
  private final DoubleSupplier random;
  private final BiConsumer<RequestContext, String> attempts;
  private final Consumer<RequestContext> accounting;

  /**
   * @param random uniform values in [0, 1) deciding which requests are copied
   * @param attempts records a copy's upstream attempt: the context and the failure kind's label,
   *     null for a success
   * @param accounting records a finished copy (metrics, stats, log)
   */
  public ShadowStage(
      UpstreamCaller caller,
      RoutingState state,
      DoubleSupplier random,
      BiConsumer<RequestContext, String> attempts,
      Consumer<RequestContext> accounting) {
    this.caller = caller;
    this.state = state;
    this.random = random;
    this.attempts = attempts;
    this.accounting = accounting;
  }

  @Override
  public boolean forward(Exchange exchange) {
    RequestContext primary = exchange.ctx();
    ResolvedRoute route = primary.route();
    if (route.canaryMode() != CanaryMode.SHADOW
        || exchange.pinnedTarget() != null // a drift check's request is not traffic to copy
        || random.getAsDouble() * 100 >= route.route().canary().weight()) {
      return true;
    }
    PlannedTarget target =
        route.canaryCandidates().stream()
            .min(Comparator.comparingInt(t -> t.target().priority()))
            .orElseThrow();
    if (RequestNeeds.of(primary).unsendable(target) != null) {
      // The copy would reach the canary without what the request is about (a message of only an
      // inline PDF, to Mistral): its answer would measure nothing the client asked, so no copy is
      // made, as a split canary's chain skips that target (SkipReason.UNSUPPORTED_CONTENT).
      return true;
    }
    RequestContext ctx =
        new RequestContext(primary.requestId() + "-shadow", primary.operation(), primary.clock());
    ctx.shadow(true);
    ctx.snapshot(primary.snapshot());
    ctx.route(route);
    ctx.target(target);
    ctx.stream(primary.stream());
    // The copy keeps the request's deadline, as every attempt of the request does: a canary
    // slower than the client asked for is cut there (outcome deadline, not the canary's timeout).
    ctx.deadlineNanos(primary.deadlineNanos());
    Optional<String> key;
    try {
      key = ExecuteStage.key(state, target);
    } catch (UpstreamFailure noKey) {
      finish(ctx, 503, "error", FailureKind.NO_KEY.label(), FailureKind.NO_KEY.label());
      return true;
    }
    Operation format = ExecuteStage.format(exchange, target);
    boolean stripUsage = exchange.stripUsage();
    if (ctx.stream()) {
      ExecuteStage.send(
              exchange,
              target,
              format,
              stripUsage,
              ctx,
              body -> caller.openStream(target, format, body, ctx, key))
          .onSuccess(upstream -> drain(ctx, upstream))
          .onFailure(err -> failed(ctx, err));
    } else {
      ExecuteStage.send(
              exchange,
              target,
              format,
              stripUsage,
              ctx,
              body -> caller.callJson(target, format, body, ctx, key))
          .onSuccess(reply -> answered(ctx, reply))
          .onFailure(err -> failed(ctx, err));
    }
    return true;
  }

  private void answered(RequestContext ctx, JsonReply reply) {
    ctx.firstToken();
    Exchange.record(ctx, reply.summary());
    ctx.recordAttempt(
        new RequestContext.Attempt(ctx.target().id(), ctx.target().arm(), "success", 0));
    finish(ctx, reply.status(), "success", null, null);
  }

  private void drain(RequestContext ctx, UpstreamStream upstream) {
    ctx.firstToken();
    // Nothing is relayed: the decoder only has to find the facts, so usage is never hidden.
    StreamDecoder decoder =
        UpstreamAdapters.forProvider(ctx.target().provider())
            .streamDecoder(upstream.format(), false, ctx::epochSeconds);
    upstream.attach(
        new UpstreamStream.Sink() {
          private boolean done;

          @Override
          public void onEvent(String data) {
            StreamEventFacts event = decoder.decode(data, upstream.takeParsed(data));
            switch (event.kind()) {
              case DONE -> {
                done = true;
                Exchange.record(ctx, event);
              }
              case CHUNK, DROP -> Exchange.record(ctx, event);
              case ERROR, MALFORMED -> {
                // The copy is only measured: a broken event shows as a truncated stream.
              }
            }
          }

          @Override
          public void onEnd() {
            StreamEventFacts end = done ? null : decoder.atEnd();
            if (end != null && end.kind() == StreamEventFacts.Kind.DONE) {
              done = true;
              Exchange.record(ctx, end);
            }
            // A stream cut short is the canary's failure, as on the client's path.
            String attempt = done ? null : FailureKind.BAD_RESPONSE.label();
            ctx.recordAttempt(
                new RequestContext.Attempt(
                    ctx.target().id(), ctx.target().arm(), done ? "success" : attempt, 200));
            finish(ctx, 200, done ? "success" : "error", done ? null : "stream_truncated", attempt);
          }

          @Override
          public void onError(UpstreamFailure failure) {
            failed(ctx, failure);
          }

          @Override
          public void onSinkFailure(RuntimeException err) {
            upstream.cancel(); // the copy is given up
            failed(ctx, err);
          }
        });
  }

  private void failed(RequestContext ctx, Throwable err) {
    String kind = err instanceof UpstreamFailure f ? f.kind().label() : FailureKind.CONNECT.label();
    // As on the client's path: a timeout only the request's deadline caused is "deadline", which
    // the canary analysis counts neither as a request nor as an error of the arm.
    String outcome = err instanceof UpstreamFailure f ? f.outcomeLabel() : kind;
    int status = err instanceof UpstreamFailure f ? f.upstreamStatus() : 0;
    ctx.recordAttempt(
        new RequestContext.Attempt(ctx.target().id(), ctx.target().arm(), outcome, status));
    finish(ctx, status == 0 ? 502 : status, "error", kind, outcome);
  }

  /**
   * @param attemptFailure the failure kind of the copy's upstream attempt, null for a success (a
   *     truncated stream's attempt failed, as on the client's path)
   */
  private void finish(
      RequestContext ctx, int status, String outcome, String errorClass, String attemptFailure) {
    if (ctx.status() == 0) {
      attempts.accept(ctx, attemptFailure);
      ctx.finish(status, outcome, errorClass);
      accounting.accept(ctx);
    }
  }
}
