package dev.switchboard.mock.anthropic;

import dev.switchboard.mock.openai.ChatAnswer;
import dev.switchboard.mock.openai.ReasoningPayloads;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;

/**
 * Anthropic Messages wire format as the mock speaks it: the {@code Message} object, the stream's
 * named events ({@code message_start}, {@code content_block_start/delta/stop}, {@code ping}, {@code
 * message_delta}, {@code message_stop}, {@code error}), the error envelope, the model list and the
 * token count. The answer itself is the same deterministic {@link ChatAnswer} the OpenAI paths
 * give, computed from a chat-shaped view of the Messages request ({@link #chatView}).
 */
public final class AnthropicPayloads {

  /** Fixed {@code created_at} of listed models. */
  static final String MODEL_CREATED_AT = "2025-02-19T00:00:00Z";

  private AnthropicPayloads() {}

  /**
   * The chat-shaped request {@link ChatAnswer} reads: text of every message (text blocks and tool
   * results joined), the tools by name with their {@code input_schema} as parameters, {@code
   * tool_choice} (any → required, tool → named), {@code max_tokens}, and JSON mode for a native
   * {@code output_config.format} JSON schema.
   */
  public static JsonObject chatView(JsonObject request) {
    JsonObject chat = new JsonObject();
    JsonArray messages = new JsonArray();
    Object system = request.getValue("system");
    if (system != null) {
      messages.add(new JsonObject().put("role", "system").put("content", text(system)));
    }
    for (Object m : request.getJsonArray("messages", new JsonArray())) {
      if (m instanceof JsonObject message) {
        messages.add(
            new JsonObject()
                .put("role", message.getString("role"))
                .put("content", text(message.getValue("content"))));
      }
    }
    chat.put("messages", messages);
    if (request.getValue("max_tokens") instanceof Number max) {
      chat.put("max_tokens", max.intValue());
    }
    JsonArray tools = new JsonArray();
    for (Object t : request.getJsonArray("tools", new JsonArray())) {
      if (t instanceof JsonObject tool && tool.getString("name") != null) {
        JsonObject function = new JsonObject().put("name", tool.getString("name"));
        if (tool.getValue("input_schema") instanceof JsonObject schema) {
          function.put("parameters", schema);
        }
        tools.add(new JsonObject().put("type", "function").put("function", function));
      }
    }
    if (!tools.isEmpty()) {
      chat.put("tools", tools);
    }
    if (request.getValue("tool_choice") instanceof JsonObject choice) {
      switch (String.valueOf(choice.getString("type"))) {
        case "any" -> chat.put("tool_choice", "required");
        case "none" -> chat.put("tool_choice", "none");
        case "tool" ->
            chat.put(
                "tool_choice",
                new JsonObject()
                    .put("type", "function")
                    .put("function", new JsonObject().put("name", choice.getString("name"))));
        default -> {}
      }
    }
    JsonObject config = request.getJsonObject("output_config");
    if (config != null && config.getJsonObject("format") != null) {
      chat.put("response_format", new JsonObject().put("type", "json_schema"));
    }
    return chat;
  }

  private static String text(Object content) {
    if (content instanceof String s) {
      return s;
    }
    StringBuilder out = new StringBuilder();
    if (content instanceof JsonArray blocks) {
      for (Object b : blocks) {
        if (b instanceof JsonObject block) {
          if (block.getValue("text") instanceof String t) {
            out.append(t);
          } else if (block.getValue("content") != null) {
            out.append(text(block.getValue("content")));
          }
        }
      }
    }
    return out.toString();
  }

  /** The {@code usage} object: input excludes the cache reads and writes it reports apart. */
  public static JsonObject usage(ChatAnswer answer, int cacheCreation, int outputTokens) {
    int uncached = Math.max(0, answer.promptTokens() - answer.cachedTokens() - cacheCreation);
    return new JsonObject()
        .put("input_tokens", uncached)
        .put("cache_creation_input_tokens", cacheCreation)
        .put("cache_read_input_tokens", answer.cachedTokens())
        .put("output_tokens", outputTokens)
        .put("service_tier", "standard");
  }

  /**
   * The thinking the answer to {@code request} opens with, or null when the request did not turn
   * thinking on ({@code thinking.type} {@code enabled} or {@code adaptive}; Claude thinks only when
   * asked): {@link ReasoningPayloads#reasoning} of its chat view, deterministic.
   */
  public static String thinking(JsonObject request) {
    if (!(request.getValue("thinking") instanceof JsonObject thinking)
        || !("enabled".equals(thinking.getValue("type"))
            || "adaptive".equals(thinking.getValue("type")))) {
      return null;
    }
    return ReasoningPayloads.reasoning(chatView(request));
  }

  /**
   * The signature of a thinking block: opaque and never empty, as Anthropic's (the SDKs hand it
   * back as it came); here the base64 of a fixed prefix and the thinking, so it is deterministic.
   */
  public static String signature(String thinking) {
    return Base64.getEncoder()
        .encodeToString(("mock-signature:" + thinking).getBytes(StandardCharsets.UTF_8));
  }

  /** The output tokens {@code thinking} costs: one per piece it streams in, as the answer's. */
  private static int thinkingTokens(String thinking) {
    return thinking == null ? 0 : ReasoningPayloads.pieces(thinking).size();
  }

  /**
   * A whole {@code Message}.
   *
   * @param stopReason the stop reason it ends with instead of the answer's own, or null
   * @param thinking the thinking the answer opens with ({@link #thinking}), or null: a {@code
   *     thinking} block with its signature before the answer's block, counted in {@code
   *     output_tokens} as Anthropic counts it
   */
  public static JsonObject message(
      String id,
      String model,
      ChatAnswer answer,
      int cacheCreation,
      String stopReason,
      String thinking) {
    JsonArray content = new JsonArray();
    String stop = stopReason != null ? stopReason : stopReason(answer);
    if (thinking != null) {
      content.add(
          new JsonObject()
              .put("type", "thinking")
              .put("thinking", thinking)
              .put("signature", signature(thinking)));
    }
    if (answer.refusal() != null) {
      content.add(new JsonObject().put("type", "text").put("text", answer.refusal()));
    } else if (answer.toolCall() != null) {
      content.add(toolUse(answer.toolCall(), new JsonObject(answer.toolCall().arguments())));
    } else {
      content.add(new JsonObject().put("type", "text").put("text", answer.content()));
    }
    return new JsonObject()
        .put("id", id)
        .put("type", "message")
        .put("role", "assistant")
        .put("model", model)
        .put("content", content)
        .put("stop_reason", stop)
        .put("stop_sequence", null)
        .put(
            "usage",
            usage(answer, cacheCreation, answer.completionTokens() + thinkingTokens(thinking)));
  }

  private static JsonObject toolUse(ChatAnswer.ToolCall call, JsonObject input) {
    return new JsonObject()
        .put("type", "tool_use")
        .put("id", "toolu_" + call.id().substring("call_".length()))
        .put("name", call.name())
        .put("input", input);
  }

  private static String stopReason(ChatAnswer answer) {
    // Anthropic's streaming classifiers stopping an answer, a content filter's cut included.
    if (answer.refusal() != null || "content_filter".equals(answer.finishReason())) {
      return "refusal";
    }
    if (answer.toolCall() != null) {
      return "tool_use";
    }
    return "length".equals(answer.finishReason()) ? "max_tokens" : "end_turn";
  }

  /**
   * The stream of {@code answer}: {@code message_start}, one content block (text deltas or the tool
   * call's {@code input_json_delta}s) with a {@code ping} after its start, {@code message_delta}
   * with the stop reason (the answer's own, or {@code stopReason} when not null) and cumulative
   * usage, {@code message_stop} last. With {@code thinking} (not null) it opens as Anthropic
   * streams thinking: a {@code thinking} block at index 0 ({@code content_block_start} with empty
   * {@code thinking} and {@code signature}), one {@code thinking_delta} per piece, a {@code
   * signature_delta} just before its {@code content_block_stop}; the answer's block takes index 1
   * and the usage counts the thinking.
   */
  public static List<String> streamEvents(
      String id,
      String model,
      ChatAnswer answer,
      int cacheCreation,
      String stopReason,
      String thinking) {
    List<String> events = new ArrayList<>();
    int index = thinking != null ? 1 : 0;
    int outputTokens = answer.completionTokens() + thinkingTokens(thinking);
    JsonObject start =
        new JsonObject()
            .put("id", id)
            .put("type", "message")
            .put("role", "assistant")
            .put("model", model)
            .put("content", new JsonArray())
            .put("stop_reason", null)
            .put("stop_sequence", null)
            .put("usage", usage(answer, cacheCreation, 1));
    events.add(event(new JsonObject().put("type", "message_start").put("message", start)));
    if (thinking != null) {
      events.add(
          event(
              new JsonObject()
                  .put("type", "content_block_start")
                  .put("index", 0)
                  .put(
                      "content_block",
                      new JsonObject()
                          .put("type", "thinking")
                          .put("thinking", "")
                          .put("signature", ""))));
      for (String piece : ReasoningPayloads.pieces(thinking)) {
        events.add(
            event(
                new JsonObject()
                    .put("type", "content_block_delta")
                    .put("index", 0)
                    .put(
                        "delta",
                        new JsonObject().put("type", "thinking_delta").put("thinking", piece))));
      }
      events.add(
          event(
              new JsonObject()
                  .put("type", "content_block_delta")
                  .put("index", 0)
                  .put(
                      "delta",
                      new JsonObject()
                          .put("type", "signature_delta")
                          .put("signature", signature(thinking)))));
      events.add(event(new JsonObject().put("type", "content_block_stop").put("index", 0)));
    }
    JsonObject block;
    boolean tool = answer.toolCall() != null && answer.refusal() == null;
    if (tool) {
      block = toolUse(answer.toolCall(), new JsonObject());
    } else {
      block = new JsonObject().put("type", "text").put("text", "");
    }
    events.add(
        event(
            new JsonObject()
                .put("type", "content_block_start")
                .put("index", index)
                .put("content_block", block)));
    events.add(event(new JsonObject().put("type", "ping")));
    // A call without parameters streams its input as Anthropic does: the block's "input": {} and
    // one empty piece.
    List<String> pieces =
        tool && new JsonObject(answer.toolCall().arguments()).isEmpty()
            ? List.of("")
            : answer.pieces();
    for (String piece : pieces) {
      JsonObject delta =
          tool
              ? new JsonObject().put("type", "input_json_delta").put("partial_json", piece)
              : new JsonObject().put("type", "text_delta").put("text", piece);
      events.add(
          event(
              new JsonObject()
                  .put("type", "content_block_delta")
                  .put("index", index)
                  .put("delta", delta)));
    }
    events.add(event(new JsonObject().put("type", "content_block_stop").put("index", index)));
    events.add(
        event(
            new JsonObject()
                .put("type", "message_delta")
                .put(
                    "delta",
                    new JsonObject()
                        .put("stop_reason", stopReason != null ? stopReason : stopReason(answer))
                        .put("stop_sequence", null))
                .put("usage", usage(answer, cacheCreation, outputTokens))));
    events.add(event(new JsonObject().put("type", "message_stop")));
    return events;
  }

  /** One named SSE event: {@code event: <type>} and the JSON data. */
  public static String event(JsonObject data) {
    return "event: " + data.getString("type") + "\ndata: " + data.encode() + "\n\n";
  }

  /** Anthropic's error envelope {@code {"type":"error","error":{"type","message"}}}. */
  public static JsonObject error(String type, String message) {
    return new JsonObject()
        .put("type", "error")
        .put("error", new JsonObject().put("type", type).put("message", message));
  }

  /** The error type Anthropic gives a status. */
  public static String errorType(int status) {
    return switch (status) {
      case 400 -> "invalid_request_error";
      case 401 -> "authentication_error";
      case 402 -> "billing_error";
      case 403 -> "permission_error";
      case 404 -> "not_found_error";
      case 413 -> "request_too_large";
      case 429 -> "rate_limit_error";
      case 504 -> "timeout_error";
      case 529 -> "overloaded_error";
      default -> status >= 500 ? "api_error" : "invalid_request_error";
    };
  }

  /** The message Anthropic gives a status (its own wording for the common ones). */
  public static String errorMessage(int status, String model) {
    return switch (status) {
      case 429 ->
          "This request would exceed the rate limit for your organization of 50 requests per"
              + " minute. For details, refer to: https://docs.claude.com/en/api/rate-limits.";
      case 500 -> "Internal server error";
      case 529 -> "Overloaded";
      case 404 -> "model: " + model;
      case 402 ->
          "Your credit balance is too low to access the Anthropic API. Please go to Plans &"
              + " Billing to upgrade or purchase credits.";
      default -> "Mock provider fault: HTTP " + status + ".";
    };
  }

  /** {@code GET /v1/models}: Anthropic's paginated list. */
  public static JsonObject models(Collection<String> ids) {
    JsonArray data = new JsonArray();
    for (String id : ids) {
      data.add(
          new JsonObject()
              .put("type", "model")
              .put("id", id)
              .put("display_name", id)
              .put("created_at", MODEL_CREATED_AT));
    }
    return new JsonObject()
        .put("data", data)
        .put("has_more", false)
        .put("first_id", data.isEmpty() ? null : data.getJsonObject(0).getString("id"))
        .put(
            "last_id", data.isEmpty() ? null : data.getJsonObject(data.size() - 1).getString("id"));
  }

  /**
   * Anthropic's refusal of a tool turn's thinking block it did not sign, in its words ({@code
   * messages.N.content.I: Invalid `signature` in `thinking` block}); null when every {@code
   * thinking} block of the turn's {@code content} carries the signature this mock gave its text
   * ({@link #signature}). Anthropic checks that the blocks come back unchanged; so does the mock,
   * so a test proves that a client's thinking made the round trip.
   */
  private static String forgedSignature(JsonArray content, int message) {
    for (int i = 0; i < content.size(); i++) {
      if (content.getValue(i) instanceof JsonObject block
          && "thinking".equals(block.getValue("type"))
          && !(block.getValue("thinking") instanceof String text
              && signature(text).equals(block.getValue("signature")))) {
        return "messages."
            + message
            + ".content."
            + i
            + ": Invalid `signature` in `thinking` block";
      }
    }
    return null;
  }

  /**
   * Anthropic's refusal of a request with thinking on, in its words; null when the request is fine.
   * With thinking enabled or adaptive: a forced tool ({@code tool_choice} {@code any} or {@code
   * tool}), a {@code temperature} other than 1. With thinking enabled: a {@code budget_tokens}
   * below 1,024 or not below {@code max_tokens}, and a last assistant message that holds a {@code
   * tool_use} block but does not start with a {@code thinking} or {@code redacted_thinking} block
   * (the tool loop's own thinking was not handed back), or whose thinking blocks carry a signature
   * the mock did not give ({@link #forgedSignature}); adaptive thinking is not held to those.
   */
  public static String thinkingProblem(JsonObject body) {
    if (!(body.getValue("thinking") instanceof JsonObject thinking)) {
      return null;
    }
    Object type = thinking.getValue("type");
    if (!"enabled".equals(type) && !"adaptive".equals(type)) {
      return null;
    }
    if (body.getValue("tool_choice") instanceof JsonObject choice
        && ("any".equals(choice.getValue("type")) || "tool".equals(choice.getValue("type")))) {
      return "Thinking may not be enabled when tool_choice forces tool use.";
    }
    if (body.getValue("temperature") instanceof Number t && t.doubleValue() != 1) {
      return "`temperature` may only be set to 1 when thinking is enabled or in adaptive mode."
          + " Please consult our documentation at"
          + " https://docs.claude.com/en/docs/build-with-claude/extended-thinking#feature-compatibility";
    }
    if (!"enabled".equals(type)) {
      return null;
    }
    if (!(thinking.getValue("budget_tokens") instanceof Number budget)
        || budget.intValue() < 1024) {
      return "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024";
    }
    if (body.getValue("max_tokens") instanceof Number max && budget.intValue() >= max.intValue()) {
      return "`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our"
          + " documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking"
          + "#max-tokens-and-context-window-size";
    }
    if (!(body.getValue("messages") instanceof JsonArray messages)) {
      return null;
    }
    for (int m = messages.size() - 1; m >= 0; m--) {
      if (!(messages.getValue(m) instanceof JsonObject message)
          || !"assistant".equals(message.getValue("role"))) {
        continue;
      }
      if (!(message.getValue("content") instanceof JsonArray content) || content.isEmpty()) {
        return null;
      }
      boolean toolUse = false;
      for (Object block : content) {
        toolUse |= block instanceof JsonObject b && "tool_use".equals(b.getValue("type"));
      }
      Object first =
          content.getValue(0) instanceof JsonObject b ? b.getValue("type") : content.getValue(0);
      if (!toolUse) {
        return null;
      }
      if ("thinking".equals(first) || "redacted_thinking".equals(first)) {
        return forgedSignature(content, m);
      }
      return "messages."
          + m
          + ".content.0.type: Expected `thinking` or `redacted_thinking`, but found `"
          + first
          + "`. When `thinking` is enabled, a final `assistant` message must start with a thinking"
          + " block (preceeding the lastmost set of `tool_use` and `tool_result` blocks). We"
          + " recommend you include thinking blocks from previous turns. To avoid this"
          + " requirement, disable `thinking`. Please consult our documentation at"
          + " https://docs.claude.com/en/docs/build-with-claude/extended-thinking";
    }
    return null;
  }
}
