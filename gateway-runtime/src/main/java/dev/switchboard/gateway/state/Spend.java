package dev.switchboard.gateway.state;

/** What a consumer has spent in nano-USD: the real cost of its settled requests. */
public record Spend(long dayNanoUsd, long monthNanoUsd) {

  /** Nano-USD per USD: budgets are counted in integers so that shared sums are exact. */
  public static final long NANOS_PER_USD = 1_000_000_000L;

  /** USD as nano-USD, rounded up (a reservation never undercounts). */
  public static long toNanos(double usd) {
    return (long) Math.ceil(usd * NANOS_PER_USD);
  }

  public static double toUsd(long nanos) {
    return nanos / (double) NANOS_PER_USD;
  }
}
