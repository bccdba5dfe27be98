package dev.switchboard.gateway.frontdoor;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.http.ApiException;
import dev.switchboard.gateway.http.OpenAiError;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.upstream.FailureKind;
import dev.switchboard.gateway.upstream.JsonReply;
import dev.switchboard.gateway.upstream.Operation;
import dev.switchboard.gateway.upstream.UpstreamFailure;
import dev.switchboard.gateway.upstream.adapter.SourcedObjectNode;
import dev.switchboard.gateway.upstream.adapter.StreamEventFacts;
import dev.switchboard.gateway.upstream.adapter.UpstreamAdapters;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

/**
 * {@code POST /v1/messages} (Anthropic Messages, JSON or SSE) and, as {@link #countTokens()},
 * {@code POST /v1/messages/count_tokens}. The request keeps the bytes it was parsed from ({@link
 * SourcedObjectNode}) so an Anthropic target gets them unchanged apart from {@code model} (and
 * without the gateway's thought-signature carriers, {@link ChatForm#passThrough()}); other targets
 * get its chat form ({@link MessagesTranslation}) and their answers and chunks are turned into a
 * Messages answer and Messages events ({@link MessagesStreamEncoder}). Errors, router-level ones
 * included, are Anthropic-shaped: {@code {"type":"error","error":{"type","message"}}}.
 */
public class MessagesFrontDoor implements FrontDoor {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonFactory SYNTAX = new JsonFactory();

  /** Anthropic's error types, kept when an error already carries one. */
  private static final Set<String> ANTHROPIC_TYPES =
      Set.of(
          "invalid_request_error",
          "authentication_error",
          "billing_error",
          "permission_error",
          "not_found_error",
          "request_too_large",
          "rate_limit_error",
          "api_error",
          "timeout_error",
          "overloaded_error");

  private final Operation operation;

  public MessagesFrontDoor() {
    this(Operation.MESSAGES);
  }

  private MessagesFrontDoor(Operation operation) {
    this.operation = operation;
  }

  /** The {@code /v1/messages/count_tokens} door: never streamed, no {@code max_tokens}. */
  public static MessagesFrontDoor countTokens() {
    return new MessagesFrontDoor(Operation.COUNT_TOKENS);
  }

  @Override
  public java.util.List<String> passThroughHeaders() {
    // Beta features (prompt-caching variants, long context, tools) that Claude Code and the SDKs
    // turn on per request; meaningful to Anthropic only.
    return PASS_THROUGH_HEADERS;
  }

  private static final java.util.List<String> PASS_THROUGH_HEADERS =
      java.util.List.of("anthropic-beta");

  @Override
  public Operation operation() {
    return operation;
  }

  @Override
  public ObjectNode decodeRequest(Buffer raw) {
    byte[] bytes = raw == null ? new byte[0] : raw.getBytes();
    ObjectNode body = OpenAiFrontDoor.parse(raw);
    JsonNode model = body.get("model");
    if (model == null || model.isNull()) {
      throw bad("model: Field required");
    }
    if (!model.isTextual() || model.asText().isBlank()) {
      throw bad("model: Input should be a non-empty string");
    }
    JsonNode messages = body.get("messages");
    if (messages == null || messages.isNull()) {
      throw bad("messages: Field required");
    }
    if (!messages.isArray() || messages.isEmpty()) {
      throw bad("messages: Input should be a non-empty list");
    }
    if (operation == Operation.MESSAGES) {
      JsonNode max = body.get("max_tokens");
      if (max == null || max.isNull()) {
        throw bad("max_tokens: Field required");
      }
      if (!max.canConvertToInt() || !max.isIntegralNumber() || max.asInt() < 1) {
        throw bad("max_tokens: Input should be a positive integer");
      }
      JsonNode stream = body.get("stream");
      if (stream != null && !stream.isNull() && !stream.isBoolean()) {
        throw bad("stream: Input should be a valid boolean");
      }
    }
    return new SourcedObjectNode(body, bytes);
  }

  private static ApiException bad(String message) {
    return new ApiException(OpenAiError.invalidRequest(message, null));
  }

  @Override
  public String model(ObjectNode request) {
    return request.get("model").asText();
  }

  @Override
  public boolean wantsStream(ObjectNode request) {
    return operation == Operation.MESSAGES && request.path("stream").asBoolean(false);
  }

  /** A Messages stream always reports usage; a bridged chat request asks for it itself. */
  @Override
  public boolean askForUsage(ObjectNode request) {
    return false;
  }

  /**
   * The chat form, lenient: what cannot be bridged is left out rather than refused, so a request
   * with server tools, documents or images in tool results still reaches the targets that speak
   * Messages (which get the client's body); the form's refusal is what the strict translation would
   * have answered, found in the same walk, and {@link #narrowPlan} keeps such a request to them.
   */
  @Override
  public ChatForm toChat(ObjectNode request) {
    return MessagesTranslation.toChatForm(request);
  }

  @Override
  public String clientParam(String chatName) {
    return MessagesTranslation.clientParam(chatName);
  }

  /**
   * Keeps a request that cannot be bridged to the planned targets that speak Messages (400, the
   * translation's own refusal, when none does). A chain of such targets only is left as it is.
   */
  @Override
  public Future<List<PlannedTarget>> narrowPlan(
      ObjectNode request, ChatForm form, List<PlannedTarget> plan, RequestContext ctx) {
    if (form.bridgeable()) {
      return null;
    }
    List<PlannedTarget> speaking = UpstreamAdapters.speaking(plan, operation);
    if (speaking.size() == plan.size()) {
      return null;
    }
    if (speaking.isEmpty()) {
      throw form.refusal();
    }
    return Future.succeededFuture(speaking);
  }

  /** A chat answer translated into a Message; a Message passed through is not read. */
  @Override
  public boolean readsReply(JsonReply reply) {
    return reply.format() != operation;
  }

  @Override
  public Buffer encodeReply(JsonReply reply, ObjectNode request, RequestContext ctx) {
    if (reply.format() == operation) {
      return reply.body();
    }
    try {
      JsonNode completion = JSON.readTree(reply.body().getBytes());
      return Buffer.buffer(
          JSON.writeValueAsBytes(
              MessagesTranslation.toMessage(
                  completion,
                  messageId(ctx),
                  model(request),
                  MessagesTranslation.asksForThinking(request))));
    } catch (IOException e) {
      throw new IllegalStateException("the adapter handed over an answer that is not JSON", e);
    }
  }

  @Override
  public StreamEncoder streamEncoder(Operation format, ObjectNode request, RequestContext ctx) {
    if (format == operation) {
      return RELAY;
    }
    return new MessagesStreamEncoder(
        messageId(ctx), model(request), MessagesTranslation.asksForThinking(request));
  }

  /**
   * The id of a Message the gateway makes from a chat answer, JSON or stream alike: {@code msg_}
   * and the request id without its dashes. Anthropic's SDKs type {@code id} as a message id; the
   * chat completion's {@code chatcmpl-…} is not one.
   */
  static String messageId(RequestContext ctx) {
    return "msg_" + ctx.requestId().replace("-", "");
  }

  @Override
  public Buffer encodeError(OpenAiError error) {
    return Buffer.buffer(errorJson(error).toString());
  }

  /**
   * An upstream that was overloaded (Anthropic's 529) stays a 529 {@code overloaded_error} here,
   * not the OpenAI doors' 502: Anthropic SDKs raise their {@code OverloadedError} for it and retry.
   */
  @Override
  public OpenAiError answerError(OpenAiError mapped, Throwable cause) {
    if (cause instanceof UpstreamFailure f
        && f.kind() == FailureKind.SERVER_ERROR
        && f.upstreamStatus() == OVERLOADED) {
      return new OpenAiError(
          OVERLOADED,
          mapped.message(),
          "overloaded_error",
          null,
          mapped.code(),
          mapped.errorClass());
    }
    return mapped;
  }

  /** Anthropic's status for an overloaded API. */
  static final int OVERLOADED = 529;

  /**
   * {@code {"type":"error","error":{"type","message"}}} for a gateway error. Azure's {@code
   * innererror} (a content filter's verdict per category) has no place in Anthropic's error, so the
   * filter and the categories it refused are named at the end of the message, which every client
   * shows, and the {@code innererror} is kept whole beside {@code type} and {@code message}, as on
   * the chat door: Anthropic's TypeScript SDK keeps an error's body as parsed JSON ({@code
   * APIError.error}) and ignores fields it does not know.
   */
  public static ObjectNode errorJson(OpenAiError error) {
    ObjectNode root = JSON.createObjectNode().put("type", "error");
    ObjectNode body =
        root.putObject("error")
            .put("type", errorType(error))
            .put("message", withFilterVerdict(error.message(), error.innerError()));
    if (error.innerError() != null) {
      body.set("innererror", error.innerError());
    }
    return root;
  }

  /**
   * The message, ending in {@code [Azure content filter: jailbreak (detected), hate (severity
   * high)]} when {@code innerError} holds a content filter's {@code content_filter_result}: the
   * categories it filtered, with their severity (or that it detected one, for the filters that
   * detect rather than grade), so a client that reads only the message learns what refused.
   */
  static String withFilterVerdict(String message, JsonNode innerError) {
    JsonNode result = innerError == null ? null : innerError.get("content_filter_result");
    if (result == null || !result.isObject()) {
      return message;
    }
    StringBuilder refused = new StringBuilder();
    result
        .fields()
        .forEachRemaining(
            category -> {
              JsonNode verdict = category.getValue();
              if (!verdict.path("filtered").asBoolean(false)) {
                return;
              }
              refused.append(refused.length() == 0 ? "" : ", ").append(category.getKey());
              JsonNode severity = verdict.get("severity");
              if (severity != null && severity.isTextual()) {
                refused.append(" (severity ").append(severity.asText()).append(')');
              } else if (verdict.path("detected").asBoolean(false)) {
                refused.append(" (detected)");
              }
            });
    String verdict =
        refused.length() == 0
            ? "[Azure content filter]"
            : "[Azure content filter: " + refused + "]";
    return message == null || message.isEmpty() ? verdict : message + " " + verdict;
  }

  /**
   * The Anthropic error type of a gateway error: the one Anthropic gives its status where that is
   * fixed (SDKs pick the exception class by status), else its own when it is one of Anthropic's.
   */
  static String errorType(OpenAiError error) {
    return switch (error.status()) {
      case 401 -> "authentication_error";
      case 402 -> "billing_error";
      case 403 -> "permission_error";
      case 404 -> "not_found_error";
      case 413 -> "request_too_large";
      case 429 -> "rate_limit_error";
      case 504 -> "timeout_error";
      case 529 -> "overloaded_error";
      default ->
          error.type() != null && ANTHROPIC_TYPES.contains(error.type())
              ? error.type()
              : error.status() >= 500 ? "api_error" : "invalid_request_error";
    };
  }

  /** One SSE event with its name, as Anthropic's SDKs dispatch on it. */
  static Buffer sseEvent(String name, String data) {
    return Buffer.buffer(
        ("event: " + name + "\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
  }

  /** The {@code type} of a Messages event (its first field, in Anthropic's events). */
  static String eventType(String data) {
    try (JsonParser p = SYNTAX.createParser(data)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return "message";
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if ("type".equals(name) && value == JsonToken.VALUE_STRING) {
          return p.getText();
        }
        p.skipChildren();
      }
    } catch (IOException e) {
      // below
    }
    return "message";
  }

  /** Events of an Anthropic target, relayed with their event names; stateless. */
  private static final StreamEncoder RELAY =
      new StreamEncoder() {
        @Override
        public Buffer event(StreamEventFacts event) {
          return sseEvent(eventType(event.payload()), event.payload());
        }

        @Override
        public Buffer end(StreamEventFacts done) {
          return sseEvent("message_stop", done.payload());
        }

        @Override
        public Buffer error(OpenAiError error) {
          return sseEvent("error", errorJson(error).toString());
        }
      };
}
