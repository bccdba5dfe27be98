package dev.switchboard.operator.render;

import dev.switchboard.api.v1alpha1.LocalObjectRef;
import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.ModelRouteSpec;
import dev.switchboard.api.v1alpha1.RouteRule;
import dev.switchboard.api.v1alpha1.RouteTarget;
import dev.switchboard.operator.status.Problem;
import dev.switchboard.operator.status.Reason;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Checks a ModelRoute's references (policy, providers, the providers' models) against a namespace
 * whose providers and policies were already validated; read from informer caches, never the API
 * server.
 */
public final class RouteReferences {

  private RouteReferences() {}

  /** Problems with the route's references; empty when every reference resolves to a usable one. */
  public static List<Problem> problems(ModelRoute route, ResolvedNamespace namespace) {
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
                Reason.POLICY_NOT_FOUND,
                "RoutingPolicy '"
                    + name
                    + "' does not exist in namespace '"
                    + namespace.namespace()
                    + "'; create it or fix spec.policyRef"));
      } else if (!policy.get().usable()) {
        problems.add(
            new Problem(
                Reason.POLICY_NOT_READY,
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

  /** The route's own and its rules' targets. */
  public static List<RouteTarget> allTargets(ModelRouteSpec spec) {
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

  /**
   * The problems of the route's declared evaluation candidates, each named by its place ({@code
   * spec.evaluation.candidates[i]: …}), with the reasons and words of a target's: a provider that
   * is missing or not ready, or does not list the model. Empty without an evaluation.
   */
  public static List<Problem> evaluationProblems(ModelRoute route, ResolvedNamespace namespace) {
    var evaluation = route.getSpec() == null ? null : route.getSpec().getEvaluation();
    if (evaluation == null || evaluation.getCandidates() == null) {
      return List.of();
    }
    List<Problem> problems = new ArrayList<>();
    for (int i = 0; i < evaluation.getCandidates().size(); i++) {
      var candidate = evaluation.getCandidates().get(i);
      RouteTarget target = new RouteTarget();
      target.setProviderRef(candidate.getProviderRef());
      target.setModel(candidate.getModel());
      candidateProblems(target, "spec.evaluation.candidates[" + i + "]: ", namespace, problems);
    }
    return problems;
  }

  /**
   * The problems of the candidates ({@code provider/model}) of an evaluation the operator started
   * by itself for an approaching retirement, each named by its target ({@code automatic evaluation
   * candidate openai/gpt-5: …}), with the reasons and words of a target's.
   */
  public static List<Problem> automaticEvaluationProblems(
      List<String> candidates, ResolvedNamespace namespace) {
    List<Problem> problems = new ArrayList<>();
    for (String candidate : candidates) {
      int slash = candidate == null ? -1 : candidate.indexOf('/');
      if (slash <= 0) {
        continue; // not one the operator wrote; the rendering leaves it out as well
      }
      RouteTarget target = new RouteTarget();
      LocalObjectRef provider = new LocalObjectRef();
      provider.setName(candidate.substring(0, slash));
      target.setProviderRef(provider);
      target.setModel(candidate.substring(slash + 1));
      candidateProblems(
          target, "automatic evaluation candidate " + candidate + ": ", namespace, problems);
    }
    return problems;
  }

  private static void candidateProblems(
      RouteTarget target, String where, ResolvedNamespace namespace, List<Problem> problems) {
    List<Problem> found = new ArrayList<>();
    checkTarget(target, namespace, found, new java.util.HashSet<>());
    found.forEach(p -> problems.add(new Problem(p.reason(), where + p.message())));
  }

  private static void checkTarget(
      RouteTarget target, ResolvedNamespace namespace, List<Problem> problems, Set<String> seen) {
    if (target.getProviderRef() == null
        || target.getProviderRef().getName() == null
        || target.getModel() == null) {
      return; // reported by ModelRouteValidator (a server that skips the schema lets these in)
    }
    String name = target.getProviderRef().getName();
    Optional<ResolvedNamespace.ProviderState> provider = namespace.provider(name);
    if (provider.isEmpty()) {
      if (seen.add("missing:" + name)) {
        problems.add(
            new Problem(
                Reason.PROVIDER_NOT_FOUND,
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
                Reason.PROVIDER_NOT_READY,
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
              Reason.MODEL_NOT_SERVED,
              "ProviderEndpoint '"
                  + name
                  + "' does not list model '"
                  + target.getModel()
                  + "'; add it to the endpoint's spec.models or fix the target's model"));
    }
  }
}
