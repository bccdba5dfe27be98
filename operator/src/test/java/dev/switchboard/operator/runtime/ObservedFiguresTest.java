package dev.switchboard.operator.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.api.v1alpha1.ObservedTarget;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ObservedFiguresTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  static JsonNode replica(String json) {
    try {
      return JSON.readTree(json);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static final JsonNode BUSY =
      replica(
          """
          {"routes": {"chat": {"requests": 100, "targets": {
            "cheap/m": {"requests": 80, "errors": 0, "cost_usd": 0.08, "ttft_p95_ms": 200.0,
                        "latency_p95_ms": 900.0, "tokens_per_second": 50.0},
            "fast/m":  {"requests": 20, "errors": 2, "cost_usd": 0.20, "ttft_p95_ms": 100.0,
                        "latency_p95_ms": 400.0, "tokens_per_second": 90.0}}}}}
          """);
  static final JsonNode QUIET =
      replica(
          """
          {"routes": {"chat": {"requests": 5, "targets": {
            "cheap/m": {"requests": 4, "errors": 1, "cost_usd": 0.004, "ttft_p95_ms": 1200.0,
                        "latency_p95_ms": 3000.0, "tokens_per_second": 10.0},
            "fast/m":  {"requests": 1, "errors": 0, "cost_usd": 0.01, "ttft_p95_ms": 100.0,
                        "latency_p95_ms": 400.0, "tokens_per_second": 90.0}}},
           "other": {"requests": 3, "targets": {}}}}
          """);

  @Test
  void replicasAreMergedByRequestsCountsExactlyPercentilesWeighted() {
    List<ObservedTarget> merged = ObservedFigures.merge(List.of(BUSY, QUIET), "chat");

    assertThat(merged).extracting(ObservedTarget::getTarget).containsExactly("cheap/m", "fast/m");
    ObservedTarget cheap = merged.get(0);
    assertThat(cheap.getRequests()).isEqualTo(84);
    // 84 of the route's 105 requests.
    assertThat(cheap.getChosenShare()).isEqualTo(0.8);
    // (0.08 + 0.004) / 84 x 1000.
    assertThat(cheap.getCostPer1kRequests()).isEqualTo(1.0);
    assertThat(cheap.getErrorRate()).isEqualTo(0.0119);
    // (200 x 80 + 1200 x 4) / 84 = 247.6: the quiet replica's slow p95 weighs 4 requests' worth.
    assertThat(cheap.getTtftP95()).isEqualTo("248ms");
    assertThat(cheap.getLatencyP95()).isEqualTo("1000ms");
    assertThat(cheap.getTokensPerSecond()).isEqualTo(48.1);
    assertThat(merged.get(1).getChosenShare()).isEqualTo(0.2);
  }

  @Test
  void aShadowCanarysCopiesAreItsRequestsButNeverChosen() {
    JsonNode shadowed =
        replica(
            """
            {"routes": {"chat": {"requests": 10, "targets": {
              "stable/m": {"requests": 10, "served": 10, "errors": 0, "cost_usd": 0.01},
              "canary/m": {"requests": 5, "served": 0, "errors": 1, "cost_usd": 0.02}}}}}
            """);

    List<ObservedTarget> merged = ObservedFigures.merge(List.of(shadowed, QUIET), "chat");

    assertThat(merged)
        .extracting(
            ObservedTarget::getTarget, ObservedTarget::getRequests, ObservedTarget::getChosenShare)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("canary/m", 5L, 0.0),
            // QUIET is a gateway without `served`: all its requests count as chosen (4 of 15).
            org.assertj.core.groups.Tuple.tuple("cheap/m", 4L, 0.267),
            org.assertj.core.groups.Tuple.tuple("fast/m", 1L, 0.067),
            org.assertj.core.groups.Tuple.tuple("stable/m", 10L, 0.667));
    assertThat(merged.get(0).getErrorRate()).isEqualTo(0.2);
  }

  @Test
  void aRouteNoReplicaServedHasNoFigures() {
    assertThat(ObservedFigures.merge(List.of(BUSY), "missing")).isEmpty();
  }

  @Test
  void figuresAreWrittenAtOnceThenOnlyWhenMaterialAndNotMoreOftenThanTheInterval() {
    Instant t0 = Instant.parse("2026-12-04T12:00:00Z");
    List<ObservedTarget> first = ObservedFigures.merge(List.of(BUSY), "chat");
    // The first figures: written at once.
    assertThat(ObservedFigures.next(null, first, null, t0)).isSameAs(first);

    // Slightly different figures (one more request): not material, kept as they are.
    List<ObservedTarget> wobble =
        ObservedFigures.merge(
            List.of(
                BUSY,
                replica(
                    """
                    {"routes": {"chat": {"requests": 1, "targets": {
                      "cheap/m": {"requests": 1, "errors": 0, "cost_usd": 0.001,
                                  "ttft_p95_ms": 200.0, "latency_p95_ms": 900.0,
                                  "tokens_per_second": 50.0}}}}}
                    """)),
            "chat");
    assertThat(ObservedFigures.next(first, wobble, t0, t0.plusSeconds(60))).isSameAs(first);

    // The quiet replica's slow figures alone are material, but only once the interval passed.
    List<ObservedTarget> shifted = ObservedFigures.merge(List.of(QUIET), "chat");
    assertThat(ObservedFigures.next(first, shifted, t0, t0.plusSeconds(10))).isSameAs(first);
    assertThat(ObservedFigures.next(first, shifted, t0, t0.plus(ObservedFigures.MIN_INTERVAL)))
        .isSameAs(shifted);

    // Traffic stopped: the figures are cleared (null), not left claiming a stale loop.
    assertThat(ObservedFigures.next(first, List.of(), t0, t0.plusSeconds(60))).isNull();
  }
}
