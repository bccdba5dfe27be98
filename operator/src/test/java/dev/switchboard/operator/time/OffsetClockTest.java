package dev.switchboard.operator.time;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class OffsetClockTest {

  @Test
  void runsTheRealClockUntilMovedThenThatFarAheadInEveryZoneCopy() {
    OffsetClock clock = OffsetClock.systemUtc();
    Clock berlin = clock.withZone(ZoneId.of("Europe/Berlin"));
    Instant before = Instant.now();
    assertThat(clock.instant()).isBetween(before, Instant.now());

    clock.advance(Duration.ofDays(30));
    Instant real = Instant.now();

    assertThat(clock.offset()).isEqualTo(Duration.ofDays(30));
    // Not before the real time 30 days on, and no further than the moment since (an hour is lax).
    assertThat(clock.instant())
        .isAfterOrEqualTo(real.plus(Duration.ofDays(30)))
        .isBefore(real.plus(Duration.ofDays(30)).plus(Duration.ofHours(1)));
    assertThat(berlin.instant()).isAfterOrEqualTo(real.plus(Duration.ofDays(30)));
    assertThat(berlin.getZone()).isEqualTo(ZoneId.of("Europe/Berlin"));
    assertThat(clock.millis())
        .isGreaterThanOrEqualTo(real.plus(Duration.ofDays(30)).toEpochMilli());
  }
}
