package dev.switchboard.bench;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** Samples a process's RSS every 250 ms while a run lasts and keeps the peak. */
final class RssSampler implements AutoCloseable {

  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "bench-rss-sampler");
            t.setDaemon(true);
            return t;
          });
  private final AtomicLong peak = new AtomicLong(-1);

  RssSampler(long pid) {
    timer.scheduleAtFixedRate(
        () -> peak.accumulateAndGet(ProcessStats.rssBytes(pid), Math::max),
        0,
        250,
        TimeUnit.MILLISECONDS);
  }

  /** The highest RSS seen so far in bytes. */
  long peakBytes() {
    return peak.get();
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
