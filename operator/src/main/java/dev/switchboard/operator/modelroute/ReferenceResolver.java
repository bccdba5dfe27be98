package dev.switchboard.operator.modelroute;

import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.ModelRouteSpec;
import dev.switchboard.api.v1alpha1.RouteRule;
import dev.switchboard.api.v1alpha1.RouteTarget;
import dev.switchboard.operator.render.NamespaceView;
import dev.switchboard.operator.render.Problem;
import dev.switchboard.operator.render.ResolvedNamespace;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Follows a ModelRoute's references (policy, providers, the providers' models) through a namespace
 * view that was read from informer caches; it never calls the API server.
 */
public final class ReferenceResolver {

  private final Function<String, NamespaceView> views;

  /**
   * @param views namespace → the view of it from the informer caches
   */
  public ReferenceResolver(Function<String, NamespaceView> views) {
    this.views = views;
  }

  /** The current view of one namespace. */
  public NamespaceView view(String namespace) {
    return views.apply(namespace);
  }

  /** Problems with the route's references; empty when every reference resolves to a usable one. */
  public static List<Problem> referenceProblems(ModelRoute route, ResolvedNamespace namespace) {
    List<Problem> problems = new ArrayList<>();
    ModelRouteSpec spec = route.getSpec();
    if (spec == null) {
      return problems;
    }
    if (spec.getPolicyRef() != null && spec.getPolicyRef().getName() != null) {
      String name = spec.getPolicyRef().getName();
      Optional<ResolvedNamespace.PolicyState> policy = namespace.policy(name);
      if (policy.isEmpty()) {
        problems.add(
            new Problem(
                "PolicyNotFound",
                "RoutingPolicy '"
                    + name
                    + "' does not exist in namespace '"
                    + namespace.namespace()
                    + "'; create it or fix spec.policyRef"));
      } else if (!policy.get().usable()) {
        problems.add(
            new Problem(
                "PolicyNotReady",
                "RoutingPolicy '"
                    + name
                    + "' is not ready: "
                    + policy.get().problems().get(0).message()));
      }
    }
    Set<String> reported = new LinkedHashSet<>();
    for (RouteTarget target : allTargets(spec)) {
      checkTarget(target, namespace, problems, reported);
    }
    return problems;
  }

  /** Names of every ProviderEndpoint the route refers to, for informer indexes. */
  public static List<String> providerNames(ModelRoute route) {
    if (route.getSpec() == null) {
      return List.of();
    }
    return allTargets(route.getSpec()).stream()
        .map(t -> t.getProviderRef() == null ? null : t.getProviderRef().getName())
        .filter(n -> n != null)
        .distinct()
        .toList();
  }

  /** Name of the route's policy, for informer indexes. */
  public static List<String> policyNames(ModelRoute route) {
    if (route.getSpec() == null
        || route.getSpec().getPolicyRef() == null
        || route.getSpec().getPolicyRef().getName() == null) {
      return List.of();
    }
    return List.of(route.getSpec().getPolicyRef().getName());
  }

  private static List<RouteTarget> allTargets(ModelRouteSpec spec) {
    List<RouteTarget> targets = new ArrayList<>();
    if (spec.getTargets() != null) {
      targets.addAll(spec.getTargets());
    }
    if (spec.getRules() != null) {
      for (RouteRule rule : spec.getRules()) {
        if (rule.getTargets() != null) {
          targets.addAll(rule.getTargets());
        }
      }
    }
    return targets;
  }

  private static void checkTarget(
      RouteTarget target, ResolvedNamespace namespace, List<Problem> problems, Set<String> seen) {
    if (target.getProviderRef() == null || target.getProviderRef().getName() == null) {
      return; // reported by ModelRouteValidator
    }
    String name = target.getProviderRef().getName();
    Optional<ResolvedNamespace.ProviderState> provider = namespace.provider(name);
    if (provider.isEmpty()) {
      if (seen.add("missing:" + name)) {
        problems.add(
            new Problem(
                "ProviderNotFound",
                "ProviderEndpoint '"
                    + name
                    + "' does not exist in namespace '"
                    + namespace.namespace()
                    + "'; create it or fix the target's providerRef"));
      }
      return;
    }
    if (!provider.get().usable()) {
      if (seen.add("unready:" + name)) {
        problems.add(
            new Problem(
                "ProviderNotReady",
                "ProviderEndpoint '"
                    + name
                    + "' is not ready: "
                    + provider.get().problems().get(0).message()));
      }
      return;
    }
    var models = provider.get().endpoint().getSpec().getModels();
    boolean listsModels = models != null && !models.isEmpty();
    if (listsModels
        && models.stream().noneMatch(m -> target.getModel().equals(m.getName()))
        && seen.add("model:" + name + "/" + target.getModel())) {
      problems.add(
          new Problem(
              "ModelNotServed",
              "ProviderEndpoint '"
                  + name
                  + "' does not list model '"
                  + target.getModel()
                  + "'; add it to the endpoint's spec.models or fix the target's model"));
    }
  }
}
