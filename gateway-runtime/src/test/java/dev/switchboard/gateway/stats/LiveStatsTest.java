package dev.switchboard.gateway.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class LiveStatsTest {

  @Test
  void nearestRankPercentiles() {
    List<Double> values = List.of(10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 100.0);
    assertThat(LiveStats.percentile(values, 0.5)).isEqualTo(50.0);
    assertThat(LiveStats.percentile(values, 0.95)).isEqualTo(100.0);
    assertThat(LiveStats.percentile(List.of(7.0), 0.95)).isEqualTo(7.0);
    assertThat(LiveStats.percentile(List.of(), 0.5)).isNull();
  }
}
