package dev.switchboard.gateway.resilience;

import java.util.function.LongSupplier;

/**
 * A per-minute token bucket: holds up to {@code perMinute} units and refills continuously at {@code
 * perMinute / 60 s}. Requests take one unit up front ({@link #tryTake()}); tokens are only known
 * after the answer, so they are charged afterwards ({@link #charge(long)}) and may drive the level
 * negative — a request is then admitted only while the level is positive again ({@link
 * #available()}). Thread-safe.
 */
public final class TokenBucket {

  private static final long MINUTE_NANOS = 60_000_000_000L;

  private final LongSupplier nanoClock;
  private final double capacity;
  private double level;
  private long lastNanos;

  public TokenBucket(long perMinute, LongSupplier nanoClock) {
    if (perMinute <= 0) {
      throw new IllegalArgumentException("perMinute must be positive: " + perMinute);
    }
    this.capacity = perMinute;
    this.level = perMinute;
    this.nanoClock = nanoClock;
    this.lastNanos = nanoClock.getAsLong();
  }

  /** The configured units per minute. */
  public long perMinute() {
    return (long) capacity;
  }

  /** Takes one unit; false (and nothing taken) when less than one unit is left. */
  public synchronized boolean tryTake() {
    refill();
    if (level < 1) {
      return false;
    }
    level -= 1;
    return true;
  }

  /** Gives back a unit taken for a request that never reached the upstream. */
  public synchronized void giveBack() {
    refill();
    level = Math.min(capacity, level + 1);
  }

  /** Whether the level is positive (admission for after-the-fact charged units such as tokens). */
  public synchronized boolean available() {
    refill();
    return level > 0;
  }

  /** Charges {@code units} already spent; the level may go negative. */
  public synchronized void charge(long units) {
    if (units <= 0) {
      return;
    }
    refill();
    level -= units;
  }

  /**
   * Milliseconds until {@code units} are available again (0 when they are now): the basis of a
   * {@code Retry-After}.
   */
  public synchronized long millisUntil(double units) {
    refill();
    return millisUntil(units, level, capacity);
  }

  /**
   * The level of a bucket of {@code perPeriod} units per {@code period} that was at {@code level}
   * {@code elapsed} ago (both in one time unit): refilled continuously, never above {@code
   * perPeriod}. The one refill rule of the per-minute buckets counted on a replica (these, and the
   * local store's consumer buckets); the shared store's scripts apply the same in Lua.
   */
  public static double refilled(double level, double perPeriod, long elapsed, long period) {
    return Math.min(perPeriod, level + elapsed * perPeriod / period);
  }

  /**
   * Milliseconds until a bucket of {@code perMinute} now at {@code level} holds {@code units} (0
   * when it does): the basis of a {@code Retry-After}.
   */
  public static long millisUntil(double units, double level, double perMinute) {
    if (level >= units) {
      return 0;
    }
    double missing = units - level;
    return (long) Math.ceil(missing * 60_000.0 / perMinute);
  }

  private void refill() {
    long now = nanoClock.getAsLong();
    long elapsed = now - lastNanos;
    if (elapsed > 0) {
      level = refilled(level, capacity, elapsed, MINUTE_NANOS);
      lastNanos = now;
    }
  }
}
