package dev.switchboard.gateway.upstream.adapter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.request.TokenUsage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import java.util.UUID;

/**
 * Gemini answers ({@code GenerateContentResponse}, {@code BatchEmbedContentsResponse}) in the
 * gateway's internal format: chat completions and OpenAI embeddings lists. The mapping:
 *
 * <ul>
 *   <li>each candidate → a choice; its text parts → {@code content} (its thought parts, the
 *       summaries {@code includeThoughts} asks for, → {@code reasoning_content}), its {@code
 *       functionCall} parts → {@code tool_calls} (the call's {@code id}, or one synthesised from
 *       the response id, name, arguments and position — the same for a stream and a JSON answer,
 *       another in each turn — and the part's {@code thoughtSignature} as {@code
 *       extra_content.google.thought_signature});
 *   <li>{@code finishReason} STOP → {@code stop} ({@code tool_calls} when the candidate calls a
 *       function), MAX_TOKENS → {@code length}, SAFETY, RECITATION, BLOCKLIST, PROHIBITED_CONTENT,
 *       SPII, IMAGE_SAFETY, IMAGE_PROHIBITED_CONTENT and IMAGE_RECITATION → {@code content_filter}
 *       with a {@code refusal} naming the reason, anything else (OTHER, MALFORMED_FUNCTION_CALL,
 *       UNEXPECTED_TOOL_CALL, LANGUAGE, ...: an answer cut short) → {@code stop} for the client,
 *       but recorded as Gemini's own reason ({@link #recordedFinishReason}) so no cache stores it;
 *   <li>no candidates and {@code promptFeedback.blockReason} → one refused choice;
 *   <li>{@code usageMetadata} → {@code usage}: prompt (+ tool-use prompt) tokens, completion tokens
 *       including {@code thoughtsTokenCount} (as {@code reasoning_tokens}), and {@code
 *       cachedContentTokenCount} as {@code cached_tokens}.
 * </ul>
 */
final class GeminiReplies {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private GeminiReplies() {}

  /** The chat completion for a {@code generateContent} answer. */
  static ObjectNode chat(JsonNode gemini, long created) {
    ObjectNode out = NODES.objectNode();
    out.put("id", completionId(gemini));
    out.put("object", "chat.completion");
    out.put("created", created);
    out.put("model", gemini.path("modelVersion").asText(""));
    ArrayNode choices = out.putArray("choices");
    JsonNode candidates = gemini.path("candidates");
    if (candidates.isArray() && !candidates.isEmpty()) {
      int position = 0;
      String responseId = gemini.path("responseId").asText("");
      for (JsonNode candidate : candidates) {
        choices.add(choice(candidate, position++, responseId));
      }
    } else {
      ObjectNode choice = choices.addObject();
      choice.put("index", 0);
      ObjectNode message = choice.putObject("message");
      message.put("role", "assistant");
      message.putNull("content");
      message.put("refusal", promptRefusal(gemini));
      choice.putNull("logprobs");
      choice.put("finish_reason", "content_filter");
    }
    ObjectNode usage = usage(gemini.get("usageMetadata"));
    if (usage != null) {
      out.set("usage", usage);
    }
    return out;
  }

  /** Whether the answer has something to translate: candidates or a prompt block. */
  static boolean isAnswer(JsonNode gemini) {
    return gemini.isObject()
        && ((gemini.path("candidates").isArray() && !gemini.path("candidates").isEmpty())
            || gemini.path("promptFeedback").hasNonNull("blockReason"));
  }

  private static ObjectNode choice(JsonNode candidate, int position, String responseId) {
    ObjectNode choice = NODES.objectNode();
    choice.put("index", candidate.path("index").asInt(position));
    ObjectNode message = choice.putObject("message");
    message.put("role", "assistant");
    StringBuilder text = null;
    StringBuilder thoughts = null;
    ArrayNode calls = null;
    int callIndex = 0;
    for (JsonNode part : candidate.path("content").path("parts")) {
      if (part.has("text") && part.path("thought").asBoolean(false)) {
        // A thought summary (thinkingConfig.includeThoughts): reasoning, not the answer.
        thoughts = thoughts == null ? new StringBuilder() : thoughts;
        thoughts.append(part.path("text").asText());
      } else if (part.has("text")) {
        text = text == null ? new StringBuilder() : text;
        text.append(part.path("text").asText());
      } else if (part.path("functionCall").isObject()) {
        calls = calls == null ? NODES.arrayNode() : calls;
        calls.add(toolCall(part, callIndex++, false, responseId));
      }
    }
    String finish = finishReason(candidate.path("finishReason").asText(null), calls != null);
    message.put("content", text == null ? null : text.toString());
    if (thoughts != null) {
      message.put("reasoning_content", thoughts.toString());
    }
    message.put(
        "refusal",
        "content_filter".equals(finish)
            ? answerRefusal(candidate.path("finishReason").asText())
            : null);
    if (calls != null) {
      message.set("tool_calls", calls);
    }
    choice.set("logprobs", logprobs(candidate.get("logprobsResult")));
    choice.put("finish_reason", finish);
    return choice;
  }

  /**
   * A candidate's {@code logprobsResult} (what {@code responseLogprobs}, the chat {@code logprobs},
   * asked for) as chat's choice {@code logprobs}: per decoding step the chosen token with its log
   * probability, its UTF-8 bytes and the step's top candidates ({@code top_logprobs}, what chat's
   * {@code top_logprobs} → Gemini's {@code logprobs} asked for; empty when none were asked); JSON
   * null when the candidate has none. Costs a field lookup on an answer that asked for none.
   */
  private static JsonNode logprobs(JsonNode result) {
    if (result == null || !result.path("chosenCandidates").isArray()) {
      return NODES.nullNode();
    }
    ObjectNode logprobs = NODES.objectNode();
    ArrayNode content = logprobs.putArray("content");
    JsonNode top = result.path("topCandidates");
    int step = 0;
    for (JsonNode chosen : result.get("chosenCandidates")) {
      ObjectNode token = tokenLogprob(chosen);
      ArrayNode alternatives = token.putArray("top_logprobs");
      for (JsonNode candidate : top.path(step).path("candidates")) {
        alternatives.add(tokenLogprob(candidate));
      }
      content.add(token);
      step++;
    }
    logprobs.putNull("refusal");
    return logprobs;
  }

  /** One Gemini {@code LogprobsResult.Candidate} as chat's token, logprob and bytes. */
  private static ObjectNode tokenLogprob(JsonNode candidate) {
    String text = candidate.path("token").asText("");
    ObjectNode token = NODES.objectNode().put("token", text);
    token.put("logprob", candidate.path("logProbability").asDouble(0));
    ArrayNode bytes = token.putArray("bytes");
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      bytes.add(b & 0xff);
    }
    return token;
  }

  /**
   * One {@code functionCall} part as an OpenAI tool call ({@code withIndex}: a stream delta's
   * entry, which carries its index; {@code responseId}: the answer's, "" when it has none, for
   * {@link #synthesisedId}). The part's {@code thoughtSignature} goes along where Google's own
   * OpenAI-compatible endpoint puts it, {@code extra_content.google.thought_signature}: a client
   * replaying the call hands it back, and Gemini 3 refuses a replayed call without it.
   */
  static ObjectNode toolCall(JsonNode part, int index, boolean withIndex, String responseId) {
    JsonNode functionCall = part.path("functionCall");
    ObjectNode call = NODES.objectNode();
    if (withIndex) {
      call.put("index", index);
    }
    String name = functionCall.path("name").asText("");
    JsonNode args = functionCall.get("args");
    String arguments = args == null || args.isNull() ? "{}" : args.toString();
    String id = functionCall.path("id").asText(null);
    call.put(
        "id", id != null && !id.isEmpty() ? id : synthesisedId(responseId, name, arguments, index));
    call.put("type", "function");
    ObjectNode function = call.putObject("function");
    function.put("name", name);
    function.put("arguments", arguments);
    String signature = part.path("thoughtSignature").asText("");
    if (!signature.isEmpty()) {
      call.putObject("extra_content").putObject("google").put("thought_signature", signature);
    }
    return call;
  }

  /**
   * A tool-call id for a call Gemini sent without one: derived from the answer it is in (Gemini's
   * {@code responseId}) and what the call is, so the JSON answer and the stream of the same answer
   * give the same id, a client quoting it back finds its call again in the conversation, and the
   * same call made in two turns gets two ids (clients key tool results by id across the whole
   * conversation; Anthropic refuses a conversation whose tool_use ids repeat).
   */
  static String synthesisedId(String responseId, String name, String arguments, int index) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(responseId.getBytes(StandardCharsets.UTF_8));
      sha.update((byte) 0);
      sha.update(name.getBytes(StandardCharsets.UTF_8));
      sha.update((byte) 0);
      sha.update(arguments.getBytes(StandardCharsets.UTF_8));
      sha.update((byte) 0);
      sha.update(Integer.toString(index).getBytes(StandardCharsets.UTF_8));
      return "call_" + HexFormat.of().formatHex(sha.digest(), 0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /** Gemini's finish reason in OpenAI's vocabulary; null while the candidate is unfinished. */
  static String finishReason(String gemini, boolean calledFunctions) {
    if (gemini == null || gemini.isEmpty()) {
      return null;
    }
    return switch (gemini) {
      case "MAX_TOKENS" -> "length";
      case "SAFETY",
          "RECITATION",
          "BLOCKLIST",
          "PROHIBITED_CONTENT",
          "SPII",
          "IMAGE_SAFETY",
          "IMAGE_PROHIBITED_CONTENT",
          "IMAGE_RECITATION" ->
          "content_filter";
      default -> calledFunctions ? "tool_calls" : "stop";
    };
  }

  /**
   * The finish reason the gateway records for the request (log, cache): {@link #finishReason},
   * except for an answer Gemini ended for a reason that is neither a natural end, the token limit
   * nor a filter (OTHER, MALFORMED_FUNCTION_CALL, UNEXPECTED_TOOL_CALL, LANGUAGE, ...): its own
   * reason in lower case, which the response cache never stores and the doors end like {@code
   * stop}.
   */
  static String recordedFinishReason(String gemini, boolean calledFunctions) {
    String finish = finishReason(gemini, calledFunctions);
    if (("stop".equals(finish) || "tool_calls".equals(finish)) && !"STOP".equals(gemini)) {
      return gemini.toLowerCase(Locale.ROOT);
    }
    return finish;
  }

  /** The refusal text of an answer Gemini stopped for {@code reason}. */
  static String answerRefusal(String reason) {
    return "The answer was blocked by the provider's safety filters (finishReason " + reason + ").";
  }

  /** The refusal text of a prompt Gemini blocked. */
  static String promptRefusal(JsonNode gemini) {
    return "The request was blocked by the provider's safety filters (blockReason "
        + gemini.path("promptFeedback").path("blockReason").asText("OTHER")
        + ").";
  }

  /** {@code chatcmpl-} and Gemini's response id (a random one when it sent none). */
  static String completionId(JsonNode gemini) {
    String id = gemini.path("responseId").asText(null);
    return "chatcmpl-" + (id != null && !id.isEmpty() ? id : UUID.randomUUID().toString());
  }

  /** {@code usageMetadata} as an OpenAI {@code usage} object; null when absent. */
  static ObjectNode usage(JsonNode metadata) {
    if (metadata == null || !metadata.isObject()) {
      return null;
    }
    long prompt =
        metadata.path("promptTokenCount").asLong(0)
            + metadata.path("toolUsePromptTokenCount").asLong(0);
    long thoughts = metadata.path("thoughtsTokenCount").asLong(0);
    long completion = metadata.path("candidatesTokenCount").asLong(0) + thoughts;
    long total = metadata.path("totalTokenCount").asLong(prompt + completion);
    ObjectNode usage = NODES.objectNode();
    usage.put("prompt_tokens", prompt);
    usage.put("completion_tokens", completion);
    usage.put("total_tokens", total);
    usage
        .putObject("prompt_tokens_details")
        .put("cached_tokens", metadata.path("cachedContentTokenCount").asLong(0));
    usage.putObject("completion_tokens_details").put("reasoning_tokens", thoughts);
    return usage;
  }

  /** The gateway's token facts from {@code usageMetadata}; null when absent. */
  static TokenUsage tokenUsage(JsonNode metadata) {
    ObjectNode usage = usage(metadata);
    return usage == null ? null : TokenUsage.fromUsageNode(usage);
  }

  /**
   * A {@code batchEmbedContents} (or {@code embedContent}) answer as an OpenAI embeddings list.
   * Gemini reports no token counts for embeddings, so {@code usage} is zero.
   *
   * @param base64 the client asked for {@code encoding_format: base64} (little-endian float32)
   */
  static ObjectNode embeddings(JsonNode gemini, String model, boolean base64) {
    ObjectNode out = NODES.objectNode();
    out.put("object", "list");
    ArrayNode data = out.putArray("data");
    JsonNode embeddings = gemini.get("embeddings");
    if (embeddings == null && gemini.has("embedding")) {
      embeddings = NODES.arrayNode().add(gemini.get("embedding"));
    }
    int index = 0;
    for (JsonNode embedding : embeddings == null ? NODES.arrayNode() : embeddings) {
      ObjectNode item = data.addObject();
      item.put("object", "embedding");
      item.put("index", index++);
      JsonNode values = embedding.path("values");
      if (base64) {
        ByteBuffer bytes = ByteBuffer.allocate(values.size() * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (JsonNode v : values) {
          bytes.putFloat((float) v.asDouble());
        }
        item.put("embedding", Base64.getEncoder().encodeToString(bytes.array()));
      } else {
        item.set("embedding", values.isArray() ? values : NODES.arrayNode());
      }
    }
    out.put("model", model == null ? "" : model);
    out.putObject("usage").put("prompt_tokens", 0).put("total_tokens", 0);
    return out;
  }
}
