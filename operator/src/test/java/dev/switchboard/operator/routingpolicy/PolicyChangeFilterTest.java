package dev.switchboard.operator.routingpolicy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.api.v1alpha1.RoutingPolicy;
import dev.switchboard.api.v1alpha1.RoutingPolicyStatus;
import dev.switchboard.operator.drift.DriftChecker;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PolicyChangeFilterTest {

  private final PolicyChangeFilter filter = new PolicyChangeFilter();

  static RoutingPolicy policy(long generation, Map<String, String> annotations) {
    RoutingPolicy p = new RoutingPolicy();
    p.setMetadata(
        new ObjectMetaBuilder()
            .withName("nightly")
            .withGeneration(generation)
            .withAnnotations(annotations)
            .build());
    return p;
  }

  @Test
  void theOperatorsOwnStatusWritesAndOtherMetadataDoNotReconcile() {
    RoutingPolicy before = policy(3, Map.of());
    RoutingPolicy statusWritten = policy(3, Map.of());
    statusWritten.setStatus(new RoutingPolicyStatus());

    assertThat(filter.accept(statusWritten, before)).isFalse();
    assertThat(filter.accept(policy(3, Map.of("team", "payments")), before)).isFalse();
  }

  @Test
  void aSpecEditOrANewRebaselineValueReconciles() {
    RoutingPolicy before = policy(3, Map.of(DriftChecker.REBASELINE_ANNOTATION, "a"));

    assertThat(filter.accept(policy(4, Map.of(DriftChecker.REBASELINE_ANNOTATION, "a")), before))
        .isTrue();
    assertThat(filter.accept(policy(3, Map.of(DriftChecker.REBASELINE_ANNOTATION, "b")), before))
        .isTrue();
    assertThat(filter.accept(policy(3, Map.of()), policy(3, Map.of()))).isFalse();
    assertThat(
            filter.accept(
                policy(3, Map.of(DriftChecker.REBASELINE_ANNOTATION, "first")),
                policy(3, Map.of())))
        .isTrue();
  }
}
