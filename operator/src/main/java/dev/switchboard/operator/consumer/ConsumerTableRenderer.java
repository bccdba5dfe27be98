package dev.switchboard.operator.consumer;

import dev.switchboard.api.v1alpha1.Consumer;
import dev.switchboard.api.v1alpha1.ConsumerSpec;
import dev.switchboard.api.v1alpha1.SecretKeyRef;
import dev.switchboard.contract.ConsumerTable;
import dev.switchboard.operator.keys.KeyAges;
import dev.switchboard.operator.providerendpoint.CredentialResolver;
import dev.switchboard.operator.status.Problem;
import dev.switchboard.operator.status.Reason;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Renders the Consumers of one namespace into the consumer table the gateways enforce: each key
 * read from its Secret and hashed at once (the plaintext goes no further than this method). Pure:
 * the Secrets come from an informer cache. A consumer whose keys cannot be read stays in the table
 * with the keys that can (none at worst), so keys stay required: a broken Secret fails closed. A
 * key that several consumers list is published for one of them only (two would make it ambiguous
 * who pays): the one the table in force already publishes it for, else the oldest, then the first
 * by name. A newcomer that lists another consumer's key therefore cannot revoke it, and the owner's
 * outcome does not change: only the newcomer is told its copy is refused, without naming the owner.
 */
public final class ConsumerTableRenderer {

  private ConsumerTableRenderer() {}

  /**
   * One consumer's outcome: the hashes published for it, what stopped the others, the hashes of its
   * keys refused because another consumer holds them, and how many of its key references could not
   * be read at all.
   */
  public record Resolution(
      List<String> keySha256, List<Problem> problems, List<String> refusedSha256, int unreadable) {}

  /**
   * The table, each consumer's outcome by name, and the keys kept for a consumer that cannot read
   * them now (hash to consumer name): to be passed to the next render, as the table no longer
   * publishes them.
   */
  public record Rendered(
      ConsumerTable table, Map<String, Resolution> consumers, Map<String, String> kept) {}

  public static Rendered render(List<Consumer> consumers, CredentialResolver secrets) {
    return render(consumers, secrets, null, null, Map.of());
  }

  /**
   * @param operatorKeySha256 hex SHA-256 of the operator's credential for the gateways' admin port;
   *     null: none
   */
  public static Rendered render(
      List<Consumer> consumers, CredentialResolver secrets, String operatorKeySha256) {
    return render(consumers, secrets, operatorKeySha256, null, Map.of());
  }

  /**
   * @param operatorKeySha256 hex SHA-256 of the operator's credential for the gateways' admin port;
   *     null: none
   * @param inForce the table the gateways enforce now (what was last published), or null when none
   *     is known: a key that several consumers list stays with the one it is published for there
   * @param kept the keys the previous render kept for a consumer that could not read them ({@link
   *     Rendered#kept}); they stay its own while it still cannot
   */
  public static Rendered render(
      List<Consumer> consumers,
      CredentialResolver secrets,
      String operatorKeySha256,
      ConsumerTable inForce,
      Map<String, String> kept) {
    List<Consumer> sorted = new ArrayList<>(consumers);
    sorted.sort(Comparator.comparing(c -> c.getMetadata().getName()));
    Map<String, List<String>> hashes = new LinkedHashMap<>();
    Map<String, Map<String, String>> refsOf = new LinkedHashMap<>();
    Map<String, List<Problem>> problems = new LinkedHashMap<>();
    Map<String, List<Consumer>> claimants = new TreeMap<>();
    Map<String, Integer> unreadable = new LinkedHashMap<>();
    for (Consumer consumer : sorted) {
      String name = consumer.getMetadata().getName();
      List<String> mine = new ArrayList<>();
      Map<String, String> refs = new LinkedHashMap<>();
      List<Problem> found = new ArrayList<>();
      int unread = 0;
      ConsumerSpec spec = consumer.getSpec();
      List<SecretKeyRef> keyRefs =
          spec == null || spec.getKeySecretRefs() == null ? List.of() : spec.getKeySecretRefs();
      if (keyRefs.isEmpty()) {
        found.add(
            new Problem(
                Reason.INVALID_SPEC,
                "spec.keySecretRefs is empty: the consumer has no key and cannot call"));
      }
      for (SecretKeyRef ref : keyRefs) {
        if (ref == null || ref.getName() == null) {
          found.add(new Problem(Reason.INVALID_SPEC, "a keySecretRef has no Secret name"));
          unread++;
          continue;
        }
        CredentialResolver.Result result =
            secrets.resolve(consumer.getMetadata().getNamespace(), ref);
        if (!result.resolved()) {
          found.add(result.problem());
          unread++;
          continue;
        }
        String hash = KeyAges.sha256Hex(result.credentials().apiKey());
        if (!mine.contains(hash)) {
          mine.add(hash);
          refs.put(hash, describe(ref));
          claimants.computeIfAbsent(hash, h -> new ArrayList<>()).add(consumer);
        }
      }
      hashes.put(name, mine);
      refsOf.put(name, refs);
      problems.put(name, found);
      unreadable.put(name, unread);
    }
    Map<String, Set<String>> heldNow = holders(inForce, kept);
    // A holder whose key Secrets cannot all be read now (one deleted and created again by a sync,
    // say) keeps the keys it held that it does not read: they are published for nobody meanwhile,
    // and no other consumer that lists them takes them in that window.
    Map<String, String> keptNow = new TreeMap<>();
    heldNow.forEach(
        (hash, names) ->
            names.stream()
                .sorted()
                .filter(n -> unreadable.getOrDefault(n, 0) > 0 && !hashes.get(n).contains(hash))
                .findFirst()
                .ifPresent(n -> keptNow.put(hash, n)));
    Map<String, String> holderOf = new TreeMap<>();
    claimants.forEach(
        (hash, those) ->
            holderOf.put(
                hash,
                keptNow.containsKey(hash)
                    ? keptNow.get(hash)
                    : those.size() == 1
                        ? those.get(0).getMetadata().getName()
                        : first(those, heldNow.getOrDefault(hash, Set.of()))));
    Map<String, Resolution> outcomes = new LinkedHashMap<>();
    List<ConsumerTable.Consumer> rows = new ArrayList<>();
    for (Consumer consumer : sorted) {
      String name = consumer.getMetadata().getName();
      List<String> published = new ArrayList<>();
      List<String> refused = new ArrayList<>();
      List<Problem> found = new ArrayList<>(problems.get(name));
      List<String> refusedRefs = new ArrayList<>();
      for (String hash : hashes.get(name)) {
        if (name.equals(holderOf.get(hash))) {
          published.add(hash);
        } else {
          refused.add(hash);
          refusedRefs.add(refsOf.get(name).get(hash));
        }
      }
      if (!refusedRefs.isEmpty()) {
        // Neither the other consumer nor anything of the key: only this consumer's own references.
        found.add(
            new Problem(
                Reason.KEY_SHARED_WITH_OTHER_CONSUMER,
                String.join(", ", refusedRefs)
                    + (refusedRefs.size() == 1 ? " holds a key" : " hold keys")
                    + " that another Consumer of this namespace already has; not published for"
                    + " this consumer: put a fresh key of its own there"));
      }
      outcomes.put(
          name,
          new Resolution(
              List.copyOf(published),
              List.copyOf(found),
              List.copyOf(refused),
              unreadable.get(name)));
      rows.add(row(consumer, published));
    }
    return new Rendered(
        new ConsumerTable(
            ConsumerTable.SCHEMA_VERSION,
            rows,
            operatorKeySha256 == null ? List.of() : List.of(operatorKeySha256)),
        outcomes,
        Map.copyOf(keptNow));
  }

  /** A key reference in words, as the Secret problems name it: never its value. */
  private static String describe(SecretKeyRef ref) {
    return "key '"
        + (ref.getKey() == null ? CredentialResolver.DEFAULT_KEY : ref.getKey())
        + "' of Secret '"
        + ref.getName()
        + "'";
  }

  /**
   * Each key hash held now and its holders: the consumers the table in force publishes it for, and
   * the one the previous render kept it for.
   */
  private static Map<String, Set<String>> holders(ConsumerTable inForce, Map<String, String> kept) {
    Map<String, Set<String>> holders = new HashMap<>();
    if (inForce != null) {
      for (ConsumerTable.Consumer row : inForce.consumers()) {
        for (String hash : row.keySha256()) {
          holders.computeIfAbsent(hash, h -> new HashSet<>()).add(row.name());
        }
      }
    }
    if (kept != null) {
      kept.forEach((hash, name) -> holders.computeIfAbsent(hash, h -> new HashSet<>()).add(name));
    }
    return holders;
  }

  /**
   * The consumer that keeps a key several list: the one the table in force publishes it for, else
   * the oldest (creationTimestamp), then the first by name. The same whatever order the consumers
   * reconcile in, and after a restart (the table in force is read back from its Secret).
   */
  private static String first(List<Consumer> claimants, Set<String> heldNow) {
    return claimants.stream()
        .min(
            Comparator.comparing((Consumer c) -> !heldNow.contains(c.getMetadata().getName()))
                .thenComparing(
                    c -> createdAt(c), Comparator.nullsLast(Comparator.<Instant>naturalOrder()))
                .thenComparing(c -> c.getMetadata().getName()))
        .orElseThrow()
        .getMetadata()
        .getName();
  }

  /** When the API server created the consumer, or null when it does not say. */
  private static Instant createdAt(Consumer consumer) {
    String timestamp = consumer.getMetadata().getCreationTimestamp();
    if (timestamp == null) {
      return null;
    }
    try {
      return OffsetDateTime.parse(timestamp).toInstant();
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private static ConsumerTable.Consumer row(Consumer consumer, List<String> hashes) {
    ConsumerSpec spec = consumer.getSpec() == null ? new ConsumerSpec() : consumer.getSpec();
    List<ConsumerTable.RateLimit> limits =
        spec.getRateLimits() == null
            ? List.of()
            : spec.getRateLimits().stream()
                .filter(l -> l != null)
                .map(
                    l ->
                        new ConsumerTable.RateLimit(
                            l.getRequestsPerMinute(), l.getTokensPerMinute()))
                .toList();
    ConsumerTable.Budget budget =
        spec.getBudget() == null
            ? null
            : new ConsumerTable.Budget(
                spec.getBudget().getUsdPerDay(), spec.getBudget().getUsdPerMonth());
    return new ConsumerTable.Consumer(
        consumer.getMetadata().getName(),
        hashes,
        spec.getModels(),
        limits,
        budget,
        // The schema's default; servers that do not apply defaults (the mock) render the same.
        spec.getOnStoreUnavailable() == null
            ? ConsumerTable.STORE_UNAVAILABLE_ALLOW
            : spec.getOnStoreUnavailable(),
        spec.getLabels());
  }
}
