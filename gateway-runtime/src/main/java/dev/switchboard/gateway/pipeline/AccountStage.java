package dev.switchboard.gateway.pipeline;

import dev.switchboard.gateway.cost.Pricing;
import dev.switchboard.gateway.determinism.ModelVersionTracker;
import dev.switchboard.gateway.logging.RequestLogWriter;
import dev.switchboard.gateway.metrics.GatewayMetrics;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.request.TokenEstimate;
import dev.switchboard.gateway.request.TokenUsage;
import dev.switchboard.gateway.stats.LiveStats;
import dev.switchboard.gateway.upstream.Operation;
import java.time.Instant;

/**
 * Accounting, on the way back: the answer's cost from the serving model's prices, then metrics,
 * live stats and the request log line. Registered first, so every request — also one that ended at
 * validation, or a shadow copy — passes through it last. An answer that came without the provider's
 * usage is accounted with an estimate ({@link TokenEstimate#usage}), marked as one: the one its
 * consumer's budget was charged ({@code ConsumerStage}, walked back before this stage), else the
 * same estimate at the serving model's prices.
 */
public final class AccountStage implements Stage {

  private final GatewayMetrics metrics;
  private final LiveStats stats;
  private final RequestLogWriter log;
  private final ModelVersionTracker versions;

  public AccountStage(
      GatewayMetrics metrics, LiveStats stats, RequestLogWriter log, ModelVersionTracker versions) {
    this.metrics = metrics;
    this.stats = stats;
    this.log = log;
    this.versions = versions;
  }

  @Override
  public boolean forward(Exchange exchange) {
    return true;
  }

  @Override
  public void backward(Exchange exchange) {
    RequestContext ctx = exchange.ctx();
    if (ctx.estimatedUsage() == null && answeredWithoutUsage(ctx)) {
      // No consumer settled it (none, or one without budget and rate limits): the same
      // estimate, at full price, as nothing was reserved.
      TokenUsage estimate = TokenEstimate.usage(exchange.rawBodyLength(), ctx.answerChars());
      ctx.chargedEstimate(estimate, Pricing.costUsd(ctx.target(), estimate, now(ctx)));
    }
    record(ctx);
  }

  /**
   * Whether {@code ctx} was answered by a target — not the cache, whose answers cost nothing — and
   * came without the provider's usage: a whole answer (a provider or OpenAI-compatible server that
   * reports none), or a stream that ended without it (cut short, the client left, or a server that
   * never sends it) after its answer began. The provider bills such an answer all the same, so it
   * is accounted with an estimate. Never a token count ({@code count_tokens} bills nothing), nor a
   * request that got no answer.
   */
  static boolean answeredWithoutUsage(RequestContext ctx) {
    return ctx.usage() == null
        && ctx.target() != null
        && !ctx.servedFromCache()
        && ctx.operation() != Operation.COUNT_TOKENS
        && (ctx.status() < 400 || (ctx.stream() && ctx.ttftMs() != null));
  }

  private static Instant now(RequestContext ctx) {
    return Instant.ofEpochMilli(ctx.clock().currentTimeMillis());
  }

  /** Accounts one finished request (also the shadow copies, which have no exchange). */
  public void record(RequestContext ctx) {
    if (ctx.servedFromCache()) {
      ctx.costUsd(0.0); // usage is the original answer's; serving it again costs nothing
    } else if (ctx.usage() != null) {
      // Priced when the answer is accounted: a price window in force then applies.
      ctx.costUsd(Pricing.costUsd(ctx.target(), ctx.usage(), now(ctx)));
    }
    metrics.request(ctx);
    stats.record(ctx);
    versions.observe(ctx);
    log.write(ctx);
  }
}
