package dev.switchboard.mock.openai;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The OpenAI Responses API as the mock speaks it ({@code POST /v1/responses}, Azure's {@code
 * /openai/v1/responses}): the request is read into the same deterministic {@link ChatAnswer} as a
 * chat request (text, function tool calls, {@code text.format} json_schema/json_object, {@code
 * max_output_tokens}), which is rendered as a {@code Response} object or as the Responses event
 * stream ({@code response.created} … {@code response.completed}, with sequence numbers); with
 * {@code include: ["message.output_text.logprobs"]} (and {@code top_logprobs}) the output text and
 * each streamed text delta carry token logprobs, one token per piece, as the mock chat's do.
 */
public final class ResponsesPayloads {

  private ResponsesPayloads() {}

  /**
   * The input items of stored response {@code responseId} as {@code GET
   * /v1/responses/{id}/input_items} lists them, oldest first: a string input as one user message,
   * an array's items each with an {@code id} (theirs, or one made from the response id and the
   * item's position, so a cursor names one item), messages as {@code type: "message"} with {@code
   * status} and their text content as parts ({@code input_text}; {@code output_text} for the
   * assistant's).
   */
  public static List<JsonObject> inputItems(String responseId, Object input) {
    String suffix = responseId.substring(responseId.indexOf('_') + 1);
    List<JsonObject> items = new ArrayList<>();
    if (input instanceof String text) {
      items.add(message("msg_in" + suffix, "user", text));
    } else if (input instanceof JsonArray array) {
      for (int i = 0; i < array.size(); i++) {
        if (!(array.getValue(i) instanceof JsonObject given)) {
          continue;
        }
        String id = "msg_in" + suffix + "_" + i;
        Object type = given.getValue("type");
        if ((type == null || "message".equals(type))
            && given.getValue("content") instanceof String text) {
          items.add(message(given.getString("id", id), given.getString("role", "user"), text));
        } else {
          JsonObject item = given.copy();
          if (type == null || "message".equals(type)) {
            item.put("type", "message");
            item.put("status", item.getValue("status", "completed"));
          }
          if (!(item.getValue("id") instanceof String)) {
            item.put(
                "id", type == null || "message".equals(type) ? id : "item_in" + suffix + "_" + i);
          }
          items.add(item);
        }
      }
    }
    return items;
  }

  private static JsonObject message(String id, String role, String text) {
    JsonObject part =
        "assistant".equals(role)
            ? new JsonObject()
                .put("type", "output_text")
                .put("text", text)
                .put("annotations", new JsonArray())
            : new JsonObject().put("type", "input_text").put("text", text);
    return new JsonObject()
        .put("id", id)
        .put("type", "message")
        .put("role", role)
        .put("status", "completed")
        .put("content", new JsonArray().add(part));
  }

  /**
   * The chat-request view of a Responses request, for {@link ChatAnswer#of}: {@code input} as
   * messages, function tools and a named tool choice in chat's shape, {@code text.format} as {@code
   * response_format}, {@code max_output_tokens} as {@code max_tokens}.
   */
  public static JsonObject chatView(JsonObject request) {
    JsonObject chat = new JsonObject();
    JsonArray messages = new JsonArray();
    if (request.getValue("instructions") instanceof String instructions) {
      messages.add(new JsonObject().put("role", "system").put("content", instructions));
    }
    Object input = request.getValue("input");
    if (input instanceof String text) {
      messages.add(new JsonObject().put("role", "user").put("content", text));
    } else if (input instanceof JsonArray items) {
      for (Object o : items) {
        if (o instanceof JsonObject item && item.getValue("role") instanceof String role) {
          Object content = item.getValue("content");
          messages.add(new JsonObject().put("role", role).put("content", content));
        } else if (o instanceof JsonObject item
            && "function_call_output".equals(item.getString("type"))) {
          messages.add(
              new JsonObject().put("role", "tool").put("content", item.getValue("output")));
        }
      }
    }
    chat.put("messages", messages);
    if (request.getValue("tools") instanceof JsonArray tools) {
      JsonArray chatTools = new JsonArray();
      for (Object o : tools) {
        if (o instanceof JsonObject tool && "function".equals(tool.getString("type"))) {
          chatTools.add(
              new JsonObject()
                  .put("type", "function")
                  .put("function", new JsonObject().put("name", tool.getValue("name"))));
        }
      }
      chat.put("tools", chatTools);
    }
    Object choice = request.getValue("tool_choice");
    if (choice instanceof JsonObject named && named.getValue("name") instanceof String name) {
      chat.put("tool_choice", new JsonObject().put("function", new JsonObject().put("name", name)));
    } else if (choice != null) {
      chat.put("tool_choice", choice);
    }
    if (request.getValue("text") instanceof JsonObject text
        && text.getValue("format") instanceof JsonObject format) {
      chat.put("response_format", format);
    }
    if (request.getValue("max_output_tokens") instanceof Number max) {
      chat.put("max_tokens", max.intValue());
    }
    return chat;
  }

  /**
   * The top-level request fields {@code POST /responses} takes: the properties of {@code
   * CreateResponse} in OpenAI's OpenAPI document. The API refuses any other one with 400 {@code
   * unknown_parameter} (chat completions' {@code seed}, {@code max_tokens}, {@code messages}, ...).
   */
  private static final Set<String> KNOWN_PARAMETERS =
      Set.of(
          "background",
          "context_management",
          "conversation",
          "include",
          "input",
          "instructions",
          "max_output_tokens",
          "max_tool_calls",
          "metadata",
          "model",
          "moderation",
          "parallel_tool_calls",
          "previous_response_id",
          "prompt",
          "prompt_cache_key",
          "prompt_cache_options",
          "prompt_cache_retention",
          "reasoning",
          "safety_identifier",
          "service_tier",
          "store",
          "stream",
          "stream_options",
          "temperature",
          "text",
          "tool_choice",
          "tools",
          "top_logprobs",
          "top_p",
          "truncation",
          "user");

  /** The first top-level field of {@code request} the Responses API does not know, or null. */
  public static String unknownParameter(JsonObject request) {
    for (String name : request.fieldNames()) {
      if (!KNOWN_PARAMETERS.contains(name)) {
        return name;
      }
    }
    return null;
  }

  /** The finished {@code Response} object for {@code answer}. */
  public static JsonObject response(
      String id, long created, String model, JsonObject request, ChatAnswer answer) {
    JsonObject response = envelope(id, created, model, request, "completed");
    JsonArray output = new JsonArray();
    for (JsonObject item : items(id, request, answer)) {
      output.add(item);
    }
    response.put("output", output);
    finish(response, answer);
    return response;
  }

  /** Every SSE event of a streamed answer, each {@code event: type\ndata: json\n\n}. */
  public static List<String> streamEvents(
      String id, long created, String model, JsonObject request, ChatAnswer answer) {
    List<String> events = new ArrayList<>();
    int[] seq = {0};
    JsonObject inProgress = envelope(id, created, model, request, "in_progress");
    inProgress.put("output", new JsonArray());
    events.add(event(seq, "response.created", new JsonObject().put("response", inProgress)));
    events.add(event(seq, "response.in_progress", new JsonObject().put("response", inProgress)));
    List<JsonObject> items = items(id, request, answer);
    int top = asksLogprobs(request) ? OpenAiPayloads.topLogprobs(request) : -1; // -1: none asked
    for (int i = 0; i < items.size(); i++) {
      JsonObject item = items.get(i);
      String itemId = item.getString("id");
      if ("message".equals(item.getString("type"))) {
        JsonObject opened =
            item.copy().put("status", "in_progress").put("content", new JsonArray());
        events.add(
            event(
                seq,
                "response.output_item.added",
                new JsonObject().put("output_index", i).put("item", opened)));
        JsonObject part = item.getJsonArray("content").getJsonObject(0);
        boolean refusal = "refusal".equals(part.getString("type"));
        JsonObject emptyPart =
            refusal ? new JsonObject().put("type", "refusal").put("refusal", "") : outputText("");
        events.add(
            event(
                seq,
                "response.content_part.added",
                located(itemId, i).put("content_index", 0).put("part", emptyPart)));
        JsonArray streamed = new JsonArray(); // every delta's logprobs, for the done event
        List<String> pieces = answer.pieces();
        for (int p = 0; p < pieces.size(); p++) {
          String piece = pieces.get(p);
          JsonObject delta = located(itemId, i).put("content_index", 0).put("delta", piece);
          if (!refusal) {
            JsonArray logprobs = new JsonArray();
            if (top >= 0) {
              JsonObject token = streamedLogprob(piece, p, top);
              logprobs.add(token);
              streamed.add(token);
            }
            delta.put("logprobs", logprobs);
          }
          events.add(
              event(seq, refusal ? "response.refusal.delta" : "response.output_text.delta", delta));
        }
        String all = refusal ? part.getString("refusal") : part.getString("text");
        JsonObject done = located(itemId, i).put("content_index", 0);
        if (refusal) {
          done.put("refusal", all);
        } else {
          done.put("text", all).put("logprobs", streamed);
        }
        events.add(
            event(seq, refusal ? "response.refusal.done" : "response.output_text.done", done));
        events.add(
            event(
                seq,
                "response.content_part.done",
                located(itemId, i).put("content_index", 0).put("part", part)));
      } else {
        JsonObject opened = item.copy().put("status", "in_progress").put("arguments", "");
        events.add(
            event(
                seq,
                "response.output_item.added",
                new JsonObject().put("output_index", i).put("item", opened)));
        for (String piece : answer.pieces()) {
          events.add(
              event(
                  seq,
                  "response.function_call_arguments.delta",
                  located(itemId, i).put("delta", piece)));
        }
        events.add(
            event(
                seq,
                "response.function_call_arguments.done",
                located(itemId, i)
                    .put("name", item.getString("name"))
                    .put("arguments", item.getString("arguments"))));
      }
      events.add(
          event(
              seq,
              "response.output_item.done",
              new JsonObject().put("output_index", i).put("item", item)));
    }
    JsonObject complete = response(id, created, model, request, answer);
    String last =
        "incomplete".equals(complete.getString("status"))
            ? "response.incomplete"
            : "response.completed";
    events.add(event(seq, last, new JsonObject().put("response", complete)));
    return events;
  }

  /** The {@code error} event a Responses stream ends with when it fails server-side. */
  public static String errorEvent(String message, int sequence) {
    return errorEvent(message, "server_error", sequence);
  }

  /** As above with the error's {@code code} (e.g. {@code insufficient_quota}). */
  public static String errorEvent(String message, String code, int sequence) {
    JsonObject error =
        new JsonObject()
            .put("type", "error")
            .put("code", code)
            .put("message", message)
            .putNull("param")
            .put("sequence_number", sequence);
    return "event: error\ndata: " + error.encode() + "\n\n";
  }

  /** Whether a Responses request asks for token logprobs ({@code include}'s output text ones). */
  static boolean asksLogprobs(JsonObject request) {
    return request.getValue("include") instanceof JsonArray include
        && include.contains(OUTPUT_TEXT_LOGPROBS);
  }

  /** The {@code include} value that asks for the output text's token logprobs. */
  static final String OUTPUT_TEXT_LOGPROBS = "message.output_text.logprobs";

  /**
   * A streamed text delta's (and the text done event's) logprob: as the part's, without {@code
   * bytes} (openai-python's {@code ResponseTextDeltaEvent.Logprob}: {@code token}, {@code logprob},
   * {@code top_logprobs} of {@code token} and {@code logprob}).
   */
  private static JsonObject streamedLogprob(String piece, int position, int top) {
    JsonObject token = OpenAiPayloads.tokenLogprob(piece, position, top);
    token.remove("bytes");
    for (Object alternative : token.getJsonArray("top_logprobs")) {
      ((JsonObject) alternative).remove("bytes");
    }
    return token;
  }

  private static List<JsonObject> items(String responseId, JsonObject request, ChatAnswer answer) {
    List<JsonObject> items = new ArrayList<>();
    String suffix = responseId.substring(responseId.indexOf('_') + 1);
    if (answer.toolCall() != null) {
      ChatAnswer.ToolCall call = answer.toolCall();
      items.add(
          new JsonObject()
              .put("id", "fc_" + suffix)
              .put("type", "function_call")
              .put("status", "completed")
              .put("arguments", call.arguments())
              .put("call_id", call.id())
              .put("name", call.name()));
      return items;
    }
    JsonObject part =
        answer.refusal() != null
            ? new JsonObject().put("type", "refusal").put("refusal", answer.refusal())
            : outputText(answer.content());
    if (answer.refusal() == null && asksLogprobs(request)) {
      part.put(
          "logprobs",
          OpenAiPayloads.tokenLogprobs(answer.pieces(), OpenAiPayloads.topLogprobs(request)));
    }
    items.add(
        new JsonObject()
            .put("id", "msg_" + suffix)
            .put("type", "message")
            .put("status", "completed")
            .put("role", "assistant")
            .put("content", new JsonArray().add(part)));
    return items;
  }

  /**
   * The request's tools as a response echoes them: a function tool always carries {@code
   * parameters} and {@code strict} (OpenAI's schema requires both), {@code null} when not given.
   */
  private static JsonArray echoedTools(JsonObject request) {
    JsonArray echoed = new JsonArray();
    if (request.getValue("tools") instanceof JsonArray tools) {
      for (Object o : tools) {
        if (o instanceof JsonObject tool && "function".equals(tool.getValue("type"))) {
          JsonObject copy = tool.copy();
          if (!copy.containsKey("parameters")) {
            copy.putNull("parameters");
          }
          if (!copy.containsKey("strict")) {
            copy.putNull("strict");
          }
          echoed.add(copy);
        } else {
          echoed.add(o);
        }
      }
    }
    return echoed;
  }

  private static JsonObject outputText(String text) {
    return new JsonObject()
        .put("type", "output_text")
        .put("text", text)
        .put("annotations", new JsonArray())
        .put("logprobs", new JsonArray());
  }

  private static JsonObject located(String itemId, int outputIndex) {
    return new JsonObject().put("item_id", itemId).put("output_index", outputIndex);
  }

  private static String event(int[] seq, String type, JsonObject body) {
    JsonObject event = new JsonObject().put("type", type);
    event.getMap().putAll(body.getMap());
    event.put("sequence_number", seq[0]++);
    return "event: " + type + "\ndata: " + event.encode() + "\n\n";
  }

  private static JsonObject envelope(
      String id, long created, String model, JsonObject request, String status) {
    JsonObject text =
        request.getValue("text") instanceof JsonObject t && t.getValue("format") != null
            ? new JsonObject().put("format", t.getValue("format"))
            : new JsonObject().put("format", new JsonObject().put("type", "text"));
    JsonObject envelope =
        new JsonObject()
            .put("id", id)
            .put("object", "response")
            .put("created_at", created)
            .put("status", status)
            .putNull("error")
            .putNull("incomplete_details")
            .put("instructions", request.getValue("instructions"))
            .put("max_output_tokens", request.getValue("max_output_tokens"))
            .put("model", model)
            .put("output", new JsonArray())
            .put("parallel_tool_calls", request.getBoolean("parallel_tool_calls", true))
            .put("previous_response_id", request.getValue("previous_response_id"))
            .put("reasoning", new JsonObject().putNull("effort").putNull("summary"))
            .put("store", request.getBoolean("store", true))
            .put("temperature", request.getValue("temperature") instanceof Number n ? n : 1.0)
            .put("text", text)
            .put("tool_choice", request.getValue("tool_choice", "auto"))
            .put("tools", echoedTools(request))
            .put("top_p", request.getValue("top_p") instanceof Number n ? n : 1.0)
            .put("truncation", "disabled")
            .putNull("usage")
            .put("metadata", new JsonObject());
    // The stored prompt and the conversation the request used, as the real API names them.
    if (request.getValue("prompt") instanceof JsonObject prompt) {
      envelope.put("prompt", prompt.copy());
    }
    JsonObject conversation = conversation(request.getValue("conversation"));
    if (conversation != null) {
      envelope.put("conversation", conversation);
    }
    return envelope;
  }

  /** A request's {@code conversation} (an id or {@code {"id": …}}) as a response names it. */
  private static JsonObject conversation(Object conversation) {
    if (conversation instanceof String id) {
      return new JsonObject().put("id", id);
    }
    return conversation instanceof JsonObject c && c.getValue("id") instanceof String id
        ? new JsonObject().put("id", id)
        : null;
  }

  private static void finish(JsonObject response, ChatAnswer answer) {
    String finish = answer.finishReason();
    if ("length".equals(finish) || ("content_filter".equals(finish) && answer.refusal() == null)) {
      response
          .put("status", "incomplete")
          .put(
              "incomplete_details",
              new JsonObject()
                  .put("reason", "length".equals(finish) ? "max_output_tokens" : "content_filter"));
    } else {
      response.put("status", "completed");
    }
    response.put(
        "usage",
        new JsonObject()
            .put("input_tokens", answer.promptTokens())
            .put(
                "input_tokens_details",
                // cache_write_tokens: required by OpenAI's current document; the mock writes none.
                new JsonObject()
                    .put("cached_tokens", answer.cachedTokens())
                    .put("cache_write_tokens", 0))
            .put("output_tokens", answer.completionTokens())
            .put("output_tokens_details", new JsonObject().put("reasoning_tokens", 0))
            .put("total_tokens", answer.promptTokens() + answer.completionTokens()));
  }
}
