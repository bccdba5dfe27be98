package dev.switchboard.charts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.Release;
import dev.switchboard.kubemock.EmbeddedKubernetesApi;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
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
 * <p>{@code lookup} runs only on {@code helm upgrade} against an API server: the release is
 * installed and upgraded with the real Helm library against the embedded API server
 * (kube-api-mock), and the live Deployment read back. The helper's cases are also checked one by
 * one, fed a live object by a template added to a copy of the chart, and the render without one (an
 * install, or {@code helm template} as Argo CD renders) through the chart.
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

  private static final String GATEWAY = Charts.RELEASE + "-gateway";

  @TempDir Path workDir;

  @Test
  void switchingAutoscalingOnForARunningReleaseKeepsItsLiveReplicas() {
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      // The chart installs its own CRDs: Helm creates them and waits for them to report
      // Established, as the embedded API does (as a cluster does moments after the create).
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
          .set("gateway.replicaCount", 3)
          .set("gateway.podDisruptionBudget.enabled", false)
          .call();
      assertThat(api.client().apiextensions().v1().customResourceDefinitions().list().getItems())
          .extracting(crd -> crd.getMetadata().getName())
          .contains("modelroutes.switchboard.dev", "providerendpoints.switchboard.dev");
      assertThat(liveReplicas(api)).isEqualTo(3);
      // Scaled by hand since (or by load), as the HPA will do from now on.
      api.client()
          .apps()
          .deployments()
          .inNamespace(Charts.NAMESPACE)
          .withName(GATEWAY)
          .edit(d -> new DeploymentBuilder(d).editSpec().withReplicas(7).endSpec().build());

      // A plain upgrade, as users run it: Helm's three-way merge patches what changed. With the
      // live count rendered the Deployment needs no patch; without it the patch would remove
      // spec.replicas (a cluster then defaults it to 1; the mock, which has no strategic merge
      // patch, refuses the patch and the upgrade fails).
      Release upgraded =
          Charts.helm()
              .upgrade()
              .withName(Charts.RELEASE)
              .withNamespace(Charts.NAMESPACE)
              .withKubeConfig(kubeconfig)
              .disableOpenApiValidation()
              .set("gateway.replicaCount", 3)
              .set("gateway.autoscaling.enabled", true)
              // The default PodDisruptionBudget off in both revisions: Helm patches it on upgrade,
              // and the mock has no strategic merge patch (a real API server has); the subject
              // here is the Deployment's replicas.
              .set("gateway.podDisruptionBudget.enabled", false)
              .call();

      assertThat(upgraded.getRevision()).isEqualTo("2");
      assertThat(liveReplicas(api))
          .as("switching autoscaling on must keep the running count, not drop the field")
          .isEqualTo(7);
      assertThat(
              api.client()
                  .resources(HorizontalPodAutoscaler.class)
                  .inNamespace(Charts.NAMESPACE)
                  .withName(GATEWAY)
                  .get())
          .isNotNull();
    }
  }

  private static Integer liveReplicas(EmbeddedKubernetesApi api) {
    return api.client()
        .apps()
        .deployments()
        .inNamespace(Charts.NAMESPACE)
        .withName(GATEWAY)
        .get()
        .getSpec()
        .getReplicas();
  }

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
