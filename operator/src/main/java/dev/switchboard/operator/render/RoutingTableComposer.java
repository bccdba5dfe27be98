package dev.switchboard.operator.render;

import dev.switchboard.api.v1alpha1.CanarySpec;
import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.contract.EmbedderRef;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.RoutingTableCodec;
import dev.switchboard.contract.RoutingTableValidator;
import dev.switchboard.contract.TableProblem;
import dev.switchboard.operator.rollout.RolloutDecision;
import dev.switchboard.operator.status.Problem;
import dev.switchboard.operator.status.Reason;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Composes one namespace's routing table from its validated resources, the table published now and
 * the canary decision of the route being reconciled. A pure function: no I/O, no clock, no planner;
 * same inputs, same bytes.
 *
 * <p>Bad input never breaks serving. A route whose spec or references have problems keeps its last
 * good entry from the published table (the entry of its own object: not one of a route deleted and
 * created again under its name), together with the provider and policy entries (and provider key)
 * that entry needs when the current ones are gone or invalid; if a provider is still valid but
 * stopped listing a model the old entry uses, that model's entry is kept on it; the provider a
 * carried policy's semantic cache embeds with comes along when it is gone. A route without a usable
 * earlier entry is left out. Other routes are unaffected. Two routes claiming the same model name:
 * the older route (creation time, then name) keeps it, also while it is broken and its last good
 * entry serves.
 *
 * <p>Canary state: only a route's own reconcile plans its rollout ({@link PlannedRollout}); every
 * other route with {@code spec.canary} keeps the arms (stable targets, canary arm and weight) the
 * published table holds for it. A route whose spec no longer renders while its canary runs is
 * rolled back by its own reconcile: its last good entry is then the stable arm alone. The table is
 * written before the route's status, so it is never older than that status, and a render triggered
 * by another route neither advances nor reverts a rollout.
 */
public final class RoutingTableComposer {

  private final ModelRouteValidator routeValidator;

  public RoutingTableComposer(ModelRouteValidator routeValidator) {
    this.routeValidator = routeValidator;
  }

  /**
   * The route's entry from its own spec, when its spec and references have no problem (what a
   * canary planner plans from); a model-name conflict is only found by composing.
   */
  public Optional<RoutingTable.Route> desired(ModelRoute route, ResolvedNamespace namespace) {
    return problems(route, namespace).isEmpty()
        ? Optional.of(RoutingTableRenderer.route(route))
        : Optional.empty();
  }

  /** The problems of the route's spec, then of its references; empty when it renders. */
  public List<Problem> problems(ModelRoute route, ResolvedNamespace namespace) {
    List<Problem> problems = new ArrayList<>(routeValidator.validate(route));
    problems.addAll(RouteReferences.problems(route, namespace));
    return problems;
  }

  /** As {@link #compose(ResolvedNamespace, PublishedTable, Optional)} with no rollout planned. */
  public RenderOutcome compose(ResolvedNamespace namespace, PublishedTable published) {
    return compose(namespace, published, Optional.empty());
  }

  /**
   * As {@link #compose(ResolvedNamespace, PublishedTable, Map, RenderMemo)}, remembering nothing.
   */
  public RenderOutcome compose(
      ResolvedNamespace namespace, PublishedTable published, Optional<PlannedRollout> planned) {
    return compose(
        namespace,
        published,
        planned.map(p -> Map.of(p.route(), p)).orElse(Map.of()),
        new RenderMemo());
  }

  /**
   * Composes the table with the rollouts planned for some routes (by route name) applied. With a
   * {@code memo} of the namespace's previous renders, only routes whose inputs changed are rendered
   * again, and an unchanged table is not serialized again; the result is the same as without it.
   *
   * @throws RoutingTableRejectedException when the composed table fails {@link
   *     RoutingTableValidator} (a defect: composition is meant to prevent it); nothing is published
   */
  public RenderOutcome compose(
      ResolvedNamespace namespace,
      PublishedTable published,
      Map<String, PlannedRollout> planned,
      RenderMemo memo) {
    Map<String, RoutingTable.Provider> providers = new TreeMap<>();
    Map<String, String> keys = new TreeMap<>();
    namespace
        .providers()
        .forEach(
            (name, state) -> {
              if (state.usable()) {
                providers.put(
                    name,
                    RoutingTableRenderer.provider(state.endpoint(), state.credentials().hasKey()));
                if (state.credentials().hasKey()) {
                  keys.put(name, state.credentials().apiKey());
                }
              }
            });
    Map<String, RoutingTable.Policy> policies = new TreeMap<>();
    namespace
        .policies()
        .forEach(
            (name, state) -> {
              if (state.usable()) {
                policies.put(name, RoutingTableRenderer.policy(state.policy()));
              }
            });

    // Evaluations name only providers that are usable now, not those carried for last good arms.
    Map<String, RoutingTable.Provider> usable = Map.copyOf(providers);
    Map<String, String> claims = new HashMap<>();
    Map<String, RoutingTable.Route> routes = new TreeMap<>();
    Map<String, RouteOutcome> outcomes = new TreeMap<>();
    List<ModelRoute> byAge = new ArrayList<>(namespace.view().routes());
    byAge.sort(
        Comparator.comparing(
                (ModelRoute r) ->
                    r.getMetadata().getCreationTimestamp() == null
                        ? ""
                        : r.getMetadata().getCreationTimestamp())
            .thenComparing(r -> r.getMetadata().getName()));
    Map<String, String> stamps = stamps(namespace);
    Map<String, RenderMemo.Entry> remembered = memo.routes();
    Map<String, RenderMemo.Entry> current = new HashMap<>();
    for (ModelRoute route : byAge) {
      String name = route.getMetadata().getName();
      RenderMemo.RouteRender render =
          render(route, namespace, stamps, remembered.get(name), current, memo);
      List<Problem> spec = new ArrayList<>(render.specProblems());
      List<Problem> references = render.referenceProblems();
      if (spec.isEmpty() && references.isEmpty()) {
        RoutingTable.Route desired = render.desired();
        Optional<String> taken = firstClaimedByOther(claims, desired);
        if (taken.isPresent()) {
          spec.add(
              new Problem(
                  Reason.MODEL_NAME_CONFLICT,
                  "model name '"
                      + taken.get()
                      + "' is already served by ModelRoute '"
                      + claims.get(taken.get())
                      + "'; choose another spec.model or alias"));
        } else {
          RolloutDecision decision =
              Optional.ofNullable(planned.get(name))
                  .filter(p -> !p.withoutSpec() && p.revision() == desired.revision())
                  .map(PlannedRollout::decision)
                  .orElse(null);
          RoutingTable.Route arms =
              decision != null
                  ? decision.route()
                  : keepPublishedArms(route, desired, published.routeOf(route));
          if (arms != desired && published.table().isPresent()) {
            // The stable arm a rollout keeps may use a provider (or a model of one) deleted since:
            // what it needs comes along from the published table, as for a last good entry.
            carryDependencies(arms, published, providers, policies, keys);
          }
          RoutingTable.Route entry =
              arms.withEvaluation(EvaluationRendering.of(route, usable).orElse(null));
          claim(claims, entry);
          routes.put(name, entry);
          outcomes.put(
              name,
              new RouteOutcome(
                  RouteOutcome.State.CURRENT, List.of(), List.of(), entry.revision(), decision));
          continue;
        }
      }
      // The route's own reconcile rolled its canary back because its spec no longer resolves:
      // the last good entry is the stable arm alone (the canary's model or provider may be gone).
      RolloutDecision withoutSpec =
          Optional.ofNullable(planned.get(name))
              .filter(PlannedRollout::withoutSpec)
              .map(PlannedRollout::decision)
              .orElse(null);
      // In the same age order as the routes that render: an older route's last good entry keeps
      // its names against newer routes while it is broken.
      // Its own: a route deleted and created again under its name (another uid) has none.
      Optional<RoutingTable.Route> lastGood =
          published
              .routeOf(route)
              .map(
                  previous ->
                      withoutSpec == null ? previous : RolloutDecision.withoutCanary(previous))
              .filter(
                  previous ->
                      firstClaimedByOther(claims, previous).isEmpty()
                          && carryDependencies(previous, published, providers, policies, keys));
      lastGood.ifPresent(
          previous -> {
            claim(claims, previous);
            routes.put(name, previous);
          });
      outcomes.put(
          name,
          new RouteOutcome(
              lastGood.isPresent() ? RouteOutcome.State.LAST_GOOD : RouteOutcome.State.NOT_SERVED,
              spec,
              references,
              lastGood.map(RoutingTable.Route::revision).orElse(null),
              withoutSpec));
    }

    memo.replaceRoutes(current);
    List<RoutingTable.Route> entries = List.copyOf(routes.values());
    Map<String, String> servedUids = new TreeMap<>();
    for (ModelRoute route : byAge) {
      String uid = route.getMetadata().getUid();
      if (uid != null && routes.containsKey(route.getMetadata().getName())) {
        servedUids.put(route.getMetadata().getName(), uid);
      }
    }
    RenderMemo.Composed last = memo.composed();
    if (last != null
        && last.table().namespace().equals(namespace.namespace())
        && last.providers().equals(providers)
        && last.policies().equals(policies)
        && last.keys().equals(keys)
        && sameEntries(last.routes(), entries)) {
      // Equal parts make an equal table: skip building, validating and serializing it again.
      return new RenderOutcome(last.table(), last.canonicalJson(), keys, outcomes, servedUids);
    }
    memo.countTableRender();
    RoutingTable table =
        RoutingTableRenderer.table(
            namespace.namespace(), providers.values(), policies.values(), entries);
    List<TableProblem> problems = RoutingTableValidator.problems(table);
    if (!problems.isEmpty()) {
      throw new RoutingTableRejectedException(problems);
    }
    RoutingTable versioned = RoutingTableCodec.versioned(table);
    byte[] json = RoutingTableCodec.encodeVersioned(versioned);
    memo.composed(
        new RenderMemo.Composed(
            Map.copyOf(providers),
            Map.copyOf(policies),
            Map.copyOf(keys),
            entries,
            versioned,
            json));
    return new RenderOutcome(versioned, json, keys, outcomes, servedUids);
  }

  /**
   * The route's problems and entry: from the memo when neither the route (its generation) nor the
   * state of a provider or policy it references changed since, else rendered now. Objects without a
   * resourceVersion (built in memory, not read from an API server) are always rendered.
   */
  private RenderMemo.RouteRender render(
      ModelRoute route,
      ResolvedNamespace namespace,
      Map<String, String> stamps,
      RenderMemo.Entry remembered,
      Map<String, RenderMemo.Entry> current,
      RenderMemo memo) {
    RenderMemo.RouteKey key = key(route, stamps);
    if (key != null && remembered != null && key.equals(remembered.key())) {
      current.put(route.getMetadata().getName(), remembered);
      return remembered.render();
    }
    memo.countRouteRender();
    List<Problem> spec = List.copyOf(routeValidator.validate(route));
    List<Problem> references = List.copyOf(RouteReferences.problems(route, namespace));
    RenderMemo.RouteRender render =
        new RenderMemo.RouteRender(
            spec,
            references,
            spec.isEmpty() && references.isEmpty() ? RoutingTableRenderer.route(route) : null);
    if (key != null) {
      current.put(route.getMetadata().getName(), new RenderMemo.Entry(key, render));
    }
    return render;
  }

  /**
   * A stamp per provider and policy (by name, policies prefixed): the object's identity and version
   * with its validation outcome, which covers the Secret it reads its key from; null for an object
   * without a resourceVersion.
   */
  private static Map<String, String> stamps(ResolvedNamespace namespace) {
    Map<String, String> stamps = new HashMap<>();
    namespace
        .providers()
        .forEach(
            (name, state) ->
                stamps.put(
                    name,
                    stamp(
                        state.endpoint(), state.problems() + "|" + state.credentials().hasKey())));
    namespace
        .policies()
        .forEach(
            (name, state) ->
                stamps.put(
                    POLICY_STAMP + name, stamp(state.policy(), state.problems().toString())));
    return stamps;
  }

  private static final String POLICY_STAMP = "policy/";
  private static final String ABSENT = "absent";

  private static String stamp(io.fabric8.kubernetes.api.model.HasMetadata resource, String state) {
    String version = version(resource);
    return version == null ? null : resource.getMetadata().getUid() + "@" + version + "|" + state;
  }

  /**
   * What a route's rendering reads of an object changes only with its generation (its spec): a
   * status write, which changes the resourceVersion alone, must not re-render the routes that use
   * it. Objects a server does not give a generation fall back to their resourceVersion; objects
   * built in memory have neither (null: never remembered).
   */
  private static String version(io.fabric8.kubernetes.api.model.HasMetadata resource) {
    String resourceVersion = resource.getMetadata().getResourceVersion();
    if (resourceVersion == null) {
      return null;
    }
    Long generation = resource.getMetadata().getGeneration();
    return generation == null ? "rv" + resourceVersion : "g" + generation;
  }

  /** The route's memo key, or null when it cannot be cached. */
  private static RenderMemo.RouteKey key(ModelRoute route, Map<String, String> stamps) {
    String version = version(route);
    if (version == null) {
      return null;
    }
    List<String> references = new ArrayList<>();
    if (route.getSpec() != null) {
      if (route.getSpec().getPolicyRef() != null) {
        String policy = route.getSpec().getPolicyRef().getName();
        String stamp =
            stamps.containsKey(POLICY_STAMP + policy) ? stamps.get(POLICY_STAMP + policy) : ABSENT;
        if (stamp == null) {
          return null;
        }
        references.add(stamp);
      }
      for (var target : RouteReferences.allTargets(route.getSpec())) {
        String provider =
            target.getProviderRef() == null ? null : target.getProviderRef().getName();
        String stamp =
            provider == null || !stamps.containsKey(provider) ? ABSENT : stamps.get(provider);
        if (stamp == null) {
          return null;
        }
        references.add(stamp);
      }
    }
    return new RenderMemo.RouteKey(route.getMetadata().getUid(), version, references);
  }

  /** Element-wise equality that is cheap for the entries a memo hands out again (the same ones). */
  private static boolean sameEntries(List<RoutingTable.Route> a, List<RoutingTable.Route> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (a.get(i) != b.get(i) && !a.get(i).equals(b.get(i))) {
        return false;
      }
    }
    return true;
  }

  /**
   * The entry of a valid route whose rollout is not planned in this render: its desired entry at
   * once when it has no canary steps or was never published (what the planner would decide too),
   * else the arms the published table holds for it with the rest (model, aliases, policy) from the
   * spec, until its own reconcile decides.
   */
  static RoutingTable.Route keepPublishedArms(
      ModelRoute route, RoutingTable.Route desired, Optional<RoutingTable.Route> published) {
    CanarySpec canary = route.getSpec().getCanary();
    boolean rollsOut = canary != null && canary.getSteps() != null && !canary.getSteps().isEmpty();
    if (!rollsOut || published.isEmpty()) {
      return desired;
    }
    RoutingTable.Route live = published.get();
    if (live.canary() == null
        && live.targets().equals(desired.targets())
        && live.rules().equals(desired.rules())) {
      return desired;
    }
    return new RoutingTable.Route(
        desired.name(),
        desired.model(),
        desired.aliases(),
        desired.policy(),
        live.revision(),
        live.targets(),
        live.rules(),
        live.canary());
  }

  /**
   * Adds what a last good route needs from the published table; all or nothing, so a route that
   * cannot be carried leaves the maps unchanged.
   */
  private static boolean carryDependencies(
      RoutingTable.Route route,
      PublishedTable published,
      Map<String, RoutingTable.Provider> providers,
      Map<String, RoutingTable.Policy> policies,
      Map<String, String> keys) {
    RoutingTable previousTable = published.table().orElseThrow();
    Map<String, RoutingTable.Provider> addedProviders = new HashMap<>();
    Map<String, String> addedKeys = new HashMap<>();
    RoutingTable.Policy addedPolicy = null;
    if (route.policy() != null && !policies.containsKey(route.policy())) {
      addedPolicy = previousTable.policies().get(route.policy());
      if (addedPolicy == null) {
        return false;
      }
    }
    for (RoutingTable.Target target : allTargets(route)) {
      String name = target.provider();
      RoutingTable.Provider current = addedProviders.getOrDefault(name, providers.get(name));
      RoutingTable.Provider previous = previousTable.providers().get(name);
      if (current == null) {
        if (previous == null) {
          return false;
        }
        addedProviders.put(name, previous);
        if (previous.hasKey() && published.keys().containsKey(name)) {
          addedKeys.put(name, published.keys().get(name));
        }
      } else if (current.listsModels() && current.model(target.model()).isEmpty()) {
        Optional<RoutingTable.Model> oldModel =
            previous == null ? Optional.empty() : previous.model(target.model());
        if (oldModel.isEmpty()) {
          return false;
        }
        Map<String, RoutingTable.Model> models = new TreeMap<>(current.models());
        models.put(target.model(), oldModel.get());
        addedProviders.put(name, withModels(current, models));
      }
    }
    // The provider a carried policy's semantic cache embeds with comes along when it is gone, but
    // is no reason to drop the route: without it the gateway's semantic lookups are misses.
    RoutingTable.Policy policy =
        addedPolicy != null
            ? addedPolicy
            : route.policy() == null ? null : policies.get(route.policy());
    embedderProvider(policy)
        .filter(name -> !providers.containsKey(name) && !addedProviders.containsKey(name))
        .filter(name -> previousTable.providers().containsKey(name))
        .ifPresent(
            name -> {
              addedProviders.put(name, previousTable.providers().get(name));
              if (published.keys().containsKey(name)) {
                addedKeys.put(name, published.keys().get(name));
              }
            });
    providers.putAll(addedProviders);
    keys.putAll(addedKeys);
    if (addedPolicy != null) {
      policies.put(addedPolicy.name(), addedPolicy);
    }
    return true;
  }

  /** The provider a policy's enabled semantic cache embeds with, if any. */
  private static Optional<String> embedderProvider(RoutingTable.Policy policy) {
    if (policy == null
        || policy.cache() == null
        || !Boolean.TRUE.equals(policy.cache().semanticEnabled())) {
      return Optional.empty();
    }
    return EmbedderRef.parse(policy.cache().semanticEmbedder())
        .filter(EmbedderRef::isProvider)
        .map(EmbedderRef::provider);
  }

  private static RoutingTable.Provider withModels(
      RoutingTable.Provider p, Map<String, RoutingTable.Model> models) {
    return new RoutingTable.Provider(
        p.name(),
        p.kind(),
        p.baseUrl(),
        p.hasKey(),
        p.apiVersion(),
        p.headers(),
        p.timeouts(),
        p.maxConcurrency(),
        p.maxResponseBytes(),
        p.quota(),
        p.healthCheck(),
        models,
        p.concurrencyScope(),
        p.commitment(),
        p.apiKeyHeader());
  }

  private static List<RoutingTable.Target> allTargets(RoutingTable.Route route) {
    List<RoutingTable.Target> targets = new ArrayList<>(route.targets());
    route.rules().forEach(rule -> targets.addAll(rule.targets()));
    if (route.canary() != null) {
      targets.addAll(route.canary().targets());
      route.canary().rules().forEach(rule -> targets.addAll(rule.targets()));
    }
    if (route.evaluation() != null) {
      // A carried evaluation needs its candidates' providers as much as the targets do.
      targets.addAll(route.evaluation().candidates());
    }
    return targets;
  }

  private static List<String> namesOf(RoutingTable.Route route) {
    List<String> names = new ArrayList<>();
    names.add(route.model());
    names.addAll(route.aliases());
    return names;
  }

  private static Optional<String> firstClaimedByOther(
      Map<String, String> claims, RoutingTable.Route route) {
    return namesOf(route).stream()
        .filter(n -> claims.containsKey(n) && !claims.get(n).equals(route.name()))
        .findFirst();
  }

  private static void claim(Map<String, String> claims, RoutingTable.Route route) {
    namesOf(route).forEach(n -> claims.put(n, route.name()));
  }

  /** The composed table failed validation; the published table stays as it is. */
  public static final class RoutingTableRejectedException extends RuntimeException {
    private final List<TableProblem> problems;

    public RoutingTableRejectedException(List<TableProblem> problems) {
      super(
          "the rendered routing table is invalid and was not published: "
              + problems.stream().map(TableProblem::message).toList());
      this.problems = List.copyOf(problems);
    }

    /** The problems, each with the entries it is about. */
    public List<TableProblem> tableProblems() {
      return problems;
    }

    /** The problems in words, as the gateway's validator words them. */
    public List<String> problems() {
      return problems.stream().map(TableProblem::message).toList();
    }
  }
}
