package dev.switchboard.operator.evaluation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the operator keeps of one evaluation so that restarts lose nothing: the totals per candidate
 * over the whole duration, the last cumulative report of each gateway replica (by its {@code
 * instance} id, so only what is new is added), a few example pairs, and the day of the last runbook
 * entry. Stored as JSON in the ConfigMap {@code switchboard-evaluations}.
 */
public final class EvaluationState {

  /** Example pairs kept for the runbook. */
  static final int EXAMPLES = 3;

  String id;
  String route;
  String startedAt;
  String endsAt;
  boolean automatic;
  String baselineTarget;

  /**
   * The share of requests mirrored, as the evaluation's spec said when it started: its runbook
   * entries say it even once the spec changed or was removed; null in a state an earlier version
   * stored.
   */
  Double sample;

  /**
   * The candidates ({@code provider/model}) it compares, and the report ConfigMap its entries go to
   * (as of its last collection): an evaluation that runs while the route's status does not say so
   * (the write that would have was lost) is ended from its state alone, with its final entry where
   * its daily ones are. Empty and null in a state an earlier version stored until it is collected.
   */
  List<String> candidates = List.of();

  String report;

  String lastRunbookDay;
  boolean completed;

  /**
   * The runbook entry that was due (interim, or final once completed) could not be written: it is
   * written at the next collection.
   */
  boolean runbookPending;

  /**
   * The final runbook entry (its text) and the report ConfigMap it goes to, while its write is
   * owed: kept so that an evaluation replaced by another (whose state is then no longer collected)
   * still gets it written by the route's next collections; null when none is owed.
   */
  String owedEntry;

  String owedReport;

  /**
   * What was wrong with the stored state and how it was rebuilt, when it was found corrupt; null
   * otherwise.
   */
  String recovered;

  /**
   * Why the operator ended this evaluation before its window was over (its baseline no longer
   * serves the route), and the reason's name; null when it ran (or runs) its course.
   */
  String endedEarly;

  String endedEarlyReason;

  /**
   * The evaluation this one ended early for (its id), when that one could not start at once: its
   * candidates did not resolve yet. It carries {@link #endedEarly} as its {@link #replaced} once it
   * starts, as one that starts at once does; null when none.
   */
  String replacedBy;

  /**
   * Why the evaluation before this one ended early for this one to start (its baseline was no
   * longer the route's first target), and the reason's name; null when it did not.
   */
  String replaced;

  String replacedReason;

  /**
   * The replicas (admin addresses) that had not answered when the evaluation completed, after the
   * final grace: pairs they counted since their last report are missing. Empty when all answered.
   */
  List<String> unreported = List.of();

  final Map<String, CandidateSums> totals = new TreeMap<>();
  final Map<String, Map<String, CandidateSums>> seen = new TreeMap<>();
  final List<JsonNode> examples = new ArrayList<>();

  /**
   * Adds one replica's report: for each candidate of this evaluation, what the replica counted
   * since its previous report — only pairs against this evaluation's baseline (a replica keeps
   * pairs of another first planned target apart; they are never pooled in) and never a candidate
   * compared with itself. A state without a fixed baseline (one stored by an earlier version) takes
   * the first it is told.
   */
  void fold(JsonNode report) {
    String instance = report.path("instance").asText("");
    Map<String, CandidateSums> before = seen.computeIfAbsent(instance, k -> new TreeMap<>());
    for (JsonNode c : report.path("candidates")) {
      if (!route.equals(c.path("route").asText()) || !id.equals(c.path("evaluation").asText())) {
        continue;
      }
      String target = c.path("target").asText();
      String against = c.path("baselineTarget").asText(null);
      if (baselineTarget == null) {
        baselineTarget = against;
      }
      if ((against != null && !against.equals(baselineTarget)) || target.equals(baselineTarget)) {
        continue;
      }
      CandidateSums now = CandidateSums.fromJson(c);
      CandidateSums previous = before.getOrDefault(target, CandidateSums.EMPTY);
      CandidateSums delta = now.atLeast(previous) ? now.minus(previous) : now;
      totals.merge(target, delta, CandidateSums::plus);
      before.put(target, now);
      for (JsonNode pair : c.path("recentPairs")) {
        if (examples.size() < EXAMPLES
            && pair.path("baseline").has("excerpt")
            && pair.path("candidate").has("excerpt")) {
          ObjectNode example = JsonNodeFactory.instance.objectNode().put("target", target);
          example.put("baseline", pair.path("baseline").path("excerpt").asText());
          example.put("candidate", pair.path("candidate").path("excerpt").asText());
          examples.add(example);
        }
      }
    }
  }

  ObjectNode toJson() {
    ObjectNode node =
        JsonNodeFactory.instance
            .objectNode()
            .put("id", id)
            .put("route", route)
            .put("startedAt", startedAt)
            .put("endsAt", endsAt)
            .put("automatic", automatic)
            .put("baselineTarget", baselineTarget)
            .put("lastRunbookDay", lastRunbookDay)
            .put("completed", completed);
    if (sample != null) {
      node.put("sample", sample);
    }
    if (!candidates.isEmpty()) {
      candidates.forEach(node.putArray("candidates")::add);
    }
    if (report != null) {
      node.put("report", report);
    }
    if (runbookPending) {
      node.put("runbookPending", true);
    }
    if (owedEntry != null) {
      node.put("owedEntry", owedEntry).put("owedReport", owedReport);
    }
    if (recovered != null) {
      node.put("recovered", recovered);
    }
    if (endedEarly != null) {
      node.put("endedEarly", endedEarly).put("endedEarlyReason", endedEarlyReason);
    }
    if (replacedBy != null) {
      node.put("replacedBy", replacedBy);
    }
    if (replaced != null) {
      node.put("replaced", replaced).put("replacedReason", replacedReason);
    }
    if (!unreported.isEmpty()) {
      unreported.forEach(node.putArray("unreported")::add);
    }
    ObjectNode t = node.putObject("totals");
    totals.forEach((k, v) -> t.set(k, v.toJson()));
    ObjectNode s = node.putObject("seen");
    seen.forEach(
        (instance, byTarget) -> {
          ObjectNode i = s.putObject(instance);
          byTarget.forEach((k, v) -> i.set(k, v.toJson()));
        });
    ArrayNode e = node.putArray("examples");
    examples.forEach(e::add);
    return node;
  }

  static EvaluationState fromJson(JsonNode node) {
    EvaluationState state = new EvaluationState();
    state.id = node.path("id").asText(null);
    state.route = node.path("route").asText(null);
    state.startedAt = node.path("startedAt").asText(null);
    state.endsAt = node.path("endsAt").asText(null);
    state.automatic = node.path("automatic").asBoolean(false);
    state.baselineTarget = node.path("baselineTarget").asText(null);
    state.sample = node.path("sample").isNumber() ? node.path("sample").asDouble() : null;
    List<String> candidates = new ArrayList<>();
    node.path("candidates").forEach(c -> candidates.add(c.asText()));
    state.candidates = List.copyOf(candidates);
    state.report = node.path("report").asText(null);
    state.lastRunbookDay = node.path("lastRunbookDay").asText(null);
    state.completed = node.path("completed").asBoolean(false);
    state.runbookPending = node.path("runbookPending").asBoolean(false);
    state.owedEntry = node.path("owedEntry").asText(null);
    state.owedReport = node.path("owedReport").asText(null);
    state.recovered = node.path("recovered").asText(null);
    state.endedEarly = node.path("endedEarly").asText(null);
    state.endedEarlyReason = node.path("endedEarlyReason").asText(null);
    state.replacedBy = node.path("replacedBy").asText(null);
    state.replaced = node.path("replaced").asText(null);
    state.replacedReason = node.path("replacedReason").asText(null);
    List<String> unreported = new ArrayList<>();
    node.path("unreported").forEach(r -> unreported.add(r.asText()));
    state.unreported = List.copyOf(unreported);
    for (Iterator<Map.Entry<String, JsonNode>> it = node.path("totals").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      state.totals.put(e.getKey(), CandidateSums.fromJson(e.getValue()));
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = node.path("seen").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      Map<String, CandidateSums> byTarget = new LinkedHashMap<>();
      e.getValue()
          .fields()
          .forEachRemaining(t -> byTarget.put(t.getKey(), CandidateSums.fromJson(t.getValue())));
      state.seen.put(e.getKey(), new TreeMap<>(byTarget));
    }
    node.path("examples").forEach(state.examples::add);
    return state;
  }
}
