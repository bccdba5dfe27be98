package dev.switchboard.operator.status;

import dev.switchboard.api.v1alpha1.ProviderEndpointSpec;
import dev.switchboard.api.v1alpha1.RoutingPolicySpec;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The fields the API accepts but the gateway does not act on yet, in one place. A resource that
 * sets one gets {@code Enforced=False} ({@code FieldNotEnforced}) naming it and what the gateway
 * does instead, so status never claims more than is true; a resource that sets none gets {@code
 * Enforced=True}. When the gateway learns a field, its entry here goes (and the README's "What the
 * gateway does with each field today" with it).
 */
public final class UnenforcedFields {

  /** The condition type. */
  public static final String ENFORCED = "Enforced";

  /** One field: when a spec sets it, what the gateway does instead. */
  private record Field<S>(Function<S, Optional<String>> whenSet) {}

  // The semantic cache's embedder.providerRef is enforced since the gateway embeds through the
  // provider's embeddings API (ProviderEmbedder); its reference is checked by EmbedderReferences.
  private static final List<Field<RoutingPolicySpec>> ROUTING_POLICY = List.of();

  // Lifecycle dates are enforced: the gateway keeps requests off retired models on its own clock.
  private static final List<Field<ProviderEndpointSpec>> PROVIDER_ENDPOINT = List.of();

  private UnenforcedFields() {}

  /** What the policy sets that the gateway does not enforce, one phrase each; empty when none. */
  public static List<String> of(RoutingPolicySpec spec) {
    return check(ROUTING_POLICY, spec);
  }

  /** What the endpoint sets that the gateway does not enforce, one phrase each; empty when none. */
  public static List<String> of(ProviderEndpointSpec spec) {
    return check(PROVIDER_ENDPOINT, spec);
  }

  /** The {@code Enforced} condition for what {@link #of} found. */
  public static Conditions.Desired condition(List<String> notEnforced) {
    return notEnforced.isEmpty()
        ? new Conditions.Desired(
            ENFORCED,
            true,
            Reason.ALL_FIELDS_ENFORCED.wireName(),
            "the gateway enforces every field this resource sets")
        : new Conditions.Desired(
            ENFORCED,
            false,
            Reason.FIELD_NOT_ENFORCED.wireName(),
            "set but not enforced by the gateway yet: " + String.join("; ", notEnforced));
  }

  private static <S> List<String> check(List<Field<S>> fields, S spec) {
    if (spec == null) {
      return List.of();
    }
    return fields.stream().flatMap(f -> f.whenSet().apply(spec).stream()).toList();
  }
}
