package dev.switchboard.gateway.consumer;

import dev.switchboard.contract.ConsumerTable;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which key belongs to which consumer, as hashes only. A presented key is hashed (SHA-256) and
 * found by the first 8 bytes of its digest; the whole digest is then compared with {@link
 * MessageDigest#isEqual}, which takes the same time however many bytes match. The map lookup only
 * ever sees a digest of what the caller sent, never a stored key, so its timing tells an attacker
 * nothing about valid keys. Immutable; a new table builds a new directory.
 */
public final class ConsumerDirectory {

  private static final ConsumerDirectory OPEN =
      new ConsumerDirectory(Map.of(), false, 0, Set.of(), List.of(), List.of(), List.of());

  private record Entry(byte[] digest, ConsumerPolicy consumer) {}

  private final Map<Long, List<Entry>> byPrefix;
  private final boolean required;
  private final int consumers;
  private final Set<String> labelKeys;
  private final List<ConsumerPolicy> policies;
  private final List<byte[]> operatorDigests;
  private final List<String> sharingAKey;

  private ConsumerDirectory(
      Map<Long, List<Entry>> byPrefix,
      boolean required,
      int consumers,
      Set<String> labelKeys,
      List<ConsumerPolicy> policies,
      List<byte[]> operatorDigests,
      List<String> sharingAKey) {
    this.sharingAKey = sharingAKey;
    this.policies = policies;
    this.operatorDigests = operatorDigests;
    this.byPrefix = byPrefix;
    this.required = required;
    this.consumers = consumers;
    this.labelKeys = labelKeys;
  }

  /** No consumer and no key required: the gateway's open default. */
  public static ConsumerDirectory open() {
    return OPEN;
  }

  /**
   * The directory of a table.
   *
   * @param forceRequired require keys even when the table has no consumer (the gateway flag)
   */
  public static ConsumerDirectory of(ConsumerTable table, boolean forceRequired) {
    return of(table, forceRequired, List.of());
  }

  /**
   * The directory of a table, with admin keys beside the operator's credential the table names.
   *
   * @param forceRequired require keys even when the table has no consumer (the gateway flag)
   * @param adminKeySha256 hex SHA-256 of the admin keys the gateway flag names
   */
  public static ConsumerDirectory of(
      ConsumerTable table, boolean forceRequired, List<String> adminKeySha256) {
    Map<Long, List<Entry>> byPrefix = new HashMap<>();
    HexFormat hex = HexFormat.of();
    Set<String> labelKeys = new TreeSet<>();
    List<ConsumerPolicy> policies = new java.util.ArrayList<>();
    // A key two consumers hold is nobody's (as the operator renders it: who would pay?), not the
    // key of whichever the table lists last. Only a hand-written table (file mode) can have one.
    Map<String, Integer> holders = new HashMap<>();
    for (int i = 0; i < table.consumers().size(); i++) {
      for (String hash : table.consumers().get(i).keySha256()) {
        holders.merge(hash, i, (a, b) -> a.intValue() == b.intValue() ? a : -1);
      }
    }
    Set<String> sharing = new TreeSet<>();
    for (ConsumerTable.Consumer c : table.consumers()) {
      labelKeys.addAll(c.labels().keySet());
      ConsumerPolicy policy = new ConsumerPolicy(c);
      policies.add(policy);
      Set<String> added = new java.util.HashSet<>();
      for (String hash : c.keySha256()) {
        if (holders.get(hash) < 0) {
          sharing.add(c.name());
          continue;
        }
        if (!added.add(hash)) {
          continue; // listed twice for this consumer: one entry
        }
        byte[] digest = hex.parseHex(hash);
        byPrefix
            .computeIfAbsent(prefix(digest), k -> new java.util.ArrayList<>(1))
            .add(new Entry(digest, policy));
      }
    }
    Map<Long, List<Entry>> frozen = new HashMap<>();
    byPrefix.forEach((k, v) -> frozen.put(k, List.copyOf(v)));
    return new ConsumerDirectory(
        Map.copyOf(frozen),
        forceRequired || !table.consumers().isEmpty(),
        table.consumers().size(),
        Set.copyOf(labelKeys),
        List.copyOf(policies),
        java.util.stream.Stream.concat(table.operatorKeySha256().stream(), adminKeySha256.stream())
            .map(hex::parseHex)
            .toList(),
        List.copyOf(sharing));
  }

  /**
   * The consumers holding a key that another consumer of the table holds too, by name (sorted):
   * such a key is refused for each of them.
   */
  public List<String> sharingAKey() {
    return sharingAKey;
  }

  /**
   * Whether the table names the operator's credential, or the gateway flag an admin key: then every
   * admin-port request under {@code /admin/} must carry one of them.
   */
  public boolean operatorKeyed() {
    return !operatorDigests.isEmpty();
  }

  /**
   * Whether a key with this SHA-256 digest is the operator's credential or an admin key (constant
   * time).
   */
  public boolean isOperator(byte[] digest) {
    boolean match = false;
    for (byte[] known : operatorDigests) {
      match |= digest != null && java.security.MessageDigest.isEqual(known, digest);
    }
    return match;
  }

  /** Every consumer of the table, in table order (for the admin port's spend report). */
  public List<ConsumerPolicy> consumers() {
    return policies;
  }

  /** The label keys of all consumers (the metric tags). */
  public Set<String> labelKeys() {
    return labelKeys;
  }

  /** Whether every API request must present a consumer key. */
  public boolean required() {
    return required;
  }

  /** How many consumers the table holds. */
  public int size() {
    return consumers;
  }

  /** The consumer whose key has this SHA-256 digest, or null. */
  public ConsumerPolicy lookup(byte[] digest) {
    if (digest == null || digest.length != 32) {
      return null;
    }
    List<Entry> candidates = byPrefix.get(prefix(digest));
    if (candidates == null) {
      return null;
    }
    ConsumerPolicy found = null;
    for (Entry e : candidates) {
      if (MessageDigest.isEqual(e.digest(), digest)) {
        found = e.consumer();
      }
    }
    return found;
  }

  private static long prefix(byte[] digest) {
    long p = 0;
    for (int i = 0; i < 8; i++) {
      p = (p << 8) | (digest[i] & 0xff);
    }
    return p;
  }
}
