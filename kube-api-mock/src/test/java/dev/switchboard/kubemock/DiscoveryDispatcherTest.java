package dev.switchboard.kubemock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.fabric8.kubernetes.api.model.APIGroupList;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.api.model.APIVersions;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.GroupVersionForDiscovery;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The discovery documents and request fixes that make kubectl usable against the mock. */
class DiscoveryDispatcherTest {

  private final KubernetesSerialization serialization = new KubernetesSerialization();
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private EmbeddedKubernetesApi api;

  @BeforeEach
  void start() {
    api = EmbeddedKubernetesApi.start();
  }

  @AfterEach
  void stop() {
    api.close();
  }

  @Test
  void coreGroupListsConfigMapsAndSecrets() throws Exception {
    assertThat(read("/api?timeout=32s", APIVersions.class).getVersions()).containsExactly("v1");

    APIResourceList core = read("/api/v1", APIResourceList.class);

    assertThat(core.getGroupVersion()).isEqualTo("v1");
    assertThat(core.getResources())
        .filteredOn(resource -> resource.getName().equals("configmaps"))
        .singleElement()
        .satisfies(
            configMaps -> {
              assertThat(configMaps.getKind()).isEqualTo("ConfigMap");
              assertThat(configMaps.getNamespaced()).isTrue();
              assertThat(configMaps.getShortNames()).containsExactly("cm");
              assertThat(configMaps.getVerbs()).contains("get", "list", "watch", "patch");
            });
    assertThat(core.getResources()).extracting(APIResource::getName).contains("secrets");
  }

  @Test
  void installedCrdAppearsInGroupDiscoveryWithItsStatusSubresource() throws Exception {
    assertThat(read("/apis", APIGroupList.class).getGroups())
        .extracting(group -> group.getName())
        .contains("apiextensions.k8s.io")
        .doesNotContain("test.switchboard.dev");
    assertThat(get("/apis/test.switchboard.dev/v1").statusCode()).isEqualTo(404);

    installWidgets();

    assertThat(read("/apis", APIGroupList.class).getGroups())
        .filteredOn(group -> group.getName().equals("test.switchboard.dev"))
        .singleElement()
        .satisfies(
            group ->
                assertThat(group.getPreferredVersion())
                    .extracting(GroupVersionForDiscovery::getGroupVersion)
                    .isEqualTo("test.switchboard.dev/v1"));
    APIResourceList widgets = read("/apis/test.switchboard.dev/v1", APIResourceList.class);
    assertThat(widgets.getResources())
        .extracting(APIResource::getName, APIResource::getKind, APIResource::getNamespaced)
        .containsExactly(tuple("widgets", "Widget", true), tuple("widgets/status", "Widget", true));
  }

  /** Helm maps every manifest of the chart to a resource through discovery before it applies. */
  @Test
  void theKindsTheChartInstallsAreDiscoverable() throws Exception {
    assertThat(read("/apis/rbac.authorization.k8s.io/v1", APIResourceList.class).getResources())
        .extracting(APIResource::getKind, APIResource::getNamespaced)
        .contains(
            tuple("Role", true),
            tuple("RoleBinding", true),
            tuple("ClusterRole", false),
            tuple("ClusterRoleBinding", false));
    assertThat(read("/apis/autoscaling/v2", APIResourceList.class).getResources())
        .extracting(APIResource::getName)
        .containsExactly("horizontalpodautoscalers");
    assertThat(read("/apis/policy/v1", APIResourceList.class).getResources())
        .extracting(APIResource::getName)
        .containsExactly("poddisruptionbudgets");
    assertThat(read("/apis/networking.k8s.io/v1", APIResourceList.class).getResources())
        .extracting(APIResource::getName)
        .containsExactly("networkpolicies");
  }

  @Test
  void versionIsAnsweredWithAQueryString() throws Exception {
    HttpResponse<String> version = get("/version?timeout=5s");

    assertThat(version.statusCode()).isEqualTo(200);
    assertThat(version.body()).contains("\"gitVersion\":\"v1.32.0-switchboard-mock\"");
  }

  /**
   * kubectl patch --subresource=status sends ?fieldManager=...; the bare mock ignores the write.
   */
  @Test
  void statusPatchWithAQueryStringIsApplied() throws Exception {
    installWidgets();
    api.client()
        .genericKubernetesResources(Scenarios.WIDGETS)
        .resource(
            new GenericKubernetesResourceBuilder()
                .withApiVersion("test.switchboard.dev/v1")
                .withKind("Widget")
                .withNewMetadata()
                .withName("w1")
                .endMetadata()
                .addToAdditionalProperties("spec", Map.of("size", 1))
                .build())
        .create();

    HttpResponse<String> patched =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        api.url()
                            + "/apis/test.switchboard.dev/v1/namespaces/default/widgets/w1/status"
                            + "?fieldManager=kubectl-patch&timeout=5s"))
                .timeout(Duration.ofSeconds(5))
                .header("Content-Type", "application/merge-patch+json")
                .method(
                    "PATCH",
                    HttpRequest.BodyPublishers.ofString("{\"status\":{\"phase\":\"Ready\"}}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(patched.statusCode()).isBetween(200, 202);
    assertThat(
            api.client()
                .genericKubernetesResources(Scenarios.WIDGETS)
                .withName("w1")
                .get()
                .<Object>get("status", "phase"))
        .isEqualTo("Ready");
  }

  /** Without this the mock fails on the body and the client waits for its timeout. */
  @Test
  void protobufBodiesAreRefusedAtOnce() throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(api.url() + "/api/v1/namespaces/default/configmaps"))
                .timeout(Duration.ofSeconds(5))
                .header("Content-Type", "application/vnd.kubernetes.protobuf")
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {'k', '8', 's', 0, 1}))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(415);
    assertThat(response.body()).contains("JSON only");
  }

  private void installWidgets() throws IOException {
    try (InputStream crd =
        getClass().getResourceAsStream("/crds/widgets.test.switchboard.dev.yaml")) {
      api.installCrds(crd);
    }
  }

  private <T> T read(String path, Class<T> type) throws Exception {
    HttpResponse<String> response = get(path);
    assertThat(response.statusCode()).as("GET %s", path).isEqualTo(200);
    return serialization.unmarshal(response.body(), type);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(api.url() + path)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
