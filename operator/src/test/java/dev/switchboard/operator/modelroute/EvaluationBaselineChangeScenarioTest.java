package dev.switchboard.operator.modelroute;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.api.v1alpha1.EvaluationCandidate;
import dev.switchboard.api.v1alpha1.EvaluationSpec;
import dev.switchboard.api.v1alpha1.EvaluationStatus;
import dev.switchboard.api.v1alpha1.LocalObjectRef;
import dev.switchboard.api.v1alpha1.ModelLifecycle;
import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.ModelRouteSpec;
import dev.switchboard.api.v1alpha1.PolicyLifecycle;
import dev.switchboard.api.v1alpha1.ProviderEndpoint;
import dev.switchboard.api.v1alpha1.ProviderEndpointSpec;
import dev.switchboard.api.v1alpha1.ProviderModel;
import dev.switchboard.api.v1alpha1.RouteTarget;
import dev.switchboard.api.v1alpha1.RoutingPolicy;
import dev.switchboard.api.v1alpha1.RoutingPolicySpec;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.operator.OperatorSettings;
import dev.switchboard.operator.evaluation.EvaluationTracker;
import dev.switchboard.operator.testing.PublishedReads;
import dev.switchboard.operator.testing.StatusReads;
import dev.switchboard.operator.testing.SwitchboardOperatorExtension;
import dev.switchboard.operator.testing.UserEdits;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An evaluation whose baseline stops serving the route is ended, honestly: a declared one whose
 * route gets another first target ends with a final runbook entry saying why, a condition and an
 * event, and a new one starts on the new first target (the old one used to keep its baseline, which
 * then served nothing, and collect nothing until its window ended); an automatic one whose retiring
 * model leaves the route ends the same way.
 */
class EvaluationBaselineChangeScenarioTest {

  @RegisterExtension
  static final SwitchboardOperatorExtension KUBE =
      new SwitchboardOperatorExtension(OperatorSettings.forMockApiServer());

  private static final Duration WAIT = Duration.ofSeconds(30);

  private static LocalObjectRef ref(String name) {
    LocalObjectRef ref = new LocalObjectRef();
    ref.setName(name);
    return ref;
  }

  private static RouteTarget target(String provider, String model) {
    RouteTarget t = new RouteTarget();
    t.setProviderRef(ref(provider));
    t.setModel(model);
    return t;
  }

  private static ModelRoute get(String ns) {
    return KUBE.client().resources(ModelRoute.class).inNamespace(ns).withName("chat").get();
  }

  /**
   * Edits the route as a user would, again on a 409: the operator writes it too (its status, a
   * finalizer), and a plain update from an earlier read conflicts with such a write.
   */
  private static ModelRoute edit(String ns, Consumer<ModelRoute> change) {
    return UserEdits.edit(
        KUBE.client().resources(ModelRoute.class).inNamespace(ns).withName("chat"),
        r -> {
          change.accept(r);
          return r;
        });
  }

  private static EvaluationStatus evaluation(String ns) {
    ModelRoute r = get(ns);
    return r == null || r.getStatus() == null ? null : r.getStatus().getEvaluation();
  }

  /**
   * The route's evaluation phase, id and ended ids, null while the route has no evaluation status
   * yet (read inside {@code untilAsserted}, which retries only failed assertions: a
   * NullPointerException before the first reconcile would end the wait at once).
   */
  private static String phase(String ns) {
    EvaluationStatus e = evaluation(ns);
    return e == null ? null : e.getPhase();
  }

  private static String id(String ns) {
    EvaluationStatus e = evaluation(ns);
    return e == null ? null : e.getId();
  }

  private static List<String> endedIds(String ns) {
    EvaluationStatus e = evaluation(ns);
    return e == null ? null : e.getEndedIds();
  }

  private static Optional<Condition> condition(String ns, String type) {
    return StatusReads.condition(get(ns), type);
  }

  /** The route in the published table, asserted there (a retried assertion while it is not). */
  private static RoutingTable.Route publishedRoute(String ns) {
    return PublishedReads.presentRoute(KUBE.client(), ns, "chat");
  }

  /** The evaluation the published table carries for the route, asserted there. */
  private static RoutingTable.Evaluation publishedEvaluation(String ns) {
    RoutingTable.Evaluation evaluation = publishedRoute(ns).evaluation();
    assertThat(evaluation).as("evaluation of route chat in the published table").isNotNull();
    return evaluation;
  }

  /** The target an evaluation compares its candidates with, null while it names none. */
  private static String baselineTarget(EvaluationStatus e) {
    return e.getBaseline() == null ? null : e.getBaseline().getTarget();
  }

  private static String runbookEntry(String ns, String id) {
    ConfigMap runbook =
        KUBE.client()
            .configMaps()
            .inNamespace(ns)
            .withName(EvaluationTracker.RUNBOOK_CONFIG_MAP)
            .get();
    return runbook == null || runbook.getData() == null
        ? null
        : runbook.getData().get("chat." + id + ".md");
  }

  private static List<String> eventReasons(String ns) {
    return KUBE.client().v1().events().inNamespace(ns).list().getItems().stream()
        .map(e -> e.getReason() + ": " + e.getMessage())
        .toList();
  }

  @Test
  void aNewFirstTargetEndsTheRunningEvaluationAndStartsOneOnIt() {
    String ns = "evaluation-baseline-change";
    ProviderEndpoint pe = new ProviderEndpoint();
    pe.setMetadata(new ObjectMetaBuilder().withName("vllm").withNamespace(ns).build());
    ProviderEndpointSpec peSpec = new ProviderEndpointSpec();
    peSpec.setProvider("openai-compatible");
    peSpec.setBaseUrl("http://vllm.example.com/v1");
    pe.setSpec(peSpec);
    KUBE.client().resource(pe).create();
    ModelRoute route = new ModelRoute();
    route.setMetadata(new ObjectMetaBuilder().withName("chat").withNamespace(ns).build());
    ModelRouteSpec spec = new ModelRouteSpec();
    spec.setTargets(List.of(target("vllm", "llama")));
    EvaluationCandidate candidate = new EvaluationCandidate();
    candidate.setProviderRef(ref("vllm"));
    candidate.setModel("llama-2");
    EvaluationSpec evaluation = new EvaluationSpec();
    evaluation.setCandidates(List.of(candidate));
    spec.setEvaluation(evaluation);
    route.setSpec(spec);
    KUBE.client().resource(route).create();

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              EvaluationStatus e = evaluation(ns);
              assertThat(e).isNotNull();
              assertThat(e.getPhase()).isEqualTo("Running");
              assertThat(baselineTarget(e)).isEqualTo("vllm/llama");
              assertThat(publishedEvaluation(ns).baseline()).isEqualTo("vllm/llama");
            });
    String first = get(ns).getStatus().getEvaluation().getId();

    edit(
        ns,
        changed ->
            changed
                .getSpec()
                .setTargets(List.of(target("vllm", "llama-3"), target("vllm", "llama"))));

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              EvaluationStatus e = evaluation(ns);
              assertThat(e).isNotNull();
              assertThat(e.getId()).isNotEqualTo(first);
              assertThat(e.getPhase()).isEqualTo("Running");
              assertThat(baselineTarget(e)).isEqualTo("vllm/llama-3");
              // The gateways now pair the candidate with what serves the route first.
              assertThat(publishedEvaluation(ns))
                  .satisfies(
                      t -> {
                        assertThat(t.id()).isEqualTo(e.getId());
                        assertThat(t.baseline()).isEqualTo("vllm/llama-3");
                      });
              assertThat(condition(ns, EvaluationTracker.ENDED_EARLY))
                  .hasValueSatisfying(
                      c -> {
                        assertThat(c.getStatus()).isEqualTo("True");
                        assertThat(c.getReason()).isEqualTo("BaselineChanged");
                        assertThat(c.getMessage())
                            .startsWith("evaluation " + first + " ended early at ")
                            .contains(
                                "its baseline vllm/llama is no longer the route's first target"
                                    + " (vllm/llama-3)")
                            .contains("key chat." + first + ".md")
                            .endsWith(
                                "evaluation "
                                    + e.getId()
                                    + " compares the candidates with vllm/llama-3 from now");
                      });
              assertThat(runbookEntry(ns, first))
                  .isNotNull()
                  .contains("- **Status:** ended early (final entry): evaluation " + first)
                  .contains("baseline `vllm/llama` against `vllm/llama-2`");
              assertThat(eventReasons(ns))
                  .anySatisfy(
                      r -> assertThat(r).startsWith("BaselineChanged: evaluation " + first));
            });
    // The ended evaluation's state is gone (its result is in its runbook entry), the new one's
    // kept.
    assertThat(
            KUBE.client()
                .configMaps()
                .inNamespace(ns)
                .withName(EvaluationTracker.STATE_CONFIG_MAP)
                .get()
                .getData())
        .containsOnlyKeys("chat." + get(ns).getStatus().getEvaluation().getId() + ".json");
  }

  private static ProviderEndpoint endpoint(String ns, String name) {
    ProviderEndpoint pe = new ProviderEndpoint();
    pe.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
    ProviderEndpointSpec peSpec = new ProviderEndpointSpec();
    peSpec.setProvider("openai-compatible");
    peSpec.setBaseUrl("http://" + name + ".example.com/v1");
    pe.setSpec(peSpec);
    return pe;
  }

  /**
   * The new first target's evaluation cannot start (its candidate's provider is gone), yet the old
   * one is ended at once: the status used to claim it running, on a baseline that no longer served,
   * until the candidates resolved again.
   */
  @Test
  void aNewFirstTargetEndsTheRunningEvaluationEvenWhileItsCandidatesDoNotResolve() {
    String ns = "evaluation-baseline-change-unresolved";
    KUBE.client().resource(endpoint(ns, "vllm")).create();
    KUBE.client().resource(endpoint(ns, "lab")).create();
    ModelRoute route = new ModelRoute();
    route.setMetadata(new ObjectMetaBuilder().withName("chat").withNamespace(ns).build());
    ModelRouteSpec spec = new ModelRouteSpec();
    spec.setTargets(List.of(target("vllm", "llama")));
    EvaluationCandidate candidate = new EvaluationCandidate();
    candidate.setProviderRef(ref("lab"));
    candidate.setModel("llama-2");
    EvaluationSpec evaluation = new EvaluationSpec();
    evaluation.setCandidates(List.of(candidate));
    spec.setEvaluation(evaluation);
    route.setSpec(spec);
    KUBE.client().resource(route).create();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              EvaluationStatus e = evaluation(ns);
              assertThat(e).isNotNull();
              assertThat(e.getPhase()).isEqualTo("Running");
            });
    String first = get(ns).getStatus().getEvaluation().getId();

    KUBE.client().resource(endpoint(ns, "lab")).delete();
    edit(
        ns,
        changed ->
            changed
                .getSpec()
                .setTargets(List.of(target("vllm", "llama-3"), target("vllm", "llama"))));

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              EvaluationStatus e = evaluation(ns);
              assertThat(e).isNotNull();
              assertThat(e.getId()).isEqualTo(first);
              assertThat(e.getPhase()).isEqualTo("Completed");
              assertThat(condition(ns, EvaluationTracker.EVALUATION_READY))
                  .hasValueSatisfying(c -> assertThat(c.getStatus()).isEqualTo("False"));
              assertThat(condition(ns, EvaluationTracker.ENDED_EARLY))
                  .hasValueSatisfying(
                      c -> {
                        assertThat(c.getReason()).isEqualTo("BaselineChanged");
                        assertThat(c.getMessage())
                            .startsWith("evaluation " + first + " ended early at ")
                            .endsWith("with vllm/llama-3 once every candidate resolves");
                      });
              assertThat(runbookEntry(ns, first))
                  .isNotNull()
                  .contains("- **Status:** ended early (final entry): evaluation " + first);
              assertThat(eventReasons(ns))
                  .anySatisfy(
                      r -> assertThat(r).startsWith("BaselineChanged: evaluation " + first));
              assertThat(publishedRoute(ns).evaluation()).isNull();
            });

    // Once the candidate resolves again, the evaluation starts on the new first target.
    KUBE.client().resource(endpoint(ns, "lab")).create();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              EvaluationStatus e = evaluation(ns);
              assertThat(e).isNotNull();
              assertThat(e.getId()).isNotEqualTo(first);
              assertThat(e.getPhase()).isEqualTo("Running");
              assertThat(baselineTarget(e)).isEqualTo("vllm/llama-3");
              assertThat(publishedEvaluation(ns).baseline()).isEqualTo("vllm/llama-3");
            });
    // It carries the condition for its whole window, as one that starts at once does (it used to
    // disappear as the delayed one started).
    String started = id(ns);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(condition(ns, EvaluationTracker.ENDED_EARLY))
                    .hasValueSatisfying(
                        c -> {
                          assertThat(c.getStatus()).isEqualTo("True");
                          assertThat(c.getReason()).isEqualTo("BaselineChanged");
                          assertThat(c.getMessage())
                              .startsWith("evaluation " + first + " ended early at ")
                              .contains("evaluation " + started + " compares the candidates");
                        }));
    // One event, when the old one ended: the start does not say it again.
    assertThat(eventReasons(ns).stream().filter(r -> r.startsWith("BaselineChanged:")).count())
        .isEqualTo(1);
  }

  /**
   * The spec a running evaluation was ended for is taken back while its replacement still waits for
   * its candidates: the route means the ended evaluation again, and it starts as a new run (another
   * id: its own window, pairs and runbook entry) once its candidates resolve; the ended run keeps
   * its final entry, and the condition naming a replacement that never started goes. It used to
   * stay Completed for good, the condition saying a replacement would start.
   */
  @Test
  void theSpecPutBackWhileItsReplacementWaitsStartsANewRunOfTheEndedEvaluation() {
    String ns = "evaluation-spec-restored";
    KUBE.client().resource(endpoint(ns, "vllm")).create();
    KUBE.client().resource(endpoint(ns, "lab")).create();
    ModelRoute route = new ModelRoute();
    route.setMetadata(new ObjectMetaBuilder().withName("chat").withNamespace(ns).build());
    ModelRouteSpec spec = new ModelRouteSpec();
    spec.setTargets(List.of(target("vllm", "llama")));
    EvaluationCandidate candidate = new EvaluationCandidate();
    candidate.setProviderRef(ref("lab"));
    candidate.setModel("llama-2");
    EvaluationSpec evaluation = new EvaluationSpec();
    evaluation.setCandidates(List.of(candidate));
    spec.setEvaluation(evaluation);
    route.setSpec(spec);
    KUBE.client().resource(route).create();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(evaluation(ns)).isNotNull();
              assertThat(phase(ns)).isEqualTo("Running");
            });
    String first = id(ns);

    // Another sample while the candidate does not resolve: the running one ends, the new waits.
    KUBE.client().resource(endpoint(ns, "lab")).delete();
    edit(ns, changed -> changed.getSpec().getEvaluation().setSample(0.5));
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(id(ns)).isEqualTo(first);
              assertThat(phase(ns)).isEqualTo("Completed");
              assertThat(condition(ns, EvaluationTracker.ENDED_EARLY))
                  .hasValueSatisfying(c -> assertThat(c.getReason()).isEqualTo("SpecChanged"));
              assertThat(runbookEntry(ns, first))
                  .contains("- **Status:** ended early (final entry): evaluation " + first);
            });
    String endedEntry = runbookEntry(ns, first);

    // The old sample back: the replacement the condition names will never start.
    edit(ns, restored -> restored.getSpec().getEvaluation().setSample(null));
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(condition(ns, EvaluationTracker.ENDED_EARLY)).isEmpty();
              assertThat(id(ns)).isEqualTo(first);
              assertThat(phase(ns)).isEqualTo("Completed");
            });
    // The candidate back: a new run starts.
    KUBE.client().resource(endpoint(ns, "lab")).create();

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              EvaluationStatus e = evaluation(ns);
              assertThat(e).isNotNull();
              assertThat(e.getId()).isEqualTo(first + "-r2");
              assertThat(e.getPhase()).isEqualTo("Running");
              assertThat(baselineTarget(e)).isEqualTo("vllm/llama");
              assertThat(publishedEvaluation(ns).id()).isEqualTo(first + "-r2");
              assertThat(condition(ns, EvaluationTracker.ENDED_EARLY)).isEmpty();
            });
    // The ended run's final entry is left as it was written.
    assertThat(runbookEntry(ns, first)).isEqualTo(endedEntry);
  }

  @Test
  void aNewSpecOnTheSameBaselineEndsTheRunningEvaluationWithAFinalEntry() {
    String ns = "evaluation-spec-change";
    ProviderEndpoint pe = new ProviderEndpoint();
    pe.setMetadata(new ObjectMetaBuilder().withName("vllm").withNamespace(ns).build());
    ProviderEndpointSpec peSpec = new ProviderEndpointSpec();
    peSpec.setProvider("openai-compatible");
    peSpec.setBaseUrl("http://vllm.example.com/v1");
    pe.setSpec(peSpec);
    KUBE.client().resource(pe).create();
    ModelRoute route = new ModelRoute();
    route.setMetadata(new ObjectMetaBuilder().withName("chat").withNamespace(ns).build());
    ModelRouteSpec spec = new ModelRouteSpec();
    spec.setTargets(List.of(target("vllm", "llama")));
    EvaluationCandidate candidate = new EvaluationCandidate();
    candidate.setProviderRef(ref("vllm"));
    candidate.setModel("llama-2");
    EvaluationSpec evaluation = new EvaluationSpec();
    evaluation.setCandidates(List.of(candidate));
    spec.setEvaluation(evaluation);
    route.setSpec(spec);
    KUBE.client().resource(route).create();

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              EvaluationStatus e = evaluation(ns);
              assertThat(e).isNotNull();
              assertThat(e.getPhase()).isEqualTo("Running");
            });
    String first = get(ns).getStatus().getEvaluation().getId();

    // Same first target, another sample: a new evaluation on the same baseline.
    edit(ns, changed -> changed.getSpec().getEvaluation().setSample(0.5));

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              EvaluationStatus e = evaluation(ns);
              assertThat(e).isNotNull();
              assertThat(e.getId()).isNotEqualTo(first);
              assertThat(e.getPhase()).isEqualTo("Running");
              assertThat(baselineTarget(e)).isEqualTo("vllm/llama");
              assertThat(publishedEvaluation(ns).id()).isEqualTo(e.getId());
              assertThat(condition(ns, EvaluationTracker.ENDED_EARLY))
                  .hasValueSatisfying(
                      c -> {
                        assertThat(c.getStatus()).isEqualTo("True");
                        assertThat(c.getReason()).isEqualTo("SpecChanged");
                        assertThat(c.getMessage())
                            .startsWith("evaluation " + first + " ended early at ")
                            .contains("spec.evaluation changed")
                            .contains(
                                "evaluation "
                                    + e.getId()
                                    + " replaces it on the same baseline vllm/llama")
                            .contains("key chat." + first + ".md");
                      });
              // Its final entry, not only its last daily one (it used to stop silently).
              assertThat(runbookEntry(ns, first))
                  .isNotNull()
                  .contains("- **Status:** ended early (final entry): evaluation " + first)
                  .contains("the route's spec.evaluation changed")
                  // Its own sample (the default), not the new spec's 50 %.
                  .contains("- **Sample:** 10.0 %");
              assertThat(eventReasons(ns))
                  .anySatisfy(r -> assertThat(r).startsWith("SpecChanged: evaluation " + first));
            });
  }

  /**
   * A spec put back after its replacement started: the evaluation it means ended (its state
   * removed, its final entry written), so it runs again under a new id — its own window and daily
   * entries — and the ended run's final entry stays as written (the same id used to start afresh
   * and overwrite it).
   */
  @Test
  void theSpecPutBackAfterItsReplacementStartedRunsTheEndedEvaluationAgainUnderANewId() {
    String ns = "evaluation-spec-back";
    KUBE.client().resource(endpoint(ns, "vllm")).create();
    ModelRoute route = new ModelRoute();
    route.setMetadata(new ObjectMetaBuilder().withName("chat").withNamespace(ns).build());
    ModelRouteSpec spec = new ModelRouteSpec();
    spec.setTargets(List.of(target("vllm", "llama")));
    EvaluationCandidate candidate = new EvaluationCandidate();
    candidate.setProviderRef(ref("vllm"));
    candidate.setModel("llama-2");
    EvaluationSpec evaluation = new EvaluationSpec();
    evaluation.setCandidates(List.of(candidate));
    spec.setEvaluation(evaluation);
    route.setSpec(spec);
    KUBE.client().resource(route).create();
    await().atMost(WAIT).untilAsserted(() -> assertThat(phase(ns)).isEqualTo("Running"));
    String first = id(ns);

    // Another sample: the running one ends with its final entry, the new one starts at once.
    edit(ns, changed -> changed.getSpec().getEvaluation().setSample(0.5));
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(id(ns)).isNotEqualTo(first);
              assertThat(phase(ns)).isEqualTo("Running");
              assertThat(endedIds(ns)).containsExactly(first);
              assertThat(runbookEntry(ns, first))
                  .contains("- **Status:** ended early (final entry): evaluation " + first);
            });
    String second = id(ns);
    String endedEntry = runbookEntry(ns, first);

    // The old sample back: a new run of the first evaluation, not the ended run again.
    edit(ns, restored -> restored.getSpec().getEvaluation().setSample(null));
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              EvaluationStatus e = evaluation(ns);
              assertThat(e).isNotNull();
              assertThat(e.getId()).isEqualTo(first + "-r2");
              assertThat(e.getPhase()).isEqualTo("Running");
              assertThat(e.getEndedIds()).containsExactly(first, second);
              assertThat(publishedEvaluation(ns).id()).isEqualTo(first + "-r2");
              assertThat(runbookEntry(ns, second))
                  .contains("- **Status:** ended early (final entry): evaluation " + second);
            });
    assertThat(runbookEntry(ns, first)).as("the ended run's final entry").isEqualTo(endedEntry);

    // And the second spec back once more: its next run too.
    edit(ns, again -> again.getSpec().getEvaluation().setSample(0.5));
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(id(ns)).isEqualTo(second + "-r2");
              assertThat(endedIds(ns)).containsExactly(first, second, first + "-r2");
            });
  }

  /**
   * An evaluation that completed, its spec removed and declared again later: a new run under a new
   * id, and the completed run's final entry stays as written. Removing the spec used to clear
   * {@code status.evaluation} with its {@code endedIds}, so the spec declared again meant the ended
   * id again: the completed run came back instead of a new one (or, once its state was gone,
   * started afresh under its old id and overwrote its final entry).
   */
  @Test
  void theSpecRemovedAndDeclaredAgainRunsTheEndedEvaluationUnderANewId() {
    String ns = "evaluation-spec-removed";
    KUBE.client().resource(endpoint(ns, "vllm")).create();
    ModelRoute route = new ModelRoute();
    route.setMetadata(new ObjectMetaBuilder().withName("chat").withNamespace(ns).build());
    ModelRouteSpec spec = new ModelRouteSpec();
    spec.setTargets(List.of(target("vllm", "llama")));
    EvaluationCandidate candidate = new EvaluationCandidate();
    candidate.setProviderRef(ref("vllm"));
    candidate.setModel("llama-2");
    EvaluationSpec evaluation = new EvaluationSpec();
    evaluation.setCandidates(List.of(candidate));
    evaluation.setDuration("5s"); // collected again 6 s after it starts: then past its window
    spec.setEvaluation(evaluation);
    route.setSpec(spec);
    KUBE.client().resource(route).create();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(evaluation(ns)).isNotNull();
              assertThat(phase(ns)).isEqualTo("Running");
            });
    String ended = id(ns);
    KUBE.clock().advance(Duration.ofMinutes(1));
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(phase(ns)).isEqualTo("Completed");
              assertThat(runbookEntry(ns, ended)).contains("(final entry)");
            });
    String finalEntry = runbookEntry(ns, ended);

    edit(ns, removed -> removed.getSpec().setEvaluation(null));
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              EvaluationStatus e = evaluation(ns);
              assertThat(e).as("the ended runs' ids stay").isNotNull();
              assertThat(e.getId()).as("no evaluation any more").isNull();
              assertThat(e.getPhase()).isNull();
              assertThat(e.getEndedIds()).containsExactly(ended);
              assertThat(publishedRoute(ns).evaluation()).isNull();
              // A route without evaluation keeps no key (the completed one's used to stay).
              assertThat(stateKeys(ns)).isEmpty();
            });
    assertThat(runbookEntry(ns, ended)).as("its final entry, as written").isEqualTo(finalEntry);

    edit(
        ns,
        declared -> {
          EvaluationSpec again = new EvaluationSpec();
          again.setCandidates(List.of(candidate));
          again.setDuration("5s");
          declared.getSpec().setEvaluation(again);
        });
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              EvaluationStatus e = evaluation(ns);
              assertThat(e).isNotNull();
              assertThat(e.getId()).isEqualTo(ended + "-r2");
              assertThat(e.getPhase()).isEqualTo("Running");
              assertThat(e.getEndedIds()).containsExactly(ended);
              assertThat(publishedEvaluation(ns).id()).isEqualTo(ended + "-r2");
            });
    // Its window over, the new run writes its final entry under its own key, not the ended run's.
    KUBE.clock().advance(Duration.ofMinutes(1));
    await()
        .atMost(WAIT)
        .untilAsserted(() -> assertThat(runbookEntry(ns, ended + "-r2")).isNotNull());
    assertThat(runbookEntry(ns, ended)).as("the ended run's final entry").isEqualTo(finalEntry);
  }

  /**
   * {@code spec.evaluation} removed while its evaluation runs: it ends as the other early endings
   * do — its final runbook entry says why, a Normal event says the same — and its state key leaves
   * {@code switchboard-evaluations}; its id joins {@code endedIds}. It used to stop silently, its
   * last daily entry its only record, its key left until another evaluation of the route saved.
   * Later reconciles write nothing of it again.
   */
  /**
   * The route deleted while its evaluation runs (Argo CD pruning it, a rename): the evaluation ends
   * with its final runbook entry and a Normal event {@code RouteDeleted} on the deleted route, then
   * its state goes. It used to go with the route, the last daily entry its only record.
   */
  @Test
  void deletingTheRouteWhileItsEvaluationRunsEndsItWithAFinalEntry() {
    String ns = "evaluation-route-deleted-running";
    KUBE.client().resource(endpoint(ns, "vllm")).create();
    ModelRoute route = new ModelRoute();
    route.setMetadata(new ObjectMetaBuilder().withName("chat").withNamespace(ns).build());
    ModelRouteSpec spec = new ModelRouteSpec();
    spec.setTargets(List.of(target("vllm", "llama")));
    EvaluationCandidate candidate = new EvaluationCandidate();
    candidate.setProviderRef(ref("vllm"));
    candidate.setModel("llama-2");
    EvaluationSpec evaluation = new EvaluationSpec();
    evaluation.setCandidates(List.of(candidate));
    spec.setEvaluation(evaluation);
    route.setSpec(spec);
    KUBE.client().resource(route).create();
    await().atMost(WAIT).untilAsserted(() -> assertThat(phase(ns)).isEqualTo("Running"));
    String id = id(ns);

    KUBE.client().resources(ModelRoute.class).inNamespace(ns).withName("chat").delete();

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(runbookEntry(ns, id))
                  .as("its final entry, not only its last daily one")
                  .isNotNull()
                  .contains("- **Status:** ended early (final entry): evaluation " + id)
                  .contains("its route was deleted");
              assertThat(stateKeys(ns)).isEmpty();
              assertThat(eventReasons(ns))
                  .anySatisfy(r -> assertThat(r).startsWith("RouteDeleted: evaluation " + id));
            });
  }

  @Test
  void removingTheSpecWhileItRunsEndsItWithAFinalEntryAndRemovesItsState() {
    String ns = "evaluation-spec-removed-running";
    KUBE.client().resource(endpoint(ns, "vllm")).create();
    ModelRoute route = new ModelRoute();
    route.setMetadata(new ObjectMetaBuilder().withName("chat").withNamespace(ns).build());
    ModelRouteSpec spec = new ModelRouteSpec();
    spec.setTargets(List.of(target("vllm", "llama")));
    EvaluationCandidate candidate = new EvaluationCandidate();
    candidate.setProviderRef(ref("vllm"));
    candidate.setModel("llama-2");
    EvaluationSpec evaluation = new EvaluationSpec();
    evaluation.setCandidates(List.of(candidate));
    spec.setEvaluation(evaluation);
    route.setSpec(spec);
    KUBE.client().resource(route).create();
    await().atMost(WAIT).untilAsserted(() -> assertThat(phase(ns)).isEqualTo("Running"));
    String id = id(ns);
    assertThat(stateKeys(ns)).containsExactly("chat." + id + ".json");

    edit(ns, removed -> removed.getSpec().setEvaluation(null));
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(id(ns)).isNull();
              assertThat(endedIds(ns)).containsExactly(id);
              assertThat(runbookEntry(ns, id))
                  .as("its final entry, not only its last daily one")
                  .isNotNull()
                  .contains(
                      "- **Status:** ended early (final entry): evaluation "
                          + id
                          + " ended early at ")
                  .contains("the route's spec.evaluation was removed")
                  .contains("Sampled requests: 0");
              assertThat(stateKeys(ns)).as("no key of a route without evaluation").isEmpty();
              assertThat(eventReasons(ns))
                  .anySatisfy(r -> assertThat(r).startsWith("SpecRemoved: evaluation " + id));
            });
    // No evaluation left for a condition to describe: the event and the entry say it.
    assertThat(condition(ns, EvaluationTracker.ENDED_EARLY)).isEmpty();
    String entry = runbookEntry(ns, id);

    // A later reconcile (a day later, another target) writes nothing of it again.
    int writes = KUBE.writes(ns);
    KUBE.clock().advance(Duration.ofDays(1));
    long generation =
        edit(
                ns,
                touched ->
                    touched
                        .getSpec()
                        .setTargets(List.of(target("vllm", "llama"), target("vllm", "llama-2"))))
            .getMetadata()
            .getGeneration()
            .longValue();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> assertThat(get(ns).getStatus().getObservedGeneration()).isEqualTo(generation));
    assertThat(KUBE.writeLog(ns).subList(writes, KUBE.writes(ns)))
        .noneMatch(w -> w.contains("/configmaps/" + EvaluationTracker.STATE_CONFIG_MAP))
        .noneMatch(w -> w.contains("/configmaps/" + EvaluationTracker.RUNBOOK_CONFIG_MAP));
    assertThat(
            KUBE.client().v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> "SpecRemoved".equals(e.getReason())))
        .singleElement()
        .satisfies(e -> assertThat(e.getCount()).isIn(null, 1));
    assertThat(runbookEntry(ns, id)).isEqualTo(entry);
    assertThat(endedIds(ns)).containsExactly(id);
  }

  /**
   * {@code spec.evaluation} removed from a route whose policy then starts an automatic evaluation
   * of a retiring model's successor: the declared one ends with its final entry, as when the route
   * is left without evaluation, and the automatic one carries the condition, as a replacement does
   * (the declared one used to stop silently here too).
   */
  @Test
  void removingTheSpecWhileItRunsEndsItWhenAnAutomaticEvaluationFollows() {
    String ns = "evaluation-spec-removed-automatic";
    ProviderEndpoint pe = endpoint(ns, "vllm");
    ModelLifecycle lifecycle = new ModelLifecycle();
    lifecycle.setRetiredAfter("2026-12-10"); // the operator's clock reads 2026-11-25
    lifecycle.setSuccessor("llama-2");
    ProviderModel retiring = new ProviderModel();
    retiring.setName("llama");
    retiring.setCapabilities(List.of("chat"));
    retiring.setLifecycle(lifecycle);
    ProviderModel successor = new ProviderModel();
    successor.setName("llama-2");
    successor.setCapabilities(List.of("chat"));
    ProviderModel other = new ProviderModel();
    other.setName("mistral");
    other.setCapabilities(List.of("chat"));
    pe.getSpec().setModels(List.of(retiring, successor, other));
    KUBE.client().resource(pe).create();
    RoutingPolicy policy = new RoutingPolicy();
    policy.setMetadata(new ObjectMetaBuilder().withName("standard").withNamespace(ns).build());
    RoutingPolicySpec policySpec = new RoutingPolicySpec();
    policySpec.setStrategy("priority");
    PolicyLifecycle policyLifecycle = new PolicyLifecycle();
    policyLifecycle.setEvaluateSuccessorBefore("720h");
    policySpec.setLifecycle(policyLifecycle);
    policy.setSpec(policySpec);
    KUBE.client().resource(policy).create();
    ModelRoute route = new ModelRoute();
    route.setMetadata(new ObjectMetaBuilder().withName("chat").withNamespace(ns).build());
    ModelRouteSpec spec = new ModelRouteSpec();
    spec.setPolicyRef(ref("standard"));
    spec.setTargets(List.of(target("vllm", "llama")));
    EvaluationCandidate candidate = new EvaluationCandidate();
    candidate.setProviderRef(ref("vllm"));
    candidate.setModel("mistral");
    EvaluationSpec evaluation = new EvaluationSpec();
    evaluation.setCandidates(List.of(candidate));
    spec.setEvaluation(evaluation);
    route.setSpec(spec);
    KUBE.client().resource(route).create();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(phase(ns)).isEqualTo("Running");
              assertThat(evaluation(ns).getAutomatic()).isNull();
            });
    String declared = id(ns);

    edit(ns, removed -> removed.getSpec().setEvaluation(null));
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              EvaluationStatus e = evaluation(ns);
              assertThat(e).isNotNull();
              assertThat(e.getAutomatic()).isTrue();
              assertThat(e.getPhase()).isEqualTo("Running");
              assertThat(e.getEndedIds()).containsExactly(declared);
              assertThat(runbookEntry(ns, declared))
                  .isNotNull()
                  .contains("- **Status:** ended early (final entry): evaluation " + declared)
                  .contains("the route's spec.evaluation was removed");
              assertThat(stateKeys(ns)).containsExactly("chat." + e.getId() + ".json");
              assertThat(condition(ns, EvaluationTracker.ENDED_EARLY))
                  .hasValueSatisfying(c -> assertThat(c.getReason()).isEqualTo("SpecRemoved"));
              assertThat(eventReasons(ns))
                  .anySatisfy(r -> assertThat(r).startsWith("SpecRemoved: evaluation " + declared));
            });
  }

  private static List<String> stateKeys(String ns) {
    ConfigMap state =
        KUBE.client()
            .configMaps()
            .inNamespace(ns)
            .withName(EvaluationTracker.STATE_CONFIG_MAP)
            .get();
    return state == null || state.getData() == null
        ? List.of()
        : List.copyOf(state.getData().keySet());
  }

  @Test
  void anAutomaticEvaluationEndsWhenItsRetiringModelLeavesTheRoute() {
    String ns = "evaluation-baseline-removed";
    ProviderEndpoint pe = new ProviderEndpoint();
    pe.setMetadata(new ObjectMetaBuilder().withName("vllm").withNamespace(ns).build());
    ProviderEndpointSpec peSpec = new ProviderEndpointSpec();
    peSpec.setProvider("openai-compatible");
    peSpec.setBaseUrl("http://vllm.example.com/v1");
    ModelLifecycle lifecycle = new ModelLifecycle();
    lifecycle.setRetiredAfter("2026-12-10"); // the operator's clock reads 2026-11-25
    lifecycle.setSuccessor("llama-2");
    ProviderModel retiring = new ProviderModel();
    retiring.setName("llama");
    retiring.setCapabilities(List.of("chat"));
    retiring.setLifecycle(lifecycle);
    ProviderModel successor = new ProviderModel();
    successor.setName("llama-2");
    successor.setCapabilities(List.of("chat"));
    ProviderModel other = new ProviderModel();
    other.setName("mistral");
    other.setCapabilities(List.of("chat"));
    peSpec.setModels(List.of(retiring, successor, other));
    pe.setSpec(peSpec);
    KUBE.client().resource(pe).create();
    RoutingPolicy policy = new RoutingPolicy();
    policy.setMetadata(new ObjectMetaBuilder().withName("standard").withNamespace(ns).build());
    RoutingPolicySpec policySpec = new RoutingPolicySpec();
    policySpec.setStrategy("priority");
    PolicyLifecycle policyLifecycle = new PolicyLifecycle();
    policyLifecycle.setEvaluateSuccessorBefore("720h");
    policySpec.setLifecycle(policyLifecycle);
    policy.setSpec(policySpec);
    KUBE.client().resource(policy).create();
    ModelRoute route = new ModelRoute();
    route.setMetadata(new ObjectMetaBuilder().withName("chat").withNamespace(ns).build());
    ModelRouteSpec spec = new ModelRouteSpec();
    spec.setPolicyRef(ref("standard"));
    spec.setTargets(List.of(target("vllm", "llama")));
    route.setSpec(spec);
    KUBE.client().resource(route).create();

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              EvaluationStatus e = evaluation(ns);
              assertThat(e).isNotNull();
              assertThat(e.getAutomatic()).isTrue();
              assertThat(e.getPhase()).isEqualTo("Running");
              assertThat(baselineTarget(e)).isEqualTo("vllm/llama");
            });
    String id = get(ns).getStatus().getEvaluation().getId();

    edit(ns, changed -> changed.getSpec().setTargets(List.of(target("vllm", "mistral"))));

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              EvaluationStatus e = evaluation(ns);
              assertThat(e).isNotNull();
              assertThat(e.getId()).isEqualTo(id);
              assertThat(e.getPhase()).isEqualTo("Completed");
              assertThat(publishedRoute(ns).evaluation()).isNull();
              assertThat(condition(ns, EvaluationTracker.ENDED_EARLY))
                  .hasValueSatisfying(
                      c -> {
                        assertThat(c.getStatus()).isEqualTo("True");
                        assertThat(c.getReason()).isEqualTo("BaselineRemoved");
                        assertThat(c.getMessage())
                            .startsWith("automatic evaluation " + id + " ended early at ")
                            .contains("the retiring model vllm/llama, is no longer a target");
                      });
              assertThat(runbookEntry(ns, id))
                  .contains("- **Status:** ended early (final entry): automatic evaluation " + id);
              assertThat(eventReasons(ns))
                  .anySatisfy(r -> assertThat(r).startsWith("BaselineRemoved: automatic"));
            });
    // Its window ends when it was ended, not at the 72 h it was given.
    assertThat(get(ns).getStatus().getEvaluation().getEndsAt())
        .isEqualTo(get(ns).getStatus().getEvaluation().getUpdatedAt());
  }
}
