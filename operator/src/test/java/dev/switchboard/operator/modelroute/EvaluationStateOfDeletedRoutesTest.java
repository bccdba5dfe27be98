package dev.switchboard.operator.modelroute;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.api.v1alpha1.EvaluationCandidate;
import dev.switchboard.api.v1alpha1.EvaluationSpec;
import dev.switchboard.api.v1alpha1.LocalObjectRef;
import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.ModelRouteSpec;
import dev.switchboard.api.v1alpha1.RouteTarget;
import dev.switchboard.operator.OperatorSettings;
import dev.switchboard.operator.evaluation.EvaluationTracker;
import dev.switchboard.operator.evaluation.RunbookEntry;
import dev.switchboard.operator.publish.RoutingTablePublisher;
import dev.switchboard.operator.testing.SwitchboardOperatorExtension;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A route deleted while no operator ran: its delete event is never seen, so its evaluation state is
 * removed at the next start instead, against the routes the informers hold; the state of an
 * existing route and the runbook entries (the record support reads) stay.
 */
class EvaluationStateOfDeletedRoutesTest {

  @RegisterExtension
  static final SwitchboardOperatorExtension KUBE =
      new SwitchboardOperatorExtension(OperatorSettings.forMockApiServer());

  private static final String NS = "evaluations-deleted-meanwhile";

  @Test
  void theStateOfARouteDeletedWhileTheOperatorWasDownIsRemovedAtStart() {
    KUBE.stopOperator();
    KUBE.client()
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName(EvaluationTracker.STATE_CONFIG_MAP)
                .withNamespace(NS)
                .addToLabels(
                    RoutingTablePublisher.MANAGED_BY_LABEL, RoutingTablePublisher.MANAGED_BY)
                .endMetadata()
                .withData(
                    Map.of(
                        "gone.manual-1.json", "{\"id\":\"manual-1\",\"route\":\"gone\"}",
                        "kept.manual-1.json", "{\"id\":\"manual-1\",\"route\":\"kept\"}"))
                .build())
        .create();
    String entry = RunbookEntry.HEADING + " gone: manual-1\n";
    KUBE.client()
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName(EvaluationTracker.RUNBOOK_CONFIG_MAP)
                .withNamespace(NS)
                .addToLabels(
                    RoutingTablePublisher.MANAGED_BY_LABEL, RoutingTablePublisher.MANAGED_BY)
                .addToLabels(EvaluationTracker.REPORT_LABEL, "true")
                .endMetadata()
                .withData(Map.of("gone.manual-1.md", entry))
                .build())
        .create();
    // An existing route with an evaluation (one that never starts: its candidate does not
    // resolve) keeps its key; a route without one would lose it at its first reconcile anyway.
    ModelRoute kept = route("kept");
    EvaluationCandidate candidate = new EvaluationCandidate();
    candidate.setProviderRef(kept.getSpec().getTargets().get(0).getProviderRef());
    candidate.setModel("gpt-5");
    EvaluationSpec evaluation = new EvaluationSpec();
    evaluation.setCandidates(List.of(candidate));
    kept.getSpec().setEvaluation(evaluation);
    KUBE.client().resource(kept).create();

    KUBE.startOperator();

    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              ConfigMap state = state();
              assertThat(state).as(EvaluationTracker.STATE_CONFIG_MAP).isNotNull();
              assertThat(state.getData())
                  .containsOnlyKeys("kept.manual-1.json")
                  .containsEntry("kept.manual-1.json", "{\"id\":\"manual-1\",\"route\":\"kept\"}");
            });
    assertThat(
            KUBE.client()
                .configMaps()
                .inNamespace(NS)
                .withName(EvaluationTracker.RUNBOOK_CONFIG_MAP)
                .get()
                .getData())
        .containsEntry("gone.manual-1.md", entry);
  }

  /**
   * The deleted route's evaluation was still running: it ends at the start with its final runbook
   * entry, which says the route was found deleted (when it went is not known), before its key goes.
   * It used to go with no final entry, its last daily entry its only record.
   */
  @Test
  void anEvaluationStillRunningForARouteDeletedWhileTheOperatorWasDownGetsItsFinalEntryAtStart() {
    String ns = NS + "-running";
    KUBE.stopOperator();
    KUBE.client()
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName(EvaluationTracker.STATE_CONFIG_MAP)
                .withNamespace(ns)
                .addToLabels(
                    RoutingTablePublisher.MANAGED_BY_LABEL, RoutingTablePublisher.MANAGED_BY)
                .endMetadata()
                .withData(
                    Map.of(
                        "gone.e1a2b3c4.json",
                        "{\"id\":\"e1a2b3c4\",\"route\":\"gone\","
                            + "\"startedAt\":\"2026-01-01T00:00:00Z\","
                            + "\"endsAt\":\"2100-01-01T00:00:00Z\",\"completed\":false,"
                            + "\"baselineTarget\":\"openai/gpt-4o-mini\",\"sample\":0.1,"
                            + "\"candidates\":[\"openai/gpt-5\"],"
                            + "\"lastRunbookDay\":\"2026-01-01\"}"))
                .build())
        .create();

    KUBE.startOperator();

    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              ConfigMap runbook =
                  KUBE.client()
                      .configMaps()
                      .inNamespace(ns)
                      .withName(EvaluationTracker.RUNBOOK_CONFIG_MAP)
                      .get();
              assertThat(runbook).isNotNull();
              assertThat(runbook.getData().get("gone.e1a2b3c4.md"))
                  .contains("ended early (final entry): evaluation e1a2b3c4")
                  .contains("its route was found deleted when the operator started");
              ConfigMap state =
                  KUBE.client()
                      .configMaps()
                      .inNamespace(ns)
                      .withName(EvaluationTracker.STATE_CONFIG_MAP)
                      .get();
              assertThat(state.getData() == null ? Map.of() : state.getData())
                  .doesNotContainKey("gone.e1a2b3c4.json");
            });
  }

  private static ConfigMap state() {
    return KUBE.client()
        .configMaps()
        .inNamespace(NS)
        .withName(EvaluationTracker.STATE_CONFIG_MAP)
        .get();
  }

  private static ModelRoute route(String name) {
    RouteTarget target = new RouteTarget();
    LocalObjectRef provider = new LocalObjectRef();
    provider.setName("openai");
    target.setProviderRef(provider);
    target.setModel("gpt-4o-mini");
    ModelRouteSpec spec = new ModelRouteSpec();
    spec.setTargets(List.of(target));
    ModelRoute route = new ModelRoute();
    route.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
    route.setSpec(spec);
    return route;
  }
}
