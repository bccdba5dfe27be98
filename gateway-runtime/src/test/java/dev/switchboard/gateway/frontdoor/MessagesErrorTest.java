package dev.switchboard.gateway.frontdoor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.http.OpenAiError;
import org.junit.jupiter.api.Test;

/** Anthropic-shaped errors of the Messages door for a provider error that carries details. */
class MessagesErrorTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static OpenAiError azureFiltered(String innerError) throws Exception {
    return new OpenAiError(
        400,
        "The response was filtered.",
        null,
        "prompt",
        "content_filter",
        "invalid_request",
        JSON.readTree(innerError));
  }

  @Test
  void aGradedCategoryIsNamedWithItsSeverityAndTheDetailsAreKept() throws Exception {
    OpenAiError error =
        azureFiltered(
            """
            {"code":"ResponsibleAIPolicyViolation","content_filter_result":{
              "hate":{"filtered":true,"severity":"high"},
              "jailbreak":{"filtered":false,"detected":false},
              "violence":{"filtered":true,"severity":"medium"},
              "sexual":{"filtered":false,"severity":"safe"}}}
            """);

    ObjectNode json = MessagesFrontDoor.errorJson(error);

    assertThat(json.path("type").asText()).isEqualTo("error");
    JsonNode body = json.path("error");
    assertThat(body.path("type").asText()).isEqualTo("invalid_request_error");
    assertThat(body.path("message").asText())
        .isEqualTo(
            "The response was filtered."
                + " [Azure content filter: hate (severity high), violence (severity medium)]");
    assertThat(body.path("innererror")).isEqualTo(error.innerError());
  }

  @Test
  void anErrorWithoutDetailsIsTypeAndMessageOnly() {
    ObjectNode json =
        MessagesFrontDoor.errorJson(OpenAiError.invalidRequest("max_tokens is required", null));

    assertThat(json.path("error").path("message").asText()).isEqualTo("max_tokens is required");
    assertThat(json.path("error").has("innererror")).isFalse();
  }
}
