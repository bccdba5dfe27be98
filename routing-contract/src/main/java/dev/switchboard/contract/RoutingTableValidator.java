package dev.switchboard.contract;

import dev.switchboard.contract.TableProblem.Check;
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

  /** Every problem in the table, in words; empty when it is valid. */
  public static List<String> validate(RoutingTable table) {
    return problems(table).stream().map(TableProblem::message).toList();
  }

  /** Every problem in the table, each with the check, the entries and the field it is about. */
  public static List<TableProblem> problems(RoutingTable table) {
    Problems problems = new Problems();
    if (table.schemaVersion() != RoutingTable.SCHEMA_VERSION) {
      problems.add(
          Check.SCHEMA_VERSION,
          List.of(),
          "schemaVersion",
          "schemaVersion "
              + table.schemaVersion()
              + " is not supported (this build reads "
              + RoutingTable.SCHEMA_VERSION
              + ")");
      return problems.found;
    }
    table.providers().forEach((name, provider) -> checkProvider(name, provider, problems));
    table
        .policies()
        .forEach(
            (name, policy) -> {
              Problems.At at = problems.at(name);
              if (policy.strategy() != null && Strategy.fromWire(policy.strategy()).isEmpty()) {
                at.add(
                    Check.POLICY_STRATEGY,
                    "strategy",
                    "policy " + name + ": unknown strategy '" + policy.strategy() + "'");
              }
              checkSchedule("policy " + name, policy.schedule(), at);
              Double share = policy.explorationShare();
              if (share != null && !(share >= 0 && share <= 1)) {
                at.add(
                    Check.POLICY_EXPLORATION_SHARE,
                    "explorationShare",
                    "policy " + name + ": exploration share " + share + " is outside 0..1");
              }
              if (policy.onRetired() != null
                  && !RoutingTable.Policy.ON_RETIRED_SUCCESSOR.equals(policy.onRetired())
                  && !RoutingTable.Policy.ON_RETIRED_REJECT.equals(policy.onRetired())) {
                at.add(
                    Check.POLICY_ON_RETIRED,
                    "onRetired",
                    "policy " + name + ": unknown onRetired '" + policy.onRetired() + "'");
              }
            });
    Map<String, String> modelNames = new HashMap<>();
    for (RoutingTable.Route route : table.routes()) {
      String where = "route " + route.name();
      Problems.At at = problems.at(route.name());
      if (RoutingTable.RESERVED_NAME.equals(route.name())) {
        at.add(
            Check.ROUTE_NAME_RESERVED,
            "name",
            where
                + ": the name '"
                + RoutingTable.RESERVED_NAME
                + "' is reserved (metrics label requests without a route with it); rename the"
                + " route");
      }
      if (route.model() == null || route.model().isBlank()) {
        at.add(Check.ROUTE_MODEL_EMPTY, "model", where + ": model name is empty");
      }
      claim(modelNames, route.model(), route.name(), "model", problems);
      for (int i = 0; i < route.aliases().size(); i++) {
        claim(modelNames, route.aliases().get(i), route.name(), "aliases[" + i + "]", problems);
      }
      if (route.policy() != null && !table.policies().containsKey(route.policy())) {
        at.add(
            Check.ROUTE_POLICY_MISSING,
            "policy",
            where + ": policy '" + route.policy() + "' is not in the table");
      }
      checkTargets(where, "targets", route.targets(), table, at);
      for (int i = 0; i < route.rules().size(); i++) {
        checkRule(where + " rule", "rules[" + i + "]", route.rules().get(i), table, at);
      }
      RoutingTable.Canary canary = route.canary();
      if (canary != null) {
        if (canary.canaryMode().isEmpty()) {
          at.add(
              Check.ROUTE_CANARY_MODE,
              "canary.mode",
              where + ": unknown canary mode '" + canary.mode() + "'");
        }
        if (canary.weight() < 0 || canary.weight() > 100) {
          at.add(
              Check.ROUTE_CANARY_WEIGHT,
              "canary.weight",
              where + ": canary weight " + canary.weight() + " is outside 0..100");
        }
        checkTargets(where + " canary", "canary.targets", canary.targets(), table, at);
      }
      RoutingTable.Evaluation evaluation = route.evaluation();
      if (evaluation != null) {
        if (!(evaluation.sample() >= 0 && evaluation.sample() <= 1)) {
          at.add(
              Check.ROUTE_EVALUATION_SAMPLE,
              "evaluation.sample",
              where + ": evaluation sample " + evaluation.sample() + " is outside 0..1");
        }
        checkTargets(
            where + " evaluation", "evaluation.candidates", evaluation.candidates(), table, at);
      }
    }
    return problems.found;
  }

  /** The problems found so far; {@link At} adds those of one named entry. */
  private static final class Problems {
    final List<TableProblem> found = new ArrayList<>();

    void add(Check check, List<String> subjects, String field, String message) {
      found.add(new TableProblem(check, subjects, field, message));
    }

    At at(String subject) {
      return new At(subject);
    }

    /** The problems of one entry (a provider, policy or route). */
    final class At {
      private final List<String> subject;

      At(String name) {
        this.subject = List.of(name);
      }

      void add(Check check, String field, String message) {
        Problems.this.add(check, subject, field, message);
      }
    }
  }

  private static void checkRule(
      String where, String field, RoutingTable.Rule rule, RoutingTable table, Problems.At at) {
    if (rule.strategy() != null && Strategy.fromWire(rule.strategy()).isEmpty()) {
      at.add(
          Check.ROUTE_RULE_STRATEGY,
          field + ".strategy",
          where + ": unknown strategy '" + rule.strategy() + "'");
    }
    List<String> languages = rule.matchLanguageOrEmpty();
    for (int i = 0; i < languages.size(); i++) {
      String language = languages.get(i);
      if (!Languages.SUPPORTED.contains(language)) {
        at.add(
            Check.ROUTE_RULE_LANGUAGE,
            field + ".matchLanguage[" + i + "]",
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
      checkTargets(where, field + ".targets", rule.targets(), table, at);
    }
  }

  private static void checkSchedule(
      String where, List<RoutingTable.ScheduleWindow> schedule, Problems.At at) {
    List<TimeWindow> windows = new ArrayList<>();
    for (RoutingTable.ScheduleWindow w : schedule) {
      String field = "schedule[" + w.name() + "]";
      if (w.strategy() == null || Strategy.fromWire(w.strategy()).isEmpty()) {
        at.add(
            Check.POLICY_SCHEDULE_STRATEGY,
            field + ".strategy",
            where + ": schedule window " + w.name() + " has unknown strategy");
      }
      compile(
          Check.POLICY_SCHEDULE_WINDOW,
          field,
          where + ": schedule window " + w.name(),
          w::window,
          windows,
          at);
    }
    checkOverlaps(
        Check.POLICY_SCHEDULE_WINDOWS_OVERLAP,
        "schedule",
        where + ": schedule windows",
        windows,
        at);
  }

  private static void checkPriceWindows(
      String where, String field, RoutingTable.Pricing pricing, Problems.At at) {
    List<TimeWindow> windows = new ArrayList<>();
    for (RoutingTable.PriceWindow w : pricing.windowsOrEmpty()) {
      compile(
          Check.PROVIDER_PRICE_WINDOW,
          field + ".windows[" + w.name() + "]",
          where + ": price window " + w.name(),
          w::window,
          windows,
          at);
    }
    checkOverlaps(
        Check.PROVIDER_PRICE_WINDOWS_OVERLAP,
        field + ".windows",
        where + ": price windows",
        windows,
        at);
  }

  private static void compile(
      Check check,
      String field,
      String where,
      Supplier<TimeWindow> window,
      List<TimeWindow> into,
      Problems.At at) {
    try {
      into.add(window.get());
    } catch (IllegalArgumentException e) {
      at.add(check, field, where + ": " + e.getMessage());
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

  private static void checkOverlaps(
      Check check, String field, String where, List<TimeWindow> windows, Problems.At at) {
    List<String> pairs = overlappingPairs(windows);
    if (!pairs.isEmpty()) {
      at.add(check, field, where + " overlap: " + String.join(", ", pairs));
    }
  }

  private static void checkProvider(
      String name, RoutingTable.Provider provider, Problems problems) {
    Problems.At at = problems.at(name);
    if (RoutingTable.RESERVED_NAME.equals(name)) {
      at.add(
          Check.PROVIDER_NAME_RESERVED,
          "name",
          "provider "
              + name
              + ": the name '"
              + RoutingTable.RESERVED_NAME
              + "' is reserved (metrics label requests that reached no provider with it); rename"
              + " the provider");
    }
    provider
        .models()
        .forEach(
            (id, model) -> {
              if (model.pricing() != null) {
                checkPriceWindows(
                    "provider " + name + " model " + id,
                    "models." + id + ".pricing",
                    model.pricing(),
                    at);
              }
            });
    if (!name.equals(provider.name())) {
      at.add(
          Check.PROVIDER_KEYED_UNDER_OTHER_NAME,
          "name",
          "provider " + name + ": is keyed under another name than its own");
    }
    try {
      URI uri = new URI(provider.baseUrl());
      if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
          || uri.getHost() == null) {
        at.add(
            Check.PROVIDER_BASE_URL_NOT_ABSOLUTE,
            "baseUrl",
            "provider " + name + ": baseUrl must be an absolute http(s) URL");
      }
      if (uri.getUserInfo() != null) {
        at.add(
            Check.PROVIDER_BASE_URL_CREDENTIALS,
            "baseUrl",
            "provider " + name + ": baseUrl must not carry credentials");
      }
      if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
        // As the operator refuses it: a query is where a key would be put by hand ("?key="), and
        // the table is shown on the admin port; keys go in the keys directory or Secret.
        at.add(
            Check.PROVIDER_BASE_URL_QUERY,
            "baseUrl",
            "provider "
                + name
                + ": baseUrl must not have a query or fragment (keys go in the keys"
                + " directory or Secret; Azure's api-version in apiVersion)");
      }
    } catch (URISyntaxException | NullPointerException e) {
      // Not quoted: a malformed URL may still hold a credential.
      at.add(
          Check.PROVIDER_BASE_URL_MALFORMED,
          "baseUrl",
          "provider " + name + ": baseUrl is not a URL");
    }
    provider
        .headers()
        .forEach(
            (header, value) ->
                UpstreamHeaders.problem(header, value)
                    .ifPresent(
                        p ->
                            at.add(
                                Check.PROVIDER_HEADER,
                                "headers." + header,
                                "provider " + name + ": " + p)));
    RoutingTable.ApiKeyHeader keyHeader = provider.apiKeyHeader();
    if (keyHeader != null) {
      UpstreamHeaders.keyHeaderProblem(keyHeader.name(), keyHeader.prefix())
          .ifPresent(
              p ->
                  at.add(
                      Check.PROVIDER_API_KEY_HEADER,
                      "apiKeyHeader",
                      "provider " + name + ": " + p));
    }
    if (provider.maxResponseBytes() != null && provider.maxResponseBytes() < 1) {
      at.add(
          Check.PROVIDER_MAX_RESPONSE_BYTES,
          "maxResponseBytes",
          "provider " + name + ": maxResponseBytes must be positive");
    }
    RoutingTable.Commitment commitment = provider.commitment();
    if (commitment != null
        && (commitment.spendPerMonth() == null || commitment.tokensPerMonth() != null)) {
      // Tokens of different models are not worth the same: an endpoint commits to spend.
      at.add(
          Check.PROVIDER_COMMITMENT,
          "commitment",
          "provider " + name + ": an endpoint commitment gives spendPerMonth only");
    }
  }

  /** Claims a model name for a route; a name another route claimed first is about both. */
  private static void claim(
      Map<String, String> names, String name, String route, String field, Problems problems) {
    if (name == null) {
      return;
    }
    String owner = names.putIfAbsent(name, route);
    if (owner != null && !owner.equals(route)) {
      problems.add(
          Check.ROUTE_MODEL_NAME_CLAIMED_TWICE,
          List.of(owner, route),
          field,
          "model name '" + name + "' is served by both " + owner + " and " + route);
    }
  }

  private static void checkTargets(
      String where,
      String field,
      List<RoutingTable.Target> targets,
      RoutingTable table,
      Problems.At at) {
    if (targets.isEmpty()) {
      at.add(Check.ROUTE_NO_TARGETS, field, where + ": has no targets");
    }
    for (int i = 0; i < targets.size(); i++) {
      RoutingTable.Target target = targets.get(i);
      String item = field + "[" + i + "]";
      RoutingTable.Provider provider = table.providers().get(target.provider());
      if (provider == null) {
        at.add(
            Check.ROUTE_TARGET_PROVIDER_MISSING,
            item + ".provider",
            where + ": provider '" + target.provider() + "' is not in the table");
      } else if (provider.listsModels() && provider.model(target.model()).isEmpty()) {
        at.add(
            Check.ROUTE_TARGET_MODEL_NOT_SERVED,
            item + ".model",
            where
                + ": provider '"
                + target.provider()
                + "' does not serve '"
                + target.model()
                + "'");
      }
      if (target.weight() < 0 || target.weight() > 100) {
        at.add(
            Check.ROUTE_TARGET_WEIGHT,
            item + ".weight",
            where + ": weight " + target.weight() + " of " + target.id() + " is outside 0..100");
      }
    }
  }
}
