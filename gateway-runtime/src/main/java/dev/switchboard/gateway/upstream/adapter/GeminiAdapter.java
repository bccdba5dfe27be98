package dev.switchboard.gateway.upstream.adapter;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.request.Refusals;
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
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Google's Gemini API, natively: {@code models/{model}:generateContent}, {@code
 * :streamGenerateContent?alt=sse} and {@code :batchEmbedContents} below {@code
 * https://generativelanguage.googleapis.com/v1beta}, the key in {@code x-goog-api-key}. It takes
 * the internal formats like every adapter and no front door's format natively, so Responses and
 * Messages requests are bridged through chat; chat and embeddings bodies are translated by {@link
 * GeminiRequests}, answers by {@link GeminiReplies}, streams by {@link GeminiStreamDecoder}. Errors
 * come in Google's envelope ({@link GeminiErrors}): a 429 {@code RESOURCE_EXHAUSTED} carries its
 * retry delay in {@code RetryInfo}, a wrong key is a 400 {@code API_KEY_INVALID}, which counts as
 * rejected credentials, and a 400 {@code FAILED_PRECONDITION} (billing not enabled, an unsupported
 * location) is the account's failure, not the client's.
 */
public final class GeminiAdapter implements UpstreamAdapter {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final OpenAiAdapter CHAT = new OpenAiAdapter();

  @Override
  public String path(RoutingTable.Provider provider, String model, Operation op) {
    return path(provider, model, op, false);
  }

  @Override
  public String path(RoutingTable.Provider provider, String model, Operation op, boolean stream) {
    String method =
        op == Operation.EMBEDDINGS
            ? ":batchEmbedContents"
            : stream ? ":streamGenerateContent?alt=sse" : ":generateContent";
    return "/" + modelName(model) + method;
  }

  /** {@code models/<id>}; a name that has its collection already ({@code tunedModels/x}) stays. */
  static String modelName(String model) {
    String encoded = URLEncoder.encode(model, StandardCharsets.UTF_8).replace("%2F", "/");
    return model.contains("/") ? encoded : "models/" + encoded;
  }

  /**
   * Every Gemini target: the effort becomes {@code thinkingConfig} (with {@code includeThoughts},
   * so the thought summaries come back), and a model before 2.5, which does not think, is sent none
   * and names it ({@link GeminiRequests#leftOut}).
   */
  @Override
  public boolean honoursReasoningEffort(PlannedTarget target) {
    return true;
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
  }

  @Override
  public EncodedRequest encode(
      ObjectNode body, PlannedTarget target, Operation format, boolean addedUsage) {
    ObjectNode gemini;
    List<String> unhonoured;
    try {
      if (format == Operation.EMBEDDINGS) {
        gemini = GeminiRequests.embeddings(body, modelName(target.target().model()));
        unhonoured = GeminiRequests.leftOutOfEmbeddings(body);
      } else {
        NestedDrops nested = new NestedDrops();
        gemini = GeminiRequests.chat(body, target.target().model(), nested);
        unhonoured = nested.after(GeminiRequests.leftOut(body, target.target().model()));
        // Anthropic's thinking blocks a Responses carrier brought back are Anthropic's only.
        unhonoured = ThoughtSignedChat.thinkingLeftOut(body, unhonoured);
      }
    } catch (GeminiRequests.Unexpressible problem) {
      throw rejection(target, problem.getMessage());
    }
    try {
      return new EncodedRequest(Buffer.buffer(JSON.writeValueAsBytes(gemini)), unhonoured);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always serializes", e);
    }
  }

  /**
   * A request the target cannot take, answered as Gemini would: a 400 INVALID_ARGUMENT whose
   * message reaches the client through {@link #decodeError}.
   */
  private static UpstreamFailure rejection(PlannedTarget target, String message) {
    ObjectNode body = JSON.createObjectNode();
    body.putObject("error")
        .put("code", 400)
        .put("message", "Gemini target " + target.id() + " cannot take this request: " + message)
        .put("status", "INVALID_ARGUMENT");
    return new UpstreamFailure(
        FailureKind.REQUEST_REJECTED,
        target.id() + " cannot express the request: " + message,
        400,
        Buffer.buffer(body.toString()),
        null);
  }

  @Override
  public ReplySummary decodeReply(byte[] body, Operation op) throws ReplySummary.BadReply {
    JsonNode gemini = answer(body, op);
    return summary(gemini, op == Operation.EMBEDDINGS ? null : GeminiReplies.chat(gemini, 0));
  }

  /** The facts of a parsed answer; {@code chat} is its translation, null for embeddings. */
  private static ReplySummary summary(JsonNode gemini, ObjectNode chat) {
    if (chat == null) {
      return new ReplySummary(null, null, null, false, null);
    }
    JsonNode first = chat.path("choices").path(0);
    String finish = recordedFinish(gemini, chat, 0);
    // With several candidates (n > 1) one cut short later spoils the answer as a whole: the request
    // records the first such reason, so no cache stores it (a client sees stop for OTHER and such).
    for (int i = 1; natural(finish) && i < chat.path("choices").size(); i++) {
      String later = recordedFinish(gemini, chat, i);
      if (!natural(later)) {
        finish = later;
      }
    }
    return new ReplySummary(
        gemini.path("modelVersion").asText(null),
        null,
        finish,
        Refusals.isRefusal(first),
        GeminiReplies.tokenUsage(gemini.get("usageMetadata")));
  }

  /** Parses the answer once and translates it once, for both its facts and the client's body. */
  @Override
  public DecodedReply decode(
      byte[] bytes,
      Buffer body,
      Operation format,
      PlannedTarget target,
      ObjectNode request,
      LongSupplier createdEpochSeconds)
      throws ReplySummary.BadReply {
    JsonNode gemini = answer(bytes, format);
    ObjectNode out = translate(gemini, format, target, request, createdEpochSeconds);
    // The chat translation is the summary's input too; its created time is not read there.
    return new DecodedReply(
        summary(gemini, format == Operation.EMBEDDINGS ? null : out), serialize(out));
  }

  /** The finish reason recorded for candidate {@code i}: Gemini's own when it was cut short. */
  private static String recordedFinish(JsonNode gemini, ObjectNode chat, int i) {
    String finish = chat.path("choices").path(i).path("finish_reason").asText(null);
    String geminiFinish = gemini.path("candidates").path(i).path("finishReason").asText(null);
    return geminiFinish == null
        ? finish
        : GeminiReplies.recordedFinishReason(geminiFinish, "tool_calls".equals(finish));
  }

  private static boolean natural(String finish) {
    return "stop".equals(finish) || "tool_calls".equals(finish);
  }

  @Override
  public Buffer replyBody(Buffer body, Operation format, LongSupplier createdEpochSeconds)
      throws ReplySummary.BadReply {
    return replyBody(body, format, null, null, createdEpochSeconds);
  }

  @Override
  public Buffer replyBody(
      Buffer body,
      Operation format,
      PlannedTarget target,
      ObjectNode request,
      LongSupplier createdEpochSeconds)
      throws ReplySummary.BadReply {
    return serialize(
        translate(answer(body.getBytes(), format), format, target, request, createdEpochSeconds));
  }

  /** A parsed answer as the OpenAI object of {@code format}: an embeddings list or a chat. */
  private static ObjectNode translate(
      JsonNode gemini,
      Operation format,
      PlannedTarget target,
      ObjectNode request,
      LongSupplier createdEpochSeconds) {
    if (format == Operation.EMBEDDINGS) {
      boolean base64 =
          request != null && "base64".equals(request.path("encoding_format").asText(null));
      return GeminiReplies.embeddings(
          gemini, target == null ? null : target.target().model(), base64);
    }
    return GeminiReplies.chat(gemini, createdEpochSeconds.getAsLong());
  }

  private static Buffer serialize(ObjectNode out) {
    try {
      return Buffer.buffer(JSON.writeValueAsBytes(out));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always serializes", e);
    }
  }

  /** Parses a 2xx body and checks it is an answer of {@code op}. */
  private static JsonNode answer(byte[] body, Operation op) throws ReplySummary.BadReply {
    JsonNode gemini;
    try {
      gemini = JSON.readTree(body);
    } catch (IOException e) {
      throw new ReplySummary.BadReply("a body that is not a JSON object");
    }
    if (gemini == null || !gemini.isObject()) {
      throw new ReplySummary.BadReply("a body that is not a JSON object");
    }
    if (gemini.path("error").isObject()) {
      throw new ReplySummary.BadReply("an error object");
    }
    if (op == Operation.EMBEDDINGS) {
      if (!gemini.path("embeddings").isArray() && !gemini.path("embedding").isObject()) {
        throw new ReplySummary.BadReply("no 'embeddings' array");
      }
    } else if (!GeminiReplies.isAnswer(gemini)) {
      throw new ReplySummary.BadReply("no 'candidates' array and no prompt block");
    }
    return gemini;
  }

  /**
   * The first choice's content of an answer: reads the chat completion {@link #replyBody} made
   * (what a front door holds), or translates a Gemini body first.
   */
  @Override
  public ReplyContent decodeReplyContent(byte[] body) throws ReplySummary.BadReply {
    JsonNode tree;
    try {
      tree = JSON.readTree(body);
    } catch (IOException e) {
      throw new ReplySummary.BadReply("a body that is not a JSON object");
    }
    if (tree != null && tree.has("candidates") || tree != null && tree.has("promptFeedback")) {
      return CHAT.decodeReplyContent(
          // Read for its content only: the translation's created time is never seen.
          replyBody(Buffer.buffer(body), Operation.CHAT_COMPLETIONS, () -> 0).getBytes());
    }
    return CHAT.decodeReplyContent(body);
  }

  @Override
  public UpstreamFailure firstEventProblem(PlannedTarget target, String data, JsonNode first) {
    if (first == null || !first.isObject()) {
      return new UpstreamFailure(
          FailureKind.BAD_RESPONSE, target.id() + " sent a first stream event that is not JSON");
    }
    if (first.get("error") instanceof ObjectNode error) {
      GeminiErrors.Google google = GeminiErrors.read(error);
      Long delay = google.retryDelayMs();
      FailureKind kind = google.eventKind();
      return new UpstreamFailure(
              kind,
              target.id() + " sent an error event before any content",
              200,
              Buffer.buffer(data),
              delay == null ? null : Long.toString((delay + 999) / 1000),
              delay == null ? null : Long.toString(delay))
          .withScope(
              kind == FailureKind.RATE_LIMITED ? google.rateLimitScope() : FailureScope.ATTEMPT);
    }
    return null;
  }

  @Override
  public UpstreamError decodeError(Buffer body) {
    JsonNode error = error(body);
    if (error == null) {
      return null;
    }
    GeminiErrors.Google google = GeminiErrors.read(error);
    return new UpstreamError(google.message(), google.openAiType(), null, google.status());
  }

  @Override
  public FailureKind failureKind(int status, Buffer body, FailureKind byStatus) {
    if (status == 400 && byStatus == FailureKind.REQUEST_REJECTED && GeminiErrors.badKey(body)) {
      return FailureKind.AUTH_REJECTED;
    }
    if (status == 400
        && byStatus == FailureKind.REQUEST_REJECTED
        && GeminiErrors.accountUnusable(body)) {
      // Billing not enabled where the free tier is unavailable, an unsupported location: the
      // account's condition, not the client's request; its scope is the account (FailureScope.of).
      return FailureKind.TARGET_UNUSABLE;
    }
    if (status == 404
        && byStatus == FailureKind.REQUEST_REJECTED
        && GeminiErrors.modelNotFound(body)) {
      // The gateway named the model: a retired one is the target's failure, not the client's.
      return FailureKind.TARGET_UNUSABLE;
    }
    return byStatus;
  }

  /**
   * A 429 {@code RESOURCE_EXHAUSTED} whose {@code QuotaFailure} names a per-day quota is no passing
   * rate limit: the target is held back ({@link FailureScope#DAILY_QUOTA}).
   */
  @Override
  public FailureScope failureScope(int status, Buffer body, FailureKind kind) {
    if (kind == FailureKind.RATE_LIMITED && GeminiErrors.perDayQuota(body)) {
      return FailureScope.DAILY_QUOTA;
    }
    return UpstreamAdapter.super.failureScope(status, body, kind);
  }

  @Override
  public Long retryDelayMs(int status, Buffer body) {
    JsonNode error = error(body);
    return error == null ? null : GeminiErrors.read(error).retryDelayMs();
  }

  private static JsonNode error(Buffer body) {
    if (body == null || body.length() == 0) {
      return null;
    }
    try {
      JsonNode error = JSON.readTree(body.getBytes()).path("error");
      return error.isObject() ? error : null;
    } catch (IOException | RuntimeException notJson) {
      return null;
    }
  }

  @Override
  public boolean reachesClient(Operation format, JsonNode parsed) {
    return !GeminiStreamDecoder.carriesNothing(parsed);
  }

  @Override
  public JsonNode parseEvent(String data) {
    return OpenAiAdapter.parse(data);
  }

  @Override
  public StreamDecoder streamDecoder(
      Operation format, boolean stripUsage, LongSupplier createdEpochSeconds) {
    return new GeminiStreamDecoder(stripUsage, createdEpochSeconds.getAsLong()); // translates all
  }
}
