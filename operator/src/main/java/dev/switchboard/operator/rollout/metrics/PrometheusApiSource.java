package dev.switchboard.operator.rollout.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.contract.Arm;
import dev.switchboard.contract.Durations;
import dev.switchboard.contract.Outcome;
import dev.switchboard.operator.text.UrlRedaction;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Canary metrics from a Prometheus server's HTTP API ({@code GET /api/v1/query}): the same gateway
 * series as {@link GatewayScrapeSource} reads, as PromQL over a range ({@code increase(...[30s])},
 * {@code histogram_quantile(0.95, ...)}), grouped by arm. Both arms come from the same instant
 * queries, so they cover the same window; every query of one analysis is evaluated at the same
 * instant (the API's {@code time} parameter: the operator clock's now, the one the window is
 * computed from), so the figures of one verdict (attempts and failures, answers and refusals, the
 * quantiles) all describe that window, not each its own "now" a moment later.
 *
 * <p>The range is the analysis interval, but never shorter than {@value #SCRAPES_PER_WINDOW} scrape
 * intervals: {@code increase} needs two samples inside the range, and a range equal to the scrape
 * interval holds at most one, so every query would come back empty. The scrape interval is the
 * route's {@code spec.canary.metrics.scrapeInterval} or, unset, the longest {@code scrapeInterval}
 * of the Prometheus targets ({@code /api/v1/targets}) of the jobs that carry the route's series,
 * read again every {@link #SCRAPE_INTERVAL_REFRESH}. Once the step is that old, the range reaches
 * back to the step's start ({@link CanaryQuery#since()}), so the figures are the step's so far; a
 * paused stretch, which moves {@code since} on, does not move the window's start (the step's index
 * tells it is the same step), so a resumed canary goes on with its step's window.
 *
 * <p>Series are selected by {@code route} and, when configured, by a namespace label that the
 * Prometheus scrape configuration adds (commonly {@code namespace}).
 */
public final class PrometheusApiSource implements CanaryMetricsSource {

  /** The gateway's outcome label of a successful attempt. */
  private static final String SUCCESS = Outcome.SUCCESS.wireName();

  /**
   * Scrape intervals a query range spans at least: two samples are the minimum for {@code
   * increase}; four still leave two when a scrape is missed and the range's edges cut samples off.
   */
  static final int SCRAPES_PER_WINDOW = 4;

  /** How long a scrape interval read from Prometheus is used before it is read again. */
  static final Duration SCRAPE_INTERVAL_REFRESH = Duration.ofMinutes(5);

  /** Prometheus's default {@code scrape_interval}: assumed when the targets API tells nothing. */
  static final Duration DEFAULT_SCRAPE_INTERVAL = Duration.ofMinutes(1);

  private static final Logger LOG = LoggerFactory.getLogger(PrometheusApiSource.class);
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI baseUrl;

  /** The base URL as messages and logs show it: without user-info (a credential). */
  private final String shownUrl;

  private final String namespaceLabel;
  private final HttpClient http;
  private final Clock clock;
  private final ConcurrentMap<String, ReadInterval> scrapeIntervals = new ConcurrentHashMap<>();

  /** Per route: where its canary's current step's window starts (one entry a route). */
  private final ConcurrentMap<String, StepStart> stepStarts = new ConcurrentHashMap<>();

  /** The start of step {@code step} of canary revision {@code revision}. */
  private record StepStart(long revision, int step, Instant at) {}

  /** A scrape interval read from Prometheus for one route, and when it was read. */
  private record ReadInterval(Duration interval, Instant readAt) {}

  /**
   * @param baseUrl the server, e.g. {@code http://prometheus.monitoring:9090}
   * @param namespaceLabel label holding the gateway pod's namespace, or null to not filter by it
   */
  public PrometheusApiSource(URI baseUrl, String namespaceLabel) {
    this(baseUrl, namespaceLabel, Clock.systemUTC());
  }

  /**
   * @param clock decides when a scrape interval read from Prometheus is read again, and whether a
   *     window would reach back before the query's {@code since}
   */
  public PrometheusApiSource(URI baseUrl, String namespaceLabel, Clock clock) {
    this.clock = clock;
    String text = baseUrl.toString();
    this.baseUrl = URI.create(text.endsWith("/") ? text : text + "/");
    this.shownUrl = UrlRedaction.shown(this.baseUrl.toString());
    this.namespaceLabel =
        namespaceLabel == null || namespaceLabel.isBlank() ? null : namespaceLabel;
    this.http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
  }

  /** A new canary revision: its steps' windows start afresh. */
  @Override
  public void begin(CanaryQuery query) {
    stepStarts.remove(query.namespace() + "/" + query.route());
  }

  /** Forgets where the route's step window starts and its scrape interval read from Prometheus. */
  @Override
  public void forget(String namespace, String route) {
    stepStarts.remove(namespace + "/" + route);
    scrapeIntervals.remove(namespace + "/" + route);
  }

  @Override
  public Runnable checkpoint(String namespace, String route) {
    String key = namespace + "/" + route;
    StepStart start = stepStarts.get(key);
    ReadInterval interval = scrapeIntervals.get(key);
    return () -> {
      GatewayScrapeSource.restore(stepStarts, key, start);
      GatewayScrapeSource.restore(scrapeIntervals, key, interval);
    };
  }

  /** How many routes this source keeps a window start or a scrape interval for (tests). */
  int routesKept() {
    Set<String> routes = new HashSet<>(stepStarts.keySet());
    routes.addAll(scrapeIntervals.keySet());
    return routes.size();
  }

  @Override
  public Optional<CanaryWindow> collect(CanaryQuery query) {
    // One instant for the whole analysis: the window is computed from it and every query is
    // evaluated at it (left to Prometheus, each query read its own "now", a moment apart).
    Instant now = clock.instant();
    String at = evaluationTime(now);
    Duration shortest = queryRange(query.interval(), scrapeInterval(query, now, at));
    Instant start = stepStart(query);
    if (start != null && now.minus(shortest).isBefore(start)) {
      // The range would reach back into the previous step, or the previous canary revision (the
      // series carry no revision): no complete window of this step yet.
      return Optional.empty();
    }
    // Everything since the step started (whole seconds, rounded down so that the range never
    // reaches back before it): a verdict rests on all the step saw, not on one range's requests.
    Duration window =
        start == null
            ? shortest
            : Duration.ofSeconds(
                Math.max(shortest.toSeconds(), Duration.between(start, now).toSeconds()));
    String range = "[" + window.toSeconds() + "s]";
    String route = selector(query, "");
    // A client that hung up, or whose own deadline was shorter than the target's timeout, says
    // nothing about the arm: neither a request nor an error of it.
    String notCancelled =
        ",outcome!=\""
            + ArmCounters.CLIENT_CANCELLED
            + "\",outcome!=\""
            + ArmCounters.DEADLINE
            + "\"";
    Map<String, Double> attempts =
        byArm(
            query,
            at,
            "sum by (arm) (increase("
                + ArmCounters.ATTEMPTS
                + selector(query, notCancelled)
                + range
                + "))");
    Map<String, Double> failed =
        byArm(
            query,
            at,
            "sum by (arm) (increase("
                + ArmCounters.ATTEMPTS
                + selector(query, ",outcome!=\"" + SUCCESS + "\"" + notCancelled)
                + range
                + "))");
    Map<String, Double> latency =
        byArm(
            query,
            at,
            "histogram_quantile(0.95, sum by (le, arm) (increase("
                + ArmCounters.DURATION
                + "_bucket"
                + selector(query, ",outcome=\"" + SUCCESS + "\",stream=\"false\"")
                + range
                + ")))");
    Map<String, Double> ttft =
        byArm(
            query,
            at,
            "histogram_quantile(0.95, sum by (le, arm) (increase("
                + ArmCounters.TTFT
                + "_bucket"
                + route
                + range
                + ")))");
    Map<String, Double> answered =
        byArm(
            query,
            at,
            "sum by (arm) (increase("
                + ArmCounters.DURATION
                + "_count"
                + selector(query, ",outcome=\"" + SUCCESS + "\"")
                + range
                + "))");
    String output = selector(query, ",gen_ai_token_type=\"output\"");
    Map<String, Double> tokensPerAnswer =
        byArm(
            query,
            at,
            "sum by (arm) (increase("
                + ArmCounters.TOKENS
                + "_sum"
                + output
                + range
                + ")) / sum by (arm) (increase("
                + ArmCounters.TOKENS
                + "_count"
                + output
                + range
                + "))");
    Map<String, Double> refusals =
        byArm(query, at, "sum by (arm) (increase(" + ArmCounters.REFUSALS + route + range + "))");
    // No counts to keep (Prometheus has them), only where the step's window starts, so that a
    // restarted operator goes on from there too.
    StepSums kept =
        query.step() == null
            ? null
            : new StepSums(query.canaryRevision(), query.step(), start, now, Map.of());
    return Optional.of(
        new CanaryWindow(
            arm(
                Arm.CANARY.wireName(),
                attempts,
                failed,
                latency,
                ttft,
                answered,
                tokensPerAnswer,
                refusals),
            arm(
                Arm.STABLE.wireName(),
                attempts,
                failed,
                latency,
                ttft,
                answered,
                tokensPerAnswer,
                refusals),
            window,
            kept));
  }

  /**
   * Where the current step's window starts: the step's start as this source first saw it for the
   * step (or as the route's status recorded it, after a restart), not the query's {@code since}
   * once a paused stretch moved it on. A pause holds the canary at its step's weight, so the step's
   * traffic before and during it is the step's: resuming goes on with the step's window, as the
   * gateway source goes on with the step's sums. A step is told apart by its index and revision.
   */
  private Instant stepStart(CanaryQuery query) {
    Instant since = query.since();
    if (since == null || query.step() == null) {
      return since;
    }
    StepSums carried = query.carried();
    if (carried != null
        && carried.isOf(query.canaryRevision(), query.step())
        && carried.from().isBefore(since)) {
      since = carried.from();
    }
    Instant candidate = since;
    StepStart known =
        stepStarts.merge(
            query.namespace() + "/" + query.route(),
            new StepStart(query.canaryRevision(), query.step(), candidate),
            (old, seen) ->
                old.revision() == seen.revision()
                        && old.step() == seen.step()
                        && old.at().isBefore(seen.at())
                    ? old
                    : seen);
    return known.at();
  }

  /**
   * The range the queries look back over: the analysis interval, stretched to {@value
   * #SCRAPES_PER_WINDOW} scrape intervals when it is shorter, in whole seconds (rounded up).
   */
  static Duration queryRange(Duration analysisInterval, Duration scrapeInterval) {
    Duration floor = scrapeInterval.multipliedBy(SCRAPES_PER_WINDOW);
    Duration range = analysisInterval.compareTo(floor) >= 0 ? analysisInterval : floor;
    return Duration.ofSeconds(Math.max(1, (range.toMillis() + 999) / 1000));
  }

  /** The route's stated scrape interval, else the one read from Prometheus (cached). */
  Duration scrapeInterval(CanaryQuery query) {
    Instant now = clock.instant();
    return scrapeInterval(query, now, evaluationTime(now));
  }

  /**
   * The route's scrape interval as of {@code now}; a lookup of the route's jobs is evaluated at
   * {@code at} ({@code now} as the API's {@code time}), as the analysis's figures are.
   */
  private Duration scrapeInterval(CanaryQuery query, Instant now, String at) {
    if (query.scrapeInterval() != null
        && !query.scrapeInterval().isNegative()
        && !query.scrapeInterval().isZero()) {
      return query.scrapeInterval();
    }
    String key = query.namespace() + "/" + query.route();
    ReadInterval known = scrapeIntervals.get(key);
    if (known != null && now.isBefore(known.readAt().plus(SCRAPE_INTERVAL_REFRESH))) {
      return known.interval();
    }
    try {
      Targets read = readScrapeInterval(query, at);
      if (read.ofRouteJobs() != null) {
        scrapeIntervals.put(key, new ReadInterval(read.ofRouteJobs(), now));
        return read.ofRouteJobs();
      }
      if (read.ofAll() != null) {
        return read.ofAll();
      }
    } catch (MetricsUnavailableException e) {
      // Not every Prometheus-compatible server has a targets API (Thanos, Mimir); the figures'
      // own queries report a server that is down.
      LOG.debug("scrape interval of {} not read from {}: {}", key, shownUrl, e.getMessage());
    }
    return known != null ? known.interval() : DEFAULT_SCRAPE_INTERVAL;
  }

  /**
   * The scrape intervals of the active targets. The route's jobs are those that carry its series;
   * while it has none yet, the longest interval of all targets is used but not remembered, so that
   * the route's own jobs count as soon as it has series.
   */
  private Targets readScrapeInterval(CanaryQuery query, String at) {
    Set<String> jobs =
        values("count by (job) (" + ArmCounters.ATTEMPTS + selector(query, "") + ")", at, "job")
            .keySet();
    JsonNode targets = get("api/v1/targets?state=active").path("data").path("activeTargets");
    Duration longestOfJobs = null;
    Duration longest = null;
    for (JsonNode target : targets) {
      Long millis = Durations.toMillisOrNull(target.path("scrapeInterval").asText(null));
      if (millis == null || millis <= 0) {
        continue;
      }
      Duration interval = Duration.ofMillis(millis);
      longest = longest == null || interval.compareTo(longest) > 0 ? interval : longest;
      if (jobs.contains(target.path("labels").path("job").asText(null))
          && (longestOfJobs == null || interval.compareTo(longestOfJobs) > 0)) {
        longestOfJobs = interval;
      }
    }
    return new Targets(longestOfJobs, longest);
  }

  /**
   * Longest scrape intervals of active targets: of the route's jobs, and of all targets; each null
   * when no such target states one.
   */
  private record Targets(Duration ofRouteJobs, Duration ofAll) {}

  private static ArmMetrics arm(
      String arm,
      Map<String, Double> attempts,
      Map<String, Double> failed,
      Map<String, Double> latency,
      Map<String, Double> ttft,
      Map<String, Double> answered,
      Map<String, Double> tokensPerAnswer,
      Map<String, Double> refusals) {
    // increase() extrapolates, so counts come back fractional: round to whole requests.
    long answeredRequests = Math.round(answered.getOrDefault(arm, 0.0));
    // No mean when no answer reported usage (the query's 0/0 is NaN, dropped): unknown, not zero.
    Double meanTokens = tokensPerAnswer.get(arm);
    return new ArmMetrics(
        Math.round(attempts.getOrDefault(arm, 0.0)),
        Math.round(failed.getOrDefault(arm, 0.0)),
        latency.get(arm),
        ttft.get(arm),
        answeredRequests,
        meanTokens == null ? Double.NaN : meanTokens * answeredRequests,
        Math.round(refusals.getOrDefault(arm, 0.0)));
  }

  private String selector(CanaryQuery query, String extra) {
    StringBuilder s = new StringBuilder("{route=\"").append(escape(query.route())).append('"');
    if (namespaceLabel != null) {
      s.append(',')
          .append(namespaceLabel)
          .append("=\"")
          .append(escape(query.namespace()))
          .append('"');
    }
    return s.append(extra).append('}').toString();
  }

  private static String escape(String value) {
    return value.replace("\\", "\\\\").replace("\"", "\\\"");
  }

  /**
   * Runs an instant query evaluated at {@code at} and returns its value per {@code arm} label (NaN
   * and Inf dropped).
   */
  private Map<String, Double> byArm(CanaryQuery query, String at, String promql) {
    return values(promql, at, "arm");
  }

  /**
   * Runs an instant query evaluated at {@code at} (see {@link #evaluationTime}) and returns its
   * value per value of {@code label} (NaN, Inf dropped).
   */
  private Map<String, Double> values(String promql, String at, String label) {
    JsonNode body =
        get(
            "api/v1/query?query="
                + URLEncoder.encode(promql, StandardCharsets.UTF_8)
                + "&time="
                + at);
    Map<String, Double> values = new HashMap<>();
    for (JsonNode series : body.path("data").path("result")) {
      String key = series.path("metric").path(label).asText(null);
      JsonNode value = series.path("value");
      if (key == null || value.size() < 2) {
        continue;
      }
      double number;
      try {
        number = Double.parseDouble(value.get(1).asText());
      } catch (NumberFormatException e) {
        continue;
      }
      if (!Double.isNaN(number) && !Double.isInfinite(number)) {
        values.put(key, number);
      }
    }
    return values;
  }

  /**
   * {@code instant} as the query API's {@code time}: Unix seconds with the milliseconds Prometheus
   * keeps ({@code 1767225600.250}), a form Prometheus-compatible servers (Thanos, Mimir) read too.
   */
  private static String evaluationTime(Instant instant) {
    return BigDecimal.valueOf(instant.toEpochMilli(), 3).toPlainString();
  }

  /** GETs an API path and returns the body of a {@code "status":"success"} answer. */
  private JsonNode get(String pathAndQuery) {
    URI uri = baseUrl.resolve(pathAndQuery);
    HttpResponse<String> response;
    try {
      response =
          http.send(
              HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET().build(),
              HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new MetricsUnavailableException("Prometheus at " + shownUrl + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new MetricsUnavailableException("interrupted while querying Prometheus", e);
    }
    JsonNode body;
    try {
      body = JSON.readTree(response.body());
    } catch (IOException e) {
      throw new MetricsUnavailableException(
          "Prometheus answered HTTP " + response.statusCode() + " with no JSON", e);
    }
    if (response.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
      throw new MetricsUnavailableException(
          "Prometheus query failed (HTTP "
              + response.statusCode()
              + "): "
              + body.path("errorType").asText()
              + " "
              + body.path("error").asText());
    }
    return body;
  }
}
