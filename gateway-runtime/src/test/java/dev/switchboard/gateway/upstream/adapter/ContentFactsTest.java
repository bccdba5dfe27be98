package dev.switchboard.gateway.upstream.adapter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.gateway.upstream.Operation;
import dev.switchboard.gateway.upstream.ReplySummary;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The content facts another front door builds on — text deltas, tool-call fragments, a JSON
 * answer's text and tool calls — on recorded wire samples, and that the pass-through never pays for
 * them.
 */
class ContentFactsTest {

  private final UpstreamAdapter openAi = new OpenAiAdapter();
  private final UpstreamAdapter azure = new AzureOpenAiAdapter();

  /** A stream's text and tool calls, assembled from every event's deltas in order. */
  private static final class Assembled {
    final StringBuilder text = new StringBuilder();
    final ToolCallAssembly calls = new ToolCallAssembly();
    final List<String> textDeltas = new ArrayList<>();

    void add(StreamEventFacts f) {
      textDeltas.add(f.textDelta());
      if (f.textDelta() != null) {
        text.append(f.textDelta());
      }
      calls.add(f.toolCallDeltas());
    }

    List<ToolCall> toolCalls() {
      return calls.calls();
    }
  }

  private static Assembled assemble(UpstreamAdapter adapter, String sample, boolean stripUsage) {
    StreamDecoder decoder = adapter.streamDecoder(Operation.CHAT_COMPLETIONS, stripUsage, 0);
    Assembled assembled = new Assembled();
    for (String data : WireSamples.events(sample)) {
      assembled.add(decoder.decode(data, null));
    }
    return assembled;
  }

  @Test
  void theTextDeltasOfARecordedStreamGiveTheAnswer() {
    Assembled answer = assemble(openAi, "openai-chat-stream.sse", true);

    assertThat(answer.text.toString()).isEqualTo("Hello there");
    // Opening "" (role chunk), two pieces, nothing from the finish, usage and [DONE] events.
    assertThat(answer.textDeltas).containsExactly("", "Hello", " there", null, null, null);
    assertThat(answer.toolCalls()).isEmpty();
  }

  @Test
  void parallelToolCallsAssembleFromTheirFragments() {
    Assembled answer = assemble(openAi, "openai-chat-stream-tool-calls.sse", true);

    assertThat(answer.text.toString()).isEqualTo("Checking Zürich and 東京 \"now\" \uD83C\uDF27\n");
    assertThat(answer.toolCalls())
        .containsExactly(
            new ToolCall("call_Wx1zA", "function", "get_weather", "{\"location\": \"Zürich\"}"),
            new ToolCall(
                "call_Qp2bB",
                "function",
                "get_weather",
                "{\"location\": \"東京\", \"unit\": \"c\\\\elsius\"}"));
  }

  @Test
  void aFragmentIsItsOwnEventsOnly() {
    StreamDecoder decoder = openAi.streamDecoder(Operation.CHAT_COMPLETIONS, false, 0);
    List<String> events = WireSamples.events("openai-chat-stream-tool-calls.sse");
    for (String data : events.subList(0, 4)) {
      decoder.decode(data, null);
    }

    StreamEventFacts fifth = decoder.decode(events.get(4), null);
    assertThat(fifth.toolCallDeltas())
        .containsExactly(new ToolCallDelta(0, null, null, null, "ation\": \"Zür"));
    assertThat(fifth.textDelta()).isNull();
    // The reused facts object forgets the last event's content.
    StreamEventFacts finish = decoder.decode(events.get(9), null);
    assertThat(finish.finishReason()).isEqualTo("tool_calls");
    assertThat(finish.toolCallDeltas()).isEmpty();
    assertThat(decoder.decode("[DONE]", null).toolCallDeltas()).isEmpty();
  }

  @Test
  void aChunkNobodyAsksAboutIsNeverParsedForItsContent() {
    List<String> events = WireSamples.events("openai-chat-stream-tool-calls.sse");

    StreamDecoder relayOnly = openAi.streamDecoder(Operation.CHAT_COMPLETIONS, true, 0);
    StreamEventFacts last = null;
    for (String data : events) {
      last = relayOnly.decode(data, null);
    }
    assertThat(last.textParses()).isZero();

    // Asked on every event (twice): each pass-through chunk is parsed once; the chunks the decoder
    // parsed anyway (first, finish, usage) are read from its tree, [DONE] from nothing.
    StreamDecoder asking = openAi.streamDecoder(Operation.CHAT_COMPLETIONS, true, 0);
    int passedThrough = 0;
    for (int i = 0; i < events.size(); i++) {
      boolean plain = i > 0 && OpenAiStreamDecoder.passThrough(events.get(i), true) != null;
      passedThrough += plain ? 1 : 0;
      last = asking.decode(events.get(i), null);
      last.textDelta();
      last.toolCallDeltas();
      last.refusalDelta();
    }
    assertThat(passedThrough).isEqualTo(events.size() - 4);
    assertThat(last.textParses()).isEqualTo(passedThrough);
  }

  @Test
  void passedThroughAndParsedChunksDecodeEscapesAlike() {
    String content = "caf\\u00e9 \\\"q\\\" \\\\ \\/ tab\\t nl\\n \\ud83d\\ude00 東京";
    String expected = "café \"q\" \\ / tab\t nl\n \uD83D\uDE00 東京";
    String chunk =
        "{\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\""
            + content
            + "\"},\"finish_reason\":null}]}";
    StreamDecoder decoder = openAi.streamDecoder(Operation.CHAT_COMPLETIONS, false, 0);

    StreamEventFacts first = decoder.decode(chunk, openAi.parseEvent(chunk)); // the parsed path
    assertThat(first.textDelta()).isEqualTo(expected);
    assertThat(first.textParses()).isZero(); // read from the tree the decoder had
    StreamEventFacts second = decoder.decode(chunk, null); // the pass-through path
    assertThat(second.payload()).isSameAs(chunk);
    assertThat(second.textDelta()).isEqualTo(expected);
    assertThat(second.textParses()).isEqualTo(1);
  }

  @Test
  void aToolCallsGoogleThoughtSignatureIsAFactOnBothPathsAndInAJsonAnswer() throws Exception {
    // Where Google's OpenAI-compatible format (and the Gemini adapter's translation) puts it.
    String chunk =
        "{\"model\":\"gemini-3-flash\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":"
            + "[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"extra_content\":"
            + "{\"google\":{\"other\":[1],\"thought_signature\":\"c2ln\"},\"x\":{}},"
            + "\"function\":{\"name\":\"lookup\",\"arguments\":\"{}\"}}]},"
            + "\"finish_reason\":null}]}";
    ToolCallDelta signed = new ToolCallDelta(0, "call_1", "function", "lookup", "{}", "c2ln");
    StreamDecoder decoder = openAi.streamDecoder(Operation.CHAT_COMPLETIONS, false, 0);

    assertThat(decoder.decode(chunk, openAi.parseEvent(chunk)).toolCallDeltas())
        .containsExactly(signed);
    assertThat(decoder.decode(chunk, null).toolCallDeltas()).containsExactly(signed);

    String answer =
        chunk
            .replace("chat.completion.chunk", "chat.completion")
            .replace("\"delta\"", "\"message\"");
    assertThat(openAi.decodeReplyContent(bytes(answer)).toolCalls())
        .containsExactly(new ToolCall("call_1", "function", "lookup", "{}", "c2ln"));
  }

  @Test
  void onlyTheFirstChoiceCounts() {
    StreamDecoder decoder = openAi.streamDecoder(Operation.CHAT_COMPLETIONS, false, 0);
    decoder.decode("{\"model\":\"gpt-4o\",\"choices\":[]}", null);

    assertThat(
            decoder
                .decode("{\"choices\":[{\"index\":1,\"delta\":{\"content\":\"other\"}}]}", null)
                .textDelta())
        .isNull();
    // The index may follow the delta.
    assertThat(
            decoder
                .decode(
                    "{\"choices\":[{\"delta\":{\"content\":\"other\"},\"index\":1},"
                        + "{\"delta\":{\"content\":\"mine\"},\"index\":0}]}",
                    null)
                .textDelta())
        .isEqualTo("mine");
    // No index at all: the first element is the first choice.
    assertThat(
            decoder.decode("{\"choices\":[{\"delta\":{\"content\":\"only\"}}]}", null).textDelta())
        .isEqualTo("only");
  }

  @Test
  void aRefusalDeltaIsItsOwnText() {
    StreamDecoder decoder = openAi.streamDecoder(Operation.CHAT_COMPLETIONS, false, 0);
    StreamEventFacts f =
        decoder.decode(
            "{\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"refusal\":\"I can't help"
                + " with that.\"},\"finish_reason\":null}]}",
            null);
    assertThat(f.refusalDelta()).isEqualTo("I can't help with that.");
    assertThat(f.textDelta()).isNull();
  }

  /**
   * A passed-through Responses stream's reasoning (a summary, or the reasoning text some servers
   * stream) is reasoning, not the answer's text: billed as output, so counted when a stream cut
   * while the model reasons is settled.
   */
  @Test
  void aResponsesStreamsReasoningDeltasAreReasoning() {
    StreamDecoder decoder = openAi.streamDecoder(Operation.RESPONSES, false, 0);
    StreamEventFacts summary =
        decoder.decode(
            "{\"type\":\"response.reasoning_summary_text.delta\",\"item_id\":\"rs_1\","
                + "\"output_index\":0,\"summary_index\":0,\"delta\":\"Weighing\",\"sequence_number\":4}",
            null);
    assertThat(summary.reasoningDelta()).isEqualTo("Weighing");
    assertThat(summary.textDelta()).isNull();
    StreamEventFacts reasoning =
        decoder.decode(
            "{\"type\":\"response.reasoning_text.delta\",\"item_id\":\"rs_1\",\"output_index\":0,"
                + "\"content_index\":0,\"delta\":\" the options\",\"sequence_number\":5}",
            null);
    assertThat(reasoning.reasoningDelta()).isEqualTo(" the options");
    StreamEventFacts text =
        decoder.decode(
            "{\"type\":\"response.output_text.delta\",\"item_id\":\"msg_1\",\"output_index\":1,"
                + "\"content_index\":0,\"delta\":\"Hi\",\"sequence_number\":9}",
            null);
    assertThat(text.textDelta()).isEqualTo("Hi");
    assertThat(text.reasoningDelta()).isNull();
  }

  @Test
  void azureStreamsFilterResultsAndEmptyFirstEventAddNoContent() {
    Assembled text = assemble(azure, "azure-chat-stream.sse", true);
    assertThat(text.textDeltas).containsExactly(null, "", "Hi", null, null, null);

    Assembled tools = assemble(azure, "azure-chat-stream-tool-calls.sse", false);
    assertThat(tools.text.toString()).isEmpty();
    // The asynchronous filter's offsets event carries no delta at all.
    assertThat(tools.textDeltas).containsOnlyNulls();
    assertThat(tools.toolCalls())
        .containsExactly(
            new ToolCall("call_Az7q", "function", "lookup_order", "{\"order_id\": \"A-17é\"}"));
  }

  @Test
  void aJsonAnswersTextAndToolCallsAreReadOnDemand() throws Exception {
    ReplyContent tools =
        openAi.decodeReplyContent(
            bytes(WireSamples.text("openai-chat-completion-tool-calls.json")));
    assertThat(tools.text()).isNull();
    assertThat(tools.refusal()).isNull();
    assertThat(tools.toolCalls())
        .containsExactly(
            new ToolCall(
                "call_A1b2",
                "function",
                "get_weather",
                "{\"location\":\"Zürich\",\"unit\":\"celsius\"}"),
            new ToolCall(
                "call_C3d4",
                "function",
                "get_time",
                "{\"tz\":\"Asia/Tokyo\",\"note\":\"line\\nbreak\"}"));

    ReplyContent text =
        azure.decodeReplyContent(bytes(WireSamples.text("azure-chat-completion.json")));
    assertThat(text).isEqualTo(new ReplyContent("Hello! How can I help?", null, List.of()));
  }

  @Test
  void argumentsSentAsAnObjectComeBackAsJsonText() throws Exception {
    ReplyContent content =
        openAi.decodeReplyContent(
            bytes(
                "{\"choices\":[{\"message\":{\"content\":\"\",\"tool_calls\":[{\"id\":\"c1\","
                    + "\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":"
                    + "{\"a\": [1, \"\\u00e9\"]}}}]}}]}"));
    assertThat(content.text()).isEmpty();
    assertThat(content.toolCalls())
        .containsExactly(new ToolCall("c1", "function", "f", "{\"a\":[1,\"é\"]}"));
  }

  @Test
  void fragmentsOfInterleavedCallsGoToTheirIndexAndTheFirstIdStands() {
    ToolCallAssembly assembly = new ToolCallAssembly();
    assertThat(assembly.isEmpty()).isTrue();
    assembly.add(
        List.of(
            new ToolCallDelta(1, "call_b", "function", "g", "{\"y\""),
            new ToolCallDelta(0, "call_a", "function", "f", "")));
    assembly.add(List.of(new ToolCallDelta(0, "call_a", null, "f", "{}")));
    assembly.add(List.of(new ToolCallDelta(1, "call_x", null, null, ":2}")));

    assertThat(assembly.calls())
        .containsExactly(
            new ToolCall("call_a", "function", "f", "{}"),
            new ToolCall("call_b", "function", "g", "{\"y\":2}"));
  }

  @Test
  void aBodyThatIsNotAnObjectIsABadReply() {
    assertThatThrownBy(() -> openAi.decodeReplyContent(bytes("[1,2]")))
        .isInstanceOf(ReplySummary.BadReply.class)
        .hasMessageContaining("not a JSON object");
    assertThatThrownBy(() -> openAi.decodeReplyContent(bytes("<html>")))
        .isInstanceOf(ReplySummary.BadReply.class);
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
