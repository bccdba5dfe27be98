package dev.switchboard.operator.rollout.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.sun.net.httpserver.HttpServer;
import dev.switchboard.operator.testing.MutableClock;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Against a fake Prometheus that answers {@code /api/v1/query} and {@code /api/v1/targets} in the
 * real API's JSON shape. {@code PrometheusServerIT} runs the source against the real server.
 */
class PrometheusApiSourceTest {

  private static final CanaryQuery QUERY =
      new CanaryQuery("team-a", "chat", 2, Duration.ofSeconds(30), "prometheus", null);

  private HttpServer server;
  private final List<String> queries = new CopyOnWriteArrayList<>();
  // The evaluation time each query asked for (the API's time parameter), "" for none.
  private final List<String> times = new CopyOnWriteArrayList<>();
  private volatile Function<String, String> answers;
  private final AtomicInteger targetRequests = new AtomicInteger();
  // Active targets of the fake: job -> scrapeInterval; null answers 404 (no targets API).
  private volatile Map<String, String> targets = Map.of("gateway", "5s");

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/api/v1/query",
        exchange -> {
          Map<String, String> params = new HashMap<>();
          for (String param : exchange.getRequestURI().getRawQuery().split("&")) {
            int eq = param.indexOf('=');
            params.put(
                param.substring(0, eq),
                URLDecoder.decode(param.substring(eq + 1), StandardCharsets.UTF_8));
          }
          String promql = params.get("query");
          queries.add(promql);
          times.add(params.getOrDefault("time", ""));
          String json = answers.apply(promql);
          int status = json.contains("\"error\"") ? 400 : 200;
          byte[] body = json.getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(status, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.createContext(
        "/api/v1/targets",
        exchange -> {
          targetRequests.incrementAndGet();
          Map<String, String> now = targets;
          String json = now == null ? "404 page not found" : targetsJson(now);
          byte[] body = json.getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(now == null ? 404 : 200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
  }

  private static String targetsJson(Map<String, String> intervalByJob) {
    StringBuilder active = new StringBuilder();
    intervalByJob.forEach(
        (job, interval) -> {
          if (!active.isEmpty()) {
            active.append(',');
          }
          active
              .append("{\"labels\":{\"job\":\"")
              .append(job)
              .append("\",\"instance\":\"10.0.0.1:8080\"},\"scrapePool\":\"")
              .append(job)
              .append("\",\"health\":\"up\",\"scrapeInterval\":\"")
              .append(interval)
              .append("\",\"scrapeTimeout\":\"1s\"}");
        });
    return "{\"status\":\"success\",\"data\":{\"activeTargets\":["
        + active
        + "],\"droppedTargets\":[]}}";
  }

  /** A vector with one series per value of {@code label}. */
  private static String vector(String label, Map<String, String> valueByKey) {
    return vector(valueByKey).replace("{\"arm\":", "{\"" + label + "\":");
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  private static String vector(Map<String, String> valueByArm) {
    StringBuilder result = new StringBuilder();
    valueByArm.forEach(
        (arm, value) -> {
          if (!result.isEmpty()) {
            result.append(',');
          }
          result
              .append("{\"metric\":{\"arm\":\"")
              .append(arm)
              .append("\"},\"value\":[1764072000.123,\"")
              .append(value)
              .append("\"]}");
        });
    return "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
        + result
        + "]}}";
  }

  @Test
  void buildsBothArmsFromPromqlOverTheAnalysisInterval() {
    answers =
        promql -> {
          if (promql.contains("histogram_quantile") && promql.contains("time_to_first_token")) {
            return vector(Map.of("canary", "0.9", "stable", "0.3"));
          }
          if (promql.contains("histogram_quantile")) {
            return vector(Map.of("canary", "1.2", "stable", "0.8", "_none", "NaN"));
          }
          if (promql.contains("outcome!=\"success\"")) {
            return vector(Map.of("canary", "3.0000001"));
          }
          if (promql.contains("upstream_attempts")) {
            return vector(Map.of("canary", "99.6", "stable", "900.2"));
          }
          if (promql.contains("token_usage")) {
            return vector(Map.of("canary", "150", "stable", "100"));
          }
          if (promql.contains("operation_duration_seconds_count")) {
            return vector(Map.of("canary", "96", "stable", "900"));
          }
          if (promql.contains("refusals")) {
            return vector(Map.of("canary", "2"));
          }
          return vector(Map.of());
        };
    PrometheusApiSource source = new PrometheusApiSource(url(), "namespace");

    CanaryWindow window = source.collect(QUERY).orElseThrow();

    assertThat(window.canary().requests()).isEqualTo(100);
    assertThat(window.canary().errors()).isEqualTo(3);
    assertThat(window.stable().requests()).isEqualTo(900);
    assertThat(window.stable().errors()).isZero();
    assertThat(window.canary().latencyP95Seconds()).isEqualTo(1.2);
    assertThat(window.canary().ttftP95Seconds()).isEqualTo(0.9);
    assertThat(window.canary().outputTokensPerRequest()).isCloseTo(150.0, within(1e-9));
    assertThat(window.canary().refusalRate()).isCloseTo(2.0 / 96, within(1e-9));
    assertThat(window.stable().refusalRate()).isZero();
    assertThat(queries)
        .allSatisfy(q -> assertThat(q).contains("route=\"chat\",namespace=\"team-a\""));
    // The analysis interval (30s) is longer than four scrapes of the gateway's job (5s).
    assertThat(queries)
        .filteredOn(q -> !q.startsWith("count by (job)"))
        .isNotEmpty()
        .allSatisfy(q -> assertThat(q).contains("[30s]"));
    assertThat(queries)
        .anySatisfy(
            q ->
                assertThat(q)
                    .startsWith("histogram_quantile(0.95, sum by (le, arm) (increase(")
                    .contains("gen_ai_client_operation_duration_seconds_bucket"));
  }

  /**
   * No answer of the canary reported usage: the tokens-per-answer query's 0/0 is NaN. That is no
   * figure (the verbosity criterion is not judged, status shows none), not a canary that answers
   * with no tokens, whose ratio was judged within its threshold on no evidence.
   */
  @Test
  void answersWithoutUsageReportsGiveNoOutputTokenFigure() {
    answers =
        promql -> {
          if (promql.contains("token_usage")) {
            return vector(Map.of("canary", "NaN", "stable", "100"));
          }
          if (promql.contains("outcome!=\"success\"") || promql.startsWith("count by (job)")) {
            return vector(Map.of());
          }
          if (promql.contains("upstream_attempts")
              || promql.contains("operation_duration_seconds_count")) {
            return vector(Map.of("canary", "100", "stable", "900"));
          }
          return vector(Map.of());
        };
    PrometheusApiSource source = new PrometheusApiSource(url(), "namespace");

    CanaryWindow window = source.collect(QUERY).orElseThrow();

    assertThat(window.canary().answered()).isEqualTo(100);
    assertThat(window.canary().outputTokensPerRequest()).isNull();
    assertThat(window.stable().outputTokensPerRequest()).isCloseTo(100.0, within(1e-9));
  }

  @Test
  void anAttemptTheClientCancelledOrItsDeadlineCutIsNeitherARequestNorAnErrorOfTheArm() {
    // The fake applies the queries' outcome matchers to the canary's attempt series.
    Map<String, Integer> canaryAttempts =
        Map.of("success", 100, "server_error", 1, "client_cancelled", 9, "deadline", 20);
    answers =
        promql -> {
          if (!promql.contains("upstream_attempts") || promql.startsWith("count by (job)")) {
            return vector(Map.of());
          }
          int sum =
              canaryAttempts.entrySet().stream()
                  .filter(e -> !promql.contains("outcome!=\"" + e.getKey() + "\""))
                  .mapToInt(Map.Entry::getValue)
                  .sum();
          return vector(Map.of("canary", Integer.toString(sum)));
        };
    PrometheusApiSource source = new PrometheusApiSource(url(), "namespace");

    CanaryWindow window = source.collect(QUERY).orElseThrow();

    assertThat(window.canary().requests()).isEqualTo(101);
    assertThat(window.canary().errors()).isEqualTo(1);
  }

  @Test
  void aFailedQueryMakesTheSourceUnavailable() {
    answers =
        promql ->
            "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"parse error at char 3\"}";
    PrometheusApiSource source = new PrometheusApiSource(url(), null);
    assertThatThrownBy(() -> source.collect(QUERY))
        .isInstanceOf(CanaryMetricsSource.MetricsUnavailableException.class)
        .hasMessageContaining("bad_data");
  }

  @Test
  void anUnreachableServerMakesTheSourceUnavailable() {
    URI closed = url();
    server.stop(0);
    PrometheusApiSource source = new PrometheusApiSource(closed, null);
    assertThatThrownBy(() -> source.collect(QUERY))
        .isInstanceOf(CanaryMetricsSource.MetricsUnavailableException.class);
  }

  @Test
  void anUnreachableServerIsNamedWithoutTheCredentialsInItsUrl() {
    URI closed = url();
    server.stop(0);
    URI withUserInfo = URI.create(closed.toString().replace("://", "://scraper:s3cr3t@"));
    PrometheusApiSource source = new PrometheusApiSource(withUserInfo, null);
    assertThatThrownBy(() -> source.collect(QUERY))
        .isInstanceOf(CanaryMetricsSource.MetricsUnavailableException.class)
        .hasMessageContaining("***@")
        .message()
        .doesNotContain("s3cr3t")
        .doesNotContain("scraper");
  }

  @Test
  void theRangeIsTheAnalysisIntervalButAtLeastFourScrapeIntervals() {
    // The issue's case: 30 s scrapes, 30 s analysis. [30s] holds at most one sample: empty.
    assertThat(PrometheusApiSource.queryRange(Duration.ofSeconds(30), Duration.ofSeconds(30)))
        .isEqualTo(Duration.ofSeconds(120));
    assertThat(PrometheusApiSource.queryRange(Duration.ofSeconds(30), Duration.ofSeconds(5)))
        .isEqualTo(Duration.ofSeconds(30));
    assertThat(PrometheusApiSource.queryRange(Duration.ofSeconds(1), Duration.ofSeconds(1)))
        .isEqualTo(Duration.ofSeconds(4));
    assertThat(PrometheusApiSource.queryRange(Duration.ofMinutes(5), Duration.ofMinutes(1)))
        .isEqualTo(Duration.ofMinutes(5));
    // Whole seconds, rounded up so that the range never falls below four scrapes.
    assertThat(PrometheusApiSource.queryRange(Duration.ofMillis(500), Duration.ofMillis(700)))
        .isEqualTo(Duration.ofSeconds(3));
  }

  /** Answers the job lookup with the gateway's job and every figure with empty vectors. */
  private void gatewayJobSeries() {
    answers =
        promql ->
            promql.startsWith("count by (job)")
                ? vector("job", Map.of("gateway", "2"))
                : vector(Map.of());
  }

  private String rangeOfLastQuery() {
    String last = queries.get(queries.size() - 1);
    return last.substring(last.lastIndexOf('['), last.lastIndexOf(']') + 1);
  }

  @Test
  void aRangeReachingBackBeforeTheStepStartIsNoWindowYet() {
    // 30s scrapes: the range is 2m, four times the analysis interval. A canary revision started a
    // minute ago (after a rolled-back one whose failures are still inside the last 2m): the range
    // would count the previous canary's requests (the series carry no revision) against it.
    gatewayJobSeries();
    targets = Map.of("gateway", "30s");
    MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:01:00Z"));
    PrometheusApiSource source = new PrometheusApiSource(url(), "namespace", clock);
    CanaryQuery sinceStart = QUERY.since(Instant.parse("2026-01-01T00:00:00Z"));

    assertThat(source.collect(sinceStart)).isEmpty();
    assertThat(queries).noneMatch(q -> q.contains("[120s]"));

    // Two minutes after the step started the whole range is the step's own.
    clock.advance(Duration.ofMinutes(1));
    assertThat(source.collect(sinceStart).orElseThrow().window())
        .isEqualTo(Duration.ofSeconds(120));
    assertThat(rangeOfLastQuery()).isEqualTo("[120s]");

    // Later in the step the range reaches back to its start: the figures are the step's so far.
    clock.advance(Duration.ofMillis(95_500));
    assertThat(source.collect(sinceStart).orElseThrow().window())
        .isEqualTo(Duration.ofSeconds(215));
    assertThat(rangeOfLastQuery()).isEqualTo("[215s]");
  }

  /**
   * A paused stretch moves the step's start on ({@code since}), but the step goes on: its window
   * still starts where the step did (it used to start again at the moved start, dropping what the
   * step saw before the pause, and gave no window at all until a whole range had passed after it),
   * also for a restarted operator, from the start the route's status recorded. A new step, or a
   * canary started again, starts a new window.
   */
  @Test
  void aResumedStepGoesOnWithItsWindowInsteadOfStartingANewOne() {
    gatewayJobSeries();
    targets = Map.of("gateway", "30s");
    Instant stepStart = Instant.parse("2026-01-01T00:00:00Z");
    MutableClock clock = new MutableClock(stepStart.plus(Duration.ofMinutes(3)));
    PrometheusApiSource source = new PrometheusApiSource(url(), "namespace", clock);
    CanaryQuery step0 = QUERY.since(stepStart).atStep(0, null);
    CanaryWindow before = source.collect(step0).orElseThrow();
    assertThat(rangeOfLastQuery()).isEqualTo("[180s]");

    // Paused from 3m to 5m: the planner moves the step's start on by those two minutes.
    clock.advance(Duration.ofMinutes(2));
    CanaryQuery resumed = QUERY.since(stepStart.plus(Duration.ofMinutes(2))).atStep(0, null);
    assertThat(source.collect(resumed).orElseThrow().window()).isEqualTo(Duration.ofMinutes(5));
    assertThat(rangeOfLastQuery()).isEqualTo("[300s]");
    // What status keeps of it: where the step's window starts, no counts.
    assertThat(before.sums().from()).isEqualTo(stepStart);
    assertThat(before.sums().step()).isZero();
    assertThat(before.sums().arms()).isEmpty();

    // A restarted operator has only the status: the window it recorded starts at the step's start.
    PrometheusApiSource restarted = new PrometheusApiSource(url(), "namespace", clock);
    StepSums recorded = new StepSums(2, 0, stepStart, clock.instant(), Map.of());
    assertThat(restarted.collect(resumed.atStep(0, recorded)).orElseThrow().window())
        .isEqualTo(Duration.ofMinutes(5));
    assertThat(rangeOfLastQuery()).isEqualTo("[300s]");

    // The next step starts its own window: none until a whole range of it has passed.
    Instant step1Start = clock.instant();
    clock.advance(Duration.ofMinutes(1));
    assertThat(source.collect(QUERY.since(step1Start).atStep(1, recorded))).isEmpty();
    clock.advance(Duration.ofMinutes(1));
    source.collect(QUERY.since(step1Start).atStep(1, recorded)).orElseThrow();
    assertThat(rangeOfLastQuery()).isEqualTo("[120s]");

    // The canary started again (a retry of the same revision): its first step is a new one.
    source.begin(QUERY);
    Instant again = clock.instant();
    clock.advance(Duration.ofMinutes(2));
    source.collect(QUERY.since(again).atStep(0, null)).orElseThrow();
    assertThat(rangeOfLastQuery()).isEqualTo("[120s]");
  }

  /**
   * Where a route's step window starts and the scrape interval read for it are kept per route: a
   * route whose canary is over, or that was deleted, is forgotten (they used to stay for good).
   */
  @Test
  void aForgottenRouteKeepsNothing() {
    gatewayJobSeries();
    targets = Map.of("gateway", "30s");
    Instant stepStart = Instant.parse("2026-01-01T00:00:00Z");
    MutableClock clock = new MutableClock(stepStart.plus(Duration.ofMinutes(3)));
    PrometheusApiSource source = new PrometheusApiSource(url(), "namespace", clock);
    CanaryQuery other =
        new CanaryQuery("team-a", "embed", 4, Duration.ofSeconds(30), "prometheus", null)
            .since(stepStart)
            .atStep(0, null);
    source.collect(QUERY.since(stepStart).atStep(0, null)).orElseThrow();
    source.collect(other).orElseThrow();
    assertThat(source.routesKept()).isEqualTo(2);

    source.forget("team-a", "chat");
    assertThat(source.routesKept()).as("the other route is kept").isOne();
    source.forget("team-a", "embed");
    assertThat(source.routesKept()).isZero();
  }

  /**
   * Every query of one analysis (the route's jobs, attempts, failures, answers, refusals, tokens,
   * the quantiles) is evaluated at one instant, the operator clock's now that the window is
   * computed from. Left to Prometheus, each was evaluated at its own "now", a moment apart, so the
   * figures of one verdict described slightly different windows (more failures than attempts).
   */
  @Test
  void everyQueryOfOneAnalysisIsEvaluatedAtTheInstantItsWindowEnds() {
    gatewayJobSeries();
    targets = Map.of("gateway", "30s");
    Instant stepStart = Instant.parse("2026-01-01T00:00:00Z");
    MutableClock clock = new MutableClock(stepStart.plusMillis(300_250));
    PrometheusApiSource source = new PrometheusApiSource(url(), "namespace", clock);
    CanaryQuery step0 = QUERY.since(stepStart).atStep(0, null);

    assertThat(source.collect(step0).orElseThrow().window()).isEqualTo(Duration.ofSeconds(300));
    assertThat(queries).hasSize(8).anySatisfy(q -> assertThat(q).startsWith("count by (job)"));
    // 2026-01-01T00:05:00.250Z: the window [300s] ends there.
    assertThat(times).hasSize(8).containsOnly("1767225900.250");

    // The next analysis, a minute later, is evaluated at its own instant, all of its queries too.
    times.clear();
    clock.advance(Duration.ofMinutes(1));
    assertThat(source.collect(step0).orElseThrow().window()).isEqualTo(Duration.ofSeconds(360));
    assertThat(times).hasSize(7).containsOnly("1767225960.250");
    assertThat(rangeOfLastQuery()).isEqualTo("[360s]");
  }

  @Test
  void theScrapeIntervalIsReadFromTheRouteJobsTargetsAndReadAgainAfterTheRefresh() {
    gatewayJobSeries();
    targets = Map.of("gateway", "30s", "node-exporter", "2m");
    MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    PrometheusApiSource source = new PrometheusApiSource(url(), "namespace", clock);

    CanaryWindow window = source.collect(QUERY).orElseThrow();
    // The gateway's 30s, not node-exporter's 2m: 4 x 30s.
    assertThat(window.window()).isEqualTo(Duration.ofSeconds(120));
    assertThat(rangeOfLastQuery()).isEqualTo("[120s]");
    assertThat(queries)
        .filteredOn(q -> q.startsWith("count by (job)"))
        .singleElement()
        .satisfies(q -> assertThat(q).contains("route=\"chat\",namespace=\"team-a\""));

    targets = Map.of("gateway", "15s", "node-exporter", "2m");
    clock.advance(PrometheusApiSource.SCRAPE_INTERVAL_REFRESH.minusSeconds(1));
    source.collect(QUERY);
    assertThat(rangeOfLastQuery()).isEqualTo("[120s]");
    assertThat(targetRequests).hasValue(1);

    clock.advance(Duration.ofSeconds(1));
    assertThat(source.collect(QUERY).orElseThrow().window()).isEqualTo(Duration.ofSeconds(60));
    assertThat(rangeOfLastQuery()).isEqualTo("[60s]");
    assertThat(targetRequests).hasValue(2);
  }

  @Test
  void beforeTheRouteHasSeriesTheLongestIntervalOfAllTargetsIsUsedAndNotRemembered() {
    answers = promql -> vector(Map.of());
    targets = Map.of("gateway", "15s", "node-exporter", "1m");
    MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    PrometheusApiSource source = new PrometheusApiSource(url(), "namespace", clock);

    source.collect(QUERY);
    assertThat(rangeOfLastQuery()).isEqualTo("[240s]");

    gatewayJobSeries();
    source.collect(QUERY);
    assertThat(rangeOfLastQuery()).isEqualTo("[60s]");
  }

  @Test
  void aStatedScrapeIntervalWinsAndPrometheusIsNotAsked() {
    answers = promql -> vector(Map.of());
    CanaryQuery stated =
        new CanaryQuery(
            "team-a",
            "chat",
            2,
            Duration.ofSeconds(30),
            "prometheus",
            null,
            Duration.ofSeconds(10));
    PrometheusApiSource source = new PrometheusApiSource(url(), "namespace");

    assertThat(source.collect(stated).orElseThrow().window()).isEqualTo(Duration.ofSeconds(40));
    assertThat(queries).allSatisfy(q -> assertThat(q).contains("[40s]"));
    assertThat(targetRequests).hasValue(0);
  }

  @Test
  void withoutATargetsApiPrometheusDefaultScrapeIntervalIsAssumed() {
    gatewayJobSeries();
    targets = null;
    PrometheusApiSource source = new PrometheusApiSource(url(), "namespace");

    assertThat(source.collect(QUERY).orElseThrow().window()).isEqualTo(Duration.ofMinutes(4));
    assertThat(rangeOfLastQuery()).isEqualTo("[240s]");
  }
}
