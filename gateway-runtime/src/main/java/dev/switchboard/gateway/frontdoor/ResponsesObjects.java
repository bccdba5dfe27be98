package dev.switchboard.gateway.frontdoor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.request.TokenUsage;
import dev.switchboard.gateway.upstream.adapter.AnthropicChatTranslation;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Builds the Responses API objects of a bridged answer: the {@code Response} envelope (echoing the
 * request's settings as OpenAI does), its output items and usage. Shared by the JSON answer and the
 * stream encoder, so both describe a response the same way.
 */
final class ResponsesObjects {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** The content part type of a reasoning item's raw reasoning text. */
  static final String REASONING_TEXT = "reasoning_text";

  private ResponsesObjects() {}

  /**
   * A new id with OpenAI's prefix ({@code resp}, {@code msg}, {@code fc}, {@code rs}) and 48 hex
   * digits.
   */
  static String newId(String prefix) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    return prefix
        + "_"
        + Long.toHexString(random.nextLong() | Long.MIN_VALUE)
        + Long.toHexString(random.nextLong() | Long.MIN_VALUE)
        + Long.toHexString(random.nextLong() | Long.MIN_VALUE).substring(0, 16);
  }

  /**
   * The Response envelope for {@code request}: status, the request's echoed settings and an empty
   * output; {@code usage} is set only when known (a finished response).
   */
  static ObjectNode response(
      String id, long createdAt, String model, String status, ObjectNode request) {
    ObjectNode response = NODES.objectNode();
    response.put("id", id);
    response.put("object", "response");
    response.put("created_at", createdAt);
    response.put("status", status);
    response.putNull("error");
    response.putNull("incomplete_details");
    echo(request, response, "instructions");
    echo(request, response, "max_output_tokens");
    response.put("model", model);
    response.putArray("output");
    response.put("parallel_tool_calls", request.path("parallel_tool_calls").asBoolean(true));
    response.putNull("previous_response_id");
    ObjectNode reasoning = response.putObject("reasoning");
    echo(request.path("reasoning"), reasoning, "effort");
    reasoning.putNull("summary");
    response.put("store", false); // a chat-completions target keeps nothing
    response.set("temperature", numberOr(request.get("temperature"), 1.0));
    ObjectNode text = response.putObject("text");
    JsonNode format = request.path("text").get("format");
    if (format != null && format.isObject()) {
      text.set("format", format);
    } else {
      text.putObject("format").put("type", "text");
    }
    JsonNode choice = request.get("tool_choice");
    if (choice != null && !choice.isNull()) {
      response.set("tool_choice", choice);
    } else {
      response.put("tool_choice", "auto");
    }
    response.set("tools", echoedTools(request.get("tools")));
    response.set("top_p", numberOr(request.get("top_p"), 1.0));
    response.put("truncation", "disabled");
    JsonNode user = request.get("user");
    if (user != null && user.isTextual()) {
      response.set("user", user);
    }
    JsonNode metadata = request.get("metadata");
    response.set(
        "metadata", metadata != null && metadata.isObject() ? metadata : NODES.objectNode());
    return response;
  }

  /**
   * Marks {@code response} finished: {@code completed}, or {@code incomplete} with the reason for
   * chat's {@code length} and {@code content_filter}; sets the usage (zeros when none was
   * reported).
   */
  static void finish(ObjectNode response, String finishReason, TokenUsage usage) {
    if ("length".equals(finishReason) || "content_filter".equals(finishReason)) {
      response.put("status", "incomplete");
      response
          .putObject("incomplete_details")
          .put("reason", "length".equals(finishReason) ? "max_output_tokens" : "content_filter");
    } else {
      response.put("status", "completed");
    }
    response.set("usage", usage(usage));
  }

  /**
   * The request's tools as a response echoes them. OpenAI's schema requires {@code parameters} and
   * {@code strict} on a function tool; when the client left one out it is echoed as {@code null}
   * (not set), never as a value the gateway did not receive.
   */
  static ArrayNode echoedTools(JsonNode tools) {
    ArrayNode echoed = NODES.arrayNode();
    if (tools == null || !tools.isArray()) {
      return echoed;
    }
    for (JsonNode tool : tools) {
      if (tool instanceof ObjectNode function && "function".equals(tool.path("type").asText())) {
        ObjectNode copy = function.deepCopy();
        if (!copy.has("parameters")) {
          copy.putNull("parameters");
        }
        if (!copy.has("strict")) {
          copy.putNull("strict");
        }
        echoed.add(copy);
      } else {
        echoed.add(tool);
      }
    }
    return echoed;
  }

  /** A Responses {@code usage} object. */
  static ObjectNode usage(TokenUsage usage) {
    long input = usage == null ? 0 : usage.inputTokens();
    long output = usage == null ? 0 : usage.outputTokens();
    ObjectNode node = NODES.objectNode();
    node.put("input_tokens", input);
    // cache_write_tokens is required by OpenAI's schema; chat usage (what a bridged call has)
    // does not report cache writes, and no supported bridged target charges them separately.
    node.putObject("input_tokens_details")
        .put("cached_tokens", usage == null ? 0 : usage.cachedInputTokens())
        .put("cache_write_tokens", 0);
    node.put("output_tokens", output);
    node.putObject("output_tokens_details")
        .put("reasoning_tokens", usage == null ? 0 : usage.reasoningTokens());
    node.put("total_tokens", input + output);
    return node;
  }

  /** An assistant message item; {@code content} is filled by the caller. */
  static ObjectNode message(String id, String status) {
    ObjectNode item = NODES.objectNode();
    item.put("id", id);
    item.put("type", "message");
    item.put("status", status);
    item.put("role", "assistant");
    item.putArray("content");
    return item;
  }

  /** An {@code output_text} content part. */
  static ObjectNode outputText(String text) {
    ObjectNode part = NODES.objectNode();
    part.put("type", "output_text");
    part.put("text", text);
    part.putArray("annotations");
    part.putArray("logprobs");
    return part;
  }

  /** A {@code refusal} content part. */
  static ObjectNode refusal(String text) {
    ObjectNode part = NODES.objectNode();
    part.put("type", "refusal");
    part.put("refusal", text);
    return part;
  }

  /** A {@code function_call} output item. */
  static ObjectNode functionCall(
      String id, String callId, String name, String arguments, String status) {
    ObjectNode item = NODES.objectNode();
    item.put("id", id);
    item.put("type", "function_call");
    item.put("status", status);
    item.put("arguments", arguments);
    item.put("call_id", callId);
    item.put("name", name);
    return item;
  }

  /**
   * A {@code reasoning} item carrying a Gemini call's thought signature as its {@code
   * encrypted_content} ({@link ThoughtCarrier}), put before the call's {@code function_call} item:
   * the one place of a Response a client hands back with its next request. No summary (the gateway
   * asks Gemini for no thought summaries).
   */
  static ObjectNode reasoningCarrier(String id, String signature) {
    ObjectNode item = reasoningItem(id);
    item.put("encrypted_content", ThoughtCarrier.carry(signature));
    return item;
  }

  /** A {@code reasoning} item with no summary and no content, for the caller to fill. */
  static ObjectNode reasoningItem(String id) {
    ObjectNode item = NODES.objectNode();
    item.put("id", id);
    item.put("type", "reasoning");
    item.putArray("summary");
    return item;
  }

  /**
   * A {@code reasoning} item of a chat target's reasoning text ({@code reasoning_content} / {@code
   * reasoning}: DeepSeek, Qwen, SGLang, vLLM; an Anthropic target's thinking, which its adapter
   * hands over the same way), as OpenAI's Responses API shapes a model's raw reasoning: one {@code
   * reasoning_text} content part, no summary, no {@code encrypted_content} (an Anthropic target's
   * item gets its thinking blocks' carrier there when the client asked, {@link #fromChat}). Handed
   * back, such an item is left out for a chat target, as every reasoning item is (chat completions
   * has no input for it, and DeepSeek refuses reasoning in its input), and for a target of the
   * Responses API, which never made it ({@link ResponsesBridge#isGatewaysReasoning}).
   */
  static ObjectNode reasoningText(String id, String text) {
    ObjectNode item = reasoningItem(id);
    item.putArray("content").addObject().put("type", REASONING_TEXT).put("text", text);
    return item;
  }

  /**
   * The Response for a chat-completion answer (the bridged JSON case): the reasoning text the
   * target added, if any, as a {@link #reasoningText reasoning item} first — with an Anthropic
   * answer's thinking blocks ({@link AnthropicChatTranslation#THINKING_BLOCKS}), when the client's
   * {@code include} asked for encrypted reasoning ({@link ResponsesBridge#returnsThinking}),
   * carried in its {@code encrypted_content} ({@link ThoughtCarrier#carryThinking}); its first
   * choice's text or refusal as one message item (the text with the choice's token logprobs, when
   * it has them), its tool calls as {@code function_call} items (a signed Gemini call after its
   * {@link #reasoningCarrier reasoning item}), the {@code service_tier} it reports.
   */
  static ObjectNode fromChat(JsonNode chat, ObjectNode request, String id, long nowSeconds) {
    long created = chat.path("created").asLong(nowSeconds);
    String model = chat.path("model").asText(request.path("model").asText());
    ObjectNode response = response(id, created, model, "completed", request);
    // The tier that served the request, as OpenAI reports it in both answers.
    String tier = ResponsesBridge.textValue(chat.get("service_tier"));
    if (tier != null) {
      response.put("service_tier", tier);
    }
    JsonNode choice = chat.path("choices").path(0);
    JsonNode message = choice.path("message");
    ArrayNode output = (ArrayNode) response.get("output");
    String reasoning = MessagesTranslation.reasoningText(message);
    // Every Anthropic answer with thinking has its blocks; only a client that asked gets them.
    JsonNode thinking = message.get(AnthropicChatTranslation.THINKING_BLOCKS);
    boolean carried =
        thinking instanceof ArrayNode blocks
            && !blocks.isEmpty()
            && ResponsesBridge.returnsThinking(request);
    if ((reasoning != null && !reasoning.isEmpty()) || carried) {
      ObjectNode item =
          reasoning == null || reasoning.isEmpty()
              ? reasoningItem(newId("rs"))
              : reasoningText(newId("rs"), reasoning);
      if (carried) {
        item.put("encrypted_content", ThoughtCarrier.carryThinking((ArrayNode) thinking));
      }
      output.add(item);
    }
    String text = MessagesTranslation.answerText(message.get("content"));
    String refusal = ResponsesBridge.textValue(message.get("refusal"));
    if ((text != null && !text.isEmpty()) || refusal != null) {
      ObjectNode item = message(newId("msg"), "completed");
      ArrayNode content = (ArrayNode) item.get("content");
      if (text != null && !text.isEmpty()) {
        ObjectNode part = outputText(text);
        // Chat's token logprobs (what include: message.output_text.logprobs asked for) have the
        // Responses shape: token, logprob, bytes, top_logprobs.
        JsonNode logprobs = choice.path("logprobs").get("content");
        if (logprobs != null && logprobs.isArray()) {
          part.set("logprobs", logprobs);
        }
        content.add(part);
      }
      if (refusal != null) {
        content.add(refusal(refusal));
      }
      output.add(item);
    }
    for (JsonNode call : message.path("tool_calls")) {
      JsonNode function = call.path("function");
      String signature =
          call.path("extra_content").path("google").path("thought_signature").asText("");
      if (!signature.isEmpty()) {
        output.add(reasoningCarrier(newId("rs"), signature));
      }
      output.add(
          functionCall(
              newId("fc"),
              call.path("id").asText(newId("call")),
              function.path("name").asText(""),
              // "" (a server that sends no arguments for a function without parameters) is no
              // JSON: "{}", as OpenAI writes it.
              function.path("arguments").asText("").isEmpty()
                  ? "{}"
                  : function.path("arguments").asText(),
              "completed"));
    }
    JsonNode usage = chat.get("usage");
    TokenUsage tokens = usage != null && usage.isObject() ? TokenUsage.fromUsageNode(usage) : null;
    finish(response, ResponsesBridge.textValue(choice.get("finish_reason")), tokens);
    return response;
  }

  private static void echo(JsonNode from, ObjectNode to, String field) {
    JsonNode value = from.get(field);
    if (value != null && !value.isNull()) {
      to.set(field, value);
    } else {
      to.putNull(field);
    }
  }

  private static JsonNode numberOr(JsonNode value, double fallback) {
    return value != null && value.isNumber() ? value : NODES.numberNode(fallback);
  }
}
