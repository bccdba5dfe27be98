package dev.switchboard.contract;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Checks a routing table as a whole before anyone relies on it: the operator before it publishes,
 * the gateway before it swaps. Returns every problem found, each saying where and what.
 */
public final class RoutingTableValidator {

  private RoutingTableValidator() {}

  /** Every problem in the table; empty when it is valid. */
  public static List<String> validate(RoutingTable table) {
    List<String> problems = new ArrayList<>();
    if (table.schemaVersion() != RoutingTable.SCHEMA_VERSION) {
      problems.add(
          "schemaVersion "
              + table.schemaVersion()
              + " is not supported (this build reads "
              + RoutingTable.SCHEMA_VERSION
              + ")");
      return problems;
    }
    table.providers().forEach((name, provider) -> checkProvider(name, provider, problems));
    table
        .policies()
        .forEach(
            (name, policy) -> {
              if (policy.strategy() != null && Strategy.fromWire(policy.strategy()).isEmpty()) {
                problems.add("policy " + name + ": unknown strategy '" + policy.strategy() + "'");
              }
              checkSchedule("policy " + name, policy.schedule(), problems);
              Double share = policy.explorationShare();
              if (share != null && !(share >= 0 && share <= 1)) {
                problems.add(
                    "policy " + name + ": exploration share " + share + " is outside 0..1");
              }
              if (policy.onRetired() != null
                  && !RoutingTable.Policy.ON_RETIRED_SUCCESSOR.equals(policy.onRetired())
                  && !RoutingTable.Policy.ON_RETIRED_REJECT.equals(policy.onRetired())) {
                problems.add("policy " + name + ": unknown onRetired '" + policy.onRetired() + "'");
              }
            });
    Map<String, String> modelNames = new HashMap<>();
    for (RoutingTable.Route route : table.routes()) {
      String where = "route " + route.name();
      if (route.model() == null || route.model().isBlank()) {
        problems.add(where + ": model name is empty");
      }
      claim(modelNames, route.model(), route.name(), problems);
      route.aliases().forEach(alias -> claim(modelNames, alias, route.name(), problems));
      if (route.policy() != null && !table.policies().containsKey(route.policy())) {
        problems.add(where + ": policy '" + route.policy() + "' is not in the table");
      }
      checkTargets(where, route.targets(), table, problems);
      route.rules().forEach(rule -> checkRule(where + " rule", rule, table, problems));
      RoutingTable.Canary canary = route.canary();
      if (canary != null) {
        if (canary.canaryMode().isEmpty()) {
          problems.add(where + ": unknown canary mode '" + canary.mode() + "'");
        }
        if (canary.weight() < 0 || canary.weight() > 100) {
          problems.add(where + ": canary weight " + canary.weight() + " is outside 0..100");
        }
        checkTargets(where + " canary", canary.targets(), table, problems);
      }
      RoutingTable.Evaluation evaluation = route.evaluation();
      if (evaluation != null) {
        if (!(evaluation.sample() >= 0 && evaluation.sample() <= 1)) {
          problems.add(where + ": evaluation sample " + evaluation.sample() + " is outside 0..1");
        }
        checkTargets(where + " evaluation", evaluation.candidates(), table, problems);
      }
    }
    return problems;
  }

  private static void checkRule(
      String where, RoutingTable.Rule rule, RoutingTable table, List<String> problems) {
    if (rule.strategy() != null && Strategy.fromWire(rule.strategy()).isEmpty()) {
      problems.add(where + ": unknown strategy '" + rule.strategy() + "'");
    }
    for (String language : rule.matchLanguageOrEmpty()) {
      if (!Languages.SUPPORTED.contains(language)) {
        problems.add(
            where
                + ": language '"
                + language
                + "' cannot be detected (supported: "
                + new java.util.TreeSet<>(Languages.SUPPORTED)
                + ")");
      }
    }
    // A rule that only switches the strategy keeps the route's targets.
    if (rule.strategy() == null || !rule.targets().isEmpty()) {
      checkTargets(where, rule.targets(), table, problems);
    }
  }

  private static void checkSchedule(
      String where, List<RoutingTable.ScheduleWindow> schedule, List<String> problems) {
    List<TimeWindow> windows = new ArrayList<>();
    for (RoutingTable.ScheduleWindow w : schedule) {
      if (w.strategy() == null || Strategy.fromWire(w.strategy()).isEmpty()) {
        problems.add(where + ": schedule window " + w.name() + " has unknown strategy");
      }
      compile(where + ": schedule window " + w.name(), w::window, windows, problems);
    }
    checkOverlaps(where + ": schedule windows", windows, problems);
  }

  private static void checkPriceWindows(
      String where, RoutingTable.Pricing pricing, List<String> problems) {
    List<TimeWindow> windows = new ArrayList<>();
    for (RoutingTable.PriceWindow w : pricing.windowsOrEmpty()) {
      compile(where + ": price window " + w.name(), w::window, windows, problems);
    }
    checkOverlaps(where + ": price windows", windows, problems);
  }

  private static void compile(
      String where, Supplier<TimeWindow> window, List<TimeWindow> into, List<String> problems) {
    try {
      into.add(window.get());
    } catch (IllegalArgumentException e) {
      problems.add(where + ": " + e.getMessage());
    }
  }

  /** Every pair of overlapping windows, by name (their order would silently decide otherwise). */
  public static List<String> overlappingPairs(List<TimeWindow> windows) {
    List<String> pairs = new ArrayList<>();
    for (int i = 0; i < windows.size(); i++) {
      for (int j = i + 1; j < windows.size(); j++) {
        if (windows.get(i).overlaps(windows.get(j))) {
          pairs.add(windows.get(i).name() + " and " + windows.get(j).name());
        }
      }
    }
    return pairs;
  }

  private static void checkOverlaps(String where, List<TimeWindow> windows, List<String> problems) {
    List<String> pairs = overlappingPairs(windows);
    if (!pairs.isEmpty()) {
      problems.add(where + " overlap: " + String.join(", ", pairs));
    }
  }

  private static void checkProvider(
      String name, RoutingTable.Provider provider, List<String> problems) {
    provider
        .models()
        .forEach(
            (id, model) -> {
              if (model.pricing() != null) {
                checkPriceWindows("provider " + name + " model " + id, model.pricing(), problems);
              }
            });
    if (!name.equals(provider.name())) {
      problems.add("provider " + name + ": is keyed under another name than its own");
    }
    try {
      URI uri = new URI(provider.baseUrl());
      if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
          || uri.getHost() == null) {
        problems.add("provider " + name + ": baseUrl must be an absolute http(s) URL");
      }
      if (uri.getUserInfo() != null) {
        problems.add("provider " + name + ": baseUrl must not carry credentials");
      }
      if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
        // As the operator refuses it: a query is where a key would be put by hand ("?key="), and
        // the table is shown on the admin port; keys go in the keys directory or Secret.
        problems.add(
            "provider "
                + name
                + ": baseUrl must not have a query or fragment (keys go in the keys"
                + " directory or Secret; Azure's api-version in apiVersion)");
      }
    } catch (URISyntaxException | NullPointerException e) {
      // Not quoted: a malformed URL may still hold a credential.
      problems.add("provider " + name + ": baseUrl is not a URL");
    }
    provider
        .headers()
        .forEach(
            (header, value) ->
                UpstreamHeaders.problem(header, value)
                    .ifPresent(p -> problems.add("provider " + name + ": " + p)));
    if (provider.maxResponseBytes() != null && provider.maxResponseBytes() < 1) {
      problems.add("provider " + name + ": maxResponseBytes must be positive");
    }
    RoutingTable.Commitment commitment = provider.commitment();
    if (commitment != null
        && (commitment.spendPerMonth() == null || commitment.tokensPerMonth() != null)) {
      // Tokens of different models are not worth the same: an endpoint commits to spend.
      problems.add("provider " + name + ": an endpoint commitment gives spendPerMonth only");
    }
  }

  private static void claim(
      Map<String, String> names, String name, String route, List<String> problems) {
    if (name == null) {
      return;
    }
    String owner = names.putIfAbsent(name, route);
    if (owner != null && !owner.equals(route)) {
      problems.add("model name '" + name + "' is served by both " + owner + " and " + route);
    }
  }

  private static void checkTargets(
      String where, List<RoutingTable.Target> targets, RoutingTable table, List<String> problems) {
    if (targets.isEmpty()) {
      problems.add(where + ": has no targets");
    }
    for (RoutingTable.Target target : targets) {
      RoutingTable.Provider provider = table.providers().get(target.provider());
      if (provider == null) {
        problems.add(where + ": provider '" + target.provider() + "' is not in the table");
      } else if (provider.listsModels() && provider.model(target.model()).isEmpty()) {
        problems.add(
            where
                + ": provider '"
                + target.provider()
                + "' does not serve '"
                + target.model()
                + "'");
      }
      if (target.weight() < 0 || target.weight() > 100) {
        problems.add(
            where + ": weight " + target.weight() + " of " + target.id() + " is outside 0..100");
      }
    }
  }
}
