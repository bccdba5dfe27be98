package dev.switchboard.charts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #13 finding 3 in the chart: the admin port (/admin/config, /metrics) has its own ClusterIP
 * Service and a NetworkPolicy lets only the operator and Prometheus reach it, while the public port
 * stays open to whoever {@code networkPolicy.publicFrom} names (everyone by default).
 */
class ChartNetworkPolicyTest {

  @TempDir Path workDir;

  @Test
  void theAdminPortHasItsOwnClusterIpServiceEvenWhenThePublicOneIsALoadBalancer() {
    RenderedChart chart =
        Charts.template(workDir, "gateway:\n  service: {type: LoadBalancer, port: 80}\n");
    JsonNode admin = chart.get("Service", "switchboard-gateway-admin");
    assertThat(admin.at("/spec/type").asText()).isEqualTo("ClusterIP");
    assertThat(admin.at("/spec/ports").size()).isOne();
    assertThat(admin.at("/spec/ports/0/name").asText()).isEqualTo("admin");
    assertThat(admin.at("/spec/ports/0/targetPort").asText()).isEqualTo("admin");
    assertThat(admin.at("/spec/selector"))
        .isEqualTo(chart.get("Deployment", "switchboard-gateway").at("/spec/selector/matchLabels"));
    JsonNode publicService = chart.get("Service", "switchboard-gateway");
    assertThat(publicService.at("/spec/type").asText()).isEqualTo("LoadBalancer");
    assertThat(publicService.at("/spec/ports/0/targetPort").asText()).isEqualTo("http");
  }

  @Test
  void byDefaultThePublicPortIsOpenAndTheAdminPortOnlyForOperatorAndPrometheus() {
    RenderedChart chart = Charts.template();
    JsonNode policy = chart.get("NetworkPolicy", "switchboard-gateway");
    assertThat(policy.at("/spec/podSelector/matchLabels"))
        .isEqualTo(chart.get("Deployment", "switchboard-gateway").at("/spec/selector/matchLabels"));
    assertThat(policy.at("/spec/policyTypes/0").asText()).isEqualTo("Ingress");
    JsonNode rules = policy.at("/spec/ingress");
    assertThat(rules.size()).isEqualTo(2);

    JsonNode publicRule = rules.get(0);
    assertThat(publicRule.at("/ports/0/port").asText()).isEqualTo("http");
    assertThat(publicRule.has("from")).as("no 'from': any peer").isFalse();

    JsonNode adminRule = rules.get(1);
    assertThat(adminRule.at("/ports/0/port").asText()).isEqualTo("admin");
    JsonNode from = adminRule.path("from");
    assertThat(from.size()).isEqualTo(2);
    assertThat(from.get(0).at("/podSelector/matchLabels"))
        .isEqualTo(
            chart.get("Deployment", "switchboard-operator").at("/spec/selector/matchLabels"));
    assertThat(from.get(0).has("namespaceSelector")).as("operator of this namespace").isFalse();
    assertThat(from.get(1).at("/podSelector/matchLabels/app.kubernetes.io~1name").asText())
        .isEqualTo("prometheus");
    assertThat(from.get(1).path("namespaceSelector").isObject()).isTrue();
  }

  @Test
  void publicPeersPrometheusSelectorAndExtraAdminPeersAreConfigurable() {
    RenderedChart chart =
        Charts.template(
            workDir,
            """
            networkPolicy:
              publicFrom:
                - namespaceSelector: {matchLabels: {team: a}}
              prometheus:
                namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}
                podSelector: {matchLabels: {app: prom}}
              adminFrom:
                - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ops}}
            """);
    JsonNode rules = chart.get("NetworkPolicy", "switchboard-gateway").at("/spec/ingress");
    assertThat(rules.at("/0/from/0/namespaceSelector/matchLabels/team").asText()).isEqualTo("a");
    JsonNode adminFrom = rules.at("/1/from");
    assertThat(adminFrom.size()).isEqualTo(3);
    assertThat(
            adminFrom.at("/1/namespaceSelector/matchLabels/kubernetes.io~1metadata.name").asText())
        .isEqualTo("monitoring");
    assertThat(adminFrom.at("/1/podSelector/matchLabels/app").asText()).isEqualTo("prom");
    assertThat(
            adminFrom.at("/2/namespaceSelector/matchLabels/kubernetes.io~1metadata.name").asText())
        .isEqualTo("ops");
  }

  /**
   * The chart README's recipe for a further namespace: a gateway-only release of the same name,
   * while the operator runs in the release namespace of the main release. Without a namespace
   * selector the operator peer matches only pods of the gateway's own namespace, and the operator
   * is cut off from the admin port (/metrics, drift, consumer and evaluation endpoints).
   */
  @Test
  void aGatewayOnlyReleaseAdmitsTheOperatorFromItsNamespace() {
    RenderedChart operatorRelease = Charts.template();
    RenderedChart chart =
        Charts.template(
            workDir,
            """
            operator: {enabled: false}
            networkPolicy: {operatorNamespace: switchboard-system}
            """);

    JsonNode adminFrom =
        chart.get("NetworkPolicy", "switchboard-gateway").at("/spec/ingress/1/from");
    JsonNode operatorPeer = adminFrom.get(0);
    assertThat(operatorPeer.at("/namespaceSelector/matchLabels"))
        .as("operator peer %s", operatorPeer)
        .hasSize(1);
    assertThat(
            operatorPeer.at("/namespaceSelector/matchLabels/kubernetes.io~1metadata.name").asText())
        .isEqualTo("switchboard-system");
    // Both selectors in one peer: the operator's pods, in that namespace (not any pod there).
    assertThat(operatorPeer.at("/podSelector/matchLabels"))
        .isEqualTo(
            operatorRelease
                .get("Deployment", "switchboard-operator")
                .at("/spec/selector/matchLabels"));
    assertThat(adminFrom.size()).as("operator and Prometheus").isEqualTo(2);
  }

  /**
   * The operator's HTTP port (/metrics, /healthz, /readyz) had no NetworkPolicy while the gateway
   * and Redis had one: any pod of the cluster could read its metrics. Like the gateway's admin
   * port, only Prometheus (the same selectors) and the peers named in
   * networkPolicy.operatorMetricsFrom may connect, on that port only.
   */
  @Test
  void theOperatorsMetricsPortIsOpenOnlyToPrometheusByDefault() {
    RenderedChart chart = Charts.template();
    JsonNode policy = chart.get("NetworkPolicy", "switchboard-operator");
    JsonNode operator = chart.get("Deployment", "switchboard-operator");
    assertThat(policy.at("/spec/podSelector/matchLabels"))
        .isEqualTo(operator.at("/spec/selector/matchLabels"));
    assertThat(policy.at("/spec/policyTypes").size()).isOne();
    assertThat(policy.at("/spec/policyTypes/0").asText()).isEqualTo("Ingress");
    JsonNode rules = policy.at("/spec/ingress");
    assertThat(rules.size()).isOne();
    JsonNode rule = rules.get(0);
    assertThat(rule.at("/ports").size()).isOne();
    assertThat(rule.at("/ports/0/port").asText()).isEqualTo("http-metrics");
    // The port the pod serves /metrics on, by the name the policy uses.
    assertThat(operator.at("/spec/template/spec/containers/0/ports/0/name").asText())
        .isEqualTo("http-metrics");
    JsonNode from = rule.path("from");
    assertThat(from.size()).as("Prometheus only").isOne();
    // The same Prometheus peer as on the gateway's admin port.
    JsonNode gatewayPrometheus =
        chart.get("NetworkPolicy", "switchboard-gateway").at("/spec/ingress/1/from/1");
    assertThat(from.get(0)).isEqualTo(gatewayPrometheus);
    assertThat(from.get(0).at("/podSelector/matchLabels/app.kubernetes.io~1name").asText())
        .isEqualTo("prometheus");
  }

  @Test
  void theOperatorsPolicyFollowsThePrometheusSelectorsAndTakesFurtherPeers() {
    RenderedChart chart =
        Charts.template(
            workDir,
            """
            networkPolicy:
              prometheus:
                namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}
                podSelector: {matchLabels: {app: prom}}
              operatorMetricsFrom:
                - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: observability}}
                  podSelector: {matchLabels: {app: otel-collector}}
            """);
    JsonNode from = chart.get("NetworkPolicy", "switchboard-operator").at("/spec/ingress/0/from");
    assertThat(from.size()).isEqualTo(2);
    assertThat(from.at("/0/namespaceSelector/matchLabels/kubernetes.io~1metadata.name").asText())
        .isEqualTo("monitoring");
    assertThat(from.at("/0/podSelector/matchLabels/app").asText()).isEqualTo("prom");
    assertThat(from.at("/1/podSelector/matchLabels/app").asText()).isEqualTo("otel-collector");
    // Not a gateway peer: the gateway's admin port keeps its own list.
    assertThat(chart.get("NetworkPolicy", "switchboard-gateway").at("/spec/ingress/1/from").size())
        .isEqualTo(2);
  }

  @Test
  void theOperatorsPolicyGoesWithTheOperatorAndWithTheOthers() {
    RenderedChart gatewayOnly = Charts.template(workDir, "operator: {enabled: false}\n");
    assertThat(gatewayOnly.find("NetworkPolicy", "switchboard-operator")).isEmpty();
    assertThat(gatewayOnly.find("NetworkPolicy", "switchboard-gateway")).isPresent();
    RenderedChart off = Charts.template(workDir, "networkPolicy: {enabled: false}\n");
    assertThat(off.find("NetworkPolicy", "switchboard-operator")).isEmpty();
  }

  @Test
  void aBadOperatorNamespaceIsRefused() {
    assertThatThrownBy(
            () -> Charts.templateRaw(workDir, "networkPolicy: {operatorNamespace: Not_A_Name}\n"))
        .hasMessageContaining("operatorNamespace");
  }

  @Test
  void thePolicyCanBeSwitchedOff() {
    RenderedChart chart = Charts.template(workDir, "networkPolicy: {enabled: false}\n");
    assertThat(chart.ofKind("NetworkPolicy")).isEmpty();
  }
}
