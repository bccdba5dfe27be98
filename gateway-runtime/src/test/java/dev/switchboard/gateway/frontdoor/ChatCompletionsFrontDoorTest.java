package dev.switchboard.gateway.frontdoor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.http.ApiException;
import dev.switchboard.gateway.http.OpenAiError;
import dev.switchboard.gateway.upstream.Operation;
import dev.switchboard.gateway.upstream.adapter.OpenAiAdapter;
import dev.switchboard.gateway.upstream.adapter.StreamDecoder;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The chat-completions front door: decoding, usage on streams, and the SSE it encodes. */
class ChatCompletionsFrontDoorTest {

  private final FrontDoor door = new ChatCompletionsFrontDoor();

  private ObjectNode decode(String body) {
    return door.decodeRequest(Buffer.buffer(body));
  }

  @Test
  void decodesTheModelAndTheStreamFlag() {
    ObjectNode request =
        decode(
            "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":true}");
    assertThat(door.model(request)).isEqualTo("chat");
    assertThat(door.wantsStream(request)).isTrue();
  }

  /**
   * A body is parsed where it lies in its buffer: only its own bytes, wherever they start in the
   * buffer's array (a gathered body's buffer has room after it; a slice starts inside one).
   */
  @Test
  void aBodyIsReadFromItsOwnBytesOfTheBuffersArray() {
    String json = "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hé\"}]}";
    byte[] padded = ("{\"x\":" + json + "}}}garbage").getBytes(StandardCharsets.UTF_8);
    int start = "{\"x\":".length();
    Buffer slice =
        BufferInternal.buffer(
            Unpooled.wrappedBuffer(padded, start, json.getBytes(StandardCharsets.UTF_8).length));
    ObjectNode request = door.decodeRequest(slice);
    assertThat(door.model(request)).isEqualTo("chat");
    assertThat(request.path("messages").path(0).path("content").asText()).isEqualTo("hé");
    assertThat(request.has("x")).isFalse();

    Buffer gathered = Buffer.buffer(64).appendString(json);
    assertThat(door.model(door.decodeRequest(gathered))).isEqualTo("chat");
    // A body cut short inside its buffer is unparsable, however valid the bytes after it are.
    Buffer cut = BufferInternal.buffer(Unpooled.wrappedBuffer(padded, start, 10));
    assertThatThrownBy(() -> door.decodeRequest(cut)).isInstanceOf(ApiException.class);
  }

  @Test
  void unusableBodiesAreOpenAiShaped400s() {
    assertThatThrownBy(() -> decode(""))
        .isInstanceOfSatisfying(
            ApiException.class, e -> assertThat(e.error().status()).isEqualTo(400));
    assertThatThrownBy(() -> decode("[1]"))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> assertThat(e.error().message()).contains("must be a JSON object"));
    assertThatThrownBy(() -> decode("{\"model\":\"chat\"}"))
        .isInstanceOfSatisfying(
            ApiException.class, e -> assertThat(e.error().param()).isEqualTo("messages"));
  }

  /** Issue #13, finding 9: last-one-wins would route a request other parsers read otherwise. */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource(
      delimiter = '|',
      value = {
        "{\"model\":\"a\",\"model\":\"b\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]} | model",
        "{\"model\":\"a\",\"messages\":[{\"role\":\"user\",\"role\":\"system\",\"content\":\"hi\"}]} | role",
        "{\"model\":\"a\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\",\"content\":\"ho\"}]} | content",
        "{\"model\":\"a\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":false,\"stream\":true} | stream",
        "{\"model\":\"a\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream_options\":{\"include_usage\":true,\"include_usage\":false}} | include_usage"
      })
  void aFieldTwiceInOneObjectIsA400NamingIt(String body, String field) {
    assertThatThrownBy(() -> decode(body))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.error().status()).isEqualTo(400);
              assertThat(e.error().type()).isEqualTo("invalid_request_error");
              assertThat(e.error().param()).isEqualTo(field);
              assertThat(e.error().message()).contains("'" + field + "' more than once");
            });
  }

  @Test
  void theSameFieldInDifferentObjectsIsFine() {
    ObjectNode request =
        decode(
            "{\"model\":\"a\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},"
                + "{\"role\":\"assistant\",\"content\":\"ho\"}]}");
    assertThat(request.path("messages").size()).isEqualTo(2);
  }

  @Test
  void embeddingsRefuseDuplicateFieldsToo() {
    FrontDoor embeddings = new EmbeddingsFrontDoor();
    assertThatThrownBy(
            () ->
                embeddings.decodeRequest(
                    Buffer.buffer("{\"model\":\"e\",\"input\":\"x\",\"input\":\"y\"}")))
        .isInstanceOfSatisfying(
            ApiException.class, e -> assertThat(e.error().param()).isEqualTo("input"));
  }

  @Test
  void usageIsAskedForAndHiddenOnlyWhereTheClientDidNotAskItself() {
    ObjectNode plain = decode("{\"model\":\"c\",\"messages\":[{}],\"stream\":true}");
    assertThat(door.askForUsage(plain)).isTrue();
    assertThat(plain.path("stream_options").path("include_usage").asBoolean()).isTrue();

    ObjectNode otherOptions =
        decode(
            "{\"model\":\"c\",\"messages\":[{}],\"stream_options\":{\"include_obfuscation\":false}}");
    assertThat(door.askForUsage(otherOptions)).isTrue();
    assertThat(otherOptions.path("stream_options").size()).isEqualTo(2);

    ObjectNode asked =
        decode("{\"model\":\"c\",\"messages\":[{}],\"stream_options\":{\"include_usage\":true}}");
    assertThat(door.askForUsage(asked)).isFalse();
  }

  @Test
  void streamEventsAndTheTerminalErrorAreSseDataLines() {
    StreamDecoder decoder = new OpenAiAdapter().streamDecoder(Operation.CHAT_COMPLETIONS, false, 0);
    StreamEncoder encoder = door.streamEncoder(Operation.CHAT_COMPLETIONS, null, null);
    String chunk = "{\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"é\"}}]}";
    assertThat(encoder.event(decoder.decode(chunk, null)).toString())
        .isEqualTo("data: " + chunk + "\n\n");
    assertThat(encoder.end(decoder.decode("[DONE]", null)).toString())
        .isEqualTo("data: [DONE]\n\n");
    String error = encoder.error(OpenAiError.internal("boom")).toString();
    assertThat(error)
        .startsWith("data: {\"error\":{")
        .contains("\"message\":\"boom\"")
        .endsWith("}\n\n");
  }

  @Test
  void embeddingsAreNeverStreamed() {
    FrontDoor embeddings = new EmbeddingsFrontDoor();
    ObjectNode request =
        embeddings.decodeRequest(
            Buffer.buffer("{\"model\":\"e\",\"input\":\"x\",\"stream\":true}"));
    assertThat(embeddings.wantsStream(request)).isFalse();
    assertThat(embeddings.askForUsage(request)).isFalse();
  }
}
