package dev.switchboard.operator.rollout.metrics;

import java.time.Duration;
import java.time.Instant;

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
 * @param since when the canary's current step started: a window must not reach back before it (it
 *     would hold the previous step's, or a previous canary revision's, requests); null for no bound
 */
public record CanaryQuery(
    String namespace,
    String route,
    long canaryRevision,
    Duration interval,
    String source,
    String url,
    Duration scrapeInterval,
    Instant since) {

  /** A query whose window has no lower bound. */
  public CanaryQuery(
      String namespace,
      String route,
      long canaryRevision,
      Duration interval,
      String source,
      String url,
      Duration scrapeInterval) {
    this(namespace, route, canaryRevision, interval, source, url, scrapeInterval, null);
  }

  /** A query without a stated scrape interval. */
  public CanaryQuery(
      String namespace,
      String route,
      long canaryRevision,
      Duration interval,
      String source,
      String url) {
    this(namespace, route, canaryRevision, interval, source, url, null, null);
  }

  /** This query with windows bounded below by {@code start}. */
  public CanaryQuery since(Instant start) {
    return new CanaryQuery(
        namespace, route, canaryRevision, interval, source, url, scrapeInterval, start);
  }

  /** The default source: scrape the gateway replicas. */
  public static final String GATEWAY = "gateway";

  /** Query a Prometheus server's HTTP API. */
  public static final String PROMETHEUS = "prometheus";
}
