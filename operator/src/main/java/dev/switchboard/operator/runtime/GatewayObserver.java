package dev.switchboard.operator.runtime;

import dev.switchboard.api.v1alpha1.GatewayStatus;
import dev.switchboard.api.v1alpha1.ObservedTarget;
import java.util.List;
import java.util.Optional;

/**
 * Observes what the gateway replicas of a namespace really run, for ModelRoute {@code
 * status.gateway}: an I/O step of its own, injected into the reconciler and called outside the
 * namespace lock and outside rendering.
 */
public interface GatewayObserver {

  /** For an operator that does not observe the gateways: status.gateway is left alone. */
  GatewayObserver NONE = (namespace, publishedVersion) -> Optional.empty();

  /**
   * The prevailing config version of the namespace's replicas and how many of them run {@code
   * publishedVersion} (the table that holds the route's current revision). Empty when the replicas
   * cannot be observed.
   */
  Optional<GatewayStatus> gatewayStatus(String namespace, String publishedVersion);

  /**
   * Per target ({@code provider/model}), the latest silent model change the namespace's replicas
   * report; empty when none is reported or the replicas cannot be observed.
   */
  default java.util.Map<String, GatewayReplicas.VersionChange> versionChanges(String namespace) {
    return java.util.Map.of();
  }

  /**
   * What the route's {@code status.observed} should hold now (the cost-observation loop's figures
   * merged over the replicas): {@code current} itself while the figures did not change materially
   * or were written too recently, an empty list to clear them. Empty when the replicas cannot be
   * observed: status.observed is left alone.
   */
  default Optional<List<ObservedTarget>> observed(
      String namespace, String route, List<ObservedTarget> current) {
    return Optional.empty();
  }
}
