package dev.switchboard.gateway.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Ticker;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The exact cache of one route in process: Caffeine, bounded by entries (the policy's {@code
 * maxEntries}), expiring after the policy's TTL on the gateway clock, and sharing the gateway-wide
 * byte budget of {@link ResponseCache} (an answer that would exceed it is not stored; an answer's
 * bytes return to the budget when it is evicted, expires, is replaced or the store is closed). An
 * expired answer is found by Caffeine's upkeep, which runs on writes to this store and on {@link
 * #cleanUp} ({@link ResponseCache} sweeps every store periodically, so an idle route's expired
 * answers give their bytes back too). A closed store stores nothing more: a request that still
 * holds it (its lookup began before the route's cache was replaced or removed) cannot put bytes
 * into the budget that nothing would ever give back.
 */
final class LocalExactStore implements ExactStore {

  private final Cache<String, CachedAnswer> cache;
  private final AtomicLong budgetBytes;
  private final long maxBytes;

  /** The bytes of this store's answers still counted in {@link #budgetBytes}. */
  private final AtomicLong heldBytes = new AtomicLong();

  /**
   * Held by {@link #close} while it empties the store, and tried by {@link #put}: a put that meets
   * a closing store skips storing (best effort) rather than waiting on the event loop.
   */
  private final ReentrantLock closing = new ReentrantLock();

  private volatile boolean closed;

  LocalExactStore(
      int maxEntries, long ttlMs, Ticker ticker, AtomicLong budgetBytes, long maxBytes) {
    this.budgetBytes = budgetBytes;
    this.maxBytes = maxBytes;
    this.cache =
        Caffeine.newBuilder()
            .maximumSize(maxEntries)
            .expireAfterWrite(Duration.ofMillis(ttlMs))
            .ticker(ticker)
            .executor(LocalExactStore::afterThisTask)
            // Evicted and expired answers give their bytes back inside the eviction: Caffeine
            // calls an eviction listener synchronously, in the upkeep that evicts. A removal
            // listener is handed to the executor instead, one more task queued on the event loop
            // per eviction — per request at a full cache (3.6 % of the realistic gateway's
            // samples). Replaced answers are accounted in put, the rest in close.
            .evictionListener(
                (String key, CachedAnswer answer, RemovalCause cause) -> {
                  if (answer != null) {
                    release(answer.bytes());
                  }
                })
            .build();
  }

  /**
   * Caffeine's upkeep (eviction with its listener, expiry) on the event loop that wrote, after the
   * task at hand: every miss stores an answer, and at a full cache every store evicts one, so
   * upkeep run inline after each write cost 9.6 % of the realistic gateway's CPU per request;
   * queued behind the current task, one run serves every write of the loop's turn (5.0 %,
   * HotPathProbe). Nothing wakes another thread. An evicted answer's bytes return to the shared
   * budget in the same turn of the loop; off an event loop (tests, the blocking pool) upkeep runs
   * inline as before.
   */
  private static void afterThisTask(Runnable upkeep) {
    Context loop = Vertx.currentContext();
    if (loop != null && loop.isEventLoopContext()) {
      loop.runOnContext(v -> upkeep.run());
    } else {
      upkeep.run();
    }
  }

  /** The answer stored under {@code key}, or null. */
  CachedAnswer get(String key) {
    return cache.getIfPresent(key);
  }

  @Override
  public Future<CachedAnswer> lookup(String key, Decoding decoding) {
    return Future.succeededFuture(cache.getIfPresent(key)); // answers, not bytes: nothing to decode
  }

  @Override
  public void put(String key, CachedAnswer answer) {
    if (closed || !closing.tryLock()) {
      return; // closed, or being closed: nothing more is stored
    }
    try {
      if (closed) {
        return;
      }
      long bytes = answer.bytes();
      if (budgetBytes.addAndGet(bytes) > maxBytes) {
        budgetBytes.addAndGet(-bytes);
        cache.cleanUp(); // expired entries may free room for the next one
        return;
      }
      heldBytes.addAndGet(bytes);
      CachedAnswer replaced = cache.asMap().put(key, answer);
      if (replaced != null) {
        release(replaced.bytes()); // two misses of one question, both stored
      }
    } finally {
      closing.unlock();
    }
  }

  /** Runs Caffeine's upkeep now: expired answers leave and give their bytes back. */
  void cleanUp() {
    if (!closed) {
      cache.cleanUp();
    }
  }

  private void release(long bytes) {
    heldBytes.addAndGet(-bytes);
    budgetBytes.addAndGet(-bytes);
  }

  @Override
  public long size() {
    return cache.estimatedSize();
  }

  /**
   * Releases the byte budget of everything held and stores nothing more (the route's cache is
   * replaced, or the route no longer has one). Closing twice is closing once.
   */
  void close() {
    closing.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      cache.invalidateAll(); // expired entries among them may still reach the eviction listener
      cache.cleanUp();
      long left = heldBytes.getAndSet(0);
      budgetBytes.addAndGet(-left);
    } finally {
      closing.unlock();
    }
  }
}
