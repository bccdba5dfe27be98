package dev.switchboard.operator.rollout.metrics;

import java.net.URI;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;

/**
 * The metrics source the planner uses: sends each route's queries to the source its {@code
 * spec.canary.metrics} names, the gateway scrape by default or a Prometheus server by URL.
 */
public final class CanaryMetricsSources implements CanaryMetricsSource {

  private final CanaryMetricsSource gateway;
  private final String prometheusNamespaceLabel;
  private final Function<String, Optional<String>> urlRefusal;
  private final ConcurrentMap<String, CanaryMetricsSource> prometheus = new ConcurrentHashMap<>();

  public CanaryMetricsSources(CanaryMetricsSource gateway, String prometheusNamespaceLabel) {
    this(gateway, prometheusNamespaceLabel, url -> Optional.empty());
  }

  /**
   * @param urlRefusal why a Prometheus URL from a route's spec must not be fetched (the operator's
   *     SSRF policy: route authors choose the URL, the operator makes the request), empty if it may
   */
  public CanaryMetricsSources(
      CanaryMetricsSource gateway,
      String prometheusNamespaceLabel,
      Function<String, Optional<String>> urlRefusal) {
    this.gateway = gateway;
    this.prometheusNamespaceLabel = prometheusNamespaceLabel;
    this.urlRefusal = urlRefusal;
  }

  @Override
  public Optional<CanaryWindow> collect(CanaryQuery query) {
    return sourceFor(query).collect(query);
  }

  @Override
  public void begin(CanaryQuery query) {
    sourceFor(query).begin(query);
  }

  @Override
  public Optional<Baselines> baselines(CanaryQuery query) {
    return CanaryQuery.PROMETHEUS.equals(query.source())
        ? Optional.empty()
        : gateway.baselines(query);
  }

  /**
   * Forgets the route in every source: its spec may have named another source or URL while its
   * canary ran than it does now (or has none, being deleted).
   */
  @Override
  public void forget(String namespace, String route) {
    gateway.forget(namespace, route);
    prometheus.values().forEach(source -> source.forget(namespace, route));
  }

  /** The Prometheus source of {@code url}, once a route asked it (tests). */
  Optional<CanaryMetricsSource> prometheusSource(String url) {
    return Optional.ofNullable(prometheus.get(url));
  }

  private CanaryMetricsSource sourceFor(CanaryQuery query) {
    if (!CanaryQuery.PROMETHEUS.equals(query.source())) {
      return gateway;
    }
    if (query.url() == null || query.url().isBlank()) {
      throw new MetricsUnavailableException(
          "spec.canary.metrics.source is prometheus but spec.canary.metrics.url is not set");
    }
    Optional<String> refused = urlRefusal.apply(query.url());
    if (refused.isPresent()) {
      throw new MetricsUnavailableException("spec.canary.metrics.url is refused: " + refused.get());
    }
    return prometheus.computeIfAbsent(
        query.url(), url -> new PrometheusApiSource(URI.create(url), prometheusNamespaceLabel));
  }
}
