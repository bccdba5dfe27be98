package dev.switchboard.operator.modelroute;

import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.operator.render.NamespaceView;
import dev.switchboard.operator.render.RouteReferences;
import java.util.List;
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

  /**
   * Names of every ProviderEndpoint the route refers to, for informer indexes: its targets' and its
   * evaluation candidates' (a candidate's provider appearing starts a waiting evaluation).
   */
  public static List<String> providerNames(ModelRoute route) {
    if (route.getSpec() == null) {
      return List.of();
    }
    java.util.stream.Stream<String> candidates =
        route.getSpec().getEvaluation() == null
                || route.getSpec().getEvaluation().getCandidates() == null
            ? java.util.stream.Stream.empty()
            : route.getSpec().getEvaluation().getCandidates().stream()
                .map(c -> c.getProviderRef() == null ? null : c.getProviderRef().getName());
    return java.util.stream.Stream.concat(
            RouteReferences.allTargets(route.getSpec()).stream()
                .map(t -> t.getProviderRef() == null ? null : t.getProviderRef().getName()),
            candidates)
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
}
