package dev.switchboard.kubemock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.StatusCause;
import io.fabric8.kubernetes.client.KubernetesClientException;
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
 * Every object's {@code metadata} is checked as an API server checks it ({@link ObjectMetaRules}):
 * undeclared ObjectMeta fields by {@code fieldValidation}, names, namespaces, labels and
 * annotations with a 422 {@code Invalid} naming each field, on create, replacement and patch.
 */
class ObjectMetaRulesTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CONFIG_MAPS = "/api/v1/namespaces/default/configmaps";
  private static final String GIZMOS = "/apis/test.switchboard.dev/v1/namespaces/default/gizmos";
  private static final String SUBDOMAIN_ERROR =
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or"
          + " '.', and must start and end with an alphanumeric character (e.g. 'example.com',"
          + " regex used for validation is"
          + " '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

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
  void aGeneratedNameIsThePrefixAndFiveCharactersAsTheApiServerMakesIt() throws Exception {
    // An event's prefix ends in '.' (the operator's "chat."): the store's own "-<uuid>" suffix made
    // a name whose second label starts with '-', which the name rules then refused on every patch.
    HttpResponse<String> created =
        send(
            "POST",
            CONFIG_MAPS,
            "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
                + "\"metadata\":{\"generateName\":\"chat.\"}}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    String name = JSON.readTree(created.body()).path("metadata").path("name").asText();
    assertThat(name).matches("chat\\.[bcdfghjklmnpqrstvwxz2456789]{5}");
    HttpResponse<String> patched =
        send("PATCH", CONFIG_MAPS + "/" + name, "{\"data\":{\"count\":\"2\"}}");
    assertThat(patched.statusCode() / 100).as(patched.body()).isEqualTo(2); // the mock says 202
    assertThat(get(CONFIG_MAPS + "/" + name).path("data").path("count").asText()).isEqualTo("2");

    // A long prefix is cut to 58 characters, so the name stays within 63.
    String longPrefix = "p".repeat(70);
    HttpResponse<String> cut =
        send(
            "POST",
            CONFIG_MAPS,
            "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
                + "\"metadata\":{\"generateName\":\""
                + longPrefix
                + "\"}}");
    assertThat(cut.statusCode()).as(cut.body()).isEqualTo(201);
    assertThat(JSON.readTree(cut.body()).path("metadata").path("name").asText())
        .hasSize(63)
        .startsWith("p".repeat(58));
  }

  @Test
  void undeclaredMetadataFieldsFollowFieldValidationForBuiltInAndCustomKinds() throws Exception {
    HttpResponse<String> warned =
        send(
            "POST",
            CONFIG_MAPS,
            "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\","
                + "\"labelz\":{\"a\":\"b\"},\"ownerReferences\":[{\"apiVersion\":\"v1\","
                + "\"kind\":\"Secret\",\"name\":\"s\",\"uid\":\"u\",\"controler\":true}]}}");
    assertThat(warned.statusCode()).as(warned.body()).isEqualTo(201);
    assertThat(warned.headers().allValues("Warning"))
        .containsExactly(
            "299 - \"unknown field \\\"metadata.labelz\\\"\"",
            "299 - \"unknown field \\\"metadata.ownerReferences[0].controler\\\"\"");
    JsonNode stored = get(CONFIG_MAPS + "/c");
    assertThat(stored.path("metadata").has("labelz")).isFalse();
    assertThat(stored.path("metadata").path("ownerReferences").get(0).has("controler")).isFalse();
    assertThat(stored.path("metadata").path("ownerReferences").get(0).path("name").asText())
        .isEqualTo("s");

    HttpResponse<String> strict =
        send(
            "POST",
            GIZMOS + "?fieldValidation=Strict",
            "{\"apiVersion\":\"test.switchboard.dev/v1\",\"kind\":\"Gizmo\","
                + "\"metadata\":{\"name\":\"g\",\"lables\":{}},\"spec\":{}}");
    assertThat(strict.statusCode()).as(strict.body()).isEqualTo(400);
    assertThat(JSON.readTree(strict.body()).path("message").asText())
        .isEqualTo(
            "Gizmo in version \"v1\" cannot be handled as a Gizmo: strict decoding error: "
                + "unknown field \"metadata.lables\"");
    assertThat(send("GET", GIZMOS + "/g", null).statusCode()).isEqualTo(404);

    // A patch is judged by its result; Ignore drops silently.
    HttpResponse<String> patched =
        send(
            "PATCH",
            CONFIG_MAPS + "/c?fieldValidation=Ignore",
            "{\"metadata\":{\"annotationz\":{\"a\":\"b\"},\"labels\":{\"a\":\"b\"}}}");
    assertThat(patched.statusCode()).as(patched.body()).isBetween(200, 202);
    assertThat(patched.headers().allValues("Warning")).isEmpty();
    stored = get(CONFIG_MAPS + "/c");
    assertThat(stored.path("metadata").has("annotationz")).isFalse();
    assertThat(stored.path("metadata").path("labels").path("a").asText()).isEqualTo("b");
  }

  @Test
  void namesAreDnsSubdomainsWithTheApiServersInvalidAnswer() throws Exception {
    HttpResponse<String> refused = create(CONFIG_MAPS, "v1", "ConfigMap", "Route_Table", "{}");

    assertThat(refused.statusCode()).isEqualTo(422);
    JsonNode status = JSON.readTree(refused.body());
    assertThat(status.path("reason").asText()).isEqualTo("Invalid");
    assertThat(status.path("code").asInt()).isEqualTo(422);
    assertThat(status.path("message").asText())
        .isEqualTo(
            "ConfigMap \"Route_Table\" is invalid: metadata.name: Invalid value: \"Route_Table\": "
                + SUBDOMAIN_ERROR);
    assertThat(status.path("details").path("name").asText()).isEqualTo("Route_Table");
    assertThat(status.path("details").path("kind").asText()).isEqualTo("ConfigMap");
    assertThat(status.path("details").path("causes"))
        .isEqualTo(
            JSON.createArrayNode()
                .add(
                    JSON.createObjectNode()
                        .put("reason", "FieldValueInvalid")
                        .put("message", "Invalid value: \"Route_Table\": " + SUBDOMAIN_ERROR)
                        .put("field", "metadata.name")));
    assertThat(send("GET", CONFIG_MAPS + "/Route_Table", null).statusCode()).isEqualTo(404);

    // Dots are fine in a subdomain (Event names are "<object>.<hex>"), 253 characters at most.
    assertThat(
            create(
                    "/api/v1/namespaces/default/events",
                    "v1",
                    "Event",
                    "chat.187c1a2b3c4d5e6f",
                    "{\"involvedObject\":{\"name\":\"chat\"}}")
                .statusCode())
        .isEqualTo(201);
    String longest =
        "a".repeat(63) + "." + "b".repeat(63) + "." + "c".repeat(63) + "." + "d".repeat(61);
    assertThat(longest).hasSize(253);
    assertThat(
            create("/api/v1/namespaces/default/secrets", "v1", "Secret", longest, "{}")
                .statusCode())
        .isEqualTo(201);
    HttpResponse<String> tooLong =
        create("/api/v1/namespaces/default/secrets", "v1", "Secret", longest + "d", "{}");
    assertThat(tooLong.statusCode()).isEqualTo(422);
    assertThat(JSON.readTree(tooLong.body()).path("message").asText())
        .endsWith(
            "metadata.name: Invalid value: \""
                + longest
                + "d\": must be no more than 253 characters");

    HttpResponse<String> lease =
        create(
            "/apis/coordination.k8s.io/v1/namespaces/default/leases",
            "coordination.k8s.io/v1",
            "Lease",
            "Switchboard-Operator",
            "{}");
    assertThat(lease.statusCode()).isEqualTo(422);
    assertThat(JSON.readTree(lease.body()).path("message").asText())
        .startsWith(
            "Lease.coordination.k8s.io \"Switchboard-Operator\" is invalid: metadata.name:");
    assertThat(JSON.readTree(lease.body()).path("details").path("group").asText())
        .isEqualTo("coordination.k8s.io");

    HttpResponse<String> gizmo =
        create(GIZMOS, "test.switchboard.dev/v1", "Gizmo", "chat/v2", "{\"spec\":{}}");
    assertThat(gizmo.statusCode()).isEqualTo(422);
    assertThat(JSON.readTree(gizmo.body()).path("message").asText())
        .startsWith("Gizmo.test.switchboard.dev \"chat/v2\" is invalid: metadata.name:");
  }

  @Test
  void namespacesAndServicesAreNamedByDnsLabels() throws Exception {
    HttpResponse<String> namespace =
        create("/api/v1/namespaces", "v1", "Namespace", "team.blue", "{}");
    assertThat(namespace.statusCode()).isEqualTo(422);
    assertThat(JSON.readTree(namespace.body()).path("message").asText())
        .isEqualTo(
            "Namespace \"team.blue\" is invalid: metadata.name: Invalid value: \"team.blue\": a"
                + " lowercase RFC 1123 label must consist of lower case alphanumeric characters or"
                + " '-', and must start and end with an alphanumeric character (e.g. 'my-name', "
                + " or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')");

    HttpResponse<String> service =
        create("/api/v1/namespaces/default/services", "v1", "Service", "1gateway", "{}");
    assertThat(service.statusCode()).isEqualTo(422);
    assertThat(JSON.readTree(service.body()).path("message").asText())
        .contains("a DNS-1035 label must consist of lower case alphanumeric characters or '-',");
    assertThat(
            create("/api/v1/namespaces/default/services", "v1", "Service", "gateway-1", "{}")
                .statusCode())
        .isEqualTo(201);
    // An object's namespace is a DNS label too.
    HttpResponse<String> inNamespace =
        send(
            "POST",
            "/api/v1/namespaces/Team_A/configmaps",
            "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
                + "\"metadata\":{\"name\":\"c\",\"namespace\":\"Team_A\"}}");
    assertThat(inNamespace.statusCode()).isEqualTo(422);
    assertThat(
            JSON.readTree(inNamespace.body())
                .path("details")
                .path("causes")
                .get(0)
                .path("field")
                .asText())
        .isEqualTo("metadata.namespace");
  }

  @Test
  void labelKeysAndValuesAreCheckedAndEveryErrorIsACause() throws Exception {
    HttpResponse<String> refused =
        createConfigMap(
            "c",
            Map.of(
                "labels",
                Map.of("Example.com/route", "x", "route name", "x", "v", "a".repeat(64))));

    assertThat(refused.statusCode()).isEqualTo(422);
    JsonNode status = JSON.readTree(refused.body());
    assertThat(status.path("message").asText())
        .startsWith("ConfigMap \"c\" is invalid: [metadata.labels: Invalid value: ")
        .endsWith("]");
    assertThat(status.path("message").asText())
        .contains(
            "metadata.labels: Invalid value: \"Example.com/route\": prefix part " + SUBDOMAIN_ERROR)
        .contains(
            "metadata.labels: Invalid value: \"route name\": name part must consist of"
                + " alphanumeric characters, '-', '_' or '.', and must start and end with an"
                + " alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex"
                + " used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")
        .contains(
            "metadata.labels: Invalid value: \""
                + "a".repeat(64)
                + "\": must be no more than 63 characters");
    assertThat(status.path("details").path("causes")).hasSize(3);
    status
        .path("details")
        .path("causes")
        .forEach(cause -> assertThat(cause.path("field").asText()).isEqualTo("metadata.labels"));

    HttpResponse<String> badValue = createConfigMap("c", Map.of("labels", Map.of("route", "a/b")));
    assertThat(badValue.statusCode()).isEqualTo(422);
    assertThat(JSON.readTree(badValue.body()).path("message").asText())
        .contains(
            "Invalid value: \"a/b\": a valid label must be an empty string or consist of"
                + " alphanumeric characters, '-', '_' or '.', and must start and end with an"
                + " alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex"
                + " used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");

    HttpResponse<String> valid =
        createConfigMap(
            "c",
            Map.of(
                "labels",
                Map.of(
                    "app.kubernetes.io/name", "switchboard",
                    "switchboard.dev/route", "",
                    "v", "a".repeat(63))));
    assertThat(valid.statusCode()).as(valid.body()).isEqualTo(201);
  }

  @Test
  void annotationKeysIgnoreCaseAndAllAnnotationsTogetherAreAtMost256KiB() throws Exception {
    HttpResponse<String> badKey =
        createConfigMap("c", Map.of("annotations", Map.of("switchboard.dev//version", "x")));
    assertThat(badKey.statusCode()).isEqualTo(422);
    assertThat(JSON.readTree(badKey.body()).path("message").asText())
        .isEqualTo(
            "ConfigMap \"c\" is invalid: metadata.annotations: Invalid value:"
                + " \"switchboard.dev//version\": a qualified name must consist of alphanumeric"
                + " characters, '-', '_' or '.', and must start and end with an alphanumeric"
                + " character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for"
                + " validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional"
                + " DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");

    String key = "Switchboard.dev/Config-Version"; // upper case is fine in an annotation key
    String fits = "x".repeat(ObjectMetaRules.ANNOTATIONS_LIMIT_BYTES - key.length());
    assertThat(createConfigMap("c", Map.of("annotations", Map.of(key, fits))).statusCode())
        .isEqualTo(201);

    HttpResponse<String> tooBig =
        send(
            "PATCH",
            CONFIG_MAPS + "/c",
            JSON.writeValueAsString(Map.of("metadata", Map.of("annotations", Map.of("b", "")))));
    assertThat(tooBig.statusCode()).isEqualTo(422);
    JsonNode status = JSON.readTree(tooBig.body());
    assertThat(status.path("message").asText())
        .isEqualTo(
            "ConfigMap \"c\" is invalid: metadata.annotations: Too long: must have at most 262144"
                + " bytes");
    assertThat(status.path("details").path("causes").get(0).path("reason").asText())
        .isEqualTo("FieldValueTooLong");
    // The patch is refused before it is stored.
    assertThat(get(CONFIG_MAPS + "/c").path("metadata").path("annotations").has("b")).isFalse();
  }

  @Test
  void ownerReferencesNameTheirOwnerFullyAndOneControllerAtMostAndFinalizersAreQualified()
      throws Exception {
    String owner =
        "{\"apiVersion\":\"switchboard.dev/v1alpha1\",\"kind\":\"ModelRoute\",\"name\":\"chat\","
            + "\"uid\":\"u-1\",\"controller\":true}";
    HttpResponse<String> noUid =
        createConfigMap(
            "c",
            Map.of(
                "ownerReferences",
                java.util.List.of(
                    Map.of(
                        "apiVersion",
                        "switchboard.dev/v1alpha1",
                        "kind",
                        "ModelRoute",
                        "name",
                        "chat"))));
    assertThat(noUid.statusCode()).isEqualTo(422);
    assertThat(JSON.readTree(noUid.body()).path("message").asText())
        .isEqualTo(
            "ConfigMap \"c\" is invalid: metadata.ownerReferences.uid: Invalid value: \"\": must"
                + " not be empty");

    HttpResponse<String> twoControllers =
        createConfigMap(
            "c",
            Map.of(
                "ownerReferences",
                java.util.List.of(
                    JSON.readTree(owner), JSON.readTree(owner.replace("chat", "fast")))));
    assertThat(twoControllers.statusCode()).isEqualTo(422);
    assertThat(JSON.readTree(twoControllers.body()).path("message").asText())
        .contains(
            "Only one reference can have Controller set to true. Found \"true\" in references for"
                + " ModelRoute/chat and ModelRoute/fast");

    HttpResponse<String> finalizer =
        createConfigMap("c", Map.of("finalizers", java.util.List.of("switchboard.dev/ cleanup")));
    assertThat(finalizer.statusCode()).isEqualTo(422);
    assertThat(
            JSON.readTree(finalizer.body())
                .path("details")
                .path("causes")
                .get(0)
                .path("field")
                .asText())
        .isEqualTo("metadata.finalizers");

    HttpResponse<String> valid =
        createConfigMap(
            "c",
            Map.of(
                "ownerReferences",
                java.util.List.of(JSON.readTree(owner)),
                "finalizers",
                java.util.List.of("switchboard.dev/cleanup")));
    assertThat(valid.statusCode()).as(valid.body()).isEqualTo(201);
  }

  @Test
  void replacementsAndPatchesAreCheckedThroughTheClient() {
    var client = api.client();
    client
        .configMaps()
        .resource(new ConfigMapBuilder().withNewMetadata().withName("c").endMetadata().build())
        .create();

    assertThatThrownBy(
            () ->
                client
                    .configMaps()
                    .withName("c")
                    .edit(
                        cm ->
                            new ConfigMapBuilder(cm)
                                .editMetadata()
                                .addToLabels("a b", "c")
                                .endMetadata()
                                .build()))
        .isInstanceOfSatisfying(
            KubernetesClientException.class,
            e -> {
              assertThat(e.getCode()).isEqualTo(422);
              assertThat(e.getStatus().getReason()).isEqualTo("Invalid");
              assertThat(e.getStatus().getDetails().getCauses())
                  .extracting(StatusCause::getField)
                  .containsExactly("metadata.labels");
            });
    assertThatThrownBy(
            () ->
                client
                    .configMaps()
                    .resource(
                        new ConfigMapBuilder(client.configMaps().withName("c").get())
                            .editMetadata()
                            .addToAnnotations("/x", "y")
                            .endMetadata()
                            .build())
                    .update())
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(422));
    assertThat(client.configMaps().withName("c").get().getMetadata().getLabels()).isNullOrEmpty();
    assertThat(client.configMaps().withName("c").get().getMetadata().getAnnotations())
        .isNullOrEmpty();
  }

  private HttpResponse<String> createConfigMap(String name, Map<String, Object> metadata)
      throws Exception {
    Map<String, Object> meta = new java.util.HashMap<>(metadata);
    meta.put("name", name);
    return send(
        "POST",
        CONFIG_MAPS,
        JSON.writeValueAsString(Map.of("apiVersion", "v1", "kind", "ConfigMap", "metadata", meta)));
  }

  private HttpResponse<String> create(
      String collection, String apiVersion, String kind, String name, String rest)
      throws Exception {
    var object = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(rest);
    object.put("apiVersion", apiVersion).put("kind", kind).putObject("metadata").put("name", name);
    return send("POST", collection, object.toString());
  }

  private JsonNode get(String path) throws Exception {
    HttpResponse<String> got = send("GET", path, null);
    assertThat(got.statusCode()).as(got.body()).isEqualTo(200);
    return JSON.readTree(got.body());
  }

  private HttpResponse<String> send(String method, String path, String body) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(api.url() + path))
            .timeout(Duration.ofSeconds(10))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      request.header(
          "Content-Type",
          method.equals("PATCH") ? "application/merge-patch+json" : "application/json");
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
