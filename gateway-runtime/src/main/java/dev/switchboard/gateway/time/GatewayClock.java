package dev.switchboard.gateway.time;

import io.vertx.core.Handler;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The one source of time in the gateway: wall time (Retry-After dates, cool-downs, log stamps,
 * time-of-day routing, stats windows), monotonic time (deadlines, latencies, token buckets, breaker
 * call durations) and timers (attempt timeouts, backoff, bulkhead waits, health probes). Injected
 * everywhere so tests can fast-forward it ({@code ManualClock} in the tests) instead of sleeping.
 */
public interface GatewayClock {

  /** Wall time in epoch milliseconds. */
  long currentTimeMillis();

  /** Monotonic time in nanoseconds; only differences are meaningful. */
  long nanoTime();

  /**
   * Runs {@code handler} once after {@code delayMs}, on the Vert.x context that set the timer (as
   * {@code Vertx.setTimer} does).
   *
   * @return the timer's id, for {@link #cancelTimer}
   */
  long setTimer(long delayMs, Handler<Long> handler);

  /** Runs {@code handler} every {@code periodMs} on the setting context until cancelled. */
  long setPeriodic(long periodMs, Handler<Long> handler);

  /** Cancels a timer; false when it already fired or never existed. */
  boolean cancelTimer(long id);

  /** The wall time as an {@link Instant}. */
  default Instant instant() {
    return Instant.ofEpochMilli(currentTimeMillis());
  }

  /**
   * This clock as a {@link java.time.Clock} in UTC, for libraries that accept one (Resilience4j's
   * circuit breaker windows, time-of-day rules).
   */
  default Clock asJavaClock() {
    return new JavaClockView(this, ZoneOffset.UTC);
  }

  /** A {@link Clock} reading a {@link GatewayClock}'s wall time. */
  final class JavaClockView extends Clock {
    private final GatewayClock clock;
    private final ZoneId zone;

    JavaClockView(GatewayClock clock, ZoneId zone) {
      this.clock = clock;
      this.zone = zone;
    }

    @Override
    public ZoneId getZone() {
      return zone;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return new JavaClockView(clock, zone);
    }

    @Override
    public Instant instant() {
      return clock.instant();
    }

    @Override
    public long millis() {
      return clock.currentTimeMillis();
    }
  }
}
