package dev.switchboard.operator.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import dev.switchboard.operator.render.NamespaceView;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * An evaluation compares its candidates with one fixed baseline: pairs a replica counted against
 * another first planned target (a weighted route, a split canary, a retired baseline's successor)
 * are not pooled in, a candidate is never compared with itself, and an automatic evaluation of a
 * successor ends when the retiring model retires.
 */
class EvaluationBaselineTest {

  static final ObjectMapper JSON = new ObjectMapper();
  static final Instant START = Instant.parse("2026-12-04T09:00:00Z");

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

  /** One candidate entry of a replica's report: {@code n} pairs, baseline ~ words, c = b × f. */
  static ObjectNode entry(
      String id, String baseline, String target, int n, double words, double factor) {
    Random random = new Random(n * 31L + baseline.hashCode());
    double[] s = new double[5];
    for (int i = 0; i < n; i++) {
      double b = words * (0.8 + 0.4 * random.nextDouble());
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
            .put("baselineTarget", baseline)
            .put("target", target)
            .put("requests", n)
            .put("baselineAnswered", n)
            .put("candidateAnswered", n);
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
    return c;
  }

  static JsonNode report(String instance, ObjectNode... entries) {
    ObjectNode root = JSON.createObjectNode().put("instance", instance);
    for (ObjectNode e : entries) {
      root.withArray("candidates").add(e);
    }
    return root;
  }

  private static Clock at(Instant instant) {
    return Clock.fixed(instant, ZoneId.of("UTC"));
  }

  @Test
  void pairsAgainstAnotherFirstTargetAreNotPooledIntoTheBaselines() {
    ModelRoute route = new ModelRoute();
    route.setMetadata(new ObjectMetaBuilder().withName("chat").withNamespace("team-a").build());
    ModelRouteSpec spec = new ModelRouteSpec();
    spec.setTargets(List.of(target("openai", "gpt-4-turbo"), target("openai", "gpt-5")));
    EvaluationSpec evaluation = new EvaluationSpec();
    EvaluationCandidate candidate = new EvaluationCandidate();
    candidate.setProviderRef(ref("openai"));
    candidate.setModel("gpt-5");
    evaluation.setCandidates(List.of(candidate));
    spec.setEvaluation(evaluation);
    route.setSpec(spec);
    String id = dev.switchboard.operator.render.EvaluationRendering.id(evaluation);
    NamespaceView view =
        new NamespaceView("team-a", List.of(), List.of(), List.of(route), n -> Optional.empty());
    // 50 requests gpt-4-turbo served first (40 vs 50 words), 50 that gpt-5 itself served first
    // (an earlier gateway paired those with gpt-5 itself); the second replica reports the latter
    // first.
    List<JsonNode> reports =
        List.of(
            report(
                "a",
                entry(id, "openai/gpt-5", "openai/gpt-5", 50, 50, 1.0),
                entry(id, "openai/gpt-4-turbo", "openai/gpt-5", 50, 40, 1.25)));
    EvaluationStatus status =
        new EvaluationTracker(null, ns -> reports, at(START))
            .track(route, view)
            .orElseThrow()
            .status();
    assertThat(status.getBaseline().getTarget()).isEqualTo("openai/gpt-4-turbo");
    assertThat(status.getBaseline().getRequests()).isEqualTo(50);
    assertThat(status.getBaseline().getWordsPerAnswer()).isBetween(38.0, 42.0);
    var gpt5 = status.getCandidates().get(0);
    assertThat(gpt5.getRequests()).isEqualTo(50);
    assertThat(gpt5.getWordsRatio().getValue()).isEqualTo(1.25);
    assertThat(gpt5.getVerdicts()).contains("VerbosityUp");
  }

  /**
   * The mirrors a replica skipped (never sent: no key, quota or bulkhead) are in {@code
   * status.evaluation}, per candidate, as they are in the runbook: added up across replicas and
   * collections like the other counts, and neither requests nor failures.
   */
  @Test
  void skippedMirrorsAreCountedInTheCandidatesStatus() {
    ModelRoute route = new ModelRoute();
    route.setMetadata(new ObjectMetaBuilder().withName("chat").withNamespace("team-a").build());
    ModelRouteSpec spec = new ModelRouteSpec();
    spec.setTargets(List.of(target("openai", "gpt-4-turbo")));
    EvaluationSpec evaluation = new EvaluationSpec();
    EvaluationCandidate candidate = new EvaluationCandidate();
    candidate.setProviderRef(ref("openai"));
    candidate.setModel("gpt-5");
    evaluation.setCandidates(List.of(candidate));
    spec.setEvaluation(evaluation);
    route.setSpec(spec);
    String id = dev.switchboard.operator.render.EvaluationRendering.id(evaluation);
    NamespaceView view =
        new NamespaceView("team-a", List.of(), List.of(), List.of(route), n -> Optional.empty());
    List<JsonNode> reports =
        List.of(
            report(
                "a",
                entry(id, "openai/gpt-4-turbo", "openai/gpt-5", 40, 40, 1.0)
                    .put("baselineSkipped", 3)
                    .put("candidateSkipped", 7)),
            report(
                "b",
                entry(id, "openai/gpt-4-turbo", "openai/gpt-5", 10, 40, 1.0)
                    .put("baselineSkipped", 1)
                    .put("candidateSkipped", 1)));
    EvaluationStatus status =
        new EvaluationTracker(null, ns -> reports, at(START))
            .track(route, view)
            .orElseThrow()
            .status();
    var gpt5 = status.getCandidates().get(0);
    assertThat(gpt5.getRequests()).isEqualTo(50);
    assertThat(gpt5.getSkipped().getBaseline()).isEqualTo(4);
    assertThat(gpt5.getSkipped().getCandidate()).isEqualTo(8);
  }

  @Test
  void anAutomaticEvaluationEndsWhenTheRetiringModelRetires() {
    ProviderEndpoint pe = new ProviderEndpoint();
    pe.setMetadata(new ObjectMetaBuilder().withName("openai").withNamespace("team-a").build());
    ProviderEndpointSpec peSpec = new ProviderEndpointSpec();
    peSpec.setProvider("openai");
    ModelLifecycle lifecycle = new ModelLifecycle();
    lifecycle.setRetiredAfter("2026-12-06"); // 39 h after START, well within the 72 h window
    lifecycle.setSuccessor("gpt-5");
    ProviderModel retiring = new ProviderModel();
    retiring.setName("gpt-4-turbo");
    retiring.setCapabilities(List.of("chat"));
    retiring.setLifecycle(lifecycle);
    ProviderModel successor = new ProviderModel();
    successor.setName("gpt-5");
    successor.setCapabilities(List.of("chat"));
    peSpec.setModels(List.of(retiring, successor));
    pe.setSpec(peSpec);
    RoutingPolicy policy = new RoutingPolicy();
    policy.setMetadata(
        new ObjectMetaBuilder().withName("standard").withNamespace("team-a").build());
    RoutingPolicySpec policySpec = new RoutingPolicySpec();
    PolicyLifecycle policyLifecycle = new PolicyLifecycle();
    policyLifecycle.setEvaluateSuccessorBefore("720h");
    policySpec.setLifecycle(policyLifecycle);
    policy.setSpec(policySpec);
    ModelRoute route = new ModelRoute();
    route.setMetadata(new ObjectMetaBuilder().withName("chat").withNamespace("team-a").build());
    ModelRouteSpec spec = new ModelRouteSpec();
    spec.setPolicyRef(ref("standard"));
    spec.setTargets(List.of(target("openai", "gpt-4-turbo")));
    route.setSpec(spec);
    NamespaceView view =
        new NamespaceView(
            "team-a", List.of(pe), List.of(policy), List.of(route), n -> Optional.empty());

    EvaluationTracker.Outcome started =
        new EvaluationTracker(null, ns -> List.of(), at(START)).track(route, view).orElseThrow();
    EvaluationStatus status = started.status();
    assertThat(status.getAutomatic()).isTrue();
    assertThat(status.getStartedAt()).isEqualTo("2026-12-04T09:00:00Z");
    // Not 72 h (2026-12-07T09:00Z): from the retirement the successor serves and would be
    // compared with itself.
    assertThat(status.getEndsAt()).isEqualTo("2026-12-06T00:00:00Z");
    // The baseline is fixed from the start, so the routing table can carry it.
    assertThat(status.getBaseline().getTarget()).isEqualTo("openai/gpt-4-turbo");
    assertThat(status.getCandidates())
        .extracting(c -> c.getTarget())
        .containsExactly("openai/gpt-5");
    assertThat(
            dev.switchboard.operator.render.EvaluationRendering.of(
                    withStatus(route, status),
                    Map.of(
                        "openai",
                        new dev.switchboard.contract.RoutingTable.Provider(
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
                            Map.of())))
                .orElseThrow())
        .satisfies(
            e -> {
              assertThat(e.baseline()).isEqualTo("openai/gpt-4-turbo");
              assertThat(e.untilEpochMs())
                  .isEqualTo(Instant.parse("2026-12-06T00:00:00Z").toEpochMilli());
            });
  }

  private static ModelRoute withStatus(ModelRoute route, EvaluationStatus status) {
    dev.switchboard.api.v1alpha1.ModelRouteStatus s =
        new dev.switchboard.api.v1alpha1.ModelRouteStatus();
    s.setEvaluation(status);
    route.setStatus(s);
    return route;
  }
}
