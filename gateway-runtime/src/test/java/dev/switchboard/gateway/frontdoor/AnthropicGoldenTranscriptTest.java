package dev.switchboard.gateway.frontdoor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.http.ApiException;
import dev.switchboard.gateway.http.OpenAiError;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.gateway.upstream.Operation;
import dev.switchboard.gateway.upstream.adapter.AnthropicAdapter;
import dev.switchboard.gateway.upstream.adapter.AnthropicChatTranslation;
import dev.switchboard.gateway.upstream.adapter.OpenAiAdapter;
import dev.switchboard.gateway.upstream.adapter.StreamDecoder;
import dev.switchboard.gateway.upstream.adapter.StreamEventFacts;
import dev.switchboard.gateway.upstream.adapter.UpstreamError;
import dev.switchboard.mock.sse.SseEvent;
import dev.switchboard.mock.sse.SseParser;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden transcripts of the Anthropic translation, both directions, from {@code
 * src/test/resources/anthropic/}: {@code anthropic-to-chat.json} (Messages requests bridged to
 * chat; Anthropic answers, stream events and error bodies read for chat clients) and {@code
 * chat-to-anthropic.json} (chat requests sent to Anthropic; chat answers, chunk streams and gateway
 * errors written for Messages clients). Each case is one JSON input and the exact expected output.
 */
class AnthropicGoldenTranscriptTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long CREATED = 1_700_000_000L;

  /** Numbers compare by value (an int 5 equals a long 5), everything else exactly. */
  private static final Comparator<JsonNode> BY_VALUE =
      (a, b) -> {
        if (a.isNumber() && b.isNumber()) {
          return a.decimalValue().compareTo(b.decimalValue());
        }
        return a.equals(b) ? 0 : 1;
      };

  static Stream<Arguments> anthropicToChat() throws IOException {
    return cases("anthropic-to-chat.json");
  }

  static Stream<Arguments> chatToAnthropic() throws IOException {
    return cases("chat-to-anthropic.json");
  }

  private static Stream<Arguments> cases(String file) throws IOException {
    try (InputStream in =
        AnthropicGoldenTranscriptTest.class.getResourceAsStream("/anthropic/" + file)) {
      List<Arguments> out = new ArrayList<>();
      for (JsonNode c : JSON.readTree(in).path("cases")) {
        out.add(Arguments.of(c.path("kind").asText() + ": " + c.path("name").asText(), c));
      }
      assertThat(out).as(file + " holds at least 50 transcripts").hasSizeGreaterThanOrEqualTo(50);
      return out.stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("anthropicToChat")
  void anthropicToChat(String name, JsonNode c) throws Exception {
    JsonNode input = c.path("input");
    switch (c.path("kind").asText()) {
      case "request" -> {
        if (c.has("expectedError")) {
          assertThatThrownBy(() -> MessagesTranslation.toChatRequest((ObjectNode) input))
              .isInstanceOf(ApiException.class)
              .satisfies(e -> assertBadRequest((ApiException) e, c));
        } else {
          assertJson(MessagesTranslation.toChatRequest((ObjectNode) input), c.path("expected"));
        }
      }
      case "reply" -> {
        Buffer chat =
            new AnthropicAdapter()
                .replyBody(
                    Buffer.buffer(input.toString()), Operation.CHAT_COMPLETIONS, () -> CREATED);
        assertJson(JSON.readTree(chat.getBytes()), c.path("expected"));
      }
      case "stream" -> {
        StreamDecoder decoder =
            new AnthropicAdapter().streamDecoder(Operation.CHAT_COMPLETIONS, false, CREATED);
        ArrayNode actual = JSON.createArrayNode();
        for (JsonNode event : input) {
          actual.add(projection(decoder.decode(event.toString(), null)));
        }
        assertJson(actual, c.path("expected"));
      }
      case "error" -> {
        UpstreamError error = new AnthropicAdapter().decodeError(Buffer.buffer(input.toString()));
        JsonNode expected = c.path("expected");
        if (expected.isNull()) {
          assertThat(error).isNull();
        } else {
          assertThat(error.message()).isEqualTo(expected.path("message").asText());
          assertThat(error.type()).isEqualTo(expected.path("type").asText());
          assertThat(error.code()).isEqualTo(expected.path("code").asText());
        }
      }
      default -> throw new AssertionError("unknown kind in " + name);
    }
  }

  /** What a decoded event relays, reduced to the first choice's delta, finish and usage. */
  private static JsonNode projection(StreamEventFacts facts) throws IOException {
    switch (facts.kind()) {
      case DROP -> {
        return JsonNodeFactory.instance.nullNode();
      }
      case DONE -> {
        if (facts.usageChunk() == null) {
          return JsonNodeFactory.instance.textNode(facts.payload());
        }
        // OpenAI's usage chunk: its own event before [DONE], no choices.
        JsonNode usageChunk = JSON.readTree(facts.usageChunk());
        assertThat(usageChunk.path("object").asText()).isEqualTo("chat.completion.chunk");
        assertThat(usageChunk.path("created").asLong()).isEqualTo(CREATED);
        assertThat(usageChunk.path("choices").isArray()).isTrue();
        assertThat(usageChunk.path("choices")).isEmpty();
        ObjectNode out = JSON.createObjectNode();
        out.set("usage_chunk", usageChunk.get("usage"));
        out.put("then", facts.payload());
        return out;
      }
      case ERROR -> {
        return JSON.createObjectNode().put("error", facts.errorType());
      }
      case CHUNK -> {
        JsonNode chunk = JSON.readTree(facts.payload());
        assertThat(chunk.path("object").asText()).isEqualTo("chat.completion.chunk");
        assertThat(chunk.path("created").asLong()).isEqualTo(CREATED);
        ObjectNode out = JSON.createObjectNode();
        out.set("delta", chunk.at("/choices/0/delta"));
        out.set("finish_reason", chunk.at("/choices/0/finish_reason"));
        if (chunk.has("usage")) {
          out.set("usage", chunk.get("usage"));
        }
        return out;
      }
      default -> throw new AssertionError("malformed event");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("chatToAnthropic")
  void chatToAnthropic(String name, JsonNode c) throws Exception {
    JsonNode input = c.path("input");
    switch (c.path("kind").asText()) {
      case "request" -> {
        if (c.has("expectedError")) {
          assertThatThrownBy(
                  () -> AnthropicChatTranslation.toMessagesRequest((ObjectNode) input, "claude-x"))
              .isInstanceOf(ApiException.class)
              .satisfies(e -> assertBadRequest((ApiException) e, c));
        } else {
          assertJson(
              AnthropicChatTranslation.toMessagesRequest((ObjectNode) input, "claude-x"),
              c.path("expected"));
        }
      }
      case "reply" ->
          assertJson(MessagesTranslation.toMessage(input, "msg_req1", "route"), c.path("expected"));
      case "stream" -> {
        StreamDecoder decoder =
            new OpenAiAdapter().streamDecoder(Operation.CHAT_COMPLETIONS, false, 0);
        ObjectNode request = JSON.createObjectNode().put("model", "route");
        StreamEncoder encoder =
            new MessagesFrontDoor()
                .streamEncoder(
                    Operation.CHAT_COMPLETIONS,
                    request,
                    new RequestContext("req1", Operation.MESSAGES, new ManualClock()));
        Buffer out = Buffer.buffer();
        for (JsonNode chunk : input) {
          String data = chunk.isTextual() ? chunk.asText() : chunk.toString();
          StreamEventFacts facts = decoder.decode(data, null);
          Buffer written =
              facts.kind() == StreamEventFacts.Kind.DONE
                  ? encoder.end(facts)
                  : encoder.event(facts);
          if (written != null) {
            out.appendBuffer(written);
          }
        }
        ArrayNode actual = JSON.createArrayNode();
        for (SseEvent event : SseParser.parseAll(out.toString())) {
          actual.addArray().add(event.event()).add(JSON.readTree(event.data()));
        }
        assertJson(actual, c.path("expected"));
      }
      case "error" -> {
        OpenAiError error =
            new OpenAiError(
                input.path("status").asInt(),
                input.path("message").asText(),
                input.path("type").asText(),
                null,
                null,
                "test");
        assertJson(
            JSON.readTree(new MessagesFrontDoor().encodeError(error).getBytes()),
            c.path("expected"));
      }
      default -> throw new AssertionError("unknown kind in " + name);
    }
  }

  private static void assertBadRequest(ApiException e, JsonNode c) {
    assertThat(e.error().status()).isEqualTo(400);
    assertThat(e.error().message()).contains(c.path("expectedError").asText());
  }

  private static void assertJson(JsonNode actual, JsonNode expected) {
    assertThat(actual.equals(BY_VALUE, expected))
        .as("expected%n  %s%nbut got%n  %s", expected, actual)
        .isTrue();
  }
}
