package dev.switchboard.operator.drift;

import dev.switchboard.api.v1alpha1.DriftResult;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One drift run: every prompt, {@code samples} times, to every target of every route, at most
 * {@code concurrency} requests in flight and at most {@code maxRequests} in all; then per target
 * the distance of each prompt's answers to the baseline, the agreement of the samples, and whether
 * the model version or fingerprint changed. A target without a usable baseline (none yet, the
 * route's targets changed, or a new baseline was asked for) gets one from this run's answers
 * instead of a comparison. A request no gateway replica took ({@link
 * DriftClient.NoGatewayException}) makes the whole run no run ({@link Outcome#noGateway}).
 */
public final class DriftRunner {

  /** One target of one route to check. */
  public record Subject(String route, String target, String targetsKey) {

    /** The baseline ConfigMap key of this subject. */
    public String key() {
      return (route + "." + target).replaceAll("[^-._a-zA-Z0-9]", "_");
    }
  }

  /**
   * What to run.
   *
   * @param configVersion the version of the published routing table the subjects were taken from
   *     (null: not known), so that a replica that has not loaded it yet is told from a target's
   *     failure ({@link DriftClient#ask})
   */
  public record Plan(
      String namespace,
      String configVersion,
      List<Subject> subjects,
      Map<String, String> prompts,
      int samples,
      int maxRequests,
      int concurrency,
      double maxDistance,
      Map<String, Baseline> baselines,
      boolean rebaseline,
      String now) {}

  /**
   * What a run found.
   *
   * @param answered requests that got an answer; none (with {@code requests > 0}) means no target
   *     was reached and the run compared nothing and took no baseline
   * @param noGateway the first {@link DriftClient.NoGatewayException}'s text, null when every
   *     request found a gateway replica. Set, the attempt is no run whatever answered: a target
   *     asked while no replica took requests was never asked, so its results say nothing, the
   *     others' are half a run, and {@code baselines} are the plan's, untouched
   */
  public record Outcome(
      List<DriftResult> results,
      Map<String, Baseline> baselines,
      int requests,
      int answered,
      String message,
      String noGateway) {}

  /** Longest error text kept per target (a gateway's error body can be long). */
  static final int MAX_ERROR_CHARS = 300;

  private final DriftClient client;

  public DriftRunner(DriftClient client) {
    this.client = client;
  }

  /** The sorted {@code provider/model} list of a route's targets, as kept in a baseline. */
  public static String targetsKey(Collection<String> targets) {
    return targets.stream().sorted().collect(Collectors.joining(","));
  }

  /** Runs {@code plan}; blocks until every request answered or failed. */
  public Outcome run(Plan plan) throws InterruptedException {
    int perPrompt = Math.max(1, plan.subjects().size() * plan.samples());
    List<String> keys = new ArrayList<>(new TreeMap<>(plan.prompts()).keySet());
    int fitting = Math.min(keys.size(), plan.maxRequests() / perPrompt);
    String message = null;
    if (fitting < keys.size()) {
      message =
          "maxRequests "
              + plan.maxRequests()
              + " allows "
              + fitting
              + " of "
              + keys.size()
              + " prompts ("
              + plan.subjects().size()
              + " targets x "
              + plan.samples()
              + " samples each); the first "
              + fitting
              + " by key were checked";
      keys = keys.subList(0, fitting);
    }
    // subject → prompt → samples (null: failed)
    Map<Subject, Map<String, List<Future<DriftClient.Answer>>>> pending = new LinkedHashMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, plan.concurrency()));
    AtomicReference<DriftClient.NoGatewayException> noGateway = new AtomicReference<>();
    int requests = 0;
    try {
      for (Subject s : plan.subjects()) {
        Map<String, List<Future<DriftClient.Answer>>> byPrompt = new LinkedHashMap<>();
        for (String key : keys) {
          List<Future<DriftClient.Answer>> samples = new ArrayList<>();
          for (int i = 0; i < plan.samples(); i++) {
            String prompt = plan.prompts().get(key);
            samples.add(pool.submit(() -> ask(plan, s, prompt, noGateway)));
            requests++;
          }
          byPrompt.put(key, samples);
        }
        pending.put(s, byPrompt);
      }
      List<DriftResult> results = new ArrayList<>();
      Map<String, Baseline> baselines = new TreeMap<>(plan.baselines());
      int answeredRequests = 0;
      for (Map.Entry<Subject, Map<String, List<Future<DriftClient.Answer>>>> e :
          pending.entrySet()) {
        Map<String, List<DriftClient.Answer>> answers = new LinkedHashMap<>();
        int failed = 0;
        String error = null;
        for (Map.Entry<String, List<Future<DriftClient.Answer>>> p : e.getValue().entrySet()) {
          List<DriftClient.Answer> got = new ArrayList<>();
          for (Future<DriftClient.Answer> f : p.getValue()) {
            try {
              got.add(f.get());
              answeredRequests++;
            } catch (java.util.concurrent.ExecutionException ex) {
              failed++;
              if (error == null) {
                error = describe(ex.getCause());
              }
            }
          }
          answers.put(p.getKey(), got);
        }
        DriftResult result = compare(plan, e.getKey(), answers, failed, baselines);
        result.setError(error);
        results.add(result);
      }
      DriftClient.NoGatewayException missing = noGateway.get();
      return missing == null
          ? new Outcome(results, baselines, requests, answeredRequests, message, null)
          : new Outcome(
              results, plan.baselines(), requests, answeredRequests, message, describe(missing));
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * One request; once a request found no gateway replica the attempt is no run, so the requests
   * still queued are not sent (they would spend on providers for answers nobody keeps).
   */
  private DriftClient.Answer ask(
      Plan plan,
      Subject subject,
      String prompt,
      AtomicReference<DriftClient.NoGatewayException> noGateway)
      throws Exception {
    DriftClient.NoGatewayException missing = noGateway.get();
    if (missing != null) {
      throw missing;
    }
    try {
      return client.ask(
          plan.namespace(), subject.route(), subject.target(), prompt, plan.configVersion());
    } catch (DriftClient.NoGatewayException e) {
      noGateway.compareAndSet(null, e);
      throw e;
    }
  }

  private static DriftResult compare(
      Plan plan,
      Subject subject,
      Map<String, List<DriftClient.Answer>> answers,
      int failed,
      Map<String, Baseline> baselines) {
    DriftResult r = new DriftResult();
    r.setRoute(subject.route());
    r.setTarget(subject.target());
    r.setFailedRequests(failed);
    List<DriftClient.Answer> all =
        answers.values().stream().flatMap(List::stream).collect(Collectors.toList());
    r.setModelVersion(mostCommon(all, DriftClient.Answer::modelVersion));
    r.setFingerprint(mostCommon(all, DriftClient.Answer::fingerprint));
    List<List<String>> samples =
        answers.values().stream()
            .filter(l -> !l.isEmpty())
            .map(l -> l.stream().map(a -> AnswerDistance.cut(a.text())).toList())
            .toList();
    // Agreement is measured on prompts answered at least twice: a single answer agrees with nothing
    // (samples: 1, or all but one sample failed), and counting it as agreeing claimed a perfect
    // agreement rate that no comparison had shown. None such: not measured (null).
    List<List<String>> repeated = samples.stream().filter(l -> l.size() >= 2).toList();
    r.setAgreement(repeated.isEmpty() ? null : AnswerDistance.agreement(repeated));
    r.setPrompts(samples.size());
    // The target's own samples of one run that differ beyond the drift threshold: its answers vary
    // on their own (no seed honoured, sampling even at temperature 0), so a distance to the
    // baseline would measure noise, not drift.
    List<String> unsteady = new ArrayList<>();
    double spread = 0;
    for (Map.Entry<String, List<DriftClient.Answer>> p : answers.entrySet()) {
      if (p.getValue().size() < 2) {
        continue;
      }
      double d =
          AnswerDistance.spread(
              p.getValue().stream().map(a -> AnswerDistance.cut(a.text())).toList());
      spread = Math.max(spread, d);
      if (d > plan.maxDistance()) {
        unsteady.add(p.getKey());
      }
    }
    String notReproducible =
        unsteady.isEmpty()
            ? null
            : "not reproducible: the samples of "
                + unsteady.size()
                + " of "
                + samples.size()
                + " prompts differ from each other beyond distance "
                + plan.maxDistance()
                + " ("
                + String.join(", ", unsteady.subList(0, Math.min(5, unsteady.size())))
                + (unsteady.size() > 5 ? ", …" : "")
                + "; largest "
                + round(spread)
                + "), so its answers are not compared with the baseline";
    if (notReproducible != null) {
      r.setReproducible(false);
    }

    Baseline base = baselines.get(subject.key());
    if (samples.isEmpty()) {
      // Nothing answered (or nothing was sent): nothing to compare and no baseline to take. Not
      // "matches the baseline": a target that did not answer has not been shown free of drift.
      r.setAgreement(null);
      r.setDrifted(false);
      r.setDriftedPrompts(0);
      if (base != null) {
        r.setBaselineFrom(base.takenAt());
        r.setBaselineModelVersion(base.modelVersion());
        r.setBaselineFingerprint(base.fingerprint());
      }
      r.setReason(
          (failed > 0 ? "no answer (" + failed + " requests failed); " : "no prompt was sent; ")
              + (base == null ? "no baseline yet" : "not compared"));
      return r;
    }
    boolean fresh =
        base == null
            || plan.rebaseline()
            || !Objects.equals(base.targets(), subject.targetsKey())
            || !Objects.equals(base.temperature(), DriftClient.TEMPERATURE);
    if (fresh) {
      Map<String, String> reference = new TreeMap<>();
      answers.forEach(
          (k, l) -> {
            if (!l.isEmpty()) {
              reference.put(k, AnswerDistance.cut(l.get(0).text()));
            }
          });
      Baseline taken =
          new Baseline(
              plan.now(),
              subject.targetsKey(),
              r.getModelVersion(),
              r.getFingerprint(),
              reference,
              DriftClient.TEMPERATURE);
      baselines.put(subject.key(), taken);
      r.setBaselineFrom(taken.takenAt());
      r.setBaselineModelVersion(taken.modelVersion());
      r.setBaselineFingerprint(taken.fingerprint());
      r.setDrifted(false);
      r.setDriftedPrompts(0);
      r.setReason(
          notReproducible == null ? "baseline recorded" : "baseline recorded; " + notReproducible);
      return r;
    }
    r.setBaselineFrom(base.takenAt());
    r.setBaselineModelVersion(base.modelVersion());
    r.setBaselineFingerprint(base.fingerprint());
    Map<String, String> reference = new TreeMap<>(base.answers());
    double max = 0;
    double sum = 0;
    int compared = 0;
    List<String> driftedKeys = new ArrayList<>();
    for (Map.Entry<String, List<DriftClient.Answer>> p : answers.entrySet()) {
      if (p.getValue().isEmpty()) {
        continue;
      }
      String ref = reference.get(p.getKey());
      if (ref == null) {
        // A prompt added since the baseline: it joins the baseline, compared from the next run.
        reference.put(p.getKey(), AnswerDistance.cut(p.getValue().get(0).text()));
        continue;
      }
      if (notReproducible != null) {
        // Answers that vary on their own are not held against the baseline: no distance, no
        // drifted prompts. A changed model version or fingerprint below is drift all the same.
        continue;
      }
      // The farthest sample counts: one drifted sample in three is drift on a deterministic
      // route.
      double d = 0;
      for (DriftClient.Answer a : p.getValue()) {
        d = Math.max(d, AnswerDistance.normalized(ref, a.text()));
      }
      max = Math.max(max, d);
      sum += d;
      compared++;
      if (d > plan.maxDistance()) {
        driftedKeys.add(p.getKey());
      }
    }
    if (reference.size() != base.answers().size()) {
      baselines.put(
          subject.key(),
          new Baseline(
              base.takenAt(),
              base.targets(),
              base.modelVersion(),
              base.fingerprint(),
              reference,
              base.temperature()));
    }
    // No prompt with a baseline answer answered (the prompts were all replaced): nothing was
    // compared, so no distance and not "matches the baseline"; the new prompts joined the baseline.
    r.setDistance(compared == 0 ? null : round(max));
    r.setMeanDistance(compared == 0 ? null : round(sum / compared));
    r.setDriftedPrompts(driftedKeys.size());
    List<String> reasons = new ArrayList<>();
    if (!driftedKeys.isEmpty()) {
      reasons.add(
          driftedKeys.size()
              + " of "
              + compared
              + " prompts beyond distance "
              + plan.maxDistance()
              + " ("
              + String.join(", ", driftedKeys.subList(0, Math.min(5, driftedKeys.size())))
              + (driftedKeys.size() > 5 ? ", …" : "")
              + "; largest "
              + round(max)
              + ")");
    }
    if (changed(base.modelVersion(), r.getModelVersion())) {
      reasons.add("model version " + base.modelVersion() + " → " + r.getModelVersion());
    }
    if (changed(base.fingerprint(), r.getFingerprint())) {
      reasons.add("fingerprint " + base.fingerprint() + " → " + r.getFingerprint());
    }
    r.setDrifted(!reasons.isEmpty());
    if (notReproducible != null) {
      reasons.add(notReproducible);
    }
    r.setReason(
        !reasons.isEmpty()
            ? String.join("; ", reasons)
            : compared == 0 ? "baseline recorded" : "matches the baseline");
    return r;
  }

  /** An error's text for status: its message (or its kind when it has none), cut short. */
  static String describe(Throwable error) {
    if (error == null) {
      return "unknown error";
    }
    String text =
        error.getMessage() == null || error.getMessage().isBlank()
            ? error.getClass().getSimpleName()
            : error.getMessage();
    return text.length() <= MAX_ERROR_CHARS ? text : text.substring(0, MAX_ERROR_CHARS - 1) + "…";
  }

  private static boolean changed(String before, String now) {
    return before != null && now != null && !before.equals(now);
  }

  private static String mostCommon(
      List<DriftClient.Answer> answers, Function<DriftClient.Answer, String> field) {
    return answers.stream()
        .map(field)
        .filter(Objects::nonNull)
        .collect(Collectors.groupingBy(v -> v, TreeMap::new, Collectors.counting()))
        .entrySet()
        .stream()
        .max(Map.Entry.comparingByValue())
        .map(Map.Entry::getKey)
        .orElse(null);
  }

  private static double round(double v) {
    return Math.round(v * 10_000) / 10_000.0;
  }
}
