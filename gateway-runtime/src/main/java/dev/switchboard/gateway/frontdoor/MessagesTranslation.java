package dev.switchboard.gateway.frontdoor;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.http.ApiException;
import dev.switchboard.gateway.http.OpenAiError;
import dev.switchboard.gateway.upstream.adapter.NestedDrops;
import dev.switchboard.gateway.upstream.adapter.ThoughtSignedChat;
import dev.switchboard.gateway.upstream.adapter.UpstreamAdapter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Anthropic Messages ↔ chat completions, the front door's direction: a Messages request becomes the
 * internal chat request (for targets that do not speak Messages), and a chat completion becomes a
 * Messages answer. Pure functions over Jackson trees (golden transcripts drive them).
 *
 * <p>What maps: {@code system} → a system message; text and image blocks (base64 → data URLs, url
 * sources → URLs); a base64 PDF {@code document} block → a {@code file} part; {@code tool_use} →
 * {@code tool_calls}; {@code tool_result} → {@code tool} messages; custom tools, {@code
 * tool_choice} ({@code disable_parallel_tool_use} → {@code parallel_tool_calls: false}); {@code
 * max_tokens}; {@code stop_sequences}; {@code temperature}; {@code top_p}; {@code metadata.user_id}
 * → {@code user}; {@code output_config.format} (or the beta {@code output_format}) JSON schema →
 * {@code response_format}; {@code thinking} (and the {@code output_config.effort} beside it) →
 * {@code reasoning_effort} ({@link #reasoningEffort}), for the targets that honour it only ({@link
 * ChatForm#withEffort}; the others name {@code thinking}). Dropped, having no chat equivalent (and,
 * top-level, named in the answer: {@link #leftOut}): {@code top_k}, thinking blocks, {@code
 * cache_control} — except the gateway's own thinking-block carrier of a Gemini thought signature
 * ({@link ThoughtCarrier}), whose signature goes with the next {@code tool_use} to Gemini only
 * ({@link ThoughtSignedChat}), and which the answer writes before a signed call's {@code tool_use}.
 * Refused (400, the request cannot be bridged faithfully): server tools, documents but base64 PDFs,
 * images inside tool results — or, in the lenient form ({@link #toChatForm}), left out and the
 * first of them kept as the form's refusal, for a request that goes only to targets speaking
 * Messages (they get the client's body; the chat form only informs the gateway's own decisions).
 */
public final class MessagesTranslation {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private MessagesTranslation() {}

  /**
   * The Messages name of a chat field the translation made from one of the client's ({@code user}
   * from {@code metadata.user_id}, a tool's schema keyword under {@code tools[].input_schema},
   * ...); any other name as it is.
   */
  static String clientParam(String chatName) {
    return switch (chatName) {
      case "user" -> "metadata.user_id";
      case "stop" -> "stop_sequences";
      case "response_format" -> "output_config.format";
      case "parallel_tool_calls" -> "tool_choice.disable_parallel_tool_use";
      case "messages[].content[].file" -> "messages[].content[].document"; // a PDF (Mistral)
      case "reasoning_effort" -> "thinking"; // made of it (reasoningEffort): a Gemini before 2.5
      default ->
          NestedDrops.renamePrefix(
              NestedDrops.renamePrefix(
                  chatName, NestedDrops.TOOL_PARAMETERS, "tools[].input_schema"),
              NestedDrops.RESPONSE_SCHEMA,
              "output_config.format.schema");
    };
  }

  /**
   * The chat request for a Messages request (the client's model name stays).
   *
   * @throws ApiException (400) at the first part that cannot be bridged faithfully
   */
  public static ObjectNode toChatRequest(ObjectNode request) {
    return toChatRequest(request, new Refusals(true));
  }

  /**
   * The chat form of a Messages request in one walk: what cannot be bridged is left out, and the
   * first of it is the form's refusal (the 400 {@link #toChatRequest(ObjectNode)} answers).
   */
  public static ChatForm toChatForm(ObjectNode request) {
    Refusals refusals = new Refusals(false);
    ObjectNode chat = toChatRequest(request, refusals);
    List<String> left = refusals.drops.after(leftOut(request));
    String effort = reasoningEffort(request);
    ChatForm withEffort = null;
    ObjectNode passThrough = refusals.carriers ? withoutCarriers(request) : null;
    if (effort != null) {
      // A shallow copy, for a request that asked for thinking only.
      ObjectNode effortChat = NODES.objectNode().setAll(chat);
      effortChat.put("reasoning_effort", effort);
      withEffort =
          new ChatForm(
              signed(effortChat, refusals),
              refusals.first,
              passThrough,
              refusals.drops.after(leftOut(request, true)));
    }
    // The history may hold the gateway's thought-signature carriers: Gemini gets them back as the
    // calls' signatures, an Anthropic target the client's body without them (it would refuse a
    // signature it did not make).
    return new ChatForm(signed(chat, refusals), refusals.first, passThrough, left, withEffort);
  }

  /** {@code chat} with the thought signatures the walk found in carriers, if any. */
  private static ObjectNode signed(ObjectNode chat, Refusals refusals) {
    return refusals.signatures == null ? chat : new ThoughtSignedChat(chat, refusals.signatures);
  }

  /** The budget the gateway's chat → Messages (and Gemini 2.5) direction asks for medium. */
  static final int MEDIUM_BUDGET = 8192;

  /** The budget the gateway's chat → Messages (and Gemini 2.5) direction asks for high. */
  static final int HIGH_BUDGET = 24_576;

  /**
   * The chat {@code reasoning_effort} of a Messages request that asks for thinking ({@link
   * #asksForThinking}), or null when it asks for none ({@code disabled}, or no {@code thinking}: a
   * Claude model thinks only when asked, so nothing is sent, not {@code none}, which o-series
   * models refuse and Gemini 2.5 Pro cannot do). The client's {@code output_config.effort} when it
   * names one ({@code low}, {@code medium}, {@code high}; {@code xhigh} and {@code max} are {@code
   * high}, the most every reasoning chat API takes); else a {@code budget_tokens} of {@value
   * #HIGH_BUDGET} or more is {@code high}, of {@value #MEDIUM_BUDGET} or more {@code medium}, any
   * other {@code low}: each effort from the least budget the gateway's other direction ({@code
   * AnthropicChatTranslation.reasoning}, as Google maps efforts for Gemini 2.5) gives it, so an
   * effort round-trips and the target is never asked to think past the client's budget (LiteLLM
   * buckets a budget the same way, on its own budgets of 1,024, 2,048 and 4,096); {@code adaptive}
   * with no effort is {@code medium}, chat's default (OpenAI's reasoning models think at medium
   * unasked). One field lookup for a request without {@code thinking}.
   */
  static String reasoningEffort(JsonNode request) {
    JsonNode thinking = request.get("thinking");
    if (thinking == null || !asksForThinking(request)) {
      return null;
    }
    String effort = configuredEffort(request);
    if (effort != null) {
      return effort;
    }
    if (!"enabled".equals(thinking.path("type").asText())) {
      return "medium"; // adaptive: the model decides, from chat's default
    }
    int budget = thinking.path("budget_tokens").asInt(0);
    return budget >= HIGH_BUDGET ? "high" : budget >= MEDIUM_BUDGET ? "medium" : "low";
  }

  /** The chat effort of the client's {@code output_config.effort}, or null for none it knows. */
  private static String configuredEffort(JsonNode request) {
    return switch (request.path("output_config").path("effort").asText("")) {
      case "low" -> "low";
      case "medium" -> "medium";
      case "high", "xhigh", "max" -> "high";
      default -> null;
    };
  }

  /**
   * The top-level Messages fields {@link #toChatRequest} carries ({@code metadata} is its {@code
   * user_id}, the only key Anthropic defines; {@code output_config} in part, {@link #leftOut}).
   */
  private static final Set<String> BRIDGED_FIELDS =
      Set.of(
          "model",
          "messages",
          "system",
          "max_tokens",
          "temperature",
          "top_p",
          "stop_sequences",
          "metadata",
          "stream",
          "tools",
          "tool_choice",
          "output_config",
          "output_format");

  /**
   * The client's fields that the chat form leaves out, in the client's names and the request's
   * order: those chat completions has no place for ({@code top_k}, {@code service_tier}, {@code
   * container}, {@code mcp_servers}, ...; JSON nulls ask nothing), {@code thinking} unless it is
   * {@code disabled}, and {@code output_config.effort}. {@link UpstreamAdapter.EncodedRequest#NONE}
   * when none (a request an Anthropic target gets as it is never reads this).
   */
  static List<String> leftOut(ObjectNode request) {
    return leftOut(request, false);
  }

  /**
   * As {@link #leftOut(ObjectNode)}, and with {@code effortSent} for a target that is sent the
   * effort the request's thinking asks ({@link #reasoningEffort}): neither {@code thinking} nor the
   * {@code output_config.effort} it was made of is named.
   */
  static List<String> leftOut(ObjectNode request, boolean effortSent) {
    List<String> left = UpstreamAdapter.EncodedRequest.leftOut(request, BRIDGED_FIELDS);
    JsonNode thinking = request.get("thinking");
    if (thinking != null && (effortSent || "disabled".equals(thinking.path("type").asText()))) {
      // Thinking turned off asks for nothing a chat target does not do.
      left = without(left, "thinking");
    }
    JsonNode effort = request.path("output_config").get("effort");
    if (effort != null && !effort.isNull() && !(effortSent && configuredEffort(request) != null)) {
      left = UpstreamAdapter.EncodedRequest.concat(left, List.of("output_config.effort"));
    }
    return left;
  }

  private static List<String> without(List<String> names, String name) {
    List<String> rest = names.stream().filter(n -> !n.equals(name)).toList();
    return rest.isEmpty() ? UpstreamAdapter.EncodedRequest.NONE : rest;
  }

  /**
   * What a walk does with a part it cannot bridge (strict, refuse it; else note the first), and the
   * Gemini thought signatures it found in the gateway's carriers, by the tool-use id they belong
   * to.
   */
  private static final class Refusals {
    private final boolean strict;
    private ApiException first;
    private boolean carriers;
    private Map<String, String> signatures; // made for the first carrier
    private final NestedDrops drops = new NestedDrops(); // cache_control, thinking: chat has none

    Refusals(boolean strict) {
      this.strict = strict;
    }
  }

  private static ObjectNode toChatRequest(ObjectNode request, Refusals refusals) {
    ObjectNode chat = NODES.objectNode();
    chat.set("model", request.get("model"));
    ArrayNode messages = chat.putArray("messages");
    JsonNode system = request.get("system");
    if (system != null && system.isTextual()) {
      messages.addObject().put("role", "system").put("content", system.asText());
    } else if (system != null && system.isArray() && !system.isEmpty()) {
      for (JsonNode block : system) {
        refusals.drops.note(block, "cache_control", NestedDrops.SYSTEM_CACHE_CONTROL);
      }
      ArrayNode parts = textParts(system, "system", refusals);
      if (!parts.isEmpty()) {
        messages.addObject().put("role", "system").set("content", parts);
      }
    }
    for (JsonNode message : request.path("messages")) {
      String role = message.path("role").asText("");
      JsonNode content = message.get("content");
      if ("assistant".equals(role)) {
        messages.add(assistant(content, refusals));
      } else if ("user".equals(role)) {
        user(content, messages, refusals);
      } else {
        refuse(refusals, "messages: unexpected role '" + role + "'; use 'user' or 'assistant'.");
      }
    }
    if (request.hasNonNull("max_tokens")) {
      chat.set("max_tokens", request.get("max_tokens"));
    }
    copy(request, "temperature", chat, "temperature");
    copy(request, "top_p", chat, "top_p");
    JsonNode stops = request.get("stop_sequences");
    if (stops != null && stops.isArray() && !stops.isEmpty()) {
      chat.set("stop", stops.deepCopy());
    }
    JsonNode user = request.path("metadata").get("user_id");
    if (user != null && user.isTextual()) {
      chat.put("user", user.asText());
    }
    if (request.path("stream").asBoolean(false)) {
      chat.put("stream", true);
      // The Messages stream reports usage; bridged, the chat stream has to be asked for it.
      chat.putObject("stream_options").put("include_usage", true);
    }
    tools(request, chat, refusals);
    JsonNode format = request.path("output_config").path("format");
    if (!format.isObject()) {
      format = request.path("output_format");
    }
    if ("json_schema".equals(format.path("type").asText())) {
      ObjectNode schema = chat.putObject("response_format").put("type", "json_schema");
      ObjectNode spec = schema.putObject("json_schema").put("name", "output");
      spec.set("schema", format.path("schema").deepCopy());
      spec.put("strict", true);
    }
    return chat;
  }

  private static void tools(ObjectNode request, ObjectNode chat, Refusals refusals) {
    JsonNode tools = request.get("tools");
    if (tools != null && tools.isArray() && !tools.isEmpty()) {
      ArrayNode out = chat.putArray("tools");
      for (JsonNode tool : tools) {
        refusals.drops.note(tool, "cache_control", NestedDrops.TOOL_CACHE_CONTROL);
        String type = tool.path("type").asText("custom");
        if (!"custom".equals(type)) {
          refuse(
              refusals,
              "tools: the server tool '"
                  + type
                  + "' is only available on Anthropic targets; this model is not served by one.");
          continue;
        }
        ObjectNode function = out.addObject().put("type", "function").putObject("function");
        function.put("name", tool.path("name").asText());
        if (tool.hasNonNull("description")) {
          function.put("description", tool.get("description").asText());
        }
        function.set(
            "parameters",
            tool.path("input_schema").isObject()
                ? tool.get("input_schema").deepCopy()
                : NODES.objectNode().put("type", "object"));
      }
      if (out.isEmpty()) {
        chat.remove("tools");
      }
    }
    JsonNode choice = request.get("tool_choice");
    if (choice != null && choice.isObject()) {
      switch (choice.path("type").asText("auto")) {
        case "any" -> chat.put("tool_choice", "required");
        case "none" -> chat.put("tool_choice", "none");
        case "tool" ->
            chat.putObject("tool_choice")
                .put("type", "function")
                .putObject("function")
                .put("name", choice.path("name").asText());
        default -> chat.put("tool_choice", "auto");
      }
      if (choice.path("disable_parallel_tool_use").asBoolean(false)) {
        chat.put("parallel_tool_calls", false);
      }
    }
  }

  private static void user(JsonNode content, ArrayNode messages, Refusals refusals) {
    if (content == null || content.isNull()) {
      refuse(refusals, "messages: a user message needs content.");
      return;
    }
    if (content.isTextual()) {
      messages.addObject().put("role", "user").put("content", content.asText());
      return;
    }
    ArrayNode parts = NODES.arrayNode();
    for (JsonNode block : content) {
      refusals.drops.note(block, "cache_control", NestedDrops.CONTENT_CACHE_CONTROL);
      switch (block.path("type").asText("")) {
        case "text" ->
            parts.addObject().put("type", "text").put("text", block.path("text").asText());
        case "image" -> {
          ObjectNode image = imagePart(block.path("source"), refusals);
          if (image != null) {
            parts.add(image);
          }
        }
        case "document" -> {
          ObjectNode file = documentPart(block, refusals);
          if (file != null) {
            parts.add(file);
          }
        }
        case "tool_result" -> {
          ObjectNode tool = messages.addObject().put("role", "tool");
          tool.put("tool_call_id", block.path("tool_use_id").asText());
          JsonNode result = block.get("content");
          String text =
              result == null || result.isNull()
                  ? ""
                  : result.isTextual() ? result.asText() : joinText(result, refusals);
          if (block.path("is_error").asBoolean(false)) {
            text = "Error: " + text;
          }
          tool.put("content", text);
        }
        default ->
            refuse(
                refusals,
                "messages: content blocks of type '"
                    + block.path("type").asText("")
                    + "' are only available on Anthropic targets; this model is not served by"
                    + " one.");
      }
    }
    if (!parts.isEmpty()) {
      messages.addObject().put("role", "user").set("content", simplify(parts));
    }
  }

  /** One text part stays a plain string (the common chat form). */
  private static JsonNode simplify(ArrayNode parts) {
    if (parts.size() == 1 && "text".equals(parts.get(0).path("type").asText())) {
      return parts.get(0).get("text");
    }
    return parts;
  }

  /** An {@code image_url} part; null when left out (a lenient walk). */
  private static ObjectNode imagePart(JsonNode source, Refusals refusals) {
    String url =
        switch (source.path("type").asText("")) {
          case "base64" ->
              "data:"
                  + source.path("media_type").asText()
                  + ";base64,"
                  + source.path("data").asText();
          case "url" -> source.path("url").asText();
          default -> {
            refuse(refusals, "messages: unsupported image source type.");
            yield null;
          }
        };
    if (url == null) {
      return null;
    }
    ObjectNode part = NODES.objectNode().put("type", "image_url");
    part.putObject("image_url").put("url", url);
    return part;
  }

  /** What a bridged document is called when the client gave it no {@code title}. */
  static final String UNTITLED_DOCUMENT = "document.pdf";

  /**
   * A {@code document} block with a base64 PDF source as chat's {@code file} part: its data as a
   * PDF data URL, its {@code title} as the {@code filename} ({@link #UNTITLED_DOCUMENT} without
   * one: OpenAI refuses a file's data without a name). Citations and {@code context} have no chat
   * place: left out and named. A URL, file-id, text or content source is Anthropic's alone (chat's
   * file part takes no URL, and another provider's file id is no chat target's): refused, so the
   * request is kept to targets that speak Messages. Null when refused (a lenient walk).
   */
  private static ObjectNode documentPart(JsonNode block, Refusals refusals) {
    JsonNode source = block.path("source");
    if (!"base64".equals(source.path("type").asText(""))
        || !"application/pdf".equals(source.path("media_type").asText(""))) {
      refuse(
          refusals,
          "messages: a document is bridged only as base64 PDF data; a document by URL, file id,"
              + " text or content is only available on Anthropic targets; this model is not served"
              + " by one.");
      return null;
    }
    if (block.path("citations").path("enabled").asBoolean(false)) {
      refusals.drops.add(DOCUMENT_CITATIONS); // chat answers carry no citations
    }
    refusals.drops.note(block, "context", DOCUMENT_CONTEXT);
    String title = block.path("title").asText("");
    ObjectNode part = NODES.objectNode().put("type", "file");
    part.putObject("file")
        .put("filename", title.isEmpty() ? UNTITLED_DOCUMENT : title)
        .put("file_data", "data:application/pdf;base64," + source.path("data").asText());
    return part;
  }

  /** A document block's {@code citations} asked for ({@code enabled: true}). */
  static final String DOCUMENT_CITATIONS = "messages[].content[].citations";

  /** A document block's {@code context} (what the model may read but not cite). */
  static final String DOCUMENT_CONTEXT = "messages[].content[].context";

  private static ObjectNode assistant(JsonNode content, Refusals refusals) {
    ObjectNode message = NODES.objectNode().put("role", "assistant");
    if (content == null || content.isNull()) {
      message.putNull("content");
      return message;
    }
    if (content.isTextual()) {
      message.put("content", content.asText());
      return message;
    }
    StringBuilder text = new StringBuilder();
    boolean hasText = false;
    ArrayNode calls = NODES.arrayNode();
    String signature = null; // a carrier's, for the next tool_use block
    for (JsonNode block : content) {
      refusals.drops.note(block, "cache_control", NestedDrops.CONTENT_CACHE_CONTROL);
      switch (block.path("type").asText("")) {
        case "text" -> {
          text.append(block.path("text").asText());
          hasText = true;
        }
        case "tool_use" -> {
          ObjectNode call = calls.addObject();
          String id = block.path("id").asText();
          if (signature != null) {
            if (refusals.signatures == null) {
              refusals.signatures = new HashMap<>(4);
            }
            refusals.signatures.put(id, signature);
            signature = null;
          }
          call.put("id", id);
          call.put("type", "function");
          call.putObject("function")
              .put("name", block.path("name").asText())
              .put("arguments", block.path("input").toString());
        }
        case "thinking" -> {
          // No chat equivalent (the target thinks anew), except the gateway's carrier of a Gemini
          // thought signature, which belongs to the tool_use block after it.
          // The client's own thinking is left out, and named.
          String value = block.path("signature").asText(null);
          if (ThoughtCarrier.isGeminiCarrier(value)) {
            refusals.carriers = true;
            signature = ThoughtCarrier.signature(value);
          } else {
            // An unsigned block is a chat target's reasoning the gateway wrote (thinkingBlock):
            // no Anthropic target may get it either.
            refusals.carriers |= value == null || value.isEmpty();
            refusals.drops.add(NestedDrops.THINKING_BLOCK);
          }
        }
        case "redacted_thinking" -> // no chat equivalent; the target thinks anew
            refusals.drops.add(NestedDrops.REDACTED_THINKING_BLOCK);
        default ->
            refuse(
                refusals,
                "messages: assistant blocks of type '"
                    + block.path("type").asText("")
                    + "' are only available on Anthropic targets.");
      }
    }
    if (hasText) {
      message.put("content", text.toString());
    } else {
      message.putNull("content");
    }
    if (!calls.isEmpty()) {
      message.set("tool_calls", calls);
    }
    return message;
  }

  /**
   * {@code request} without the gateway's thinking blocks — carriers, and the unsigned blocks of a
   * chat target's reasoning ({@link #thinkingBlock}) — (a shallow copy: only the assistant messages
   * that held one are new), for a target that speaks Messages: Anthropic refuses a thinking block
   * it did not sign. Genuine (signed) thinking blocks stay.
   */
  static ObjectNode withoutCarriers(ObjectNode request) {
    ObjectNode copy = NODES.objectNode().setAll(request);
    ArrayNode messages = copy.putArray("messages");
    for (JsonNode message : request.path("messages")) {
      JsonNode content = message.get("content");
      if (!(message instanceof ObjectNode assistant)
          || !"assistant".equals(message.path("role").asText())
          || !hasCarrier(content)) {
        messages.add(message);
        continue;
      }
      ObjectNode kept = NODES.objectNode().setAll(assistant);
      ArrayNode blocks = kept.putArray("content");
      for (JsonNode block : content) {
        if (!isCarrier(block)) {
          blocks.add(block);
        }
      }
      messages.add(kept);
    }
    return copy;
  }

  private static boolean hasCarrier(JsonNode content) {
    if (content == null || !content.isArray()) {
      return false;
    }
    for (JsonNode block : content) {
      if (isCarrier(block)) {
        return true;
      }
    }
    return false;
  }

  /** A carrier, or an unsigned thinking block (a chat target's reasoning): the gateway's own. */
  private static boolean isCarrier(JsonNode block) {
    return "thinking".equals(block.path("type").asText())
        && ThoughtSignedChat.isGatewaysThinking(block);
  }

  private static ArrayNode textParts(JsonNode blocks, String field, Refusals refusals) {
    ArrayNode parts = NODES.arrayNode();
    for (JsonNode block : blocks) {
      if (!"text".equals(block.path("type").asText())) {
        refuse(refusals, field + ": only text blocks can be bridged.");
        continue;
      }
      parts.addObject().put("type", "text").put("text", block.path("text").asText());
    }
    return parts;
  }

  private static String joinText(JsonNode blocks, Refusals refusals) {
    StringBuilder out = new StringBuilder();
    for (JsonNode block : blocks) {
      refusals.drops.note(block, "cache_control", NestedDrops.CONTENT_CACHE_CONTROL);
      if (!"text".equals(block.path("type").asText())) {
        refuse(
            refusals,
            "messages: tool results with non-text content are only available on Anthropic"
                + " targets.");
        continue;
      }
      out.append(block.path("text").asText());
    }
    return out.toString();
  }

  private static void copy(ObjectNode from, String field, ObjectNode to, String as) {
    JsonNode value = from.get(field);
    if (value != null && !value.isNull()) {
      to.set(as, value);
    }
  }

  private static ApiException bad(String message) {
    return new ApiException(OpenAiError.invalidRequest(message, null));
  }

  /**
   * Refuses what cannot be bridged (400) in a strict walk; in a lenient one notes the first such
   * part and returns, so the caller leaves it out.
   */
  private static void refuse(Refusals refusals, String message) {
    if (refusals.strict) {
      throw bad(message);
    }
    if (refusals.first == null) {
      refusals.first = bad(message);
    }
  }

  // ------------------------------------------------------------------------------ answers

  /**
   * The Messages answer for a chat completion.
   *
   * @param id the Message's id ({@code msg_…}; the completion's own is a chat id)
   */
  public static ObjectNode toMessage(JsonNode completion, String id, String fallbackModel) {
    return toMessage(completion, id, fallbackModel, false);
  }

  /**
   * The Messages answer for a chat completion.
   *
   * @param id the Message's id ({@code msg_…}; the completion's own is a chat id)
   * @param thinking the client asked for thinking ({@link #asksForThinking}): the target's
   *     reasoning text ({@link #reasoningText}) comes first, as a {@code thinking} block
   */
  public static ObjectNode toMessage(
      JsonNode completion, String id, String fallbackModel, boolean thinking) {
    ObjectNode out = NODES.objectNode();
    out.put("id", id);
    out.put("type", "message");
    out.put("role", "assistant");
    String model = completion.path("model").asText("");
    out.put("model", model.isEmpty() ? fallbackModel : model);
    ArrayNode content = out.putArray("content");
    JsonNode choice = completion.path("choices").path(0);
    JsonNode message = choice.path("message");
    String text = answerText(message.get("content"));
    String refusal = message.path("refusal").isTextual() ? message.get("refusal").asText() : null;
    String reasoning = thinking ? reasoningText(message) : null;
    if (reasoning != null && !reasoning.isEmpty()) {
      thinkingBlock(content.addObject(), reasoning);
    }
    if (text != null && !text.isEmpty()) {
      content.addObject().put("type", "text").put("text", text);
    } else if (refusal != null && !refusal.isEmpty()) {
      content.addObject().put("type", "text").put("text", refusal);
    }
    for (JsonNode call : message.path("tool_calls")) {
      String signature =
          call.path("extra_content").path("google").path("thought_signature").asText("");
      if (!signature.isEmpty()) {
        // Gemini's thought signature, in the one place of a Messages answer that carries one.
        thinkingCarrier(content.addObject(), signature);
      }
      ObjectNode use = content.addObject().put("type", "tool_use");
      use.put("id", call.path("id").asText());
      use.put("name", call.path("function").path("name").asText());
      use.set("input", input(call.path("function").path("arguments").asText("")));
    }
    out.put(
        "stop_reason",
        stopReason(
            choice.path("finish_reason").asText(null),
            !message.path("tool_calls").isEmpty(),
            refusal != null && !refusal.isEmpty()));
    out.putNull("stop_sequence");
    out.set("usage", usage(completion.path("usage")));
    return out;
  }

  /**
   * Whether a Messages request asks for thinking ({@code thinking.type} {@code enabled} or {@code
   * adaptive}). Anthropic answers with thinking blocks only then, and a client that did not ask may
   * well read {@code content[0]} as the text: a bridged answer's reasoning text is left out for it.
   */
  static boolean asksForThinking(JsonNode request) {
    String type = request.path("thinking").path("type").asText("");
    return "enabled".equals(type) || "adaptive".equals(type);
  }

  /**
   * The reasoning text of a chat answer's message, as OpenAI-compatible reasoning servers add it:
   * {@code reasoning_content} (DeepSeek, Qwen, SGLang, vLLM before 0.11) or else {@code reasoning}
   * (vLLM since 0.11); null when it has none. The stream's deltas are read by the adapter ({@link
   * dev.switchboard.gateway.upstream.adapter.StreamEventFacts#reasoningDelta}) under the same
   * names.
   */
  static String reasoningText(JsonNode message) {
    JsonNode reasoning = message.get("reasoning_content");
    if (reasoning == null || !reasoning.isTextual()) {
      reasoning = message.get("reasoning");
    }
    return reasoning != null && reasoning.isTextual() ? reasoning.asText() : null;
  }

  /**
   * A {@code thinking} block of a chat target's reasoning text, written into {@code block}, with an
   * empty {@code signature}: the field is required (the SDKs type it as a string) and a chat target
   * signs nothing; no genuine Anthropic signature is empty. Handed back in the history, the block
   * is left out for a chat target (and named, as any thinking block: DeepSeek refuses reasoning in
   * its input) and for an Anthropic target ({@link #withoutCarriers}), which refuses a block it did
   * not sign.
   */
  static ObjectNode thinkingBlock(ObjectNode block, String thinking) {
    return block.put("type", "thinking").put("thinking", thinking).put("signature", "");
  }

  /**
   * A {@code thinking} block carrying a Gemini call's thought signature ({@link ThoughtCarrier}),
   * written into {@code block}: no thinking text (thought summaries, when the client asked for
   * thinking, are a block of their own, before: {@link #thinkingBlock}).
   */
  static ObjectNode thinkingCarrier(ObjectNode block, String signature) {
    return block
        .put("type", "thinking")
        .put("thinking", "")
        .put("signature", ThoughtCarrier.carry(signature));
  }

  /** A tool call's arguments as an object; arguments that are not a JSON object are kept whole. */
  static JsonNode input(String arguments) {
    if (arguments.isBlank()) {
      return NODES.objectNode();
    }
    try {
      JsonNode parsed = JSON.readTree(arguments);
      if (parsed != null && parsed.isObject()) {
        return parsed;
      }
    } catch (JsonProcessingException e) {
      // below
    }
    return NODES.objectNode().put("arguments", arguments);
  }

  /**
   * The text of a chat answer's {@code content}: the string, or of an array (Mistral's reasoning
   * models answer {@code [{"type":"thinking",...},{"type":"text","text":...}]}) its {@code text}
   * chunks joined, thinking left out; null when there is none.
   */
  static String answerText(JsonNode content) {
    if (content == null || !content.isArray()) {
      return content != null && content.isTextual() ? content.asText() : null;
    }
    StringBuilder text = null;
    for (JsonNode chunk : content) {
      if ("text".equals(chunk.path("type").asText()) && chunk.path("text").isTextual()) {
        text = text == null ? new StringBuilder() : text;
        text.append(chunk.get("text").asText());
      }
    }
    return text == null ? null : text.toString();
  }

  /**
   * The Messages stop reason of a chat finish reason.
   *
   * @param toolUse the answer carries tool calls: OpenAI and vLLM finish a call forced by a named
   *     {@code tool_choice} with {@code stop}, not {@code tool_calls}, yet it ends the turn with a
   *     tool to run ({@code tool_use}), which agent loops wait for
   * @param refused the answer carries a refusal ({@code message.refusal} / {@code delta.refusal}):
   *     OpenAI finishes a refusal with {@code stop}, yet it is Anthropic's {@code refusal}
   */
  public static String stopReason(String finishReason, boolean toolUse, boolean refused) {
    if (finishReason == null) {
      return refused ? "refusal" : "end_turn";
    }
    return switch (finishReason) {
      case "length" -> "max_tokens";
      case "tool_calls", "function_call" -> "tool_use";
      case "content_filter" -> "refusal";
      case "stop" -> toolUse ? "tool_use" : refused ? "refusal" : "end_turn";
      default -> refused ? "refusal" : "end_turn";
    };
  }

  /** A Messages usage object of a chat {@code usage}: cached input is reported as cache reads. */
  static ObjectNode usage(JsonNode usage) {
    long prompt = usage.path("prompt_tokens").asLong(0);
    long cached =
        Math.min(prompt, usage.path("prompt_tokens_details").path("cached_tokens").asLong(0));
    ObjectNode out = NODES.objectNode();
    out.put("input_tokens", prompt - cached);
    out.put("cache_creation_input_tokens", 0);
    out.put("cache_read_input_tokens", cached);
    out.put("output_tokens", usage.path("completion_tokens").asLong(0));
    return out;
  }
}
