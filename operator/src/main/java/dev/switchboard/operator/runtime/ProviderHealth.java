package dev.switchboard.operator.runtime;

import dev.switchboard.operator.status.Conditions;
import dev.switchboard.operator.status.Reason;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * A ProviderEndpoint's {@code Healthy} condition as the gateway replicas see it: their active
 * health checks ({@code switchboard_provider_healthy}) and circuit breakers ({@code
 * switchboard_circuit_breaker_state}) for the provider's targets, and whether it rejects the
 * gateway's key ({@code switchboard_provider_credentials_rejected}). No condition is claimed while
 * no replica reports on the provider (none reachable, or the provider is not in their table).
 */
public final class ProviderHealth {

  /** The condition type. */
  public static final String HEALTHY = "Healthy";

  /** The reason while a replica reports that the provider rejects the gateway's key. */
  public static final String CREDENTIALS_REJECTED = Reason.CREDENTIALS_REJECTED.wireName();

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
    int rejecting = 0;
    TreeSet<String> openTargets = new TreeSet<>();
    int withOpenBreaker = 0;
    TreeSet<String> halfOpenTargets = new TreeSet<>();
    int withHalfOpenBreaker = 0;
    String prefix = provider + "/";
    for (GatewayReplicas.Replica replica : replicas.replicas()) {
      Boolean healthy = replica.providerHealthy().get(provider);
      List<String> open = modelsOf(replica.openBreakers(), prefix);
      List<String> halfOpen = modelsOf(replica.halfOpenBreakers(), prefix);
      boolean rejected = replica.credentialsRejected().contains(provider);
      if (healthy == null && open.isEmpty() && halfOpen.isEmpty() && !rejected) {
        continue;
      }
      reporting++;
      if (rejected) {
        rejecting++;
      }
      if (Boolean.FALSE.equals(healthy)) {
        failing++;
      }
      if (!open.isEmpty()) {
        withOpenBreaker++;
        openTargets.addAll(open);
      }
      if (!halfOpen.isEmpty()) {
        withHalfOpenBreaker++;
        halfOpenTargets.addAll(halfOpen);
      }
    }
    if (reporting == 0) {
      return Optional.empty();
    }
    if (rejecting > 0) {
      // First: it is a configuration error only the operator's user can fix, and it explains
      // failing probes and an open breaker too.
      return Optional.of(
          new Conditions.Desired(
              HEALTHY,
              false,
              CREDENTIALS_REJECTED,
              "the provider rejects the gateway's API key (HTTP 401/403) on "
                  + rejecting
                  + " of "
                  + reporting
                  + " replicas; requests fail over to other providers. Check the key in the"
                  + " Secret named by spec.apiKeySecretRef"));
    }
    if (failing > 0) {
      return Optional.of(
          new Conditions.Desired(
              HEALTHY,
              false,
              Reason.HEALTH_CHECKS_FAILING.wireName(),
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
              Reason.CIRCUIT_OPEN.wireName(),
              "circuit breaker open for "
                  + String.join(", ", openTargets)
                  + " on "
                  + withOpenBreaker
                  + " of "
                  + reporting
                  + " replicas"));
    }
    if (withHalfOpenBreaker > 0) {
      // Its open period is over, but nothing has shown the target answers again: not healthy as
      // far as anyone knows, not failing either. The next request to it is the probe that decides.
      return Optional.of(
          Conditions.Desired.unknown(
              HEALTHY,
              Reason.CIRCUIT_HALF_OPEN.wireName(),
              "circuit breaker half-open for "
                  + String.join(", ", halfOpenTargets)
                  + " on "
                  + withHalfOpenBreaker
                  + " of "
                  + reporting
                  + " replicas: its open period is over and the next request to it is a probe"
                  + " that closes or reopens it"));
    }
    return Optional.of(
        new Conditions.Desired(
            HEALTHY,
            true,
            Reason.GATEWAYS_REPORT_HEALTHY.wireName(),
            "healthy on all " + reporting + " gateway replicas that route to it"));
  }

  /** The models of the provider's targets ({@code prefix} = {@code "provider/"}) among these. */
  private static List<String> modelsOf(List<String> targets, String prefix) {
    return targets.stream()
        .filter(t -> t.startsWith(prefix))
        .map(t -> t.substring(prefix.length()))
        .toList();
  }
}
