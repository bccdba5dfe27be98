package dev.switchboard.gateway.upstream;

/** Why an upstream attempt failed; decides whether another target may be tried. */
public enum FailureKind {
  /** TCP/TLS connect failed or the connection was reset before a response. */
  CONNECT(true),
  /** Connect, first-token or total timeout of the attempt. */
  TIMEOUT(true),
  /** The upstream answered 429. */
  RATE_LIMITED(true),
  /** The upstream answered 5xx. */
  SERVER_ERROR(true),
  /** A success status with a body that is not what the OpenAI wire format promises. */
  BAD_RESPONSE(true),
  /** The gateway has no key for a provider that needs one (a configuration error). */
  NO_KEY(true),
  /**
   * The upstream rejected the gateway's own credentials (401/403): a configuration error. Never
   * retried on the same provider (its other targets share the key), but the request moves on to a
   * target of another provider.
   */
  AUTH_REJECTED(true),
  /**
   * The target cannot serve for a lasting reason that is not the client's: the provider does not
   * know the model or deployment the gateway asked for (404 {@code model_not_found}, {@code
   * DeploymentNotFound}, ...), or the gateway's account there has no credit (402, 429 {@code
   * insufficient_quota}). Never retried on the same target; the request moves on to the next one
   * and the target's breaker counts a failure.
   */
  TARGET_UNUSABLE(true),
  /** The upstream rejected the request itself (other 4xx): retrying elsewhere would not help. */
  REQUEST_REJECTED(false),
  /**
   * A stream that had already reached the client went silent for longer than its provider's {@code
   * timeouts.streamIdle}. (Silence before the first event is a {@link #TIMEOUT} and fails over.)
   */
  STREAM_STALLED(false),
  /** The client went away; nothing is left to answer. */
  CLIENT_CANCELLED(false),
  /**
   * The gateway itself failed while answering with a committed stream (relaying it threw) and gave
   * the attempt up: the answer did not reach the client, though the target is not to blame, so its
   * breaker does not count it. Never retried: the stream already went out.
   */
  INTERNAL(false);

  private final boolean retriable;

  FailureKind(boolean retriable) {
    this.retriable = retriable;
  }

  /** Whether the failover chain may move on to another target. */
  public boolean retriable() {
    return retriable;
  }

  /** Lower-case label for metrics and logs. */
  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
