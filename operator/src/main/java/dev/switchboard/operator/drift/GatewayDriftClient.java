package dev.switchboard.operator.drift;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.operator.keys.OperatorCredential;
import dev.switchboard.operator.rollout.metrics.GatewayTargets;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/**
 * Asks through a gateway replica's admin port: {@code POST /admin/drift/chat/completions} with
 * {@code x-switchboard-target: provider/model}. The admin port (found like the metrics scrape,
 * through {@link GatewayTargets}) is reachable by the operator and Prometheus only, and it is the
 * only place the gateway lets a caller choose the target. A request with no replica to take it
 * fails with {@link DriftClient.NoGatewayException}, not as the target's failure.
 */
public final class GatewayDriftClient implements DriftClient {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(120);

  private final GatewayTargets targets;
  private final OperatorCredential credential;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /**
   * @param credential presented to the admin port, which answers drift checks from the operator
   *     whose credential the consumer table names only
   */
  public GatewayDriftClient(GatewayTargets targets, OperatorCredential credential) {
    this.targets = targets;
    this.credential = credential;
  }

  @Override
  public Answer ask(String namespace, String route, String target, String prompt) throws Exception {
    List<URI> replicas = targets.metricsUrls(namespace);
    if (replicas.isEmpty()) {
      throw new NoGatewayException("no gateway replica serves namespace " + namespace);
    }
    // Any replica will do; spreading by prompt keeps one replica from carrying the whole run.
    URI metrics = replicas.get(Math.floorMod(prompt.hashCode(), replicas.size()));
    URI endpoint = metrics.resolve("/admin/drift/chat/completions");
    ObjectNode body = JSON.createObjectNode().put("model", route).put("temperature", TEMPERATURE);
    body.putArray("messages").addObject().put("role", "user").put("content", prompt);
    HttpRequest request =
        credential
            .authorize(HttpRequest.newBuilder(endpoint))
            .timeout(TIMEOUT)
            .header("content-type", "application/json")
            .header("x-switchboard-target", target)
            .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
            .build();
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      // The gateway's OpenAI-shaped error says why (e.g. the route is not served yet); it never
      // carries a key.
      String why = errorMessage(response.body());
      throw new IllegalStateException(
          "gateway answered HTTP " + response.statusCode() + (why == null ? "" : ": " + why));
    }
    JsonNode answer = JSON.readTree(response.body());
    JsonNode message = answer.path("choices").path(0).path("message");
    String text = message.path("content").asText(message.path("refusal").asText(""));
    return new Answer(
        text, textOrNull(answer.get("model")), textOrNull(answer.get("system_fingerprint")));
  }

  private static String errorMessage(String body) {
    try {
      JsonNode message = JSON.readTree(body).path("error").path("message");
      return message.isTextual() && !message.asText().isBlank() ? message.asText() : null;
    } catch (java.io.IOException | RuntimeException e) {
      return null;
    }
  }

  private static String textOrNull(JsonNode node) {
    return node == null || node.isNull() ? null : node.asText();
  }
}
