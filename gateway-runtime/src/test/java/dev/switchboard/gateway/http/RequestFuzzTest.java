package dev.switchboard.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.gateway.resilience.RequestDeadline;
import dev.switchboard.gateway.resilience.RequestNeeds;
import dev.switchboard.gateway.upstream.Operation;
import dev.switchboard.mock.openapi.OpenAiWireFormat;
import dev.switchboard.mock.openapi.OpenAiWireFormat.Body;

/**
 * Fuzzes what the gateway does with a client's body before any upstream call: JSON parsing,
 * validation, the capability/context estimate and the deadline header. Whatever the bytes, either
 * the request is accepted or it is refused with a spec-valid OpenAI 400 error — no other exception
 * escapes. Runs the committed corpus (resources {@code RequestFuzzTestInputs/}) in plain {@code mvn
 * test}; set {@code JAZZER_FUZZ=1} to fuzz for real.
 */
class RequestFuzzTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @FuzzTest(maxDuration = "30s")
  void requestParsingAndValidation(FuzzedDataProvider data) {
    Operation op = data.consumeBoolean() ? Operation.EMBEDDINGS : Operation.CHAT_COMPLETIONS;
    String deadlineHeader = data.consumeString(16);
    byte[] body = data.consumeRemainingAsBytes();

    long deadline = RequestDeadline.forHeader(deadlineHeader, RequestDeadline.DEFAULT_MS);
    assertThat(deadline).isBetween(1L, RequestDeadline.DEFAULT_MS);

    JsonNode node;
    try {
      node = JSON.readTree(body);
    } catch (JacksonException e) {
      return; // the gateway answers its fixed, schema-checked "could not parse" 400
    } catch (java.io.IOException e) {
      throw new AssertionError("reading from a byte array cannot fail with I/O", e);
    }
    try {
      RequestValidator.validate(node, op);
    } catch (ApiException e) {
      assertThat(e.error().status()).isEqualTo(400);
      assertThat(OpenAiWireFormat.problems(Body.ERROR, e.error().toJson().toString())).isEmpty();
      return;
    }
    RequestNeeds needs = RequestNeeds.of(node, op);
    assertThat(needs.estimatedTokens()).isNotNegative();
    if (op == Operation.EMBEDDINGS) {
      assertThat(needs.capabilities()).contains(RequestNeeds.Capability.EMBEDDINGS);
    }
  }
}
