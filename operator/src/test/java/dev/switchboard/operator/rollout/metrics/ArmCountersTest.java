package dev.switchboard.operator.rollout.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ArmCountersTest {

  @Test
  void extractsBothArmsOfARouteFromTheGatewayExposition() throws IOException {
    Map<String, ArmCounters> arms =
        ArmCounters.of(PrometheusText.parse(PrometheusTextTest.fixture()), "chat");

    ArmCounters canary = arms.get("canary");
    assertThat(canary.attempts()).isEqualTo(3.0);
    assertThat(canary.failedAttempts()).isZero();
    assertThat(canary.answered()).isEqualTo(1.0);
    assertThat(canary.refusals()).isEqualTo(1.0);
    ArmMetrics figures = canary.toMetrics();
    assertThat(figures.outputTokensPerRequest()).isEqualTo(42.0);
    // One request of 120 ms: p95 lies inside the bucket that holds it.
    assertThat(figures.latencyP95Seconds()).isBetween(0.1, 0.14);
    assertThat(figures.ttftP95Seconds()).isBetween(0.06, 0.09);
    assertThat(ArmCounters.of(PrometheusText.parse(PrometheusTextTest.fixture()), "other"))
        .isEmpty();
  }

  @Test
  void aCanaryTargetTheGatewayKeptOutIsAFailedRequestOfTheCanary() {
    // After its breaker opened, a failing canary's requests are skips the gateway counts as its
    // attempts: with them it has 60 requests and 60 errors, not 5 (under minRequests for ever).
    String exposition =
        """
        switchboard_upstream_attempts_total{route="chat",arm="canary",outcome="server_error"} 5
        switchboard_upstream_attempts_total{route="chat",arm="canary",outcome="circuit_open"} 50
        switchboard_upstream_attempts_total{route="chat",arm="canary",outcome="unhealthy"} 5
        """;

    ArmMetrics canary =
        ArmCounters.of(PrometheusText.parse(exposition), "chat").get("canary").toMetrics();

    assertThat(canary.requests()).isEqualTo(60);
    assertThat(canary.errors()).isEqualTo(60);
  }

  @Test
  void anAttemptTheClientCancelledIsNeitherARequestNorAnErrorOfTheArm() {
    String exposition =
        """
        switchboard_upstream_attempts_total{route="chat",arm="canary",outcome="success"} 100
        switchboard_upstream_attempts_total{route="chat",arm="canary",outcome="server_error"} 1
        switchboard_upstream_attempts_total{route="chat",arm="canary",outcome="client_cancelled"} 9
        """;

    ArmMetrics canary =
        ArmCounters.of(PrometheusText.parse(exposition), "chat").get("canary").toMetrics();

    // Users pressing stop are not the canary failing: 1 of 101, not 10 of 110 (over maxErrorRate).
    assertThat(canary.requests()).isEqualTo(101);
    assertThat(canary.errors()).isEqualTo(1);
  }

  @Test
  void anAttemptCutOffByTheClientsOwnDeadlineIsNeitherARequestNorAnErrorOfTheArm() {
    String exposition =
        """
        switchboard_upstream_attempts_total{route="chat",arm="canary",outcome="success"} 100
        switchboard_upstream_attempts_total{route="chat",arm="canary",outcome="timeout"} 1
        switchboard_upstream_attempts_total{route="chat",arm="canary",outcome="deadline"} 20
        """;

    ArmMetrics canary =
        ArmCounters.of(PrometheusText.parse(exposition), "chat").get("canary").toMetrics();

    // Clients asking for 100 ms of a 300 ms target are not the canary failing: 1 of 101.
    assertThat(canary.requests()).isEqualTo(101);
    assertThat(canary.errors()).isEqualTo(1);
  }

  /**
   * The gateway tags time to first token with the request's {@code operation}, as the request
   * duration: the arm's TTFT is over all its operations' buckets, as PromQL's {@code sum by (le,
   * arm)} takes them.
   */
  @Test
  void timeToFirstTokenSumsTheBucketsOfEveryOperation() {
    String exposition =
        """
        gen_ai_server_time_to_first_token_seconds_bucket{route="chat",arm="canary",operation="chat",le="0.1"} 50
        gen_ai_server_time_to_first_token_seconds_bucket{route="chat",arm="canary",operation="chat",le="+Inf"} 50
        gen_ai_server_time_to_first_token_seconds_bucket{route="chat",arm="canary",operation="other",le="0.1"} 0
        gen_ai_server_time_to_first_token_seconds_bucket{route="chat",arm="canary",operation="other",le="+Inf"} 50
        """;

    ArmCounters canary = ArmCounters.of(PrometheusText.parse(exposition), "chat").get("canary");

    assertThat(canary.ttftBuckets())
        .containsEntry(0.1, 50.0)
        .containsEntry(Double.POSITIVE_INFINITY, 100.0);
  }

  @Test
  void histogramsWithDifferentBoundsAddAsCumulativeCounts() {
    // A sparse histogram from status (no 0.25 or 1.0 bound: nothing new there) plus a dense one.
    ArmCounters sparse =
        new ArmCounters(
            0, 0, Map.of(0.5, 10.0, Double.POSITIVE_INFINITY, 12.0), Map.of(), 0, 0, 0, 0);
    ArmCounters dense =
        new ArmCounters(
            0,
            0,
            Map.of(0.25, 1.0, 0.5, 2.0, 1.0, 3.0, Double.POSITIVE_INFINITY, 4.0),
            Map.of(),
            0,
            0,
            0,
            0);
    assertThat(sparse.plus(dense).latencyBuckets())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(0.25, 1.0, 0.5, 12.0, 1.0, 13.0, Double.POSITIVE_INFINITY, 16.0));
  }

  @Test
  void quantileInterpolatesInsideTheBucketLikeHistogramQuantile() {
    Map<Double, Double> buckets =
        Map.of(0.1, 50.0, 0.2, 90.0, 0.5, 100.0, Double.POSITIVE_INFINITY, 100.0);
    assertThat(ArmCounters.quantile(0.95, buckets)).isCloseTo(0.35, within(1e-9));
    assertThat(ArmCounters.quantile(0.5, buckets)).isCloseTo(0.1, within(1e-9));
    assertThat(ArmCounters.quantile(0.95, Map.of(Double.POSITIVE_INFINITY, 0.0))).isNull();
    // Observations above the largest finite bound: the bound is the best answer there is.
    assertThat(ArmCounters.quantile(0.95, Map.of(1.0, 1.0, Double.POSITIVE_INFINITY, 10.0)))
        .isEqualTo(1.0);
  }

  @Test
  void aWindowIsTheDifferenceUnlessTheReplicaRestarted() {
    ArmCounters earlier =
        new ArmCounters(
            100, 2, Map.of(0.5, 90.0, Double.POSITIVE_INFINITY, 98.0), Map.of(), 98, 9800, 98, 1);
    ArmCounters later =
        new ArmCounters(
            150,
            12,
            Map.of(0.5, 120.0, Double.POSITIVE_INFINITY, 138.0),
            Map.of(),
            138,
            13800,
            138,
            3);
    ArmCounters window = later.since(earlier);
    assertThat(window.attempts()).isEqualTo(50);
    assertThat(window.failedAttempts()).isEqualTo(10);
    assertThat(window.latencyBuckets()).containsEntry(0.5, 30.0);
    assertThat(window.toMetrics().errorRate()).isEqualTo(0.2);
    assertThat(window.toMetrics().refusalRate()).isEqualTo(2.0 / 40);

    ArmCounters restarted = new ArmCounters(7, 1, Map.of(), Map.of(), 6, 600, 6, 0);
    assertThat(restarted.since(earlier)).isEqualTo(restarted);
  }

  /** Answers none of which reported usage have no mean output tokens (unknown, not zero). */
  @Test
  void answersWithoutUsageReportsGiveNoOutputTokenFigure() {
    ArmCounters noUsage = new ArmCounters(50, 0, Map.of(), Map.of(), 50, 0, 0, 0);
    assertThat(noUsage.toMetrics().answered()).isEqualTo(50);
    assertThat(noUsage.toMetrics().outputTokensPerRequest()).isNull();

    ArmCounters someUsage = new ArmCounters(50, 0, Map.of(), Map.of(), 50, 2000, 20, 0);
    assertThat(someUsage.toMetrics().outputTokensPerRequest()).isEqualTo(100.0);
  }

  @Test
  void anyCounterThatWentDownMeansTheReplicaRestarted() {
    ArmCounters earlier =
        new ArmCounters(
            100, 60, Map.of(0.5, 30.0, Double.POSITIVE_INFINITY, 40.0), Map.of(), 40, 4000, 40, 1);
    // More attempts, answers, refusals and usage reports than before the restart, but fewer of
    // each of these: what the replica counted since is the window, never a negative count.
    ArmCounters fewerFailures =
        new ArmCounters(
            200,
            20,
            Map.of(0.5, 170.0, Double.POSITIVE_INFINITY, 180.0),
            Map.of(),
            180,
            18000,
            180,
            2);
    ArmCounters fewerTokens =
        new ArmCounters(
            200,
            60,
            Map.of(0.5, 130.0, Double.POSITIVE_INFINITY, 140.0),
            Map.of(),
            140,
            3000,
            140,
            2);
    ArmCounters fewerTimedAnswers =
        new ArmCounters(
            200,
            60,
            Map.of(0.5, 20.0, Double.POSITIVE_INFINITY, 30.0),
            Map.of(),
            140,
            14000,
            140,
            2);
    ArmCounters fewerStreamFirstTokens =
        new ArmCounters(200, 60, earlier.latencyBuckets(), Map.of(1.0, 3.0), 140, 14000, 140, 2);
    ArmCounters earlierStreams =
        new ArmCounters(100, 60, earlier.latencyBuckets(), Map.of(1.0, 5.0), 40, 4000, 40, 1);
    assertThat(fewerFailures.since(earlier)).isEqualTo(fewerFailures);
    assertThat(fewerFailures.since(earlier).toMetrics().errorRate()).isEqualTo(0.1);
    assertThat(fewerTokens.since(earlier)).isEqualTo(fewerTokens);
    assertThat(fewerTimedAnswers.since(earlier)).isEqualTo(fewerTimedAnswers);
    assertThat(fewerStreamFirstTokens.since(earlierStreams)).isEqualTo(fewerStreamFirstTokens);
  }
}
