package dev.switchboard.gateway.resilience;

import dev.switchboard.contract.Durations;
import dev.switchboard.contract.RoutingDefaults;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.routing.PerRecordCache;
import dev.switchboard.gateway.upstream.FailureKind;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A route's resilience settings with every default filled in: the one place where the gateway's
 * defaults live (see {@link #defaults()} and RESILIENCE.md). Built from the route's {@code
 * RoutingPolicy}; a route without a policy, or a policy that leaves a field out, gets the default.
 *
 * @param maxAttempts attempts per target before moving on to the next one (1 = no same-target
 *     retry, fail over at once)
 * @param retryOn failure kinds that may be retried or failed over; {@link FailureKind#NO_KEY} is
 *     always added because a target without a key can never answer
 * @param budgetRatio retries allowed as a share of the route's requests over the budget window
 * @param budgetMinPerSecond retries always allowed per second on top of the ratio (the floor)
 * @param maxRetryAfterMs the longest Retry-After honoured: caps a target's cool-down and the
 *     Retry-After relayed to a client (a provider's {@code Retry-After: 999999} must not take a
 *     target out of rotation for days)
 */
public record ResiliencePolicy(
    int maxAttempts,
    long backoffInitialMs,
    long backoffMaxMs,
    double backoffMultiplier,
    boolean fullJitter,
    Set<FailureKind> retryOn,
    boolean respectRetryAfter,
    double budgetRatio,
    int budgetMinPerSecond,
    boolean requireSameCapabilities,
    BreakerSettings breaker,
    List<RoutingTable.RateLimit> rateLimits,
    long maxRetryAfterMs) {

  /** 60 s: a minute is the longest rate-limit window providers document. */
  public static final long DEFAULT_MAX_RETRY_AFTER_MS =
      Durations.toMillis(RoutingDefaults.MAX_RETRY_AFTER);

  /** Circuit breaker settings of every target of a route. */
  public record BreakerSettings(
      int failureRateThreshold,
      long slowCallThresholdMs,
      int minimumCalls,
      long windowMs,
      long openForMs) {

    /**
     * Breakers open at 50 % failures or slow calls over 20+ calls in 60 s, for 30 s (the API's
     * defaults). The slow-call threshold has no API default: 60 s, the gateway's own.
     */
    public static final BreakerSettings DEFAULTS =
        new BreakerSettings(
            RoutingDefaults.FAILURE_RATE_THRESHOLD,
            60_000,
            RoutingDefaults.MINIMUM_CALLS,
            Durations.toMillis(RoutingDefaults.BREAKER_WINDOW),
            Durations.toMillis(RoutingDefaults.OPEN_FOR));

    static BreakerSettings of(RoutingTable.CircuitBreaker cb) {
      if (cb == null) {
        return DEFAULTS;
      }
      return new BreakerSettings(
          cb.failureRateThreshold() == null
              ? DEFAULTS.failureRateThreshold
              : clamp(cb.failureRateThreshold(), 1, 100),
          positiveOr(cb.slowCallThresholdMs(), DEFAULTS.slowCallThresholdMs),
          cb.minimumCalls() == null ? DEFAULTS.minimumCalls : Math.max(1, cb.minimumCalls()),
          positiveOr(cb.windowMs(), DEFAULTS.windowMs),
          positiveOr(cb.openForMs(), DEFAULTS.openForMs));
    }
  }

  /** Failure kinds that move a request on when a policy has no {@code retryOn}. */
  private static final Set<FailureKind> DEFAULT_RETRY_ON =
      EnumSet.of(
          FailureKind.CONNECT,
          FailureKind.TIMEOUT,
          FailureKind.RATE_LIMITED,
          FailureKind.SERVER_ERROR,
          FailureKind.BAD_RESPONSE,
          FailureKind.NO_KEY);

  private static final ResiliencePolicy DEFAULTS =
      new ResiliencePolicy(
          1,
          Durations.toMillis(RoutingDefaults.BACKOFF_INITIAL),
          Durations.toMillis(RoutingDefaults.BACKOFF_MAX),
          RoutingDefaults.BACKOFF_MULTIPLIER,
          true,
          DEFAULT_RETRY_ON,
          true,
          RoutingDefaults.BUDGET_RATIO,
          RoutingDefaults.BUDGET_MIN_PER_SECOND,
          true,
          BreakerSettings.DEFAULTS,
          List.of(),
          DEFAULT_MAX_RETRY_AFTER_MS);

  public ResiliencePolicy {
    retryOn = Set.copyOf(retryOn);
    rateLimits = List.copyOf(rateLimits);
  }

  /**
   * The settings of a route without a policy: fail over at once (1 attempt per target; a policy
   * that leaves {@code maxAttempts} out gets its schema default, 3), backoff 200 ms × 2 up to 5 s
   * with full jitter, Retry-After honoured up to 60 s, retry budget 20 % + 5/s, same capabilities
   * required, default breaker, no client rate limits.
   */
  public static ResiliencePolicy defaults() {
    return DEFAULTS;
  }

  /** Settings already derived, per policy record of the current (and recent) tables. */
  private static final PerRecordCache<RoutingTable.Policy, ResiliencePolicy> DERIVED =
      new PerRecordCache<>(1024);

  /** The effective settings of a policy (null → defaults). */
  public static ResiliencePolicy of(RoutingTable.Policy policy) {
    return policy == null ? DEFAULTS : DERIVED.get(policy, ResiliencePolicy::derive);
  }

  private static ResiliencePolicy derive(RoutingTable.Policy policy) {
    RoutingTable.Retry r = policy.retry();
    // A policy's attempts default as its schema does: an API server stores maxAttempts 3 in every
    // RoutingPolicy that leaves it out, so a table from a server that applies no schema defaults
    // must mean the same. Only a route without any policy fails over at once (DEFAULTS).
    int maxAttempts = RoutingDefaults.MAX_ATTEMPTS;
    long initial = DEFAULTS.backoffInitialMs;
    long max = DEFAULTS.backoffMaxMs;
    double multiplier = DEFAULTS.backoffMultiplier;
    boolean fullJitter = DEFAULTS.fullJitter;
    Set<FailureKind> retryOn = DEFAULT_RETRY_ON;
    boolean respectRetryAfter = DEFAULTS.respectRetryAfter;
    double ratio = DEFAULTS.budgetRatio;
    int minPerSecond = DEFAULTS.budgetMinPerSecond;
    long maxRetryAfter = DEFAULTS.maxRetryAfterMs;
    if (r != null) {
      maxRetryAfter = positiveOr(r.maxRetryAfterMs(), maxRetryAfter);
      maxAttempts = r.maxAttempts() == null ? maxAttempts : clamp(r.maxAttempts(), 1, 10);
      max = positiveOr(r.backoffMaxMs(), max);
      // An absent initial delay is its default, never above max (as the operator renders it); one
      // set above max raises max, so the delays still grow from what was asked for.
      initial =
          positiveOr(
              r.backoffInitialMs(),
              RoutingDefaults.cappedMillis(
                  RoutingDefaults.BACKOFF_INITIAL, max, RoutingDefaults.BACKOFF_MAX));
      max = Math.max(initial, max);
      multiplier =
          r.backoffMultiplier() == null || r.backoffMultiplier() < 1
              ? multiplier
              : r.backoffMultiplier();
      fullJitter = r.backoffJitter() == null || !"none".equalsIgnoreCase(r.backoffJitter());
      retryOn = r.retryOn() == null || r.retryOn().isEmpty() ? retryOn : retryOn(r.retryOn());
      respectRetryAfter = r.respectRetryAfter() == null || r.respectRetryAfter();
      ratio = r.budgetRatio() == null || r.budgetRatio() < 0 ? ratio : r.budgetRatio();
      minPerSecond =
          r.budgetMinPerSecond() == null || r.budgetMinPerSecond() < 0
              ? minPerSecond
              : r.budgetMinPerSecond();
    }
    return new ResiliencePolicy(
        maxAttempts,
        initial,
        max,
        multiplier,
        fullJitter,
        retryOn,
        respectRetryAfter,
        ratio,
        minPerSecond,
        policy.requireSameCapabilities() == null || policy.requireSameCapabilities(),
        BreakerSettings.of(policy.circuitBreaker()),
        policy.rateLimits(),
        maxRetryAfter);
  }

  /** Whether a failure of this kind may be retried or failed over under this policy. */
  public boolean retries(FailureKind kind) {
    return retryOn.contains(kind);
  }

  /**
   * Maps the API's {@code retryOn} names to failure kinds. An unparseable or schema-breaking body
   * counts as {@code server-error}: the provider failed, not the request.
   */
  static Set<FailureKind> retryOn(List<String> names) {
    Set<FailureKind> kinds = EnumSet.of(FailureKind.NO_KEY);
    for (String name : names) {
      switch (name.toLowerCase(Locale.ROOT)) {
        case "rate-limited" -> kinds.add(FailureKind.RATE_LIMITED);
        case "server-error" -> {
          kinds.add(FailureKind.SERVER_ERROR);
          kinds.add(FailureKind.BAD_RESPONSE);
        }
        case "bad-response" -> kinds.add(FailureKind.BAD_RESPONSE);
        case "timeout" -> kinds.add(FailureKind.TIMEOUT);
        case "connect-error", "reset" -> kinds.add(FailureKind.CONNECT);
        default -> {
          // Unknown names are ignored: the operator validates the list, an older gateway may not
          // know a newer name and must not fail the request because of it.
        }
      }
    }
    return kinds;
  }

  private static int clamp(int value, int min, int max) {
    return Math.max(min, Math.min(max, value));
  }

  private static long positiveOr(Long value, long fallback) {
    return value == null || value <= 0 ? fallback : value;
  }
}
