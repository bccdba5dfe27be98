package dev.switchboard.operator.rollout.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.api.v1alpha1.StepCounts;
import dev.switchboard.operator.testing.MutableClock;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GatewayScrapeSourceTest {

  private static final CanaryQuery QUERY =
      new CanaryQuery("team-a", "chat", 2, Duration.ofSeconds(10), "gateway", null);

  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-25T12:00:00Z"));
  private final FakeGatewayReplica one = new FakeGatewayReplica("chat");
  private final FakeGatewayReplica two = new FakeGatewayReplica("chat");

  @AfterEach
  void stop() {
    one.close();
    two.close();
  }

  @Test
  void measuresBothArmsAsDifferencesSinceThePreviousScrapeSummedOverReplicas() {
    one.set("stable", new FakeGatewayReplica.Arm(1000, 10, 0.4, 100_000, 5))
        .set("canary", new FakeGatewayReplica.Arm(50, 0, 0.4, 5_000, 0));
    two.set("stable", new FakeGatewayReplica.Arm(2000, 0, 0.4, 200_000, 5));
    GatewayScrapeSource source =
        new GatewayScrapeSource(
            GatewayTargets.fixed(List.of(one.metricsUrl(), two.metricsUrl())), clock);

    assertThat(source.collect(QUERY)).as("the first scrape only sets the baseline").isEmpty();

    one.set("stable", new FakeGatewayReplica.Arm(1100, 10, 0.4, 110_000, 5))
        .set("canary", new FakeGatewayReplica.Arm(80, 6, 2.0, 8_000, 3));
    two.set("stable", new FakeGatewayReplica.Arm(2100, 0, 0.4, 210_000, 5))
        .set("canary", new FakeGatewayReplica.Arm(30, 4, 2.0, 2_000, 1));
    clock.advance(Duration.ofSeconds(10));
    CanaryWindow window = source.collect(QUERY).orElseThrow();

    assertThat(window.window()).isEqualTo(Duration.ofSeconds(10));
    assertThat(window.stable().requests()).isEqualTo(200);
    assertThat(window.stable().errors()).isZero();
    assertThat(window.canary().requests()).isEqualTo(60);
    assertThat(window.canary().errors()).isEqualTo(10);
    assertThat(window.canary().latencyP95Seconds()).isGreaterThan(1.0);
    assertThat(window.stable().latencyP95Seconds()).isLessThanOrEqualTo(0.5);
    assertThat(window.canary().refusals()).isEqualTo(4);
  }

  @Test
  void answersTheStepsWindowsSummedAndStartsOverWithTheNextStep() {
    Instant stepOne = clock.instant();
    CanaryQuery step1 = QUERY.since(stepOne);
    one.set("canary", new FakeGatewayReplica.Arm(0, 0, 0.4, 0, 0))
        .set("stable", new FakeGatewayReplica.Arm(0, 0, 0.4, 0, 0));
    GatewayScrapeSource source =
        new GatewayScrapeSource(GatewayTargets.fixed(List.of(one.metricsUrl())), clock);
    source.begin(QUERY);

    one.set("canary", new FakeGatewayReplica.Arm(50, 1, 0.4, 0, 0))
        .set("stable", new FakeGatewayReplica.Arm(500, 2, 0.4, 0, 0));
    clock.advance(Duration.ofSeconds(10));
    assertThat(source.collect(step1).orElseThrow().canary().requests()).isEqualTo(50);

    one.set("canary", new FakeGatewayReplica.Arm(100, 3, 0.4, 0, 0))
        .set("stable", new FakeGatewayReplica.Arm(1000, 4, 0.4, 0, 0));
    clock.advance(Duration.ofSeconds(10));
    CanaryWindow sum = source.collect(step1).orElseThrow();
    assertThat(sum.canary().requests()).isEqualTo(100);
    assertThat(sum.canary().errors()).isEqualTo(3);
    assertThat(sum.stable().requests()).isEqualTo(1000);
    assertThat(sum.window()).isEqualTo(Duration.ofSeconds(20));

    // The next step starts at a new time: its figures are its own windows only.
    CanaryQuery step2 = QUERY.since(clock.instant());
    one.set("canary", new FakeGatewayReplica.Arm(160, 3, 0.4, 0, 0));
    clock.advance(Duration.ofSeconds(10));
    CanaryWindow next = source.collect(step2).orElseThrow();
    assertThat(next.canary().requests()).isEqualTo(60);
    assertThat(next.canary().errors()).isZero();
    assertThat(next.window()).isEqualTo(Duration.ofSeconds(10));
  }

  /**
   * A paused stretch moves the step's start (its pause counts only observed time) but it is the
   * same step: its sums go on. They used to start again, as for a new step.
   */
  @Test
  void aStepWhoseStartMovedAfterAPauseKeepsItsSums() {
    one.set("canary", new FakeGatewayReplica.Arm(0, 0, 0.4, 0, 0))
        .set("stable", new FakeGatewayReplica.Arm(0, 0, 0.4, 0, 0));
    GatewayScrapeSource source =
        new GatewayScrapeSource(GatewayTargets.fixed(List.of(one.metricsUrl())), clock);
    CanaryQuery step = QUERY.since(clock.instant()).atStep(0, null);
    source.begin(step);
    one.set("canary", new FakeGatewayReplica.Arm(30, 0, 0.4, 0, 0));
    clock.advance(Duration.ofSeconds(10));
    assertThat(source.collect(step).orElseThrow().canary().requests()).isEqualTo(30);

    CanaryQuery afterPause = QUERY.since(clock.instant().minusSeconds(5)).atStep(0, null);
    one.set("canary", new FakeGatewayReplica.Arm(70, 0, 0.4, 0, 0));
    clock.advance(Duration.ofSeconds(10));
    CanaryWindow sum = source.collect(afterPause).orElseThrow();
    assertThat(sum.canary().requests()).isEqualTo(70);
    assertThat(sum.sums().step()).isZero();
  }

  /**
   * A new operator goes on from the sums the route's status recorded; a window its predecessor's
   * sums already cover is not counted twice.
   */
  @Test
  void goesOnFromRecordedSumsWithoutCountingAWindowTwice() {
    one.set("canary", new FakeGatewayReplica.Arm(100, 0, 0.4, 0, 0));
    GatewayScrapeSource source =
        new GatewayScrapeSource(GatewayTargets.fixed(List.of(one.metricsUrl())), clock);
    StepSums recorded =
        new StepSums(
            2,
            1,
            clock.instant().minusSeconds(60),
            clock.instant().minusSeconds(5),
            java.util.Map.of(
                "canary",
                new ArmCounters(
                    40, 4, java.util.Map.of(0.5, 36.0), java.util.Map.of(), 36, 0, 0, 0)));
    CanaryQuery query = QUERY.atStep(1, recorded);
    assertThat(source.collect(query)).as("the new operator's baseline").isEmpty();

    one.set("canary", new FakeGatewayReplica.Arm(130, 3, 0.4, 0, 0));
    clock.advance(Duration.ofSeconds(10));
    CanaryWindow sum = source.collect(query).orElseThrow();
    assertThat(sum.canary().requests()).isEqualTo(70);
    assertThat(sum.canary().errors()).isEqualTo(7);
    assertThat(sum.sums().toStatus().getCanary().getLatency())
        .as("sparse: only the bounds where the count grows, and the last")
        .containsExactly(java.util.Map.entry("0.5", 63L), java.util.Map.entry("+Inf", 63L));

    // Sums recorded up to after this operator's baseline (another operator summed that window).
    StepSums ahead =
        new StepSums(2, 1, recorded.from(), clock.instant().plusSeconds(1), recorded.arms());
    one.set("canary", new FakeGatewayReplica.Arm(160, 3, 0.4, 0, 0));
    clock.advance(Duration.ofSeconds(10));
    assertThat(source.collect(QUERY.atStep(1, ahead))).isEmpty();
  }

  /**
   * A restarted operator closes its first window on the replicas' counters the route's status kept
   * with the step's sums (through the status's form: histograms sparse), so that window counts. It
   * used to only take the baseline, and the window's requests were lost from the step.
   */
  @Test
  void aRestartedOperatorCountsItsFirstWindowFromTheRecordedBaselines() {
    one.set("canary", new FakeGatewayReplica.Arm(100, 0, 0.4, 0, 0))
        .set("stable", new FakeGatewayReplica.Arm(1000, 0, 0.4, 0, 0));
    two.set("canary", new FakeGatewayReplica.Arm(50, 0, 0.4, 0, 0));
    List<URI> replicas = List.of(one.metricsUrl(), URI.create(two.metricsUrl() + "?token=s3cret"));
    GatewayScrapeSource before = new GatewayScrapeSource(GatewayTargets.fixed(replicas), clock);
    CanaryQuery step = QUERY.since(clock.instant()).atStep(0, null);
    before.begin(step);
    one.set("canary", new FakeGatewayReplica.Arm(130, 3, 0.4, 0, 0))
        .set("stable", new FakeGatewayReplica.Arm(1300, 0, 0.4, 0, 0));
    clock.advance(Duration.ofSeconds(10));
    CanaryWindow first = before.collect(step).orElseThrow();
    assertThat(first.canary().requests()).isEqualTo(30);
    StepCounts status = before.baselines(step).orElseThrow().into(first.sums().toStatus());
    assertThat(status.getBaselines()).hasSize(2);
    assertThat(status.getBaselines().keySet())
        .as("no query (or user-info) of a replica's URL in status")
        .noneMatch(replica -> replica.contains("s3cret"));

    // The operator restarts; the replicas count on meanwhile.
    one.set("canary", new FakeGatewayReplica.Arm(170, 5, 0.4, 0, 0))
        .set("stable", new FakeGatewayReplica.Arm(1700, 0, 0.4, 0, 0));
    two.set("canary", new FakeGatewayReplica.Arm(60, 1, 0.4, 0, 0));
    clock.advance(Duration.ofSeconds(10));
    GatewayScrapeSource after = new GatewayScrapeSource(GatewayTargets.fixed(replicas), clock);
    CanaryWindow sum =
        after
            .collect(
                step.atStep(0, StepSums.fromStatus(status).orElseThrow())
                    .withBaselines(Baselines.fromStatus(status).orElseThrow()))
            .orElseThrow();
    assertThat(sum.canary().requests()).isEqualTo(30 + 40 + 10);
    assertThat(sum.canary().errors()).isEqualTo(3 + 2 + 1);
    assertThat(sum.stable().requests()).isEqualTo(700);
    assertThat(sum.sums().toStatus().getCanary().getLatency())
        .as("the answers' histogram from the sparse baseline: every answer counted once")
        .containsExactly(java.util.Map.entry("0.5", 74L), java.util.Map.entry("+Inf", 74L));
    assertThat(sum.window()).isEqualTo(Duration.ofSeconds(20));
  }

  /**
   * With more than {@link Baselines#MAX_REPLICAS} replicas the status keeps the first sixteen by
   * URL: a restarted operator's first scrape counts their window, and the others (without a
   * baseline) only set theirs in it and count from the next window on.
   */
  @Test
  void withMoreThanSixteenReplicasTheStatusKeepsSixteenWhoseWindowARestartCounts() {
    List<FakeGatewayReplica> fleet = new java.util.ArrayList<>();
    try {
      for (int i = 0; i <= Baselines.MAX_REPLICAS; i++) {
        fleet.add(
            new FakeGatewayReplica("chat")
                .set("canary", new FakeGatewayReplica.Arm(0, 0, 0.4, 0, 0)));
      }
      List<URI> urls = fleet.stream().map(FakeGatewayReplica::metricsUrl).toList();
      CanaryQuery step = QUERY.since(clock.instant()).atStep(0, null);
      GatewayScrapeSource before = new GatewayScrapeSource(GatewayTargets.fixed(urls), clock);
      before.begin(step);
      StepCounts written = before.baselines(step).orElseThrow().into(null);
      List<String> firstSixteen =
          urls.stream().map(URI::toString).sorted().limit(Baselines.MAX_REPLICAS).toList();
      assertThat(written.getBaselines().keySet()).containsExactlyElementsOf(firstSixteen);

      // Every replica serves 10 requests; the operator restarts.
      fleet.forEach(r -> r.set("canary", new FakeGatewayReplica.Arm(10, 0, 0.4, 0, 0)));
      clock.advance(Duration.ofSeconds(10));
      GatewayScrapeSource restarted = new GatewayScrapeSource(GatewayTargets.fixed(urls), clock);
      assertThat(restarted.collect(recorded(step, written)).orElseThrow().canary().requests())
          .as("the kept replicas' window counts; the seventeenth only sets its baseline")
          .isEqualTo(10L * Baselines.MAX_REPLICAS);

      fleet.forEach(r -> r.set("canary", new FakeGatewayReplica.Arm(11, 0, 0.4, 0, 0)));
      clock.advance(Duration.ofSeconds(10));
      assertThat(restarted.collect(recorded(step, written)).orElseThrow().canary().requests())
          .as("from the next window on every replica counts")
          .isEqualTo(10L * Baselines.MAX_REPLICAS + fleet.size());
    } finally {
      fleet.forEach(FakeGatewayReplica::close);
    }
  }

  /**
   * A status write that failed leaves the previous sums and baselines in status: the operator goes
   * on with its own newer ones (no window lost); a write that succeeded though the operator did not
   * hear so is read back as the operator's own (no window counted twice); and an operator that
   * restarts after a failed write closes its first window on the older baselines the status kept,
   * so the unwritten window is in it, once.
   */
  @Test
  void aFailedStatusWriteLosesNoWindowAndCountsNoneTwice() {
    one.set("canary", new FakeGatewayReplica.Arm(0, 0, 0.4, 0, 0));
    List<URI> replicas = List.of(one.metricsUrl());
    GatewayScrapeSource source = new GatewayScrapeSource(GatewayTargets.fixed(replicas), clock);
    CanaryQuery step = QUERY.since(clock.instant()).atStep(0, null);
    source.begin(step);
    // What the canary's start wrote: no sums yet, the baseline.
    StepCounts written = source.baselines(step).orElseThrow().into(null);

    one.set("canary", new FakeGatewayReplica.Arm(20, 0, 0.4, 0, 0));
    clock.advance(Duration.ofSeconds(10));
    assertThat(source.collect(recorded(step, written)).orElseThrow().canary().requests())
        .isEqualTo(20);
    // ... whose status write failed: the status still holds what the start wrote.

    one.set("canary", new FakeGatewayReplica.Arm(50, 0, 0.4, 0, 0));
    clock.advance(Duration.ofSeconds(10));
    CanaryWindow second = source.collect(recorded(step, written)).orElseThrow();
    assertThat(second.canary().requests()).as("the unwritten window kept").isEqualTo(50);
    StepCounts afterSecond = source.baselines(step).orElseThrow().into(second.sums().toStatus());

    // This write succeeded, the operator read the older status back all the same.
    one.set("canary", new FakeGatewayReplica.Arm(60, 0, 0.4, 0, 0));
    clock.advance(Duration.ofSeconds(10));
    assertThat(source.collect(recorded(step, written)).orElseThrow().canary().requests())
        .isEqualTo(60);
    // And the next reconcile reads the written one (older than the operator's own by a window).
    one.set("canary", new FakeGatewayReplica.Arm(65, 0, 0.4, 0, 0));
    clock.advance(Duration.ofSeconds(10));
    assertThat(source.collect(recorded(step, afterSecond)).orElseThrow().canary().requests())
        .as("no window counted twice")
        .isEqualTo(65);

    // A new operator after failed writes: the status holds the second window's sums and baseline.
    one.set("canary", new FakeGatewayReplica.Arm(80, 0, 0.4, 0, 0));
    clock.advance(Duration.ofSeconds(10));
    GatewayScrapeSource restarted = new GatewayScrapeSource(GatewayTargets.fixed(replicas), clock);
    assertThat(restarted.collect(recorded(step, afterSecond)).orElseThrow().canary().requests())
        .as("every request since the canary started, once")
        .isEqualTo(80);
  }

  /** {@code step} with the sums and baselines of {@code status}, as the planner passes them. */
  private static CanaryQuery recorded(CanaryQuery step, StepCounts status) {
    return step.atStep(step.step(), StepSums.fromStatus(status).orElse(null))
        .withBaselines(Baselines.fromStatus(status).orElse(null));
  }

  @Test
  void aReplicaThatRestartedCountsWhatItSawSince() {
    one.set("canary", new FakeGatewayReplica.Arm(500, 0, 0.4, 0, 0));
    GatewayScrapeSource source =
        new GatewayScrapeSource(GatewayTargets.fixed(List.of(one.metricsUrl())), clock);
    source.begin(QUERY);
    one.set("canary", new FakeGatewayReplica.Arm(40, 2, 0.4, 0, 0));
    clock.advance(Duration.ofSeconds(10));
    assertThat(source.collect(QUERY).orElseThrow().canary().requests()).isEqualTo(40);
  }

  /**
   * A replica that restarted and has served more since than this canary's attempts before, but
   * failed fewer: only its failures went down. Its window is still what it counted since the
   * restart, not a negative number of failures (which no interval judges, so a canary failing a
   * tenth of its requests passed its error criterion).
   */
  @Test
  void aReplicaThatRestartedWithFewerFailuresThanBeforeCountsWhatItSawSince() {
    one.set("canary", new FakeGatewayReplica.Arm(100, 60, 0.4, 0, 0));
    GatewayScrapeSource source =
        new GatewayScrapeSource(GatewayTargets.fixed(List.of(one.metricsUrl())), clock);
    source.begin(QUERY);
    one.set("canary", new FakeGatewayReplica.Arm(200, 20, 0.4, 0, 0));
    clock.advance(Duration.ofSeconds(10));
    CanaryWindow window = source.collect(QUERY).orElseThrow();

    assertThat(window.canary().requests()).isEqualTo(200);
    assertThat(window.canary().errors()).isEqualTo(20);
    assertThat(window.canary().latencyBuckets()).containsEntry(0.5, 180.0);
    assertThat(dev.switchboard.operator.rollout.CanaryAnalyzer.judge(null, window).verdict())
        .isEqualTo(dev.switchboard.operator.rollout.AnalysisResult.Verdict.FAIL);
  }

  @Test
  void aStaleBaselineGivesNoWindow() {
    one.set("canary", new FakeGatewayReplica.Arm(10, 0, 0.4, 0, 0));
    GatewayScrapeSource source =
        new GatewayScrapeSource(GatewayTargets.fixed(List.of(one.metricsUrl())), clock);
    source.begin(QUERY);
    clock.advance(Duration.ofMinutes(5));
    assertThat(source.collect(QUERY)).isEmpty();
    clock.advance(Duration.ofSeconds(10));
    assertThat(source.collect(QUERY)).isPresent();
  }

  @Test
  void unreachableOrMissingReplicasMakeTheSourceUnavailable() {
    GatewayScrapeSource none = new GatewayScrapeSource(GatewayTargets.fixed(List.of()), clock);
    assertThatThrownBy(() -> none.collect(QUERY))
        .isInstanceOf(CanaryMetricsSource.MetricsUnavailableException.class)
        .hasMessageContaining("no ready gateway replica");

    URI closed = one.metricsUrl();
    one.close();
    GatewayScrapeSource down =
        new GatewayScrapeSource(GatewayTargets.fixed(List.of(closed)), clock);
    assertThatThrownBy(() -> down.collect(QUERY))
        .isInstanceOf(CanaryMetricsSource.MetricsUnavailableException.class)
        .hasMessageContaining("no gateway replica answered");
  }

  /**
   * A replica that appears (a scale-up) has no baseline: its first scrape only sets it, and the
   * window counts the replicas that had one. It used to throw the whole window away, for every
   * replica, at each scale-up.
   */
  @Test
  void aNewReplicaOnlySetsItsBaselineAndTheOthersWindowCounts() {
    try (FakeGatewayReplica three = new FakeGatewayReplica("chat")) {
      one.set("canary", new FakeGatewayReplica.Arm(10, 0, 0.4, 0, 0))
          .set("stable", new FakeGatewayReplica.Arm(100, 0, 0.4, 0, 0));
      two.set("canary", new FakeGatewayReplica.Arm(20, 1, 0.4, 0, 0))
          .set("stable", new FakeGatewayReplica.Arm(200, 0, 0.4, 0, 0));
      three
          .set("canary", new FakeGatewayReplica.Arm(500, 50, 0.4, 0, 0))
          .set("stable", new FakeGatewayReplica.Arm(5000, 0, 0.4, 0, 0));
      List<URI> replicas = new java.util.concurrent.CopyOnWriteArrayList<>();
      replicas.add(one.metricsUrl());
      replicas.add(two.metricsUrl());
      GatewayScrapeSource source = new GatewayScrapeSource(namespace -> replicas, clock);
      CanaryQuery step = QUERY.since(clock.instant()).atStep(0, null);
      source.begin(step);

      // The third replica appears; the counters it has are from before it was seen.
      replicas.add(three.metricsUrl());
      one.set("canary", new FakeGatewayReplica.Arm(40, 2, 0.4, 0, 0))
          .set("stable", new FakeGatewayReplica.Arm(400, 0, 0.4, 0, 0));
      two.set("canary", new FakeGatewayReplica.Arm(50, 3, 0.4, 0, 0))
          .set("stable", new FakeGatewayReplica.Arm(500, 0, 0.4, 0, 0));
      clock.advance(Duration.ofSeconds(10));
      CanaryWindow first = source.collect(step).orElseThrow();
      assertThat(first.canary().requests()).as("the two replicas' window").isEqualTo(30 + 30);
      assertThat(first.canary().errors()).isEqualTo(2 + 2);
      assertThat(first.stable().requests()).isEqualTo(300 + 300);

      // From its next window on the third counts too.
      one.set("canary", new FakeGatewayReplica.Arm(50, 2, 0.4, 0, 0));
      two.set("canary", new FakeGatewayReplica.Arm(60, 3, 0.4, 0, 0));
      three.set("canary", new FakeGatewayReplica.Arm(530, 55, 0.4, 0, 0));
      clock.advance(Duration.ofSeconds(10));
      CanaryWindow second = source.collect(step).orElseThrow();
      assertThat(second.canary().requests()).isEqualTo(60 + 10 + 10 + 30);
      assertThat(second.canary().errors()).isEqualTo(4 + 5);
      assertThat(second.window()).isEqualTo(Duration.ofSeconds(20));
    }
  }

  @Test
  void aReplicaThatDoesNotAnswerLeavesTheOthersWindowIntact() {
    one.set("canary", new FakeGatewayReplica.Arm(10, 0, 0.4, 0, 0));
    two.set("canary", new FakeGatewayReplica.Arm(10, 0, 0.4, 0, 0));
    GatewayScrapeSource source =
        new GatewayScrapeSource(
            GatewayTargets.fixed(List.of(one.metricsUrl(), two.metricsUrl())), clock);
    source.begin(QUERY);
    one.set("canary", new FakeGatewayReplica.Arm(30, 0, 0.4, 0, 0));
    two.close();
    clock.advance(Duration.ofSeconds(10));
    Optional<CanaryWindow> window = source.collect(QUERY);
    assertThat(window).isPresent();
    assertThat(window.get().canary().requests()).isEqualTo(20);
  }
}
