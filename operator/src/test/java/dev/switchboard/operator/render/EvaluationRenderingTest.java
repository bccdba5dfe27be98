package dev.switchboard.operator.render;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.api.v1alpha1.EvaluationCandidate;
import dev.switchboard.api.v1alpha1.EvaluationCandidateStatus;
import dev.switchboard.api.v1alpha1.EvaluationSpec;
import dev.switchboard.api.v1alpha1.EvaluationStatus;
import dev.switchboard.api.v1alpha1.LocalObjectRef;
import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.ModelRouteSpec;
import dev.switchboard.api.v1alpha1.ModelRouteStatus;
import dev.switchboard.contract.RoutingTable;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the table says about a route's evaluation, from its spec and status. */
class EvaluationRenderingTest {

  private static final Map<String, RoutingTable.Provider> PROVIDERS =
      Map.of(
          "openai",
          new RoutingTable.Provider(
              "openai",
              "openai",
              "https://api.openai.com/v1",
              true,
              null,
              Map.of(),
              null,
              null,
              null,
              null,
              Map.of("gpt-5", new RoutingTable.Model(List.of("chat"), null, null, null))));

  private static EvaluationCandidate candidate(String provider, String model) {
    EvaluationCandidate c = new EvaluationCandidate();
    LocalObjectRef ref = new LocalObjectRef();
    ref.setName(provider);
    c.setProviderRef(ref);
    c.setModel(model);
    return c;
  }

  private static ModelRoute route(EvaluationSpec spec, EvaluationStatus status) {
    ModelRoute route = new ModelRoute();
    route.setMetadata(new ObjectMetaBuilder().withName("chat").withNamespace("ns").build());
    ModelRouteSpec s = new ModelRouteSpec();
    s.setEvaluation(spec);
    route.setSpec(s);
    ModelRouteStatus st = new ModelRouteStatus();
    st.setEvaluation(status);
    route.setStatus(st);
    return route;
  }

  private static EvaluationSpec spec() {
    EvaluationSpec spec = new EvaluationSpec();
    spec.setCandidates(
        List.of(
            candidate("openai", "gpt-5"), candidate("missing", "x"), candidate("openai", "nope")));
    spec.setSample(0.25);
    spec.setDuration("72h");
    return spec;
  }

  @Test
  void anEvaluationStartsOnlyOnceEveryCandidateRenders() {
    // Two of three candidates do not render: not started on the one that does.
    assertThat(EvaluationRendering.of(route(spec(), null), PROVIDERS)).isEmpty();
    EvaluationSpec ready = spec();
    ready.setCandidates(List.of(candidate("openai", "gpt-5")));
    assertThat(EvaluationRendering.of(route(ready, null), PROVIDERS)).isPresent();
  }

  @Test
  void runningEvaluationKeepsOnlyRoutableCandidatesAndEndsOnTheStatusDate() {
    EvaluationSpec spec = spec();
    EvaluationStatus started = new EvaluationStatus();
    started.setId(EvaluationRendering.id(spec));
    started.setPhase("Running");
    assertThat(EvaluationRendering.of(route(spec, started), PROVIDERS))
        .hasValueSatisfying(
            e -> {
              assertThat(e.candidates())
                  .containsExactly(new RoutingTable.Target("openai", "gpt-5", 1, 0));
              assertThat(e.sample()).isEqualTo(0.25);
              assertThat(e.untilEpochMs()).isNull(); // no endsAt in the status yet
              assertThat(e.noMirrorLabel()).isEqualTo("evaluation=opt-out");
            });
    EvaluationStatus running = new EvaluationStatus();
    running.setId(EvaluationRendering.id(spec));
    running.setPhase("Running");
    running.setEndsAt("2026-12-07T09:00:00Z");
    assertThat(EvaluationRendering.of(route(spec, running), PROVIDERS).orElseThrow().untilEpochMs())
        .isEqualTo(Instant.parse("2026-12-07T09:00:00Z").toEpochMilli());

    running.setPhase("Completed");
    assertThat(EvaluationRendering.of(route(spec, running), PROVIDERS)).isEmpty();

    // Another evaluation (changed sample) starts afresh: once every candidate renders.
    spec.setSample(0.5);
    assertThat(EvaluationRendering.of(route(spec, running), PROVIDERS)).isEmpty();
    spec.setCandidates(List.of(candidate("openai", "gpt-5")));
    assertThat(EvaluationRendering.of(route(spec, running), PROVIDERS)).isPresent();
  }

  /**
   * A running evaluation whose baseline is no longer the route's first target is replaced by a new
   * one on the new first target (another id); one that completed is not started again by a target
   * change, and a route whose first target did not change keeps its evaluation's id.
   */
  @Test
  void aNewFirstTargetMeansANewEvaluationOnlyWhileTheOldOneRuns() {
    EvaluationSpec spec = spec();
    spec.setCandidates(List.of(candidate("openai", "gpt-5")));
    EvaluationStatus running = new EvaluationStatus();
    running.setId(EvaluationRendering.id(spec));
    running.setPhase("Running");
    running.setEndsAt("2026-12-07T09:00:00Z");
    dev.switchboard.api.v1alpha1.EvaluationBaseline baseline =
        new dev.switchboard.api.v1alpha1.EvaluationBaseline();
    baseline.setTarget("openai/gpt-4-turbo");
    running.setBaseline(baseline);
    ModelRoute route = route(spec, running);
    route.getSpec().setTargets(List.of(target("openai", "gpt-4-turbo")));
    assertThat(EvaluationRendering.declaredId(route)).isEqualTo(EvaluationRendering.id(spec));

    route
        .getSpec()
        .setTargets(List.of(target("openai", "gpt-4o"), target("openai", "gpt-4-turbo")));
    String next = EvaluationRendering.declaredId(route);
    assertThat(next)
        .isNotEqualTo(EvaluationRendering.id(spec))
        .isEqualTo(EvaluationRendering.id(spec, "openai/gpt-4o"));
    assertThat(EvaluationRendering.of(route, PROVIDERS))
        .hasValueSatisfying(
            e -> {
              assertThat(e.id()).isEqualTo(next);
              assertThat(e.baseline()).isEqualTo("openai/gpt-4o");
              assertThat(e.untilEpochMs()).isNull(); // its window starts with its status
            });

    running.setPhase("Completed");
    assertThat(EvaluationRendering.declaredId(route)).isEqualTo(EvaluationRendering.id(spec));
    assertThat(EvaluationRendering.of(route, PROVIDERS)).isEmpty();
  }

  private static dev.switchboard.api.v1alpha1.RouteTarget target(String provider, String model) {
    dev.switchboard.api.v1alpha1.RouteTarget t = new dev.switchboard.api.v1alpha1.RouteTarget();
    LocalObjectRef ref = new LocalObjectRef();
    ref.setName(provider);
    t.setProviderRef(ref);
    t.setModel(model);
    return t;
  }

  @Test
  void automaticEvaluationIsRenderedFromStatusWhileRunning() {
    EvaluationStatus auto = new EvaluationStatus();
    auto.setId("auto-1234");
    auto.setAutomatic(true);
    auto.setPhase("Running");
    EvaluationCandidateStatus c = new EvaluationCandidateStatus();
    c.setTarget("openai/gpt-5");
    auto.setCandidates(List.of(c));
    assertThat(EvaluationRendering.of(route(null, auto), PROVIDERS))
        .hasValueSatisfying(
            e -> {
              assertThat(e.id()).isEqualTo("auto-1234");
              assertThat(e.sample()).isEqualTo(0.1);
            });
    auto.setPhase("Completed");
    assertThat(EvaluationRendering.of(route(null, auto), PROVIDERS)).isEmpty();
  }

  @Test
  void laterRunsOfAnEvaluationAreToldApartByARunSuffixThatStripsBackToItsId() {
    assertThat(EvaluationRendering.nextRun("e1a2b3c4")).isEqualTo("e1a2b3c4-r2");
    assertThat(EvaluationRendering.nextRun("e1a2b3c4-r2")).isEqualTo("e1a2b3c4-r3");
    assertThat(EvaluationRendering.firstRun("e1a2b3c4-r12")).isEqualTo("e1a2b3c4");
    // Not a run suffix: an automatic evaluation's id, or one edited by hand, stays as it is.
    assertThat(EvaluationRendering.firstRun("auto-1a2b3c4d")).isEqualTo("auto-1a2b3c4d");
    assertThat(EvaluationRendering.firstRun("e1a2b3c4-r")).isEqualTo("e1a2b3c4-r");
    assertThat(EvaluationRendering.firstRun("e1a2b3c4-r1234567")).isEqualTo("e1a2b3c4-r1234567");
  }

  /**
   * The runs a route ended are kept in its status (the newest ten, as the runbook keeps entries),
   * and a spec that means one of them gets the next run that has not run yet.
   */
  @Test
  void anIdTheRouteAlreadyRanIsNeverMeantAgain() {
    EvaluationStatus before = new EvaluationStatus();
    before.setId("e2");
    before.setEndedIds(List.of("e1", "e1-r2"));
    assertThat(EvaluationRendering.endedIds(before, "e1-r3")).containsExactly("e1", "e1-r2", "e2");
    assertThat(EvaluationRendering.endedIds(before, "e2")).containsExactly("e1", "e1-r2");
    EvaluationStatus many = new EvaluationStatus();
    many.setId("e99");
    many.setEndedIds(
        java.util.stream.IntStream.range(0, EvaluationRendering.ENDED_IDS_KEPT)
            .mapToObj(n -> "e" + n)
            .toList());
    assertThat(EvaluationRendering.endedIds(many, "e100"))
        .hasSize(EvaluationRendering.ENDED_IDS_KEPT)
        .startsWith("e1")
        .endsWith("e99");

    EvaluationSpec spec = spec();
    String id = EvaluationRendering.id(spec);
    EvaluationStatus other = new EvaluationStatus();
    other.setId("eother");
    other.setPhase("Running");
    other.setEndedIds(List.of(id, id + "-r2"));
    assertThat(EvaluationRendering.declaredId(route(spec, other))).isEqualTo(id + "-r3");
  }

  /**
   * With no evaluation left on the route (its spec removed), its status keeps only the ended runs'
   * ids, the last run's own among them, so the spec declared again means a new run.
   */
  @Test
  void aRouteWithoutEvaluationKeepsOnlyTheIdsOfItsEndedRuns() {
    assertThat(EvaluationRendering.withoutEvaluation(null)).isNull();
    assertThat(EvaluationRendering.withoutEvaluation(new EvaluationStatus())).isNull();
    EvaluationSpec spec = spec();
    String id = EvaluationRendering.id(spec);
    EvaluationStatus completed = new EvaluationStatus();
    completed.setId(id);
    completed.setPhase("Completed");
    completed.setEndedIds(List.of("e0"));
    EvaluationStatus kept = EvaluationRendering.withoutEvaluation(completed);
    assertThat(kept.getId()).isNull();
    assertThat(kept.getPhase()).isNull();
    assertThat(kept.getEndedIds()).containsExactly("e0", id);
    assertThat(EvaluationRendering.withoutEvaluation(kept)).isEqualTo(kept);
    assertThat(EvaluationRendering.declaredId(route(spec, kept))).isEqualTo(id + "-r2");
  }
}
