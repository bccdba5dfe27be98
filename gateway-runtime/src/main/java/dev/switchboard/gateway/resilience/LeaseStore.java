package dev.switchboard.gateway.resilience;

import io.vertx.core.Future;

/**
 * Leases of a distributed semaphore, kept where every gateway replica sees them (Redis). A lease
 * expires at the time it names unless renewed, so a replica that dies holding leases gives them
 * back within one lease time. Times are the gateway clock's epoch milliseconds.
 */
public interface LeaseStore {

  /**
   * Drops the expired leases of {@code key} and adds {@code leaseId} (expiring at {@code
   * expiresAtMs}) when fewer than {@code cap} leases remain — atomically across replicas.
   *
   * @return whether the lease was granted
   */
  Future<Boolean> tryAcquire(String key, String leaseId, int cap, long nowMs, long expiresAtMs);

  /**
   * Moves a held lease's expiry, adding the lease again when it is gone (the store lost it, or it
   * expired while the store was out of reach) even if that puts {@code key} over its cap: the
   * request holding it is running, so its slot counts, and new acquires wait. A lease {@link
   * #release released} already is not added again (a renewal whose reply was lost may reach the
   * store after the release).
   *
   * @return true when the lease was still there, false when it had to be added again or was
   *     released
   */
  Future<Boolean> renew(String key, String leaseId, long nowMs, long expiresAtMs);

  /**
   * Completes when the store answers: at once unless it is known to be failing; otherwise as soon
   * as it answers again (the store finds that out by itself when its pause after a failure is over,
   * without waiting for other traffic).
   */
  default Future<Void> whenAnswering() {
    return Future.succeededFuture();
  }

  /**
   * Gives a lease back (nothing when it is gone already). With {@code rememberUntilMs} after {@code
   * nowMs} the store also remembers it as released until then, so a renewal of it that reaches the
   * store later (sent before the release, its reply lost) does not add it back: until the latest
   * expiry such a renewal could set (the release's time plus a lease time).
   */
  Future<Void> release(String key, String leaseId, long nowMs, long rememberUntilMs);
}
