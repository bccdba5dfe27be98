package dev.switchboard.gateway.upstream.adapter;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.http.ApiException;
import dev.switchboard.gateway.http.OpenAiError;
import dev.switchboard.gateway.refusal.RefusalDetector;
import dev.switchboard.gateway.request.Refusals;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.upstream.FailureKind;
import dev.switchboard.gateway.upstream.Operation;
import dev.switchboard.gateway.upstream.ReplySummary;
import dev.switchboard.gateway.upstream.UpstreamFailure;
import dev.switchboard.gateway.upstream.UpstreamRequests;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Anthropic's native Messages API ({@code provider: anthropic}): {@code POST /messages} with {@code
 * x-api-key} and {@code anthropic-version}, health probe on {@code GET /models}. It speaks the
 * Messages front door's format (and {@code count_tokens}), so those requests pass through with only
 * {@code model} rewritten in the client's bytes; chat requests are translated ({@link
 * AnthropicChatTranslation}) and the answers and events translated back into chat completions.
 * Anthropic's errors map to the gateway's failure kinds by status in {@code UpstreamCaller} (429
 * rate limited, 529 {@code overloaded_error} and other 5xx retryable server errors); an {@code
 * error} event before any content fails the attempt the same way.
 */
public class AnthropicAdapter implements UpstreamAdapter {

  /** The API version sent when the provider's static headers name none. */
  public static final String API_VERSION = "2023-06-01";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonFactory SYNTAX = new JsonFactory();

  /**
   * The internal formats (translated; embeddings are refused with a 400 when encoded) and
   * Anthropic's own, Messages and {@code count_tokens} (passed through).
   */
  @Override
  public boolean speaks(Operation op) {
    return UpstreamAdapter.super.speaks(op) || isNative(op);
  }

  /**
   * Every Anthropic target reached through chat: the effort becomes extended thinking where the
   * model and the request allow it, and is named where they do not ({@link
   * AnthropicChatTranslation#reasoning}).
   */
  @Override
  public boolean honoursReasoningEffort(PlannedTarget target) {
    return true;
  }

  /** Whether {@code format} is Anthropic's own wire format (passed through, not translated). */
  private static boolean isNative(Operation format) {
    return format == Operation.MESSAGES || format == Operation.COUNT_TOKENS;
  }

  @Override
  public String path(RoutingTable.Provider provider, String model, Operation op) {
    return switch (op) {
      case COUNT_TOKENS -> "/messages/count_tokens";
      case EMBEDDINGS ->
          throw new ApiException(
              OpenAiError.invalidRequest("Anthropic targets do not serve embeddings.", "model"));
      default -> "/messages";
    };
  }

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
    if (!into.contains("anthropic-version")) {
      into.set("anthropic-version", API_VERSION);
    }
  }

  /**
   * The client's Messages body passed through ({@link #withModel}), or a chat request translated
   * ({@link AnthropicChatTranslation#toMessagesRequest}); the chat fields the translation leaves
   * out ({@link AnthropicChatTranslation#leftOut}) and a {@code temperature} it clamped to
   * Anthropic's maximum are reported as unhonoured.
   */
  @Override
  public EncodedRequest encode(
      ObjectNode body, PlannedTarget target, Operation format, boolean addedUsage) {
    String model = target.target().model();
    if (format == Operation.EMBEDDINGS) {
      throw new ApiException(
          OpenAiError.invalidRequest("Anthropic targets do not serve embeddings.", "model"));
    }
    if (isNative(format)) {
      // count_tokens is validated as the Messages request it counts: the same history is refused.
      if (dropsThinking(body)) {
        ObjectNode copy = JSON.createObjectNode().setAll(body);
        copy.remove("thinking");
        copy.put("model", model);
        return new EncodedRequest(write(copy), THINKING);
      }
      return new EncodedRequest(withModel(body, model));
    }
    AnthropicChatTranslation.Reasoning reasoning = AnthropicChatTranslation.reasoning(body, model);
    List<String> unhonoured = AnthropicChatTranslation.leftOut(body, reasoning);
    if (AnthropicChatTranslation.clampsTemperature(body)) {
      unhonoured = EncodedRequest.concat(unhonoured, TEMPERATURE);
    }
    if (!reasoning.thinks()) {
      // Anthropic wants its thinking blocks back only with thinking on: without, they are left out.
      unhonoured = ThoughtSignedChat.thinkingLeftOut(body, unhonoured);
    }
    NestedDrops nested = new NestedDrops();
    Buffer sent = write(AnthropicChatTranslation.toMessagesRequest(body, model, nested, reasoning));
    return new EncodedRequest(sent, nested.after(unhonoured));
  }

  private static final List<String> TEMPERATURE = List.of("temperature");

  private static final List<String> THINKING = List.of("thinking");

  /**
   * Whether a Messages request is sent without its {@code thinking}: extended thinking is on
   * ({@code thinking.type: enabled}) and the last assistant message holds a {@code tool_use} block
   * but does not start with a {@code thinking} or {@code redacted_thinking} block of Anthropic's
   * (the gateway's {@link ThoughtSignedChat#CARRIER_PREFIX carriers} of Gemini signatures and its
   * unsigned blocks of a chat target's reasoning do not count: they are taken out). Anthropic
   * refuses such a request (400, "a final `assistant` message must start with a thinking block");
   * it comes from a tool loop whose last turn another provider served (a Gemini, OpenAI or Mistral
   * target of the same route answered without Anthropic's thinking) or whose client dropped the
   * block, and Anthropic's own way out is to disable thinking, which it accepts for such a history
   * (LiteLLM's {@code modify_params} does the same). Adaptive thinking is sent as it is. The same
   * rule holds for {@code count_tokens}, which Anthropic validates as the Messages request it
   * counts. Costs one field lookup when thinking is not enabled.
   */
  public static boolean dropsThinking(ObjectNode body) {
    JsonNode thinking = body.get("thinking");
    if (thinking == null || !"enabled".equals(thinking.path("type").asText())) {
      return false;
    }
    JsonNode messages = body.path("messages");
    for (int m = messages.size() - 1; m >= 0; m--) {
      JsonNode message = messages.get(m);
      if (!"assistant".equals(message.path("role").asText())) {
        continue;
      }
      String first = null;
      boolean toolUse = false;
      for (JsonNode block : message.path("content")) {
        String type = block.path("type").asText("");
        if (first == null
            && !("thinking".equals(type) && ThoughtSignedChat.isGatewaysThinking(block))) {
          first = type;
        }
        toolUse |= "tool_use".equals(type);
      }
      return toolUse && !"thinking".equals(first) && !"redacted_thinking".equals(first);
    }
    return false;
  }

  /**
   * The client's own Messages body with only {@code model} changed: when the front door kept the
   * bytes it parsed ({@link SourcedObjectNode}), the model's value is replaced in those bytes, so
   * everything else — prompt-cache prefixes, {@code cache_control}, thinking blocks, key order and
   * number spelling — reaches Anthropic exactly as the client sent it.
   */
  static Buffer withModel(ObjectNode body, String model) {
    if (body instanceof SourcedObjectNode sourced) {
      byte[] rewritten = replaceModel(sourced.source(), model);
      if (rewritten != null) {
        return Buffer.buffer(rewritten);
      }
    }
    ObjectNode copy = JSON.createObjectNode().setAll(body);
    copy.put("model", model);
    return write(copy);
  }

  /** {@code json} with the top-level {@code model} string replaced, or null when there is none. */
  static byte[] replaceModel(byte[] json, String model) {
    try (JsonParser p = SYNTAX.createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if ("model".equals(name) && value == JsonToken.VALUE_STRING) {
          int start = (int) p.currentTokenLocation().getByteOffset();
          p.getText(); // completes the token, so the location below is its end
          int end = (int) p.currentLocation().getByteOffset();
          byte[] quoted = quote(model);
          byte[] out = new byte[json.length - (end - start) + quoted.length];
          System.arraycopy(json, 0, out, 0, start);
          System.arraycopy(quoted, 0, out, start, quoted.length);
          System.arraycopy(json, end, out, start + quoted.length, json.length - end);
          return out;
        }
        p.skipChildren();
      }
      return null;
    } catch (IOException e) {
      return null;
    }
  }

  private static byte[] quote(String value) {
    byte[] escaped = JsonStringEncoder.getInstance().quoteAsUTF8(value);
    byte[] out = new byte[escaped.length + 2];
    out[0] = '"';
    System.arraycopy(escaped, 0, out, 1, escaped.length);
    out[out.length - 1] = '"';
    return out;
  }

  private static Buffer write(ObjectNode node) {
    try {
      return Buffer.buffer(JSON.writeValueAsBytes(node));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always serializes", e);
    }
  }

  @Override
  public ReplySummary decodeReply(byte[] body, Operation op) throws ReplySummary.BadReply {
    return summary(parseObject(body), op);
  }

  /** Parses the answer once for both its facts and, when translated, the client's body. */
  @Override
  public DecodedReply decode(
      byte[] bytes,
      Buffer body,
      Operation format,
      PlannedTarget target,
      ObjectNode request,
      LongSupplier createdEpochSeconds)
      throws ReplySummary.BadReply {
    JsonNode message = parseObject(bytes);
    ReplySummary summary = summary(message, format);
    return new DecodedReply(
        summary,
        isNative(format)
            ? body
            : write(
                AnthropicChatTranslation.toChatCompletion(
                    message, createdEpochSeconds.getAsLong())));
  }

  private static ReplySummary summary(JsonNode message, Operation op) throws ReplySummary.BadReply {
    if (op == Operation.COUNT_TOKENS) {
      if (!message.path("input_tokens").isNumber()) {
        throw new ReplySummary.BadReply("no 'input_tokens' count");
      }
      return new ReplySummary(null, null, null, false, null);
    }
    if (message.path("type").asText("").equals("error") || message.path("error").isObject()) {
      throw new ReplySummary.BadReply("an error object");
    }
    if (!message.path("content").isArray()) {
      throw new ReplySummary.BadReply("no 'content' array");
    }
    String stop = message.path("stop_reason").asText(null);
    boolean refused = "refusal".equals(stop) || textRefusal(message);
    return new ReplySummary(
        OpenAiAdapter.textOrNull(message.get("model")),
        null,
        AnthropicChatTranslation.recordedFinishReason(stop, jsonAnswer(message)),
        refused,
        message.path("usage").isObject()
            ? AnthropicChatTranslation.usage(message.get("usage"))
            : null);
  }

  private static boolean textRefusal(JsonNode message) {
    for (JsonNode block : message.path("content")) {
      if ("text".equals(block.path("type").asText())) {
        String text = block.path("text").asText("");
        return Refusals.isTextRefusal(
            text.length() > RefusalDetector.MAX_CHARS
                ? text.substring(0, RefusalDetector.MAX_CHARS)
                : text);
      }
    }
    return false;
  }

  private static boolean jsonAnswer(JsonNode message) {
    boolean json = false;
    for (JsonNode block : message.path("content")) {
      if ("tool_use".equals(block.path("type").asText())) {
        if (!AnthropicChatTranslation.JSON_TOOL.equals(block.path("name").asText())) {
          return false;
        }
        json = true;
      }
    }
    return json;
  }

  @Override
  public Buffer replyBody(Buffer body, Operation format, LongSupplier createdEpochSeconds)
      throws ReplySummary.BadReply {
    if (isNative(format)) {
      return body;
    }
    JsonNode message = parseObject(body.getBytes());
    return write(
        AnthropicChatTranslation.toChatCompletion(message, createdEpochSeconds.getAsLong()));
  }

  /** Reads a chat completion (what {@link #replyBody} made of the answer) like the OpenAI one. */
  @Override
  public ReplyContent decodeReplyContent(byte[] body) throws ReplySummary.BadReply {
    JsonNode root = parseObject(body);
    if (root.has("choices")) {
      JsonNode message = root.path("choices").path(0).path("message");
      List<ToolCall> calls = new ArrayList<>();
      for (JsonNode call : message.path("tool_calls")) {
        calls.add(
            new ToolCall(
                call.path("id").asText(),
                "function",
                call.path("function").path("name").asText(),
                call.path("function").path("arguments").asText()));
      }
      return new ReplyContent(
          OpenAiAdapter.textOrNull(message.get("content")),
          OpenAiAdapter.textOrNull(message.get("refusal")),
          calls);
    }
    return decodeReplyContent(
        AnthropicChatTranslation.toChatCompletion(root, 0)
            .toString()
            .getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public UpstreamFailure firstEventProblem(PlannedTarget target, String data, JsonNode first) {
    if (first == null || !first.isObject()) {
      return new UpstreamFailure(
          FailureKind.BAD_RESPONSE, target.id() + " sent a first stream event that is not JSON");
    }
    if ("error".equals(first.path("type").asText()) || first.path("error").isObject()) {
      JsonNode error = first.path("error");
      String type = error.path("type").asText("");
      // An account out of credit says so in the stream as in a 402/400: not a passing server
      // error (the account's, FailureScope.of: held back, not retried).
      FailureKind kind =
          outOfCredit(type, OpenAiAdapter.textOrNull(error.get("message")))
              ? FailureKind.TARGET_UNUSABLE
              : "rate_limit_error".equals(type)
                  ? FailureKind.RATE_LIMITED
                  : FailureKind.SERVER_ERROR;
      return new UpstreamFailure(
          kind,
          target.id() + " sent an error event (" + type + ") before any content",
          200,
          Buffer.buffer(data),
          null);
    }
    return null;
  }

  /**
   * Anthropic's {@code {"type":"error","error":{"type","message"}}}: the type becomes the OpenAI
   * type it corresponds to ({@link #openAiErrorType}; the {@code /v1/messages} door gives
   * Anthropic's types back by status) and stays as the code.
   */
  @Override
  public UpstreamError decodeError(Buffer body) {
    try {
      JsonNode error = JSON.readTree(body.getBytes()).path("error");
      if (!error.isObject()) {
        return null;
      }
      String type = OpenAiAdapter.textOrNull(error.get("type"));
      return new UpstreamError(
          OpenAiAdapter.textOrNull(error.get("message")), openAiErrorType(type), null, type);
    } catch (IOException | RuntimeException notJson) {
      return null;
    }
  }

  /**
   * A 404 {@code not_found_error} about the model ({@code "model: claude-…"}, Anthropic's wording
   * for a model it does not serve) is the target's failure, not the client's: the gateway chose the
   * model. Anthropic's {@code billing_error} (402) is the gateway's account, whatever the status;
   * so is its older answer to an empty account, a 400 {@code invalid_request_error} saying {@value
   * #CREDIT_TOO_LOW}… (matched by that sentence only: every other 400 is the client's).
   */
  @Override
  public FailureKind failureKind(int status, Buffer body, FailureKind byStatus) {
    if (byStatus != FailureKind.REQUEST_REJECTED) {
      return byStatus;
    }
    UpstreamError error = decodeError(body);
    if (error == null) {
      return byStatus;
    }
    boolean modelNotFound =
        status == 404
            && "not_found_error".equals(error.code())
            && error.message() != null
            && error.message().startsWith("model:");
    boolean creditTooLow =
        (status == 400 || "billing_error".equals(error.code()))
            && outOfCredit(error.code(), error.message());
    return modelNotFound || creditTooLow ? FailureKind.TARGET_UNUSABLE : byStatus;
  }

  /**
   * Whether an Anthropic error (its {@code type} and {@code message}, from an answer's body or a
   * stream's {@code error} event) says the account is out of credit: a {@code billing_error}, or an
   * {@code invalid_request_error} whose message begins with {@value #CREDIT_TOO_LOW}.
   */
  static boolean outOfCredit(String type, String message) {
    return "billing_error".equals(type)
        || ("invalid_request_error".equals(type)
            && message != null
            && message.startsWith(CREDIT_TOO_LOW));
  }

  /**
   * How Anthropic's 400 for an account without credit begins ("… Please go to Plans & Billing to
   * upgrade or purchase credits."), its documented wording.
   */
  static final String CREDIT_TOO_LOW =
      "Your credit balance is too low to access the Anthropic API.";

  /**
   * The OpenAI error type an Anthropic error type corresponds to, so clients of the OpenAI doors
   * never see Anthropic's ({@code not_found_error}, {@code overloaded_error}, ...); null for a type
   * Anthropic does not document.
   */
  static String openAiErrorType(String anthropicType) {
    if (anthropicType == null) {
      return null;
    }
    return switch (anthropicType) {
      case "invalid_request_error", "not_found_error", "request_too_large" ->
          "invalid_request_error";
      case "authentication_error", "permission_error" -> "authentication_error";
      case "billing_error" -> "insufficient_quota";
      case "rate_limit_error" -> "rate_limit_error";
      case "api_error", "overloaded_error", "timeout_error" -> "server_error";
      default -> null;
    };
  }

  @Override
  public boolean reachesClient(Operation format, JsonNode parsed) {
    return isNative(format) || !AnthropicStreamDecoder.droppedWhenBridged(parsed);
  }

  @Override
  public JsonNode parseEvent(String data) {
    return parse(data);
  }

  static JsonNode parse(String data) {
    return OpenAiAdapter.parse(data);
  }

  @Override
  public StreamDecoder streamDecoder(
      Operation format, boolean stripUsage, LongSupplier createdEpochSeconds) {
    // Its events are read in chat terms even when relayed as they are: the chunks carry created.
    return new AnthropicStreamDecoder(
        !isNative(format), stripUsage, createdEpochSeconds.getAsLong());
  }

  private static JsonNode parseObject(byte[] body) throws ReplySummary.BadReply {
    try {
      JsonNode node = JSON.readTree(body);
      if (node == null || !node.isObject()) {
        throw new ReplySummary.BadReply("a body that is not a JSON object");
      }
      return node;
    } catch (IOException e) {
      throw new ReplySummary.BadReply("a body that is not a JSON object");
    }
  }
}
