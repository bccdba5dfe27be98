package dev.switchboard.gateway.state;

import dev.switchboard.gateway.resilience.QuotaStore;
import io.vertx.core.Future;
import java.util.List;

/**
 * Provider quotas in the shared Redis: one token bucket hash per quota and a sorted set of the
 * replicas that used it in the last minute, both under one hash tag, changed by one atomic script
 * ({@code quota.lua}) with the store's deadline and outage handling.
 */
public final class RedisQuotaStore implements QuotaStore {

  private final RedisStateStore redis;

  public RedisQuotaStore(RedisStateStore redis) {
    this.redis = redis;
  }

  @Override
  public Future<Grant> take(
      String key, long perMinute, long owed, long want, String holder, long nowMs) {
    String base = redis.prefix() + "{quota:" + key + "}:";
    return redis
        .runScript(
            "quota.lua",
            // The capacity is part of the bucket's name: a changed quota starts a fresh bucket.
            List.of(base + perMinute, base + "holders"),
            List.of(
                Long.toString(nowMs),
                Long.toString(perMinute),
                Long.toString(owed),
                Long.toString(want),
                holder))
        .map(r -> new Grant(r.get(0).toLong(), r.get(1).toInteger()));
  }
}
