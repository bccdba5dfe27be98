package dev.switchboard.operator.rollout.metrics;

import dev.switchboard.contract.Arm;
import dev.switchboard.operator.text.UrlRedaction;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The default canary metrics source: scrapes every ready gateway replica's {@code /metrics}, takes
 * the difference of each replica's cumulative counters since the previous scrape for the same route
 * (so both arms are measured over the same window), and sums the replicas. It answers the sum of
 * the current step's windows ({@link CanaryQuery#since()} and the revision unchanged), so a verdict
 * rests on everything the step saw, not on one interval's few requests; a new step starts a new
 * sum. The planner keeps the sums in the route's status and hands them back ({@link
 * CanaryQuery#carried()}), so a restarted operator or a new leader goes on with the step's sums; a
 * step is told apart by its index, so a paused stretch keeps its sums too. The status keeps the
 * replicas' counters where the next window starts as well ({@link #baselines}, handed back as
 * {@link CanaryQuery#baselines()}), so a restarted operator's first scrape closes a window.
 *
 * <p>The first scrape of a route (no baseline of any replica, from this operator or the status), or
 * a baseline of this operator's older than three intervals (the previous canary ended long ago),
 * only sets the baseline: that window has no verdict. A replica seen for the first time (a
 * scale-up) only sets its own baseline: the window counts the replicas that had one, and the new
 * replica counts from its next window on. A replica that restarted between two scrapes contributes
 * what it counted since.
 */
public final class GatewayScrapeSource implements CanaryMetricsSource {

  private static final Duration SCRAPE_TIMEOUT = Duration.ofSeconds(3);

  private final GatewayTargets targets;
  private final Clock clock;
  private final HttpClient http;
  private final ConcurrentMap<String, Baseline> baselines = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Memo> steps = new ConcurrentHashMap<>();

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
    Baseline previous = newer(baselines.get(key), restored(query.baselines(), urls));
    Map<URI, Map<String, ArmCounters>> current = new HashMap<>();
    Map<String, ArmCounters> window = new HashMap<>();
    // A baseline the route's status kept is of the running canary (status drops it when the
    // rollout ends), and the operator's absence held the step: its whole gap is the step's.
    boolean complete =
        previous != null && (previous.recorded() || !isStale(previous, now, query.interval()));
    // Replicas whose window is counted: those with a baseline. A replica without one (new after a
    // scale-up, or a replacement) only sets its baseline; the others' windows still count.
    int counted = 0;
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
        // A replica without a baseline cannot say what its window was: this scrape is its baseline.
        continue;
      }
      counted++;
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
    baselines.put(key, new Baseline(now, replicas, false));
    if (!complete || counted == 0) {
      return Optional.empty();
    }
    // The step's figures so far: this window added to the earlier windows of the same step and
    // revision, as this operator remembers them or as the route's status recorded them (after a
    // restart or a leader change), whichever covers more; a new step (or revision) starts over.
    Memo earlier = steps.get(key);
    StepSums base =
        earlier != null
                && earlier.isFor(query)
                && earlier.sums().revision() == query.canaryRevision()
            ? earlier.sums()
            : null;
    StepSums carried = query.carried();
    if (carried != null
        && carried.isOf(query.canaryRevision(), query.step())
        && (base == null || carried.to().isAfter(base.to()))) {
      base = carried;
    }
    if (base != null && base.to().isAfter(previous.at())) {
      // The recorded sums already cover part of this window (another operator summed it): adding
      // it would count those requests twice. This scrape is the next window's baseline.
      steps.put(key, new Memo(query.since(), query.step(), base));
      return Optional.empty();
    }
    StepSums step =
        base != null
            ? base.plus(window, now)
            : new StepSums(
                query.canaryRevision(),
                query.step() == null ? -1 : query.step(),
                previous.at(),
                now,
                window);
    steps.put(key, new Memo(query.since(), query.step(), step));
    return Optional.of(
        new CanaryWindow(
            step.arms().getOrDefault(Arm.CANARY.wireName(), ArmCounters.ZERO).toMetrics(),
            step.arms().getOrDefault(Arm.STABLE.wireName(), ArmCounters.ZERO).toMetrics(),
            Duration.between(step.from(), now),
            step));
  }

  /**
   * This operator's baselines of the query's route, by replica URL (without user-info or query).
   */
  @Override
  public Optional<Baselines> baselines(CanaryQuery query) {
    Baseline baseline = baselines.get(query.namespace() + "/" + query.route());
    if (baseline == null) {
      return Optional.empty();
    }
    Map<String, Map<String, ArmCounters>> replicas = new HashMap<>();
    baseline.replicas().forEach((url, arms) -> replicas.put(shown(url), arms));
    return Optional.of(new Baselines(baseline.at(), replicas));
  }

  /** The newer of two baselines (this operator's when they are as old). */
  private static Baseline newer(Baseline own, Baseline recorded) {
    if (own == null) {
      return recorded;
    }
    return recorded != null && recorded.at().isAfter(own.at()) ? recorded : own;
  }

  /** The recorded baselines of the replicas among {@code urls}; null without any. */
  private static Baseline restored(Baselines recorded, List<URI> urls) {
    if (recorded == null) {
      return null;
    }
    Map<URI, Map<String, ArmCounters>> replicas = new HashMap<>();
    for (URI url : urls) {
      Map<String, ArmCounters> arms = recorded.replicas().get(shown(url));
      if (arms != null) {
        replicas.put(url, arms);
      }
    }
    return replicas.isEmpty() ? null : new Baseline(recorded.at(), replicas, true);
  }

  /**
   * A replica's URL as status shows it: scheme, host, port and path, without user-info, query or
   * fragment (where a credential could be).
   */
  private static String shown(URI url) {
    if (url.getHost() == null) {
      return UrlRedaction.shown(url.toString());
    }
    return url.getScheme()
        + "://"
        + url.getHost()
        + (url.getPort() < 0 ? "" : ":" + url.getPort())
        + (url.getRawPath() == null ? "" : url.getRawPath());
  }

  /** Forgets the route's baselines and step sums: its canary is over, or it was deleted. */
  @Override
  public void forget(String namespace, String route) {
    baselines.remove(namespace + "/" + route);
    steps.remove(namespace + "/" + route);
  }

  @Override
  public Runnable checkpoint(String namespace, String route) {
    String key = namespace + "/" + route;
    Baseline baseline = baselines.get(key);
    Memo step = steps.get(key);
    return () -> {
      restore(baselines, key, baseline);
      restore(steps, key, step);
    };
  }

  static <V> void restore(ConcurrentMap<String, V> kept, String key, V value) {
    if (value == null) {
      kept.remove(key);
    } else {
      kept.put(key, value);
    }
  }

  /** How many routes this source keeps baselines or step sums for (tests, diagnostics). */
  public int routesKept() {
    Set<String> routes = new HashSet<>(baselines.keySet());
    routes.addAll(steps.keySet());
    return routes.size();
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

  /**
   * Each replica's counters at {@code at}; {@code recorded} when read back from the route's status
   * rather than scraped by this operator.
   */
  private record Baseline(
      Instant at, Map<URI, Map<String, ArmCounters>> replicas, boolean recorded) {}

  /**
   * The step sums this operator keeps, with the step they belong to: its index when the query names
   * it (a paused stretch moves the step's start, not its index), else its start.
   */
  private record Memo(Instant since, Integer step, StepSums sums) {
    boolean isFor(CanaryQuery query) {
      return query.step() != null
          ? Objects.equals(step, query.step())
          : step == null && Objects.equals(since, query.since());
    }
  }
}
