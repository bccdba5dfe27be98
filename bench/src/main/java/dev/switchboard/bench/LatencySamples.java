package dev.switchboard.bench;

import java.util.Arrays;

/**
 * Exact latency samples in nanoseconds. The runs are bounded, so keeping every sample and sorting
 * once is cheaper to trust than a histogram's bucket error at sub-millisecond differences.
 */
public final class LatencySamples {

  private long[] values = new long[1024];
  private int size;
  private boolean sorted = true;

  /** Adds one sample; not thread-safe, each recorder belongs to one event loop or thread. */
  public void add(long nanos) {
    if (size == values.length) {
      values = Arrays.copyOf(values, size * 2);
    }
    values[size++] = nanos;
    sorted = false;
  }

  /** Adds every sample of {@code other}. */
  public void addAll(LatencySamples other) {
    for (int i = 0; i < other.size; i++) {
      add(other.values[i]);
    }
  }

  public int size() {
    return size;
  }

  /** The {@code p}-th percentile (0..100, nearest rank) in milliseconds; NaN when empty. */
  public double percentileMs(double p) {
    if (size == 0) {
      return Double.NaN;
    }
    sort();
    int rank = (int) Math.ceil(p / 100.0 * size);
    int index = Math.min(size - 1, Math.max(0, rank - 1));
    return values[index] / 1_000_000.0;
  }

  /** The largest sample in milliseconds; NaN when empty. */
  public double maxMs() {
    if (size == 0) {
      return Double.NaN;
    }
    sort();
    return values[size - 1] / 1_000_000.0;
  }

  /** The mean in milliseconds; NaN when empty. */
  public double meanMs() {
    if (size == 0) {
      return Double.NaN;
    }
    double sum = 0;
    for (int i = 0; i < size; i++) {
      sum += values[i];
    }
    return sum / size / 1_000_000.0;
  }

  /** How many samples exceed {@code thresholdMs}. */
  public int countAboveMs(double thresholdMs) {
    long limit = (long) (thresholdMs * 1_000_000);
    int count = 0;
    for (int i = 0; i < size; i++) {
      if (values[i] > limit) {
        count++;
      }
    }
    return count;
  }

  private void sort() {
    if (!sorted) {
      Arrays.sort(values, 0, size);
      sorted = true;
    }
  }
}
