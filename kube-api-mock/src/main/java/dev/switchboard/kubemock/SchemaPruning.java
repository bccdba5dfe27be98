package dev.switchboard.kubemock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The pruning of one CRD version's structural {@code openAPIV3Schema}, as the API server prunes a
 * custom resource it decodes (apiextensions-apiserver's {@code pruning.PruneWithOptions}, then
 * {@code PruneNonNullableNullsWithoutDefaults}):
 *
 * <ul>
 *   <li>a field that the schema does not declare (in {@code properties}, or as a value of {@code
 *       additionalProperties}) is dropped, and its path ({@code spec.targets[1].wieght}) reported;
 *   <li>{@code apiVersion}, {@code kind} and {@code metadata} are kept at the root and inside an
 *       {@code x-kubernetes-embedded-resource} (metadata is never pruned);
 *   <li>{@code x-kubernetes-preserve-unknown-fields: true} keeps the undeclared fields of its own
 *       level (whole), and of the items of its arrays; declared properties below it are still
 *       pruned by their own schemas;
 *   <li>a {@code null} in a declared field that is not {@code nullable} and has no default is
 *       dropped (one with a default is left for defaulting to replace).
 * </ul>
 */
final class SchemaPruning {

  private static final Set<String> META_FIELDS = Set.of("apiVersion", "kind", "metadata");

  private final Node root;

  private SchemaPruning(Node root) {
    this.root = root;
  }

  /** The pruning of a version's {@code openAPIV3Schema}; null when there is no schema. */
  static SchemaPruning of(JsonNode openApiV3Schema) {
    if (openApiV3Schema == null || !openApiV3Schema.isObject()) {
      return null;
    }
    Node schema = Node.compile(openApiV3Schema);
    // At the resource root apiVersion, kind and metadata are always kept.
    return new SchemaPruning(schema.asEmbeddedResource());
  }

  /** What pruning did to an object. */
  record Pruned(List<String> unknownFields, boolean changed) {}

  /**
   * Drops from {@code object}, in place, the fields the schema does not declare and the
   * non-nullable {@code null}s without a default.
   *
   * @return the paths of the undeclared fields dropped (sorted, as the API server reports them) and
   *     whether anything was dropped
   */
  Pruned prune(ObjectNode object) {
    List<String> unknown = new ArrayList<>(0);
    prune(object, root, new StringBuilder(), unknown);
    unknown.sort(null);
    boolean nullsDropped = dropNulls(object, root);
    return new Pruned(List.copyOf(unknown), nullsDropped || !unknown.isEmpty());
  }

  private static void prune(JsonNode value, Node schema, StringBuilder path, List<String> unknown) {
    if (schema != null && schema.preserveUnknownFields) {
      keepUnknown(value, schema, path, unknown);
      return;
    }
    int length = path.length();
    if (value instanceof ObjectNode object) {
      for (Iterator<Map.Entry<String, JsonNode>> it = object.properties().iterator();
          it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        String key = field.getKey();
        if (schema != null && schema.embeddedResource && META_FIELDS.contains(key)) {
          continue;
        }
        if (schema != null && schema.declares(key)) {
          appendKey(path, key);
          prune(field.getValue(), schema.fieldSchema(key), path, unknown);
        } else {
          appendKey(path, key);
          unknown.add(path.toString());
          it.remove();
        }
        path.setLength(length);
      }
    } else if (value instanceof ArrayNode array) {
      Node items = schema == null ? null : schema.items;
      for (int i = 0; i < array.size(); i++) {
        path.append('[').append(i).append(']');
        prune(array.get(i), items, path, unknown);
        path.setLength(length);
      }
    }
  }

  /** Below {@code x-kubernetes-preserve-unknown-fields}: undeclared fields stay, whole. */
  private static void keepUnknown(
      JsonNode value, Node schema, StringBuilder path, List<String> unknown) {
    if (schema == null) {
      return;
    }
    int length = path.length();
    if (value instanceof ObjectNode object) {
      for (Map.Entry<String, JsonNode> field : object.properties()) {
        String key = field.getKey();
        if (schema.embeddedResource && META_FIELDS.contains(key)) {
          continue;
        }
        if (schema.declares(key)) {
          appendKey(path, key);
          prune(field.getValue(), schema.fieldSchema(key), path, unknown);
          path.setLength(length);
        }
      }
    } else if (value instanceof ArrayNode array) {
      for (int i = 0; i < array.size(); i++) {
        path.append('[').append(i).append(']');
        keepUnknown(array.get(i), schema.items, path, unknown);
        path.setLength(length);
      }
    }
  }

  private static void appendKey(StringBuilder path, String key) {
    if (!path.isEmpty()) {
      path.append('.');
    }
    path.append(key);
  }

  /** Drops non-nullable {@code null}s that have no default; returns whether it dropped any. */
  private static boolean dropNulls(JsonNode value, Node schema) {
    boolean changed = false;
    if (value instanceof ObjectNode object) {
      for (Iterator<Map.Entry<String, JsonNode>> it = object.properties().iterator();
          it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        Node fieldSchema = schema == null ? null : schema.fieldSchema(field.getKey());
        if (field.getValue().isNull()
            && fieldSchema != null
            && !fieldSchema.nullable
            && !fieldSchema.hasDefault) {
          it.remove();
          changed = true;
        } else {
          changed |= dropNulls(field.getValue(), fieldSchema);
        }
      }
    } else if (value instanceof ArrayNode array) {
      Node items = schema == null ? null : schema.items;
      for (JsonNode item : array) {
        changed |= dropNulls(item, items); // a null item itself stays
      }
    }
    return changed;
  }

  /**
   * A structural schema node. {@code additionalProperties: true} declares every field but gives no
   * schema for the values, so objects inside them are emptied, as by the API server.
   */
  private static final class Node {
    private final Map<String, Node> properties;
    private final boolean hasAdditionalProperties;
    private final Node additionalProperties;
    private final Node items;
    private final boolean preserveUnknownFields;
    private final boolean embeddedResource;
    private final boolean nullable;
    private final boolean hasDefault;

    private Node(
        Map<String, Node> properties,
        boolean hasAdditionalProperties,
        Node additionalProperties,
        Node items,
        boolean preserveUnknownFields,
        boolean embeddedResource,
        boolean nullable,
        boolean hasDefault) {
      this.properties = properties;
      this.hasAdditionalProperties = hasAdditionalProperties;
      this.additionalProperties = additionalProperties;
      this.items = items;
      this.preserveUnknownFields = preserveUnknownFields;
      this.embeddedResource = embeddedResource;
      this.nullable = nullable;
      this.hasDefault = hasDefault;
    }

    static Node compile(JsonNode schema) {
      Map<String, Node> properties = new HashMap<>();
      for (Map.Entry<String, JsonNode> property : schema.path("properties").properties()) {
        if (property.getValue().isObject()) {
          properties.put(property.getKey(), compile(property.getValue()));
        }
      }
      JsonNode additional = schema.get("additionalProperties");
      boolean hasAdditional =
          additional != null && (additional.isObject() || additional.asBoolean(false));
      JsonNode items = schema.get("items");
      JsonNode defaultValue = schema.get("default");
      return new Node(
          Map.copyOf(properties),
          hasAdditional,
          additional != null && additional.isObject() ? compile(additional) : null,
          items != null && items.isObject() ? compile(items) : null,
          schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false),
          schema.path("x-kubernetes-embedded-resource").asBoolean(false),
          schema.path("nullable").asBoolean(false),
          defaultValue != null && !defaultValue.isNull());
    }

    Node asEmbeddedResource() {
      return embeddedResource
          ? this
          : new Node(
              properties,
              hasAdditionalProperties,
              additionalProperties,
              items,
              preserveUnknownFields,
              true,
              nullable,
              hasDefault);
    }

    boolean declares(String key) {
      return properties.containsKey(key) || hasAdditionalProperties;
    }

    /** The schema of field {@code key}: its property's, else additionalProperties' (or null). */
    Node fieldSchema(String key) {
      Node property = properties.get(key);
      return property != null ? property : additionalProperties;
    }
  }
}
