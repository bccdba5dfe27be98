package dev.switchboard.kubemock;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What an update may not change, refused as the API server refuses it: another object's name or
 * namespace (400, {@code checkName}), another uid (422, field is immutable), the data of a
 * ConfigMap or Secret marked {@code immutable} (422, Forbidden), a Secret's type. A changed
 * creationTimestamp is ignored, as by the API server.
 */
class UpdateRulesTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CONFIG_MAPS = "/api/v1/namespaces/default/configmaps";
  private static final String SECRETS = "/api/v1/namespaces/default/secrets";

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
  void aReplacementNamingAnotherObjectIsABadRequest() throws Exception {
    ObjectNode stored = configMap("c", "{\"a\":\"1\"}", false);
    ObjectNode renamed = stored.deepCopy();
    ((ObjectNode) renamed.path("metadata")).put("name", "d");

    HttpResponse<String> refused = send("PUT", CONFIG_MAPS + "/c", renamed.toString());

    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
    JsonNode status = JSON.readTree(refused.body());
    assertThat(status.path("reason").asText()).isEqualTo("BadRequest");
    assertThat(status.path("message").asText())
        .isEqualTo("the name of the object (d) does not match the name on the URL (c)");
    assertThat(send("GET", CONFIG_MAPS + "/d", null).statusCode()).isEqualTo(404);

    ObjectNode moved = stored.deepCopy();
    ((ObjectNode) moved.path("metadata")).put("namespace", "other");
    HttpResponse<String> elsewhere = send("PUT", CONFIG_MAPS + "/c", moved.toString());
    assertThat(elsewhere.statusCode()).as(elsewhere.body()).isEqualTo(400);
    assertThat(JSON.readTree(elsewhere.body()).path("message").asText())
        .isEqualTo(
            "the namespace of the object (other) does not match the namespace on the request"
                + " (default)");

    HttpResponse<String> patched =
        send(
            "PATCH",
            CONFIG_MAPS + "/c",
            "application/merge-patch+json",
            "{\"metadata\":{\"name\":\"e\"}}");
    assertThat(patched.statusCode()).as(patched.body()).isEqualTo(400);
  }

  @Test
  void aChangedUidIsRefusedAndACreationTimestampIsKept() throws Exception {
    ObjectNode stored = configMap("c", "{\"a\":\"1\"}", false);
    ObjectNode changed = stored.deepCopy();
    ((ObjectNode) changed.path("metadata")).put("uid", "00000000-0000-0000-0000-000000000001");

    HttpResponse<String> refused = send("PUT", CONFIG_MAPS + "/c", changed.toString());

    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(422);
    JsonNode status = JSON.readTree(refused.body());
    assertThat(status.path("reason").asText()).isEqualTo("Invalid");
    assertThat(status.path("message").asText())
        .isEqualTo(
            "ConfigMap \"c\" is invalid: metadata.uid: Invalid value:"
                + " \"00000000-0000-0000-0000-000000000001\": field is immutable");
    assertThat(get(CONFIG_MAPS + "/c").path("metadata").path("uid"))
        .isEqualTo(stored.path("metadata").path("uid"));

    // Without a uid the stored one is kept; a creationTimestamp sent is ignored.
    ObjectNode withoutUid = stored.deepCopy();
    ((ObjectNode) withoutUid.path("metadata"))
        .put("creationTimestamp", "2001-01-01T00:00:00Z")
        .remove("uid");
    ((ObjectNode) withoutUid.path("data")).put("a", "2");
    HttpResponse<String> replaced = send("PUT", CONFIG_MAPS + "/c", withoutUid.toString());
    assertThat(replaced.statusCode()).as(replaced.body()).isEqualTo(200);
    JsonNode now = get(CONFIG_MAPS + "/c");
    assertThat(now.path("data").path("a").asText()).isEqualTo("2");
    assertThat(now.path("metadata").path("uid")).isEqualTo(stored.path("metadata").path("uid"));
    assertThat(now.path("metadata").path("creationTimestamp"))
        .isEqualTo(stored.path("metadata").path("creationTimestamp"));
  }

  @Test
  void anImmutableConfigMapKeepsItsData() throws Exception {
    ObjectNode stored = configMap("c", "{\"a\":\"1\"}", true);

    HttpResponse<String> refused =
        send(
            "PATCH",
            CONFIG_MAPS + "/c",
            "application/merge-patch+json",
            "{\"data\":{\"a\":\"2\"},\"immutable\":false}");

    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(422);
    JsonNode status = JSON.readTree(refused.body());
    assertThat(status.path("message").asText())
        .isEqualTo(
            "ConfigMap \"c\" is invalid: [immutable: Forbidden: field is immutable when"
                + " `immutable` is set, data: Forbidden: field is immutable when `immutable` is"
                + " set]");
    assertThat(status.path("details").path("causes").path(1).path("reason").asText())
        .isEqualTo("FieldValueForbidden");
    assertThat(get(CONFIG_MAPS + "/c").path("data")).isEqualTo(stored.path("data"));

    // Its metadata may still change.
    HttpResponse<String> labelled =
        send(
            "PATCH",
            CONFIG_MAPS + "/c",
            "application/merge-patch+json",
            "{\"metadata\":{\"labels\":{\"team\":\"blue\"}}}");
    assertThat(labelled.statusCode()).as(labelled.body()).isBetween(200, 202);
  }

  @Test
  void anImmutableSecretKeepsItsDataAndNoSecretChangesItsType() throws Exception {
    send(
        "POST",
        SECRETS,
        "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"s\"},"
            + "\"type\":\"Opaque\",\"immutable\":true,\"data\":{\"k\":\"dg==\"}}");

    HttpResponse<String> refused =
        send(
            "PATCH",
            SECRETS + "/s",
            "application/merge-patch+json",
            "{\"data\":{\"k\":\"dzI=\"},\"type\":\"kubernetes.io/tls\"}");

    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(422);
    assertThat(JSON.readTree(refused.body()).path("message").asText())
        .isEqualTo(
            "Secret \"s\" is invalid: [type: Invalid value: \"kubernetes.io/tls\": field is"
                + " immutable, data: Forbidden: field is immutable when `immutable` is set]");
    assertThat(get(SECRETS + "/s").path("data").path("k").asText()).isEqualTo("dg==");
  }

  private ObjectNode configMap(String name, String data, boolean immutable) throws Exception {
    HttpResponse<String> created =
        send(
            "POST",
            CONFIG_MAPS,
            "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\""
                + name
                + "\"},\"data\":"
                + data
                + (immutable ? ",\"immutable\":true}" : "}"));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    return (ObjectNode) get(CONFIG_MAPS + "/" + name);
  }

  private JsonNode get(String path) throws Exception {
    HttpResponse<String> got = send("GET", path, null);
    assertThat(got.statusCode()).as(got.body()).isEqualTo(200);
    return JSON.readTree(got.body());
  }

  private HttpResponse<String> send(String method, String path, String body) throws Exception {
    return send(method, path, "application/json", body);
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
    if (body != null) {
      request.header("Content-Type", contentType);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
