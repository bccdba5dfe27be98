package dev.switchboard.bench;

import io.vertx.core.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Waiting for Vert.x futures from the benchmark's own (non-event-loop) threads. */
final class Futures {

  private Futures() {}

  /** The future's result, waiting at most {@code seconds}; failures and timeouts throw. */
  static <T> T await(Future<T> future, long seconds) {
    try {
      return future.await(seconds, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException("no result within " + seconds + " s", e);
    }
  }
}
