package dev.switchboard.operator.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.operator.status.Conditions;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ProviderHealthTest {

  private static GatewayReplicas.Replica replica(
      Map<String, Boolean> healthy, List<String> openBreakers) {
    return new GatewayReplicas.Replica("r", "sha256:v", healthy, openBreakers);
  }

  @Test
  void healthyWhenEveryReportingReplicaSaysSo() {
    Conditions.Desired c =
        ProviderHealth.condition(
                new GatewayReplicas(
                    List.of(
                        replica(Map.of("openai", true), List.of()),
                        replica(Map.of("openai", true), List.of("other/m")))),
                "openai")
            .orElseThrow();
    assertThat(c.status()).isTrue();
    assertThat(c.message()).contains("all 2 gateway replicas");
  }

  @Test
  void failingHealthChecksOnAnyReplicaMakeItUnhealthy() {
    Conditions.Desired c =
        ProviderHealth.condition(
                new GatewayReplicas(
                    List.of(
                        replica(Map.of("openai", true), List.of()),
                        replica(Map.of("openai", false), List.of()))),
                "openai")
            .orElseThrow();
    assertThat(c.status()).isFalse();
    assertThat(c.reason()).isEqualTo("HealthChecksFailing");
    assertThat(c.message()).contains("1 of 2 replicas");
  }

  @Test
  void anOpenBreakerOnOneOfItsTargetsMakesItUnhealthy() {
    Conditions.Desired c =
        ProviderHealth.condition(
                new GatewayReplicas(
                    List.of(replica(Map.of("openai", true), List.of("openai/gpt-4o")))),
                "openai")
            .orElseThrow();
    assertThat(c.status()).isFalse();
    assertThat(c.reason()).isEqualTo("CircuitOpen");
    assertThat(c.message()).contains("gpt-4o");
  }

  @Test
  void aHalfOpenBreakerMakesItsHealthUnknownUntilTheProbeDecides() {
    GatewayReplicas.Replica halfOpen =
        new GatewayReplicas.Replica(
            "r2",
            "sha256:v",
            Map.of("openai", true),
            List.of(),
            Set.of(),
            List.of(),
            List.of("openai/gpt-4o"));
    Conditions.Desired c =
        ProviderHealth.condition(
                new GatewayReplicas(List.of(replica(Map.of("openai", true), List.of()), halfOpen)),
                "openai")
            .orElseThrow();
    assertThat(c.unknown()).isTrue();
    assertThat(c.reason()).isEqualTo("CircuitHalfOpen");
    assertThat(c.message()).contains("gpt-4o").contains("1 of 2 replicas").contains("probe");

    // An open breaker on another replica still says the provider is unhealthy.
    Conditions.Desired open =
        ProviderHealth.condition(
                new GatewayReplicas(
                    List.of(replica(Map.of("openai", true), List.of("openai/gpt-4o")), halfOpen)),
                "openai")
            .orElseThrow();
    assertThat(open.unknown()).isFalse();
    assertThat(open.status()).isFalse();
    assertThat(open.reason()).isEqualTo("CircuitOpen");

    // A replica reporting only a half-open breaker (no health checks) still counts as reporting.
    GatewayReplicas.Replica onlyHalfOpen =
        new GatewayReplicas.Replica(
            "r3", "sha256:v", Map.of(), List.of(), Set.of(), List.of(), List.of("openai/gpt-4o"));
    assertThat(ProviderHealth.condition(new GatewayReplicas(List.of(onlyHalfOpen)), "openai"))
        .hasValueSatisfying(d -> assertThat(d.reason()).isEqualTo("CircuitHalfOpen"));
  }

  @Test
  void rejectedCredentialsOnAnyReplicaMakeItUnhealthyBeforeAnyOtherReason() {
    Conditions.Desired c =
        ProviderHealth.condition(
                new GatewayReplicas(
                    List.of(
                        replica(Map.of("openai", true), List.of()),
                        new GatewayReplicas.Replica(
                            "r2",
                            "sha256:v",
                            Map.of("openai", false),
                            List.of("openai/gpt-4o"),
                            Set.of("openai")))),
                "openai")
            .orElseThrow();
    assertThat(c.status()).isFalse();
    assertThat(c.reason()).isEqualTo("CredentialsRejected");
    assertThat(c.message()).contains("1 of 2 replicas").contains("apiKeySecretRef");
  }

  @Test
  void aRejectionIsAReportEvenWithoutHealthChecks() {
    Conditions.Desired c =
        ProviderHealth.condition(
                new GatewayReplicas(
                    List.of(
                        new GatewayReplicas.Replica(
                            "r", "sha256:v", Map.of(), List.of(), Set.of("openai")))),
                "openai")
            .orElseThrow();
    assertThat(c.reason()).isEqualTo("CredentialsRejected");
  }

  @Test
  void claimsNothingWithoutReports() {
    assertThat(ProviderHealth.condition(GatewayReplicas.NONE, "openai")).isEmpty();
    assertThat(
            ProviderHealth.condition(
                new GatewayReplicas(List.of(replica(Map.of("other", false), List.of()))), "openai"))
        .isEmpty();
  }
}
