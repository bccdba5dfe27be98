package dev.switchboard.gateway.cache;

import dev.switchboard.gateway.time.GatewayClock;
import io.vertx.core.Future;

/**
 * The exact cache of one route for {@code cache.shared: true}: answers in the shared store, so an
 * answer one replica stored is a hit on every replica, with this replica's {@link LocalExactStore}
 * as a near cache in front (a repeat on the same replica costs no round trip). Lookups go to the
 * near cache, then to Redis; what Redis returns is kept near until its original TTL runs out. When
 * Redis cannot answer, a lookup is whatever the near cache holds (else a miss) — never an error.
 */
public final class RedisExactStore implements ExactStore {

  private final LocalExactStore near;
  private final SharedAnswers shared;
  private final GatewayClock clock;
  private final long ttlMs;

  private static final Future<CachedAnswer> MISS = Future.succeededFuture(null);

  /** Runs where each value from Redis is opened: a test observes the thread. */
  private volatile Runnable openProbe = () -> {};

  RedisExactStore(LocalExactStore near, SharedAnswers shared, GatewayClock clock, long ttlMs) {
    this.near = near;
    this.shared = shared;
    this.clock = clock;
    this.ttlMs = ttlMs;
  }

  /** For tests: {@code probe} runs on the thread that opens each value Redis returns. */
  RedisExactStore openProbe(Runnable probe) {
    this.openProbe = probe;
    return this;
  }

  /**
   * The near copy, else Redis's value opened ({@link AnswerCodec#open}: AES-GCM over all of it,
   * then decoded). Redis answers on an event loop, so a value {@code decoding} finds too large for
   * one is opened through it (a worker); a small one, the hot path, is opened in place.
   */
  @Override
  public Future<CachedAnswer> lookup(String key, Decoding decoding) {
    CachedAnswer local = near.get(key);
    if (local != null && fresh(local)) {
      return Future.succeededFuture(local);
    }
    String name = shared.name(key);
    return shared
        .get(name)
        .compose(
            stored -> {
              if (stored == null) {
                return MISS;
              }
              if (decoding.elsewhere(stored.length)) {
                return decoding.run(() -> open(key, name, stored)).otherwise((CachedAnswer) null);
              }
              return Future.succeededFuture(open(key, name, stored));
            });
  }

  /** The answer in {@code stored} when it opens and is fresh (then kept near), else null. */
  private CachedAnswer open(String key, String name, byte[] stored) {
    openProbe.run();
    CachedAnswer answer = AnswerCodec.open(key, name, stored);
    if (answer == null || !fresh(answer)) {
      return null;
    }
    near.put(key, answer);
    return answer;
  }

  /** Within the TTL of its first storing (a near copy never outlives the shared entry). */
  private boolean fresh(CachedAnswer answer) {
    return clock.currentTimeMillis() - answer.storedAtMillis() < ttlMs;
  }

  @Override
  public void put(String key, CachedAnswer answer) {
    near.put(key, answer);
    String name = shared.name(key);
    shared.set(name, AnswerCodec.seal(key, name, answer), ttlMs);
  }

  @Override
  public long size() {
    return near.size();
  }

  LocalExactStore near() {
    return near;
  }
}
