package dev.switchboard.charts;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The rules of a Role or ClusterRole flattened to "group/resource[names]" → verbs, so two rule
 * lists that grant the same thing compare equal however they are grouped.
 */
final class RbacRules {

  private RbacRules() {}

  static Map<String, Set<String>> of(JsonNode role) {
    Map<String, Set<String>> grants = new TreeMap<>();
    for (JsonNode rule : role.path("rules")) {
      Set<String> names = new TreeSet<>();
      rule.path("resourceNames").forEach(n -> names.add(n.asText()));
      for (JsonNode group : rule.path("apiGroups")) {
        for (JsonNode resource : rule.path("resources")) {
          String key = group.asText() + "/" + resource.asText() + (names.isEmpty() ? "" : names);
          Set<String> verbs = grants.computeIfAbsent(key, k -> new TreeSet<>());
          rule.path("verbs").forEach(v -> verbs.add(v.asText()));
        }
      }
    }
    return grants;
  }

  /** Every string anywhere in the rules, to look for wildcards. */
  static Set<String> allTokens(JsonNode role) {
    Set<String> tokens = new TreeSet<>();
    for (JsonNode rule : role.path("rules")) {
      rule.fields()
          .forEachRemaining(field -> field.getValue().forEach(v -> tokens.add(v.asText())));
    }
    return tokens;
  }

  static Set<String> verbs(String... verbs) {
    return new TreeSet<>(Set.of(verbs));
  }
}
