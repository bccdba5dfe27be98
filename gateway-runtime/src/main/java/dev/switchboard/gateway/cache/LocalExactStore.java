package dev.switchboard.gateway.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Ticker;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The exact cache of one route in process: Caffeine, bounded by entries (the policy's {@code
 * maxEntries}), expiring after the policy's TTL on the gateway clock, and sharing the gateway-wide
 * byte budget of {@link ResponseCache} (an answer that would exceed it is not stored).
 */
final class LocalExactStore implements ExactStore {

  private final Cache<String, CachedAnswer> cache;
  private final AtomicLong budgetBytes;
  private final long maxBytes;

  LocalExactStore(
      int maxEntries, long ttlMs, Ticker ticker, AtomicLong budgetBytes, long maxBytes) {
    this.budgetBytes = budgetBytes;
    this.maxBytes = maxBytes;
    this.cache =
        Caffeine.newBuilder()
            .maximumSize(maxEntries)
            .expireAfterWrite(Duration.ofMillis(ttlMs))
            .ticker(ticker)
            .executor(Runnable::run) // evictions release their bytes at once, not later
            .removalListener(
                (String key, CachedAnswer answer, RemovalCause cause) -> {
                  if (answer != null) {
                    budgetBytes.addAndGet(-answer.bytes());
                  }
                })
            .build();
  }

  /** The answer stored under {@code key}, or null. */
  CachedAnswer get(String key) {
    return cache.getIfPresent(key);
  }

  @Override
  public Future<CachedAnswer> lookup(String key) {
    return Future.succeededFuture(cache.getIfPresent(key));
  }

  @Override
  public void put(String key, CachedAnswer answer) {
    long bytes = answer.bytes();
    if (budgetBytes.addAndGet(bytes) > maxBytes) {
      budgetBytes.addAndGet(-bytes);
      cache.cleanUp(); // expired entries may free room for the next one
      return;
    }
    cache.put(key, answer);
  }

  @Override
  public long size() {
    return cache.estimatedSize();
  }

  /** Releases the byte budget of everything held (the route's cache is replaced). */
  void close() {
    cache.invalidateAll();
    cache.cleanUp();
  }
}
