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
import org.junit.jupiter.api.Test;

/**
 * Removing {@code spec.evaluation} while its evaluation runs ends it as the other early endings do:
 * a final runbook entry with the figures folded so far and why it ended, and its state key gone
 * from {@code switchboard-evaluations}. It used to stop silently — its last daily entry its only
 * record — and its key stayed until another evaluation of the route saved.
 */
class EvaluationSpecRemovedTest {

  private static final String NS = "team-a";

  /** What the API server answers a write it refuses (not retried by the client on its own). */
  private static final String FORBIDDEN =
      "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"code\":403,"
          + "\"reason\":\"Forbidden\",\"message\":\"configmaps is forbidden: quota frozen\"}";

  private static ModelRoute route() {
    ModelRoute route = new ModelRoute();
    route.setMetadata(new ObjectMetaBuilder().withName("chat").withNamespace(NS).build());
    ModelRouteSpec spec = new ModelRouteSpec();
    LocalObjectRef openai = new LocalObjectRef();
    openai.setName("openai");
    RouteTarget target = new RouteTarget();
    target.setProviderRef(openai);
    target.setModel("gpt-4-turbo");
    spec.setTargets(List.of(target));
    EvaluationCandidate candidate = new EvaluationCandidate();
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

  private static Clock at(Instant instant) {
    return Clock.fixed(instant, ZoneId.of("UTC"));
  }

  private static NamespaceView view(ModelRoute route) {
    return new NamespaceView(NS, List.of(), List.of(), List.of(route), n -> Optional.empty());
  }

  private static ConfigMap configMap(EmbeddedKubernetesApi api, String name) {
    return api.client().configMaps().inNamespace(NS).withName(name).get();
  }

  private static Map<String, String> data(EmbeddedKubernetesApi api, String name) {
    ConfigMap cm = configMap(api, name);
    return cm == null || cm.getData() == null ? Map.of() : cm.getData();
  }

  /** The route as the reconciler leaves it: {@code status.evaluation} set to what was tracked. */
  private static void publish(ModelRoute route, EvaluationStatus evaluation) {
    ModelRouteStatus status = new ModelRouteStatus();
    status.setEvaluation(evaluation);
    route.setStatus(status);
  }

  @Test
  void removingTheSpecWhileItRunsWritesAFinalEntryAndRemovesItsState() {
    ModelRoute route = route();
    String id = EvaluationRendering.id(route.getSpec().getEvaluation());
    String stateKey = "chat." + id + ".json";
    String entryKey = "chat." + id + ".md";
    AtomicReference<List<JsonNode>> reports =
        new AtomicReference<>(List.of(report("a", id, "openai/gpt-5", 40, 1.25, 4)));
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      publish(
          route,
          new EvaluationTracker(api.client(), ns -> reports.get(), at(START))
              .track(route, view(route))
              .orElseThrow()
              .status());
      assertThat(route.getStatus().getEvaluation().getPhase()).isEqualTo("Running");
      assertThat(data(api, EvaluationTracker.STATE_CONFIG_MAP)).containsKey(stateKey);

      // A day later (its interim entry written), the replica has 60 pairs; the spec is removed.
      Instant day2 = START.plus(Duration.ofHours(26));
      publish(
          route,
          new EvaluationTracker(api.client(), ns -> reports.get(), at(day2))
              .track(route, view(route))
              .orElseThrow()
              .status());
      assertThat(data(api, EvaluationTracker.RUNBOOK_CONFIG_MAP).get(entryKey))
          .contains("running (interim entry");
      reports.set(List.of(report("a", id, "openai/gpt-5", 60, 1.25, 6)));
      route.getSpec().setEvaluation(null);
      Instant removedAt = day2.plus(Duration.ofHours(1));
      EvaluationTracker tracker =
          new EvaluationTracker(api.client(), ns -> reports.get(), at(removedAt));

      EvaluationTracker.Outcome ended = tracker.track(route, view(route)).orElseThrow();

      // The status keeps only the ended runs' ids (its own joined), as before.
      assertThat(ended.status().getId()).isNull();
      assertThat(ended.status().getPhase()).isNull();
      assertThat(ended.status().getEndedIds()).containsExactly(id);
      assertThat(ended.requeue()).isEmpty();
      assertThat(ended.writeFailed()).isEmpty();
      assertThat(ended.endedEarly())
          .hasValueSatisfying(
              e -> {
                assertThat(e.reason()).isEqualTo(EvaluationTracker.SPEC_REMOVED);
                assertThat(e.now()).isTrue();
                assertThat(e.message())
                    .startsWith("evaluation " + id + " ended early at " + removedAt)
                    .contains("spec.evaluation was removed")
                    .contains("switchboard-runbook key " + entryKey);
              });
      // Its final entry: why it ended, its window ended then, the figures folded up to now.
      assertThat(data(api, EvaluationTracker.RUNBOOK_CONFIG_MAP).get(entryKey))
          .contains("- **Status:** ended early (final entry): evaluation " + id + " ended early")
          .contains("the route's spec.evaluation was removed")
          .contains("to " + removedAt + " (figures as of " + removedAt + ")")
          .contains("Sampled requests: 60, answered by both: 60")
          .contains("- **Sample:** 10.0 %")
          .contains("| words per answer |")
          .doesNotContain("interim entry");
      // The route has no evaluation left: no key of it stays in the state ConfigMap.
      assertThat(data(api, EvaluationTracker.STATE_CONFIG_MAP)).doesNotContainKey(stateKey);

      // Later reconciles of the route without an evaluation find nothing to end: no write.
      publish(route, ended.status());
      String stateVersion =
          configMap(api, EvaluationTracker.STATE_CONFIG_MAP).getMetadata().getResourceVersion();
      String runbookVersion =
          configMap(api, EvaluationTracker.RUNBOOK_CONFIG_MAP).getMetadata().getResourceVersion();
      for (Duration later : List.of(Duration.ofSeconds(30), Duration.ofDays(1))) {
        assertThat(
                new EvaluationTracker(api.client(), ns -> reports.get(), at(removedAt.plus(later)))
                    .track(route, view(route)))
            .isEmpty();
      }
      assertThat(configMap(api, EvaluationTracker.STATE_CONFIG_MAP).getMetadata())
          .returns(stateVersion, m -> m.getResourceVersion());
      assertThat(configMap(api, EvaluationTracker.RUNBOOK_CONFIG_MAP).getMetadata())
          .returns(runbookVersion, m -> m.getResourceVersion());
    }
  }

  @Test
  void aRefusedFinalEntryKeepsTheEndedEvaluationUntilTheNextCollectionWritesIt() {
    ModelRoute route = route();
    String id = EvaluationRendering.id(route.getSpec().getEvaluation());
    String stateKey = "chat." + id + ".json";
    String entryKey = "chat." + id + ".md";
    List<JsonNode> reports = List.of(report("a", id, "openai/gpt-5", 40, 1.25, 4));
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      publish(
          route,
          new EvaluationTracker(api.client(), ns -> reports, at(START))
              .track(route, view(route))
              .orElseThrow()
              .status());
      route.getSpec().setEvaluation(null);
      // No runbook ConfigMap yet (no day ended): its creation is refused for every attempt.
      api.mockServer()
          .expect()
          .post()
          .withPath("/api/v1/namespaces/" + NS + "/configmaps")
          .andReturn(403, FORBIDDEN)
          .times(EvaluationTracker.WRITE_ATTEMPTS);
      Instant removedAt = START.plus(Duration.ofHours(2));

      EvaluationTracker.Outcome refused =
          new EvaluationTracker(api.client(), ns -> reports, at(removedAt))
              .track(route, view(route))
              .orElseThrow();

      // Owed, not lost: the status keeps the ended evaluation, its state (and entry) stay.
      assertThat(refused.writeFailed()).get().returns(true, EvaluationTracker.WriteFailure::report);
      assertThat(refused.requeue()).contains(EvaluationTracker.COLLECT_EVERY);
      assertThat(refused.status().getId()).isEqualTo(id);
      assertThat(refused.status().getPhase()).isEqualTo("Completed");
      assertThat(refused.endedEarly()).get().returns(true, EvaluationTracker.EndedEarly::now);
      assertThat(data(api, EvaluationTracker.STATE_CONFIG_MAP)).containsKey(stateKey);
      publish(route, refused.status());

      Instant retried = removedAt.plus(EvaluationTracker.COLLECT_EVERY);
      EvaluationTracker.Outcome written =
          new EvaluationTracker(api.client(), ns -> reports, at(retried))
              .track(route, view(route))
              .orElseThrow();

      assertThat(written.writeFailed()).isEmpty();
      assertThat(written.status().getId()).isNull();
      assertThat(written.status().getEndedIds()).containsExactly(id);
      // Its event was recorded when it ended, not again.
      assertThat(written.endedEarly()).get().returns(false, EvaluationTracker.EndedEarly::now);
      assertThat(data(api, EvaluationTracker.RUNBOOK_CONFIG_MAP).get(entryKey))
          .contains("- **Status:** ended early (final entry): evaluation " + id)
          .contains(" to " + removedAt + " (figures as of ");
      assertThat(data(api, EvaluationTracker.STATE_CONFIG_MAP)).doesNotContainKey(stateKey);
    }
  }
}
