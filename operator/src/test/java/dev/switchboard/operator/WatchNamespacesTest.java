package dev.switchboard.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.api.v1alpha1.RoutingPolicy;
import dev.switchboard.operator.testing.Fixtures;
import dev.switchboard.operator.testing.SwitchboardOperatorExtension;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An operator limited to some namespaces leaves the others alone. (Leader election cannot be
 * exercised here: JOSDK checks Lease access with a SelfSubjectRulesReview, which the mock API
 * server rejects.)
 */
class WatchNamespacesTest {

  @RegisterExtension
  static final SwitchboardOperatorExtension KUBE =
      new SwitchboardOperatorExtension(
          OperatorSettings.forMockApiServer().withWatchNamespaces(Set.of("team-a")));

  @Test
  void reconcilesOnlyWatchedNamespaces() {
    Fixtures.load("fixtures/namespace-basic.yaml", "team-b").stream()
        .filter(RoutingPolicy.class::isInstance)
        .forEach(item -> KUBE.client().resource(item).create());
    Fixtures.load("fixtures/namespace-basic.yaml", "team-a").stream()
        .filter(RoutingPolicy.class::isInstance)
        .forEach(item -> KUBE.client().resource(item).create());

    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              RoutingPolicy watched =
                  KUBE.client()
                      .resources(RoutingPolicy.class)
                      .inNamespace("team-a")
                      .withName("standard")
                      .get();
              assertThat(watched.getStatus()).isNotNull();
            });
    // team-a was reconciled; team-b's policy was created first, so an operator that watched it
    // would have reconciled it by now too.
    RoutingPolicy unwatched =
        KUBE.client()
            .resources(RoutingPolicy.class)
            .inNamespace("team-b")
            .withName("standard")
            .get();
    assertThat(unwatched.getStatus()).isNull();
    assertThat(KUBE.reconciliations(unwatched)).isZero();
  }
}
