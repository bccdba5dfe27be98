package dev.switchboard.operator.rollout.metrics;

import java.net.URI;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The metrics source the planner uses: sends each route's queries to the source its {@code
 * spec.canary.metrics} names, the gateway scrape by default or a Prometheus server by URL.
 */
public final class CanaryMetricsSources implements CanaryMetricsSource {

  private final CanaryMetricsSource gateway;
  private final String prometheusNamespaceLabel;
  private final ConcurrentMap<String, CanaryMetricsSource> prometheus = new ConcurrentHashMap<>();

  public CanaryMetricsSources(CanaryMetricsSource gateway, String prometheusNamespaceLabel) {
    this.gateway = gateway;
    this.prometheusNamespaceLabel = prometheusNamespaceLabel;
  }

  @Override
  public Optional<CanaryWindow> collect(CanaryQuery query) {
    return sourceFor(query).collect(query);
  }

  @Override
  public void begin(CanaryQuery query) {
    sourceFor(query).begin(query);
  }

  private CanaryMetricsSource sourceFor(CanaryQuery query) {
    if (!CanaryQuery.PROMETHEUS.equals(query.source())) {
      return gateway;
    }
    if (query.url() == null || query.url().isBlank()) {
      throw new MetricsUnavailableException(
          "spec.canary.metrics.source is prometheus but spec.canary.metrics.url is not set");
    }
    return prometheus.computeIfAbsent(
        query.url(), url -> new PrometheusApiSource(URI.create(url), prometheusNamespaceLabel));
  }
}
