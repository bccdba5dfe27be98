package dev.switchboard.gateway.upstream.adapter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.upstream.Operation;
import dev.switchboard.gateway.upstream.ReplySummary;
import io.vertx.core.buffer.Buffer;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link UpstreamAdapter#decode}, which reads an answer once for its facts and the client's body,
 * says what {@link UpstreamAdapter#decodeReply} and {@link UpstreamAdapter#replyBody} say apart
 * (the translating adapters override it to parse once): over the Gemini and Anthropic golden
 * answers, and for bodies that are not answers.
 */
class DecodeOnceTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long CREATED = 1_700_000_000L;

  static Stream<Path> geminiReplies() throws Exception {
    Path dir = Path.of(DecodeOnceTest.class.getResource("/gemini-golden/reply").toURI());
    try (Stream<Path> list = Files.list(dir)) {
      // Answers only: errors and streams take other paths.
      return list
          .filter(p -> p.toString().endsWith(".json"))
          .filter(DecodeOnceTest::isAnswer)
          .sorted()
          .toList()
          .stream();
    }
  }

  private static boolean isAnswer(Path golden) {
    try {
      String kind = JSON.readTree(golden.toFile()).path("kind").asText();
      return kind.equals("json") || kind.equals("embeddings");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static Stream<JsonNode> anthropicReplies() throws Exception {
    try (InputStream in =
        DecodeOnceTest.class.getResourceAsStream("/anthropic/anthropic-to-chat.json")) {
      List<JsonNode> out = new ArrayList<>();
      for (JsonNode c : JSON.readTree(in).path("cases")) {
        if (c.path("kind").asText().equals("reply")) {
          out.add(c.path("input"));
        }
      }
      return out.stream();
    }
  }

  private static PlannedTarget target(String kind, String model) {
    return new PlannedTarget(
        TestTables.target("p", model, 0),
        TestTables.provider("p", kind, "http://127.0.0.1:9/v1", true, Map.of(), null),
        PlannedTarget.STABLE);
  }

  /** decode against decodeReply + replyBody, for one answer. */
  private static void sameAsApart(
      UpstreamAdapter adapter, byte[] body, Operation op, PlannedTarget pt, ObjectNode request)
      throws Exception {
    ReplySummary summary = adapter.decodeReply(body, op);
    Buffer apart = adapter.replyBody(Buffer.buffer(body), op, pt, request, () -> CREATED);

    UpstreamAdapter.DecodedReply once =
        adapter.decode(body, Buffer.buffer(body), op, pt, request, () -> CREATED);

    assertThat(once.summary()).isEqualTo(summary);
    assertThat(JSON.readTree(once.body().getBytes())).isEqualTo(JSON.readTree(apart.getBytes()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("geminiReplies")
  void geminiDecodesAsItDidApart(Path file) throws Exception {
    JsonNode golden = JSON.readTree(file.toFile());
    String kind = golden.path("kind").asText();
    byte[] body = golden.get("gemini").toString().getBytes();
    if (kind.equals("json")) {
      sameAsApart(
          new GeminiAdapter(),
          body,
          Operation.CHAT_COMPLETIONS,
          target("gemini", "gemini-2.0-flash"),
          null);
    } else {
      ObjectNode request = JSON.createObjectNode();
      if (golden.get("base64").asBoolean()) {
        request.put("encoding_format", "base64");
      }
      sameAsApart(
          new GeminiAdapter(),
          body,
          Operation.EMBEDDINGS,
          target("gemini", golden.get("targetModel").asText()),
          request);
    }
  }

  @ParameterizedTest
  @MethodSource("anthropicReplies")
  void anthropicDecodesAsItDidApart(JsonNode answer) throws Exception {
    byte[] body = answer.toString().getBytes();
    PlannedTarget pt = target("anthropic", "claude-sonnet-4-5");
    // Translated for a chat client, and passed through for a Messages client.
    sameAsApart(new AnthropicAdapter(), body, Operation.CHAT_COMPLETIONS, pt, null);
    sameAsApart(new AnthropicAdapter(), body, Operation.MESSAGES, pt, null);
  }

  @Test
  void aBodyThatIsNoAnswerIsABadReplyAsBefore() {
    PlannedTarget gemini = target("gemini", "gemini-2.0-flash");
    for (String body : List.of("<html>", "[]", "{\"error\":{\"code\":500}}", "{\"x\":1}")) {
      assertThatThrownBy(
              () ->
                  new GeminiAdapter()
                      .decode(
                          body.getBytes(),
                          Buffer.buffer(body),
                          Operation.CHAT_COMPLETIONS,
                          gemini,
                          null,
                          () -> CREATED))
          .as(body)
          .isInstanceOf(ReplySummary.BadReply.class);
      assertThatThrownBy(
              () ->
                  new AnthropicAdapter()
                      .decode(
                          body.getBytes(),
                          Buffer.buffer(body),
                          Operation.CHAT_COMPLETIONS,
                          target("anthropic", "claude"),
                          null,
                          () -> CREATED))
          .as(body)
          .isInstanceOf(ReplySummary.BadReply.class);
    }
  }
}
