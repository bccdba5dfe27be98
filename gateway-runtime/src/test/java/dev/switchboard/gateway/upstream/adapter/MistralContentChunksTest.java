package dev.switchboard.gateway.upstream.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.upstream.Operation;
import dev.switchboard.gateway.upstream.ReplySummary;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Mistral's reasoning models answer content as chunks ({@code thinking}, then {@code text}); the
 * Mistral adapter gives the gateway chat's form — {@code content} a string, the thinking as {@code
 * reasoning_content} — JSON and streamed, and leaves every other answer as it came.
 */
class MistralContentChunksTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static final String CHUNKED =
      "{\"id\":\"a\",\"object\":\"chat.completion\",\"model\":\"magistral-medium-2509\","
          + "\"choices\":[{\"index\":0,\"finish_reason\":\"stop\",\"message\":{\"role\":"
          + "\"assistant\",\"tool_calls\":null,\"content\":["
          + "{\"type\":\"thinking\",\"signature\":\"sig\",\"thinking\":["
          + "{\"type\":\"text\",\"text\":\"Nine point eight \"},"
          + "{\"type\":\"text\",\"text\":\"is larger.\"}]},"
          + "{\"type\":\"reference\",\"reference_ids\":[1]},"
          + "{\"type\":\"text\",\"text\":\"9.8 \"},{\"type\":\"text\",\"text\":\"is larger\"}]}}],"
          + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":9,\"total_tokens\":14}}";

  private static final String PLAIN =
      "{\"id\":\"a\",\"object\":\"chat.completion\",\"model\":\"mistral-small-latest\","
          + "\"choices\":[{\"index\":0,\"finish_reason\":\"stop\",\"message\":{\"role\":"
          + "\"assistant\",\"content\":\"hello\"}}],"
          + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1,\"total_tokens\":6}}";

  private static PlannedTarget target(String kind) {
    return new PlannedTarget(
        TestTables.target("p", "m", 0),
        TestTables.provider("p", kind, "http://127.0.0.1:9/v1", true, Map.of(), null),
        PlannedTarget.STABLE);
  }

  private static UpstreamAdapter.DecodedReply decode(String kind, String answer) throws Exception {
    PlannedTarget pt = target(kind);
    byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
    return UpstreamAdapters.forProvider(pt.provider())
        .decode(bytes, Buffer.buffer(bytes), Operation.CHAT_COMPLETIONS, pt, null, () -> 0);
  }

  @Test
  void aMistralAnswerOfThinkingAndTextChunksBecomesContentAndReasoningContent() throws Exception {
    UpstreamAdapter.DecodedReply reply = decode("mistral", CHUNKED);

    JsonNode message = JSON.readTree(reply.body().getBytes()).at("/choices/0/message");
    assertThat(message.path("content").asText()).isEqualTo("9.8 is larger");
    assertThat(message.path("reasoning_content").asText()).isEqualTo("Nine point eight is larger.");
    assertThat(reply.body().toString()).doesNotContain("sig").doesNotContain("reference");
    assertThat(reply.summary().chunkedContent()).isTrue();
    assertThat(reply.summary().usage().outputTokens()).isEqualTo(9);
    // decode is decodeReply then replyBody, read once.
    PlannedTarget pt = target("mistral");
    Buffer apart =
        UpstreamAdapters.forProvider(pt.provider())
            .replyBody(Buffer.buffer(CHUNKED), Operation.CHAT_COMPLETIONS, () -> 0);
    assertThat(JSON.readTree(apart.getBytes())).isEqualTo(JSON.readTree(reply.body().getBytes()));
  }

  @Test
  void textChunksAloneBecomeContentWithoutReasoning() throws Exception {
    String textOnly =
        PLAIN.replace(
            "\"content\":\"hello\"",
            "\"content\":[{\"type\":\"text\",\"text\":\"hel\"},{\"type\":\"text\",\"text\":\"lo\"}]");

    JsonNode message =
        JSON.readTree(decode("mistral", textOnly).body().getBytes()).at("/choices/0/message");

    assertThat(message.path("content").asText()).isEqualTo("hello");
    assertThat(message.has("reasoning_content")).isFalse();
  }

  @Test
  void anAnswerWithStringContentIsRelayedAsTheSameBytes() throws Exception {
    Buffer body = Buffer.buffer(PLAIN);
    PlannedTarget pt = target("mistral");
    UpstreamAdapter.DecodedReply reply =
        UpstreamAdapters.forProvider(pt.provider())
            .decode(body.getBytes(), body, Operation.CHAT_COMPLETIONS, pt, null, () -> 0);

    assertThat(reply.body()).isSameAs(body);
    assertThat(reply.summary().chunkedContent()).isFalse();
  }

  @Test
  void anotherOpenAiCompatibleProviderIsPassedThroughUntouched() throws Exception {
    Buffer body = Buffer.buffer(CHUNKED);
    PlannedTarget pt = target("openai");
    UpstreamAdapter.DecodedReply reply =
        UpstreamAdapters.forProvider(pt.provider())
            .decode(body.getBytes(), body, Operation.CHAT_COMPLETIONS, pt, null, () -> 0);

    assertThat(reply.body()).isSameAs(body);
  }

  @Test
  void theScanNotesChunkedContentOnlyForAnArray() throws Exception {
    assertThat(ReplySummary.scan(CHUNKED.getBytes(), Operation.CHAT_COMPLETIONS).chunkedContent())
        .isTrue();
    assertThat(ReplySummary.scan(PLAIN.getBytes(), Operation.CHAT_COMPLETIONS).chunkedContent())
        .isFalse();
  }

  private static final String STREAM_FIRST =
      "{\"id\":\"s\",\"object\":\"chat.completion.chunk\",\"model\":\"magistral-medium-2509\","
          + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
          + "\"finish_reason\":null}]}";

  private static final String THINKING_CHUNK =
      "{\"id\":\"s\",\"object\":\"chat.completion.chunk\",\"model\":\"magistral-medium-2509\","
          + "\"choices\":[{\"index\":0,\"delta\":{\"content\":[{\"type\":\"thinking\","
          + "\"thinking\":[{\"type\":\"text\",\"text\":\"'s a greeting\"}]}]},"
          + "\"finish_reason\":null}]}";

  private static final String TEXT_CHUNK =
      "{\"id\":\"s\",\"object\":\"chat.completion.chunk\",\"model\":\"magistral-medium-2509\","
          + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hello\"},\"finish_reason\":null}]}";

  @Test
  void aStreamedThinkingChunkIsRelayedAsReasoningContent() throws Exception {
    StreamDecoder decoder =
        UpstreamAdapters.forProvider(target("mistral").provider())
            .streamDecoder(Operation.CHAT_COMPLETIONS, false, () -> 0);
    decoder.decode(STREAM_FIRST, null);

    StreamEventFacts thinking = decoder.decode(THINKING_CHUNK, null);
    JsonNode delta = JSON.readTree(thinking.payload()).at("/choices/0/delta");
    assertThat(delta.path("reasoning_content").asText()).isEqualTo("'s a greeting");
    assertThat(delta.path("content").isNull()).isTrue();
    assertThat(thinking.reasoningDelta()).isEqualTo("'s a greeting");
    assertThat(thinking.textDelta()).isNull();

    // A text chunk of the same stream is relayed as it came, without a parse.
    StreamEventFacts text = decoder.decode(TEXT_CHUNK, null);
    assertThat(text.payload()).isSameAs(TEXT_CHUNK);
    assertThat(text.textDelta()).isEqualTo("Hello");
  }

  @Test
  void anotherProvidersStreamKeepsItsChunksAsTheyCame() throws Exception {
    StreamDecoder decoder =
        UpstreamAdapters.forProvider(target("openai").provider())
            .streamDecoder(Operation.CHAT_COMPLETIONS, false, () -> 0);
    decoder.decode(STREAM_FIRST, null);

    assertThat(decoder.decode(THINKING_CHUNK, null).payload()).isSameAs(THINKING_CHUNK);
  }

  @Test
  void theChunkCheckLooksForAnArrayAfterTheContentKey() {
    assertThat(ContentChunks.mayHaveChunks(THINKING_CHUNK)).isTrue();
    assertThat(ContentChunks.mayHaveChunks("{\"delta\":{\"content\" :  [ ]}}")).isTrue();
    assertThat(ContentChunks.mayHaveChunks(TEXT_CHUNK)).isFalse();
    assertThat(ContentChunks.mayHaveChunks("{\"delta\":{\"content\":\"[not an array]\"}}"))
        .isFalse();
  }
}
