package dev.switchboard.gateway.pipeline;

import io.vertx.core.Context;
import io.vertx.core.Future;
import java.util.concurrent.Callable;

/**
 * Work over a request body too large for the event loop: above {@link
 * ValidateStage#INLINE_PARSE_LIMIT} a stage that walks the whole body (parsing it, keying it) does
 * so on a Vert.x worker, since megabytes of inline images would stall every request on the loop.
 * One rule and one hop for every stage that does this ({@link ValidateStage}, {@link CacheStage});
 * work over an answer that large (its front door's reshaping in {@link AnswerStage}, its storing in
 * {@link CacheStage}, opening it when it comes from the shared cache) hops the same way.
 */
final class OffLoop {

  private OffLoop() {}

  /** Whether work over {@code exchange}'s body goes to a worker: the body is over the limit. */
  static boolean needed(Exchange exchange) {
    return exchange.rawBodyLength() > ValidateStage.INLINE_PARSE_LIMIT;
  }

  /**
   * Runs {@code work} on a Vert.x worker (unordered: requests do not wait for each other); its
   * result, or what it threw, is handed back on the request's event loop.
   */
  static <T> Future<T> run(Exchange exchange, Callable<T> work) {
    return run(exchange.context(), work);
  }

  /**
   * As {@link #run(Exchange, Callable)} for work that outlives the exchange's stages (an
   * evaluation's mirrors), handed back on {@code loop}, the request's event loop.
   */
  static <T> Future<T> run(Context loop, Callable<T> work) {
    return loop.executeBlocking(work, false);
  }
}
