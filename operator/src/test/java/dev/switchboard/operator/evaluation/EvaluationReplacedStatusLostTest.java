package dev.switchboard.operator.evaluation;

import static dev.switchboard.operator.evaluation.EvaluationTrackerTest.START;
import static dev.switchboard.operator.evaluation.EvaluationTrackerTest.report;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.api.v1alpha1.EvaluationCandidate;
import dev.switchboard.api.v1alpha1.EvaluationSpec;
import dev.switchboard.api.v1alpha1.EvaluationStatus;
import dev.switchboard.api.v1alpha1.LocalObjectRef;
import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.ModelRouteSpec;
import dev.switchboard.api.v1alpha1.ModelRouteStatus;
import dev.switchboard.api.v1alpha1.RouteTarget;
import dev.switchboard.kubemock.EmbeddedKubernetesApi;
import dev.switchboard.operator.render.EvaluationRendering;
import dev.switchboard.operator.render.NamespaceView;
import dev.switchboard.operator.testing.MutableClock;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * A running declared evaluation replaced by a new spec or a new first target ends with its final
 * runbook entry, and the replacement's first save removes its state key. When the route's status
 * write that said so is lost, the next reconcile still sees the old evaluation running: it used to
 * start it afresh under its old id (its state was gone) and overwrite its real final entry with one
 * of an empty state. An evaluation whose final entry is written is never started afresh.
 */
class EvaluationReplacedStatusLostTest {

  private static final String NS = "team-a";

  private static ModelRoute route() {
    ModelRoute route = new ModelRoute();
    route.setMetadata(new ObjectMetaBuilder().withName("chat").withNamespace(NS).build());
    ModelRouteSpec spec = new ModelRouteSpec();
    spec.setTargets(List.of(target("gpt-4-turbo")));
    EvaluationCandidate candidate = new EvaluationCandidate();
    LocalObjectRef openai = new LocalObjectRef();
    openai.setName("openai");
    candidate.setProviderRef(openai);
    candidate.setModel("gpt-5");
    EvaluationSpec evaluation = new EvaluationSpec();
    evaluation.setCandidates(List.of(candidate));
    evaluation.setSample(0.1);
    evaluation.setDuration("72h");
    spec.setEvaluation(evaluation);
    route.setSpec(spec);
    return route;
  }

  private static RouteTarget target(String model) {
    LocalObjectRef openai = new LocalObjectRef();
    openai.setName("openai");
    RouteTarget target = new RouteTarget();
    target.setProviderRef(openai);
    target.setModel(model);
    return target;
  }

  private static Clock at(Instant instant) {
    return Clock.fixed(instant, ZoneId.of("UTC"));
  }

  private static NamespaceView view(ModelRoute route) {
    return new NamespaceView(NS, List.of(), List.of(), List.of(route), n -> Optional.empty());
  }

  private static Map<String, String> data(EmbeddedKubernetesApi api, String name) {
    ConfigMap cm = api.client().configMaps().inNamespace(NS).withName(name).get();
    return cm == null || cm.getData() == null ? Map.of() : cm.getData();
  }

  private static void publish(ModelRoute route, EvaluationStatus evaluation) {
    ModelRouteStatus status = new ModelRouteStatus();
    status.setEvaluation(evaluation);
    route.setStatus(status);
  }

  @Test
  void aSpecChangeWhoseStatusWriteIsLostDoesNotOverwriteTheReplacedOnesFinalEntry() {
    replacedWhileItsStatusWriteIsLost(
        route -> route.getSpec().getEvaluation().setSample(0.5), EvaluationTracker.SPEC_CHANGED);
  }

  @Test
  void aNewFirstTargetWhoseStatusWriteIsLostDoesNotOverwriteTheReplacedOnesFinalEntry() {
    replacedWhileItsStatusWriteIsLost(
        route -> route.getSpec().setTargets(List.of(target("gpt-4.1"))),
        EvaluationTracker.BASELINE_CHANGED);
  }

  /**
   * A new spec that also names another report ConfigMap: the replaced evaluation's final entry goes
   * beside its daily ones (the ConfigMap its status names), the new evaluation's entries to the new
   * one. It used to go to the new spec's ConfigMap, away from the rest of its record.
   */
  @Test
  void theReplacedEvaluationsFinalEntryGoesBesideItsDailyOnesWhenTheNewSpecNamesAnotherReport() {
    ModelRoute route = route();
    String oldId = EvaluationRendering.id(route.getSpec().getEvaluation());
    List<JsonNode> reports = List.of(report("a", oldId, "openai/gpt-5", 60, 1.25, 4));
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      publish(
          route,
          new EvaluationTracker(api.client(), ns -> reports, at(START))
              .track(route, view(route))
              .orElseThrow()
              .status());
      route.getSpec().getEvaluation().setSample(0.5);
      dev.switchboard.api.v1alpha1.EvaluationReport custom =
          new dev.switchboard.api.v1alpha1.EvaluationReport();
      custom.setConfigMapName("team-runbook");
      route.getSpec().getEvaluation().setReport(custom);
      Instant replacedAt = START.plus(Duration.ofHours(5));

      EvaluationTracker.Outcome replaced =
          new EvaluationTracker(api.client(), ns -> reports, at(replacedAt))
              .track(route, view(route))
              .orElseThrow();

      assertThat(replaced.writeFailed()).isEmpty();
      assertThat(data(api, EvaluationTracker.RUNBOOK_CONFIG_MAP).get("chat." + oldId + ".md"))
          .contains("ended early (final entry): evaluation " + oldId);
      assertThat(data(api, "team-runbook")).doesNotContainKey("chat." + oldId + ".md");
    }
  }

  @Test
  void anEndedEvaluationIsNotStartedAfreshWhileItsStartedReplacementWaitsForACandidate() {
    replacedWhileItsStatusWriteIsLost(
        route -> route.getSpec().getEvaluation().setSample(0.5),
        EvaluationTracker.SPEC_CHANGED,
        true);
  }

  private void replacedWhileItsStatusWriteIsLost(Consumer<ModelRoute> change, String reason) {
    replacedWhileItsStatusWriteIsLost(change, reason, false);
  }

  /**
   * {@code waiting}: at the reconcile after the lost write, the replacement's candidate no longer
   * resolves and the status does not say it started, so the reconcile asks to end the evaluation it
   * replaces ({@link EvaluationTracker#endReplaced}) rather than track it.
   */
  private void replacedWhileItsStatusWriteIsLost(
      Consumer<ModelRoute> change, String reason, boolean waiting) {
    ModelRoute route = route();
    String oldId = EvaluationRendering.id(route.getSpec().getEvaluation());
    String oldEntry = "chat." + oldId + ".md";
    AtomicReference<List<JsonNode>> reports =
        new AtomicReference<>(List.of(report("a", oldId, "openai/gpt-5", 60, 1.25, 4)));
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      publish(
          route,
          new EvaluationTracker(api.client(), ns -> reports.get(), at(START))
              .track(route, view(route))
              .orElseThrow()
              .status());
      change.accept(route);
      Instant replacedAt = START.plus(Duration.ofHours(5));
      EvaluationTracker.Outcome replaced =
          new EvaluationTracker(api.client(), ns -> reports.get(), at(replacedAt))
              .track(route, view(route))
              .orElseThrow();
      String newId = replaced.status().getId();
      assertThat(newId).isNotEqualTo(oldId);
      assertThat(replaced.endedEarly())
          .hasValueSatisfying(
              e -> {
                assertThat(e.reason()).isEqualTo(reason);
                assertThat(e.now()).isTrue();
              });
      String finalEntry = data(api, EvaluationTracker.RUNBOOK_CONFIG_MAP).get(oldEntry);
      assertThat(finalEntry)
          .contains("ended early (final entry): evaluation " + oldId)
          .contains("Sampled requests: 60, answered by both: 60")
          .contains(START + " to " + replacedAt);
      // The replacement's save removed the old key: its results are in its final entry.
      assertThat(data(api, EvaluationTracker.STATE_CONFIG_MAP))
          .containsOnlyKeys("chat." + newId + ".json");
      // The status write of that reconcile is lost: the route still says the old one runs. The
      // gateways no longer mirror for it, so their reports hold none of its pairs any more.
      assertThat(route.getStatus().getEvaluation().getId()).isEqualTo(oldId);
      reports.set(List.of());
      Instant next = replacedAt.plus(EvaluationTracker.COLLECT_EVERY);

      EvaluationTracker tracker =
          new EvaluationTracker(api.client(), ns -> reports.get(), at(next));
      EvaluationTracker.Outcome again =
          (waiting ? tracker.endReplaced(route, view(route)) : tracker.track(route, view(route)))
              .orElseThrow();

      // The old evaluation's final entry stays as written; it gets no state again.
      assertThat(data(api, EvaluationTracker.RUNBOOK_CONFIG_MAP).get(oldEntry))
          .isEqualTo(finalEntry);
      assertThat(data(api, EvaluationTracker.STATE_CONFIG_MAP))
          .containsOnlyKeys("chat." + newId + ".json");
      // The replacement goes on, and the status now says what the lost write would have.
      assertThat(again.status().getId()).isEqualTo(newId);
      assertThat(again.status().getPhase()).isEqualTo("Running");
      assertThat(again.status().getStartedAt()).isEqualTo(replacedAt.toString());
      assertThat(again.status().getEndedIds()).containsExactly(oldId);
      assertThat(again.writeFailed()).isEmpty();
      // Its event was recorded when it ended, not again; the condition stays for the new window.
      assertThat(again.endedEarly())
          .hasValueSatisfying(
              e -> {
                assertThat(e.reason()).isEqualTo(reason);
                assertThat(e.now()).isFalse();
              });
    }
  }

  /**
   * The evaluation the spec meant while a status write was lost: A ran, a spec change ended it and
   * started B (A's final entry written, B's state saved, the status saying so lost), and the spec
   * changed again before the next reconcile. The status still names A, ended already, so B was
   * never ended: C's first save removed B's state, and B had no final entry at all.
   */
  @Test
  void aSecondSpecChangeAfterALostStatusWriteEndsTheEvaluationThatRanWithItsFinalEntry() {
    twoChangesAfterALostStatusWrite(false);
  }

  /** The same while C waits for a candidate: B ends at once, and C carries why once it starts. */
  @Test
  void aSecondSpecChangeWhoseEvaluationWaitsEndsTheOneThatRanBeforeItStarts() {
    twoChangesAfterALostStatusWrite(true);
  }

  private void twoChangesAfterALostStatusWrite(boolean waiting) {
    ModelRoute route = route();
    String a = EvaluationRendering.id(route.getSpec().getEvaluation());
    AtomicReference<List<JsonNode>> reports =
        new AtomicReference<>(List.of(report("a", a, "openai/gpt-5", 60, 1.25, 4)));
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      publish(
          route,
          new EvaluationTracker(api.client(), ns -> reports.get(), at(START))
              .track(route, view(route))
              .orElseThrow()
              .status());
      route.getSpec().getEvaluation().setSample(0.5);
      String b = EvaluationRendering.id(route.getSpec().getEvaluation());
      Instant bStarted = START.plus(Duration.ofHours(5));
      // B starts; the status write that says so is lost: the route still says A runs.
      new EvaluationTracker(api.client(), ns -> reports.get(), at(bStarted))
          .track(route, view(route))
          .orElseThrow();
      assertThat(route.getStatus().getEvaluation().getId()).isEqualTo(a);
      String aEntry = data(api, EvaluationTracker.RUNBOOK_CONFIG_MAP).get("chat." + a + ".md");
      // The gateways mirror B (the table follows the spec) and report its pairs.
      reports.set(List.of(report("a", b, "openai/gpt-5", 40, 1.25, 4)));
      route.getSpec().getEvaluation().setSample(0.3);
      String c = EvaluationRendering.id(route.getSpec().getEvaluation());
      Instant changed = bStarted.plus(Duration.ofHours(1));
      EvaluationTracker tracker =
          new EvaluationTracker(api.client(), ns -> reports.get(), at(changed));

      EvaluationTracker.Outcome outcome =
          (waiting ? tracker.endReplaced(route, view(route)) : tracker.track(route, view(route)))
              .orElseThrow();

      String bEntry = data(api, EvaluationTracker.RUNBOOK_CONFIG_MAP).get("chat." + b + ".md");
      assertThat(bEntry)
          .contains("ended early (final entry): evaluation " + b)
          .contains("spec.evaluation changed")
          .contains("Sampled requests: 40, answered by both: 40")
          .contains("50.0 % of live chat requests")
          .contains(bStarted + " to " + changed);
      assertThat(data(api, EvaluationTracker.RUNBOOK_CONFIG_MAP).get("chat." + a + ".md"))
          .isEqualTo(aEntry);
      assertThat(outcome.writeFailed()).isEmpty();
      assertThat(outcome.endedEarly())
          .hasValueSatisfying(
              e -> {
                assertThat(e.reason()).isEqualTo(EvaluationTracker.SPEC_CHANGED);
                assertThat(e.message()).startsWith("evaluation " + b + " ended early");
                assertThat(e.now()).isTrue();
              });
      if (waiting) {
        // B is over; C has not started.
        assertThat(outcome.status().getId()).isEqualTo(b);
        assertThat(outcome.status().getPhase()).isEqualTo("Completed");
        assertThat(outcome.status().getEndedIds()).containsExactly(a);
        publish(route, outcome.status());
        outcome =
            new EvaluationTracker(api.client(), ns -> reports.get(), at(changed.plusSeconds(60)))
                .track(route, view(route))
                .orElseThrow();
        assertThat(outcome.endedEarly())
            .hasValueSatisfying(
                e -> {
                  assertThat(e.message()).startsWith("evaluation " + b + " ended early");
                  assertThat(e.now()).isFalse();
                });
      }
      // C starts cleanly; B's id is among the ended runs, so its spec put back means B-r2.
      assertThat(outcome.status().getId()).isEqualTo(c);
      assertThat(outcome.status().getPhase()).isEqualTo("Running");
      assertThat(outcome.status().getCandidates().get(0).getRequests()).isZero();
      assertThat(outcome.status().getEndedIds()).containsExactly(a, b);
      assertThat(data(api, EvaluationTracker.STATE_CONFIG_MAP))
          .containsOnlyKeys("chat." + c + ".json");
      // Nothing of B is written again by later reconciles.
      publish(route, outcome.status());
      new EvaluationTracker(api.client(), ns -> reports.get(), at(changed.plusSeconds(120)))
          .track(route, view(route))
          .orElseThrow();
      assertThat(data(api, EvaluationTracker.RUNBOOK_CONFIG_MAP).get("chat." + b + ".md"))
          .isEqualTo(bEntry);
    }
  }

  /**
   * The route's first status write lost (or the route deleted and created again before the operator
   * saw the deletion, its former self's state still stored): the status names no evaluation while
   * A's state says it runs. A changed spec started B, whose first save removed A's state: A, which
   * ran, had no final entry.
   */
  @Test
  void aSpecChangeWhileTheStatusNamesNoEvaluationEndsTheOneThatRanWithItsFinalEntry() {
    ModelRoute route = route();
    String a = EvaluationRendering.id(route.getSpec().getEvaluation());
    List<JsonNode> reports = List.of(report("a", a, "openai/gpt-5", 60, 1.25, 4));
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      // A starts; the status write that says so is lost.
      new EvaluationTracker(api.client(), ns -> reports, at(START))
          .track(route, view(route))
          .orElseThrow();
      assertThat(route.getStatus()).isNull();
      route.getSpec().getEvaluation().setSample(0.5);
      String b = EvaluationRendering.id(route.getSpec().getEvaluation());
      Instant changed = START.plus(Duration.ofHours(5));

      EvaluationTracker.Outcome outcome =
          new EvaluationTracker(api.client(), ns -> reports, at(changed))
              .track(route, view(route))
              .orElseThrow();

      assertThat(data(api, EvaluationTracker.RUNBOOK_CONFIG_MAP).get("chat." + a + ".md"))
          .contains("ended early (final entry): evaluation " + a)
          .contains("Sampled requests: 60, answered by both: 60")
          .contains("10.0 % of live chat requests")
          .contains(START + " to " + changed);
      assertThat(outcome.status().getId()).isEqualTo(b);
      assertThat(outcome.status().getPhase()).isEqualTo("Running");
      assertThat(outcome.status().getEndedIds()).containsExactly(a);
      assertThat(outcome.endedEarly())
          .hasValueSatisfying(
              e -> {
                assertThat(e.reason()).isEqualTo(EvaluationTracker.SPEC_CHANGED);
                assertThat(e.now()).isTrue();
              });
      assertThat(data(api, EvaluationTracker.STATE_CONFIG_MAP))
          .containsOnlyKeys("chat." + b + ".json");
    }
  }

  /**
   * A lost status write, then {@code spec.evaluation} removed: the status still names A (ended
   * already, its state gone), so nothing was ended and B's state stayed until a later reconcile
   * removed it with no final entry.
   */
  @Test
  void theSpecRemovedAfterALostStatusWriteEndsTheEvaluationThatRanWithItsFinalEntry() {
    ModelRoute route = route();
    String a = EvaluationRendering.id(route.getSpec().getEvaluation());
    AtomicReference<List<JsonNode>> reports =
        new AtomicReference<>(List.of(report("a", a, "openai/gpt-5", 60, 1.25, 4)));
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      publish(
          route,
          new EvaluationTracker(api.client(), ns -> reports.get(), at(START))
              .track(route, view(route))
              .orElseThrow()
              .status());
      route.getSpec().getEvaluation().setSample(0.5);
      String b = EvaluationRendering.id(route.getSpec().getEvaluation());
      Instant bStarted = START.plus(Duration.ofHours(5));
      new EvaluationTracker(api.client(), ns -> reports.get(), at(bStarted))
          .track(route, view(route))
          .orElseThrow();
      reports.set(List.of(report("a", b, "openai/gpt-5", 40, 1.25, 4)));
      route.getSpec().setEvaluation(null);
      Instant removed = bStarted.plus(Duration.ofHours(1));

      EvaluationTracker.Outcome outcome =
          new EvaluationTracker(api.client(), ns -> reports.get(), at(removed))
              .track(route, view(route))
              .orElseThrow();

      assertThat(data(api, EvaluationTracker.RUNBOOK_CONFIG_MAP).get("chat." + b + ".md"))
          .contains("ended early (final entry): evaluation " + b)
          .contains("spec.evaluation was removed")
          .contains("Sampled requests: 40, answered by both: 40")
          .contains(bStarted + " to " + removed);
      assertThat(outcome.status().getId()).isNull();
      assertThat(outcome.status().getEndedIds()).containsExactly(a, b);
      assertThat(outcome.endedEarly())
          .hasValueSatisfying(
              e -> {
                assertThat(e.reason()).isEqualTo(EvaluationTracker.SPEC_REMOVED);
                assertThat(e.now()).isTrue();
              });
      assertThat(outcome.writeFailed()).isEmpty();
      assertThat(data(api, EvaluationTracker.STATE_CONFIG_MAP)).isEmpty();
    }
  }

  /**
   * The route had no evaluation when this operator started (looked at once, nothing left), then A
   * started with its status write lost, then {@code spec.evaluation} was removed: the status names
   * no evaluation, and A's state stayed for good — or, looked at first after a restart, was removed
   * as keys an earlier version left, with no final entry.
   */
  @Test
  void theSpecRemovedWhileTheStatusNamesNoEvaluationEndsTheOneThatRanWithItsFinalEntry() {
    ModelRoute route = route();
    EvaluationSpec spec = route.getSpec().getEvaluation();
    String a = EvaluationRendering.id(spec);
    List<JsonNode> reports = List.of(report("a", a, "openai/gpt-5", 60, 1.25, 4));
    MutableClock clock = new MutableClock(START);
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      EvaluationTracker tracker = new EvaluationTracker(api.client(), ns -> reports, clock);
      route.getSpec().setEvaluation(null);
      assertThat(tracker.track(route, view(route))).isEmpty();
      route.getSpec().setEvaluation(spec);
      tracker.track(route, view(route)).orElseThrow(); // its status write is lost
      route.getSpec().setEvaluation(null);
      clock.advance(Duration.ofHours(5));

      EvaluationTracker.Outcome outcome = tracker.track(route, view(route)).orElseThrow();

      assertThat(data(api, EvaluationTracker.RUNBOOK_CONFIG_MAP).get("chat." + a + ".md"))
          .contains("ended early (final entry): evaluation " + a)
          .contains("spec.evaluation was removed")
          .contains("Sampled requests: 60, answered by both: 60");
      assertThat(outcome.status().getId()).isNull();
      assertThat(outcome.status().getEndedIds()).containsExactly(a);
      assertThat(outcome.endedEarly())
          .hasValueSatisfying(
              e -> assertThat(e.reason()).isEqualTo(EvaluationTracker.SPEC_REMOVED));
      assertThat(data(api, EvaluationTracker.STATE_CONFIG_MAP)).isEmpty();
      // Once ended and removed, later reconciles write nothing.
      String entry = data(api, EvaluationTracker.RUNBOOK_CONFIG_MAP).get("chat." + a + ".md");
      publish(route, outcome.status());
      clock.advance(Duration.ofMinutes(1));
      assertThat(tracker.track(route, view(route))).isEmpty();
      assertThat(data(api, EvaluationTracker.RUNBOOK_CONFIG_MAP).get("chat." + a + ".md"))
          .isEqualTo(entry);
    }
  }

  /** What the API server answers a write it refuses (not retried by the client on its own). */
  private static final String FORBIDDEN =
      "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"code\":403,"
          + "\"reason\":\"Forbidden\",\"message\":\"configmaps is forbidden: quota frozen\"}";

  /**
   * As above, while A's final entry was still owed (its write refused when B started, so A's state
   * stayed beside B's): A's next save, which writes it, removed B's state — the one that ran — with
   * no final entry. No save removes the state of a declared evaluation still running.
   */
  @Test
  void anOwedFinalEntryWrittenLaterDoesNotTakeTheStateOfTheEvaluationThatRanWithIt() {
    ModelRoute route = route();
    String a = EvaluationRendering.id(route.getSpec().getEvaluation());
    AtomicReference<List<JsonNode>> reports =
        new AtomicReference<>(List.of(report("a", a, "openai/gpt-5", 60, 1.25, 4)));
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      publish(
          route,
          new EvaluationTracker(api.client(), ns -> reports.get(), at(START))
              .track(route, view(route))
              .orElseThrow()
              .status());
      route.getSpec().getEvaluation().setSample(0.5);
      String b = EvaluationRendering.id(route.getSpec().getEvaluation());
      // Every runbook write of B's start is refused (A's final entry, and its retry): owed.
      api.mockServer()
          .expect()
          .post()
          .withPath("/api/v1/namespaces/" + NS + "/configmaps")
          .andReturn(403, FORBIDDEN)
          .times(6);
      Instant bStarted = START.plus(Duration.ofHours(5));
      EvaluationTracker.Outcome started =
          new EvaluationTracker(api.client(), ns -> reports.get(), at(bStarted))
              .track(route, view(route))
              .orElseThrow();
      assertThat(started.writeFailed()).isPresent();
      assertThat(data(api, EvaluationTracker.STATE_CONFIG_MAP))
          .containsKeys("chat." + a + ".json", "chat." + b + ".json");
      // B's status write is lost; the spec changes again.
      reports.set(List.of(report("a", b, "openai/gpt-5", 40, 1.25, 4)));
      route.getSpec().getEvaluation().setSample(0.3);
      String c = EvaluationRendering.id(route.getSpec().getEvaluation());
      Instant changed = bStarted.plus(Duration.ofHours(1));

      EvaluationTracker.Outcome outcome =
          new EvaluationTracker(api.client(), ns -> reports.get(), at(changed))
              .track(route, view(route))
              .orElseThrow();

      assertThat(data(api, EvaluationTracker.RUNBOOK_CONFIG_MAP).get("chat." + a + ".md"))
          .contains("ended early (final entry): evaluation " + a);
      assertThat(data(api, EvaluationTracker.RUNBOOK_CONFIG_MAP).get("chat." + b + ".md"))
          .contains("ended early (final entry): evaluation " + b)
          .contains("Sampled requests: 40, answered by both: 40");
      assertThat(outcome.status().getId()).isEqualTo(c);
      assertThat(outcome.status().getEndedIds()).containsExactly(a, b);
      assertThat(outcome.writeFailed()).isEmpty();
      assertThat(data(api, EvaluationTracker.STATE_CONFIG_MAP))
          .containsOnlyKeys("chat." + c + ".json");
    }
  }

  /**
   * A route deleted once its evaluation A completed, and created again with the same spec: its
   * state went with the deletion, its final runbook entry stayed as the record, and the new route
   * has no status (no {@code endedIds}), so its spec meant A again — A started afresh under its old
   * id and its daily entries overwrote the final one. The new route runs {@code A-r2} instead.
   */
  @Test
  void aRouteCreatedAgainWithTheSameSpecDoesNotOverwriteItsFormerSelfsFinalEntry() {
    ModelRoute route = route();
    String a = EvaluationRendering.id(route.getSpec().getEvaluation());
    List<JsonNode> reports = List.of(report("a", a, "openai/gpt-5", 60, 1.25, 4));
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      publish(
          route,
          new EvaluationTracker(api.client(), ns -> reports, at(START))
              .track(route, view(route))
              .orElseThrow()
              .status());
      Instant ended = START.plus(Duration.ofHours(72));
      EvaluationTracker tracker = new EvaluationTracker(api.client(), ns -> reports, at(ended));
      assertThat(tracker.track(route, view(route)).orElseThrow().status().getPhase())
          .isEqualTo("Completed");
      assertThat(tracker.forget(NS, "chat").failed()).isEmpty();
      String finalEntry = data(api, EvaluationTracker.RUNBOOK_CONFIG_MAP).get("chat." + a + ".md");
      assertThat(finalEntry).contains("completed (final entry)");
      ModelRoute again = route();
      Instant created = ended.plus(Duration.ofDays(1));
      EvaluationTracker later = new EvaluationTracker(api.client(), ns -> List.of(), at(created));

      EvaluationTracker.Outcome first = later.track(again, view(again)).orElseThrow();

      // A is not started again: the status records it as ended, so the spec means its next run.
      assertThat(first.status().getId()).isNull();
      assertThat(first.status().getEndedIds()).containsExactly(a);
      assertThat(first.requeue()).isPresent();
      assertThat(data(api, EvaluationTracker.STATE_CONFIG_MAP)).isEmpty();
      publish(again, first.status());
      EvaluationTracker.Outcome next =
          new EvaluationTracker(api.client(), ns -> List.of(), at(created.plus(Duration.ofDays(1))))
              .track(again, view(again))
              .orElseThrow();
      assertThat(next.status().getId()).isEqualTo(a + "-r2");
      assertThat(next.status().getPhase()).isEqualTo("Running");
      assertThat(data(api, EvaluationTracker.RUNBOOK_CONFIG_MAP).get("chat." + a + ".md"))
          .isEqualTo(finalEntry);
    }
  }

  /**
   * The informers' copy of {@code switchboard-evaluations} can lag behind: it may still show B
   * running after B was ended and its key removed. Ending B again from that copy would start B
   * afresh and overwrite its final entry with one of an empty state; an evaluation whose state is
   * gone is never ended again.
   */
  @Test
  void aStaleCopyOfTheStateDoesNotEndAnEvaluationAgain() {
    ModelRoute route = route();
    String a = EvaluationRendering.id(route.getSpec().getEvaluation());
    AtomicReference<List<JsonNode>> reports =
        new AtomicReference<>(List.of(report("a", a, "openai/gpt-5", 60, 1.25, 4)));
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      publish(
          route,
          new EvaluationTracker(api.client(), ns -> reports.get(), at(START))
              .track(route, view(route))
              .orElseThrow()
              .status());
      route.getSpec().getEvaluation().setSample(0.5);
      String b = EvaluationRendering.id(route.getSpec().getEvaluation());
      Instant bStarted = START.plus(Duration.ofHours(5));
      new EvaluationTracker(api.client(), ns -> reports.get(), at(bStarted))
          .track(route, view(route))
          .orElseThrow(); // its status write is lost
      ConfigMap stale =
          api.client()
              .configMaps()
              .inNamespace(NS)
              .withName(EvaluationTracker.STATE_CONFIG_MAP)
              .get();
      reports.set(List.of(report("a", b, "openai/gpt-5", 40, 1.25, 4)));
      route.getSpec().getEvaluation().setSample(0.3);
      String c = EvaluationRendering.id(route.getSpec().getEvaluation());
      Instant changed = bStarted.plus(Duration.ofHours(1));
      new EvaluationTracker(api.client(), ns -> reports.get(), at(changed))
          .track(route, view(route))
          .orElseThrow(); // B ended, C started; this status write is lost too
      String bEntry = data(api, EvaluationTracker.RUNBOOK_CONFIG_MAP).get("chat." + b + ".md");
      assertThat(bEntry).contains("Sampled requests: 40");
      EvaluationTracker tracker =
          new EvaluationTracker(
              api.client(), ns -> reports.get(), at(changed.plus(EvaluationTracker.COLLECT_EVERY)));
      tracker.readReportConfigMapsFrom(
          (namespace, name) ->
              EvaluationTracker.STATE_CONFIG_MAP.equals(name)
                  ? Optional.of(stale)
                  : Optional.ofNullable(
                      api.client().configMaps().inNamespace(namespace).withName(name).get()));

      EvaluationTracker.Outcome outcome = tracker.endReplaced(route, view(route)).orElseThrow();

      assertThat(data(api, EvaluationTracker.RUNBOOK_CONFIG_MAP).get("chat." + b + ".md"))
          .isEqualTo(bEntry);
      assertThat(outcome.status().getId()).isEqualTo(c);
      assertThat(data(api, EvaluationTracker.STATE_CONFIG_MAP))
          .containsOnlyKeys("chat." + c + ".json");
    }
  }
}
