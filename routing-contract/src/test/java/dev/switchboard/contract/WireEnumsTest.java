package dev.switchboard.contract;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The contract's enumerations: their wire values, JSON form and the safe reading of unknowns. */
class WireEnumsTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void wireValuesAreTheOnesTheCrdsTheTableAndTheMetricsUse() {
    assertThat(Strategy.wireNames())
        .containsExactly("priority", "weighted", "least-latency", "least-cost", "cost-latency");
    assertThat(CanaryMode.wireNames()).containsExactly("split", "shadow");
    assertThat(Arm.wireNames()).containsExactly("stable", "canary");
    assertThat(BodyLogging.wireNames()).containsExactly("none", "metadata", "full");
    assertThat(Outcome.wireNames()).containsExactly("success", "error", "cancelled");
  }

  @Test
  void jsonFormIsTheWireValueBothWays() throws Exception {
    assertThat(JSON.writeValueAsString(List.of(Strategy.LEAST_COST, CanaryMode.SHADOW)))
        .isEqualTo("[\"least-cost\",\"shadow\"]");
    assertThat(JSON.writeValueAsString(ProviderKind.AZURE_OPENAI)).isEqualTo("\"azure-openai\"");
    assertThat(JSON.readValue("\"cost-latency\"", Strategy.class)).isEqualTo(Strategy.COST_LATENCY);
  }

  @Test
  void everyConstantReadsBackFromItsWireValue() {
    for (Strategy s : Strategy.values()) {
      assertThat(Strategy.fromWire(s.wireName())).contains(s);
    }
    for (Outcome o : Outcome.values()) {
      assertThat(Outcome.fromWire(o.wireName())).contains(o);
    }
  }

  @Test
  void unknownValuesReadSafely() {
    // A table from a newer operator: routes as priority, a canary gets no traffic, no bodies.
    assertThat(Strategy.fromWire("round-robin")).isEmpty();
    assertThat(Strategy.orDefault("round-robin")).isEqualTo(Strategy.PRIORITY);
    assertThat(Strategy.orDefault(null)).isEqualTo(Strategy.PRIORITY);
    assertThat(CanaryMode.fromWire("Split")).isEmpty();
    assertThat(BodyLogging.logsBodies("everything")).isFalse();
    assertThat(BodyLogging.logsBodies("metadata")).isFalse();
    assertThat(BodyLogging.logsBodies("full")).isTrue();
    assertThat(Outcome.isSuccess("succeeded")).isFalse();
    assertThat(Outcome.isSuccess(null)).isFalse();
    assertThat(Arm.fromWire(null)).isEmpty();
  }

  @Test
  void tableRecordsReadTheirFieldsThroughTheEnums() {
    RoutingTable.Policy policy =
        new RoutingTable.Policy(
            "p", "least-cost", null, null, null, null, null, null, null, null, "full");
    assertThat(policy.strategyOrDefault()).isEqualTo(Strategy.LEAST_COST);
    assertThat(policy.logsBodies()).isTrue();
    RoutingTable.Canary canary = new RoutingTable.Canary("mirror", 10, 2, null, null);
    assertThat(canary.canaryMode()).isEmpty();
  }
}
