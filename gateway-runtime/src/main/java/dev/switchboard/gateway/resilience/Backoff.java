package dev.switchboard.gateway.resilience;

import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
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
}
