package dev.switchboard.operator.rollout;

import java.util.List;

/**
 * The verdict of one canary analysis run over the current step's figures so far and, when it
 * failed, each criterion that failed with its figures (these go into the Warning event and the
 * status).
 *
 * @param failures the criteria the canary is worse on with confidence (a {@code FAIL})
 * @param suspects the criteria whose figure over the step is past its threshold but not yet with
 *     confidence: the step holds and collects more instead of advancing at the end of its pause
 * @param sampled whether the canary had {@code minRequests} requests in the step
 */
public record AnalysisResult(
    Verdict verdict, List<String> failures, List<String> suspects, boolean sampled) {

  /** The three possible outcomes; {@link #wireName()} is what status shows. */
  public enum Verdict {
    /** Every criterion is within its threshold with confidence. */
    PASS("Pass"),
    /** A criterion is past its threshold with confidence: roll back. */
    FAIL("Fail"),
    /**
     * Neither yet: too few canary requests (or no metrics), or a criterion's interval still spans
     * its threshold. Never pass or fail on no data, nor on noise.
     */
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
    suspects = List.copyOf(suspects);
  }

  public static AnalysisResult inconclusive() {
    return new AnalysisResult(Verdict.INCONCLUSIVE, List.of(), List.of(), false);
  }

  /**
   * Whether a step whose pause is over may advance on this analysis: it passed, or it is not
   * decided yet but had enough requests and every figure of the step is within its threshold (at
   * modest traffic a good canary is shown within a 2 % error threshold only after about a thousand
   * requests; holding every step that long would stall rollouts the figures do not argue against).
   */
  public boolean mayAdvance() {
    return verdict == Verdict.PASS
        || (verdict == Verdict.INCONCLUSIVE && sampled && suspects.isEmpty());
  }
}
