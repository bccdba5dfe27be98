package dev.switchboard.operator.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.operator.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class DriftScheduleTest {

  private static final Instant WINTER_NOON = Instant.parse("2026-01-10T12:00:00Z");

  @Test
  void theScheduleIsReadInItsTimeZone() {
    DriftSchedule utc = DriftSchedule.parse("0 3 * * *", "UTC");
    DriftSchedule berlin = DriftSchedule.parse("0 3 * * *", "Europe/Berlin");

    assertThat(utc.next(WINTER_NOON)).contains(Instant.parse("2026-01-11T03:00:00Z"));
    // 03:00 in Berlin is 02:00Z in winter (CET) and 01:00Z in summer (CEST).
    assertThat(berlin.next(WINTER_NOON)).contains(Instant.parse("2026-01-11T02:00:00Z"));
    assertThat(berlin.next(Instant.parse("2026-07-10T12:00:00Z")))
        .contains(Instant.parse("2026-07-11T01:00:00Z"));
    assertThat(DriftSchedule.parse("0 3 * * *", null).next(WINTER_NOON))
        .contains(Instant.parse("2026-01-11T03:00:00Z"));
  }

  @Test
  void macrosAndWeekdaysWork() {
    assertThat(DriftSchedule.parse("@daily", "UTC").next(WINTER_NOON))
        .contains(Instant.parse("2026-01-11T00:00:00Z"));
    assertThat(DriftSchedule.parse("@hourly", "UTC").next(WINTER_NOON))
        .contains(Instant.parse("2026-01-10T13:00:00Z"));
    // 2026-01-10 is a Saturday; "Mondays at 06:15".
    assertThat(DriftSchedule.parse("15 6 * * 1", "UTC").next(WINTER_NOON))
        .contains(Instant.parse("2026-01-12T06:15:00Z"));
  }

  @Test
  void badExpressionsAndZonesSayWhatIsWrong() {
    assertThatThrownBy(() -> DriftSchedule.parse("0 25 * * *", "UTC"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("0 25 * * *");
    assertThatThrownBy(() -> DriftSchedule.parse("0 3 * * *", "Mars/Olympus"))
        .hasMessageContaining("Mars/Olympus");
    assertThatThrownBy(() -> DriftSchedule.parse(" ", "UTC")).hasMessageContaining("empty");
  }

  @Test
  void theFirstRunIsAtOnceThenOncePerScheduleTime() {
    DriftSchedule daily = DriftSchedule.parse("0 3 * * *", "UTC");
    MutableClock clock = new MutableClock(WINTER_NOON);

    DriftSchedule.Decision first = daily.decide(null, clock.instant());
    assertThat(first.runNow()).isTrue();
    assertThat(first.next()).isEqualTo(Instant.parse("2026-01-11T03:00:00Z"));

    Instant lastScheduled = first.scheduled();
    clock.advance(Duration.ofHours(14)); // 02:00 next day
    assertThat(daily.decide(lastScheduled, clock.instant()).runNow()).isFalse();
    clock.advance(Duration.ofHours(1)); // 03:00 exactly
    DriftSchedule.Decision atThree = daily.decide(lastScheduled, clock.instant());
    assertThat(atThree.runNow()).isTrue();
    assertThat(atThree.scheduled()).isEqualTo(Instant.parse("2026-01-11T03:00:00Z"));
    // Decided again (a second reconcile, or a restarted operator reading status): no second run.
    assertThat(daily.decide(atThree.scheduled(), clock.instant().plusSeconds(30)).runNow())
        .isFalse();
  }

  @Test
  void missedRunsRunOnceWhenTheOperatorComesBack() {
    DriftSchedule daily = DriftSchedule.parse("0 3 * * *", "UTC");
    Instant lastScheduled = Instant.parse("2026-01-10T03:00:00Z");
    // Down from 02:00 on the 11th until 09:40 on the 14th: three 03:00s missed.
    Instant back = Instant.parse("2026-01-14T09:40:00Z");

    DriftSchedule.Decision decision = daily.decide(lastScheduled, back);

    assertThat(decision.runNow()).isTrue();
    assertThat(decision.scheduled()).isEqualTo(Instant.parse("2026-01-14T03:00:00Z"));
    assertThat(decision.next()).isEqualTo(Instant.parse("2026-01-15T03:00:00Z"));
    assertThat(daily.decide(decision.scheduled(), back.plusSeconds(60)).runNow()).isFalse();
  }

  @Test
  void thirtySimulatedNightsGiveThirtyRunsPlusTheBaseline() {
    DriftSchedule nightly = DriftSchedule.parse("0 3 * * *", "Europe/Berlin");
    MutableClock clock = new MutableClock(Instant.parse("2026-03-15T12:00:00Z"));
    Instant lastScheduled = null;
    int runs = 0;
    // Reconciles every 7 minutes for 30 days, across the switch to summer time on March 29.
    for (Instant end = clock.instant().plus(Duration.ofDays(30));
        clock.instant().isBefore(end);
        clock.advance(Duration.ofMinutes(7))) {
      DriftSchedule.Decision d = nightly.decide(lastScheduled, clock.instant());
      if (d.runNow()) {
        runs++;
        lastScheduled = d.scheduled();
      }
    }
    assertThat(runs).isEqualTo(31);
  }

  @Test
  void aScheduleTimeInTheRepeatedHourOfAutumnRunsOnce() {
    // Berlin leaves summer time on 2026-10-25: 02:00–03:00 happens twice (00:00–01:00Z in CEST,
    // 01:00–02:00Z in CET). "30 2 * * *" is one schedule time that night, as documented.
    DriftSchedule nightly = DriftSchedule.parse("30 2 * * *", "Europe/Berlin");
    MutableClock clock = new MutableClock(Instant.parse("2026-10-24T12:00:00Z"));
    Instant lastScheduled = nightly.decide(null, clock.instant()).scheduled();
    int runs = 0;
    for (Instant end = Instant.parse("2026-10-25T12:00:00Z");
        clock.instant().isBefore(end);
        clock.advance(Duration.ofMinutes(7))) {
      DriftSchedule.Decision d = nightly.decide(lastScheduled, clock.instant());
      if (d.runNow()) {
        runs++;
        lastScheduled = d.scheduled();
        // status.drift.nextRun: the next night, not the repeated 02:30 an hour later
        assertThat(d.next()).isEqualTo(Instant.parse("2026-10-26T01:30:00Z"));
      }
    }
    assertThat(runs).isEqualTo(1);
    assertThat(lastScheduled).isEqualTo(Instant.parse("2026-10-25T00:30:00Z"));
  }

  /** The schedule times run by reconciling every 7 minutes from {@code start} to {@code end}. */
  private static java.util.List<Instant> runs(DriftSchedule schedule, String start, String end) {
    MutableClock clock = new MutableClock(Instant.parse(start));
    Instant lastScheduled = schedule.decide(null, clock.instant()).scheduled();
    java.util.List<Instant> runs = new java.util.ArrayList<>();
    for (; clock.instant().isBefore(Instant.parse(end)); clock.advance(Duration.ofMinutes(7))) {
      DriftSchedule.Decision d = schedule.decide(lastScheduled, clock.instant());
      if (d.runNow()) {
        runs.add(d.scheduled());
        lastScheduled = d.scheduled();
      }
    }
    return runs;
  }

  @Test
  void aScheduleTimeInTheSpringGapRunsAtTheGapsEndThatNight() {
    // Berlin starts summer time on 2026-03-29: 02:00 CET jumps to 03:00 CEST (01:00Z); there is no
    // 02:30 that night. It runs at the next valid instant, 03:00 CEST, not a day later.
    DriftSchedule nightly = DriftSchedule.parse("30 2 * * *", "Europe/Berlin");

    assertThat(nightly.next(Instant.parse("2026-03-28T23:00:00Z")))
        .contains(Instant.parse("2026-03-29T01:00:00Z"));
    assertThat(runs(nightly, "2026-03-28T12:00:00Z", "2026-03-30T12:00:00Z"))
        .containsExactly(
            Instant.parse("2026-03-29T01:00:00Z"), Instant.parse("2026-03-30T00:30:00Z"));
  }

  @Test
  void anHourlyScheduleRunsInBothOccurrencesOfTheRepeatedHour() {
    // Berlin leaves summer time on 2026-10-25: 02:00 CEST (00:00Z) and 02:00 CET (01:00Z) are an
    // hour of real time apart. The repeated-hour rule (one run) is for schedules naming their
    // hours; an hourly schedule runs every hour of real time.
    DriftSchedule hourly = DriftSchedule.parse("0 * * * *", "Europe/Berlin");

    assertThat(hourly.next(Instant.parse("2026-10-25T00:00:00Z")))
        .contains(Instant.parse("2026-10-25T01:00:00Z"));
    assertThat(hourly.latest(Instant.parse("2026-10-25T01:30:00Z")))
        .contains(Instant.parse("2026-10-25T01:00:00Z"));
    assertThat(runs(hourly, "2026-10-24T22:30:00Z", "2026-10-25T03:30:00Z"))
        .containsExactly(
            Instant.parse("2026-10-24T23:00:00Z"),
            Instant.parse("2026-10-25T00:00:00Z"),
            Instant.parse("2026-10-25T01:00:00Z"),
            Instant.parse("2026-10-25T02:00:00Z"),
            Instant.parse("2026-10-25T03:00:00Z"));
    // @hourly is the same schedule.
    assertThat(
            DriftSchedule.parse("@hourly", "Europe/Berlin")
                .next(Instant.parse("2026-10-25T00:00:00Z")))
        .contains(Instant.parse("2026-10-25T01:00:00Z"));
  }
}
