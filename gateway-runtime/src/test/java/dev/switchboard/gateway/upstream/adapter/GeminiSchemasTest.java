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
    assertThat(when.path("format").asText()).isEqualTo("date");
    assertThat(when.path("description").asText()).isEqualTo("the day it happened");
  }
}
