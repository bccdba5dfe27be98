package dev.switchboard.kubemock;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Custom resources are pruned by their CRD version's structural schema, as an API server prunes
 * them, on create, replace, patch and {@code /status} writes, with a {@code Warning} per dropped
 * field ({@code fieldValidation=Warn}, the default) or a 400 ({@code Strict}). The CRD {@code
 * gizmos-pruning.yaml} has one field per rule.
 */
class SchemaPruningTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String GIZMOS = "/apis/test.switchboard.dev/v1/namespaces/default/gizmos";

  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private EmbeddedKubernetesApi api;

  @BeforeEach
  void start() throws IOException {
    api = EmbeddedKubernetesApi.start();
    try (InputStream crd = getClass().getResourceAsStream("/crds/gizmos-pruning.yaml")) {
      api.installCrds(crd);
    }
  }

  @AfterEach
  void stop() {
    api.close();
  }

  @Test
  void undeclaredFieldsAreDroppedWithAWarningEach() throws Exception {
    HttpResponse<String> created =
        create(
            "g",
            "{\"extra\":1,\"spec\":{\"name\":\"a\",\"nmae\":\"typo\","
                + "\"targets\":[{\"name\":\"x\"},{\"name\":\"y\",\"wieght\":3}]}}");

    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    JsonNode stored = get("g");
    assertThat(stored.has("extra")).isFalse();
    assertThat(stored.path("spec"))
        .isEqualTo(
            JSON.readTree("{\"name\":\"a\",\"targets\":[{\"name\":\"x\"},{\"name\":\"y\"}]}"));
    assertThat(JSON.readTree(created.body()).path("spec")).isEqualTo(stored.path("spec"));
    // One warning per field, sorted, in the API server's words.
    assertThat(created.headers().allValues("Warning"))
        .containsExactly(
            "299 - \"unknown field \\\"extra\\\"\"",
            "299 - \"unknown field \\\"spec.nmae\\\"\"",
            "299 - \"unknown field \\\"spec.targets[1].wieght\\\"\"");
  }

  @Test
  void metadataApiVersionAndKindAreNeverPruned() throws Exception {
    create("g", "{\"spec\":{}}", "{\"name\":\"g\",\"labels\":{\"team\":\"blue\"}}");

    JsonNode stored = get("g");
    assertThat(stored.path("apiVersion").asText()).isEqualTo("test.switchboard.dev/v1");
    assertThat(stored.path("kind").asText()).isEqualTo("Gizmo");
    assertThat(stored.path("metadata").path("labels").path("team").asText()).isEqualTo("blue");
  }

  @Test
  void anEmbeddedResourceKeepsItsTypeAndMetadataAndIsPrunedBelow() throws Exception {
    create(
        "g",
        "{\"spec\":{\"template\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
            + "\"metadata\":{\"name\":\"p\",\"annotations\":{\"a\":\"b\"}},"
            + "\"spec\":{\"replicas\":2,\"paused\":true},\"status\":{}}}}");

    assertThat(get("g").path("spec").path("template"))
        .isEqualTo(
            JSON.readTree(
                "{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
                    + "\"metadata\":{\"name\":\"p\",\"annotations\":{\"a\":\"b\"}},"
                    + "\"spec\":{\"replicas\":2}}"));
  }

  @Test
  void preserveUnknownFieldsKeepsWhatItDoesNotDeclareButPrunesWhatItDeclares() throws Exception {
    HttpResponse<String> created =
        create(
            "g",
            "{\"spec\":{\"config\":{\"anything\":{\"deep\":[1,{\"x\":2}]},"
                + "\"limits\":{\"rpm\":5,\"burst\":9}}}}");

    assertThat(get("g").path("spec").path("config"))
        .isEqualTo(JSON.readTree("{\"anything\":{\"deep\":[1,{\"x\":2}]},\"limits\":{\"rpm\":5}}"));
    assertThat(created.headers().allValues("Warning"))
        .containsExactly("299 - \"unknown field \\\"spec.config.limits.burst\\\"\"");
  }

  @Test
  void preserveUnknownFieldsOnAnArrayKeepsWhatItsItemsDoNotDeclare() throws Exception {
    HttpResponse<String> created =
        create("g", "{\"spec\":{\"plugins\":[{\"name\":\"a\",\"options\":{\"x\":1}}]}}");

    assertThat(get("g").path("spec").path("plugins"))
        .isEqualTo(JSON.readTree("[{\"name\":\"a\",\"options\":{\"x\":1}}]"));
    assertThat(created.headers().allValues("Warning")).isEmpty();
  }

  @Test
  void mapsKeepTheirKeysAndPruneTheirValues() throws Exception {
    // A null value is dropped like a null field: the values' schema is not nullable.
    create(
        "g",
        "{\"spec\":{\"labels\":{\"team\":\"blue\",\"tier\":\"gold\",\"gone\":null},"
            + "\"headers\":{\"x-team\":{\"value\":\"blue\",\"secret\":true}}}}");

    JsonNode spec = get("g").path("spec");
    assertThat(spec.path("labels"))
        .isEqualTo(JSON.readTree("{\"team\":\"blue\",\"tier\":\"gold\"}"));
    assertThat(spec.path("headers")).isEqualTo(JSON.readTree("{\"x-team\":{\"value\":\"blue\"}}"));
  }

  @Test
  void aNullInANonNullableFieldWithoutADefaultIsDroppedSilently() throws Exception {
    HttpResponse<String> created =
        create("g", "{\"spec\":{\"name\":\"a\",\"optional\":null,\"maybe\":null}}");

    JsonNode spec = get("g").path("spec");
    assertThat(spec.has("optional")).isFalse();
    assertThat(spec.get("maybe").isNull()).isTrue();
    assertThat(created.headers().allValues("Warning")).isEmpty();
  }

  @Test
  void replacementsPatchesAndStatusWritesArePrunedToo() throws Exception {
    JsonNode created = JSON.readTree(create("g", "{\"spec\":{\"name\":\"a\"}}").body());
    long generation = created.path("metadata").path("generation").asLong();

    // A replacement that only adds an undeclared field changes nothing, as on a cluster.
    ObjectNode replacement = created.deepCopy();
    ((ObjectNode) replacement.path("spec")).put("future", true);
    HttpResponse<String> replaced =
        send("PUT", GIZMOS + "/g", "application/json", replacement.toString());
    assertThat(replaced.statusCode()).as(replaced.body()).isEqualTo(200);
    assertThat(replaced.headers().allValues("Warning"))
        .containsExactly("299 - \"unknown field \\\"spec.future\\\"\"");
    JsonNode stored = get("g");
    assertThat(stored.path("spec")).isEqualTo(JSON.readTree("{\"name\":\"a\"}"));
    assertThat(stored.path("metadata").path("generation").asLong()).isEqualTo(generation);
    assertThat(stored.path("metadata").path("resourceVersion"))
        .isEqualTo(created.path("metadata").path("resourceVersion"));

    HttpResponse<String> merged =
        send(
            "PATCH",
            GIZMOS + "/g",
            "application/merge-patch+json",
            "{\"spec\":{\"targets\":[{\"name\":\"x\",\"wieght\":1}]}}");
    assertThat(merged.headers().allValues("Warning"))
        .containsExactly("299 - \"unknown field \\\"spec.targets[0].wieght\\\"\"");
    send(
        "PATCH",
        GIZMOS + "/g",
        "application/json-patch+json",
        "[{\"op\":\"add\",\"path\":\"/spec/later\",\"value\":1}]");
    send(
        "PATCH",
        GIZMOS + "/g/status",
        "application/merge-patch+json",
        "{\"status\":{\"phase\":\"Ready\",\"phaze\":\"Ready\"}}");

    stored = get("g");
    assertThat(stored.path("spec"))
        .isEqualTo(JSON.readTree("{\"name\":\"a\",\"targets\":[{\"name\":\"x\"}]}"));
    assertThat(stored.path("status")).isEqualTo(JSON.readTree("{\"phase\":\"Ready\"}"));
  }

  @Test
  void strictFieldValidationRefusesUndeclaredFieldsAndStoresNothing() throws Exception {
    HttpResponse<String> refused =
        create(
            "g", "{\"spec\":{\"nmae\":\"typo\",\"name\":\"a\"}}", null, "?fieldValidation=Strict");

    assertThat(refused.statusCode()).isEqualTo(400);
    JsonNode status = JSON.readTree(refused.body());
    assertThat(status.path("reason").asText()).isEqualTo("BadRequest");
    assertThat(status.path("message").asText())
        .isEqualTo(
            "Gizmo in version \"v1\" cannot be handled as a Gizmo: strict decoding error: "
                + "unknown field \"spec.nmae\"");
    assertThat(send("GET", GIZMOS + "/g", null, null).statusCode()).isEqualTo(404);

    create("g", "{\"spec\":{\"name\":\"a\"}}");
    HttpResponse<String> patch =
        send(
            "PATCH",
            GIZMOS + "/g?fieldValidation=Strict",
            "application/merge-patch+json",
            "{\"spec\":{\"name\":\"b\",\"future\":1}}");
    // A patch is not a body the API server decodes: 422 Invalid on the field "patch".
    assertThat(patch.statusCode()).as(patch.body()).isEqualTo(422);
    JsonNode patchStatus = JSON.readTree(patch.body());
    assertThat(patchStatus.path("reason").asText()).isEqualTo("Invalid");
    assertThat(patchStatus.path("message").asText())
        .startsWith(" \"\" is invalid: patch: Invalid value: \"{")
        .endsWith("}\": strict decoding error: unknown field \"spec.future\"");
    assertThat(patchStatus.path("details").path("causes").path(0).path("field").asText())
        .isEqualTo("patch");
    assertThat(get("g").path("spec").path("name").asText()).isEqualTo("a");
    // The store is not left locked by the refusal.
    HttpResponse<String> ignored =
        send(
            "PATCH",
            GIZMOS + "/g?fieldValidation=Ignore",
            "application/merge-patch+json",
            "{\"spec\":{\"name\":\"c\",\"future\":1}}");
    assertThat(ignored.statusCode()).isBetween(200, 202);
    assertThat(ignored.headers().allValues("Warning")).isEmpty();
    assertThat(get("g").path("spec")).isEqualTo(JSON.readTree("{\"name\":\"c\"}"));
  }

  @Test
  void statusWritesHonourFieldValidationAsOtherWritesDo() throws Exception {
    create("g", "{\"spec\":{\"name\":\"a\"}}");
    send(
        "PATCH",
        GIZMOS + "/g/status",
        "application/merge-patch+json",
        "{\"status\":{\"phase\":\"Pending\"}}");

    // Strict: refused with the field named, nothing stored (patch and replacement alike).
    HttpResponse<String> patch =
        send(
            "PATCH",
            GIZMOS + "/g/status?fieldManager=test&fieldValidation=Strict",
            "application/merge-patch+json",
            "{\"status\":{\"phase\":\"Ready\",\"phaze\":\"Ready\"}}");
    assertThat(patch.statusCode()).as(patch.body()).isEqualTo(422);
    JsonNode refusal = JSON.readTree(patch.body());
    assertThat(refusal.path("reason").asText()).isEqualTo("Invalid");
    assertThat(refusal.path("message").asText())
        .endsWith("strict decoding error: unknown field \"status.phaze\"");
    ObjectNode replacement = get("g").deepCopy();
    ((ObjectNode) replacement.path("status")).put("phase", "Ready").put("phaze", "Ready");
    HttpResponse<String> replaced =
        send(
            "PUT",
            GIZMOS + "/g/status?fieldValidation=Strict",
            "application/json",
            replacement.toString());
    assertThat(replaced.statusCode()).as(replaced.body()).isEqualTo(400);
    assertThat(JSON.readTree(replaced.body()).path("message").asText())
        .contains("unknown field \"status.phaze\"");
    assertThat(get("g").path("status").path("phase").asText()).isEqualTo("Pending");

    // Warn (asked for, as by default): stored pruned, one Warning naming the field.
    HttpResponse<String> warned =
        send(
            "PATCH",
            GIZMOS + "/g/status?fieldValidation=Warn",
            "application/merge-patch+json",
            "{\"status\":{\"phase\":\"Ready\",\"phaze\":\"Ready\"}}");
    assertThat(warned.statusCode()).as(warned.body()).isBetween(200, 202);
    assertThat(warned.headers().allValues("Warning"))
        .containsExactly("299 - \"unknown field \\\"status.phaze\\\"\"");
    assertThat(get("g").path("status")).isEqualTo(JSON.readTree("{\"phase\":\"Ready\"}"));

    // Ignore: pruned silently.
    HttpResponse<String> ignored =
        send(
            "PATCH",
            GIZMOS + "/g/status?fieldValidation=Ignore",
            "application/merge-patch+json",
            "{\"status\":{\"phase\":\"Done\",\"phaze\":\"Done\"}}");
    assertThat(ignored.statusCode()).as(ignored.body()).isBetween(200, 202);
    assertThat(ignored.headers().allValues("Warning")).isEmpty();
    JsonNode stored = get("g");
    assertThat(stored.path("status")).isEqualTo(JSON.readTree("{\"phase\":\"Done\"}"));
    // Still the subresource: the spec is kept as it was.
    assertThat(stored.path("spec")).isEqualTo(JSON.readTree("{\"name\":\"a\"}"));
  }

  private HttpResponse<String> create(String name, String content) throws Exception {
    return create(name, content, null, "");
  }

  private HttpResponse<String> create(String name, String content, String metadata)
      throws Exception {
    return create(name, content, metadata, "");
  }

  private HttpResponse<String> create(String name, String content, String metadata, String query)
      throws Exception {
    ObjectNode object = (ObjectNode) JSON.readTree(content);
    object.put("apiVersion", "test.switchboard.dev/v1").put("kind", "Gizmo");
    if (metadata == null) {
      object.putObject("metadata").put("name", name);
    } else {
      object.set("metadata", JSON.readTree(metadata));
    }
    return send("POST", GIZMOS + query, "application/json", object.toString());
  }

  private JsonNode get(String name) throws Exception {
    HttpResponse<String> got = send("GET", GIZMOS + "/" + name, null, null);
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
