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

  private static OpenApiSchemas documentOrSkip() {
    assumeTrue(OpenAiWireFormat.document().isPresent(), OpenAiWireFormat.SKIPPED_NOTICE);
    return OpenAiWireFormat.document().orElseThrow();
  }
}
