package dev.switchboard.kubemock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An error says why, as an API server's Status does: client-go tells an object that exists already
 * ({@code IsAlreadyExists}, how Helm skips an installed CRD) from a stale write ({@code
 * IsConflict}) by the Status {@code reason}, not its code. The store says {@code Invalid} for all.
 */
class ErrorReasonsTest {

  private static final ObjectMapper JSON = new ObjectMapper();

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
  void creatingAnObjectThatExistsIsAlreadyExists() throws Exception {
    String body =
        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"twice\"}}";
    assertThat(post("/api/v1/namespaces/default/configmaps", body).statusCode()).isEqualTo(201);

    HttpResponse<String> again = post("/api/v1/namespaces/default/configmaps", body);

    assertThat(again.statusCode()).isEqualTo(409);
    assertThat(again.headers().firstValue("Content-Type")).hasValue("application/json");
    JsonNode status = JSON.readTree(again.body());
    assertThat(status.path("kind").asText()).isEqualTo("Status");
    assertThat(status.path("reason").asText()).isEqualTo("AlreadyExists");
    assertThat(status.path("code").asInt()).isEqualTo(409);
  }

  @Test
  void aStaleUpdateIsConflict() {
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
            KubernetesClientException.class,
            e -> {
              assertThat(e.getCode()).isEqualTo(409);
              assertThat(e.getStatus().getReason()).isEqualTo("Conflict");
            });
  }

  private HttpResponse<String> post(String path, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(api.url() + path))
            .timeout(Duration.ofSeconds(5))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
