package dev.switchboard.charts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.marcnuri.helm.Helm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway's {@code spec.replicas} under {@code gateway.autoscaling.enabled}. Switching
 * autoscaling on for a running release must not change the replica count: a Deployment rendered
 * without {@code spec.replicas} makes Helm's three-way merge remove the field, and the API server
 * defaults it to 1 (all but one gateway pod terminated until the HPA scales up). On an upgrade the
 * chart passes the live Deployment (Helm {@code lookup}) to {@code switchboard.gateway.replicas},
 * which renders its count.
 *
 * <p>{@code lookup} itself needs a real API server and {@code helm upgrade}: helm-java's template
 * renders as an install without one, and the Fabric8 mock API server cannot hold Helm's release
 * Secrets (written as protobuf). So the render without a live object is checked through the chart,
 * and what is rendered for a live Deployment through the helper, fed the live object by a template
 * added to a copy of the chart.
 */
class ChartGatewayReplicasTest {

  /** Renders the helper for a live Deployment at 5 replicas, one without a count, and none. */
  private static final String PROBE =
      """
      {{- $cases := dict
            "live-at-5" (dict "spec" (dict "replicas" 5))
            "live-without-count" (dict "spec" (dict))
            "no-live-deployment" (dict) }}
      {{- range $name, $live := $cases }}
      ---
      apiVersion: v1
      kind: ConfigMap
      metadata:
        name: probe-{{ $name }}
      data:
        rendered: {{ include "switchboard.gateway.replicas" (dict "root" $ "live" $live) | trim | quote }}
      {{- end }}
      """;

  @TempDir Path workDir;

  @Test
  void withAutoscalingTheLiveDeploymentsCountIsKept() throws IOException {
    RenderedChart chart = probe(true);

    assertThat(rendered(chart, "live-at-5"))
        .as("switching autoscaling on must keep the running count, not drop the field")
        .isEqualTo("replicas: 5");
    assertThat(rendered(chart, "live-without-count")).isEmpty();
    assertThat(rendered(chart, "no-live-deployment")).isEmpty();
  }

  @Test
  void withoutAutoscalingTheConfiguredCountWinsOverTheLiveOne() throws IOException {
    RenderedChart chart = probe(false);

    assertThat(rendered(chart, "live-at-5")).isEqualTo("replicas: 2");
    assertThat(rendered(chart, "no-live-deployment")).isEqualTo("replicas: 2");
  }

  @Test
  void aRenderWithoutALiveDeploymentLeavesTheReplicasToTheHpa() {
    JsonNode autoscaled =
        Charts.template(workDir, "gateway:\n  autoscaling: {enabled: true}\n")
            .get("Deployment", "switchboard-gateway");
    JsonNode fixed =
        Charts.template(workDir, "gateway:\n  replicaCount: 3\n")
            .get("Deployment", "switchboard-gateway");

    assertThat(autoscaled.at("/spec/replicas").isMissingNode()).as("%s", autoscaled).isTrue();
    assertThat(fixed.at("/spec/replicas").asInt()).isEqualTo(3);
  }

  private static String rendered(RenderedChart chart, String name) {
    return chart.get("ConfigMap", "probe-" + name).at("/data/rendered").asText();
  }

  private RenderedChart probe(boolean autoscaling) throws IOException {
    Path chart = copyOfTheChart();
    Files.writeString(chart.resolve("templates").resolve("zz-replicas-probe.yaml"), PROBE);
    return RenderedChart.parse(
        new Helm(chart)
            .template()
            .withName(Charts.RELEASE)
            .withNamespace(Charts.NAMESPACE)
            .set("gateway.autoscaling.enabled", autoscaling)
            .call());
  }

  private Path copyOfTheChart() throws IOException {
    Path source = Charts.chartDir();
    Path target = workDir.resolve("switchboard");
    try (Stream<Path> files = Files.walk(source)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        Files.copy(file, target.resolve(source.relativize(file).toString()));
      }
    }
    return target;
  }
}
