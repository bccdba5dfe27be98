package dev.switchboard.gateway.cache;

/**
 * Where exact-cache answers live: in process ({@link LocalExactStore}) or, for {@code cache.shared:
 * true}, in the gateway's shared store for all replicas (not available yet: see docs/CACHING.md).
 */
public interface ExactStore {

  /** The answer stored under {@code key}, or null. */
  CachedAnswer get(String key);

  /** Stores {@code answer} under {@code key} for {@code ttlMs}. */
  void put(String key, CachedAnswer answer);

  /** Entries held now. */
  long size();
}
