package dev.switchboard.operator.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GatewayRuntimeViewTest {

  @Test
  void readsVersionHealthAndOpenBreakersFromAReplicasMetrics() {
    GatewayReplicas.Replica replica =
        GatewayRuntimeView.parse(
            "http://10.0.0.1:8080/metrics",
            """
            # TYPE switchboard_config_version_info gauge
            switchboard_config_version_info{config_version="sha256:bbb"} 1.0
            switchboard_provider_healthy{provider="openai-prod"} 1.0
            switchboard_provider_healthy{provider="anthropic-prod"} 0.0
            switchboard_circuit_breaker_state{state="closed",target="openai-prod/gpt-4o"} 1.0
            switchboard_circuit_breaker_state{state="open",target="openai-prod/gpt-4o"} 0.0
            switchboard_circuit_breaker_state{state="open",target="anthropic-prod/claude"} 1.0
            switchboard_circuit_breaker_state{state="half_open",target="anthropic-prod/claude"} 0.0
            switchboard_circuit_breaker_state{state="open",target="openai-prod/o3"} 0.0
            switchboard_circuit_breaker_state{state="half_open",target="openai-prod/o3"} 1.0
            switchboard_provider_credentials_rejected{provider="openai-prod"} 0.0
            switchboard_provider_credentials_rejected{provider="anthropic-prod"} 1.0
            """);
    assertThat(replica.configVersion()).isEqualTo("sha256:bbb");
    assertThat(replica.providerHealthy())
        .isEqualTo(Map.of("openai-prod", true, "anthropic-prod", false));
    assertThat(replica.openBreakers()).containsExactly("anthropic-prod/claude");
    assertThat(replica.halfOpenBreakers()).containsExactly("openai-prod/o3");
    assertThat(replica.credentialsRejected()).containsExactly("anthropic-prod");
  }

  @Test
  void countsReplicasRunningThePublishedTable() {
    GatewayReplicas replicas =
        new GatewayReplicas(
            List.of(
                new GatewayReplicas.Replica("a", "sha256:new", Map.of(), List.of()),
                new GatewayReplicas.Replica("b", "sha256:old", Map.of(), List.of()),
                new GatewayReplicas.Replica("c", "sha256:new", Map.of(), List.of()),
                new GatewayReplicas.Replica("d", null, Map.of(), List.of())));
    assertThat(replicas.running("sha256:new")).isEqualTo(2);
    assertThat(replicas.prevailingVersion()).contains("sha256:new");
  }
}
