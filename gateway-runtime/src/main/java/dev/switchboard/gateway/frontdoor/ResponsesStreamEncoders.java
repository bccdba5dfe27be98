package dev.switchboard.gateway.frontdoor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.http.OpenAiError;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.upstream.adapter.StreamEventFacts;
import dev.switchboard.gateway.upstream.adapter.ToolCallDelta;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * The two stream encoders of the Responses front door: {@link PassThrough} relays a
 * Responses-native provider's events (adding the {@code event:} line), {@link Bridged} writes the
 * Responses event sequence for a chat-completions stream. Both end a failed stream with exactly one
 * {@code error} event and tell the front door which response id the stream produced.
 */
final class ResponsesStreamEncoders {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final byte[] EVENT = "event: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] DATA = "\ndata: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);
  private static final String CREATED = "{\"type\":\"response.created\"";
  private static final String OUTPUT_TEXT = "output_text";
  private static final String REFUSAL = "refusal";

  private ResponsesStreamEncoders() {}

  /** One SSE event {@code event: type\ndata: json\n\n}, appended to {@code out}. */
  static Buffer frame(Buffer out, String type, String json) {
    byte[] utf8 = json.getBytes(StandardCharsets.UTF_8);
    if (type != null) {
      out.appendBytes(EVENT).appendString(type, "US-ASCII");
      out.appendBytes(DATA);
    } else {
      out.appendString("data: ");
    }
    return out.appendBytes(utf8).appendBytes(END);
  }

  /** The {@code error} event that ends a failed stream. */
  static String errorEvent(OpenAiError error, long sequence) {
    ObjectNode event = NODES.objectNode();
    event.put("type", "error");
    event.put("code", error.code() != null ? error.code() : error.type());
    event.put("message", error.message());
    event.put("param", error.param());
    event.put("sequence_number", sequence);
    return event.toString();
  }

  /** The {@code "type"} of an event whose JSON opens with it (as OpenAI's do), else null. */
  static String leadingType(String json) {
    if (!json.startsWith("{\"type\":\"")) {
      return null;
    }
    int end = json.indexOf('"', 9);
    return end < 0 ? null : json.substring(9, end);
  }

  /** Relays a native Responses stream; learns the response id from {@code response.created}. */
  static final class PassThrough implements StreamEncoder {
    private final BiConsumer<String, Boolean> onResponseId;
    private int relayed;

    /**
     * @param onResponseId told the id of the streamed response and whether the provider stores it
     */
    PassThrough(BiConsumer<String, Boolean> onResponseId) {
      this.onResponseId = onResponseId;
    }

    @Override
    public Buffer event(StreamEventFacts event) {
      String payload = event.payload();
      if (payload.startsWith(CREATED)) {
        learnId(payload);
      }
      relayed++;
      return frame(Buffer.buffer(payload.length() + 64), leadingType(payload), payload);
    }

    private void learnId(String payload) {
      try {
        JsonNode response = JSON.readTree(payload).path("response");
        String id = ResponsesBridge.textValue(response.get("id"));
        if (id != null) {
          onResponseId.accept(id, response.path("store").asBoolean(true));
        }
      } catch (IOException unreadable) {
        // the relay judged it already; without an id there is nothing to remember
      }
    }

    @Override
    public Buffer end(StreamEventFacts done) {
      relayed++;
      String payload = done.payload();
      return frame(Buffer.buffer(payload.length() + 64), leadingType(payload), payload);
    }

    @Override
    public Buffer error(OpenAiError error) {
      // OpenAI numbers a stream's events from 0, so the error follows the last relayed one.
      return frame(Buffer.buffer(), "error", errorEvent(error, relayed));
    }
  }

  /**
   * Writes a chat-completions stream as the Responses event sequence: {@code response.created},
   * {@code response.in_progress}, then per output item {@code output_item.added}, its content parts
   * ({@code output_text} or {@code refusal}, each {@code content_part.added}, deltas, {@code done}
   * events), reasoning text ({@code reasoning_text.delta} events and {@code reasoning_text.done}:
   * the target's {@code reasoning_content}, which streams before the answer) or arguments deltas,
   * {@code output_item.done}, and finally {@code response.completed} (or {@code
   * response.incomplete}) with the output and usage. A Gemini call's thought signature is a {@code
   * reasoning} item of its own before the call's ({@link ThoughtCarrier}); an Anthropic target's
   * thinking blocks, when the client included encrypted reasoning, are the carrier in the {@code
   * encrypted_content} of the reasoning item of their text, in its {@code output_item.done} ({@link
   * StreamEventFacts#thinkingBlocks}). Sequence numbers count from 0; items are numbered by output
   * index in the order they open.
   */
  static final class Bridged implements StreamEncoder {
    private final ObjectNode request;
    private final RequestContext ctx;
    private final BiConsumer<String, Boolean> onResponseId;
    private final String id = ResponsesObjects.newId("resp");
    private final long createdAt;
    private final ArrayNode finished = NODES.arrayNode();
    private ObjectNode response;
    private int sequence;
    private int nextOutputIndex;
    private String serviceTier; // the last a parsed chunk reported

    // the open message item, if any, and its open content part (output_text or refusal), if any
    private String messageId;
    private int messageIndex;
    private ArrayNode parts;
    private String partType;
    private StringBuilder partText;
    private ArrayNode partLogprobs; // the open output_text part's token logprobs, chat's shape

    // the open reasoning item, if any, and its text so far
    private String reasoningId;
    private int reasoningIndex;
    private StringBuilder reasoningText;
    private boolean reasoningHasText; // false: an item opened by a thinking block without text

    // whether Anthropic's thinking blocks go back to the client (include names encrypted content),
    // and those of the open reasoning item
    private final boolean returnsThinking;
    private ArrayNode reasoningBlocks;

    // the open function call item, if any (by its chat tool-call index)
    private int callChatIndex = -1;
    private ObjectNode callItem;
    private int callIndex;
    private StringBuilder arguments;

    Bridged(ObjectNode request, RequestContext ctx, BiConsumer<String, Boolean> onResponseId) {
      this.request = request;
      this.ctx = ctx;
      this.onResponseId = onResponseId;
      this.createdAt = ctx.clock().currentTimeMillis() / 1000;
      this.returnsThinking = ResponsesBridge.returnsThinking(request);
    }

    @Override
    public Buffer event(StreamEventFacts event) {
      Buffer out = Buffer.buffer(256);
      start(out, event.model());
      if (event.serviceTier() != null) {
        serviceTier = event.serviceTier();
      }
      // Anthropic thinking blocks that ended before this event: the open reasoning item's.
      List<ObjectNode> ended = event.thinkingBlocks();
      if (ended != null && returnsThinking) {
        thinkingBlocks(out, ended);
      }
      // Read with the text from the chunk the adapter parsed for it: no parse of its own.
      String reasoning = event.reasoningDelta();
      if (reasoning != null && !reasoning.isEmpty()) {
        reasoningDelta(out, reasoning);
      }
      String delta = event.textDelta();
      if (delta != null && !delta.isEmpty()) {
        ObjectNode e = contentDelta(out, OUTPUT_TEXT, delta);
        ArrayNode logprobs = e.putArray("logprobs");
        JsonNode tokens = event.logprobs(); // null unless the request asked for them
        if (tokens != null && tokens.isArray() && !tokens.isEmpty()) {
          eventLogprobs(tokens, logprobs);
          partLogprobs = partLogprobs == null ? NODES.arrayNode() : partLogprobs;
          partLogprobs.addAll((ArrayNode) tokens);
        }
        write(out, e);
      }
      // A refusal (chat's delta.refusal; a Gemini safety block) is the message's refusal part.
      String refusal = event.refusalDelta();
      if (refusal != null && !refusal.isEmpty()) {
        write(out, contentDelta(out, REFUSAL, refusal));
      }
      for (ToolCallDelta call : event.toolCallDeltas()) {
        if (callItem == null || call.index() != callChatIndex) {
          closeReasoning(out);
          closeMessage(out);
          closeCall(out);
          openCall(out, call);
        }
        if (call.arguments() != null && !call.arguments().isEmpty()) {
          arguments.append(call.arguments());
          ObjectNode e = event("response.function_call_arguments.delta");
          e.put("item_id", callItem.get("id").asText());
          e.put("output_index", callIndex);
          e.put("delta", call.arguments());
          write(out, e);
        }
      }
      return out.length() == 0 ? null : out;
    }

    @Override
    public Buffer end(StreamEventFacts done) {
      Buffer out = Buffer.buffer(512);
      start(out, done.model());
      closeReasoning(out);
      closeMessage(out);
      closeCall(out);
      ObjectNode complete = response.deepCopy();
      complete.set("output", finished);
      if (serviceTier != null) {
        complete.put("service_tier", serviceTier); // the tier that served it, as OpenAI's says
      }
      ResponsesObjects.finish(complete, ctx.finishReason(), ctx.usage());
      boolean incomplete = "incomplete".equals(complete.path("status").asText());
      ObjectNode e = event(incomplete ? "response.incomplete" : "response.completed");
      e.set("response", complete);
      write(out, e);
      onResponseId.accept(id, false);
      return out;
    }

    @Override
    public Buffer error(OpenAiError error) {
      return frame(Buffer.buffer(), "error", errorEvent(error, sequence++));
    }

    private void start(Buffer out, String model) {
      if (response != null) {
        return;
      }
      String served = model != null ? model : request.path("model").asText();
      response = ResponsesObjects.response(id, createdAt, served, "in_progress", request);
      ObjectNode created = event("response.created");
      created.set("response", response);
      write(out, created);
      ObjectNode progress = event("response.in_progress");
      progress.set("response", response);
      write(out, progress);
    }

    /**
     * The delta event ({@code response.output_text.delta} or {@code response.refusal.delta}) of
     * {@code delta} added to the message's part of {@code type}, opening the message and the part
     * first when they are not open (and closing a function call or a part of the other type).
     */
    private ObjectNode contentDelta(Buffer out, String type, String delta) {
      closeReasoning(out);
      closeCall(out);
      openMessage(out);
      if (!type.equals(partType)) {
        closePart(out);
        openPart(out, type);
      }
      partText.append(delta);
      ObjectNode e =
          event(OUTPUT_TEXT.equals(type) ? "response.output_text.delta" : "response.refusal.delta");
      e.put("item_id", messageId);
      e.put("output_index", messageIndex);
      e.put("content_index", parts.size());
      e.put("delta", delta);
      return e;
    }

    /**
     * A {@code response.reasoning_text.delta} of {@code delta}, opening a reasoning item first when
     * none is open (closing an open message or call: the item takes the next output index).
     */
    private void reasoningDelta(Buffer out, String delta) {
      if (reasoningId != null && !reasoningHasText) {
        closeReasoning(out); // it was announced without text: the text opens an item of its own
      }
      if (reasoningId == null) {
        openReasoning(out, true);
      }
      reasoningText.append(delta);
      ObjectNode e = event("response.reasoning_text.delta");
      e.put("item_id", reasoningId);
      e.put("output_index", reasoningIndex);
      e.put("content_index", 0);
      e.put("delta", delta);
      write(out, e);
    }

    /**
     * Opens a reasoning item (closing an open message or call: it takes the next output index):
     * with an empty {@code reasoning_text} part when {@code withText}, else with no content (a
     * thinking block that came without text, whose only content is its carrier).
     */
    private void openReasoning(Buffer out, boolean withText) {
      closeMessage(out);
      closeCall(out);
      reasoningId = ResponsesObjects.newId("rs");
      reasoningIndex = nextOutputIndex++;
      reasoningText = new StringBuilder();
      reasoningHasText = withText;
      ObjectNode added = event("response.output_item.added");
      added.put("output_index", reasoningIndex);
      added.set(
          "item",
          withText
              ? ResponsesObjects.reasoningText(reasoningId, "")
              : ResponsesObjects.reasoningItem(reasoningId));
      write(out, added);
    }

    /**
     * Anthropic thinking blocks that ended, whole (a {@code thinking} block with its text and
     * signature, a {@code redacted_thinking} block with its data): each goes into the open
     * reasoning item's carrier, opening an item without text when none is open.
     */
    private void thinkingBlocks(Buffer out, List<ObjectNode> ended) {
      for (ObjectNode block : ended) {
        if (reasoningId == null) {
          openReasoning(out, false);
        }
        reasoningBlocks = reasoningBlocks == null ? NODES.arrayNode() : reasoningBlocks;
        reasoningBlocks.add(block);
      }
    }

    /**
     * Ends the open reasoning item: {@code reasoning_text.done} (when it has text), then {@code
     * output_item.done} with the item, and its carrier of Anthropic's thinking blocks if any.
     */
    private void closeReasoning(Buffer out) {
      if (reasoningId == null) {
        return;
      }
      String all = reasoningText.toString();
      ObjectNode item;
      if (reasoningHasText) {
        ObjectNode done = event("response.reasoning_text.done");
        done.put("item_id", reasoningId);
        done.put("output_index", reasoningIndex);
        done.put("content_index", 0);
        done.put("text", all);
        write(out, done);
        item = ResponsesObjects.reasoningText(reasoningId, all);
      } else {
        item = ResponsesObjects.reasoningItem(reasoningId);
      }
      if (reasoningBlocks != null) {
        item.put("encrypted_content", ThoughtCarrier.carryThinking(reasoningBlocks));
        reasoningBlocks = null;
      }
      ObjectNode itemDone = event("response.output_item.done");
      itemDone.put("output_index", reasoningIndex);
      itemDone.set("item", item);
      write(out, itemDone);
      finished.add(item);
      reasoningId = null;
      reasoningText = null;
    }

    private void openMessage(Buffer out) {
      if (messageId != null) {
        return;
      }
      messageId = ResponsesObjects.newId("msg");
      messageIndex = nextOutputIndex++;
      parts = NODES.arrayNode();
      ObjectNode added = event("response.output_item.added");
      added.put("output_index", messageIndex);
      added.set("item", ResponsesObjects.message(messageId, "in_progress"));
      write(out, added);
    }

    private void openPart(Buffer out, String type) {
      partType = type;
      partText = new StringBuilder();
      ObjectNode part = event("response.content_part.added");
      part.put("item_id", messageId);
      part.put("output_index", messageIndex);
      part.put("content_index", parts.size());
      part.set("part", part(type, ""));
      write(out, part);
    }

    /** Ends the open content part: its {@code …done} event, then {@code content_part.done}. */
    private void closePart(Buffer out) {
      if (partType == null) {
        return;
      }
      String all = partText.toString();
      int contentIndex = parts.size();
      ObjectNode done;
      if (OUTPUT_TEXT.equals(partType)) {
        done = event("response.output_text.done");
        done.put("item_id", messageId);
        done.put("output_index", messageIndex);
        done.put("content_index", contentIndex);
        done.put("text", all);
        ArrayNode logprobs = done.putArray("logprobs");
        if (partLogprobs != null) {
          eventLogprobs(partLogprobs, logprobs);
        }
      } else {
        done = event("response.refusal.done");
        done.put("item_id", messageId);
        done.put("output_index", messageIndex);
        done.put("content_index", contentIndex);
        done.put("refusal", all);
      }
      write(out, done);
      ObjectNode part = part(partType, all);
      if (partLogprobs != null && OUTPUT_TEXT.equals(partType)) {
        part.set("logprobs", partLogprobs); // the output_text part's shape: chat's, with bytes
      }
      ObjectNode partDone = event("response.content_part.done");
      partDone.put("item_id", messageId);
      partDone.put("output_index", messageIndex);
      partDone.put("content_index", contentIndex);
      partDone.set("part", part);
      write(out, partDone);
      parts.add(part.deepCopy());
      partType = null;
      partText = null;
      partLogprobs = null;
    }

    /**
     * Chat's token logprobs ({@code token}, {@code logprob}, {@code bytes}, {@code top_logprobs})
     * in the shape of a Responses text event's {@code logprobs} ({@code response.output_text.delta}
     * and {@code .done}: {@code token}, {@code logprob} and {@code top_logprobs} of {@code token}
     * and {@code logprob}; the bytes are the output part's only).
     */
    private static void eventLogprobs(JsonNode chat, ArrayNode into) {
      for (JsonNode token : chat) {
        ObjectNode out = into.addObject();
        out.set("token", token.get("token"));
        out.set("logprob", token.get("logprob"));
        JsonNode top = token.get("top_logprobs");
        if (top != null && top.isArray()) {
          ArrayNode alternatives = out.putArray("top_logprobs");
          for (JsonNode candidate : top) {
            alternatives
                .addObject()
                .<ObjectNode>set("token", candidate.get("token"))
                .set("logprob", candidate.get("logprob"));
          }
        }
      }
    }

    private static ObjectNode part(String type, String text) {
      return OUTPUT_TEXT.equals(type)
          ? ResponsesObjects.outputText(text)
          : ResponsesObjects.refusal(text);
    }

    private void closeMessage(Buffer out) {
      if (messageId == null) {
        return;
      }
      closePart(out);
      ObjectNode item = ResponsesObjects.message(messageId, "completed");
      ((ArrayNode) item.get("content")).addAll(parts);
      ObjectNode itemDone = event("response.output_item.done");
      itemDone.put("output_index", messageIndex);
      itemDone.set("item", item);
      write(out, itemDone);
      finished.add(item);
      messageId = null;
      parts = null;
    }

    private void openCall(Buffer out, ToolCallDelta call) {
      if (call.thoughtSignature() != null && !call.thoughtSignature().isEmpty()) {
        reasoningCarrier(out, call.thoughtSignature());
      }
      callChatIndex = call.index();
      callIndex = nextOutputIndex++;
      arguments = new StringBuilder();
      callItem =
          ResponsesObjects.functionCall(
              ResponsesObjects.newId("fc"),
              call.id() != null ? call.id() : ResponsesObjects.newId("call"),
              call.name() != null ? call.name() : "",
              "",
              "in_progress");
      ObjectNode added = event("response.output_item.added");
      added.put("output_index", callIndex);
      added.set("item", callItem.deepCopy());
      write(out, added);
    }

    /**
     * A Gemini call's thought signature as a whole {@code reasoning} output item before the call's
     * item ({@code output_item.added}, then {@code output_item.done}, both with the carrier).
     */
    private void reasoningCarrier(Buffer out, String signature) {
      int index = nextOutputIndex++;
      ObjectNode item = ResponsesObjects.reasoningCarrier(ResponsesObjects.newId("rs"), signature);
      ObjectNode added = event("response.output_item.added");
      added.put("output_index", index);
      added.set("item", item);
      write(out, added);
      ObjectNode done = event("response.output_item.done");
      done.put("output_index", index);
      done.set("item", item);
      write(out, done);
      finished.add(item);
    }

    private void closeCall(Buffer out) {
      if (callItem == null) {
        return;
      }
      String all = arguments.toString();
      String itemId = callItem.get("id").asText();
      if (all.isEmpty()) {
        // A call streamed without argument pieces (a function with no parameters, from a server
        // that sends none): "{}", as OpenAI sends it — "" is no JSON, and clients parse it.
        all = "{}";
        ObjectNode e = event("response.function_call_arguments.delta");
        e.put("item_id", itemId);
        e.put("output_index", callIndex);
        e.put("delta", all);
        write(out, e);
      }
      ObjectNode argsDone = event("response.function_call_arguments.done");
      argsDone.put("item_id", itemId);
      argsDone.put("output_index", callIndex);
      argsDone.put("name", callItem.get("name").asText());
      argsDone.put("arguments", all);
      write(out, argsDone);
      callItem.put("arguments", all);
      callItem.put("status", "completed");
      ObjectNode itemDone = event("response.output_item.done");
      itemDone.put("output_index", callIndex);
      itemDone.set("item", callItem);
      write(out, itemDone);
      finished.add(callItem);
      callItem = null;
      callChatIndex = -1;
      arguments = null;
    }

    private ObjectNode event(String type) {
      ObjectNode event = NODES.objectNode();
      event.put("type", type);
      event.put("sequence_number", sequence++);
      return event;
    }

    private static void write(Buffer out, ObjectNode event) {
      frame(out, event.get("type").asText(), event.toString());
    }
  }
}
