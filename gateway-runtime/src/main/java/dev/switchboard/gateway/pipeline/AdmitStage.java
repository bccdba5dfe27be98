package dev.switchboard.gateway.pipeline;

import dev.switchboard.gateway.http.ApiException;
import dev.switchboard.gateway.http.OpenAiError;
import dev.switchboard.gateway.request.TokenUsage;
import dev.switchboard.gateway.resilience.ClientRateLimiter;
import dev.switchboard.gateway.resilience.ResiliencePolicy;
import dev.switchboard.gateway.resilience.TokenBucket;
import dev.switchboard.gateway.routing.ResolvedRoute;

/**
 * Admission by the route policy's client rate limits: 429 with {@code Retry-After} and OpenAI's
 * {@code rate_limit_exceeded} shape when a limit is reached. On the way back the tokens the answer
 * used are charged to the token limits the request passed.
 */
public final class AdmitStage implements Stage {

  private final ClientRateLimiter rateLimiter;

  /**
   * @param rateLimiter client rate limits of route policies (null: none enforced)
   */
  public AdmitStage(ClientRateLimiter rateLimiter) {
    this.rateLimiter = rateLimiter;
  }

  @Override
  public boolean forward(Exchange exchange) {
    ResolvedRoute route = exchange.ctx().route();
    if (rateLimiter == null || route.policy() == null || route.policy().rateLimits().isEmpty()) {
      return true;
    }
    String policyName =
        route.policy().name() == null ? "route:" + route.name() : route.policy().name();
    ClientRateLimiter.Decision decision =
        rateLimiter.admit(
            ResiliencePolicy.of(route.policy()).rateLimits(),
            policyName,
            route.name(),
            exchange.caller());
    if (decision.limited()) {
      exchange.response().putHeader("retry-after", Long.toString(decision.retryAfterSeconds()));
      throw new ApiException(
          new OpenAiError(
              429,
              decision.message(),
              decision.dimension(),
              null,
              "rate_limit_exceeded",
              "rate_limited"));
    }
    exchange.tokenLimits(decision.tokenBuckets());
    return true;
  }

  @Override
  public void backward(Exchange exchange) {
    TokenUsage usage = exchange.ctx().usage();
    if (usage == null || exchange.tokenLimits().isEmpty()) {
      return;
    }
    long tokens = usage.inputTokens() + usage.outputTokens();
    for (TokenBucket bucket : exchange.tokenLimits()) {
      bucket.charge(tokens);
    }
  }
}
