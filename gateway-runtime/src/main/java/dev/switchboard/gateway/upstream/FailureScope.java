package dev.switchboard.gateway.upstream;

/**
 * How far a failure reaches beyond its own attempt: what else will fail the same way, so the
 * failover chain holds that back instead of trying it. Read from the provider's answer by its
 * adapter; most failures concern their attempt only.
 */
public enum FailureScope {
  /** Nothing beyond this attempt (a 5xx, a timeout, a passing rate limit, ...). */
  ATTEMPT,
  /**
   * The target's model or deployment is not served ({@code 404} {@code model_not_found}, ...): that
   * target only; its breaker counts it.
   */
  MODEL,
  /**
   * The target's endpoint does not exist (Azure's {@code 404} "Resource not found": a wrong base
   * URL, api-version or deployment path): a configuration error of that target; its breaker counts
   * it.
   */
  ENDPOINT,
  /**
   * The provider account has no credit ({@code 402}, OpenAI's {@code insufficient_quota},
   * Anthropic's billing errors): every target of the provider fails the same way, so all of them
   * are held back for a while.
   */
  ACCOUNT,
  /**
   * The target's quota for the day is used up (Gemini's {@code RESOURCE_EXHAUSTED} with a per-day
   * quota violation): not a passing rate limit, so the target is held back for the wait the
   * provider names, at least an hour (FailoverChain), and never retried by the same request.
   */
  DAILY_QUOTA;

  /**
   * The scope a failure has unless its adapter says more: a {@link FailureKind#TARGET_UNUSABLE}
   * answered with {@code 404} is the model's, any other the account's (a {@code 402}, an
   * out-of-credit {@code 429} or error event); every other kind concerns its attempt.
   */
  public static FailureScope of(FailureKind kind, int status) {
    if (kind != FailureKind.TARGET_UNUSABLE) {
      return ATTEMPT;
    }
    return status == 404 ? MODEL : ACCOUNT;
  }
}
