package dev.switchboard.gateway.determinism;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.gateway.time.ManualClock;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class ModelVersionTrackerTest {

  private final ManualClock clock = new ManualClock(1_700_000_000_000L);
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final ModelVersionTracker tracker = new ModelVersionTracker(registry, clock);

  private double changes(String target) {
    var counter =
        registry.find("switchboard_model_version_changes").tag("target", target).counter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  void theFirstAnswerAndRepeatsOfItAreNoChange() {
    assertThat(tracker.observe("p/m", "gpt-4o-2024-08-06", "fp_a")).isEmpty();
    assertThat(tracker.observe("p/m", "gpt-4o-2024-08-06", "fp_a")).isEmpty();

    assertThat(changes("p/m")).isZero();
    assertThat(tracker.current("p/m").orElseThrow().fingerprint()).isEqualTo("fp_a");
    assertThat(
            registry
                .find("switchboard_model_version")
                .tag("target", "p/m")
                .tag("model_version", "gpt-4o-2024-08-06")
                .tag("fingerprint", "fp_a")
                .gauge())
        .isNotNull();
  }

  @Test
  void aNewFingerprintIsAChangeWithOldNewAndWhen() {
    tracker.observe("p/m", "gpt-4o-2024-08-06", "fp_a");
    clock.advance(60_000);

    var change = tracker.observe("p/m", "gpt-4o-2024-08-06", "fp_b").orElseThrow();

    assertThat(change.fromFingerprint()).isEqualTo("fp_a");
    assertThat(change.toFingerprint()).isEqualTo("fp_b");
    assertThat(change.atMillis()).isEqualTo(1_700_000_060_000L);
    assertThat(changes("p/m")).isEqualTo(1);
    Gauge gauge =
        registry
            .find("switchboard_model_version_change")
            .tag("target", "p/m")
            .tag("from_fingerprint", "fp_a")
            .tag("to_fingerprint", "fp_b")
            .gauge();
    assertThat(gauge).isNotNull();
    assertThat(gauge.value()).isEqualTo(1_700_000_060.0);
    // Only the current info series is kept.
    assertThat(registry.find("switchboard_model_version").tag("target", "p/m").gauges()).hasSize(1);
  }

  @Test
  void aNewVersionIsAChangeAndReplacesTheLastChangeSeries() {
    tracker.observe("p/m", "v1", "fp");
    tracker.observe("p/m", "v2", "fp");
    tracker.observe("p/m", "v3", "fp");

    assertThat(changes("p/m")).isEqualTo(2);
    assertThat(registry.find("switchboard_model_version_change").gauges()).hasSize(1);
    assertThat(tracker.lastChange("p/m").orElseThrow().fromVersion()).isEqualTo("v2");
  }

  @Test
  void anAnswerWithoutVersionOrFingerprintSaysNothing() {
    tracker.observe("p/m", "v1", "fp_a");

    assertThat(tracker.observe("p/m", "v1", null)).isEmpty();
    assertThat(tracker.observe("p/m", "", "fp_a")).isEmpty();
    assertThat(tracker.observe("p/m", null, null)).isEmpty();
    // A fingerprint learnt after the version is no change either.
    tracker.observe("q/m", "v1", null);
    assertThat(tracker.observe("q/m", "v1", "fp_z")).isEmpty();

    assertThat(changes("p/m")).isZero();
    assertThat(changes("q/m")).isZero();
  }

  @Test
  void targetsAreTrackedApart() {
    tracker.observe("a/m", "v1", "fp");
    tracker.observe("b/m", "v9", "fp");

    assertThat(tracker.observe("a/m", "v1", "fp")).isEmpty();
    assertThat(tracker.current("b/m").orElseThrow().version()).isEqualTo("v9");
  }

  /**
   * A target gone from every route (a model upgraded, a provider renamed) leaves no series behind:
   * otherwise each upgrade would add info, change and counter series for the replica's life.
   */
  @Test
  void targetsGoneFromTheTableLoseTheirSeries() {
    for (int i = 0; i < 10; i++) {
      String gone = "p/m" + i;
      tracker.observe(gone, "v1", "fp_a");
      tracker.observe(gone, "v2", "fp_b");
      tracker.observe("p/kept", "v1", "fp_" + i);
      tracker.retainOnly(
          dev.switchboard.gateway.TestTables.table(
              java.util.List.of(
                  dev.switchboard.gateway.TestTables.provider("p", "http://127.0.0.1:1", false)),
              java.util.List.of(
                  dev.switchboard.gateway.TestTables.route(
                      "r",
                      java.util.List.of(),
                      dev.switchboard.gateway.TestTables.target("p", "kept", 0)))));
      assertThat(tracker.current(gone)).isEmpty();
    }

    assertThat(registry.getMeters())
        .allSatisfy(m -> assertThat(m.getId().getTag("target")).isEqualTo("p/kept"))
        .hasSize(3); // its info, its last change and its change counter
    assertThat(changes("p/kept")).isEqualTo(9);
  }

  /** The label values of {@code label} on {@code metric}'s series of {@code target} now. */
  private java.util.Set<String> labels(String metric, String target, String label) {
    java.util.Set<String> values = new java.util.TreeSet<>();
    registry
        .find(metric)
        .tag("target", target)
        .gauges()
        .forEach(g -> values.add(g.getId().getTag(label)));
    return values;
  }

  /**
   * An upstream answering with 50 different model strings (and fingerprints) makes at most {@link
   * ModelVersionTracker#MAX_LABEL_VALUES} label values of each plus {@code other}, however many
   * scrapes see them one after the other; the tracker still knows the real value and counts every
   * change.
   */
  @Test
  void aFlappingUpstreamNamesAtMostEightVersionsAndFingerprintsThenOther() {
    java.util.Set<String> versions = new java.util.TreeSet<>();
    java.util.Set<String> fingerprints = new java.util.TreeSet<>();
    for (int i = 0; i < 50; i++) {
      tracker.observe("p/m", "flap-" + i, "fp_" + i);
      // What a scrape after each answer sees: every value becomes a series in Prometheus.
      versions.addAll(labels("switchboard_model_version", "p/m", "model_version"));
      versions.addAll(labels("switchboard_model_version_change", "p/m", "from_version"));
      versions.addAll(labels("switchboard_model_version_change", "p/m", "to_version"));
      fingerprints.addAll(labels("switchboard_model_version", "p/m", "fingerprint"));
      fingerprints.addAll(labels("switchboard_model_version_change", "p/m", "to_fingerprint"));
    }

    java.util.Set<String> expected = new java.util.TreeSet<>();
    for (int i = 0; i < ModelVersionTracker.MAX_LABEL_VALUES; i++) {
      expected.add("flap-" + i);
    }
    expected.add(ModelVersionTracker.OTHER);
    assertThat(versions).isEqualTo(expected);
    assertThat(fingerprints).hasSize(ModelVersionTracker.MAX_LABEL_VALUES + 1).contains("other");
    assertThat(labels("switchboard_model_version", "p/m", "model_version"))
        .containsExactly("other");
    assertThat(registry.find("switchboard_model_version_change").gauges()).hasSize(1);
    // The real values stay where they are no label: change detection and what is served now.
    assertThat(changes("p/m")).isEqualTo(49);
    assertThat(tracker.current("p/m").orElseThrow().version()).isEqualTo("flap-49");
    assertThat(tracker.lastChange("p/m").orElseThrow().fromVersion()).isEqualTo("flap-48");
    // Another change among values beyond the bound: the same series, with the change's time.
    clock.advance(60_000);
    tracker.observe("p/m", "flap-50", "fp_50");
    assertThat(registry.find("switchboard_model_version_change").gauges())
        .singleElement()
        .satisfies(g -> assertThat(g.value()).isEqualTo(1_700_000_060.0));
    // A version labelled before stays its own label.
    tracker.observe("p/m", "flap-3", "fp_3");
    assertThat(labels("switchboard_model_version", "p/m", "model_version"))
        .containsExactly("flap-3");
    assertThat(labels("switchboard_model_version_change", "p/m", "from_version"))
        .containsExactly("other");
  }

  /**
   * The bound holds per hour, not for the replica's life: an hour after the oldest label value was
   * first seen, a new version (a real upgrade, months later) gets its own label again, in the
   * oldest one's place.
   */
  @Test
  void anHourAfterTheOldestLabelANewVersionIsLabelledAsItself() {
    for (int i = 0; i < 20; i++) {
      tracker.observe("p/m", "flap-" + i, null);
    }
    assertThat(labels("switchboard_model_version", "p/m", "model_version"))
        .containsExactly("other");
    clock.advance(ModelVersionTracker.LABEL_HOLD_MS - 1);
    tracker.observe("p/m", "gpt-next", null);
    assertThat(labels("switchboard_model_version", "p/m", "model_version"))
        .containsExactly("other");

    clock.advance(1);
    tracker.observe("p/m", "gpt-next-2", null);
    assertThat(labels("switchboard_model_version", "p/m", "model_version"))
        .containsExactly("gpt-next-2");
    // Still at most eight new label values in this hour, in every series: gpt-next (labelled as
    // the from_version of the change to gpt-next-2, before this loop), gpt-next-2 and six more,
    // then other.
    java.util.Set<String> seenLabels = new java.util.TreeSet<>();
    for (int i = 100; i < 120; i++) {
      tracker.observe("p/m", "flap-" + i, null);
      seenLabels.addAll(labels("switchboard_model_version", "p/m", "model_version"));
      seenLabels.addAll(labels("switchboard_model_version_change", "p/m", "from_version"));
      seenLabels.addAll(labels("switchboard_model_version_change", "p/m", "to_version"));
    }
    seenLabels.remove("other");
    assertThat(seenLabels)
        .containsExactlyInAnyOrder(
            "gpt-next-2", "flap-100", "flap-101", "flap-102", "flap-103", "flap-104", "flap-105");
    assertThat(labels("switchboard_model_version", "p/m", "model_version"))
        .containsExactly("other");
  }

  /** The bound is per target, and forgotten when the target leaves the routing table. */
  @Test
  void theBoundIsPerTargetAndForgottenWithTheTarget() {
    for (int i = 0; i < 20; i++) {
      tracker.observe("p/m", "flap-" + i, null);
    }
    tracker.observe("p/other", "steady", null);
    assertThat(labels("switchboard_model_version", "p/m", "model_version"))
        .containsExactly("other");
    assertThat(labels("switchboard_model_version", "p/other", "model_version"))
        .containsExactly("steady");

    var onlyOther =
        dev.switchboard.gateway.TestTables.table(
            java.util.List.of(
                dev.switchboard.gateway.TestTables.provider("p", "http://127.0.0.1:1", false)),
            java.util.List.of(
                dev.switchboard.gateway.TestTables.route(
                    "r",
                    java.util.List.of(),
                    dev.switchboard.gateway.TestTables.target("p", "other", 0))));
    tracker.retainOnly(onlyOther);
    // Back in a table: its first values are its own labels again.
    tracker.observe("p/m", "flap-30", null);
    assertThat(labels("switchboard_model_version", "p/m", "model_version"))
        .containsExactly("flap-30");
  }
}
