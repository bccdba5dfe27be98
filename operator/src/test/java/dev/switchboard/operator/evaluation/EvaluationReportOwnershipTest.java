package dev.switchboard.operator.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.api.v1alpha1.EvaluationCandidate;
import dev.switchboard.api.v1alpha1.EvaluationReport;
import dev.switchboard.api.v1alpha1.EvaluationSpec;
import dev.switchboard.api.v1alpha1.LocalObjectRef;
import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.ModelRouteSpec;
import dev.switchboard.kubemock.EmbeddedKubernetesApi;
import dev.switchboard.operator.render.EvaluationRendering;
import dev.switchboard.operator.render.NamespaceView;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The runbook entry goes only into a report ConfigMap the operator created (or one an earlier
 * version created for reports): a route's {@code report.configMapName} naming another application's
 * ConfigMap must not let the route's editor write into it through the operator.
 */
class EvaluationReportOwnershipTest {

  private static final Instant START = Instant.parse("2026-12-04T09:00:00Z");
  private static EmbeddedKubernetesApi api;
  private static KubernetesClient client;
  // As in the operator: report ConfigMaps read from its informers where they hold them.
  private static InformedConfigMaps informers;

  @BeforeAll
  static void start() {
    api = EmbeddedKubernetesApi.start();
    client = api.client();
    informers = new InformedConfigMaps(client);
  }

  @AfterAll
  static void stop() {
    informers.close();
    api.close();
  }

  private static EvaluationTracker tracker(
      List<com.fasterxml.jackson.databind.JsonNode> reports, Instant now) {
    EvaluationTracker tracker =
        new EvaluationTracker(client, ns -> reports, Clock.fixed(now, ZoneId.of("UTC")));
    tracker.readReportConfigMapsFrom(informers);
    return tracker;
  }

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

  /** Starts the route's evaluation, then tracks it once more after its duration (final entry). */
  private static EvaluationTracker.Outcome runToCompletion(ModelRoute route) {
    NamespaceView view =
        new NamespaceView(
            route.getMetadata().getNamespace(),
            List.of(),
            List.of(),
            List.of(route),
            n -> Optional.empty());
    String id = EvaluationRendering.id(route.getSpec().getEvaluation());
    // One replica's sums, as the gateways report them (the route is "chat" there too).
    List<com.fasterxml.jackson.databind.JsonNode> reports =
        List.of(EvaluationTrackerTest.report("a", id, "openai/gpt-5", 40, 1.25, 0));
    tracker(reports, START).track(route, view);
    return tracker(reports, START.plus(Duration.ofHours(73))).track(route, view).orElseThrow();
  }

  private static String entryKey(ModelRoute route) {
    return RunbookEntry.key("chat", EvaluationRendering.id(route.getSpec().getEvaluation()));
  }

  private static ConfigMap configMap(String namespace, String name) {
    return client.configMaps().inNamespace(namespace).withName(name).get();
  }

  private static void create(
      String namespace, String name, Map<String, String> labels, Map<String, String> data) {
    client
        .configMaps()
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(namespace)
                .withLabels(labels)
                .endMetadata()
                .withData(data)
                .build())
        .create();
  }

  @Test
  void anotherApplicationsConfigMapIsNotWrittenAndTheOutcomeSaysWhy() {
    create(
        "own-foreign",
        "app-settings",
        Map.of("app", "billing"),
        Map.of("limits.properties", "max=3"));
    ModelRoute route = route("own-foreign", "app-settings");

    EvaluationTracker.Outcome outcome = runToCompletion(route);

    assertThat(outcome.status().getPhase()).isEqualTo("Completed");
    ConfigMap untouched = configMap("own-foreign", "app-settings");
    assertThat(untouched.getData()).containsOnly(Map.entry("limits.properties", "max=3"));
    assertThat(untouched.getMetadata().getLabels()).containsOnly(Map.entry("app", "billing"));
    assertThat(outcome.reportBlocked())
        .get()
        .asString()
        .contains("ConfigMap app-settings")
        .contains(EvaluationTracker.REPORT_LABEL);
  }

  @Test
  void aReportConfigMapTheOperatorCreatesIsMarkedAndWritten() {
    ModelRoute route = route("own-new", "team-runbook");

    EvaluationTracker.Outcome outcome = runToCompletion(route);

    assertThat(outcome.reportBlocked()).isEmpty();
    ConfigMap created = configMap("own-new", "team-runbook");
    assertThat(created.getMetadata().getLabels())
        .containsEntry(EvaluationTracker.REPORT_LABEL, "true")
        .containsEntry("app.kubernetes.io/managed-by", "switchboard-operator");
    assertThat(created.getData().get(entryKey(route))).contains("completed (final entry)");
  }

  @Test
  void aReportConfigMapAnEarlierVersionCreatedIsAdoptedAndOneWithForeignKeysIsNot() {
    // What an earlier version left: the managed-by label and runbook entries only.
    create(
        "own-upgrade",
        "switchboard-runbook",
        Map.of("app.kubernetes.io/managed-by", "switchboard-operator"),
        Map.of(
            "other.e1a2b3c4.md", RunbookEntry.HEADING + "e1a2b3c4` of route `own-upgrade/other`"));
    ModelRoute route = route("own-upgrade", "switchboard-runbook");

    EvaluationTracker.Outcome outcome = runToCompletion(route);

    assertThat(outcome.reportBlocked()).isEmpty();
    ConfigMap adopted = configMap("own-upgrade", "switchboard-runbook");
    assertThat(adopted.getMetadata().getLabels())
        .containsEntry(EvaluationTracker.REPORT_LABEL, "true");
    assertThat(adopted.getData()).containsKeys("other.e1a2b3c4.md", entryKey(route));

    // The managed-by label alone does not make a ConfigMap a report: one with other keys is not.
    create(
        "own-mixed",
        "switchboard-runbook",
        Map.of("app.kubernetes.io/managed-by", "switchboard-operator"),
        Map.of(
            "other.e1a2b3c4.md",
            RunbookEntry.HEADING + "e1a2b3c4` of route `own-mixed/other`",
            "settings.yaml",
            "a: 1"));
    ModelRoute mixed = route("own-mixed", "switchboard-runbook");

    assertThat(runToCompletion(mixed).reportBlocked()).isPresent();
    assertThat(configMap("own-mixed", "switchboard-runbook").getData())
        .containsOnlyKeys("other.e1a2b3c4.md", "settings.yaml");
  }
}
