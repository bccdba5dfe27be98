package dev.switchboard.operator.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The intervals cover the true value at their stated rate on synthetic data (fixed seeds), and the
 * verdicts name real shifts, stay quiet on none, and are withheld below the minimum sample.
 */
class EvaluationStatisticsTest {

  /**
   * Paired answers: baseline lengths skewed like real answers, candidate = baseline × factor ×
   * noise.
   */
  private static CandidateSums simulate(
      Random random, int n, double factor, double pRefuseBaseline, double pRefuseCandidate) {
    double[] s = new double[5];
    long refusalsB = 0;
    long refusalsC = 0;
    for (int i = 0; i < n; i++) {
      double b = 40 + 400 * Math.pow(random.nextDouble(), 2);
      double c = b * factor * (0.7 + 0.6 * random.nextDouble()); // E[noise] = 1
      s[0] += b;
      s[1] += c;
      s[2] += b * b;
      s[3] += c * c;
      s[4] += b * c;
      refusalsB += random.nextDouble() < pRefuseBaseline ? 1 : 0;
      refusalsC += random.nextDouble() < pRefuseCandidate ? 1 : 0;
    }
    Map<String, CandidateSums.Paired> figures = new LinkedHashMap<>();
    CandidateSums.Paired paired = new CandidateSums.Paired(n, s[0], s[1], s[2], s[3], s[4]);
    figures.put("outputTokens", paired);
    figures.put("words", paired);
    return new CandidateSums(n, 0, 0, n, n, refusalsB, refusalsC, figures);
  }

  @Test
  void ratioIntervalCoversTheTrueRatioAtAbout95Percent() {
    Random random = new Random(20261204L);
    int runs = 2000;
    int covered = 0;
    for (int run = 0; run < runs; run++) {
      var e =
          EvaluationStatistics.ratio(simulate(random, 150, 1.25, 0, 0).figure("words"))
              .orElseThrow();
      covered += e.low() <= 1.25 && 1.25 <= e.high() ? 1 : 0;
    }
    // Binomial sd at 2000 runs is 0.5 pp: 93.5..96.5 % is three of them either side.
    assertThat(covered / (double) runs).isBetween(0.935, 0.965);
  }

  @Test
  void refusalDifferenceIntervalCoversTheTrueDifferenceAtLeast95Percent() {
    Random random = new Random(7L);
    int runs = 2000;
    int covered = 0;
    for (int run = 0; run < runs; run++) {
      long n = 400;
      long xc = 0;
      long xb = 0;
      for (int i = 0; i < n; i++) {
        xc += random.nextDouble() < 0.07 ? 1 : 0;
        xb += random.nextDouble() < 0.02 ? 1 : 0;
      }
      var e = EvaluationStatistics.difference(xc, n, xb, n).orElseThrow();
      covered += e.low() <= 0.05 && 0.05 <= e.high() ? 1 : 0;
    }
    // Newcombe's interval is known to be slightly conservative.
    assertThat(covered / (double) runs).isBetween(0.935, 0.985);
  }

  @Test
  void verdictsNameTheShiftsAndNothingElse() {
    Random random = new Random(1L);
    var verbose = EvaluationStatistics.evaluate(simulate(random, 400, 1.25, 0.02, 0.02));
    assertThat(verbose.verdicts()).containsExactly("VerbosityUp");
    assertThat(verbose.wordsRatio().orElseThrow().low()).isGreaterThan(1.0);

    var refusing = EvaluationStatistics.evaluate(simulate(random, 800, 1.0, 0.02, 0.07));
    assertThat(refusing.verdicts()).containsExactly("RefusalsUp");
    assertThat(refusing.refusalRateDelta().orElseThrow().low()).isGreaterThan(0.0);

    var same = EvaluationStatistics.evaluate(simulate(random, 400, 1.0, 0.02, 0.02));
    assertThat(same.verdicts()).containsExactly("NoMaterialChange");
    assertThat(same.wordsRatio().orElseThrow().low()).isLessThan(1.0);
    assertThat(same.wordsRatio().orElseThrow().high()).isGreaterThan(1.0);

    var terse = EvaluationStatistics.evaluate(simulate(random, 400, 0.7, 0.02, 0.02));
    assertThat(terse.verdicts()).containsExactly("VerbosityDown");
  }

  @Test
  void slowerTtftNeedsARelativeAndAnAbsoluteShift() {
    Random random = new Random(9L);
    CandidateSums words = simulate(random, 200, 1.0, 0.0, 0.0);
    for (double baseMs : new double[] {5, 500}) {
      double[] s = new double[5];
      for (int i = 0; i < 200; i++) {
        double b = baseMs * (0.8 + 0.4 * random.nextDouble());
        double c = b * 1.6;
        s[0] += b;
        s[1] += c;
        s[2] += b * b;
        s[3] += c * c;
        s[4] += b * c;
      }
      Map<String, CandidateSums.Paired> figures = new LinkedHashMap<>(words.figures());
      figures.put("ttftMs", new CandidateSums.Paired(200, s[0], s[1], s[2], s[3], s[4]));
      var result =
          EvaluationStatistics.evaluate(new CandidateSums(200, 0, 0, 200, 200, 0, 0, figures));
      // ×1.6 of 5 ms is 3 ms: noise nobody hears; of 500 ms it is 300 ms.
      assertThat(result.verdicts())
          .containsExactly(baseMs < 50 ? "NoMaterialChange" : "SlowerTTFT");
    }
  }

  @Test
  void noVerdictBelowTheMinimumSampleHoweverLargeTheShift() {
    var few =
        EvaluationStatistics.evaluate(
            simulate(new Random(3L), (int) EvaluationStatistics.MIN_PAIRS - 1, 2.0, 0, 0.5));
    assertThat(few.verdicts()).containsExactly("InsufficientSample");
    assertThat(few.wordsRatio()).isPresent(); // the figures are still shown
  }

  @Test
  void sumsFromSeveralReplicasAddUpToTheSameResultAsOne() {
    Random random = new Random(5L);
    CandidateSums a = simulate(random, 100, 1.1, 0.01, 0.02);
    CandidateSums b = simulate(random, 150, 1.1, 0.01, 0.02);
    CandidateSums total = a.plus(b);
    assertThat(total.figure("words").n()).isEqualTo(250);
    CandidateSums back = total.minus(a);
    assertThat(back.requests()).isEqualTo(b.requests());
    assertThat(back.candidateRefusals()).isEqualTo(b.candidateRefusals());
    assertThat(back.figure("words").sumBc())
        .isCloseTo(b.figure("words").sumBc(), org.assertj.core.data.Offset.offset(1e-6));
    assertThat(CandidateSums.fromJson(total.toJson())).isEqualTo(total);
  }
}
