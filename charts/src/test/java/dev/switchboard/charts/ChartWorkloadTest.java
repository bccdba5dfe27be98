package dev.switchboard.charts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Deployments, Service, HPA, PDB and dashboard as rendered from default and custom values. */
class ChartWorkloadTest {

  /** Values that switch every optional piece on, to check they all still meet the same bar. */
  private static final String EVERYTHING_ON =
      """
      operator:
        watchNamespaces: [team-a]
        clusterWide: true
        allowPrivateUpstreams: true
        replicaCount: 2
      gateway:
        autoscaling: {enabled: true, minReplicas: 3, maxReplicas: 12}
        podDisruptionBudget: {enabled: true, minAvailable: "50%"}
        extraArgs: ["--max-body-bytes", "8388608"]
      dashboard:
        enabled: true
      """;

  @TempDir Path workDir;

  @ParameterizedTest
  @ValueSource(strings = {"{}", EVERYTHING_ON})
  void everyPodMeetsTheRestrictedPodSecurityStandardWithAReadOnlyRoot(String values) {
    RenderedChart chart = Charts.template(workDir, values);

    List<JsonNode> deployments = chart.ofKind("Deployment").toList();
    assertThat(deployments).hasSize(2);
    for (JsonNode deployment : deployments) {
      String name = deployment.at("/metadata/name").asText();
      JsonNode pod = deployment.at("/spec/template/spec");
      JsonNode podContext = pod.path("securityContext");
      assertThat(podContext.path("runAsNonRoot").asBoolean()).as(name).isTrue();
      assertThat(podContext.path("runAsUser").asInt()).as(name).isEqualTo(10001);
      assertThat(podContext.at("/seccompProfile/type").asText())
          .as(name)
          .isEqualTo("RuntimeDefault");
      assertThat(pod.has("hostNetwork") || pod.has("hostPID") || pod.has("hostIPC")).isFalse();

      JsonNode containers = pod.path("containers");
      assertThat(containers.size()).as(name).isEqualTo(1);
      JsonNode container = containers.get(0);
      JsonNode context = container.path("securityContext");
      assertThat(context.path("allowPrivilegeEscalation").isBoolean()).as(name).isTrue();
      assertThat(context.path("allowPrivilegeEscalation").asBoolean()).as(name).isFalse();
      assertThat(context.path("readOnlyRootFilesystem").asBoolean()).as(name).isTrue();
      assertThat(context.path("runAsNonRoot").asBoolean()).as(name).isTrue();
      assertThat(context.path("privileged").asBoolean()).as(name).isFalse();
      assertThat(context.at("/capabilities/drop"))
          .as(name)
          .extracting(JsonNode::asText)
          .containsExactly("ALL");
      assertThat(context.at("/capabilities/add").isMissingNode()).as(name).isTrue();
      assertThat(context.at("/seccompProfile/type").asText()).as(name).isEqualTo("RuntimeDefault");

      // A read-only root needs a writable /tmp for the JVM: an emptyDir, not a hostPath.
      JsonNode tmpMount = find(container.path("volumeMounts"), "mountPath", "/tmp");
      JsonNode tmpVolume = find(pod.path("volumes"), "name", tmpMount.path("name").asText());
      assertThat(tmpVolume.has("emptyDir")).as(name).isTrue();
      assertThat(pod.path("volumes").size()).as("only the /tmp volume in %s", name).isEqualTo(1);
    }
  }

  @Test
  void gatewayWatchesItsNamespaceServesOnOnePortAndProbesHealthAndReadiness() {
    RenderedChart chart = Charts.template();

    JsonNode deployment = chart.get("Deployment", "switchboard-gateway");
    JsonNode container = deployment.at("/spec/template/spec/containers/0");
    assertThat(container.path("args"))
        .extracting(JsonNode::asText)
        .containsSubsequence("--namespace", Charts.NAMESPACE)
        .containsSubsequence("--port", "8080")
        .containsSubsequence("--admin-port", "9090")
        .containsSubsequence("--header-read-timeout-ms", "10000")
        .containsSubsequence("--idle-timeout-ms", "75000")
        .containsSubsequence("--max-connections", "10000");
    assertThat(container.at("/ports/0/containerPort").asInt()).isEqualTo(8080);
    assertThat(container.at("/ports/0/name").asText()).isEqualTo("http");
    assertThat(container.at("/ports/1/containerPort").asInt()).isEqualTo(9090);
    assertThat(container.at("/ports/1/name").asText()).isEqualTo("admin");
    assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/healthz");
    assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/readyz");
    // Liveness behind the admin port's own connection cap: a public port full of streams must not
    // get the replica restarted; readiness stays where the traffic is.
    assertThat(container.at("/livenessProbe/httpGet/port").asText()).isEqualTo("admin");
    assertThat(container.at("/readinessProbe/httpGet/port").asText()).isEqualTo("http");
    assertThat(deployment.at("/spec/replicas").asInt()).isEqualTo(2);
    assertThat(deployment.at("/spec/template/spec/serviceAccountName").asText())
        .isEqualTo("switchboard-gateway");
    JsonNode annotations = deployment.at("/spec/template/metadata/annotations");
    // /metrics is served on the admin port only.
    assertThat(annotations.path("prometheus.io/port").asText()).isEqualTo("9090");
    assertThat(annotations.path("prometheus.io/path").asText()).isEqualTo("/metrics");

    JsonNode service = chart.get("Service", "switchboard-gateway");
    assertThat(service.at("/spec/ports/0/targetPort").asText()).isEqualTo("http");
    assertThat(service.at("/spec/ports").size()).as("the public Service has no admin port").isOne();
    assertThat(service.at("/spec/selector")).isEqualTo(deployment.at("/spec/selector/matchLabels"));
    assertThat(service.at("/spec/selector/app.kubernetes.io~1component").asText())
        .isEqualTo("gateway");
  }

  @Test
  void operatorRunsWithLeaderElectionProbesMetricsAndSafeDefaults() {
    RenderedChart chart = Charts.template();

    JsonNode deployment = chart.get("Deployment", "switchboard-operator");
    JsonNode container = deployment.at("/spec/template/spec/containers/0");
    Map<String, String> env = env(container);
    assertThat(env)
        .containsEntry("SWITCHBOARD_WATCH_NAMESPACES", Charts.NAMESPACE)
        .containsEntry("SWITCHBOARD_LEADER_ELECTION", "true")
        .containsEntry("SWITCHBOARD_LEASE_NAME", "switchboard-operator")
        .containsEntry("SWITCHBOARD_SSA", "true")
        .containsEntry("SWITCHBOARD_ALLOW_PRIVATE_UPSTREAMS", "false")
        .containsEntry("SWITCHBOARD_ALLOW_LOOPBACK_UPSTREAMS", "false")
        .containsEntry("SWITCHBOARD_HTTP_PORT", "8081")
        .containsEntry("SWITCHBOARD_GATEWAY_SERVICE", "switchboard-gateway-admin")
        .containsEntry("SWITCHBOARD_GATEWAY_METRICS_PORT", "admin");
    assertThat(
            find(container.path("env"), "name", "SWITCHBOARD_LEASE_NAMESPACE")
                .at("/valueFrom/fieldRef/fieldPath")
                .asText())
        .isEqualTo("metadata.namespace");
    assertThat(container.at("/ports/0/containerPort").asInt()).isEqualTo(8081);
    assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/healthz");
    assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/readyz");
    assertThat(container.at("/livenessProbe/httpGet/port").asText())
        .isEqualTo(container.at("/ports/0/name").asText());
    assertThat(deployment.at("/spec/template/spec/serviceAccountName").asText())
        .isEqualTo("switchboard-operator");
    assertThat(container.path("image").asText())
        .isEqualTo("ghcr.io/switchboard-dev/switchboard-operator:0.1.0");
  }

  @Test
  void customValuesReachTheOperatorEnvironment() {
    RenderedChart chart =
        Charts.template(
            workDir,
            """
            operator:
              watchNamespaces: [team-a, team-b]
              allowPrivateUpstreams: true
              serverSideApply: false
              leaderElection: {enabled: false, leaseName: other}
              probes: {enabled: false}
              image: {tag: "1.2.3"}
            """);

    JsonNode container =
        chart.get("Deployment", "switchboard-operator").at("/spec/template/spec/containers/0");
    assertThat(env(container))
        .containsEntry("SWITCHBOARD_WATCH_NAMESPACES", Charts.NAMESPACE + ",team-a,team-b")
        .containsEntry("SWITCHBOARD_ALLOW_PRIVATE_UPSTREAMS", "true")
        .containsEntry("SWITCHBOARD_SSA", "false")
        .containsEntry("SWITCHBOARD_LEADER_ELECTION", "false");
    assertThat(container.path("image").asText()).endsWith(":1.2.3");
    assertThat(container.has("livenessProbe") || container.has("readinessProbe")).isFalse();
    assertThat(chart.find("Role", Charts.NAMESPACE, "switchboard-operator-leader-election"))
        .as("no Lease permissions without leader election")
        .isEmpty();
  }

  @Test
  void clusterWideModeWatchesEveryNamespace() {
    RenderedChart chart = Charts.template(workDir, "operator:\n  clusterWide: true\n");

    JsonNode container =
        chart.get("Deployment", "switchboard-operator").at("/spec/template/spec/containers/0");
    assertThat(env(container)).containsEntry("SWITCHBOARD_WATCH_NAMESPACES", "");
  }

  @Test
  void autoscalingAndDisruptionBudgetAreOptionalAndTargetTheGateway() {
    RenderedChart defaults = Charts.template();
    assertThat(defaults.ofKind("HorizontalPodAutoscaler")).isEmpty();
    // On by default: a drain or a cluster upgrade evicts the gateway pods one at a time, and a
    // budget of one unavailable pod never blocks it, whatever the replica count.
    JsonNode byDefault = defaults.get("PodDisruptionBudget", "switchboard-gateway");
    assertThat(byDefault.at("/spec/maxUnavailable").asInt()).isEqualTo(1);
    assertThat(byDefault.at("/spec/minAvailable").isMissingNode()).isTrue();
    assertThat(
            Charts.template(workDir, "gateway:\n  replicaCount: 1\n")
                .get("PodDisruptionBudget", "switchboard-gateway")
                .at("/spec/maxUnavailable")
                .asInt())
        .isEqualTo(1);
    assertThat(defaults.ofKind("ConfigMap")).as("dashboard is opt-in").isEmpty();

    RenderedChart chart = Charts.template(workDir, EVERYTHING_ON);

    JsonNode gateway = chart.get("Deployment", "switchboard-gateway");
    assertThat(gateway.at("/spec/replicas").isMissingNode())
        .as("replicas are left to the HPA")
        .isTrue();
    JsonNode hpa = chart.get("HorizontalPodAutoscaler", "switchboard-gateway");
    assertThat(hpa.path("apiVersion").asText()).isEqualTo("autoscaling/v2");
    assertThat(hpa.at("/spec/scaleTargetRef/kind").asText()).isEqualTo("Deployment");
    assertThat(hpa.at("/spec/scaleTargetRef/name").asText()).isEqualTo("switchboard-gateway");
    assertThat(hpa.at("/spec/minReplicas").asInt()).isEqualTo(3);
    assertThat(hpa.at("/spec/maxReplicas").asInt()).isEqualTo(12);
    JsonNode pdb = chart.get("PodDisruptionBudget", "switchboard-gateway");
    assertThat(pdb.path("apiVersion").asText()).isEqualTo("policy/v1");
    assertThat(pdb.at("/spec/minAvailable").asText()).isEqualTo("50%");
    assertThat(pdb.at("/spec/maxUnavailable").isMissingNode())
        .as("minAvailable replaces the default maxUnavailable")
        .isTrue();
    assertThat(pdb.at("/spec/selector/matchLabels"))
        .isEqualTo(gateway.at("/spec/selector/matchLabels"));
    assertThat(gateway.at("/spec/template/spec/containers/0/args"))
        .extracting(JsonNode::asText)
        .containsSubsequence("--max-body-bytes", "8388608");
  }

  /**
   * An HPA whose maxReplicas is below minReplicas is refused by the API server: "helm install"
   * fails part-way and Argo CD fails at sync. The chart refuses it at render, naming both values.
   */
  @Test
  void anHpaWhoseMinimumIsAboveItsMaximumIsRefused() {
    assertThatThrownBy(
            () ->
                Charts.templateRaw(
                    workDir,
                    "gateway:\n  autoscaling: {enabled: true, minReplicas: 5, maxReplicas: 3}\n"))
        .hasMessageContaining("gateway.autoscaling.minReplicas (5)")
        .hasMessageContaining("gateway.autoscaling.maxReplicas (3)");
    // Equal bounds are a fixed count, which the API server accepts; off, the bounds are unused.
    JsonNode fixed =
        Charts.template(
                workDir,
                "gateway:\n  autoscaling: {enabled: true, minReplicas: 4, maxReplicas: 4}\n")
            .get("HorizontalPodAutoscaler", "switchboard-gateway");
    assertThat(fixed.at("/spec/minReplicas").asInt()).isEqualTo(4);
    assertThat(fixed.at("/spec/maxReplicas").asInt()).isEqualTo(4);
    assertThat(
            Charts.template(
                    workDir,
                    "gateway:\n  autoscaling: {enabled: false, minReplicas: 5, maxReplicas: 3}\n")
                .ofKind("HorizontalPodAutoscaler"))
        .isEmpty();
  }

  /**
   * Service names are DNS-1035 labels (at most 63 characters), or the API server refuses them. The
   * longest name the chart derives from the full name is the admin Service's, "-gateway-admin" (14
   * characters); a long release name (Helm allows 53) or fullnameOverride must still fit.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "fullnameOverride: " + "a-platform-team-owned-llm-gateway-for-production-eu-west",
        "redis:\n  enabled: true\nfullnameOverride: "
            + "a-platform-team-owned-llm-gateway-for-production-eu-west",
      })
  void everyServiceNameFitsADns1035LabelWithALongFullName(String values) {
    RenderedChart chart = Charts.template(workDir, values);
    List<String> services =
        chart.ofKind("Service").map(service -> service.at("/metadata/name").asText()).toList();
    assertThat(services).hasSizeGreaterThanOrEqualTo(2);
    assertThat(services).allSatisfy(name -> assertThat(name).hasSizeLessThanOrEqualTo(63));
    JsonNode operatorEnv =
        chart
            .ofKind("Deployment")
            .filter(d -> d.at("/metadata/name").asText().endsWith("-operator"))
            .findFirst()
            .orElseThrow()
            .at("/spec/template/spec/containers/0/env");
    assertThat(services)
        .contains(find(operatorEnv, "name", "SWITCHBOARD_GATEWAY_SERVICE").path("value").asText());
  }

  @Test
  void dashboardConfigMapCarriesTheSidecarLabelAndTheDashboardJson() throws Exception {
    RenderedChart chart = Charts.template(workDir, "dashboard:\n  enabled: true\n");

    JsonNode configMap = chart.get("ConfigMap", "switchboard-dashboard");
    assertThat(configMap.at("/metadata/labels/grafana_dashboard").asText()).isEqualTo("1");
    String json = configMap.at("/data/switchboard.json").asText();
    assertThat(json).isEqualTo(GrafanaDashboardTest.dashboardText().strip());
  }

  @Test
  void everyResourceCarriesTheStandardLabels() {
    for (JsonNode document : Charts.template(workDir, EVERYTHING_ON).all()) {
      JsonNode labels = document.at("/metadata/labels");
      assertThat(labels.path("app.kubernetes.io/name").asText())
          .as("%s", document.at("/metadata/name"))
          .isEqualTo("switchboard");
      assertThat(labels.path("app.kubernetes.io/instance").asText()).isEqualTo(Charts.RELEASE);
      assertThat(labels.path("app.kubernetes.io/managed-by").asText()).isEqualTo("Helm");
      assertThat(labels.path("helm.sh/chart").asText()).startsWith("switchboard-");
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "gateway:\n  replicaCount: many\n",
        "runAsUser: 0\n",
        "operator:\n  watchNamespace: [team-a]\n", // typo of watchNamespaces
        "operator:\n  watchNamespaces: [Team_A]\n",
        "gateway:\n  service:\n    type: Ingress\n",
        "gateway:\n  podDisruptionBudget: {enabled: true, minAvailable: lots}\n",
        "gateway:\n  podDisruptionBudget: {maxUnavailable: 0}\n", // would block every drain
        "gateway:\n  podDisruptionBudget: {maxUnavailable: \"0%\"}\n",
        "operator:\n  allowPrivateUpstreams: \"yes\"\n",
        "gateway:\n  limits: {headerReadTimeoutMs: 0}\n",
        "gateway:\n  adminPort: 70000\n",
        "networkPolicy:\n  publicFrom: everyone\n",
      })
  void schemaRejectsInvalidValues(String values) {
    assertThatThrownBy(() -> Charts.templateRaw(workDir, values))
        .hasMessageContaining("values don't meet the specifications of the schema");
  }

  @Test
  void gatewayDrainsThenGivesInFlightRequestsTheRestOfTheGracePeriod() {
    JsonNode defaults = Charts.template().get("Deployment", "switchboard-gateway");
    assertThat(defaults.at("/spec/template/spec/terminationGracePeriodSeconds").asInt())
        .isEqualTo(60);
    // 10 s of draining, 60 - 10 - 5 = 45 s for requests in flight, 5 s to close the rest.
    assertThat(defaults.at("/spec/template/spec/containers/0/args"))
        .extracting(JsonNode::asText)
        .containsSubsequence("--drain-delay-ms", "10000")
        .containsSubsequence("--shutdown-timeout-ms", "45000");

    JsonNode tuned =
        Charts.template(
                workDir,
                "gateway:\n  terminationGracePeriodSeconds: 300\n  shutdown: {drainDelaySeconds: 20}\n")
            .get("Deployment", "switchboard-gateway");
    assertThat(tuned.at("/spec/template/spec/terminationGracePeriodSeconds").asInt())
        .isEqualTo(300);
    assertThat(tuned.at("/spec/template/spec/containers/0/args"))
        .extracting(JsonNode::asText)
        .containsSubsequence("--drain-delay-ms", "20000")
        .containsSubsequence("--shutdown-timeout-ms", "275000");

    // A drain delay that would eat the grace period is refused, not rendered to be SIGKILLed.
    assertThatThrownBy(
            () ->
                Charts.template(
                    workDir,
                    "gateway:\n  terminationGracePeriodSeconds: 30\n"
                        + "  shutdown: {drainDelaySeconds: 25}\n"))
        .hasMessageContaining("must exceed gateway.shutdown.drainDelaySeconds");
  }

  /**
   * A PodDisruptionBudget that asks for every replica lets no eviction through: "kubectl drain" and
   * node upgrades wait for ever on a gateway pod. minAvailable is rounded up from a percentage, and
   * under an HPA the fewest replicas are autoscaling.minReplicas.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "replicaCount: 1\n  podDisruptionBudget: {enabled: true, minAvailable: 1}",
        "replicaCount: 2\n  podDisruptionBudget: {enabled: true, minAvailable: 2}",
        "replicaCount: 2\n  podDisruptionBudget: {enabled: true, minAvailable: \"100%\"}",
        "replicaCount: 1\n  podDisruptionBudget: {enabled: true, minAvailable: \"50%\"}",
        "replicaCount: 3\n  podDisruptionBudget: {enabled: true, minAvailable: \"67%\"}",
        "autoscaling: {enabled: true, minReplicas: 1}\n"
            + "  podDisruptionBudget: {enabled: true, minAvailable: 1}",
      })
  void aDisruptionBudgetThatWouldBlockEveryEvictionIsRefused(String gateway) {
    assertThatThrownBy(() -> Charts.templateRaw(workDir, "gateway:\n  " + gateway + "\n"))
        .hasMessageContaining("gateway.podDisruptionBudget.minAvailable")
        .hasMessageContaining("drain");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "podDisruptionBudget: {enabled: true}",
        "replicaCount: 3\n  podDisruptionBudget: {enabled: true, minAvailable: \"66%\"}",
        "replicaCount: 3\n  podDisruptionBudget: {enabled: true, minAvailable: 2}",
        "replicaCount: 1\n  podDisruptionBudget: {enabled: true, minAvailable: 0}",
        "autoscaling: {enabled: true, minReplicas: 2}\n"
            + "  podDisruptionBudget: {enabled: true, minAvailable: 1}",
        "replicaCount: 1\n  podDisruptionBudget: {enabled: false}",
      })
  void aDisruptionBudgetThatLetsOnePodGoRenders(String gateway) {
    RenderedChart chart = Charts.template(workDir, "gateway:\n  " + gateway + "\n");
    assertThat(chart.find("Deployment", "switchboard-gateway")).isPresent();
  }

  /** The README's "usual pod settings, per component" all reach their pods, both at once. */
  @Test
  void everyDocumentedPodSettingReachesItsPod() {
    String perComponent =
        """
          javaToolOptions: "-XX:MaxRAMPercentage=60"
          extraEnv: [{name: HTTPS_PROXY, value: "http://proxy:3128"}]
          resources: {requests: {cpu: 1, memory: 1Gi}, limits: {memory: 2Gi}}
          podAnnotations: {example.com/owner: platform}
          podLabels: {example.com/tier: edge}
          nodeSelector: {example.com/pool: system}
          tolerations: [{key: dedicated, operator: Equal, value: system, effect: NoSchedule}]
          affinity:
            nodeAffinity:
              requiredDuringSchedulingIgnoredDuringExecution:
                nodeSelectorTerms:
                  - matchExpressions: [{key: kubernetes.io/arch, operator: In, values: [amd64]}]
          priorityClassName: system-cluster-critical
          serviceAccount: {create: false, name: existing-sa, annotations: {a: b}}
        """;
    RenderedChart chart =
        Charts.template(
            workDir,
            "imagePullSecrets: [{name: regcred}]\n"
                + "commonLabels: {example.com/cost-centre: ai}\n"
                + "operator:\n"
                + perComponent
                + "gateway:\n"
                + perComponent
                + """
                  topologySpreadConstraints:
                    - maxSkew: 1
                      topologyKey: topology.kubernetes.io/zone
                      whenUnsatisfiable: ScheduleAnyway
                      labelSelector: {matchLabels: {app.kubernetes.io/component: gateway}}
                  service: {type: LoadBalancer, annotations: {example.com/lb: internal}}
                """);

    for (String name : List.of("switchboard-operator", "switchboard-gateway")) {
      JsonNode deployment = chart.get("Deployment", name);
      JsonNode pod = deployment.at("/spec/template/spec");
      JsonNode container = pod.at("/containers/0");
      assertThat(env(container))
          .as(name)
          .containsEntry("JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=60")
          .containsEntry("HTTPS_PROXY", "http://proxy:3128");
      assertThat(container.at("/resources/limits/memory").asText()).as(name).isEqualTo("2Gi");
      assertThat(deployment.at("/spec/template/metadata/annotations/example.com~1owner").asText())
          .as(name)
          .isEqualTo("platform");
      assertThat(deployment.at("/spec/template/metadata/labels/example.com~1tier").asText())
          .as(name)
          .isEqualTo("edge");
      assertThat(deployment.at("/spec/template/metadata/labels/example.com~1cost-centre").asText())
          .as(name)
          .isEqualTo("ai");
      assertThat(pod.at("/nodeSelector/example.com~1pool").asText()).as(name).isEqualTo("system");
      assertThat(pod.at("/tolerations/0/key").asText()).as(name).isEqualTo("dedicated");
      assertThat(pod.at("/affinity/nodeAffinity").isObject()).as(name).isTrue();
      assertThat(pod.at("/priorityClassName").asText())
          .as(name)
          .isEqualTo("system-cluster-critical");
      assertThat(pod.at("/serviceAccountName").asText()).as(name).isEqualTo("existing-sa");
      assertThat(pod.at("/imagePullSecrets/0/name").asText()).as(name).isEqualTo("regcred");
      // The selector keeps only the chart's own labels (it is immutable).
      assertThat(deployment.at("/spec/selector/matchLabels").size()).as(name).isEqualTo(3);
    }
    assertThat(chart.ofKind("ServiceAccount")).as("none created").isEmpty();
    assertThat(
            chart
                .get("Deployment", "switchboard-gateway")
                .at("/spec/template/spec/topologySpreadConstraints/0/topologyKey")
                .asText())
        .isEqualTo("topology.kubernetes.io/zone");
    JsonNode service = chart.get("Service", "switchboard-gateway");
    assertThat(service.at("/spec/type").asText()).isEqualTo("LoadBalancer");
    assertThat(service.at("/metadata/annotations/example.com~1lb").asText()).isEqualTo("internal");
    // Both RoleBindings name the existing ServiceAccount.
    assertThat(chart.ofKind("RoleBinding"))
        .allSatisfy(b -> assertThat(b.at("/subjects/0/name").asText()).isEqualTo("existing-sa"));
  }

  @Test
  void severalOperatorsWithoutLeaderElectionAreRefused() {
    assertThatThrownBy(
            () ->
                Charts.template(
                    workDir, "operator:\n  replicaCount: 2\n  leaderElection: {enabled: false}\n"))
        .hasMessageContaining("operator.leaderElection.enabled");
    assertThat(
            Charts.template(
                workDir, "operator:\n  replicaCount: 1\n  leaderElection: {enabled: false}\n"))
        .isNotNull();
  }

  private static JsonNode find(JsonNode array, String field, String value) {
    return StreamSupport.stream(array.spliterator(), false)
        .filter(n -> value.equals(n.path(field).asText()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + field + "=" + value + " in " + array));
  }

  private static Map<String, String> env(JsonNode container) {
    Map<String, String> env = new LinkedHashMap<>();
    container.path("env").forEach(e -> env.put(e.path("name").asText(), e.path("value").asText()));
    return env;
  }
}
