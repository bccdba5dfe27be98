package dev.switchboard.gateway.time;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TEST ONLY: a clock whose wall time runs {@code offset} ahead of (or behind) another's, the offset
 * read from a file and re-read every {@value #REREAD_MS} ms, so an end-to-end test can move a
 * running gateway across a price or schedule window boundary by rewriting one file (in a cluster: a
 * mounted ConfigMap). Monotonic time and timers are the other clock's: deadlines and latencies stay
 * true while the time of day jumps. Used only when {@code --test-clock-offset-file} is given.
 */
public final class OffsetClock implements GatewayClock {

  /** How often the offset file is read again. */
  public static final long REREAD_MS = 200;

  private static final Logger LOG = LoggerFactory.getLogger(OffsetClock.class);

  private final GatewayClock inner;
  private volatile long offsetMs;
  private volatile String lastProblem;

  private OffsetClock(GatewayClock inner) {
    this.inner = inner;
  }

  /**
   * Wraps {@code inner}, reads {@code file} once now (blocking: it runs at start, before any
   * request) and then every {@value #REREAD_MS} ms without blocking the event loop. A missing or
   * unreadable file means offset zero.
   */
  public static OffsetClock watching(Vertx vertx, GatewayClock inner, Path file) {
    OffsetClock clock = new OffsetClock(inner);
    LOG.warn(
        "TEST ONLY: the gateway's wall clock is moved by the offset in {}; never use this in"
            + " production",
        file);
    try {
      clock.apply(vertx.fileSystem().readFileBlocking(file.toString()));
    } catch (RuntimeException e) {
      clock.apply(null);
    }
    inner.setPeriodic(
        REREAD_MS,
        id ->
            vertx
                .fileSystem()
                .readFile(file.toString())
                .onSuccess(clock::apply)
                .onFailure(err -> clock.apply(null)));
    return clock;
  }

  /** Wraps {@code inner} with a fixed offset (tests). */
  public static OffsetClock fixed(GatewayClock inner, Duration offset) {
    OffsetClock clock = new OffsetClock(inner);
    clock.offsetMs = offset.toMillis();
    return clock;
  }

  /** The offset in force. */
  public Duration offset() {
    return Duration.ofMillis(offsetMs);
  }

  private void apply(Buffer content) {
    String text = content == null ? "" : content.toString().strip();
    try {
      offsetMs = parse(text).toMillis();
      lastProblem = null;
    } catch (IllegalArgumentException e) {
      // Keep the last good offset, and say so once rather than every 200 ms.
      if (!e.getMessage().equals(lastProblem)) {
        lastProblem = e.getMessage();
        LOG.warn("test clock offset file ignored: {}", e.getMessage());
      }
    }
  }

  /** An ISO-8601 duration ({@code PT2H}, {@code -PT30M}) or whole milliseconds; blank is zero. */
  static Duration parse(String text) {
    if (text.isEmpty()) {
      return Duration.ZERO;
    }
    try {
      return Duration.ofMillis(Long.parseLong(text));
    } catch (NumberFormatException notMillis) {
      try {
        return Duration.parse(text);
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException(
            "expected an ISO-8601 duration such as PT2H or milliseconds, got '" + text + "'");
      }
    }
  }

  @Override
  public long currentTimeMillis() {
    return inner.currentTimeMillis() + offsetMs;
  }

  @Override
  public long nanoTime() {
    return inner.nanoTime();
  }

  @Override
  public long setTimer(long delayMs, Handler<Long> handler) {
    return inner.setTimer(delayMs, handler);
  }

  @Override
  public long setPeriodic(long periodMs, Handler<Long> handler) {
    return inner.setPeriodic(periodMs, handler);
  }

  @Override
  public boolean cancelTimer(long id) {
    return inner.cancelTimer(id);
  }
}
