package dev.switchboard.gateway.state;

/**
 * The store's answer to an {@link AdmitCall}.
 *
 * @param dimension what refused it: {@code requests} or {@code tokens} (rate), {@code day} or
 *     {@code month} (budget); null when admitted
 * @param retryAfterMs for a rate refusal: when the bucket has room again
 * @param dayNanoUsd committed on the day after this admission (spent plus reserved)
 * @param monthNanoUsd committed in the month after this admission
 */
public record Admission(
    Verdict verdict, String dimension, long retryAfterMs, long dayNanoUsd, long monthNanoUsd) {

  /** Admitted, refused by a rate limit, or refused by the budget. */
  public enum Verdict {
    ADMITTED,
    RATE_LIMITED,
    BUDGET_EXHAUSTED
  }

  public boolean admitted() {
    return verdict == Verdict.ADMITTED;
  }
}
