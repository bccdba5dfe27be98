package dev.switchboard.gateway.upstream.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.gateway.upstream.Operation;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The answer text a passed-through chunk adds is counted by the decoder's well-formedness check
 * ({@link OpenAiStreamDecoder#wellFormedText}): exactly what decoding its content would count, so a
 * stream that ends without usage is estimated alike whether or not anybody decoded its chunks, and
 * no chunk is parsed a second time for it.
 */
class PassedThroughTextCountTest {

  private final UpstreamAdapter openAi = new OpenAiAdapter();

  /** What decoding counts: text, reasoning, refusal, tool-call names and arguments. */
  static long decoded(StreamEventFacts event) {
    long chars = 0;
    chars += event.textDelta() == null ? 0 : event.textDelta().length();
    chars += event.reasoningDelta() == null ? 0 : event.reasoningDelta().length();
    chars += event.refusalDelta() == null ? 0 : event.refusalDelta().length();
    for (ToolCallDelta call : event.toolCallDeltas()) {
      chars += call.name() == null ? 0 : call.name().length();
      chars += call.arguments() == null ? 0 : call.arguments().length();
    }
    return chars;
  }

  static String chunk(String choices) {
    return "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o\","
        + "\"system_fingerprint\":\"fp\",\"choices\":"
        + choices
        + "}";
  }

  @Test
  void everyShapeOfChunkCountsWhatItsDecodedContentHas() {
    List<String> chunks =
        List.of(
            chunk("[{\"index\":0,\"delta\":{\"content\":\"Hello\"},\"finish_reason\":null}]"),
            chunk(
                "[{\"index\":0,\"delta\":{\"content\":\"caf\\u00e9 \\\"q\\\" \\\\ nl\\n"
                    + " \\ud83d\\ude00 東京\"},\"finish_reason\":null}]"),
            chunk("[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]"),
            chunk("[{\"index\":0,\"delta\":{\"reasoning_content\":\"Let me think\"}}]"),
            chunk("[{\"index\":0,\"delta\":{\"reasoning\":\"vLLM thinks\"}}]"),
            // Both (vLLM for a while): the reasoning is reasoning_content, counted once.
            chunk(
                "[{\"index\":0,\"delta\":{\"reasoning_content\":\"once\",\"reasoning\":\"once\"}}]"),
            chunk(
                "[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\","
                    + "\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
                    + "\"arguments\":\"{\\\"city\\\":\"}}]}}]"),
            chunk(
                "[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,"
                    + "\"function\":{\"arguments\":\"Oslo\\\"}\"}}]}}]"),
            // Another choice (n > 1) adds nothing to the first choice's text.
            chunk("[{\"index\":1,\"delta\":{\"content\":\"second\"},\"finish_reason\":null}]"),
            // The index after the delta: still the first choice's.
            chunk("[{\"delta\":{\"content\":\"late index\"},\"index\":0}]"),
            chunk(
                "[{\"index\":1,\"delta\":{\"content\":\"no\"}},"
                    + "{\"index\":0,\"delta\":{\"content\":\"yes\"}}]"),
            // Token logprobs: their "content" array and tokens are no answer text.
            chunk(
                "[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"logprobs\":{\"content\":"
                    + "[{\"token\":\"Hi\",\"logprob\":-0.1,\"bytes\":[72,105],"
                    + "\"top_logprobs\":[]}]},\"finish_reason\":null}]"),
            chunk("[]"));
    for (String data : chunks) {
      StreamDecoder decoder = openAi.streamDecoder(Operation.CHAT_COMPLETIONS, false, 0);
      decoder.decode(chunk("[{\"index\":0,\"delta\":{\"role\":\"assistant\"}}]"), null);
      StreamEventFacts event = decoder.decode(data, null);
      assertThat(event.payload()).as(data).isSameAs(data); // passed through, unparsed
      long counted = event.textChars();
      assertThat(counted).as(data).isEqualTo(OpenAiStreamDecoder.wellFormedText(data, false));
      assertThat(counted).as(data).isEqualTo(decoded(event));
    }
  }

  @Test
  void aResponsesTextDeltaCountsItsDelta() {
    String data =
        "{\"type\":\"response.output_text.delta\",\"item_id\":\"msg_1\",\"output_index\":0,"
            + "\"content_index\":0,\"delta\":\"Hej \\u00e5\",\"sequence_number\":4}";
    StreamDecoder decoder = openAi.streamDecoder(Operation.RESPONSES, false, 0);
    StreamEventFacts event = decoder.decode(data, null);
    assertThat(event.payload()).isSameAs(data);
    assertThat(event.textChars()).isEqualTo(5).isEqualTo(event.textDelta().length());
  }

  @Test
  void countingParsesNoPassedThroughChunk() {
    List<String> events = WireSamples.events("openai-chat-stream-tool-calls.sse");
    StreamDecoder decoder = openAi.streamDecoder(Operation.CHAT_COMPLETIONS, true, 0);
    long counted = 0;
    StreamEventFacts last = null;
    for (String data : events) {
      last = decoder.decode(data, null);
      if (last.textChars() >= 0) {
        counted += last.textChars();
      }
    }
    assertThat(counted).isPositive();
    assertThat(last.textParses()).isZero();
  }

  /** An Anthropic stream with thinking, text and a tool call. */
  static final List<String> ANTHROPIC =
      List.of(
          "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\","
              + "\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\",\"content\":[],"
              + "\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}",
          "{\"type\":\"content_block_start\",\"index\":0,"
              + "\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}}",
          "{\"type\":\"content_block_delta\",\"index\":0,"
              + "\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"Two and two\"}}",
          "{\"type\":\"content_block_delta\",\"index\":0,"
              + "\"delta\":{\"type\":\"signature_delta\",\"signature\":\"sig1\"}}",
          "{\"type\":\"content_block_stop\",\"index\":0}",
          "{\"type\":\"content_block_start\",\"index\":1,"
              + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}",
          "{\"type\":\"content_block_delta\",\"index\":1,"
              + "\"delta\":{\"type\":\"text_delta\",\"text\":\"caf\\u00e9 is 4\"}}",
          "{\"type\":\"content_block_stop\",\"index\":1}",
          "{\"type\":\"content_block_start\",\"index\":2,\"content_block\":{\"type\":"
              + "\"tool_use\",\"id\":\"toolu_1\",\"name\":\"get_weather\",\"input\":{}}}",
          "{\"type\":\"content_block_delta\",\"index\":2,"
              + "\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"city\\\":\"}}",
          "{\"type\":\"content_block_delta\",\"index\":2,"
              + "\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\\\"Oslo\\\"}\"}}",
          "{\"type\":\"content_block_stop\",\"index\":2}",
          "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\"},"
              + "\"usage\":{\"output_tokens\":9}}",
          "{\"type\":\"message_stop\"}");

  @Test
  void anEventReadFromItsDecodersTreeCountsWhatItsDecodedContentHas() {
    for (Operation format : List.of(Operation.MESSAGES, Operation.CHAT_COMPLETIONS)) {
      StreamDecoder counting = new AnthropicAdapter().streamDecoder(format, false, 0);
      StreamDecoder decoding = new AnthropicAdapter().streamDecoder(format, false, 0);
      long total = 0;
      for (String data : ANTHROPIC) {
        long counted = counting.decode(data, null).answerChars();
        assertThat(counted).as(format + " " + data).isEqualTo(decoded(decoding.decode(data, null)));
        total += counted;
      }
      // "Two and two", "café is 4", get_weather and its arguments (the bridged stream adds "{}"
      // when the block stops, as a call without input would have).
      assertThat(total).as(format.name()).isGreaterThanOrEqualTo(11 + 9 + 11 + 15);
    }
    // A chunk the OpenAI decoder parsed (the first, one with a finish reason) is read the same way.
    StreamDecoder counting = openAi.streamDecoder(Operation.CHAT_COMPLETIONS, false, 0);
    StreamDecoder decoding = openAi.streamDecoder(Operation.CHAT_COMPLETIONS, false, 0);
    for (String data :
        List.of(
            chunk("[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hi\"}}]"),
            chunk(
                "[{\"index\":0,\"delta\":{\"content\":\" there\",\"refusal\":null},"
                    + "\"finish_reason\":\"stop\"}]"))) {
      StreamEventFacts event = counting.decode(data, null);
      assertThat(event.textChars()).isEqualTo(-1); // parsed, not passed through
      assertThat(event.answerChars()).as(data).isEqualTo(decoded(decoding.decode(data, null)));
      assertThat(event.answerChars()).isPositive();
    }
  }

  @Test
  void malformedTextIsNotCounted() {
    assertThat(OpenAiStreamDecoder.wellFormedText("{\"choices\":[{\"delta\":{", false))
        .isEqualTo(-1);
    assertThat(OpenAiStreamDecoder.wellFormedText("{\"delta\":\"x\"", true)).isEqualTo(-1);
  }
}
