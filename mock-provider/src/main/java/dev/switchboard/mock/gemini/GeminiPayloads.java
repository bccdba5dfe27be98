package dev.switchboard.mock.gemini;

import dev.switchboard.mock.openai.ChatAnswer;
import dev.switchboard.mock.openai.OpenAiPayloads;
import dev.switchboard.mock.openai.ReasoningPayloads;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * Gemini API payloads ({@code v1beta}): {@code GenerateContentResponse} whole and as SSE events,
 * embeddings, the model list and Google's error envelope. The answer itself is the mock's usual
 * deterministic {@link ChatAnswer}, computed from the chat request {@link #chatView} reads out of
 * the Gemini request.
 */
public final class GeminiPayloads {

  /** The message of the stream-error fault, as Google words an internal error. */
  public static final String INTERNAL_MESSAGE =
      "An internal error has occurred. Please retry or report in"
          + " https://developers.generativeai.google/guide/troubleshooting";

  private GeminiPayloads() {}

  /**
   * The chat-completions view of a {@code generateContent} request that {@link ChatAnswer} reads:
   * messages (text of each content, role user/model → user/assistant), tools (function names), tool
   * choice ({@code toolConfig}), JSON mode ({@code responseMimeType}), {@code maxOutputTokens} and
   * {@code seed}.
   */
  public static JsonObject chatView(JsonObject request) {
    JsonObject chat = new JsonObject();
    JsonArray messages = new JsonArray();
    for (Object c : request.getJsonArray("contents", new JsonArray())) {
      if (!(c instanceof JsonObject content)) {
        continue;
      }
      StringBuilder text = new StringBuilder();
      for (Object p : content.getJsonArray("parts", new JsonArray())) {
        if (p instanceof JsonObject part && part.getValue("text") instanceof String t) {
          text.append(t);
        }
      }
      String role = "model".equals(content.getString("role")) ? "assistant" : "user";
      messages.add(new JsonObject().put("role", role).put("content", text.toString()));
    }
    chat.put("messages", messages);
    JsonArray tools = new JsonArray();
    for (Object t : request.getJsonArray("tools", new JsonArray())) {
      if (t instanceof JsonObject tool) {
        for (Object d : tool.getJsonArray("functionDeclarations", new JsonArray())) {
          if (d instanceof JsonObject declaration) {
            tools.add(
                new JsonObject()
                    .put("type", "function")
                    .put("function", new JsonObject().put("name", declaration.getString("name"))));
          }
        }
      }
    }
    if (!tools.isEmpty()) {
      chat.put("tools", tools);
    }
    JsonObject calling =
        request
            .getJsonObject("toolConfig", new JsonObject())
            .getJsonObject("functionCallingConfig");
    if (calling != null) {
      String mode = calling.getString("mode", "AUTO");
      JsonArray allowed = calling.getJsonArray("allowedFunctionNames");
      if ("NONE".equals(mode)) {
        chat.put("tool_choice", "none");
      } else if ("ANY".equals(mode) && allowed != null && allowed.size() == 1) {
        chat.put(
            "tool_choice",
            new JsonObject()
                .put("type", "function")
                .put("function", new JsonObject().put("name", allowed.getString(0))));
      } else if ("ANY".equals(mode)) {
        chat.put("tool_choice", "required");
      }
    }
    JsonObject config = request.getJsonObject("generationConfig", new JsonObject());
    if ("application/json".equals(config.getString("responseMimeType"))) {
      chat.put("response_format", new JsonObject().put("type", "json_object"));
    }
    if (config.getValue("maxOutputTokens") instanceof Number max) {
      chat.put("max_tokens", max.intValue());
    }
    if (config.getValue("seed") != null) {
      chat.put("seed", config.getValue("seed"));
    }
    return chat;
  }

  /** The number of candidates the request asks for ({@code candidateCount}, 1 to 8). */
  public static int candidateCount(JsonObject request) {
    Object count =
        request.getJsonObject("generationConfig", new JsonObject()).getValue("candidateCount");
    return count instanceof Number n ? Math.max(1, Math.min(8, n.intValue())) : 1;
  }

  /** A whole {@code GenerateContentResponse}. */
  public static JsonObject response(String responseId, String model, ChatAnswer answer, int n) {
    return response(responseId, model, answer, n, null);
  }

  /**
   * A whole {@code GenerateContentResponse} whose candidates end with {@code finish} instead of the
   * answer's own finish reason (null: their own).
   */
  public static JsonObject response(
      String responseId, String model, ChatAnswer answer, int n, String finish) {
    return response(responseId, model, answer, n, finish, null);
  }

  /** As above, only candidate {@code only} (0 based) ending with {@code finish} (null: all). */
  public static JsonObject response(
      String responseId, String model, ChatAnswer answer, int n, String finish, Integer only) {
    JsonArray candidates = new JsonArray();
    for (int i = 0; i < n; i++) {
      JsonObject candidate = new JsonObject();
      if (answer.refusal() == null) {
        candidate.put("content", content(answer.toolCall(), answer.content(), model));
      }
      candidate.put(
          "finishReason",
          finish != null && (only == null || only == i) ? finish : finishReason(answer));
      if (answer.refusal() != null) {
        candidate.put("safetyRatings", blockedRatings());
      }
      candidate.put("index", i);
      candidates.add(candidate);
    }
    return new JsonObject()
        .put("candidates", candidates)
        .put("usageMetadata", usage(answer, n, true))
        .put("modelVersion", model)
        .put("responseId", responseId);
  }

  /** The most top candidates per step Gemini gives ({@code generationConfig.logprobs}, 0 to 20). */
  public static final int MAX_LOGPROBS = 20;

  /**
   * {@code response} with each text candidate's token log probabilities, as {@code generateContent}
   * answers {@code generationConfig.responseLogprobs: true}: the candidate's {@code avgLogprobs}
   * and {@code logprobsResult} ({@code chosenCandidates}, one per piece of the answer, whose tokens
   * join to the candidate's text; {@code topCandidates}, the {@code top} best per step, only when
   * {@code top} is above 0; {@code logProbabilitySum}), each token a {@code {"token", "tokenId",
   * "logProbability"}} — the field names and nesting of the Google Gen AI SDKs' {@code
   * LogprobsResult}, {@code LogprobsResultTopCandidates} and {@code LogprobsResultCandidate}. The
   * values are the OpenAI mock's ({@link OpenAiPayloads#tokenLogprob}). A candidate without text (a
   * function call, a refusal) gets none.
   */
  public static JsonObject withLogprobs(JsonObject response, List<String> pieces, int top) {
    for (Object c : response.getJsonArray("candidates", new JsonArray())) {
      JsonObject candidate = (JsonObject) c;
      JsonArray parts = candidate.getJsonObject("content", new JsonObject()).getJsonArray("parts");
      if (parts == null || parts.isEmpty() || !parts.getJsonObject(0).containsKey("text")) {
        continue;
      }
      JsonArray chosen = new JsonArray();
      JsonArray topCandidates = new JsonArray();
      double sum = 0;
      for (int i = 0; i < pieces.size(); i++) {
        JsonObject token = OpenAiPayloads.tokenLogprob(pieces.get(i), i, top);
        chosen.add(logprobsCandidate(token));
        sum += token.getDouble("logprob");
        JsonArray alternatives = new JsonArray();
        for (Object alternative : token.getJsonArray("top_logprobs")) {
          alternatives.add(logprobsCandidate((JsonObject) alternative));
        }
        topCandidates.add(new JsonObject().put("candidates", alternatives));
      }
      JsonObject result = new JsonObject();
      if (top > 0) {
        result.put("topCandidates", topCandidates);
      }
      result.put("chosenCandidates", chosen).put("logProbabilitySum", sum);
      if (!pieces.isEmpty()) {
        candidate.put("avgLogprobs", sum / pieces.size());
      }
      candidate.put("logprobsResult", result);
    }
    return response;
  }

  /**
   * One OpenAI-shaped token ({@code token}, {@code logprob}) as Gemini's {@code
   * LogprobsResultCandidate}, with a stable made-up {@code tokenId} in the range of Gemini's
   * 256,000-token vocabulary.
   */
  private static JsonObject logprobsCandidate(JsonObject token) {
    String text = token.getString("token");
    return new JsonObject()
        .put("token", text)
        .put("tokenId", Math.floorMod(text.hashCode(), 256_000))
        .put("logProbability", token.getDouble("logprob"));
  }

  /**
   * The SSE events of a streamed answer ({@code data: …} with CRLF line ends, as Google sends
   * them): one event per text piece, the last one carrying the finish reason and the final usage; a
   * tool call or a refusal is one event. No {@code [DONE]}: the stream ends with the body.
   */
  public static List<String> streamEvents(
      String responseId, String model, ChatAnswer answer, int n) {
    return streamEvents(responseId, model, answer, n, null);
  }

  /** The same, the last event ending with {@code finish} instead (null: the answer's own). */
  public static List<String> streamEvents(
      String responseId, String model, ChatAnswer answer, int n, String finish) {
    return streamEvents(responseId, model, answer, n, finish, null);
  }

  /** As above, only candidate {@code only} (0 based) ending with {@code finish} (null: all). */
  public static List<String> streamEvents(
      String responseId, String model, ChatAnswer answer, int n, String finish, Integer only) {
    return streamEvents(responseId, model, answer, n, finish, only, false);
  }

  /**
   * As above; with {@code usageTail} the finishing event carries no usage and an event of its own
   * after it does ({@code usageMetadata}, {@code modelVersion} and {@code responseId} only), as
   * Gemini sometimes sends it.
   */
  public static List<String> streamEvents(
      String responseId,
      String model,
      ChatAnswer answer,
      int n,
      String finish,
      Integer only,
      boolean usageTail) {
    return streamEvents(responseId, model, answer, n, finish, only, usageTail, false);
  }

  /**
   * As above; with {@code signatureTail} a signed function call comes without its {@code
   * thoughtSignature} (and without the finish reason and usage), and the next event brings the
   * signature on a part of its own with empty text, with the finish reason: where Gemini may put a
   * streamed turn's signature.
   */
  public static List<String> streamEvents(
      String responseId,
      String model,
      ChatAnswer answer,
      int n,
      String finish,
      Integer only,
      boolean usageTail,
      boolean signatureTail) {
    List<String> events = new ArrayList<>();
    if (signatureTail && answer.toolCall() != null && signsCalls(model)) {
      JsonObject call = response(responseId, model, answer, n, finish, only);
      JsonObject last = response(responseId, model, answer, n, finish, only);
      call.remove("usageMetadata");
      for (int i = 0; i < n; i++) {
        JsonObject candidate = call.getJsonArray("candidates").getJsonObject(i);
        candidate.remove("finishReason");
        JsonObject part = candidate.getJsonObject("content").getJsonArray("parts").getJsonObject(0);
        String signature = (String) part.remove("thoughtSignature");
        last.getJsonArray("candidates")
            .getJsonObject(i)
            .put(
                "content",
                new JsonObject()
                    .put(
                        "parts",
                        new JsonArray()
                            .add(
                                new JsonObject()
                                    .put("text", "")
                                    .put("thoughtSignature", signature)))
                    .put("role", "model"));
      }
      events.add(event(call));
      events.add(event(last));
      return events;
    }
    JsonObject tail =
        new JsonObject()
            .put("usageMetadata", usage(answer, n, true))
            .put("modelVersion", model)
            .put("responseId", responseId);
    if (answer.refusal() != null || answer.toolCall() != null) {
      JsonObject whole = response(responseId, model, answer, n, finish, only);
      if (usageTail) {
        whole.remove("usageMetadata");
      }
      events.add(event(whole));
      if (usageTail) {
        events.add(event(tail));
      }
      return events;
    }
    List<String> pieces = answer.pieces().isEmpty() ? List.of("") : answer.pieces();
    for (int p = 0; p < pieces.size(); p++) {
      boolean last = p == pieces.size() - 1;
      JsonArray candidates = new JsonArray();
      for (int i = 0; i < n; i++) {
        JsonObject candidate = new JsonObject().put("content", content(null, pieces.get(p), model));
        if (last) {
          candidate.put(
              "finishReason",
              finish != null && (only == null || only == i) ? finish : finishReason(answer));
        }
        candidate.put("index", i);
        candidates.add(candidate);
      }
      JsonObject piece = new JsonObject().put("candidates", candidates);
      if (!(last && usageTail)) {
        piece.put("usageMetadata", usage(answer, n, last));
      }
      events.add(event(piece.put("modelVersion", model).put("responseId", responseId)));
    }
    if (usageTail) {
      events.add(event(tail));
    }
    return events;
  }

  /**
   * The thought summary a request asks for ({@code generationConfig.thinkingConfig.includeThoughts:
   * true}), or null: {@link ReasoningPayloads#reasoning} of its chat view, deterministic.
   */
  public static String thoughts(JsonObject request) {
    JsonObject thinking =
        request
            .getJsonObject("generationConfig", new JsonObject())
            .getJsonObject("thinkingConfig", new JsonObject());
    return Boolean.TRUE.equals(thinking.getValue("includeThoughts"))
        ? ReasoningPayloads.reasoning(chatView(request))
        : null;
  }

  /**
   * {@code response} with {@code thoughts} as Gemini gives thought summaries: a first part {@code
   * {"text": …, "thought": true}} in every candidate with content, counted as {@code
   * thoughtsTokenCount} (and in {@code totalTokenCount}).
   */
  public static JsonObject withThoughts(JsonObject response, String thoughts) {
    int candidates = 0;
    for (Object c : response.getJsonArray("candidates", new JsonArray())) {
      JsonObject content = ((JsonObject) c).getJsonObject("content");
      if (content != null) {
        content.getJsonArray("parts").getList().add(0, thoughtPart(thoughts).getMap());
        candidates++;
      }
    }
    countThoughts(response.getJsonObject("usageMetadata"), thoughts, candidates);
    return response;
  }

  /**
   * The events of a streamed answer with {@code thoughts} first, as Gemini streams thought
   * summaries before the answer: an event of its own whose candidates hold the thought part, and
   * every usage after it counting the thoughts.
   */
  public static List<String> withThoughts(List<String> events, String thoughts, int n) {
    List<String> out = new ArrayList<>(events.size() + 1);
    JsonObject first = new JsonObject(events.get(0).substring("data: ".length()).strip());
    JsonArray candidates = new JsonArray();
    for (int i = 0; i < n; i++) {
      candidates.add(
          new JsonObject()
              .put(
                  "content",
                  new JsonObject()
                      .put("parts", new JsonArray().add(thoughtPart(thoughts)))
                      .put("role", "model"))
              .put("index", i));
    }
    out.add(
        event(
            new JsonObject()
                .put("candidates", candidates)
                .put("modelVersion", first.getValue("modelVersion"))
                .put("responseId", first.getValue("responseId"))));
    for (String e : events) {
      JsonObject event = new JsonObject(e.substring("data: ".length()).strip());
      if (event.getValue("usageMetadata") instanceof JsonObject usage) {
        countThoughts(usage, thoughts, n);
        out.add(event(event));
      } else {
        out.add(e);
      }
    }
    return out;
  }

  private static JsonObject thoughtPart(String thoughts) {
    return new JsonObject().put("text", thoughts).put("thought", true);
  }

  private static void countThoughts(JsonObject usage, String thoughts, int candidates) {
    if (usage == null || candidates == 0) {
      return;
    }
    int tokens = ReasoningPayloads.pieces(thoughts).size() * candidates;
    usage.put("thoughtsTokenCount", tokens);
    usage.put("totalTokenCount", usage.getInteger("totalTokenCount", 0) + tokens);
  }

  /** One SSE event, framed with CRLF like Google's servers. */
  public static String event(JsonObject json) {
    return "data: " + json.encode() + "\r\n\r\n";
  }

  /**
   * Whether {@code model} is a Gemini 3 (or later) model, which signs its function calls and
   * refuses a replayed call without the signature.
   */
  public static boolean signsCalls(String model) {
    return model != null && !model.matches("gemini-(1|2)([.-].*)?") && model.startsWith("gemini-");
  }

  /**
   * Signs the first of an OpenAI-format answer's {@code tool_calls} (null: none) as Google's
   * OpenAI-compatible endpoint does for a Gemini 3 model: {@code
   * extra_content.google.thought_signature}, the first call of a step only.
   */
  public static void signOpenAiCall(JsonArray toolCalls) {
    if (toolCalls != null
        && !toolCalls.isEmpty()
        && toolCalls.getValue(0) instanceof JsonObject call
        && call.getValue("function") instanceof JsonObject function
        && function.getString("name") != null) {
      call.put(
          "extra_content",
          new JsonObject()
              .put(
                  "google",
                  new JsonObject()
                      .put("thought_signature", signature(function.getString("name")))));
    }
  }

  /**
   * The chat stream {@code events} with the first tool call's opening delta (the one naming the
   * function) signed as {@link #signOpenAiCall} signs an answer's.
   */
  public static List<String> signedOpenAiEvents(List<String> events) {
    List<String> out = new ArrayList<>(events.size());
    for (String event : events) {
      if (!event.startsWith("data: {") || !event.contains("\"tool_calls\"")) {
        out.add(event);
        continue;
      }
      JsonObject chunk = new JsonObject(event.substring("data: ".length()).strip());
      for (Object choice : chunk.getJsonArray("choices", new JsonArray())) {
        JsonArray calls =
            ((JsonObject) choice)
                .getJsonObject("delta", new JsonObject())
                .getJsonArray("tool_calls");
        if (calls != null
            && !calls.isEmpty()
            && calls.getValue(0) instanceof JsonObject first
            && Integer.valueOf(0).equals(first.getInteger("index", 0))) {
          signOpenAiCall(calls);
        }
      }
      out.add("data: " + chunk.encode() + "\n\n");
    }
    return out;
  }

  /** The thought signature the mock gives a call of {@code name} (base64, as Google's are). */
  public static String signature(String name) {
    return java.util.Base64.getEncoder()
        .encodeToString(("mock-thought:" + name).getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  private static JsonObject content(ChatAnswer.ToolCall call, String text, String model) {
    JsonArray parts = new JsonArray();
    if (call != null) {
      JsonObject part =
          new JsonObject()
              .put(
                  "functionCall",
                  new JsonObject()
                      .put("name", call.name())
                      .put("args", new JsonObject(call.arguments())));
      if (signsCalls(model)) {
        part.put("thoughtSignature", signature(call.name()));
      }
      parts.add(part);
    } else {
      parts.add(new JsonObject().put("text", text == null ? "" : text));
    }
    return new JsonObject().put("parts", parts).put("role", "model");
  }

  private static String finishReason(ChatAnswer answer) {
    if (answer.refusal() != null) {
      return "SAFETY"; // Gemini's refusal is a safety block
    }
    return switch (answer.finishReason()) {
      case "length" -> "MAX_TOKENS";
      case "content_filter" -> "SAFETY";
      default -> "STOP"; // Gemini finishes a function call with STOP too
    };
  }

  private static JsonArray blockedRatings() {
    return new JsonArray()
        .add(
            new JsonObject()
                .put("category", "HARM_CATEGORY_DANGEROUS_CONTENT")
                .put("probability", "HIGH")
                .put("blocked", true));
  }

  /**
   * {@code usageMetadata}; {@code cachedContentTokenCount} only when part of the prompt was cached,
   * and candidate tokens only once the answer is complete ({@code full}), as Gemini reports them.
   */
  private static JsonObject usage(ChatAnswer answer, int n, boolean full) {
    int candidates = full ? answer.completionTokens() * n : 0;
    JsonObject usage = new JsonObject().put("promptTokenCount", answer.promptTokens());
    if (full) {
      usage.put("candidatesTokenCount", candidates);
    }
    usage.put("totalTokenCount", answer.promptTokens() + candidates);
    if (answer.cachedTokens() > 0) {
      usage.put("cachedContentTokenCount", answer.cachedTokens());
    }
    return usage;
  }

  /**
   * The texts of a {@code batchEmbedContents} ({@code requests[].content}) or {@code embedContent}
   * body; null when malformed.
   */
  public static List<String> embeddingTexts(JsonObject body, boolean batch) {
    List<JsonObject> contents = new ArrayList<>();
    if (batch) {
      JsonArray requests = body.getJsonArray("requests");
      if (requests == null || requests.isEmpty()) {
        return null;
      }
      for (Object r : requests) {
        if (!(r instanceof JsonObject request) || request.getJsonObject("content") == null) {
          return null;
        }
        contents.add(request.getJsonObject("content"));
      }
    } else if (body.getJsonObject("content") != null) {
      contents.add(body.getJsonObject("content"));
    } else {
      return null;
    }
    List<String> texts = new ArrayList<>();
    for (JsonObject content : contents) {
      StringBuilder text = new StringBuilder();
      for (Object p : content.getJsonArray("parts", new JsonArray())) {
        if (p instanceof JsonObject part && part.getValue("text") instanceof String t) {
          text.append(t);
        }
      }
      texts.add(text.toString());
    }
    return texts;
  }

  /** The dimensions asked for ({@code outputDimensionality} of the first request), or 0. */
  public static int outputDimensionality(JsonObject body, boolean batch) {
    JsonObject first = batch ? body.getJsonArray("requests").getJsonObject(0) : body;
    Object dims = first.getValue("outputDimensionality");
    return dims instanceof Number d ? d.intValue() : 0;
  }

  /**
   * The longest text the Gemini embedding models read, in tokens (gemini-embedding-001,
   * text-embedding-004: 2,048). The Gemini API has no switch against truncation (Vertex AI's {@code
   * autoTruncate} is not in it): a longer text is cut silently and only its start is embedded.
   */
  public static final int EMBEDDING_INPUT_TOKENS = 2048;

  /**
   * {@code {"embeddings":[{"values":[…]}]}} or, for {@code embedContent}, {@code {"embedding":…}}.
   * Each text is embedded from its first {@link #EMBEDDING_INPUT_TOKENS} tokens only (the mock's
   * tokens: whitespace-separated words), silently, as Gemini does.
   */
  public static JsonObject embeddings(String model, List<String> texts, int dims, boolean batch) {
    JsonArray embeddings = new JsonArray();
    for (String text : texts) {
      JsonArray values = new JsonArray();
      for (float v : OpenAiPayloads.vector(model, truncated(text), dims)) {
        values.add(v);
      }
      embeddings.add(new JsonObject().put("values", values));
    }
    return batch
        ? new JsonObject().put("embeddings", embeddings)
        : new JsonObject().put("embedding", embeddings.getJsonObject(0));
  }

  /**
   * {@code text} cut after its first {@link #EMBEDDING_INPUT_TOKENS} whitespace-separated words.
   */
  static String truncated(String text) {
    String[] words = text.strip().split("\\s+", EMBEDDING_INPUT_TOKENS + 1);
    if (words.length <= EMBEDDING_INPUT_TOKENS) {
      return text;
    }
    return String.join(" ", java.util.Arrays.asList(words).subList(0, EMBEDDING_INPUT_TOKENS));
  }

  /** {@code GET /v1beta/models}. */
  public static JsonObject models(Collection<String> ids) {
    JsonArray models = new JsonArray();
    for (String id : ids) {
      models.add(
          new JsonObject()
              .put("name", "models/" + id)
              .put("version", "001")
              .put("displayName", id)
              .put(
                  "supportedGenerationMethods",
                  id.toLowerCase(Locale.ROOT).contains("embedding")
                      ? new JsonArray().add("embedContent")
                      : new JsonArray().add("generateContent").add("countTokens")));
    }
    return new JsonObject().put("models", models);
  }

  /**
   * Google's error envelope.
   *
   * @param retryDelay RetryInfo's delay ({@code "2s"}) for a RESOURCE_EXHAUSTED, or null
   * @param reason an ErrorInfo reason ({@code API_KEY_INVALID}), or null
   */
  /** Google's quota id of the free tier's requests per day per model. */
  public static final String PER_DAY_QUOTA = "GenerateRequestsPerDayPerProjectPerModel-FreeTier";

  /** Google's quota id of the free tier's requests per minute per model. */
  public static final String PER_MINUTE_QUOTA =
      "GenerateRequestsPerMinutePerProjectPerModel-FreeTier";

  /**
   * A 429 {@code RESOURCE_EXHAUSTED} whose {@code QuotaFailure} names {@code quotaId}, with a
   * {@code RetryInfo} when {@code retryDelay} is not null.
   */
  public static JsonObject quotaError(String message, String retryDelay, String quotaId) {
    JsonArray details =
        new JsonArray()
            .add(
                new JsonObject()
                    .put("@type", "type.googleapis.com/google.rpc.QuotaFailure")
                    .put(
                        "violations",
                        new JsonArray()
                            .add(
                                new JsonObject()
                                    .put(
                                        "quotaMetric",
                                        "generativelanguage.googleapis.com/"
                                            + "generate_content_free_tier_requests")
                                    .put("quotaId", quotaId))));
    if (retryDelay != null) {
      details.add(
          new JsonObject()
              .put("@type", "type.googleapis.com/google.rpc.RetryInfo")
              .put("retryDelay", retryDelay));
    }
    return new JsonObject()
        .put(
            "error",
            new JsonObject()
                .put("code", 429)
                .put("message", message)
                .put("status", "RESOURCE_EXHAUSTED")
                .put("details", details));
  }

  public static JsonObject error(
      int code, String status, String message, String retryDelay, String reason) {
    JsonObject error =
        new JsonObject().put("code", code).put("message", message).put("status", status);
    JsonArray details = new JsonArray();
    if (reason != null) {
      details.add(
          new JsonObject()
              .put("@type", "type.googleapis.com/google.rpc.ErrorInfo")
              .put("reason", reason)
              .put("domain", "googleapis.com")
              .put(
                  "metadata",
                  new JsonObject().put("service", "generativelanguage.googleapis.com")));
    }
    if (retryDelay != null) {
      details.add(
          new JsonObject()
              .put("@type", "type.googleapis.com/google.rpc.QuotaFailure")
              .put(
                  "violations",
                  new JsonArray()
                      .add(
                          new JsonObject()
                              .put(
                                  "quotaMetric",
                                  "generativelanguage.googleapis.com/generate_content_free_tier_requests")
                              .put("quotaId", PER_MINUTE_QUOTA))));
      details.add(
          new JsonObject()
              .put("@type", "type.googleapis.com/google.rpc.RetryInfo")
              .put("retryDelay", retryDelay));
    }
    if (!details.isEmpty()) {
      error.put("details", details);
    }
    return new JsonObject().put("error", error);
  }

  /** The canonical status Google answers an HTTP status with. */
  public static String statusOf(int code) {
    return switch (code) {
      case 400 -> "INVALID_ARGUMENT";
      case 401 -> "UNAUTHENTICATED";
      case 403 -> "PERMISSION_DENIED";
      case 404 -> "NOT_FOUND";
      case 409 -> "ABORTED";
      case 429 -> "RESOURCE_EXHAUSTED";
      case 499 -> "CANCELLED";
      case 501 -> "UNIMPLEMENTED";
      case 503 -> "UNAVAILABLE";
      case 504 -> "DEADLINE_EXCEEDED";
      default -> code >= 500 ? "INTERNAL" : "FAILED_PRECONDITION";
    };
  }

  /** Google's message for a status fault. */
  public static String messageOf(int code, String model) {
    return switch (code) {
      case 429 ->
          "You exceeded your current quota, please check your plan and billing details. For more"
              + " information on this error, head to:"
              + " https://ai.google.dev/gemini-api/docs/rate-limits.";
      case 500 -> INTERNAL_MESSAGE;
      case 503 -> "The model is overloaded. Please try again later.";
      case 504 -> "Deadline expired before operation could complete.";
      case 404 ->
          "models/"
              + model
              + " is not found for API version v1beta, or is not supported for generateContent."
              + " Call ListModels to see the list of available models and their supported"
              + " methods.";
      default -> "Mock provider fault: HTTP " + code + " for models/" + model + ".";
    };
  }
}
