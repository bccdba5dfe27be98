package dev.switchboard.operator.drift;

import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.RoutingPolicy;
import dev.switchboard.operator.rollout.CanaryGate;
import dev.switchboard.operator.status.Conditions;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Optional;

/**
 * Holds a route's canary while its policy has {@code driftCheck.holdCanary: true} and reports
 * {@code Drifted=True}: a model that drifts under the stable arm is no baseline to promote against.
 */
public final class DriftCanaryGate implements CanaryGate {

  private final KubernetesClient client;

  public DriftCanaryGate(KubernetesClient client) {
    this.client = client;
  }

  @Override
  public Optional<String> hold(ModelRoute route) {
    if (route.getSpec() == null || route.getSpec().getPolicyRef() == null) {
      return Optional.empty();
    }
    String name = route.getSpec().getPolicyRef().getName();
    RoutingPolicy policy;
    try {
      policy =
          client
              .resources(RoutingPolicy.class)
              .inNamespace(route.getMetadata().getNamespace())
              .withName(name)
              .get();
    } catch (KubernetesClientException e) {
      // Fail closed: the policy may say holdCanary with Drifted=True, and a canary promoted on a
      // drifting baseline cannot be taken back by a later read. The next analysis tick asks again.
      return Optional.of(
          "policy "
              + name
              + " cannot be read to see whether its drift check holds the canary ("
              + (e.getCode() > 0 ? "HTTP " + e.getCode() : e.getClass().getSimpleName())
              + ")");
    }
    if (policy == null
        || policy.getSpec() == null
        || policy.getSpec().getDriftCheck() == null
        || !Boolean.TRUE.equals(policy.getSpec().getDriftCheck().getHoldCanary())
        || policy.getStatus() == null) {
      return Optional.empty();
    }
    return Conditions.find(policy.getStatus().getConditions(), DriftChecker.DRIFTED)
        .filter(c -> Conditions.TRUE.equals(c.getStatus()))
        .map(c -> "policy " + name + " reports drift: " + c.getMessage());
  }
}
