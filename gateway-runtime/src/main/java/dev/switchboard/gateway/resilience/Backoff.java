package dev.switchboard.gateway.resilience;

import dev.switchboard.gateway.upstream.UpstreamFailure;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.function.DoubleSupplier;

/**
 * Delays between retries of the same target: exponential backoff with full jitter (AWS architecture
 * blog, "Exponential Backoff and Jitter": a uniform draw in {@code [0, min(max, initial ×
 * multiplier^n)]}, which spreads retries of many clients best), and the parsing of a provider's
 * {@code Retry-After} / {@code retry-after-ms} headers.
 */
public final class Backoff {

  private Backoff() {}

  /**
   * The delay before the {@code retry}-th retry (1-based) of the same target.
   *
   * @param random uniform values in [0, 1)
   */
  public static long delayMs(ResiliencePolicy policy, int retry, DoubleSupplier random) {
    double ceiling =
        Math.min(
            policy.backoffMaxMs(),
            policy.backoffInitialMs()
                * Math.pow(policy.backoffMultiplier(), Math.max(0, retry - 1)));
    if (!policy.fullJitter()) {
      return Math.round(ceiling);
    }
    return (long) Math.floor(random.getAsDouble() * ceiling);
  }

  /**
   * The wait a provider asked for, in milliseconds: {@code retry-after-ms} (OpenAI, Azure) wins
   * over {@code Retry-After}, which is either delta-seconds or an HTTP date.
   *
   * @return empty when neither header is present or parseable
   */
  public static OptionalLong retryAfterMs(String retryAfter, String retryAfterMs, long nowMillis) {
    if (retryAfterMs != null) {
      try {
        double ms = Double.parseDouble(retryAfterMs.trim());
        if (ms >= 0 && Double.isFinite(ms)) {
          return OptionalLong.of((long) Math.ceil(ms));
        }
      } catch (NumberFormatException ignored) {
        // fall through to Retry-After
      }
    }
    if (retryAfter == null || retryAfter.isBlank()) {
      return OptionalLong.empty();
    }
    String value = retryAfter.trim();
    try {
      double seconds = Double.parseDouble(value);
      if (seconds >= 0 && Double.isFinite(seconds)) {
        return OptionalLong.of((long) Math.ceil(seconds * 1000));
      }
      return OptionalLong.empty();
    } catch (NumberFormatException notSeconds) {
      try {
        Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        return OptionalLong.of(Math.max(0, at.toEpochMilli() - nowMillis));
      } catch (DateTimeParseException notADate) {
        return OptionalLong.empty();
      }
    }
  }

  /**
   * The failure with its waits in the one form the gateway relays and acts on: {@code Retry-After}
   * as delta-seconds (an HTTP date, RFC 9110, becomes the seconds left until it on the gateway's
   * clock, rounded up; a fraction is rounded up to whole seconds) and {@code retry-after-ms} as
   * whole milliseconds, each capped at {@code maxMs} (issue #13: one {@code Retry-After: 999999}
   * took a provider out of rotation for 11 days and told the client to wait as long). A header that
   * is neither is dropped, so nothing but a number is ever relayed. The target's cool-down, a
   * same-target wait and what the client is told all read the result. The same instance when
   * nothing changes.
   */
  public static UpstreamFailure normalizeRetryAfter(
      UpstreamFailure failure, long maxMs, long nowMillis) {
    if (failure.retryAfter() == null && failure.retryAfterMs() == null) {
      return failure;
    }
    // Each header on its own: the client is relayed Retry-After even when retry-after-ms decided.
    OptionalLong seconds = retryAfterMs(failure.retryAfter(), null, nowMillis);
    OptionalLong millis = retryAfterMs(null, failure.retryAfterMs(), nowMillis);
    String retryAfter =
        seconds.isPresent()
            ? Long.toString((Math.min(seconds.getAsLong(), maxMs) + 999) / 1000)
            : null;
    String retryAfterMs =
        millis.isPresent() ? Long.toString(Math.min(millis.getAsLong(), maxMs)) : null;
    if (Objects.equals(retryAfter, failure.retryAfter())
        && Objects.equals(retryAfterMs, failure.retryAfterMs())) {
      return failure;
    }
    return failure.withRetryAfter(retryAfter, retryAfterMs);
  }
}
