package dev.switchboard.gateway.resilience;

import java.util.function.LongSupplier;

/**
 * A retry budget in the Envoy/Linkerd design: over a sliding window (10 one-second buckets), a
 * retry is allowed while {@code retries < ratio × requests + minPerSecond × windowSeconds}. So a
 * provider outage can add at most {@code ratio} to upstream traffic (plus a small floor that keeps
 * retries working at low traffic) instead of multiplying it by the chain length.
 *
 * <p>Every attempt after a request's first one counts as a retry: a same-target retry and a
 * failover to a different target alike, because both add upstream traffic. Thread-safe (shared by
 * every event loop), cheap (a lock over a ten-slot ring).
 */
public final class RetryBudget {

  /** Length of the sliding window. */
  public static final int WINDOW_SECONDS = 10;

  private final LongSupplier nanoClock;
  private final long[] requests = new long[WINDOW_SECONDS];
  private final long[] retries = new long[WINDOW_SECONDS];
  private final long[] bucketSecond = new long[WINDOW_SECONDS];
  private volatile double ratio;
  private volatile int minPerSecond;

  public RetryBudget(double ratio, int minPerSecond, LongSupplier nanoClock) {
    this.ratio = ratio;
    this.minPerSecond = minPerSecond;
    this.nanoClock = nanoClock;
  }

  /** Applies new settings from a reloaded table, keeping the counts. */
  public void configure(double ratio, int minPerSecond) {
    this.ratio = ratio;
    this.minPerSecond = minPerSecond;
  }

  /** Counts one client request. */
  public synchronized void recordRequest() {
    requests[slot()]++;
  }

  /** Takes a retry from the budget; false when the budget is spent (then do not retry). */
  public synchronized boolean tryRetry() {
    int slot = slot();
    long sumRequests = 0;
    long sumRetries = 0;
    for (int i = 0; i < WINDOW_SECONDS; i++) {
      sumRequests += requests[i];
      sumRetries += retries[i];
    }
    double allowed = ratio * sumRequests + (double) minPerSecond * WINDOW_SECONDS;
    if (sumRetries + 1 > allowed) {
      return false;
    }
    retries[slot]++;
    return true;
  }

  /** The ring slot of the current second, clearing slots that fell out of the window. */
  private int slot() {
    long second = Math.floorDiv(nanoClock.getAsLong(), 1_000_000_000L);
    int slot = (int) Math.floorMod(second, WINDOW_SECONDS);
    if (bucketSecond[slot] != second) {
      bucketSecond[slot] = second;
      requests[slot] = 0;
      retries[slot] = 0;
    }
    // Slots not touched for a whole window still hold old counts: clear them too.
    for (int i = 0; i < WINDOW_SECONDS; i++) {
      if (second - bucketSecond[i] >= WINDOW_SECONDS) {
        requests[i] = 0;
        retries[i] = 0;
        bucketSecond[i] = second - WINDOW_SECONDS; // stays stale until reused
      }
    }
    return slot;
  }
}
