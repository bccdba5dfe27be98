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

  RedisExactStore(LocalExactStore near, SharedAnswers shared, GatewayClock clock, long ttlMs) {
    this.near = near;
    this.shared = shared;
    this.clock = clock;
    this.ttlMs = ttlMs;
  }

  @Override
  public Future<CachedAnswer> lookup(String key) {
    CachedAnswer local = near.get(key);
    if (local != null && fresh(local)) {
      return Future.succeededFuture(local);
    }
    String name = shared.name(key);
    return shared
        .get(name)
        .map(
            stored -> {
              CachedAnswer answer = stored == null ? null : AnswerCodec.open(key, name, stored);
              if (answer == null || !fresh(answer)) {
                return null;
              }
              near.put(key, answer);
              return answer;
            });
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
