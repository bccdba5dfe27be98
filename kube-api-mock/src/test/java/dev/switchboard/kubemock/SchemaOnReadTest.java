package dev.switchboard.kubemock;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An object is served by the schema its CRD has when it is read, as an API server decodes what it
 * reads from etcd: stored before a CRD declared a default, it is served with it; stored with a
 * field the CRD no longer declares, it is served without it; in a get, a list and a watch alike.
 * What is stored does not change: the field comes back when the CRD declares it again.
 */
class SchemaOnReadTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String API_VERSION = "test.switchboard.dev/v1";
  private static final String DOOHICKEYS =
      "/apis/test.switchboard.dev/v1/namespaces/default/doohickeys";

  /** The first CRD: size and color. */
  private static final String FIRST = crd("color: {type: string}");

  /** The next one: color is gone, mode has a default. */
  private static final String NEXT = crd("mode: {type: string, default: fast}");

  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private EmbeddedKubernetesApi api;

  @BeforeEach
  void start() throws Exception {
    api = EmbeddedKubernetesApi.start();
    install(FIRST);
    HttpResponse<String> created =
        send(
            "POST",
            DOOHICKEYS,
            "{\"apiVersion\":\"test.switchboard.dev/v1\",\"kind\":\"Doohickey\","
                + "\"metadata\":{\"name\":\"d\"},\"spec\":{\"size\":1,\"color\":\"red\"}}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
  }

  @AfterEach
  void stop() {
    api.close();
  }

  @Test
  void aGetIsServedByTheSchemaTheCrdHasNow() throws Exception {
    String storedVersion = get().path("metadata").path("resourceVersion").asText();

    install(NEXT);

    JsonNode read = get();
    assertThat(read.path("spec")).isEqualTo(JSON.readTree("{\"size\":1,\"mode\":\"fast\"}"));
    // Served so, not rewritten: no new version, and the dropped field comes back with its CRD.
    assertThat(read.path("metadata").path("resourceVersion").asText()).isEqualTo(storedVersion);
    install(FIRST);
    assertThat(get().path("spec")).isEqualTo(JSON.readTree("{\"size\":1,\"color\":\"red\"}"));
  }

  @Test
  void listsAndWatchesAreServedByItToo() throws Exception {
    install(NEXT);

    JsonNode list = JSON.readTree(send("GET", DOOHICKEYS, null).body());
    assertThat(list.path("items").path(0).path("spec"))
        .isEqualTo(JSON.readTree("{\"size\":1,\"mode\":\"fast\"}"));

    BlockingQueue<GenericKubernetesResource> events = new LinkedBlockingQueue<>();
    try (Watch watch =
        api.client()
            .genericKubernetesResources(API_VERSION, "Doohickey")
            .inNamespace("default")
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, GenericKubernetesResource resource) {
                    events.add(resource);
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                })) {
      GenericKubernetesResource replayed = events.poll(10, TimeUnit.SECONDS);
      assertThat(replayed).isNotNull();
      assertThat(replayed.<Object>get("spec")).isEqualTo(Map.of("size", 1, "mode", "fast"));
    }
  }

  @Test
  void writingBackWhatWasReadChangesNoGeneration() throws Exception {
    long generation = get().path("metadata").path("generation").asLong();
    install(NEXT);

    JsonNode read = get();
    HttpResponse<String> replaced = send("PUT", DOOHICKEYS + "/d", read.toString());

    assertThat(replaced.statusCode()).as(replaced.body()).isEqualTo(200);
    assertThat(get().path("metadata").path("generation").asLong()).isEqualTo(generation);
  }

  private void install(String crd) {
    api.installCrds(new ByteArrayInputStream(crd.getBytes(StandardCharsets.UTF_8)));
  }

  private JsonNode get() throws Exception {
    HttpResponse<String> got = send("GET", DOOHICKEYS + "/d", null);
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
      request.header("Content-Type", "application/json");
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String crd(String property) {
    return """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: doohickeys.test.switchboard.dev
        spec:
          group: test.switchboard.dev
          scope: Namespaced
          names: {kind: Doohickey, listKind: DoohickeyList, plural: doohickeys, singular: doohickey}
          versions:
            - name: v1
              served: true
              storage: true
              schema:
                openAPIV3Schema:
                  type: object
                  properties:
                    spec:
                      type: object
                      properties:
                        size: {type: integer}
                        %s
        """
        .formatted(property);
  }
}
