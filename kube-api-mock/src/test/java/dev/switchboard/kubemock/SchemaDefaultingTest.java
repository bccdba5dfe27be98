package dev.switchboard.kubemock;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
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

/**
 * Custom resources are stored with their CRD version's schema defaults, as an API server stores
 * them (structural defaulting), on create, replace and patch; other objects are kept as sent. The
 * CRD {@code gadgets-with-defaults.yaml} has one field per rule.
 */
class SchemaDefaultingTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String GADGETS = "/apis/test.switchboard.dev/v1/namespaces/default/gadgets";

  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private EmbeddedKubernetesApi api;

  @BeforeEach
  void start() throws IOException {
    api = EmbeddedKubernetesApi.start();
    try (InputStream crd = getClass().getResourceAsStream("/crds/gadgets-with-defaults.yaml");
        InputStream widgets =
            getClass().getResourceAsStream("/crds/widgets.test.switchboard.dev.yaml")) {
      api.installCrds(crd);
      api.installCrds(widgets);
    }
  }

  @AfterEach
  void stop() {
    api.close();
  }

  @Test
  void anObjectDefaultCascadesIntoItsChildrensDefaults() throws Exception {
    JsonNode created = create("{\"spec\":{}}");

    JsonNode spec = get("g").path("spec");
    assertThat(spec.path("healthCheck"))
        .isEqualTo(JSON.readTree("{\"interval\":\"15s\",\"unhealthyThreshold\":3}"));
    assertThat(spec.path("mode").asText()).isEqualTo("split");
    assertThat(spec.path("note").asText()).isEqualTo("none");
    // The create's answer is the stored object, as an API server answers it.
    assertThat(created.path("spec")).isEqualTo(spec);
  }

  @Test
  void aPresentObjectGetsTheDefaultsOfItsMissingFieldsOnly() throws Exception {
    create("{\"spec\":{\"healthCheck\":{\"interval\":\"5s\"},\"timeouts\":{}}}");

    JsonNode spec = get("g").path("spec");
    assertThat(spec.path("healthCheck"))
        .isEqualTo(JSON.readTree("{\"interval\":\"5s\",\"unhealthyThreshold\":3}"));
    assertThat(spec.path("timeouts")).isEqualTo(JSON.readTree("{\"total\":\"60s\"}"));
  }

  @Test
  void anAbsentObjectWithoutADefaultIsNotCreated() throws Exception {
    create("{\"spec\":{}}");

    assertThat(get("g").path("spec").has("timeouts")).isFalse();
    // Nor is spec itself when the object has none: it declares no default.
    create("bare", "{}");
    assertThat(get("bare").has("spec")).isFalse();
  }

  @Test
  void arrayItemsAndMapValuesGetTheirDefaults() throws Exception {
    create(
        "{\"spec\":{\"targets\":[{\"name\":\"a\"},{\"name\":\"b\",\"weight\":5}],"
            + "\"headers\":{\"x-team\":{\"value\":\"blue\"},\"x-key\":{\"sensitive\":true}}}}");

    JsonNode spec = get("g").path("spec");
    assertThat(spec.path("targets"))
        .isEqualTo(JSON.readTree("[{\"name\":\"a\",\"weight\":1},{\"name\":\"b\",\"weight\":5}]"));
    assertThat(spec.path("headers"))
        .isEqualTo(
            JSON.readTree(
                "{\"x-team\":{\"value\":\"blue\",\"sensitive\":false},"
                    + "\"x-key\":{\"sensitive\":true}}"));
  }

  @Test
  void anExplicitNullTakesTheDefaultUnlessTheFieldIsNullable() throws Exception {
    create("{\"spec\":{\"mode\":null,\"note\":null,\"healthCheck\":null}}");

    JsonNode spec = get("g").path("spec");
    assertThat(spec.path("mode").asText()).isEqualTo("split");
    assertThat(spec.get("note").isNull()).isTrue();
    assertThat(spec.path("healthCheck").path("interval").asText()).isEqualTo("15s");
  }

  @Test
  void eachServedVersionHasItsOwnDefaults() throws Exception {
    send(
        "POST",
        "/apis/test.switchboard.dev/v2/namespaces/default/gadgets",
        "application/json",
        "{\"apiVersion\":\"test.switchboard.dev/v2\",\"kind\":\"Gadget\","
            + "\"metadata\":{\"name\":\"g2\"},\"spec\":{}}");

    JsonNode stored =
        JSON.readTree(
            send("GET", "/apis/test.switchboard.dev/v2/namespaces/default/gadgets/g2", null, null)
                .body());
    assertThat(stored.path("spec")).isEqualTo(JSON.readTree("{\"mode\":\"failover\"}"));
  }

  @Test
  void aReplacementIsDefaultedAndLeavingOutDefaultedFieldsChangesNothing() throws Exception {
    JsonNode created = create("{\"spec\":{\"mode\":\"mirror\"}}");
    long generation = created.path("metadata").path("generation").asLong();

    // A client that sends its own model, without the fields the server defaulted.
    ObjectNode replacement = (ObjectNode) created.deepCopy();
    ((ObjectNode) replacement.path("spec")).remove("healthCheck");
    ((ObjectNode) replacement.path("spec")).remove("note");
    HttpResponse<String> replaced =
        send("PUT", GADGETS + "/g", "application/json", replacement.toString());

    assertThat(replaced.statusCode()).isEqualTo(200);
    JsonNode stored = get("g");
    assertThat(stored.path("spec")).isEqualTo(created.path("spec"));
    assertThat(stored.path("metadata").path("generation").asLong()).isEqualTo(generation);
    assertThat(stored.path("metadata").path("resourceVersion"))
        .isEqualTo(created.path("metadata").path("resourceVersion"));
  }

  @Test
  void mergePatchResultsAreDefaulted() throws Exception {
    create("{\"spec\":{\"healthCheck\":{\"interval\":\"5s\",\"unhealthyThreshold\":9}}}");

    // Dropping healthCheck brings the schema's back, as on a cluster.
    HttpResponse<String> patched =
        send(
            "PATCH",
            GADGETS + "/g",
            "application/merge-patch+json",
            "{\"spec\":{\"healthCheck\":null,\"targets\":[{\"name\":\"a\"}]}}");

    assertThat(patched.statusCode()).isBetween(200, 202);
    JsonNode spec = get("g").path("spec");
    assertThat(spec.path("healthCheck"))
        .isEqualTo(JSON.readTree("{\"interval\":\"15s\",\"unhealthyThreshold\":3}"));
    assertThat(spec.path("targets")).isEqualTo(JSON.readTree("[{\"name\":\"a\",\"weight\":1}]"));
    assertThat(JSON.readTree(patched.body()).path("spec")).isEqualTo(spec);
  }

  @Test
  void jsonPatchResultsAreDefaulted() throws Exception {
    create("{\"spec\":{\"mode\":\"mirror\",\"targets\":[]}}");

    send(
        "PATCH",
        GADGETS + "/g",
        "application/json-patch+json",
        "[{\"op\":\"remove\",\"path\":\"/spec/mode\"},"
            + "{\"op\":\"add\",\"path\":\"/spec/targets/-\",\"value\":{\"name\":\"b\"}}]");

    JsonNode spec = get("g").path("spec");
    assertThat(spec.path("mode").asText()).isEqualTo("split");
    assertThat(spec.path("targets")).isEqualTo(JSON.readTree("[{\"name\":\"b\",\"weight\":1}]"));
  }

  @Test
  void statusWritesAreDefaultedToo() throws Exception {
    create("{\"spec\":{}}");

    send(
        "PATCH",
        GADGETS + "/g/status",
        "application/merge-patch+json",
        "{\"status\":{\"observedGeneration\":1}}");

    assertThat(get("g").path("status"))
        .isEqualTo(JSON.readTree("{\"phase\":\"Pending\",\"observedGeneration\":1}"));
  }

  @Test
  void kindsWithoutDefaultsAreStoredWithWhatTheyDeclare() throws Exception {
    String widget =
        "{\"apiVersion\":\"test.switchboard.dev/v1\",\"kind\":\"Widget\","
            + "\"metadata\":{\"name\":\"w\"},\"spec\":{\"size\":3}}";
    send(
        "POST",
        "/apis/test.switchboard.dev/v1/namespaces/default/widgets",
        "application/json",
        widget);
    String configMap =
        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"},"
            + "\"data\":{\"spec\":\"{}\"}}";
    send("POST", "/api/v1/namespaces/default/configmaps", "application/json", configMap);

    JsonNode storedWidget =
        JSON.readTree(
            send("GET", "/apis/test.switchboard.dev/v1/namespaces/default/widgets/w", null, null)
                .body());
    assertThat(storedWidget.path("spec")).isEqualTo(JSON.readTree("{\"size\":3}"));
    JsonNode storedConfigMap =
        JSON.readTree(send("GET", "/api/v1/namespaces/default/configmaps/c", null, null).body());
    assertThat(storedConfigMap.path("data")).isEqualTo(JSON.readTree("{\"spec\":\"{}\"}"));
  }

  @Test
  void theTypedClientReadsDefaultedObjects() {
    api.client()
        .genericKubernetesResources("test.switchboard.dev/v1", "Gadget")
        .resource(
            new GenericKubernetesResourceBuilder()
                .withApiVersion("test.switchboard.dev/v1")
                .withKind("Gadget")
                .withNewMetadata()
                .withName("typed")
                .endMetadata()
                .addToAdditionalProperties("spec", Map.of())
                .build())
        .create();

    var read =
        api.client()
            .genericKubernetesResources("test.switchboard.dev/v1", "Gadget")
            .withName("typed")
            .get();
    assertThat(read.<String>get("spec", "healthCheck", "interval")).isEqualTo("15s");
  }

  private JsonNode create(String spec) throws Exception {
    return create("g", spec);
  }

  private JsonNode create(String name, String content) throws Exception {
    ObjectNode object = (ObjectNode) JSON.readTree(content);
    object.put("apiVersion", "test.switchboard.dev/v1").put("kind", "Gadget");
    object.putObject("metadata").put("name", name);
    HttpResponse<String> created = send("POST", GADGETS, "application/json", object.toString());
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    return JSON.readTree(created.body());
  }

  private JsonNode get(String name) throws Exception {
    HttpResponse<String> got = send("GET", GADGETS + "/" + name, null, null);
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
