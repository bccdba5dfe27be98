package dev.switchboard.charts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Without topology spread constraints the scheduler may put every gateway replica on one node or in
 * one zone, and that node's or zone's loss takes the whole gateway down. By default the chart asks,
 * softly (ScheduleAnyway: a preference, never a Pending pod), for the replicas to spread over nodes
 * and zones, counting the component's own pods; the operator's standbys likewise when it runs more
 * than one replica.
 */
class ChartTopologySpreadTest {

  @TempDir Path workDir;

  @Test
  void byDefaultTheGatewaySpreadsSoftlyOverNodesAndZonesCountingItsOwnPods() {
    JsonNode deployment = Charts.template().get("Deployment", "switchboard-gateway");
    JsonNode constraints = deployment.at("/spec/template/spec/topologySpreadConstraints");

    assertThat(topologyKeys(constraints))
        .containsExactly("kubernetes.io/hostname", "topology.kubernetes.io/zone");
    for (JsonNode constraint : constraints) {
      assertThat(constraint.path("whenUnsatisfiable").asText()).isEqualTo("ScheduleAnyway");
      assertThat(constraint.path("maxSkew").asInt()).isEqualTo(1);
      // The gateway's own pods, not every pod of the release (the operator, Redis).
      assertThat(constraint.at("/labelSelector/matchLabels"))
          .isEqualTo(deployment.at("/spec/selector/matchLabels"));
      assertThat(constraint.at("/labelSelector/matchLabels/app.kubernetes.io~1component").asText())
          .isEqualTo("gateway");
    }
  }

  @Test
  void theGatewayConstraintsCanBeReplacedOrSwitchedOff() {
    JsonNode replaced =
        Charts.template(
                workDir,
                """
                gateway:
                  topologySpreadConstraints:
                    - maxSkew: 2
                      topologyKey: topology.kubernetes.io/zone
                      whenUnsatisfiable: DoNotSchedule
                    - maxSkew: 1
                      topologyKey: example.com/rack
                      whenUnsatisfiable: ScheduleAnyway
                      labelSelector: {matchLabels: {team: edge}}
                """)
            .get("Deployment", "switchboard-gateway")
            .at("/spec/template/spec/topologySpreadConstraints");
    assertThat(topologyKeys(replaced))
        .containsExactly("topology.kubernetes.io/zone", "example.com/rack");
    assertThat(replaced.at("/0/whenUnsatisfiable").asText()).isEqualTo("DoNotSchedule");
    assertThat(replaced.at("/0/maxSkew").asInt()).isEqualTo(2);
    assertThat(replaced.at("/0/labelSelector/matchLabels/app.kubernetes.io~1component").asText())
        .isEqualTo("gateway");
    // A selector of one's own is kept as given.
    assertThat(replaced.at("/1/labelSelector/matchLabels").size()).isOne();
    assertThat(replaced.at("/1/labelSelector/matchLabels/team").asText()).isEqualTo("edge");

    JsonNode off =
        Charts.template(workDir, "gateway:\n  topologySpreadConstraints: []\n")
            .get("Deployment", "switchboard-gateway");
    assertThat(off.at("/spec/template/spec/topologySpreadConstraints").isMissingNode()).isTrue();
  }

  @Test
  void aSeveralReplicaOperatorSpreadsItsStandbysAndASingleOneRendersNone() {
    JsonNode single = Charts.template().get("Deployment", "switchboard-operator");
    assertThat(single.at("/spec/template/spec/topologySpreadConstraints").isMissingNode())
        .as("nothing to spread with one replica")
        .isTrue();

    JsonNode several =
        Charts.template(workDir, "operator:\n  replicaCount: 3\n")
            .get("Deployment", "switchboard-operator");
    JsonNode constraints = several.at("/spec/template/spec/topologySpreadConstraints");
    assertThat(topologyKeys(constraints))
        .containsExactly("kubernetes.io/hostname", "topology.kubernetes.io/zone");
    for (JsonNode constraint : constraints) {
      assertThat(constraint.path("whenUnsatisfiable").asText()).isEqualTo("ScheduleAnyway");
      assertThat(constraint.at("/labelSelector/matchLabels"))
          .isEqualTo(several.at("/spec/selector/matchLabels"));
    }

    JsonNode off =
        Charts.template(workDir, "operator:\n  replicaCount: 3\n  topologySpreadConstraints: []\n")
            .get("Deployment", "switchboard-operator");
    assertThat(off.at("/spec/template/spec/topologySpreadConstraints").isMissingNode()).isTrue();
  }

  @Test
  void aConstraintTheApiServerWouldRefuseIsRefusedByTheSchema() {
    assertThatThrownBy(
            () ->
                Charts.templateRaw(
                    workDir,
                    "gateway:\n  topologySpreadConstraints:\n"
                        + "    - {maxSkew: 1, topologyKey: kubernetes.io/hostname,"
                        + " whenUnsatisfiable: Sometimes}\n"))
        .hasMessageContaining("values don't meet the specifications of the schema");
    assertThatThrownBy(
            () ->
                Charts.templateRaw(
                    workDir,
                    "operator:\n  topologySpreadConstraints:\n"
                        + "    - {maxSkew: 0, topologyKey: kubernetes.io/hostname,"
                        + " whenUnsatisfiable: ScheduleAnyway}\n"))
        .hasMessageContaining("values don't meet the specifications of the schema");
  }

  private static List<String> topologyKeys(JsonNode constraints) {
    List<String> keys = new ArrayList<>();
    constraints.forEach(c -> keys.add(c.path("topologyKey").asText()));
    return keys;
  }
}
