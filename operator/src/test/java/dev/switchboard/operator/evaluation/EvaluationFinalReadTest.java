package dev.switchboard.operator.evaluation;

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
import dev.switchboard.kubemock.EmbeddedKubernetesApi;
import dev.switchboard.operator.render.EvaluationRendering;
import dev.switchboard.operator.render.NamespaceView;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The final read of an evaluation does not lose a replica that is unreachable at the end: the
 * collections go on for a bounded grace after {@code endsAt} until every replica asked has
 * answered, and a replica that never does is named in the final runbook entry.
 */
class EvaluationFinalReadTest {

  static final Instant START = EvaluationTrackerTest.START;
  static final Instant END = START.plus(Duration.ofHours(72));

  private static ModelRoute route() {
    ModelRoute route = new ModelRoute();
    route.setMetadata(new ObjectMetaBuilder().withName("chat").withNamespace("team-a").build());
    ModelRouteSpec spec = new ModelRouteSpec();
    EvaluationSpec evaluation = new EvaluationSpec();
    EvaluationCandidate candidate = new EvaluationCandidate();
    LocalObjectRef ref = new LocalObjectRef();
    ref.setName("openai");
    candidate.setProviderRef(ref);
    candidate.setModel("gpt-5");
    evaluation.setCandidates(List.of(candidate));
    evaluation.setDuration("72h");
    spec.setEvaluation(evaluation);
    route.setSpec(spec);
    return route;
  }

  /** A source whose replica b answers or not, as the test says. */
  private record Replicas(AtomicReference<EvaluationTracker.Collected> now)
      implements EvaluationTracker.Reports {
    @Override
    public List<JsonNode> reports(String namespace) {
      return now.get().reports();
    }

    @Override
    public EvaluationTracker.Collected collect(String namespace) {
      return now.get();
    }
  }

  private static Clock at(Instant instant) {
    return Clock.fixed(instant, ZoneId.of("UTC"));
  }

  private static EvaluationTracker.Outcome track(
      EmbeddedKubernetesApi api, Replicas replicas, ModelRoute route, Instant when) {
    NamespaceView view =
        new NamespaceView("team-a", List.of(), List.of(), List.of(route), n -> Optional.empty());
    EvaluationTracker.Outcome outcome =
        new EvaluationTracker(api.client(), replicas, at(when)).track(route, view).orElseThrow();
    ModelRouteStatus status = new ModelRouteStatus();
    status.setEvaluation(outcome.status());
    route.setStatus(status);
    return outcome;
  }

  private static String entry(EmbeddedKubernetesApi api, String id) {
    return api.client()
        .configMaps()
        .inNamespace("team-a")
        .withName("switchboard-runbook")
        .get()
        .getData()
        .get("chat." + id + ".md");
  }

  @Test
  void aReplicaUnreachableAtTheEndIsCountedWhenItAnswersWithinTheGrace() {
    ModelRoute route = route();
    String id = EvaluationRendering.id(route.getSpec().getEvaluation());
    AtomicReference<EvaluationTracker.Collected> now =
        new AtomicReference<>(
            new EvaluationTracker.Collected(
                List.of(
                    report("a", id, "openai/gpt-5", 40, 1.25, 0),
                    report("b", id, "openai/gpt-5", 40, 1.25, 0)),
                List.of()));
    Replicas replicas = new Replicas(now);
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      track(api, replicas, route, START);
      // At the end replica b (which counted 30 more pairs meanwhile) does not answer.
      now.set(
          new EvaluationTracker.Collected(
              List.of(report("a", id, "openai/gpt-5", 50, 1.25, 0)), List.of("10.0.0.2:9090")));
      EvaluationTracker.Outcome atEnd = track(api, replicas, route, END);
      assertThat(atEnd.status().getPhase()).isEqualTo("Running");
      assertThat(atEnd.requeue()).hasValue(EvaluationTracker.COLLECT_EVERY);
      assertThat(entry(api, id)).doesNotContain("final entry");

      // 30 s later it answers: its pairs are in the final figures.
      now.set(
          new EvaluationTracker.Collected(
              List.of(
                  report("a", id, "openai/gpt-5", 50, 1.25, 0),
                  report("b", id, "openai/gpt-5", 70, 1.25, 0)),
              List.of()));
      EvaluationTracker.Outcome done = track(api, replicas, route, END.plusSeconds(30));
      EvaluationStatus status = done.status();
      assertThat(status.getPhase()).isEqualTo("Completed");
      assertThat(status.getCandidates().get(0).getRequests()).isEqualTo(120);
      assertThat(done.requeue()).isEmpty();
      assertThat(entry(api, id)).contains("final entry").doesNotContain("Not in the final figures");
    }
  }

  @Test
  void aReplicaThatNeverAnswersIsNamedInTheFinalEntryAfterTheGrace() {
    ModelRoute route = route();
    String id = EvaluationRendering.id(route.getSpec().getEvaluation());
    AtomicReference<EvaluationTracker.Collected> now =
        new AtomicReference<>(
            new EvaluationTracker.Collected(
                List.of(report("a", id, "openai/gpt-5", 40, 1.25, 0)), List.of("10.0.0.2:9090")));
    Replicas replicas = new Replicas(now);
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      track(api, replicas, route, START);
      assertThat(track(api, replicas, route, END.plusSeconds(240)).status().getPhase())
          .isEqualTo("Running");
      EvaluationTracker.Outcome done =
          track(api, replicas, route, END.plus(EvaluationTracker.FINAL_GRACE));
      assertThat(done.status().getPhase()).isEqualTo("Completed");
      assertThat(entry(api, id))
          .contains("final entry")
          .contains(
              "- **Not in the final figures:** gateway replica `10.0.0.2:9090` did not answer"
                  + " within 5 minutes of the end");
    }
  }
}
