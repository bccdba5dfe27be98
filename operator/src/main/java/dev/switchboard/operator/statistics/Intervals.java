package dev.switchboard.operator.statistics;

/**
 * Confidence intervals of proportions, shared by the canary analysis and the side-by-side
 * evaluation: Wilson's score interval for one rate, Newcombe's hybrid score interval (two Wilson
 * intervals) for the difference of two, and distribution-free order-statistic bounds of a quantile.
 * Analytic, so the same counts always give the same bounds.
 */
public final class Intervals {

  /** Normal quantile of a two-sided 95 % interval. */
  public static final double Z95 = 1.959963984540054;

  /** Normal quantile of a two-sided 99 % interval. */
  public static final double Z99 = 2.5758293035489004;

  private Intervals() {}

  /**
   * Wilson score interval {low, high} of x/n (n &gt; 0) for the normal quantile {@code z}. An
   * {@code x} outside 0..n is taken as its nearest end: counts read a moment apart (Prometheus's
   * separate instant queries of attempts and of failures, each extrapolated and rounded) can put a
   * few more failures than attempts, and a rate past 1 made the interval NaN, which no threshold is
   * past: a canary failing every request passed.
   */
  public static double[] wilson(long x, long n, double z) {
    double p = (double) Math.min(Math.max(x, 0), n) / n;
    double z2 = z * z;
    double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
    double half = z / (1 + z2 / n) * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n));
    return new double[] {Math.max(0, centre - half), Math.min(1, centre + half)};
  }

  /**
   * Newcombe's hybrid score interval {low, high} of x1/n1 − x2/n2 (n1, n2 &gt; 0) for the normal
   * quantile {@code z}; treats the two as independent.
   */
  public static double[] difference(long x1, long n1, long x2, long n2, double z) {
    double p1 = (double) x1 / n1;
    double p2 = (double) x2 / n2;
    double[] w1 = wilson(x1, n1, z);
    double[] w2 = wilson(x2, n2, z);
    double d = p1 - p2;
    double low = d - Math.sqrt(square(p1 - w1[0]) + square(w2[1] - p2));
    double high = d + Math.sqrt(square(w1[1] - p1) + square(p2 - w2[0]));
    return new double[] {low, high};
  }

  /**
   * Distribution-free confidence bounds of the q-quantile of {@code n} observations, as ranks of
   * their order statistics (1 = the smallest): {lower, upper} such that the quantile is at least
   * the lower-th smallest observation with probability at least 1 − {@code alphaLower}, and at most
   * the upper-th with probability at least 1 − {@code alphaUpper} (the number of observations below
   * the quantile is Binomial(n, q), whatever the distribution). A lower rank of 0 means no lower
   * bound (too few observations), an upper rank of n + 1 no upper bound.
   */
  public static long[] quantileRanks(long n, double q, double alphaLower, double alphaUpper) {
    long lower = 0;
    long upper = n + 1;
    // P(Binomial(n, q) <= j) for j = 0..n, its terms in log space (they underflow for large n).
    double logPmf = n * Math.log1p(-q);
    double logOdds = Math.log(q) - Math.log1p(-q);
    double cdf = 0;
    for (long j = 0; j < n; j++) {
      cdf += Math.exp(logPmf);
      if (cdf <= alphaLower) {
        // The quantile is below the (j+1)-th observation only when at most j fall below it.
        lower = j + 1;
      }
      if (cdf >= 1 - alphaUpper) {
        upper = j + 1;
        break;
      }
      logPmf += Math.log((double) (n - j) / (j + 1)) + logOdds;
    }
    return new long[] {lower, upper};
  }

  private static double square(double v) {
    return v * v;
  }
}
