package dev.switchboard.gateway.request;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** What the gateway keeps instead of a key (a client's or a provider's): its hex SHA-256. */
public final class KeyDigest {

  private KeyDigest() {}

  /** The hex SHA-256 of {@code secret}'s UTF-8 bytes. */
  public static String of(String secret) {
    return HexFormat.of().formatHex(bytes(secret));
  }

  /** The SHA-256 of {@code secret}'s UTF-8 bytes. */
  public static byte[] bytes(String secret) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JRE", e);
    }
  }
}
