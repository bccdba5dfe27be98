package dev.switchboard.gateway.upstream.adapter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.refusal.AnswerOpening;
import dev.switchboard.gateway.request.TokenUsage;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

/**
 * Decodes one Anthropic Messages stream ({@code message_start}, {@code content_block_start/delta/
 * stop}, {@code message_delta}, {@code message_stop}, {@code ping}, {@code error}). Every event is
 * parsed (the facts sit in most of them). Passed through ({@link
 * dev.switchboard.gateway.upstream.Operation#MESSAGES}) the events are relayed as they arrived,
 * {@code ping} included; bridged, each becomes the chat completion chunk it means (or nothing:
 * pings and block stops, except the stop of a tool call whose input pieces added up to nothing,
 * which completes its arguments as {@code "{}"}; a {@code thinking_delta} becomes a chunk with
 * {@code delta.reasoning_content}; the end of a thinking block — its {@code signature_delta},
 * Anthropic signs a block last — and a {@code redacted_thinking} block's start each become a chunk
 * whose {@code delta.thinking_blocks} holds that one block whole, as Anthropic must get it back:
 * {@code {type: thinking, thinking, signature}} or {@code {type: redacted_thinking, data}}, the
 * shape of LiteLLM's {@code thinking_blocks}; its facts hand the same block to a door that carries
 * it otherwise, {@link StreamEventFacts#thinkingBlocks}), and {@code message_stop} becomes {@code
 * [DONE]}, preceded by the usage chunk ({@code choices: []}) when the client asked for usage. The
 * facts' content source is the translated chunk, so text and tool-call deltas read the same as an
 * OpenAI stream's.
 */
final class AnthropicStreamDecoder implements StreamDecoder {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final boolean bridged;
  private final boolean stripUsage;
  private final long created;
  private final StreamEventFacts facts = new StreamEventFacts();
  private final AnswerOpening opening = new AnswerOpening();

  private String id = "";
  private String model = "";

  /** A bridged stream's usage in chat's shape, for the usage chunk at its end; null: none. */
  private JsonNode chatUsage;

  /** The usage of {@code message_start} (input side), completed by {@code message_delta}. */
  private JsonNode startUsage;

  /** How many tool calls (chat's tool-call index) the answer has opened so far. */
  private int toolCalls;

  /** Anthropic's index of the open block that is the forced JSON tool, else -1. */
  private int jsonBlock = -1;

  /** The chat index of each Anthropic block that is a tool call (by block index), -1 otherwise. */
  private int[] toolIndexOfBlock = new int[8];

  /**
   * The tool-call blocks (by block index) whose {@code partial_json} pieces added something, or
   * whose empty arguments were completed; a tool block stopping without any is a call with no
   * arguments.
   */
  private final BitSet blocksWithInput = new BitSet();

  /** Whether the forced JSON tool's block had input (or its empty input was completed). */
  private boolean jsonInput;

  private boolean refused;

  /**
   * The text of the open thinking block (bridged only), for the block its signature ends; null
   * outside a thinking block, so an answer without thinking allocates nothing.
   */
  private StringBuilder thinkingText;

  /** The thinking block the chunk being emitted ends, for its facts; null for any other chunk. */
  private ObjectNode endedBlock;

  AnthropicStreamDecoder(boolean bridged, boolean stripUsage, long created) {
    this.bridged = bridged;
    this.stripUsage = stripUsage;
    this.created = created;
    Arrays.fill(toolIndexOfBlock, -1);
  }

  @Override
  public StreamEventFacts decode(String data, JsonNode firstParsed) {
    JsonNode event = firstParsed != null ? firstParsed : AnthropicAdapter.parse(data);
    if (event == null || !event.isObject()) {
      facts.reset(StreamEventFacts.Kind.MALFORMED, null);
      return facts;
    }
    String type = event.path("type").asText("");
    String relay =
        data.indexOf('\n') >= 0 || data.indexOf('\r') >= 0 ? event.toString() : data; // SSE-safe
    switch (type) {
      case "message_start" -> {
        JsonNode message = event.path("message");
        id = message.path("id").asText("");
        model = message.path("model").asText("");
        startUsage = message.get("usage");
        if (!bridged) {
          facts.reset(StreamEventFacts.Kind.CHUNK, relay);
        } else {
          ObjectNode chunk = chunk();
          delta(chunk).put("role", "assistant").put("content", "");
          emit(chunk);
        }
        facts.facts(model.isEmpty() ? null : model, null);
      }
      case "content_block_start" -> {
        int index = event.path("index").asInt(0);
        JsonNode block = event.path("content_block");
        String blockType = block.path("type").asText("");
        ObjectNode chunk = null;
        if ("tool_use".equals(blockType)) {
          if (AnthropicChatTranslation.JSON_TOOL.equals(block.path("name").asText())) {
            jsonBlock = index;
          } else {
            int call = toolCalls++;
            remember(index, call);
            chunk = chunk();
            ObjectNode entry = delta(chunk).putArray("tool_calls").addObject();
            entry.put("index", call);
            entry.put("id", block.path("id").asText());
            entry.put("type", "function");
            entry
                .putObject("function")
                .put("name", block.path("name").asText())
                .put("arguments", "");
          }
        } else if ("text".equals(blockType) && !block.path("text").asText("").isEmpty()) {
          chunk = textChunk(block.path("text").asText());
        } else if (bridged && "thinking".equals(blockType)) {
          thinkingText = new StringBuilder(block.path("thinking").asText(""));
        } else if (bridged && "redacted_thinking".equals(blockType)) {
          // Whole at its start: Anthropic streams no delta for it.
          chunk =
              thinkingChunk(
                  NODES.objectNode().put("type", blockType).set("data", block.get("data")));
        }
        passOrEmit(relay, chunk);
      }
      case "content_block_delta" -> {
        int index = event.path("index").asInt(0);
        JsonNode delta = event.path("delta");
        ObjectNode chunk = null;
        switch (delta.path("type").asText("")) {
          case "text_delta" -> chunk = textChunk(delta.path("text").asText(""));
          case "input_json_delta" -> {
            String partial = delta.path("partial_json").asText("");
            if (index == jsonBlock) {
              jsonInput |= !partial.isEmpty();
              chunk = textChunk(partial);
            } else if (toolIndex(index) >= 0) {
              if (!partial.isEmpty()) {
                blocksWithInput.set(index);
              }
              chunk = chunk();
              ObjectNode entry = delta(chunk).putArray("tool_calls").addObject();
              entry.put("index", toolIndex(index));
              entry.putObject("function").put("arguments", partial);
            }
          }
          case "thinking_delta" -> {
            String thought = delta.path("thinking").asText("");
            // Relayed as it is, the chunk is still its facts' content: the thinking is billed as
            // output, so a stream cut while Claude thinks settles it.
            if (!thought.isEmpty()) {
              chunk = chunk();
              delta(chunk).put("reasoning_content", thought);
              if (thinkingText != null) {
                thinkingText.append(thought);
              }
            }
          }
          case "signature_delta" -> {
            // The end of a thinking block (Anthropic signs it last): the block, whole, for the
            // client to hand back before the turn's tool calls.
            if (bridged) {
              chunk =
                  thinkingChunk(
                      NODES
                          .objectNode()
                          .put("type", "thinking")
                          .put("thinking", thinkingText == null ? "" : thinkingText.toString())
                          .put("signature", delta.path("signature").asText("")));
              thinkingText = null;
            }
          }
          default -> {} // citations: no chat equivalent
        }
        passOrEmit(relay, chunk);
      }
      case "message_delta" -> {
        JsonNode delta = event.path("delta");
        String stop = delta.path("stop_reason").asText(null);
        refused |= "refusal".equals(stop);
        String finish =
            AnthropicChatTranslation.finishReason(stop, jsonBlock >= 0 && toolCalls == 0);
        TokenUsage usage = usage(event.get("usage"));
        if (!bridged) {
          facts.reset(StreamEventFacts.Kind.CHUNK, relay);
        } else {
          ObjectNode chunk = chunk();
          ((ObjectNode) chunk.path("choices").get(0)).put("finish_reason", finish);
          emit(chunk);
          // The usage goes in a chunk of its own before [DONE] (message_stop), as OpenAI sends it.
          chatUsage =
              usage != null && !stripUsage ? AnthropicChatTranslation.chatUsage(usage) : null;
        }
        if (finish != null) {
          facts.finishReason(
              AnthropicChatTranslation.recordedFinishReason(
                  stop, jsonBlock >= 0 && toolCalls == 0));
        }
        if (refused) {
          facts.refused();
        }
        if (usage != null) {
          facts.usage(usage);
        }
      }
      case "message_stop" -> {
        facts.reset(StreamEventFacts.Kind.DONE, bridged ? "[DONE]" : relay);
        if (bridged && chatUsage != null) {
          ObjectNode chunk = chunk();
          chunk.putArray("choices");
          chunk.set("usage", chatUsage);
          facts.usageChunk(chunk.toString());
        }
        if (refused || opening.isRefusal()) {
          facts.refused();
        }
      }
      case "error" -> {
        facts.reset(StreamEventFacts.Kind.CHUNK, null);
        JsonNode error = event.path("error");
        String errorType = OpenAiAdapter.textOrNull(error.get("type"));
        String message = OpenAiAdapter.textOrNull(error.get("message"));
        // A bridged stream ends in an OpenAI door's error: OpenAI's type, Anthropic's as the code.
        facts.error(
            message,
            bridged ? AnthropicAdapter.openAiErrorType(errorType) : errorType,
            null,
            errorType);
        if (AnthropicAdapter.outOfCredit(errorType, message)) {
          facts.outOfCredit(); // the account's, as in a 402 billing_error
        }
      }
      case "content_block_stop" -> passOrEmit(relay, emptyInput(event.path("index").asInt(-1)));
      default -> passOrEmit(relay, null); // ping, unknown future events
    }
    return facts;
  }

  /**
   * Whether a bridged stream drops the event whatever came before it: a {@code ping}, a {@code
   * content_block_stop} or an event type this decoder does not know ({@link #decode}'s default). A
   * block stop gives a chunk only when it ends a tool call that had no input, and before any
   * relayed event no call is open.
   */
  static boolean droppedWhenBridged(JsonNode event) {
    if (event == null || !event.isObject()) {
      return false;
    }
    return switch (event.path("type").asText("")) {
      case "message_start",
          "content_block_start",
          "content_block_delta",
          "message_delta",
          "message_stop",
          "error" ->
          false;
      default -> true;
    };
  }

  /**
   * The chunk that completes a tool block whose {@code partial_json} pieces added up to nothing
   * (Anthropic streams a call without parameters as {@code input: {}} and at most an empty piece):
   * arguments {@code "{}"}, as the JSON answer ({@code input}) and OpenAI give, so that a client's
   * accumulated arguments parse. Null for any other block.
   */
  private ObjectNode emptyInput(int index) {
    if (index >= 0 && index == jsonBlock) {
      if (jsonInput) {
        return null;
      }
      jsonInput = true;
      return textChunk("{}");
    }
    int call = toolIndex(index);
    if (call < 0 || blocksWithInput.get(index)) {
      return null;
    }
    blocksWithInput.set(index);
    ObjectNode chunk = chunk();
    ObjectNode entry = delta(chunk).putArray("tool_calls").addObject();
    entry.put("index", call);
    entry.putObject("function").put("arguments", "{}");
    return chunk;
  }

  /** The input side from {@code message_start} with the output of {@code message_delta}. */
  private TokenUsage usage(JsonNode deltaUsage) {
    if (deltaUsage == null || !deltaUsage.isObject()) {
      return startUsage == null || !startUsage.isObject()
          ? null
          : AnthropicChatTranslation.usage(startUsage);
    }
    ObjectNode merged = NODES.objectNode();
    if (startUsage != null && startUsage.isObject()) {
      merged.setAll((ObjectNode) startUsage);
    }
    // message_delta's counts are cumulative; input fields appear there when the server sends them.
    deltaUsage
        .fields()
        .forEachRemaining(
            e -> {
              if (!e.getValue().isNull()) {
                merged.set(e.getKey(), e.getValue());
              }
            });
    return AnthropicChatTranslation.usage(merged);
  }

  /** Relays the event (pass-through), or emits the translated chunk, or drops it (bridged). */
  private void passOrEmit(String relay, ObjectNode chunk) {
    if (!bridged) {
      facts.reset(StreamEventFacts.Kind.CHUNK, relay);
      if (chunk != null) {
        // What the relayed event adds to the answer, in chat terms (e.g. counted for the budget
        // of a stream that ends without usage).
        facts.source(null, chunk);
      }
    } else if (chunk == null) {
      facts.reset(StreamEventFacts.Kind.DROP, null);
    } else {
      emit(chunk);
    }
  }

  private void emit(ObjectNode chunk) {
    String text = chunk.toString();
    facts.reset(StreamEventFacts.Kind.CHUNK, text);
    facts.source(text, chunk);
    if (endedBlock != null) {
      facts.thinkingBlocks(List.of(endedBlock));
      endedBlock = null;
    }
  }

  /**
   * The chunk of one thinking block that ended: {@code delta.thinking_blocks} holds it alone, and
   * the chunk's facts hand it over ({@link #endedBlock}).
   */
  private ObjectNode thinkingChunk(ObjectNode block) {
    ObjectNode chunk = chunk();
    delta(chunk).putArray(AnthropicChatTranslation.THINKING_BLOCKS).add(block);
    endedBlock = block;
    return chunk;
  }

  private ObjectNode textChunk(String text) {
    opening.append(text);
    ObjectNode chunk = chunk();
    delta(chunk).put("content", text);
    return chunk;
  }

  private ObjectNode chunk() {
    ObjectNode chunk = NODES.objectNode();
    chunk.put("id", id);
    chunk.put("object", "chat.completion.chunk");
    chunk.put("created", created);
    chunk.put("model", model);
    ArrayNode choices = chunk.putArray("choices");
    ObjectNode choice = choices.addObject();
    choice.put("index", 0);
    choice.putObject("delta");
    choice.putNull("finish_reason");
    return chunk;
  }

  private static ObjectNode delta(ObjectNode chunk) {
    return (ObjectNode) chunk.path("choices").get(0).get("delta");
  }

  private void remember(int block, int call) {
    if (block < 0 || block > 4096) {
      return;
    }
    if (block >= toolIndexOfBlock.length) {
      int old = toolIndexOfBlock.length;
      toolIndexOfBlock = Arrays.copyOf(toolIndexOfBlock, Math.max(block + 1, old * 2));
      Arrays.fill(toolIndexOfBlock, old, toolIndexOfBlock.length, -1);
    }
    toolIndexOfBlock[block] = call;
  }

  private int toolIndex(int block) {
    return block >= 0 && block < toolIndexOfBlock.length ? toolIndexOfBlock[block] : -1;
  }
}
