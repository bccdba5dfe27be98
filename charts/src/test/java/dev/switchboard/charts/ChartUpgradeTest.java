package dev.switchboard.charts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.marcnuri.helm.Helm;
import dev.switchboard.kubemock.EmbeddedKubernetesApi;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
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

    assertThat(before).as("3 Deployments, 3 Services, a PDB, 3 policies").hasSize(10);
    assertThat(after).isEqualTo(before);
  }

  /**
   * Installed with every optional piece on against the embedded API server, as Helm installs: the
   * CRDs Helm creates from crds/ carry the sync options that keep Argo CD from deleting them, and
   * the bundled Redis is installed behind its own NetworkPolicy.
   */
  @Test
  void aReleaseWithEverythingOnInstallsAndItsCrdsKeepTheirSyncOptions() {
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      api.client()
          .namespaces()
          .resource(
              new NamespaceBuilder()
                  .withNewMetadata()
                  .withName(Charts.NAMESPACE)
                  .endMetadata()
                  .build())
          .create();
      Path kubeconfig = workDir.resolve("kubeconfig");
      api.writeKubeconfig(kubeconfig);

      Charts.helm()
          .install()
          .withName(Charts.RELEASE)
          .withNamespace(Charts.NAMESPACE)
          .withKubeConfig(kubeconfig)
          .disableOpenApiValidation() // the mock serves no OpenAPI
          .set("redis.enabled", true)
          .set("gateway.podDisruptionBudget.enabled", true)
          .set("gateway.autoscaling.enabled", true)
          .set("dashboard.enabled", true)
          .call();

      var crds = api.client().apiextensions().v1().customResourceDefinitions().list().getItems();
      assertThat(crds).hasSize(4);
      assertThat(crds)
          .allSatisfy(
              crd ->
                  assertThat(crd.getMetadata().getAnnotations())
                      .containsEntry(
                          "argocd.argoproj.io/sync-options", "Prune=false,Delete=false"));
      NetworkPolicy redis =
          api.client()
              .network()
              .v1()
              .networkPolicies()
              .inNamespace(Charts.NAMESPACE)
              .withName(Charts.RELEASE + "-redis")
              .get();
      assertThat(redis).isNotNull();
      assertThat(
              redis
                  .getSpec()
                  .getIngress()
                  .get(0)
                  .getFrom()
                  .get(0)
                  .getPodSelector()
                  .getMatchLabels())
          .containsEntry("app.kubernetes.io/component", "gateway");
      assertThat(
              api.client()
                  .policy()
                  .v1()
                  .podDisruptionBudget()
                  .inNamespace(Charts.NAMESPACE)
                  .withName(Charts.RELEASE + "-gateway")
                  .get())
          .isNotNull();
    }
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
