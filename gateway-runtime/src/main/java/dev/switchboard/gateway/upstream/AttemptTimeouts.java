package dev.switchboard.gateway.upstream;

import dev.switchboard.contract.Durations;
import dev.switchboard.contract.RoutingDefaults;
import dev.switchboard.contract.RoutingTable;

/**
 * The timeout budget of one upstream attempt, in milliseconds: connect, first token (for streams,
 * the first SSE event for the client; for plain calls, the response headers), total, and stream
 * idle (the longest silence between two stream events once the response head arrived).
 */
public record AttemptTimeouts(long connectMs, long firstTokenMs, long totalMs, long streamIdleMs) {

  /**
   * Used where a provider declares no timeouts: the API's documented defaults ({@link
   * RoutingDefaults}), the same a ProviderEndpoint without a {@code timeouts} block is rendered
   * with.
   */
  public static final AttemptTimeouts DEFAULTS =
      new AttemptTimeouts(
          Durations.toMillis(RoutingDefaults.CONNECT),
          Durations.toMillis(RoutingDefaults.FIRST_TOKEN),
          Durations.toMillis(RoutingDefaults.TOTAL),
          Durations.toMillis(RoutingDefaults.STREAM_IDLE));

  /**
   * The provider's declared timeouts, each falling back to its default; an absent {@code connect}
   * or {@code firstToken} is never longer than {@code total}, as the operator renders them.
   */
  public static AttemptTimeouts of(RoutingTable.Provider provider) {
    RoutingTable.Timeouts t = provider.timeouts();
    if (t == null) {
      return DEFAULTS;
    }
    long totalMs = positiveOr(t.totalMs(), DEFAULTS.totalMs);
    // Called for every attempt: the defaults are read from DEFAULTS (parsed once), never parsed
    // here (two duration parses per attempt allocated ~1.5 KB per request).
    return new AttemptTimeouts(
        positiveOr(t.connectMs(), Math.min(DEFAULTS.connectMs, totalMs)),
        positiveOr(t.firstTokenMs(), Math.min(DEFAULTS.firstTokenMs, totalMs)),
        totalMs,
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
