package dev.switchboard.gateway.upstream;

import dev.switchboard.contract.RoutingTable;

/**
 * The timeout budget of one upstream attempt, in milliseconds: connect, first token (for streams,
 * the first SSE event for the client; for plain calls, the response headers), total, and stream
 * idle (the longest silence between two stream events once the response head arrived).
 */
public record AttemptTimeouts(long connectMs, long firstTokenMs, long totalMs, long streamIdleMs) {

  /** Used where a provider declares no timeouts: generous, because long generations are normal. */
  public static final AttemptTimeouts DEFAULTS =
      new AttemptTimeouts(5_000, 60_000, 300_000, 60_000);

  /** The provider's declared timeouts, each falling back to {@link #DEFAULTS}. */
  public static AttemptTimeouts of(RoutingTable.Provider provider) {
    RoutingTable.Timeouts t = provider.timeouts();
    if (t == null) {
      return DEFAULTS;
    }
    return new AttemptTimeouts(
        positiveOr(t.connectMs(), DEFAULTS.connectMs),
        positiveOr(t.firstTokenMs(), DEFAULTS.firstTokenMs),
        positiveOr(t.totalMs(), DEFAULTS.totalMs),
        positiveOr(t.streamIdleMs(), DEFAULTS.streamIdleMs));
  }

  /**
   * These timeouts, none longer than {@code remainingMs} (what is left of the request's overall
   * deadline), so one slow attempt cannot outlive the request.
   */
  public AttemptTimeouts cappedAt(long remainingMs) {
    long cap = Math.max(1, remainingMs);
    return new AttemptTimeouts(
        Math.min(connectMs, cap),
        Math.min(firstTokenMs, cap),
        Math.min(totalMs, cap),
        Math.min(streamIdleMs, cap));
  }

  private static long positiveOr(Long value, long fallback) {
    return value == null || value <= 0 ? fallback : value;
  }
}
