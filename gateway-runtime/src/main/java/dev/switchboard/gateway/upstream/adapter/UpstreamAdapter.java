package dev.switchboard.gateway.upstream.adapter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.upstream.FailureKind;
import dev.switchboard.gateway.upstream.FailureScope;
import dev.switchboard.gateway.upstream.Operation;
import dev.switchboard.gateway.upstream.ReplySummary;
import dev.switchboard.gateway.upstream.UpstreamFailure;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * One provider wire format, the only place that reads or writes it: encodes the gateway's internal
 * request (an OpenAI-shaped chat or embeddings body) for the provider, decodes its JSON answers and
 * stream events into the facts the gateway needs ({@link ReplySummary}, {@link StreamEventFacts}),
 * and says which failures its answers mean. Chosen per provider kind by {@link UpstreamAdapters};
 * stateless and shared (a stream's state lives in its {@link StreamDecoder}).
 *
 * <p>Where the provider speaks the client's format, the adapter forwards bytes unchanged and only
 * looks for the few facts it needs (no tree, no copy).
 *
 * <p><b>Formats.</b> Every adapter accepts the internal formats ({@link Operation#CHAT_COMPLETIONS}
 * and {@link Operation#EMBEDDINGS}: OpenAI-shaped bodies, answers and stream chunks) and translates
 * them to and from its provider's wire format where that differs. It may also {@link #speaks speak}
 * a front door's format natively (OpenAI: Responses; Anthropic: Messages); then a request of that
 * format is passed through. The {@code format} argument of the methods below is always the format
 * of the gateway-side body, answer and events: the front door's own when passed through, else the
 * internal one.
 */
public interface UpstreamAdapter {

  /**
   * Whether the provider speaks {@code op}'s wire format itself, so a request of that format is
   * passed through (model rewritten, answer relayed) instead of bridged through the internal
   * format.
   */
  default boolean speaks(Operation op) {
    return op == Operation.CHAT_COMPLETIONS || op == Operation.EMBEDDINGS;
  }

  /** What the gateway appends to the provider's base URL for {@code op} on {@code model}. */
  String path(RoutingTable.Provider provider, String model, Operation op);

  /**
   * Whether {@link #encode} leaves a chat {@code file} part (an inline document) out of a request
   * to {@code provider}: a message holding nothing else would be sent empty, so a request with such
   * a message skips the provider's targets ({@code RequestNeeds.unsendable}). False by default.
   */
  default boolean leavesOutFileParts(RoutingTable.Provider provider) {
    return false;
  }

  /**
   * Whether a chat {@code reasoning_effort} that a front door made from the client's own way of
   * asking for thinking (the Messages {@code thinking}) may be sent to {@code target}: where its
   * adapter carries the effort itself, or names it when the model cannot take it, and where the
   * model is known to take it. A target that would refuse the field gets the chat form without it,
   * and the answer names the client's parameter ({@code ChatForm#forTarget}). A chat client's own
   * {@code reasoning_effort} is sent whatever this says. False by default.
   */
  default boolean honoursReasoningEffort(PlannedTarget target) {
    return false;
  }

  /** As {@link #path(RoutingTable.Provider, String, Operation)}, for a stream or not. */
  default String path(RoutingTable.Provider provider, String model, Operation op, boolean stream) {
    return path(provider, model, op);
  }

  /** What a health probe appends to the base URL: the cheapest authenticated call. */
  String probePath(RoutingTable.Provider provider);

  /** Auth, static, content and tracing headers of a call (never any client header). */
  void headers(
      RoutingTable.Provider provider,
      Optional<String> key,
      String requestId,
      boolean stream,
      MultiMap into);

  /**
   * The body to send to {@code target} for the client's request, and which of the request's
   * parameters it does not carry as asked ({@link EncodedRequest#unhonoured}). Every rule that
   * leaves a parameter out or changes it lives in the adapter that applies it, and is reported
   * here, in the same call: nothing downstream derives it again from the client's body.
   *
   * @param body the request in {@code format}
   * @param format the request's format: one the adapter {@link #speaks}, or an internal one
   * @param addedUsage the gateway (not the client) asked the stream for usage, so a provider that
   *     rejects the field must not see it
   */
  EncodedRequest encode(
      ObjectNode body, PlannedTarget target, Operation format, boolean addedUsage);

  /** The body of {@link #encode}, for a caller that has no one to tell what it changed. */
  default Buffer encodeRequest(
      ObjectNode body, PlannedTarget target, Operation format, boolean addedUsage) {
    return encode(body, target, format, addedUsage).body();
  }

  /**
   * What {@link #encode} makes of an attempt's request.
   *
   * @param body the bytes to send
   * @param unhonoured the top-level parameters of the request (in {@code format}'s names, in the
   *     request's order) that the provider was not sent as asked: left out (a field Mistral does
   *     not know) or changed (a {@code temperature} above Anthropic's maximum). Immutable; {@link
   *     #NONE}, shared, when the request went as asked, so the common case allocates no list.
   */
  record EncodedRequest(Buffer body, List<String> unhonoured) {

    /** Nothing left out or changed. */
    public static final List<String> NONE = List.of();

    /** A body sent as asked. */
    public EncodedRequest(Buffer body) {
      this(body, NONE);
    }

    /**
     * The top-level fields of {@code request} that ask for something ({@link #asks}) and are not
     * among {@code carried}, the fields a translation sends on (under their own or another name):
     * what it leaves out, in the request's order. {@link #NONE} when it leaves nothing out, so the
     * common case allocates no list (the walk costs an iterator and a set lookup per field; {@link
     * #asks} is read only for a field left out).
     */
    public static List<String> leftOut(ObjectNode request, Set<String> carried) {
      List<String> left = null;
      for (Map.Entry<String, JsonNode> field : request.properties()) {
        if (!carried.contains(field.getKey()) && asks(field.getKey(), field.getValue())) {
          left = left == null ? new ArrayList<>(4) : left;
          left.add(field.getKey());
        }
      }
      return left == null ? NONE : List.copyOf(left);
    }

    /**
     * Whether {@code value}, given for the request field {@code name}, asks for something a target
     * that is not sent the field does not do: not a JSON null, and not the value the API takes when
     * the field is absent. A client (or an SDK that writes its defaults out) that sends {@code
     * logprobs: false}, {@code n: 1}, {@code presence_penalty: 0}, {@code frequency_penalty: 0},
     * {@code top_logprobs: 0}, {@code parallel_tool_calls: true}, {@code store: false}, {@code
     * logit_bias: {}}, {@code metadata: {}}, {@code stop: []}, {@code include: []}, {@code
     * modalities: ["text"]} or {@code stream_options} without {@code include_usage: true} (or
     * {@code include_obfuscation: false}) loses nothing when it is left out, so nothing is named.
     * The one table of these defaults, for every adapter and bridge that names what it leaves out
     * (chat completions' names; the Responses and Messages fields of the same name mean the same,
     * and the Responses {@code store}, whose default differs, is never left out). A switch on the
     * name: no allocation.
     */
    public static boolean asks(String name, JsonNode value) {
      if (value.isNull()) {
        return false;
      }
      return switch (name) {
        case "logprobs" -> !(value.isBoolean() && !value.booleanValue());
        case "store" -> !(value.isBoolean() && !value.booleanValue()); // chat: false by default
        case "parallel_tool_calls" -> !(value.isBoolean() && value.booleanValue());
        case "n" -> !(value.isNumber() && value.asDouble() == 1);
        case "presence_penalty", "frequency_penalty", "top_logprobs" ->
            !(value.isNumber() && value.asDouble() == 0);
        case "logit_bias", "metadata", "stop", "include" ->
            !(value.isContainerNode() && value.isEmpty());
        case "modalities" ->
            !(value.isArray() && value.size() == 1 && "text".equals(value.get(0).asText(null)));
        case "stream_options" ->
            value.path("include_usage").asBoolean(false)
                || !value.path("include_obfuscation").asBoolean(true);
        default -> true;
      };
    }

    /** {@code first} then {@code then} (immutable), either one itself when the other is empty. */
    public static List<String> concat(List<String> first, List<String> then) {
      if (then.isEmpty()) {
        return first;
      }
      if (first.isEmpty()) {
        return then;
      }
      List<String> both = new ArrayList<>(first.size() + then.size());
      both.addAll(first);
      both.addAll(then);
      return List.copyOf(both);
    }
  }

  /**
   * The facts of a 2xx answer to a request of {@code op} (the provider's own bytes).
   *
   * @throws ReplySummary.BadReply when the body is not a usable answer
   */
  ReplySummary decodeReply(byte[] body, Operation op) throws ReplySummary.BadReply;

  /**
   * The answer {@link #decodeReply} accepted, in {@code format}'s wire format: the provider's bytes
   * unchanged where it speaks that format, else translated (a native Anthropic answer to a chat
   * completion, for example).
   *
   * @param createdEpochSeconds the gateway clock's time in epoch seconds, for the {@code created}
   *     field of a translated answer (Anthropic's and Gemini's answers carry none); read only by
   *     such a translation, so an answer passed through does not read the clock
   * @throws ReplySummary.BadReply when the body cannot be translated
   */
  default Buffer replyBody(Buffer body, Operation format, LongSupplier createdEpochSeconds)
      throws ReplySummary.BadReply {
    return body;
  }

  /**
   * As {@link #replyBody(Buffer, Operation, LongSupplier)}, for a translation that depends on the
   * request (an embeddings answer names the target's model and is encoded as the client asked:
   * floats or base64).
   *
   * @param request the gateway-side request in {@code format}, or null when unknown
   */
  default Buffer replyBody(
      Buffer body,
      Operation format,
      PlannedTarget target,
      ObjectNode request,
      LongSupplier createdEpochSeconds)
      throws ReplySummary.BadReply {
    return replyBody(body, format, createdEpochSeconds);
  }

  /**
   * A 2xx answer's facts and its body in {@code format}'s wire format at once: {@link #decodeReply}
   * then {@link #replyBody}. An adapter that translates overrides it to read the answer once
   * (parsing a large answer twice doubles the work).
   *
   * @param bytes the answer's bytes, the same as {@code body}'s
   * @param request the gateway-side request in {@code format}, or null when unknown
   * @throws ReplySummary.BadReply when the body is not a usable answer
   */
  default DecodedReply decode(
      byte[] bytes,
      Buffer body,
      Operation format,
      PlannedTarget target,
      ObjectNode request,
      LongSupplier createdEpochSeconds)
      throws ReplySummary.BadReply {
    ReplySummary summary = decodeReply(bytes, format);
    return new DecodedReply(summary, replyBody(body, format, target, request, createdEpochSeconds));
  }

  /** What {@link #decode} makes of an answer: its facts, and the body for the client. */
  record DecodedReply(ReplySummary summary, Buffer body) {}

  /**
   * The first choice's text, refusal and tool calls of a chat-completion answer that {@link
   * #decodeReply} accepted: for consumers that re-shape the answer, read on demand from the same
   * bytes (the pass-through never calls it, so forwarding an answer does not pay for it).
   *
   * @throws ReplySummary.BadReply when the body is not a JSON object
   */
  ReplyContent decodeReplyContent(byte[] body) throws ReplySummary.BadReply;

  /**
   * Why the first event of a stream disqualifies the attempt (it is not JSON, or an error), or null
   * when it is a real chunk; the parsed event goes along so it is parsed once only.
   */
  UpstreamFailure firstEventProblem(PlannedTarget target, String data, JsonNode parsed);

  /** What an error body of the provider says, or null when it says nothing readable. */
  UpstreamError decodeError(Buffer body);

  /**
   * The failure an error answer means when its status alone misleads (Gemini answers a wrong key
   * with 400 {@code API_KEY_INVALID}): {@code byStatus} unless the body says otherwise.
   */
  default FailureKind failureKind(int status, Buffer body, FailureKind byStatus) {
    return byStatus;
  }

  /**
   * How far an error answer's failure of {@code kind} (what {@link #failureKind} made of it)
   * reaches beyond its attempt: by default {@link FailureScope#of}; an adapter says more where its
   * provider's body does (Azure's endpoint not found, Gemini's per-day quota).
   */
  default FailureScope failureScope(int status, Buffer body, FailureKind kind) {
    return FailureScope.of(kind, status);
  }

  /**
   * The retry delay an error body carries in milliseconds (Gemini's {@code RetryInfo.retryDelay} on
   * a 429), or null; used only when the answer has no {@code Retry-After} header.
   */
  default Long retryDelayMs(int status, Buffer body) {
    return null;
  }

  /**
   * Whether a stream event ({@code parsed}: its JSON, checked by {@link #firstEventProblem}) gives
   * the client something when relayed in {@code format}: false for an event the stream decoder
   * drops whatever came before it (Gemini's usage-only chunk, a ping bridged to chat chunks). An
   * attempt commits at its first event that does; until then a failure still fails over.
   */
  default boolean reachesClient(Operation format, JsonNode parsed) {
    return true;
  }

  /** Parses a stream event's data; null when it is not JSON. */
  JsonNode parseEvent(String data);

  /**
   * A decoder for one stream's events: the relayed payloads are in {@code format}'s wire format
   * (the provider's events unchanged where it speaks that format, else translated, e.g. native
   * Anthropic events to chat completion chunks).
   *
   * @param stripUsage hide usage the gateway asked for from the client
   * @param createdEpochSeconds the gateway clock's time in epoch seconds, for the {@code created}
   *     field of translated chunks: read once, and only by a decoder that translates (an OpenAI
   *     stream carries the provider's own, so its decoder never reads the clock)
   */
  StreamDecoder streamDecoder(
      Operation format, boolean stripUsage, LongSupplier createdEpochSeconds);

  /** As {@link #streamDecoder(Operation, boolean, LongSupplier)}, with a fixed {@code created}. */
  default StreamDecoder streamDecoder(
      Operation format, boolean stripUsage, long createdEpochSeconds) {
    return streamDecoder(format, stripUsage, () -> createdEpochSeconds);
  }
}
