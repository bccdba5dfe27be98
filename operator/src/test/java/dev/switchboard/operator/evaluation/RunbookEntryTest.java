package dev.switchboard.operator.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The runbook entry of an evaluation, whatever the replicas have reported so far. */
class RunbookEntryTest {

  @Test
  void aCandidateNoReplicaReportedOnIsWrittenAsSuchNotACrash() {
    // A day's end (or the end) before any mirrored answer of this candidate came back: its
    // statistics are those of no data, and the tracker's reconcile must not fail on them.
    EvaluationState state = new EvaluationState();
    state.id = "e1";
    state.route = "chat";
    state.startedAt = "2026-12-04T00:00:00Z";
    state.endsAt = "2026-12-07T00:00:00Z";
    state.baselineTarget = "openai/gpt-4o";
    Map<String, EvaluationStatistics.Result> results = new LinkedHashMap<>();
    results.put("openai/gpt-5", EvaluationStatistics.evaluate(CandidateSums.EMPTY));

    String md = RunbookEntry.markdown("team-a", state, results, 0.1, "2026-12-05T00:00:00Z", false);

    assertThat(md)
        .contains("### `openai/gpt-5`")
        .contains("Sampled requests: 0, answered by both: 0")
        .contains("| output tokens per answer | – | – | – | – |");
  }
}
