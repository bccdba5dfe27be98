package dev.switchboard.gateway.upstream.adapter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.refusal.AnswerOpening;
import dev.switchboard.gateway.request.TokenUsage;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Decodes one Gemini {@code streamGenerateContent?alt=sse} stream into chat-completion chunks. Each
 * event is a whole {@code GenerateContentResponse} holding the next piece of each candidate: its
 * text → {@code delta.content}, each {@code functionCall} (Gemini sends calls whole) → one {@code
 * delta.tool_calls} entry with the complete arguments, its {@code finishReason} → the chunk's
 * {@code finish_reason} (see {@link GeminiReplies}). The first chunk of a candidate carries {@code
 * role: assistant}. The usage (the last Gemini reported, on the finishing event or in one of its
 * own after it) is a chunk of its own ({@code choices: []}) just before {@code [DONE]} when the
 * client asked for usage, as OpenAI ends such a stream; the gateway reads it in any case.
 *
 * <p>A Gemini 3 turn's thought signature may come on a later part than its {@code functionCall}: a
 * part of its own, with empty text, often the finishing one. So on a Gemini 3 (or later) stream
 * (its {@code modelVersion}), a candidate's first call that comes unsigned is held back until the
 * signature (which it then carries), other content or the finish reason arrives, whichever is
 * first: clients get each call once, whole and signed, and every front door carries the signature
 * as it does a call's own ({@code extra_content.google.thought_signature}, the Messages and
 * Responses carriers). Calls after a signed one (Gemini signs only the first of parallel calls) are
 * never held.
 *
 * <p>Gemini ends a stream by closing it, without {@code [DONE]}: {@link #atEnd()} turns the close
 * into the end event once every candidate has reported a finish reason; a close before that is a
 * truncation. An {@code {"error": …}} event is the provider's mid-stream failure.
 */
final class GeminiStreamDecoder implements StreamDecoder {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final boolean stripUsage;
  private final long created;
  private final StreamEventFacts facts = new StreamEventFacts();
  private final AnswerOpening opening = new AnswerOpening();
  private final Set<Integer> opened = new HashSet<>();
  private final Set<Integer> finished = new HashSet<>();
  private final Map<Integer, Integer> calls = new HashMap<>();
  private final Set<Integer> signed = new HashSet<>();
  private Map<Integer, ArrayNode>
      held; // unsigned calls awaiting a trailing signature, made on need
  private String id;
  private String responseId = ""; // the answer's, for the ids of calls Gemini sent without one
  private String model;
  private TokenUsage lastUsage;
  private ObjectNode lastUsageNode;
  private boolean usageReported;

  GeminiStreamDecoder(boolean stripUsage, long created) {
    this.stripUsage = stripUsage;
    this.created = created;
  }

  @Override
  public StreamEventFacts decode(String data, JsonNode firstParsed) {
    JsonNode event = firstParsed != null ? firstParsed : OpenAiAdapter.parse(data);
    if (event == null || !event.isObject()) {
      facts.reset(StreamEventFacts.Kind.MALFORMED, null);
      return facts;
    }
    if (event.get("error") instanceof ObjectNode error) {
      facts.reset(StreamEventFacts.Kind.CHUNK, null);
      GeminiErrors.Google google = GeminiErrors.read(error);
      facts.error(google.message(), google.openAiType(), null, google.status());
      return facts;
    }
    if (id == null) {
      id = GeminiReplies.completionId(event);
      responseId = event.path("responseId").asText("");
    }
    String version = event.path("modelVersion").asText(null);
    if (version != null && !version.isEmpty()) {
      model = version;
    }
    JsonNode metadata = event.get("usageMetadata");
    if (metadata != null && metadata.isObject()) {
      lastUsageNode = GeminiReplies.usage(metadata);
      lastUsage = TokenUsage.fromUsageNode(lastUsageNode);
    }
    ObjectNode chunk = NODES.objectNode();
    chunk.put("id", id);
    chunk.put("object", "chat.completion.chunk");
    chunk.put("created", created);
    chunk.put("model", model == null ? "" : model);
    ArrayNode choices = chunk.putArray("choices");
    String lastFinish = null;
    boolean refused = false;
    JsonNode candidates = event.path("candidates");
    if (candidates.isArray() && !candidates.isEmpty()) {
      int position = 0;
      for (JsonNode candidate : candidates) {
        int index = candidate.path("index").asInt(position++);
        ObjectNode choice = choices.addObject();
        choice.put("index", index);
        ObjectNode delta = choice.putObject("delta");
        if (opened.add(index)) {
          delta.put("role", "assistant");
        }
        StringBuilder text = null;
        StringBuilder thoughts = null;
        ArrayNode toolCalls = null;
        for (JsonNode part : candidate.path("content").path("parts")) {
          String signature = part.path("thoughtSignature").asText("");
          if (part.path("functionCall").isObject()) {
            int callIndex = calls.merge(index, 1, Integer::sum) - 1;
            ObjectNode call = GeminiReplies.toolCall(part, callIndex, true, responseId);
            if (signature.isEmpty()
                && !signed.contains(index)
                && GeminiRequests.checksSignatures(model)) {
              hold(index, call);
              continue;
            }
            signed.add(index);
            toolCalls = release(index, toolCalls, null);
            toolCalls = toolCalls == null ? NODES.arrayNode() : toolCalls;
            toolCalls.add(call);
          } else if (!signature.isEmpty() && part.path("text").asText("").isEmpty()) {
            // A signature on a part of its own: the held call's, if one waits for it.
            toolCalls = release(index, toolCalls, signature);
          } else if (part.has("text") && part.path("thought").asBoolean(false)) {
            // A thought summary (thinkingConfig.includeThoughts): reasoning, not the answer.
            thoughts = thoughts == null ? new StringBuilder() : thoughts;
            thoughts.append(part.path("text").asText());
          } else if (part.has("text")) {
            String piece = part.path("text").asText();
            if (!piece.isEmpty()) {
              toolCalls = release(index, toolCalls, null); // the call came first, unsigned
            }
            text = text == null ? new StringBuilder() : text;
            text.append(piece);
          }
        }
        String geminiFinish = candidate.path("finishReason").asText(null);
        if (geminiFinish != null) {
          toolCalls = release(index, toolCalls, null);
        }
        if (thoughts != null) {
          delta.put("reasoning_content", thoughts.toString());
        }
        if (text != null) {
          delta.put("content", text.toString());
          if (index == 0) {
            opening.append(text); // a no-op once the opening is full
          }
        }
        if (toolCalls != null) {
          delta.set("tool_calls", toolCalls);
        }
        String finish = GeminiReplies.finishReason(geminiFinish, calls.containsKey(index));
        if ("content_filter".equals(finish)) {
          delta.put("refusal", GeminiReplies.answerRefusal(geminiFinish));
          refused = true;
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", finish);
        if (finish != null) {
          finished.add(index);
          lastFinish = GeminiReplies.recordedFinishReason(geminiFinish, calls.containsKey(index));
        }
      }
    } else if (event.path("promptFeedback").hasNonNull("blockReason")) {
      ObjectNode choice = choices.addObject();
      choice.put("index", 0);
      ObjectNode delta = choice.putObject("delta");
      if (opened.add(0)) {
        delta.put("role", "assistant");
      }
      delta.put("refusal", GeminiReplies.promptRefusal(event));
      choice.putNull("logprobs");
      choice.put("finish_reason", "content_filter");
      finished.add(0);
      lastFinish = "content_filter";
      refused = true;
    } else if (metadata != null
        && metadata.isObject()
        && !finished.isEmpty()
        && finished.containsAll(opened)) {
      return usageAfterFinish();
    } else {
      // Nothing for the client (usage before the answer, or feedback only): the gateway keeps
      // the facts.
      facts.reset(StreamEventFacts.Kind.DROP, null);
      facts.facts(model, null);
      return facts;
    }
    boolean complete = lastFinish != null && finished.containsAll(opened);
    String payload = chunk.toString();
    facts.reset(StreamEventFacts.Kind.CHUNK, payload);
    facts.source(payload, chunk); // content, if asked for, is read from the translated chunk
    facts.facts(model, null);
    if (lastFinish != null) {
      facts.finishReason(lastFinish);
    }
    if (refused) {
      facts.refused();
    }
    if (complete && lastUsage != null) {
      facts.usage(lastUsage);
      usageReported = true;
    }
    return facts;
  }

  /** Holds candidate {@code index}'s unsigned {@code call} until its signature may have come. */
  private void hold(int index, ObjectNode call) {
    if (held == null) {
      held = new HashMap<>(2);
    }
    held.computeIfAbsent(index, i -> NODES.arrayNode()).add(call);
  }

  /**
   * Candidate {@code index}'s held calls appended to {@code toolCalls} (made when null), the first
   * one carrying {@code signature} when there is one; {@code toolCalls} as it is when none is held.
   */
  private ArrayNode release(int index, ArrayNode toolCalls, String signature) {
    ArrayNode waiting = held == null ? null : held.remove(index);
    if (waiting == null) {
      return toolCalls;
    }
    if (signature != null) {
      ((ObjectNode) waiting.get(0))
          .putObject("extra_content")
          .putObject("google")
          .put("thought_signature", signature);
      signed.add(index);
    }
    ArrayNode out = toolCalls == null ? NODES.arrayNode() : toolCalls;
    out.addAll(waiting);
    return out;
  }

  /**
   * Usage Gemini sends in an event of its own after every candidate finished: reported to the
   * gateway then (cost, metrics, budgets); the client gets it at the end ({@link #atEnd()}).
   */
  private StreamEventFacts usageAfterFinish() {
    facts.reset(StreamEventFacts.Kind.DROP, null);
    facts.facts(model, null);
    facts.usage(lastUsage);
    usageReported = true;
    return facts;
  }

  /**
   * Whether an event has nothing for the client (no error, no candidate, no blocked prompt: usage
   * or feedback only), which {@link #decode} drops.
   */
  static boolean carriesNothing(JsonNode event) {
    if (event == null || !event.isObject() || event.get("error") instanceof ObjectNode) {
      return false;
    }
    JsonNode candidates = event.path("candidates");
    return !(candidates.isArray() && !candidates.isEmpty())
        && !event.path("promptFeedback").hasNonNull("blockReason");
  }

  @Override
  public StreamEventFacts atEnd() {
    if (finished.isEmpty() || !finished.containsAll(opened)) {
      return null; // closed before the answer was complete: a truncation
    }
    facts.reset(StreamEventFacts.Kind.DONE, "[DONE]");
    if (!stripUsage && lastUsageNode != null) {
      ObjectNode chunk = NODES.objectNode();
      chunk.put("id", id);
      chunk.put("object", "chat.completion.chunk");
      chunk.put("created", created);
      chunk.put("model", model == null ? "" : model);
      chunk.putArray("choices");
      chunk.set("usage", lastUsageNode);
      facts.usageChunk(chunk.toString());
    }
    if (opening.isRefusal()) {
      facts.refused();
    }
    if (!usageReported && lastUsage != null) {
      facts.usage(lastUsage); // usage seen after the finish in an event that also had candidates
      usageReported = true;
    }
    return facts;
  }
}
