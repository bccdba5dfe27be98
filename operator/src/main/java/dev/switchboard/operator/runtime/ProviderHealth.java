package dev.switchboard.operator.runtime;

import dev.switchboard.operator.status.Conditions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * A ProviderEndpoint's {@code Healthy} condition as the gateway replicas see it: their active
 * health checks ({@code switchboard_provider_healthy}) and circuit breakers ({@code
 * switchboard_circuit_breaker_state}) for the provider's targets. No condition is claimed while no
 * replica reports on the provider (none reachable, or the provider is not in their table).
 */
public final class ProviderHealth {

  /** The condition type. */
  public static final String HEALTHY = "Healthy";

  private final GatewayRuntimeView view;

  public ProviderHealth(GatewayRuntimeView view) {
    this.view = view;
  }

  public Optional<Conditions.Desired> condition(String namespace, String provider) {
    return condition(view.replicas(namespace), provider);
  }

  static Optional<Conditions.Desired> condition(GatewayReplicas replicas, String provider) {
    int reporting = 0;
    int failing = 0;
    TreeSet<String> openTargets = new TreeSet<>();
    int withOpenBreaker = 0;
    String prefix = provider + "/";
    for (GatewayReplicas.Replica replica : replicas.replicas()) {
      Boolean healthy = replica.providerHealthy().get(provider);
      List<String> open = new ArrayList<>();
      replica.openBreakers().stream().filter(t -> t.startsWith(prefix)).forEach(open::add);
      if (healthy == null && open.isEmpty()) {
        continue;
      }
      reporting++;
      if (Boolean.FALSE.equals(healthy)) {
        failing++;
      }
      if (!open.isEmpty()) {
        withOpenBreaker++;
        open.forEach(t -> openTargets.add(t.substring(prefix.length())));
      }
    }
    if (reporting == 0) {
      return Optional.empty();
    }
    if (failing > 0) {
      return Optional.of(
          new Conditions.Desired(
              HEALTHY,
              false,
              "HealthChecksFailing",
              "failing the gateway's active health checks on "
                  + failing
                  + " of "
                  + reporting
                  + " replicas; requests fail over to other targets"));
    }
    if (withOpenBreaker > 0) {
      return Optional.of(
          new Conditions.Desired(
              HEALTHY,
              false,
              "CircuitOpen",
              "circuit breaker open for "
                  + String.join(", ", openTargets)
                  + " on "
                  + withOpenBreaker
                  + " of "
                  + reporting
                  + " replicas"));
    }
    return Optional.of(
        new Conditions.Desired(
            HEALTHY,
            true,
            "GatewaysReportHealthy",
            "healthy on all " + reporting + " gateway replicas that route to it"));
  }
}
