package dev.switchboard.kubemock;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code kubectl get} asks for a {@code meta.k8s.io} Table; custom resources are answered with
 * their CRD's printer columns (before: the plain list, printed as NAME and AGE only).
 */
class TableResponsesTest {

  /** What kubectl 1.32 sends with {@code kubectl get}. */
  static final String KUBECTL_ACCEPT =
      "application/json;as=Table;v=v1;g=meta.k8s.io,"
          + "application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

  private static final String NAMESPACE = "/apis/switchboard.dev/v1alpha1/namespaces/default/";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final AtomicReference<Instant> now = new AtomicReference<>(Instant.now());
  private final Clock clock =
      new Clock() {
        @Override
        public ZoneId getZone() {
          return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
          return this;
        }

        @Override
        public Instant instant() {
          return now.get();
        }
      };
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private EmbeddedKubernetesApi api;

  @BeforeEach
  void start() {
    api = EmbeddedKubernetesApi.start(0, clock);
    SwitchboardResources.create(api);
    fiveMinutesAfterCreationOf(SwitchboardResources.MODEL_ROUTES, "chat");
  }

  /**
   * AGE is relative to the clock: sets it 5 minutes after the resource's creation (each its own:
   * the server stamps creation in whole seconds, and two creations may straddle a second).
   */
  private void fiveMinutesAfterCreationOf(ResourceDefinitionContext kind, String name) {
    String created =
        api.client()
            .genericKubernetesResources(kind)
            .withName(name)
            .get()
            .getMetadata()
            .getCreationTimestamp();
    now.set(Instant.parse(created).plus(Duration.ofMinutes(5)));
  }

  @AfterEach
  void stop() {
    api.close();
  }

  @Test
  void modelRoutesListAsATableOfTheirPrinterColumns() throws Exception {
    JsonNode table = getJson(NAMESPACE + "modelroutes?limit=500", KUBECTL_ACCEPT);

    assertThat(table.path("kind").asText()).isEqualTo("Table");
    assertThat(table.path("apiVersion").asText()).isEqualTo("meta.k8s.io/v1");
    assertThat(column(table, "name"))
        .containsExactly("Name", "Model", "Policy", "Canary", "Ready", "Phase", "Age");
    assertThat(column(table, "type"))
        .containsExactly("string", "string", "string", "integer", "string", "string", "date");
    // Policy is priority 1: only `kubectl get -o wide` shows it.
    assertThat(column(table, "priority")).containsExactly("0", "0", "1", "0", "0", "0", "0");
    assertThat(table.path("rows")).hasSize(1);
    JsonNode row = table.path("rows").get(0);
    assertThat(row.path("cells").toString())
        .isEqualTo("[\"chat\",\"chat-default\",\"standard\",5,\"True\",\"Progressing\",\"5m\"]");
    // The default includeObject=Metadata: the row carries the object's metadata only.
    assertThat(row.path("object").path("kind").asText()).isEqualTo("PartialObjectMetadata");
    assertThat(row.path("object").path("metadata").path("name").asText()).isEqualTo("chat");
    assertThat(row.path("object").has("spec")).isFalse();
  }

  @Test
  void providerEndpointsAndRoutingPoliciesToo() throws Exception {
    fiveMinutesAfterCreationOf(SwitchboardResources.PROVIDER_ENDPOINTS, "openai");
    JsonNode endpoints = getJson(NAMESPACE + "providerendpoints", KUBECTL_ACCEPT);
    assertThat(column(endpoints, "name"))
        .containsExactly("Name", "Base URL", "Provider", "Healthy", "Ready", "Age");
    assertThat(endpoints.path("rows").get(0).path("cells").toString())
        .isEqualTo(
            "[\"openai\",\"https://api.openai.com/v1\",\"openai\",\"True\",\"False\",\"5m\"]");

    fiveMinutesAfterCreationOf(SwitchboardResources.ROUTING_POLICIES, "standard");
    JsonNode policies = getJson(NAMESPACE + "routingpolicies", KUBECTL_ACCEPT);
    assertThat(column(policies, "name"))
        .containsExactly("Name", "Strategy", "Enforced", "Ready", "Age");
    // No status yet: the Enforced and Ready cells are null (kubectl prints them empty).
    assertThat(policies.path("rows").get(0).path("cells").toString())
        .isEqualTo("[\"standard\",\"priority\",null,null,\"5m\"]");
  }

  @Test
  void aSingleObjectIsOneRowAndIncludeObjectObjectCarriesTheWholeObject() throws Exception {
    JsonNode table = getJson(NAMESPACE + "modelroutes/chat?includeObject=Object", KUBECTL_ACCEPT);

    assertThat(table.path("kind").asText()).isEqualTo("Table");
    assertThat(table.path("rows")).hasSize(1);
    JsonNode object = table.path("rows").get(0).path("object");
    assertThat(object.path("kind").asText()).isEqualTo("ModelRoute");
    assertThat(object.path("spec").path("model").asText()).isEqualTo("chat-default");
    assertThat(table.path("metadata").path("resourceVersion").asText())
        .isEqualTo(object.path("metadata").path("resourceVersion").asText());
  }

  @Test
  void aClientThatAcceptsOnlyV1beta1GetsAV1beta1Table() throws Exception {
    JsonNode table =
        getJson(
            NAMESPACE + "modelroutes?includeObject=None",
            "application/json;as=Table;v=v1beta1;g=meta.k8s.io");

    assertThat(table.path("apiVersion").asText()).isEqualTo("meta.k8s.io/v1beta1");
    assertThat(table.path("rows").get(0).has("object")).isFalse();
  }

  @Test
  void withoutATableRequestTheStoreAnswersAsBefore() throws Exception {
    JsonNode list = getJson(NAMESPACE + "modelroutes", "application/json");
    assertThat(list.path("kind").asText()).isNotEqualTo("Table");
    assertThat(list.path("items").get(0).path("spec").path("model").asText())
        .isEqualTo("chat-default");

    // Built-in kinds keep the store's answer even when a Table is asked for.
    JsonNode configMaps = getJson("/api/v1/namespaces/default/configmaps", KUBECTL_ACCEPT);
    assertThat(configMaps.path("kind").asText()).isNotEqualTo("Table");
  }

  @Test
  void aMissingObjectIsStill404() throws Exception {
    HttpResponse<String> response = get(NAMESPACE + "modelroutes/nope", KUBECTL_ACCEPT);
    assertThat(response.statusCode()).isEqualTo(404);
  }

  private static List<String> column(JsonNode table, String field) {
    List<String> values = new ArrayList<>();
    table.path("columnDefinitions").forEach(c -> values.add(c.path(field).asText()));
    return values;
  }

  private JsonNode getJson(String path, String accept) throws Exception {
    HttpResponse<String> response = get(path, accept);
    assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  private HttpResponse<String> get(String path, String accept) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(api.url() + path))
            .timeout(Duration.ofSeconds(5))
            .header("Accept", accept)
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
