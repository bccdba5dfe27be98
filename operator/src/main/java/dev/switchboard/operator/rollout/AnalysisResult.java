package dev.switchboard.operator.rollout;

import java.util.List;

/**
 * The verdict of one canary analysis run and, when it failed, each criterion that failed with its
 * figures (these go into the Warning event and the status).
 */
public record AnalysisResult(Verdict verdict, List<String> failures) {

  /** The three possible outcomes; {@link #wireName()} is what status shows. */
  public enum Verdict {
    PASS("Pass"),
    FAIL("Fail"),
    /** Not enough canary requests (or no metrics): never pass or fail on no data. */
    INCONCLUSIVE("Inconclusive");

    private final String wireName;

    Verdict(String wireName) {
      this.wireName = wireName;
    }

    public String wireName() {
      return wireName;
    }
  }

  public AnalysisResult {
    failures = List.copyOf(failures);
  }

  public static AnalysisResult inconclusive() {
    return new AnalysisResult(Verdict.INCONCLUSIVE, List.of());
  }
}
