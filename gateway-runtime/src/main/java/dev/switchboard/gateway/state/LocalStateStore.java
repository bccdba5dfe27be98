package dev.switchboard.gateway.state;

import io.vertx.core.Future;
import java.util.HashMap;
import java.util.Map;

/**
 * Counts in this replica's memory, with the same semantics as {@link RedisStateStore}'s scripts:
 * the store without Redis, and the fallback of consumers whose outage policy is {@code allow}. With
 * N replicas each counts alone, so a consumer may get up to N times its limits. Old periods and
 * idle buckets are dropped as new ones appear, so memory stays bounded by the live consumers.
 */
public final class LocalStateStore implements StateStore {

  private static final long MINUTE_MS = 60_000;

  /** Buckets idle this long are full again and can be forgotten. */
  private static final long IDLE_MS = 2 * MINUTE_MS;

  private record Reservation(long nanoUsd, String day, String month) {}

  private static final class Bucket {
    double level;
    long lastMs;
  }

  private final Map<String, Bucket> buckets = new HashMap<>();
  private final Map<String, Long> committed = new HashMap<>();
  private final Map<String, Long> spent = new HashMap<>();
  private final Map<String, Reservation> open = new HashMap<>();
  private long lastSweepMs;

  @Override
  public synchronized Future<Admission> admit(AdmitCall call) {
    return Future.succeededFuture(admitNow(call));
  }

  /** {@link #admit} without the Future (the fallback path calls it directly). */
  public synchronized Admission admitNow(AdmitCall call) {
    sweep(call);
    String dayKey = call.consumer() + "|d|" + call.day();
    String monthKey = call.consumer() + "|m|" + call.month();
    long day = committed.getOrDefault(dayKey, 0L);
    long month = committed.getOrDefault(monthKey, 0L);
    if (open.containsKey(reservationKey(call.consumer(), call.reservationId()))) {
      return new Admission(Admission.Verdict.ADMITTED, null, 0, day, month);
    }
    for (int i = 0; i < call.limits().size(); i++) {
      Limit limit = call.limits().get(i);
      if (limit.tokensPerMinute() > 0) {
        Bucket b = bucket(call.consumer(), i, "t", limit.tokensPerMinute(), call.nowMs());
        if (b.level <= 0) {
          return rateLimited("tokens", b, 1e-9, limit.tokensPerMinute(), day, month);
        }
      }
      if (limit.requestsPerMinute() > 0) {
        Bucket b = bucket(call.consumer(), i, "r", limit.requestsPerMinute(), call.nowMs());
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
    for (int i = 0; i < call.limits().size(); i++) {
      Limit limit = call.limits().get(i);
      if (limit.requestsPerMinute() > 0) {
        bucket(call.consumer(), i, "r", limit.requestsPerMinute(), call.nowMs()).level -= 1;
      }
    }
    day += call.reserveNanoUsd();
    month += call.reserveNanoUsd();
    committed.put(dayKey, day);
    committed.put(monthKey, month);
    open.put(
        reservationKey(call.consumer(), call.reservationId()),
        new Reservation(call.reserveNanoUsd(), call.day(), call.month()));
    return new Admission(Admission.Verdict.ADMITTED, null, 0, day, month);
  }

  @Override
  public synchronized Future<Void> settle(SettleCall call) {
    settleNow(call);
    return Future.succeededFuture();
  }

  /** {@link #settle} without the Future. */
  public synchronized void settleNow(SettleCall call) {
    Reservation r = open.remove(reservationKey(call.consumer(), call.reservationId()));
    if (r == null) {
      return;
    }
    long delta = call.costNanoUsd() - r.nanoUsd();
    committed.merge(call.consumer() + "|d|" + r.day(), delta, Long::sum);
    committed.merge(call.consumer() + "|m|" + r.month(), delta, Long::sum);
    spent.merge(call.consumer() + "|d|" + r.day(), call.costNanoUsd(), Long::sum);
    spent.merge(call.consumer() + "|m|" + r.month(), call.costNanoUsd(), Long::sum);
    if (call.tokens() > 0) {
      for (int i = 0; i < call.limits().size(); i++) {
        Limit limit = call.limits().get(i);
        if (limit.tokensPerMinute() > 0) {
          bucket(call.consumer(), i, "t", limit.tokensPerMinute(), call.nowMs()).level -=
              call.tokens();
        }
      }
    }
  }

  @Override
  public synchronized Future<Spend> spend(String consumer, String day, String month) {
    return Future.succeededFuture(
        new Spend(
            spent.getOrDefault(consumer + "|d|" + day, 0L),
            spent.getOrDefault(consumer + "|m|" + month, 0L)));
  }

  @Override
  public boolean shared() {
    return false;
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }

  private Bucket bucket(String consumer, int index, String kind, long perMinute, long nowMs) {
    Bucket b =
        buckets.computeIfAbsent(
            consumer + "|" + index + "|" + kind + "|" + perMinute,
            k -> {
              Bucket fresh = new Bucket();
              fresh.level = perMinute;
              fresh.lastMs = nowMs;
              return fresh;
            });
    if (nowMs > b.lastMs) {
      b.level = Math.min(perMinute, b.level + (nowMs - b.lastMs) * (double) perMinute / MINUTE_MS);
      b.lastMs = nowMs;
    }
    return b;
  }

  private static Admission rateLimited(
      String dimension, Bucket b, double need, long perMinute, long day, long month) {
    long waitMs = (long) Math.ceil((need - b.level) * MINUTE_MS / perMinute);
    return new Admission(Admission.Verdict.RATE_LIMITED, dimension, waitMs, day, month);
  }

  private static String reservationKey(String consumer, String id) {
    return consumer + "|" + id;
  }

  /**
   * Once a minute: forgets buckets idle long enough to be full again, and the budget periods before
   * the current day and month (their spend is history, no longer a limit).
   */
  private void sweep(AdmitCall call) {
    long nowMs = call.nowMs();
    if (nowMs - lastSweepMs < MINUTE_MS) {
      return;
    }
    lastSweepMs = nowMs;
    buckets.values().removeIf(b -> nowMs - b.lastMs > IDLE_MS && b.level >= 0);
    String day = "|d|" + call.day();
    String month = "|m|" + call.month();
    committed.keySet().removeIf(k -> !k.endsWith(day) && !k.endsWith(month));
    spent.keySet().removeIf(k -> !k.endsWith(day) && !k.endsWith(month));
  }
}
