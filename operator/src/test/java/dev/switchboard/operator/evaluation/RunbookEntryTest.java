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

  @Test
  void skippedMirrorsAreAddedUpPerReplicaAndShownApartFromRequestsAndErrors() {
    EvaluationState state = new EvaluationState();
    state.id = "e1";
    state.route = "chat";
    state.startedAt = "2026-12-04T00:00:00Z";
    state.endsAt = "2026-12-07T00:00:00Z";
    state.baselineTarget = "openai/gpt-4o";
    // One replica, reported twice (cumulative): the second time 10 more skips of the candidate.
    state.fold(report(40, 3, 20));
    state.fold(report(40, 3, 30));
    CandidateSums sums = state.totals.get("openai/gpt-5");
    assertThat(sums.requests()).isEqualTo(40);
    assertThat(sums.candidateFailures()).isZero();
    assertThat(sums.baselineSkipped()).isEqualTo(3);
    assertThat(sums.candidateSkipped()).isEqualTo(30);
    // Kept in the stored state, so an operator restart does not lose them.
    assertThat(EvaluationState.fromJson(state.toJson()).totals.get("openai/gpt-5")).isEqualTo(sums);
    Map<String, EvaluationStatistics.Result> results = new LinkedHashMap<>();
    results.put("openai/gpt-5", EvaluationStatistics.evaluate(sums));

    String md = RunbookEntry.markdown("team-a", state, results, 0.1, "2026-12-05T00:00:00Z", false);

    assertThat(md)
        .contains(
            "Sampled requests: 40, answered by both: 0; mirrors skipped (never sent: no key, quota"
                + " or bulkhead exhausted — neither requests nor errors): baseline 3, candidate 30")
        .contains("| error rate | 0.0 % | 0.0 % |");
  }

  private static com.fasterxml.jackson.databind.JsonNode report(
      long requests, long baselineSkipped, long candidateSkipped) {
    com.fasterxml.jackson.databind.node.ObjectNode root =
        com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    root.put("instance", "a");
    root.putArray("candidates")
        .addObject()
        .put("route", "chat")
        .put("evaluation", "e1")
        .put("baselineTarget", "openai/gpt-4o")
        .put("target", "openai/gpt-5")
        .put("requests", requests)
        .put("baselineAnswered", requests)
        .put("candidateAnswered", requests)
        .put("baselineSkipped", baselineSkipped)
        .put("candidateSkipped", candidateSkipped);
    return root;
  }
}
