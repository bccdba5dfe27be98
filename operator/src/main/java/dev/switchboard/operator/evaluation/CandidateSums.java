package dev.switchboard.operator.evaluation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The sufficient statistics of one evaluation candidate against its baseline, as gateways report
 * them ({@code GET /admin/evaluations}) and as the operator adds them up across replicas and days:
 * counts per arm, and per figure the paired sums Σb, Σc, Σb², Σc², Σbc, and the mirrors skipped
 * (never sent: no key, quota or bulkhead), which are neither requests nor failures. Immutable.
 */
public record CandidateSums(
    long requests,
    long baselineFailures,
    long candidateFailures,
    long baselineAnswered,
    long candidateAnswered,
    long baselineRefusals,
    long candidateRefusals,
    Map<String, Paired> figures,
    long baselineSkipped,
    long candidateSkipped) {

  /** Sums without skipped mirrors. */
  public CandidateSums(
      long requests,
      long baselineFailures,
      long candidateFailures,
      long baselineAnswered,
      long candidateAnswered,
      long baselineRefusals,
      long candidateRefusals,
      Map<String, Paired> figures) {
    this(
        requests,
        baselineFailures,
        candidateFailures,
        baselineAnswered,
        candidateAnswered,
        baselineRefusals,
        candidateRefusals,
        figures,
        0,
        0);
  }

  /** The figures the gateway measures, in report order. */
  public static final String[] FIGURES = {
    "outputTokens", "words", "sentences", "ttftMs", "latencyMs", "costUsd"
  };

  /** Paired sums of one figure. */
  public record Paired(long n, double sumB, double sumC, double sumB2, double sumC2, double sumBc) {
    static final Paired EMPTY = new Paired(0, 0, 0, 0, 0, 0);

    Paired plus(Paired o) {
      return new Paired(
          n + o.n, sumB + o.sumB, sumC + o.sumC, sumB2 + o.sumB2, sumC2 + o.sumC2, sumBc + o.sumBc);
    }

    Paired minus(Paired o) {
      return new Paired(
          n - o.n, sumB - o.sumB, sumC - o.sumC, sumB2 - o.sumB2, sumC2 - o.sumC2, sumBc - o.sumBc);
    }
  }

  public static final CandidateSums EMPTY = new CandidateSums(0, 0, 0, 0, 0, 0, 0, Map.of());

  /** The paired sums of a figure (empty when none). */
  public Paired figure(String name) {
    return figures.getOrDefault(name, Paired.EMPTY);
  }

  /** The sum of two reports (two replicas, or a stored total and a new increment). */
  public CandidateSums plus(CandidateSums o) {
    return combine(o, 1);
  }

  /** What was added since {@code earlier} (the same replica's previous report). */
  public CandidateSums minus(CandidateSums earlier) {
    return combine(earlier, -1);
  }

  private CandidateSums combine(CandidateSums o, int sign) {
    Map<String, Paired> merged = new LinkedHashMap<>();
    for (String name : FIGURES) {
      merged.put(
          name, sign > 0 ? figure(name).plus(o.figure(name)) : figure(name).minus(o.figure(name)));
    }
    return new CandidateSums(
        requests + sign * o.requests,
        baselineFailures + sign * o.baselineFailures,
        candidateFailures + sign * o.candidateFailures,
        baselineAnswered + sign * o.baselineAnswered,
        candidateAnswered + sign * o.candidateAnswered,
        baselineRefusals + sign * o.baselineRefusals,
        candidateRefusals + sign * o.candidateRefusals,
        merged,
        baselineSkipped + sign * o.baselineSkipped,
        candidateSkipped + sign * o.candidateSkipped);
  }

  /** Whether every count is at least the other's (so a report is a continuation of it). */
  public boolean atLeast(CandidateSums o) {
    return requests >= o.requests
        && figure("words").n() >= o.figure("words").n()
        && baselineSkipped >= o.baselineSkipped
        && candidateSkipped >= o.candidateSkipped;
  }

  /** Reads the gateway's (and the stored state's) JSON shape. */
  public static CandidateSums fromJson(JsonNode node) {
    Map<String, Paired> figures = new LinkedHashMap<>();
    for (String name : FIGURES) {
      JsonNode f = node.path("figures").path(name);
      figures.put(
          name,
          new Paired(
              f.path("n").asLong(),
              f.path("sumB").asDouble(),
              f.path("sumC").asDouble(),
              f.path("sumB2").asDouble(),
              f.path("sumC2").asDouble(),
              f.path("sumBc").asDouble()));
    }
    return new CandidateSums(
        node.path("requests").asLong(),
        node.path("baselineFailures").asLong(),
        node.path("candidateFailures").asLong(),
        node.path("baselineAnswered").asLong(),
        node.path("candidateAnswered").asLong(),
        node.path("baselineRefusals").asLong(),
        node.path("candidateRefusals").asLong(),
        figures,
        node.path("baselineSkipped").asLong(),
        node.path("candidateSkipped").asLong());
  }

  /** The JSON shape {@link #fromJson} reads. */
  public ObjectNode toJson() {
    ObjectNode node =
        JsonNodeFactory.instance
            .objectNode()
            .put("requests", requests)
            .put("baselineFailures", baselineFailures)
            .put("candidateFailures", candidateFailures)
            .put("baselineAnswered", baselineAnswered)
            .put("candidateAnswered", candidateAnswered)
            .put("baselineRefusals", baselineRefusals)
            .put("candidateRefusals", candidateRefusals)
            .put("baselineSkipped", baselineSkipped)
            .put("candidateSkipped", candidateSkipped);
    ObjectNode f = node.putObject("figures");
    for (String name : FIGURES) {
      Paired p = figure(name);
      f.putObject(name)
          .put("n", p.n())
          .put("sumB", p.sumB())
          .put("sumC", p.sumC())
          .put("sumB2", p.sumB2())
          .put("sumC2", p.sumC2())
          .put("sumBc", p.sumBc());
    }
    return node;
  }
}
