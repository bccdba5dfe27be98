package dev.switchboard.gateway.resilience;

import dev.switchboard.gateway.state.StoreUnavailableException;
import dev.switchboard.gateway.time.GatewayClock;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A concurrency cap that holds across gateway replicas ({@code concurrencyScope: global}): each
 * permit is a lease in the shared {@link LeaseStore}, renewed every {@code renewMs} while the
 * request runs and given back when it ends. A replica that dies stops renewing, so its leases
 * expire within {@code leaseMs} and a crash never leaks permits.
 *
 * <p>Like the {@link Bulkhead}, a full cap queues briefly: the acquire is retried every {@value
 * #POLL_MS} ms for at most {@link Bulkhead#MAX_WAIT_MS} ms, then fails with {@link
 * Bulkhead.FullException} so the request fails over. When the store cannot answer, the cap falls
 * back to this replica's own bulkhead of the same size (per-replica counting, as without a store);
 * such a permit registers its lease as soon as the store answers again. A lease the store lost (a
 * restart, an outage longer than a lease) is added again by its next renewal, even over the cap:
 * the request is running, so new acquires wait until the cap has room. A release the store did not
 * get (an outage) is sent again as soon as it answers, and the store does not let a renewal that
 * reaches it after the release (its reply lost) add the lease back.
 */
public final class GlobalSemaphore {

  private static final Logger LOG = LoggerFactory.getLogger(GlobalSemaphore.class);

  /** How often a waiting acquire asks the store again. */
  public static final long POLL_MS = 10;

  private static final AtomicLong SEQUENCE = new AtomicLong();

  /** Default lease time: a dead replica's permits come back within it. */
  public static final long DEFAULT_LEASE_MS = 30_000;

  /** System property (or env {@code SWITCHBOARD_CONCURRENCY_LEASE_MS}) setting the lease time. */
  public static final String LEASE_PROPERTY = "switchboard.concurrency.leaseMs";

  /** The configured lease time in ms (renewed every third of it while a request runs). */
  public static long configuredLeaseMs() {
    String value = System.getProperty(LEASE_PROPERTY);
    if (value == null) {
      value = System.getenv("SWITCHBOARD_CONCURRENCY_LEASE_MS");
    }
    try {
      long parsed = value == null ? 0 : Long.parseLong(value.trim());
      return parsed >= 300 ? parsed : DEFAULT_LEASE_MS;
    } catch (NumberFormatException e) {
      return DEFAULT_LEASE_MS;
    }
  }

  private final LeaseStore store;
  private final GatewayClock clock;
  private final String key;
  private final String name;
  private final int max;
  private final long leaseMs;
  private final long renewMs;
  private final String holder;
  private final Bulkhead fallback;
  private final AtomicInteger held = new AtomicInteger();

  /**
   * @param key the store key of this cap (one per endpoint or endpoint model)
   * @param holder identifies this replica in lease ids (leases stay unique across replicas)
   * @param fallback the per-replica cap used while the store is unavailable
   */
  public GlobalSemaphore(
      LeaseStore store,
      GatewayClock clock,
      String key,
      String name,
      int max,
      long leaseMs,
      long renewMs,
      String holder,
      Bulkhead fallback) {
    this.store = store;
    this.clock = clock;
    this.key = key;
    this.name = name;
    this.max = Math.max(1, max);
    this.leaseMs = leaseMs;
    this.renewMs = renewMs;
    this.holder = holder;
    this.fallback = fallback;
  }

  public int max() {
    return max;
  }

  /** Leases this replica holds now (the cap counts every replica's). */
  public int inFlight() {
    return held.get() + fallback.inFlight();
  }

  /** A permit now, after a short wait, or a failed future with {@link Bulkhead.FullException}. */
  public Future<SlotPermit> acquire() {
    Promise<SlotPermit> promise = Promise.promise();
    attempt(promise, clock.nanoTime() + Bulkhead.MAX_WAIT_MS * 1_000_000);
    return promise.future();
  }

  private void attempt(Promise<SlotPermit> promise, long deadlineNanos) {
    String leaseId = holder + ":" + SEQUENCE.incrementAndGet();
    long now = clock.currentTimeMillis();
    store
        .tryAcquire(key, leaseId, max, now, now + leaseMs)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                // The store is down: count on this replica, as without a store. The permit also
                // renews a lease of its own, which registers it once the store answers again.
                fallback
                    .acquire()
                    .onComplete(
                        f -> promise.handle(f.map(p -> (SlotPermit) new Lease(leaseId, p))));
                return;
              }
              if (ar.result()) {
                held.incrementAndGet();
                promise.complete(new Lease(leaseId, null));
                return;
              }
              if (clock.nanoTime() + POLL_MS * 1_000_000 > deadlineNanos) {
                promise.fail(
                    new Bulkhead.FullException(
                        name + " is at its global concurrency limit (maxConcurrency " + max + ")"));
                return;
              }
              clock.setTimer(POLL_MS, id -> attempt(promise, deadlineNanos));
            });
  }

  /**
   * A granted lease, renewed until released. A renewal that finds the lease gone (Redis restarted
   * empty, or was out of reach for longer than a lease) adds it again, so the running request is
   * counted again and new acquires wait. A permit of the per-replica {@code fallback} (taken while
   * the store did not answer) renews a lease too, and renews it at once when the store answers
   * again: that registers it, so requests admitted during an outage count against the cap as soon
   * as it is back.
   */
  private final class Lease implements SlotPermit {
    private final String id;
    private final Bulkhead.Permit fallbackPermit;
    private final AtomicBoolean released = new AtomicBoolean();
    private final long renewTimer;

    /**
     * Renewals sent and not answered yet, and whether one got no answer (it may still run in Redis,
     * at any time later): then a renewal may reach the store after the release, which it must not
     * undo, so the store is asked to remember the release.
     */
    private final AtomicInteger renewalsUnanswered = new AtomicInteger();

    private volatile boolean renewalLost;

    /**
     * @param fallbackPermit the per-replica permit it stands for, or null for a granted lease
     */
    Lease(String id, Bulkhead.Permit fallbackPermit) {
      this.id = id;
      this.fallbackPermit = fallbackPermit;
      this.renewTimer = clock.setPeriodic(renewMs, t -> renew());
      if (fallbackPermit != null) {
        // Registered as soon as the store answers again, not at the next renewal (up to renewMs
        // later), so other replicas count this request from then on.
        store.whenAnswering().onSuccess(v -> renew());
      }
    }

    private void renew() {
      // Counted before the check: a release either stops this renewal or sees it on its way.
      renewalsUnanswered.incrementAndGet();
      if (released.get()) {
        renewalsUnanswered.decrementAndGet();
        return;
      }
      long now = clock.currentTimeMillis();
      // Renewed, or the store is out of reach (the next renewal tries again), or released while
      // this renewal was on its way (the store remembers the release and adds nothing back).
      store
          .renew(key, id, now, now + leaseMs)
          .onComplete(
              ar -> {
                if (ar.failed()
                    && !(ar.cause() instanceof StoreUnavailableException s && s.unsent())) {
                  renewalLost = true; // sent, no answer: it may still run in Redis
                }
                renewalsUnanswered.decrementAndGet();
                if (ar.succeeded() && !ar.result() && !released.get()) {
                  LOG.debug("{}: lease {} was gone and is registered again", name, id);
                }
              });
    }

    @Override
    public void release() {
      if (released.compareAndSet(false, true)) {
        clock.cancelTimer(renewTimer);
        if (fallbackPermit != null) {
          fallbackPermit.release();
        } else {
          held.decrementAndGet();
        }
        boolean renewalMayFollow = renewalsUnanswered.get() > 0 || renewalLost;
        sendRelease(clock.currentTimeMillis() + leaseMs, renewalMayFollow);
      }
    }

    /**
     * Removes the lease from the store; when a renewal may reach Redis after the release (one is
     * unanswered, or got no answer), the store remembers the release until {@code untilMs}, the
     * latest expiry such a renewal could set, so that renewal does not add the lease back. A
     * release that fails is sent again when the store answers again (or, refused, a renewal period
     * later): a renewal that got no answer may still run in Redis, and the lease would stay counted
     * for up to a lease time. After {@code untilMs} any lease left has expired.
     */
    private void sendRelease(long untilMs, boolean remember) {
      long now = clock.currentTimeMillis();
      if (now >= untilMs) {
        return;
      }
      store
          .release(key, id, now, remember ? untilMs : now)
          .onFailure(
              err -> {
                Future<Void> back = store.whenAnswering();
                if (back.isComplete()) {
                  clock.setTimer(renewMs, t -> sendRelease(untilMs, remember));
                } else {
                  back.onSuccess(v -> sendRelease(untilMs, remember));
                }
              });
    }
  }
}
