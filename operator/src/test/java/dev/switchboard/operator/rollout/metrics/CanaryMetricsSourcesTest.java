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
}
