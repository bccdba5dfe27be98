package dev.switchboard.operator.keys;

import dev.switchboard.api.v1alpha1.KeyRotation;
import dev.switchboard.api.v1alpha1.ObservedKey;
import dev.switchboard.contract.Durations;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Key fingerprints and ages. A fingerprint is {@code sha256:} and the first 8 hex digits of the
 * key's SHA-256: enough to tell keys apart in a status, far too little to look a key up. A key's
 * age counts from when the operator first saw it ({@code observedSince}), which lives in the
 * resource's status and so survives operator restarts. Time comes from the injected clock.
 */
public final class KeyAges {

  /** The condition that turns True once a key is older than {@code keyRotation.maxAge}. */
  public static final String KEY_ROTATION_DUE = "KeyRotationDue";

  private static final String PREFIX = "sha256:";

  private final Clock clock;

  public KeyAges(Clock clock) {
    this.clock = clock;
  }

  /** Lower-case hex SHA-256 of the key's UTF-8 bytes (what the consumer table carries). */
  public static String sha256Hex(String key) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /** The fingerprint of a key: {@code sha256:} + the first 8 hex digits of its hash. */
  public static String fingerprint(String key) {
    return fingerprintOfHash(sha256Hex(key));
  }

  /** The fingerprint of a key given by its hex SHA-256. */
  public static String fingerprintOfHash(String sha256Hex) {
    return PREFIX + sha256Hex.substring(0, 8);
  }

  /**
   * The key with this fingerprint as observed: since when a previous status saw it, else since now.
   */
  public ObservedKey observe(String fingerprint, Collection<ObservedKey> previous) {
    if (previous != null) {
      for (ObservedKey known : previous) {
        if (known != null
            && fingerprint.equals(known.getFingerprint())
            && parse(known.getObservedSince()).isPresent()) {
          return new ObservedKey(fingerprint, known.getObservedSince());
        }
      }
    }
    return new ObservedKey(fingerprint, now());
  }

  /** The rotation age, when the spec sets a valid one. */
  public static Optional<Duration> maxAge(KeyRotation rotation) {
    if (rotation == null || rotation.getMaxAge() == null) {
      return Optional.empty();
    }
    try {
      long millis = Durations.toMillis(rotation.getMaxAge());
      return millis > 0 ? Optional.of(Duration.ofMillis(millis)) : Optional.empty();
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** How long until the key becomes older than {@code maxAge}; zero or negative once it is. */
  public Duration untilDue(ObservedKey key, Duration maxAge) {
    Instant since = parse(key.getObservedSince()).orElse(clock.instant());
    return Duration.between(clock.instant(), since.plus(maxAge));
  }

  /** Whether the key is older than {@code maxAge}. */
  public boolean due(ObservedKey key, Duration maxAge) {
    return untilDue(key, maxAge).compareTo(Duration.ZERO) < 0;
  }

  /** The key's age now, e.g. for a message. */
  public Duration age(ObservedKey key) {
    return Duration.between(parse(key.getObservedSince()).orElse(clock.instant()), clock.instant());
  }

  /** {@code 9d4h} style, for messages. */
  public static String human(Duration d) {
    long hours = Math.max(0, d.toHours());
    return hours >= 24 ? (hours / 24) + "d" + (hours % 24) + "h" : hours + "h";
  }

  private String now() {
    return DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS));
  }

  private static Optional<Instant> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(Instant.parse(text));
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }
}
