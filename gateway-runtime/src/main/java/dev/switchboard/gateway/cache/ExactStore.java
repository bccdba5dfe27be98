package dev.switchboard.gateway.cache;

import io.vertx.core.Future;

/**
 * Where exact-cache answers live: in process ({@link LocalExactStore}) or, for {@code cache.shared:
 * true}, in the gateway's shared store for all replicas ({@link RedisExactStore}).
 */
public interface ExactStore {

  /**
   * The answer stored under {@code key}, or null. Never fails: a store that cannot answer (Redis
   * down or slow) gives null, a miss. A store in process completes at once.
   */
  Future<CachedAnswer> lookup(String key);

  /** Stores {@code answer} under {@code key} for the route's TTL (best effort, never blocks). */
  void put(String key, CachedAnswer answer);

  /** Entries held in this replica now. */
  long size();
}
