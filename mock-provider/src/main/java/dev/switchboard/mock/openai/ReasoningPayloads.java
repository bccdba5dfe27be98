package dev.switchboard.mock.openai;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * A reasoning model of an OpenAI-compatible server, as DeepSeek's {@code deepseek-reasoner} answers
 * (its API docs, "Reasoning Model"; vLLM and SGLang with a reasoning parser the same): the chain of
 * thought in {@code choices[].message.reasoning_content} beside the answer, streamed as {@code
 * delta.reasoning_content} chunks (with {@code content: null}) before the first content chunk, and
 * counted in {@code completion_tokens} and {@code completion_tokens_details.reasoning_tokens}. A
 * model whose id ends in {@code reasoner} reasons, deterministically: {@link #PREFIX} and the last
 * user message. Like DeepSeek, it refuses {@code reasoning_content} in the input messages (400).
 */
public final class ReasoningPayloads {

  /** What the mock's reasoning text starts with; the last user message follows. */
  public static final String PREFIX = "Reasoning about: ";

  private ReasoningPayloads() {}

  /** Whether {@code model} answers with reasoning text (an id ending in {@code reasoner}). */
  public static boolean reasons(String model) {
    return model != null && model.endsWith("reasoner");
  }

  /** The reasoning text for {@code request}. */
  public static String reasoning(JsonObject request) {
    String user = ChatAnswer.lastUserText(request.getJsonArray("messages", new JsonArray()));
    return PREFIX
        + (user.length() > ChatAnswer.ECHO_LIMIT ? user.substring(0, ChatAnswer.ECHO_LIMIT) : user);
  }

  /**
   * The pieces {@code reasoning} streams in (and is counted as, a token each), as an answer's text.
   */
  public static List<String> pieces(String reasoning) {
    return ChatAnswer.splitWords(reasoning);
  }

  /**
   * The message that DeepSeek's docs give for {@code reasoning_content} in the input ("the API will
   * return a 400 error"; the docs quote no message, so this one is the docs' sentence), or null
   * when no input message carries one.
   */
  public static String inputProblem(JsonObject body) {
    for (Object m : body.getJsonArray("messages", new JsonArray())) {
      if (m instanceof JsonObject message && message.containsKey("reasoning_content")) {
        return "reasoning_content is not allowed in the input messages: it is not part of the"
            + " context; remove it from the messages.";
      }
    }
    return null;
  }

  /** {@code completion} (a {@code chat.completion}) with {@code reasoning} on every choice. */
  public static JsonObject withReasoning(JsonObject completion, String reasoning) {
    List<String> pieces = ChatAnswer.splitWords(reasoning);
    for (Object choice : completion.getJsonArray("choices")) {
      ((JsonObject) choice).getJsonObject("message").put("reasoning_content", reasoning);
    }
    count(completion.getJsonObject("usage"), pieces.size() * choices(completion));
    return completion;
  }

  /**
   * The SSE events of a streamed answer ({@link OpenAiPayloads#streamEvents}) with {@code
   * reasoning}: the first chunk opens with an empty {@code reasoning_content} and a null {@code
   * content}, one chunk per reasoning piece follows, and the usage counts the reasoning.
   */
  public static List<String> withReasoning(List<String> events, String reasoning) {
    List<String> pieces = ChatAnswer.splitWords(reasoning);
    List<String> out = new ArrayList<>(events.size() + pieces.size());
    JsonObject first = new JsonObject(data(events.get(0)));
    int n = choices(first);
    for (Object choice : first.getJsonArray("choices")) {
      JsonObject delta = ((JsonObject) choice).getJsonObject("delta");
      delta.put("content", null).put("reasoning_content", "");
    }
    out.add(OpenAiPayloads.event(first));
    for (String piece : pieces) {
      JsonObject chunk = first.copy();
      for (Object choice : chunk.getJsonArray("choices")) {
        ((JsonObject) choice)
            .put("delta", new JsonObject().put("content", null).put("reasoning_content", piece));
      }
      out.add(OpenAiPayloads.event(chunk));
    }
    for (String event : events.subList(1, events.size())) {
      if (event.equals(OpenAiPayloads.DONE_EVENT)) {
        out.add(event);
        continue;
      }
      JsonObject chunk = new JsonObject(data(event));
      if (chunk.getValue("usage") instanceof JsonObject usage) {
        count(usage, pieces.size() * n);
        out.add(OpenAiPayloads.event(chunk));
      } else {
        out.add(event);
      }
    }
    return out;
  }

  /**
   * Whether {@code model} is a Mistral reasoning model (an id starting with {@code magistral}, or
   * naming it after a vendor, as aggregators do: {@code mistralai/magistral-medium-2509}), whose
   * answer carries its reasoning as content chunks ({@link #withThinkingChunks}).
   */
  public static boolean thinksInChunks(String model) {
    return model != null && model.startsWith("magistral", model.lastIndexOf('/') + 1);
  }

  /**
   * {@code completion} as Mistral's Magistral models answer (client-python's {@code ThinkChunk} and
   * {@code TextChunk}): every choice's {@code message.content} an array, a {@code thinking} chunk
   * whose {@code thinking} is a list of text chunks, then the answer as a {@code text} chunk; the
   * reasoning counted in {@code completion_tokens} (Mistral's usage has no details).
   */
  public static JsonObject withThinkingChunks(JsonObject completion, String reasoning) {
    for (Object choice : completion.getJsonArray("choices")) {
      JsonObject message = ((JsonObject) choice).getJsonObject("message");
      JsonArray content = new JsonArray().add(thinkChunk(reasoning));
      if (message.getValue("content") instanceof String text) {
        content.add(new JsonObject().put("type", "text").put("text", text));
      }
      message.put("content", content);
    }
    countCompletion(
        completion.getJsonObject("usage"),
        ChatAnswer.splitWords(reasoning).size() * choices(completion));
    return completion;
  }

  /**
   * The SSE events of a streamed Mistral answer ({@link OpenAiPayloads#streamEventsUsageLast}) with
   * {@code reasoning} as Magistral streams it: after the first chunk (role, empty content), one
   * chunk per reasoning piece whose {@code delta.content} is an array of one {@code thinking}
   * chunk, then the answer's text chunks as they were (strings); the last chunk's usage counts the
   * reasoning.
   */
  public static List<String> withThinkingChunks(List<String> events, String reasoning) {
    List<String> pieces = ChatAnswer.splitWords(reasoning);
    List<String> out = new ArrayList<>(events.size() + pieces.size());
    JsonObject first = new JsonObject(data(events.get(0)));
    int n = choices(first);
    out.add(events.get(0));
    for (String piece : pieces) {
      JsonObject chunk = first.copy();
      for (Object choice : chunk.getJsonArray("choices")) {
        ((JsonObject) choice)
            .put("delta", new JsonObject().put("content", new JsonArray().add(thinkChunk(piece))));
      }
      out.add(OpenAiPayloads.event(chunk));
    }
    for (String event : events.subList(1, events.size())) {
      if (event.equals(OpenAiPayloads.DONE_EVENT)) {
        out.add(event);
        continue;
      }
      JsonObject chunk = new JsonObject(data(event));
      if (chunk.getValue("usage") instanceof JsonObject usage) {
        countCompletion(usage, pieces.size() * n);
        out.add(OpenAiPayloads.event(chunk));
      } else {
        out.add(event);
      }
    }
    return out;
  }

  /** Mistral's {@code ThinkChunk}: {@code {"type":"thinking","thinking":[{"type":"text",...}]}}. */
  private static JsonObject thinkChunk(String text) {
    return new JsonObject()
        .put("type", "thinking")
        .put(
            "thinking",
            new JsonArray().add(new JsonObject().put("type", "text").put("text", text)));
  }

  /** Adds {@code tokens} to a usage object's completion and total tokens only. */
  private static void countCompletion(JsonObject usage, int tokens) {
    if (usage == null) {
      return;
    }
    usage.put("completion_tokens", usage.getInteger("completion_tokens", 0) + tokens);
    usage.put("total_tokens", usage.getInteger("total_tokens", 0) + tokens);
  }

  private static String data(String event) {
    return event.substring("data: ".length()).strip();
  }

  private static int choices(JsonObject body) {
    return Math.max(1, body.getJsonArray("choices").size());
  }

  /** Adds {@code tokens} reasoning tokens to a usage object (they are completion tokens too). */
  private static void count(JsonObject usage, int tokens) {
    if (usage == null) {
      return;
    }
    usage.put("completion_tokens", usage.getInteger("completion_tokens", 0) + tokens);
    usage.put("total_tokens", usage.getInteger("total_tokens", 0) + tokens);
    JsonObject details = usage.getJsonObject("completion_tokens_details");
    if (details == null) {
      details = new JsonObject();
      usage.put("completion_tokens_details", details);
    }
    details.put("reasoning_tokens", details.getInteger("reasoning_tokens", 0) + tokens);
  }
}
