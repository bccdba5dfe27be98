package dev.switchboard.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.api.v1alpha1.Embedder;
import dev.switchboard.api.v1alpha1.EvaluationCandidate;
import dev.switchboard.api.v1alpha1.EvaluationSpec;
import dev.switchboard.api.v1alpha1.LocalObjectRef;
import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.ProviderEndpoint;
import dev.switchboard.api.v1alpha1.RoutingPolicy;
import dev.switchboard.contract.ConsumerTable;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.RoutingTableValidator;
import dev.switchboard.operator.publish.RoutingTablePublisher;
import dev.switchboard.operator.testing.Fixtures;
import dev.switchboard.operator.testing.PublishedReads;
import dev.switchboard.operator.testing.StatusReads;
import dev.switchboard.operator.testing.SwitchboardOperatorExtension;
import dev.switchboard.operator.testing.UserEdits;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The shared scenario against the mock API server: create → await Ready and the rendered table →
 * update → await → delete → await removal; plus invalid references and recovery, SSRF refusal, last
 * good routes across an operator restart, and no writes in an unchanged world. Each test uses its
 * own namespace, so one operator serves the whole class.
 */
class OperatorScenarioTest {

  @RegisterExtension
  static final SwitchboardOperatorExtension KUBE =
      new SwitchboardOperatorExtension(
          OperatorSettings.forMockApiServer().withUpstreamAllowances(false, true));

  private static final AtomicInteger NAMESPACES = new AtomicInteger();

  private String ns;
  private KubernetesClient client;

  @BeforeEach
  void namespace() {
    ns = "scenario-" + NAMESPACES.incrementAndGet();
    client = KUBE.client();
  }

  private static ConditionFactory eventually() {
    return await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50));
  }

  private List<HasMetadata> applyBasic() {
    List<HasMetadata> items = Fixtures.load("fixtures/namespace-basic.yaml", ns);
    items.forEach(item -> client.resource(item).create());
    return items;
  }

  private <T extends CustomResource<?, ?>> T get(Class<T> type, String name) {
    return client.resources(type).inNamespace(ns).withName(name).get();
  }

  /** Edits a resource as a user would, again on a 409 (see {@link UserEdits}). */
  private <T extends CustomResource<?, ?>> void edit(
      Class<T> type, String name, java.util.function.Consumer<T> change) {
    UserEdits.edit(
        client.resources(type).inNamespace(ns).withName(name),
        r -> {
          change.accept(r);
          return r;
        });
  }

  private Optional<Condition> routeCondition(String name, String type) {
    return StatusReads.condition(get(ModelRoute.class, name), type);
  }

  private Optional<Condition> providerCondition(String name, String type) {
    return StatusReads.condition(get(ProviderEndpoint.class, name), type);
  }

  private void awaitRouteReady(String name) {
    eventually()
        .untilAsserted(
            () -> {
              ModelRoute route = get(ModelRoute.class, name);
              assertThat(StatusReads.status(route).getObservedGeneration())
                  .isEqualTo(route.getMetadata().getGeneration());
              assertThat(StatusReads.condition(route, "Ready"))
                  .get()
                  .extracting(Condition::getStatus)
                  .isEqualTo("True");
            });
  }

  private Optional<RoutingTable> table() {
    return PublishedReads.routingTable(client, ns);
  }

  /** The published table, asserted to be there (a wait on it goes on while it is not). */
  private RoutingTable presentTable() {
    return PublishedReads.presentRoutingTable(client, ns);
  }

  private Optional<RoutingTable.Route> tableRoute(String name) {
    return PublishedReads.route(client, ns, name);
  }

  /** A route of the published table, asserted to be there. */
  private RoutingTable.Route presentRoute(String name) {
    return PublishedReads.presentRoute(client, ns, name);
  }

  private Map<String, String> publishedKeys() {
    return PublishedReads.providerKeys(client, ns);
  }

  private static <T> Function<RoutingTable.Route, T> first(Function<RoutingTable.Target, T> field) {
    return route -> field.apply(route.targets().get(0));
  }

  private void rotateKey(String secret, String value) {
    client
        .secrets()
        .inNamespace(ns)
        .withName(secret)
        .edit(
            s -> {
              s.setData(
                  Map.of(
                      "apiKey",
                      Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8))));
              return s;
            });
  }

  @Test
  void aDeletedRoutesEvaluationStateIsRemovedAndItsRunbookEntryKept() {
    applyBasic();
    awaitRouteReady("chat-default");
    awaitRouteReady("reasoning");
    for (String route : List.of("chat-default", "reasoning")) {
      edit(
          ModelRoute.class,
          route,
          r -> {
            EvaluationCandidate candidate = new EvaluationCandidate();
            LocalObjectRef ref = new LocalObjectRef();
            ref.setName("anthropic-prod");
            candidate.setProviderRef(ref);
            candidate.setModel("claude-sonnet-4-5");
            EvaluationSpec evaluation = new EvaluationSpec();
            evaluation.setCandidates(List.of(candidate));
            r.getSpec().setEvaluation(evaluation);
          });
    }
    String[] ids = new String[2];
    eventually()
        .untilAsserted(
            () -> {
              for (int i = 0; i < 2; i++) {
                ModelRoute route = get(ModelRoute.class, i == 0 ? "chat-default" : "reasoning");
                var evaluation = StatusReads.status(route).getEvaluation();
                assertThat(evaluation).isNotNull();
                ids[i] = evaluation.getId();
              }
              assertThat(evaluationState())
                  .containsKeys(
                      "chat-default." + ids[0] + ".json", "reasoning." + ids[1] + ".json");
            });
    // An entry support has read (written at a day's end): the runbook outlives the route.
    client
        .configMaps()
        .resource(
            new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
                .withNewMetadata()
                .withName("switchboard-runbook")
                .withNamespace(ns)
                .endMetadata()
                .withData(Map.of("reasoning." + ids[1] + ".md", "## Evaluation"))
                .build())
        .create();

    client.resources(ModelRoute.class).inNamespace(ns).withName("reasoning").delete();

    eventually()
        .untilAsserted(
            () ->
                assertThat(evaluationState()).containsOnlyKeys("chat-default." + ids[0] + ".json"));
    assertThat(client.configMaps().inNamespace(ns).withName("switchboard-runbook").get().getData())
        .containsEntry("reasoning." + ids[1] + ".md", "## Evaluation");
  }

  @Test
  void anEvaluationReportNamingAnotherApplicationsConfigMapIsRefusedInTheRoutesStatus() {
    applyBasic();
    awaitRouteReady("chat-default");
    client
        .configMaps()
        .resource(
            new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
                .withNewMetadata()
                .withName("app-settings")
                .withNamespace(ns)
                .endMetadata()
                .withData(Map.of("limits.properties", "max=3"))
                .build())
        .create();
    java.util.function.Consumer<String> evaluateInto =
        configMap ->
            edit(
                ModelRoute.class,
                "chat-default",
                r -> {
                  EvaluationCandidate candidate = new EvaluationCandidate();
                  LocalObjectRef ref = new LocalObjectRef();
                  ref.setName("anthropic-prod");
                  candidate.setProviderRef(ref);
                  candidate.setModel("claude-sonnet-4-5");
                  EvaluationSpec evaluation = new EvaluationSpec();
                  evaluation.setCandidates(List.of(candidate));
                  dev.switchboard.api.v1alpha1.EvaluationReport report =
                      new dev.switchboard.api.v1alpha1.EvaluationReport();
                  report.setConfigMapName(configMap);
                  evaluation.setReport(report);
                  r.getSpec().setEvaluation(evaluation);
                });

    evaluateInto.accept("app-settings");
    eventually()
        .untilAsserted(
            () ->
                assertThat(routeCondition("chat-default", "EvaluationReportBlocked"))
                    .get()
                    .satisfies(
                        c -> {
                          assertThat(c.getStatus()).isEqualTo("True");
                          assertThat(c.getReason()).isEqualTo("ReportConfigMapNotOwned");
                          assertThat(c.getMessage()).contains("ConfigMap app-settings");
                        }));
    assertThat(routeCondition("chat-default", "Ready").map(Condition::getStatus)).contains("True");
    assertThat(client.configMaps().inNamespace(ns).withName("app-settings").get().getData())
        .containsOnlyKeys("limits.properties");
    // Said where kubectl describe and the event stream show it, too.
    eventually()
        .untilAsserted(
            () ->
                assertThat(
                        client.v1().events().inNamespace(ns).list().getItems().stream()
                            .filter(e -> "Warning".equals(e.getType()))
                            .filter(e -> "ReportConfigMapNotOwned".equals(e.getReason()))
                            .map(e -> e.getMessage()))
                    .anySatisfy(m -> assertThat(m).contains("ConfigMap app-settings")));

    evaluateInto.accept("team-runbook");
    eventually()
        .untilAsserted(
            () -> assertThat(routeCondition("chat-default", "EvaluationReportBlocked")).isEmpty());
  }

  @Test
  void aRefusedEvaluationStateWriteIsAConditionAndAWarningUntilAWriteSucceeds() {
    applyBasic();
    awaitRouteReady("chat-default");
    // The API server refuses every update of the evaluation state ConfigMap (until it is deleted,
    // below). The state ConfigMap exists (with another route's entry), so writes are PUTs on its
    // own path: a refusal of ConfigMap creates would also hit whatever else the operator creates,
    // and a fixed number of refusals could run out on a retry before the test saw the condition.
    client
        .configMaps()
        .inNamespace(ns)
        .resource(
            new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
                .withNewMetadata()
                .withName("switchboard-evaluations")
                .withNamespace(ns)
                .endMetadata()
                .withData(java.util.Map.of("other-route", "{}"))
                .build())
        .create();
    KUBE.api()
        .mockServer()
        .expect()
        .put()
        .withPath("/api/v1/namespaces/" + ns + "/configmaps/switchboard-evaluations")
        .andReturn(
            403,
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                + "\"code\":403,\"reason\":\"Forbidden\",\"message\":\"quota frozen\"}")
        .always();
    java.util.function.DoubleConsumer evaluate =
        sample ->
            edit(
                ModelRoute.class,
                "chat-default",
                r -> {
                  EvaluationCandidate candidate = new EvaluationCandidate();
                  LocalObjectRef ref = new LocalObjectRef();
                  ref.setName("anthropic-prod");
                  candidate.setProviderRef(ref);
                  candidate.setModel("claude-sonnet-4-5");
                  EvaluationSpec evaluation = new EvaluationSpec();
                  evaluation.setCandidates(List.of(candidate));
                  evaluation.setSample(sample);
                  r.getSpec().setEvaluation(evaluation);
                });

    evaluate.accept(0.1);

    eventually()
        .untilAsserted(
            () ->
                assertThat(routeCondition("chat-default", "EvaluationWriteFailed"))
                    .get()
                    .satisfies(
                        c -> {
                          assertThat(c.getStatus()).isEqualTo("True");
                          assertThat(c.getReason()).isEqualTo("EvaluationStateWriteFailed");
                          assertThat(c.getMessage())
                              .contains("ConfigMap switchboard-evaluations")
                              .contains("HTTP 403 Forbidden");
                        }));
    assertThat(routeCondition("chat-default", "Ready").map(Condition::getStatus)).contains("True");
    eventually()
        .untilAsserted(
            () ->
                assertThat(
                        client.v1().events().inNamespace(ns).list().getItems().stream()
                            .filter(e -> "Warning".equals(e.getType()))
                            .filter(e -> "EvaluationStateWriteFailed".equals(e.getReason()))
                            .map(e -> e.getMessage()))
                    .anySatisfy(m -> assertThat(m).contains("switchboard-evaluations")));

    // Writes succeed again (the quota is lifted): the next collection writes the state, and the
    // condition goes.
    KUBE.api()
        .forgetExpectation(
            io.fabric8.mockwebserver.dsl.HttpMethod.PUT,
            "/api/v1/namespaces/" + ns + "/configmaps/switchboard-evaluations");
    evaluate.accept(0.2);
    eventually()
        .untilAsserted(
            () -> {
              assertThat(routeCondition("chat-default", "EvaluationWriteFailed")).isEmpty();
              assertThat(evaluationState().keySet()).anyMatch(k -> k.startsWith("chat-default."));
            });
  }

  @Test
  void aCorruptEvaluationStateKeyIsRebuiltAndSaidInAConditionAndAWarning() {
    applyBasic();
    awaitRouteReady("chat-default");
    edit(
        ModelRoute.class,
        "chat-default",
        r -> {
          EvaluationCandidate candidate = new EvaluationCandidate();
          LocalObjectRef ref = new LocalObjectRef();
          ref.setName("anthropic-prod");
          candidate.setProviderRef(ref);
          candidate.setModel("claude-sonnet-4-5");
          EvaluationSpec evaluation = new EvaluationSpec();
          evaluation.setCandidates(List.of(candidate));
          r.getSpec().setEvaluation(evaluation);
        });
    String[] started = new String[2];
    eventually()
        .untilAsserted(
            () -> {
              var evaluation =
                  StatusReads.status(get(ModelRoute.class, "chat-default")).getEvaluation();
              assertThat(evaluation).isNotNull();
              started[0] = evaluation.getStartedAt();
              started[1] = "chat-default." + evaluation.getId() + ".json";
              assertThat(evaluationState()).containsKey(started[1]);
            });
    String key = started[1];
    // Edited by hand and cut short - while no collection runs: the wait above can pass while a
    // reconcile of the route queued behind the one that started the evaluation runs, and a
    // collection that read the state before the edit writes it back over the edit, so the
    // corrupt key is never seen (failed once in a full run). Stopping waits for running
    // reconciles.
    KUBE.stopOperator();
    UserEdits.edit(
        client.configMaps().inNamespace(ns).withName("switchboard-evaluations"),
        cm -> {
          cm.getData().put(key, "{\"id\":");
          return cm;
        });
    KUBE.startOperator();
    // Any reconcile of the route finds it: the restarted operator's first, or one for an edit
    // (an alias added: the evaluation is the same).
    edit(
        ModelRoute.class,
        "chat-default",
        r -> r.getSpec().setAliases(List.of("gpt-4o", "gpt-4o-e")));

    eventually()
        .untilAsserted(
            () ->
                assertThat(routeCondition("chat-default", "EvaluationStateRecovered"))
                    .get()
                    .satisfies(
                        c -> {
                          assertThat(c.getStatus()).isEqualTo("True");
                          assertThat(c.getReason()).isEqualTo("EvaluationStateCorrupt");
                          assertThat(c.getMessage())
                              .contains("key " + key)
                              .contains("not valid JSON");
                        }));
    // Rebuilt on the same window, not held at its old status.
    assertThat(get(ModelRoute.class, "chat-default").getStatus().getEvaluation().getStartedAt())
        .isEqualTo(started[0]);
    assertThat(evaluationState().get(key)).contains("\"startedAt\":\"" + started[0] + "\"");
    eventually()
        .untilAsserted(
            () ->
                assertThat(
                        client.v1().events().inNamespace(ns).list().getItems().stream()
                            .filter(e -> "Warning".equals(e.getType()))
                            .filter(e -> "EvaluationStateCorrupt".equals(e.getReason()))
                            .map(e -> e.getMessage()))
                    .anySatisfy(m -> assertThat(m).contains("key " + key)));
  }

  private Map<String, String> evaluationState() {
    ConfigMap state = client.configMaps().inNamespace(ns).withName("switchboard-evaluations").get();
    return state == null || state.getData() == null ? Map.of() : state.getData();
  }

  @Test
  void createUpdateDelete() {
    applyBasic();

    awaitRouteReady("chat-default");
    awaitRouteReady("reasoning");
    eventually()
        .untilAsserted(
            () -> {
              assertThat(providerCondition("openai-prod", "Ready"))
                  .get()
                  .extracting(Condition::getStatus)
                  .isEqualTo("True");
              assertThat(providerCondition("openai-prod", "CredentialsResolved"))
                  .get()
                  .extracting(Condition::getReason)
                  .isEqualTo("SecretKeyFound");
              // The policy's status is written by its own reconciler, maybe after the routes'.
              assertThat(policyCondition("Ready"))
                  .get()
                  .extracting(Condition::getStatus)
                  .isEqualTo("True");
              // Strategy, schedule, latencyObjective and the (per-replica) cache are enforced
              // now, so the fixture's policy is fully enforced; status says so.
              assertThat(policyCondition("Enforced"))
                  .get()
                  .satisfies(
                      c -> {
                        assertThat(c.getStatus()).isEqualTo("True");
                        assertThat(c.getReason()).isEqualTo("AllFieldsEnforced");
                      });
            });
    ProviderEndpoint openai = get(ProviderEndpoint.class, "openai-prod");
    // The test clock stands at 2026-11-25: gpt-4o is past deprecatedAfter (2026-06-01).
    assertThat(openai.getStatus().getModels())
        .extracting(m -> m.getName() + "=" + m.getPhase())
        .containsExactly("gpt-4o-2024-08-06=Deprecated", "gpt-5=Active");
    eventually()
        .untilAsserted(
            () -> {
              RoutingTable table = presentTable();
              assertThat(RoutingTableValidator.validate(table)).isEmpty();
              assertThat(table.routes())
                  .extracting(RoutingTable.Route::name)
                  .containsExactly("chat-default", "reasoning");
              assertThat(publishedKeys())
                  .containsEntry("openai-prod", "sk-openai-test-key-1")
                  .containsEntry("anthropic-prod", "sk-ant-test-key");
            });
    ConfigMap published =
        client.configMaps().inNamespace(ns).withName(RoutingTable.CONFIG_MAP_NAME).get();
    assertThat(published.getMetadata().getLabels())
        .containsEntry(RoutingTablePublisher.MANAGED_BY_LABEL, RoutingTablePublisher.MANAGED_BY);
    assertThat(published.getMetadata().getOwnerReferences())
        .extracting(OwnerReference::getName)
        .containsExactly("chat-default", "reasoning");

    // Update a route.
    edit(
        ModelRoute.class,
        "reasoning",
        r -> r.getSpec().getTargets().get(0).setModel("gpt-4o-2024-08-06"));
    eventually()
        .untilAsserted(
            () ->
                assertThat(tableRoute("reasoning").map(first(RoutingTable.Target::model)))
                    .contains("gpt-4o-2024-08-06"));
    // Update a policy.
    edit(RoutingPolicy.class, "standard", p -> p.getSpec().setStrategy("least-latency"));
    eventually()
        .untilAsserted(
            () -> {
              assertThat(presentTable().policies().get("standard").strategy())
                  .isEqualTo("least-latency");
              assertThat(policyCondition("Enforced"))
                  .get()
                  .extracting(Condition::getMessage)
                  .asString()
                  .doesNotContain("strategy", "routes as priority");
            });
    // Update a provider.
    edit(ProviderEndpoint.class, "openai-prod", pe -> pe.getSpec().getTimeouts().setTotal("90s"));
    eventually()
        .untilAsserted(
            () ->
                assertThat(presentTable().providers().get("openai-prod").timeouts().totalMs())
                    .isEqualTo(90_000L));
    // Rotate a key in the user's Secret.
    rotateKey("openai-credentials", "sk-openai-rotated");
    eventually()
        .untilAsserted(
            () -> assertThat(publishedKeys()).containsEntry("openai-prod", "sk-openai-rotated"));

    // Delete one route, then the last.
    client.resources(ModelRoute.class).inNamespace(ns).withName("reasoning").delete();
    eventually()
        .untilAsserted(
            () -> {
              assertThat(presentTable().routes())
                  .extracting(RoutingTable.Route::name)
                  .containsExactly("chat-default");
              assertThat(
                      client
                          .configMaps()
                          .inNamespace(ns)
                          .withName(RoutingTable.CONFIG_MAP_NAME)
                          .get()
                          .getMetadata()
                          .getOwnerReferences())
                  .extracting(OwnerReference::getName)
                  .containsExactly("chat-default");
            });
    // The last route deleted leaves the empty table (theLastRouteDeletedLeavesAnEmptyTableNotNone).
    client.resources(ModelRoute.class).inNamespace(ns).withName("chat-default").delete();
    eventually()
        .untilAsserted(
            () -> {
              assertThat(presentTable().routes()).isEmpty();
              assertThat(publishedKeys()).isEmpty();
            });
  }

  @Test
  void invalidReferencesKeepTheLastGoodRouteAndRecover() {
    applyBasic();
    awaitRouteReady("chat-default");
    awaitRouteReady("reasoning");
    RoutingTable.Route good =
        eventually().until(() -> tableRoute("chat-default"), Optional::isPresent).orElseThrow();

    edit(
        ModelRoute.class,
        "chat-default",
        r -> r.getSpec().getTargets().get(1).getProviderRef().setName("anthropic-typo"));
    eventually()
        .untilAsserted(
            () -> {
              assertThat(routeCondition("chat-default", "Ready"))
                  .get()
                  .satisfies(
                      c -> {
                        assertThat(c.getStatus()).isEqualTo("False");
                        assertThat(c.getReason()).isEqualTo("ProviderNotFound");
                        assertThat(c.getMessage())
                            .contains("anthropic-typo")
                            .contains("last good revision 1 keeps serving");
                      });
              assertThat(routeCondition("chat-default", "ReferencesResolved"))
                  .get()
                  .extracting(Condition::getStatus)
                  .isEqualTo("False");
            });
    assertThat(tableRoute("chat-default")).contains(good);
    assertThat(routeCondition("reasoning", "Ready"))
        .get()
        .extracting(Condition::getStatus)
        .isEqualTo("True");
    eventually()
        .untilAsserted(
            () ->
                assertThat(
                        client.v1().events().inNamespace(ns).list().getItems().stream()
                            .filter(e -> "Warning".equals(e.getType()))
                            .map(e -> e.getReason()))
                    .contains("ProviderNotFound"));

    // A missing Secret key makes the provider not ready; its routes keep their last good entry.
    client
        .secrets()
        .inNamespace(ns)
        .withName("openai-credentials")
        .edit(
            s -> {
              s.setData(Map.of("wrongKey", "eA=="));
              return s;
            });
    eventually()
        .untilAsserted(
            () -> {
              assertThat(providerCondition("openai-prod", "CredentialsResolved"))
                  .get()
                  .extracting(Condition::getReason)
                  .isEqualTo("SecretKeyNotFound");
              assertThat(routeCondition("reasoning", "Ready"))
                  .get()
                  .extracting(Condition::getReason)
                  .isEqualTo("ProviderNotReady");
            });
    assertThat(tableRoute("reasoning")).isPresent();
    assertThat(publishedKeys()).containsEntry("openai-prod", "sk-openai-test-key-1");

    // Recovery.
    rotateKey("openai-credentials", "sk-openai-new");
    edit(
        ModelRoute.class,
        "chat-default",
        r -> r.getSpec().getTargets().get(1).getProviderRef().setName("anthropic-prod"));
    awaitRouteReady("chat-default");
    awaitRouteReady("reasoning");
    eventually()
        .untilAsserted(
            () -> {
              assertThat(presentRoute("chat-default").revision()).isEqualTo(3L);
              assertThat(publishedKeys()).containsEntry("openai-prod", "sk-openai-new");
            });
  }

  @Test
  void aRouteThatAnotherRouteTakesItsModelNameFromOrGivesItBackToGetsItsStatusUpdated() {
    applyBasic();
    awaitRouteReady("chat-default");
    awaitRouteReady("reasoning");

    // The older route claims the other's model name as an alias: the other leaves the table, and
    // its status must say so, although nothing about that route itself changed.
    edit(ModelRoute.class, "chat-default", r -> r.getSpec().setAliases(List.of("reasoning")));
    eventually()
        .untilAsserted(
            () -> {
              assertThat(presentRoute("chat-default").aliases()).containsExactly("reasoning");
              assertThat(tableRoute("reasoning")).isEmpty();
              assertThat(routeCondition("reasoning", "Ready"))
                  .get()
                  .satisfies(
                      c -> {
                        assertThat(c.getStatus()).isEqualTo("False");
                        assertThat(c.getReason()).isEqualTo("ModelNameConflict");
                      });
            });

    // Giving the name back serves the route again, and its status says so.
    edit(ModelRoute.class, "chat-default", r -> r.getSpec().setAliases(List.of("gpt-4o")));
    eventually().until(() -> tableRoute("reasoning"), Optional::isPresent);
    awaitRouteReady("reasoning");
  }

  private void embedWith(String provider, String model) {
    edit(
        RoutingPolicy.class,
        "standard",
        p -> {
          p.getSpec().getCache().getSemantic().setEnabled(true);
          Embedder embedder = new Embedder();
          LocalObjectRef ref = new LocalObjectRef();
          ref.setName(provider);
          embedder.setProviderRef(ref);
          embedder.setModel(model);
          p.getSpec().getCache().getSemantic().setEmbedder(embedder);
        });
  }

  private Optional<Condition> policyCondition(String type) {
    return StatusReads.condition(get(RoutingPolicy.class, "standard"), type);
  }

  @Test
  void aSemanticCacheEmbeddingThroughAProviderIsValidatedRenderedAndEnforced() {
    applyBasic();
    awaitRouteReady("chat-default");
    // vllm-local lists no models: any model id passes, as for route targets.
    embedWith("vllm-local", "bge-small-en");
    eventually()
        .untilAsserted(
            () -> {
              assertThat(presentTable().policies().get("standard").cache().semanticEmbedder())
                  .isEqualTo("provider:vllm-local/bge-small-en");
              assertThat(policyCondition("Ready"))
                  .get()
                  .extracting(Condition::getStatus)
                  .isEqualTo("True");
              assertThat(policyCondition("Enforced"))
                  .get()
                  .extracting(Condition::getReason)
                  .isEqualTo("AllFieldsEnforced");
            });
    RoutingTable good = presentTable();

    // An endpoint without an embeddings API: the policy says why, routes keep their last good
    // entry with the policy as it was.
    embedWith("anthropic-prod", "claude-sonnet-4-5");
    eventually()
        .untilAsserted(
            () -> {
              assertThat(policyCondition("Ready"))
                  .get()
                  .satisfies(
                      c -> {
                        assertThat(c.getStatus()).isEqualTo("False");
                        assertThat(c.getReason()).isEqualTo("EmbeddingsNotServed");
                        assertThat(c.getMessage())
                            .contains("spec.cache.semantic.embedder.providerRef", "anthropic-prod");
                      });
              assertThat(routeCondition("chat-default", "Ready"))
                  .get()
                  .extracting(Condition::getReason)
                  .isEqualTo("PolicyNotReady");
            });
    assertThat(presentTable().policies().get("standard"))
        .isEqualTo(good.policies().get("standard"));

    // A model the endpoint does not list, then an endpoint that does not exist.
    embedWith("openai-prod", "text-embedding-3-small");
    eventually()
        .untilAsserted(
            () ->
                assertThat(policyCondition("Ready"))
                    .get()
                    .extracting(Condition::getReason)
                    .isEqualTo("ModelNotServed"));
    embedWith("embeddings", "text-embedding-3-small");
    eventually()
        .untilAsserted(
            () ->
                assertThat(policyCondition("Ready"))
                    .get()
                    .extracting(Condition::getReason)
                    .isEqualTo("ProviderNotFound"));

    // Creating the endpoint resolves the reference: the policy and its routes recover.
    ProviderEndpoint embeddings = get(ProviderEndpoint.class, "vllm-local");
    embeddings.getMetadata().setName("embeddings");
    embeddings.getMetadata().setResourceVersion(null);
    embeddings.getMetadata().setUid(null);
    embeddings.setStatus(null);
    client.resource(embeddings).create();
    awaitRouteReady("chat-default");
    eventually()
        .untilAsserted(
            () -> {
              assertThat(policyCondition("Ready"))
                  .get()
                  .extracting(Condition::getStatus)
                  .isEqualTo("True");
              assertThat(presentTable().policies().get("standard").cache().semanticEmbedder())
                  .isEqualTo("provider:embeddings/text-embedding-3-small");
            });
  }

  @Test
  void floatingModelAliasesAreNamedInAWarningConditionAndClearWhenPinned() {
    applyBasic();
    awaitRouteReady("chat-default");
    eventually()
        .untilAsserted(
            () ->
                assertThat(routeCondition("chat-default", "FloatingModelVersion"))
                    .get()
                    .satisfies(
                        c -> {
                          assertThat(c.getStatus()).isEqualTo("True");
                          assertThat(c.getReason()).isEqualTo("FloatingModelAlias");
                          assertThat(c.getMessage())
                              .contains("anthropic-prod/claude-sonnet-4-5")
                              .contains("vllm-local/llama-3.1-8b-instruct")
                              .doesNotContain("openai-prod/gpt-4o-2024-08-06");
                        }));
    eventually()
        .untilAsserted(
            () ->
                assertThat(
                        client.v1().events().inNamespace(ns).list().getItems().stream()
                            .filter(e -> "Warning".equals(e.getType()))
                            .map(e -> e.getReason()))
                    .contains("FloatingModelAlias"));

    // Pinning every target clears the warning; the route keeps serving throughout.
    edit(
        ModelRoute.class,
        "chat-default",
        r -> {
          r.getSpec().getTargets().remove(1);
          r.getSpec().setRules(null);
        });
    awaitRouteReady("chat-default");
    eventually()
        .untilAsserted(
            () ->
                assertThat(routeCondition("chat-default", "FloatingModelVersion"))
                    .get()
                    .satisfies(
                        c -> {
                          assertThat(c.getStatus()).isEqualTo("False");
                          assertThat(c.getReason()).isEqualTo("ModelVersionsPinned");
                        }));
  }

  @Test
  void providerOnAMetadataAddressIsRefused() {
    applyBasic();
    awaitRouteReady("reasoning");

    edit(
        ProviderEndpoint.class,
        "openai-prod",
        pe -> pe.getSpec().setBaseUrl("http://169.254.169.254/latest/meta-data"));

    eventually()
        .untilAsserted(
            () -> {
              assertThat(providerCondition("openai-prod", "Ready"))
                  .get()
                  .satisfies(
                      c -> {
                        assertThat(c.getStatus()).isEqualTo("False");
                        assertThat(c.getReason()).isEqualTo("UpstreamAddressNotAllowed");
                      });
              assertThat(routeCondition("reasoning", "Ready"))
                  .get()
                  .extracting(Condition::getReason)
                  .isEqualTo("ProviderNotReady");
            });
    assertThat(presentTable().providers().get("openai-prod").baseUrl())
        .isEqualTo("https://api.openai.com/v1");
  }

  @Test
  void lastGoodRouteSurvivesAnOperatorRestart() {
    applyBasic();
    awaitRouteReady("reasoning");
    RoutingTable.Route good =
        eventually().until(() -> tableRoute("reasoning"), Optional::isPresent).orElseThrow();

    KUBE.stopOperator();
    edit(ModelRoute.class, "reasoning", r -> r.getSpec().getTargets().get(0).setModel("gpt-6"));
    KUBE.startOperator();

    eventually()
        .untilAsserted(
            () ->
                assertThat(routeCondition("reasoning", "Ready"))
                    .get()
                    .extracting(Condition::getReason)
                    .isEqualTo("ModelNotServed"));
    assertThat(tableRoute("reasoning")).contains(good);
    assertThat(tableRoute("chat-default")).isPresent();
  }

  @Test
  void anUnchangedWorldCausesNoWrites() {
    List<HasMetadata> items = applyBasic();
    awaitRouteReady("chat-default");
    awaitRouteReady("reasoning");
    List<HasMetadata> crs = items.stream().filter(i -> i instanceof CustomResource<?, ?>).toList();
    eventually()
        .untilAsserted(
            () -> {
              for (HasMetadata cr : crs) {
                assertThat(KUBE.reconciliations(cr)).isPositive();
              }
              assertThat(table()).isPresent();
            });
    // A restart replays every object as ADDED: each one is reconciled again from scratch.
    // Stopping waits for running reconciles, so every earlier write is counted before.
    KUBE.stopOperator();
    int writesBefore = KUBE.writes(ns);
    Map<HasMetadata, Integer> before = new java.util.HashMap<>();
    crs.forEach(cr -> before.put(cr, KUBE.reconciliations(cr)));
    KUBE.startOperator();
    eventually()
        .untilAsserted(
            () -> {
              for (HasMetadata cr : crs) {
                assertThat(KUBE.reconciliations(cr))
                    .as("reconciliations of %s", cr.getMetadata().getName())
                    .isGreaterThan(before.get(cr));
              }
            });

    assertThat(KUBE.writeLog(ns)).hasSize(KUBE.writes(ns));
    // The one write: the restarted process's new drift credential (made at start, memory only)
    // goes out in the consumer table; its routing table, keys and statuses are what they were.
    assertThat(KUBE.writeLog(ns).subList(writesBefore, KUBE.writes(ns)))
        .as("writes after the restart")
        .containsExactly("PUT /api/v1/namespaces/" + ns + "/secrets/" + ConsumerTable.SECRET_NAME);
  }

  @Test
  void tableChangedOrDeletedByOthersIsRestored() {
    applyBasic();
    awaitRouteReady("chat-default");
    awaitRouteReady("reasoning");
    RoutingTable published =
        eventually()
            .until(this::table, t -> t.filter(x -> x.routes().size() == 2).isPresent())
            .orElseThrow();

    UserEdits.edit(
        client.configMaps().inNamespace(ns).withName(RoutingTable.CONFIG_MAP_NAME),
        m -> {
          m.getData().put(RoutingTable.CONFIG_MAP_KEY, "{\"schemaVersion\":1}");
          return m;
        });
    eventually().untilAsserted(() -> assertThat(table()).contains(published));

    client.configMaps().inNamespace(ns).withName(RoutingTable.CONFIG_MAP_NAME).delete();
    client.secrets().inNamespace(ns).withName(RoutingTable.KEYS_SECRET_NAME).delete();
    eventually()
        .untilAsserted(
            () -> {
              assertThat(table()).contains(published);
              assertThat(publishedKeys()).containsKey("openai-prod");
            });
  }

  @Test
  void aTableReplacedWithoutTheOperatorsLabelIsWrittenBack() {
    applyBasic();
    awaitRouteReady("chat-default");
    awaitRouteReady("reasoning");
    RoutingTable published =
        eventually()
            .until(this::table, t -> t.filter(x -> x.routes().size() == 2).isPresent())
            .orElseThrow();

    // kubectl replace with a hand-made object: no labels, no owners, other data. It leaves the
    // label-selected informer's selection, which the API server reports as a deletion of the
    // object as it was (still labelled): a regression guard, this part never failed.
    client
        .resource(
            new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
                .withNewMetadata()
                .withName(RoutingTable.CONFIG_MAP_NAME)
                .withNamespace(ns)
                .endMetadata()
                .withData(Map.of(RoutingTable.CONFIG_MAP_KEY, "{\"schemaVersion\":1}"))
                .build())
        .update();
    eventually()
        .untilAsserted(
            () -> {
              ConfigMap map =
                  client.configMaps().inNamespace(ns).withName(RoutingTable.CONFIG_MAP_NAME).get();
              assertThat(map.getMetadata().getLabels())
                  .containsEntry(
                      RoutingTablePublisher.MANAGED_BY_LABEL, RoutingTablePublisher.MANAGED_BY);
              assertThat(map.getMetadata().getOwnerReferences())
                  .extracting(OwnerReference::getName)
                  .containsExactly("chat-default", "reasoning");
              assertThat(table()).contains(published);
            });
  }

  /** The Secrets' informer selects no label: the replacement arrives as an unlabelled update. */
  @Test
  void aKeysSecretReplacedWithoutTheOperatorsLabelIsWrittenBack() {
    applyBasic();
    awaitRouteReady("chat-default");
    awaitRouteReady("reasoning");
    eventually()
        .untilAsserted(
            () -> assertThat(publishedKeys()).containsEntry("openai-prod", "sk-openai-test-key-1"));

    client
        .resource(
            new io.fabric8.kubernetes.api.model.SecretBuilder()
                .withNewMetadata()
                .withName(RoutingTable.KEYS_SECRET_NAME)
                .withNamespace(ns)
                .endMetadata()
                .withType("Opaque")
                .withData(
                    Map.of(
                        "openai-prod",
                        Base64.getEncoder()
                            .encodeToString("sk-foreign".getBytes(StandardCharsets.UTF_8))))
                .build())
        .update();
    eventually()
        .untilAsserted(
            () -> {
              Secret secret =
                  client.secrets().inNamespace(ns).withName(RoutingTable.KEYS_SECRET_NAME).get();
              assertThat(secret.getMetadata().getLabels())
                  .containsEntry(
                      RoutingTablePublisher.MANAGED_BY_LABEL, RoutingTablePublisher.MANAGED_BY);
              assertThat(secret.getMetadata().getOwnerReferences())
                  .extracting(OwnerReference::getName)
                  .containsExactly("chat-default", "reasoning");
              assertThat(publishedKeys())
                  .containsEntry("openai-prod", "sk-openai-test-key-1")
                  .containsEntry("anthropic-prod", "sk-ant-test-key");
            });
  }

  /**
   * Gateways keep serving the table they hold when its ConfigMap is deleted (they must survive
   * garbage collection): deleting it with the last route would leave the deleted routes served.
   */
  @Test
  void theLastRouteDeletedLeavesAnEmptyTableNotNone() {
    applyBasic();
    awaitRouteReady("chat-default");
    awaitRouteReady("reasoning");
    RoutingTable published =
        eventually()
            .until(this::table, t -> t.filter(x -> x.routes().size() == 2).isPresent())
            .orElseThrow();

    client.resources(ModelRoute.class).inNamespace(ns).delete();
    eventually()
        .untilAsserted(
            () -> {
              RoutingTable empty = presentTable();
              assertThat(RoutingTableValidator.validate(empty)).isEmpty();
              assertThat(empty.routes()).isEmpty();
              assertThat(empty.providers()).isEmpty();
              assertThat(empty.configVersion()).isNotEqualTo(published.configVersion());
              ConfigMap map =
                  client.configMaps().inNamespace(ns).withName(RoutingTable.CONFIG_MAP_NAME).get();
              assertThat(map.getMetadata().getLabels())
                  .containsEntry(
                      RoutingTablePublisher.MANAGED_BY_LABEL, RoutingTablePublisher.MANAGED_BY);
              // Owned by nothing: garbage collection must not take it with the deleted routes.
              assertThat(map.getMetadata().getOwnerReferences()).isNullOrEmpty();
              Secret keys =
                  client.secrets().inNamespace(ns).withName(RoutingTable.KEYS_SECRET_NAME).get();
              assertThat(keys).isNotNull();
              assertThat(keys.getMetadata().getOwnerReferences()).isNullOrEmpty();
              assertThat(publishedKeys()).isEmpty();
            });
  }

  /**
   * Routes deleted while no operator ran were never seen going (no delete event after a restart),
   * and a namespace left without routes has no route to render it again: its table, not yet
   * collected (or orphaned: {@code kubectl delete --cascade=orphan}), used to keep serving them and
   * their providers' keys until the namespace's next route. In a namespace the operator does not
   * always publish to (this one, cluster-wide), nothing else would ever replace it.
   */
  @Test
  void routesDeletedWhileTheOperatorWasAwayLeaveTheEmptyTableAtStart() {
    applyBasic();
    awaitRouteReady("chat-default");
    awaitRouteReady("reasoning");
    eventually().until(this::table, t -> t.filter(x -> x.routes().size() == 2).isPresent());

    KUBE.stopOperator();
    client.resources(ModelRoute.class).inNamespace(ns).delete();
    eventually()
        .until(
            () -> client.resources(ModelRoute.class).inNamespace(ns).list().getItems(),
            List::isEmpty);
    KUBE.startOperator();

    eventually()
        .untilAsserted(
            () -> {
              RoutingTable empty = presentTable();
              assertThat(empty.routes()).as("routes served after the restart").isEmpty();
              assertThat(empty.providers()).isEmpty();
              assertThat(RoutingTableValidator.validate(empty)).isEmpty();
              assertThat(publishedKeys()).as("provider keys published").isEmpty();
              assertThat(
                      client
                          .configMaps()
                          .inNamespace(ns)
                          .withName(RoutingTable.CONFIG_MAP_NAME)
                          .get()
                          .getMetadata()
                          .getOwnerReferences())
                  .isNullOrEmpty();
            });
  }

  /**
   * A route deleted while another controller's finalizer holds it (a backup tool, a GitOps
   * controller, foreground deletion) is only marked: the API server keeps it, with a
   * deletionTimestamp, until the finalizer goes. The deletion was asked for, so it stops being
   * served at once, as Consumers do; it used to stay in the table for as long as the finalizer
   * held.
   */
  @Test
  void aRouteHeldByAnotherControllersFinalizerLeavesTheTableWhenItsDeletionIsAsked() {
    applyBasic();
    awaitRouteReady("chat-default");
    awaitRouteReady("reasoning");
    edit(
        ModelRoute.class,
        "reasoning",
        r -> r.getMetadata().setFinalizers(List.of("backup.example.com/hold")));

    client.resources(ModelRoute.class).inNamespace(ns).withName("reasoning").delete();
    eventually()
        .until(
            () -> get(ModelRoute.class, "reasoning").getMetadata().getDeletionTimestamp(),
            java.util.Objects::nonNull);

    eventually()
        .untilAsserted(
            () ->
                assertThat(presentTable().routes())
                    .as("routes served while the deleted route's finalizer holds it")
                    .extracting(RoutingTable.Route::name)
                    .containsExactly("chat-default"));
    assertThat(get(ModelRoute.class, "reasoning")).as("still held by its finalizer").isNotNull();
    // Another route's render, too, leaves the route being deleted out.
    edit(ModelRoute.class, "chat-default", r -> r.getSpec().setAliases(List.of("gpt-4o-mini")));
    eventually()
        .untilAsserted(
            () -> {
              RoutingTable table = presentTable();
              assertThat(table.routes())
                  .extracting(RoutingTable.Route::name)
                  .containsExactly("chat-default");
              assertThat(table.routes().get(0).aliases()).containsExactly("gpt-4o-mini");
            });

    edit(ModelRoute.class, "reasoning", r -> r.getMetadata().setFinalizers(List.of()));
    eventually()
        .untilAsserted(
            () ->
                assertThat(get(ModelRoute.class, "reasoning"))
                    .as("deleted once its finalizer is removed")
                    .isNull());
    assertThat(presentTable().routes())
        .extracting(RoutingTable.Route::name)
        .containsExactly("chat-default");
  }

  /**
   * A ProviderEndpoint or RoutingPolicy deleted while another controller's finalizer holds it is
   * only marked, kept by the API server until the finalizer goes. It used to say Ready=True, and
   * its routes too, as if nothing were happening. Its deletion was asked for, so it is used as it
   * will be once gone: its status says it is going, its routes say they cannot use it and keep
   * serving their last good entry — the table does not change, neither now nor when it goes.
   */
  @Test
  void aProviderOrPolicyHeldByAnotherControllersFinalizerSaysItIsGoingAndServingDoesNotChange() {
    applyBasic();
    awaitRouteReady("chat-default");
    awaitRouteReady("reasoning");
    RoutingTable.Route chat = presentRoute("chat-default");
    RoutingTable.Route reasoning = presentRoute("reasoning");
    Map<String, String> keys = publishedKeys();
    List<String> hold = List.of("backup.example.com/hold");
    edit(ProviderEndpoint.class, "anthropic-prod", pe -> pe.getMetadata().setFinalizers(hold));
    edit(RoutingPolicy.class, "standard", rp -> rp.getMetadata().setFinalizers(hold));

    client.resources(ProviderEndpoint.class).inNamespace(ns).withName("anthropic-prod").delete();
    eventually()
        .untilAsserted(
            () -> {
              assertThat(providerCondition("anthropic-prod", "Ready"))
                  .hasValueSatisfying(
                      c -> {
                        assertThat(c.getStatus()).isEqualTo("False");
                        assertThat(c.getReason()).isEqualTo("Terminating");
                        assertThat(c.getMessage())
                            .startsWith("marked for deletion at ")
                            .contains("backup.example.com/hold");
                      });
              assertThat(routeCondition("chat-default", "Ready"))
                  .hasValueSatisfying(
                      c -> {
                        assertThat(c.getStatus()).isEqualTo("False");
                        assertThat(c.getReason()).isEqualTo("ProviderNotReady");
                        assertThat(c.getMessage())
                            .contains("'anthropic-prod' is not ready: marked for deletion");
                      });
            });
    assertThat(routeCondition("reasoning", "Ready").map(Condition::getStatus)).contains("True");
    assertThat(presentRoute("chat-default")).as("the last good entry").isEqualTo(chat);
    assertThat(presentTable().providers()).containsKey("anthropic-prod");
    assertThat(publishedKeys()).isEqualTo(keys);

    client.resources(RoutingPolicy.class).inNamespace(ns).withName("standard").delete();
    eventually()
        .untilAsserted(
            () -> {
              assertThat(
                      StatusReads.condition(get(RoutingPolicy.class, "standard"), "Ready")
                          .map(c -> c.getStatus() + " " + c.getReason()))
                  .contains("False Terminating");
              assertThat(routeCondition("reasoning", "Ready"))
                  .hasValueSatisfying(
                      c -> {
                        assertThat(c.getReason()).isEqualTo("PolicyNotReady");
                        assertThat(c.getMessage())
                            .contains("'standard' is not ready: marked for deletion");
                      });
            });
    assertThat(presentRoute("reasoning")).isEqualTo(reasoning);
    assertThat(presentRoute("chat-default")).isEqualTo(chat);
    assertThat(presentTable().policies()).containsKey("standard");

    // Gone once the finalizers are removed: the routes say so; what is served stays the same.
    edit(ProviderEndpoint.class, "anthropic-prod", pe -> pe.getMetadata().setFinalizers(List.of()));
    edit(RoutingPolicy.class, "standard", rp -> rp.getMetadata().setFinalizers(List.of()));
    eventually()
        .untilAsserted(
            () ->
                assertThat(routeCondition("reasoning", "Ready").map(Condition::getReason))
                    .contains("PolicyNotFound"));
    assertThat(get(ProviderEndpoint.class, "anthropic-prod")).isNull();
    assertThat(presentRoute("reasoning")).isEqualTo(reasoning);
    assertThat(presentRoute("chat-default")).isEqualTo(chat);
    assertThat(publishedKeys()).isEqualTo(keys);
  }
}
