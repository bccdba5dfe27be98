package dev.switchboard.kubemock;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.MockResponse;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * Makes the CRUD store's answers look like a real API server's where clients depend on it. The
 * store labels no answer with a {@code Content-Type}, and client-go decodes an answer by that
 * header (without one, by its own default: protobuf for typed clients), so Helm and kubectl failed
 * on or misread them. And the store answers every list as {@code kind: List, apiVersion: v1} where
 * an API server names the list's kind and group version ({@code apps/v1 DeploymentList}), which
 * typed clients and Helm's {@code lookup} read the list by.
 */
final class StoreAnswers {

  /** The list kind ({@code DeploymentList}) of a group, version and resource, when known. */
  interface ListKinds {
    Optional<String> listKind(String group, String version, String plural);
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String GENERIC_LIST = "List";

  private StoreAnswers() {}

  /**
   * The store's answer to a request for {@code path} (without its query) as an API server gives it:
   * a JSON body labelled {@code application/json}; a list of a collection named by its kind and
   * group version (its {@code metadata.resourceVersion}, the store's current version, is kept).
   */
  static MockResponse likeAnApiServer(
      HttpMethod method, boolean watch, String path, MockResponse answer, ListKinds kinds) {
    if (answer.getWebSocketListener() != null || answer.getBody() == null) {
      return answer;
    }
    byte[] body = answer.getBody().getBytes();
    if (!looksLikeJson(body)) {
      return answer;
    }
    if (answer.header("Content-Type") == null) {
      answer.setHeader("Content-Type", "application/json");
    }
    if (answer.code() >= 400) {
      return withReason(method, answer, body);
    }
    if (method != HttpMethod.GET || watch || answer.code() != 200) {
      return answer;
    }
    Optional<Collection> collection = Collection.of(path);
    if (collection.isEmpty()) {
      return answer;
    }
    JsonNode list;
    try {
      list = JSON.readTree(body);
    } catch (IOException e) {
      return answer;
    }
    if (!(list instanceof ObjectNode object)
        || !GENERIC_LIST.equals(object.path("kind").asText())
        || !object.path("items").isArray()) {
      return answer;
    }
    Collection c = collection.get();
    Optional<String> listKind =
        kinds
            .listKind(c.group(), c.version(), c.plural())
            .or(() -> itemKind(object).map(kind -> kind + GENERIC_LIST));
    if (listKind.isEmpty()) {
      return answer;
    }
    object.put("kind", listKind.get());
    object.put("apiVersion", c.group().isEmpty() ? c.version() : c.group() + "/" + c.version());
    try {
      answer.setBody(JSON.writeValueAsString(object));
    } catch (JsonProcessingException e) {
      return answer;
    }
    return answer;
  }

  /**
   * The store's error Status says {@code reason: Invalid} whatever went wrong; an API server gives
   * the reason of the failure, and clients act on it (client-go's {@code IsAlreadyExists} is how
   * Helm skips a CRD that is installed already, {@code IsConflict} how controllers retry).
   */
  private static MockResponse withReason(HttpMethod method, MockResponse answer, byte[] body) {
    String reason =
        switch (answer.code()) {
          case 400 -> "BadRequest";
          case 404 -> "NotFound";
          case 405 -> "MethodNotAllowed";
          case 409 -> method == HttpMethod.POST ? "AlreadyExists" : "Conflict";
          case 410 -> "Expired";
          case 415 -> "UnsupportedMediaType";
          case 500 -> "InternalError";
          default -> null;
        };
    if (reason == null) {
      return answer;
    }
    try {
      if (JSON.readTree(body) instanceof ObjectNode status
          && "Status".equals(status.path("kind").asText())
          && "Invalid".equals(status.path("reason").asText())) {
        status.put("reason", reason);
        answer.setBody(JSON.writeValueAsString(status));
      }
    } catch (IOException e) {
      // Not a Status after all: the answer stands as the store gave it.
    }
    return answer;
  }

  private static Optional<String> itemKind(ObjectNode list) {
    JsonNode first = list.path("items").path(0).path("kind");
    return first.isTextual() && !first.asText().isEmpty()
        ? Optional.of(first.asText())
        : Optional.empty();
  }

  private static boolean looksLikeJson(byte[] body) {
    for (byte b : body) {
      if (b == '{' || b == '[') {
        return true;
      }
      if (!Character.isWhitespace(b)) {
        return false;
      }
    }
    return false;
  }

  /** A collection path: {@code /api/v1[/namespaces/NS]/PLURAL} or {@code /apis/G/V[/...]}. */
  record Collection(String group, String version, String plural) {

    static Optional<Collection> of(String path) {
      String group;
      String version;
      List<String> rest;
      if (path.startsWith("/api/")) {
        List<String> segments = List.of(path.substring("/api/".length()).split("/"));
        if (segments.size() < 2) {
          return Optional.empty();
        }
        group = "";
        version = segments.get(0);
        rest = segments.subList(1, segments.size());
      } else if (path.startsWith("/apis/")) {
        List<String> segments = List.of(path.substring("/apis/".length()).split("/"));
        if (segments.size() < 3) {
          return Optional.empty();
        }
        group = segments.get(0);
        version = segments.get(1);
        rest = segments.subList(2, segments.size());
      } else {
        return Optional.empty();
      }
      if (rest.size() == 3 && rest.get(0).equals("namespaces")) {
        rest = rest.subList(2, 3);
      }
      if (rest.size() != 1 || rest.get(0).isEmpty()) {
        return Optional.empty(); // an object, a subresource, or no resource at all
      }
      return Optional.of(new Collection(group, version, rest.get(0)));
    }
  }
}
