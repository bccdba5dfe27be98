package dev.switchboard.kubemock;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A generated name that is taken is drawn again, up to the API server's eight attempts; when every
 * one is taken the create is refused with the API server's 409 {@code AlreadyExists} for generated
 * names. The suffixes come from a generator the test controls.
 */
class GeneratedNamesTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String EVENTS = "/api/v1/namespaces/default/events";
  private static final String EVENT =
      "{\"apiVersion\":\"v1\",\"kind\":\"Event\",\"metadata\":{\"generateName\":\"chat.\"},"
          + "\"involvedObject\":{\"kind\":\"ModelRoute\",\"name\":\"chat\"},\"reason\":\"Ready\"}";

  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private EmbeddedKubernetesApi api;

  @AfterEach
  void stop() {
    api.close();
  }

  @Test
  void aTakenGeneratedNameIsDrawnAgain() throws Exception {
    // Suffix draws: the first create's, then one collision, then a new name.
    AtomicLong draws = new AtomicLong();
    api =
        EmbeddedKubernetesApi.start(
            0, Clock.systemUTC(), () -> draws.getAndIncrement() < 10 ? 0L : 1L << 62);

    HttpResponse<String> first = post(EVENTS, EVENT);
    HttpResponse<String> second = post(EVENTS, EVENT);

    assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
    assertThat(second.statusCode()).as(second.body()).isEqualTo(201);
    String firstName = JSON.readTree(first.body()).path("metadata").path("name").asText();
    String secondName = JSON.readTree(second.body()).path("metadata").path("name").asText();
    assertThat(firstName).startsWith("chat.").hasSize("chat.".length() + 5);
    assertThat(secondName).startsWith("chat.").isNotEqualTo(firstName);
  }

  @Test
  void whenEveryGeneratedNameIsTakenTheCreateIsAlreadyExists() throws Exception {
    api = EmbeddedKubernetesApi.start(0, Clock.systemUTC(), () -> 0L);
    HttpResponse<String> first = post(EVENTS, EVENT);
    assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
    String name = JSON.readTree(first.body()).path("metadata").path("name").asText();

    HttpResponse<String> refused = post(EVENTS, EVENT);

    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(409);
    JsonNode status = JSON.readTree(refused.body());
    assertThat(status.path("reason").asText()).isEqualTo("AlreadyExists");
    assertThat(status.path("message").asText())
        .isEqualTo(
            "events \""
                + name
                + "\" already exists, the server was not able to generate a unique name for"
                + " the object");
    assertThat(status.path("details").path("kind").asText()).isEqualTo("events");
    assertThat(status.path("details").path("retryAfterSeconds").asInt()).isEqualTo(1);
  }

  private HttpResponse<String> post(String path, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(api.url() + path))
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
