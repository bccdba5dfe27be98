package dev.switchboard.operator.drift;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.api.v1alpha1.DriftResult;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class DriftRunnerTest {

  private final FakeDriftClient provider = new FakeDriftClient();
  private final DriftRunner runner = new DriftRunner(provider);

  static Map<String, String> prompts(int n) {
    Map<String, String> prompts = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      prompts.put(
          String.format("p%02d", i),
          "Summarise clause " + i + " of the quarterly compliance report in one sentence.");
    }
    return prompts;
  }

  static final List<DriftRunner.Subject> SUBJECTS =
      List.of(
          new DriftRunner.Subject("chat", "openai/gpt-4o", "azure/gpt-4o,openai/gpt-4o"),
          new DriftRunner.Subject("chat", "azure/gpt-4o", "azure/gpt-4o,openai/gpt-4o"));

  DriftRunner.Plan plan(Map<String, Baseline> baselines, Map<String, String> prompts) {
    return new DriftRunner.Plan(
        "ns",
        "sha256:t1",
        SUBJECTS,
        prompts,
        3,
        10_000,
        4,
        0.15,
        baselines,
        false,
        "2026-01-01T03:00:00Z");
  }

  static DriftResult result(DriftRunner.Outcome o, String target) {
    return o.results().stream().filter(r -> r.getTarget().equals(target)).findFirst().orElseThrow();
  }

  @Test
  void theFirstRunRecordsABaselineAndAnUnchangedProviderNeverAlarmsOver30Nights() throws Exception {
    Map<String, String> prompts = prompts(20);
    DriftRunner.Outcome first = runner.run(plan(Map.of(), prompts));

    assertThat(first.results()).hasSize(2).allMatch(r -> !r.getDrifted());
    assertThat(first.results()).allMatch(r -> r.getReason().equals("baseline recorded"));
    assertThat(first.baselines()).hasSize(2);
    assertThat(first.baselines().values())
        .allMatch(b -> b.answers().size() == 20 && "fp_1".equals(b.fingerprint()));
    assertThat(first.requests()).isEqualTo(2 * 20 * 3);

    Map<String, Baseline> baselines = first.baselines();
    int alarms = 0;
    for (int night = 0; night < 30; night++) {
      DriftRunner.Outcome o = runner.run(plan(baselines, prompts));
      alarms += (int) o.results().stream().filter(DriftResult::getDrifted).count();
      assertThat(o.results()).allMatch(r -> r.getDistance() == 0.0 && r.getAgreement() == 1.0);
      baselines = o.baselines();
    }
    assertThat(alarms).isZero();
  }

  /**
   * With {@code samples: 1} the answer is still compared with the baseline (a changed answer is
   * drift), but no prompt was answered twice: agreement and reproducibility are not measured and
   * not claimed (the agreement used to read 1.0, as if every prompt's samples had agreed), and a
   * target whose answers vary on their own cannot be told from one that drifted.
   */
  @Test
  void withOneSampleAChangeIsStillDriftButNoAgreementIsClaimed() throws Exception {
    Map<String, String> prompts = prompts(10);
    DriftRunner.Outcome first = runner.run(oneSample(Map.of(), prompts));
    assertThat(first.results()).allSatisfy(r -> assertThat(r.getAgreement()).isNull());

    provider.noisyTargets.add("azure/gpt-4o");
    provider.changedPrompts.add(prompts.get("p03"));
    DriftRunner.Outcome o = runner.run(oneSample(first.baselines(), prompts));

    assertThat(result(o, "openai/gpt-4o").getDrifted()).isTrue();
    assertThat(result(o, "openai/gpt-4o").getReason()).contains("p03");
    assertThat(o.results())
        .allSatisfy(
            r -> {
              assertThat(r.getAgreement()).isNull();
              assertThat(r.getReproducible()).isNull();
            });
    // Noise reads as drift: one sample cannot show that the target varies on its own.
    assertThat(result(o, "azure/gpt-4o").getDrifted()).isTrue();
  }

  DriftRunner.Plan oneSample(Map<String, Baseline> baselines, Map<String, String> prompts) {
    return new DriftRunner.Plan(
        "ns",
        "sha256:t1",
        SUBJECTS,
        prompts,
        1,
        10_000,
        4,
        0.15,
        baselines,
        false,
        "2026-01-01T03:00:00Z");
  }

  @Test
  void aFivePercentAnswerChangeIsCaughtInOneRun() throws Exception {
    Map<String, String> prompts = prompts(20);
    Map<String, Baseline> baselines = runner.run(plan(Map.of(), prompts)).baselines();
    provider.changedPrompts.add(prompts.get("p07")); // 1 of 20 = 5 %

    DriftRunner.Outcome o = runner.run(plan(baselines, prompts));

    DriftResult r = result(o, "openai/gpt-4o");
    assertThat(r.getDrifted()).isTrue();
    assertThat(r.getDriftedPrompts()).isEqualTo(1);
    assertThat(r.getDistance()).isGreaterThan(0.15);
    assertThat(r.getMeanDistance()).isLessThan(r.getDistance());
    assertThat(r.getReason()).contains("1 of 20 prompts", "p07");
    // The baseline is kept: the drift is reported again until a new baseline is asked for.
    assertThat(o.baselines()).isEqualTo(baselines);
  }

  @Test
  void aChangedFingerprintOrVersionIsDriftEvenWithEqualAnswers() throws Exception {
    Map<String, String> prompts = prompts(3);
    Map<String, Baseline> baselines = runner.run(plan(Map.of(), prompts)).baselines();
    provider.fingerprint = "fp_2";

    DriftResult r = result(runner.run(plan(baselines, prompts)), "azure/gpt-4o");

    assertThat(r.getDrifted()).isTrue();
    assertThat(r.getDistance()).isZero();
    assertThat(r.getReason()).isEqualTo("fingerprint fp_1 → fp_2");
    assertThat(r.getBaselineFingerprint()).isEqualTo("fp_1");
    assertThat(r.getFingerprint()).isEqualTo("fp_2");

    provider.fingerprint = "fp_1";
    provider.version = "model-2026-06-01";
    assertThat(result(runner.run(plan(baselines, prompts)), "azure/gpt-4o").getReason())
        .isEqualTo("model version model-2026-01-01 → model-2026-06-01");
  }

  @Test
  void changedTargetsOrARequestTakeANewBaseline() throws Exception {
    Map<String, String> prompts = prompts(3);
    Map<String, Baseline> baselines = runner.run(plan(Map.of(), prompts)).baselines();
    provider.changedPrompts.add(prompts.get("p01"));
    List<DriftRunner.Subject> moved =
        List.of(new DriftRunner.Subject("chat", "openai/gpt-4o", "openai/gpt-4o"));

    DriftRunner.Outcome o =
        runner.run(
            new DriftRunner.Plan(
                "ns",
                "sha256:t1",
                moved,
                prompts,
                3,
                1000,
                4,
                0.15,
                baselines,
                false,
                "2026-01-02T03:00:00Z"));
    DriftRunner.Outcome forced =
        runner.run(
            new DriftRunner.Plan(
                "ns",
                "sha256:t1",
                SUBJECTS,
                prompts,
                3,
                1000,
                4,
                0.15,
                baselines,
                true,
                "2026-01-02T03:00:00Z"));

    assertThat(o.results().get(0).getReason()).isEqualTo("baseline recorded");
    assertThat(o.results().get(0).getBaselineFrom()).isEqualTo("2026-01-02T03:00:00Z");
    assertThat(forced.results()).allMatch(r -> r.getReason().equals("baseline recorded"));
  }

  @Test
  void theBudgetAndTheConcurrencyBoundTheRun() throws Exception {
    Map<String, String> prompts = prompts(20);

    DriftRunner.Outcome o =
        runner.run(
            new DriftRunner.Plan(
                "ns",
                "sha256:t1",
                SUBJECTS,
                prompts,
                3,
                50,
                2,
                0.15,
                Map.of(),
                false,
                "2026-01-01T03:00:00Z"));

    // 2 targets x 3 samples = 6 requests per prompt: 50 allow 8 prompts (48 requests).
    assertThat(o.requests()).isEqualTo(48);
    assertThat(provider.requests.get()).isEqualTo(48);
    assertThat(provider.maxInFlight.get()).isLessThanOrEqualTo(2);
    assertThat(o.message()).contains("allows 8 of 20 prompts");
    assertThat(result(o, "openai/gpt-4o").getPrompts()).isEqualTo(8);
  }

  @Test
  void failedRequestsAreCountedNotMistakenForDriftNorForNoDrift() throws Exception {
    Map<String, String> prompts = prompts(4);
    Map<String, Baseline> baselines = runner.run(plan(Map.of(), prompts)).baselines();
    provider.failingTargets.add("azure/gpt-4o");

    DriftRunner.Outcome o = runner.run(plan(baselines, prompts));
    DriftResult r = result(o, "azure/gpt-4o");

    assertThat(r.getFailedRequests()).isEqualTo(12);
    assertThat(r.getDrifted()).isFalse();
    assertThat(r.getPrompts()).isZero();
    // Not "matches the baseline" with distance 0: nothing was compared.
    assertThat(r.getDistance()).isNull();
    assertThat(r.getAgreement()).isNull();
    assertThat(r.getReason()).isEqualTo("no answer (12 requests failed); not compared");
    assertThat(r.getError()).isEqualTo("HTTP 503");
    assertThat(r.getBaselineFrom()).isEqualTo(baselines.get(SUBJECTS.get(1).key()).takenAt());
    assertThat(o.baselines().get(SUBJECTS.get(1).key()))
        .isEqualTo(baselines.get(SUBJECTS.get(1).key()));
    assertThat(o.answered()).isEqualTo(12);
    assertThat(result(o, "openai/gpt-4o").getError()).isNull();
  }

  @Test
  void aTargetThatNeverAnsweredGetsNoBaseline() throws Exception {
    provider.failingTargets.add("azure/gpt-4o");

    DriftRunner.Outcome o = runner.run(plan(Map.of(), prompts(2)));

    assertThat(o.baselines()).containsOnlyKeys(SUBJECTS.get(0).key());
    assertThat(result(o, "azure/gpt-4o").getReason())
        .isEqualTo("no answer (6 requests failed); no baseline yet");
    assertThat(result(o, "azure/gpt-4o").getError()).isEqualTo("HTTP 503");
  }

  @Test
  void aRequestThatFoundNoGatewayMakesTheRunNoRunAndTakesNoBaselineFromWhatAnswered()
      throws Exception {
    // The gateway replica vanished after the first target's answers: the second was never asked.
    provider.noGatewayTargets.add("azure/gpt-4o");
    DriftRunner.Plan plan =
        new DriftRunner.Plan(
            "ns",
            "sha256:t1",
            SUBJECTS,
            prompts(2),
            3,
            10_000,
            1,
            0.15,
            Map.of(),
            false,
            "2026-01-01T03:00Z");

    DriftRunner.Outcome o = runner.run(plan);

    assertThat(o.noGateway()).isEqualTo("no gateway replica of namespace ns took it");
    assertThat(o.answered()).isEqualTo(6);
    assertThat(o.baselines()).isEmpty();
    // The first request without a gateway ends the sending: the rest would be thrown away.
    assertThat(provider.requests.get()).isEqualTo(6 + 1);

    provider.noGatewayTargets.clear();
    assertThat(runner.run(plan).noGateway()).isNull();
  }

  @Test
  void samplesThatDisagreeLowerTheAgreement() throws Exception {
    DriftClient flaky =
        new DriftClient() {
          private final java.util.concurrent.atomic.AtomicInteger n =
              new java.util.concurrent.atomic.AtomicInteger();

          @Override
          public Answer ask(
              String namespace, String route, String target, String prompt, String configVersion) {
            boolean odd = prompt.contains("1 of") && n.incrementAndGet() % 2 == 0;
            return new Answer(odd ? "other" : "same " + prompt, "v", "fp");
          }
        };
    Map<String, String> prompts = prompts(4);
    DriftRunner.Outcome o =
        new DriftRunner(flaky)
            .run(
                new DriftRunner.Plan(
                    "ns",
                    "sha256:t1",
                    List.of(SUBJECTS.get(0)),
                    prompts,
                    3,
                    100,
                    1,
                    0.15,
                    Map.of(),
                    false,
                    "2026-01-01T03:00:00Z"));

    assertThat(o.results().get(0).getAgreement()).isEqualTo(0.75);
  }

  @Test
  void aRunWhosePromptsAllJoinedTheBaselineComparedNothingAndDoesNotClaimNoDrift()
      throws Exception {
    Map<String, Baseline> baselines = runner.run(plan(Map.of(), prompts(3))).baselines();
    // The prompts ConfigMap was replaced: every answered prompt is new to the baseline.
    Map<String, String> replaced = new TreeMap<>();
    replaced.put("q00", "Name the three largest risks in the quarterly compliance report.");
    replaced.put("q01", "List the open findings of the quarterly compliance report.");
    provider.changedPrompts.addAll(replaced.values()); // however they answer: nothing to compare

    DriftRunner.Outcome o = runner.run(plan(baselines, replaced));

    DriftResult r = result(o, "openai/gpt-4o");
    assertThat(r.getDrifted()).isFalse();
    assertThat(r.getDistance()).isNull();
    assertThat(r.getReason()).doesNotContain("matches the baseline");
    // The new prompts joined the baseline: the next run compares them.
    assertThat(o.baselines().get(SUBJECTS.get(0).key()).answers()).containsKeys("q00", "q01");
    dev.switchboard.api.v1alpha1.DriftStatus status =
        new dev.switchboard.api.v1alpha1.DriftStatus();
    status.setResults(o.results());
    assertThat(DriftChecker.condition(status).reason()).isNotEqualTo("NoDrift");
  }

  @Test
  void aTargetWhoseOwnSamplesDisagreeIsNotReproducibleNotDrifted() throws Exception {
    // azure honours no seed here: each of its three samples of a prompt reads differently.
    provider.noisyTargets.add("azure/gpt-4o");
    Map<String, String> prompts = prompts(4);
    DriftRunner.Outcome first = runner.run(plan(Map.of(), prompts));
    assertThat(result(first, "azure/gpt-4o").getReproducible()).isFalse();
    assertThat(result(first, "azure/gpt-4o").getReason())
        .startsWith("baseline recorded; not reproducible: the samples of 4 of 4 prompts");
    assertThat(result(first, "openai/gpt-4o").getReproducible()).isNull();

    DriftRunner.Outcome night = runner.run(plan(first.baselines(), prompts));

    DriftResult noisy = result(night, "azure/gpt-4o");
    assertThat(noisy.getDrifted()).isFalse();
    assertThat(noisy.getReproducible()).isFalse();
    assertThat(noisy.getDistance()).isNull();
    assertThat(noisy.getDriftedPrompts()).isZero();
    assertThat(noisy.getReason())
        .startsWith("not reproducible: ")
        .contains("p00", "beyond distance 0.15");
    DriftResult steady = result(night, "openai/gpt-4o");
    assertThat(steady.getReason()).isEqualTo("matches the baseline");
    assertThat(steady.getReproducible()).isNull();

    // A changed fingerprint is drift all the same: it does not depend on sampling.
    provider.fingerprintsByTarget.put("azure/gpt-4o", "fp_2");
    DriftResult changed = result(runner.run(plan(first.baselines(), prompts)), "azure/gpt-4o");
    assertThat(changed.getDrifted()).isTrue();
    assertThat(changed.getReason()).startsWith("fingerprint fp_1 → fp_2; not reproducible");
  }

  @Test
  void aBaselineAskedAtAnotherTemperatureIsTakenAnewNotComparedWith() throws Exception {
    Map<String, String> prompts = prompts(2);
    DriftRunner.Outcome first = runner.run(plan(Map.of(), prompts));
    assertThat(first.baselines().values()).allMatch(b -> b.temperature() == 0.0);
    // Recorded before drift requests carried temperature 0: those answers are no reference.
    Map<String, Baseline> old = new TreeMap<>();
    first
        .baselines()
        .forEach(
            (k, b) ->
                old.put(
                    k,
                    new Baseline(
                        b.takenAt(),
                        b.targets(),
                        b.modelVersion(),
                        b.fingerprint(),
                        b.answers(),
                        null)));

    DriftRunner.Outcome next = runner.run(plan(old, prompts));

    assertThat(next.results()).allMatch(r -> r.getReason().equals("baseline recorded"));
    assertThat(next.baselines().values()).allMatch(b -> b.temperature() == 0.0);
  }
}
