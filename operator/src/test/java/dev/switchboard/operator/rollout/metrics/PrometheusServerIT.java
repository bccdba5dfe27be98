package dev.switchboard.operator.rollout.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import dev.switchboard.operator.rollout.AnalysisResult;
import dev.switchboard.operator.rollout.CanaryAnalyzer;
import dev.switchboard.operator.testing.MutableClock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link PrometheusApiSource} against a real Prometheus server (the Debian package's {@code
 * /usr/bin/prometheus}, started here on a free loopback port with its own storage) that scrapes a
 * gateway replica's {@code /metrics} ({@link FakeGatewayReplica}: the gateway's metric names and
 * labels on a real HTTP server) every second while the test sends it traffic: 10 % of the canary's
 * attempts fail, none of stable's.
 *
 * <p>The analysis interval equals the scrape interval, the case of issue #11: a query range of one
 * scrape interval holds at most one sample, so every {@code increase} came back empty and the
 * canary stayed inconclusive forever.
 */
class PrometheusServerIT {

  private static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
  private static final Duration SCRAPE_INTERVAL = Duration.ofSeconds(1);

  private FakeGatewayReplica gateway;
  private ScheduledExecutorService traffic;
  private Path dataDir;
  private Process prometheus;
  private URI prometheusUrl;

  @BeforeEach
  void start() throws Exception {
    Assumptions.assumeTrue(
        Files.isExecutable(PROMETHEUS),
        "skipped: no Prometheus server at "
            + PROMETHEUS
            + " (install the Debian package `prometheus`; .ci/run does)");
    gateway = new FakeGatewayReplica("chat");
    gateway.set("canary", new FakeGatewayReplica.Arm(0, 0, 0.3, 0, 0));
    gateway.set("stable", new FakeGatewayReplica.Arm(0, 0, 0.3, 0, 0));
    traffic = Executors.newSingleThreadScheduledExecutor();
    // 100 attempts per second and arm, 10 of the canary's fail; 50 output tokens per answer.
    traffic.scheduleAtFixedRate(this::sendTraffic, 0, 100, TimeUnit.MILLISECONDS);

    dataDir = Files.createTempDirectory("switchboard-prometheus-it");
    int port = freePort();
    prometheusUrl = URI.create("http://127.0.0.1:" + port);
    URI target = gateway.metricsUrl();
    Path config = dataDir.resolve("prometheus.yml");
    Files.writeString(
        config,
        String.join(
            "\n",
            "global:",
            "  scrape_interval: " + SCRAPE_INTERVAL.toSeconds() + "s",
            "scrape_configs:",
            "  - job_name: switchboard-gateway",
            "    scrape_interval: " + SCRAPE_INTERVAL.toSeconds() + "s",
            "    metrics_path: " + target.getPath(),
            "    static_configs:",
            "      - targets: ['127.0.0.1:" + target.getPort() + "']",
            "        labels: {namespace: team-a}",
            ""));
    prometheus =
        new ProcessBuilder(
                PROMETHEUS.toString(),
                "--config.file=" + config,
                "--storage.tsdb.path=" + dataDir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port)
            .redirectErrorStream(true)
            .redirectOutput(dataDir.resolve("prometheus.log").toFile())
            .start();
    HttpClient http = HttpClient.newHttpClient();
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              assertThat(prometheus.isAlive()).as("prometheus exited; its log: %s", log()).isTrue();
              try {
                return http.send(
                            HttpRequest.newBuilder(prometheusUrl.resolve("/-/ready")).build(),
                            HttpResponse.BodyHandlers.discarding())
                        .statusCode()
                    == 200;
              } catch (IOException e) {
                return false;
              }
            });
  }

  private synchronized void sendTraffic() {
    FakeGatewayReplica.Arm canary = gateway.arm("canary");
    FakeGatewayReplica.Arm stable = gateway.arm("stable");
    gateway.set(
        "canary",
        new FakeGatewayReplica.Arm(
            canary.attempts() + 10, canary.failed() + 1, 0.3, canary.outputTokens() + 9 * 50, 0));
    gateway.set(
        "stable",
        new FakeGatewayReplica.Arm(
            stable.attempts() + 10, stable.failed(), 0.3, stable.outputTokens() + 10 * 50, 0));
  }

  private String log() {
    try {
      List<String> lines = Files.readAllLines(dataDir.resolve("prometheus.log"));
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @AfterEach
  void stop() throws Exception {
    if (prometheus != null) {
      prometheus.destroy();
      if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
        prometheus.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    if (traffic != null) {
      traffic.shutdownNow();
    }
    if (gateway != null) {
      gateway.close();
    }
    if (dataDir != null) {
      try (Stream<Path> files = Files.walk(dataDir)) {
        files.sorted(Comparator.reverseOrder()).forEach(PrometheusServerIT::delete);
      }
    }
  }

  private static void delete(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Test
  void anAnalysisIntervalEqualToTheScrapeIntervalGetsRealFiguresAndAVerdict() {
    PrometheusApiSource source = new PrometheusApiSource(prometheusUrl, "namespace");
    CanaryQuery query =
        new CanaryQuery(
            "team-a", "chat", 1, SCRAPE_INTERVAL, CanaryQuery.PROMETHEUS, prometheusUrl.toString());

    CanaryWindow window = awaitFigures(source, query);

    // The interval was read from the real targets API: the gateway job scrapes every second.
    assertThat(source.scrapeInterval(query)).isEqualTo(SCRAPE_INTERVAL);
    assertThat(window.window()).isEqualTo(SCRAPE_INTERVAL.multipliedBy(4));
    assertThat(window.canary().errorRate()).isCloseTo(0.1, within(0.01));
    assertThat(window.stable().errorRate()).isZero();
    assertThat(window.canary().latencyP95Seconds()).isBetween(0.1, 0.5);
    assertThat(window.stable().latencyP95Seconds()).isBetween(0.1, 0.5);
    assertThat(window.canary().outputTokensPerRequest()).isCloseTo(50.0, within(0.5));
    assertThat(window.stable().outputTokensPerRequest()).isCloseTo(50.0, within(0.5));

    AnalysisResult result = CanaryAnalyzer.judge(null, window);
    assertThat(result.verdict()).isEqualTo(AnalysisResult.Verdict.FAIL);
    assertThat(result.failures()).singleElement().asString().startsWith("error rate 0.");
  }

  /**
   * The source's queries are evaluated at its clock's instant, the one its window ends at: asked
   * after the traffic stopped, an analysis at an instant while it ran still gets that window's
   * figures, all of them. Left to the server, each query was evaluated at its own "now" (here: the
   * idle window after the traffic, no requests at all).
   */
  @Test
  void everyQueryIsEvaluatedAtTheSourceClocksInstantNotTheServersNow() {
    PrometheusApiSource live = new PrometheusApiSource(prometheusUrl, "namespace");
    CanaryQuery query =
        new CanaryQuery(
            "team-a", "chat", 1, SCRAPE_INTERVAL, CanaryQuery.PROMETHEUS, prometheusUrl.toString());
    awaitFigures(live, query);
    // An instant while the traffic ran, with a full window of it behind.
    MutableClock whileTrafficRan = new MutableClock(Instant.now());

    traffic.shutdownNow();
    // Until the server's own "now" has a window with no requests in it.
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> live.collect(query).orElseThrow().canary().requests(), n -> n == 0);

    CanaryWindow window =
        new PrometheusApiSource(prometheusUrl, "namespace", whileTrafficRan)
            .collect(query)
            .orElseThrow();
    assertThat(window.canary().requests()).isGreaterThanOrEqualTo(200);
    assertThat(window.stable().requests()).isGreaterThanOrEqualTo(200);
    assertThat(window.canary().errorRate()).isCloseTo(0.1, within(0.01));
    assertThat(window.canary().answered()).isGreaterThanOrEqualTo(180);
    assertThat(window.canary().latencyP95Seconds()).isBetween(0.1, 0.5);
    assertThat(window.canary().outputTokensPerRequest()).isCloseTo(50.0, within(0.5));
    assertThat(CanaryAnalyzer.judge(null, window).verdict()).isEqualTo(AnalysisResult.Verdict.FAIL);
  }

  /** Enough requests of both arms in one window for a verdict (the analyzer's minimum: 50). */
  private static CanaryWindow awaitFigures(PrometheusApiSource source, CanaryQuery query) {
    return await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> source.collect(query).orElseThrow(),
            w -> w.canary().requests() >= 200 && w.stable().requests() >= 200);
  }
}
