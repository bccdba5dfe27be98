package dev.switchboard.gateway.upstream.adapter;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
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
      String plain = passThrough(data, stripUsage);
      if (plain != null) {
        facts.reset(StreamEventFacts.Kind.CHUNK, plain);
        facts.source(data, null); // content is parsed only if someone asks for it
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
        flattened || data.indexOf('\n') >= 0 || data.indexOf('\r') >= 0 ? chunk.toString() : data);
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
    int len = data.length();
    if (len < 2
        || data.charAt(0) != '{'
        || data.charAt(len - 1) != '}'
        || data.indexOf('\n') >= 0
        || data.indexOf('\r') >= 0
        || data.contains("\"error\"")
        || hasNonNullKey(data, "\"finish_reason\"")
        || hasNonNullKey(data, "\"refusal\"")
        || hasNonNullKey(data, "\"usage\"")) {
      return null;
    }
    if (!wellFormed(data)) {
      return null; // the full parse turns it into the one terminal error event
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
   * Whether the text is one well-formed JSON value: tokenised by Jackson's streaming parser, which
   * allocates no tree, so passing a chunk through never forwards malformed JSON to the client.
   */
  static boolean wellFormed(String data) {
    try (JsonParser parser = SYNTAX.createParser(data)) {
      while (parser.nextToken() != null) {
        // tokenising is the check
      }
      return true;
    } catch (IOException e) {
      return false;
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
