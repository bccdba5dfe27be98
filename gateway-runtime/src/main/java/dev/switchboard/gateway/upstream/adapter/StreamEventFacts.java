package dev.switchboard.gateway.upstream.adapter;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.request.TokenUsage;
import java.io.IOException;
import java.util.List;

/**
 * What one upstream stream event says, in the gateway's terms: what to relay to the client, and the
 * facts found on the way (model version, fingerprint, finish reason, refusal, usage with cached
 * tokens, or an error). A decoder reuses one instance per stream so that relaying a chunk allocates
 * nothing; fields that an event does not carry are null (false, for the refusal).
 *
 * <p>The event's content — {@link #textDelta()}, {@link #reasoningDelta()}, {@link
 * #refusalDelta()}, {@link #toolCallDeltas()}, {@link #logprobs()} — is for consumers that re-shape
 * the answer (another front door's format). It is decoded on demand, the first time one of them is
 * asked for on an event, from the tree the decoder already parsed or else from the event's text; an
 * event nobody asks about is never parsed for it.
 */
public final class StreamEventFacts {

  /** What kind of event it was. */
  public enum Kind {
    /** A content chunk; {@link #payload()} is relayed. */
    CHUNK,
    /** A chunk that only the gateway needed (usage it asked for): nothing is relayed. */
    DROP,
    /** The end of the stream. */
    DONE,
    /** The provider reported a failure mid-stream; see the error fields. */
    ERROR,
    /** Not a usable event (not JSON): the stream is broken. */
    MALFORMED
  }

  private Kind kind;
  private String payload;
  private String model;
  private String systemFingerprint;
  private String serviceTier;
  private String finishReason;
  private boolean refused;
  private TokenUsage usage;
  private String errorMessage;
  private String errorType;
  private String errorParam;
  private String errorCode;
  private boolean outOfCredit;

  /** The event's data as it arrived, kept for on-demand content decoding; null when none. */
  private String source;

  /** The event's tree when the decoder parsed it anyway, else null. */
  private JsonNode parsed;

  /**
   * Whether the source is a Responses API event, whose content is its top-level {@code delta},
   * rather than a chat chunk.
   */
  private boolean responsesEvent;

  /** At the end of a bridged stream: the usage chunk to send before the end marker, or null. */
  private String usageChunk;

  /** Anthropic thinking blocks this event ends (a bridged stream), or null. */
  private List<ObjectNode> thinkingBlocks;

  /** The event's first-choice content once decoded, else null (not asked for yet). */
  private OpenAiFirstChoice content;

  /** How many times content was decoded by parsing an event's text: proves laziness in tests. */
  private int textParses;

  /** The answer text the decoder counted on the way ({@link #textChars()}), else -1. */
  private long textChars = -1;

  private static final JsonFactory SYNTAX = new JsonFactory();

  void reset(Kind kind, String payload) {
    this.textChars = -1;
    this.usageChunk = null;
    this.thinkingBlocks = null;
    this.source = null;
    this.parsed = null;
    this.responsesEvent = false;
    this.content = null;
    this.kind = kind;
    this.payload = payload;
    this.model = null;
    this.systemFingerprint = null;
    this.serviceTier = null;
    this.finishReason = null;
    this.refused = false;
    this.usage = null;
    this.errorMessage = null;
    this.errorType = null;
    this.errorParam = null;
    this.errorCode = null;
    this.outOfCredit = false;
  }

  /**
   * The OpenAI-format event the content is decoded from when asked: its text, and its tree when the
   * decoder has parsed it (then no second parse is needed). Only stores references.
   */
  void source(String data, JsonNode tree) {
    this.source = data;
    this.parsed = tree;
  }

  /**
   * As {@link #source}, for a Responses API event passed through: its content, when asked for, is
   * the text, refusal or function-call arguments its {@code delta} adds.
   */
  void responsesSource(String data, JsonNode tree) {
    source(data, tree);
    this.responsesEvent = true;
  }

  /**
   * At the end ({@link Kind#DONE}) of a stream bridged into chat chunks whose client asked for
   * usage: OpenAI's usage chunk ({@code choices: []}) that goes out before the end marker, as
   * OpenAI ends such a stream; the finishing chunk carries no usage.
   */
  void usageChunk(String chunk) {
    this.usageChunk = chunk;
  }

  void thinkingBlocks(List<ObjectNode> blocks) {
    this.thinkingBlocks = blocks;
  }

  /**
   * The Anthropic thinking blocks of a bridged stream that this event ends, whole, or null: the
   * chunk's own {@code delta.thinking_blocks}, which the chat door relays as it is, read here by a
   * door that carries them otherwise (the Responses door's carrier) without parsing the chunk. A
   * {@code thinking} block holds its {@code thinking} text (the {@link #reasoningDelta}s before it)
   * and its {@code signature}, a {@code redacted_thinking} block its {@code data}.
   */
  public List<ObjectNode> thinkingBlocks() {
    return thinkingBlocks;
  }

  /**
   * For an {@link Kind#ERROR} ({@link #error} first): the upstream's own terminal failure event,
   * which the client gets instead of the gateway's error event, as a client of the provider would.
   */
  void relayedError(String payload) {
    this.payload = payload;
  }

  void kind(Kind kind, String payload) {
    this.kind = kind;
    this.payload = payload;
  }

  void facts(String model, String systemFingerprint) {
    this.model = model;
    this.systemFingerprint = systemFingerprint;
  }

  void serviceTier(String serviceTier) {
    this.serviceTier = serviceTier;
  }

  void finishReason(String finishReason) {
    this.finishReason = finishReason;
  }

  void refused() {
    this.refused = true;
  }

  void usage(TokenUsage usage) {
    this.usage = usage;
  }

  void error(String message, String type, String param, String code) {
    this.kind = Kind.ERROR;
    this.payload = null;
    this.errorMessage = message;
    this.errorType = type;
    this.errorParam = param;
    this.errorCode = code;
  }

  void textChars(long chars) {
    this.textChars = chars;
  }

  /**
   * The characters of answer text the event adds (its {@link #textDelta}, {@link #reasoningDelta},
   * {@link #refusalDelta} and tool-call names and arguments) when the decoder counted them while
   * checking an event it passes through unparsed, else -1 (then those say, decoded when asked).
   */
  public long textChars() {
    return textChars;
  }

  /**
   * The characters of answer text the event adds to the first choice: its {@link #textDelta},
   * {@link #reasoningDelta}, {@link #refusalDelta} and tool-call names and arguments, what a stream
   * that ends without usage is estimated from. Counted by the decoder for an event it passes
   * through unparsed ({@link #textChars()}), read by a few lookups from the tree it parsed or built
   * otherwise, and decoded only where neither says (content decoded already, a content array, a
   * Responses event, arguments sent as an object).
   */
  public long answerChars() {
    if (textChars >= 0) {
      return textChars;
    }
    if (content == null && parsed != null && !responsesEvent) {
      long chars = treeChars();
      if (chars >= 0) {
        return chars;
      }
    }
    OpenAiFirstChoice first = content();
    long chars = 0;
    chars += first.text() == null ? 0 : first.text().length();
    chars += first.reasoning() == null ? 0 : first.reasoning().length();
    chars += first.refusal() == null ? 0 : first.refusal().length();
    for (ToolCallDelta call : first.toolCalls()) {
      chars += call.name() == null ? 0 : call.name().length();
      chars += call.arguments() == null ? 0 : call.arguments().length();
    }
    return chars;
  }

  /**
   * {@link #answerChars} read from the decoder's tree of a chat chunk, as {@link OpenAiFirstChoice}
   * reads its first choice's delta; -1 where only decoding says (a content array, arguments sent as
   * an object).
   */
  private long treeChars() {
    if (kind != Kind.CHUNK && kind != Kind.DROP) {
      return 0;
    }
    JsonNode choices = parsed.get("choices");
    if (choices == null || !choices.isArray()) {
      return 0;
    }
    int position = 0;
    for (JsonNode choice : choices) {
      if (!choice.isObject()) {
        position++;
        continue;
      }
      JsonNode number = choice.get("index");
      int index = number != null && number.isIntegralNumber() ? number.intValue() : -1;
      if (!OpenAiFirstChoice.isFirst(index, position == 0)) {
        position++;
        continue;
      }
      JsonNode delta = choice.get("delta");
      if (delta == null || !delta.isObject()) {
        return 0;
      }
      JsonNode content = delta.get("content");
      if (content != null && content.isArray()) {
        return -1;
      }
      long chars = textLength(content) + textLength(delta.get("refusal"));
      JsonNode reasoning = delta.get("reasoning_content");
      chars +=
          textLength(
              reasoning != null && reasoning.isTextual() ? reasoning : delta.get("reasoning"));
      JsonNode calls = delta.get("tool_calls");
      if (calls != null && calls.isArray()) {
        for (JsonNode call : calls) {
          JsonNode function = call.isObject() ? call.get("function") : null;
          if (function == null || !function.isObject()) {
            continue;
          }
          JsonNode arguments = function.get("arguments");
          if (arguments != null && arguments.isObject()) {
            return -1;
          }
          chars += textLength(function.get("name")) + textLength(arguments);
        }
      }
      return chars;
    }
    return 0;
  }

  private static long textLength(JsonNode node) {
    return node != null && node.isTextual() ? node.textValue().length() : 0;
  }

  /**
   * The text the event adds to the first choice's answer ({@code delta.content}); null when it adds
   * none (role, finish, usage and filter-result events, other choices, tool-call fragments). May be
   * the empty string: some providers open with {@code "content":""}.
   */
  public String textDelta() {
    return content().text();
  }

  /**
   * The reasoning text the event adds to the first choice ({@code delta.reasoning_content}, or
   * {@code delta.reasoning}: DeepSeek, vLLM, SGLang, Qwen), or null; it streams before the answer.
   */
  public String reasoningDelta() {
    return content().reasoning();
  }

  /** The refusal text the event adds to the first choice ({@code delta.refusal}), or null. */
  public String refusalDelta() {
    return content().refusal();
  }

  /**
   * The tool-call fragments the event adds to the first choice ({@code delta.tool_calls}), in
   * order; empty when none. Fragments of one call share its {@link ToolCallDelta#index()}.
   */
  public List<ToolCallDelta> toolCallDeltas() {
    return content().toolCalls();
  }

  /**
   * The token logprobs of the first choice's delta (a chat chunk's {@code choices[].logprobs
   * .content}: per token its {@code token}, {@code logprob}, {@code bytes} and {@code
   * top_logprobs}), or null when the event carries none (the request did not ask for them).
   */
  public JsonNode logprobs() {
    return content().logprobs();
  }

  private OpenAiFirstChoice content() {
    if (content == null) {
      content = decodeContent();
    }
    return content;
  }

  private OpenAiFirstChoice decodeContent() {
    if ((kind != Kind.CHUNK && kind != Kind.DROP) || (source == null && parsed == null)) {
      return OpenAiFirstChoice.NONE;
    }
    try {
      if (responsesEvent) {
        if (parsed == null) {
          textParses++;
        }
        try (JsonParser p = parsed != null ? parsed.traverse() : SYNTAX.createParser(source)) {
          return responsesDelta(p);
        }
      }
      if (parsed != null) {
        try (JsonParser p = parsed.traverse()) {
          return OpenAiFirstChoice.read(p, "delta");
        }
      }
      textParses++;
      try (JsonParser p = SYNTAX.createParser(source)) {
        return OpenAiFirstChoice.read(p, "delta");
      }
    } catch (IOException unreadable) {
      return OpenAiFirstChoice.NONE; // the relay already judged the event; it adds no content
    }
  }

  /**
   * The content of a Responses API delta event (output text, refusal, call arguments, reasoning
   * summary or text); {@link OpenAiFirstChoice#NONE} for others.
   */
  private static OpenAiFirstChoice responsesDelta(JsonParser p) throws IOException {
    if (p.nextToken() != JsonToken.START_OBJECT) {
      return OpenAiFirstChoice.NONE;
    }
    String type = null;
    String delta = null;
    int index = 0;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken value = p.nextToken();
      if ("type".equals(name) && value == JsonToken.VALUE_STRING) {
        type = p.getText();
      } else if ("delta".equals(name) && value == JsonToken.VALUE_STRING) {
        delta = p.getText();
      } else if ("output_index".equals(name) && value == JsonToken.VALUE_NUMBER_INT) {
        index = p.getIntValue();
      } else {
        p.skipChildren();
      }
    }
    if (type == null || delta == null) {
      return OpenAiFirstChoice.NONE;
    }
    return switch (type) {
      case "response.output_text.delta" -> new OpenAiFirstChoice(delta, null, List.of());
      case "response.refusal.delta" -> new OpenAiFirstChoice(null, delta, List.of());
      case "response.reasoning_summary_text.delta", "response.reasoning_text.delta" ->
          new OpenAiFirstChoice(null, null, List.of(), null, delta);
      case "response.function_call_arguments.delta" ->
          new OpenAiFirstChoice(
              null, null, List.of(new ToolCallDelta(index, null, "function", null, delta)));
      default -> OpenAiFirstChoice.NONE;
    };
  }

  /** How many events' content was decoded by parsing their text (tests: laziness). */
  int textParses() {
    return textParses;
  }

  public Kind kind() {
    return kind;
  }

  /**
   * The data to relay to the client (in the upstream's format): a {@link Kind#CHUNK}'s, or an
   * {@link Kind#ERROR}'s when the upstream's own failure event ends the client's stream ({@link
   * #relayedError}); null otherwise.
   */
  public String payload() {
    return payload;
  }

  /** The model version the event names, or null. */
  public String model() {
    return model;
  }

  public String systemFingerprint() {
    return systemFingerprint;
  }

  /** The service tier a parsed chat chunk reports (OpenAI's {@code service_tier}), or null. */
  public String serviceTier() {
    return serviceTier;
  }

  /** The last finish reason of the event's choices, or null. */
  public String finishReason() {
    return finishReason;
  }

  /**
   * Whether a choice of the event is a refusal; at {@link Kind#DONE}, whether the streamed answer
   * as a whole opened with a plain-text refusal.
   */
  public boolean isRefusal() {
    return refused;
  }

  /**
   * The chat usage chunk a chat client gets before {@code [DONE]} (see {@link
   * #usageChunk(String)}), or null: the OpenAI wire format's own usage chunk is an event of its
   * own.
   */
  public String usageChunk() {
    return usageChunk;
  }

  /** Token usage the event reports, or null. */
  public TokenUsage usage() {
    return usage;
  }

  /** The provider's error message ({@link Kind#ERROR}), or null. */
  public String errorMessage() {
    return errorMessage;
  }

  public String errorType() {
    return errorType;
  }

  public String errorParam() {
    return errorParam;
  }

  public String errorCode() {
    return errorCode;
  }

  /** The error event says the gateway's account with the provider is out of credit. */
  void outOfCredit() {
    this.outOfCredit = true;
  }

  /**
   * Whether this {@link Kind#ERROR} says the gateway's account with the provider is out of credit
   * (OpenAI's {@code insufficient_quota}): the provider's failure for every target of it, not a
   * passing server error.
   */
  public boolean accountOutOfCredit() {
    return outOfCredit;
  }
}
