package dev.switchboard.gateway.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The budget period is made once per day per owner of a clock: two gateways in one JVM on clocks
 * days apart keep each their own, and each call of a day returns the same instance (no allocation
 * on the request path), however the other's calls interleave.
 */
class BudgetPeriodTest {

  static final long MAY_1 = Instant.parse("2026-05-01T12:00:00Z").toEpochMilli();
  static final long JUNE_30_LAST_MS = Instant.parse("2026-06-30T23:59:59.999Z").toEpochMilli();

  @Test
  void ownersOnClocksDaysApartEachKeepTheirDay() {
    BudgetPeriod.Days one = new BudgetPeriod.Days();
    BudgetPeriod.Days other = new BudgetPeriod.Days();

    BudgetPeriod first = one.at(MAY_1);
    BudgetPeriod theirs = other.at(JUNE_30_LAST_MS);
    // Interleaved, as two gateways' requests are: neither makes the other's period again.
    assertThat(one.at(MAY_1 + 1_000)).isSameAs(first);
    assertThat(other.at(JUNE_30_LAST_MS - 1_000)).isSameAs(theirs);
    assertThat(one.at(MAY_1 + 2_000)).isSameAs(first);

    assertThat(first.day()).isEqualTo("2026-05-01");
    assertThat(first.month()).isEqualTo("2026-05");
    assertThat(theirs.day()).isEqualTo("2026-06-30");
    assertThat(theirs.month()).isEqualTo("2026-06");
  }

  @Test
  void theNextMillisecondAfterADayIsTheNextDayAndMonth() {
    BudgetPeriod.Days days = new BudgetPeriod.Days();
    assertThat(days.at(JUNE_30_LAST_MS).day()).isEqualTo("2026-06-30");
    BudgetPeriod next = days.at(JUNE_30_LAST_MS + 1);
    assertThat(next.day()).isEqualTo("2026-07-01");
    assertThat(next.month()).isEqualTo("2026-07");
    assertThat(next).isEqualTo(BudgetPeriod.of(JUNE_30_LAST_MS + 1));
    // Before the epoch the day is floored, never rounded towards zero.
    assertThat(days.at(-1).day()).isEqualTo("1969-12-31");
  }
}
