package dev.switchboard.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The canary and metrics settings: environment, flags, defaults. */
class CanarySettingsTest {

  @Test
  void defaultsDiscoverTheChartsGatewayServiceAndServeOn8081() {
    OperatorSettings settings = OperatorSettings.fromEnvironmentAndArgs(Map.of(), new String[0]);
    assertThat(settings.gatewayService()).isEqualTo("switchboard-gateway-admin");
    assertThat(settings.gatewayMetricsPort()).isEqualTo("admin");
    assertThat(settings.gatewayMetricsUrls()).isEmpty();
    assertThat(settings.prometheusNamespaceLabel()).isEqualTo("namespace");
    assertThat(settings.metricsPort()).isEqualTo(8081);
  }

  @Test
  void readsEnvironmentAndLetsFlagsOverride() {
    OperatorSettings settings =
        OperatorSettings.fromEnvironmentAndArgs(
            Map.of(
                "SWITCHBOARD_GATEWAY_SERVICE", "gw",
                "SWITCHBOARD_GATEWAY_METRICS_URLS",
                    "http://127.0.0.1:8080/metrics, http://127.0.0.1:8081/metrics",
                "SWITCHBOARD_HTTP_PORT", "9090"),
            new String[] {"--gateway-service=edge", "--prometheus-namespace-label="});
    assertThat(settings.gatewayService()).isEqualTo("edge");
    assertThat(settings.gatewayMetricsUrls())
        .containsExactly(
            URI.create("http://127.0.0.1:8080/metrics"),
            URI.create("http://127.0.0.1:8081/metrics"));
    assertThat(settings.metricsPort()).isEqualTo(9090);
    assertThat(settings.prometheusNamespaceLabel()).isEmpty();
  }

  @Test
  void refusesUrlsThatAreNotHttp() {
    assertThatThrownBy(
            () ->
                OperatorSettings.fromEnvironmentAndArgs(
                    Map.of("SWITCHBOARD_GATEWAY_METRICS_URLS", "file:///etc/passwd"),
                    new String[0]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not an http(s) URL");
    assertThatThrownBy(
            () ->
                OperatorSettings.fromEnvironmentAndArgs(
                    Map.of("SWITCHBOARD_HTTP_PORT", "eighty"), new String[0]))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theMockApiServerSettingsPickAFreeMetricsPort() {
    assertThat(OperatorSettings.forMockApiServer().metricsPort()).isZero();
  }
}
