package dev.switchboard.gateway.upstream;

import io.vertx.core.buffer.Buffer;

/**
 * A failed upstream attempt. Carries the upstream status and body (when there was one) so that a
 * request-caused 4xx can be returned to the client as the provider phrased it.
 */
public final class UpstreamFailure extends RuntimeException {

  private final FailureKind kind;
  private final int upstreamStatus;
  private final transient Buffer upstreamBody;
  private final String retryAfter;
  private final String retryAfterMs;

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
    super(message, null, false, false);
    this.kind = kind;
    this.upstreamStatus = upstreamStatus;
    this.upstreamBody = upstreamBody;
    this.retryAfter = retryAfter;
    this.retryAfterMs = retryAfterMs;
  }

  /** The same failure with another message (e.g. why no further attempt was made). */
  public UpstreamFailure withMessage(String message) {
    return new UpstreamFailure(
        kind, message, upstreamStatus, upstreamBody, retryAfter, retryAfterMs);
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

  /** The upstream {@code Retry-After} header, or null. */
  public String retryAfter() {
    return retryAfter;
  }

  /** The upstream {@code retry-after-ms} header, or null. */
  public String retryAfterMs() {
    return retryAfterMs;
  }
}
