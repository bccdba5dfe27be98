package dev.switchboard.operator.evaluation;

import static dev.switchboard.operator.evaluation.EvaluationTrackerTest.report;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.api.v1alpha1.EvaluationCandidate;
import dev.switchboard.api.v1alpha1.EvaluationSpec;
import dev.switchboard.api.v1alpha1.LocalObjectRef;
import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.ModelRouteSpec;
import dev.switchboard.api.v1alpha1.ModelRouteStatus;
import dev.switchboard.kubemock.EmbeddedKubernetesApi;
import dev.switchboard.operator.render.EvaluationRendering;
import dev.switchboard.operator.render.NamespaceView;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
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
 * The evaluation ConfigMaps stay bounded: a completed evaluation keeps only its totals (not every
 * replica instance it ever saw), a route's earlier evaluations leave {@code
 * switchboard-evaluations} (their results are in the runbook), and the runbook keeps the {@link
 * EvaluationTracker#RUNBOOK_ENTRIES_PER_ROUTE} most recent entries of each route.
 */
class EvaluationConfigMapBoundsTest {

  static final ObjectMapper JSON = new ObjectMapper();
  static final Instant START = EvaluationTrackerTest.START;

  private static ModelRoute route() {
    ModelRoute route = new ModelRoute();
    route.setMetadata(
        new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
            .withName("chat")
            .withNamespace("team-a")
            .build());
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

  private static Clock at(Instant instant) {
    return Clock.fixed(instant, ZoneId.of("UTC"));
  }

  private static void track(
      EmbeddedKubernetesApi api, ModelRoute route, List<JsonNode> reports, Instant when) {
    NamespaceView view =
        new NamespaceView("team-a", List.of(), List.of(), List.of(route), n -> Optional.empty());
    ModelRouteStatus status = new ModelRouteStatus();
    status.setEvaluation(
        new EvaluationTracker(api.client(), ns -> reports, at(when))
            .track(route, view)
            .orElseThrow()
            .status());
    route.setStatus(status);
  }

  private static Map<String, String> data(EmbeddedKubernetesApi api, String name) {
    return api.client().configMaps().inNamespace("team-a").withName(name).get().getData();
  }

  private static void create(
      EmbeddedKubernetesApi api,
      String name,
      Map<String, String> labels,
      Map<String, String> data) {
    api.client()
        .configMaps()
        .inNamespace("team-a")
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace("team-a")
                .withLabels(labels)
                .endMetadata()
                .withData(data)
                .build())
        .create();
  }

  private static String oldEntry(String route, String id, Instant endsAt) {
    return RunbookEntry.HEADING
        + id
        + "` of route `team-a/"
        + route
        + "`\n\n- **Status:** completed (final entry)\n- **When:** "
        + endsAt.minus(Duration.ofHours(72))
        + " to "
        + endsAt
        + " (figures as of "
        + endsAt
        + ")\n";
  }

  @Test
  void earlierEvaluationsOfTheRouteLeaveTheStateAndACompletedOneKeepsOnlyItsTotals() {
    ModelRoute route = route();
    String id = EvaluationRendering.id(route.getSpec().getEvaluation());
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      create(
          api,
          EvaluationTracker.STATE_CONFIG_MAP,
          Map.of("app.kubernetes.io/managed-by", "switchboard-operator"),
          new TreeMap<>(
              Map.of(
                  "chat.eold0001.json", "{\"id\":\"eold0001\",\"completed\":true}",
                  "chat.v2.e1234567.json", "{\"id\":\"e1234567\",\"route\":\"chat.v2\"}")));
      track(
          api,
          route,
          List.of(
              report("a", id, "openai/gpt-5", 40, 1.25, 0),
              report("b", id, "openai/gpt-5", 40, 1.25, 0)),
          START);
      // The route's earlier evaluation is gone; the route whose name it prefixes keeps its own.
      assertThat(data(api, EvaluationTracker.STATE_CONFIG_MAP))
          .containsOnlyKeys("chat." + id + ".json", "chat.v2.e1234567.json");
      JsonNode running = readState(api, id);
      assertThat(running.path("seen").size()).isEqualTo(2);

      // Replica b restarted as c before the end: three instances seen. Completed: none kept.
      track(
          api,
          route,
          List.of(
              report("a", id, "openai/gpt-5", 60, 1.25, 0),
              report("c", id, "openai/gpt-5", 10, 1.25, 0)),
          START.plus(Duration.ofHours(72)));
      JsonNode completed = readState(api, id);
      assertThat(completed.path("completed").asBoolean()).isTrue();
      assertThat(completed.path("seen").size()).isZero();
      assertThat(completed.path("totals").path("openai/gpt-5").path("requests").asLong())
          .isEqualTo(110);
    }
  }

  private static JsonNode readState(EmbeddedKubernetesApi api, String id) {
    try {
      return JSON.readTree(
          data(api, EvaluationTracker.STATE_CONFIG_MAP).get("chat." + id + ".json"));
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void theRunbookKeepsTheMostRecentEntriesOfEachRoute() {
    ModelRoute route = route();
    String id = EvaluationRendering.id(route.getSpec().getEvaluation());
    Map<String, String> entries = new TreeMap<>();
    // Twelve earlier entries of this route, ended 1 to 12 weeks before START (keys not in date
    // order), one of another route, and one of a route whose name this one prefixes.
    for (int week = 1; week <= 12; week++) {
      String old = "e" + String.format("%07d", (week * 7919) % 10_000_000);
      entries.put(
          "chat." + old + ".md", oldEntry("chat", old, START.minus(Duration.ofDays(7L * week))));
    }
    entries.put(
        "other.e0000001.md", oldEntry("other", "e0000001", START.minus(Duration.ofDays(700))));
    entries.put(
        "chat.v2.e0000002.md", oldEntry("chat.v2", "e0000002", START.minus(Duration.ofDays(700))));
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      create(
          api,
          EvaluationTracker.RUNBOOK_CONFIG_MAP,
          Map.of(
              "app.kubernetes.io/managed-by",
              "switchboard-operator",
              EvaluationTracker.REPORT_LABEL,
              "true"),
          entries);
      List<JsonNode> reports = List.of(report("a", id, "openai/gpt-5", 40, 1.25, 0));
      track(api, route, reports, START);
      track(api, route, reports, START.plus(Duration.ofHours(72)));
      Map<String, String> runbook = data(api, EvaluationTracker.RUNBOOK_CONFIG_MAP);
      assertThat(runbook.get("chat." + id + ".md")).contains("completed (final entry)");
      List<String> kept =
          runbook.keySet().stream()
              .filter(k -> k.startsWith("chat.") && !k.startsWith("chat.v2."))
              .toList();
      assertThat(kept).hasSize(EvaluationTracker.RUNBOOK_ENTRIES_PER_ROUTE);
      // The new entry and the nine most recent earlier ones (weeks 1 to 9) remain.
      for (int week = 1; week <= 12; week++) {
        String old = "chat.e" + String.format("%07d", (week * 7919) % 10_000_000) + ".md";
        if (week <= 9) {
          assertThat(runbook).containsKey(old);
        } else {
          assertThat(runbook).doesNotContainKey(old);
        }
      }
      assertThat(runbook).containsKeys("other.e0000001.md", "chat.v2.e0000002.md");
    }
  }
}
