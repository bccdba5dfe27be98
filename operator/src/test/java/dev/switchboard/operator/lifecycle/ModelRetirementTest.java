package dev.switchboard.operator.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

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
import dev.switchboard.operator.status.Conditions;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Retirement warnings and retired-target conditions of routes, on a fixed clock: the reason names
 * the smallest threshold crossed (so an event per threshold), successor versus reject, a successor
 * lacking capabilities, and the gauge of routes on models retiring within 30 days.
 */
class ModelRetirementTest {

  static final Instant RETIRES = Instant.parse("2026-12-10T00:00:00Z");

  private static ProviderModel model(
      String name, String retiredAfter, String successor, String... caps) {
    ProviderModel model = new ProviderModel();
    model.setName(name);
    model.setCapabilities(List.of(caps));
    if (retiredAfter != null) {
      ModelLifecycle lifecycle = new ModelLifecycle();
      lifecycle.setRetiredAfter(retiredAfter);
      lifecycle.setSuccessor(successor);
      model.setLifecycle(lifecycle);
    }
    return model;
  }

  private static ProviderEndpoint provider(ProviderModel... models) {
    ProviderEndpoint endpoint = new ProviderEndpoint();
    endpoint.setMetadata(new ObjectMetaBuilder().withName("openai").withNamespace("ns").build());
    ProviderEndpointSpec spec = new ProviderEndpointSpec();
    spec.setModels(List.of(models));
    endpoint.setSpec(spec);
    return endpoint;
  }

  private static ModelRoute route(String name, String policy, String... models) {
    ModelRoute route = new ModelRoute();
    route.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("ns").build());
    ModelRouteSpec spec = new ModelRouteSpec();
    spec.setModel(name);
    List<RouteTarget> targets = new ArrayList<>();
    for (String model : models) {
      RouteTarget target = new RouteTarget();
      LocalObjectRef ref = new LocalObjectRef();
      ref.setName("openai");
      target.setProviderRef(ref);
      target.setModel(model);
      targets.add(target);
    }
    spec.setTargets(targets);
    if (policy != null) {
      LocalObjectRef ref = new LocalObjectRef();
      ref.setName(policy);
      spec.setPolicyRef(ref);
    }
    route.setSpec(spec);
    return route;
  }

  private static RoutingPolicy policy(String name, String onRetired, String... warnBefore) {
    RoutingPolicy policy = new RoutingPolicy();
    policy.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("ns").build());
    RoutingPolicySpec spec = new RoutingPolicySpec();
    PolicyLifecycle lifecycle = new PolicyLifecycle();
    lifecycle.setOnRetired(onRetired);
    lifecycle.setWarnBefore(warnBefore.length == 0 ? null : List.of(warnBefore));
    spec.setLifecycle(lifecycle);
    policy.setSpec(spec);
    return policy;
  }

  private final ProviderEndpoint openai =
      provider(
          model("gpt-4-turbo", "2026-12-10", "gpt-5", "chat", "tools"),
          model("gpt-5", null, null, "chat", "tools", "vision"),
          model("gpt-4-vision", "2026-12-10", "gpt-4o-mini", "chat", "vision"),
          model("gpt-4o-mini", null, null, "chat"));

  private NamespaceView view(List<ModelRoute> routes, RoutingPolicy... policies) {
    return new NamespaceView(
        "ns", List.of(openai), List.of(policies), routes, name -> Optional.empty());
  }

  private static List<Conditions.Desired> at(Instant now, ModelRoute route, NamespaceView view) {
    return ModelRetirement.routeConditions(route, view, now);
  }

  @Test
  void eachDefaultThresholdGivesItsOwnReasonSoEachIsOneEvent() {
    ModelRoute route = route("chat", null, "gpt-4-turbo");
    NamespaceView view = view(List.of(route));

    assertThat(at(RETIRES.minus(Duration.ofDays(91)), route, view)).isEmpty();
    List<String> reasons = new ArrayList<>();
    for (int daysBefore : new int[] {90, 45, 30, 8, 7, 1}) {
      List<Conditions.Desired> c = at(RETIRES.minus(Duration.ofDays(daysBefore)), route, view);
      assertThat(c)
          .singleElement()
          .extracting(Conditions.Desired::type)
          .isEqualTo("RetirementApproaching");
      reasons.add(c.get(0).reason());
    }
    assertThat(reasons)
        .containsExactly(
            "RetiresWithin90Days",
            "RetiresWithin90Days",
            "RetiresWithin30Days",
            "RetiresWithin30Days",
            "RetiresWithin7Days",
            "RetiresWithin7Days");
    assertThat(at(RETIRES.minus(Duration.ofDays(7)), route, view).get(0).message())
        .contains("openai/gpt-4-turbo retires on 2026-12-10 (in 7 days); successor gpt-5");
  }

  @Test
  void eventsAreRecordedOncePerThresholdNotOncePerReconcile() {
    ModelRoute route = route("chat", null, "gpt-4-turbo");
    NamespaceView view = view(List.of(route));
    List<String> recorded = new ArrayList<>();
    List<io.fabric8.kubernetes.api.model.Condition> status = List.of();
    for (int daysBefore = 100; daysBefore >= 1; daysBefore--) {
      List<Conditions.Desired> now = at(RETIRES.minus(Duration.ofDays(daysBefore)), route, view);
      RetirementWatch.newlyReached(status, now).forEach(d -> recorded.add(d.reason()));
      status =
          now.stream()
              .map(
                  d ->
                      new ConditionBuilder()
                          .withType(d.type())
                          .withStatus("True")
                          .withReason(d.reason())
                          .build())
              .toList();
    }
    assertThat(recorded)
        .containsExactly("RetiresWithin90Days", "RetiresWithin30Days", "RetiresWithin7Days");
  }

  @Test
  void policyThresholdsReplaceTheDefaults() {
    ModelRoute route = route("chat", "tight", "gpt-4-turbo");
    NamespaceView view = view(List.of(route), policy("tight", null, "48h"));
    assertThat(at(RETIRES.minus(Duration.ofDays(3)), route, view)).isEmpty();
    assertThat(at(RETIRES.minus(Duration.ofDays(2)), route, view))
        .singleElement()
        .extracting(Conditions.Desired::reason)
        .isEqualTo("RetiresWithin2Days");
  }

  @Test
  void retiredTargetSaysWhatServesInstead() {
    ModelRoute toSuccessor = route("a", null, "gpt-4-turbo");
    ModelRoute rejecting = route("b", "reject", "gpt-4-turbo", "gpt-4o-mini");
    ModelRoute nothingLeft = route("c", "reject", "gpt-4-turbo");
    ModelRoute incapableSuccessor = route("d", null, "gpt-4-vision");
    NamespaceView view =
        view(
            List.of(toSuccessor, rejecting, nothingLeft, incapableSuccessor),
            policy("reject", "reject"));

    assertThat(at(RETIRES, toSuccessor, view))
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.type()).isEqualTo("TargetRetired");
              assertThat(c.reason()).isEqualTo("SuccessorServing");
              assertThat(c.message()).contains("successor gpt-5 serves");
            });
    assertThat(at(RETIRES, rejecting, view))
        .singleElement()
        .extracting(Conditions.Desired::reason)
        .isEqualTo("TargetDropped");
    assertThat(at(RETIRES, nothingLeft, view))
        .singleElement()
        .extracting(Conditions.Desired::reason)
        .isEqualTo("NoTargetLeft");
    assertThat(at(RETIRES, incapableSuccessor, view))
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.reason()).isEqualTo("NoTargetLeft");
              assertThat(c.message())
                  .contains("not declared with the retired model's capabilities");
            });
  }

  @Test
  void aRetiredSuccessorIsFollowedAsTheGatewayDoes() {
    // The gateway follows successors that are retired too (Retirements.successor): to the first
    // one serving, or nowhere when the chain ends in a retired model.
    ProviderEndpoint chained =
        provider(
            model("gpt-4", "2026-06-01", "gpt-4-turbo", "chat"),
            model("gpt-4-turbo", "2026-12-10", "gpt-5", "chat", "tools"),
            model("gpt-5", null, null, "chat", "tools", "vision"),
            model("gpt-4-32k", "2026-06-01", "gpt-4-vision", "chat"),
            model("gpt-4-vision", "2026-12-10", "gpt-4o-mini", "chat", "vision"),
            model("gpt-4o-mini", null, null, "chat"));
    ModelRoute toServing = route("a", null, "gpt-4");
    ModelRoute deadEnd = route("b", null, "gpt-4-32k");
    NamespaceView view =
        new NamespaceView(
            "ns",
            List.of(chained),
            List.of(),
            List.of(toServing, deadEnd),
            name -> Optional.empty());

    // Before gpt-4-turbo retires it serves for gpt-4; from then on gpt-5 does.
    assertThat(at(RETIRES.minus(Duration.ofDays(1)), toServing, view))
        .filteredOn(c -> c.type().equals("TargetRetired"))
        .singleElement()
        .satisfies(c -> assertThat(c.message()).contains("successor gpt-4-turbo serves"));
    assertThat(at(RETIRES, toServing, view))
        .filteredOn(c -> c.type().equals("TargetRetired"))
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.reason()).isEqualTo("SuccessorServing");
              assertThat(c.message()).contains("successor gpt-5 serves");
            });
    // gpt-4-vision retires too and its own successor lacks vision: the target drops out.
    assertThat(at(RETIRES, deadEnd, view))
        .filteredOn(c -> c.type().equals("TargetRetired"))
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.reason()).isEqualTo("NoTargetLeft");
              assertThat(c.message()).contains("receives no requests");
            });
  }

  @Test
  void theRecheckIsDueWhenTheServingSuccessorRetires() {
    // gpt-4 is retired and gpt-4-turbo serves in its place until it retires itself: then gpt-5
    // does, and TargetRetired must say so on that day, not at some later periodic reconcile.
    ProviderEndpoint chained =
        provider(
            model("gpt-4", "2026-06-01", "gpt-4-turbo", "chat"),
            model("gpt-4-turbo", "2026-12-10", "gpt-5", "chat", "tools"),
            model("gpt-5", null, null, "chat", "tools", "vision"));
    ModelRoute route = route("a", null, "gpt-4");
    NamespaceView view =
        new NamespaceView(
            "ns", List.of(chained), List.of(), List.of(route), name -> Optional.empty());
    RetirementWatch watch =
        new RetirementWatch(Clock.fixed(RETIRES.minus(Duration.ofDays(2)), ZoneOffset.UTC));

    assertThat(watch.untilNextChange(route, view)).contains(Duration.ofDays(2).plusSeconds(1));
    // What the recheck finds then.
    assertThat(at(RETIRES, route, view))
        .filteredOn(c -> c.type().equals("TargetRetired"))
        .singleElement()
        .satisfies(c -> assertThat(c.message()).contains("successor gpt-5 serves"));
  }

  @Test
  void gaugeCountsRoutesOnModelsRetiringWithin30Days() {
    ModelRoute soon = route("soon", null, "gpt-4-turbo");
    ModelRoute safe = route("safe", null, "gpt-5");
    NamespaceView view = view(List.of(soon, safe));
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    RetirementWatch watch =
        new RetirementWatch(Clock.fixed(RETIRES.minus(Duration.ofDays(20)), ZoneOffset.UTC));
    watch.bindTo(registry);
    watch.conditions(soon, view);
    watch.conditions(safe, view);
    assertThat(registry.get("switchboard_routes_on_retiring_models").gauge().value())
        .isEqualTo(1.0);
    assertThat(watch.untilNextChange(soon, view)).contains(Duration.ofDays(13).plusSeconds(1));
    watch.forget("ns", "soon");
    assertThat(registry.get("switchboard_routes_on_retiring_models").gauge().value()).isZero();
  }

  @Test
  void retiresInDaysRoundsUpAndStopsAtZero() {
    assertThat(ModelRetirement.daysUntil(RETIRES.minusSeconds(1), RETIRES)).isEqualTo(1);
    assertThat(ModelRetirement.daysUntil(RETIRES.minus(Duration.ofDays(27)), RETIRES))
        .isEqualTo(27);
    assertThat(ModelRetirement.daysUntil(RETIRES.plusSeconds(5), RETIRES)).isZero();
  }
}
