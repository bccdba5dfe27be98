package dev.switchboard.operator.runtime;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the gateway replicas of one namespace report about themselves: the routing table version
 * each runs, each provider's active health, each target's circuit breaker state, and which
 * providers reject the gateway's credentials.
 */
public record GatewayReplicas(List<Replica> replicas) {

  public static final GatewayReplicas NONE = new GatewayReplicas(List.of());

  public GatewayReplicas {
    replicas = List.copyOf(replicas);
  }

  /**
   * One replica's report.
   *
   * @param configVersion from {@code switchboard_config_version_info}, null before a table loaded
   * @param providerHealthy {@code switchboard_provider_healthy{provider}} by provider name
   * @param openBreakers targets ({@code provider/model}) whose breaker is open, from {@code
   *     switchboard_circuit_breaker_state{target,state="open"}}
   * @param credentialsRejected providers that reject the replica's current key (HTTP 401/403), from
   *     {@code switchboard_provider_credentials_rejected{provider} 1}
   */
  public record Replica(
      String url,
      String configVersion,
      Map<String, Boolean> providerHealthy,
      List<String> openBreakers,
      Set<String> credentialsRejected) {
    public Replica {
      providerHealthy = Map.copyOf(providerHealthy);
      openBreakers = List.copyOf(openBreakers);
      credentialsRejected = Set.copyOf(credentialsRejected);
    }

    /** A report without rejected credentials. */
    public Replica(
        String url,
        String configVersion,
        Map<String, Boolean> providerHealthy,
        List<String> openBreakers) {
      this(url, configVersion, providerHealthy, openBreakers, Set.of());
    }
  }

  /** Replicas running exactly this table version. */
  public int running(String configVersion) {
    return (int) replicas.stream().filter(r -> configVersion.equals(r.configVersion())).count();
  }

  /** The version most replicas run (ties: the lexically first, for a stable status). */
  public Optional<String> prevailingVersion() {
    return replicas.stream()
        .map(Replica::configVersion)
        .filter(v -> v != null)
        .distinct()
        .sorted()
        .max(java.util.Comparator.comparingInt(this::running));
  }
}
