package dev.switchboard.kubemock;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Built-in kinds are decoded into their types as the API server decodes them: a field the type does
 * not declare (the Fabric8 model's properties) is dropped, at the top or nested, and reported by
 * {@code fieldValidation}; declared fields, maps and untyped values are kept as sent.
 */
class BuiltInKindsPruningTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CONFIG_MAPS = "/api/v1/namespaces/default/configmaps";
  private static final String DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments";

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
  void undeclaredFieldsOfABuiltInKindAreDroppedWithAWarningEach() throws Exception {
    HttpResponse<String> created =
        send(
            "POST",
            CONFIG_MAPS,
            "application/json",
            "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"},"
                + "\"data\":{\"a\":\"b\"},\"immutable\":false,\"extra\":1}");

    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    assertThat(created.headers().allValues("Warning"))
        .containsExactly("299 - \"unknown field \\\"extra\\\"\"");
    JsonNode stored = get(CONFIG_MAPS + "/c");
    assertThat(stored.has("extra")).isFalse();
    assertThat(stored.path("data")).isEqualTo(JSON.readTree("{\"a\":\"b\"}"));
    assertThat(stored.path("immutable").asBoolean(true)).isFalse();
  }

  @Test
  void nestedUndeclaredFieldsAreDroppedAndDeclaredOnesKept() throws Exception {
    HttpResponse<String> created =
        send("POST", DEPLOYMENTS, "application/json", deployment("\"replicaz\":2,"));

    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    assertThat(created.headers().allValues("Warning"))
        .containsExactly(
            "299 - \"unknown field \\\"spec.replicaz\\\"\"",
            "299 - \"unknown field \\\"spec.template.spec.containers[0].imagePullPolicyy\\\"\"");
    JsonNode spec = get(DEPLOYMENTS + "/gw").path("spec");
    assertThat(spec.has("replicaz")).isFalse();
    assertThat(spec.path("replicas").asInt()).isEqualTo(1);
    JsonNode container = spec.path("template").path("spec").path("containers").path(0);
    assertThat(container.has("imagePullPolicyy")).isFalse();
    // Declared fields below: an IntOrString, a Quantity, the template's own metadata, a map.
    assertThat(container.path("ports").path(0).path("containerPort").asInt()).isEqualTo(8080);
    assertThat(container.path("resources").path("limits").path("memory").asText())
        .isEqualTo("256Mi");
    assertThat(container.path("readinessProbe").path("httpGet").path("port").asText())
        .isEqualTo("http");
    assertThat(spec.path("template").path("metadata").path("labels").path("app").asText())
        .isEqualTo("gw");
    assertThat(spec.path("selector").path("matchLabels").path("app").asText()).isEqualTo("gw");
  }

  @Test
  void strictRefusesAnUndeclaredFieldOfABuiltInKindAndStoresNothing() throws Exception {
    HttpResponse<String> refused =
        send(
            "POST",
            DEPLOYMENTS + "?fieldValidation=Strict",
            "application/json",
            deployment("\"replicaz\":2,"));

    assertThat(refused.statusCode()).isEqualTo(400);
    JsonNode status = JSON.readTree(refused.body());
    assertThat(status.path("reason").asText()).isEqualTo("BadRequest");
    assertThat(status.path("message").asText())
        .isEqualTo(
            "Deployment in version \"v1\" cannot be handled as a Deployment: strict decoding"
                + " error: unknown field \"spec.replicaz\", unknown field"
                + " \"spec.template.spec.containers[0].imagePullPolicyy\"");
    assertThat(send("GET", DEPLOYMENTS + "/gw", null, null).statusCode()).isEqualTo(404);
  }

  @Test
  void replacementsAndPatchesOfABuiltInKindArePrunedToo() throws Exception {
    send(
        "POST",
        CONFIG_MAPS,
        "application/json",
        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"}}");

    HttpResponse<String> patched =
        send(
            "PATCH",
            CONFIG_MAPS + "/c",
            "application/merge-patch+json",
            "{\"data\":{\"a\":\"b\"},\"dta\":{\"a\":\"b\"}}");

    assertThat(patched.statusCode()).as(patched.body()).isBetween(200, 202);
    assertThat(patched.headers().allValues("Warning"))
        .containsExactly("299 - \"unknown field \\\"dta\\\"\"");
    JsonNode stored = get(CONFIG_MAPS + "/c");
    assertThat(stored.has("dta")).isFalse();
    assertThat(stored.path("data")).isEqualTo(JSON.readTree("{\"a\":\"b\"}"));
  }

  private static String deployment(String extraSpec) {
    return "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"gw\"},"
        + "\"spec\":{"
        + extraSpec
        + "\"replicas\":1,\"selector\":{\"matchLabels\":{\"app\":\"gw\"}},"
        + "\"template\":{\"metadata\":{\"labels\":{\"app\":\"gw\"}},\"spec\":{\"containers\":[{"
        + "\"name\":\"gw\",\"image\":\"gw:1\",\"imagePullPolicyy\":\"Never\","
        + "\"ports\":[{\"name\":\"http\",\"containerPort\":8080}],"
        + "\"resources\":{\"limits\":{\"memory\":\"256Mi\"}},"
        + "\"readinessProbe\":{\"httpGet\":{\"path\":\"/ready\",\"port\":\"http\"}}}]}}}}";
  }

  private JsonNode get(String path) throws Exception {
    HttpResponse<String> got = send("GET", path, null, null);
    assertThat(got.statusCode()).as(got.body()).isEqualTo(200);
    return JSON.readTree(got.body());
  }

  private HttpResponse<String> send(String method, String path, String contentType, String body)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(api.url() + path))
            .timeout(Duration.ofSeconds(10))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
