package dev.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ReportTest {

  @Test
  void goalsSayWhetherAndByHowMuchTheyAreMet() {
    Report report = new Report(Map.of("nproc", 2), Map.of());

    report.goal("added p50 ≤ 0.3 ms", 0.45, 0.3, "ms", false);
    report.goal("ratio ≥ 0.5", 0.6, 0.5, "×", true);
    report.goal("never measured", Double.NaN, 1, "ms", false);

    assertThat(report.goals()).extracting(Report.Goal::pass).containsExactly(false, true, false);
    assertThat(report.goals().get(0).margin()).contains("missed by 0.150 ms", "1.50×");
    assertThat(report.goals().get(1).margin()).startsWith("met with 0.100");
    assertThat(report.goals().get(2).margin()).isEqualTo("not measured");
  }

  @Test
  void markdownShowsEachFigureWithItsBaselineAndDifference() {
    Report report = new Report(Map.of("nproc", 2), Map.of("rounds", 5));
    report.add("Overhead", "latency c=1 p50", "ms", 0.15, 0.025, "direct", null);

    String md = report.markdown();

    assertThat(md)
        .contains("### Overhead")
        .contains("| latency c=1 p50 | 0.150 | 0.025 (direct) | +0.125 | ms |")
        .contains("- nproc: 2");
    assertThat(report.consoleTable()).contains("latency c=1 p50", "+0.125");
  }
}
