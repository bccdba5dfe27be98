package dev.switchboard.e2e.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What {@code kubectl apply --validate=strict} asks of a real API server for custom resources: the
 * paths of fields that the CRD's {@code openAPIV3Schema} does not declare. The mock API server
 * stores whatever it is sent, so without this a typo in the local config directory ({@code
 * maxAtempts}) would reach the operator unnoticed; with it the file is reported instead.
 *
 * <p>The schema comes from the CRDs installed in the API, so it is exactly what a cluster with the
 * same CRDs would enforce. Fields under {@code x-kubernetes-preserve-unknown-fields} or {@code
 * additionalProperties: true} are free; {@code apiVersion}, {@code kind} and {@code metadata} are
 * the API server's own and not checked here, and neither are built-in kinds.
 */
final class StrictFieldValidation {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> OBJECT_ENVELOPE = Set.of("apiVersion", "kind", "metadata");

  private final KubernetesClient client;

  StrictFieldValidation(KubernetesClient client) {
    this.client = client;
  }

  /**
   * Paths ({@code spec.retry.maxAtempts}, {@code spec.rateLimits[0].burst}) of the fields of {@code
   * document} its CRD does not know, in document order; empty for built-in kinds and kinds without
   * an installed CRD (the API server rejects those itself).
   */
  List<String> unknownFields(JsonNode document) {
    String apiVersion = document.path("apiVersion").asText();
    int slash = apiVersion.indexOf('/');
    if (slash < 0) {
      return List.of(); // core group: a built-in kind
    }
    Optional<JsonNode> schema =
        schema(
            apiVersion.substring(0, slash),
            apiVersion.substring(slash + 1),
            document.path("kind").asText());
    if (schema.isEmpty()) {
      return List.of();
    }
    List<String> unknown = new ArrayList<>();
    Iterator<Map.Entry<String, JsonNode>> fields = document.fields();
    JsonNode properties = schema.get().path("properties");
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      if (OBJECT_ENVELOPE.contains(field.getKey())) {
        continue;
      }
      if (properties.has(field.getKey())) {
        walk(field.getValue(), properties.get(field.getKey()), field.getKey(), unknown);
      } else if (!freeForm(schema.get())) {
        unknown.add(field.getKey());
      }
    }
    return unknown;
  }

  private Optional<JsonNode> schema(String group, String version, String kind) {
    for (CustomResourceDefinition crd :
        client.apiextensions().v1().customResourceDefinitions().list().getItems()) {
      if (!group.equals(crd.getSpec().getGroup())
          || !kind.equals(crd.getSpec().getNames().getKind())) {
        continue;
      }
      for (CustomResourceDefinitionVersion candidate : crd.getSpec().getVersions()) {
        if (version.equals(candidate.getName())
            && candidate.getSchema() != null
            && candidate.getSchema().getOpenAPIV3Schema() != null) {
          String json =
              client
                  .getKubernetesSerialization()
                  .asJson(candidate.getSchema().getOpenAPIV3Schema());
          try {
            return Optional.of(JSON.readTree(json));
          } catch (java.io.IOException e) {
            throw new IllegalStateException("the CRD schema of " + kind + " is not JSON", e);
          }
        }
      }
    }
    return Optional.empty();
  }

  private static void walk(JsonNode value, JsonNode schema, String path, List<String> unknown) {
    if (value.isObject()) {
      JsonNode properties = schema.path("properties");
      JsonNode additional = schema.path("additionalProperties");
      Iterator<Map.Entry<String, JsonNode>> fields = value.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> field = fields.next();
        String child = path + "." + field.getKey();
        if (properties.has(field.getKey())) {
          walk(field.getValue(), properties.get(field.getKey()), child, unknown);
        } else if (additional.isObject()) {
          walk(field.getValue(), additional, child, unknown);
        } else if (!freeForm(schema)) {
          unknown.add(child);
        }
      }
    } else if (value.isArray() && schema.has("items")) {
      for (int i = 0; i < value.size(); i++) {
        walk(value.get(i), schema.get("items"), path + "[" + i + "]", unknown);
      }
    }
  }

  /** Whether an object schema accepts fields it does not list. */
  private static boolean freeForm(JsonNode schema) {
    return schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)
        || schema.path("additionalProperties").asBoolean(false);
  }
}
