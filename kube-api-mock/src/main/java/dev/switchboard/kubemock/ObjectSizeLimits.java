package dev.switchboard.kubemock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The size limits a real API server enforces and the Fabric8 mock does not, so that code tested
 * against the mock cannot write what a cluster would refuse: a ConfigMap's {@code data} + {@code
 * binaryData} (keys and values) and a Secret's decoded values are at most 1 MiB (422 Invalid), and
 * no object may exceed etcd's request limit of 1.5 MiB (what metadata such as thousands of owner
 * references runs into).
 */
final class ObjectSizeLimits {

  /** {@code MaxSecretSize} of the API server, used for ConfigMaps and Secrets alike. */
  static final int DATA_LIMIT_BYTES = 1024 * 1024;

  /** etcd's default {@code --max-request-bytes}. */
  static final int OBJECT_LIMIT_BYTES = 1536 * 1024;

  private static final Pattern CORE_OBJECT =
      Pattern.compile("/api/v1/namespaces/[^/]+/(configmaps|secrets)(/[^/]+)?");
  private static final ObjectMapper JSON = new ObjectMapper();

  private ObjectSizeLimits() {}

  /** A refusal for a create or update that a real API server would refuse, else empty. */
  static Optional<MockResponse> check(
      RecordedRequest request, String path, KubernetesSerialization serialization) {
    HttpMethod method = request.method();
    if (method != HttpMethod.POST && method != HttpMethod.PUT && method != HttpMethod.PATCH) {
      return Optional.empty();
    }
    if (request.getBody() == null) {
      return Optional.empty();
    }
    // getBytes does not consume: the CRUD dispatcher reads the same body after this.
    byte[] body = request.getBody().getBytes();
    if (body.length > OBJECT_LIMIT_BYTES) {
      // What a real cluster answers when etcd refuses the write.
      return Optional.of(
          status(serialization, 500, "InternalError", "etcdserver: request is too large"));
    }
    Matcher matcher = CORE_OBJECT.matcher(path);
    if (!matcher.matches() || method == HttpMethod.PATCH) {
      // A patch's final size depends on the stored object; the etcd limit above still applies.
      return Optional.empty();
    }
    JsonNode object;
    try {
      object = JSON.readTree(body);
    } catch (IOException e) {
      return Optional.empty(); // the CRUD dispatcher answers malformed bodies itself
    }
    boolean configMap = matcher.group(1).equals("configmaps");
    long size = configMap ? configMapDataSize(object) : secretDataSize(object);
    if (size <= DATA_LIMIT_BYTES) {
      return Optional.empty();
    }
    String kind = configMap ? "ConfigMap" : "Secret";
    String name = object.path("metadata").path("name").asText("");
    return Optional.of(
        status(
            serialization,
            422,
            "Invalid",
            kind
                + " \""
                + name
                + "\" is invalid: []: Too long: must have at most "
                + DATA_LIMIT_BYTES
                + " bytes"));
  }

  /** As the API server counts it: every key plus every value (binaryData decoded). */
  static long configMapDataSize(JsonNode configMap) {
    long size = 0;
    for (Iterator<Map.Entry<String, JsonNode>> it = configMap.path("data").fields();
        it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      size += utf8(e.getKey()) + utf8(e.getValue().asText(""));
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = configMap.path("binaryData").fields();
        it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      size += utf8(e.getKey()) + decodedLength(e.getValue().asText(""));
    }
    return size;
  }

  /** As the API server counts it: every decoded value ({@code stringData} folds into data). */
  static long secretDataSize(JsonNode secret) {
    long size = 0;
    for (Iterator<JsonNode> it = secret.path("data").elements(); it.hasNext(); ) {
      size += decodedLength(it.next().asText(""));
    }
    for (Iterator<JsonNode> it = secret.path("stringData").elements(); it.hasNext(); ) {
      size += utf8(it.next().asText(""));
    }
    return size;
  }

  private static long decodedLength(String base64) {
    try {
      return Base64.getDecoder().decode(base64).length;
    } catch (IllegalArgumentException e) {
      return utf8(base64);
    }
  }

  private static long utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  private static MockResponse status(
      KubernetesSerialization serialization, int code, String reason, String message) {
    return new MockResponse()
        .setResponseCode(code)
        .setHeader("Content-Type", "application/json")
        .setBody(
            serialization.asJson(
                new StatusBuilder()
                    .withStatus("Failure")
                    .withCode(code)
                    .withReason(reason)
                    .withMessage(message)
                    .build()));
  }
}
