package dev.switchboard.operator.routingpolicy;

import dev.switchboard.api.v1alpha1.CacheSpec;
import dev.switchboard.api.v1alpha1.Embedder;
import dev.switchboard.api.v1alpha1.ProviderEndpoint;
import dev.switchboard.api.v1alpha1.ProviderModel;
import dev.switchboard.api.v1alpha1.RoutingPolicy;
import dev.switchboard.contract.ProviderKind;
import dev.switchboard.operator.status.Problem;
import dev.switchboard.operator.status.Reason;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Checks the reference of a RoutingPolicy's semantic cache to a provider's embedding model ({@code
 * spec.cache.semantic.embedder.providerRef} + {@code model}): the ProviderEndpoint exists in the
 * policy's namespace and is ready, its kind has an embeddings API, and — when it lists models — it
 * lists the model. A policy with such a problem is not usable: routes keep their last good entry
 * (with the policy as it was) until it is fixed. Only an enabled semantic cache is checked; a
 * disabled one embeds nothing.
 */
public final class EmbedderReferences {

  private static final String FIELD = "spec.cache.semantic.embedder";

  private EmbedderReferences() {}

  /** The provider embedder an enabled semantic cache of {@code policy} uses, if any. */
  public static Optional<Embedder> providerEmbedder(RoutingPolicy policy) {
    CacheSpec cache = policy.getSpec() == null ? null : policy.getSpec().getCache();
    if (cache == null
        || cache.getSemantic() == null
        || !Boolean.TRUE.equals(cache.getSemantic().getEnabled())) {
      return Optional.empty();
    }
    Embedder embedder = cache.getSemantic().getEmbedder();
    return embedder != null
            && embedder.getProviderRef() != null
            && embedder.getProviderRef().getName() != null
        ? Optional.of(embedder)
        : Optional.empty();
  }

  /** The name of the ProviderEndpoint {@code policy}'s semantic cache embeds with, if any. */
  public static Optional<String> providerName(RoutingPolicy policy) {
    return providerEmbedder(policy).map(e -> e.getProviderRef().getName());
  }

  /**
   * Problems with the policy's embedder reference; empty when it has none or it resolves.
   *
   * @param endpoints the namespace's ProviderEndpoints by name
   * @param notReady why an endpoint cannot be used (its own first problem), empty when it can
   */
  public static List<Problem> problems(
      RoutingPolicy policy,
      String namespace,
      Function<String, Optional<ProviderEndpoint>> endpoints,
      Function<ProviderEndpoint, Optional<String>> notReady) {
    Optional<Embedder> found = providerEmbedder(policy);
    if (found.isEmpty()) {
      return List.of();
    }
    Embedder embedder = found.get();
    String name = embedder.getProviderRef().getName();
    String model = embedder.getModel();
    if (model == null || model.isBlank()) {
      // The CRD's CEL rule requires it; a server that skips the schema lets it through.
      return List.of(
          new Problem(Reason.INVALID_SPEC, FIELD + ".model is required with providerRef"));
    }
    Optional<ProviderEndpoint> endpoint = endpoints.apply(name);
    if (endpoint.isEmpty()) {
      return List.of(
          new Problem(
              Reason.PROVIDER_NOT_FOUND,
              FIELD
                  + ".providerRef: ProviderEndpoint '"
                  + name
                  + "' does not exist in namespace '"
                  + namespace
                  + "'; create it or fix the providerRef"));
    }
    Optional<String> unusable = notReady.apply(endpoint.get());
    if (unusable.isPresent()) {
      return List.of(
          new Problem(
              Reason.PROVIDER_NOT_READY,
              FIELD
                  + ".providerRef: ProviderEndpoint '"
                  + name
                  + "' is not ready: "
                  + unusable.get()));
    }
    String kind = endpoint.get().getSpec() == null ? null : endpoint.get().getSpec().getProvider();
    Optional<ProviderKind> preset = ProviderKind.fromWireName(kind);
    if (preset.isPresent() && !preset.get().servesEmbeddings()) {
      return List.of(
          new Problem(
              Reason.EMBEDDINGS_NOT_SERVED,
              FIELD
                  + ".providerRef: ProviderEndpoint '"
                  + name
                  + "' is a "
                  + kind
                  + " endpoint, which has no embeddings API; embed with another provider or"
                  + " with embedder.builtin"));
    }
    List<ProviderModel> models =
        endpoint.get().getSpec() == null ? null : endpoint.get().getSpec().getModels();
    if (models != null
        && !models.isEmpty()
        && models.stream().noneMatch(m -> model.equals(m.getName()))) {
      return List.of(
          new Problem(
              Reason.MODEL_NOT_SERVED,
              FIELD
                  + ".model: ProviderEndpoint '"
                  + name
                  + "' does not list model '"
                  + model
                  + "'; add it to the endpoint's spec.models or fix the embedder's model"));
    }
    return List.of();
  }
}
