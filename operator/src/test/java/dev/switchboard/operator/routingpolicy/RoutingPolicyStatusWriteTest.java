package dev.switchboard.operator.routingpolicy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.api.v1alpha1.DriftCheck;
import dev.switchboard.api.v1alpha1.LocalObjectRef;
import dev.switchboard.api.v1alpha1.RoutingPolicy;
import dev.switchboard.operator.OperatorSettings;
import dev.switchboard.operator.testing.Fixtures;
import dev.switchboard.operator.testing.StatusReads;
import dev.switchboard.operator.testing.SwitchboardOperatorExtension;
import dev.switchboard.operator.testing.UserEdits;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A RoutingPolicy's status has one writer, with or without a drift check: a full replace of the
 * status subresource (PUT). Under server-side apply (production) a field written by the replace's
 * field manager survives an apply that omits it, so mixing the two left stale drift results on a
 * real cluster; the mock API server refuses apply, so what is checked here is that every status
 * write of the kind takes the same path.
 */
class RoutingPolicyStatusWriteTest {

  private static final String NS = "policy-status-writes";

  @RegisterExtension
  static final SwitchboardOperatorExtension OPERATOR =
      new SwitchboardOperatorExtension(OperatorSettings.forMockApiServer());

  private static List<String> statusWrites() {
    return OPERATOR.writeLog(NS).stream()
        .filter(w -> w.contains("/routingpolicies/standard/status"))
        .toList();
  }

  @Test
  void withAndWithoutADriftCheckTheStatusIsWrittenTheSameWay() {
    KubernetesClient client = OPERATOR.client();
    Fixtures.load("fixtures/namespace-basic.yaml", NS).forEach(i -> client.resource(i).create());
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(statusWrites()).isNotEmpty());

    UserEdits.edit(
        client.resources(RoutingPolicy.class).inNamespace(NS).withName("standard"),
        p -> {
          DriftCheck check = new DriftCheck();
          check.setSchedule("@daily");
          LocalObjectRef ref = new LocalObjectRef();
          ref.setName("drift-prompts");
          check.setPromptsConfigMapRef(ref);
          p.getSpec().setDriftCheck(check);
          return p;
        });
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(
                        StatusReads.status(
                                client
                                    .resources(RoutingPolicy.class)
                                    .inNamespace(NS)
                                    .withName("standard")
                                    .get())
                            .getDrift())
                    .isNotNull());
    UserEdits.edit(
        client.resources(RoutingPolicy.class).inNamespace(NS).withName("standard"),
        p -> {
          p.getSpec().setDriftCheck(null);
          return p;
        });
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(
                        StatusReads.status(
                                client
                                    .resources(RoutingPolicy.class)
                                    .inNamespace(NS)
                                    .withName("standard")
                                    .get())
                            .getDrift())
                    .isNull());

    // Before, during and after the drift check: one method for every status write.
    assertThat(statusWrites()).hasSizeGreaterThanOrEqualTo(3).allMatch(w -> w.startsWith("PUT "));
  }
}
