package dev.switchboard.gateway.state;

import dev.switchboard.gateway.resilience.TokenBucket;
import io.vertx.core.Future;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Counts in this replica's memory, with the same semantics as {@link RedisStateStore}'s scripts:
 * the store without Redis, and the fallback of consumers whose outage policy is {@code allow}. With
 * N replicas each counts alone, so a consumer may get up to N times its limits. Old periods and
 * idle buckets are dropped as new ones appear, so memory stays bounded by the live consumers.
 *
 * <p>Everything of one consumer hangs off one entry found by its name: the admission and settlement
 * of every request pass here, so they make no composite keys (formerly six string concatenations
 * and as many hash lookups per request).
 */
public final class LocalStateStore implements StateStore {

  private static final long MINUTE_MS = 60_000;

  /** Buckets idle this long are full again and can be forgotten. */
  private static final long IDLE_MS = 2 * MINUTE_MS;

  private record Reservation(long nanoUsd, String day, String month) {}

  /**
   * A token bucket of one limit of one consumer; a changed limit starts a fresh (full) bucket. Not
   * a {@link TokenBucket} (whose refill and wait arithmetic it uses): it refills to the gateway
   * clock's time carried by each call rather than reading a clock, is guarded by the store's lock,
   * and is swept by its last refill and level.
   */
  private static final class Bucket {
    final long perMinute;
    double level;
    long lastMs;

    Bucket(long perMinute, long nowMs) {
      this.perMinute = perMinute;
      this.level = perMinute;
      this.lastMs = nowMs;
    }
  }

  /** One consumer's counters. */
  private static final class Counts {
    /** Per limit index: request bucket at [2i], token bucket at [2i+1]; grown as needed. */
    Bucket[] buckets = new Bucket[2];

    final Map<String, Long> committedDay = new HashMap<>();
    final Map<String, Long> committedMonth = new HashMap<>();
    final Map<String, Long> spentDay = new HashMap<>();
    final Map<String, Long> spentMonth = new HashMap<>();
    final Map<String, Reservation> open = new HashMap<>();

    Bucket bucket(int index, boolean tokens, long perMinute, long nowMs) {
      int slot = 2 * index + (tokens ? 1 : 0);
      if (slot >= buckets.length) {
        buckets = java.util.Arrays.copyOf(buckets, Math.max(slot + 1, buckets.length * 2));
      }
      Bucket b = buckets[slot];
      if (b == null || b.perMinute != perMinute) {
        b = new Bucket(perMinute, nowMs);
        buckets[slot] = b;
      } else if (nowMs > b.lastMs) {
        b.level = TokenBucket.refilled(b.level, perMinute, nowMs - b.lastMs, MINUTE_MS);
        b.lastMs = nowMs;
      }
      return b;
    }

    /** Forgets buckets idle long enough to be full again; whether any bucket is left. */
    boolean sweepBuckets(long nowMs) {
      boolean any = false;
      for (int i = 0; i < buckets.length; i++) {
        Bucket b = buckets[i];
        if (b != null && nowMs - b.lastMs > IDLE_MS && b.level >= 0) {
          buckets[i] = null;
        }
        any |= buckets[i] != null;
      }
      return any;
    }
  }

  private final Map<String, Counts> consumers = new HashMap<>();
  private long lastSweepMs;

  @Override
  public synchronized Future<Admission> admit(AdmitCall call) {
    return Future.succeededFuture(admitNow(call));
  }

  /** {@link #admit} without the Future (the fallback path calls it directly). */
  public synchronized Admission admitNow(AdmitCall call) {
    sweep(call);
    Counts c = consumers.computeIfAbsent(call.consumer(), k -> new Counts());
    long day = c.committedDay.getOrDefault(call.day(), 0L);
    long month = c.committedMonth.getOrDefault(call.month(), 0L);
    if (c.open.containsKey(call.reservationId())) {
      return new Admission(Admission.Verdict.ADMITTED, null, 0, day, month);
    }
    List<Limit> limits = call.limits();
    for (int i = 0; i < limits.size(); i++) {
      Limit limit = limits.get(i);
      if (limit.tokensPerMinute() > 0) {
        Bucket b = c.bucket(i, true, limit.tokensPerMinute(), call.nowMs());
        if (b.level <= 0) {
          return rateLimited("tokens", b, 1e-9, limit.tokensPerMinute(), day, month);
        }
      }
      if (limit.requestsPerMinute() > 0) {
        Bucket b = c.bucket(i, false, limit.requestsPerMinute(), call.nowMs());
        if (b.level < 1) {
          return rateLimited("requests", b, 1, limit.requestsPerMinute(), day, month);
        }
      }
    }
    if (call.dayLimitNanoUsd() >= 0 && day + call.reserveNanoUsd() > call.dayLimitNanoUsd()) {
      return new Admission(Admission.Verdict.BUDGET_EXHAUSTED, "day", 0, day, month);
    }
    if (call.monthLimitNanoUsd() >= 0 && month + call.reserveNanoUsd() > call.monthLimitNanoUsd()) {
      return new Admission(Admission.Verdict.BUDGET_EXHAUSTED, "month", 0, day, month);
    }
    for (int i = 0; i < limits.size(); i++) {
      Limit limit = limits.get(i);
      if (limit.requestsPerMinute() > 0) {
        c.bucket(i, false, limit.requestsPerMinute(), call.nowMs()).level -= 1;
      }
    }
    day += call.reserveNanoUsd();
    month += call.reserveNanoUsd();
    c.committedDay.put(call.day(), day);
    c.committedMonth.put(call.month(), month);
    c.open.put(
        call.reservationId(), new Reservation(call.reserveNanoUsd(), call.day(), call.month()));
    return new Admission(Admission.Verdict.ADMITTED, null, 0, day, month);
  }

  @Override
  public synchronized Future<Void> settle(SettleCall call) {
    settleNow(call);
    return Future.succeededFuture();
  }

  /** {@link #settle} without the Future. */
  public synchronized void settleNow(SettleCall call) {
    Counts c = consumers.get(call.consumer());
    Reservation r = c == null ? null : c.open.remove(call.reservationId());
    if (r == null) {
      return;
    }
    long delta = call.costNanoUsd() - r.nanoUsd();
    c.committedDay.merge(r.day(), delta, Long::sum);
    c.committedMonth.merge(r.month(), delta, Long::sum);
    c.spentDay.merge(r.day(), call.costNanoUsd(), Long::sum);
    c.spentMonth.merge(r.month(), call.costNanoUsd(), Long::sum);
    if (call.unserved()) {
      List<Limit> limits = call.limits();
      for (int i = 0; i < limits.size(); i++) {
        Limit limit = limits.get(i);
        if (limit.requestsPerMinute() > 0) {
          Bucket b = c.bucket(i, false, limit.requestsPerMinute(), call.nowMs());
          b.level = Math.min(limit.requestsPerMinute(), b.level + 1);
        }
      }
    }
    if (call.tokens() > 0) {
      List<Limit> limits = call.limits();
      for (int i = 0; i < limits.size(); i++) {
        Limit limit = limits.get(i);
        if (limit.tokensPerMinute() > 0) {
          c.bucket(i, true, limit.tokensPerMinute(), call.nowMs()).level -= call.tokens();
        }
      }
    }
  }

  @Override
  public synchronized Future<Spend> spend(String consumer, String day, String month) {
    Counts c = consumers.get(consumer);
    return Future.succeededFuture(
        c == null
            ? new Spend(0, 0)
            : new Spend(c.spentDay.getOrDefault(day, 0L), c.spentMonth.getOrDefault(month, 0L)));
  }

  @Override
  public boolean shared() {
    return false;
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }

  private static Admission rateLimited(
      String dimension, Bucket b, double need, long perMinute, long day, long month) {
    long waitMs = TokenBucket.millisUntil(need, b.level, perMinute);
    return new Admission(Admission.Verdict.RATE_LIMITED, dimension, waitMs, day, month);
  }

  /**
   * Once a minute: forgets buckets idle long enough to be full again, the budget periods before the
   * current day and month (their spend is history, no longer a limit), and consumers with nothing
   * left.
   */
  private void sweep(AdmitCall call) {
    long nowMs = call.nowMs();
    if (nowMs - lastSweepMs < MINUTE_MS) {
      return;
    }
    lastSweepMs = nowMs;
    String day = call.day();
    String month = call.month();
    consumers
        .values()
        .removeIf(
            c -> {
              boolean buckets = c.sweepBuckets(nowMs);
              c.committedDay.keySet().removeIf(d -> !d.equals(day));
              c.spentDay.keySet().removeIf(d -> !d.equals(day));
              c.committedMonth.keySet().removeIf(m -> !m.equals(month));
              c.spentMonth.keySet().removeIf(m -> !m.equals(month));
              return !buckets
                  && c.open.isEmpty()
                  && c.committedDay.isEmpty()
                  && c.committedMonth.isEmpty()
                  && c.spentDay.isEmpty()
                  && c.spentMonth.isEmpty();
            });
  }
}
