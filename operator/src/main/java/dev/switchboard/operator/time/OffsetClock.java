package dev.switchboard.operator.time;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.concurrent.atomic.AtomicLong;

/**
 * TEST ONLY: a wall clock running a settable offset ahead of another, so an end-to-end test can
 * move a running operator across schedule times (30 drift-check nights in seconds) the way the
 * gateway's {@code --test-clock-offset-file} moves the gateway. The operator uses it only when a
 * test (or the local stack's {@code Options.withOperatorClock}) passes one to {@code
 * SwitchboardOperator.start}; nothing in a deployed operator creates it.
 *
 * <p>A clock that can jump makes waits computed from it meaningless in real time (the next drift
 * run "in 23 hours" is one {@link #advance} away), so under this clock the operator looks at drift
 * schedules, at running canaries (their next analysis or step), and at routes whose gateway
 * replicas are still catching up with the published table, again every {@link #RECHECK} of real
 * time instead.
 */
public final class OffsetClock extends Clock {

  /**
   * How often, in real time, a policy's drift schedule, a running canary and a route whose replicas
   * are catching up are looked at again under this clock.
   */
  public static final Duration RECHECK = Duration.ofMillis(200);

  private final Clock inner;
  private final AtomicLong offsetMillis;

  private OffsetClock(Clock inner, AtomicLong offsetMillis) {
    this.inner = inner;
    this.offsetMillis = offsetMillis;
  }

  /** The system clock in UTC, offset zero until moved. */
  public static OffsetClock systemUtc() {
    return new OffsetClock(Clock.systemUTC(), new AtomicLong());
  }

  /** Moves this clock (and every {@link #withZone} copy of it) {@code by} further ahead. */
  public void advance(Duration by) {
    offsetMillis.addAndGet(by.toMillis());
  }

  /** How far ahead of the real clock this one runs. */
  public Duration offset() {
    return Duration.ofMillis(offsetMillis.get());
  }

  @Override
  public ZoneId getZone() {
    return inner.getZone();
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return new OffsetClock(inner.withZone(zone), offsetMillis);
  }

  @Override
  public Instant instant() {
    return inner.instant().plusMillis(offsetMillis.get());
  }

  @Override
  public long millis() {
    return inner.millis() + offsetMillis.get();
  }
}
