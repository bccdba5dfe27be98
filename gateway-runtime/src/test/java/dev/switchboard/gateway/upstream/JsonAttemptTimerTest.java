package dev.switchboard.gateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.gateway.time.ManualClock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A non-streamed attempt's one timer on a manual clock: the first-token timeout bounds the wait for
 * the head, the total bounds the whole answer from the attempt's start, body included.
 */
class JsonAttemptTimerTest {

  private final ManualClock clock = new ManualClock();
  private final List<String> fired = new ArrayList<>();

  private JsonAttemptTimer timer(long firstTokenMs, long totalMs) {
    return new JsonAttemptTimer(
        clock,
        new AttemptTimeouts(1_000, firstTokenMs, totalMs, 60_000),
        () -> fired.add("first-token"),
        () -> fired.add("total"));
  }

  @Test
  void noHeadWithinTheFirstTokenTimeoutIsAFirstTokenTimeout() {
    timer(2_000, 10_000);

    clock.advance(1_999);
    assertThat(fired).isEmpty();
    clock.advance(1);

    assertThat(fired).containsExactly("first-token");
  }

  @Test
  void aBodyStillComingAtTheTotalIsATotalTimeoutCountedFromTheAttemptsStart() {
    JsonAttemptTimer timer = timer(2_000, 10_000);
    clock.advance(500);
    timer.headersArrived();

    // The body keeps coming (nothing the timer sees): the total is not moved by it.
    clock.advance(9_499);
    assertThat(fired).isEmpty();
    clock.advance(1);

    assertThat(fired).containsExactly("total");
    assertThat(clock.pendingTimers()).isZero();
  }

  @Test
  void aFirstTokenTimeoutAsLongAsTheTotalLeavesOneTimerAtTheTotal() {
    JsonAttemptTimer timer = timer(10_000, 10_000);
    timer.headersArrived();

    clock.advance(10_000);

    assertThat(fired).containsExactly("total");
  }

  @Test
  void anAnswerInTimeStopsTheTimer() {
    JsonAttemptTimer timer = timer(2_000, 10_000);
    timer.headersArrived();
    timer.stop();

    clock.advance(60_000);

    assertThat(fired).isEmpty();
    assertThat(clock.pendingTimers()).isZero();
  }
}
