package dev.switchboard.gateway.upstream.adapter;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * The text, refusal and tool calls of the first choice (index 0) of an OpenAI chat completion or
 * chunk: {@code choices[].message} of a JSON answer, {@code choices[].delta} of a stream chunk.
 * Read with a streaming parser that stops after that choice, so nothing else in the body (logprobs,
 * Azure's filter results, other choices, usage) is materialised. Only called on demand: the
 * pass-through never needs these facts.
 *
 * @param text {@code content} (of an array, its text chunks), or null when absent or JSON null
 * @param refusal {@code refusal}, or null
 * @param toolCalls the {@code tool_calls} entries in order; empty when none
 * @param logprobs a stream chunk's choice {@code logprobs.content} (the token logprobs of its
 *     delta, when the request asked for them), or null; a JSON answer's are not read
 * @param reasoning the model's reasoning text as OpenAI-compatible reasoning servers add it beside
 *     the answer: {@code reasoning_content} (DeepSeek, Qwen, SGLang, vLLM before 0.11) or else
 *     {@code reasoning} (vLLM since 0.11, which sent both for a while); null when none
 */
record OpenAiFirstChoice(
    String text,
    String refusal,
    List<ToolCallDelta> toolCalls,
    JsonNode logprobs,
    String reasoning) {

  static final OpenAiFirstChoice NONE = new OpenAiFirstChoice(null, null, List.of());

  /** Without logprobs and reasoning. */
  OpenAiFirstChoice(String text, String refusal, List<ToolCallDelta> toolCalls) {
    this(text, refusal, toolCalls, null, null);
  }

  /** Reads a chunk's token logprobs into a tree: only a stream that asked for them has any. */
  private static final ObjectMapper TREES = new ObjectMapper();

  /**
   * Builds arguments that arrive as a JSON object (some OpenAI-compatible servers) back into text.
   */
  private static final JsonFactory JSON = new JsonFactory();

  /**
   * Reads the first choice's {@code part} ({@code "message"} or {@code "delta"}) of the object the
   * parser is about to start; {@link #NONE} when there is no such choice (Azure's first stream
   * event has an empty {@code choices}).
   */
  static OpenAiFirstChoice read(JsonParser p, String part) throws IOException {
    return p.nextToken() == JsonToken.START_OBJECT ? readObject(p, part) : NONE;
  }

  /** As {@link #read}, with the parser at the object's start already. */
  static OpenAiFirstChoice readObject(JsonParser p, String part) throws IOException {
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken value = p.nextToken();
      if ("choices".equals(name) && value == JsonToken.START_ARRAY) {
        int position = 0;
        for (JsonToken element = p.nextToken();
            element != JsonToken.END_ARRAY && element != null;
            element = p.nextToken()) {
          if (element == JsonToken.START_OBJECT) {
            OpenAiFirstChoice found = choice(p, part, position == 0);
            if (found != null) {
              return found;
            }
          } else {
            p.skipChildren();
          }
          position++;
        }
        return NONE;
      }
      p.skipChildren();
    }
    return NONE;
  }

  /**
   * Whether a choice is the first: its {@code index} is 0, or it has none ({@code -1}) and is the
   * array's first element. The one rule of every reader of a first choice (this class, a chunk's
   * tree, the pass-through check's count).
   */
  static boolean isFirst(int index, boolean firstElement) {
    return index == 0 || (index == -1 && firstElement);
  }

  /**
   * Reads one choice (the parser at its start); null when it is not the first choice: its {@code
   * index} is not 0, or it has none and is not the array's first element. The index may come after
   * the part, so the part is read before the verdict.
   */
  private static OpenAiFirstChoice choice(JsonParser p, String part, boolean firstElement)
      throws IOException {
    int index = -1;
    OpenAiFirstChoice read = NONE;
    JsonNode logprobs = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken value = p.nextToken();
      if ("index".equals(name) && value == JsonToken.VALUE_NUMBER_INT) {
        index = p.getIntValue();
      } else if (part.equals(name) && value == JsonToken.START_OBJECT) {
        read = part(p);
        continue;
      } else if ("logprobs".equals(name)
          && value == JsonToken.START_OBJECT
          && "delta".equals(part)) {
        logprobs = logprobsContent(p);
        continue;
      }
      p.skipChildren();
    }
    if (!isFirst(index, firstElement)) {
      return null;
    }
    return logprobs == null
        ? read
        : new OpenAiFirstChoice(
            read.text(), read.refusal(), read.toolCalls(), logprobs, read.reasoning());
  }

  /**
   * The {@code content} array of a choice's {@code logprobs} object (the parser at its start, left
   * at its end), or null when it has none (JSON null, or a refusal's logprobs only).
   */
  private static JsonNode logprobsContent(JsonParser p) throws IOException {
    JsonNode content = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken value = p.nextToken();
      if ("content".equals(name) && value == JsonToken.START_ARRAY) {
        content = TREES.readTree(p);
        continue;
      }
      p.skipChildren();
    }
    return content;
  }

  /** Reads a message or delta object (the parser at its start). */
  private static OpenAiFirstChoice part(JsonParser p) throws IOException {
    String text = null;
    String refusal = null;
    String reasoning = null;
    String reasoningAlias = null;
    List<ToolCallDelta> toolCalls = List.of();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken value = p.nextToken();
      switch (name) {
        case "content" -> {
          if (value == JsonToken.START_ARRAY) {
            text = textChunks(p);
            continue;
          }
          text = string(p, value);
        }
        case "refusal" -> refusal = string(p, value);
        case "reasoning_content" -> reasoning = string(p, value);
        case "reasoning" -> reasoningAlias = string(p, value); // a string; else not this format
        case "tool_calls" -> {
          if (value == JsonToken.START_ARRAY) {
            toolCalls = toolCalls(p);
            continue;
          }
        }
        default -> {}
      }
      p.skipChildren();
    }
    return new OpenAiFirstChoice(
        text, refusal, toolCalls, null, reasoning != null ? reasoning : reasoningAlias);
  }

  /** Reads a {@code tool_calls} array (the parser at its start). */
  private static List<ToolCallDelta> toolCalls(JsonParser p) throws IOException {
    List<ToolCallDelta> calls = new ArrayList<>(2);
    int position = 0;
    for (JsonToken element = p.nextToken();
        element != JsonToken.END_ARRAY && element != null;
        element = p.nextToken()) {
      if (element != JsonToken.START_OBJECT) {
        p.skipChildren();
        position++;
        continue;
      }
      int index = position;
      String id = null;
      String type = null;
      String function = null;
      String arguments = null;
      String signature = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        switch (name) {
          case "index" -> index = value == JsonToken.VALUE_NUMBER_INT ? p.getIntValue() : index;
          case "extra_content" -> {
            if (value == JsonToken.START_OBJECT) {
              signature = googleSignature(p);
              continue;
            }
          }
          case "id" -> id = string(p, value);
          case "type" -> type = string(p, value);
          case "function" -> {
            if (value == JsonToken.START_OBJECT) {
              while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken v = p.nextToken();
                if ("name".equals(field)) {
                  function = string(p, v);
                } else if ("arguments".equals(field)) {
                  arguments = v == JsonToken.START_OBJECT ? structure(p) : string(p, v);
                  continue;
                }
                p.skipChildren();
              }
              continue;
            }
          }
          default -> {}
        }
        p.skipChildren();
      }
      calls.add(new ToolCallDelta(index, id, type, function, arguments, signature));
      position++;
    }
    return List.copyOf(calls);
  }

  /**
   * The {@code google.thought_signature} of a tool call's {@code extra_content} object (the parser
   * at its start, left at its end), where Google's OpenAI-compatible format carries a Gemini call's
   * thought signature; null when it has none.
   */
  private static String googleSignature(JsonParser p) throws IOException {
    String signature = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String vendor = p.currentName();
      JsonToken value = p.nextToken();
      if ("google".equals(vendor) && value == JsonToken.START_OBJECT) {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String field = p.currentName();
          JsonToken v = p.nextToken();
          if ("thought_signature".equals(field)) {
            signature = string(p, v);
          }
          p.skipChildren();
        }
        continue;
      }
      p.skipChildren();
    }
    return signature;
  }

  /**
   * The text of a {@code content} array (the parser at its start): the {@code text} of its {@code
   * text} chunks, joined. Mistral's reasoning models answer so, {@code thinking} chunks first,
   * which are not the answer. Null when it has no text chunk.
   */
  private static String textChunks(JsonParser p) throws IOException {
    StringBuilder text = null;
    for (JsonToken element = p.nextToken();
        element != JsonToken.END_ARRAY && element != null;
        element = p.nextToken()) {
      if (element != JsonToken.START_OBJECT) {
        p.skipChildren();
        continue;
      }
      String type = null;
      String chunk = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if ("type".equals(name)) {
          type = string(p, value);
        } else if ("text".equals(name)) {
          chunk = string(p, value);
        }
        p.skipChildren();
      }
      if ("text".equals(type) && chunk != null) {
        text = text == null ? new StringBuilder() : text;
        text.append(chunk);
      }
    }
    return text == null ? null : text.toString();
  }

  /** A string value, null for anything else (JSON null above all). */
  private static String string(JsonParser p, JsonToken value) throws IOException {
    return value == JsonToken.VALUE_STRING ? p.getText() : null;
  }

  /** The object the parser is at the start of, as compact JSON text. */
  private static String structure(JsonParser p) throws IOException {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.copyCurrentStructure(p);
    }
    return out.toString();
  }
}
