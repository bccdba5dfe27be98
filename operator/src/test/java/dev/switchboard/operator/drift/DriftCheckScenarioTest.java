package dev.switchboard.operator.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.api.v1alpha1.DriftStatus;
import dev.switchboard.api.v1alpha1.RoutingPolicy;
import dev.switchboard.operator.OperatorSettings;
import dev.switchboard.operator.status.Conditions;
import dev.switchboard.operator.testing.Fixtures;
import dev.switchboard.operator.testing.StatusReads;
import dev.switchboard.operator.testing.SwitchboardOperatorExtension;
import dev.switchboard.operator.testing.UserEdits;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The RoutingPolicy controller runs the drift check: without a gateway to ask (this operator has
 * none), the attempt is not a run — {@code Drifted=Unknown DriftCheckUnreachable}, no results, a
 * retry time in status and one Warning event — so status never claims a check that did not happen;
 * a new rebaseline annotation value (a metadata-only change) reconciles the policy at once; and
 * removing the drift check removes its status and condition.
 */
class DriftCheckScenarioTest {

  private static final String NS = "drift-scenario";

  @RegisterExtension
  static final SwitchboardOperatorExtension OPERATOR =
      new SwitchboardOperatorExtension(OperatorSettings.forMockApiServer());

  @Test
  void aDriftCheckWithoutAGatewayIsUnreachableAndRetriedAndTheRebaselineAnnotationIsSeenAtOnce() {
    KubernetesClient client = OPERATOR.client();
    Fixtures.load("fixtures/namespace-basic.yaml", NS).forEach(i -> client.resource(i).create());
    client
        .configMaps()
        .inNamespace(NS)
        .resource(
            new ConfigMapBuilder()
                .withMetadata(new ObjectMetaBuilder().withName("drift-prompts").build())
                .withData(Map.of("a", "What is 2+2?", "b", "Name a prime."))
                .build())
        .create();
    // The policy's routes serve before the check starts (a route not published yet would make the
    // attempt wait for it, the other way an attempt is no run).
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                dev.switchboard.operator.testing.PublishedReads.route(client, NS, "chat-default")
                        .isPresent()
                    && dev.switchboard.operator.testing.PublishedReads.route(
                            client, NS, "reasoning")
                        .isPresent());
    String name = "standard";
    editPolicy(
        client,
        name,
        p -> {
          dev.switchboard.api.v1alpha1.DriftCheck check =
              new dev.switchboard.api.v1alpha1.DriftCheck();
          check.setSchedule("@daily");
          dev.switchboard.api.v1alpha1.LocalObjectRef ref =
              new dev.switchboard.api.v1alpha1.LocalObjectRef();
          ref.setName("drift-prompts");
          check.setPromptsConfigMapRef(ref);
          check.setSamples(1);
          p.getSpec().setDriftCheck(check);
          return p;
        });

    Instant start = OPERATOR.clock().instant();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              DriftStatus drift = drift(client, name);
              assertThat(drift).isNotNull();
              assertThat(drift.getFailedAttempts()).isEqualTo(1);
              assertThat(drift.getResults()).isNull();
              assertThat(drift.getLastRun()).isNull();
              assertThat(drift.getRetryAt()).isEqualTo(start.plusSeconds(60).toString());
              assertThat(drift.getNextRun()).isNotNull();
              var drifted = drifted(client, name);
              assertThat(drifted.getStatus()).isEqualTo(Conditions.UNKNOWN);
              assertThat(drifted.getReason()).isEqualTo(DriftChecker.UNREACHABLE);
              assertThat(drifted.getMessage())
                  .contains("no gateway replica took", "no gateway replica is known");
            });
    assertThat(client.v1().events().inNamespace(NS).list().getItems())
        .filteredOn(e -> DriftChecker.UNREACHABLE.equals(e.getReason()))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getType()).isEqualTo("Warning");
              assertThat(e.getCount()).isEqualTo(1);
            });

    // Past the retry time on the operator's clock, a new rebaseline value alone (metadata, no new
    // generation) reconciles the policy: the retry runs now, not at the next timed reconcile (61 s
    // of real time away).
    OPERATOR.clock().advance(Duration.ofMinutes(2));
    editPolicy(
        client,
        name,
        p -> {
          p.getMetadata().setAnnotations(Map.of(DriftChecker.REBASELINE_ANNOTATION, "now"));
          return p;
        });
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              DriftStatus drift = drift(client, name);
              assertThat(drift).isNotNull();
              assertThat(drift.getFailedAttempts()).isEqualTo(2);
              // Nothing answered: the new value is not claimed as taken.
              assertThat(drift.getRebaseline()).isNull();
            });

    editPolicy(
        client,
        name,
        p -> {
          p.getSpec().setDriftCheck(null);
          return p;
        });
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              RoutingPolicy p =
                  client.resources(RoutingPolicy.class).inNamespace(NS).withName(name).get();
              assertThat(StatusReads.status(p).getDrift()).isNull();
              assertThat(StatusReads.condition(p, DriftChecker.DRIFTED)).isEmpty();
            });
  }

  private static DriftStatus drift(KubernetesClient client, String name) {
    RoutingPolicy p = client.resources(RoutingPolicy.class).inNamespace(NS).withName(name).get();
    return p.getStatus() == null ? null : p.getStatus().getDrift();
  }

  private static io.fabric8.kubernetes.api.model.Condition drifted(
      KubernetesClient client, String name) {
    return StatusReads.presentCondition(
        client.resources(RoutingPolicy.class).inNamespace(NS).withName(name).get(),
        DriftChecker.DRIFTED);
  }

  /** Edits the policy as a user would, again on a 409 (see {@link UserEdits}). */
  private static void editPolicy(
      KubernetesClient client,
      String name,
      java.util.function.UnaryOperator<RoutingPolicy> change) {
    UserEdits.edit(client.resources(RoutingPolicy.class).inNamespace(NS).withName(name), change);
  }
}
