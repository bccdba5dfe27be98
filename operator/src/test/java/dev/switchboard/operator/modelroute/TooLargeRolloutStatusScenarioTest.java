package dev.switchboard.operator.modelroute;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.api.v1alpha1.LocalObjectRef;
import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.ModelRouteSpec;
import dev.switchboard.api.v1alpha1.ProviderEndpoint;
import dev.switchboard.api.v1alpha1.ProviderEndpointSpec;
import dev.switchboard.api.v1alpha1.RouteTarget;
import dev.switchboard.operator.OperatorSettings;
import dev.switchboard.operator.publish.RoutingTablePublisher;
import dev.switchboard.operator.testing.StatusReads;
import dev.switchboard.operator.testing.SwitchboardOperatorExtension;
import dev.switchboard.operator.testing.UserEdits;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A change that makes the routing table too large publishes nothing, so the route's rollout did not
 * move either: its status keeps the revision that serves, not the one that was not published.
 */
class TooLargeRolloutStatusScenarioTest {

  /** One shard of 1 KiB: a route with a handful of long, barely compressible aliases overflows. */
  @RegisterExtension
  static final SwitchboardOperatorExtension KUBE =
      new SwitchboardOperatorExtension(
          OperatorSettings.forMockApiServer(), new RoutingTablePublisher.Limits(256, 1024, 1));

  private static final String NS = "too-large-rollout";
  private static final Duration WAIT = Duration.ofSeconds(30);

  private static ModelRoute get() {
    return KUBE.client().resources(ModelRoute.class).inNamespace(NS).withName("chat").get();
  }

  private static Optional<Condition> ready() {
    return StatusReads.condition(get(), "Ready");
  }

  private static List<String> noisyAliases() throws Exception {
    List<String> aliases = new ArrayList<>();
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    for (int i = 0; i < 16; i++) {
      String hex = "";
      for (int j = 0; j < 3; j++) {
        hex +=
            HexFormat.of()
                .formatHex(sha.digest(("alias-" + i + "-" + j).getBytes(StandardCharsets.UTF_8)));
      }
      aliases.add("a" + hex);
    }
    return aliases;
  }

  @Test
  void theRolloutFieldsStayAtThePublishedRevision() throws Exception {
    ProviderEndpoint pe = new ProviderEndpoint();
    pe.setMetadata(new ObjectMetaBuilder().withName("vllm").withNamespace(NS).build());
    ProviderEndpointSpec ps = new ProviderEndpointSpec();
    ps.setProvider("openai-compatible");
    ps.setBaseUrl("http://vllm.example.com/v1");
    pe.setSpec(ps);
    KUBE.client().resource(pe).create();
    ModelRoute route = new ModelRoute();
    route.setMetadata(new ObjectMetaBuilder().withName("chat").withNamespace(NS).build());
    ModelRouteSpec spec = new ModelRouteSpec();
    RouteTarget target = new RouteTarget();
    LocalObjectRef ref = new LocalObjectRef();
    ref.setName("vllm");
    target.setProviderRef(ref);
    target.setModel("llama");
    spec.setTargets(List.of(target));
    route.setSpec(spec);
    KUBE.client().resource(route).create();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(ready()).map(Condition::getStatus).hasValue("True");
              assertThat(get().getStatus().getStableRevision()).isNotNull();
            });
    Long served = get().getStatus().getStableRevision();

    List<String> aliases = noisyAliases();
    UserEdits.edit(
        KUBE.client().resources(ModelRoute.class).inNamespace(NS).withName("chat"),
        r -> {
          r.getSpec().getTargets().get(0).setModel("llama-3");
          r.getSpec().setAliases(aliases);
          return r;
        });
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(ready())
                  .hasValueSatisfying(
                      c -> {
                        assertThat(c.getStatus()).isEqualTo("False");
                        assertThat(c.getReason()).isEqualTo("RoutingTableTooLarge");
                      });
              assertThat(get().getStatus().getObservedGeneration())
                  .isEqualTo(get().getMetadata().getGeneration());
            });
    // Nothing was published: the revision in status is still the one the gateways serve.
    assertThat(get().getStatus().getStableRevision()).isEqualTo(served);
  }
}
