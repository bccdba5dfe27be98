package dev.switchboard.gateway.resilience;

import io.vertx.core.Future;

/**
 * Per-minute provider quotas kept where every gateway replica sees them (Redis): one token bucket
 * per quota, from which replicas take units in blocks ({@link SharedQuota}). Times are the gateway
 * clock's epoch milliseconds.
 */
public interface QuotaStore {

  /**
   * What one call to the store did: the units granted, and how many replicas used the quota in the
   * last minute (the block size is shared out among them).
   */
  record Grant(long granted, int holders) {}

  /**
   * Atomically: refills the bucket {@code key} (capacity {@code perMinute}, refilled continuously
   * over a minute), charges it {@code owed} units already spent (the bucket may go negative;
   * negative {@code owed}: units given back, the bucket filled to its capacity at most), then
   * grants up to {@code want} whole units while at least one is left, and records {@code holder} as
   * a user of the quota.
   */
  Future<Grant> take(String key, long perMinute, long owed, long want, String holder, long nowMs);
}
