package dev.switchboard.gateway.security;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.vertx.core.buffer.Buffer;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Removes one provider key from upstream bytes before they reach a client or the request log.
 * Providers echo the {@code Authorization} header they received in error messages ("Incorrect API
 * key provided: Bearer sk-…"); the gateway injected that key and must never hand it out.
 *
 * <p>Needles: the key itself (which also covers {@code Bearer <key>} and {@code api-key: <key>}),
 * its JSON-escaped forms when escaping changes it, and a prefix long enough to identify the key:
 * the public part every key of the provider shares ({@code sk-}, {@code sk-proj-}, {@code
 * sk-ant-api03-}: up to the last {@code -} or {@code _} in the first 16 characters) plus {@value
 * #SECRET_PREFIX_CHARS} secret characters, at least {@value #MIN_PREFIX_CHARS} in all. Each
 * occurrence becomes {@value #MARKER}, which keeps JSON valid (a needle never holds an unescaped
 * quote).
 *
 * <p>Hot path: every needle starts with the same probe (the needles' common prefix), so a reply
 * without the probe costs one vectorised {@code indexOf} for strings or one eight-bytes-a-step scan
 * for a rare byte of the probe for bytes, and allocates nothing; the input is returned as it is.
 */
public final class KeyScrubber {

  /** What replaces a key or its prefix. */
  public static final String MARKER = "[REDACTED]";

  /**
   * Keys shorter than this are placeholders (Ollama or vLLM set to any value, {@code none}), never
   * real provider credentials (those are 32+ characters); scrubbing them would rewrite ordinary
   * words in answers.
   */
  public static final int MIN_KEY_CHARS = 8;

  static final int SECRET_PREFIX_CHARS = 8;
  static final int MIN_PREFIX_CHARS = 12;
  private static final int PUBLIC_PREFIX_SEARCH = 16;

  /** Scrubs nothing: no key, or a placeholder key. */
  public static final KeyScrubber NONE = new KeyScrubber(List.of());

  private static final byte[] MARKER_BYTES = MARKER.getBytes(StandardCharsets.US_ASCII);

  /** Longest first, so a whole key is replaced as one, not as its prefix plus a tail. */
  private final String[] needles;

  private final byte[][] needleBytes;
  private final String probe;
  private final byte[] probeBytes;
  private final int anchor;

  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private KeyScrubber(List<String> needles) {
    List<String> sorted = new ArrayList<>(needles);
    sorted.sort(Comparator.comparingInt(String::length).reversed());
    this.needles = sorted.toArray(String[]::new);
    this.needleBytes = new byte[this.needles.length][];
    for (int i = 0; i < this.needles.length; i++) {
      needleBytes[i] = this.needles[i].getBytes(StandardCharsets.UTF_8);
    }
    this.probe = commonPrefix(this.needles);
    this.probeBytes = probe.getBytes(StandardCharsets.UTF_8);
    this.anchor = anchorOf(probeBytes);
  }

  /** The scrubber for {@code key}; {@link #NONE} for null or a placeholder key. */
  public static KeyScrubber forKey(String key) {
    if (key == null || key.length() < MIN_KEY_CHARS) {
      return NONE;
    }
    Set<String> needles = new LinkedHashSet<>();
    needles.add(key);
    String escaped = new String(JsonStringEncoder.getInstance().quoteAsString(key));
    needles.add(escaped);
    // Some encoders also escape '/', which Jackson leaves alone.
    needles.add(escaped.replace("/", "\\/"));
    int prefix = prefixLength(key);
    if (prefix < key.length()) {
      String head = key.substring(0, prefix);
      needles.add(head);
      String escapedHead = new String(JsonStringEncoder.getInstance().quoteAsString(head));
      needles.add(escapedHead.replace("/", "\\/"));
      needles.add(escapedHead);
    }
    return new KeyScrubber(List.copyOf(needles));
  }

  /** How many leading characters of {@code key} identify it. */
  static int prefixLength(String key) {
    int publicPart = 0;
    for (int i = 0; i < Math.min(key.length(), PUBLIC_PREFIX_SEARCH); i++) {
      char c = key.charAt(i);
      if (c == '-' || c == '_') {
        publicPart = i + 1;
      }
    }
    return Math.max(MIN_PREFIX_CHARS, publicPart + SECRET_PREFIX_CHARS);
  }

  /** Whether this scrubber removes anything at all. */
  public boolean active() {
    return needles.length > 0;
  }

  /** {@code text} without the key; the same instance when it holds none. */
  public String scrub(String text) {
    if (needles.length == 0 || text == null) {
      return text;
    }
    int at = text.indexOf(probe);
    if (at < 0) {
      return text;
    }
    StringBuilder out = null;
    int copied = 0;
    while (at >= 0 && at < text.length()) {
      String hit = matchAt(text, at);
      if (hit == null) {
        at = text.indexOf(probe, at + 1);
        continue;
      }
      if (out == null) {
        out = new StringBuilder(text.length());
      }
      out.append(text, copied, at).append(MARKER);
      copied = at + hit.length();
      at = text.indexOf(probe, copied);
    }
    if (out == null) {
      return text;
    }
    return out.append(text, copied, text.length()).toString();
  }

  private String matchAt(String text, int at) {
    for (String needle : needles) {
      if (text.startsWith(needle, at)) {
        return needle;
      }
    }
    return null;
  }

  /** {@code buffer} without the key; the same buffer when it holds none. */
  public Buffer scrub(Buffer buffer) {
    byte[] raw = buffer.getBytes();
    byte[] clean = scrub(raw);
    return clean == raw ? buffer : Buffer.buffer(clean);
  }

  /** {@code bytes} without the key; the same array when they hold none. */
  public byte[] scrub(byte[] bytes) {
    if (needles.length == 0 || bytes == null) {
      return bytes;
    }
    int at = indexOf(bytes, 0);
    if (at < 0) {
      return bytes;
    }
    java.io.ByteArrayOutputStream out = null;
    int copied = 0;
    while (at >= 0) {
      byte[] hit = matchAt(bytes, at);
      if (hit == null) {
        at = indexOf(bytes, at + 1);
        continue;
      }
      if (out == null) {
        out = new java.io.ByteArrayOutputStream(bytes.length);
      }
      out.write(bytes, copied, at - copied);
      out.write(MARKER_BYTES, 0, MARKER_BYTES.length);
      copied = at + hit.length;
      at = indexOf(bytes, copied);
    }
    if (out == null) {
      return bytes;
    }
    out.write(bytes, copied, bytes.length - copied);
    return out.toByteArray();
  }

  /**
   * Where the probe next occurs at or after {@code from}, or -1. Scans for the probe's anchor byte
   * eight bytes at a time (SWAR), then compares the whole probe around each hit; the anchor is a
   * digit or capital of the key where there is one, rare in the text of answers.
   */
  private int indexOf(byte[] bytes, int from) {
    if (probeBytes.length == 0) {
      return from < bytes.length ? from : -1;
    }
    int end = bytes.length - probeBytes.length + anchor + 1; // anchor positions that can match
    int at = from + anchor;
    while (at < end) {
      int hit = indexOfByte(bytes, at, end, probeBytes[anchor]);
      if (hit < 0) {
        return -1;
      }
      int start = hit - anchor;
      if (probeAt(bytes, start)) {
        return start;
      }
      at = hit + 1;
    }
    return -1;
  }

  private boolean probeAt(byte[] bytes, int start) {
    for (int j = 0; j < probeBytes.length; j++) {
      if (bytes[start + j] != probeBytes[j]) {
        return false;
      }
    }
    return true;
  }

  /** The first index in [from, to) holding {@code b}, or -1; eight bytes per step. */
  private static int indexOfByte(byte[] a, int from, int to, byte b) {
    long pattern = (b & 0xFFL) * 0x0101010101010101L;
    int i = from;
    for (; i + Long.BYTES <= to; i += Long.BYTES) {
      long word = (long) LONGS.get(a, i) ^ pattern;
      // The lowest set high bit marks the first zero byte of word, i.e. the first b.
      long zeros = (word - 0x0101010101010101L) & ~word & 0x8080808080808080L;
      if (zeros != 0) {
        return i + (Long.numberOfTrailingZeros(zeros) >>> 3);
      }
    }
    for (; i < to; i++) {
      if (a[i] == b) {
        return i;
      }
    }
    return -1;
  }

  /** The probe position searched for first: a digit or capital letter if the probe has one. */
  private static int anchorOf(byte[] probe) {
    for (int i = 0; i < probe.length; i++) {
      if (probe[i] >= '0' && probe[i] <= '9') {
        return i;
      }
    }
    for (int i = 0; i < probe.length; i++) {
      if (probe[i] >= 'A' && probe[i] <= 'Z') {
        return i;
      }
    }
    return 0;
  }

  private byte[] matchAt(byte[] bytes, int at) {
    outer:
    for (byte[] needle : needleBytes) {
      if (at + needle.length > bytes.length) {
        continue;
      }
      for (int j = 0; j < needle.length; j++) {
        if (bytes[at + j] != needle[j]) {
          continue outer;
        }
      }
      return needle;
    }
    return null;
  }

  private static String commonPrefix(String[] needles) {
    if (needles.length == 0) {
      return "";
    }
    String prefix = needles[0];
    for (String n : needles) {
      int i = 0;
      while (i < prefix.length() && i < n.length() && prefix.charAt(i) == n.charAt(i)) {
        i++;
      }
      prefix = prefix.substring(0, i);
    }
    // Empty only for a key whose first character JSON escapes: then every position is a candidate.
    return prefix;
  }

  @Override
  public String toString() {
    return "KeyScrubber[" + needles.length + " needles]";
  }
}
