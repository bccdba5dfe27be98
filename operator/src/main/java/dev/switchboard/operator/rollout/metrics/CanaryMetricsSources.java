package dev.switchboard.operator.rollout.metrics;

import java.net.URI;
import java.time.Clock;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
  private final Clock clock;

  /**
   * By Prometheus URL: its source and the routes ({@code namespace/name}) that named it since their
   * canary began. A source is dropped once the last of them is forgotten ({@link #forget}), so the
   * operator keeps one source per URL a route with a canary names now, not per URL ever named.
   */
  private final ConcurrentMap<String, Used> prometheus = new ConcurrentHashMap<>();

  /** A Prometheus source and the routes using it (only changed inside the map's compute). */
  private record Used(CanaryMetricsSource source, Set<String> routes) {}

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
    this(gateway, prometheusNamespaceLabel, urlRefusal, Clock.systemUTC());
  }

  /**
   * @param clock the operator's clock, which the Prometheus sources judge a step's age on: the step
   *     started on it ({@code status.stepStartedAt}), so a window measured on another clock (the
   *     system's, under a clock a test or the local stack moves on) reached back before the step,
   *     or gave none until real time caught up
   */
  public CanaryMetricsSources(
      CanaryMetricsSource gateway,
      String prometheusNamespaceLabel,
      Function<String, Optional<String>> urlRefusal,
      Clock clock) {
    this.gateway = gateway;
    this.prometheusNamespaceLabel = prometheusNamespaceLabel;
    this.urlRefusal = urlRefusal;
    this.clock = clock;
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
    for (String url : prometheus.keySet()) {
      forget(url, namespace, route);
    }
  }

  /** The route forgotten by the Prometheus source of {@code url}, dropped once no route uses it. */
  private void forget(String url, String namespace, String route) {
    String key = namespace + "/" + route;
    prometheus.computeIfPresent(
        url,
        (u, used) -> {
          used.source().forget(namespace, route);
          used.routes().remove(key);
          return used.routes().isEmpty() ? null : used;
        });
  }

  /**
   * Every source as it is now for the route; a Prometheus source the route starts using before the
   * action runs is forgotten by it again (and dropped when no other route uses it).
   */
  @Override
  public Runnable checkpoint(String namespace, String route) {
    String key = namespace + "/" + route;
    Runnable gatewayKept = gateway.checkpoint(namespace, route);
    Map<String, Runnable> prometheusKept = new HashMap<>();
    for (String url : prometheus.keySet()) {
      prometheus.computeIfPresent(
          url,
          (u, used) -> {
            if (used.routes().contains(key)) {
              prometheusKept.put(u, used.source().checkpoint(namespace, route));
            }
            return used;
          });
    }
    return () -> {
      gatewayKept.run();
      for (String url : prometheus.keySet()) {
        Runnable kept = prometheusKept.get(url);
        if (kept != null) {
          kept.run();
        } else {
          forget(url, namespace, route);
        }
      }
    };
  }

  /** The Prometheus source of {@code url}, while a route uses it (tests). */
  Optional<CanaryMetricsSource> prometheusSource(String url) {
    return Optional.ofNullable(prometheus.get(url)).map(Used::source);
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
    String route = query.namespace() + "/" + query.route();
    return prometheus
        .compute(
            query.url(),
            (url, used) -> {
              Used now =
                  used != null
                      ? used
                      : new Used(
                          new PrometheusApiSource(URI.create(url), prometheusNamespaceLabel, clock),
                          new HashSet<>());
              now.routes().add(route);
              return now;
            })
        .source();
  }
}
