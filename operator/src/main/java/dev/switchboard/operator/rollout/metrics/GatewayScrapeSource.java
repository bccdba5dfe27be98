package dev.switchboard.operator.rollout.metrics;

import dev.switchboard.contract.Arm;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The default canary metrics source: scrapes every ready gateway replica's {@code /metrics}, takes
 * the difference of each replica's cumulative counters since the previous scrape for the same route
 * (so both arms are measured over the same window), and sums the replicas. It answers the sum of
 * the current step's windows ({@link CanaryQuery#since()} and the revision unchanged), so a verdict
 * rests on everything the step saw, not on one interval's few requests; a new step starts a new
 * sum. The sums live in memory: after an operator restart a step's sum starts again.
 *
 * <p>A replica seen for the first time, or a baseline older than three intervals (the operator was
 * down, or the previous canary ended long ago), only sets the baseline: that window has no verdict.
 * A replica that restarted between two scrapes contributes what it counted since.
 */
public final class GatewayScrapeSource implements CanaryMetricsSource {

  private static final Duration SCRAPE_TIMEOUT = Duration.ofSeconds(3);

  private final GatewayTargets targets;
  private final Clock clock;
  private final HttpClient http;
  private final ConcurrentMap<String, Baseline> baselines = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Step> steps = new ConcurrentHashMap<>();

  public GatewayScrapeSource(GatewayTargets targets, Clock clock) {
    this.targets = targets;
    this.clock = clock;
    this.http = HttpClient.newBuilder().connectTimeout(SCRAPE_TIMEOUT).build();
  }

  @Override
  public void begin(CanaryQuery query) {
    collect(query);
  }

  @Override
  public Optional<CanaryWindow> collect(CanaryQuery query) {
    List<URI> urls = targets.metricsUrls(query.namespace());
    if (urls.isEmpty()) {
      throw new MetricsUnavailableException(
          "no ready gateway replica found for namespace " + query.namespace());
    }
    Map<URI, CompletableFuture<String>> scrapes = new HashMap<>();
    for (URI url : urls) {
      scrapes.put(url, scrape(url));
    }
    Instant now = clock.instant();
    String key = query.namespace() + "/" + query.route();
    Baseline previous = baselines.get(key);
    Map<URI, Map<String, ArmCounters>> current = new HashMap<>();
    Map<String, ArmCounters> window = new HashMap<>();
    boolean complete = previous != null && !isStale(previous, now, query.interval());
    String lastError = null;
    for (Map.Entry<URI, CompletableFuture<String>> scrape : scrapes.entrySet()) {
      String body;
      try {
        body = scrape.getValue().join();
      } catch (RuntimeException e) {
        lastError = scrape.getKey() + ": " + rootMessage(e);
        continue;
      }
      Map<String, ArmCounters> arms = ArmCounters.of(PrometheusText.parse(body), query.route());
      current.put(scrape.getKey(), arms);
      Map<String, ArmCounters> before =
          previous == null ? null : previous.replicas().get(scrape.getKey());
      if (before == null) {
        // A replica without a baseline (new, or the first scrape) cannot say what its window was.
        complete = false;
        continue;
      }
      arms.forEach(
          (arm, counters) ->
              window.merge(
                  arm,
                  counters.since(before.getOrDefault(arm, ArmCounters.ZERO)),
                  ArmCounters::plus));
    }
    if (current.isEmpty()) {
      throw new MetricsUnavailableException(
          "no gateway replica answered for namespace " + query.namespace() + ": " + lastError);
    }
    // Replicas that did not answer this time keep their old baseline for the next window.
    Map<URI, Map<String, ArmCounters>> replicas = new HashMap<>();
    if (previous != null) {
      replicas.putAll(previous.replicas());
    }
    replicas.putAll(current);
    replicas.keySet().retainAll(urls);
    baselines.put(key, new Baseline(now, replicas));
    if (!complete) {
      return Optional.empty();
    }
    // The step's figures so far: this window added to the earlier windows of the same step and
    // revision; a new step (or revision) starts over from this window.
    Step earlier = steps.get(key);
    Step step =
        earlier != null
                && earlier.revision() == query.canaryRevision()
                && Objects.equals(earlier.since(), query.since())
            ? earlier.plus(window)
            : new Step(query.canaryRevision(), query.since(), previous.at(), Map.copyOf(window));
    steps.put(key, step);
    return Optional.of(
        new CanaryWindow(
            step.arms().getOrDefault(Arm.CANARY.wireName(), ArmCounters.ZERO).toMetrics(),
            step.arms().getOrDefault(Arm.STABLE.wireName(), ArmCounters.ZERO).toMetrics(),
            Duration.between(step.from(), now)));
  }

  /** Forgets the baselines of a route (it was deleted). */
  public void forget(String namespace, String route) {
    baselines.remove(namespace + "/" + route);
    steps.remove(namespace + "/" + route);
  }

  private CompletableFuture<String> scrape(URI url) {
    HttpRequest request =
        HttpRequest.newBuilder(url)
            .timeout(SCRAPE_TIMEOUT)
            .header("Accept", "text/plain")
            .GET()
            .build();
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
        .thenApply(
            response -> {
              if (response.statusCode() != 200) {
                throw new IllegalStateException("HTTP " + response.statusCode());
              }
              return response.body();
            });
  }

  private static boolean isStale(Baseline baseline, Instant now, Duration interval) {
    return baseline.at().plus(interval.multipliedBy(3)).isBefore(now);
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return root instanceof IOException && root.getMessage() == null
        ? root.getClass().getSimpleName()
        : String.valueOf(root.getMessage());
  }

  private record Baseline(Instant at, Map<URI, Map<String, ArmCounters>> replicas) {}

  /**
   * The counters of a step's complete windows, summed.
   *
   * @param since the step's start as the query said it ({@link CanaryQuery#since()})
   * @param from when the first of these windows began
   */
  private record Step(long revision, Instant since, Instant from, Map<String, ArmCounters> arms) {
    Step plus(Map<String, ArmCounters> window) {
      Map<String, ArmCounters> sum = new HashMap<>(arms);
      window.forEach((arm, counters) -> sum.merge(arm, counters, ArmCounters::plus));
      return new Step(revision, since, from, Map.copyOf(sum));
    }
  }
}
