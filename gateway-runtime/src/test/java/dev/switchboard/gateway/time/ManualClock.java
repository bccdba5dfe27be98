package dev.switchboard.gateway.time;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * A clock for tests that moves only when told to: {@link #advance} moves wall and monotonic time
 * together and fires every timer that fell due, in due order, each on the Vert.x context that set
 * it (directly when it was set outside a context). So deadlines, backoff, Retry-After and breaker
 * windows are exercised without sleeping. Thread-safe.
 */
public final class ManualClock implements GatewayClock {

  private record Pending(
      long id, long dueMillis, long periodMs, Handler<Long> handler, Context context) {}

  private final TreeMap<Long, Pending> timers = new TreeMap<>();
  private long nowMillis;
  private long nanos;
  private long nextId;

  /** Starts at {@code epochMillis} wall time and an arbitrary monotonic origin. */
  public ManualClock(long epochMillis) {
    this.nowMillis = epochMillis;
    this.nanos = 1_000_000_000L;
  }

  /** 2026-12-04T12:00:00Z. */
  public ManualClock() {
    this(1_796_385_600_000L);
  }

  @Override
  public synchronized long currentTimeMillis() {
    return nowMillis;
  }

  @Override
  public synchronized long nanoTime() {
    return nanos;
  }

  @Override
  public long setTimer(long delayMs, Handler<Long> handler) {
    return schedule(delayMs, 0, handler);
  }

  @Override
  public long setPeriodic(long periodMs, Handler<Long> handler) {
    return schedule(periodMs, Math.max(1, periodMs), handler);
  }

  private synchronized long schedule(long delayMs, long periodMs, Handler<Long> handler) {
    long id = nextId++;
    timers.put(
        id,
        new Pending(
            id, nowMillis + Math.max(1, delayMs), periodMs, handler, Vertx.currentContext()));
    return id;
  }

  @Override
  public synchronized boolean cancelTimer(long id) {
    return timers.remove(id) != null;
  }

  /** How many timers are waiting. */
  public synchronized int pendingTimers() {
    return timers.size();
  }

  /** Milliseconds until the earliest pending timer is due, empty when none waits. */
  public synchronized OptionalLong nextDueInMillis() {
    return timers.values().stream().mapToLong(p -> p.dueMillis() - nowMillis).min();
  }

  /** The delays (from now) of every pending timer, ascending. */
  public synchronized List<Long> pendingDelaysMillis() {
    return timers.values().stream().map(p -> p.dueMillis() - nowMillis).sorted().toList();
  }

  /** Moves time forward by {@code millis} and fires what fell due on the way, in order. */
  public void advance(long millis) {
    long target;
    synchronized (this) {
      target = nowMillis + millis;
    }
    while (true) {
      Pending due;
      synchronized (this) {
        due =
            timers.values().stream()
                .filter(p -> p.dueMillis() <= target)
                .min(Comparator.comparingLong(Pending::dueMillis).thenComparingLong(Pending::id))
                .orElse(null);
        if (due == null) {
          nanos += (target - nowMillis) * 1_000_000L;
          nowMillis = target;
          return;
        }
        nanos += (due.dueMillis() - nowMillis) * 1_000_000L;
        nowMillis = due.dueMillis();
        timers.remove(due.id());
        if (due.periodMs() > 0) {
          timers.put(
              due.id(),
              new Pending(
                  due.id(),
                  nowMillis + due.periodMs(),
                  due.periodMs(),
                  due.handler(),
                  due.context()));
        }
      }
      fire(due);
    }
  }

  private static void fire(Pending due) {
    if (due.context() == null) {
      due.handler().handle(due.id());
    } else {
      due.context().runOnContext(v -> due.handler().handle(due.id()));
    }
  }
}
