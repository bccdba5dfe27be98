package dev.switchboard.gateway.pipeline;

import dev.switchboard.gateway.http.ApiException;
import dev.switchboard.gateway.http.OpenAiError;
import dev.switchboard.gateway.request.TokenUsage;
import dev.switchboard.gateway.resilience.ClientRateLimiter;
import dev.switchboard.gateway.resilience.ResiliencePolicy;
import dev.switchboard.gateway.resilience.SharedClientRateLimits;
import dev.switchboard.gateway.resilience.TokenBucket;
import dev.switchboard.gateway.routing.ResolvedRoute;
import io.vertx.core.Future;

/**
 * Admission by the route policy's client rate limits: 429 with {@code retry-after-ms} and {@code
 * Retry-After} (the bucket's wait, see {@link Exchange#retryHint}) and OpenAI's {@code
 * rate_limit_exceeded} shape when a limit is reached. On the way back the tokens the answer used
 * are charged to the token limits the request passed. With a shared state store the limits are
 * counted there (one asynchronous round trip), so they hold across replicas. The admin port's drift
 * checks ({@link Exchange#internal()}) are not clients' requests and pass without a count.
 */
public final class AdmitStage implements Stage {

  private final ClientRateLimiter rateLimiter;
  private final SharedClientRateLimits shared;

  /**
   * @param rateLimiter client rate limits of route policies (null: none enforced)
   */
  public AdmitStage(ClientRateLimiter rateLimiter) {
    this(rateLimiter, null);
  }

  /**
   * @param rateLimiter client rate limits of route policies (null: none enforced)
   * @param shared the same limits counted in the shared state store (null: per replica)
   */
  public AdmitStage(ClientRateLimiter rateLimiter, SharedClientRateLimits shared) {
    this.rateLimiter = rateLimiter;
    this.shared = shared;
  }

  @Override
  public boolean forward(Exchange exchange) {
    ResolvedRoute route = exchange.ctx().route();
    if (rateLimiter == null
        || route.policy() == null
        || route.policy().rateLimits().isEmpty()
        || exchange.internal()) {
      // A drift check (the operator's own request) is no client's: it neither draws on nor is
      // refused by the clients' buckets (an anonymous one it would share, or the route's own);
      // the drift runner bounds it (maxRequests, concurrency). Its tokens are charged to none.
      exchange.routeLimit(Exchange.RouteLimit.PASSED);
      return true;
    }
    String policyName =
        route.policy().name() == null ? "route:" + route.name() : route.policy().name();
    if (shared != null) {
      return forwardShared(exchange, policyName, route);
    }
    ClientRateLimiter.Decision decision;
    try {
      decision =
          rateLimiter.admit(
              ResiliencePolicy.of(route.policy()).rateLimits(),
              policyName,
              route.name(),
              exchange.caller());
    } catch (RuntimeException e) {
      exchange.routeLimit(Exchange.RouteLimit.FAILED);
      throw e;
    }
    apply(exchange, decision);
    return true;
  }

  private boolean forwardShared(Exchange exchange, String policyName, ResolvedRoute route) {
    Future<SharedClientRateLimits.Admitted> admitted;
    try {
      admitted =
          shared.admit(
              ResiliencePolicy.of(route.policy()).rateLimits(),
              policyName,
              route.name(),
              exchange.caller(),
              exchange.ctx().requestId());
    } catch (RuntimeException e) {
      exchange.routeLimit(Exchange.RouteLimit.FAILED);
      throw e;
    }
    if (admitted.isComplete()) {
      decide(exchange, admitted);
      return true;
    }
    exchange.resumeWhen(admitted, a -> decide(exchange, a));
    return false;
  }

  private void decide(Exchange exchange, Future<SharedClientRateLimits.Admitted> admitted) {
    if (admitted.failed()) {
      exchange.routeLimit(Exchange.RouteLimit.FAILED); // the consumer stage gives its request back
      throw new IllegalStateException("client rate limit admission failed", admitted.cause());
    }
    apply(exchange, admitted.result().decision());
    exchange.sharedTokenLimits(admitted.result().charge());
  }

  private void apply(Exchange exchange, ClientRateLimiter.Decision decision) {
    if (decision.limited()) {
      exchange.routeLimit(Exchange.RouteLimit.REFUSED); // the consumer stage gives its request back
      Exchange.retryHint(exchange.response()::putHeader, decision.retryAfterMs());
      throw new ApiException(
          new OpenAiError(
              429,
              decision.message(),
              decision.dimension(),
              null,
              "rate_limit_exceeded",
              "rate_limited"));
    }
    exchange.routeLimit(Exchange.RouteLimit.PASSED);
    exchange.tokenLimits(decision.tokenBuckets());
  }

  @Override
  public void backward(Exchange exchange) {
    TokenUsage usage = exchange.ctx().usage();
    if (usage == null) {
      return;
    }
    long tokens = usage.inputTokens() + usage.outputTokens();
    if (exchange.sharedTokenLimits() != null) {
      exchange.sharedTokenLimits().charge(tokens);
    }
    for (TokenBucket bucket : exchange.tokenLimits()) {
      bucket.charge(tokens);
    }
  }
}
