package dev.switchboard.operator.render;

import dev.switchboard.api.v1alpha1.ProviderEndpoint;
import dev.switchboard.api.v1alpha1.RoutingPolicy;
import dev.switchboard.operator.providerendpoint.CredentialResolver;
import dev.switchboard.operator.providerendpoint.ProviderEndpointValidator;
import dev.switchboard.operator.routingpolicy.EmbedderReferences;
import dev.switchboard.operator.routingpolicy.RoutingPolicyValidator;
import dev.switchboard.operator.status.Problem;
import dev.switchboard.operator.status.Terminating;
import io.fabric8.kubernetes.api.model.Secret;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.BiFunction;

/**
 * The providers and policies of a namespace after validation: each with its problems, and for
 * providers the credentials. A policy's problems include those of its semantic cache's embedder
 * reference ({@link EmbedderReferences}). Routes can only use entries without problems; one marked
 * for deletion has one ({@link Terminating}).
 */
public final class ResolvedNamespace {

  /** A ProviderEndpoint with its validation outcome. */
  public record ProviderState(
      ProviderEndpoint endpoint,
      CredentialResolver.Credentials credentials,
      List<Problem> problems) {
    public boolean usable() {
      return problems.isEmpty();
    }
  }

  /** A RoutingPolicy with its validation outcome. */
  public record PolicyState(RoutingPolicy policy, List<Problem> problems) {
    public boolean usable() {
      return problems.isEmpty();
    }
  }

  private final NamespaceView view;
  private final Map<String, ProviderState> providers = new TreeMap<>();
  private final Map<String, PolicyState> policies = new TreeMap<>();

  private ResolvedNamespace(NamespaceView view) {
    this.view = view;
  }

  /** Validates every provider (spec, SSRF guard, credentials) and policy of the view. */
  public static ResolvedNamespace resolve(
      NamespaceView view,
      ProviderEndpointValidator providerValidator,
      RoutingPolicyValidator policyValidator) {
    return resolve(
        view, (namespace, name) -> view.secrets().apply(name), providerValidator, policyValidator);
  }

  /**
   * As above, reading the providers' Secrets through {@code secrets} (namespace, name → Secret)
   * rather than the view's lookup: one that records what it reads.
   */
  public static ResolvedNamespace resolve(
      NamespaceView view,
      BiFunction<String, String, Optional<Secret>> secrets,
      ProviderEndpointValidator providerValidator,
      RoutingPolicyValidator policyValidator) {
    ResolvedNamespace resolved = new ResolvedNamespace(view);
    CredentialResolver credentials = new CredentialResolver(secrets);
    for (ProviderEndpoint endpoint : view.providers()) {
      resolved.providers.put(
          endpoint.getMetadata().getName(),
          providerState(endpoint, providerValidator, credentials));
    }
    for (RoutingPolicy policy : view.policies()) {
      // Marked for deletion: used as it will be once gone (its routes keep their last good entry).
      List<Problem> problems = new ArrayList<>(Terminating.ofPolicy(policy).stream().toList());
      problems.addAll(policyValidator.validate(policy));
      // The embedder's provider must be usable too: its key and URL serve the embeddings calls.
      problems.addAll(
          EmbedderReferences.problems(
              policy,
              view.namespace(),
              name -> resolved.provider(name).map(ProviderState::endpoint),
              endpoint ->
                  resolved
                      .provider(endpoint.getMetadata().getName())
                      .filter(state -> !state.usable())
                      .map(state -> state.problems().get(0).message())));
      resolved.policies.put(
          policy.getMetadata().getName(), new PolicyState(policy, List.copyOf(problems)));
    }
    return resolved;
  }

  /** Validation of one endpoint; also used by the ProviderEndpoint reconciler for its status. */
  public static ProviderState providerState(
      ProviderEndpoint endpoint,
      ProviderEndpointValidator validator,
      CredentialResolver credentialResolver) {
    List<Problem> problems = new ArrayList<>(Terminating.ofEndpoint(endpoint).stream().toList());
    problems.addAll(validator.validate(endpoint));
    CredentialResolver.Result result = credentialResolver.resolve(endpoint);
    if (!result.resolved()) {
      problems.add(result.problem());
    }
    return new ProviderState(
        endpoint,
        result.resolved() ? result.credentials() : CredentialResolver.Credentials.NONE,
        List.copyOf(problems));
  }

  public NamespaceView view() {
    return view;
  }

  public String namespace() {
    return view.namespace();
  }

  public Optional<ProviderState> provider(String name) {
    return Optional.ofNullable(providers.get(name));
  }

  public Optional<PolicyState> policy(String name) {
    return Optional.ofNullable(policies.get(name));
  }

  public Map<String, ProviderState> providers() {
    return providers;
  }

  public Map<String, PolicyState> policies() {
    return policies;
  }
}
