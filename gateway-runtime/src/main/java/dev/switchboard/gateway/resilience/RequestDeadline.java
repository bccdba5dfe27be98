package dev.switchboard.gateway.resilience;

/**
 * The overall deadline of one request: what a client can wait, across every attempt, backoff and
 * failover. Clients may shorten it with the {@value #HEADER} header (milliseconds); they cannot
 * lengthen it beyond the gateway's maximum ({@value #DEFAULT_MS} ms unless configured with the
 * system property {@value #PROPERTY} or the environment variable {@value #ENV}).
 */
public final class RequestDeadline {

  /** The client header that sets a shorter deadline, in milliseconds. */
  public static final String HEADER = "x-switchboard-timeout-ms";

  /** The default (and maximum) overall deadline: 300 s, long generations are normal. */
  public static final long DEFAULT_MS = 300_000;

  /** System property overriding the default deadline (milliseconds). */
  public static final String PROPERTY = "switchboard.requestTimeoutMs";

  /** Environment variable overriding the default deadline (milliseconds). */
  public static final String ENV = "SWITCHBOARD_REQUEST_TIMEOUT_MS";

  private RequestDeadline() {}

  /** The configured maximum: system property, then environment, then {@link #DEFAULT_MS}. */
  public static long configuredMaxMs() {
    String value = System.getProperty(PROPERTY);
    if (value == null) {
      value = System.getenv(ENV);
    }
    long parsed = parse(value);
    return parsed > 0 ? parsed : DEFAULT_MS;
  }

  /**
   * The deadline for a request in milliseconds: the header's value when it is a positive integer no
   * larger than {@code maxMs}, else {@code maxMs}.
   */
  public static long forHeader(String header, long maxMs) {
    long requested = parse(header);
    return requested > 0 ? Math.min(requested, maxMs) : maxMs;
  }

  private static long parse(String value) {
    if (value == null || value.isBlank() || value.length() > 12) {
      return -1;
    }
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
