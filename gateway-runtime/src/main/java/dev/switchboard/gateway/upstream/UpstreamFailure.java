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

  public UpstreamFailure(
      FailureKind kind,
      String message,
      int upstreamStatus,
      Buffer upstreamBody,
      String retryAfter) {
    super(message, null, false, false);
    this.kind = kind;
    this.upstreamStatus = upstreamStatus;
    this.upstreamBody = upstreamBody;
    this.retryAfter = retryAfter;
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
}
