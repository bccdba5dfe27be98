package dev.switchboard.gateway.cache;

import io.vertx.core.Future;
import java.util.concurrent.Callable;

/**
 * Where exact-cache answers live: in process ({@link LocalExactStore}) or, for {@code cache.shared:
 * true}, in the gateway's shared store for all replicas ({@link RedisExactStore}).
 */
public interface ExactStore {

  /**
   * The answer stored under {@code key}, or null. Never fails: a store that cannot answer (Redis
   * down or slow) gives null, a miss. A store in process completes at once. A value the store must
   * decode (the shared store's sealed bytes) is decoded in place; see {@link #lookup(String,
   * Decoding)}.
   */
  default Future<CachedAnswer> lookup(String key) {
    return lookup(key, Decoding.IN_PLACE);
  }

  /**
   * As {@link #lookup(String)}, a stored value that {@code decoding} finds too large for the thread
   * it arrives on (an event loop) decoded through it instead (on a worker). A store in process
   * holds answers, not bytes, and never uses it.
   */
  Future<CachedAnswer> lookup(String key, Decoding decoding);

  /** Stores {@code answer} under {@code key} for the route's TTL (best effort, never blocks). */
  void put(String key, CachedAnswer answer);

  /** Entries held in this replica now. */
  long size();

  /**
   * Where a stored value is decoded: the shared store's values are sealed bytes, and opening one
   * (AES-GCM, then decoding) grows with it. The caller decides by size; small values, the hot path,
   * are opened in place without a hop.
   */
  interface Decoding {

    /** Everything in place (a caller that is not on an event loop, tests). */
    Decoding IN_PLACE =
        new Decoding() {
          @Override
          public boolean elsewhere(int storedBytes) {
            return false;
          }

          @Override
          public Future<CachedAnswer> run(Callable<CachedAnswer> open) {
            throw new UnsupportedOperationException("decoded in place");
          }
        };

    /** Whether a stored value of {@code storedBytes} is opened through {@link #run}. */
    boolean elsewhere(int storedBytes);

    /**
     * Runs {@code open} where it belongs (a worker), its result handed back on the request's loop.
     */
    Future<CachedAnswer> run(Callable<CachedAnswer> open);
  }
}
