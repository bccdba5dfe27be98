package dev.switchboard.operator.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.v1alpha1.EvaluationCandidate;
import dev.switchboard.api.v1alpha1.EvaluationSpec;
import dev.switchboard.api.v1alpha1.EvaluationStatus;
import dev.switchboard.api.v1alpha1.LocalObjectRef;
import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.ModelRouteSpec;
import dev.switchboard.api.v1alpha1.ModelRouteStatus;
import dev.switchboard.api.v1alpha1.RouteTarget;
import dev.switchboard.kubemock.EmbeddedKubernetesApi;
import dev.switchboard.operator.render.NamespaceView;
import dev.switchboard.operator.testing.UserEdits;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * An evaluation across two gateway replicas and an operator restart, against the mock API server:
 * only what each replica added since its last report is counted, the totals survive in the state
 * ConfigMap, the runbook gets an interim entry when a day ends and the final one when the duration
 * is over, and the verdicts name the shifts.
 */
class EvaluationTrackerTest {

  static final ObjectMapper JSON = new ObjectMapper();
  static final Instant START = Instant.parse("2026-12-04T09:00:00Z");

  /** A replica's cumulative report: {@code n} pairs, candidate words = factor × baseline. */
  static JsonNode report(
      String instance, String id, String target, int n, double factor, int extraRefusals) {
    Random random = new Random(n * 31L + target.hashCode());
    double[] s = new double[5];
    for (int i = 0; i < n; i++) {
      double b = 20 + 40 * random.nextDouble();
      double c = b * factor;
      s[0] += b;
      s[1] += c;
      s[2] += b * b;
      s[3] += c * c;
      s[4] += b * c;
    }
    ObjectNode c =
        JSON.createObjectNode()
            .put("route", "chat")
            .put("evaluation", id)
            .put("baselineTarget", "openai/gpt-4-turbo")
            .put("target", target)
            .put("requests", n)
            .put("baselineAnswered", n)
            .put("candidateAnswered", n)
            .put("baselineRefusals", n / 50)
            .put("candidateRefusals", n / 50 + extraRefusals);
    ObjectNode figures = c.putObject("figures");
    for (String f : new String[] {"outputTokens", "words"}) {
      figures
          .putObject(f)
          .put("n", n)
          .put("sumB", s[0])
          .put("sumC", s[1])
          .put("sumB2", s[2])
          .put("sumC2", s[3])
          .put("sumBc", s[4]);
    }
    ObjectNode root = JSON.createObjectNode().put("instance", instance);
    root.putArray("candidates").add(c);
    return root;
  }

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
    evaluation.setSample(0.1);
    evaluation.setDuration("72h");
    spec.setEvaluation(evaluation);
    route.setSpec(spec);
    return route;
  }

  private static Clock at(Instant instant) {
    return Clock.fixed(instant, ZoneId.of("UTC"));
  }

  @Test
  void sumsAreFoldedOncePerReplicaSurviveARestartAndTheRunbookIsWritten() {
    ModelRoute route = route();
    String id =
        dev.switchboard.operator.render.EvaluationRendering.id(route.getSpec().getEvaluation());
    NamespaceView view =
        new NamespaceView("team-a", List.of(), List.of(), List.of(route), n -> Optional.empty());
    AtomicReference<List<JsonNode>> reports = new AtomicReference<>(List.of());
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      // Day 1: two replicas with 40 pairs each, reported twice (the second time unchanged).
      reports.set(
          List.of(
              report("a", id, "openai/gpt-5", 40, 1.25, 4),
              report("b", id, "openai/gpt-5", 40, 1.25, 4)));
      EvaluationTracker first = new EvaluationTracker(api.client(), ns -> reports.get(), at(START));
      EvaluationStatus day1 = first.track(route, view).orElseThrow().status();
      ModelRouteStatus status = new ModelRouteStatus();
      status.setEvaluation(day1);
      route.setStatus(status);
      first.track(route, view);
      assertThat(day1.getPhase()).isEqualTo("Running");
      assertThat(day1.getEndsAt()).isEqualTo("2026-12-07T09:00:00Z");

      // The operator restarts; replica a has grown to 100 pairs, replica b restarted (new
      // instance).
      reports.set(
          List.of(
              report("a", id, "openai/gpt-5", 100, 1.25, 10),
              report("b2", id, "openai/gpt-5", 20, 1.25, 2)));
      EvaluationTracker restarted =
          new EvaluationTracker(
              api.client(), ns -> reports.get(), at(START.plus(Duration.ofHours(20))));
      EvaluationStatus day2 = restarted.track(route, view).orElseThrow().status();
      // 100 (a) + 40 (b, before its restart) + 20 (b2): nothing counted twice, nothing lost.
      assertThat(day2.getCandidates().get(0).getRequests()).isEqualTo(160);
      assertThat(day2.getStartedAt()).isEqualTo(day1.getStartedAt());
      ConfigMap runbook =
          api.client().configMaps().inNamespace("team-a").withName("switchboard-runbook").get();
      assertThat(runbook.getData()).containsKey("chat." + id + ".md");
      assertThat(runbook.getData().get("chat." + id + ".md")).contains("interim entry");

      EvaluationTracker done =
          new EvaluationTracker(
              api.client(), ns -> reports.get(), at(START.plus(Duration.ofHours(72))));
      EvaluationTracker.Outcome end = done.track(route, view).orElseThrow();
      assertThat(end.status().getPhase()).isEqualTo("Completed");
      assertThat(end.requeue()).isEmpty();
      var candidate = end.status().getCandidates().get(0);
      assertThat(candidate.getVerdicts()).containsExactly("VerbosityUp", "RefusalsUp");
      assertThat(candidate.getWordsRatio().getValue()).isEqualTo(1.25);
      assertThat(candidate.getRefusalRateDelta().getCi95().get(0)).isGreaterThan(0.0);
      String entry =
          api.client()
              .configMaps()
              .inNamespace("team-a")
              .withName("switchboard-runbook")
              .get()
              .getData()
              .get("chat." + id + ".md");
      assertThat(entry)
          .contains("completed (final entry)")
          .contains("baseline `openai/gpt-4-turbo` against `openai/gpt-5`")
          .contains("| words per answer |")
          .contains("VerbosityUp, RefusalsUp")
          .doesNotContain("Examples"); // no excerpts: the policy does not log bodies
      assertThat(end.status().getReport())
          .isEqualTo("configmap/switchboard-runbook key chat." + id + ".md");
    }
  }

  @Test
  void forgettingARouteRemovesOnlyItsOwnStateNotThatOfARouteWhoseNameItPrefixes() {
    ModelRoute chat = route();
    ModelRoute dotted = route();
    dotted.getMetadata().setName("chat.v2");
    String id =
        dev.switchboard.operator.render.EvaluationRendering.id(chat.getSpec().getEvaluation());
    NamespaceView view =
        new NamespaceView(
            "team-a", List.of(), List.of(), List.of(chat, dotted), n -> Optional.empty());
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      EvaluationTracker tracker = new EvaluationTracker(api.client(), ns -> List.of(), at(START));
      tracker.track(chat, view);
      tracker.track(dotted, view);

      tracker.forget("team-a", "chat");

      assertThat(
              api.client()
                  .configMaps()
                  .inNamespace("team-a")
                  .withName(EvaluationTracker.STATE_CONFIG_MAP)
                  .get()
                  .getData())
          .containsOnlyKeys("chat.v2." + id + ".json");
    }
  }

  @Test
  void aFailedReadOfTheStateKeepsACompletedEvaluationCompletedAndWritesNothing() {
    ModelRoute route = route();
    String id =
        dev.switchboard.operator.render.EvaluationRendering.id(route.getSpec().getEvaluation());
    NamespaceView view =
        new NamespaceView("team-a", List.of(), List.of(), List.of(route), n -> Optional.empty());
    List<JsonNode> reports = List.of(report("a", id, "openai/gpt-5", 60, 1.25, 4));
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      new EvaluationTracker(api.client(), ns -> reports, at(START)).track(route, view);
      EvaluationStatus completed =
          new EvaluationTracker(api.client(), ns -> reports, at(START.plus(Duration.ofHours(72))))
              .track(route, view)
              .orElseThrow()
              .status();
      assertThat(completed.getPhase()).isEqualTo("Completed");
      ModelRouteStatus status = new ModelRouteStatus();
      status.setEvaluation(completed);
      route.setStatus(status);
      String stateKey = "chat." + id + ".json";
      String runbookKey = "chat." + id + ".md";
      String storedState = data(api, EvaluationTracker.STATE_CONFIG_MAP).get(stateKey);
      String finalEntry = data(api, EvaluationTracker.RUNBOOK_CONFIG_MAP).get(runbookKey);

      // The next read of the state answers 500 (every retry of the client's one call).
      api.mockServer()
          .expect()
          .get()
          .withPath("/api/v1/namespaces/team-a/configmaps/" + EvaluationTracker.STATE_CONFIG_MAP)
          .andReturn(500, "{\"kind\":\"Status\",\"code\":500,\"message\":\"etcd unavailable\"}")
          .times(4);
      EvaluationTracker.Outcome outcome =
          new EvaluationTracker(api.client(), ns -> reports, at(START.plus(Duration.ofHours(96))))
              .track(route, view)
              .orElseThrow();

      assertThat(outcome.status().getPhase()).isEqualTo("Completed");
      assertThat(outcome.status().getStartedAt()).isEqualTo(completed.getStartedAt());
      assertThat(outcome.status().getEndsAt()).isEqualTo(completed.getEndsAt());
      assertThat(outcome.requeue()).contains(EvaluationTracker.COLLECT_EVERY);
      assertThat(data(api, EvaluationTracker.STATE_CONFIG_MAP).get(stateKey))
          .isEqualTo(storedState);
      assertThat(data(api, EvaluationTracker.RUNBOOK_CONFIG_MAP).get(runbookKey))
          .isEqualTo(finalEntry)
          .contains("completed (final entry)");
    }
  }

  /** What the API server answers a write it refuses (not retried by the client on its own). */
  private static final String FORBIDDEN =
      "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"code\":403,"
          + "\"reason\":\"Forbidden\",\"message\":\"configmaps is forbidden: quota frozen\"}";

  @Test
  void aRefusedRunbookWriteIsReportedAndWrittenAtTheNextCollection() {
    ModelRoute route = route();
    String id =
        dev.switchboard.operator.render.EvaluationRendering.id(route.getSpec().getEvaluation());
    NamespaceView view =
        new NamespaceView("team-a", List.of(), List.of(), List.of(route), n -> Optional.empty());
    List<JsonNode> reports = List.of(report("a", id, "openai/gpt-5", 60, 1.25, 4));
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      new EvaluationTracker(api.client(), ns -> reports, at(START)).track(route, view);
      // The day ends: the interim entry is due, and the API server refuses to create the runbook
      // ConfigMap for every attempt of this collection.
      api.mockServer()
          .expect()
          .post()
          .withPath("/api/v1/namespaces/team-a/configmaps")
          .andReturn(403, FORBIDDEN)
          .times(3);
      Instant nextDay = START.plus(Duration.ofHours(20));
      EvaluationTracker.Outcome refused =
          new EvaluationTracker(api.client(), ns -> reports, at(nextDay))
              .track(route, view)
              .orElseThrow();

      assertThat(
              api.client()
                  .configMaps()
                  .inNamespace("team-a")
                  .withName(EvaluationTracker.RUNBOOK_CONFIG_MAP)
                  .get())
          .isNull();
      assertThat(refused.writeFailed())
          .get()
          .satisfies(
              f -> {
                assertThat(f.report()).isTrue();
                assertThat(f.message())
                    .contains("chat." + id + ".md")
                    .contains(EvaluationTracker.RUNBOOK_CONFIG_MAP)
                    .contains("403");
              });
      assertThat(refused.requeue()).contains(EvaluationTracker.COLLECT_EVERY);

      // The next collection, still the same day, writes the entry that was due.
      EvaluationTracker.Outcome retried =
          new EvaluationTracker(
                  api.client(), ns -> reports, at(nextDay.plus(EvaluationTracker.COLLECT_EVERY)))
              .track(route, view)
              .orElseThrow();

      assertThat(retried.writeFailed()).isEmpty();
      assertThat(data(api, EvaluationTracker.RUNBOOK_CONFIG_MAP).get("chat." + id + ".md"))
          .contains("interim entry");
    }
  }

  @Test
  void aRefusedFinalEntryIsNotLostWhenTheEvaluationCompletes() {
    ModelRoute route = route();
    String id =
        dev.switchboard.operator.render.EvaluationRendering.id(route.getSpec().getEvaluation());
    NamespaceView view =
        new NamespaceView("team-a", List.of(), List.of(), List.of(route), n -> Optional.empty());
    List<JsonNode> reports = List.of(report("a", id, "openai/gpt-5", 60, 1.25, 4));
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      new EvaluationTracker(api.client(), ns -> reports, at(START)).track(route, view);
      api.mockServer()
          .expect()
          .post()
          .withPath("/api/v1/namespaces/team-a/configmaps")
          .andReturn(403, FORBIDDEN)
          .times(3);
      Instant end = START.plus(Duration.ofHours(72));
      EvaluationTracker.Outcome completed =
          new EvaluationTracker(api.client(), ns -> reports, at(end))
              .track(route, view)
              .orElseThrow();
      assertThat(completed.status().getPhase()).isEqualTo("Completed");
      // Completed, but not done: the final entry is still owed, so the operator comes back.
      assertThat(completed.requeue()).contains(EvaluationTracker.COLLECT_EVERY);

      EvaluationTracker.Outcome later =
          new EvaluationTracker(
                  api.client(), ns -> reports, at(end.plus(EvaluationTracker.COLLECT_EVERY)))
              .track(route, view)
              .orElseThrow();

      assertThat(data(api, EvaluationTracker.RUNBOOK_CONFIG_MAP).get("chat." + id + ".md"))
          .contains("completed (final entry)");
      assertThat(later.writeFailed()).isEmpty();
      assertThat(later.requeue()).isEmpty();
    }
  }

  /**
   * A running evaluation replaced by a new spec owes its final entry; when that write is refused,
   * the entry (and its retry) survives the new evaluation's start — saving the new state used to
   * remove the old key, and the entry with it — and is written by the route's next collection.
   */
  @Test
  void aRefusedFinalEntryOfAReplacedEvaluationIsWrittenByTheNextCollection() {
    ModelRoute route = route();
    RouteTarget first = new RouteTarget();
    LocalObjectRef openai = new LocalObjectRef();
    openai.setName("openai");
    first.setProviderRef(openai);
    first.setModel("gpt-4-turbo");
    route.getSpec().setTargets(List.of(first));
    String oldId =
        dev.switchboard.operator.render.EvaluationRendering.id(route.getSpec().getEvaluation());
    NamespaceView view =
        new NamespaceView("team-a", List.of(), List.of(), List.of(route), n -> Optional.empty());
    List<JsonNode> reports = List.of(report("a", oldId, "openai/gpt-5", 60, 1.25, 4));
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      EvaluationTracker.Outcome started =
          new EvaluationTracker(api.client(), ns -> reports, at(START))
              .track(route, view)
              .orElseThrow();
      ModelRouteStatus status = new ModelRouteStatus();
      status.setEvaluation(started.status());
      route.setStatus(status);
      // A new spec on the same baseline replaces it; every runbook write of this collection (the
      // old one's final entry, and its retry) is refused.
      route.getSpec().getEvaluation().setSample(0.5);
      api.mockServer()
          .expect()
          .post()
          .withPath("/api/v1/namespaces/team-a/configmaps")
          .andReturn(403, FORBIDDEN)
          .times(6);
      Instant replacedAt = START.plus(Duration.ofHours(1));
      EvaluationTracker.Outcome replaced =
          new EvaluationTracker(api.client(), ns -> reports, at(replacedAt))
              .track(route, view)
              .orElseThrow();
      String newId = replaced.status().getId();
      assertThat(newId).isNotEqualTo(oldId);
      assertThat(replaced.writeFailed())
          .get()
          .satisfies(
              f -> {
                assertThat(f.report()).isTrue();
                assertThat(f.message()).contains("chat." + oldId + ".md");
              });
      assertThat(data(api, EvaluationTracker.STATE_CONFIG_MAP))
          .containsKeys("chat." + oldId + ".json", "chat." + newId + ".json");
      status.setEvaluation(replaced.status());

      EvaluationTracker.Outcome next =
          new EvaluationTracker(
                  api.client(), ns -> reports, at(replacedAt.plus(EvaluationTracker.COLLECT_EVERY)))
              .track(route, view)
              .orElseThrow();

      assertThat(next.writeFailed()).isEmpty();
      assertThat(data(api, EvaluationTracker.RUNBOOK_CONFIG_MAP).get("chat." + oldId + ".md"))
          .contains("ended early (final entry): evaluation " + oldId)
          .contains("spec.evaluation changed");
      // Written: the old state goes, as any replaced evaluation's does.
      assertThat(data(api, EvaluationTracker.STATE_CONFIG_MAP))
          .containsOnlyKeys("chat." + newId + ".json");
    }
  }

  @Test
  void aRefusedStateWriteIsReported() {
    ModelRoute route = route();
    NamespaceView view =
        new NamespaceView("team-a", List.of(), List.of(), List.of(route), n -> Optional.empty());
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      api.mockServer()
          .expect()
          .post()
          .withPath("/api/v1/namespaces/team-a/configmaps")
          .andReturn(403, FORBIDDEN)
          .times(3);

      EvaluationTracker.Outcome outcome =
          new EvaluationTracker(api.client(), ns -> List.of(), at(START))
              .track(route, view)
              .orElseThrow();

      assertThat(outcome.writeFailed())
          .get()
          .satisfies(
              f -> {
                assertThat(f.report()).isFalse();
                assertThat(f.message())
                    .contains(EvaluationTracker.STATE_CONFIG_MAP)
                    .contains("HTTP 403 Forbidden")
                    .contains("quota frozen");
              });
    }
  }

  @Test
  void aFailedForgetIsRetriedAtTheNamespacesNextCollection() {
    ModelRoute chat = route();
    ModelRoute other = route();
    other.getMetadata().setName("other");
    String id =
        dev.switchboard.operator.render.EvaluationRendering.id(chat.getSpec().getEvaluation());
    NamespaceView view =
        new NamespaceView(
            "team-a", List.of(), List.of(), List.of(chat, other), n -> Optional.empty());
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      EvaluationTracker tracker = new EvaluationTracker(api.client(), ns -> List.of(), at(START));
      tracker.track(chat, view);
      tracker.track(other, view);
      api.mockServer()
          .expect()
          .put()
          .withPath("/api/v1/namespaces/team-a/configmaps/" + EvaluationTracker.STATE_CONFIG_MAP)
          .andReturn(403, FORBIDDEN)
          .times(3);

      assertThat(tracker.forget("team-a", "chat").failed()).get().asString().contains("403");
      assertThat(data(api, EvaluationTracker.STATE_CONFIG_MAP)).containsKey("chat." + id + ".json");

      tracker.track(other, view);

      assertThat(data(api, EvaluationTracker.STATE_CONFIG_MAP))
          .containsOnlyKeys("other." + id + ".json");
    }
  }

  private static void putState(EmbeddedKubernetesApi api, String key, String text) {
    UserEdits.edit(
        api.client()
            .configMaps()
            .inNamespace("team-a")
            .withName(EvaluationTracker.STATE_CONFIG_MAP),
        cm -> {
          cm.getData().put(key, text);
          return cm;
        });
  }

  @Test
  void aCorruptStateKeyIsRebuiltFromTheStatusWindowAndTheReplicasSumsAndSaidSo() throws Exception {
    ModelRoute route = route();
    String id =
        dev.switchboard.operator.render.EvaluationRendering.id(route.getSpec().getEvaluation());
    String stateKey = "chat." + id + ".json";
    NamespaceView view =
        new NamespaceView("team-a", List.of(), List.of(), List.of(route), n -> Optional.empty());
    AtomicReference<List<JsonNode>> reports =
        new AtomicReference<>(List.of(report("a", id, "openai/gpt-5", 40, 1.25, 4)));
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      EvaluationStatus running =
          new EvaluationTracker(api.client(), ns -> reports.get(), at(START))
              .track(route, view)
              .orElseThrow()
              .status();
      ModelRouteStatus status = new ModelRouteStatus();
      status.setEvaluation(running);
      route.setStatus(status);
      // Someone edits the key by hand and cuts it short.
      putState(api, stateKey, "{\"id\":\"" + id + "\",\"totals\":{");
      reports.set(List.of(report("a", id, "openai/gpt-5", 100, 1.25, 10)));

      EvaluationTracker.Outcome recovered =
          new EvaluationTracker(
                  api.client(), ns -> reports.get(), at(START.plus(Duration.ofHours(2))))
              .track(route, view)
              .orElseThrow();

      // Not held at its old status: the window is kept, the figures are the replica's sums.
      assertThat(recovered.status().getPhase()).isEqualTo("Running");
      assertThat(recovered.status().getStartedAt()).isEqualTo(running.getStartedAt());
      assertThat(recovered.status().getEndsAt()).isEqualTo(running.getEndsAt());
      assertThat(recovered.status().getUpdatedAt()).isEqualTo("2026-12-04T11:00:00Z");
      assertThat(recovered.status().getCandidates().get(0).getRequests()).isEqualTo(100);
      JsonNode stored = JSON.readTree(data(api, EvaluationTracker.STATE_CONFIG_MAP).get(stateKey));
      assertThat(stored.path("startedAt").asText()).isEqualTo(running.getStartedAt());
      assertThat(recovered.stateRecovered())
          .get()
          .asString()
          .contains("key " + stateKey)
          .contains(EvaluationTracker.STATE_CONFIG_MAP)
          .contains("not valid JSON");

      // Said for the rest of this evaluation (its figures may miss pairs), counted on from here.
      status.setEvaluation(recovered.status());
      reports.set(List.of(report("a", id, "openai/gpt-5", 130, 1.25, 12)));
      EvaluationTracker.Outcome next =
          new EvaluationTracker(
                  api.client(), ns -> reports.get(), at(START.plus(Duration.ofHours(3))))
              .track(route, view)
              .orElseThrow();
      assertThat(next.status().getCandidates().get(0).getRequests()).isEqualTo(130);
      assertThat(next.stateRecovered()).isEqualTo(recovered.stateRecovered());
    }
  }

  @Test
  void aCorruptStateOfACompletedEvaluationStaysCompletedAndKeepsItsFinalEntry() {
    ModelRoute route = route();
    String id =
        dev.switchboard.operator.render.EvaluationRendering.id(route.getSpec().getEvaluation());
    String stateKey = "chat." + id + ".json";
    NamespaceView view =
        new NamespaceView("team-a", List.of(), List.of(), List.of(route), n -> Optional.empty());
    List<JsonNode> reports = List.of(report("a", id, "openai/gpt-5", 60, 1.25, 4));
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      new EvaluationTracker(api.client(), ns -> reports, at(START)).track(route, view);
      EvaluationStatus completed =
          new EvaluationTracker(api.client(), ns -> reports, at(START.plus(Duration.ofHours(72))))
              .track(route, view)
              .orElseThrow()
              .status();
      ModelRouteStatus status = new ModelRouteStatus();
      status.setEvaluation(completed);
      route.setStatus(status);
      String finalEntry = data(api, EvaluationTracker.RUNBOOK_CONFIG_MAP).get("chat." + id + ".md");
      // Valid JSON, but not an evaluation's state.
      putState(api, stateKey, "[]");

      EvaluationTracker.Outcome outcome =
          new EvaluationTracker(api.client(), ns -> reports, at(START.plus(Duration.ofHours(96))))
              .track(route, view)
              .orElseThrow();

      assertThat(outcome.status().getPhase()).isEqualTo("Completed");
      assertThat(outcome.status().getEndsAt()).isEqualTo(completed.getEndsAt());
      assertThat(outcome.status().getCandidates().get(0).getRequests()).isEqualTo(60);
      assertThat(outcome.requeue()).isEmpty();
      assertThat(outcome.stateRecovered()).get().asString().contains("key " + stateKey);
      assertThat(data(api, EvaluationTracker.STATE_CONFIG_MAP).get(stateKey))
          .contains("\"completed\":true");
      assertThat(data(api, EvaluationTracker.RUNBOOK_CONFIG_MAP).get("chat." + id + ".md"))
          .isEqualTo(finalEntry);
    }
  }

  private static java.util.Map<String, String> data(EmbeddedKubernetesApi api, String name) {
    return api.client().configMaps().inNamespace("team-a").withName(name).get().getData();
  }

  @Test
  void noEvaluationWithoutSpecOrLifecycleSwitch() {
    ModelRoute route = new ModelRoute();
    route.setMetadata(new ObjectMetaBuilder().withName("plain").withNamespace("ns").build());
    route.setSpec(new ModelRouteSpec());
    NamespaceView view =
        new NamespaceView("ns", List.of(), List.of(), List.of(route), n -> Optional.empty());
    List<String> asked = new ArrayList<>();
    EvaluationTracker tracker =
        new EvaluationTracker(
            null,
            ns -> {
              asked.add(ns);
              return List.of();
            },
            at(START));
    assertThat(tracker.track(route, view)).isEmpty();
    assertThat(asked).isEmpty();
  }
}
