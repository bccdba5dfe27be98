package dev.switchboard.operator.render;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.switchboard.api.v1alpha1.Embedder;
import dev.switchboard.api.v1alpha1.LocalObjectRef;
import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.PriceWindow;
import dev.switchboard.api.v1alpha1.ProviderEndpoint;
import dev.switchboard.api.v1alpha1.ProviderModel;
import dev.switchboard.api.v1alpha1.RoutingPolicy;
import dev.switchboard.api.v1alpha1.SecretKeyRef;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.RoutingTableCodec;
import dev.switchboard.operator.providerendpoint.ProviderEndpointValidator;
import dev.switchboard.operator.providerendpoint.UpstreamAddressGuard;
import dev.switchboard.operator.rollout.CanaryPlanner;
import dev.switchboard.operator.rollout.ProgressiveCanaryPlanner;
import dev.switchboard.operator.rollout.RolloutDecision;
import dev.switchboard.operator.routingpolicy.RoutingPolicyValidator;
import dev.switchboard.operator.status.Problem;
import dev.switchboard.operator.testing.Fixtures;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The pure rendering path: golden files, determinism, and the last-good rules.
 *
 * <p>Golden files live in {@code src/test/resources/golden}. After an intended change of the
 * rendering, refresh them with {@code mvn -pl operator test -Dtest=RoutingTableComposerTest
 * -Dgolden.update=true} and review the diff.
 */
class RoutingTableComposerTest {

  private static final String NS = "team-a";
  private static final ObjectMapper PRETTY =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final RoutingTableComposer composer = new RoutingTableComposer(new ModelRouteValidator());
  private final ProviderEndpointValidator providerValidator =
      new ProviderEndpointValidator(new UpstreamAddressGuard(false, true));
  private final RoutingPolicyValidator policyValidator = new RoutingPolicyValidator();

  private List<HasMetadata> basic() {
    List<HasMetadata> items = Fixtures.load("fixtures/namespace-basic.yaml", NS);
    long generation = 1;
    for (HasMetadata item : items) {
      item.getMetadata().setGeneration(generation);
      item.getMetadata().setCreationTimestamp("2026-11-01T00:00:0" + generation++ + "Z");
    }
    return items;
  }

  private ResolvedNamespace resolve(List<HasMetadata> items) {
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

  private RenderOutcome render(List<HasMetadata> items, PublishedTable published) {
    return composer.compose(resolve(items), published);
  }

  private static PublishedTable publishedFrom(RenderOutcome outcome) {
    return new PublishedTable(
        Optional.of(RoutingTableCodec.decode(outcome.canonicalJson())), outcome.keys());
  }

  private static <T extends HasMetadata> List<HasMetadata> changed(
      List<HasMetadata> items, Class<T> type, String name, Consumer<T> change) {
    List<HasMetadata> copy = new ArrayList<>();
    for (HasMetadata item : items) {
      HasMetadata c = Fixtures.copy(item);
      if (type.isInstance(c) && c.getMetadata().getName().equals(name)) {
        change.accept(type.cast(c));
        c.getMetadata().setGeneration(c.getMetadata().getGeneration() + 1);
      }
      copy.add(c);
    }
    return copy;
  }

  private static List<HasMetadata> without(List<HasMetadata> items, String kind, String name) {
    return items.stream()
        .filter(i -> !(i.getKind().equals(kind) && i.getMetadata().getName().equals(name)))
        .toList();
  }

  @Test
  void rendersTheBasicNamespaceAsInTheGoldenFile() throws IOException {
    RenderOutcome outcome = render(basic(), PublishedTable.NONE);

    String pretty =
        PRETTY.writeValueAsString(PRETTY.readTree(outcome.canonicalJson())).replace("\r", "")
            + "\n";
    assertGolden("namespace-basic.json", pretty);
    assertThat(outcome.routes().values())
        .allSatisfy(r -> assertThat(r.state()).isEqualTo(RouteOutcome.State.CURRENT));
    assertThat(outcome.keys())
        .containsOnlyKeys("anthropic-prod", "openai-prod")
        .containsEntry("openai-prod", "sk-openai-test-key-1");
  }

  @Test
  void cacheWritePricesAreRenderedAsListPriceAndInTheirWindow() {
    List<HasMetadata> items =
        changed(
            basic(),
            ProviderEndpoint.class,
            "anthropic-prod",
            e -> {
              dev.switchboard.api.v1alpha1.Pricing pricing =
                  e.getSpec().getModels().get(0).getPricing();
              pricing.setCacheWriteInputPerMillionTokens(3.75);
              PriceWindow night = new PriceWindow();
              night.setName("night");
              night.setFrom("22:00");
              night.setTo("06:00");
              night.setCacheWriteInputPerMillionTokens(1.875);
              pricing.setWindows(List.of(night));
            });

    RenderOutcome outcome = render(items, PublishedTable.NONE);

    RoutingTable.Pricing rendered =
        outcome
            .table()
            .providers()
            .get("anthropic-prod")
            .model("claude-sonnet-4-5")
            .orElseThrow()
            .pricing();
    assertThat(rendered.cacheWriteInputPerMillionTokens()).isEqualTo(3.75);
    assertThat(rendered.windows())
        .singleElement()
        .satisfies(w -> assertThat(w.cacheWriteInputPerMillionTokens()).isEqualTo(1.875));
    // The gateway reads the table from its canonical bytes: the prices survive them.
    RoutingTable.Pricing decoded =
        RoutingTableCodec.decode(outcome.canonicalJson())
            .providers()
            .get("anthropic-prod")
            .model("claude-sonnet-4-5")
            .orElseThrow()
            .pricing();
    assertThat(decoded).isEqualTo(rendered);
  }

  @Test
  void renderingIsDeterministicRegardlessOfInputOrder() {
    List<HasMetadata> items = basic();
    List<HasMetadata> reversed = new ArrayList<>(items);
    java.util.Collections.reverse(reversed);

    assertThat(render(reversed, PublishedTable.NONE).canonicalJson())
        .isEqualTo(render(items, PublishedTable.NONE).canonicalJson());
  }

  @Test
  void tableNeverContainsKeyValues() {
    String json =
        new String(render(basic(), PublishedTable.NONE).canonicalJson(), StandardCharsets.UTF_8);

    assertThat(json).doesNotContain("sk-openai-test-key-1").doesNotContain("sk-ant-test-key");
  }

  @Test
  void aTargetWithoutModelIsAProblemNotACrash() {
    // The schema requires target.model, but a server that skips the schema (the local stack's
    // mock API server) lets such a route in: it must be reported, not thrown on.
    RenderOutcome good = render(basic(), PublishedTable.NONE);
    List<HasMetadata> broken =
        changed(
            basic(),
            ModelRoute.class,
            "chat-default",
            r -> r.getSpec().getTargets().get(0).setModel(null));

    RenderOutcome next = render(broken, publishedFrom(good));

    RouteOutcome chat = next.routes().get("chat-default");
    assertThat(chat.state()).isEqualTo(RouteOutcome.State.LAST_GOOD);
    assertThat(chat.specProblems()).isNotEmpty();
    assertThat(next.routes().get("reasoning").state()).isEqualTo(RouteOutcome.State.CURRENT);
  }

  @Test
  void routeWithMissingProviderKeepsItsLastGoodEntryAndOthersMoveOn() {
    RenderOutcome good = render(basic(), PublishedTable.NONE);
    List<HasMetadata> broken =
        changed(
            basic(),
            ModelRoute.class,
            "chat-default",
            r -> r.getSpec().getTargets().get(1).getProviderRef().setName("no-such-provider"));
    broken =
        changed(broken, RoutingPolicy.class, "standard", p -> p.getSpec().setStrategy("weighted"));

    RenderOutcome next = render(broken, publishedFrom(good));

    RouteOutcome chat = next.routes().get("chat-default");
    assertThat(chat.state()).isEqualTo(RouteOutcome.State.LAST_GOOD);
    assertThat(chat.referenceProblems())
        .extracting(Problem::reasonName)
        .containsExactly("ProviderNotFound");
    assertThat(route(next, "chat-default")).isEqualTo(route(good, "chat-default"));
    assertThat(next.table().policies().get("standard").strategy()).isEqualTo("weighted");
    assertThat(next.routes().get("reasoning").state()).isEqualTo(RouteOutcome.State.CURRENT);
  }

  @Test
  void brokenRouteWithoutEarlierEntryIsNotServed() {
    List<HasMetadata> broken =
        changed(
            basic(),
            ModelRoute.class,
            "reasoning",
            r -> {
              LocalObjectRef ref = new LocalObjectRef();
              ref.setName("unknown-policy");
              r.getSpec().setPolicyRef(ref);
            });

    RenderOutcome outcome = render(broken, PublishedTable.NONE);

    assertThat(outcome.routes().get("reasoning").state()).isEqualTo(RouteOutcome.State.NOT_SERVED);
    assertThat(outcome.routes().get("reasoning").referenceProblems())
        .extracting(Problem::reasonName)
        .containsExactly("PolicyNotFound");
    assertThat(outcome.table().routes())
        .extracting(RoutingTable.Route::name)
        .containsExactly("chat-default");
  }

  @Test
  void deletedProviderStaysForTheRoutesThatStillServeFromIt() {
    RenderOutcome good = render(basic(), PublishedTable.NONE);
    List<HasMetadata> items = without(basic(), "ProviderEndpoint", "anthropic-prod");

    RenderOutcome next = render(items, publishedFrom(good));

    assertThat(next.routes().get("chat-default").state()).isEqualTo(RouteOutcome.State.LAST_GOOD);
    assertThat(next.table().providers()).containsKey("anthropic-prod");
    assertThat(next.keys()).containsEntry("anthropic-prod", "sk-ant-test-key");
  }

  @Test
  void providerThatStopsListingAModelKeepsThatModelForTheLastGoodRoute() {
    RenderOutcome good = render(basic(), PublishedTable.NONE);
    List<HasMetadata> items =
        changed(
            basic(),
            ProviderEndpoint.class,
            "openai-prod",
            pe -> pe.getSpec().getModels().removeIf(m -> m.getName().equals("gpt-5")));

    RenderOutcome next = render(items, publishedFrom(good));

    assertThat(next.routes().get("reasoning").state()).isEqualTo(RouteOutcome.State.LAST_GOOD);
    assertThat(next.routes().get("reasoning").referenceProblems())
        .extracting(Problem::reasonName)
        .containsExactly("ModelNotServed");
    assertThat(next.table().providers().get("openai-prod").models()).containsKey("gpt-5");
    assertThat(next.routes().get("chat-default").state()).isEqualTo(RouteOutcome.State.CURRENT);
  }

  /**
   * The provider entry a last good route keeps an unlisted model on is a copy: it keeps the header
   * the key goes in, or the route's calls would reach an API gateway under the preset's header.
   */
  @Test
  void theProviderCopyOfALastGoodRouteKeepsItsKeyHeader() {
    java.util.function.Consumer<ProviderEndpoint> apim =
        pe -> {
          dev.switchboard.api.v1alpha1.ApiKeyHeader header =
              new dev.switchboard.api.v1alpha1.ApiKeyHeader();
          header.setName("Ocp-Apim-Subscription-Key");
          pe.getSpec().setApiKeyHeader(header);
        };
    RenderOutcome good =
        render(changed(basic(), ProviderEndpoint.class, "openai-prod", apim), PublishedTable.NONE);
    List<HasMetadata> items =
        changed(
            changed(basic(), ProviderEndpoint.class, "openai-prod", apim),
            ProviderEndpoint.class,
            "openai-prod",
            pe -> pe.getSpec().getModels().removeIf(m -> m.getName().equals("gpt-5")));

    RenderOutcome next = render(items, publishedFrom(good));

    assertThat(next.routes().get("reasoning").state()).isEqualTo(RouteOutcome.State.LAST_GOOD);
    assertThat(next.table().providers().get("openai-prod").apiKeyHeader())
        .isEqualTo(
            new dev.switchboard.contract.RoutingTable.ApiKeyHeader(
                "Ocp-Apim-Subscription-Key", null));
  }

  /** The basic policy with its semantic cache on, embedding with {@code provider}'s model. */
  private static void embedWith(RoutingPolicy policy, String provider, String model) {
    policy.getSpec().getCache().getSemantic().setEnabled(true);
    Embedder embedder = new Embedder();
    LocalObjectRef ref = new LocalObjectRef();
    ref.setName(provider);
    embedder.setProviderRef(ref);
    embedder.setModel(model);
    policy.getSpec().getCache().getSemantic().setEmbedder(embedder);
  }

  private static void listEmbeddingModel(ProviderEndpoint endpoint) {
    ProviderModel model = new ProviderModel();
    model.setName("text-embedding-3-small");
    endpoint.getSpec().getModels().add(model);
  }

  @Test
  void aProviderEmbedderIsRenderedByProviderAndModelAndNeverWithItsKey() {
    List<HasMetadata> items =
        changed(
            basic(),
            ProviderEndpoint.class,
            "openai-prod",
            RoutingTableComposerTest::listEmbeddingModel);
    items =
        changed(
            items,
            RoutingPolicy.class,
            "standard",
            p -> embedWith(p, "openai-prod", "text-embedding-3-small"));

    RenderOutcome outcome = render(items, PublishedTable.NONE);

    assertThat(outcome.table().policies().get("standard").cache().semanticEmbedder())
        .isEqualTo("provider:openai-prod/text-embedding-3-small");
    assertThat(outcome.routes().values())
        .allSatisfy(r -> assertThat(r.state()).isEqualTo(RouteOutcome.State.CURRENT));
    // The gateway takes the key from the keys Secret, as for every call to that provider.
    assertThat(new String(outcome.canonicalJson(), StandardCharsets.UTF_8))
        .doesNotContain("sk-openai-test-key-1");
    assertThat(outcome.keys()).containsEntry("openai-prod", "sk-openai-test-key-1");
  }

  @Test
  void anEmbedderReferenceThatDoesNotResolveIsAPolicyProblemNamingTheField() {
    assertThat(embedderProblems("no-such-provider", "text-embedding-3-small"))
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.reasonName()).isEqualTo("ProviderNotFound");
              assertThat(p.message())
                  .startsWith("spec.cache.semantic.embedder.providerRef")
                  .contains("'no-such-provider'", "'team-a'");
            });
    assertThat(embedderProblems("openai-prod", "text-embedding-3-large"))
        .extracting(Problem::reasonName)
        .containsExactly("ModelNotServed");
    assertThat(embedderProblems("anthropic-prod", "claude-sonnet-4-5"))
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.reasonName()).isEqualTo("EmbeddingsNotServed");
              assertThat(p.message()).contains("anthropic", "no embeddings API");
            });
    // An endpoint that lists no models passes any model id through, as for route targets.
    assertThat(embedderProblems("vllm-local", "bge-small-en")).isEmpty();
    assertThat(embedderProblems("openai-prod", "text-embedding-3-small")).isEmpty();
  }

  private List<Problem> embedderProblems(String provider, String model) {
    List<HasMetadata> items =
        changed(
            basic(),
            ProviderEndpoint.class,
            "openai-prod",
            RoutingTableComposerTest::listEmbeddingModel);
    items = changed(items, RoutingPolicy.class, "standard", p -> embedWith(p, provider, model));
    return resolve(items).policy("standard").orElseThrow().problems();
  }

  @Test
  void aBrokenEmbedderReferenceKeepsTheRoutesOnTheirLastGoodPolicy() {
    List<HasMetadata> items =
        changed(
            basic(), RoutingPolicy.class, "standard", p -> embedWith(p, "vllm-local", "bge-small"));
    RenderOutcome good = render(items, PublishedTable.NONE);
    List<HasMetadata> broken =
        changed(
            items,
            RoutingPolicy.class,
            "standard",
            p -> embedWith(p, "anthropic-prod", "claude-sonnet-4-5"));

    RenderOutcome next = render(broken, publishedFrom(good));

    assertThat(next.routes().values())
        .allSatisfy(
            r -> {
              assertThat(r.state()).isEqualTo(RouteOutcome.State.LAST_GOOD);
              assertThat(r.referenceProblems())
                  .singleElement()
                  .satisfies(
                      p -> {
                        assertThat(p.reasonName()).isEqualTo("PolicyNotReady");
                        assertThat(p.message()).contains("has no embeddings API");
                      });
            });
    assertThat(next.table().policies().get("standard").cache().semanticEmbedder())
        .isEqualTo("provider:vllm-local/bge-small");
  }

  /**
   * {@code embedder.maxInputTokens} reaches the table beside the embedder's notation; one out of
   * range (an API server that skipped the schema) is the policy's {@code InvalidSpec}, and its
   * routes keep the last good policy with the limit it had.
   */
  @Test
  void aStatedEmbedderInputLimitIsRenderedAndAnInvalidOneKeepsTheLastGoodPolicy() {
    List<HasMetadata> items =
        changed(
            basic(),
            RoutingPolicy.class,
            "standard",
            p -> {
              embedWith(p, "vllm-local", "BAAI/bge-m3");
              p.getSpec().getCache().getSemantic().getEmbedder().setMaxInputTokens(8192);
            });
    RenderOutcome good = render(items, PublishedTable.NONE);

    assertThat(good.table().policies().get("standard").cache().semanticEmbedder())
        .isEqualTo("provider:vllm-local/BAAI/bge-m3");
    assertThat(good.table().policies().get("standard").cache().semanticEmbedderMaxInputTokens())
        .isEqualTo(8192);

    List<HasMetadata> broken =
        changed(
            items,
            RoutingPolicy.class,
            "standard",
            p -> p.getSpec().getCache().getSemantic().getEmbedder().setMaxInputTokens(0));
    assertThat(resolve(broken).policy("standard").orElseThrow().problems())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.reasonName()).isEqualTo("InvalidSpec");
              assertThat(p.message()).contains("spec.cache.semantic.embedder.maxInputTokens");
            });
    RenderOutcome next = render(broken, publishedFrom(good));

    assertThat(next.routes().values())
        .allSatisfy(r -> assertThat(r.state()).isEqualTo(RouteOutcome.State.LAST_GOOD));
    assertThat(next.table().policies().get("standard").cache().semanticEmbedderMaxInputTokens())
        .isEqualTo(8192);
  }

  @Test
  void aDeletedEmbedderProviderStaysForTheCarriedPolicy() {
    List<HasMetadata> items = new ArrayList<>(basic());
    ProviderEndpoint embeddings =
        (ProviderEndpoint)
            Fixtures.copy(
                items.stream()
                    .filter(i -> i.getMetadata().getName().equals("openai-prod"))
                    .findFirst()
                    .orElseThrow());
    embeddings.getMetadata().setName("embeddings");
    items.add(embeddings);
    items =
        changed(
            items,
            ProviderEndpoint.class,
            "embeddings",
            RoutingTableComposerTest::listEmbeddingModel);
    items =
        changed(
            items,
            RoutingPolicy.class,
            "standard",
            p -> embedWith(p, "embeddings", "text-embedding-3-small"));
    RenderOutcome good = render(items, PublishedTable.NONE);
    assertThat(good.table().providers()).containsKey("embeddings");

    RenderOutcome next =
        render(without(items, "ProviderEndpoint", "embeddings"), publishedFrom(good));

    assertThat(next.routes().get("reasoning").state()).isEqualTo(RouteOutcome.State.LAST_GOOD);
    assertThat(next.table().policies().get("standard").cache().semanticEmbedder())
        .isEqualTo("provider:embeddings/text-embedding-3-small");
    assertThat(next.table().providers().get("embeddings").models())
        .containsKey("text-embedding-3-small");
    assertThat(next.keys()).containsEntry("embeddings", "sk-openai-test-key-1");
  }

  @Test
  void providerOnAMetadataAddressIsRefusedAndItsRoutesKeepTheirLastGoodEntry() {
    RenderOutcome good = render(basic(), PublishedTable.NONE);
    List<HasMetadata> items =
        changed(
            basic(),
            ProviderEndpoint.class,
            "openai-prod",
            pe -> pe.getSpec().setBaseUrl("http://169.254.169.254/latest"));

    RenderOutcome next = render(items, publishedFrom(good));

    assertThat(next.table().providers().get("openai-prod").baseUrl())
        .isEqualTo("https://api.openai.com/v1");
    assertThat(next.routes().get("reasoning").referenceProblems())
        .extracting(Problem::reasonName)
        .containsExactly("ProviderNotReady");
    assertThat(new String(next.canonicalJson(), StandardCharsets.UTF_8)).doesNotContain("169.254");
  }

  @Test
  void olderRouteKeepsAContestedModelName() {
    List<HasMetadata> items =
        changed(basic(), ModelRoute.class, "reasoning", r -> r.getSpec().setModel("gpt-4o"));

    RenderOutcome outcome = render(items, PublishedTable.NONE);

    assertThat(outcome.routes().get("reasoning").specProblems())
        .extracting(Problem::reasonName)
        .containsExactly("ModelNameConflict");
    assertThat(outcome.routes().get("chat-default").state()).isEqualTo(RouteOutcome.State.CURRENT);
  }

  @Test
  void aBrokenOlderRouteKeepsItsModelNameOnItsLastGoodEntryAgainstANewerClaimant() {
    // A newer route claims the older one's model name and is refused. A typo in the older route
    // must not hand its name (and its traffic) to the newer one: its last good entry keeps it.
    List<HasMetadata> items = new ArrayList<>(basic());
    ModelRoute copy = Fixtures.copy(route(items, "reasoning"));
    copy.getMetadata().setName("reasoning-copy");
    copy.getSpec().setModel("reasoning");
    copy.getMetadata().setCreationTimestamp("2026-11-02T00:00:00Z");
    items.add(copy);
    RenderOutcome good = render(items, PublishedTable.NONE);
    assertThat(good.routes().get("reasoning-copy").specProblems())
        .extracting(Problem::reasonName)
        .containsExactly("ModelNameConflict");
    List<HasMetadata> broken =
        changed(
            items,
            ModelRoute.class,
            "reasoning",
            r -> r.getSpec().getTargets().get(0).getProviderRef().setName("openai-typo"));

    RenderOutcome next = render(broken, publishedFrom(good));

    assertThat(next.routes().get("reasoning").state()).isEqualTo(RouteOutcome.State.LAST_GOOD);
    assertThat(route(next, "reasoning")).isEqualTo(route(good, "reasoning"));
    assertThat(next.routes().get("reasoning-copy").state())
        .isEqualTo(RouteOutcome.State.NOT_SERVED);
    assertThat(next.routes().get("reasoning-copy").specProblems())
        .extracting(Problem::reasonName)
        .containsExactly("ModelNameConflict");
  }

  @Test
  void fixingARouteServesItsNewRevision() {
    RenderOutcome good = render(basic(), PublishedTable.NONE);
    List<HasMetadata> broken =
        changed(basic(), ModelRoute.class, "reasoning", r -> r.getSpec().setTargets(List.of()));
    RenderOutcome during = render(broken, publishedFrom(good));
    List<HasMetadata> fixed =
        changed(
            broken,
            ModelRoute.class,
            "reasoning",
            r ->
                r.getSpec()
                    .setTargets(
                        Fixtures.copy(route(basic(), "chat-default")).getSpec().getTargets()));

    RenderOutcome after = render(fixed, publishedFrom(during));

    assertThat(during.routes().get("reasoning").specProblems())
        .extracting(Problem::reasonName)
        .containsExactly("NoTargets");
    assertThat(after.routes().get("reasoning").state()).isEqualTo(RouteOutcome.State.CURRENT);
    assertThat(route(after, "reasoning").revision())
        .isGreaterThan(route(good, "reasoning").revision());
  }

  private List<HasMetadata> canaryNamespace() {
    List<HasMetadata> items = Fixtures.load("fixtures/canary-route.yaml", NS);
    for (HasMetadata item : items) {
      item.getMetadata().setGeneration(1L);
      item.getMetadata().setCreationTimestamp("2026-11-01T00:00:00Z");
    }
    return items;
  }

  private static void retarget(ModelRoute route, String model) {
    route.getSpec().getTargets().get(0).setModel(model);
  }

  @Test
  void aCanaryIsRenderedFromItsOwnPlanAndKeptAsPublishedByOtherRenders() throws IOException {
    PublishedTable before = publishedFrom(render(canaryNamespace(), PublishedTable.NONE));
    List<HasMetadata> changed =
        changed(canaryNamespace(), ModelRoute.class, "chat", r -> retarget(r, "gpt-5"));
    ModelRoute chat = route(changed, "chat");
    RoutingTable.Route desired = RoutingTableRenderer.route(chat);
    List<String> metricsReads = new ArrayList<>();
    ProgressiveCanaryPlanner planner =
        new ProgressiveCanaryPlanner(
            Clock.fixed(Instant.parse("2026-12-04T12:00:00Z"), ZoneOffset.UTC),
            query -> {
              metricsReads.add(query.route());
              return Optional.empty();
            });

    // Another route's reconcile renders first: nothing switches at once, no canary starts.
    RenderOutcome unplanned = composer.compose(resolve(changed), before, Optional.empty());
    assertThat(route(unplanned, "chat").targets())
        .extracting(RoutingTable.Target::model)
        .containsExactly("gpt-4o");
    assertThat(route(unplanned, "chat").canary()).isNull();

    // The route's own reconcile plans: the first step's canary arm next to the stable one.
    PlannedRollout planned =
        new PlannedRollout(
            "chat", desired.revision(), planner.plan(chat, desired, before.route("chat")));
    RenderOutcome started = composer.compose(resolve(changed), before, Optional.of(planned));
    assertGolden("canary-started.json", pretty(started));
    assertThat(started.routes().get("chat").rollout()).isSameAs(planned.decision());

    // Another route renders before this route's status is written: the canary stays as published.
    RenderOutcome other =
        composer.compose(resolve(changed), publishedFrom(started), Optional.empty());
    assertThat(other.canonicalJson()).isEqualTo(started.canonicalJson());
    assertThat(other.routes().get("chat").rollout()).isNull();
    assertThat(metricsReads).isEmpty();
  }

  @Test
  void aRouteKeepsItsEvaluationInThePublishedTableWhileItsCanaryRuns() {
    // The planner builds the canary's entry from the stable arm (ProgressiveCanaryPlanner
    // .withCanary), which carries no evaluation: the published entry must still mirror to the
    // route's evaluation candidates during the canary, in the route's own render and in others'.
    PublishedTable before = publishedFrom(render(canaryNamespace(), PublishedTable.NONE));
    List<HasMetadata> changed =
        changed(
            canaryNamespace(),
            ModelRoute.class,
            "chat",
            r -> {
              retarget(r, "gpt-5");
              dev.switchboard.api.v1alpha1.EvaluationCandidate candidate =
                  new dev.switchboard.api.v1alpha1.EvaluationCandidate();
              dev.switchboard.api.v1alpha1.LocalObjectRef ref =
                  new dev.switchboard.api.v1alpha1.LocalObjectRef();
              ref.setName("openai-prod");
              candidate.setProviderRef(ref);
              candidate.setModel("gpt-5-broken");
              dev.switchboard.api.v1alpha1.EvaluationSpec evaluation =
                  new dev.switchboard.api.v1alpha1.EvaluationSpec();
              evaluation.setCandidates(List.of(candidate));
              evaluation.setSample(0.2);
              evaluation.setDuration("24h");
              r.getSpec().setEvaluation(evaluation);
            });
    ModelRoute chat = route(changed, "chat");
    RoutingTable.Route desired = RoutingTableRenderer.route(chat);
    ProgressiveCanaryPlanner planner =
        new ProgressiveCanaryPlanner(
            Clock.fixed(Instant.parse("2026-12-04T12:00:00Z"), ZoneOffset.UTC),
            query -> Optional.empty());
    PlannedRollout planned =
        new PlannedRollout(
            "chat", desired.revision(), planner.plan(chat, desired, before.route("chat")));
    assertThat(planned.decision().route().canary()).isNotNull();

    RenderOutcome started = composer.compose(resolve(changed), before, Optional.of(planned));
    RenderOutcome other =
        composer.compose(resolve(changed), publishedFrom(started), Optional.empty());

    for (RenderOutcome outcome : List.of(started, other)) {
      RoutingTable.Route published = route(outcome, "chat");
      assertThat(published.canary()).isNotNull();
      assertThat(published.targets())
          .extracting(RoutingTable.Target::model)
          .containsExactly("gpt-4o");
      assertThat(published.evaluation()).isNotNull();
      assertThat(published.evaluation().candidates())
          .extracting(RoutingTable.Target::id)
          .containsExactly("openai-prod/gpt-5-broken");
      assertThat(published.evaluation().sample()).isEqualTo(0.2);
    }
  }

  @Test
  void aCanaryWhoseStableProviderIsDeletedKeepsItsStableArmAndTheTableStillPublishes() {
    // Migrating to another provider with a canary, then deleting the old provider mid-rollout:
    // the stable arm still serves from it, so its entry and key come along from the published
    // table, like a last good route's. Before, the table failed validation (provider not in the
    // table) and nothing in the namespace could be published any more.
    List<HasMetadata> items = new ArrayList<>(canaryNamespace());
    Secret secret =
        Fixtures.ofType(Fixtures.load("fixtures/namespace-basic.yaml", NS), Secret.class).get(0);
    items.add(secret);
    items =
        changed(
            items,
            ProviderEndpoint.class,
            "openai-prod",
            pe -> {
              SecretKeyRef ref = new SecretKeyRef();
              ref.setName(secret.getMetadata().getName());
              pe.getSpec().setApiKeySecretRef(ref);
            });
    ProviderEndpoint next = Fixtures.copy(Fixtures.ofType(items, ProviderEndpoint.class).get(0));
    next.getMetadata().setName("openai-next");
    items.add(next);
    PublishedTable before = publishedFrom(render(items, PublishedTable.NONE));
    List<HasMetadata> changed =
        changed(
            items,
            ModelRoute.class,
            "chat",
            r -> {
              r.getSpec().getTargets().get(0).getProviderRef().setName("openai-next");
              retarget(r, "gpt-5");
            });
    ModelRoute chat = route(changed, "chat");
    RoutingTable.Route desired = RoutingTableRenderer.route(chat);
    ProgressiveCanaryPlanner planner =
        new ProgressiveCanaryPlanner(
            Clock.fixed(Instant.parse("2026-12-04T12:00:00Z"), ZoneOffset.UTC),
            query -> Optional.empty());
    RenderOutcome started =
        composer.compose(
            resolve(changed),
            before,
            Optional.of(
                new PlannedRollout(
                    "chat",
                    desired.revision(),
                    planner.plan(chat, desired, before.route("chat")))));
    assertThat(route(started, "chat").canary()).isNotNull();
    List<HasMetadata> deleted = without(changed, "ProviderEndpoint", "openai-prod");

    // Another route's render, and the route's own plan.
    RenderOutcome unplanned =
        composer.compose(resolve(deleted), publishedFrom(started), Optional.empty());
    RenderOutcome planned =
        composer.compose(
            resolve(deleted),
            publishedFrom(started),
            Optional.of(
                new PlannedRollout(
                    "chat",
                    desired.revision(),
                    planner.plan(chat, desired, publishedFrom(started).route("chat")))));

    for (RenderOutcome outcome : List.of(unplanned, planned)) {
      assertThat(route(outcome, "chat").targets())
          .extracting(RoutingTable.Target::id)
          .containsExactly("openai-prod/gpt-4o");
      assertThat(route(outcome, "chat").canary().targets())
          .extracting(RoutingTable.Target::id)
          .containsExactly("openai-next/gpt-5");
      assertThat(outcome.table().providers())
          .containsEntry("openai-prod", started.table().providers().get("openai-prod"));
      assertThat(outcome.keys()).containsEntry("openai-prod", "sk-openai-test-key-1");
    }
  }

  @Test
  void aCanaryWhoseProviderIsDeletedLeavesTheTableWithItsKeyOnceItsRouteRollsItBack() {
    // Migrating to another provider with a canary, then deleting the new provider mid-rollout:
    // the route no longer resolves. Its own reconcile rolls the canary back, and its last good
    // entry is then the stable arm alone: the deleted provider and its key are not carried.
    List<HasMetadata> items = new ArrayList<>(canaryNamespace());
    Secret secret =
        Fixtures.ofType(Fixtures.load("fixtures/namespace-basic.yaml", NS), Secret.class).get(0);
    items.add(secret);
    items =
        changed(
            items,
            ProviderEndpoint.class,
            "openai-prod",
            pe -> {
              SecretKeyRef ref = new SecretKeyRef();
              ref.setName(secret.getMetadata().getName());
              pe.getSpec().setApiKeySecretRef(ref);
            });
    ProviderEndpoint next = Fixtures.copy(Fixtures.ofType(items, ProviderEndpoint.class).get(0));
    next.getMetadata().setName("openai-next");
    items.add(next);
    PublishedTable before = publishedFrom(render(items, PublishedTable.NONE));
    List<HasMetadata> changed =
        changed(
            items,
            ModelRoute.class,
            "chat",
            r -> {
              r.getSpec().getTargets().get(0).getProviderRef().setName("openai-next");
              retarget(r, "gpt-5");
            });
    ModelRoute chat = route(changed, "chat");
    RoutingTable.Route desired = RoutingTableRenderer.route(chat);
    ProgressiveCanaryPlanner planner =
        new ProgressiveCanaryPlanner(
            Clock.fixed(Instant.parse("2026-12-04T12:00:00Z"), ZoneOffset.UTC),
            query -> Optional.empty());
    PublishedTable started =
        publishedFrom(
            composer.compose(
                resolve(changed),
                before,
                Optional.of(
                    new PlannedRollout(
                        "chat",
                        desired.revision(),
                        planner.plan(chat, desired, before.route("chat"))))));
    assertThat(started.route("chat").orElseThrow().canary()).isNotNull();
    assertThat(started.keys()).containsKey("openai-next");
    List<HasMetadata> deleted = without(changed, "ProviderEndpoint", "openai-next");

    // Another route's render keeps the route's arms as published, until its own reconcile.
    RenderOutcome unplanned = composer.compose(resolve(deleted), started, Optional.empty());
    assertThat(route(unplanned, "chat").canary()).isNotNull();
    assertThat(unplanned.routes().get("chat").rollout()).isNull();

    // Its own reconcile: the planner rolls the canary back.
    PlannedRollout rolledBack =
        new PlannedRollout(
            "chat",
            chat.getMetadata().getGeneration(),
            planner
                .planWithoutSpec(
                    chat,
                    started.route("chat"),
                    composer.problems(chat, resolve(deleted)).get(0).message())
                .orElseThrow(),
            true);
    RenderOutcome outcome = composer.compose(resolve(deleted), started, Optional.of(rolledBack));

    assertThat(route(outcome, "chat").canary()).isNull();
    assertThat(route(outcome, "chat").targets())
        .extracting(RoutingTable.Target::id)
        .containsExactly("openai-prod/gpt-4o");
    assertThat(outcome.table().providers())
        .containsKey("openai-prod")
        .doesNotContainKey("openai-next");
    assertThat(outcome.keys()).containsKey("openai-prod").doesNotContainKey("openai-next");
    assertThat(outcome.routes().get("chat").state()).isEqualTo(RouteOutcome.State.LAST_GOOD);
    assertThat(outcome.routes().get("chat").rollout()).isSameAs(rolledBack.decision());
    assertThat(rolledBack.decision().phase()).isEqualTo("RolledBack");
    assertThat(rolledBack.decision().failedTargets()).containsExactly("openai-next/gpt-5");
    assertThat(rolledBack.decision().transition().message())
        .contains("ProviderEndpoint 'openai-next' does not exist");
  }

  @Test
  void theImmediatePlannerDropsAPublishedCanaryArmFromAnInvalidRoutesLastGoodEntry() {
    // A table written by an operator that ran canaries (read back from its ConfigMap) holds a
    // canary arm; this operator plans without canaries and the route's spec stops resolving.
    List<HasMetadata> items = canaryNamespace();
    PublishedTable before = publishedFrom(render(items, PublishedTable.NONE));
    List<HasMetadata> changed = changed(items, ModelRoute.class, "chat", r -> retarget(r, "gpt-5"));
    ModelRoute chat = route(changed, "chat");
    RoutingTable.Route desired = RoutingTableRenderer.route(chat);
    ProgressiveCanaryPlanner progressive =
        new ProgressiveCanaryPlanner(
            Clock.fixed(Instant.parse("2026-12-04T12:00:00Z"), ZoneOffset.UTC),
            query -> Optional.empty());
    PublishedTable started =
        publishedFrom(
            composer.compose(
                resolve(changed),
                before,
                Optional.of(
                    new PlannedRollout(
                        "chat",
                        desired.revision(),
                        progressive.plan(chat, desired, before.route("chat"))))));
    assertThat(started.route("chat").orElseThrow().canary()).isNotNull();
    List<HasMetadata> invalid =
        changed(
            changed,
            ProviderEndpoint.class,
            "openai-prod",
            pe -> pe.getSpec().getModels().removeIf(m -> "gpt-5".equals(m.getName())));

    Optional<RolloutDecision> decision =
        CanaryPlanner.immediate()
            .planWithoutSpec(
                chat,
                started.route("chat"),
                composer.problems(chat, resolve(invalid)).get(0).message());
    RenderOutcome outcome =
        composer.compose(
            resolve(invalid),
            started,
            decision.map(
                d -> new PlannedRollout("chat", chat.getMetadata().getGeneration(), d, true)));

    assertThat(outcome.routes().get("chat").state()).isEqualTo(RouteOutcome.State.LAST_GOOD);
    assertThat(route(outcome, "chat").canary()).isNull();
    assertThat(route(outcome, "chat").targets())
        .extracting(RoutingTable.Target::id)
        .containsExactly("openai-prod/gpt-4o");
    assertThat(outcome.table().providers().get("openai-prod").model("gpt-5")).isEmpty();
    assertThat(decision.orElseThrow().phase()).isEqualTo(RolloutDecision.STABLE);
    assertThat(decision.orElseThrow().transition()).isNull();

    // Without a canary arm published there is nothing to drop.
    assertThat(CanaryPlanner.immediate().planWithoutSpec(chat, before.route("chat"), "invalid"))
        .isEmpty();
  }

  @Test
  void aPlanForAnOlderGenerationIsIgnored() {
    PublishedTable before = publishedFrom(render(canaryNamespace(), PublishedTable.NONE));
    List<HasMetadata> changed =
        changed(canaryNamespace(), ModelRoute.class, "chat", r -> retarget(r, "gpt-5"));
    RoutingTable.Route stale = RoutingTableRenderer.route(route(canaryNamespace(), "chat"));
    PlannedRollout planned =
        new PlannedRollout(
            "chat",
            stale.revision(),
            new dev.switchboard.operator.rollout.RolloutDecision(
                stale, "Stable", stale.revision(), null, null, null, null));

    RenderOutcome outcome = composer.compose(resolve(changed), before, Optional.of(planned));

    assertThat(outcome.routes().get("chat").rollout()).isNull();
    assertThat(route(outcome, "chat").revision()).isEqualTo(stale.revision());
  }

  private static String pretty(RenderOutcome outcome) throws IOException {
    return PRETTY.writeValueAsString(PRETTY.readTree(outcome.canonicalJson())).replace("\r", "")
        + "\n";
  }

  @Test
  void tableThatFailsValidationIsRejectedInsteadOfPublished() {
    // A planner bug (a canary arm on a provider that does not exist) must not reach the gateway.
    CanaryPlanner broken =
        (route, desired, published) ->
            new dev.switchboard.operator.rollout.RolloutDecision(
                new RoutingTable.Route(
                    desired.name(),
                    desired.model(),
                    desired.aliases(),
                    desired.policy(),
                    desired.revision(),
                    desired.targets(),
                    desired.rules(),
                    new RoutingTable.Canary(
                        "split",
                        10,
                        desired.revision() + 1,
                        List.of(new RoutingTable.Target("ghost", "m", 1, 0)),
                        List.of())),
                "Progressing",
                desired.revision(),
                desired.revision() + 1,
                10,
                0,
                null);
    ModelRoute chat = route(basic(), "chat-default");
    RoutingTable.Route desired = RoutingTableRenderer.route(chat);
    PlannedRollout planned =
        new PlannedRollout(
            "chat-default",
            desired.revision(),
            broken.plan(chat, desired, java.util.Optional.empty()));

    assertThatThrownBy(
            () -> composer.compose(resolve(basic()), PublishedTable.NONE, Optional.of(planned)))
        .isInstanceOf(RoutingTableComposer.RoutingTableRejectedException.class)
        .hasMessageContaining("provider 'ghost' is not in the table");
  }

  private static RoutingTable.Route route(RenderOutcome outcome, String name) {
    return outcome.table().routes().stream()
        .filter(r -> r.name().equals(name))
        .findFirst()
        .orElseThrow();
  }

  private static ModelRoute route(List<HasMetadata> items, String name) {
    return Fixtures.ofType(items, ModelRoute.class).stream()
        .filter(r -> r.getMetadata().getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  private static void assertGolden(String name, String actual) throws IOException {
    Path file = Path.of("src/test/resources/golden", name);
    if (Boolean.getBoolean("golden.update")) {
      Files.createDirectories(file.getParent());
      Files.writeString(file, actual);
    }
    assertThat(file).as("golden file %s (refresh with -Dgolden.update=true)", file).exists();
    assertThat(actual).isEqualTo(Files.readString(file));
  }
}
