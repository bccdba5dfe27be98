package dev.switchboard.kubemock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Behaviour of {@link EmbeddedKubernetesApi} on the unshaded classpath (the IT repeats it shaded).
 */
class EmbeddedKubernetesApiTest {

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
  void servesOnLoopbackWithClientInDefaultNamespace() {
    assertThat(api.url()).isEqualTo("http://127.0.0.1:" + api.port());
    assertThat(api.port()).isPositive();
    assertThat(api.client().getNamespace()).isEqualTo("default");
    assertThat(api.client().getMasterUrl().toString()).startsWith(api.url());
    assertThat(api.client().getKubernetesVersion().getGitVersion()).startsWith("v1.");
  }

  @Test
  void aForgottenRefusalLetsTheStoreAnswerAgain() {
    ConfigMap map =
        api.client()
            .configMaps()
            .resource(
                new ConfigMapBuilder()
                    .withNewMetadata()
                    .withName("quota")
                    .endMetadata()
                    .addToData("k", "v1")
                    .build())
            .create();
    String path = "/api/v1/namespaces/default/configmaps/quota";
    api.mockServer()
        .expect()
        .put()
        .withPath(path)
        .andReturn(403, "{\"kind\":\"Status\",\"code\":403,\"reason\":\"Forbidden\"}")
        .always();
    map.getData().put("k", "v2");
    assertThatThrownBy(() -> api.client().configMaps().resource(map).update())
        .hasMessageContaining("403");
    assertThatThrownBy(() -> api.client().configMaps().resource(map).update())
        .as("always")
        .hasMessageContaining("403");

    api.forgetExpectation(io.fabric8.mockwebserver.dsl.HttpMethod.PUT, path);

    api.client().configMaps().resource(map).update();
    assertThat(api.client().configMaps().withName("quota").get().getData())
        .containsEntry("k", "v2");
  }

  @Test
  void configMapCrud() {
    Scenarios.configMapCrud(api.client());
  }

  @Test
  void secretCrud() {
    Scenarios.secretCrud(api.client());
  }

  @Test
  void informerByNameSeesCreateUpdateDelete() {
    Scenarios.informerSeesCreateUpdateDelete(api.client());
  }

  @Test
  void customResourceStatusIsASubresourceOnceTheCrdIsInstalled() {
    Scenarios.customResourceStatusSubresource(api);
  }

  @Test
  void customResourcesGetTheirSchemaDefaultsAndCrdsAreEstablished() {
    Scenarios.customResourceSchemaDefaults(api);
  }

  @Test
  void staleUpdateIsRejectedWithConflict() {
    ConfigMap created =
        api.client()
            .configMaps()
            .resource(
                new ConfigMapBuilder()
                    .withNewMetadata()
                    .withName("locked")
                    .endMetadata()
                    .addToData("k", "1")
                    .build())
            .create();
    api.client()
        .configMaps()
        .resource(new ConfigMapBuilder(created).addToData("k", "2").build())
        .update();

    ConfigMap stale = new ConfigMapBuilder(created).addToData("k", "3").build();
    assertThatThrownBy(() -> api.client().configMaps().resource(stale).update())
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));
  }

  @Test
  void deletionWaitsForFinalizers() {
    api.client()
        .configMaps()
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName("guarded")
                .addToFinalizers("switchboard.dev/cleanup")
                .endMetadata()
                .build())
        .create();

    api.client().configMaps().withName("guarded").delete();

    ConfigMap terminating = api.client().configMaps().withName("guarded").get();
    assertThat(terminating).isNotNull();
    assertThat(terminating.getMetadata().getDeletionTimestamp()).isNotBlank();

    api.client()
        .configMaps()
        .withName("guarded")
        .edit(cm -> new ConfigMapBuilder(cm).editMetadata().withFinalizers().endMetadata().build());

    assertThat(api.client().configMaps().withName("guarded").get()).isNull();
  }

  @Test
  void equalityLabelSelectorsFilterLists() {
    for (String tier : List.of("gold", "silver")) {
      api.client()
          .configMaps()
          .resource(
              new ConfigMapBuilder()
                  .withNewMetadata()
                  .withName(tier)
                  .addToLabels("tier", tier)
                  .endMetadata()
                  .build())
          .create();
    }

    assertThat(api.client().configMaps().withLabel("tier", "gold").list().getItems())
        .extracting(cm -> cm.getMetadata().getName())
        .containsExactly("gold");
  }

  /** Documents a limit of the mock: real API servers merge stringData into data, the mock not. */
  @Test
  void secretStringDataIsNotConvertedToData() {
    api.client()
        .secrets()
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("string-data")
                .endMetadata()
                .addToStringData("apiKey", "plain")
                .build())
        .create();

    Secret stored = api.client().secrets().withName("string-data").get();
    assertThat(stored.getData()).as("data").isNullOrEmpty();
    assertThat(stored.getStringData()).containsEntry("apiKey", "plain");
  }

  @Test
  void independentClientsSeeTheSameStore() {
    try (KubernetesClient other = api.newClient()) {
      other
          .configMaps()
          .resource(
              new ConfigMapBuilder().withNewMetadata().withName("shared").endMetadata().build())
          .create();
    }
    assertThat(api.client().configMaps().withName("shared").get()).isNotNull();
  }

  @Test
  void kubeconfigLetsAnotherClientConnect(@TempDir Path dir) throws IOException {
    api.client()
        .configMaps()
        .resource(
            new ConfigMapBuilder().withNewMetadata().withName("visible").endMetadata().build())
        .create();
    Path kubeconfig = dir.resolve("nested/kubeconfig");

    api.writeKubeconfig(kubeconfig);

    Config config = Config.fromKubeconfig(Files.readString(kubeconfig));
    assertThat(config.getMasterUrl()).startsWith(api.url());
    assertThat(config.getNamespace()).isEqualTo("default");
    try (KubernetesClient fromKubeconfig =
        new KubernetesClientBuilder()
            .withConfig(config)
            .withHttpClientFactory(new JdkHttpClientFactory())
            .build()) {
      assertThat(fromKubeconfig.configMaps().withName("visible").get()).isNotNull();
    }
  }

  @Test
  void installsEveryCrdFoundInADirectory(@TempDir Path dir) throws IOException {
    Path nested = Files.createDirectories(dir.resolve("a/b"));
    try (var crd = getClass().getResourceAsStream("/crds/widgets.test.switchboard.dev.yaml")) {
      Files.copy(crd, nested.resolve("widgets.yaml"));
    }
    Files.writeString(dir.resolve("README.md"), "not yaml, ignored");

    api.installCrds(dir);
    api.installCrds(dir); // installing again updates, it does not fail

    assertThat(
            api.client()
                .apiextensions()
                .v1()
                .customResourceDefinitions()
                .withName("widgets.test.switchboard.dev")
                .get())
        .isNotNull();
  }

  @Test
  void refusesDocumentsThatAreNotCrds() {
    String configMap = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: not-a-crd\n";

    assertThatThrownBy(
            () ->
                api.installCrds(
                    new ByteArrayInputStream(configMap.getBytes(StandardCharsets.UTF_8))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("v1/ConfigMap");
    assertThat(api.client().configMaps().withName("not-a-crd").get()).isNull();
  }

  @Test
  void refusesAMissingCrdPath(@TempDir Path dir) {
    assertThatThrownBy(() -> api.installCrds(dir.resolve("missing")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void discardsRecordedRequests() {
    api.client().configMaps().list();
    api.client().configMaps().list();

    assertThat(api.discardRecordedRequests()).isGreaterThanOrEqualTo(2);
    assertThat(api.discardRecordedRequests()).isZero();
  }

  @Test
  void closeStopsTheServerAndIsIdempotent() {
    int port = api.port();

    api.close();
    api.close();

    // The mock server's Vert.x releases the listening socket asynchronously after destroy().
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThatThrownBy(
                        () -> {
                          try (Socket socket = new Socket()) {
                            socket.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
                          }
                        })
                    .isInstanceOf(ConnectException.class));
    assertThatThrownBy(api::newClient).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void rejectsAnImpossiblePort() {
    assertThatThrownBy(() -> EmbeddedKubernetesApi.start(70_000))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
