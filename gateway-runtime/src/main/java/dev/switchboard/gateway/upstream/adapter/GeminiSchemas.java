package dev.switchboard.gateway.upstream.adapter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Translates a JSON Schema (what OpenAI's {@code tools[].function.parameters} and {@code
 * response_format.json_schema.schema} carry) into Gemini's {@code Schema}: the OpenAPI 3.0 subset
 * with upper-case {@code type}, {@code nullable}, string-only {@code enum} and {@code anyOf}.
 *
 * <p>What Gemini cannot express is rewritten where the meaning survives and dropped otherwise:
 * {@code "type": ["string", "null"]} and an {@code anyOf} member {@code {"type": "null"}} become
 * {@code nullable}; a {@code type} array of several types an {@code anyOf} with a member per type;
 * {@code const} a one-value {@code enum}; {@code oneOf} {@code anyOf}; local {@code $ref}s into
 * {@code $defs}/{@code definitions} are inlined (a recursive reference is cut at {@link #MAX_DEPTH}
 * to a plain object, and every reference once the inlined schema has {@link #MAX_NODES} nodes: a
 * few hundred bytes of schema referring to itself from several places would otherwise inline to
 * billions of nodes, on the event loop); {@code additionalProperties}, {@code $schema}, {@code
 * examples}, {@code strict} and other keywords Gemini rejects are left out, and so is a {@code
 * format} the type does not take (the validation keywords among them, and the format, named: {@link
 * #toGemini(JsonNode, NestedDrops, String)}); an {@code enum} of integers, numbers or booleans
 * keeps its type and names its values in the description (Gemini takes an enum on a STRING only).
 *
 * <p>A schema {@link #expressible} finds an OBJECT without properties in (a free-form object, a
 * recursion cut) has no Schema form Gemini takes: the caller sends the JSON Schema instead.
 */
final class GeminiSchemas {

  /** How deep references are inlined: a recursive schema ends in an unconstrained object. */
  static final int MAX_DEPTH = 16;

  /**
   * How many schema nodes references may inline into before further ones are cut to a plain object.
   * Far above what a real tool's parameters inline to (tens to hundreds), far below what would take
   * the event loop noticeably long.
   */
  static final int MAX_NODES = 10_000;

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** Keywords copied unchanged (their value has the same meaning in both dialects). */
  private static final Set<String> COPIED =
      Set.of(
          "format",
          "title",
          "description",
          "minItems",
          "maxItems",
          "minProperties",
          "maxProperties",
          "minLength",
          "maxLength",
          "pattern",
          "minimum",
          "maximum",
          "default",
          "example",
          "propertyOrdering");

  /**
   * The formats Gemini's Schema takes, by type (its reference: "for NUMBER type: float, double; for
   * INTEGER type: int32, int64; for STRING type: enum, date-time"). Any other is left out.
   */
  private static final Map<String, Set<String>> FORMATS =
      Map.of(
          "STRING", Set.of("enum", "date-time"),
          "INTEGER", Set.of("int32", "int64"),
          "NUMBER", Set.of("float", "double"));

  private static final Set<String> TYPES =
      Set.of("string", "number", "integer", "boolean", "array", "object", "null");

  private GeminiSchemas() {}

  /**
   * The JSON Schema validation keywords Gemini's Schema has no place for, which the conversion
   * leaves out and, when they ask for something, names ({@link #toGemini(JsonNode, NestedDrops,
   * String)}); a value that asks nothing (JSON null, {@code additionalProperties: true}, {@code
   * uniqueItems: false}, ...) is not named. Annotations ({@code $schema}, {@code $comment}, {@code
   * examples}, ...), {@code $defs} (inlined) and keys that are no keyword are left out unnamed.
   */
  private static final Set<String> NAMED_WHEN_DROPPED =
      Set.of(
          "additionalProperties",
          "patternProperties",
          "unevaluatedProperties",
          "propertyNames",
          "dependentRequired",
          "dependentSchemas",
          "dependencies",
          "uniqueItems",
          "contains",
          "minContains",
          "maxContains",
          "prefixItems",
          "additionalItems",
          "unevaluatedItems",
          "exclusiveMinimum",
          "exclusiveMaximum",
          "multipleOf",
          "not",
          "if",
          "then",
          "else",
          "contentEncoding",
          "contentMediaType",
          "contentSchema");

  /** One conversion's state: the inlining budget and the keywords it left out (null: none). */
  private static final class Walk {
    private int budget = MAX_NODES; // the nodes references may still inline into, counted down
    private List<String> dropped;

    private void drop(String keyword, JsonNode value) {
      if (asksNothing(keyword, value)) {
        return;
      }
      if (dropped == null) {
        dropped = new ArrayList<>(2);
      }
      if (!dropped.contains(keyword)) {
        dropped.add(keyword);
      }
    }
  }

  /** A dropped keyword's value that is its default (or a JSON null): nothing to name. */
  private static boolean asksNothing(String keyword, JsonNode value) {
    if (value.isNull()) {
      return true;
    }
    return switch (keyword) {
      case "uniqueItems", "exclusiveMinimum", "exclusiveMaximum" ->
          value.isBoolean() && !value.asBoolean(); // draft 4's boolean exclusive bounds too
      case "additionalProperties", "unevaluatedProperties", "additionalItems", "unevaluatedItems" ->
          (value.isBoolean() && value.asBoolean()) || (value.isObject() && value.isEmpty());
      default -> false;
    };
  }

  /** The Gemini form of {@code schema}; an empty object for a missing or non-object schema. */
  static ObjectNode toGemini(JsonNode schema) {
    return convert(schema, schema, 0, new Walk());
  }

  /**
   * The Gemini form of {@code schema}, noting in {@code drops}, when that form is {@link
   * #expressible} (else the caller sends the JSON Schema as it is), the keywords it left out that
   * asked for something: {@code prefix.keyword} ({@code
   * tools[].function.parameters.additionalProperties}, ...), once per keyword wherever it was, and
   * {@code prefix.format} for a format the type does not take.
   */
  static ObjectNode toGemini(JsonNode schema, NestedDrops drops, String prefix) {
    Walk walk = new Walk();
    ObjectNode converted = convert(schema, schema, 0, walk);
    if (walk.dropped != null && expressible(converted)) {
      for (String keyword : walk.dropped) {
        drops.add(prefix + "." + keyword);
      }
    }
    return converted;
  }

  private static ObjectNode convert(JsonNode node, JsonNode root, int depth, Walk walk) {
    ObjectNode out = NODES.objectNode();
    if (node == null || !node.isObject()) {
      return out;
    }
    walk.budget--;
    if (depth > MAX_DEPTH) {
      out.put("type", "OBJECT");
      return out;
    }
    JsonNode ref = node.get("$ref");
    if (ref != null && ref.isTextual() && walk.budget <= 0) {
      out.put("type", "OBJECT");
      return out;
    }
    if (ref != null && ref.isTextual()) {
      JsonNode target = resolve(root, ref.asText());
      ObjectNode resolved = convert(target, root, depth + 1, walk);
      // Sibling keywords of $ref (2020-12 allows them; a description is common) refine it.
      ObjectNode siblings = node.deepCopy();
      siblings.remove("$ref");
      resolved.setAll(convert(siblings, root, depth + 1, walk));
      return resolved;
    }
    boolean nullable = false;
    ArrayNode enumValues = null;
    JsonNode type = node.get("type");
    if (type != null && type.isArray() && severalTypes(type)) {
      return anyOfTypes((ObjectNode) node, type, root, depth, walk);
    }
    if (type != null && type.isArray()) {
      String single = null;
      for (JsonNode t : type) {
        if ("null".equals(t.asText())) {
          nullable = true;
        } else if (single == null) {
          single = t.asText();
        }
      }
      if (single != null) {
        out.put("type", single.toUpperCase(Locale.ROOT));
      }
    } else if (type != null && type.isTextual() && TYPES.contains(type.asText())) {
      out.put("type", type.asText().toUpperCase(Locale.ROOT));
    }
    Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      String name = field.getKey();
      JsonNode value = field.getValue();
      switch (name) {
        case "properties" -> {
          if (value.isObject()) {
            ObjectNode properties = out.putObject("properties");
            value
                .fields()
                .forEachRemaining(
                    p -> properties.set(p.getKey(), convert(p.getValue(), root, depth + 1, walk)));
          }
        }
        case "items" -> {
          if (value.isObject()) {
            out.set("items", convert(value, root, depth + 1, walk));
          }
        }
        case "required" -> {
          if (value.isArray()) {
            out.set("required", value.deepCopy());
          }
        }
        case "nullable" -> nullable |= value.asBoolean(false);
        case "enum" -> {
          if (value.isArray()) {
            enumValues = NODES.arrayNode();
            for (JsonNode v : value) {
              if (v.isNull()) {
                nullable = true;
              } else {
                enumValues.add(v);
              }
            }
          }
        }
        case "const" -> {
          if (value.isNull()) {
            nullable = true;
          } else {
            enumValues = NODES.arrayNode().add(value);
          }
        }
        case "anyOf", "oneOf" -> {
          if (value.isArray()) {
            ArrayNode members = NODES.arrayNode();
            for (JsonNode member : value) {
              if (member.isObject()
                  && member.size() == 1
                  && "null".equals(member.path("type").asText(null))) {
                nullable = true;
              } else {
                members.add(convert(member, root, depth + 1, walk));
              }
            }
            if (members.size() == 1 && members.get(0) instanceof ObjectNode only) {
              // anyOf [X, null]: X itself, nullable.
              only.fields().forEachRemaining(f -> out.set(f.getKey(), f.getValue()));
            } else if (!members.isEmpty()) {
              out.set("anyOf", members);
            }
          }
        }
        case "allOf" -> {
          // Gemini has no allOf: the members' keywords are merged, later ones winning.
          if (value.isArray()) {
            for (JsonNode member : value) {
              convert(member, root, depth + 1, walk)
                  .fields()
                  .forEachRemaining(f -> out.set(f.getKey(), f.getValue()));
            }
          }
        }
        default -> {
          if (COPIED.contains(name)) {
            out.set(name, value.deepCopy());
          } else if (NAMED_WHEN_DROPPED.contains(name)) {
            walk.drop(name, value);
          }
        }
      }
    }
    if (enumValues != null) {
      enumeration(enumValues, out);
    }
    String format = out.path("format").asText(null);
    if (format != null
        && !FORMATS.getOrDefault(out.path("type").asText(""), Set.of()).contains(format)) {
      walk.drop("format", out.remove("format")); // Gemini answers 400 for any other of the type
    }
    if (nullable) {
      out.put("nullable", true);
    }
    return out;
  }

  /**
   * The keywords that constrain only instances of one JSON type, by that type ({@code integer}
   * under {@code number}): a member of {@link #anyOfTypes} leaves out those of the other types.
   */
  private static final Map<String, Set<String>> TYPE_KEYWORDS =
      Map.of(
          "object",
          Set.of(
              "properties",
              "required",
              "minProperties",
              "maxProperties",
              "propertyOrdering",
              "additionalProperties",
              "patternProperties",
              "unevaluatedProperties",
              "propertyNames",
              "dependentRequired",
              "dependentSchemas",
              "dependencies"),
          "array",
          Set.of(
              "items",
              "minItems",
              "maxItems",
              "uniqueItems",
              "contains",
              "minContains",
              "maxContains",
              "prefixItems",
              "additionalItems",
              "unevaluatedItems"),
          "string",
          Set.of(
              "minLength",
              "maxLength",
              "pattern",
              "contentEncoding",
              "contentMediaType",
              "contentSchema"),
          "number",
          Set.of("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"));

  /** Whether a {@code type} array names more than one type besides {@code null}. */
  private static boolean severalTypes(JsonNode types) {
    int named = 0;
    for (JsonNode t : types) {
      if (!"null".equals(t.asText()) && ++named > 1) {
        return true;
      }
    }
    return false;
  }

  /**
   * A schema whose {@code type} array names several types ({@code ["string", "integer"]}) as
   * Gemini's {@code anyOf}, one member per type (Gemini's {@code type} is one type): each member is
   * the schema with that one type and without the keywords only another type takes ({@link
   * #TYPE_KEYWORDS}); {@code description} and {@code title} once, beside the {@code anyOf}; {@code
   * null} among the types makes it {@code nullable}.
   */
  private static ObjectNode anyOfTypes(
      ObjectNode node, JsonNode types, JsonNode root, int depth, Walk walk) {
    ObjectNode out = NODES.objectNode();
    ArrayNode members = NODES.arrayNode();
    boolean nullable = false;
    for (JsonNode t : types) {
      String name = t.asText();
      if ("null".equals(name)) {
        nullable = true;
        continue;
      }
      ObjectNode single = NODES.objectNode().setAll(node); // shallow: convert reads, never writes
      single.put("type", name);
      single.remove("description");
      single.remove("title");
      String own = "integer".equals(name) ? "number" : name;
      for (Map.Entry<String, Set<String>> keywords : TYPE_KEYWORDS.entrySet()) {
        if (!keywords.getKey().equals(own)) {
          single.remove(keywords.getValue());
        }
      }
      members.add(convert(single, root, depth + 1, walk));
    }
    for (String annotation : new String[] {"title", "description"}) {
      JsonNode value = node.get(annotation);
      if (value != null && value.isTextual()) {
        out.set(annotation, value);
      }
    }
    out.set("anyOf", members);
    if (nullable) {
      out.put("nullable", true);
    }
    return out;
  }

  /**
   * An {@code enum} (or {@code const}) in Gemini's terms: its enums are STRING-valued, on a STRING
   * only. String values (and values of no declared type) become a STRING enum; the values of an
   * INTEGER, NUMBER or BOOLEAN stay that type, so the arguments keep their JSON type, and are named
   * in the description instead (Gemini refuses an enum on those types).
   */
  private static void enumeration(ArrayNode values, ObjectNode out) {
    String type = out.path("type").asText(null);
    if (type == null) {
      boolean integers = !values.isEmpty();
      boolean numbers = !values.isEmpty();
      boolean booleans = !values.isEmpty();
      for (JsonNode v : values) {
        integers &= v.isIntegralNumber();
        numbers &= v.isNumber();
        booleans &= v.isBoolean();
      }
      type = integers ? "INTEGER" : numbers ? "NUMBER" : booleans ? "BOOLEAN" : "STRING";
      out.put("type", type);
    }
    if ("STRING".equals(type)) {
      ArrayNode strings = out.putArray("enum");
      values.forEach(v -> strings.add(v.asText()));
      return;
    }
    StringBuilder allowed = new StringBuilder();
    for (JsonNode v : values) {
      allowed
          .append(allowed.isEmpty() ? "" : ", ")
          .append(v.isTextual() ? v.asText() : v.toString());
    }
    String description = out.path("description").asText("");
    out.put(
        "description",
        (description.isEmpty() ? "" : description + (description.endsWith(".") ? " " : ". "))
            + (values.size() == 1 ? "The value: " : "One of: ")
            + allowed
            + ".");
  }

  /**
   * Whether Gemini's Schema can take {@code converted}: every OBJECT in it names its properties.
   * Gemini refuses an OBJECT without properties ("should be non-empty for OBJECT type"), which is
   * what a free-form object ({@code {"type": "object"}}) and a recursive reference cut at {@link
   * #MAX_DEPTH} or {@link #MAX_NODES} become; such a schema goes as JSON Schema instead ({@code
   * parametersJsonSchema}, {@code responseJsonSchema}).
   */
  static boolean expressible(JsonNode converted) {
    if (converted.isArray()) {
      for (JsonNode member : converted) {
        if (!expressible(member)) {
          return false;
        }
      }
      return true;
    }
    if (!converted.isObject()) {
      return true;
    }
    if ("OBJECT".equals(converted.path("type").asText())
        && converted.path("properties").isEmpty()) {
      return false;
    }
    for (String child : List.of("properties", "items", "anyOf")) {
      JsonNode value = converted.get(child);
      if (value == null) {
        continue;
      }
      if ("properties".equals(child)) {
        for (JsonNode property : value) {
          if (!expressible(property)) {
            return false;
          }
        }
      } else if (!expressible(value)) {
        return false;
      }
    }
    return true;
  }

  /** A local reference ({@code #/$defs/X}, {@code #/definitions/X}, any JSON pointer). */
  private static JsonNode resolve(JsonNode root, String ref) {
    if (!ref.startsWith("#")) {
      return null; // remote references are not fetched: the property becomes unconstrained
    }
    JsonNode target = root.at(ref.substring(1));
    return target.isMissingNode() ? null : target;
  }
}
