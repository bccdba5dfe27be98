package dev.switchboard.gateway.upstream;

import io.vertx.core.buffer.Buffer;

/**
 * A failed upstream attempt. Carries the upstream status and body (when there was one) so that a
 * request-caused 4xx can be returned to the client as the provider phrased it.
 */
public final class UpstreamFailure extends RuntimeException {

  /**
   * The attempt outcome of a timeout that only fired because the request's deadline ({@code
   * x-switchboard-timeout-ms}, or the gateway's maximum) was shorter than the provider's own
   * timeout: the request's doing, not the target's.
   */
  public static final String DEADLINE_OUTCOME = "deadline";

  private final FailureKind kind;
  private final int upstreamStatus;
  private final transient Buffer upstreamBody;
  private final String retryAfter;
  private final String retryAfterMs;
  private final boolean cutByDeadline;
  private final boolean answerStarted;
  private final boolean nothingSent;
  private final FailureScope scope;
  private final boolean lasting;

  public UpstreamFailure(
      FailureKind kind,
      String message,
      int upstreamStatus,
      Buffer upstreamBody,
      String retryAfter) {
    this(kind, message, upstreamStatus, upstreamBody, retryAfter, null);
  }

  /**
   * @param retryAfterMs the upstream {@code retry-after-ms} header (OpenAI, Azure), or null
   */
  public UpstreamFailure(
      FailureKind kind,
      String message,
      int upstreamStatus,
      Buffer upstreamBody,
      String retryAfter,
      String retryAfterMs) {
    this(
        kind,
        message,
        upstreamStatus,
        upstreamBody,
        retryAfter,
        retryAfterMs,
        false,
        false,
        false,
        null,
        false);
  }

  private UpstreamFailure(
      FailureKind kind,
      String message,
      int upstreamStatus,
      Buffer upstreamBody,
      String retryAfter,
      String retryAfterMs,
      boolean cutByDeadline,
      boolean answerStarted,
      boolean nothingSent,
      FailureScope scope,
      boolean lasting) {
    super(message, null, false, false);
    this.kind = kind;
    this.upstreamStatus = upstreamStatus;
    this.upstreamBody = upstreamBody;
    this.retryAfter = retryAfter;
    this.retryAfterMs = retryAfterMs;
    this.cutByDeadline = cutByDeadline;
    this.answerStarted = answerStarted;
    this.nothingSent = nothingSent;
    this.scope = scope == null ? FailureScope.of(kind, upstreamStatus) : scope;
    this.lasting = lasting;
  }

  /**
   * A {@link FailureKind#RATE_LIMITED} of the gateway's own: the providers' limits (quota, a
   * provider's {@code Retry-After}) held every target back, so nothing was sent upstream. The
   * client still gets a {@code 429} with {@code Retry-After: retryAfterSeconds} and {@code
   * retry-after-ms: retryAfterMs}, as a provider's relayed; the request log says {@code held_back},
   * not an upstream failure.
   */
  public static UpstreamFailure heldBack(
      String message, String retryAfterSeconds, String retryAfterMs) {
    return new UpstreamFailure(
        FailureKind.RATE_LIMITED,
        message,
        0,
        null,
        retryAfterSeconds,
        retryAfterMs,
        false,
        false,
        true,
        null,
        false);
  }

  /**
   * A {@link FailureKind#CONNECT} of the gateway's own: every target was skipped as unavailable
   * (unhealthy, breaker open, bulkhead full) and nothing was sent upstream. The client gets the
   * {@code 503} of an unreachable upstream; the request log says {@code no_target_available}, and
   * no "failed upstream" WARN claims an attempt that was never made.
   */
  public static UpstreamFailure noTargetAvailable(String message) {
    return new UpstreamFailure(
        FailureKind.CONNECT, message, 0, null, null, null, false, false, true, null, false);
  }

  /**
   * A {@link FailureKind#TIMEOUT} whose timer was shortened by the request's deadline below the
   * provider's own timeout, or a stream's total timeout that struck while a slow client held the
   * stream paused: it says nothing about the target (its breaker does not count it, and its attempt
   * outcome is {@value #DEADLINE_OUTCOME}).
   */
  public static UpstreamFailure deadlineTimeout(String message) {
    return new UpstreamFailure(
        FailureKind.TIMEOUT, message, 0, null, null, null, true, false, false, null, false);
  }

  /** The same failure with another message (e.g. why no further attempt was made). */
  public UpstreamFailure withMessage(String message) {
    return new UpstreamFailure(
        kind,
        message,
        upstreamStatus,
        upstreamBody,
        retryAfter,
        retryAfterMs,
        cutByDeadline,
        answerStarted,
        nothingSent,
        scope,
        lasting);
  }

  /**
   * A {@link FailureKind#TARGET_UNUSABLE} of the gateway's own: every target left belongs to a
   * provider whose account was found out of credit a moment ago ({@link FailureScope#ACCOUNT}), so
   * nothing was sent. The client gets the same {@code 502 upstream_quota_exhausted} as from the
   * provider itself, without a "failed upstream" WARN for an attempt never made.
   */
  public static UpstreamFailure accountHeld(String message) {
    return new UpstreamFailure(
        FailureKind.TARGET_UNUSABLE,
        message,
        0,
        null,
        null,
        null,
        false,
        false,
        true,
        FailureScope.ACCOUNT,
        false);
  }

  /** The same failure reaching as far as {@code scope} (its adapter read more than the status). */
  public UpstreamFailure withScope(FailureScope scope) {
    if (scope == this.scope) {
      return this;
    }
    return new UpstreamFailure(
        kind,
        getMessage(),
        upstreamStatus,
        upstreamBody,
        retryAfter,
        retryAfterMs,
        cutByDeadline,
        answerStarted,
        nothingSent,
        scope,
        lasting);
  }

  /** How far this failure reaches beyond its attempt. */
  public FailureScope scope() {
    return scope;
  }

  /**
   * This failure, marked as the end of a chain whose every target failed or was skipped for a
   * lasting reason of the gateway's own (see {@link #lasting()}).
   */
  public UpstreamFailure asLasting() {
    return new UpstreamFailure(
        kind,
        getMessage(),
        upstreamStatus,
        upstreamBody,
        retryAfter,
        retryAfterMs,
        cutByDeadline,
        answerStarted,
        nothingSent,
        scope,
        true);
  }

  /**
   * Whether no target of the request's chain can serve it until the gateway's configuration or a
   * provider account changes: each one failed or was skipped because its model or endpoint is not
   * served, its account is out of credit, or its provider refused the gateway's key. A client's
   * retry moments later meets the same, so the client is told not to ({@code x-should-retry:
   * false}); when that changes is not known, so no wait is named.
   */
  public boolean lasting() {
    return lasting;
  }

  /** The same failure with other {@code Retry-After} / {@code retry-after-ms} values. */
  public UpstreamFailure withRetryAfter(String retryAfter, String retryAfterMs) {
    return new UpstreamFailure(
        kind,
        getMessage(),
        upstreamStatus,
        upstreamBody,
        retryAfter,
        retryAfterMs,
        cutByDeadline,
        answerStarted,
        nothingSent,
        scope,
        lasting);
  }

  /**
   * This failure of a non-streamed attempt whose answer had begun to arrive: the provider sent a
   * success head ({@code status}) and then broke off, or the total timeout struck while the body
   * came. The provider has very likely done (and billed) the work, so the failover chain does not
   * send the request to the same target again (see {@link #answerStarted()}).
   */
  public UpstreamFailure afterAnswerHead(int status) {
    return answerStarted(
        getMessage() + " after its answer's head (HTTP " + status + ") arrived", status);
  }

  /**
   * This failure of a non-streamed attempt whose whole success answer arrived but cannot be used (a
   * {@code 2xx} body that does not parse): the provider has very likely done (and billed) the work,
   * so, as after {@link #afterAnswerHead}, the failover chain does not send the request to the same
   * target again. The message stays as it is (it already names the status).
   */
  public UpstreamFailure afterWholeAnswer() {
    return answerStarted(getMessage(), upstreamStatus);
  }

  /** This failure, marked as one after the answer began ({@link #answerStarted()}). */
  private UpstreamFailure answerStarted(String message, int status) {
    return new UpstreamFailure(
        kind,
        message,
        status,
        upstreamBody,
        retryAfter,
        retryAfterMs,
        cutByDeadline,
        true,
        nothingSent,
        scope,
        lasting);
  }

  /**
   * Whether the attempt failed after the provider began to send a success answer (or sent all of
   * one the gateway could not read).
   */
  public boolean answerStarted() {
    return answerStarted;
  }

  /** Whether nothing was sent: every target was held back by its provider's limits. */
  public boolean heldBack() {
    return nothingSent && kind == FailureKind.RATE_LIMITED;
  }

  /**
   * Whether the chain made no attempt at all: every target was skipped ({@link #heldBack}, {@link
   * #noTargetAvailable}).
   */
  public boolean nothingSent() {
    return nothingSent;
  }

  /**
   * Whether the attempt timed out only because the request's deadline was shorter than the
   * provider's own timeout (see {@link #deadlineTimeout}).
   */
  public boolean cutByDeadline() {
    return cutByDeadline;
  }

  /**
   * How the attempt ended, for the request's attempts and {@code switchboard_upstream_attempts}:
   * the kind's label, or {@value #DEADLINE_OUTCOME} for a timeout the request's deadline caused.
   */
  public String outcomeLabel() {
    return cutByDeadline ? DEADLINE_OUTCOME : kind.label();
  }

  public UpstreamFailure(FailureKind kind, String message) {
    this(kind, message, 0, null, null);
  }

  public FailureKind kind() {
    return kind;
  }

  /** The upstream HTTP status, 0 when no response arrived. */
  public int upstreamStatus() {
    return upstreamStatus;
  }

  /** The upstream error body, or null. */
  public Buffer upstreamBody() {
    return upstreamBody;
  }

  /**
   * The upstream {@code Retry-After} header, or null; once the failover chain saw the failure,
   * delta-seconds (see {@code Backoff.normalizeRetryAfter}).
   */
  public String retryAfter() {
    return retryAfter;
  }

  /** The upstream {@code retry-after-ms} header, or null. */
  public String retryAfterMs() {
    return retryAfterMs;
  }
}
