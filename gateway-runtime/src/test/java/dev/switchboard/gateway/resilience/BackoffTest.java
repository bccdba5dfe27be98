package dev.switchboard.gateway.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.upstream.FailureKind;
import dev.switchboard.gateway.upstream.UpstreamFailure;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackoffTest {

  private static ResiliencePolicy policy(String jitter) {
    RoutingTable.Retry retry =
        new RoutingTable.Retry(3, 100L, 1_000L, 2.0, jitter, null, true, 0.2, 5, 30_000L);
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

  @Test
  void aRetryAfterAboveTheCapIsCappedHeaderByHeader() {
    long now = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
    UpstreamFailure huge =
        new UpstreamFailure(FailureKind.RATE_LIMITED, "429", 429, null, "999999", "999999000");
    UpstreamFailure capped = Backoff.normalizeRetryAfter(huge, 60_000, now);
    assertThat(capped.retryAfter()).isEqualTo("60");
    assertThat(capped.retryAfterMs()).isEqualTo("60000");
    assertThat(capped.kind()).isEqualTo(FailureKind.RATE_LIMITED);
    assertThat(capped.upstreamStatus()).isEqualTo(429);
    assertThat(Backoff.retryAfterMs(capped.retryAfter(), capped.retryAfterMs(), now))
        .hasValue(60_000);

    // An HTTP date a year ahead is a wait like any other; a small retry-after-ms does not hide
    // the huge Retry-After the client would be relayed.
    String nextYear =
        DateTimeFormatter.RFC_1123_DATE_TIME.format(
            Instant.parse("2027-01-01T00:00:00Z").atOffset(ZoneOffset.UTC));
    UpstreamFailure dated =
        Backoff.normalizeRetryAfter(
            new UpstreamFailure(FailureKind.RATE_LIMITED, "429", 429, null, nextYear, "500"),
            1_500,
            now);
    assertThat(dated.retryAfter()).isEqualTo("2");
    assertThat(dated.retryAfterMs()).isEqualTo("500");
  }

  @Test
  void anHttpDateRetryAfterBecomesTheSecondsLeftOnTheGatewaysClock() {
    long now = Instant.parse("2026-11-25T12:00:00Z").toEpochMilli();
    String inTwentySeconds =
        DateTimeFormatter.RFC_1123_DATE_TIME.format(
            Instant.parse("2026-11-25T12:00:20Z").atOffset(ZoneOffset.UTC));
    UpstreamFailure dated =
        Backoff.normalizeRetryAfter(
            new UpstreamFailure(FailureKind.RATE_LIMITED, "429", 429, null, inTwentySeconds, null),
            60_000,
            now);
    assertThat(dated.retryAfter()).isEqualTo("20");
    assertThat(dated.retryAfterMs()).isNull();
    // A date already past is no wait; a fraction is rounded up; what is no wait is not relayed.
    String past =
        DateTimeFormatter.RFC_1123_DATE_TIME.format(
            Instant.parse("2026-11-25T11:59:00Z").atOffset(ZoneOffset.UTC));
    assertThat(
            Backoff.normalizeRetryAfter(
                    new UpstreamFailure(FailureKind.RATE_LIMITED, "429", 429, null, past, null),
                    60_000,
                    now)
                .retryAfter())
        .isEqualTo("0");
    UpstreamFailure odd =
        Backoff.normalizeRetryAfter(
            new UpstreamFailure(FailureKind.RATE_LIMITED, "429", 429, null, "0.25", "soon"),
            60_000,
            now);
    assertThat(odd.retryAfter()).isEqualTo("1");
    assertThat(odd.retryAfterMs()).isNull();
  }

  @Test
  void aRetryAfterWithinTheCapIsLeftAsTheProviderSaidIt() {
    UpstreamFailure small =
        new UpstreamFailure(FailureKind.RATE_LIMITED, "429", 429, null, "30", null);
    assertThat(Backoff.normalizeRetryAfter(small, 60_000, 0)).isSameAs(small);
    UpstreamFailure none = new UpstreamFailure(FailureKind.SERVER_ERROR, "500");
    assertThat(Backoff.normalizeRetryAfter(none, 60_000, 0)).isSameAs(none);
  }
}
