package dev.switchboard.operator.routingpolicy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.api.v1alpha1.CacheSpec;
import dev.switchboard.api.v1alpha1.Embedder;
import dev.switchboard.api.v1alpha1.Exploration;
import dev.switchboard.api.v1alpha1.LocalObjectRef;
import dev.switchboard.api.v1alpha1.PolicyLifecycle;
import dev.switchboard.api.v1alpha1.RoutingPolicy;
import dev.switchboard.api.v1alpha1.RoutingPolicySpec;
import dev.switchboard.api.v1alpha1.ScheduleWindow;
import dev.switchboard.api.v1alpha1.SemanticCache;
import dev.switchboard.operator.status.Problem;
import dev.switchboard.operator.status.Reason;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * What the gateway's table validator would refuse a policy for is the policy's own problem: it gets
 * {@code Ready=False} and its routes keep their last good version, instead of the whole namespace's
 * table being refused (the mock API server, and a cluster that skips the schema, let it through).
 */
class RoutingPolicyValidatorTest {

  private static List<Problem> validate(Consumer<RoutingPolicySpec> edit) {
    RoutingPolicy policy = new RoutingPolicy();
    policy.setMetadata(new ObjectMetaBuilder().withName("p").withNamespace("ns").build());
    RoutingPolicySpec spec = new RoutingPolicySpec();
    spec.setStrategy("priority");
    edit.accept(spec);
    policy.setSpec(spec);
    return new RoutingPolicyValidator().validate(policy);
  }

  private static ScheduleWindow window(String name, String strategy, String from, String to) {
    ScheduleWindow window = new ScheduleWindow();
    window.setName(name);
    window.setStrategy(strategy);
    window.setFrom(from);
    window.setTo(to);
    return window;
  }

  @Test
  void anExplorationShareOutsideZeroToOneIsAProblem() {
    Exploration exploration = new Exploration();
    exploration.setShare(2.0);
    assertThat(validate(s -> s.setExploration(exploration)))
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.reason()).isEqualTo(Reason.INVALID_SPEC);
              assertThat(p.message()).isEqualTo("spec.exploration.share 2.0 is outside 0..1");
            });
    exploration.setShare(0.05);
    assertThat(validate(s -> s.setExploration(exploration))).isEmpty();
  }

  @Test
  void aScheduleWindowWithoutStrategyOrWithFromEqualToToIsAProblem() {
    assertThat(validate(s -> s.setSchedule(List.of(window("night", null, "22:00", "06:00")))))
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.reason()).isEqualTo(Reason.UNKNOWN_STRATEGY);
              assertThat(p.message()).isEqualTo("schedule window 'night' needs a strategy");
            });
    assertThat(validate(s -> s.setSchedule(List.of(window("day", "priority", "08:00", "08:00")))))
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.reason()).isEqualTo(Reason.INVALID_SCHEDULE);
              assertThat(p.message()).isEqualTo("schedule window 'day': from and to must differ");
            });
    assertThat(validate(s -> s.setSchedule(List.of(window("day", "priority", "08:00", "18:00")))))
        .isEmpty();
  }

  @Test
  void anUnknownOnRetiredIsAProblem() {
    PolicyLifecycle lifecycle = new PolicyLifecycle();
    lifecycle.setOnRetired("ignore");
    assertThat(validate(s -> s.setLifecycle(lifecycle)))
        .singleElement()
        .satisfies(
            p ->
                assertThat(p.message())
                    .isEqualTo("spec.lifecycle.onRetired 'ignore' is not successor or reject"));
    lifecycle.setOnRetired("reject");
    assertThat(validate(s -> s.setLifecycle(lifecycle))).isEmpty();
  }

  private static Embedder embedder(String provider, Integer maxInputTokens) {
    Embedder embedder = new Embedder();
    if (provider == null) {
      embedder.setBuiltin("all-minilm-l6-v2");
    } else {
      LocalObjectRef ref = new LocalObjectRef();
      ref.setName(provider);
      embedder.setProviderRef(ref);
      embedder.setModel("BAAI/bge-m3");
    }
    embedder.setMaxInputTokens(maxInputTokens);
    return embedder;
  }

  private static List<Problem> validateEmbedder(Embedder embedder) {
    return validate(
        s -> {
          SemanticCache semantic = new SemanticCache();
          semantic.setEnabled(true);
          semantic.setEmbedder(embedder);
          CacheSpec cache = new CacheSpec();
          cache.setSemantic(semantic);
          s.setCache(cache);
        });
  }

  /** As the CRD's schema and CEL rule say, for API servers that enforce neither. */
  @Test
  void anEmbedderInputLimitOutOfRangeOrWithoutProviderRefIsAProblem() {
    assertThat(validateEmbedder(embedder("tei", 8192))).isEmpty();
    assertThat(validateEmbedder(embedder("tei", 131072))).isEmpty();
    assertThat(validateEmbedder(embedder("tei", null))).isEmpty();
    assertThat(validateEmbedder(embedder("tei", 0)))
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.reason()).isEqualTo(Reason.INVALID_SPEC);
              assertThat(p.message())
                  .isEqualTo("spec.cache.semantic.embedder.maxInputTokens 0 is outside 1..131072");
            });
    assertThat(validateEmbedder(embedder("tei", 131073)))
        .extracting(Problem::reason)
        .containsExactly(Reason.INVALID_SPEC);
    assertThat(validateEmbedder(embedder(null, 256)))
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.reason()).isEqualTo(Reason.INVALID_SPEC);
              assertThat(p.message())
                  .startsWith(
                      "spec.cache.semantic.embedder.maxInputTokens is only for a providerRef");
            });
  }
}
