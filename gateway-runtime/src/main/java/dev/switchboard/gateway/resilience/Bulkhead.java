package dev.switchboard.gateway.resilience;

import dev.switchboard.gateway.time.GatewayClock;
import dev.switchboard.gateway.time.VertxClock;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A non-blocking bulkhead for one provider endpoint ({@code maxConcurrency}): at most {@code max}
 * attempts in flight per gateway replica, plus a short bounded queue — at most {@code max(1,
 * max/4)} waiters, each waiting at most {@link #MAX_WAIT_MS}. A full queue or an expired wait is
 * rejected at once, so callers fall over to the next target (or answer 503) instead of queueing
 * without bound.
 *
 * <p>Nothing blocks: a waiter is a promise that is completed on the waiter's own Vert.x context
 * when a permit is handed over. The counter is shared by every event loop, hence the lock (held for
 * a few field updates only).
 */
public final class Bulkhead {

  /** The longest a request waits for a permit before the bulkhead counts as full. */
  public static final long MAX_WAIT_MS = 50;

  /** Rejection of an attempt because the endpoint is at its concurrency limit. */
  public static final class FullException extends RuntimeException {
    public FullException(String message) {
      super(message, null, false, false);
    }
  }

  /** One held slot; {@link #release()} is idempotent. */
  public final class Permit implements SlotPermit {
    private final AtomicBoolean released = new AtomicBoolean();

    @Override
    public void release() {
      if (released.compareAndSet(false, true)) {
        Bulkhead.this.release();
      }
    }
  }

  private static final class Waiter {
    final Promise<Permit> promise = Promise.promise();
    final Context context;
    long timerId = -1;

    Waiter(Context context) {
      this.context = context;
    }
  }

  private final Vertx vertx;
  private final GatewayClock clock;
  private final String name;
  private final Deque<Waiter> waiters = new ArrayDeque<>();
  private int max;
  private int inFlight;

  public Bulkhead(Vertx vertx, String name, int max) {
    this(vertx, new VertxClock(vertx), name, max);
  }

  /** A bulkhead whose waits are timed by {@code clock}. */
  public Bulkhead(Vertx vertx, GatewayClock clock, String name, int max) {
    this.vertx = vertx;
    this.clock = clock;
    this.name = name;
    this.max = Math.max(1, max);
  }

  /** Changes the limit after a reload; in-flight attempts keep their permits. */
  public void resize(int newMax) {
    synchronized (this) {
      max = Math.max(1, newMax);
    }
    drain();
  }

  public synchronized int max() {
    return max;
  }

  public synchronized int inFlight() {
    return inFlight;
  }

  private Vertx vertx() {
    return vertx != null ? vertx : Vertx.currentContext().owner();
  }

  private int queueCapacity() {
    return Math.max(1, max / 4);
  }

  /**
   * A permit now, after a short wait, or a failed future with {@link FullException}. Must be called
   * on a Vert.x context (the waiter is woken there).
   */
  public Future<Permit> acquire() {
    Waiter waiter;
    synchronized (this) {
      if (inFlight < max) {
        inFlight++;
        return Future.succeededFuture(new Permit());
      }
      if (waiters.size() >= queueCapacity()) {
        return Future.failedFuture(full());
      }
      waiter = new Waiter(vertx().getOrCreateContext());
      waiters.addLast(waiter);
    }
    waiter.timerId =
        clock.setTimer(
            MAX_WAIT_MS,
            id -> {
              boolean removed;
              synchronized (this) {
                removed = waiters.remove(waiter);
              }
              if (removed) {
                waiter.promise.tryFail(full());
              }
            });
    return waiter.promise.future();
  }

  private FullException full() {
    return new FullException(name + " is at its concurrency limit (maxConcurrency " + max + ")");
  }

  private void release() {
    Waiter next;
    synchronized (this) {
      next = inFlight <= max ? waiters.pollFirst() : null;
      if (next == null) {
        inFlight--;
        return;
      }
      // The slot passes straight to the waiter: inFlight stays the same.
    }
    handOver(next);
  }

  /** After growing, hands free slots to queued waiters. */
  private void drain() {
    while (true) {
      Waiter next;
      synchronized (this) {
        if (inFlight >= max || waiters.isEmpty()) {
          return;
        }
        next = waiters.pollFirst();
        inFlight++;
      }
      handOver(next);
    }
  }

  private void handOver(Waiter waiter) {
    Permit permit = new Permit();
    waiter.context.runOnContext(
        v -> {
          clock.cancelTimer(waiter.timerId);
          if (!waiter.promise.tryComplete(permit)) {
            permit.release();
          }
        });
  }
}
