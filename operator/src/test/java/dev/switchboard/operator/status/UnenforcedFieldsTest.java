package dev.switchboard.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.api.v1alpha1.CacheSpec;
import dev.switchboard.api.v1alpha1.Deterministic;
import dev.switchboard.api.v1alpha1.DriftCheck;
import dev.switchboard.api.v1alpha1.Embedder;
import dev.switchboard.api.v1alpha1.ExactCache;
import dev.switchboard.api.v1alpha1.LatencyObjective;
import dev.switchboard.api.v1alpha1.LocalObjectRef;
import dev.switchboard.api.v1alpha1.ModelLifecycle;
import dev.switchboard.api.v1alpha1.ProviderEndpointSpec;
import dev.switchboard.api.v1alpha1.ProviderModel;
import dev.switchboard.api.v1alpha1.RetrySpec;
import dev.switchboard.api.v1alpha1.RoutingPolicySpec;
import dev.switchboard.api.v1alpha1.ScheduleWindow;
import dev.switchboard.api.v1alpha1.SemanticCache;
import dev.switchboard.contract.Strategy;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Status says which set fields the gateway does not act on yet, and only those. */
class UnenforcedFieldsTest {

  @Test
  void aPolicyOfEnforcedFieldsOnlyIsEnforced() {
    RoutingPolicySpec spec = new RoutingPolicySpec();
    spec.setStrategy("weighted");
    spec.setRetry(new RetrySpec());
    // The gateway serves from the exact cache (issue 18): an enabled cache is enforced.
    CacheSpec cache = new CacheSpec();
    ExactCache exact = new ExactCache();
    exact.setEnabled(true);
    cache.setExact(exact);
    spec.setCache(cache);
    Deterministic deterministic = new Deterministic();
    deterministic.setEnabled(false);
    spec.setDeterministic(deterministic);

    List<String> notEnforced = UnenforcedFields.of(spec);

    assertThat(notEnforced).isEmpty();
    Conditions.Desired condition = UnenforcedFields.condition(notEnforced);
    assertThat(condition.type()).isEqualTo("Enforced");
    assertThat(condition.status()).isTrue();
    assertThat(condition.reason()).isEqualTo("AllFieldsEnforced");
  }

  @Test
  void everyRoutingPolicyFieldIsEnforcedNowThatTheGatewayEmbedsThroughProviders() {
    RoutingPolicySpec spec = new RoutingPolicySpec();
    spec.setStrategy("least-cost");
    spec.setSchedule(List.of(new ScheduleWindow()));
    spec.setLatencyObjective(new LatencyObjective());
    CacheSpec cache = new CacheSpec();
    ExactCache exact = new ExactCache();
    exact.setEnabled(true);
    cache.setExact(exact);
    cache.setShared(true); // enforced: the exact cache in the gateway's shared store
    SemanticCache semantic = new SemanticCache();
    semantic.setEnabled(true);
    Embedder embedder = new Embedder();
    LocalObjectRef provider = new LocalObjectRef();
    provider.setName("openai-prod");
    embedder.setProviderRef(provider);
    embedder.setModel("text-embedding-3-small");
    semantic.setEmbedder(embedder);
    cache.setSemantic(semantic);
    spec.setCache(cache);
    Deterministic deterministic = new Deterministic();
    deterministic.setEnabled(true);
    spec.setDeterministic(deterministic);
    spec.setDriftCheck(new DriftCheck());

    List<String> notEnforced = UnenforcedFields.of(spec);

    // Strategy, schedule and latencyObjective are enforced since the cost-observation loop, the
    // deterministic contract by DeterministicStage, drift checks by the operator's DriftChecker,
    // cache.shared by the gateway's shared store and a semantic cache embedding through a
    // provider's model by the gateway's ProviderEmbedder (its reference by EmbedderReferences).
    assertThat(notEnforced).isEmpty();
    Conditions.Desired condition = UnenforcedFields.condition(notEnforced);
    assertThat(condition.status()).isTrue();
    assertThat(condition.reason()).isEqualTo("AllFieldsEnforced");
  }

  @Test
  void aFieldTheGatewayIgnoresIsNamedWithWhatItDoesInstead() {
    Conditions.Desired condition =
        UnenforcedFields.condition(List.of("x.y is not supported (z happens instead)"));

    assertThat(condition.status()).isFalse();
    assertThat(condition.reason()).isEqualTo("FieldNotEnforced");
    assertThat(condition.message())
        .isEqualTo(
            "set but not enforced by the gateway yet: x.y is not supported (z happens instead)");
  }

  @Test
  void everyStrategyIsEnforced() {
    for (Strategy strategy : Strategy.values()) {
      RoutingPolicySpec spec = new RoutingPolicySpec();
      spec.setStrategy(strategy.wireName());
      assertThat(UnenforcedFields.of(spec)).as(strategy.wireName()).isEmpty();
    }
  }

  @Test
  void modelLifecycleOfAnEndpointIsEnforcedByTheGateway() {
    ProviderEndpointSpec spec = new ProviderEndpointSpec();
    ProviderModel plain = new ProviderModel();
    plain.setName("gpt-4o");
    spec.setModels(List.of(plain));
    assertThat(UnenforcedFields.of(spec)).isEmpty();

    ProviderModel retiring = new ProviderModel();
    retiring.setName("gpt-4o-2024-08-06");
    retiring.setLifecycle(new ModelLifecycle());
    spec.setModels(List.of(plain, retiring));
    // The gateway keeps requests off retired models (RetirementStage): nothing to confess.
    assertThat(UnenforcedFields.of(spec)).isEmpty();
  }
}
