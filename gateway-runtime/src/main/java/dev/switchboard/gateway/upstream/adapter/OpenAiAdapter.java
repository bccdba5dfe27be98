package dev.switchboard.gateway.upstream.adapter;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.contract.ProviderKind;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.upstream.FailureKind;
import dev.switchboard.gateway.upstream.FailureScope;
import dev.switchboard.gateway.upstream.Operation;
import dev.switchboard.gateway.upstream.ReplySummary;
import dev.switchboard.gateway.upstream.UpstreamFailure;
import dev.switchboard.gateway.upstream.UpstreamRequests;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * The OpenAI wire format (OpenAI and every OpenAI-compatible preset: Mistral, DeepSeek, Qwen, vLLM,
 * Ollama, ...). The client speaks it too, so this adapter is a pass-through: the request body only
 * gets the target's model id, answers are forwarded byte for byte, and the facts are read with a
 * streaming parser ({@link ReplySummary}) or, for stream chunks, a text check that parses only
 * chunks that carry something to read ({@link OpenAiStreamDecoder}).
 */
public class OpenAiAdapter implements UpstreamAdapter {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonFactory SYNTAX = new JsonFactory();

  /** Whether the provider serves the Responses API itself (its preset says so). */
  private final boolean speaksResponses;

  /**
   * Whether the provider may answer chat {@code content} as an array of chunks (Mistral's reasoning
   * models), which {@link ContentChunks#flatten} turns into chat's form; only such an adapter looks
   * for them, so no other provider's answers pay for the check.
   */
  private final boolean contentChunks;

  /** An adapter for a chat-completions-only preset: Responses requests are bridged. */
  public OpenAiAdapter() {
    this(false);
  }

  /**
   * @param speaksResponses the provider serves {@code /responses} (OpenAI, Azure OpenAI), so
   *     Responses requests are passed through
   */
  public OpenAiAdapter(boolean speaksResponses) {
    this(speaksResponses, false);
  }

  /**
   * @param speaksResponses as {@link #OpenAiAdapter(boolean)}
   * @param contentChunks the provider answers content as chunks (Mistral), see {@link
   *     ContentChunks}
   */
  OpenAiAdapter(boolean speaksResponses, boolean contentChunks) {
    this.speaksResponses = speaksResponses;
    this.contentChunks = contentChunks;
  }

  @Override
  public boolean speaks(Operation op) {
    return op == Operation.RESPONSES ? speaksResponses : UpstreamAdapter.super.speaks(op);
  }

  @Override
  public String path(RoutingTable.Provider provider, String model, Operation op) {
    return op.path();
  }

  /** Mistral's chat takes no inline file ({@link #mistralMessages} leaves a file part out). */
  @Override
  public boolean leavesOutFileParts(RoutingTable.Provider provider) {
    return provider.providerKind() == ProviderKind.MISTRAL;
  }

  /**
   * A model the routing table says reasons ({@code reasoning} among its capabilities) on OpenAI,
   * Azure OpenAI or an {@code openai-compatible} server (vLLM, SGLang, Ollama, Google's
   * OpenAI-compatible Gemini endpoint, ...), whose chat completions take {@code reasoning_effort}
   * to ask a reasoning model to think. Not a model that does not say so: OpenAI's models that do
   * not reason (gpt-4o, gpt-4.1) refuse the field with a 400, so would a strict server, and a
   * request that worked without it would start failing. Not DeepSeek (its reasoner thinks unasked
   * and its API defines no such field), Qwen (Model Studio asks with {@code enable_thinking}) nor
   * Mistral (Magistral thinks unasked; Mistral refuses what it does not define with a 422).
   */
  @Override
  public boolean honoursReasoningEffort(PlannedTarget target) {
    RoutingTable.Provider provider = target.provider();
    switch (provider.providerKind()) {
      case OPENAI, AZURE_OPENAI, OPENAI_COMPATIBLE -> {
        RoutingTable.Model model = provider.models().get(target.target().model());
        return model != null && model.capabilities().contains(REASONING);
      }
      default -> {
        return false;
      }
    }
  }

  /** The capability a reasoning model declares in the routing table. */
  static final String REASONING = "reasoning";

  @Override
  public String probePath(RoutingTable.Provider provider) {
    return "/models";
  }

  @Override
  public void headers(
      RoutingTable.Provider provider,
      Optional<String> key,
      String requestId,
      boolean stream,
      MultiMap into) {
    UpstreamRequests.headers(provider, key, requestId, stream, into);
  }

  /**
   * The client's body with {@code model} replaced by the target's provider model id, without the
   * {@code stream_options} the gateway added where the provider does not accept them, and with
   * Mistral's field names on a Mistral target ({@link #mistralFields}, which reports the fields it
   * left out).
   */
  @Override
  public EncodedRequest encode(
      ObjectNode body, PlannedTarget target, Operation format, boolean addedUsage) {
    // Shallow: the copy shares the client's field values, which nothing changes after parsing.
    ObjectNode copy = JSON.createObjectNode().setAll(body);
    copy.put("model", target.target().model());
    List<String> unhonoured = EncodedRequest.NONE;
    if (format == Operation.RESPONSES) {
      // The Responses API has no seed and refuses a field it does not know (400
      // unknown_parameter); the gateway's seed on /v1/responses reaches targets through chat.
      JsonNode seed = copy.remove("seed");
      if (seed != null && !seed.isNull()) {
        unhonoured = SEED; // on a deterministic route, the contract's own seed (said once)
      }
    }
    ProviderKind kind = target.provider().providerKind();
    if (body instanceof ThoughtSignedChat signed && googleCompatible(target.provider())) {
      // The signatures a front door restored from its carriers go back to Gemini where Google's
      // OpenAI-compatible endpoint takes them (it refuses a Gemini 3 call replayed without one).
      copy.set("messages", signed.messagesWithSignatures());
    }
    if (format == Operation.CHAT_COMPLETIONS) {
      // Anthropic's thinking blocks a chat client handed back are Anthropic's only: OpenAI and
      // strict OpenAI-compatible servers refuse a message field they do not define.
      unhonoured = EncodedRequest.concat(unhonoured, withoutThinkingBlocks(copy));
    }
    if (kind == ProviderKind.MISTRAL) {
      unhonoured =
          EncodedRequest.concat(
              unhonoured,
              format == Operation.EMBEDDINGS ? mistralEmbeddingFields(copy) : mistralFields(copy));
    } else {
      if (kind == ProviderKind.DEEPSEEK) {
        // DeepSeek's chat completions documents the limit as max_tokens only: an OpenAI client's
        // max_completion_tokens would not limit its answer.
        limitAsMaxTokens(copy);
      }
      if (addedUsage && !acceptsStreamOptions(target.provider())) {
        // Our own addition must not get the request rejected by a strict provider.
        copy.remove("stream_options");
      }
    }
    // Anthropic's thinking blocks a Responses carrier brought back are Anthropic's only.
    unhonoured = ThoughtSignedChat.thinkingLeftOut(body, unhonoured);
    if (format == Operation.CHAT_COMPLETIONS
        && takesMaxCompletionTokens(target.provider())
        && copy.has("max_tokens")
        && !copy.has("max_completion_tokens")) {
      // OpenAI deprecated max_tokens for max_completion_tokens, which means the same for every
      // model, and its reasoning models (o-series, gpt-5) reject max_tokens with a 400. Bridged
      // requests (Anthropic Messages always carries a limit) would otherwise fail there.
      copy.set("max_completion_tokens", copy.get("max_tokens"));
      copy.remove("max_tokens");
    }
    try {
      return new EncodedRequest(Buffer.buffer(JSON.writeValueAsBytes(copy)), unhonoured);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a parsed JSON tree always serializes", e);
    }
  }

  /**
   * Takes, in place, the {@code thinking_blocks} out of {@code copy}'s messages (Anthropic's
   * thinking a chat client handed back, {@link AnthropicChatTranslation#THINKING_BLOCKS}): only the
   * messages that hold the field are copied, and the array only when one does; a request without
   * any costs a field lookup per message.
   *
   * @return {@link NestedDrops#MESSAGE_THINKING_BLOCKS} when one asked for something (not a JSON
   *     null), else {@link EncodedRequest#NONE}
   */
  private static List<String> withoutThinkingBlocks(ObjectNode copy) {
    JsonNode messages = copy.get("messages");
    if (messages == null || !messages.isArray()) {
      return EncodedRequest.NONE;
    }
    ArrayNode out = null; // made at the first message that holds the field
    boolean named = false;
    for (int i = 0; i < messages.size(); i++) {
      JsonNode message = messages.get(i);
      JsonNode blocks = message.get(AnthropicChatTranslation.THINKING_BLOCKS);
      if (blocks != null) {
        out = out == null ? firstOf(messages, i) : out;
        named |= !blocks.isNull();
        ObjectNode sent = JSON.createObjectNode().setAll((ObjectNode) message);
        sent.remove(AnthropicChatTranslation.THINKING_BLOCKS);
        message = sent;
      }
      if (out != null) {
        out.add(message);
      }
    }
    if (out != null) {
      copy.set("messages", out);
    }
    return named ? THINKING_BLOCKS_LEFT_OUT : EncodedRequest.NONE;
  }

  private static final List<String> THINKING_BLOCKS_LEFT_OUT =
      List.of(NestedDrops.MESSAGE_THINKING_BLOCKS);

  /**
   * Renames and drops, in place, the OpenAI fields Mistral's chat completions does not know: it
   * refuses every field it does not know with a 422 {@code extra_forbidden}. {@code stream_options}
   * goes, the client's own too: Mistral reports usage in a stream's last chunk unasked, and the
   * stream decoder cuts it when the client did not ask for it. {@code max_completion_tokens} is
   * Mistral's {@code max_tokens} (taken over it when both are given, as OpenAI does), and {@code
   * seed} its {@code random_seed} (the seed wins: it is the one the answer's headers name).
   *
   * @return every other field left out that asked for something (not a JSON null), in the request's
   *     order ({@code user}, {@code logprobs}, ...), then what {@link #mistralMessages} left out of
   *     the messages ({@code messages[].name}, ...): the unhonoured parameters; {@link
   *     EncodedRequest#NONE} when none
   */
  private static List<String> mistralFields(ObjectNode copy) {
    copy.remove("stream_options");
    limitAsMaxTokens(copy);
    JsonNode seed = copy.remove("seed");
    if (seed != null && !seed.isNull()) {
      copy.set("random_seed", seed);
    }
    // Every other OpenAI field Mistral does not define (user, logprobs, logit_bias, store, ...).
    List<String> dropped = EncodedRequest.leftOut(copy, MISTRAL_CHAT_FIELDS);
    copy.retain(MISTRAL_CHAT_FIELDS);
    JsonNode messages = copy.get("messages");
    if (messages == null || !messages.isArray()) {
      return dropped;
    }
    NestedDrops drops = new NestedDrops();
    ArrayNode kept = mistralMessages(messages, drops);
    if (kept != messages) {
      copy.set("messages", kept);
    }
    return drops.after(dropped);
  }

  /**
   * {@code messages} without what Mistral's messages do not define, which it refuses as it does a
   * top-level field (422 {@code extra_forbidden}; client-python's {@code UserMessage}, {@code
   * SystemMessage}, {@code AssistantMessage} and {@code TextChunk}, ...): a {@code name} on any
   * message but a tool result's ({@code ToolMessage} takes its function's name), a {@code
   * reasoning_content} or {@code reasoning} (earlier reasoning handed back), a content part's
   * {@code cache_control} and a {@code file} part (a PDF; Mistral's {@code FileChunk} takes only an
   * uploaded file's {@code file_id}); each noted in {@code drops} when it asked for something (not
   * a JSON null). {@code messages} itself when nothing is left out (the client's messages are
   * shared, never changed: only the messages that lose a field are copied).
   */
  /**
   * A new array of {@code array}'s first {@code n} elements (shared, not copied): where a walk that
   * copies only what it changes meets its first change.
   */
  private static ArrayNode firstOf(JsonNode array, int n) {
    ArrayNode out = JSON.createArrayNode();
    for (int i = 0; i < n; i++) {
      out.add(array.get(i));
    }
    return out;
  }

  private static ArrayNode mistralMessages(JsonNode messages, NestedDrops drops) {
    ArrayNode out = null; // made at the first message that changes
    for (int i = 0; i < messages.size(); i++) {
      JsonNode message = messages.get(i);
      JsonNode sent = mistralMessage(message, drops);
      if (sent != message && out == null) {
        out = firstOf(messages, i);
      }
      if (out != null) {
        out.add(sent);
      }
    }
    return out == null ? (ArrayNode) messages : out;
  }

  private static JsonNode mistralMessage(JsonNode message, NestedDrops drops) {
    if (!(message instanceof ObjectNode object)) {
      return message;
    }
    boolean name = object.has("name") && !"tool".equals(object.path("role").asText());
    if (name) {
      drops.note(object, "name", NestedDrops.MESSAGE_NAME);
    }
    // A reasoning model's earlier reasoning handed back (the gateway gives a Mistral model's
    // thinking to chat clients as reasoning_content): Mistral's assistant message has no place.
    boolean reasoning = object.has("reasoning_content") || object.has("reasoning");
    if (reasoning) {
      drops.note(object, "reasoning_content", NestedDrops.MESSAGE_REASONING_CONTENT);
      drops.note(object, "reasoning", NestedDrops.MESSAGE_REASONING);
    }
    JsonNode content = object.get("content");
    ArrayNode parts = null; // the content without a file part or cache_control, when it had one
    if (content != null && content.isArray()) {
      for (int i = 0; i < content.size(); i++) {
        JsonNode part = content.get(i);
        if (part instanceof ObjectNode filePart && "file".equals(filePart.path("type").asText())) {
          // Mistral's own file chunk takes only an uploaded file's id ({type: file, file_id}),
          // refusing file_data / filename (422); there is no inline document it is documented to
          // take in chat (a document_url data URL is documented for its OCR endpoint only).
          drops.add(NestedDrops.contentPart("file"));
          if (parts == null) {
            parts = firstOf(content, i);
          }
          continue;
        }
        if (part instanceof ObjectNode cached && cached.has("cache_control")) {
          drops.note(cached, "cache_control", NestedDrops.CONTENT_CACHE_CONTROL);
          if (parts == null) {
            parts = firstOf(content, i);
          }
          ObjectNode uncached = JSON.createObjectNode().setAll(cached);
          uncached.remove("cache_control");
          part = uncached;
        }
        if (parts != null) {
          parts.add(part);
        }
      }
    }
    if (!name && !reasoning && parts == null) {
      return message;
    }
    ObjectNode sent = JSON.createObjectNode().setAll(object);
    if (name) {
      sent.remove("name");
    }
    if (reasoning) {
      sent.remove("reasoning_content");
      sent.remove("reasoning");
    }
    if (parts != null) {
      sent.set("content", parts);
    }
    return sent;
  }

  /**
   * Renames and drops, in place, the OpenAI fields Mistral's embeddings request does not know
   * (client-python's {@code EmbeddingRequest}; refused with a 422 {@code extra_forbidden} as in
   * chat): {@code dimensions} is its {@code output_dimension}; {@code user} has no place.
   *
   * @return the fields left out that asked for something: the unhonoured parameters
   */
  private static List<String> mistralEmbeddingFields(ObjectNode copy) {
    JsonNode dimensions = copy.remove("dimensions");
    if (dimensions != null && !dimensions.isNull()) {
      copy.set("output_dimension", dimensions);
    }
    List<String> dropped = EncodedRequest.leftOut(copy, MISTRAL_EMBEDDING_FIELDS);
    copy.retain(MISTRAL_EMBEDDING_FIELDS);
    return dropped;
  }

  /** The fields of Mistral's embeddings request (client-python's {@code EmbeddingRequest}). */
  static final Set<String> MISTRAL_EMBEDDING_FIELDS =
      Set.of("model", "input", "metadata", "output_dimension", "output_dtype", "encoding_format");

  private static final List<String> SEED = List.of("seed");

  /**
   * Moves {@code max_completion_tokens} to {@code max_tokens} in place, for a provider that knows
   * the limit only by its older name (Mistral, DeepSeek); it wins over a {@code max_tokens} given
   * too, as on OpenAI.
   */
  private static void limitAsMaxTokens(ObjectNode copy) {
    JsonNode limit = copy.remove("max_completion_tokens");
    if (limit != null && !limit.isNull()) {
      copy.set("max_tokens", limit);
    }
  }

  /**
   * The top-level fields of Mistral's chat completions request (its API reference; client-python's
   * {@code ChatCompletionRequest} and {@code ChatCompletionStreamRequest}, which are the same):
   * Mistral refuses any other with a 422 {@code extra_forbidden}.
   */
  static final Set<String> MISTRAL_CHAT_FIELDS =
      Set.of(
          "model",
          "messages",
          "temperature",
          "top_p",
          "max_tokens",
          "stream",
          "stop",
          "random_seed",
          "metadata",
          "response_format",
          "tools",
          "tool_choice",
          "presence_penalty",
          "frequency_penalty",
          "n",
          "prediction",
          "parallel_tool_calls",
          "reasoning_effort",
          "prompt_mode",
          "guardrails",
          "prompt_cache_key",
          "safe_prompt");

  /**
   * Whether an {@code openai-compatible} provider is Google's OpenAI-compatible Gemini endpoint
   * ({@code baseUrl} ending in {@code /v1beta/openai}), which gives a Gemini call's thought
   * signature in {@code extra_content.google.thought_signature} and wants it back there.
   */
  static boolean googleCompatible(RoutingTable.Provider provider) {
    String url = provider.baseUrl();
    if (provider.providerKind() != ProviderKind.OPENAI_COMPATIBLE || url == null) {
      return false;
    }
    int end = url.endsWith("/") ? url.length() - 1 : url.length();
    return url.startsWith(GOOGLE_COMPATIBLE_PATH, end - GOOGLE_COMPATIBLE_PATH.length());
  }

  private static final String GOOGLE_COMPATIBLE_PATH = "/v1beta/openai";

  /**
   * Whether the provider takes the limit as {@code max_completion_tokens}: OpenAI, and Azure OpenAI
   * from api-version {@value #AZURE_MAX_COMPLETION_TOKENS_SINCE} on (the default {@code 2024-10-21}
   * included; older dated versions refuse arguments they do not know). Their reasoning models, also
   * as Azure deployments, refuse {@code max_tokens}. OpenAI-compatible servers (Mistral, vLLM, ...)
   * may not know it and keep {@code max_tokens}; Mistral and DeepSeek get a client's {@code
   * max_completion_tokens} as {@code max_tokens} ({@link #limitAsMaxTokens}).
   */
  static boolean takesMaxCompletionTokens(RoutingTable.Provider provider) {
    return switch (provider.providerKind()) {
      case OPENAI -> true;
      case AZURE_OPENAI ->
          provider.apiVersion() == null
              || provider.apiVersion().compareTo(AZURE_MAX_COMPLETION_TOKENS_SINCE) >= 0;
      default -> false;
    };
  }

  /** The first Azure OpenAI api-version that knows {@code max_completion_tokens} (o1 support). */
  static final String AZURE_MAX_COMPLETION_TOKENS_SINCE = "2024-09-01-preview";

  /**
   * Whether the provider accepts {@code stream_options} (the gateway adds {@code include_usage} to
   * measure tokens of streams). Mistral rejects unknown fields (422) and reports usage in its last
   * chunk anyway (its body is {@link #mistralFields}'s); Azure OpenAI knows it from api-version
   * {@value #AZURE_STREAM_OPTIONS_SINCE} on (the default {@code 2024-10-21} included) and refuses
   * it with a 400 before; every other preset, and vLLM/Ollama, accept it.
   */
  static boolean acceptsStreamOptions(RoutingTable.Provider provider) {
    return switch (provider.providerKind()) {
      case MISTRAL -> false; // never reached: mistralFields drops them all
      case AZURE_OPENAI ->
          provider.apiVersion() == null
              || provider.apiVersion().compareTo(AZURE_STREAM_OPTIONS_SINCE) >= 0;
      default -> true;
    };
  }

  /** The first Azure OpenAI api-version that knows {@code stream_options}. */
  static final String AZURE_STREAM_OPTIONS_SINCE = "2024-09-01-preview";

  @Override
  public ReplySummary decodeReply(byte[] body, Operation op) throws ReplySummary.BadReply {
    if (op == Operation.RESPONSES) {
      return decodeResponse(body);
    }
    return ReplySummary.scan(body, op);
  }

  /** The facts of a passed-through Responses API answer (a {@code Response} object). */
  private static ReplySummary decodeResponse(byte[] body) throws ReplySummary.BadReply {
    JsonNode response;
    try {
      response = JSON.readTree(body);
    } catch (IOException e) {
      throw new ReplySummary.BadReply("a body that is not a JSON object");
    }
    if (response == null || !response.isObject()) {
      throw new ReplySummary.BadReply("a body that is not a JSON object");
    }
    if (response.path("error").isObject() && !response.has("output")) {
      throw new ReplySummary.BadReply("an error object");
    }
    if (!response.path("output").isArray()) {
      throw new ReplySummary.BadReply("no 'output' array");
    }
    return ResponsesFacts.summary(response);
  }

  /**
   * As the default (the bytes relayed unchanged), but a chat answer of a provider that answers
   * content as chunks ({@link #contentChunks}) whose first choice did ({@link
   * ReplySummary#chunkedContent}, noted by the scan that reads the facts) is rewritten in chat's
   * form ({@link ContentChunks#flatten}, every choice): a parse and a write of such answers only.
   */
  @Override
  public DecodedReply decode(
      byte[] bytes,
      Buffer body,
      Operation format,
      PlannedTarget target,
      ObjectNode request,
      LongSupplier createdEpochSeconds)
      throws ReplySummary.BadReply {
    ReplySummary summary = decodeReply(bytes, format);
    if (!contentChunks || format != Operation.CHAT_COMPLETIONS || !summary.chunkedContent()) {
      return new DecodedReply(summary, body);
    }
    return new DecodedReply(summary, flattened(bytes, body));
  }

  /**
   * As the default, with {@link #decode}'s rewrite of content chunks (read here without a hint).
   */
  @Override
  public Buffer replyBody(Buffer body, Operation format, LongSupplier createdEpochSeconds)
      throws ReplySummary.BadReply {
    if (!contentChunks || format != Operation.CHAT_COMPLETIONS) {
      return body;
    }
    return flattened(body.getBytes(), body);
  }

  /**
   * A chat answer with every choice's content chunks in chat's form ({@link
   * ContentChunks#flatten}), or {@code body} itself when no choice has any.
   */
  private static Buffer flattened(byte[] bytes, Buffer body) throws ReplySummary.BadReply {
    JsonNode completion;
    try {
      completion = JSON.readTree(bytes);
    } catch (IOException e) {
      throw new ReplySummary.BadReply("a body that is not a JSON object");
    }
    boolean changed = false;
    for (JsonNode choice : completion.path("choices")) {
      changed |= ContentChunks.flatten(choice.get("message"));
    }
    if (!changed) {
      return body;
    }
    try {
      return Buffer.buffer(JSON.writeValueAsBytes(completion));
    } catch (JsonProcessingException e) {
      throw new ReplySummary.BadReply("an answer that cannot be written");
    }
  }

  @Override
  public ReplyContent decodeReplyContent(byte[] body) throws ReplySummary.BadReply {
    OpenAiFirstChoice first;
    try (JsonParser p = SYNTAX.createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new ReplySummary.BadReply("a body that is not a JSON object");
      }
      first = OpenAiFirstChoice.readObject(p, "message");
    } catch (IOException e) {
      throw new ReplySummary.BadReply("a body that is not a JSON object");
    }
    List<ToolCall> calls = new ArrayList<>(first.toolCalls().size());
    for (ToolCallDelta call : first.toolCalls()) {
      calls.add(
          new ToolCall(
              call.id(), call.type(), call.name(), call.arguments(), call.thoughtSignature()));
    }
    return new ReplyContent(first.text(), first.refusal(), calls);
  }

  @Override
  public UpstreamFailure firstEventProblem(PlannedTarget target, String data, JsonNode first) {
    if (first == null || !first.isObject()) {
      return new UpstreamFailure(
          FailureKind.BAD_RESPONSE, target.id() + " sent a first stream event that is not JSON");
    }
    // A chat chunk carries an "error" object; a Responses stream an event of type "error", or a
    // response.failed whose response says why.
    JsonNode chatError = first.path("error");
    String type = first.path("type").asText();
    boolean responsesError = "error".equals(type);
    boolean responseFailed = "response.failed".equals(type);
    if (chatError.isObject() || responsesError || responseFailed) {
      JsonNode error =
          chatError.isObject()
              ? chatError
              : responseFailed ? first.path("response").path("error") : first;
      // An account out of credit says so in the stream as in a 429: not a passing server error.
      return new UpstreamFailure(
          outOfCredit(error) ? FailureKind.TARGET_UNUSABLE : FailureKind.SERVER_ERROR,
          target.id() + " sent an error event before any content",
          200,
          Buffer.buffer(data),
          null);
    }
    return null;
  }

  /**
   * Google's OpenAI-compatible endpoint ({@code .../v1beta/openai}) answers a wrong key as Google
   * does everywhere, 400 with {@code ErrorInfo reason API_KEY_INVALID}: the gateway's key refused,
   * not the client's request, so it fails over and counts as a credentials rejection; its 400
   * {@code FAILED_PRECONDITION} (billing not enabled, an unsupported location) is the account's. A
   * 404 that says the model is not there ({@link #modelNotFound}) is the target's failure too: the
   * gateway chose the model; so is a 429 {@code insufficient_quota} (an account out of credit).
   */
  @Override
  public FailureKind failureKind(int status, Buffer body, FailureKind byStatus) {
    if (status == 400 && byStatus == FailureKind.REQUEST_REJECTED && GeminiErrors.badKey(body)) {
      return FailureKind.AUTH_REJECTED;
    }
    if (status == 400
        && byStatus == FailureKind.REQUEST_REJECTED
        && GeminiErrors.accountUnusable(body)) {
      return FailureKind.TARGET_UNUSABLE; // Google's FAILED_PRECONDITION: the account's, as above
    }
    if (status == 404 && byStatus == FailureKind.REQUEST_REJECTED && modelNotFound(body)) {
      return FailureKind.TARGET_UNUSABLE;
    }
    if (status == 429 && byStatus == FailureKind.RATE_LIMITED && outOfCredit(body)) {
      // Not a passing rate limit: the account stays empty until someone pays, so retrying the
      // target only burns budget; the next target may be on another account.
      return FailureKind.TARGET_UNUSABLE;
    }
    return byStatus;
  }

  /**
   * A passed-through Responses stream opens with {@code response.created} and {@code
   * response.in_progress}, an Azure chat stream with its prompt filter's verdict ({@link
   * #azurePromptFilter}): events without any of the answer. They wait with the stream until the
   * first event that carries some (its first output item, usually right after them), so an account
   * out of credit that says so only after {@code response.created} (an {@code error} or {@code
   * response.failed} event) still fails over, like one that says so first.
   */
  @Override
  public boolean reachesClient(Operation format, JsonNode parsed) {
    if (format != Operation.RESPONSES) {
      return !azurePromptFilter(parsed);
    }
    String type = parsed.path("type").asText("");
    return !"response.created".equals(type) && !"response.in_progress".equals(type);
  }

  /**
   * Whether a chat stream event is the one Azure OpenAI opens its streams with: the prompt filter's
   * verdict ({@code prompt_filter_results}) and no choices, sent before the model wrote a token.
   * Like a Responses stream's lifecycle events it waits with the stream and goes out with the first
   * chunk of the answer, so the attempt commits (and its time to first token is taken) at that
   * chunk: a first-token timeout or an error event after the verdict still fails over.
   */
  static boolean azurePromptFilter(JsonNode event) {
    if (event == null || !event.has("prompt_filter_results")) {
      return false;
    }
    JsonNode choices = event.get("choices");
    return choices == null || choices.isArray() && choices.isEmpty();
  }

  /**
   * Google's OpenAI-compatible endpoint reports a used-up per-day quota as Google does everywhere
   * (a {@code QuotaFailure} naming a per-day quota): the target is held back, not retried soon.
   */
  @Override
  public FailureScope failureScope(int status, Buffer body, FailureKind kind) {
    if (status == 429 && kind == FailureKind.RATE_LIMITED && GeminiErrors.perDayQuota(body)) {
      return FailureScope.DAILY_QUOTA;
    }
    return UpstreamAdapter.super.failureScope(status, body, kind);
  }

  /**
   * Whether an error object of a stream event (a chat chunk's {@code error}, a Responses {@code
   * error} event or {@code response.failed}'s {@code response.error}) is OpenAI's {@code
   * insufficient_quota}: the account is out of credit.
   */
  static boolean outOfCredit(JsonNode error) {
    return "insufficient_quota".equals(error.path("code").asText())
        || "insufficient_quota".equals(error.path("type").asText());
  }

  /** Whether a 429 body is OpenAI's {@code insufficient_quota}: the account is out of credit. */
  private boolean outOfCredit(Buffer body) {
    UpstreamError error = decodeError(body);
    return error != null
        && ("insufficient_quota".equals(error.code()) || "insufficient_quota".equals(error.type()));
  }

  /**
   * Whether a 404 body says the model the gateway asked for does not exist: OpenAI's {@code
   * model_not_found}, Azure's {@code DeploymentNotFound}, or Google's {@code NOT_FOUND} for a
   * {@code models/…} on its OpenAI-compatible endpoint. A 404 for anything else (an id the client
   * named) stays the client's.
   */
  private boolean modelNotFound(Buffer body) {
    UpstreamError error = decodeError(body);
    if (error != null
        && ("model_not_found".equals(error.code()) || "DeploymentNotFound".equals(error.code()))) {
      return true;
    }
    return GeminiErrors.modelNotFound(body);
  }

  @Override
  public UpstreamError decodeError(Buffer body) {
    try {
      JsonNode error = JSON.readTree(body.getBytes()).path("error");
      if (!error.isObject()) {
        return null;
      }
      JsonNode inner = error.get("innererror"); // Azure's: which content filter refused
      return new UpstreamError(
          textOrNull(error.get("message")),
          textOrNull(error.get("type")),
          textOrNull(error.get("param")),
          textOrNull(error.get("code")),
          inner != null && inner.isObject() ? inner : null);
    } catch (IOException | RuntimeException notJson) {
      return null;
    }
  }

  @Override
  public JsonNode parseEvent(String data) {
    return parse(data);
  }

  /** Parses an SSE data payload; null when it is not JSON. */
  static JsonNode parse(String data) {
    try {
      return JSON.readTree(data);
    } catch (IOException e) {
      return null;
    }
  }

  @Override
  public StreamDecoder streamDecoder(
      Operation format, boolean stripUsage, LongSupplier createdEpochSeconds) {
    if (format == Operation.RESPONSES) {
      return new OpenAiResponsesStreamDecoder(); // Responses streams always carry their usage
    }
    return new OpenAiStreamDecoder(stripUsage, contentChunks);
  }

  /** A scalar JSON value as text, null for a missing or JSON null value. */
  static String textOrNull(JsonNode node) {
    return node == null || node.isNull() ? null : node.asText();
  }
}
