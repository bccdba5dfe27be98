package dev.switchboard.gateway.cache;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.request.TokenUsage;
import dev.switchboard.gateway.upstream.Operation;
import dev.switchboard.gateway.upstream.ReplySummary;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * How a cached answer sits in the shared store: under a name that is a hash of the exact key (never
 * a prompt, a consumer name or an API key), as bytes encrypted with AES-256-GCM under a key derived
 * from the exact key by another hash. The exact key is itself a SHA-256 over tenant, route, target
 * and the whole canonical request, and neither hash can be turned back into it: whoever reads the
 * store (a Redis operator, a backup) sees opaque names and ciphertext, and can decrypt an answer
 * only by presenting the exact request, tenant included, that produced it. The name is the GCM
 * associated data, so a value copied under another name does not decrypt.
 */
final class AnswerCodec {

  /**
   * 5: the id of the stored Response the answer is (4: the parameters the producing attempt was not
   * sent as asked; 3: usage kept cache-write tokens; 2 added reasoning tokens); a value of an
   * earlier version, which lacks them, is a miss.
   */
  private static final byte VERSION = 5;

  private static final int IV_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final SecureRandom RANDOM = new SecureRandom();

  private AnswerCodec() {}

  /** The store key of {@code exactKey} under {@code prefix}: only hashes. */
  static String name(String prefix, String exactKey) {
    return prefix
        + "cache:"
        + HexFormat.of().formatHex(sha256("switchboard-cache-name\n", exactKey));
  }

  /** The encrypted bytes of {@code answer} stored under {@code name}. */
  static byte[] seal(String exactKey, String name, CachedAnswer answer) {
    byte[] plain = encode(answer);
    byte[] iv = new byte[IV_BYTES];
    RANDOM.nextBytes(iv);
    try {
      Cipher cipher = cipher(Cipher.ENCRYPT_MODE, exactKey, name, iv);
      byte[] out = new byte[1 + IV_BYTES + cipher.getOutputSize(plain.length)];
      out[0] = VERSION;
      System.arraycopy(iv, 0, out, 1, IV_BYTES);
      cipher.doFinal(plain, 0, plain.length, out, 1 + IV_BYTES);
      return out;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is part of every JRE", e);
    }
  }

  /**
   * The answer in {@code stored}, or null when it does not decrypt (another format version, another
   * name, tampered) or does not decode: such a value is a miss.
   */
  static CachedAnswer open(String exactKey, String name, byte[] stored) {
    if (stored == null || stored.length < 1 + IV_BYTES || stored[0] != VERSION) {
      return null;
    }
    try {
      byte[] iv = new byte[IV_BYTES];
      System.arraycopy(stored, 1, iv, 0, IV_BYTES);
      Cipher cipher = cipher(Cipher.DECRYPT_MODE, exactKey, name, iv);
      return decode(cipher.doFinal(stored, 1 + IV_BYTES, stored.length - 1 - IV_BYTES));
    } catch (GeneralSecurityException | IOException | RuntimeException e) {
      return null;
    }
  }

  private static Cipher cipher(int mode, String exactKey, String name, byte[] iv)
      throws GeneralSecurityException {
    Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
    cipher.init(
        mode,
        new SecretKeySpec(sha256("switchboard-cache-value\n", exactKey), "AES"),
        new GCMParameterSpec(TAG_BITS, iv));
    cipher.updateAAD(name.getBytes(StandardCharsets.UTF_8));
    return cipher;
  }

  private static byte[] sha256(String label, String value) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update(label.getBytes(StandardCharsets.UTF_8));
      return digest.digest(value.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JRE", e);
    }
  }

  static byte[] encode(CachedAnswer a) {
    ByteArrayOutputStream bytes =
        new ByteArrayOutputStream(512 + (a.json() == null ? 0 : a.json().length));
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      writeBytes(out, a.json());
      ReplySummary s = a.summary();
      out.writeBoolean(s != null);
      if (s != null) {
        writeString(out, s.model());
        writeString(out, s.systemFingerprint());
        writeString(out, s.finishReason());
        out.writeBoolean(s.refused());
        writeUsage(out, s.usage());
      }
      out.writeBoolean(a.events() != null);
      if (a.events() != null) {
        out.writeInt(a.events().size());
        for (String e : a.events()) {
          writeString(out, e);
        }
      }
      writeString(out, a.format() == null ? null : a.format().name());
      RoutingTable.Provider p = a.provider();
      // Only what replay needs (the adapter follows the kind): never headers or other settings.
      out.writeBoolean(p != null);
      if (p != null) {
        writeString(out, p.name());
        writeString(out, p.kind());
        writeString(out, p.apiVersion());
      }
      writeString(out, a.targetId());
      writeString(out, a.servedVersion());
      writeUsage(out, a.usage());
      out.writeBoolean(a.costUsd() != null);
      if (a.costUsd() != null) {
        out.writeDouble(a.costUsd());
      }
      out.writeDouble(a.latencyMs());
      out.writeLong(a.storedAtMillis());
      writeString(out, a.partition());
      writeString(out, a.text());
      out.writeInt(a.unhonoured().size());
      for (String param : a.unhonoured()) {
        writeString(out, param);
      }
      writeString(out, a.responseId());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  static CachedAnswer decode(byte[] plain) throws IOException {
    DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(plain));
    byte[] json = readBytes(in);
    ReplySummary summary = null;
    if (in.readBoolean()) {
      summary =
          new ReplySummary(
              readString(in), readString(in), readString(in), in.readBoolean(), readUsage(in));
    }
    List<String> events = null;
    if (in.readBoolean()) {
      int n = in.readInt();
      events = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        events.add(readString(in));
      }
      events = List.copyOf(events);
    }
    String format = readString(in);
    RoutingTable.Provider provider = null;
    if (in.readBoolean()) {
      provider =
          new RoutingTable.Provider(
              readString(in),
              readString(in),
              null,
              false,
              readString(in),
              Map.of(),
              null,
              null,
              null,
              null,
              Map.of());
    }
    String targetId = readString(in);
    String servedVersion = readString(in);
    TokenUsage usage = readUsage(in);
    Double cost = in.readBoolean() ? in.readDouble() : null;
    double latencyMs = in.readDouble();
    long storedAt = in.readLong();
    String partition = readString(in);
    String text = readString(in);
    int unhonoured = in.readInt();
    String[] params = new String[unhonoured];
    for (int i = 0; i < unhonoured; i++) {
      params[i] = readString(in);
    }
    String responseId = readString(in);
    return new CachedAnswer(
        json,
        summary,
        events,
        format == null ? null : Operation.valueOf(format),
        provider,
        targetId,
        servedVersion,
        usage,
        cost,
        latencyMs,
        storedAt,
        partition,
        text,
        List.of(params),
        responseId);
  }

  private static void writeUsage(DataOutputStream out, TokenUsage u) throws IOException {
    out.writeBoolean(u != null);
    if (u != null) {
      out.writeLong(u.inputTokens());
      out.writeLong(u.outputTokens());
      out.writeLong(u.cachedInputTokens());
      out.writeLong(u.reasoningTokens());
      out.writeLong(u.cacheWriteInputTokens());
    }
  }

  private static TokenUsage readUsage(DataInputStream in) throws IOException {
    return in.readBoolean()
        ? new TokenUsage(in.readLong(), in.readLong(), in.readLong(), in.readLong(), in.readLong())
        : null;
  }

  private static void writeString(DataOutputStream out, String s) throws IOException {
    writeBytes(out, s == null ? null : s.getBytes(StandardCharsets.UTF_8));
  }

  private static String readString(DataInputStream in) throws IOException {
    byte[] b = readBytes(in);
    return b == null ? null : new String(b, StandardCharsets.UTF_8);
  }

  private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
    out.writeInt(b == null ? -1 : b.length);
    if (b != null) {
      out.write(b);
    }
  }

  private static byte[] readBytes(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0) {
      return null;
    }
    byte[] b = new byte[n];
    in.readFully(b);
    return b;
  }
}
