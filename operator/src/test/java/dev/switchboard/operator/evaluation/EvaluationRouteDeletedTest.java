package dev.switchboard.operator.evaluation;

import static dev.switchboard.operator.evaluation.EvaluationAutomaticReplacedTest.NS;
import static dev.switchboard.operator.evaluation.EvaluationAutomaticReplacedTest.START;
import static dev.switchboard.operator.evaluation.EvaluationAutomaticReplacedTest.at;
import static dev.switchboard.operator.evaluation.EvaluationAutomaticReplacedTest.data;
import static dev.switchboard.operator.evaluation.EvaluationBaselineTest.entry;
import static dev.switchboard.operator.evaluation.EvaluationBaselineTest.report;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.api.v1alpha1.EvaluationCandidate;
import dev.switchboard.api.v1alpha1.EvaluationSpec;
import dev.switchboard.api.v1alpha1.LocalObjectRef;
import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.kubemock.EmbeddedKubernetesApi;
import dev.switchboard.operator.render.EvaluationRendering;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A route deleted while its evaluation runs: the evaluation ends with its final runbook entry
 * (reason {@code RouteDeleted}, the figures folded up to then) before its state goes. Its state
 * used to be removed with the route, its last daily entry its only record.
 */
class EvaluationRouteDeletedTest {

  private static final String FORBIDDEN =
      "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"code\":403,"
          + "\"reason\":\"Forbidden\",\"message\":\"configmaps is forbidden: quota frozen\"}";

  /** A route with a declared evaluation of gpt-5 against gpt-4-turbo, 72 h. */
  private static ModelRoute declared() {
    ModelRoute route = EvaluationAutomaticReplacedTest.route();
    route.getSpec().setPolicyRef(null);
    LocalObjectRef openai = new LocalObjectRef();
    openai.setName("openai");
    EvaluationCandidate candidate = new EvaluationCandidate();
    candidate.setProviderRef(openai);
    candidate.setModel("gpt-5");
    EvaluationSpec evaluation = new EvaluationSpec();
    evaluation.setCandidates(List.of(candidate));
    evaluation.setSample(0.1);
    evaluation.setDuration("72h");
    route.getSpec().setEvaluation(evaluation);
    return route;
  }

  private static List<JsonNode> pairs(String id, int n) {
    return List.of(report("a", entry(id, "openai/gpt-4-turbo", "openai/gpt-5", n, 40, 1.25)));
  }

  @Test
  void aRouteDeletedWhileItsEvaluationRunsGetsItsFinalEntry() {
    ModelRoute route = declared();
    String id = EvaluationRendering.id(route.getSpec().getEvaluation());
    AtomicReference<List<JsonNode>> reports = new AtomicReference<>(pairs(id, 60));
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      new EvaluationTracker(api.client(), ns -> reports.get(), at(START))
          .track(route, EvaluationAutomaticReplacedTest.view(route));
      // The replicas counted 20 more pairs since the last collection: read once more.
      reports.set(pairs(id, 80));
      Instant deletedAt = START.plus(Duration.ofHours(30));

      EvaluationTracker.Deleted deleted =
          new EvaluationTracker(api.client(), ns -> reports.get(), at(deletedAt))
              .forget(NS, "chat");

      assertThat(deleted.failed()).isEmpty();
      assertThat(deleted.ended())
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.reason()).isEqualTo(EvaluationTracker.ROUTE_DELETED);
                assertThat(e.now()).isTrue();
                assertThat(e.message()).contains("evaluation " + id).contains("chat." + id + ".md");
              });
      assertThat(data(api, EvaluationTracker.RUNBOOK_CONFIG_MAP).get("chat." + id + ".md"))
          .contains("ended early (final entry): evaluation " + id + " ended early at " + deletedAt)
          .contains("its route was deleted")
          .contains("Sampled requests: 80, answered by both: 80")
          .contains(START + " to " + deletedAt);
      // Then its state goes, as before.
      assertThat(data(api, EvaluationTracker.STATE_CONFIG_MAP))
          .doesNotContainKey("chat." + id + ".json");
    }
  }

  @Test
  void anAutomaticEvaluationOfADeletedRouteGetsItsFinalEntryToo() {
    ModelRoute route = EvaluationAutomaticReplacedTest.route();
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      String id =
          new EvaluationTracker(api.client(), ns -> List.of(), at(START))
              .track(route, EvaluationAutomaticReplacedTest.view(route))
              .orElseThrow()
              .status()
              .getId();
      Instant deletedAt = START.plus(Duration.ofHours(2));

      EvaluationTracker.Deleted deleted =
          new EvaluationTracker(api.client(), ns -> pairs(id, 40), at(deletedAt))
              .forget(NS, "chat");

      assertThat(deleted.ended()).singleElement().satisfies(e -> assertThat(e.now()).isTrue());
      assertThat(data(api, EvaluationTracker.RUNBOOK_CONFIG_MAP).get("chat." + id + ".md"))
          .contains("ended early (final entry): automatic evaluation " + id)
          .contains("Sampled requests: 40");
      assertThat(data(api, EvaluationTracker.STATE_CONFIG_MAP)).isEmpty();
    }
  }

  /**
   * Found at the operator's start: the route went while no operator ran. The final entry says when
   * it was found, since when it was deleted is not known.
   */
  @Test
  void aRouteDeletedWhileNoOperatorRanGetsItsFinalEntryWhenFound() {
    ModelRoute route = declared();
    String id = EvaluationRendering.id(route.getSpec().getEvaluation());
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      new EvaluationTracker(api.client(), ns -> pairs(id, 60), at(START))
          .track(route, EvaluationAutomaticReplacedTest.view(route));
      Instant foundAt = START.plus(Duration.ofHours(50));

      EvaluationTracker.Deleted deleted =
          new EvaluationTracker(api.client(), ns -> pairs(id, 70), at(foundAt))
              .forgetDeletedMeanwhile(NS, "chat");

      assertThat(deleted.failed()).isEmpty();
      assertThat(data(api, EvaluationTracker.RUNBOOK_CONFIG_MAP).get("chat." + id + ".md"))
          .contains("ended early (final entry): evaluation " + id + " ended early at " + foundAt)
          .contains("found deleted when the operator started")
          .contains("Sampled requests: 70")
          .contains(START + " to " + foundAt);
      assertThat(data(api, EvaluationTracker.STATE_CONFIG_MAP)).isEmpty();
    }
  }

  /**
   * The final entry cannot be written: the deletion is not held (the route has no finalizer), the
   * writes are bounded ({@link EvaluationTracker#WRITE_ATTEMPTS}), the failure is returned for the
   * Warning event, and the entry's text is kept in the state until a later attempt writes it.
   */
  @Test
  void aRefusedFinalEntryOfADeletedRouteIsKeptAndWrittenLater() {
    ModelRoute route = declared();
    String id = EvaluationRendering.id(route.getSpec().getEvaluation());
    ModelRoute other = declared();
    other.getMetadata().setName("other");
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      EvaluationTracker tracker =
          new EvaluationTracker(api.client(), ns -> pairs(id, 60), at(START));
      tracker.track(route, EvaluationAutomaticReplacedTest.view(route));
      tracker.track(other, EvaluationAutomaticReplacedTest.view(other));
      // The runbook ConfigMap exists (earlier entries), so the final entry is an update.
      api.client()
          .configMaps()
          .inNamespace(NS)
          .resource(
              new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
                  .withNewMetadata()
                  .withName(EvaluationTracker.RUNBOOK_CONFIG_MAP)
                  .addToLabels(EvaluationTracker.REPORT_LABEL, "true")
                  .endMetadata()
                  .addToData("other.earlier.md", RunbookEntry.HEADING + "earlier`")
                  .build())
          .create();
      api.mockServer()
          .expect()
          .put()
          .withPath(
              "/api/v1/namespaces/" + NS + "/configmaps/" + EvaluationTracker.RUNBOOK_CONFIG_MAP)
          .andReturn(403, FORBIDDEN)
          .times(EvaluationTracker.WRITE_ATTEMPTS);

      EvaluationTracker.Deleted deleted = tracker.forget(NS, "chat");

      assertThat(deleted.failed())
          .hasValueSatisfying(
              f -> {
                assertThat(f.report()).isTrue();
                assertThat(f.message()).contains("HTTP 403");
              });
      assertThat(data(api, EvaluationTracker.RUNBOOK_CONFIG_MAP))
          .doesNotContainKey("chat." + id + ".md");
      // Owed: kept, completed, with the entry's text.
      assertThat(data(api, EvaluationTracker.STATE_CONFIG_MAP).get("chat." + id + ".json"))
          .contains("\"completed\":true")
          .contains("owedEntry");

      // The namespace's next collection writes it, then removes the deleted route's state.
      tracker.track(other, EvaluationAutomaticReplacedTest.view(other));

      assertThat(data(api, EvaluationTracker.RUNBOOK_CONFIG_MAP).get("chat." + id + ".md"))
          .contains("ended early (final entry): evaluation " + id)
          .contains("its route was deleted");
      assertThat(data(api, EvaluationTracker.STATE_CONFIG_MAP))
          .containsOnlyKeys("other." + id + ".json");
    }
  }

  /**
   * Deleting a route without evaluation state costs what it did: the informers' copy holds no key
   * of it, so only the removal's own read of the state ConfigMap is made.
   */
  @Test
  void deletingARouteWithoutEvaluationStateReadsNothingMore() throws Exception {
    String statePath =
        "/api/v1/namespaces/" + NS + "/configmaps/" + EvaluationTracker.STATE_CONFIG_MAP;
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start();
        InformedConfigMaps informers = new InformedConfigMaps(api.client())) {
      api.client()
          .configMaps()
          .resource(
              new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
                  .withNewMetadata()
                  .withName(EvaluationTracker.STATE_CONFIG_MAP)
                  .withNamespace(NS)
                  .addToLabels("app.kubernetes.io/managed-by", "switchboard-operator")
                  .endMetadata()
                  .addToData("other.e1a2b3c4.json", "{\"id\":\"e1a2b3c4\"}")
                  .build())
          .create();
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> informers.get(NS, EvaluationTracker.STATE_CONFIG_MAP).isPresent());
      EvaluationTracker tracker = new EvaluationTracker(api.client(), ns -> List.of(), at(START));
      tracker.readReportConfigMapsFrom(informers);
      while (api.mockServer().takeRequest(0, java.util.concurrent.TimeUnit.MILLISECONDS) != null) {
        // drained: only the requests of the deletion below are counted
      }

      assertThat(tracker.forget(NS, "chat").failed()).isEmpty();

      long stateRequests = 0;
      io.fabric8.mockwebserver.http.RecordedRequest request;
      while ((request = api.mockServer().takeRequest(0, java.util.concurrent.TimeUnit.MILLISECONDS))
          != null) {
        stateRequests += request.getPath().startsWith(statePath) ? 1 : 0;
      }
      assertThat(stateRequests).isEqualTo(1);
      assertThat(data(api, EvaluationTracker.STATE_CONFIG_MAP))
          .containsOnlyKeys("other.e1a2b3c4.json");
    }
  }
}
