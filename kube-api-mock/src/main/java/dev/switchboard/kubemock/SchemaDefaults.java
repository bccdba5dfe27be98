package dev.switchboard.kubemock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code default}s of one CRD version's structural {@code openAPIV3Schema}, applied to an
 * object as the API server's structural defaulting does: a property's default is set where the
 * property is absent, or {@code null} and not {@code nullable}; defaulting then descends into every
 * property present (also one just defaulted, so {@code default: {}} on an object fills in its
 * children's defaults), into {@code additionalProperties} values and into array items (an item that
 * is {@code null} and not {@code nullable} takes the items' default). Nothing is created under an
 * absent object that has no default of its own.
 *
 * <p>Only the parts of the schema that lead to a default are kept, so an object is walked along
 * those paths alone. Applied after {@link SchemaPruning} ({@link StructuralSchema}), which has
 * already dropped unknown fields and the non-nullable {@code null}s that have no default.
 */
final class SchemaDefaults {

  private final Node root;

  private SchemaDefaults(Node root) {
    this.root = root;
  }

  /** The defaults of a version's {@code openAPIV3Schema}; empty when it declares none. */
  static Optional<SchemaDefaults> of(JsonNode openApiV3Schema) {
    return Optional.ofNullable(Node.compile(openApiV3Schema)).map(SchemaDefaults::new);
  }

  /**
   * Sets the defaults missing from {@code object}, in place.
   *
   * @return whether anything was set
   */
  boolean applyTo(JsonNode object) {
    return root.apply(object);
  }

  /**
   * A schema node on the way to a default: its own default (or null), whether it is nullable, and
   * the children that lead to defaults.
   */
  private record Node(
      JsonNode defaultValue,
      boolean nullable,
      Map<String, Node> properties,
      Node additionalProperties,
      Node items) {

    /** The node for {@code schema}, or null when no default is declared in it or below it. */
    static Node compile(JsonNode schema) {
      if (schema == null || !schema.isObject()) {
        return null;
      }
      Map<String, Node> properties = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> property : schema.path("properties").properties()) {
        Node child = compile(property.getValue());
        if (child != null) {
          properties.put(property.getKey(), child);
        }
      }
      // additionalProperties may also be a boolean; only a schema can hold defaults.
      Node additionalProperties = compile(schema.get("additionalProperties"));
      // Structural schemas allow one items schema, not a list of them.
      Node items = compile(schema.get("items"));
      JsonNode defaultValue = schema.get("default");
      if (defaultValue != null && defaultValue.isNull()) {
        defaultValue = null; // "default: null" is no default (the API server reads it so too)
      }
      if (defaultValue == null
          && properties.isEmpty()
          && additionalProperties == null
          && items == null) {
        return null;
      }
      return new Node(
          defaultValue,
          schema.path("nullable").asBoolean(false),
          Map.copyOf(properties),
          additionalProperties,
          items);
    }

    /** Whether {@code value} (a present value or null when absent) takes this node's default. */
    boolean takesDefault(JsonNode value) {
      return defaultValue != null && (value == null || (value.isNull() && !nullable));
    }

    boolean apply(JsonNode value) {
      if (value instanceof ObjectNode object) {
        return applyToObject(object);
      }
      if (value instanceof ArrayNode array && items != null) {
        boolean changed = false;
        for (int i = 0; i < array.size(); i++) {
          if (items.takesDefault(array.get(i))) {
            array.set(i, items.defaultValue.deepCopy());
            changed = true;
          }
          changed |= items.apply(array.get(i));
        }
        return changed;
      }
      return false; // scalars have nothing below them
    }

    private boolean applyToObject(ObjectNode object) {
      boolean changed = false;
      for (Map.Entry<String, Node> property : properties.entrySet()) {
        Node schema = property.getValue();
        if (schema.takesDefault(object.get(property.getKey()))) {
          object.set(property.getKey(), schema.defaultValue.deepCopy());
          changed = true;
        }
      }
      // Then every property present, defaulted ones included, so their children get theirs.
      for (Map.Entry<String, JsonNode> field : object.properties()) {
        Node schema = properties.get(field.getKey());
        if (schema == null) {
          // Structural schemas have either properties or additionalProperties, not both.
          schema = additionalProperties;
          if (schema != null && schema.takesDefault(field.getValue())) {
            field.setValue(schema.defaultValue.deepCopy());
            changed = true;
          }
        }
        if (schema != null) {
          changed |= schema.apply(field.getValue());
        }
      }
      return changed;
    }
  }
}
