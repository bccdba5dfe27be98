package dev.switchboard.gateway.frontdoor;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.http.OpenAiError;
import dev.switchboard.gateway.request.TokenUsage;
import dev.switchboard.gateway.upstream.adapter.StreamEventFacts;
import dev.switchboard.gateway.upstream.adapter.ToolCallDelta;
import io.vertx.core.buffer.Buffer;

/**
 * A bridged stream (chat completion chunks from a target that does not speak Messages) written as
 * Anthropic's event sequence: {@code message_start} and a {@code ping} on the first chunk, one
 * {@code content_block_start … content_block_delta … content_block_stop} per reasoning run (a
 * {@code thinking} block of {@code thinking_delta}s, when the client asked for thinking), text run
 * or tool call (arguments as {@code input_json_delta}; a Gemini call's thought signature as a
 * {@code thinking} block before it, {@link ThoughtCarrier}), and at the end {@code message_delta}
 * (stop reason, usage) and {@code message_stop}. One per stream.
 */
final class MessagesStreamEncoder implements StreamEncoder {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private enum Block {
    NONE,
    TEXT,
    THINKING,
    TOOL
  }

  private final String id;
  private final String requestedModel;

  /**
   * Whether the client asked for thinking: only then does reasoning text become thinking blocks.
   */
  private final boolean thinking;

  private boolean started;
  private Block open = Block.NONE;
  private int blockIndex = -1;
  private int toolCall = -1;

  /** Whether a tool_use block was opened: the stop reason is then tool_use even for "stop". */
  private boolean toolUse;

  /** Whether the answer streamed a refusal: the stop reason is then refusal even for "stop". */
  private boolean refused;

  private String finishReason;
  private TokenUsage usage;

  /**
   * @param thinking the client asked for thinking ({@link MessagesTranslation#asksForThinking}):
   *     the target's reasoning text streams as {@code thinking} blocks
   */
  MessagesStreamEncoder(String id, String requestedModel, boolean thinking) {
    this.id = id;
    this.requestedModel = requestedModel;
    this.thinking = thinking;
  }

  @Override
  public Buffer event(StreamEventFacts event) {
    Buffer out = Buffer.buffer();
    start(out, event.model());
    String reasoning = thinking ? event.reasoningDelta() : null;
    if (reasoning != null && !reasoning.isEmpty()) {
      if (open != Block.THINKING) {
        close(out);
        // A chat target signs nothing: the signature is empty (MessagesTranslation#thinkingBlock).
        open(out, MessagesTranslation.thinkingBlock(NODES.objectNode(), ""), Block.THINKING);
      }
      ObjectNode delta = blockEvent("content_block_delta");
      delta.putObject("delta").put("type", "thinking_delta").put("thinking", reasoning);
      out.appendBuffer(MessagesFrontDoor.sseEvent("content_block_delta", delta.toString()));
    }
    String text = event.textDelta();
    if (text == null || text.isEmpty()) {
      text = event.refusalDelta();
      refused |= text != null && !text.isEmpty();
    }
    if (text != null && !text.isEmpty()) {
      if (open != Block.TEXT) {
        close(out);
        open(out, NODES.objectNode().put("type", "text").put("text", ""), Block.TEXT);
      }
      ObjectNode delta = blockEvent("content_block_delta");
      delta.putObject("delta").put("type", "text_delta").put("text", text);
      out.appendBuffer(MessagesFrontDoor.sseEvent("content_block_delta", delta.toString()));
    }
    for (ToolCallDelta call : event.toolCallDeltas()) {
      if (open != Block.TOOL || call.index() != toolCall) {
        close(out);
        toolCall = call.index();
        toolUse = true;
        if (call.thoughtSignature() != null && !call.thoughtSignature().isEmpty()) {
          thinkingCarrier(out, call.thoughtSignature());
        }
        ObjectNode block = NODES.objectNode().put("type", "tool_use");
        block.put("id", call.id() == null ? "toolu_" + id + "_" + call.index() : call.id());
        block.put("name", call.name() == null ? "" : call.name());
        block.putObject("input");
        open(out, block, Block.TOOL);
      }
      if (call.arguments() != null && !call.arguments().isEmpty()) {
        ObjectNode delta = blockEvent("content_block_delta");
        delta
            .putObject("delta")
            .put("type", "input_json_delta")
            .put("partial_json", call.arguments());
        out.appendBuffer(MessagesFrontDoor.sseEvent("content_block_delta", delta.toString()));
      }
    }
    if (event.finishReason() != null) {
      finishReason = event.finishReason();
    }
    if (event.usage() != null) {
      usage = event.usage();
    }
    return out.length() == 0 ? null : out;
  }

  @Override
  public Buffer end(StreamEventFacts done) {
    Buffer out = Buffer.buffer();
    start(out, null);
    close(out);
    if (done.usage() != null) {
      usage = done.usage();
    }
    ObjectNode delta = NODES.objectNode().put("type", "message_delta");
    delta
        .putObject("delta")
        .put("stop_reason", MessagesTranslation.stopReason(finishReason, toolUse, refused))
        .putNull("stop_sequence");
    ObjectNode u = delta.putObject("usage");
    if (usage != null) {
      long cached = Math.min(usage.cachedInputTokens(), usage.inputTokens());
      u.put("input_tokens", usage.inputTokens() - cached);
      u.put("cache_creation_input_tokens", 0);
      u.put("cache_read_input_tokens", cached);
      u.put("output_tokens", usage.outputTokens());
    } else {
      u.put("output_tokens", 0);
    }
    out.appendBuffer(MessagesFrontDoor.sseEvent("message_delta", delta.toString()));
    out.appendBuffer(MessagesFrontDoor.sseEvent("message_stop", "{\"type\":\"message_stop\"}"));
    return out;
  }

  @Override
  public Buffer error(OpenAiError error) {
    return MessagesFrontDoor.sseEvent("error", MessagesFrontDoor.errorJson(error).toString());
  }

  private void start(Buffer out, String model) {
    if (started) {
      return;
    }
    started = true;
    ObjectNode start = NODES.objectNode().put("type", "message_start");
    ObjectNode message = start.putObject("message");
    message.put("id", id);
    message.put("type", "message");
    message.put("role", "assistant");
    message.put("model", model != null ? model : requestedModel);
    message.putArray("content");
    message.putNull("stop_reason");
    message.putNull("stop_sequence");
    message.putObject("usage").put("input_tokens", 0).put("output_tokens", 0);
    out.appendBuffer(MessagesFrontDoor.sseEvent("message_start", start.toString()));
    out.appendBuffer(MessagesFrontDoor.sseEvent("ping", "{\"type\":\"ping\"}"));
  }

  /**
   * A Gemini call's thought signature as a whole {@code thinking} block before its {@code tool_use}
   * block, framed as Anthropic streams one: {@code content_block_start} with empty thinking and
   * signature, a {@code signature_delta} with the carrier, {@code content_block_stop}.
   */
  private void thinkingCarrier(Buffer out, String signature) {
    ObjectNode block = NODES.objectNode().put("type", "thinking").put("thinking", "");
    block.put("signature", "");
    open(out, block, Block.THINKING);
    ObjectNode delta = blockEvent("content_block_delta");
    delta
        .putObject("delta")
        .put("type", "signature_delta")
        .put("signature", ThoughtCarrier.carry(signature));
    out.appendBuffer(MessagesFrontDoor.sseEvent("content_block_delta", delta.toString()));
    close(out);
  }

  private void open(Buffer out, ObjectNode block, Block kind) {
    blockIndex++;
    open = kind;
    ObjectNode event = blockEvent("content_block_start");
    event.set("content_block", block);
    out.appendBuffer(MessagesFrontDoor.sseEvent("content_block_start", event.toString()));
  }

  private void close(Buffer out) {
    if (open == Block.NONE) {
      return;
    }
    open = Block.NONE;
    out.appendBuffer(
        MessagesFrontDoor.sseEvent(
            "content_block_stop", blockEvent("content_block_stop").toString()));
  }

  private ObjectNode blockEvent(String type) {
    return NODES.objectNode().put("type", type).put("index", blockIndex);
  }
}
