package dev.switchboard.kubemock;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentList;
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
 * A list is answered as a real API server answers it: {@code kind: <Kind>List}, the group version's
 * {@code apiVersion}, a {@code metadata.resourceVersion}, and {@code Content-Type:
 * application/json}. client-go decodes an answer by its Content-Type (its own default, protobuf,
 * when there is none) and reads a generic {@code kind: List} of a typed request as nothing: Helm's
 * {@code lookup} and kubectl saw empty lists.
 */
class ListAnswersTest {

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
  void aBuiltInListNamesItsKindGroupVersionAndResourceVersion() throws Exception {
    api.client()
        .apps()
        .deployments()
        .resource(
            new DeploymentBuilder()
                .withNewMetadata()
                .withName("gateway")
                .endMetadata()
                .withNewSpec()
                .withReplicas(5)
                .endSpec()
                .build())
        .create();

    HttpResponse<String> answer = get("/apis/apps/v1/namespaces/default/deployments");

    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/json");
    JsonNode list = JSON.readTree(answer.body());
    assertThat(list.path("kind").asText()).isEqualTo("DeploymentList");
    assertThat(list.path("apiVersion").asText()).isEqualTo("apps/v1");
    assertThat(list.at("/metadata/resourceVersion").asText()).isNotEmpty();
    assertThat(list.path("items")).hasSize(1);
    assertThat(list.at("/items/0/spec/replicas").asInt()).isEqualTo(5);

    DeploymentList typed = api.client().apps().deployments().inNamespace("default").list();
    assertThat(typed.getItems())
        .singleElement()
        .satisfies(d -> assertThat(d.getSpec().getReplicas()).isEqualTo(5));
    assertThat(typed.getMetadata().getResourceVersion()).isNotEmpty();
  }

  @Test
  void aCoreListIsVersionV1AndAnEmptyListStillHasItsItemsAndVersion() throws Exception {
    api.client()
        .configMaps()
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName("settings")
                .endMetadata()
                .withData(Map.of("a", "1"))
                .build())
        .create();

    JsonNode configMaps = JSON.readTree(get("/api/v1/namespaces/default/configmaps").body());
    assertThat(configMaps.path("kind").asText()).isEqualTo("ConfigMapList");
    assertThat(configMaps.path("apiVersion").asText()).isEqualTo("v1");
    assertThat(configMaps.path("items")).hasSize(1);

    HttpResponse<String> empty = get("/apis/apps/v1/namespaces/elsewhere/deployments");
    assertThat(empty.headers().firstValue("Content-Type")).hasValue("application/json");
    JsonNode none = JSON.readTree(empty.body());
    assertThat(none.path("kind").asText()).isEqualTo("DeploymentList");
    assertThat(none.path("apiVersion").asText()).isEqualTo("apps/v1");
    assertThat(none.path("items").isArray()).as("%s", none).isTrue();
    assertThat(none.path("items")).isEmpty();
    assertThat(none.at("/metadata/resourceVersion").asText()).isNotEmpty();
  }

  @Test
  void aCustomResourceListIsNamedByItsCrdsListKind() throws Exception {
    try (InputStream crd =
        getClass().getResourceAsStream("/crds/widgets.test.switchboard.dev.yaml")) {
      api.installCrds(crd);
    }
    api.client()
        .genericKubernetesResources("test.switchboard.dev/v1", "Widget")
        .resource(
            new GenericKubernetesResourceBuilder()
                .withApiVersion("test.switchboard.dev/v1")
                .withKind("Widget")
                .withNewMetadata()
                .withName("w1")
                .endMetadata()
                .withAdditionalProperties(Map.of("spec", Map.of("size", 3)))
                .build())
        .create();

    HttpResponse<String> answer = get("/apis/test.switchboard.dev/v1/namespaces/default/widgets");
    JsonNode list = JSON.readTree(answer.body());
    assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(list.path("kind").asText()).isEqualTo("WidgetList");
    assertThat(list.path("apiVersion").asText()).isEqualTo("test.switchboard.dev/v1");
    assertThat(list.path("items")).hasSize(1);

    GenericKubernetesResourceList generic =
        api.client()
            .genericKubernetesResources("test.switchboard.dev/v1", "Widget")
            .inNamespace("default")
            .list();
    assertThat(generic.getItems())
        .extracting(GenericKubernetesResource::getKind)
        .containsExactly("Widget");
  }

  @Test
  void anObjectIsAnsweredAsJsonToo() throws Exception {
    api.client()
        .configMaps()
        .resource(new ConfigMapBuilder().withNewMetadata().withName("one").endMetadata().build())
        .create();

    HttpResponse<String> answer = get("/api/v1/namespaces/default/configmaps/one");

    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(JSON.readTree(answer.body()).path("kind").asText()).isEqualTo("ConfigMap");
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(api.url() + path)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
