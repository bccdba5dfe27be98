package dev.switchboard.contract;

import java.util.Arrays;
import java.util.List;

/**
 * Why the gateway's failover chain passed a target by without calling it: the {@code reason} label
 * of {@code switchboard_resilience_skips_total}, and, for a canary target, the {@code outcome} of
 * {@code switchboard_upstream_attempts_total} when the skip {@linkplain #countsAsCanaryAttempt()
 * counts as a failed canary attempt}. One source for the gateway, which records them, and the
 * chart's Grafana dashboard, whose attempts-per-request panel leaves those outcomes out.
 */
public enum SkipReason {
  UNHEALTHY("unhealthy", true),
  CIRCUIT_OPEN("circuit_open", true),
  COOLING_DOWN("cooling_down", true),
  QUOTA("quota", true),
  ACCOUNT_EXHAUSTED("account_exhausted", true),
  /** The gateway's own concurrency limit: how busy the provider is, not how the canary fares. */
  BULKHEAD_FULL("bulkhead_full", false),
  /** The rejection was counted on the attempt that got it. */
  CREDENTIALS_REJECTED("credentials_rejected", false),
  /**
   * The request holds content the target's adapter cannot send (a message of nothing but an inline
   * PDF, to Mistral, whose chat takes no inline file): the request's doing, not the target's.
   */
  UNSUPPORTED_CONTENT("unsupported_content", false);

  private final String wireName;
  private final boolean countsAsCanaryAttempt;

  SkipReason(String wireName, boolean countsAsCanaryAttempt) {
    this.wireName = wireName;
    this.countsAsCanaryAttempt = countsAsCanaryAttempt;
  }

  /** The value as it appears in metric labels and the request log. */
  public String wireName() {
    return wireName;
  }

  /**
   * Whether a canary target skipped for this reason is counted as a canary attempt that failed
   * (outcome = this reason): a canary that fails every call opens its breaker and then shows too
   * few attempts per window to be judged, unless its skips count.
   */
  public boolean countsAsCanaryAttempt() {
    return countsAsCanaryAttempt;
  }

  /**
   * The {@code switchboard_upstream_attempts_total} outcomes that are no upstream call, in
   * declaration order.
   */
  public static List<String> canaryAttemptOutcomes() {
    return Arrays.stream(values())
        .filter(SkipReason::countsAsCanaryAttempt)
        .map(SkipReason::wireName)
        .toList();
  }
}
