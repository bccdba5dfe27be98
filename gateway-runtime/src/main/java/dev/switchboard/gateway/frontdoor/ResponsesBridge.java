package dev.switchboard.gateway.frontdoor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.http.ApiException;
import dev.switchboard.gateway.http.OpenAiError;
import dev.switchboard.gateway.upstream.adapter.NestedDrops;
import dev.switchboard.gateway.upstream.adapter.ThoughtSignedChat;
import dev.switchboard.gateway.upstream.adapter.UpstreamAdapter;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Translates a Responses API request into the internal chat-completions form, for targets that only
 * speak chat completions: {@code instructions} and {@code input} (text, images, files by their
 * data, audio, {@code function_call} and {@code function_call_output} items) become {@code
 * messages} (a system or assistant message's images, files and audio are named: chat carries them
 * on user messages only); function tools, {@code tool_choice}, {@code text.format} (json_schema,
 * json_object), {@code text.verbosity}, {@code reasoning.effort}, {@code max_output_tokens},
 * sampling (the gateway's {@code seed} too), the output text's logprobs ({@code include:
 * ["message.output_text.logprobs"]}, {@code top_logprobs}), what both APIs share ({@code
 * service_tier}, {@code safety_identifier}, {@code prompt_cache_*}) and streaming (with usage)
 * carry over; a {@code reasoning} item that is the gateway's carrier of a Gemini thought signature
 * ({@link ThoughtCarrier}) gives the {@code function_call} after it its signature, for Gemini
 * targets only, and one that carries Anthropic thinking blocks gives them to the first {@code
 * function_call} of the assistant turn it opens, for Anthropic targets only ({@link
 * ThoughtSignedChat}). What chat completions cannot express is {@link #problem named} instead, so
 * the request is kept to targets that speak the Responses API; what it has no place for but a
 * bridged answer can do without ({@code metadata}, {@code include}, ...) is left out and {@link
 * #leftOut named} in the answer.
 */
final class ResponsesBridge {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** Tool types chat completions can carry; every other one is a hosted (built-in) tool. */
  private static final Set<String> BRIDGED_TOOLS = Set.of("function");

  /** Input item types the bridge translates ("reasoning" items are dropped: chat has none). */
  private static final Set<String> BRIDGED_ITEMS =
      Set.of("message", "function_call", "function_call_output", "reasoning");

  private ResponsesBridge() {}

  /** Why a problem: what cannot be bridged, and the request field it is in. */
  record Problem(String message, String param) {}

  /**
   * Why {@code request} cannot be served through chat completions, or null when it can. Storage and
   * follow-ups need the provider that keeps responses; hosted tools, files by URL or id and images
   * by id (another provider's Files API; chat's file part takes no URL), item references, prompts
   * and background mode have no chat-completions equivalent.
   */
  static Problem problem(ObjectNode request) {
    if (textValue(request.get("previous_response_id")) != null) {
      return new Problem(
          "'previous_response_id' needs the provider that stored the previous response.",
          "previous_response_id");
    }
    if (request.path("store").asBoolean(false)) {
      return new Problem(
          "'store': true needs a target that stores responses (OpenAI or Azure OpenAI); the"
              + " targets of this model only speak chat completions. Send 'store': false or"
              + " omit it.",
          "store");
    }
    if (request.path("background").asBoolean(false)) {
      return new Problem(
          "'background': true needs a target that serves the Responses API natively.",
          "background");
    }
    for (String field : new String[] {"conversation", "prompt"}) {
      JsonNode value = request.get(field);
      if (value != null && !value.isNull()) {
        return new Problem(
            "'" + field + "' needs a target that serves the Responses API natively.", field);
      }
    }
    int i = 0;
    for (JsonNode tool : request.path("tools")) {
      String type = tool.path("type").asText("");
      if (!BRIDGED_TOOLS.contains(type)) {
        return new Problem(
            "The tool type '"
                + type
                + "' is a built-in Responses API tool; the targets of this model only speak"
                + " chat completions, which support function tools only.",
            "tools[" + i + "].type");
      }
      i++;
    }
    JsonNode input = request.get("input");
    if (input != null && input.isArray()) {
      i = 0;
      for (JsonNode item : input) {
        String type = itemType(item);
        if (!BRIDGED_ITEMS.contains(type)) {
          return new Problem(
              "The input item type '"
                  + type
                  + "' cannot be sent to a target that only speaks chat completions.",
              "input[" + i + "].type");
        }
        if ("message".equals(type) && item.get("content") instanceof ArrayNode parts) {
          for (JsonNode part : parts) {
            String partType = part.path("type").asText("");
            boolean image = "input_image".equals(partType);
            if (image && textValue(part.get("image_url")) == null) {
              return new Problem(
                  "Images by 'file_id' cannot be sent to a target that only speaks chat"
                      + " completions; send an 'image_url'.",
                  "input[" + i + "].content");
            }
            boolean file = "input_file".equals(partType);
            // A file id is the Files API's of the provider that stores it: not a chat-only
            // target's (as an image's), and chat's file part takes no URL.
            if (file && textValue(part.get("file_data")) == null) {
              return new Problem(
                  "Files by 'file_id' or 'file_url' cannot be sent to a target that only speaks"
                      + " chat completions; send 'file_data'.",
                  "input[" + i + "].content");
            }
            if (!image
                && !file
                && !"input_audio".equals(partType)
                && !"input_text".equals(partType)
                && !"output_text".equals(partType)
                && !"refusal".equals(partType)) {
              return new Problem(
                  "The content part type '"
                      + partType
                      + "' cannot be sent to a target that only speaks chat completions.",
                  "input[" + i + "].content");
            }
          }
        }
        if ("function_call_output".equals(type) && item.get("output") instanceof ArrayNode parts) {
          // A chat tool message carries text only: an image or a file would be lost.
          for (JsonNode part : parts) {
            String partType = part.path("type").asText("");
            if (!"input_text".equals(partType) && !"output_text".equals(partType)) {
              return new Problem(
                  "A 'function_call_output' with '"
                      + partType
                      + "' parts cannot be sent to a target that only speaks chat completions,"
                      + " whose tool messages carry text only.",
                  "input[" + i + "].output");
            }
          }
        }
        i++;
      }
    }
    return null;
  }

  /**
   * The Responses name of a chat field {@link #toChat} made from one of the client's ({@code
   * max_tokens} from {@code max_output_tokens}, a function tool's {@code strict} and {@code
   * parameters}, which a Responses tool holds at its top, the JSON schema's keywords under {@code
   * text.format.schema}, ...); any other name as it is.
   */
  static String clientParam(String chatName) {
    return switch (chatName) {
      case "max_tokens" -> "max_output_tokens";
      case "logprobs" -> "include"; // what asked for them: message.output_text.logprobs
      case "reasoning_effort" -> "reasoning.effort";
      case "response_format" -> "text.format";
      case "verbosity" -> "text.verbosity";
      case NestedDrops.TOOL_STRICT -> "tools[].strict";
      case NestedDrops.RESPONSE_FORMAT_STRICT -> "text.format.strict";
      case "messages[].content[].file" -> "input[].content[].input_file"; // a PDF (Mistral)
      default ->
          NestedDrops.renamePrefix(
              NestedDrops.renamePrefix(chatName, NestedDrops.TOOL_PARAMETERS, "tools[].parameters"),
              NestedDrops.RESPONSE_SCHEMA,
              "text.format.schema");
    };
  }

  /**
   * The top-level Responses fields {@link #toChat} carries ({@code service_tier} when chat
   * completions knows its value, {@link #leftOut}), or that a bridged answer honours as asked
   * ({@code store} and {@code background} false, {@code truncation} {@code disabled}: what {@link
   * #problem} refuses never reaches a bridged target; {@code stream_options} is the stream's own);
   * {@code text} and {@code reasoning} in part ({@link #leftOut}).
   */
  private static final Set<String> BRIDGED_FIELDS =
      Set.of(
          "model",
          "input",
          "instructions",
          "tools",
          "tool_choice",
          "parallel_tool_calls",
          "text",
          "reasoning",
          "max_output_tokens",
          "temperature",
          "top_p",
          "user",
          "seed",
          "safety_identifier",
          "prompt_cache_key",
          "prompt_cache_retention",
          "prompt_cache_options",
          "service_tier",
          "stream",
          "stream_options",
          "store",
          "background",
          "previous_response_id",
          "conversation",
          "prompt",
          "truncation");

  /**
   * The {@code service_tier} values chat completions takes (OpenAI's {@code ServiceTier}); the
   * Responses API's {@code ultrafast} is not one.
   */
  private static final Set<String> CHAT_SERVICE_TIERS =
      Set.of("auto", "default", "flex", "scale", "priority", "fast");

  /**
   * The client's fields that {@link #toChat} leaves out, in the client's names and the request's
   * order: those chat completions has no place for ({@code include} but the output text's logprobs
   * ({@link #carriesLogprobs}), {@code max_tool_calls}, {@code top_logprobs} without them, ...;
   * JSON nulls ask nothing), {@code metadata} (OpenAI's chat completions takes it only with {@code
   * store: true}, which would keep a completion the client did not ask to keep), a {@code
   * service_tier} chat completions does not know ({@code ultrafast}), {@code truncation: auto} (a
   * chat target refuses an overlong request instead), {@code reasoning.summary} and {@code
   * reasoning.generate_summary}. {@link UpstreamAdapter.EncodedRequest#NONE} when none.
   */
  static List<String> leftOut(ObjectNode request) {
    boolean logprobs = carriesLogprobs(request);
    JsonNode include = request.get("include");
    boolean carried = include != null && include.isArray() && carriedIncludes(include, logprobs);
    List<String> left =
        UpstreamAdapter.EncodedRequest.leftOut(
            request,
            logprobs
                ? carried ? WITH_LOGPROBS : WITH_TOP_LOGPROBS
                : carried ? WITH_INCLUDE : BRIDGED_FIELDS);
    if ("auto".equals(textValue(request.get("truncation")))) {
      left = UpstreamAdapter.EncodedRequest.concat(left, List.of("truncation"));
    }
    String tier = textValue(request.get("service_tier"));
    if (tier != null && !CHAT_SERVICE_TIERS.contains(tier)) {
      left = UpstreamAdapter.EncodedRequest.concat(left, List.of("service_tier"));
    }
    left = nested(request, "reasoning", "summary", left);
    return nested(request, "reasoning", "generate_summary", left);
  }

  /** What a Responses request's {@code include} names to get the output text's logprobs. */
  static final String LOGPROBS_INCLUDE = "message.output_text.logprobs";

  /** {@link #BRIDGED_FIELDS} and {@code top_logprobs}, when the logprobs are carried. */
  private static final Set<String> WITH_TOP_LOGPROBS = with(BRIDGED_FIELDS, "top_logprobs");

  /** And {@code include}, when all it asks for is carried (the logprobs, encrypted reasoning). */
  private static final Set<String> WITH_LOGPROBS = with(WITH_TOP_LOGPROBS, "include");

  /** {@link #BRIDGED_FIELDS} and {@code include}, when it asks only for encrypted reasoning. */
  private static final Set<String> WITH_INCLUDE = with(BRIDGED_FIELDS, "include");

  private static Set<String> with(Set<String> set, String more) {
    Set<String> all = new HashSet<>(set);
    all.add(more);
    return Set.copyOf(all);
  }

  /**
   * Whether the chat form asks for logprobs: the client's {@code include} names {@link
   * #LOGPROBS_INCLUDE} (a bridged answer carries them back into its {@code output_text} part,
   * {@link ResponsesObjects#fromChat}; a bridged stream into its {@code response.output_text.delta}
   * events and the part, {@link ResponsesStreamEncoders.Bridged}).
   */
  static boolean carriesLogprobs(ObjectNode request) {
    return includes(request, LOGPROBS_INCLUDE);
  }

  /**
   * Whether the client asked for its reasoning items' encrypted content ({@code include:
   * ["reasoning.encrypted_content"]}): an Anthropic target's thinking blocks then go back to it,
   * carried in the item's {@code encrypted_content} ({@link ThoughtCarrier#carryThinking}), as
   * OpenAI writes encrypted content only when asked.
   */
  static boolean returnsThinking(ObjectNode request) {
    return includes(request, ENCRYPTED_REASONING_INCLUDE);
  }

  /** Whether the request's {@code include} names {@code value}. */
  private static boolean includes(ObjectNode request, String value) {
    JsonNode include = request.get("include");
    if (include == null || !include.isArray()) {
      return false;
    }
    for (JsonNode named : include) {
      if (value.equals(named.asText())) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether every value of {@code include} is one the bridge carries: the output text's logprobs
   * (when {@code logprobs}), and the reasoning items' encrypted content (an Anthropic target's
   * thinking blocks; a Gemini call's signature, which goes unasked; a target whose reasoning has no
   * state to hand back has none, as an OpenAI answer without reasoning items has none).
   */
  private static boolean carriedIncludes(JsonNode include, boolean logprobs) {
    for (JsonNode value : include) {
      String named = value.asText();
      if (!ENCRYPTED_REASONING_INCLUDE.equals(named)
          && !(logprobs && LOGPROBS_INCLUDE.equals(named))) {
        return false;
      }
    }
    return true;
  }

  /** {@code left} and {@code parent.child} when the client gave it (not null). */
  private static List<String> nested(
      ObjectNode request, String parent, String child, List<String> left) {
    JsonNode value = request.path(parent).get(child);
    return value == null || value.isNull()
        ? left
        : UpstreamAdapter.EncodedRequest.concat(left, List.of(parent + "." + child));
  }

  /** The chat-completions form of {@code request}; what {@link #problem} names is left out. */
  static ObjectNode toChat(ObjectNode request) {
    return toChat(request, new NestedDrops());
  }

  /**
   * The chat-completions form of {@code request}, noting in {@code drops} what its walk over the
   * input leaves out: the client's own {@code reasoning} items ({@link NestedDrops#REASONING_ITEM};
   * not the gateway's carriers of a Gemini thought signature, which go with the next call).
   */
  static ObjectNode toChat(ObjectNode request, NestedDrops drops) {
    ObjectNode chat = NODES.objectNode();
    chat.set("model", request.get("model"));
    ArrayNode messages = chat.putArray("messages");
    String instructions = textValue(request.get("instructions"));
    if (instructions != null) {
      messages.addObject().put("role", "system").put("content", instructions);
    }
    JsonNode input = request.get("input");
    Map<String, String> signatures = null;
    Map<String, ArrayNode> thinking = null;
    if (input != null && input.isTextual()) {
      messages.addObject().put("role", "user").put("content", input.asText());
    } else if (input != null && input.isArray()) {
      String signature = null; // a Gemini carrier's, for the next function_call item
      ArrayNode blocks = null; // an Anthropic carrier's, for the assistant turn's first call
      int i = 0;
      for (JsonNode item : input) {
        String type = itemType(item);
        if ("reasoning".equals(type)) {
          String encrypted = textValue(item.get("encrypted_content"));
          signature = ThoughtCarrier.signature(encrypted);
          ArrayNode carried = thinkingBlocks(encrypted, i);
          if (carried != null) {
            blocks = blocks == null ? carried : blocks.deepCopy().addAll(carried);
          }
          if (!ThoughtCarrier.isCarrier(encrypted)) {
            drops.add(NestedDrops.REASONING_ITEM); // chat completions has no place for it
          }
        } else if ("function_call".equals(type)) {
          String callId = item.path("call_id").asText("");
          if (signature != null) {
            signatures = signatures == null ? new HashMap<>(4) : signatures;
            signatures.put(callId, signature);
            signature = null;
          }
          if (blocks != null) {
            thinking = thinking == null ? new HashMap<>(4) : thinking;
            thinking.put(callId, blocks);
            blocks = null;
          }
        } else {
          signature = null;
          // Anthropic's thinking opens the assistant turn, before its text and its calls.
          if (!("message".equals(type) && "assistant".equals(item.path("role").asText()))) {
            blocks = null;
          }
        }
        addItem(messages, item, drops);
        i++;
      }
    }
    JsonNode tools = request.get("tools");
    if (tools != null && tools.isArray() && !tools.isEmpty()) {
      ArrayNode chatTools = chat.putArray("tools");
      for (JsonNode tool : tools) {
        if (!"function".equals(tool.path("type").asText())) {
          continue;
        }
        ObjectNode function = chatTools.addObject().put("type", "function").putObject("function");
        copy(tool, function, "name");
        copy(tool, function, "description");
        copy(tool, function, "parameters");
        copy(tool, function, "strict");
      }
      if (chatTools.isEmpty()) {
        chat.remove("tools");
      } else {
        copy(request, chat, "parallel_tool_calls");
        JsonNode choice = request.get("tool_choice");
        if (choice != null && choice.isTextual()) {
          chat.set("tool_choice", choice);
        } else if (choice != null && "function".equals(choice.path("type").asText())) {
          chat.putObject("tool_choice")
              .put("type", "function")
              .putObject("function")
              .set("name", choice.get("name"));
        }
      }
    }
    JsonNode format = request.path("text").path("format");
    String formatType = format.path("type").asText("");
    if ("json_schema".equals(formatType)) {
      ObjectNode schema =
          chat.putObject("response_format").put("type", "json_schema").putObject("json_schema");
      copy(format, schema, "name");
      copy(format, schema, "description");
      copy(format, schema, "schema");
      copy(format, schema, "strict");
    } else if ("json_object".equals(formatType)) {
      chat.putObject("response_format").put("type", "json_object");
    }
    String effort = textValue(request.path("reasoning").get("effort"));
    if (effort != null) {
      chat.put("reasoning_effort", effort);
    }
    JsonNode verbosity = request.path("text").get("verbosity");
    if (verbosity != null && !verbosity.isNull()) {
      chat.set("verbosity", verbosity);
    }
    if (request.get("max_output_tokens") != null && request.get("max_output_tokens").isNumber()) {
      chat.set("max_tokens", request.get("max_output_tokens"));
    }
    if (carriesLogprobs(request)) {
      chat.put("logprobs", true);
      JsonNode top = request.get("top_logprobs");
      if (top != null && top.isNumber() && top.asInt() > 0) {
        chat.set("top_logprobs", top);
      }
    }
    copy(request, chat, "temperature");
    copy(request, chat, "top_p");
    copy(request, chat, "user");
    // The gateway's extension on /v1/responses: chat completions is where a seed is sent.
    copy(request, chat, "seed");
    // Fields both APIs share (OpenAI's ModelResponseProperties / CreateModelResponseProperties).
    copy(request, chat, "safety_identifier");
    copy(request, chat, "prompt_cache_key");
    copy(request, chat, "prompt_cache_retention");
    copy(request, chat, "prompt_cache_options");
    String tier = textValue(request.get("service_tier"));
    if (tier != null && CHAT_SERVICE_TIERS.contains(tier)) {
      chat.put("service_tier", tier);
    }
    if (request.path("stream").asBoolean(false)) {
      chat.put("stream", true);
      // A Responses stream always ends with its usage: ask the chat stream for it.
      chat.putObject("stream_options").put("include_usage", true);
    }
    // Gemini thought signatures and Anthropic thinking blocks the gateway's reasoning carriers
    // brought back, each for its own provider only.
    return signatures == null && thinking == null
        ? chat
        : new ThoughtSignedChat(
            chat,
            signatures == null ? Map.of() : signatures,
            thinking == null ? Map.of() : thinking);
  }

  /**
   * The Anthropic thinking blocks the {@code encrypted_content} of the reasoning item {@code
   * input[index]} carries, or null when it is no such carrier.
   *
   * @throws ApiException (400, as OpenAI answers encrypted content it cannot read) for a carrier
   *     whose blocks do not decode
   */
  private static ArrayNode thinkingBlocks(String encrypted, int index) {
    try {
      return ThoughtCarrier.thinkingBlocks(encrypted);
    } catch (IllegalArgumentException changed) {
      throw new ApiException(
          OpenAiError.invalidRequest(
              "The encrypted content of 'input["
                  + index
                  + "]' could not be decoded: hand the reasoning item back as the gateway gave"
                  + " it.",
              "input[" + index + "].encrypted_content"));
    }
  }

  /** What a Responses request's {@code include} names to get reasoning items' encrypted content. */
  static final String ENCRYPTED_REASONING_INCLUDE = "reasoning.encrypted_content";

  /**
   * {@code request} without the gateway's own reasoning items ({@link #isGatewaysReasoning}: the
   * carriers of Gemini thought signatures, {@link ThoughtCarrier}, and the reasoning text of a chat
   * target), for a target that speaks the Responses API — OpenAI refuses {@code encrypted_content}
   * it did not make, and a reasoning item it did not make and does not hold ({@code "Item with id
   * 'rs_…' not found"}) —; null when the input holds none (the client's body goes as it is).
   * Genuine reasoning items stay.
   */
  static ObjectNode withoutCarriers(ObjectNode request) {
    JsonNode input = request.get("input");
    if (input == null || !input.isArray()) {
      return null;
    }
    ArrayNode kept = null;
    for (int i = 0; i < input.size(); i++) {
      JsonNode item = input.get(i);
      boolean carrier = isGatewaysReasoning(item);
      if (carrier && kept == null) {
        kept = NODES.arrayNode();
        for (int j = 0; j < i; j++) {
          kept.add(input.get(j));
        }
      } else if (!carrier && kept != null) {
        kept.add(item);
      }
    }
    if (kept == null) {
      return null;
    }
    ObjectNode copy = NODES.objectNode().setAll(request);
    copy.set("input", kept);
    return copy;
  }

  /**
   * Whether an input item is a {@code reasoning} item the gateway wrote, not a provider: a carrier
   * of a Gemini thought signature ({@link ThoughtCarrier}), or a chat target's reasoning text
   * ({@link ResponsesObjects#reasoningText}: a {@code reasoning_text} part and no {@code
   * encrypted_content}: an OpenAI or Azure reasoning item handed back carries its encrypted
   * content, or is a stored item its id names, which holds no raw text).
   */
  static boolean isGatewaysReasoning(JsonNode item) {
    if (!"reasoning".equals(textValue(item.get("type")))) {
      return false;
    }
    JsonNode encrypted = item.get("encrypted_content");
    if (encrypted != null && !encrypted.isNull()) {
      return ThoughtCarrier.isCarrier(textValue(encrypted));
    }
    for (JsonNode part : item.path("content")) {
      if (ResponsesObjects.REASONING_TEXT.equals(textValue(part.get("type")))) {
        return true;
      }
    }
    return false;
  }

  private static void addItem(ArrayNode messages, JsonNode item, NestedDrops drops) {
    switch (itemType(item)) {
      case "message" -> {
        String role = item.path("role").asText("user");
        // "developer" is OpenAI's newer name for system; chat-only servers know "system".
        String chatRole = "developer".equals(role) ? "system" : role;
        ObjectNode message = messages.addObject().put("role", chatRole);
        JsonNode content = item.get("content");
        if (content == null || content.isTextual()) {
          message.put("content", content == null ? "" : content.asText());
        } else if ("user".equals(chatRole) && hasMedia(content)) {
          ArrayNode parts = message.putArray("content");
          for (JsonNode part : content) {
            switch (part.path("type").asText()) {
              case "input_image" -> {
                ObjectNode url = parts.addObject().put("type", "image_url").putObject("image_url");
                url.set("url", part.get("image_url"));
                copy(part, url, "detail");
              }
              case "input_file" -> {
                // Chat's file part: the same file_data (a data URL) and filename.
                ObjectNode file = parts.addObject().put("type", "file").putObject("file");
                copy(part, file, "file_data");
                copy(part, file, "filename");
              }
              case "input_audio" ->
                  parts
                      .addObject()
                      .put("type", "input_audio")
                      .set("input_audio", part.get("input_audio"));
              default -> {
                if (textValue(part.get("text")) != null) {
                  parts.addObject().put("type", "text").set("text", part.get("text"));
                }
              }
            }
          }
        } else {
          // A chat system or assistant message carries text only: its media parts are named.
          for (JsonNode part : content) {
            String media = mediaDrop(part.path("type").asText());
            if (media != null) {
              drops.add(media);
            }
          }
          message.put("content", joinText(content));
        }
      }
      case "function_call" -> {
        ObjectNode assistant = openAssistant(messages);
        ObjectNode call = assistant.withArray("tool_calls").addObject();
        call.set("id", item.get("call_id"));
        call.put("type", "function");
        ObjectNode function = call.putObject("function");
        function.set("name", item.get("name"));
        function.put("arguments", item.path("arguments").asText(""));
      }
      case "function_call_output" -> {
        JsonNode output = item.get("output");
        messages
            .addObject()
            .put("role", "tool")
            .put("tool_call_id", item.path("call_id").asText(""))
            .put(
                "content",
                output == null ? "" : output.isTextual() ? output.asText() : joinText(output));
      }
      default -> {
        // reasoning items (and what problem() names): chat completions has no place for them
      }
    }
  }

  /** The assistant message to add a tool call to: the last one when it is an assistant's. */
  private static ObjectNode openAssistant(ArrayNode messages) {
    if (!messages.isEmpty()
        && messages.get(messages.size() - 1) instanceof ObjectNode last
        && "assistant".equals(last.path("role").asText())) {
      if (last.path("content").asText("").isEmpty()) {
        last.putNull("content");
      }
      return last;
    }
    return messages.addObject().put("role", "assistant").putNull("content");
  }

  private static boolean hasMedia(JsonNode parts) {
    for (JsonNode part : parts) {
      if (mediaDrop(part.path("type").asText()) != null) {
        return true;
      }
    }
    return false;
  }

  /**
   * What names a media part ({@code input_image}, {@code input_file}, {@code input_audio}) a
   * message left out: the chat form carries them on user messages only. Null for any other type.
   */
  private static String mediaDrop(String type) {
    return switch (type) {
      case "input_image" -> "input[].content[].input_image";
      case "input_file" -> "input[].content[].input_file";
      case "input_audio" -> "input[].content[].input_audio";
      default -> null;
    };
  }

  private static String joinText(JsonNode parts) {
    StringBuilder text = new StringBuilder();
    for (JsonNode part : parts) {
      JsonNode value = part.has("text") ? part.get("text") : part.get("refusal");
      if (value != null && value.isTextual()) {
        text.append(value.asText());
      }
    }
    return text.toString();
  }

  /** An input item's type; items without one ({@code {role, content}}) are messages. */
  static String itemType(JsonNode item) {
    String type = textValue(item.get("type"));
    return type == null && item.has("role") ? "message" : type == null ? "" : type;
  }

  private static void copy(JsonNode from, ObjectNode to, String field) {
    JsonNode value = from.get(field);
    if (value != null && !value.isNull()) {
      to.set(field, value);
    }
  }

  static String textValue(JsonNode node) {
    return node != null && node.isTextual() ? node.asText() : null;
  }
}
