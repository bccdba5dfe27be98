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
 * @param step the current step's index, null when unknown (then {@code since} tells the steps
 *     apart); a step keeps its sums across a paused stretch, which moves {@code since}
 * @param carried the step's sums as the route's status recorded them, null for none: a
 *     counter-based source goes on from them when they cover more than its own memory does
 * @param baselines the replicas' counters where the next window starts, as the route's status
 *     recorded them (whatever the step), null for none: a counter-based source without a newer
 *     baseline of its own (it restarted) closes its first window on them
 */
public record CanaryQuery(
    String namespace,
    String route,
    long canaryRevision,
    Duration interval,
    String source,
    String url,
    Duration scrapeInterval,
    Instant since,
    Integer step,
    StepSums carried,
    Baselines baselines) {

  /** A query without recorded baselines. */
  public CanaryQuery(
      String namespace,
      String route,
      long canaryRevision,
      Duration interval,
      String source,
      String url,
      Duration scrapeInterval,
      Instant since,
      Integer step,
      StepSums carried) {
    this(
        namespace,
        route,
        canaryRevision,
        interval,
        source,
        url,
        scrapeInterval,
        since,
        step,
        carried,
        null);
  }

  /** A query without step or recorded sums. */
  public CanaryQuery(
      String namespace,
      String route,
      long canaryRevision,
      Duration interval,
      String source,
      String url,
      Duration scrapeInterval,
      Instant since) {
    this(
        namespace, route, canaryRevision, interval, source, url, scrapeInterval, since, null, null);
  }

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
        namespace,
        route,
        canaryRevision,
        interval,
        source,
        url,
        scrapeInterval,
        start,
        step,
        carried,
        baselines);
  }

  /** This query for step {@code index}, whose sums the route's status holds as {@code sums}. */
  public CanaryQuery atStep(Integer index, StepSums sums) {
    return new CanaryQuery(
        namespace,
        route,
        canaryRevision,
        interval,
        source,
        url,
        scrapeInterval,
        since,
        index,
        sums,
        baselines);
  }

  /** This query with the replicas' counters the route's status recorded ({@code recorded}). */
  public CanaryQuery withBaselines(Baselines recorded) {
    return new CanaryQuery(
        namespace,
        route,
        canaryRevision,
        interval,
        source,
        url,
        scrapeInterval,
        since,
        step,
        carried,
        recorded);
  }

  /** The default source: scrape the gateway replicas. */
  public static final String GATEWAY = "gateway";

  /** Query a Prometheus server's HTTP API. */
  public static final String PROMETHEUS = "prometheus";
}
