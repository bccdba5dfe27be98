package dev.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LatencySamplesTest {

  @Test
  void percentilesUseNearestRankOverEverySample() {
    LatencySamples samples = new LatencySamples();
    for (int ms = 100; ms >= 1; ms--) {
      samples.add(ms * 1_000_000L);
    }
    assertThat(samples.percentileMs(50)).isEqualTo(50.0);
    assertThat(samples.percentileMs(99)).isEqualTo(99.0);
    assertThat(samples.percentileMs(100)).isEqualTo(100.0);
    assertThat(samples.maxMs()).isEqualTo(100.0);
    assertThat(samples.countAboveMs(90)).isEqualTo(10);
  }

  @Test
  void emptySamplesHaveNoPercentiles() {
    assertThat(new LatencySamples().percentileMs(50)).isNaN();
  }

  @Test
  void mergingKeepsEverySampleAcrossGrowth() {
    LatencySamples a = new LatencySamples();
    LatencySamples b = new LatencySamples();
    for (int i = 0; i < 3000; i++) {
      a.add(1_000_000L);
      b.add(3_000_000L);
    }
    a.addAll(b);
    assertThat(a.size()).isEqualTo(6000);
    assertThat(a.percentileMs(50)).isEqualTo(1.0);
    assertThat(a.percentileMs(51)).isEqualTo(3.0);
  }
}
