package dev.switchboard.operator.evaluation;

import static dev.switchboard.operator.evaluation.EvaluationAutomaticReplacedTest.START;
import static dev.switchboard.operator.evaluation.EvaluationAutomaticReplacedTest.at;
import static dev.switchboard.operator.evaluation.EvaluationAutomaticReplacedTest.data;
import static dev.switchboard.operator.evaluation.EvaluationAutomaticReplacedTest.route;
import static dev.switchboard.operator.evaluation.EvaluationAutomaticReplacedTest.view;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.api.v1alpha1.EvaluationStatus;
import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.kubemock.EmbeddedKubernetesApi;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An automatic evaluation whose first status write was lost (the operator stopped between starting
 * it and recording it on the route) is not started twice: its id comes from the retiring target and
 * its successor, and its saved state keeps the window, so a restarted operator that finds no {@code
 * status.evaluation} continues the same run — same id, same start and end — with one state key and
 * no second runbook entry.
 */
class EvaluationAutomaticStatusLostTest {

  @Test
  void aRestartedOperatorContinuesTheAutomaticEvaluationWhoseStatusWasNeverWritten() {
    ModelRoute route = route();
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      EvaluationStatus first =
          new EvaluationTracker(api.client(), ns -> List.of(), at(START))
              .track(route, view(route))
              .orElseThrow()
              .status();
      assertThat(first.getAutomatic()).isTrue();
      // The status write is lost: the route still has no status.evaluation.

      EvaluationStatus again =
          new EvaluationTracker(api.client(), ns -> List.of(), at(START.plus(Duration.ofHours(3))))
              .track(route, view(route))
              .orElseThrow()
              .status();

      assertThat(again.getId()).isEqualTo(first.getId());
      assertThat(again.getStartedAt()).isEqualTo(first.getStartedAt()).isEqualTo(START.toString());
      assertThat(again.getEndsAt()).isEqualTo(first.getEndsAt());
      assertThat(again.getPhase()).isEqualTo("Running");
      assertThat(again.getEndedIds()).isNullOrEmpty();
      assertThat(data(api, EvaluationTracker.STATE_CONFIG_MAP))
          .containsOnlyKeys("chat." + first.getId() + ".json");
      assertThat(data(api, EvaluationTracker.RUNBOOK_CONFIG_MAP).keySet())
          .allSatisfy(k -> assertThat(k).startsWith("chat." + first.getId()));
    }
  }
}
