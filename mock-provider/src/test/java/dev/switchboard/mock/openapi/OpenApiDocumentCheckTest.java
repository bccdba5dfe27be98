package dev.switchboard.mock.openapi;

import static dev.switchboard.mock.openapi.OpenAiWireFormatTest.CHUNK;
import static dev.switchboard.mock.openapi.OpenAiWireFormatTest.ERROR;
import static dev.switchboard.mock.openapi.OpenAiWireFormatTest.sdk;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.switchboard.mock.openapi.OpenAiWireFormat.Body;
import org.junit.jupiter.api.Test;

/**
 * The optional layer of the wire-format check: OpenAI's OpenAPI document, read only when {@code
 * -Dswitchboard.openapi=PATH} names it ({@code .ci/run} does when the document is there). Without
 * it these tests are skipped, with the reason in the report, so a {@code Skipped} count on this
 * class in the build output means the document check did not run; the SDK layer always does.
 */
class OpenApiDocumentCheckTest {

  @Test
  void documentLayerRejectsWhatItsSchemasForbid() {
    OpenApiSchemas document = documentOrSkip();
    assertThat(document.validate(Body.CHAT_COMPLETION.schemaName(), "{\"id\":\"x\"}")).isNotEmpty();
    assertThat(document.validate(Body.ERROR.schemaName(), ERROR.replace("\"param\":null,", "")))
        .isNotEmpty();
    assertThat(
            OpenAiWireFormat.problems(
                Body.CHAT_COMPLETION_CHUNK,
                CHUNK.replace("\"finish_reason\":null", "\"finish_reason\":42")))
        .hasSizeGreaterThan(
            sdk(
                    Body.CHAT_COMPLETION_CHUNK,
                    CHUNK.replace("\"finish_reason\":null", "\"finish_reason\":42"))
                .size());
  }

  @Test
  void documentLayerAcceptsNullWhereOpenAiSendsIt() {
    OpenApiSchemas document = documentOrSkip();
    assertThat(document.validate(Body.CHAT_COMPLETION_CHUNK.schemaName(), CHUNK)).isEmpty();
    assertThat(document.hasSchema("NoSuchSchema")).isFalse();
    assertThatThrownBy(() -> document.validate("NoSuchSchema", "{}"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aResponseInProgressMayHaveNullUsageButNotAWrongOne() throws Exception {
    OpenApiSchemas document = documentOrSkip();
    var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
    var inProgress =
        (com.fasterxml.jackson.databind.node.ObjectNode)
            mapper.readTree(OpenAiWireFormatTest.RESPONSE);
    inProgress.put("status", "in_progress").putNull("usage");
    assertThat(document.validate(Body.RESPONSE.schemaName(), inProgress)).isEmpty();
    inProgress.put("usage", 7);
    assertThat(document.validate(Body.RESPONSE.schemaName(), inProgress)).isNotEmpty();
  }

  /** Without any document: the erratum makes exactly Response.usage nullable. */
  @Test
  void theErratumMakesResponseUsageNullable() throws Exception {
    com.fasterxml.jackson.databind.JsonNode doc =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(
                "{\"components\":{\"schemas\":{\"Response\":{\"allOf\":[{\"$ref\":\"#/x\"},"
                    + "{\"type\":\"object\",\"properties\":{\"usage\":{\"$ref\":"
                    + "\"#/components/schemas/ResponseUsage\"},\"model\":{\"type\":\"string\"}}}]}}}}");
    OpenApiSchemas.applyErrata(doc);
    com.fasterxml.jackson.databind.JsonNode props =
        doc.at("/components/schemas/Response/allOf/1/properties");
    assertThat(props.at("/usage/anyOf/0/$ref").asText())
        .isEqualTo("#/components/schemas/ResponseUsage");
    assertThat(props.at("/usage/anyOf/1/type").asText()).isEqualTo("null");
    assertThat(props.at("/model/type").asText()).isEqualTo("string");
  }

  private static OpenApiSchemas documentOrSkip() {
    assumeTrue(OpenAiWireFormat.document().isPresent(), OpenAiWireFormat.SKIPPED_NOTICE);
    return OpenAiWireFormat.document().orElseThrow();
  }
}
