package dev.switchboard.gateway.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.RoutingTable;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackoffTest {

  private static ResiliencePolicy policy(String jitter) {
    RoutingTable.Retry retry =
        new RoutingTable.Retry(3, 100L, 1_000L, 2.0, jitter, null, true, 0.2, 5);
    return ResiliencePolicy.of(
        new RoutingTable.Policy(
            "p", null, null, List.of(), retry, null, null, List.of(), null, null, null));
  }

  @Test
  void exponentialCeilingIsCappedAtMax() {
    ResiliencePolicy p = policy("none");
    assertThat(Backoff.delayMs(p, 1, () -> 0.5)).isEqualTo(100);
    assertThat(Backoff.delayMs(p, 2, () -> 0.5)).isEqualTo(200);
    assertThat(Backoff.delayMs(p, 4, () -> 0.5)).isEqualTo(800);
    assertThat(Backoff.delayMs(p, 10, () -> 0.5)).isEqualTo(1_000);
  }

  @Test
  void fullJitterDrawsBetweenZeroAndTheCeiling() {
    ResiliencePolicy p = policy("full");
    assertThat(Backoff.delayMs(p, 3, () -> 0.0)).isZero();
    assertThat(Backoff.delayMs(p, 3, () -> 0.5)).isEqualTo(200);
    assertThat(Backoff.delayMs(p, 3, () -> 0.999_999)).isLessThan(400);
  }

  @Test
  void retryAfterMsWinsOverRetryAfter() {
    assertThat(Backoff.retryAfterMs("7", "1500", 0)).hasValue(1_500);
    assertThat(Backoff.retryAfterMs("2", null, 0)).hasValue(2_000);
    assertThat(Backoff.retryAfterMs("0.25", null, 0)).hasValue(250);
  }

  @Test
  void retryAfterAsHttpDate() {
    long now = Instant.parse("2026-11-25T12:00:00Z").toEpochMilli();
    String date =
        DateTimeFormatter.RFC_1123_DATE_TIME.format(
            Instant.parse("2026-11-25T12:00:03Z").atOffset(ZoneOffset.UTC));
    assertThat(Backoff.retryAfterMs(date, null, now)).hasValue(3_000);
  }

  @Test
  void garbageRetryAfterIsIgnored() {
    assertThat(Backoff.retryAfterMs("soon", "later", 0)).isEmpty();
    assertThat(Backoff.retryAfterMs("-3", null, 0)).isEmpty();
    assertThat(Backoff.retryAfterMs(null, null, 0)).isEmpty();
  }
}
