package dev.switchboard.kubemock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The mock refuses what a real API server refuses for size, so tests cannot rely on more. */
class ObjectSizeLimitsTest {

  private static EmbeddedKubernetesApi api;
  private static KubernetesClient client;

  @BeforeAll
  static void start() {
    api = EmbeddedKubernetesApi.start();
    client = api.client();
  }

  @AfterAll
  static void stop() {
    api.close();
  }

  @Test
  void aConfigMapOfExactlyOneMebibyteIsStoredAndOneByteMoreIsRefused() {
    String key = "k";
    String fits = "x".repeat(ObjectSizeLimits.DATA_LIMIT_BYTES - key.length());
    client
        .configMaps()
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName("fits")
                .endMetadata()
                .withData(Map.of(key, fits))
                .build())
        .create();
    assertThat(client.configMaps().withName("fits").get().getData().get(key))
        .hasSize(fits.length());

    assertThatThrownBy(
            () ->
                client
                    .configMaps()
                    .resource(
                        new ConfigMapBuilder()
                            .withNewMetadata()
                            .withName("too-big")
                            .endMetadata()
                            .withData(Map.of(key, fits + "y"))
                            .build())
                    .create())
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(422))
        .hasMessageContaining("must have at most 1048576 bytes");
    assertThat(client.configMaps().withName("too-big").get()).isNull();
  }

  @Test
  void binaryDataCountsDecodedAndTogetherWithData() {
    byte[] half = new byte[ObjectSizeLimits.DATA_LIMIT_BYTES / 2];
    var map =
        new ConfigMapBuilder()
            .withNewMetadata()
            .withName("mixed")
            .endMetadata()
            .withData(Map.of("a", "x".repeat(half.length)))
            .withBinaryData(Map.of("b", Base64.getEncoder().encodeToString(half)))
            .build();
    // Two halves plus the keys: two bytes over. An update is refused like a create.
    assertThatThrownBy(() -> client.configMaps().resource(map).create())
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(422));
    map.getData().put("a", "x".repeat(half.length - 2));
    client.configMaps().resource(map).create();
    var stored = client.configMaps().withName("mixed").get();
    stored.getData().put("a", "x".repeat(half.length));
    assertThatThrownBy(() -> client.configMaps().resource(stored).update())
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(422));
  }

  @Test
  void aSecretOverOneMebibyteDecodedIsRefused() {
    byte[] value = new byte[ObjectSizeLimits.DATA_LIMIT_BYTES + 1];
    assertThatThrownBy(
            () ->
                client
                    .secrets()
                    .resource(
                        new SecretBuilder()
                            .withNewMetadata()
                            .withName("big-secret")
                            .endMetadata()
                            .withData(Map.of("k", Base64.getEncoder().encodeToString(value)))
                            .build())
                    .create())
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(422))
        .hasMessageContaining("Secret \"big-secret\" is invalid");
  }

  @Test
  void anObjectBeyondEtcdsRequestLimitIsRefusedWhateverMakesItLarge() {
    // 10,000 owner references as the operator wrote them (~160 bytes each): small data, but an
    // object etcd would not store.
    List<io.fabric8.kubernetes.api.model.OwnerReference> owners =
        IntStream.range(0, 10_000)
            .mapToObj(
                i ->
                    new OwnerReferenceBuilder()
                        .withApiVersion("switchboard.dev/v1alpha1")
                        .withKind("ModelRoute")
                        .withName("route-" + i)
                        .withUid("00000000-0000-0000-0000-" + String.format("%012d", i))
                        .withController(false)
                        .withBlockOwnerDeletion(false)
                        .build())
            .toList();
    assertThatThrownBy(
            () ->
                client
                    .configMaps()
                    .resource(
                        new ConfigMapBuilder()
                            .withNewMetadata()
                            .withName("many-owners")
                            .withOwnerReferences(owners)
                            .endMetadata()
                            .withData(Map.of("k", "v"))
                            .build())
                    .create())
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(500))
        .hasMessageContaining("request is too large");
  }
}
