package dev.switchboard.operator.render;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.ProviderEndpoint;
import dev.switchboard.api.v1alpha1.RoutingPolicy;
import dev.switchboard.contract.RoutingTableCodec;
import dev.switchboard.operator.providerendpoint.ProviderEndpointValidator;
import dev.switchboard.operator.providerendpoint.UpstreamAddressGuard;
import dev.switchboard.operator.routingpolicy.RoutingPolicyValidator;
import dev.switchboard.operator.testing.Fixtures;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue #21: rendering one namespace with a {@link RenderMemo} costs work in proportion to what
 * changed, counted rather than timed; and it renders exactly what a render without memo renders.
 */
class IncrementalRenderingTest {

  private static final String NS = "scale";
  private static final int ROUTES = 300;

  /** Routes whose targets use provider "rare" (every 100th); all others use "common". */
  private static final int RARE_EVERY = 100;

  private final RoutingTableComposer composer = new RoutingTableComposer(new ModelRouteValidator());
  private final ProviderEndpointValidator providerValidator =
      new ProviderEndpointValidator(new UpstreamAddressGuard(false, true));
  private final RoutingPolicyValidator policyValidator = new RoutingPolicyValidator();

  private final RenderMemo memo = new RenderMemo();
  private List<HasMetadata> items;
  private PublishedTable published = PublishedTable.NONE;
  private long resourceVersion = 1;

  @BeforeEach
  void namespace() {
    StringBuilder yaml = new StringBuilder();
    yaml.append(
        """
        apiVersion: switchboard.dev/v1alpha1
        kind: ProviderEndpoint
        metadata: {name: common}
        spec: {provider: openai-compatible, baseUrl: "http://10.0.0.1:8000/v1"}
        ---
        apiVersion: switchboard.dev/v1alpha1
        kind: ProviderEndpoint
        metadata: {name: rare}
        spec:
          provider: openai-compatible
          baseUrl: "http://10.0.0.2:8000/v1"
          models: [{name: m}]
        ---
        apiVersion: switchboard.dev/v1alpha1
        kind: RoutingPolicy
        metadata: {name: standard}
        spec: {strategy: weighted}
        """);
    for (int i = 0; i < ROUTES; i++) {
      yaml.append(
          """
          ---
          apiVersion: switchboard.dev/v1alpha1
          kind: ModelRoute
          metadata: {name: route-%04d}
          spec:
            policyRef: {name: standard}
            targets: [{providerRef: {name: %s}, model: m}]
          """
              .formatted(i, i % RARE_EVERY == 0 ? "rare" : "common"));
    }
    items = Fixtures.parse(yaml.toString(), NS);
    int n = 0;
    for (HasMetadata item : items) {
      item.getMetadata().setUid("uid-" + n);
      item.getMetadata().setGeneration(1L);
      item.getMetadata().setResourceVersion(Long.toString(resourceVersion++));
      item.getMetadata().setCreationTimestamp("2026-11-01T00:00:00Z");
      n++;
    }
  }

  @Test
  void aSteadyStateRendersNothingAgain() {
    RenderOutcome first = renderAndPublish();
    assertThat(memo.routeRenders()).isEqualTo(ROUTES);
    assertThat(memo.tableRenders()).isEqualTo(1);

    RenderOutcome second = renderAndPublish();

    assertThat(memo.routeRenders()).isEqualTo(ROUTES);
    assertThat(memo.tableRenders()).isEqualTo(1);
    assertThat(second.canonicalJson()).isEqualTo(first.canonicalJson());
    assertThat(second.routes()).hasSize(ROUTES);
  }

  @Test
  void oneChangedRouteAmongManyRendersOneRoute() {
    renderAndPublish();
    long routesBefore = memo.routeRenders();

    change(ModelRoute.class, "route-0150", r -> r.getSpec().setAliases(List.of("fast")), true);
    RenderOutcome outcome = renderAndPublish();

    assertThat(memo.routeRenders() - routesBefore).isEqualTo(1);
    assertThat(memo.tableRenders()).isEqualTo(2);
    assertThat(outcome.table().routes())
        .filteredOn(r -> r.name().equals("route-0150"))
        .singleElement()
        .satisfies(r -> assertThat(r.aliases()).containsExactly("fast"));
  }

  @Test
  void statusWritesRenderNothing() {
    renderAndPublish();
    long routesBefore = memo.routeRenders();

    // A status update bumps the resourceVersion, not the generation: of a route, of a provider
    // every tenth route uses and of the policy every route uses.
    change(ModelRoute.class, "route-0007", r -> {}, false);
    change(ProviderEndpoint.class, "rare", p -> {}, false);
    change(RoutingPolicy.class, "standard", p -> {}, false);
    renderAndPublish();

    assertThat(memo.routeRenders() - routesBefore).isZero();
    assertThat(memo.tableRenders()).isEqualTo(1);
  }

  @Test
  void aProviderChangeRendersOnlyTheRoutesThatUseIt() {
    renderAndPublish();
    long routesBefore = memo.routeRenders();

    change(ProviderEndpoint.class, "rare", p -> p.getSpec().setMaxConcurrency(7), true);
    renderAndPublish();

    assertThat(memo.routeRenders() - routesBefore).isEqualTo(ROUTES / RARE_EVERY);
    assertThat(memo.tableRenders()).isEqualTo(2);
  }

  @Test
  void aProviderThatBreaksKeepsItsRoutesOnTheirLastGoodEntries() {
    renderAndPublish();
    long routesBefore = memo.routeRenders();

    // The model its routes use is no longer listed: their reference check fails.
    change(ProviderEndpoint.class, "rare", p -> p.getSpec().getModels().get(0).setName("n"), true);
    RenderOutcome outcome = renderAndPublish();

    assertThat(memo.routeRenders() - routesBefore).isEqualTo(ROUTES / RARE_EVERY);
    assertThat(outcome.routes().get("route-0100").state()).isEqualTo(RouteOutcome.State.LAST_GOOD);
    assertThat(outcome.routes().get("route-0101").state()).isEqualTo(RouteOutcome.State.CURRENT);
  }

  @Test
  void aPolicyChangeRendersTheRoutesThatReferenceIt() {
    renderAndPublish();
    long routesBefore = memo.routeRenders();

    change(RoutingPolicy.class, "standard", p -> p.getSpec().setStrategy("round-robin"), true);
    renderAndPublish();

    assertThat(memo.routeRenders() - routesBefore).isEqualTo(ROUTES);
  }

  @Test
  void rendersExactlyWhatARenderWithoutMemoRenders() {
    renderAndPublish();
    List<Consumer<IncrementalRenderingTest>> steps =
        List.of(
            t ->
                t.change(
                    ModelRoute.class, "route-0003", r -> r.getSpec().setModel("route-0004"), true),
            t -> t.change(ProviderEndpoint.class, "rare", p -> p.getSpec().setModels(null), true),
            t -> t.remove("route-0010"),
            t ->
                t.change(
                    ModelRoute.class,
                    "route-0200",
                    r -> r.getSpec().getTargets().get(0).getProviderRef().setName("gone"),
                    true),
            t -> t.change(RoutingPolicy.class, "standard", p -> p.getSpec().setStrategy("x"), true),
            t ->
                t.change(
                    RoutingPolicy.class,
                    "standard",
                    p -> p.getSpec().setStrategy("weighted"),
                    true));
    for (Consumer<IncrementalRenderingTest> step : steps) {
      step.accept(this);
      RenderOutcome fresh = composer.compose(resolve(), published);
      RenderOutcome incremental = renderAndPublish();

      assertThat(new String(incremental.canonicalJson()))
          .isEqualTo(new String(fresh.canonicalJson()));
      assertThat(incremental.routes()).isEqualTo(fresh.routes());
      assertThat(incremental.keys()).isEqualTo(fresh.keys());
    }
  }

  private RenderOutcome renderAndPublish() {
    RenderOutcome outcome = composer.compose(resolve(), published, Map.of(), memo);
    published =
        new PublishedTable(
            Optional.of(RoutingTableCodec.decode(outcome.canonicalJson())), outcome.keys());
    return outcome;
  }

  private ResolvedNamespace resolve() {
    List<Secret> secrets = Fixtures.ofType(items, Secret.class);
    NamespaceView view =
        new NamespaceView(
            NS,
            Fixtures.ofType(items, ProviderEndpoint.class),
            Fixtures.ofType(items, RoutingPolicy.class),
            Fixtures.ofType(items, ModelRoute.class),
            name ->
                secrets.stream().filter(s -> s.getMetadata().getName().equals(name)).findFirst());
    return ResolvedNamespace.resolve(view, providerValidator, policyValidator);
  }

  /** Replaces one item by a changed copy with a new resourceVersion, as an API server would. */
  private <T extends HasMetadata> void change(
      Class<T> type, String name, Consumer<T> change, boolean spec) {
    List<HasMetadata> next = new ArrayList<>();
    for (HasMetadata item : items) {
      if (type.isInstance(item) && item.getMetadata().getName().equals(name)) {
        T copy = Fixtures.copy(type.cast(item));
        change.accept(copy);
        copy.getMetadata().setResourceVersion(Long.toString(resourceVersion++));
        if (spec) {
          copy.getMetadata().setGeneration(copy.getMetadata().getGeneration() + 1);
        }
        next.add(copy);
      } else {
        next.add(item);
      }
    }
    items = next;
  }

  private void remove(String route) {
    items =
        items.stream()
            .filter(i -> !(i instanceof ModelRoute && i.getMetadata().getName().equals(route)))
            .toList();
  }
}
