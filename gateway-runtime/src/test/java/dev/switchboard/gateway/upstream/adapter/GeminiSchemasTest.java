package dev.switchboard.gateway.upstream.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/** JSON Schema to Gemini's Schema: references inlined, within bounds. */
class GeminiSchemasTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode json(String text) throws Exception {
    return JSON.readTree(text);
  }

  /** Every object node of a converted schema. */
  private static int nodes(JsonNode node) {
    int n = node.isObject() ? 1 : 0;
    for (JsonNode child : node) {
      n += nodes(child);
    }
    return n;
  }

  @Test
  void aSchemaReferringToItselfFromSeveralPlacesInlinesToABoundedSchema() throws Exception {
    // ~100 bytes a client may send as a tool's parameters: inlined naively, 4 references per level
    // over the 8 levels MAX_DEPTH allows are 4^9 = 262,144 nodes (8 references: 134 million, which
    // held the event loop and ran the heap out).
    ObjectNode converted =
        GeminiSchemas.toGemini(
            json(
                "{\"anyOf\":[{\"$ref\":\"#\"},{\"$ref\":\"#\"},{\"$ref\":\"#\"},{\"$ref\":\"#\"}]}"));

    assertThat(nodes(converted)).isLessThanOrEqualTo(GeminiSchemas.MAX_NODES + 100);
    assertThat(converted.path("anyOf")).hasSize(4);
  }

  @Test
  void aRecursiveSchemaIsStillInlinedToDepthThenEndsInAPlainObject() throws Exception {
    ObjectNode converted =
        GeminiSchemas.toGemini(
            json(
                """
                {"$defs": {"node": {"type": "object", "description": "a tree node",
                  "properties": {"name": {"type": "string"},
                                 "child": {"$ref": "#/$defs/node"}}}},
                 "$ref": "#/$defs/node"}
                """));

    assertThat(converted.path("type").asText()).isEqualTo("OBJECT");
    assertThat(converted.path("properties").path("name").path("type").asText()).isEqualTo("STRING");
    JsonNode deepest = converted;
    int levels = 0;
    while (deepest.path("properties").has("child")) {
      deepest = deepest.path("properties").path("child");
      levels++;
    }
    // Each reference takes two levels of the depth bound (the reference and the properties).
    assertThat(levels).isBetween(GeminiSchemas.MAX_DEPTH / 4, GeminiSchemas.MAX_DEPTH);
    assertThat(deepest.path("type").asText()).isEqualTo("OBJECT");
  }

  @Test
  void siblingKeywordsOfAReferenceRefineIt() throws Exception {
    ObjectNode converted =
        GeminiSchemas.toGemini(
            json(
                """
                {"type": "object", "properties": {"when": {"$ref": "#/$defs/date",
                  "description": "the day it happened"}},
                 "$defs": {"date": {"type": "string", "format": "date"}}}
                """));

    JsonNode when = converted.path("properties").path("when");
    assertThat(when.path("type").asText()).isEqualTo("STRING");
    assertThat(when.has("format")).as("Gemini takes no 'date' format on a STRING").isFalse();
    assertThat(when.path("description").asText()).isEqualTo("the day it happened");
  }

  /**
   * A {@code type} array of several types keeps them all, as an {@code anyOf} with a member per
   * type (Gemini's {@code type} is one type; the first alone would narrow the schema): each member
   * with the keywords of its own type only, the description once, {@code null} as {@code nullable}.
   */
  @Test
  void aTypeArrayOfSeveralTypesBecomesAnyOfEveryType() throws Exception {
    ObjectNode converted =
        GeminiSchemas.toGemini(
            json(
                """
                {"type": "object", "properties": {
                  "id": {"type": ["string", "integer", "null"], "description": "the key",
                         "maxLength": 8, "minimum": 1},
                  "tags": {"type": ["string", "array"], "items": {"type": "string"}}},
                 "required": ["id"]}
                """));

    JsonNode id = converted.path("properties").path("id");
    assertThat(id.has("type")).isFalse();
    assertThat(id.path("description").asText()).isEqualTo("the key");
    assertThat(id.path("nullable").asBoolean()).isTrue();
    assertThat(id.path("anyOf"))
        .containsExactly(
            json("{\"type\": \"STRING\", \"maxLength\": 8}"),
            json("{\"type\": \"INTEGER\", \"minimum\": 1}"));
    assertThat(converted.path("properties").path("tags").path("anyOf"))
        .containsExactly(
            json("{\"type\": \"STRING\"}"),
            json("{\"type\": \"ARRAY\", \"items\": {\"type\": \"STRING\"}}"));
    assertThat(converted.path("required")).containsExactly(json("\"id\""));
    assertThat(GeminiSchemas.expressible(converted)).isTrue();

    // One type besides null stays that type, nullable.
    assertThat(GeminiSchemas.toGemini(json("{\"type\": [\"string\", \"null\"]}")))
        .isEqualTo(json("{\"type\": \"STRING\", \"nullable\": true}"));
  }

  @Test
  void formatsGeminiDoesNotTakeAreLeftOutAndTheOthersKept() throws Exception {
    ObjectNode converted =
        GeminiSchemas.toGemini(
            json(
                """
                {"type": "object", "properties": {
                  "site": {"type": "string", "format": "uri"},
                  "mail": {"type": "string", "format": "email"},
                  "when": {"type": "string", "format": "date-time"},
                  "count": {"type": "integer", "format": "int64"},
                  "ratio": {"type": "number", "format": "percent"}}}
                """));

    JsonNode p = converted.path("properties");
    assertThat(p.path("site").has("format")).isFalse();
    assertThat(p.path("site").path("type").asText()).isEqualTo("STRING");
    assertThat(p.path("mail").has("format")).isFalse();
    assertThat(p.path("when").path("format").asText()).isEqualTo("date-time");
    assertThat(p.path("count").path("format").asText()).isEqualTo("int64");
    assertThat(p.path("ratio").has("format")).isFalse();
    assertThat(GeminiSchemas.expressible(converted)).isTrue();
  }

  @Test
  void aNumberEnumKeepsItsTypeAndNamesTheValuesInTheDescription() throws Exception {
    ObjectNode converted =
        GeminiSchemas.toGemini(
            json(
                """
                {"type": "object", "properties": {
                  "level": {"type": "integer", "enum": [1, 2, 3], "description": "How loud"},
                  "scale": {"enum": [0.5, 1.5]},
                  "unit": {"enum": ["c", "f"]},
                  "fixed": {"type": "integer", "const": 7}}}
                """));

    JsonNode p = converted.path("properties");
    assertThat(p.path("level").path("type").asText()).isEqualTo("INTEGER");
    assertThat(p.path("level").has("enum")).as("Gemini takes an enum on a STRING only").isFalse();
    assertThat(p.path("level").path("description").asText())
        .isEqualTo("How loud. One of: 1, 2, 3.");
    assertThat(p.path("scale").path("type").asText()).isEqualTo("NUMBER");
    assertThat(p.path("scale").has("enum")).isFalse();
    assertThat(p.path("scale").path("description").asText()).isEqualTo("One of: 0.5, 1.5.");
    assertThat(p.path("unit").path("type").asText()).isEqualTo("STRING");
    assertThat(p.path("unit").path("enum")).hasSize(2);
    assertThat(p.path("fixed").path("type").asText()).isEqualTo("INTEGER");
    assertThat(p.path("fixed").path("description").asText()).isEqualTo("The value: 7.");
  }

  @Test
  void aFreeFormOrRecursiveObjectHasNoSchemaForm() throws Exception {
    assertThat(
            GeminiSchemas.expressible(
                GeminiSchemas.toGemini(
                    json(
                        """
                        {"type": "object", "properties": {"meta": {"type": "object"}}}
                        """))))
        .isFalse();
    assertThat(
            GeminiSchemas.expressible(
                GeminiSchemas.toGemini(
                    json(
                        """
                        {"type": "object", "properties": {"name": {"type": "string"},
                         "children": {"type": "array", "items": {"$ref": "#"}}}}
                        """))))
        .as("a self-referencing $ref ends in a cut-off object without properties")
        .isFalse();
    assertThat(
            GeminiSchemas.expressible(
                GeminiSchemas.toGemini(
                    json(
                        """
                        {"type": "object", "properties": {"tags": {"type": "array",
                         "items": {"type": "string"}}}}
                        """))))
        .isTrue();
  }
}
