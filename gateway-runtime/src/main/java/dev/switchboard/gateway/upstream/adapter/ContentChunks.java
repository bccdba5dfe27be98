package dev.switchboard.gateway.upstream.adapter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Mistral's answer content as chunks, in the chat completions form every other reasoning provider
 * answers with. Mistral's reasoning models (Magistral) answer {@code message.content} — streamed:
 * {@code delta.content} — as an array of chunks (client-python's {@code ContentChunk}): {@code
 * thinking} chunks ({@code ThinkChunk}: its {@code thinking} a list of {@code text} chunks) before
 * the answer's {@code text} chunks. OpenAI's chat completions types {@code content} as a string, so
 * a chat client cannot read the array (openai-java fails on it, the Python SDK hands back a list
 * where it promises a string); {@link #flatten} makes it DeepSeek's form: the text chunks, joined,
 * as {@code content}, and the thinking as {@code reasoning_content}, which every front door already
 * reads.
 */
final class ContentChunks {

  private ContentChunks() {}

  /**
   * Rewrites, in place, a message or delta whose {@code content} is an array of chunks: {@code
   * content} becomes the text of its {@code text} chunks, joined (null when it has none), and the
   * text of its {@code thinking} chunks, joined, becomes {@code reasoning_content} (absent when
   * they have none). A thinking chunk's {@code signature} and chunks of other types (references)
   * have no place in a chat answer and are left out. Returns whether it changed anything (false
   * when {@code content} is no array).
   */
  static boolean flatten(JsonNode messageOrDelta) {
    if (!(messageOrDelta instanceof ObjectNode part)
        || !(part.get("content") instanceof ArrayNode chunks)) {
      return false;
    }
    StringBuilder text = null;
    StringBuilder thinking = null;
    for (JsonNode chunk : chunks) {
      String type = chunk.path("type").asText("");
      if ("text".equals(type) && chunk.path("text").isTextual()) {
        text = text == null ? new StringBuilder() : text;
        text.append(chunk.get("text").asText());
      } else if ("thinking".equals(type)) {
        for (JsonNode thought : chunk.path("thinking")) {
          if ("text".equals(thought.path("type").asText("")) && thought.path("text").isTextual()) {
            thinking = thinking == null ? new StringBuilder() : thinking;
            thinking.append(thought.get("text").asText());
          }
        }
      }
    }
    if (text == null) {
      part.putNull("content");
    } else {
      part.put("content", text.toString());
    }
    if (thinking != null) {
      part.put("reasoning_content", thinking.toString());
    }
    return true;
  }

  /**
   * Whether {@code data} (an SSE event's JSON text) may hold a {@code "content"} whose value is an
   * array: the key followed, after optional whitespace and the colon, by {@code [}. A text search
   * only, no parse; it errs towards yes (the key inside a string costs a parse, nothing more).
   */
  static boolean mayHaveChunks(String data) {
    int from = 0;
    while (true) {
      int at = data.indexOf("\"content\"", from);
      if (at < 0) {
        return false;
      }
      int i = at + "\"content\"".length();
      while (i < data.length() && Character.isWhitespace(data.charAt(i))) {
        i++;
      }
      if (i < data.length() && data.charAt(i) == ':') {
        i++;
        while (i < data.length() && Character.isWhitespace(data.charAt(i))) {
          i++;
        }
        if (i < data.length() && data.charAt(i) == '[') {
          return true;
        }
      }
      from = i;
    }
  }
}
