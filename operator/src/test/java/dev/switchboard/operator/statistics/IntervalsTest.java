package dev.switchboard.operator.statistics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class IntervalsTest {

  @Test
  void aP95HasAnUpperBoundOnlyFromSeventyTwoObservations() {
    // The largest of n observations is above the p95 with probability 1 - 0.95^n: at least 97.5 %
    // from n = 72 (0.95^72 = 0.0249), not at 71 (0.0262).
    assertThat(Intervals.quantileRanks(71, 0.95, 0.005, 0.025)[1]).isEqualTo(72);
    assertThat(Intervals.quantileRanks(72, 0.95, 0.005, 0.025)[1]).isEqualTo(72);
    assertThat(Intervals.quantileRanks(50, 0.95, 0.005, 0.025)[1]).isEqualTo(51);
  }

  @Test
  void quantileRanksAreTheBinomialOrderStatisticBounds() {
    // n = 1000, q = 0.95: Bin(1000, 0.95) has mean 950 and sd 6.9; the exact one-sided 0.5 % and
    // 2.5 % points put the ranks about 2.6 and 2 sd either side.
    long[] ranks = Intervals.quantileRanks(1000, 0.95, 0.005, 0.025);
    assertThat(ranks[0]).isBetween(931L, 934L);
    assertThat(ranks[1]).isBetween(963L, 966L);
    long[] median = Intervals.quantileRanks(1001, 0.5, 0.025, 0.025);
    assertThat(median[0] + median[1]).isEqualTo(1002);
  }
}
