package dev.switchboard.mock.openai;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The deterministic answer to one chat request, before it is rendered as a whole response or as
 * stream chunks. Content depends only on (model, last user message, seed), so tests can assert it:
 * {@code "Echo from <model>: <first 200 chars of the last user message>"}, plus {@code " (seed N)"}
 * when the request has a seed.
 *
 * @param content the assistant text, or {@code null} for a tool call or refusal
 * @param refusal the refusal text, or {@code null}
 * @param toolCall the single tool call, or {@code null}
 * @param pieces the text split into stream deltas (one per "token")
 * @param finishReason {@code stop}, {@code length}, {@code tool_calls} or {@code content_filter};
 *     {@code stop} for a tool call forced by a named {@code tool_choice} and for a refusal, as
 *     OpenAI answers them
 * @param promptTokens deterministic prompt token estimate
 * @param completionTokens number of pieces
 * @param cachedTokens the part of the prompt reported as cached
 */
public record ChatAnswer(
    String content,
    String refusal,
    ToolCall toolCall,
    List<String> pieces,
    String finishReason,
    int promptTokens,
    int completionTokens,
    int cachedTokens) {

  /** Longest prefix of the user's message echoed back. */
  public static final int ECHO_LIMIT = 200;

  /** The refusal text used by the {@code refusal} fault. */
  public static final String REFUSAL_TEXT = "I'm sorry, but I can't help with that request.";

  /** A function tool call the mock decided to make. */
  public record ToolCall(String id, String name, String arguments) {}

  /**
   * Computes the answer for {@code request} as model {@code echoedModel}.
   *
   * @param refusal answer with a refusal instead of content
   * @param forcedPieces when positive, the number of content deltas to produce (benchmark knob);
   *     the echo text is repeated as needed
   */
  public static ChatAnswer of(
      JsonObject request, String echoedModel, boolean refusal, int forcedPieces) {
    JsonArray messages = request.getJsonArray("messages", new JsonArray());
    String userText = lastUserText(messages);
    String echo = userText.length() > ECHO_LIMIT ? userText.substring(0, ECHO_LIMIT) : userText;
    int promptTokens = promptTokens(messages);

    if (refusal) {
      List<String> pieces = splitWords(REFUSAL_TEXT);
      // OpenAI finishes a refusal with "stop": the refusal is in message.refusal, and
      // content_filter is its content filter cutting an answer short (contentFiltered below).
      return new ChatAnswer(
          null, REFUSAL_TEXT, null, pieces, "stop", promptTokens, pieces.size(), 0);
    }

    String toolName = chooseTool(request, userText);
    if (toolName != null) {
      // A tool that declares no parameters is called with none, as the real APIs do.
      String arguments =
          declaresNoParameters(request, toolName)
              ? "{}"
              : new JsonObject().put("query", echo).encode();
      String id = "call_" + shortHash(echoedModel + "|" + toolName + "|" + echo);
      List<String> pieces = splitFixed(arguments, 16);
      return new ChatAnswer(
          null,
          null,
          new ToolCall(id, toolName, arguments),
          pieces,
          // OpenAI finishes a call that tool_choice forced by name with "stop", not "tool_calls".
          namesFunction(request) ? "stop" : "tool_calls",
          promptTokens,
          pieces.size(),
          0);
    }

    Object seed = request.getValue("seed");
    String text =
        "Echo from " + echoedModel + ": " + echo + (seed == null ? "" : " (seed " + seed + ")");
    List<String> pieces;
    if (isJsonMode(request)) {
      text = new JsonObject().put("model", echoedModel).put("echo", echo).encode();
      pieces = splitFixed(text, 12);
    } else if (forcedPieces > 0) {
      List<String> words = splitWords(text);
      pieces = new ArrayList<>(forcedPieces);
      for (int i = 0; i < forcedPieces; i++) {
        String w = words.get(i % words.size());
        pieces.add(i > 0 && i % words.size() == 0 ? " " + w.stripLeading() : w);
      }
      text = String.join("", pieces);
    } else {
      pieces = splitWords(text);
    }

    String finish = "stop";
    Integer maxTokens =
        request.getInteger("max_completion_tokens", request.getInteger("max_tokens"));
    if (maxTokens != null && maxTokens >= 0 && maxTokens < pieces.size()) {
      pieces = pieces.subList(0, maxTokens);
      text = String.join("", pieces);
      finish = "length";
    }
    return new ChatAnswer(
        text, null, null, List.copyOf(pieces), finish, promptTokens, pieces.size(), 0);
  }

  /**
   * The same answer with the usage a test asked for: {@code promptTokens} when non-null, and {@code
   * cachedTokens} capped at the prompt size.
   */
  public ChatAnswer withUsage(Integer promptTokens, Integer cachedTokens) {
    int prompt = promptTokens != null ? promptTokens : this.promptTokens;
    int cached = cachedTokens != null ? Math.min(cachedTokens, prompt) : this.cachedTokens;
    return new ChatAnswer(
        content, refusal, toolCall, pieces, finishReason, prompt, completionTokens, cached);
  }

  /**
   * This text answer as a content filter leaves it when {@code filtered}: cut to the first half of
   * its pieces (rounded up), finishing {@code content_filter}, as OpenAI and Azure end an answer
   * their filter stopped. A tool call or refusal is left as it is.
   */
  public ChatAnswer contentFiltered(boolean filtered) {
    if (!filtered || content == null) {
      return this;
    }
    List<String> kept = pieces.subList(0, (pieces.size() + 1) / 2);
    return new ChatAnswer(
        String.join("", kept),
        null,
        null,
        List.copyOf(kept),
        "content_filter",
        promptTokens,
        kept.size(),
        cachedTokens);
  }

  /** Text of the last {@code user} message, joining text parts of multi-part content. */
  static String lastUserText(JsonArray messages) {
    for (int i = messages.size() - 1; i >= 0; i--) {
      Object m = messages.getValue(i);
      if (m instanceof JsonObject msg && "user".equals(msg.getString("role"))) {
        return textOf(msg.getValue("content"));
      }
    }
    return "";
  }

  private static String textOf(Object content) {
    if (content instanceof String s) {
      return s;
    }
    if (content instanceof JsonArray parts) {
      StringBuilder sb = new StringBuilder();
      for (Object p : parts) {
        if (p instanceof JsonObject part && part.getValue("text") instanceof String t) {
          sb.append(t);
        }
      }
      return sb.toString();
    }
    return "";
  }

  /** Roughly OpenAI's count: words of every message plus a per-message overhead. */
  private static int promptTokens(JsonArray messages) {
    int tokens = 3;
    for (Object m : messages) {
      if (m instanceof JsonObject msg) {
        String text = textOf(msg.getValue("content")).strip();
        tokens += 3 + (text.isEmpty() ? 0 : text.split("\\s+").length);
      }
    }
    return tokens;
  }

  private static boolean isJsonMode(JsonObject request) {
    Object rf = request.getValue("response_format");
    if (rf instanceof JsonObject f) {
      String type = f.getString("type");
      return "json_object".equals(type) || "json_schema".equals(type);
    }
    return false;
  }

  /**
   * Calls a tool when the request offers tools and either forces one ({@code tool_choice:
   * "required"} or a named function) or the last user message names one.
   */
  private static String chooseTool(JsonObject request, String userText) {
    JsonArray tools = request.getJsonArray("tools");
    if (tools == null || tools.isEmpty()) {
      return null;
    }
    Object choice = request.getValue("tool_choice");
    if ("none".equals(choice)) {
      return null;
    }
    if (choice instanceof JsonObject named) {
      JsonObject fn = named.getJsonObject("function");
      if (fn != null && fn.getString("name") != null) {
        return fn.getString("name");
      }
    }
    String first = null;
    for (Object t : tools) {
      if (t instanceof JsonObject tool && tool.getJsonObject("function") != null) {
        String name = tool.getJsonObject("function").getString("name");
        if (name == null) {
          continue;
        }
        if (first == null) {
          first = name;
        }
        if (userText.contains(name)) {
          return name;
        }
      }
    }
    return "required".equals(choice) ? first : null;
  }

  /** Whether {@code tool_choice} names a function ({@code {"type":"function","function":{…}}}). */
  private static boolean namesFunction(JsonObject request) {
    return request.getValue("tool_choice") instanceof JsonObject choice
        && choice.getJsonObject("function") != null
        && choice.getJsonObject("function").getString("name") != null;
  }

  /**
   * Whether the tool named {@code name} declares an empty parameter list ({@code parameters} with
   * {@code "properties": {}}); a tool without a schema is answered with the mock's {@code query}.
   */
  private static boolean declaresNoParameters(JsonObject request, String name) {
    for (Object t : request.getJsonArray("tools", new JsonArray())) {
      if (t instanceof JsonObject tool
          && tool.getJsonObject("function") != null
          && name.equals(tool.getJsonObject("function").getString("name"))
          && tool.getJsonObject("function").getValue("parameters") instanceof JsonObject params
          && params.getValue("properties") instanceof JsonObject properties) {
        return properties.isEmpty();
      }
    }
    return false;
  }

  /** Splits into words, each but the first carrying its leading space, like BPE deltas. */
  static List<String> splitWords(String text) {
    List<String> out = new ArrayList<>();
    for (String piece : text.split("(?= )")) {
      if (!piece.isEmpty()) {
        out.add(piece);
      }
    }
    if (out.isEmpty()) {
      out.add(text);
    }
    return out;
  }

  private static List<String> splitFixed(String text, int size) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < text.length(); i += size) {
      out.add(text.substring(i, Math.min(text.length(), i + size)));
    }
    return out;
  }

  static String shortHash(String s) {
    try {
      byte[] d =
          java.security.MessageDigest.getInstance("SHA-256")
              .digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 12);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
