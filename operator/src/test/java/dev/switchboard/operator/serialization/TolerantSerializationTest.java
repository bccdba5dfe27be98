package dev.switchboard.operator.serialization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.RoutingPolicy;
import io.fabric8.kubernetes.api.model.WatchEvent;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class TolerantSerializationTest {

  private static final String POLICY =
      """
      {"apiVersion": "switchboard.dev/v1alpha1", "kind": "RoutingPolicy",
       "metadata": {"name": "standard", "namespace": "team-a", "uid": "u-1",
                    "resourceVersion": "7", "someNewMetadata": "x"},
       "spec": {"strategy": "priority",
                "futureFeature": {"enabled": true, "levels": [1, 2]},
                "retry": {"maxAttempts": 3, "maxAtempts": 5, "retryOn": ["timeout"]}}}
      """;

  private static final String ROUTE =
      """
      {"apiVersion": "switchboard.dev/v1alpha1", "kind": "ModelRoute",
       "metadata": {"name": "chat-%1$s", "namespace": "team-a", "uid": "u-%1$s",
                  "resourceVersion": "3"},
       "spec": {"targets": [
          {"providerRef": {"name": "a"}, "model": "m"},
          {"providerRef": {"name": "b", "namespace": "elsewhere"}, "model": "m", "wieght": 30}]}}
      """;

  private final TolerantSerialization tolerant = new TolerantSerialization();

  @Test
  void fabric8sDefaultSerializationFailsOnAnUnknownField() {
    // The defect of issue #11: this exception in an informer stopped the whole operator.
    assertThatThrownBy(() -> new KubernetesSerialization().unmarshal(POLICY, RoutingPolicy.class))
        .hasRootCauseInstanceOf(UnrecognizedPropertyException.class)
        .rootCause()
        .hasMessageContaining("Unrecognized field \"futureFeature\"");
  }

  @Test
  void readsWhatItKnowsAndRecordsThePathsOfWhatItDoesNot() {
    RoutingPolicy policy = tolerant.unmarshal(POLICY, RoutingPolicy.class);

    assertThat(policy.getSpec().getStrategy()).isEqualTo("priority");
    assertThat(policy.getSpec().getRetry().getMaxAttempts()).isEqualTo(3);
    assertThat(policy.getSpec().getRetry().getRetryOn()).containsExactly("timeout");
    // Unknown metadata is kept by Fabric8's own types and is not this operator's concern.
    assertThat(TolerantSerialization.unknownFields(policy))
        .containsExactly("spec.futureFeature", "spec.retry.maxAtempts");
  }

  /**
   * A version read elsewhere with the same spec — the object the API server answers a finalizer or
   * status write with, held by a reconcile before the informer has read that version — still has
   * the unknown fields of its generation; another generation (the spec changed) does not.
   */
  @Test
  void aLaterVersionWithTheSameGenerationHasTheSameUnknownFields() {
    String versioned =
        POLICY.replace(
            "\"resourceVersion\": \"7\"", "\"resourceVersion\": \"7\", \"generation\": 1");
    RoutingPolicy read = tolerant.unmarshal(versioned, RoutingPolicy.class);
    RoutingPolicy metadataWritten = new KubernetesSerialization().clone(read);
    metadataWritten.getMetadata().setResourceVersion("8");
    RoutingPolicy specChanged = new KubernetesSerialization().clone(read);
    specChanged.getMetadata().setResourceVersion("9");
    specChanged.getMetadata().setGeneration(2L);

    assertThat(TolerantSerialization.unknownFields(metadataWritten))
        .containsExactly("spec.futureFeature", "spec.retry.maxAtempts");
    assertThat(TolerantSerialization.unknownFields(specChanged)).isEmpty();
  }

  @Test
  void pathsInsideListsNameTheIndexAndEachResourceGetsItsOwn() {
    String list = "[" + ROUTE.formatted("list-0") + "," + ROUTE.formatted("list-1") + "]";
    List<ModelRoute> routes =
        tolerant.unmarshal(
            new ByteArrayInputStream(list.getBytes(StandardCharsets.UTF_8)),
            new TypeReference<List<ModelRoute>>() {});

    assertThat(routes).hasSize(2);
    assertThat(routes.get(1).getSpec().getTargets().get(1).getProviderRef().getName())
        .isEqualTo("b");
    // Not "[1].spec…": the path starts at the resource.
    routes.forEach(
        route ->
            assertThat(TolerantSerialization.unknownFields(route))
                .containsExactly(
                    "spec.targets[1].providerRef.namespace", "spec.targets[1].wieght"));
  }

  @Test
  void watchEventsAreReadTolerantlyToo() {
    tolerant.registerKubernetesResource(ModelRoute.class);
    WatchEvent event =
        tolerant.unmarshal(
            "{\"type\": \"MODIFIED\", \"object\": " + ROUTE.formatted("watch") + "}",
            WatchEvent.class);

    assertThat(event.getObject()).isInstanceOf(ModelRoute.class);
    assertThat(TolerantSerialization.unknownFields((ModelRoute) event.getObject()))
        .containsExactly("spec.targets[1].providerRef.namespace", "spec.targets[1].wieght");
  }

  @Test
  void aCloneOfTheSameVersionStillHasThemAndALaterVersionWithoutThemHasNone() {
    ModelRoute route = tolerant.unmarshal(ROUTE.formatted("clone"), ModelRoute.class);

    ModelRoute copy = tolerant.clone(route);
    assertThat(TolerantSerialization.unknownFields(copy)).hasSize(2);

    ModelRoute fixed = tolerant.clone(route);
    fixed.getMetadata().setResourceVersion("4");
    ModelRoute fixedRead = tolerant.unmarshal(tolerant.asJson(fixed), ModelRoute.class);
    assertThat(TolerantSerialization.unknownFields(fixedRead)).isEmpty();
    // A recreated resource of the same name (new uid) starts clean as well.
    route.getMetadata().setUid("u-recreated");
    assertThat(TolerantSerialization.unknownFields(route)).isEmpty();
  }
}
