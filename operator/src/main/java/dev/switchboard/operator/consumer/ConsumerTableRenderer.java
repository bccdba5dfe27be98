package dev.switchboard.operator.consumer;

import dev.switchboard.api.v1alpha1.Consumer;
import dev.switchboard.api.v1alpha1.ConsumerSpec;
import dev.switchboard.api.v1alpha1.SecretKeyRef;
import dev.switchboard.contract.ConsumerTable;
import dev.switchboard.operator.keys.KeyAges;
import dev.switchboard.operator.providerendpoint.CredentialResolver;
import dev.switchboard.operator.status.Problem;
import dev.switchboard.operator.status.Reason;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Renders the Consumers of one namespace into the consumer table the gateways enforce: each key
 * read from its Secret and hashed at once (the plaintext goes no further than this method). Pure:
 * the Secrets come from an informer cache. A consumer whose keys cannot be read stays in the table
 * with the keys that can (none at worst), so keys stay required: a broken Secret fails closed. A
 * key that two consumers share is published for neither (it would be ambiguous who pays).
 */
public final class ConsumerTableRenderer {

  private ConsumerTableRenderer() {}

  /**
   * One consumer's outcome: the hashes published for it, what stopped the others, the hashes of its
   * keys refused because another consumer holds them too, and how many of its key references could
   * not be read at all.
   */
  public record Resolution(
      List<String> keySha256, List<Problem> problems, List<String> sharedSha256, int unreadable) {}

  /** The table and each consumer's outcome by name. */
  public record Rendered(ConsumerTable table, Map<String, Resolution> consumers) {}

  public static Rendered render(List<Consumer> consumers, CredentialResolver secrets) {
    return render(consumers, secrets, null);
  }

  /**
   * @param operatorKeySha256 hex SHA-256 of the operator's credential for the gateways' admin port;
   *     null: none
   */
  public static Rendered render(
      List<Consumer> consumers, CredentialResolver secrets, String operatorKeySha256) {
    List<Consumer> sorted = new ArrayList<>(consumers);
    sorted.sort(Comparator.comparing(c -> c.getMetadata().getName()));
    Map<String, List<String>> hashes = new LinkedHashMap<>();
    Map<String, List<Problem>> problems = new LinkedHashMap<>();
    Map<String, Set<String>> owners = new TreeMap<>();
    Map<String, Integer> unreadable = new LinkedHashMap<>();
    for (Consumer consumer : sorted) {
      String name = consumer.getMetadata().getName();
      List<String> mine = new ArrayList<>();
      List<Problem> found = new ArrayList<>();
      int unread = 0;
      ConsumerSpec spec = consumer.getSpec();
      List<SecretKeyRef> refs =
          spec == null || spec.getKeySecretRefs() == null ? List.of() : spec.getKeySecretRefs();
      if (refs.isEmpty()) {
        found.add(
            new Problem(
                Reason.INVALID_SPEC,
                "spec.keySecretRefs is empty: the consumer has no key and cannot call"));
      }
      for (SecretKeyRef ref : refs) {
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
          owners.computeIfAbsent(hash, h -> new TreeSet<>()).add(name);
        }
      }
      hashes.put(name, mine);
      problems.put(name, found);
      unreadable.put(name, unread);
    }
    Map<String, Resolution> outcomes = new LinkedHashMap<>();
    List<ConsumerTable.Consumer> rows = new ArrayList<>();
    for (Consumer consumer : sorted) {
      String name = consumer.getMetadata().getName();
      List<String> published = new ArrayList<>();
      List<String> shared = new ArrayList<>();
      List<Problem> found = new ArrayList<>(problems.get(name));
      Set<String> sharedWith = new LinkedHashSet<>();
      for (String hash : hashes.get(name)) {
        Set<String> holders = owners.get(hash);
        if (holders.size() > 1) {
          holders.stream().filter(n -> !n.equals(name)).forEach(sharedWith::add);
          shared.add(hash);
        } else {
          published.add(hash);
        }
      }
      if (!sharedWith.isEmpty()) {
        found.add(
            new Problem(
                Reason.KEY_SHARED_WITH_OTHER_CONSUMER,
                "a key of this consumer is also a key of Consumer "
                    + String.join(", ", sharedWith)
                    + "; it is refused for both until each consumer has its own key"));
      }
      outcomes.put(
          name,
          new Resolution(
              List.copyOf(published),
              List.copyOf(found),
              List.copyOf(shared),
              unreadable.get(name)));
      rows.add(row(consumer, published));
    }
    return new Rendered(
        new ConsumerTable(
            ConsumerTable.SCHEMA_VERSION,
            rows,
            operatorKeySha256 == null ? List.of() : List.of(operatorKeySha256)),
        outcomes);
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
