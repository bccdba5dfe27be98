package dev.switchboard.operator.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.api.v1alpha1.ConsumerStatus;
import dev.switchboard.api.v1alpha1.ModelRouteStatus;
import dev.switchboard.api.v1alpha1.ObservedKey;
import dev.switchboard.api.v1alpha1.ProviderEndpoint;
import dev.switchboard.api.v1alpha1.ProviderEndpointStatus;
import dev.switchboard.api.v1alpha1.RoutingPolicyStatus;
import dev.switchboard.operator.status.Conditions;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.CustomResource;
import java.util.List;
import java.util.Optional;

/**
 * Reads of what the operator writes into a resource's status, safe inside Awaitility waits.
 *
 * <p>{@code untilAsserted} retries only failed assertions (and {@code until} only {@code false}): a
 * NullPointerException or NoSuchElementException thrown because the resource, its status or a
 * condition is not written yet ends the wait at once and fails the test, as a read such as {@code
 * get().getStatus().getConditions().stream()} does before the first reconcile. Here what is not
 * there yet fails as an assertion that names it, so the wait goes on and a timeout says what was
 * missing.
 */
public final class StatusReads {

  private StatusReads() {}

  /** The resource's status, asserted to be there (the resource read, its status written). */
  public static <S> S status(CustomResource<?, S> resource) {
    assertThat(resource).as("the resource (not found)").isNotNull();
    S status = resource.getStatus();
    assertThat(status)
        .as("status of %s %s", resource.getKind(), resource.getMetadata().getName())
        .isNotNull();
    return status;
  }

  /**
   * The condition of a type in the resource's status; empty while the resource, its status or the
   * condition is not there, so that both "has it" and "has it not" can be awaited.
   */
  public static Optional<Condition> condition(CustomResource<?, ?> resource, String type) {
    return Conditions.find(conditions(resource), type);
  }

  /** The condition of a type in the resource's status, asserted to be there. */
  public static Condition presentCondition(CustomResource<?, ?> resource, String type) {
    Optional<Condition> condition = condition(resource, type);
    assertThat(condition)
        .as(
            "condition %s of %s",
            type,
            resource == null
                ? "a resource not found"
                : resource.getKind() + " " + resource.getMetadata().getName())
        .isPresent();
    return condition.get();
  }

  /**
   * The key record in a ProviderEndpoint's status ({@code status.credentials}), asserted to be
   * there: null until the endpoint's key is resolved and published.
   */
  public static ObservedKey credentials(ProviderEndpoint endpoint) {
    ObservedKey credentials = status(endpoint).getCredentials();
    assertThat(credentials)
        .as("status.credentials of ProviderEndpoint %s", endpoint.getMetadata().getName())
        .isNotNull();
    return credentials;
  }

  private static List<Condition> conditions(CustomResource<?, ?> resource) {
    Object status = resource == null ? null : resource.getStatus();
    if (status == null) {
      return null;
    }
    if (status instanceof ModelRouteStatus s) {
      return s.getConditions();
    }
    if (status instanceof ProviderEndpointStatus s) {
      return s.getConditions();
    }
    if (status instanceof RoutingPolicyStatus s) {
      return s.getConditions();
    }
    if (status instanceof ConsumerStatus s) {
      return s.getConditions();
    }
    throw new IllegalArgumentException("no conditions in " + status.getClass().getSimpleName());
  }
}
