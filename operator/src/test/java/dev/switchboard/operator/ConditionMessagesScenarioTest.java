package dev.switchboard.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.api.v1alpha1.LocalObjectRef;
import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.ModelRouteSpec;
import dev.switchboard.api.v1alpha1.RouteTarget;
import dev.switchboard.operator.testing.StatusReads;
import dev.switchboard.operator.testing.SwitchboardOperatorExtension;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Condition and event messages stay short however much is wrong (issue #11): a route with 1,000 bad
 * targets once got a 105 KB {@code Ready} message. The API server allows 32 KiB; people read these
 * in {@code kubectl describe}, so the operator keeps them within 1 KiB: the first problems and a
 * count of the rest.
 */
class ConditionMessagesScenarioTest {

  @RegisterExtension
  static final SwitchboardOperatorExtension KUBE =
      new SwitchboardOperatorExtension(OperatorSettings.forMockApiServer());

  private static final int BAD_TARGETS = 1_000;

  @Test
  void aRouteWithAThousandBadTargetsGetsShortMessagesWithACount() {
    String ns = "messages";
    List<RouteTarget> targets = new ArrayList<>();
    for (int i = 0; i < BAD_TARGETS; i++) {
      RouteTarget target = new RouteTarget();
      LocalObjectRef provider = new LocalObjectRef();
      provider.setName("missing-provider-" + i);
      target.setProviderRef(provider);
      target.setModel("some-model");
      targets.add(target);
    }
    ModelRoute route = new ModelRoute();
    route.setMetadata(new ObjectMetaBuilder().withName("huge").withNamespace(ns).build());
    ModelRouteSpec spec = new ModelRouteSpec();
    spec.setTargets(targets);
    route.setSpec(spec);
    KUBE.client().resource(route).create();

    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100))
        .untilAsserted(
            () -> {
              ModelRoute current =
                  KUBE.client().resources(ModelRoute.class).inNamespace(ns).withName("huge").get();
              for (String type : List.of("Ready", "ReferencesResolved")) {
                Condition condition = StatusReads.presentCondition(current, type);
                assertThat(condition.getStatus()).isEqualTo("False");
                assertThat(condition.getReason()).isEqualTo("ProviderNotFound");
                assertShortSummary(condition.getMessage());
              }
              List<Event> events =
                  KUBE.client().v1().events().inNamespace(ns).list().getItems().stream()
                      .filter(e -> "ProviderNotFound".equals(e.getReason()))
                      .toList();
              assertThat(events).isNotEmpty();
              events.forEach(e -> assertShortSummary(e.getMessage()));
            });
  }

  private static void assertShortSummary(String message) {
    assertThat(message).isNotNull();
    assertThat(message.getBytes(StandardCharsets.UTF_8).length)
        .as(
            "size in bytes of a message starting %s",
            message.substring(0, Math.min(120, message.length())))
        .isLessThanOrEqualTo(1024);
    assertThat(message)
        .contains("ProviderEndpoint 'missing-provider-0' does not exist")
        .containsPattern("and \\d+ more problems")
        .doesNotContain("missing-provider-999");
    // The count says exactly how many problems were left out.
    int shown = message.split("does not exist", -1).length - 1;
    assertThat(message).contains("and " + (BAD_TARGETS - shown) + " more problems");
  }
}
