package dev.switchboard.gateway.upstream.adapter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Chat-completions and embeddings requests (the gateway's internal format) in Gemini's wire format:
 * {@code generateContent} and {@code batchEmbedContents} bodies.
 *
 * <p>Messages: {@code system}/{@code developer} → {@code systemInstruction}; {@code user} → a
 * {@code user} content; {@code assistant} → a {@code model} content (text, and {@code tool_calls} →
 * {@code functionCall} parts carrying the call's id, with the {@code thoughtSignature} the client
 * hands back in {@code extra_content.google.thought_signature} (or that a front door restored from
 * its own carrier, {@link ThoughtSignedChat}), or Google's placeholder {@link
 * #UNSIGNED_CALL_SIGNATURE} on the first call of an unsigned turn for Gemini 3 and later);
 * consecutive {@code tool} messages → one {@code user} content of {@code functionResponse} parts
 * (the function's name is the one the quoted call had; a result that is a JSON object is the
 * response itself, anything else is wrapped as {@code {"result": …}}). Images: a {@code data:} URL
 * → {@code inlineData}; any other URL → {@code fileData} with its {@code fileUri} (Gemini fetches
 * what it can and rejects the rest with 400 INVALID_ARGUMENT, which reaches the client).
 * Parameters: see {@link #generationConfig}.
 */
final class GeminiRequests {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private GeminiRequests() {}

  /** A request the Gemini wire format cannot carry: the client gets a 400 saying what. */
  static final class Unexpressible extends RuntimeException {
    Unexpressible(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * The thought signature Google documents for a function call the model did not sign (history from
   * another model, or a client that dropped the signature): it tells Gemini 3 to skip the check
   * that would otherwise refuse the request with a 400.
   */
  static final String UNSIGNED_CALL_SIGNATURE = "skip_thought_signature_validator";

  /** Gemini models before 3, which neither sign function calls nor check their signatures. */
  private static final Pattern UNSIGNING_MODEL = Pattern.compile("(models/)?gemini-(1|2)(\\.|-).*");

  /**
   * Whether {@code model} is a Gemini 3 or later model, which signs its calls and refuses one
   * replayed without its signature (any model but {@code gemini-1.*}/{@code gemini-2.*}).
   */
  static boolean checksSignatures(String model) {
    return model != null && !UNSIGNING_MODEL.matcher(model).matches();
  }

  /** The {@code generateContent} body for a chat-completions request to a Gemini 2 model. */
  static ObjectNode chat(ObjectNode chat) {
    return chat(chat, "gemini-2.0-flash");
  }

  /** The {@code generateContent} body for a chat-completions request to {@code model}. */
  static ObjectNode chat(ObjectNode chat, String model) {
    return chat(chat, model, new NestedDrops());
  }

  /**
   * The {@code generateContent} body for a chat-completions request to {@code model}, noting in
   * {@code drops} what it leaves out inside the messages and tools: a participant's {@code name}
   * (Gemini's contents have none; a tool result's is its function's), a content part's {@code
   * cache_control}, an assistant message's deprecated {@code function_call}, its {@code refusal},
   * {@code audio} and {@code thinking_blocks} (Anthropic's, for Anthropic only) and a refusal part
   * ({@link NestedDrops#contentPart}), and a function tool's {@code strict: true}.
   */
  static ObjectNode chat(ObjectNode chat, String model, NestedDrops drops) {
    boolean checksSignatures = checksSignatures(model);
    ObjectNode out = NODES.objectNode();
    ArrayNode contents = out.putArray("contents");
    ArrayNode system = NODES.arrayNode();
    Map<String, String> callNames = new HashMap<>();
    ObjectNode pendingResponses = null; // the user content collecting consecutive tool results
    JsonNode messages = chat.path("messages");
    if (!messages.isArray()) {
      throw new Unexpressible("'messages' must be an array");
    }
    for (JsonNode message : messages) {
      String role = message.path("role").asText("");
      if (!"tool".equals(role)) {
        pendingResponses = null;
        drops.note(message, "name", NestedDrops.MESSAGE_NAME);
      }
      switch (role) {
        case "system", "developer" -> textParts(message.get("content"), system, role, drops);
        case "user" -> {
          ObjectNode content = contents.addObject().put("role", "user");
          userParts(message.get("content"), content.putArray("parts"), drops);
          dropIfEmpty(contents);
        }
        case "assistant" -> {
          drops.note(message, "function_call", NestedDrops.MESSAGE_FUNCTION_CALL);
          // A model turn is text and calls: an earlier refusal or audio answer has no place.
          drops.note(message, "refusal", NestedDrops.MESSAGE_REFUSAL);
          drops.note(message, "audio", NestedDrops.MESSAGE_AUDIO);
          drops.note(
              message,
              AnthropicChatTranslation.THINKING_BLOCKS,
              NestedDrops.MESSAGE_THINKING_BLOCKS);
          ObjectNode content = contents.addObject().put("role", "model");
          ArrayNode parts = content.putArray("parts");
          textParts(message.get("content"), parts, role, drops);
          ObjectNode firstCall = null;
          boolean signed = false;
          for (JsonNode call : message.path("tool_calls")) {
            ObjectNode part = parts.addObject();
            ObjectNode functionCall = part.putObject("functionCall");
            String signature =
                textOrNull(call.path("extra_content").path("google").get("thought_signature"));
            if (signature == null && chat instanceof ThoughtSignedChat restored) {
              signature = restored.signature(textOrNull(call.get("id")));
            }
            if (signature != null && !signature.isEmpty()) {
              part.put("thoughtSignature", signature);
              signed = true;
            }
            firstCall = firstCall == null ? part : firstCall;
            String id = textOrNull(call.get("id"));
            String name = call.path("function").path("name").asText("");
            if (id != null) {
              functionCall.put("id", id);
              callNames.put(id, name);
            }
            functionCall.put("name", name);
            functionCall.set("args", arguments(call.path("function").get("arguments"), name));
          }
          if (firstCall != null && !signed && checksSignatures) {
            // Gemini 3 refuses a step whose first call comes back unsigned (parallel calls carry
            // one signature, on the first): Google's placeholder for calls it did not sign.
            firstCall.put("thoughtSignature", UNSIGNED_CALL_SIGNATURE);
          }
          dropIfEmpty(contents);
        }
        case "tool" -> {
          if (pendingResponses == null) {
            pendingResponses = contents.addObject().put("role", "user");
            pendingResponses.putArray("parts");
          }
          String id = textOrNull(message.get("tool_call_id"));
          String name = id == null ? null : callNames.get(id);
          if (name == null) {
            name = textOrNull(message.get("name"));
          }
          if (name == null) {
            throw new Unexpressible(
                "a 'tool' message answers no earlier assistant tool call (tool_call_id "
                    + id
                    + "): Gemini needs the function's name");
          }
          ObjectNode response =
              ((ArrayNode) pendingResponses.get("parts")).addObject().putObject("functionResponse");
          if (id != null) {
            response.put("id", id);
          }
          response.put("name", name);
          response.set("response", toolResult(message.get("content"), drops));
        }
        default -> throw new Unexpressible("unknown message role '" + role + "'");
      }
    }
    if (contents.isEmpty()) {
      throw new Unexpressible(
          "the messages carry no content: Gemini needs at least one non-empty message");
    }
    if (!system.isEmpty()) {
      out.putObject("systemInstruction").set("parts", system);
    }
    tools(chat, out, drops);
    ObjectNode config = generationConfig(chat, drops);
    thinking(chat, model, config);
    if (!config.isEmpty()) {
      out.set("generationConfig", config);
    }
    return out;
  }

  /**
   * The chat fields {@link #chat} sends on under Gemini's names (see {@link #generationConfig},
   * {@link #thinking}, {@link #tools}), or that the adapter honours otherwise ({@code stream} is
   * the streaming method, {@code stream_options}' usage Gemini always reports).
   */
  private static final Set<String> CHAT_SENT =
      Set.of(
          "model",
          "messages",
          "temperature",
          "top_p",
          "max_completion_tokens",
          "max_tokens",
          "stop",
          "n",
          "seed",
          "presence_penalty",
          "frequency_penalty",
          "logprobs",
          "top_logprobs",
          "response_format",
          "reasoning_effort",
          "tools",
          "tool_choice",
          "parallel_tool_calls",
          "stream",
          "stream_options");

  /** The logprobs fields a streamed request leaves out ({@link #generationConfig}). */
  private static final List<String> STREAM_LOGPROBS = List.of("logprobs", "top_logprobs");

  /**
   * Whether the chat request is streamed ({@code streamGenerateContent}), whose events carry no
   * {@code logprobsResult}: Gemini gives logprobs in a {@code generateContent} answer only.
   */
  private static boolean streamed(ObjectNode chat) {
    return chat.path("stream").asBoolean(false);
  }

  /** Whether the chat request asks for logprobs ({@code logprobs: true}). */
  private static boolean asksLogprobs(ObjectNode chat) {
    return chat.path("logprobs").asBoolean(false);
  }

  /** The embeddings fields {@link #embeddings} and the adapter's answer honour. */
  private static final Set<String> EMBEDDINGS_SENT =
      Set.of("model", "input", "dimensions", "encoding_format");

  /**
   * The fields of a chat request to {@code model} that its {@code generateContent} body leaves out,
   * in the request's order ({@code user}, {@code logit_bias}, {@code service_tier}, ...; JSON nulls
   * ask nothing): Gemini has no place for them. Also a streamed request's {@code logprobs} and
   * {@code top_logprobs} (a stream carries none), a {@code top_logprobs} without {@code logprobs:
   * true} (alternatives of no logprobs), {@code parallel_tool_calls: false} (Gemini cannot be kept
   * to one call a turn) and a {@code reasoning_effort} but {@code none} for a model that does not
   * think ({@link #thinking}). {@link UpstreamAdapter.EncodedRequest#NONE} when none.
   */
  static List<String> leftOut(ObjectNode chat, String model) {
    List<String> left = UpstreamAdapter.EncodedRequest.leftOut(chat, CHAT_SENT);
    JsonNode parallel = chat.get("parallel_tool_calls");
    if (parallel != null && parallel.isBoolean() && !parallel.booleanValue()) {
      left = UpstreamAdapter.EncodedRequest.concat(left, List.of("parallel_tool_calls"));
    }
    if (streamed(chat)) {
      // streamGenerateContent returns no logprobsResult (it refuses responseLogprobs): named.
      for (String field : STREAM_LOGPROBS) {
        JsonNode value = chat.get(field);
        if (value != null && UpstreamAdapter.EncodedRequest.asks(field, value)) {
          left = UpstreamAdapter.EncodedRequest.concat(left, List.of(field));
        }
      }
    } else if (!asksLogprobs(chat)) {
      // top_logprobs without logprobs: true asks for alternatives of no logprobs (OpenAI refuses
      // it): not sent, named, rather than answered silently without them.
      JsonNode top = chat.get("top_logprobs");
      if (top != null && UpstreamAdapter.EncodedRequest.asks("top_logprobs", top)) {
        left = UpstreamAdapter.EncodedRequest.concat(left, List.of("top_logprobs"));
      }
    }
    String effort = textOrNull(chat.get("reasoning_effort"));
    if (effort != null
        && !"none".equals(effort) // a model that does not think gives no thinking as asked
        && UNTHINKING_MODEL.matcher(model).matches()) {
      left = UpstreamAdapter.EncodedRequest.concat(left, List.of("reasoning_effort"));
    }
    return left;
  }

  /** The fields of an embeddings request {@link #embeddings} leaves out ({@code user}, ...). */
  static List<String> leftOutOfEmbeddings(ObjectNode body) {
    return UpstreamAdapter.EncodedRequest.leftOut(body, EMBEDDINGS_SENT);
  }

  /** The {@code batchEmbedContents} body for an embeddings request to {@code modelName}. */
  static ObjectNode embeddings(ObjectNode body, String modelName) {
    JsonNode input = body.get("input");
    ArrayNode texts = NODES.arrayNode();
    if (input != null && input.isTextual()) {
      texts.add(input);
    } else if (input != null && input.isArray()) {
      for (JsonNode item : input) {
        if (!item.isTextual()) {
          throw new Unexpressible(
              "Gemini embeds text only: 'input' must be a string or an array of strings, not"
                  + " token ids");
        }
        texts.add(item);
      }
    }
    if (texts.isEmpty()) {
      throw new Unexpressible("'input' must be a string or a non-empty array of strings");
    }
    ObjectNode out = NODES.objectNode();
    ArrayNode requests = out.putArray("requests");
    for (JsonNode text : texts) {
      ObjectNode request = requests.addObject().put("model", modelName);
      request.putObject("content").putArray("parts").addObject().set("text", text);
      JsonNode dimensions = body.get("dimensions");
      if (dimensions != null && dimensions.canConvertToInt()) {
        request.put("outputDimensionality", dimensions.asInt());
      }
    }
    return out;
  }

  /**
   * Sampling and output parameters: {@code temperature}, {@code top_p} → {@code topP}, {@code
   * max_completion_tokens}/{@code max_tokens} → {@code maxOutputTokens}, {@code stop} → {@code
   * stopSequences}, {@code n} → {@code candidateCount}, {@code seed}, {@code presence_penalty},
   * {@code frequency_penalty}, {@code logprobs} → {@code responseLogprobs}, {@code top_logprobs} →
   * {@code logprobs} (a request not streamed only), {@code response_format} json_object → {@code
   * responseMimeType: application/json}, json_schema → that plus {@code responseSchema} ({@code
   * responseJsonSchema} when the schema has no Gemini Schema form: see {@link
   * GeminiSchemas#expressible}; the keywords its Schema form leaves out are noted in {@code
   * drops}).
   */
  static ObjectNode generationConfig(ObjectNode chat, NestedDrops drops) {
    ObjectNode config = NODES.objectNode();
    copyNumber(chat, "temperature", config, "temperature");
    copyNumber(chat, "top_p", config, "topP");
    JsonNode max = chat.get("max_completion_tokens");
    if (max == null || max.isNull()) {
      max = chat.get("max_tokens");
    }
    if (max != null && max.isNumber()) {
      config.set("maxOutputTokens", max);
    }
    JsonNode stop = chat.get("stop");
    if (stop != null && stop.isTextual()) {
      config.putArray("stopSequences").add(stop);
    } else if (stop != null && stop.isArray() && !stop.isEmpty()) {
      config.set("stopSequences", stop);
    }
    copyNumber(chat, "n", config, "candidateCount");
    copyNumber(chat, "seed", config, "seed");
    copyNumber(chat, "presence_penalty", config, "presencePenalty");
    copyNumber(chat, "frequency_penalty", config, "frequencyPenalty");
    if (!streamed(chat)) {
      JsonNode logprobs = chat.get("logprobs");
      if (logprobs != null && logprobs.isBoolean()) {
        config.put("responseLogprobs", logprobs.asBoolean());
      }
      if (asksLogprobs(chat)) {
        // Gemini's logprobs is "only valid if responseLogprobs=True" (OpenAI refuses top_logprobs
        // without logprobs: true); alone it is named instead ({@link #leftOut}).
        copyNumber(chat, "top_logprobs", config, "logprobs");
      }
    }
    JsonNode format = chat.get("response_format");
    String type = format == null ? null : textOrNull(format.get("type"));
    if ("json_object".equals(type)) {
      config.put("responseMimeType", "application/json");
    } else if ("json_schema".equals(type)) {
      config.put("responseMimeType", "application/json");
      JsonNode schema = format.path("json_schema").get("schema");
      if (schema != null && schema.isObject()) {
        ObjectNode converted = GeminiSchemas.toGemini(schema, drops, NestedDrops.RESPONSE_SCHEMA);
        if (GeminiSchemas.expressible(converted)) {
          config.set("responseSchema", converted);
        } else {
          // A free-form or recursive object has no Schema form: JSON Schema, as the client sent it.
          config.set("responseJsonSchema", schema.deepCopy());
        }
      }
    }
    return config;
  }

  /** Gemini 2.5 models, which take a thinking budget in tokens. */
  private static final Pattern BUDGET_MODEL = Pattern.compile("(models/)?gemini-2\\.5-.*");

  /** Gemini models before 2.5, which do not think. */
  private static final Pattern UNTHINKING_MODEL =
      Pattern.compile("(models/)?gemini-(1(\\.|-)|2\\.0-|2-).*");

  /**
   * {@code reasoning_effort} (also what the Responses bridge makes of {@code reasoning.effort}) →
   * {@code generationConfig.thinkingConfig}, as Google's own OpenAI-compatible endpoint maps it:
   * for Gemini 2.5 a {@code thinkingBudget} (none 0 — 128 on 2.5 Pro, which cannot stop thinking —,
   * minimal and low 1,024, medium 8,192, high 24,576 tokens); for Gemini 3 and later a {@code
   * thinkingLevel} (none and minimal → minimal, low, medium, high; a Pro model, which takes only
   * low and high, gets low for none/minimal/low and high for medium/high). Models before 2.5 do not
   * think: the field is left out for them. {@code xhigh} is {@code high}; any other value is a 400.
   * An effort but {@code none} also sets {@code includeThoughts}: the thought summaries come back
   * as {@code reasoning_content} ({@link GeminiReplies}).
   */
  private static void thinking(ObjectNode chat, String model, ObjectNode config) {
    String effort = textOrNull(chat.get("reasoning_effort"));
    if (effort == null) {
      return;
    }
    effort = effort.toLowerCase(Locale.ROOT);
    if ("xhigh".equals(effort)) {
      effort = "high";
    }
    if (!Set.of("none", "minimal", "low", "medium", "high").contains(effort)) {
      throw new Unexpressible(
          "unknown reasoning_effort '"
              + chat.get("reasoning_effort").asText()
              + "' (none, minimal, low, medium or high)");
    }
    if (UNTHINKING_MODEL.matcher(model).matches()) {
      return;
    }
    ObjectNode thinking = config.putObject("thinkingConfig");
    if (!"none".equals(effort)) {
      // Gemini returns its thinking only as thought summaries it is asked for; they come back as
      // reasoning_content, as an Anthropic target's thinking does for the same effort.
      thinking.put("includeThoughts", true);
    }
    boolean pro = model.contains("-pro");
    if (BUDGET_MODEL.matcher(model).matches()) {
      int budget =
          switch (effort) {
            case "none" -> pro ? 128 : 0;
            case "minimal", "low" -> 1024;
            case "medium" -> 8192;
            default -> 24576;
          };
      thinking.put("thinkingBudget", budget);
      return;
    }
    String level =
        pro
            ? switch (effort) {
              case "medium", "high" -> "high";
              default -> "low";
            }
            : "none".equals(effort) ? "minimal" : effort;
    thinking.put("thinkingLevel", level);
  }

  /** {@code tools} → {@code tools[].functionDeclarations}; {@code tool_choice} → toolConfig. */
  private static void tools(ObjectNode chat, ObjectNode out, NestedDrops drops) {
    JsonNode tools = chat.get("tools");
    if (tools != null && tools.isArray() && !tools.isEmpty()) {
      ArrayNode declarations = out.putArray("tools").addObject().putArray("functionDeclarations");
      for (JsonNode tool : tools) {
        JsonNode function = tool.path("function");
        if (!"function".equals(tool.path("type").asText("function")) || !function.isObject()) {
          throw new Unexpressible(
              "Gemini targets take function tools only, not '" + tool.path("type").asText() + "'");
        }
        if (function.path("strict").asBoolean(false)) {
          drops.add(NestedDrops.TOOL_STRICT); // a functionDeclaration has no strict mode
        }
        ObjectNode declaration = declarations.addObject();
        declaration.put("name", function.path("name").asText(""));
        if (function.hasNonNull("description")) {
          declaration.set("description", function.get("description"));
        }
        JsonNode parameters = function.get("parameters");
        if (parameters != null && parameters.isObject()) {
          ObjectNode converted =
              GeminiSchemas.toGemini(parameters, drops, NestedDrops.TOOL_PARAMETERS);
          // Gemini rejects an OBJECT without properties: a function without parameters has none.
          boolean none =
              "OBJECT".equals(converted.path("type").asText())
                  && converted.path("properties").isEmpty();
          if (!none && GeminiSchemas.expressible(converted)) {
            declaration.set("parameters", converted);
          } else if (!none) {
            // A free-form or recursive object inside has no Schema form: JSON Schema as sent.
            declaration.set("parametersJsonSchema", parameters.deepCopy());
          }
        }
      }
    }
    JsonNode choice = chat.get("tool_choice");
    if (choice == null || choice.isNull()) {
      return;
    }
    ObjectNode calling = NODES.objectNode();
    if (choice.isTextual()) {
      switch (choice.asText()) {
        case "none" -> calling.put("mode", "NONE");
        case "auto" -> calling.put("mode", "AUTO");
        case "required" -> calling.put("mode", "ANY");
        default -> throw new Unexpressible("unknown tool_choice '" + choice.asText() + "'");
      }
    } else if (choice.isObject()) {
      calling.put("mode", "ANY");
      calling.putArray("allowedFunctionNames").add(choice.path("function").path("name").asText());
    }
    out.putObject("toolConfig").set("functionCallingConfig", calling);
  }

  /**
   * Leaves out the content just added when it has no parts (an empty message, or an assistant turn
   * with neither text nor calls): Gemini refuses a content without parts, and an empty text part
   * ("required oneof field 'data'"), while it takes two turns of one role in a row.
   */
  private static void dropIfEmpty(ArrayNode contents) {
    if (contents.get(contents.size() - 1).path("parts").isEmpty()) {
      contents.remove(contents.size() - 1);
    }
  }

  /** The parts of a user message: text, images, audio and files. */
  private static void userParts(JsonNode content, ArrayNode parts, NestedDrops drops) {
    if (content == null || content.isNull()) {
      return;
    }
    if (content.isTextual()) {
      text(content.asText(), parts);
      return;
    }
    if (!content.isArray()) {
      throw new Unexpressible("a message's 'content' must be a string or an array of parts");
    }
    for (JsonNode part : content) {
      drops.note(part, "cache_control", NestedDrops.CONTENT_CACHE_CONTROL);
      switch (part.path("type").asText("")) {
        case "text" -> text(part.path("text").asText(""), parts);
        case "image_url" -> {
          JsonNode image = part.get("image_url");
          String url =
              image != null && image.isTextual()
                  ? image.asText()
                  : textOrNull(image == null ? null : image.get("url"));
          if (url == null) {
            throw new Unexpressible("an 'image_url' part has no url");
          }
          media(url, null, parts);
        }
        case "input_audio" -> {
          JsonNode audio = part.path("input_audio");
          ObjectNode inline = parts.addObject().putObject("inlineData");
          inline.put("mimeType", "audio/" + audio.path("format").asText("wav"));
          inline.put("data", audio.path("data").asText(""));
        }
        case "file" -> {
          JsonNode file = part.path("file");
          String data = textOrNull(file.get("file_data"));
          if (data == null) {
            throw new Unexpressible(
                "a 'file' part needs 'file_data' for a Gemini target (OpenAI file ids are not"
                    + " Gemini files)");
          }
          media(data, "application/pdf", parts);
        }
        default ->
            throw new Unexpressible(
                "content part type '" + part.path("type").asText() + "' has no Gemini form");
      }
    }
  }

  /** A {@code data:} URL → inlineData; any other URL → fileData. */
  private static void media(String url, String defaultMime, ArrayNode parts) {
    if (url.startsWith("data:")) {
      int comma = url.indexOf(',');
      String header = comma < 0 ? "" : url.substring(5, comma);
      if (comma < 0 || !header.endsWith(";base64")) {
        throw new Unexpressible("a data: URL must be base64-encoded (data:<mime>;base64,...)");
      }
      String mime = header.substring(0, header.length() - ";base64".length());
      ObjectNode inline = parts.addObject().putObject("inlineData");
      inline.put("mimeType", mime.isEmpty() ? defaultMime : mime);
      inline.put("data", url.substring(comma + 1));
      return;
    }
    ObjectNode file = parts.addObject().putObject("fileData");
    String mime = mimeOfUrl(url);
    if (mime != null) {
      file.put("mimeType", mime);
    } else if (defaultMime != null) {
      file.put("mimeType", defaultMime);
    }
    file.put("fileUri", url);
  }

  /** The media type a URL's file extension names, or null. */
  private static String mimeOfUrl(String url) {
    String path = url;
    int cut = path.indexOf('?');
    if (cut >= 0) {
      path = path.substring(0, cut);
    }
    String lower = path.toLowerCase(Locale.ROOT);
    if (lower.endsWith(".png")) {
      return "image/png";
    }
    if (lower.endsWith(".jpg") || lower.endsWith(".jpeg")) {
      return "image/jpeg";
    }
    if (lower.endsWith(".webp")) {
      return "image/webp";
    }
    if (lower.endsWith(".gif")) {
      return "image/gif";
    }
    if (lower.endsWith(".pdf")) {
      return "application/pdf";
    }
    return null;
  }

  /** Text of a system or assistant message (a string or text parts) as text parts. */
  private static void textParts(JsonNode content, ArrayNode parts, String role, NestedDrops drops) {
    if (content == null || content.isNull()) {
      return;
    }
    if (content.isTextual()) {
      text(content.asText(), parts);
      return;
    }
    if (content.isArray()) {
      for (JsonNode part : content) {
        drops.note(part, "cache_control", NestedDrops.CONTENT_CACHE_CONTROL);
        String type = part.path("type").asText("");
        if ("text".equals(type)) {
          text(part.path("text").asText(""), parts);
        } else if ("refusal".equals(type)) {
          drops.add(NestedDrops.contentPart(type)); // a refusal part: Gemini has no place for it
        } else {
          throw new Unexpressible(
              "a '" + role + "' message may carry text parts only, not '" + type + "'");
        }
      }
      return;
    }
    throw new Unexpressible("a message's 'content' must be a string or an array of parts");
  }

  /** A text part, unless {@code text} is empty: Gemini refuses an empty text part. */
  private static void text(String text, ArrayNode parts) {
    if (!text.isEmpty()) {
      parts.addObject().put("text", text);
    }
  }

  /** A tool call's arguments (JSON text) as the {@code args} object Gemini wants. */
  private static JsonNode arguments(JsonNode arguments, String name) {
    if (arguments == null || arguments.isNull()) {
      return NODES.objectNode();
    }
    if (arguments.isObject()) {
      return arguments;
    }
    String text = arguments.asText("");
    if (text.isBlank()) {
      return NODES.objectNode();
    }
    try {
      JsonNode parsed = JSON.readTree(text);
      if (parsed != null && parsed.isObject()) {
        return parsed;
      }
    } catch (IOException notJson) {
      // reported below
    }
    throw new Unexpressible(
        "the arguments of tool call '" + name + "' are not a JSON object; Gemini needs one");
  }

  /** A tool message's content as a functionResponse's {@code response} object. */
  private static ObjectNode toolResult(JsonNode content, NestedDrops drops) {
    String text;
    if (content == null || content.isNull()) {
      text = "";
    } else if (content.isArray()) {
      StringBuilder joined = new StringBuilder();
      for (JsonNode part : content) {
        drops.note(part, "cache_control", NestedDrops.CONTENT_CACHE_CONTROL);
        joined.append(part.path("text").asText(""));
      }
      text = joined.toString();
    } else {
      text = content.asText();
    }
    String trimmed = text.strip();
    if (trimmed.startsWith("{")) {
      try {
        JsonNode parsed = JSON.readTree(trimmed);
        if (parsed != null && parsed.isObject()) {
          return (ObjectNode) parsed;
        }
      } catch (IOException notJson) {
        // plain text: wrapped below
      }
    }
    ObjectNode wrapped = NODES.objectNode();
    wrapped.put("result", text);
    return wrapped;
  }

  private static void copyNumber(ObjectNode from, String name, ObjectNode to, String as) {
    JsonNode value = from.get(name);
    if (value != null && value.isNumber()) {
      to.set(as, value);
    }
  }

  static String textOrNull(JsonNode node) {
    return node == null || node.isNull() ? null : node.asText();
  }
}
