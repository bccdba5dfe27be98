package dev.switchboard.gateway.upstream;

import dev.switchboard.gateway.time.GatewayClock;

/**
 * The timeouts of a non-streamed attempt on one timer: for a plain call the first token is the
 * response head (providers send it when the answer is ready), so until the head arrives the timer
 * stands at the first-token timeout; when it fires after the head arrived it is set again for what
 * is left of the total, so the total bounds the whole answer, its body included, however steadily
 * the body trickles in (an idle timeout, reset by every chunk, would not). An answer that comes in
 * time (nearly every one) costs one timer set and one cancelled, where a timer per timeout cost two
 * and two: 5 % of the plain gateway's CPU per request went to the timers' priority queue and maps
 * (HotPathProbe). Used by proxied calls ({@link UpstreamCaller}) and the stored-response calls
 * alike. Driven from the attempt's event loop only, as its timers run there.
 */
public final class JsonAttemptTimer {
  private final GatewayClock clock;
  private final AttemptTimeouts timeouts;
  private final Runnable onFirstToken;
  private final Runnable onTotal;
  private final long startNanos;
  private long timerId;
  private boolean headers;
  private boolean stopped;

  /**
   * Starts the attempt's clock now.
   *
   * @param onFirstToken runs when no response head came within the first-token timeout
   * @param onTotal runs when the whole answer did not come within the total timeout
   */
  public JsonAttemptTimer(
      GatewayClock clock, AttemptTimeouts timeouts, Runnable onFirstToken, Runnable onTotal) {
    this.clock = clock;
    this.timeouts = timeouts;
    this.onFirstToken = onFirstToken;
    this.onTotal = onTotal;
    this.startNanos = clock.nanoTime();
    // Only a first-token timeout shorter than the total needs its own deadline.
    this.timerId =
        timeouts.firstTokenMs() < timeouts.totalMs()
            ? clock.setTimer(timeouts.firstTokenMs(), this::firstTokenDue)
            : clock.setTimer(timeouts.totalMs(), this::totalDue);
  }

  /** The response head arrived: from now on only the total bounds the attempt. */
  public void headersArrived() {
    headers = true;
  }

  private void firstTokenDue(long id) {
    timerId = -1;
    if (stopped) {
      return;
    }
    if (!headers) {
      onFirstToken.run();
      return;
    }
    long leftMs = timeouts.totalMs() - (clock.nanoTime() - startNanos) / 1_000_000;
    if (leftMs <= 0) {
      onTotal.run();
    } else {
      timerId = clock.setTimer(leftMs, this::totalDue);
    }
  }

  private void totalDue(long id) {
    timerId = -1;
    if (!stopped) {
      onTotal.run();
    }
  }

  /** The attempt ended (answered or failed): neither timeout fires any more. */
  public void stop() {
    stopped = true;
    if (timerId >= 0) {
      clock.cancelTimer(timerId);
      timerId = -1;
    }
  }
}
