package dev.switchboard.gateway.state;

import dev.switchboard.gateway.resilience.LeaseStore;
import io.vertx.core.Future;
import java.util.List;

/**
 * The leases of global concurrency caps in the shared Redis: one sorted set per cap, lease ids
 * scored by expiry, and one of lease ids released while a renewal of theirs was unanswered (so that
 * renewal cannot add one back), every operation one atomic script ({@code lease.lua}). Keys carry
 * the store's prefix and a hash tag per cap, so each script touches one cluster slot.
 */
public final class RedisLeaseStore implements LeaseStore {

  private final RedisStateStore redis;

  public RedisLeaseStore(RedisStateStore redis) {
    this.redis = redis;
  }

  @Override
  public Future<Boolean> tryAcquire(
      String key, String leaseId, int cap, long nowMs, long expiresAtMs) {
    return redis
        .runScript(
            "lease.lua",
            keys(key),
            List.of(
                "acquire",
                leaseId,
                Long.toString(nowMs),
                Long.toString(expiresAtMs),
                Integer.toString(cap),
                Long.toString(Math.max(1, expiresAtMs - nowMs))))
        .map(r -> r.toInteger() == 1);
  }

  @Override
  public Future<Boolean> renew(String key, String leaseId, long nowMs, long expiresAtMs) {
    return redis
        .runScript(
            "lease.lua",
            keys(key),
            List.of(
                "renew",
                leaseId,
                Long.toString(expiresAtMs),
                Long.toString(Math.max(1, expiresAtMs - nowMs))))
        .map(r -> r.toInteger() == 1);
  }

  @Override
  public Future<Void> release(String key, String leaseId, long nowMs, long rememberUntilMs) {
    return redis
        .runScript(
            "lease.lua",
            keys(key),
            List.of(
                "release",
                leaseId,
                Long.toString(nowMs),
                Long.toString(rememberUntilMs),
                Long.toString(Math.max(1, rememberUntilMs - nowMs))))
        .mapEmpty();
  }

  @Override
  public Future<Void> whenAnswering() {
    return redis.whenAvailable();
  }

  /** The cap's leases and its released lease ids. */
  private List<String> keys(String key) {
    String leases = redis.prefix() + "{" + key + "}";
    return List.of(leases, leases + ":released");
  }
}
