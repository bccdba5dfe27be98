package dev.switchboard.operator.rollout.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CanaryMetricsSourcesTest {

  private final List<CanaryQuery> gatewayQueries = new ArrayList<>();
  private final CanaryMetricsSource gateway =
      query -> {
        gatewayQueries.add(query);
        return Optional.empty();
      };

  private static CanaryQuery query(String source, String url) {
    return new CanaryQuery("ns", "chat", 1, Duration.ofSeconds(10), source, url);
  }

  @Test
  void routesGoToTheGatewayScrapeUnlessTheySayPrometheus() {
    CanaryMetricsSources sources = new CanaryMetricsSources(gateway, "namespace");
    sources.collect(query("gateway", null));
    sources.collect(query(null, null));
    assertThat(gatewayQueries).hasSize(2);
  }

  @Test
  void prometheusWithoutUrlOrWithARefusedUrlIsUnavailable() {
    CanaryMetricsSources sources =
        new CanaryMetricsSources(
            gateway,
            "namespace",
            url ->
                url.contains("169.254.169.254")
                    ? Optional.of("a link-local address")
                    : Optional.empty());
    assertThatThrownBy(() -> sources.collect(query("prometheus", null)))
        .isInstanceOf(CanaryMetricsSource.MetricsUnavailableException.class)
        .hasMessageContaining("url is not set");
    assertThatThrownBy(() -> sources.collect(query("prometheus", "http://169.254.169.254/")))
        .isInstanceOf(CanaryMetricsSource.MetricsUnavailableException.class)
        .hasMessageContaining("refused");
    assertThat(gatewayQueries).isEmpty();
  }

  /**
   * A route's canary that is over, or a deleted route, is forgotten by the gateway scrape and by
   * every Prometheus source (the route may have named another URL while its canary ran).
   */
  @Test
  void forgettingARouteReachesEverySource() {
    List<String> forgotten = new ArrayList<>();
    CanaryMetricsSource recording =
        new CanaryMetricsSource() {
          @Override
          public Optional<CanaryWindow> collect(CanaryQuery query) {
            return Optional.empty();
          }

          @Override
          public void forget(String namespace, String route) {
            forgotten.add(namespace + "/" + route);
          }
        };
    CanaryMetricsSources sources = new CanaryMetricsSources(recording, "namespace");
    // Nothing listens on port 1: the query fails, after the source noted the step's start.
    String url = "http://127.0.0.1:1";
    CanaryQuery step =
        query("prometheus", url)
            .since(java.time.Instant.parse("2026-01-01T00:00:00Z"))
            .atStep(0, null);
    assertThatThrownBy(() -> sources.collect(step))
        .isInstanceOf(CanaryMetricsSource.MetricsUnavailableException.class);
    PrometheusApiSource prometheus =
        (PrometheusApiSource) sources.prometheusSource(url).orElseThrow();
    assertThat(prometheus.routesKept()).isOne();

    sources.forget("ns", "chat");

    assertThat(forgotten).containsExactly("ns/chat");
    assertThat(prometheus.routesKept()).isZero();
  }
}
