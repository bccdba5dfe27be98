package dev.switchboard.operator.rollout.metrics;

import java.time.Duration;

/**
 * Which canary to measure.
 *
 * @param namespace namespace of the ModelRoute (and of the gateway that serves its table)
 * @param route the ModelRoute's name, which the gateway uses as the {@code route} label
 * @param canaryRevision the canary's revision; a new revision starts a new series of windows
 * @param interval the analysis interval: the window a query-based source looks back over
 * @param source {@code gateway} or {@code prometheus}
 * @param url the Prometheus base URL when {@code source} is {@code prometheus}
 * @param scrapeInterval how often Prometheus scrapes the gateway as the route states it ({@code
 *     spec.canary.metrics.scrapeInterval}), or null to read it from Prometheus
 */
public record CanaryQuery(
    String namespace,
    String route,
    long canaryRevision,
    Duration interval,
    String source,
    String url,
    Duration scrapeInterval) {

  /** A query without a stated scrape interval. */
  public CanaryQuery(
      String namespace,
      String route,
      long canaryRevision,
      Duration interval,
      String source,
      String url) {
    this(namespace, route, canaryRevision, interval, source, url, null);
  }

  /** The default source: scrape the gateway replicas. */
  public static final String GATEWAY = "gateway";

  /** Query a Prometheus server's HTTP API. */
  public static final String PROMETHEUS = "prometheus";
}
