package dev.switchboard.operator.drift;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.operator.keys.OperatorCredential;
import dev.switchboard.operator.rollout.metrics.GatewayTargets;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/**
 * Asks through a gateway replica's admin port: {@code POST /admin/drift/chat/completions} with
 * {@code x-switchboard-target: provider/model}. The admin port (found like the metrics scrape,
 * through {@link GatewayTargets}) is reachable by the operator and Prometheus only, and it is the
 * only place the gateway lets a caller choose the target. A request no replica takes (none ready in
 * the namespace; each one refusing the connection, without a routing table, or refusing the route
 * or target from another table than the published one the request was planned from) fails with
 * {@link DriftClient.NoGatewayException}, not as the target's failure.
 */
public final class GatewayDriftClient implements DriftClient {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(120);

  /**
   * The error code of a gateway replica that has loaded no routing table yet (503): it serves
   * nothing, so it is as good as absent (gateway-runtime/README.md, errors).
   */
  private static final String NOT_READY = "not_ready";

  /**
   * The header every gateway answer carries, refusals included: the routing table version the
   * replica ran the request on.
   */
  private static final String CONFIG_VERSION_HEADER = "x-switchboard-config-version";

  /** The gateway's code for a model name its table has no route for (404). */
  private static final String MODEL_NOT_FOUND = "model_not_found";

  /** The gateway's {@code param} of a drift request whose target the route does not serve (400). */
  private static final String TARGET_PARAM = "x-switchboard-target";

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
  public Answer ask(
      String namespace, String route, String target, String prompt, String configVersion)
      throws Exception {
    List<URI> replicas = targets.metricsUrls(namespace);
    if (replicas.isEmpty()) {
      throw new NoGatewayException("no gateway replica serves namespace " + namespace);
    }
    ObjectNode body = JSON.createObjectNode().put("model", route).put("temperature", TEMPERATURE);
    body.putArray("messages").addObject().put("role", "user").put("content", prompt);
    String json = body.toString();
    // Any replica will do; spreading by prompt keeps one replica from carrying the whole run. A
    // replica that takes no request (gone in a rollout, not serving a table yet) passes it on to
    // the next: only when none takes it is the attempt short of a gateway.
    int first = Math.floorMod(prompt.hashCode(), replicas.size());
    String missing = null;
    for (int i = 0; i < replicas.size(); i++) {
      URI metrics = replicas.get((first + i) % replicas.size());
      HttpResponse<String> response;
      try {
        response = http.send(request(metrics, target, json), HttpResponse.BodyHandlers.ofString());
      } catch (ConnectException | HttpConnectTimeoutException e) {
        // Not connected, so nothing was sent: the replica is gone or not up yet. (A connection lost
        // after the request was sent, or the 120 s timeout, may have reached the provider: that
        // stays the target's failure.)
        missing = "gateway replica " + metrics.getAuthority() + " took no connection";
        continue;
      }
      JsonNode error = response.statusCode() == 200 ? null : error(response.body());
      if (response.statusCode() == 503
          && error != null
          && NOT_READY.equals(textOrNull(error.get("code")))) {
        missing = "gateway replica " + metrics.getAuthority() + " has loaded no routing table yet";
        continue;
      }
      String served = response.headers().firstValue(CONFIG_VERSION_HEADER).orElse(null);
      if (error != null
          && refusedFromAnotherTable(response.statusCode(), error, served, configVersion)) {
        // The route or target is in the published table the request was planned from, but this
        // replica runs another (it has not loaded that one yet, or already a newer one): it has not
        // said anything about the target. Another replica may have loaded it.
        missing =
            "gateway replica "
                + metrics.getAuthority()
                + " answered HTTP "
                + response.statusCode()
                + " for route "
                + route
                + " from table "
                + served
                + ", not the published "
                + configVersion;
        continue;
      }
      if (error != null) {
        // The gateway's OpenAI-shaped error says why (e.g. the route is not served yet); it never
        // carries a key.
        String why = textOrNull(error.get("message"));
        throw new IllegalStateException(
            "gateway answered HTTP "
                + response.statusCode()
                + (why == null || why.isBlank() ? "" : ": " + why));
      }
      JsonNode answer = JSON.readTree(response.body());
      JsonNode message = answer.path("choices").path(0).path("message");
      String text = message.path("content").asText(message.path("refusal").asText(""));
      return new Answer(
          text, textOrNull(answer.get("model")), textOrNull(answer.get("system_fingerprint")));
    }
    throw new NoGatewayException(
        "no gateway replica of namespace "
            + namespace
            + " took the request ("
            + replicas.size()
            + " asked; last: "
            + missing
            + ")");
  }

  /**
   * Whether a gateway's refusal is its table's and not about the target: the route unknown (404
   * {@code model_not_found}) or the target not the route's (400 on {@code x-switchboard-target})
   * while the replica serves another table version than {@code planned}. Unknown versions say
   * nothing, so such a refusal stays the target's failure.
   */
  private static boolean refusedFromAnotherTable(
      int status, JsonNode error, String served, String planned) {
    if (planned == null || served == null || served.equals(planned)) {
      return false;
    }
    return status == 404 && MODEL_NOT_FOUND.equals(textOrNull(error.get("code")))
        || status == 400 && TARGET_PARAM.equals(textOrNull(error.get("param")));
  }

  private HttpRequest request(URI metrics, String target, String json) {
    return credential
        .authorize(HttpRequest.newBuilder(metrics.resolve("/admin/drift/chat/completions")))
        .timeout(TIMEOUT)
        .header("content-type", "application/json")
        .header("x-switchboard-target", target)
        .POST(HttpRequest.BodyPublishers.ofString(json))
        .build();
  }

  /** The {@code error} object of a gateway's error body; an empty object when there is none. */
  private static JsonNode error(String body) {
    try {
      JsonNode error = JSON.readTree(body).path("error");
      return error.isObject() ? error : JSON.createObjectNode();
    } catch (java.io.IOException | RuntimeException e) {
      return JSON.createObjectNode();
    }
  }

  private static String textOrNull(JsonNode node) {
    return node == null || node.isNull() ? null : node.asText();
  }
}
