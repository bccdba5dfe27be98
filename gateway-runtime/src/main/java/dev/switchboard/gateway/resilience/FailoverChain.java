package dev.switchboard.gateway.resilience;

import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.upstream.FailureKind;
import dev.switchboard.gateway.upstream.UpstreamFailure;
import io.vertx.core.Future;
import java.util.List;
import java.util.function.Function;

/**
 * Walks a planned chain of targets: each attempt either succeeds, or fails with an {@link
 * UpstreamFailure}; a retriable failure moves on to the next target, anything else (or the end of
 * the chain) fails the request with the last failure. Every attempt is reported to the {@link
 * AttemptObserver}.
 *
 * <p>The seam for issue 4: same-target retries with backoff, the retry budget, circuit breakers and
 * bulkheads wrap {@link #execute} or each attempt here, without touching the HTTP handlers.
 */
public final class FailoverChain {

  /** Sees every attempt's end (metrics, stats, the request context). */
  public interface AttemptObserver {
    void attemptEnded(RequestContext ctx, PlannedTarget target, UpstreamFailure failureOrNull);
  }

  private final AttemptObserver observer;

  public FailoverChain(AttemptObserver observer) {
    this.observer = observer;
  }

  /**
   * Runs {@code attempt} on the chain's targets in order until one succeeds.
   *
   * @return the first success, or the last failure (an {@link UpstreamFailure})
   */
  public <T> Future<T> execute(
      List<PlannedTarget> chain, RequestContext ctx, Function<PlannedTarget, Future<T>> attempt) {
    if (chain.isEmpty()) {
      return Future.failedFuture(
          new UpstreamFailure(FailureKind.CONNECT, "route " + ctx.routeName() + " has no targets"));
    }
    return step(chain, 0, ctx, attempt);
  }

  private <T> Future<T> step(
      List<PlannedTarget> chain,
      int index,
      RequestContext ctx,
      Function<PlannedTarget, Future<T>> attempt) {
    PlannedTarget target = chain.get(index);
    ctx.target(target);
    Future<T> result;
    try {
      result = attempt.apply(target);
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    return result.transform(
        ar -> {
          if (ar.succeeded()) {
            observer.attemptEnded(ctx, target, null);
            return Future.succeededFuture(ar.result());
          }
          UpstreamFailure failure =
              ar.cause() instanceof UpstreamFailure f
                  ? f
                  : new UpstreamFailure(FailureKind.CONNECT, String.valueOf(ar.cause()));
          observer.attemptEnded(ctx, target, failure);
          boolean more = index + 1 < chain.size();
          if (failure.kind().retriable() && more && !ctx.clientGone()) {
            return step(chain, index + 1, ctx, attempt);
          }
          return Future.failedFuture(failure);
        });
  }
}
