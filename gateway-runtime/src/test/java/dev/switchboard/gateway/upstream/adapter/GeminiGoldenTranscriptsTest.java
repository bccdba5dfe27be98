package dev.switchboard.gateway.upstream.adapter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.upstream.FailureKind;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden transcripts of the Gemini translation, one JSON file per case under {@code
 * src/test/resources/gemini-golden/}: {@code request/} holds chat (or embeddings) requests and the
 * {@code generateContent} ({@code batchEmbedContents}) body each must become; {@code reply/} holds
 * Gemini answers, error bodies and SSE event sequences and the chat completion, failure facts or
 * chat chunks each must become. The expected sides were written by hand from Google's Gemini API
 * reference (GenerateContentRequest, Content/Part, FunctionCall/FunctionResponse, Schema,
 * GenerationConfig, GenerateContentResponse, FinishReason, BlockReason, UsageMetadata, the error
 * model with RetryInfo/ErrorInfo) and OpenAI's chat-completions reference.
 */
class GeminiGoldenTranscriptsTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long CREATED = 1_700_000_000L;

  static Stream<Path> requests() throws IOException, URISyntaxException {
    return files("request");
  }

  static Stream<Path> replies() throws IOException, URISyntaxException {
    return files("reply");
  }

  private static Stream<Path> files(String direction) throws IOException, URISyntaxException {
    Path dir =
        Path.of(
            GeminiGoldenTranscriptsTest.class.getResource("/gemini-golden/" + direction).toURI());
    try (Stream<Path> list = Files.list(dir)) {
      return list.filter(p -> p.toString().endsWith(".json")).sorted().toList().stream();
    }
  }

  @Test
  void thereAreAtLeastFiftyTranscriptsPerDirection() throws Exception {
    assertThat(requests().count()).isGreaterThanOrEqualTo(50);
    assertThat(replies().count()).isGreaterThanOrEqualTo(50);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("requests")
  void request(Path file) throws IOException {
    JsonNode golden = JSON.readTree(file.toFile());
    ObjectNode chat = (ObjectNode) golden.get("chat");
    boolean embeddings = "embeddings".equals(golden.path("operation").asText());
    if (golden.has("error")) {
      assertThatThrownBy(
              () -> encode(chat, embeddings, golden.path("targetModel").asText("gemini-2.0-flash")))
          .isInstanceOf(GeminiRequests.Unexpressible.class)
          .hasMessageContaining(golden.get("error").asText());
      return;
    }
    JsonNode actual = normal(encode(chat, embeddings, golden.path("targetModel").asText(null)));
    assertThat(actual).as(golden.path("description").asText()).isEqualTo(golden.get("gemini"));
  }

  /**
   * The tree as parsed from its JSON text: Jackson's node equality tells an int from a long of the
   * same value, the wire does not.
   */
  private static JsonNode normal(JsonNode tree) throws IOException {
    return JSON.readTree(tree.toString());
  }

  private static ObjectNode encode(ObjectNode chat, boolean embeddings, String model) {
    return embeddings
        ? GeminiRequests.embeddings(chat, GeminiAdapter.modelName(model))
        : GeminiRequests.chat(chat, model == null ? "gemini-2.0-flash" : model);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("replies")
  void reply(Path file) throws IOException {
    JsonNode golden = JSON.readTree(file.toFile());
    String description = golden.path("description").asText();
    switch (golden.path("kind").asText()) {
      case "json" ->
          assertThat(normal(GeminiReplies.chat(golden.get("gemini"), CREATED)))
              .as(description)
              .isEqualTo(golden.get("chat"));
      case "embeddings" ->
          assertThat(
                  normal(
                      GeminiReplies.embeddings(
                          golden.get("gemini"),
                          golden.get("targetModel").asText(),
                          golden.get("base64").asBoolean())))
              .as(description)
              .isEqualTo(golden.get("chat"));
      case "error" -> error(golden, description);
      case "stream" -> stream(golden, description);
      default -> throw new IllegalArgumentException("unknown kind in " + file);
    }
  }

  private static void error(JsonNode golden, String description) {
    GeminiAdapter adapter = new GeminiAdapter();
    int status = golden.get("status").asInt();
    Buffer body = Buffer.buffer(golden.get("gemini").toString());
    JsonNode expect = golden.get("expect");
    assertThat(adapter.failureKind(status, body, byStatus(status)))
        .as(description)
        .isEqualTo(FailureKind.valueOf(expect.get("failureKind").asText()));
    Long delay = adapter.retryDelayMs(status, body);
    if (expect.get("retryDelayMs").isNull()) {
      assertThat(delay).as(description).isNull();
    } else {
      assertThat(delay).as(description).isEqualTo(expect.get("retryDelayMs").asLong());
    }
    UpstreamError error = adapter.decodeError(body);
    assertThat(error)
        .as(description)
        .isEqualTo(
            new UpstreamError(
                expect.get("message").asText(),
                expect.get("type").asText(),
                null,
                expect.get("code").asText()));
  }

  /** The gateway's status-only classification (UpstreamCaller) the adapter may refine. */
  private static FailureKind byStatus(int status) {
    if (status == 429) {
      return FailureKind.RATE_LIMITED;
    }
    if (status >= 500) {
      return FailureKind.SERVER_ERROR;
    }
    if (status == 401 || status == 403) {
      return FailureKind.AUTH_REJECTED;
    }
    return FailureKind.REQUEST_REJECTED;
  }

  private static void stream(JsonNode golden, String description) throws IOException {
    GeminiStreamDecoder decoder =
        new GeminiStreamDecoder(golden.get("stripUsage").asBoolean(), CREATED);
    List<JsonNode> expected =
        List.copyOf(JSON.readerForListOf(JsonNode.class).readValue(golden.get("expect")));
    JsonNode events = golden.get("events");
    assertThat(events.size()).isEqualTo(expected.size());
    for (int i = 0; i < events.size(); i++) {
      StreamEventFacts facts = decoder.decode(events.get(i).toString(), null);
      JsonNode want = expected.get(i);
      String at = description + " (event " + i + ")";
      assertThat(facts.kind().name()).as(at).isEqualTo(want.get("kind").asText());
      switch (facts.kind()) {
        case CHUNK ->
            assertThat(JSON.readTree(facts.payload())).as(at).isEqualTo(want.get("chunk"));
        case ERROR -> {
          assertThat(facts.errorMessage()).as(at).isEqualTo(want.get("message").asText());
          assertThat(facts.errorType()).as(at).isEqualTo(want.get("type").asText());
          assertThat(facts.errorCode()).as(at).isEqualTo(want.get("code").asText());
        }
        default -> {}
      }
      if (want.has("usage")) {
        assertThat(facts.usage()).as(at + ": usage reported").isNotNull();
        assertThat(facts.usage().inputTokens()).as(at).isEqualTo(want.at("/usage/input").asLong());
        assertThat(facts.usage().outputTokens())
            .as(at)
            .isEqualTo(want.at("/usage/output").asLong());
      }
    }
    StreamEventFacts end = decoder.atEnd();
    if (golden.get("end").isNull()) {
      assertThat(end).as(description + ": the close is a truncation").isNull();
    } else {
      assertThat(end).as(description).isNotNull();
      assertThat(end.kind()).isEqualTo(StreamEventFacts.Kind.DONE);
      // A client that asked for usage gets OpenAI's usage chunk (no choices) before [DONE].
      JsonNode usageChunk = golden.get("endUsageChunk");
      if (usageChunk == null) {
        assertThat(end.usageChunk()).as(description).isNull();
      } else {
        assertThat(JSON.readTree(end.usageChunk())).as(description).isEqualTo(usageChunk);
      }
    }
  }
}
