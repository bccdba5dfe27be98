package dev.switchboard.gateway.consumer;

import dev.switchboard.gateway.pipeline.AdmitStage;
import dev.switchboard.gateway.pipeline.ConsumerStage;
import dev.switchboard.gateway.pipeline.IdentifyStage;
import dev.switchboard.gateway.resilience.ClientRateLimiter;
import dev.switchboard.gateway.resilience.SharedClientRateLimits;
import dev.switchboard.gateway.state.RedisStateStore;
import dev.switchboard.gateway.time.GatewayClock;

/**
 * Everything the request path needs about consumers: the live key directory, the limiter over the
 * state store, the metrics and the clock. The pipeline builds its identify and consumer stages from
 * it.
 */
public record ConsumerGate(
    ConsumerAccess access, ConsumerLimiter limiter, ConsumerMetrics metrics, GatewayClock clock) {

  /** Authenticates callers against the directory (401). */
  public IdentifyStage identifyStage() {
    return new IdentifyStage(access, metrics);
  }

  /**
   * Route client rate limits: counted in the shared state store when the gateway has one (Redis),
   * else in {@code rateLimiter}'s per-replica buckets.
   */
  public AdmitStage admitStage(ClientRateLimiter rateLimiter) {
    if (rateLimiter != null && limiter.shared() && limiter.store() instanceof RedisStateStore r) {
      return new AdmitStage(
          rateLimiter, new SharedClientRateLimits(r, rateLimiter, clock::currentTimeMillis));
    }
    return new AdmitStage(rateLimiter);
  }

  /** Model access, rate limits and budgets of the identified consumer (403, 429). */
  public ConsumerStage consumerStage() {
    return new ConsumerStage(limiter, metrics, clock);
  }
}
