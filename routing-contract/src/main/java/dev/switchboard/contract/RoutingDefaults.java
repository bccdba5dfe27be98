package dev.switchboard.contract;

/**
 * The documented default of every routing-table field whose absence the gateway fills in: one
 * source for the CRD schema ({@code @Default}), the operator's rendering of the defaults a CEL rule
 * keeps out of the schema, and the gateway's fallbacks when the table leaves a field out (a table
 * from a server that applies no schema defaults, such as the local stack's mock API server, or a
 * routing file written by hand). Durations are in the API's notation.
 */
public final class RoutingDefaults {

  /** {@code timeouts.connect}, capped at {@code total} (rendered, not a schema default). */
  public static final String CONNECT = "2s";

  /** {@code timeouts.firstToken}, capped at {@code total} (rendered, not a schema default). */
  public static final String FIRST_TOKEN = "30s";

  /** {@code timeouts.total}. */
  public static final String TOTAL = "120s";

  /** {@code timeouts.streamIdle}. */
  public static final String STREAM_IDLE = "60s";

  /** {@code healthCheck.interval}. */
  public static final String HEALTH_INTERVAL = "15s";

  /** {@code healthCheck.timeout}, capped at {@code interval} (rendered, not a schema default). */
  public static final String HEALTH_TIMEOUT = "3s";

  /** {@code healthCheck.unhealthyThreshold}. */
  public static final int UNHEALTHY_THRESHOLD = 3;

  /** {@code healthCheck.healthyThreshold}. */
  public static final int HEALTHY_THRESHOLD = 2;

  /**
   * {@code retry.maxAttempts} of a RoutingPolicy (a route without any policy fails over at once:
   * one attempt per target).
   */
  public static final int MAX_ATTEMPTS = 3;

  /** {@code retry.backoff.initial}, capped at {@code max} (rendered, not a schema default). */
  public static final String BACKOFF_INITIAL = "200ms";

  /** {@code retry.backoff.max}. */
  public static final String BACKOFF_MAX = "5s";

  /** {@code retry.backoff.multiplier}. */
  public static final double BACKOFF_MULTIPLIER = 2.0;

  /** {@code retry.maxRetryAfter}. */
  public static final String MAX_RETRY_AFTER = "60s";

  /** {@code retry.budget.ratio}. */
  public static final double BUDGET_RATIO = 0.2;

  /** {@code retry.budget.minPerSecond}. */
  public static final int BUDGET_MIN_PER_SECOND = 5;

  /** {@code circuitBreaker.failureRateThreshold}, in percent. */
  public static final int FAILURE_RATE_THRESHOLD = 50;

  /** {@code circuitBreaker.minimumCalls}. */
  public static final int MINIMUM_CALLS = 20;

  /** {@code circuitBreaker.window}. */
  public static final String BREAKER_WINDOW = "60s";

  /** {@code circuitBreaker.openFor}. */
  public static final String OPEN_FOR = "30s";

  private RoutingDefaults() {}

  /**
   * What an absent field bounded by another means: its default, never above the bound ({@code
   * boundMs}, null when the bound is absent too and so is its own default).
   */
  public static long cappedMillis(String fallback, Long boundMs, String boundDefault) {
    long bound = boundMs != null && boundMs > 0 ? boundMs : Durations.toMillis(boundDefault);
    return Math.min(Durations.toMillis(fallback), bound);
  }
}
