package dev.switchboard.operator.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.api.v1alpha1.EvaluationCandidate;
import dev.switchboard.api.v1alpha1.EvaluationReport;
import dev.switchboard.api.v1alpha1.EvaluationSpec;
import dev.switchboard.api.v1alpha1.LocalObjectRef;
import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.ModelRouteSpec;
import dev.switchboard.kubemock.EmbeddedKubernetesApi;
import dev.switchboard.operator.render.EvaluationRendering;
import dev.switchboard.operator.render.NamespaceView;
import dev.switchboard.operator.testing.MutableClock;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A running evaluation checks its report ConfigMap at every collection (30 s): from the operator's
 * informers, not with a GET to the API server each time.
 */
class EvaluationReportCacheTest {

  private static final Instant START = Instant.parse("2026-12-04T09:00:00Z");

  private static ModelRoute route(String namespace, String reportConfigMap) {
    ModelRoute route = new ModelRoute();
    route.setMetadata(new ObjectMetaBuilder().withName("chat").withNamespace(namespace).build());
    ModelRouteSpec spec = new ModelRouteSpec();
    EvaluationSpec evaluation = new EvaluationSpec();
    EvaluationCandidate candidate = new EvaluationCandidate();
    LocalObjectRef ref = new LocalObjectRef();
    ref.setName("openai");
    candidate.setProviderRef(ref);
    candidate.setModel("gpt-5");
    evaluation.setCandidates(List.of(candidate));
    evaluation.setDuration("72h");
    EvaluationReport report = new EvaluationReport();
    report.setConfigMapName(reportConfigMap);
    evaluation.setReport(report);
    spec.setEvaluation(evaluation);
    route.setSpec(spec);
    return route;
  }

  private static NamespaceView view(ModelRoute route) {
    return new NamespaceView(
        route.getMetadata().getNamespace(),
        List.of(),
        List.of(),
        List.of(route),
        n -> Optional.empty());
  }

  /** The GETs of one ConfigMap the mock API server received since the last call. */
  private static long gets(EmbeddedKubernetesApi api, String namespace, String name)
      throws InterruptedException {
    String path = "/api/v1/namespaces/" + namespace + "/configmaps/" + name;
    long gets = 0;
    RecordedRequest request;
    while ((request = api.mockServer().takeRequest(0, TimeUnit.MILLISECONDS)) != null) {
      if ("GET".equals(request.getMethod()) && path.equals(request.getPath())) {
        gets++;
      }
    }
    return gets;
  }

  @Test
  void collectionsFindTheOperatorsReportConfigMapInTheInformersWithoutAGet() throws Exception {
    ModelRoute route = route("cache-own", "team-runbook");
    String id = EvaluationRendering.id(route.getSpec().getEvaluation());
    String entryKey = RunbookEntry.key("chat", id);
    List<JsonNode> reports =
        List.of(EvaluationTrackerTest.report("a", id, "openai/gpt-5", 40, 1.25, 0));
    MutableClock clock = new MutableClock(START);
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start();
        InformedConfigMaps informers = new InformedConfigMaps(api.client())) {
      EvaluationTracker tracker = new EvaluationTracker(api.client(), ns -> reports, clock);
      tracker.readReportConfigMapsFrom(informers);
      tracker.track(route, view(route));
      // The first day ends: the interim entry creates the report ConfigMap, labelled.
      clock.advance(Duration.ofHours(20));
      tracker.track(route, view(route));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> informers.get("cache-own", "team-runbook").isPresent());
      api.discardRecordedRequests();

      for (int collection = 0; collection < 10; collection++) {
        clock.advance(EvaluationTracker.COLLECT_EVERY);
        assertThat(tracker.track(route, view(route)).orElseThrow().reportBlocked()).isEmpty();
      }

      assertThat(gets(api, "cache-own", "team-runbook")).isZero();

      // The next day's entry is written over the cached copy, still without a GET.
      clock.advance(Duration.ofHours(24));
      tracker.track(route, view(route));
      assertThat(
              api.client()
                  .configMaps()
                  .inNamespace("cache-own")
                  .withName("team-runbook")
                  .get()
                  .getData()
                  .get(entryKey))
          .contains(
              "figures as of "
                  + clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    }
  }

  @Test
  void anotherApplicationsConfigMapIsReadAgainOnlyAfterTheRecheckInterval() throws Exception {
    ModelRoute route = route("cache-foreign", "app-settings");
    MutableClock clock = new MutableClock(START);
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start();
        InformedConfigMaps informers = new InformedConfigMaps(api.client())) {
      api.client()
          .configMaps()
          .resource(
              new ConfigMapBuilder()
                  .withNewMetadata()
                  .withName("app-settings")
                  .withNamespace("cache-foreign")
                  .withLabels(Map.of("app", "billing"))
                  .endMetadata()
                  .withData(Map.of("limits.properties", "max=3"))
                  .build())
          .create();
      EvaluationTracker tracker = new EvaluationTracker(api.client(), ns -> List.of(), clock);
      tracker.readReportConfigMapsFrom(informers);
      api.discardRecordedRequests();

      for (int collection = 0; collection < 10; collection++) {
        assertThat(tracker.track(route, view(route)).orElseThrow().reportBlocked())
            .get()
            .asString()
            .contains("ConfigMap app-settings");
        clock.advance(EvaluationTracker.COLLECT_EVERY);
      }
      assertThat(gets(api, "cache-foreign", "app-settings")).isEqualTo(1);

      // Removed by its owner: seen once the recheck interval has passed.
      api.client().configMaps().inNamespace("cache-foreign").withName("app-settings").delete();
      clock.advance(EvaluationTracker.RECHECK_UNCACHED);
      assertThat(tracker.track(route, view(route)).orElseThrow().reportBlocked()).isEmpty();
    }
  }
}
