package dev.switchboard.charts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.marcnuri.helm.Helm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What "helm upgrade" to a later chart version must keep: a Deployment's spec.selector is immutable
 * (an upgrade that changes it fails), and the Services, PodDisruptionBudget and NetworkPolicies
 * must keep selecting the same pods.
 */
class ChartUpgradeTest {

  @TempDir Path workDir;

  @Test
  void selectorsStayTheSameAcrossChartVersionsLabelsAndImages() throws IOException {
    String everything =
        """
        redis: {enabled: true}
        gateway:
          podDisruptionBudget: {enabled: true}
        """;
    Map<String, JsonNode> before = selectors(render(Charts.chartDir(), everything));

    Path next = copyChart(workDir.resolve("next"));
    Path chartYaml = next.resolve("Chart.yaml");
    Files.writeString(
        chartYaml,
        Files.readString(chartYaml)
            .replaceFirst("(?m)^version: .*$", "version: 9.8.7")
            .replaceFirst("(?m)^appVersion: .*$", "appVersion: \"9.8.7\""));
    Map<String, JsonNode> after =
        selectors(
            render(
                next,
                """
                    redis: {enabled: true}
                    commonLabels: {team: platform}
                    operator:
                      image: {tag: "1.2.3"}
                      podLabels: {sidecar.istio.io/inject: "false"}
                    gateway:
                      podDisruptionBudget: {enabled: true}
                      image: {tag: "1.2.3"}
                      podLabels: {tier: edge}
                    """));

    assertThat(before).as("3 Deployments, 3 Services, a PDB, 2 policies").hasSize(9);
    assertThat(after).isEqualTo(before);
  }

  /** Every selector in the rendered chart, by kind/name: Deployments, Services, PDB, policies. */
  private static Map<String, JsonNode> selectors(RenderedChart chart) {
    Map<String, JsonNode> selectors = new TreeMap<>();
    for (JsonNode document : chart.all()) {
      String kind = document.path("kind").asText();
      String key = kind + "/" + document.at("/metadata/name").asText();
      switch (kind) {
        case "Deployment", "PodDisruptionBudget" ->
            selectors.put(key, document.at("/spec/selector"));
        case "Service" -> selectors.put(key, document.at("/spec/selector"));
        case "NetworkPolicy" -> selectors.put(key, document.at("/spec/podSelector"));
        default -> {}
      }
    }
    return selectors;
  }

  private RenderedChart render(Path chart, String values) throws IOException {
    Path file = Files.createTempFile(workDir, "values-", ".yaml");
    Files.writeString(file, values);
    return RenderedChart.parse(
        new Helm(chart)
            .template()
            .withName(Charts.RELEASE)
            .withNamespace(Charts.NAMESPACE)
            .withValuesFile(file)
            .call());
  }

  private static Path copyChart(Path target) throws IOException {
    Path source = Charts.chartDir();
    try (Stream<Path> files = Files.walk(source)) {
      files.forEach(
          path -> {
            try {
              Path to = target.resolve(source.relativize(path).toString());
              if (Files.isDirectory(path)) {
                Files.createDirectories(to);
              } else {
                Files.copy(path, to);
              }
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
    }
    return target;
  }
}
