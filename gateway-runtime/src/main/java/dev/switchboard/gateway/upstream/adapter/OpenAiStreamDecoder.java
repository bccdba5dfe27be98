package dev.switchboard.gateway.upstream.adapter;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.refusal.AnswerOpening;
import dev.switchboard.gateway.request.Refusals;
import dev.switchboard.gateway.request.TokenUsage;
import java.io.IOException;

/**
 * Decodes one OpenAI chat-completions stream: {@code [DONE]}, content chunks, the usage chunk and
 * error events. An ordinary content chunk is relayed as the very string that arrived, after a text
 * check only; chunks that carry something to read (finish reason, refusal, usage, an error), the
 * first one (model and fingerprint) and anything odd are parsed. Usage the gateway asked for is
 * hidden from the client: cut from chunks, and the usage-only chunk dropped. The answer's opening
 * is collected on the way and judged for a plain-text refusal once, at {@code [DONE]}. Each event's
 * text and tool-call deltas are left to {@link StreamEventFacts} to read when asked.
 */
final class OpenAiStreamDecoder implements StreamDecoder {

  private static final JsonFactory SYNTAX = new JsonFactory();

  /** The {@code object} of every chat stream chunk, as OpenAI's SDKs check it. */
  static final String CHUNK_OBJECT = "chat.completion.chunk";

  /** An empty {@code object}, as Azure sends it on its prompt filter's events. */
  private static final String EMPTY_OBJECT = "\"object\":\"\"";

  private final boolean stripUsage;

  /**
   * The provider may stream {@code delta.content} as an array of chunks (Mistral's reasoning
   * models): such chunks are parsed and rewritten in chat's form ({@link ContentChunks}).
   */
  private final boolean contentChunks;

  private final StreamEventFacts facts = new StreamEventFacts();

  /** The answer's first characters, judged for a plain-text refusal once the stream is complete. */
  private final AnswerOpening opening = new AnswerOpening();

  /** Whether the first event (the one carrying model and fingerprint) went through the parser. */
  private boolean seenFirst;

  /** The answer text of the chunk {@link #passThrough} last let through, counted on the way. */
  private final long[] passedText = new long[1];

  /**
   * @param stripUsage hide usage the gateway asked for from the client
   * @param contentChunks the provider may stream content as chunks (Mistral, openai-compatible): a
   *     chunk whose text shows one is parsed (the search: about 4% of the pass-through check),
   *     every other stream's chunks are relayed after the usual text check
   */
  OpenAiStreamDecoder(boolean stripUsage, boolean contentChunks) {
    this.stripUsage = stripUsage;
    this.contentChunks = contentChunks;
  }

  @Override
  public StreamEventFacts decode(String data, JsonNode firstParsed) {
    if ("[DONE]".equals(data.strip())) {
      facts.reset(StreamEventFacts.Kind.DONE, "[DONE]");
      if (opening.isRefusal()) {
        facts.refused();
      }
      return facts;
    }
    opening.appendStreamedChunk(data); // a no-op once the opening is full
    if (seenFirst && !(contentChunks && ContentChunks.mayHaveChunks(data))) {
      String plain = passThrough(data, stripUsage, passedText);
      if (plain != null) {
        facts.reset(StreamEventFacts.Kind.CHUNK, plain);
        facts.source(data, null); // content is parsed only if someone asks for it
        facts.textChars(passedText[0]); // its length was counted by the well-formedness check
        return facts;
      }
    }
    seenFirst = true;
    JsonNode chunk = firstParsed != null ? firstParsed : OpenAiAdapter.parse(data);
    if (chunk == null || !chunk.isObject()) {
      facts.reset(StreamEventFacts.Kind.MALFORMED, null);
      return facts;
    }
    facts.reset(StreamEventFacts.Kind.CHUNK, null);
    facts.source(data, chunk); // content, if asked for, is read from this tree
    if (chunk.get("error") instanceof ObjectNode error) {
      facts.error(
          OpenAiAdapter.textOrNull(error.get("message")),
          OpenAiAdapter.textOrNull(error.get("type")),
          OpenAiAdapter.textOrNull(error.get("param")),
          OpenAiAdapter.textOrNull(error.get("code")));
      if (OpenAiAdapter.outOfCredit(error)) {
        facts.outOfCredit(); // the account's, as in a 429 insufficient_quota
      }
      return facts;
    }
    // Azure's opening event (its prompt filter's verdict, choices: []) has object "", which
    // openai-java's ChatCompletionChunk.validate() rejects (a client with response validation on
    // fails on the stream's first event): it goes out as a chat.completion.chunk, verdict kept.
    boolean renamed = false;
    JsonNode object = chunk.get("object");
    if (object != null && object.isTextual() && object.textValue().isEmpty()) {
      ((ObjectNode) chunk).put("object", CHUNK_OBJECT);
      renamed = true;
    }
    // Azure's first event (prompt filter results) names the model "": that is no model version.
    facts.facts(
        nonEmpty(OpenAiAdapter.textOrNull(chunk.get("model"))),
        nonEmpty(OpenAiAdapter.textOrNull(chunk.get("system_fingerprint"))));
    facts.serviceTier(nonEmpty(OpenAiAdapter.textOrNull(chunk.get("service_tier"))));
    JsonNode choices = chunk.path("choices");
    boolean flattened = false;
    if (choices.isArray()) {
      for (JsonNode choice : choices) {
        // Mistral's thinking and text chunks, as chat's reasoning_content and content.
        flattened |= contentChunks && ContentChunks.flatten(choice.get("delta"));
        if (Refusals.isRefusal(choice)) {
          facts.refused();
        }
        String finish = OpenAiAdapter.textOrNull(choice.get("finish_reason"));
        if (finish != null) {
          facts.finishReason(finish);
        }
      }
    }
    JsonNode usage = chunk.get("usage");
    if (usage != null && usage.isObject()) {
      facts.usage(TokenUsage.fromUsageNode(usage));
    }
    if (stripUsage && chunk.has("usage")) {
      if (choices.isArray() && choices.isEmpty()) {
        facts.kind(StreamEventFacts.Kind.DROP, null); // the usage-only chunk
        return facts;
      }
      ((ObjectNode) chunk).remove("usage");
      facts.kind(StreamEventFacts.Kind.CHUNK, chunk.toString());
      return facts;
    }
    // Multi-line data (pretty-printed JSON) would break SSE framing if written as one line.
    facts.kind(
        StreamEventFacts.Kind.CHUNK,
        flattened || renamed || data.indexOf('\n') >= 0 || data.indexOf('\r') >= 0
            ? chunk.toString()
            : data);
    return facts;
  }

  private static String nonEmpty(String value) {
    return value == null || value.isEmpty() ? null : value;
  }

  /**
   * The payload to relay unchanged when {@code data} is an ordinary content chunk, or null when it
   * has to be parsed: it may carry usage, a finish reason, a refusal or an error, spans lines, or
   * does not look like a JSON object. Parsing every chunk into a tree cost a sixth of the relay's
   * CPU; this check only searches the text, and errs towards parsing (a key inside a string value
   * only costs a parse). {@code "usage":null} — which OpenAI sends on every chunk once usage is
   * requested — is cut from the end of the object when the gateway asked for usage, as the parsed
   * path would have removed it.
   */
  static String passThrough(String data, boolean stripUsage) {
    return passThrough(data, stripUsage, null);
  }

  /**
   * As {@link #passThrough(String, boolean)}; the answer text of a chunk it lets through ({@link
   * #wellFormedText}) goes to {@code text[0]} (unless null).
   */
  private static String passThrough(String data, boolean stripUsage, long[] text) {
    int len = data.length();
    if (len < 2
        || data.charAt(0) != '{'
        || data.charAt(len - 1) != '}'
        || data.indexOf('\n') >= 0
        || data.indexOf('\r') >= 0
        || data.contains("\"error\"")
        || data.contains(EMPTY_OBJECT) // Azure's: renamed by the parsed path
        || hasNonNullKey(data, "\"finish_reason\"")
        || hasNonNullKey(data, "\"refusal\"")
        || hasNonNullKey(data, "\"usage\"")) {
      return null;
    }
    long chars = wellFormedText(data, false);
    if (chars < 0) {
      return null; // the full parse turns it into the one terminal error event
    }
    if (text != null) {
      text[0] = chars;
    }
    if (stripUsage && data.contains("\"usage\"")) {
      String tail = ",\"usage\":null}";
      if (data.endsWith(tail) && data.indexOf("\"usage\"") == len - tail.length() + 1) {
        return data.substring(0, len - tail.length()) + "}";
      }
      return null;
    }
    return data;
  }

  /**
   * -1 when the text is not one well-formed JSON value (tokenised by Jackson's streaming parser,
   * which allocates no tree, so passing a chunk through never forwards malformed JSON to the
   * client); else, counted in the same pass, the characters of answer text it adds, as {@link
   * StreamEventFacts} would decode them when asked: of a chat chunk's first choice (index 0) its
   * delta's {@code content}, {@code reasoning_content} (else {@code reasoning}), {@code refusal}
   * and its tool calls' function {@code name} and {@code arguments} strings; of a Responses text
   * delta ({@code responsesDelta}) its {@code delta}. What a stream that ends without usage is
   * estimated from, without a second parse of every passed-through chunk: the check only reads the
   * length of those few strings.
   */
  static long wellFormedText(String data, boolean responsesDelta) {
    try (JsonParser p = SYNTAX.createParser(data)) {
      int depth = 0;
      boolean choices = false; // in the root's choices array
      boolean delta = false; // in a choice's delta
      boolean tools = false; // in the delta's tool_calls
      boolean function = false; // in a tool call's function
      int position = -1;
      int index = -1;
      long text = 0;
      long reasoningContent = -1;
      long reasoning = -1;
      long found = -1; // the first choice's, once it ended
      JsonToken token;
      while ((token = p.nextToken()) != null) {
        switch (token) {
          case START_OBJECT, START_ARRAY -> {
            depth++;
            if (responsesDelta || found >= 0 || depth < 2 || depth > 7) {
              continue;
            }
            String name = p.currentName();
            boolean object = token == JsonToken.START_OBJECT;
            if (depth == 2 && !object && "choices".equals(name)) {
              choices = true;
            } else if (choices && depth == 3 && object) {
              position++;
              index = -1;
              text = 0;
              reasoningContent = -1;
              reasoning = -1;
            } else if (choices && depth == 4 && object && "delta".equals(name)) {
              delta = true;
            } else if (delta && depth == 5 && !object && "tool_calls".equals(name)) {
              tools = true;
            } else if (tools && depth == 7 && object && "function".equals(name)) {
              function = true;
            }
          }
          case END_OBJECT, END_ARRAY -> {
            if (function && depth == 7) {
              function = false;
            } else if (tools && depth == 5) {
              tools = false;
            } else if (delta && depth == 4) {
              delta = false;
            } else if (choices && depth == 3) {
              if (found < 0 && OpenAiFirstChoice.isFirst(index, position == 0)) {
                found = text + (reasoningContent >= 0 ? reasoningContent : Math.max(0, reasoning));
              }
            } else if (choices && depth == 2) {
              choices = false;
            }
            depth--;
          }
          case VALUE_STRING -> {
            if (responsesDelta) {
              if (depth == 1 && "delta".equals(p.currentName())) {
                found = p.getTextLength();
              }
            } else if (delta && depth == 4) {
              String name = p.currentName();
              if ("content".equals(name) || "refusal".equals(name)) {
                text += p.getTextLength();
              } else if ("reasoning_content".equals(name)) {
                reasoningContent = Math.max(0, reasoningContent) + p.getTextLength();
              } else if ("reasoning".equals(name)) {
                reasoning = Math.max(0, reasoning) + p.getTextLength();
              }
            } else if (function && depth == 7) {
              String name = p.currentName();
              if ("name".equals(name) || "arguments".equals(name)) {
                text += p.getTextLength();
              }
            }
          }
          case VALUE_NUMBER_INT -> {
            if (choices && depth == 3 && "index".equals(p.currentName())) {
              index = p.getIntValue();
            }
          }
          default -> {}
        }
      }
      return Math.max(0, found);
    } catch (IOException e) {
      return -1;
    }
  }

  /** Whether {@code key} occurs followed by a value other than {@code null}. */
  private static boolean hasNonNullKey(String data, String key) {
    int from = 0;
    while (true) {
      int at = data.indexOf(key, from);
      if (at < 0) {
        return false;
      }
      int i = at + key.length();
      while (i < data.length() && Character.isWhitespace(data.charAt(i))) {
        i++;
      }
      if (i < data.length() && data.charAt(i) == ':') {
        i++;
        while (i < data.length() && Character.isWhitespace(data.charAt(i))) {
          i++;
        }
        if (!data.startsWith("null", i)) {
          return true;
        }
      } else {
        return true; // not a key (text inside a string?): let the parser decide
      }
      from = i;
    }
  }
}
