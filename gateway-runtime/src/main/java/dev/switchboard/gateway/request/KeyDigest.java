package dev.switchboard.gateway.request;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** What the gateway keeps instead of a key (a client's or a provider's): its hex SHA-256. */
public final class KeyDigest {

  /**
   * One digest per thread, reset by each {@code digest} call: every API request hashes the key it
   * presents, and {@code MessageDigest.getInstance} looks the provider up and allocates anew.
   */
  private static final ThreadLocal<MessageDigest> SHA_256 =
      ThreadLocal.withInitial(
          () -> {
            try {
              return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
              throw new IllegalStateException("SHA-256 is part of every JRE", e);
            }
          });

  private KeyDigest() {}

  /** The hex SHA-256 of {@code secret}'s UTF-8 bytes. */
  public static String of(String secret) {
    return HexFormat.of().formatHex(bytes(secret));
  }

  /** The SHA-256 of {@code secret}'s UTF-8 bytes. */
  public static byte[] bytes(String secret) {
    return SHA_256.get().digest(secret.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The SHA-256 of the first {@code length} bytes of {@code data}, with the same per-thread digest
   * (other hashes made on every request, e.g. the response cache's keys, share it).
   */
  public static byte[] sha256(byte[] data, int length) {
    MessageDigest digest = SHA_256.get();
    digest.update(data, 0, length);
    return digest.digest();
  }
}
