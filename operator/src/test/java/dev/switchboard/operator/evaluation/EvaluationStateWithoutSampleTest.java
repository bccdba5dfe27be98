package dev.switchboard.operator.evaluation;

import static dev.switchboard.operator.evaluation.EvaluationTrackerTest.START;
import static dev.switchboard.operator.evaluation.EvaluationTrackerTest.report;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.v1alpha1.EvaluationCandidate;
import dev.switchboard.api.v1alpha1.EvaluationSpec;
import dev.switchboard.api.v1alpha1.LocalObjectRef;
import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.ModelRouteSpec;
import dev.switchboard.api.v1alpha1.ModelRouteStatus;
import dev.switchboard.api.v1alpha1.RouteTarget;
import dev.switchboard.kubemock.EmbeddedKubernetesApi;
import dev.switchboard.operator.render.EvaluationRendering;
import dev.switchboard.operator.render.NamespaceView;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * States saved before the evaluation's sample was kept in them have none. Once the spec that said
 * it is gone (removed, or replaced by one with another sample), the final runbook entry takes it
 * from the evaluation's earlier daily entry, or says it is unknown: it used to leave the Sample
 * line out (spec removed) or state the new spec's sample (spec changed).
 */
class EvaluationStateWithoutSampleTest {

  private static final String NS = "team-a";
  private static final ObjectMapper JSON = new ObjectMapper();

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

  private static Map<String, String> data(EmbeddedKubernetesApi api, String name) {
    ConfigMap cm = api.client().configMaps().inNamespace(NS).withName(name).get();
    return cm == null || cm.getData() == null ? Map.of() : cm.getData();
  }

  /**
   * Runs the route's evaluation from START to {@code until} (a day's end in between writes its
   * interim entry), then leaves its state as an earlier version saved it: without {@code sample}.
   */
  private static String runSavedByAnEarlierVersion(
      EmbeddedKubernetesApi api, ModelRoute route, List<JsonNode> reports, Instant until)
      throws Exception {
    String id = EvaluationRendering.id(route.getSpec().getEvaluation());
    for (Instant at : List.of(START, until)) {
      ModelRouteStatus status = new ModelRouteStatus();
      status.setEvaluation(
          new EvaluationTracker(api.client(), ns -> reports, at(at))
              .track(route, view(route))
              .orElseThrow()
              .status());
      route.setStatus(status);
    }
    String key = "chat." + id + ".json";
    ObjectNode state =
        (ObjectNode) JSON.readTree(data(api, EvaluationTracker.STATE_CONFIG_MAP).get(key));
    assertThat(state.has("sample")).isTrue();
    state.remove("sample");
    Map<String, String> data = new TreeMap<>(data(api, EvaluationTracker.STATE_CONFIG_MAP));
    data.put(key, state.toString());
    api.client()
        .configMaps()
        .inNamespace(NS)
        .withName(EvaluationTracker.STATE_CONFIG_MAP)
        .edit(cm -> new ConfigMapBuilder(cm).withData(data).build());
    return id;
  }

  @Test
  void aRemovedSpecsFinalEntryTakesTheSampleFromTheEarlierDailyEntry() throws Exception {
    ModelRoute route = route();
    List<JsonNode> reports =
        List.of(
            report(
                "a",
                EvaluationRendering.id(route.getSpec().getEvaluation()),
                "openai/gpt-5",
                60,
                1.25,
                4));
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      Instant day2 = START.plus(Duration.ofHours(26));
      String id = runSavedByAnEarlierVersion(api, route, reports, day2);
      route.getSpec().setEvaluation(null);

      new EvaluationTracker(api.client(), ns -> reports, at(day2.plus(Duration.ofHours(1))))
          .track(route, view(route))
          .orElseThrow();

      assertThat(data(api, EvaluationTracker.RUNBOOK_CONFIG_MAP).get("chat." + id + ".md"))
          .contains("ended early (final entry)")
          .contains("- **Sample:** 10.0 % of live chat requests");
    }
  }

  @Test
  void aRemovedSpecsFinalEntryWithoutAnEarlierEntrySaysTheSampleIsUnknown() throws Exception {
    ModelRoute route = route();
    List<JsonNode> reports =
        List.of(
            report(
                "a",
                EvaluationRendering.id(route.getSpec().getEvaluation()),
                "openai/gpt-5",
                60,
                1.25,
                4));
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      // Removed on its first day: no daily entry was written yet.
      String id = runSavedByAnEarlierVersion(api, route, reports, START.plus(Duration.ofHours(1)));
      route.getSpec().setEvaluation(null);

      new EvaluationTracker(api.client(), ns -> reports, at(START.plus(Duration.ofHours(2))))
          .track(route, view(route))
          .orElseThrow();

      assertThat(data(api, EvaluationTracker.RUNBOOK_CONFIG_MAP).get("chat." + id + ".md"))
          .contains("ended early (final entry)")
          .contains("- **Sample:** unknown (its spec is gone");
    }
  }

  @Test
  void aReplacedSpecsFinalEntryStatesItsOwnSampleNotTheNewSpecs() throws Exception {
    ModelRoute route = route();
    List<JsonNode> reports =
        List.of(
            report(
                "a",
                EvaluationRendering.id(route.getSpec().getEvaluation()),
                "openai/gpt-5",
                60,
                1.25,
                4));
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      Instant day2 = START.plus(Duration.ofHours(26));
      String id = runSavedByAnEarlierVersion(api, route, reports, day2);
      route.getSpec().getEvaluation().setSample(0.5);

      EvaluationTracker.Outcome replaced =
          new EvaluationTracker(api.client(), ns -> reports, at(day2.plus(Duration.ofHours(1))))
              .track(route, view(route))
              .orElseThrow();

      assertThat(replaced.status().getId()).isNotEqualTo(id);
      assertThat(data(api, EvaluationTracker.RUNBOOK_CONFIG_MAP).get("chat." + id + ".md"))
          .contains("ended early (final entry)")
          .contains("spec.evaluation changed")
          .contains("- **Sample:** 10.0 % of live chat requests");
    }
  }
}
