package dev.switchboard.mock.gemini;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the Gemini API refuses in a {@code generateContent} body with 400 INVALID_ARGUMENT, so a
 * client of the mock meets the refusals a real Gemini answers: the messages are Google's ({@code *
 * GenerateContentRequest.<field path>: <problem>}, one line each).
 *
 * <ul>
 *   <li>a {@code Schema} ({@code functionDeclarations[].parameters}, {@code
 *       generationConfig.responseSchema}) with a {@code format} its type does not take (STRING:
 *       {@code enum}, {@code date-time}; INTEGER: {@code int32}, {@code int64}; NUMBER: {@code
 *       float}, {@code double}), an {@code enum} on a type other than STRING, or an OBJECT without
 *       properties;
 *   <li>a content without parts, or an empty text part (Google's "required oneof field 'data'");
 *   <li>a {@code thinkingConfig} the model does not take (Google's one-line messages);
 *   <li>a {@code generationConfig.logprobs} outside 0 to 20 (the bound Google documents; the
 *       wording is the mock's);
 *   <li>for a Gemini 3 (or later) model, a function call of the current turn replayed without its
 *       thought signature (Google's message), or with one the model did not give (neither the
 *       mock's nor one of Google's documented placeholders);
 * </ul>
 */
public final class GeminiRequestCheck {

  private static final Map<String, Set<String>> FORMATS =
      Map.of(
          "STRING", Set.of("enum", "date-time"),
          "INTEGER", Set.of("int32", "int64"),
          "NUMBER", Set.of("float", "double"));

  private GeminiRequestCheck() {}

  /** Google's message for what {@code request} to {@code model} has wrong, or null. */
  public static String problem(JsonObject request, String model) {
    List<String> problems = new ArrayList<>();
    JsonArray tools = request.getJsonArray("tools", new JsonArray());
    for (int t = 0; t < tools.size(); t++) {
      if (!(tools.getValue(t) instanceof JsonObject tool)) {
        continue;
      }
      JsonArray declarations = tool.getJsonArray("functionDeclarations", new JsonArray());
      for (int d = 0; d < declarations.size(); d++) {
        if (declarations.getValue(d) instanceof JsonObject declaration
            && declaration.getValue("parameters") instanceof JsonObject parameters) {
          schema(
              parameters, "tools[" + t + "].function_declarations[" + d + "].parameters", problems);
        }
      }
    }
    JsonArray contents = request.getJsonArray("contents", new JsonArray());
    for (int c = 0; c < contents.size(); c++) {
      if (!(contents.getValue(c) instanceof JsonObject content)) {
        continue;
      }
      List<JsonObject> parts = parts(content);
      if (parts.isEmpty()) {
        problems.add("contents[" + c + "].parts: contents.parts must not be empty.");
      }
      for (int p = 0; p < parts.size(); p++) {
        if ("".equals(parts.get(p).getValue("text"))) {
          problems.add(
              "contents["
                  + c
                  + "].parts["
                  + p
                  + "].data: required oneof field 'data' must have one initialized field");
        }
      }
    }
    JsonObject config = request.getJsonObject("generationConfig", new JsonObject());
    if (config.getValue("responseSchema") instanceof JsonObject schema) {
      schema(schema, "generation_config.response_schema", problems);
    }
    if (config.getValue("logprobs") instanceof Number top
        && (top.doubleValue() < 0 || top.doubleValue() > GeminiPayloads.MAX_LOGPROBS)) {
      // The bound is the v1beta discovery document's ("must be in the range of [0, 20]"); Google
      // publishes no refusal text, so the line is the mock's, in the form of Google's field lines.
      problems.add(
          "generation_config.logprobs: logprobs must be in the range of [0, "
              + GeminiPayloads.MAX_LOGPROBS
              + "], got "
              + top
              + ".");
    }
    String thinking = thinking(config.getJsonObject("thinkingConfig"), model);
    if (thinking != null) {
      return thinking;
    }
    if (problems.isEmpty()) {
      // A signature problem is a message of its own, not a field line: Google's exact text.
      return GeminiPayloads.signsCalls(model)
          ? signatures(request.getJsonArray("contents", new JsonArray()))
          : null;
    }
    StringBuilder message = new StringBuilder();
    for (String problem : problems) {
      message.append("* GenerateContentRequest.").append(problem).append('\n');
    }
    return message.toString();
  }

  /**
   * What {@code streamGenerateContent} refuses (400 INVALID_ARGUMENT) beyond what {@link #problem}
   * finds: {@code generationConfig.responseLogprobs: true}. Gemini gives logprobs in a {@code
   * generateContent} answer only; those who asked a stream for them (the Vercel AI SDK's Google
   * provider, which warns on it since) got an error, not a stream without them. Google publishes no
   * wording for it: the message is the mock's, in the form of Google's logprobs refusals ("Logprobs
   * is not supported for …"). Null when the stream may go ahead.
   */
  public static String streamProblem(JsonObject request) {
    JsonObject config = request.getJsonObject("generationConfig", new JsonObject());
    return Boolean.TRUE.equals(config.getValue("responseLogprobs"))
        ? "Logprobs is not supported for streaming requests; use generateContent."
        : null;
  }

  /**
   * Google's OpenAI-compatible endpoint checks a chat request as it checks the Gemini request it
   * makes of it: for a Gemini 3 model, the current turn's assistant {@code tool_calls} must carry
   * the signature on the first call of each step, in {@code
   * extra_content.google.thought_signature}. Google's message, or null.
   */
  public static String openAiCompatibleProblem(JsonObject chat) {
    if (!GeminiPayloads.signsCalls(chat.getString("model", ""))) {
      return null;
    }
    JsonArray contents = new JsonArray();
    for (Object m : chat.getJsonArray("messages", new JsonArray())) {
      if (!(m instanceof JsonObject message)) {
        continue;
      }
      String role = message.getString("role", "");
      JsonArray parts = new JsonArray();
      if ("assistant".equals(role)) {
        for (Object c : message.getJsonArray("tool_calls", new JsonArray())) {
          if (c instanceof JsonObject call) {
            JsonObject part =
                new JsonObject()
                    .put(
                        "functionCall",
                        new JsonObject()
                            .put(
                                "name",
                                call.getJsonObject("function", new JsonObject())
                                    .getString("name", "")));
            Object signature =
                call.getJsonObject("extra_content", new JsonObject())
                    .getJsonObject("google", new JsonObject())
                    .getValue("thought_signature");
            if (signature instanceof String s) {
              part.put("thoughtSignature", s);
            }
            parts.add(part);
          }
        }
        contents.add(new JsonObject().put("role", "model").put("parts", parts));
      } else if ("user".equals(role)) {
        contents.add(
            new JsonObject()
                .put("role", "user")
                .put("parts", parts.add(new JsonObject().put("text", "…"))));
      } else if ("tool".equals(role)) {
        contents.add(
            new JsonObject()
                .put("role", "user")
                .put(
                    "parts",
                    parts.add(new JsonObject().put("functionResponse", new JsonObject()))));
      }
    }
    return signatures(contents);
  }

  /**
   * The current turn's function calls (every model content after the last user text) must carry
   * their thought signature on the first call of each step: the mock's own signature, or one of the
   * placeholders Google documents for calls the model did not sign. Google's message for the first
   * one that does not, or null.
   */
  private static String signatures(JsonArray contents) {
    int turnStart = 0;
    for (int c = 0; c < contents.size(); c++) {
      if (contents.getValue(c) instanceof JsonObject content
          && !"model".equals(content.getString("role"))
          && parts(content).stream().anyMatch(p -> p.containsKey("text"))) {
        turnStart = c + 1;
      }
    }
    for (int c = turnStart; c < contents.size(); c++) {
      if (!(contents.getValue(c) instanceof JsonObject content)
          || !"model".equals(content.getString("role"))) {
        continue;
      }
      for (JsonObject part : parts(content)) {
        if (!(part.getValue("functionCall") instanceof JsonObject call)) {
          continue;
        }
        String name = call.getString("name", "");
        String signature = part.getString("thoughtSignature");
        if (signature == null) {
          return "Function call is missing a thought_signature in functionCall parts. This is"
              + " required for tools to work correctly, and missing thought_signature may lead"
              + " to degraded model performance. Additional data, function call `default_api:"
              + name
              + "` , position "
              + (c + 1)
              + ". Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures"
              + " for more details.";
        } else if (!PLACEHOLDERS.contains(signature)
            && !signature.equals(GeminiPayloads.signature(name))) {
          return "Corrupted thought signature.";
        }
        break; // the first call of the step carries the signature; parallel ones need none
      }
    }
    return null;
  }

  /**
   * What Gemini says of a {@code thinkingConfig} {@code model} does not take: a level and a budget
   * together, a level on a model before Gemini 3, a level other than low and high on a Gemini 3
   * Pro, a budget of 0 on Gemini 2.5 Pro (which cannot stop thinking); null when it takes it.
   */
  private static String thinking(JsonObject thinking, String model) {
    if (thinking == null) {
      return null;
    }
    Object level = thinking.getValue("thinkingLevel");
    Object budget = thinking.getValue("thinkingBudget");
    if (level != null && budget != null) {
      return "You can only set only one of thinking budget and thinking level.";
    }
    boolean pro = model.contains("-pro");
    if (level != null && !GeminiPayloads.signsCalls(model)) {
      return "Thinking level is not supported for this model.";
    }
    if (level instanceof String l && pro && !Set.of("low", "high").contains(l)) {
      return "Thinking level "
          + l.toUpperCase(java.util.Locale.ROOT)
          + " is not supported for this model. Please retry with other thinking level";
    }
    if (budget instanceof Number b && b.intValue() == 0 && pro) {
      return "Budget 0 is invalid. This model only works in thinking mode.";
    }
    return null;
  }

  /** The signatures Google documents for function calls its model did not sign. */
  private static final Set<String> PLACEHOLDERS =
      Set.of("skip_thought_signature_validator", "context_engineering_is_the_way_to_go");

  private static List<JsonObject> parts(JsonObject content) {
    List<JsonObject> parts = new ArrayList<>();
    for (Object p : content.getJsonArray("parts", new JsonArray())) {
      if (p instanceof JsonObject part) {
        parts.add(part);
      }
    }
    return parts;
  }

  private static void schema(JsonObject schema, String at, List<String> problems) {
    String type = schema.getString("type", "");
    if (schema.getValue("format") instanceof String format
        && FORMATS.containsKey(type)
        && !FORMATS.get(type).contains(format)) {
      problems.add(
          at
              + ".format: only "
              + String.join(
                  " and ", FORMATS.get(type).stream().sorted().map(f -> "'" + f + "'").toList())
              + " are supported for "
              + type
              + " type");
    }
    if (schema.containsKey("enum") && !"STRING".equals(type)) {
      problems.add(at + ".enum: only allowed for STRING type");
    }
    JsonObject properties = schema.getJsonObject("properties");
    if ("OBJECT".equals(type) && (properties == null || properties.isEmpty())) {
      problems.add(at + ".properties: should be non-empty for OBJECT type");
    }
    if (properties != null) {
      for (String name : properties.fieldNames()) {
        if (properties.getValue(name) instanceof JsonObject property) {
          schema(property, at + ".properties[" + name + "]", problems);
        }
      }
    }
    if (schema.getValue("items") instanceof JsonObject items) {
      schema(items, at + ".items", problems);
    }
    if (schema.getValue("anyOf") instanceof JsonArray anyOf) {
      for (int i = 0; i < anyOf.size(); i++) {
        if (anyOf.getValue(i) instanceof JsonObject member) {
          schema(member, at + ".any_of[" + i + "]", problems);
        }
      }
    }
  }
}
