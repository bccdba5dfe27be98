package dev.switchboard.operator.render;

import dev.switchboard.api.v1alpha1.EvaluationCandidate;
import dev.switchboard.api.v1alpha1.EvaluationCandidateStatus;
import dev.switchboard.api.v1alpha1.EvaluationSpec;
import dev.switchboard.api.v1alpha1.EvaluationStatus;
import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.ModelRouteSpec;
import dev.switchboard.contract.Durations;
import dev.switchboard.contract.RoutingTable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The routing table's {@code evaluation} of a route: from {@code spec.evaluation}, or from an
 * evaluation the operator started itself for an approaching retirement (recorded in {@code
 * status.evaluation} with {@code automatic: true}). Gone once the status says it completed; its end
 * ({@code untilEpochMs}) is the status's {@code endsAt}, so gateways stop mirroring on their own
 * clock. A declared evaluation is rendered only once every candidate's provider is in the table
 * (and declares the model); one that started keeps its candidates that still are, so a broken
 * candidate never makes the table invalid.
 */
public final class EvaluationRendering {

  /** Sample share of an automatic evaluation of a successor. */
  public static final double AUTOMATIC_SAMPLE = 0.1;

  /** Duration of an automatic evaluation of a successor (the checklist's three days). */
  public static final String AUTOMATIC_DURATION = "72h";

  /** The default opt-out label. */
  public static final String DEFAULT_OPT_OUT = RoutingTable.Evaluation.DEFAULT_NO_MIRROR_LABEL;

  private EvaluationRendering() {}

  /**
   * The identity of a declared evaluation on its first baseline: changes with its candidates,
   * sample or duration. See {@link #declaredId} for the evaluation a route runs now.
   */
  public static String id(EvaluationSpec spec) {
    return hash(key(spec));
  }

  /**
   * The identity of a declared evaluation started again on another baseline ({@code
   * provider/model}) while the one before it ran: a new evaluation, with its own state, runbook
   * entry and pairs.
   */
  public static String id(EvaluationSpec spec, String baseline) {
    return hash(key(spec) + ",baseline=" + baseline);
  }

  /**
   * The evaluation the route's {@code spec.evaluation} means now: the one in {@code
   * status.evaluation} while it is of this spec and still compares with the route's first target,
   * or once it completed (a target changed afterwards starts nothing); a new one ({@link
   * #id(EvaluationSpec, String)}) when the first target changed while it ran, since its baseline
   * then serves none of the requests it is to be compared on; a new run of it ({@link #nextRun})
   * when the operator ended it early for a replacement that never started — the spec or first
   * target it was ended for was put back while that one waited for its candidates; otherwise {@link
   * #id(EvaluationSpec)}.
   */
  public static String declaredId(ModelRoute route) {
    EvaluationSpec spec = route.getSpec().getEvaluation();
    String first = id(spec);
    EvaluationStatus status = route.getStatus() == null ? null : route.getStatus().getEvaluation();
    if (status == null || status.getId() == null || Boolean.TRUE.equals(status.getAutomatic())) {
      return notEnded(first, status);
    }
    String before = baselineOf(status);
    if (!ofSpec(spec, status)) {
      return notEnded(first, status);
    }
    String now = declaredBaseline(route.getSpec());
    if (before != null && before.equals(now) && endedEarly(status, spec)) {
      // Ended early (its final entry written, its pairs no longer folded), and what it was ended
      // for is gone again: the route means this evaluation again, as a new run — its own window,
      // pairs and runbook entry, so the ended run's final entry stays as written.
      return notEnded(nextRun(status.getId()), status);
    }
    if (before == null
        || before.equals(now)
        || !("Running".equals(status.getPhase()) || endedEarly(status, spec))) {
      return status.getId();
    }
    return notEnded(now == null ? first : id(spec, now), status);
  }

  /**
   * Whether the evaluation {@code status} holds (any run of it) is one of {@code spec}: its id is
   * the spec's, or the spec's on the baseline the status names (started again on a new first
   * target). Then it has the spec's candidates, sample and duration.
   */
  public static boolean ofSpec(EvaluationSpec spec, EvaluationStatus status) {
    if (spec == null || status == null || status.getId() == null) {
      return false;
    }
    String evaluation = firstRun(status.getId());
    String before = baselineOf(status);
    return evaluation.equals(id(spec)) || (before != null && evaluation.equals(id(spec, before)));
  }

  /**
   * Runbook entries kept per route in its report ConfigMap (the tracker removes the oldest beyond
   * these): here, beside {@link #ENDED_IDS_KEPT}, so the two cannot drift apart — the evaluation
   * package reads it from render, never the other way round (no package cycle).
   */
  public static final int RUNBOOK_ENTRIES_PER_ROUTE = 10;

  /**
   * How many ids of ended runs {@code status.evaluation.endedIds} keeps: as many as the runbook
   * keeps entries per route (older entries are gone, so there is nothing left to overwrite).
   */
  public static final int ENDED_IDS_KEPT = RUNBOOK_ENTRIES_PER_ROUTE;

  /**
   * The route's {@code status.evaluation} once it has neither a declared nor an automatic
   * evaluation: only the {@code endedIds} of {@code before} (its own run joining them: removing the
   * spec ends it), so declaring the spec again later means a new run ({@code <id>-r2}) and never
   * overwrites an ended run's runbook entry; null when there is none.
   */
  public static EvaluationStatus withoutEvaluation(EvaluationStatus before) {
    List<String> ended = endedIds(before, null);
    if (ended == null) {
      return null;
    }
    EvaluationStatus status = new EvaluationStatus();
    status.setEndedIds(ended);
    return status;
  }

  /**
   * {@code id}, or the first later run of it ({@link #nextRun}) that has not run on the route yet:
   * an evaluation that ended (its state removed, its final runbook entry written) and is meant
   * again — its spec or first target put back after its replacement started — runs anew under a new
   * id, so its new daily entries never overwrite the ended run's final one.
   */
  private static String notEnded(String id, EvaluationStatus status) {
    List<String> ended = status == null ? null : status.getEndedIds();
    String run = id;
    while (ended != null && ended.contains(run)) {
      run = nextRun(run);
    }
    return run;
  }

  /**
   * The {@code endedIds} of the status that holds the run {@code id} after {@code before}: those
   * {@code before} kept, and {@code before}'s own run when it is another (it ended: completed, or
   * ended early for this one, its final runbook entry written); the newest {@link #ENDED_IDS_KEPT},
   * oldest first; null for none.
   */
  public static List<String> endedIds(EvaluationStatus before, String id) {
    if (before == null) {
      return null;
    }
    List<String> ended =
        new ArrayList<>(before.getEndedIds() == null ? List.of() : before.getEndedIds());
    if (before.getId() != null && !before.getId().equals(id) && !ended.contains(before.getId())) {
      ended.add(before.getId());
    }
    ended.remove(id);
    while (ended.size() > ENDED_IDS_KEPT) {
      ended.remove(0);
    }
    return ended.isEmpty() ? null : ended;
  }

  /** What follows an evaluation's id in the id of a later run of it: {@code <id>-r<n>}. */
  private static final String RUN = "-r";

  /**
   * The id of the next run of the evaluation {@code id} names: {@code e1a2b3c4} → {@code
   * e1a2b3c4-r2} → {@code e1a2b3c4-r3}. Evaluation ids never hold a dot, so state and runbook keys
   * ({@code <route>.<id>.json}, {@code .md}) stay readable.
   */
  static String nextRun(String id) {
    String evaluation = firstRun(id);
    int run =
        evaluation.length() == id.length()
            ? 1
            : Integer.parseInt(id.substring(evaluation.length() + RUN.length()));
    return evaluation + RUN + (run + 1);
  }

  /** Whether two ids name runs of the same evaluation ({@link #nextRun}). */
  public static boolean sameEvaluation(String id, String other) {
    return id != null && other != null && firstRun(id).equals(firstRun(other));
  }

  /** The id of the evaluation's first run: {@code id} without its run suffix. */
  static String firstRun(String id) {
    int at = id.lastIndexOf(RUN);
    int digits = id.length() - at - RUN.length();
    if (at <= 0 || digits < 1 || digits > 6) {
      return id;
    }
    for (int i = at + RUN.length(); i < id.length(); i++) {
      if (!Character.isDigit(id.charAt(i))) {
        return id;
      }
    }
    return id.substring(0, at);
  }

  /**
   * Whether the evaluation the status holds completed before its window was over: the operator
   * ended it because its first target changed while the next one still waited for its candidates,
   * which then start on the new first target once they resolve (one completed in full starts
   * nothing).
   */
  private static boolean endedEarly(EvaluationStatus status, EvaluationSpec spec) {
    if (!"Completed".equals(status.getPhase())
        || status.getStartedAt() == null
        || status.getEndsAt() == null) {
      return false;
    }
    try {
      Instant started = Instant.parse(status.getStartedAt());
      return Instant.parse(status.getEndsAt()).isBefore(started.plusMillis(durationMs(spec)));
    } catch (DateTimeParseException e) {
      return false;
    }
  }

  private static String key(EvaluationSpec spec) {
    StringBuilder key = new StringBuilder();
    if (spec.getCandidates() != null) {
      for (EvaluationCandidate c : spec.getCandidates()) {
        key.append(c.getProviderRef() == null ? "" : c.getProviderRef().getName())
            .append('/')
            .append(c.getModel())
            .append(',');
      }
    }
    key.append(spec.getSample()).append(',').append(spec.getDuration());
    return key.toString();
  }

  private static String hash(String key) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
      return "e" + HexFormat.of().formatHex(digest, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always available", e);
    }
  }

  /** The route's table evaluation, if one is running. */
  public static Optional<RoutingTable.Evaluation> of(
      ModelRoute route, Map<String, RoutingTable.Provider> providers) {
    EvaluationSpec spec = route.getSpec() == null ? null : route.getSpec().getEvaluation();
    EvaluationStatus status = route.getStatus() == null ? null : route.getStatus().getEvaluation();
    if (spec != null) {
      String id = declaredId(route);
      boolean same = status != null && id.equals(status.getId());
      if (same && "Completed".equals(status.getPhase())) {
        return Optional.empty();
      }
      List<RoutingTable.Target> candidates = new ArrayList<>();
      List<EvaluationCandidate> declared =
          spec.getCandidates() == null ? List.of() : spec.getCandidates();
      for (EvaluationCandidate c : declared) {
        if (c.getProviderRef() != null) {
          candidate(c.getProviderRef().getName(), c.getModel(), providers)
              .ifPresent(candidates::add);
        }
      }
      // Not started until every candidate renders (its window would run on a subset, or on none,
      // and its report say so with zero requests); once running, one whose provider goes is left
      // out and the rest go on. EvaluationReady names the candidates that do not render.
      boolean started = same && "Running".equals(status.getPhase());
      return candidates.isEmpty() || (!started && candidates.size() < declared.size())
          ? Optional.empty()
          : Optional.of(
              new RoutingTable.Evaluation(
                  id,
                  candidates,
                  spec.getSample() == null ? 0.1 : spec.getSample(),
                  same ? epochMs(status.getEndsAt()) : null,
                  optOutLabel(spec),
                  same && baselineOf(status) != null
                      ? baselineOf(status)
                      : declaredBaseline(route.getSpec())));
    }
    if (status != null
        && Boolean.TRUE.equals(status.getAutomatic())
        && "Running".equals(status.getPhase())
        && status.getCandidates() != null) {
      List<RoutingTable.Target> candidates = new ArrayList<>();
      for (EvaluationCandidateStatus c : status.getCandidates()) {
        String target = c.getTarget() == null ? "" : c.getTarget();
        int slash = target.indexOf('/');
        if (slash > 0) {
          candidate(target.substring(0, slash), target.substring(slash + 1), providers)
              .ifPresent(candidates::add);
        }
      }
      return candidates.isEmpty()
          ? Optional.empty()
          : Optional.of(
              new RoutingTable.Evaluation(
                  status.getId(),
                  candidates,
                  AUTOMATIC_SAMPLE,
                  epochMs(status.getEndsAt()),
                  DEFAULT_OPT_OUT,
                  baselineOf(status)));
    }
    return Optional.empty();
  }

  /**
   * The baseline of a declared evaluation as it starts ({@code provider/model}): the route's first
   * target, what serves it today; null when it names none. Once running, the baseline is the one in
   * {@code status.evaluation.baseline}, fixed for the whole window.
   */
  public static String declaredBaseline(ModelRouteSpec spec) {
    if (spec == null || spec.getTargets() == null) {
      return null;
    }
    return spec.getTargets().stream()
        .filter(t -> t.getProviderRef() != null && t.getModel() != null)
        .findFirst()
        .map(t -> t.getProviderRef().getName() + "/" + t.getModel())
        .orElse(null);
  }

  private static String baselineOf(EvaluationStatus status) {
    return status.getBaseline() == null ? null : status.getBaseline().getTarget();
  }

  /**
   * The consumer label whose requests are not mirrored: the spec's, or the default when it has none
   * or the legacy default (which no Consumer could carry; a schema that defaulted it stored it).
   */
  static String optOutLabel(EvaluationSpec spec) {
    String label = spec.getOptOutLabel();
    return label == null || EvaluationSpec.LEGACY_OPT_OUT_LABEL.equals(label)
        ? DEFAULT_OPT_OUT
        : label;
  }

  /** Milliseconds of a duration field with the evaluation default. */
  public static long durationMs(EvaluationSpec spec) {
    Long ms = spec == null ? null : Durations.toMillisOrNull(spec.getDuration());
    return ms == null ? Durations.toMillisOrNull(AUTOMATIC_DURATION) : ms;
  }

  private static Optional<RoutingTable.Target> candidate(
      String provider, String model, Map<String, RoutingTable.Provider> providers) {
    RoutingTable.Provider p = providers.get(provider);
    if (p == null || model == null || (p.listsModels() && p.model(model).isEmpty())) {
      return Optional.empty();
    }
    return Optional.of(new RoutingTable.Target(provider, model, 1, 0));
  }

  private static Long epochMs(String instant) {
    if (instant == null) {
      return null;
    }
    try {
      return Instant.parse(instant).toEpochMilli();
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
