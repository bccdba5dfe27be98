package dev.switchboard.operator.render;

import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.ProviderEndpoint;
import dev.switchboard.api.v1alpha1.RoutingPolicy;
import io.fabric8.kubernetes.api.model.Secret;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Everything in one namespace that the routing table depends on, as read from informer caches: the
 * three kinds (sorted by name) and a lookup for the Secrets they reference.
 */
public record NamespaceView(
    String namespace,
    List<ProviderEndpoint> providers,
    List<RoutingPolicy> policies,
    List<ModelRoute> routes,
    Function<String, Optional<Secret>> secrets) {

  public NamespaceView {
    providers = sorted(providers, p -> p.getMetadata().getName());
    policies = sorted(policies, p -> p.getMetadata().getName());
    routes = sorted(routes, r -> r.getMetadata().getName());
  }

  private static <T> List<T> sorted(List<T> items, Function<T, String> name) {
    return items.stream().sorted(Comparator.comparing(name)).toList();
  }
}
