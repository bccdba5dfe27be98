package dev.switchboard.gateway.metrics;

import dev.switchboard.contract.SkipReason;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.resilience.FailoverChain;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.upstream.FailureKind;
import dev.switchboard.gateway.upstream.UpstreamFailure;

/**
 * Records how each upstream attempt ended, in both places that say so: the request's attempts (the
 * {@code x-switchboard-attempts} header and the request log's {@code attempt_outcomes}) and {@code
 * switchboard_upstream_attempts_total} (the canary analysis's figures per arm).
 */
public final class AttemptAccounting implements FailoverChain.AttemptObserver {

  private final GatewayMetrics metrics;

  public AttemptAccounting(GatewayMetrics metrics) {
    this.metrics = metrics;
  }

  @Override
  public void attemptEnded(RequestContext ctx, PlannedTarget target, UpstreamFailure failure) {
    ctx.recordAttempt(
        new RequestContext.Attempt(
            target.id(),
            target.arm(),
            failure == null ? "success" : failure.outcomeLabel(),
            failure == null ? 0 : failure.upstreamStatus()));
    metrics.attempt(ctx, target, failure);
  }

  /**
   * A canary target that its breaker, its health, its provider's Retry-After, quota or account kept
   * out is a canary request that failed, and is counted as its attempt with the skip's reason as
   * outcome (the analysis counts every outcome but success as an error): a canary that fails every
   * call opened its breaker and then showed a handful of attempts per window, under {@code
   * minRequests}, so it was never judged and kept its share. Which skips count is {@link
   * SkipReason#countsAsCanaryAttempt()}, the one list the chart's dashboard reads too. Stable's
   * skips are left out: stable is never judged on its errors.
   */
  @Override
  public void skipped(RequestContext ctx, PlannedTarget target, SkipReason reason) {
    if (reason.countsAsCanaryAttempt() && PlannedTarget.CANARY.equals(target.arm())) {
      metrics.skippedAttempt(ctx, target, reason.wireName());
    }
  }

  @Override
  public void streamCommitted(RequestContext ctx, PlannedTarget target) {
    ctx.recordAttempt(new RequestContext.Attempt(target.id(), target.arm(), "success", 0));
  }

  @Override
  public void streamSettled(RequestContext ctx, PlannedTarget target, UpstreamFailure failure) {
    // Counted at the stream's end, so the canary analysis sees a stream cut short (or an error
    // event mid-stream) as its arm's error, and a client's hang-up as neither.
    metrics.attempt(ctx, target, failure);
    if (failure != null && failure.kind() != FailureKind.CLIENT_CANCELLED) {
      // The request log says how the attempt ended, as the metrics do.
      ctx.settleAttempt(target.id(), failure.outcomeLabel(), failure.upstreamStatus());
    }
  }
}
