package dev.switchboard.gateway.frontdoor;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.http.ApiException;
import dev.switchboard.mock.openapi.OpenAiWireFormat;
import dev.switchboard.mock.openapi.OpenAiWireFormat.Body;
import io.vertx.core.buffer.Buffer;

/**
 * Fuzzes the HTTP front doors with raw client bytes, exactly as {@code ValidateStage} hands them
 * over: each door either decodes a request it can route (a JSON object with a string model) or
 * refuses it with a spec-valid OpenAI 400 — no other exception, whatever the bytes (duplicate keys,
 * deep nesting, broken UTF-8, numbers out of range). Runs the committed corpus (resources {@code
 * FrontDoorFuzzTestInputs/}) in plain {@code mvn test}; set {@code JAZZER_FUZZ=1} to fuzz for real.
 */
class FrontDoorFuzzTest {

  private static final FrontDoor[] DOORS = {
    new ChatCompletionsFrontDoor(), new EmbeddingsFrontDoor()
  };

  @FuzzTest(maxDuration = "30s")
  void rawBytesAreDecodedOrRefusedWithA400(byte[] raw) {
    for (FrontDoor door : DOORS) {
      ObjectNode request;
      try {
        request = door.decodeRequest(Buffer.buffer(raw));
      } catch (ApiException refused) {
        assertThat(refused.error().status()).isEqualTo(400);
        assertThat(OpenAiWireFormat.problems(Body.ERROR, refused.error().toJson().toString()))
            .isEmpty();
        continue;
      }
      assertThat(request.path("model").isTextual()).isTrue();
      assertThat(door.model(request)).isEqualTo(request.path("model").asText());
      // Asking for usage and the stream flag read the decoded body; neither may fail on it.
      door.wantsStream(request);
      door.askForUsage(request);
    }
  }
}
