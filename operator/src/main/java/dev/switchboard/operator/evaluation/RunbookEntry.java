package dev.switchboard.operator.evaluation;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The shared runbook's Markdown entry for one evaluation: what was compared and when, sample sizes,
 * the table of figures with 95 % intervals, the verdicts, and (only when the route's policy logs
 * bodies) a few paired example answers — so support can trace "why does the chatbot sound
 * different" to a provider change.
 */
public final class RunbookEntry {

  private RunbookEntry() {}

  /** The ConfigMap key of an evaluation's entry: one per route and evaluation. */
  /** How every entry starts (what marks a ConfigMap of entries as the operator's). */
  public static final String HEADING = "## Evaluation `";

  private static final String WHEN = "- **When:** ";

  private static final String STATUS = "- **Status:** ";

  private static final String SAMPLE = "- **Sample:** ";

  /** How the Status line of an entry written when its evaluation ended starts (both ways). */
  private static final String ENDED_EARLY = "ended early (final entry)";

  private static final String COMPLETED = "completed (final entry)";

  public static String key(String route, String id) {
    return route + "." + id + ".md";
  }

  /** The entry's Markdown. */
  public static String markdown(
      String namespace,
      EvaluationState state,
      Map<String, EvaluationStatistics.Result> results,
      double sample,
      String updatedAt,
      boolean finalEntry) {
    StringBuilder md = new StringBuilder();
    md.append(HEADING)
        .append(state.id)
        .append("` of route `")
        .append(namespace)
        .append('/')
        .append(state.route)
        .append("`\n\n");
    md.append(STATUS)
        .append(
            state.endedEarly != null
                ? ENDED_EARLY + ": " + state.endedEarly
                : finalEntry ? COMPLETED : "running (interim entry, updated daily)")
        .append(state.automatic ? " — started automatically for an approaching retirement" : "")
        .append('\n');
    if (state.replaced != null) {
      md.append("- **Started in place of an earlier evaluation:** ")
          .append(state.replaced)
          .append('\n');
    }
    md.append("- **Compared:** baseline `")
        .append(state.baselineTarget == null ? "(none yet)" : state.baselineTarget)
        .append("` against ")
        .append(String.join(", ", results.keySet().stream().map(t -> "`" + t + "`").toList()))
        .append('\n');
    md.append(WHEN)
        .append(state.startedAt)
        .append(" to ")
        .append(state.endsAt)
        .append(" (figures as of ")
        .append(updatedAt)
        .append(")\n");
    if (!state.unreported.isEmpty()) {
      md.append("- **Not in the final figures:** gateway replica")
          .append(state.unreported.size() == 1 ? " " : "s ")
          .append(String.join(", ", state.unreported.stream().map(r -> "`" + r + "`").toList()))
          .append(" did not answer within ")
          .append(EvaluationTracker.FINAL_GRACE.toMinutes())
          .append(" minutes of the end; the pairs counted since their last report are missing\n");
    }
    if (Double.isNaN(sample)) {
      // Only an evaluation whose spec is gone, whose state predates the sample in it and which
      // has no earlier entry to read it from: said, rather than silently left out.
      md.append(SAMPLE)
          .append("unknown (its spec is gone, and neither its state, saved by an earlier version,")
          .append(" nor an earlier entry records it)\n");
    } else {
      md.append(SAMPLE)
          .append(fmt(sample * 100, 1))
          .append(" % of live chat requests, each sent to the baseline and every candidate\n");
    }
    md.append(
        "- **Method:** ratios of means on paired requests with a delta-method 95 % interval;"
            + " refusal and error rates as differences with Newcombe's interval; no verdict below "
            + EvaluationStatistics.MIN_PAIRS
            + " pairs\n\n");
    for (Map.Entry<String, EvaluationStatistics.Result> e : results.entrySet()) {
      String target = e.getKey();
      EvaluationStatistics.Result r = e.getValue();
      // A candidate no replica has reported on yet has the sums of no data.
      CandidateSums sums = state.totals.getOrDefault(target, CandidateSums.EMPTY);
      md.append("### `")
          .append(target)
          .append("`: ")
          .append(String.join(", ", r.verdicts()))
          .append("\n\n");
      md.append("Sampled requests: ")
          .append(sums.requests())
          .append(", answered by both: ")
          .append(r.pairs())
          .append("; mirrors skipped (never sent: no key, quota or bulkhead exhausted — neither")
          .append(" requests nor errors): baseline ")
          .append(sums.baselineSkipped())
          .append(", candidate ")
          .append(sums.candidateSkipped())
          .append("\n\n");
      md.append("| figure | baseline | candidate | change | 95 % interval |\n");
      md.append("|---|---|---|---|---|\n");
      ratioRow(
          md, "output tokens per answer", sums.figure("outputTokens"), r.outputTokensRatio(), 0);
      ratioRow(md, "words per answer", sums.figure("words"), r.wordsRatio(), 1);
      ratioRow(md, "sentences per answer", sums.figure("sentences"), r.sentencesRatio(), 1);
      ratioRow(md, "time to first token (ms)", sums.figure("ttftMs"), r.ttftRatio(), 0);
      ratioRow(md, "latency (ms)", sums.figure("latencyMs"), r.latencyRatio(), 0);
      ratioRow(md, "cost per answer (USD)", sums.figure("costUsd"), r.costRatio(), 6);
      deltaRow(
          md,
          "refusal rate",
          r.baselineRefusalRate(),
          r.candidateRefusalRate(),
          r.refusalRateDelta());
      deltaRow(
          md,
          "error rate",
          sums.requests() == 0 ? 0 : (double) sums.baselineFailures() / sums.requests(),
          sums.requests() == 0 ? 0 : (double) sums.candidateFailures() / sums.requests(),
          r.errorRateDelta());
      md.append('\n');
      List<JsonNode> examples =
          state.examples.stream().filter(x -> target.equals(x.path("target").asText())).toList();
      if (!examples.isEmpty()) {
        md.append("Examples (the same request, both answers):\n\n");
        for (JsonNode x : examples) {
          md.append("> **baseline:** ").append(quote(x.path("baseline").asText())).append("\n>\n");
          md.append("> **candidate:** ").append(quote(x.path("candidate").asText())).append("\n\n");
        }
      }
    }
    return md.toString();
  }

  /**
   * The sample an entry states (its share, 0–1, to the precision written), empty when {@code text}
   * (null: no entry) states none.
   */
  static Optional<Double> sample(String text) {
    int at = text == null || !text.startsWith(HEADING) ? -1 : text.indexOf("\n" + SAMPLE);
    int percent = at < 0 ? -1 : text.indexOf(" % ", at);
    int eol = at < 0 ? -1 : text.indexOf('\n', at + 1);
    if (percent < 0 || (eol >= 0 && percent > eol)) {
      return Optional.empty();
    }
    try {
      double share =
          Double.parseDouble(text.substring(at + 1 + SAMPLE.length(), percent).trim()) / 100;
      return share >= 0 && share <= 1 ? Optional.of(share) : Optional.empty();
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /**
   * Whether {@code text} (null: no entry) is an evaluation's final entry, written when it completed
   * or ended early; an interim (daily) entry is not.
   */
  static boolean isFinal(String text) {
    if (text == null || !text.startsWith(HEADING)) {
      return false;
    }
    int status = text.indexOf("\n" + STATUS);
    return status >= 0
        && (text.startsWith(ENDED_EARLY, status + 1 + STATUS.length())
            || text.startsWith(COMPLETED, status + 1 + STATUS.length()));
  }

  /**
   * The keys of {@code route}'s entries in a report ConfigMap's {@code data} beyond the {@code
   * keep} most recent (by the end of their window, as each entry says; {@code writing} counts as
   * the most recent): the ones to remove when {@code writing} is written. Keys of other routes, and
   * values that are not entries, are never named.
   */
  static List<String> beyondKept(Map<String, String> data, String route, String writing, int keep) {
    List<Map.Entry<String, String>> entries =
        data.entrySet().stream()
            .filter(
                e ->
                    !e.getKey().equals(writing)
                        && route.equals(routeOf(e.getKey()))
                        && e.getValue() != null
                        && e.getValue().startsWith(HEADING))
            .sorted(
                java.util.Comparator.comparing(
                        (Map.Entry<String, String> e) -> endsAt(e.getValue()))
                    .thenComparing(Map.Entry::getKey)
                    .reversed())
            .toList();
    // keep − 1 of the others: the entry being written is one of the kept.
    return entries.stream().skip(Math.max(0, keep - 1)).map(Map.Entry::getKey).toList();
  }

  /** The route of an entry key {@code <route>.<id>.md} (route names may hold dots, ids never). */
  private static String routeOf(String key) {
    if (!key.endsWith(".md")) {
      return null;
    }
    String withoutSuffix = key.substring(0, key.length() - ".md".length());
    int dot = withoutSuffix.lastIndexOf('.');
    return dot < 0 ? null : withoutSuffix.substring(0, dot);
  }

  /** The end of the window an entry reports ("" when it says none), ISO-8601: sorts by time. */
  private static String endsAt(String text) {
    int when = text.indexOf(WHEN);
    if (when < 0) {
      return "";
    }
    int to = text.indexOf(" to ", when);
    int space = to < 0 ? -1 : text.indexOf(' ', to + 4);
    return space < 0 ? "" : text.substring(to + 4, space);
  }

  private static void ratioRow(
      StringBuilder md,
      String name,
      CandidateSums.Paired p,
      Optional<EvaluationStatistics.Estimate> ratio,
      int digits) {
    if (p.n() == 0) {
      md.append("| ").append(name).append(" | – | – | – | – |\n");
      return;
    }
    md.append("| ")
        .append(name)
        .append(" | ")
        .append(fmt(p.sumB() / p.n(), digits))
        .append(" | ")
        .append(fmt(p.sumC() / p.n(), digits))
        .append(" | ")
        .append(ratio.map(e -> "×" + fmt(e.value(), 2)).orElse("–"))
        .append(" | ")
        .append(ratio.map(e -> "×" + fmt(e.low(), 2) + " – ×" + fmt(e.high(), 2)).orElse("–"))
        .append(" |\n");
  }

  private static void deltaRow(
      StringBuilder md,
      String name,
      double baseline,
      double candidate,
      Optional<EvaluationStatistics.Estimate> delta) {
    md.append("| ")
        .append(name)
        .append(" | ")
        .append(fmt(baseline * 100, 1))
        .append(" % | ")
        .append(fmt(candidate * 100, 1))
        .append(" % | ")
        .append(delta.map(e -> signed(e.value() * 100) + " pp").orElse("–"))
        .append(" | ")
        .append(
            delta
                .map(e -> signed(e.low() * 100) + " – " + signed(e.high() * 100) + " pp")
                .orElse("–"))
        .append(" |\n");
  }

  private static String quote(String text) {
    return text.replace("\n", " ").replace("|", "\\|");
  }

  private static String signed(double v) {
    return (v >= 0 ? "+" : "") + fmt(v, 1);
  }

  static String fmt(double v, int digits) {
    return String.format(Locale.ROOT, "%." + digits + "f", v);
  }
}
