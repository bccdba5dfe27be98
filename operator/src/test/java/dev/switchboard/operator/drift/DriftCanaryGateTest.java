package dev.switchboard.operator.drift;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.api.v1alpha1.LocalObjectRef;
import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.ModelRouteSpec;
import dev.switchboard.operator.serialization.TolerantSerialization;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/**
 * The drift gate fails closed: when the route's policy cannot be read (API server unreachable, an
 * error answer) it cannot know whether {@code holdCanary} with {@code Drifted=True} applies, so the
 * canary holds (saying why) rather than advancing or being promoted on a drifting baseline.
 */
class DriftCanaryGateTest {

  @Test
  void aPolicyThatCannotBeReadHoldsTheCanaryAndSaysWhy() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort(); // nothing listens there once closed: connection refused
    }
    try (KubernetesClient unreachable =
        TolerantSerialization.clientBuilder()
            .withConfig(
                new ConfigBuilder()
                    .withMasterUrl("http://127.0.0.1:" + closed)
                    .withRequestRetryBackoffLimit(0)
                    .withConnectionTimeout(2_000)
                    .build())
            .withHttpClientFactory(new JdkHttpClientFactory())
            .build()) {

      assertThat(new DriftCanaryGate(unreachable).hold(route("reproducible")))
          .hasValueSatisfying(
              why -> assertThat(why).contains("policy reproducible", "cannot be read"));
      // A route without a policy has no drift check to hold it: nothing is read.
      assertThat(new DriftCanaryGate(unreachable).hold(route(null))).isEmpty();
    }
  }

  private static ModelRoute route(String policy) {
    ModelRoute route = new ModelRoute();
    route.setMetadata(new ObjectMetaBuilder().withName("chat").withNamespace("ns").build());
    ModelRouteSpec spec = new ModelRouteSpec();
    if (policy != null) {
      LocalObjectRef ref = new LocalObjectRef();
      ref.setName(policy);
      spec.setPolicyRef(ref);
    }
    route.setSpec(spec);
    return route;
  }
}
