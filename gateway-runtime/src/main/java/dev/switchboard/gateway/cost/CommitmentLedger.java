package dev.switchboard.gateway.cost;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.request.TokenUsage;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What each target used in the current calendar month (UTC): tokens and spend at its own prices,
 * counted from every answered request, so that a prepaid {@code pricing.commitment} can be treated
 * as free capacity by the cost-aware strategies until the month's use reaches it. Counts are this
 * replica's; a month's counts are dropped once the next month has begun.
 */
public final class CommitmentLedger {

  /**
   * One target's use in one month; {@code spendUsd} at the target's own (list or window) prices.
   */
  public record Usage(long tokens, double spendUsd) {}

  private static final class Counter {
    final AtomicLong tokens = new AtomicLong();
    final AtomicLong spendNanoUsd = new AtomicLong();
  }

  private final Map<String, Counter> byMonthTarget = new ConcurrentHashMap<>();
  private volatile String currentMonth = "";

  /** Counts an answered request of {@code targetId} at {@code nowMs}. */
  public void record(String targetId, TokenUsage usage, Double costUsd, long nowMs) {
    if (targetId == null || usage == null) {
      return;
    }
    String month = month(nowMs);
    if (!month.equals(currentMonth)) {
      currentMonth = month;
      byMonthTarget.keySet().removeIf(k -> !k.startsWith(month + " "));
    }
    Counter c = byMonthTarget.computeIfAbsent(month + " " + targetId, k -> new Counter());
    c.tokens.addAndGet(usage.inputTokens() + usage.outputTokens());
    if (costUsd != null) {
      c.spendNanoUsd.addAndGet(Math.round(costUsd * 1e9));
    }
  }

  /** What {@code targetId} used in the month of {@code nowMs}. */
  public Usage used(String targetId, long nowMs) {
    Counter c = byMonthTarget.get(month(nowMs) + " " + targetId);
    return c == null ? new Usage(0, 0) : new Usage(c.tokens.get(), c.spendNanoUsd.get() / 1e9);
  }

  /** Whether {@code commitment} still has room for {@code targetId} this month. */
  public boolean left(String targetId, RoutingTable.Commitment commitment, long nowMs) {
    return commitment != null && covers(commitment, used(targetId, nowMs));
  }

  /** Whether a commitment still has room after {@code used}. */
  public static boolean covers(RoutingTable.Commitment commitment, Usage used) {
    if (commitment.tokensPerMonth() != null) {
      return used.tokens() < commitment.tokensPerMonth();
    }
    if (commitment.spendPerMonth() != null) {
      return used.spendUsd() < commitment.spendPerMonth();
    }
    return false;
  }

  /**
   * The status of a commitment: its size, the month's use so far and the use projected to the
   * month's end at the month's pace so far.
   */
  public Map<String, Object> status(
      String targetId, RoutingTable.Commitment commitment, long nowMs) {
    Usage used = used(targetId, nowMs);
    boolean tokens = commitment.tokensPerMonth() != null;
    double size = tokens ? commitment.tokensPerMonth() : orZero(commitment.spendPerMonth());
    double sofar = tokens ? used.tokens() : used.spendUsd();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("target", targetId);
    out.put("month", month(nowMs));
    out.put("unit", tokens ? "tokens" : "spend");
    out.put("committed", size);
    out.put("used", sofar);
    out.put("usedFraction", size <= 0 ? 1.0 : sofar / size);
    out.put("projectedMonthEnd", projectMonthEnd(sofar, nowMs));
    out.put("exhausted", !covers(commitment, used));
    return out;
  }

  /** {@code used} so far this month, extrapolated linearly to the month's end. */
  public static double projectMonthEnd(double used, long nowMs) {
    Instant now = Instant.ofEpochMilli(nowMs);
    YearMonth ym = YearMonth.from(now.atOffset(ZoneOffset.UTC));
    long start = ym.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    long end = ym.plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    long elapsed = Math.max(60_000, nowMs - start);
    return used * (double) (end - start) / elapsed;
  }

  private static double orZero(Double d) {
    return d == null ? 0 : d;
  }

  static String month(long nowMs) {
    return YearMonth.from(Instant.ofEpochMilli(nowMs).atOffset(ZoneOffset.UTC)).toString();
  }
}
