package dev.switchboard.operator.modelroute;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.api.v1alpha1.LocalObjectRef;
import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.ModelRouteSpec;
import dev.switchboard.api.v1alpha1.RouteTarget;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A table the gateway's validator refuses, though the operator's validators let its parts through,
 * is reported as {@code Ready=False RoutingTableRejected} on the routes its problems are about.
 */
class RejectedTableTest {

  private static ModelRoute route(String name, String policy, String provider) {
    ModelRoute route = new ModelRoute();
    route.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("ns").build());
    ModelRouteSpec spec = new ModelRouteSpec();
    if (policy != null) {
      LocalObjectRef ref = new LocalObjectRef();
      ref.setName(policy);
      spec.setPolicyRef(ref);
    }
    RouteTarget target = new RouteTarget();
    LocalObjectRef ref = new LocalObjectRef();
    ref.setName(provider);
    target.setProviderRef(ref);
    target.setModel("m");
    spec.setTargets(List.of(target));
    route.setSpec(spec);
    return route;
  }

  @Test
  void theRoutesAProblemIsAboutGetReadyFalseWithIt() {
    List<String> problems =
        List.of(
            "route chat evaluation: provider 'gone' is not in the table",
            "policy cheap: exploration share 2.0 is outside 0..1",
            "provider vllm: maxResponseBytes must be positive",
            "model name 'x' is served by both alpha and beta");
    ModelRoute chat = route("chat", null, "openai");
    assertThat(RejectedTable.ready(chat, problems))
        .hasValueSatisfying(
            ready -> {
              assertThat(ready.type()).isEqualTo("Ready");
              assertThat(ready.status()).isFalse();
              assertThat(ready.reason()).isEqualTo("RoutingTableRejected");
              assertThat(ready.message())
                  .startsWith("route chat evaluation: provider 'gone' is not in the table —")
                  .contains("was not published; the previous table keeps serving")
                  .doesNotContain("policy cheap");
            });
    assertThat(RejectedTable.ready(route("cheapo", "cheap", "openai"), problems))
        .hasValueSatisfying(r -> assertThat(r.message()).startsWith("policy cheap:"));
    assertThat(RejectedTable.ready(route("v", null, "vllm"), problems)).isPresent();
    assertThat(RejectedTable.ready(route("alpha", null, "openai"), problems)).isPresent();
    assertThat(RejectedTable.ready(route("beta", null, "openai"), problems)).isPresent();
    // Neither named nor using what is named: left to the event and the retries.
    assertThat(RejectedTable.ready(route("chat-2", "other", "openai"), problems)).isEmpty();
  }
}
