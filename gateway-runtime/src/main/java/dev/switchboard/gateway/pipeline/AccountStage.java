package dev.switchboard.gateway.pipeline;

import dev.switchboard.gateway.cost.Pricing;
import dev.switchboard.gateway.determinism.ModelVersionTracker;
import dev.switchboard.gateway.logging.RequestLogWriter;
import dev.switchboard.gateway.metrics.GatewayMetrics;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.stats.LiveStats;
import java.time.Instant;

/**
 * Accounting, on the way back: the answer's cost from the serving model's prices, then metrics,
 * live stats and the request log line. Registered first, so every request — also one that ended at
 * validation, or a shadow copy — passes through it last.
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
    record(exchange.ctx());
  }

  /** Accounts one finished request (also the shadow copies, which have no exchange). */
  public void record(RequestContext ctx) {
    if (ctx.servedFromCache()) {
      ctx.costUsd(0.0); // usage is the original answer's; serving it again costs nothing
    } else if (ctx.usage() != null) {
      // Priced when the answer is accounted: a price window in force then applies.
      ctx.costUsd(
          Pricing.costUsd(
              ctx.target(), ctx.usage(), Instant.ofEpochMilli(ctx.clock().currentTimeMillis())));
    }
    metrics.request(ctx);
    stats.record(ctx);
    versions.observe(ctx);
    log.write(ctx);
  }
}
