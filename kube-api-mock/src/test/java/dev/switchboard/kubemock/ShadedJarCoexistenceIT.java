package dev.switchboard.kubemock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.netty.util.Version;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shaded jar next to Vert.x 5 / Netty 4.2 in one JVM: failsafe runs this against the packaged
 * jar, with the unshaded mock server, Vert.x 4 and Netty 4.1 removed from the classpath and Vert.x
 * 5 added (see the pom).
 */
class ShadedJarCoexistenceIT {

  private static final String SHADED = "dev.switchboard.kubemock.shaded";

  private static Vertx vertx;
  private static HttpServer vertx5Server;
  private static EmbeddedKubernetesApi api;

  @BeforeAll
  static void startVertx5ThenTheApi() throws Exception {
    vertx = Vertx.vertx();
    vertx5Server =
        vertx
            .createHttpServer()
            .requestHandler(request -> request.response().end("vertx5"))
            .listen(0, "127.0.0.1")
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    api = EmbeddedKubernetesApi.start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (api != null) {
      api.close();
    }
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void classpathHoldsVertx5AndNetty42WhileTheMockUsesItsRelocatedCopies() throws Exception {
    assertThat(Vertx.class.getProtectionDomain().getCodeSource().getLocation().toString())
        .contains("vertx-core-5.");
    assertThat(Version.identify()).containsKey("netty-common");
    assertThat(Version.identify().get("netty-common").artifactVersion()).startsWith("4.2.");

    // The mock server came from our jar, and its Vert.x/Netty are the relocated ones.
    assertThat(
            KubernetesMockServer.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toString())
        .contains("switchboard-kube-api-mock")
        .endsWith(".jar");
    ClassLoader loader = getClass().getClassLoader();
    assertThat(Class.forName(SHADED + ".vertx.core.Vertx", false, loader))
        .isNotEqualTo(Vertx.class);
    assertThat(Class.forName(SHADED + ".netty.channel.Channel", false, loader)).isNotNull();
    assertThat(
            Class.forName("io.fabric8.mockwebserver.MockWebServer", false, loader)
                .getMethod("getSelfSignedCertificate")
                .getReturnType()
                .getName())
        .startsWith(SHADED + ".vertx.");
    // The shaded jar contributes no unrelocated Vert.x 4 or Netty 4.1 classes.
    assertThatThrownBy(() -> Class.forName("io.vertx.ext.web.Router", false, loader))
        .isInstanceOf(ClassNotFoundException.class);
  }

  @Test
  void configMapAndSecretCrudWhileVertx5Serves() throws Exception {
    Scenarios.configMapCrud(api.client());
    Scenarios.secretCrud(api.client());
    assertThat(getFromVertx5()).isEqualTo("vertx5");
  }

  @Test
  void informerSeesChangesWhileVertx5Serves() throws Exception {
    Scenarios.informerSeesCreateUpdateDelete(api.newClient());
    assertThat(getFromVertx5()).isEqualTo("vertx5");
  }

  @Test
  void customResourceStatusSubresource() {
    Scenarios.customResourceStatusSubresource(api);
  }

  @Test
  void customResourceSchemaDefaultsAndEstablishedCrds() {
    Scenarios.customResourceSchemaDefaults(api);
  }

  private static String getFromVertx5() throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + vertx5Server.actualPort() + "/"))
            .timeout(Duration.ofSeconds(5))
            .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString()).body();
  }
}
