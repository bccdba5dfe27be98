package dev.switchboard.operator.rollout.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CanaryMetricsSourcesTest {

  private final List<CanaryQuery> gatewayQueries = new ArrayList<>();
  private final CanaryMetricsSource gateway =
      query -> {
        gatewayQueries.add(query);
        return Optional.empty();
      };

  private static CanaryQuery query(String source, String url) {
    return new CanaryQuery("ns", "chat", 1, Duration.ofSeconds(10), source, url);
  }

  @Test
  void routesGoToTheGatewayScrapeUnlessTheySayPrometheus() {
    CanaryMetricsSources sources = new CanaryMetricsSources(gateway, "namespace");
    sources.collect(query("gateway", null));
    sources.collect(query(null, null));
    assertThat(gatewayQueries).hasSize(2);
  }

  @Test
  void prometheusWithoutUrlOrWithARefusedUrlIsUnavailable() {
    CanaryMetricsSources sources =
        new CanaryMetricsSources(
            gateway,
            "namespace",
            url ->
                url.contains("169.254.169.254")
                    ? Optional.of("a link-local address")
                    : Optional.empty());
    assertThatThrownBy(() -> sources.collect(query("prometheus", null)))
        .isInstanceOf(CanaryMetricsSource.MetricsUnavailableException.class)
        .hasMessageContaining("url is not set");
    assertThatThrownBy(() -> sources.collect(query("prometheus", "http://169.254.169.254/")))
        .isInstanceOf(CanaryMetricsSource.MetricsUnavailableException.class)
        .hasMessageContaining("refused");
    assertThat(gatewayQueries).isEmpty();
  }

  /**
   * A Prometheus source judges a step's age on the operator's clock, the one the step started on:
   * just after the step started there is no complete window of it yet (none is asked for). On the
   * system clock, under an operator clock that is not the system's, the step looked days old and
   * the source queried a range reaching back before it.
   */
  @Test
  void aPrometheusSourceMeasuresTheStepOnTheOperatorsClock() {
    java.time.Instant stepStart = java.time.Instant.parse("2026-01-01T00:00:00Z");
    CanaryMetricsSources sources =
        new CanaryMetricsSources(
            gateway,
            "namespace",
            url -> Optional.empty(),
            new dev.switchboard.operator.testing.MutableClock(stepStart.plusSeconds(5)));
    // Nothing listens on port 1: any query would fail.
    CanaryQuery justStarted =
        new CanaryQuery(
                "ns",
                "chat",
                1,
                Duration.ofSeconds(10),
                "prometheus",
                "http://127.0.0.1:1",
                Duration.ofSeconds(5))
            .since(stepStart)
            .atStep(0, null);

    assertThat(sources.collect(justStarted)).isEmpty();
  }

  /**
   * A route's canary that is over, or a deleted route, is forgotten by the gateway scrape and by
   * every Prometheus source (the route may have named another URL while its canary ran).
   */
  @Test
  void forgettingARouteReachesEverySource() {
    List<String> forgotten = new ArrayList<>();
    CanaryMetricsSource recording =
        new CanaryMetricsSource() {
          @Override
          public Optional<CanaryWindow> collect(CanaryQuery query) {
            return Optional.empty();
          }

          @Override
          public void forget(String namespace, String route) {
            forgotten.add(namespace + "/" + route);
          }
        };
    CanaryMetricsSources sources = new CanaryMetricsSources(recording, "namespace");
    // Nothing listens on port 1: the query fails, after the source noted the step's start.
    String url = "http://127.0.0.1:1";
    CanaryQuery step =
        query("prometheus", url)
            .since(java.time.Instant.parse("2026-01-01T00:00:00Z"))
            .atStep(0, null);
    assertThatThrownBy(() -> sources.collect(step))
        .isInstanceOf(CanaryMetricsSource.MetricsUnavailableException.class);
    PrometheusApiSource prometheus =
        (PrometheusApiSource) sources.prometheusSource(url).orElseThrow();
    assertThat(prometheus.routesKept()).isOne();

    sources.forget("ns", "chat");

    assertThat(forgotten).containsExactly("ns/chat");
    assertThat(prometheus.routesKept()).isZero();
  }

  /**
   * A checkpoint puts every source back as it was for the route: what a Prometheus source it
   * already used noted during the plan goes, and a source the plan made it use (another URL) is
   * forgotten again, dropped when no other route uses it. A plan whose table was not published left
   * a step start that never took effect, and a source for a URL no published canary names.
   */
  @Test
  void aCheckpointPutsEverySourceBackForTheRoute() {
    List<String> restored = new ArrayList<>();
    CanaryMetricsSource recording =
        new CanaryMetricsSource() {
          @Override
          public Optional<CanaryWindow> collect(CanaryQuery query) {
            return Optional.empty();
          }

          @Override
          public Runnable checkpoint(String namespace, String route) {
            return () -> restored.add(namespace + "/" + route);
          }
        };
    CanaryMetricsSources sources = new CanaryMetricsSources(recording, "namespace");
    java.time.Instant since = java.time.Instant.parse("2026-01-01T00:00:00Z");
    String used = "http://127.0.0.1:1";
    String named = "http://127.0.0.1:2";
    // Nothing listens on these ports: the queries fail, after the source noted the step's start.
    assertThatThrownBy(
            () -> sources.collect(query("prometheus", used).since(since).atStep(0, null)))
        .isInstanceOf(CanaryMetricsSource.MetricsUnavailableException.class);
    PrometheusApiSource before = (PrometheusApiSource) sources.prometheusSource(used).orElseThrow();
    before.forget("ns", "chat");
    assertThat(before.routesKept()).isZero();

    Runnable unplanned = sources.checkpoint("ns", "chat");
    assertThatThrownBy(
            () -> sources.collect(query("prometheus", used).since(since).atStep(0, null)))
        .isInstanceOf(CanaryMetricsSource.MetricsUnavailableException.class);
    assertThatThrownBy(
            () -> sources.collect(query("prometheus", named).since(since).atStep(0, null)))
        .isInstanceOf(CanaryMetricsSource.MetricsUnavailableException.class);
    assertThat(before.routesKept()).isOne();
    assertThat(sources.prometheusSource(named)).isPresent();

    unplanned.run();

    assertThat(restored).containsExactly("ns/chat");
    assertThat(before.routesKept()).as("the step start noted while planning").isZero();
    assertThat(sources.prometheusSource(used)).as("the route still uses it").containsSame(before);
    assertThat(sources.prometheusSource(named)).as("only the plan named it").isEmpty();
  }

  /**
   * One Prometheus source per URL a route with a canary names now: once every route that named a
   * URL is forgotten, its source goes (the operator's memory does not grow with every URL ever
   * named); a URL another route still names keeps its source, with that route's state.
   */
  @Test
  void aPrometheusSourceGoesOnceNoRouteUsesItsUrl() {
    CanaryMetricsSources sources = new CanaryMetricsSources(gateway, "namespace");
    String shared = "http://127.0.0.1:1";
    String own = "http://127.0.0.1:2";
    java.time.Instant since = java.time.Instant.parse("2026-01-01T00:00:00Z");
    CanaryQuery chat = query("prometheus", shared).since(since).atStep(0, null);
    CanaryQuery other =
        new CanaryQuery("ns", "other", 1, Duration.ofSeconds(10), "prometheus", shared)
            .since(since)
            .atStep(0, null);
    CanaryQuery chatElsewhere = query("prometheus", own).since(since).atStep(0, null);
    for (CanaryQuery q : List.of(chat, other, chatElsewhere)) {
      assertThatThrownBy(() -> sources.collect(q))
          .isInstanceOf(CanaryMetricsSource.MetricsUnavailableException.class);
    }
    PrometheusApiSource sharedSource =
        (PrometheusApiSource) sources.prometheusSource(shared).orElseThrow();
    assertThat(sharedSource.routesKept()).isEqualTo(2);

    sources.forget("ns", "chat");

    assertThat(sources.prometheusSource(own)).isEmpty();
    assertThat(sources.prometheusSource(shared)).containsSame(sharedSource);
    assertThat(sharedSource.routesKept()).isOne();

    sources.forget("ns", "other");

    assertThat(sources.prometheusSource(shared)).isEmpty();
    assertThat(sharedSource.routesKept()).isZero();
  }
}
