package dev.switchboard.gateway.resilience;

import dev.switchboard.gateway.time.GatewayClock;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.core.IntervalFunction;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The end of a circuit breaker's current open period, taken from the very clock reading the breaker
 * starts it with, so that what the gateway reports (the state gauges, {@code /admin/config}) is the
 * state the breaker is in <em>in effect</em>: an open breaker whose period is over lets its next
 * request through as a half-open probe, and is reported half-open, though nothing asked it yet.
 *
 * <p>Resilience4j moves a breaker from open to half-open only when asked ({@code
 * tryAcquirePermission}: strictly after {@code openedAt + openFor}); the gateway runs no scheduler
 * thread for it. A reader may not ask it (that takes one of the half-open probes), nor move it
 * itself with {@code transitionToHalfOpenState()} (a request already past the same open state's
 * check would move it again, half-open to half-open, handing out a fresh set of probes), and the
 * breaker's state-transition events are no way either: once a consumer is registered, every call's
 * success or error event is built and dispatched, a cost on every request. Instead the breaker is
 * built with {@link #openFor()} as its wait in the open state and {@link #clock()} as its clock:
 * Resilience4j builds an open state by calling the one and then reading the other, on the thread
 * that opens it and before the state becomes visible. That reading is the start of the period, to
 * the millisecond the breaker itself compares with, and it is written before any reader can see the
 * new open state; readers never change the breaker. (A breaker opened with {@code
 * transitionToOpenStateFor/Until} would bypass the wait function: the gateway never does that.)
 */
final class OpenPeriod {

  /** No open period has started, or one is starting: an open breaker is reported open. */
  private static final long NOT_STARTED = Long.MAX_VALUE;

  private final GatewayClock clock;
  private final long openForMs;
  private final Clock breakerClock = new BreakerClock(ZoneOffset.UTC);

  /**
   * The thread opening the breaker right now: its next clock reading starts the period. A plain
   * field, read on every clock reading of the breaker: a thread only ever finds itself here after
   * writing it itself, and the opening thread reads back its own write.
   */
  private Thread opening;

  private volatile long endsAtMs = NOT_STARTED;

  OpenPeriod(GatewayClock clock, long openForMs) {
    this.clock = clock;
    this.openForMs = openForMs;
  }

  /**
   * The breaker's wait in the open state ({@code waitIntervalFunctionInOpenState}): always {@code
   * openFor}; called as the breaker opens, just before it reads the period's start from {@link
   * #clock()}.
   */
  IntervalFunction openFor() {
    return attempt -> {
      endsAtMs = NOT_STARTED;
      opening = Thread.currentThread();
      return openForMs;
    };
  }

  /** The gateway clock as the breaker's {@link Clock}, noting the start of each open period. */
  Clock clock() {
    return breakerClock;
  }

  /**
   * The state the breaker is in at the gateway clock's now, as its next request would meet it: an
   * open breaker whose open period is over is half-open in effect (its next request is a probe).
   *
   * @param state the breaker's own state ({@code getState()}), read before this call
   */
  CircuitBreaker.State inEffect(CircuitBreaker.State state) {
    return state == CircuitBreaker.State.OPEN && clock.currentTimeMillis() > endsAtMs
        ? CircuitBreaker.State.HALF_OPEN
        : state;
  }

  private long read() {
    long now = clock.currentTimeMillis();
    Thread o = opening;
    if (o != null && o == Thread.currentThread()) {
      opening = null;
      endsAtMs = now + openForMs;
    }
    return now;
  }

  /** The gateway's wall time (as {@link GatewayClock#asJavaClock()}), through {@link #read()}. */
  private final class BreakerClock extends Clock {
    private final ZoneId zone;

    BreakerClock(ZoneId zone) {
      this.zone = zone;
    }

    @Override
    public ZoneId getZone() {
      return zone;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return new BreakerClock(zone);
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(read());
    }

    @Override
    public long millis() {
      return read();
    }
  }
}
