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
   * @param versionChanges the last silent model change per target the replica saw, from {@code
   *     switchboard_model_version_change}
   * @param halfOpenBreakers targets whose breaker is half-open (its open period is over; its next
   *     request is a probe), from {@code
   *     switchboard_circuit_breaker_state{target,state="half_open"}}
   */
  public record Replica(
      String url,
      String configVersion,
      Map<String, Boolean> providerHealthy,
      List<String> openBreakers,
      Set<String> credentialsRejected,
      List<VersionChange> versionChanges,
      List<String> halfOpenBreakers) {
    public Replica {
      providerHealthy = Map.copyOf(providerHealthy);
      openBreakers = List.copyOf(openBreakers);
      credentialsRejected = Set.copyOf(credentialsRejected);
      versionChanges = List.copyOf(versionChanges);
      halfOpenBreakers = List.copyOf(halfOpenBreakers);
    }

    /** A report without half-open breakers. */
    public Replica(
        String url,
        String configVersion,
        Map<String, Boolean> providerHealthy,
        List<String> openBreakers,
        Set<String> credentialsRejected,
        List<VersionChange> versionChanges) {
      this(
          url,
          configVersion,
          providerHealthy,
          openBreakers,
          credentialsRejected,
          versionChanges,
          List.of());
    }

    /** A report without version changes. */
    public Replica(
        String url,
        String configVersion,
        Map<String, Boolean> providerHealthy,
        List<String> openBreakers,
        Set<String> credentialsRejected) {
      this(url, configVersion, providerHealthy, openBreakers, credentialsRejected, List.of());
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

  /**
   * A target ({@code provider/model}) whose answers changed model version or system fingerprint
   * without a configuration change; empty strings where the gateway knew no value.
   *
   * @param atEpochSeconds when the replica saw the change
   */
  public record VersionChange(
      String target,
      String fromVersion,
      String toVersion,
      String fromFingerprint,
      String toFingerprint,
      long atEpochSeconds) {}

  /** Per target, the latest change any replica reports. */
  public Map<String, VersionChange> latestVersionChanges() {
    Map<String, VersionChange> latest = new java.util.TreeMap<>();
    for (Replica r : replicas) {
      for (VersionChange c : r.versionChanges()) {
        latest.merge(c.target(), c, (a, b) -> a.atEpochSeconds() >= b.atEpochSeconds() ? a : b);
      }
    }
    return latest;
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
