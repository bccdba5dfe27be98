package dev.switchboard.gateway.upstream.adapter;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.http.ApiException;
import dev.switchboard.gateway.http.OpenAiError;
import dev.switchboard.gateway.request.TokenUsage;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Chat completions ↔ Anthropic Messages, the adapter's direction: a chat request becomes a Messages
 * request, a Messages answer becomes a chat completion. Pure functions over Jackson trees, so the
 * golden transcripts and the round-trip property test can drive them without a server.
 *
 * <p>What maps: system and developer messages → top-level {@code system}; text and image parts
 * (data URLs → base64 sources, other URLs → url sources), file parts by their data → {@code
 * document} blocks ({@link #document}); assistant {@code tool_calls} → {@code tool_use} blocks;
 * {@code tool} messages → {@code tool_result} blocks of one user turn; tools, {@code tool_choice}
 * and {@code parallel_tool_calls}; {@code max_tokens}/{@code max_completion_tokens} (defaulted to
 * {@link #DEFAULT_MAX_TOKENS}, Anthropic requires it); {@code stop}; {@code temperature} (above 1,
 * Anthropic's maximum, sent as 1); {@code top_p}; {@code user} → {@code metadata.user_id}. JSON
 * output ({@code response_format}) is a forced tool named {@link #JSON_TOOL} whose input comes back
 * as the answer's text: it works on every Claude model, where the native structured output is
 * limited to recent ones; {@code reasoning_effort} → extended thinking, where the model and the
 * rest of the request allow it ({@link #reasoning}). Every other field ({@code seed}, penalties,
 * {@code logprobs}, {@code logit_bias}, {@code service_tier}, ...) has no Messages equivalent and
 * is left out, and named ({@link #leftOut}); {@code n > 1} is refused (400), since it cannot be
 * honoured.
 */
public final class AnthropicChatTranslation {

  /** What {@code max_tokens} becomes when the chat request names no limit (Anthropic needs one). */
  public static final int DEFAULT_MAX_TOKENS = 4096;

  /** The forced tool that carries a JSON answer ({@code response_format}). */
  public static final String JSON_TOOL = "switchboard_json_output";

  /**
   * Anthropic's highest {@code temperature}: it refuses more with a 400, where OpenAI's range goes
   * to 2.
   */
  public static final double MAX_TEMPERATURE = 1.0;

  /**
   * Whether a chat request's {@code temperature} is above what Anthropic takes, so that the
   * Messages request carries {@link #MAX_TEMPERATURE} instead ({@link AnthropicAdapter#encode}
   * reports it).
   */
  static boolean clampsTemperature(JsonNode chat) {
    JsonNode temperature = chat.get("temperature");
    return temperature != null
        && temperature.isNumber()
        && temperature.doubleValue() > MAX_TEMPERATURE;
  }

  /**
   * The chat fields {@link #toMessagesRequest} sends on (under Messages names, or as usage
   * Anthropic always reports: {@code stream_options}); {@code n} is 1 when the request gets that
   * far.
   */
  private static final Set<String> SENT =
      Set.of(
          "model",
          "messages",
          "max_tokens",
          "max_completion_tokens",
          "temperature",
          "top_p",
          "stop",
          "stream",
          "stream_options",
          "user",
          "tools",
          "tool_choice",
          "parallel_tool_calls",
          "response_format",
          "n");

  /** {@link #SENT} and {@code reasoning_effort}, for a request whose effort is carried. */
  private static final Set<String> SENT_WITH_EFFORT = with(SENT, "reasoning_effort");

  private static Set<String> with(Set<String> set, String more) {
    Set<String> all = new HashSet<>(set);
    all.add(more);
    return Set.copyOf(all);
  }

  /**
   * The fields of a chat request that its Messages request leaves out, in the request's order
   * ({@code seed}, {@code logit_bias}, ...; JSON nulls ask nothing), {@code reasoning_effort} when
   * {@code reasoning} leaves it out; {@link UpstreamAdapter.EncodedRequest#NONE} when none. {@link
   * AnthropicAdapter#encode} reports them.
   */
  static List<String> leftOut(ObjectNode chat, Reasoning reasoning) {
    return UpstreamAdapter.EncodedRequest.leftOut(
        chat, reasoning.leftOut() ? SENT : SENT_WITH_EFFORT);
  }

  // ----------------------------------------------------------------------------- reasoning

  /** The {@code reasoning_effort} values chat completions defines. */
  private static final Set<String> EFFORTS =
      Set.of("none", "minimal", "low", "medium", "high", "xhigh");

  /** Anthropic's smallest thinking budget ("must be ≥1024 and less than max_tokens"). */
  static final int MIN_THINKING_BUDGET = 1024;

  /** Claude 3.7 Sonnet, the first model that thinks (named version first). */
  private static final Pattern CLAUDE_37 = Pattern.compile("claude-3-7-sonnet(?:[-@]|$)");

  /**
   * A Claude model named by family then version ({@code claude-opus-4-6}, {@code
   * claude-sonnet-4-5-20250929}, {@code claude-sonnet-4-20250514}: 4.0, the date is no minor).
   */
  private static final Pattern VERSIONED_MODEL =
      Pattern.compile("claude-(?:opus|sonnet|haiku)-(\\d+)(?:-(\\d)(?=[-@]|$))?");

  /**
   * What a chat request's {@code reasoning_effort} becomes on an Anthropic model: nothing ({@link
   * #NOTHING}: none asked, or {@code none}, since Claude thinks only when asked), extended thinking
   * with a token budget ({@code thinking: {type: enabled, budget_tokens}}), or, on Claude 4.6 and
   * later (where budgets are deprecated), adaptive thinking with {@code output_config.effort}; or
   * left out and named ({@link #LEFT_OUT}).
   *
   * @param leftOut whether the effort is not carried (named in the answer)
   * @param thinks whether {@code thinking} is sent
   * @param budget the thinking budget, or with {@code effort} the room left for thinking when the
   *     client named no {@code max_tokens}
   * @param effort the {@code output_config.effort} sent, or null
   */
  record Reasoning(boolean leftOut, boolean thinks, int budget, String effort) {
    static final Reasoning NOTHING = new Reasoning(false, false, 0, null);
    static final Reasoning LEFT_OUT = new Reasoning(true, false, 0, null);
  }

  /**
   * How {@code chat}'s {@code reasoning_effort} reaches {@code model}, as Google maps it for Gemini
   * 2.5 ({@link GeminiRequests}): a budget of 1,024 tokens for minimal and low, 8,192 for medium,
   * 24,576 for high and xhigh, lowered below a {@code max_tokens} the client named (which, as
   * OpenAI's, counts the reasoning too), or on Claude 4.6 and later adaptive thinking with effort
   * low (minimal, low), medium or high (high, xhigh). Anthropic refuses thinking beside a forced
   * tool (the JSON answer of {@code response_format} is one), a {@code temperature} other than 1, a
   * {@code top_p} below 0.95, or after an assistant turn with tool calls but no thinking block
   * (what a chat history always is, unless a Responses carrier brought Anthropic's blocks back
   * beside it, {@link ThoughtSignedChat#thinking}; {@link AnthropicAdapter#dropsThinking}): there,
   * on a model whose id names no version from Claude 3.7 on ({@link #generation}) and below a
   * {@code max_tokens} of 1,025, the effort is left out and named — except on Claude 4.6 and later,
   * where {@code output_config.effort} alone is sent (it needs no thinking). Costs one field lookup
   * when no effort is asked.
   *
   * @throws ApiException (400) for a value chat completions does not define
   */
  static Reasoning reasoning(ObjectNode chat, String model) {
    JsonNode asked = chat.get("reasoning_effort");
    if (asked == null || asked.isNull()) {
      return Reasoning.NOTHING;
    }
    String effort = asked.asText("").toLowerCase(Locale.ROOT);
    if (!EFFORTS.contains(effort)) {
      throw bad(
          "Unknown reasoning_effort '"
              + asked.asText()
              + "'; one of none, minimal, low, medium, high, xhigh.",
          "reasoning_effort");
    }
    if ("none".equals(effort)) {
      return Reasoning.NOTHING;
    }
    Generation generation = generation(model);
    if (generation == Generation.UNKNOWN) {
      return Reasoning.LEFT_OUT;
    }
    int budget =
        switch (effort) {
          case "minimal", "low" -> MIN_THINKING_BUDGET;
          case "medium" -> 8192;
          default -> 24_576;
        };
    boolean fits = thinkingFits(chat);
    if (generation == Generation.ADAPTIVE) {
      String level =
          switch (effort) {
            case "minimal", "low" -> "low";
            case "medium" -> "medium";
            default -> "high";
          };
      return new Reasoning(false, fits, budget, level);
    }
    if (!fits) {
      return Reasoning.LEFT_OUT;
    }
    JsonNode max = maxTokens(chat);
    if (max != null && max.canConvertToInt()) {
      if (max.asInt() <= MIN_THINKING_BUDGET) {
        return Reasoning.LEFT_OUT;
      }
      budget = Math.min(budget, max.asInt() - 1);
    }
    return new Reasoning(false, true, budget, null);
  }

  /** How a Claude model thinks, as far as its id tells. */
  private enum Generation {
    /** Before 3.7 (no thinking), or an id that names no Claude version (an alias, ...). */
    UNKNOWN,
    /** Claude 3.7 and 4 to 4.5: {@code thinking} with {@code budget_tokens}. */
    BUDGET,
    /** Claude 4.6 and later: adaptive thinking and {@code output_config.effort}. */
    ADAPTIVE
  }

  /**
   * The generation {@code model} (the target's provider model id) names. An id that names no
   * version it knows — a deployment alias, an older model — is not sent thinking: Claude before 3.7
   * refuses it, and a request that worked without it would start failing.
   */
  private static Generation generation(String model) {
    if (CLAUDE_37.matcher(model).find()) {
      return Generation.BUDGET;
    }
    Matcher m = VERSIONED_MODEL.matcher(model);
    if (!m.find()) {
      return Generation.UNKNOWN;
    }
    int major = Integer.parseInt(m.group(1));
    int minor = m.group(2) == null ? 0 : Integer.parseInt(m.group(2));
    if (major < 4) {
      return Generation.UNKNOWN;
    }
    return major > 4 || minor >= 6 ? Generation.ADAPTIVE : Generation.BUDGET;
  }

  /** Whether Anthropic takes {@code thinking} beside what else {@code chat} asks. */
  private static boolean thinkingFits(ObjectNode chat) {
    JsonNode choice = chat.get("tool_choice");
    if (choice != null && (choice.isObject() || "required".equals(choice.asText()))) {
      return false; // a forced tool
    }
    String format = chat.path("response_format").path("type").asText("text");
    if (format.equals("json_schema") || format.equals("json_object")) {
      return false; // the forced tool that carries the JSON answer
    }
    JsonNode temperature = chat.get("temperature");
    if (temperature != null && temperature.isNumber() && temperature.doubleValue() < 1) {
      return false; // above 1 it is sent as 1, which thinking takes
    }
    JsonNode topP = chat.get("top_p");
    if (topP != null && topP.isNumber() && topP.doubleValue() < 0.95) {
      return false;
    }
    JsonNode messages = chat.path("messages");
    for (int i = messages.size() - 1; i >= 0; i--) {
      JsonNode message = messages.get(i);
      if ("assistant".equals(message.path("role").asText())) {
        JsonNode calls = message.path("tool_calls");
        // A tool turn fits only when it starts with Anthropic's own thinking: the blocks a chat
        // client handed back on the message, or a Responses carrier's beside the tree.
        return calls.isEmpty() || leadingThinking(chat, message) != null;
      }
    }
    return true;
  }

  /**
   * The Anthropic thinking blocks that open the assistant turn {@code message}: the message's own
   * {@link #THINKING_BLOCKS} (a chat client's, handed back as the gateway gave them), else those a
   * front door's carrier brought back for its first call ({@link ThoughtSignedChat#thinking}); null
   * when it has none. The client's own are as it sent them: checked where they are sent ({@link
   * #ownThinking}), so a list it changed is a 400, not a turn without thinking.
   */
  private static JsonNode leadingThinking(ObjectNode chat, JsonNode message) {
    JsonNode own = message.get(THINKING_BLOCKS);
    if (own != null && !own.isNull() && !(own.isArray() && own.isEmpty())) {
      return own;
    }
    JsonNode calls = message.path("tool_calls");
    return chat instanceof ThoughtSignedChat signed && !calls.isEmpty()
        ? signed.thinking(calls.get(0).path("id").asText(null))
        : null;
  }

  /** The client's {@code max_completion_tokens}, else its {@code max_tokens}, else null. */
  private static JsonNode maxTokens(ObjectNode chat) {
    return chat.hasNonNull("max_completion_tokens")
        ? chat.get("max_completion_tokens")
        : chat.get("max_tokens");
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private AnthropicChatTranslation() {}

  // ----------------------------------------------------------------------------- requests

  /**
   * The Messages request for a chat request.
   *
   * @param model the target's provider model id
   * @throws ApiException (400) for what Anthropic cannot be asked (several choices, a malformed
   *     message)
   */
  public static ObjectNode toMessagesRequest(ObjectNode chat, String model) {
    return toMessagesRequest(chat, model, new NestedDrops(), reasoning(chat, model));
  }

  /**
   * The Messages request for a chat request, noting in {@code drops} what it leaves out inside the
   * messages and tools: a participant's {@code name} on a message (Anthropic's messages have none;
   * a tool result is tied to its call by id), a content part's {@code cache_control}, an assistant
   * message's deprecated {@code function_call}, {@code refusal} and {@code audio}, its {@code
   * thinking_blocks} when the request is not sent thinking (with thinking they open the turn), a
   * part that is not text in a system prompt or an assistant turn ({@link
   * NestedDrops#contentPart}), a function tool's {@code strict: true} and a JSON schema {@code
   * response_format}'s (the forced tool that carries the answer is not held to its schema).
   */
  static ObjectNode toMessagesRequest(
      ObjectNode chat, String model, NestedDrops drops, Reasoning reasoning) {
    ObjectNode out = NODES.objectNode();
    out.put("model", model);
    if (chat.path("n").isNumber() && chat.path("n").asInt() > 1) {
      throw bad("Anthropic targets answer one choice; 'n' must be 1.", "n");
    }
    ArrayNode system = NODES.arrayNode();
    ArrayNode messages = NODES.arrayNode();
    JsonNode chatMessages = chat.path("messages");
    for (int m = 0; m < chatMessages.size(); m++) {
      JsonNode message = chatMessages.get(m);
      String role = message.path("role").asText("");
      if (!"tool".equals(role)) { // a tool result is tied to its call by id, not name
        drops.note(message, "name", NestedDrops.MESSAGE_NAME);
      }
      switch (role) {
        case "system", "developer" -> appendText(system, message.get("content"), drops);
        case "user" -> append(messages, "user", userContent(message.get("content"), drops));
        case "assistant" -> {
          drops.note(message, "function_call", NestedDrops.MESSAGE_FUNCTION_CALL);
          drops.note(message, "refusal", NestedDrops.MESSAGE_REFUSAL);
          drops.note(message, "audio", NestedDrops.MESSAGE_AUDIO);
          ArrayNode own = null;
          if (!reasoning.thinks()) {
            // Anthropic wants its thinking blocks back only with thinking on.
            drops.note(message, THINKING_BLOCKS, NestedDrops.MESSAGE_THINKING_BLOCKS);
          } else {
            own = ownThinking(message, m);
          }
          append(
              messages,
              "assistant",
              assistantContent(
                  message,
                  drops,
                  own,
                  reasoning.thinks() && chat instanceof ThoughtSignedChat signed ? signed : null));
        }
        case "tool" -> append(messages, "user", toolResult(message, drops));
        default -> throw bad("Unsupported message role '" + role + "'.", "messages");
      }
    }
    if (!system.isEmpty()) {
      out.set("system", simplify(system));
    }
    out.set("messages", messages);
    JsonNode max = maxTokens(chat);
    boolean limited = max != null && max.canConvertToInt();
    out.put(
        "max_tokens",
        limited
            ? max.asInt()
            // Unlimited, a thinking model gets room to think beside the default answer length.
            : DEFAULT_MAX_TOKENS + (reasoning.thinks() ? reasoning.budget() : 0));
    if (reasoning.thinks()) {
      ObjectNode thinking = out.putObject("thinking");
      if (reasoning.effort() == null) {
        thinking.put("type", "enabled").put("budget_tokens", reasoning.budget());
      } else {
        thinking.put("type", "adaptive");
      }
    }
    if (reasoning.effort() != null) {
      out.putObject("output_config").put("effort", reasoning.effort());
    }
    if (clampsTemperature(chat)) {
      out.put("temperature", MAX_TEMPERATURE); // reported by AnthropicAdapter.encode
    } else {
      copyNumber(chat, "temperature", out, "temperature");
    }
    copyNumber(chat, "top_p", out, "top_p");
    JsonNode stop = chat.get("stop");
    if (stop != null && stop.isTextual()) {
      out.putArray("stop_sequences").add(stop.asText());
    } else if (stop != null && stop.isArray() && !stop.isEmpty()) {
      out.set("stop_sequences", stop.deepCopy());
    }
    if (chat.path("stream").asBoolean(false)) {
      out.put("stream", true);
    }
    if (chat.hasNonNull("user")) {
      out.putObject("metadata").put("user_id", chat.get("user").asText());
    }
    tools(chat, out, drops);
    return out;
  }

  private static void tools(ObjectNode chat, ObjectNode out, NestedDrops drops) {
    ArrayNode tools = NODES.arrayNode();
    for (JsonNode tool : chat.path("tools")) {
      JsonNode function = tool.path("function");
      if (!"function".equals(tool.path("type").asText("function")) || !function.isObject()) {
        throw bad("Only function tools can be sent to an Anthropic target.", "tools");
      }
      if (function.path("strict").asBoolean(false)) {
        drops.add(NestedDrops.TOOL_STRICT); // Anthropic's tools are not held to their schema
      }
      ObjectNode t = tools.addObject();
      t.put("name", function.path("name").asText());
      if (function.hasNonNull("description")) {
        t.put("description", function.get("description").asText());
      }
      JsonNode parameters = function.get("parameters");
      t.set(
          "input_schema",
          parameters != null && parameters.isObject()
              ? parameters.deepCopy()
              : NODES.objectNode().put("type", "object"));
    }
    ObjectNode choice = null;
    JsonNode chatChoice = chat.get("tool_choice");
    if (chatChoice != null && chatChoice.isTextual()) {
      choice =
          switch (chatChoice.asText()) {
            case "none" -> NODES.objectNode().put("type", "none");
            case "required" -> NODES.objectNode().put("type", "any");
            default -> NODES.objectNode().put("type", "auto");
          };
    } else if (chatChoice != null && chatChoice.isObject()) {
      choice =
          NODES
              .objectNode()
              .put("type", "tool")
              .put("name", chatChoice.path("function").path("name").asText());
    }
    JsonNode format = chat.path("response_format");
    String formatType = format.path("type").asText("text");
    if (formatType.equals("json_schema") || formatType.equals("json_object")) {
      JsonNode schema = format.path("json_schema").path("schema");
      if (format.path("json_schema").path("strict").asBoolean(false)) {
        // The forced tool is not held to its schema: the answer may not match it.
        drops.add(NestedDrops.RESPONSE_FORMAT_STRICT);
      }
      ObjectNode t = tools.addObject();
      t.put("name", JSON_TOOL);
      t.put("description", "Give the answer as this tool's input: a JSON object.");
      t.set(
          "input_schema",
          schema.isObject() ? schema.deepCopy() : NODES.objectNode().put("type", "object"));
      // With tools of its own the model still picks: JSON answer or a call. Else it must answer.
      choice =
          tools.size() == 1
              ? NODES.objectNode().put("type", "tool").put("name", JSON_TOOL)
              : NODES.objectNode().put("type", "any");
    }
    if (!tools.isEmpty()) {
      out.set("tools", tools);
    }
    if (chat.path("parallel_tool_calls").isBoolean()
        && !chat.get("parallel_tool_calls").asBoolean()
        && !tools.isEmpty()) {
      if (choice == null) {
        choice = NODES.objectNode().put("type", "auto");
      }
      if (!"none".equals(choice.path("type").asText())) {
        choice.put("disable_parallel_tool_use", true);
      }
    }
    if (choice != null && (!tools.isEmpty() || "none".equals(choice.path("type").asText()))) {
      out.set("tool_choice", choice);
    }
  }

  /**
   * Appends one turn, merging it into the previous turn of the same role (Anthropic alternates).
   */
  private static void append(ArrayNode messages, String role, JsonNode content) {
    if (content == null) {
      return;
    }
    if (!messages.isEmpty()) {
      ObjectNode last = (ObjectNode) messages.get(messages.size() - 1);
      if (last.path("role").asText().equals(role)) {
        ArrayNode merged = blocks(last.get("content"));
        merged.addAll(blocks(content));
        last.set("content", merged);
        return;
      }
    }
    messages.addObject().put("role", role).set("content", content);
  }

  /** Content as a block list (a plain string becomes one text block). */
  private static ArrayNode blocks(JsonNode content) {
    if (content.isArray()) {
      return (ArrayNode) content;
    }
    ArrayNode out = NODES.arrayNode();
    out.addObject().put("type", "text").put("text", content.asText());
    return out;
  }

  private static void appendText(ArrayNode system, JsonNode content, NestedDrops drops) {
    if (content == null || content.isNull()) {
      return;
    }
    if (content.isTextual()) {
      system.addObject().put("type", "text").put("text", content.asText());
      return;
    }
    for (JsonNode part : content) {
      drops.note(part, "cache_control", NestedDrops.CONTENT_CACHE_CONTROL);
      String type = part.path("type").asText();
      if ("text".equals(type)) {
        system.addObject().put("type", "text").put("text", part.path("text").asText());
      } else {
        drops.add(NestedDrops.contentPart(type)); // a system prompt is text only
      }
    }
  }

  /** A system prompt of text blocks only is sent as one string, the common form. */
  private static JsonNode simplify(ArrayNode system) {
    if (system.size() == 1) {
      return system.get(0).get("text");
    }
    return system;
  }

  private static JsonNode userContent(JsonNode content, NestedDrops drops) {
    if (content == null || content.isNull()) {
      throw bad("A user message needs content.", "messages");
    }
    if (content.isTextual()) {
      return content.deepCopy();
    }
    ArrayNode out = NODES.arrayNode();
    for (JsonNode part : content) {
      drops.note(part, "cache_control", NestedDrops.CONTENT_CACHE_CONTROL);
      String type = part.path("type").asText();
      switch (type) {
        case "text" -> out.addObject().put("type", "text").put("text", part.path("text").asText());
        case "image_url" -> out.add(image(part.path("image_url").path("url").asText()));
        case "file" -> out.add(document(part.path("file")));
        default -> throw bad("Unsupported content part '" + type + "' for Anthropic.", "messages");
      }
    }
    return out;
  }

  /**
   * A chat {@code file} part (by its {@code file_data}) as a {@code document} block: a PDF — a
   * {@code data:application/pdf;base64,} URL, or bare base64, which OpenAI reads as a PDF — as a
   * base64 source (the data is not decoded), the {@code filename} as its {@code title}. A file by
   * id (another provider's Files API) or of another type is a 400.
   */
  static ObjectNode document(JsonNode file) {
    JsonNode data = file.get("file_data");
    if (data == null || !data.isTextual()) {
      throw bad(
          "A file can be sent to an Anthropic target by its 'file_data' only, not by 'file_id'.",
          "messages");
    }
    String value = data.asText();
    String mediaType = "application/pdf";
    String base64 = value;
    if (value.startsWith("data:")) {
      int semi = value.indexOf(";base64,");
      if (semi < 0) {
        throw bad("A file data URL must be base64-encoded.", "messages");
      }
      mediaType = value.substring(5, semi);
      base64 = value.substring(semi + 8);
    }
    if (!"application/pdf".equals(mediaType)) {
      throw bad("Anthropic targets take PDF files only, not '" + mediaType + "'.", "messages");
    }
    ObjectNode block = NODES.objectNode().put("type", "document");
    block
        .putObject("source")
        .put("type", "base64")
        .put("media_type", mediaType)
        .put("data", base64);
    JsonNode filename = file.get("filename");
    if (filename != null && filename.isTextual()) {
      block.put("title", filename.asText());
    }
    return block;
  }

  /** An image block: a data URL becomes a base64 source, any other URL a url source. */
  static ObjectNode image(String url) {
    ObjectNode block = NODES.objectNode().put("type", "image");
    ObjectNode source = block.putObject("source");
    if (url.startsWith("data:")) {
      int semi = url.indexOf(";base64,");
      if (semi < 0) {
        throw bad("An image data URL must be base64-encoded.", "messages");
      }
      source
          .put("type", "base64")
          .put("media_type", url.substring(5, semi))
          .put("data", url.substring(semi + 8));
    } else {
      source.put("type", "url").put("url", url);
    }
    return block;
  }

  /**
   * The thinking blocks a chat client handed back on the assistant message {@code messages[index]}
   * ({@link #THINKING_BLOCKS}), as they are; null when it has none.
   *
   * @throws ApiException (400, naming {@code messages[index].thinking_blocks}) when they are not a
   *     list of Anthropic's thinking and redacted-thinking blocks ({@link
   *     ThoughtSignedChat#isThinkingBlock}): the client changed them
   */
  private static ArrayNode ownThinking(JsonNode message, int index) {
    JsonNode blocks = message.get(THINKING_BLOCKS);
    if (blocks == null || blocks.isNull()) {
      return null;
    }
    boolean valid = blocks.isArray();
    for (int b = 0; valid && b < blocks.size(); b++) {
      valid = ThoughtSignedChat.isThinkingBlock(blocks.get(b));
    }
    if (!valid) {
      throw bad(
          "'messages["
              + index
              + "].thinking_blocks' must be the list of thinking blocks the assistant message came"
              + " with ({\"type\": \"thinking\", \"thinking\", \"signature\"} or"
              + " {\"type\": \"redacted_thinking\", \"data\"}), handed back unchanged.",
          "messages[" + index + "].thinking_blocks");
    }
    return blocks.isEmpty() ? null : (ArrayNode) blocks;
  }

  /**
   * An assistant message's blocks: the thinking blocks {@code own} the client handed back on it
   * (unchanged, first: Anthropic wants a turn's thinking before its text and calls), its text, then
   * its calls as {@code tool_use} blocks, each call preceded by the Anthropic thinking blocks
   * {@code thinking} holds for it (as Anthropic gave them, unchanged; those of the turn's first
   * call open the turn, before its text). {@code own} and {@code thinking} are null when the
   * request is not sent thinking: Anthropic wants its blocks back only then.
   */
  private static JsonNode assistantContent(
      JsonNode message, NestedDrops drops, ArrayNode own, ThoughtSignedChat thinking) {
    ArrayNode out = NODES.arrayNode();
    if (own != null) {
      out.addAll(own);
      thinking = null; // the client's own blocks are the turn's: a carrier has none to add
    }
    JsonNode content = message.get("content");
    if (content != null && content.isTextual() && !content.asText().isEmpty()) {
      out.addObject().put("type", "text").put("text", content.asText());
    } else if (content != null && content.isArray()) {
      for (JsonNode part : content) {
        drops.note(part, "cache_control", NestedDrops.CONTENT_CACHE_CONTROL);
        String type = part.path("type").asText();
        if ("text".equals(type)) {
          out.addObject().put("type", "text").put("text", part.path("text").asText());
        } else {
          drops.add(NestedDrops.contentPart(type)); // a refusal part: Messages has no place
        }
      }
    }
    boolean first = true;
    for (JsonNode call : message.path("tool_calls")) {
      ArrayNode blocks = thinking == null ? null : thinking.thinking(call.path("id").asText(null));
      if (blocks != null && first) {
        for (int b = 0; b < blocks.size(); b++) {
          out.insert(b, blocks.get(b));
        }
      } else if (blocks != null) {
        out.addAll(blocks);
      }
      first = false;
      ObjectNode use = out.addObject().put("type", "tool_use");
      use.put("id", call.path("id").asText());
      use.put("name", call.path("function").path("name").asText());
      use.set("input", arguments(call.path("function").path("arguments").asText("")));
    }
    if (out.isEmpty()) {
      return null; // an empty assistant turn says nothing and Anthropic refuses empty content
    }
    if (out.size() == 1 && out.get(0).path("type").asText().equals("text")) {
      return out.get(0).get("text");
    }
    return out;
  }

  /** A tool call's arguments as the object Anthropic wants; they must be a JSON object. */
  private static JsonNode arguments(String arguments) {
    if (arguments.isBlank()) {
      return NODES.objectNode();
    }
    try {
      JsonNode parsed = JSON.readTree(arguments);
      if (parsed != null && parsed.isObject()) {
        return parsed;
      }
    } catch (JsonProcessingException e) {
      // fall through to the error
    }
    throw bad(
        "A tool call's arguments must be a JSON object to send them to Anthropic.", "messages");
  }

  private static JsonNode toolResult(JsonNode message, NestedDrops drops) {
    ArrayNode out = NODES.arrayNode();
    ObjectNode result = out.addObject().put("type", "tool_result");
    result.put("tool_use_id", message.path("tool_call_id").asText());
    JsonNode content = message.get("content");
    if (content == null || content.isNull()) {
      result.put("content", "");
    } else if (content.isTextual()) {
      result.put("content", content.asText());
    } else {
      ArrayNode parts = result.putArray("content");
      for (JsonNode part : content) {
        drops.note(part, "cache_control", NestedDrops.CONTENT_CACHE_CONTROL);
        if ("text".equals(part.path("type").asText())) {
          parts.addObject().put("type", "text").put("text", part.path("text").asText());
        }
      }
    }
    return out;
  }

  private static void copyNumber(ObjectNode from, String field, ObjectNode to, String as) {
    JsonNode value = from.get(field);
    if (value != null && value.isNumber()) {
      to.set(as, value);
    }
  }

  private static ApiException bad(String message, String param) {
    return new ApiException(OpenAiError.invalidRequest(message, param));
  }

  // ------------------------------------------------------------------------------ answers

  /**
   * The field of a chat message that holds Anthropic's thinking blocks as Anthropic gave them,
   * LiteLLM's {@code thinking_blocks}: in an answer ({@code message.thinking_blocks}, a stream's
   * {@code delta.thinking_blocks}), for the client to hand back on that assistant message in its
   * history ({@code messages[].thinking_blocks}), where only an Anthropic target asked to think
   * reads it.
   */
  public static final String THINKING_BLOCKS = "thinking_blocks";

  /**
   * The chat completion for a Messages answer. The text of its {@code thinking} blocks, in order,
   * becomes {@code message.reasoning_content} (the field DeepSeek, vLLM and LiteLLM give chat
   * clients; none when the answer has no thinking text); {@code redacted_thinking} has no text. The
   * {@code thinking} blocks (text and signature) and {@code redacted_thinking} blocks (data), in
   * order and unchanged, are also the message's {@link #THINKING_BLOCKS} (none when the answer has
   * none), as LiteLLM gives them: what a chat client hands back so that a tool loop keeps extended
   * thinking, and what the Responses door carries when asked.
   *
   * @param created the chat completion's {@code created} (epoch seconds)
   */
  public static ObjectNode toChatCompletion(JsonNode message, long created) {
    ObjectNode out = NODES.objectNode();
    out.put("id", message.path("id").asText());
    out.put("object", "chat.completion");
    out.put("created", created);
    out.put("model", message.path("model").asText());
    ObjectNode choice = out.putArray("choices").addObject();
    choice.put("index", 0);
    ObjectNode msg = choice.putObject("message");
    msg.put("role", "assistant");
    StringBuilder text = new StringBuilder();
    boolean hasText = false;
    boolean jsonAnswer = false;
    StringBuilder reasoning = null;
    ArrayNode thinkingBlocks = null;
    ArrayNode calls = NODES.arrayNode();
    for (JsonNode block : message.path("content")) {
      String type = block.path("type").asText();
      if ("thinking".equals(type) || "redacted_thinking".equals(type)) {
        thinkingBlocks = thinkingBlocks == null ? NODES.arrayNode() : thinkingBlocks;
        thinkingBlocks.add(block);
      }
      switch (type) {
        case "text" -> {
          text.append(block.path("text").asText());
          hasText = true;
        }
        case "tool_use" -> {
          if (JSON_TOOL.equals(block.path("name").asText())) {
            text.append(block.path("input").toString());
            hasText = true;
            jsonAnswer = true;
          } else {
            ObjectNode call = calls.addObject();
            call.put("id", block.path("id").asText());
            call.put("type", "function");
            ObjectNode function = call.putObject("function");
            function.put("name", block.path("name").asText());
            function.put("arguments", block.path("input").toString());
          }
        }
        case "thinking" -> {
          String thought = block.path("thinking").asText("");
          if (!thought.isEmpty()) {
            reasoning = reasoning == null ? new StringBuilder(thought) : reasoning.append(thought);
          }
        }
        default -> {} // redacted thinking and server-tool blocks have no chat equivalent
      }
    }
    if (hasText) {
      msg.put("content", text.toString());
    } else {
      msg.putNull("content");
    }
    if (reasoning != null) {
      msg.put("reasoning_content", reasoning.toString());
    }
    if (thinkingBlocks != null) {
      msg.set(THINKING_BLOCKS, thinkingBlocks);
    }
    msg.putNull("refusal");
    if (!calls.isEmpty()) {
      msg.set("tool_calls", calls);
    }
    String stop = message.path("stop_reason").asText(null);
    choice.put("finish_reason", finishReason(stop, jsonAnswer && calls.isEmpty()));
    choice.putNull("logprobs");
    JsonNode usage = message.get("usage");
    if (usage != null && usage.isObject()) {
      out.set("usage", chatUsage(usage(usage)));
    }
    return out;
  }

  /**
   * The chat finish reason of a Messages stop reason.
   *
   * @param jsonAnswer the answer was the forced JSON tool's input (so {@code tool_use} means done)
   */
  public static String finishReason(String stopReason, boolean jsonAnswer) {
    if (stopReason == null) {
      return null;
    }
    return switch (stopReason) {
      case "max_tokens", "model_context_window_exceeded" -> "length";
      case "tool_use" -> jsonAnswer ? "stop" : "tool_calls";
      case "refusal" -> "content_filter";
      // end_turn, stop_sequence, and pause_turn: chat has no "paused" value, and LiteLLM, Portkey
      // and the Vercel AI SDK all give a paused server-tool turn to chat clients as stop.
      default -> "stop";
    };
  }

  /**
   * The finish reason the gateway records for the request (log, cache): {@link #finishReason},
   * except for an answer Anthropic ended for a reason that is not a natural end, the token limit
   * nor a refusal — {@code pause_turn} (a server-tool turn paused: the client sends the
   * conversation back to continue it) or one Anthropic adds later: the stop reason itself, which
   * the response cache never stores and the doors end like {@code stop}.
   */
  public static String recordedFinishReason(String stopReason, boolean jsonAnswer) {
    String finish = finishReason(stopReason, jsonAnswer);
    if ("stop".equals(finish)
        && !"end_turn".equals(stopReason)
        && !"stop_sequence".equals(stopReason)
        && !"tool_use".equals(stopReason)) {
      return stopReason;
    }
    return finish;
  }

  /**
   * The gateway's usage of a Messages {@code usage} object: all input (uncached + cache read +
   * cache creation), output, the cache reads as cached input (priced at the cached price) and the
   * cache creation as cache writes (priced at the cache-write price).
   */
  public static TokenUsage usage(JsonNode usage) {
    long input = usage.path("input_tokens").asLong(0);
    long read = usage.path("cache_read_input_tokens").asLong(0);
    long created = usage.path("cache_creation_input_tokens").asLong(0);
    return new TokenUsage(
        input + read + created, usage.path("output_tokens").asLong(0), read, 0, created);
  }

  /** An OpenAI {@code usage} object for the gateway's usage. */
  public static ObjectNode chatUsage(TokenUsage usage) {
    ObjectNode out = NODES.objectNode();
    out.put("prompt_tokens", usage.inputTokens());
    out.put("completion_tokens", usage.outputTokens());
    out.put("total_tokens", usage.inputTokens() + usage.outputTokens());
    out.putObject("prompt_tokens_details").put("cached_tokens", usage.cachedInputTokens());
    return out;
  }
}
