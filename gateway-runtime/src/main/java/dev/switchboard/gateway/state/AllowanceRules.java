package dev.switchboard.gateway.state;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;

/**
 * How big a local allowance of shared request buckets is and when it moves, for both holders of
 * one: consumer limits ({@link ConsumerAllowances}) and route client rate limits ({@code
 * resilience.ClientRateAllowances}). Both keep the same scheme (a replica admits from requests
 * Redis already counts as taken on its behalf, and a request that does not fit waits for one script
 * run that decides it as if alone), so the sizes and moments are one policy: kept here so that the
 * two cannot drift apart. What each does with them (budgets and reservations for consumers, token
 * levels, the runs themselves) stays with each.
 */
public final class AllowanceRules {

  /**
   * The requests one replica holds of one set of request buckets whatever its own rate (when 1 % of
   * the smallest limit is that much).
   */
  public static final long BASE_REQUESTS = 128;

  /**
   * The most requests one replica holds of one set of request buckets, however busy it is: a busy
   * replica holds about {@link #HORIZON_MS} of its own admissions, between {@link #BASE_REQUESTS}
   * and this.
   */
  public static final long MAX_REQUESTS = 1_024;

  /**
   * How much of its own traffic a busy replica holds: an allowance covering this long at the
   * replica's measured admission rate (at most {@link #MAX_REQUESTS}, and never more than 1 % of
   * the smallest limit). At 128 requests a replica admitting 20,000 a second ran one script per 64
   * requests per set of buckets; holding 100 ms of its traffic it runs one per ~500 — fewer round
   * trips and fewer wake-ups of {@code redis-server} — while a quiet replica keeps holding what it
   * held before (issue #21).
   */
  public static final long HORIZON_MS = 100;

  /** The shortest span a replica's admission rate is measured over. */
  public static final long RATE_SPAN_MS = 100;

  /** One replica holds at most 1/SHARE_DIVISOR of the smallest request limit. */
  public static final long SHARE_DIVISOR = 100;

  /** After this long without an admission an allowance is given back whole. */
  public static final long IDLE_MS = 1_000;

  /**
   * Token limits without a request limit beside them are checked against a local token level only
   * from this capacity per minute up (the smallest of them): below it, as with request limits under
   * 100 per minute, every admission is decided in Redis.
   */
  public static final long MIN_LOCAL_TOKENS_PER_MINUTE = 100_000;

  /** The most waiting requests decided in one script run. */
  public static final int MAX_BATCH = 64;

  private AllowanceRules() {}

  /**
   * Requests to hold for a replica whose rate is not known (yet): as {@link #requestTarget(long,
   * long)} at rate 0.
   */
  public static long requestTarget(long smallestPerMinute) {
    return requestTarget(smallestPerMinute, 0);
  }

  /**
   * Requests to hold: 1 % of the smallest request limit, at most {@link #heldRequests} at the
   * replica's admission rate {@code perSecond} — nothing under 100 requests per minute, so tight
   * limits are decided in Redis request by request; 0 without a request limit ({@code
   * smallestPerMinute} {@link Long#MAX_VALUE}).
   */
  public static long requestTarget(long smallestPerMinute, long perSecond) {
    return smallestPerMinute == Long.MAX_VALUE
        ? 0
        : Math.min(heldRequests(perSecond), smallestPerMinute / SHARE_DIVISOR);
  }

  /**
   * How many requests are worth holding at an admission rate of {@code perSecond}: {@link
   * #HORIZON_MS} of them, at least {@link #BASE_REQUESTS} and at most {@link #MAX_REQUESTS}. (A
   * budget allowance covers as many reservations.)
   */
  public static long heldRequests(long perSecond) {
    long horizon =
        perSecond >= Long.MAX_VALUE / HORIZON_MS ? MAX_REQUESTS : perSecond * HORIZON_MS / 1000;
    return Math.max(BASE_REQUESTS, Math.min(MAX_REQUESTS, horizon));
  }

  /**
   * Whether token limits without a request limit beside them, the smallest {@code
   * smallestTokensPerMinute} ({@link Long#MAX_VALUE}: none), may be checked locally: from {@link
   * #MIN_LOCAL_TOKENS_PER_MINUTE} up.
   */
  public static boolean localTokenLevel(long smallestTokensPerMinute) {
    return smallestTokensPerMinute >= MIN_LOCAL_TOKENS_PER_MINUTE;
  }

  /**
   * Whether a replica admits any request from a local allowance of buckets whose smallest request
   * limit is {@code smallestRequestsPerMinute} and smallest token limit {@code
   * smallestTokensPerMinute} ({@link Long#MAX_VALUE}: none of that kind). With a request limit:
   * only when it is large enough to hold requests ({@link #requestTarget} at least 1); without one:
   * when the token limits may be checked locally ({@link #localTokenLevel}). Otherwise every
   * admission is decided in Redis, and nothing else (a budget, for consumers) is worth holding
   * either.
   */
  public static boolean admitsLocally(
      long smallestRequestsPerMinute, long smallestTokensPerMinute) {
    return smallestRequestsPerMinute != Long.MAX_VALUE
        ? requestTarget(smallestRequestsPerMinute) >= 1
        : localTokenLevel(smallestTokensPerMinute);
  }

  /** Whether {@code held} is running low (under half its target): time to ask for more. */
  public static boolean runningLow(long held, long target) {
    return held * 2 < target;
  }

  /**
   * What to give back of {@code held}: everything when idle, else whatever is beyond twice target.
   */
  public static long spare(long held, long target, boolean idle) {
    return idle ? held : Math.max(0, held - 2 * target);
  }

  /** Whether an allowance last used at {@code lastUsedNanos} has been idle {@link #IDLE_MS}. */
  public static boolean idle(long lastUsedNanos, long nowNanos) {
    return nowNanos - lastUsedNanos > IDLE_MS * 1_000_000;
  }

  /**
   * Takes the next script run's batch off {@code waiting}: at most {@link #MAX_BATCH}, in order.
   */
  public static <T> List<T> nextBatch(Queue<T> waiting) {
    List<T> batch = new ArrayList<>(Math.min(MAX_BATCH, waiting.size()));
    while (!waiting.isEmpty() && batch.size() < MAX_BATCH) {
      batch.add(waiting.poll());
    }
    return batch;
  }

  /**
   * A replica's admission rate for one set of buckets: every admission asked for is counted, and
   * the rate is measured again, at the moments an allowance moves (a script run starting, a
   * report), over at least {@link #RATE_SPAN_MS}, smoothed with the previous measure (half each),
   * so one quiet or busy span moves the allowance halfway. Not thread-safe: used under its holder's
   * lock.
   */
  public static final class Rate {

    private long asked;
    private long sinceNanos;
    private boolean started;
    private long perSecond;

    /** Counts one admission asked for. */
    public void count() {
      asked++;
    }

    /**
     * Measures again when at least {@link #RATE_SPAN_MS} passed since the last measure ({@code
     * nowNanos} on the gateway clock) and returns the rate, admissions per second.
     */
    public long update(long nowNanos) {
      if (!started) {
        started = true;
        sinceNanos = nowNanos;
        asked = 0;
        return perSecond;
      }
      long elapsed = nowNanos - sinceNanos;
      if (elapsed >= RATE_SPAN_MS * 1_000_000) {
        long measured = (long) (asked * 1e9 / elapsed);
        perSecond = (perSecond + measured) / 2;
        asked = 0;
        sinceNanos = nowNanos;
      }
      return perSecond;
    }

    /** The rate as last measured (0 before a span was measured). */
    public long perSecond() {
      return perSecond;
    }
  }
}
