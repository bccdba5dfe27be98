package dev.switchboard.mock.openai;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.SplittableRandom;

/** Renders OpenAI wire-format bodies (chat, stream chunks, embeddings, models, errors). */
public final class OpenAiPayloads {

  /** The terminating SSE event of an OpenAI stream. */
  public static final String DONE_EVENT = "data: [DONE]\n\n";

  /** Fixed {@code created} of listed models, so listings are byte-stable. */
  static final long MODEL_CREATED = 1_700_000_000L;

  private OpenAiPayloads() {}

  /** A {@code chat.completion} object with {@code n} identical choices. */
  public static JsonObject chatCompletion(
      String id, long created, String model, String fingerprint, ChatAnswer answer, int n) {
    JsonArray choices = new JsonArray();
    for (int i = 0; i < n; i++) {
      JsonObject message =
          new JsonObject()
              .put("role", "assistant")
              .put("content", answer.content())
              .put("refusal", answer.refusal())
              .put("annotations", new JsonArray());
      if (answer.toolCall() != null) {
        ChatAnswer.ToolCall call = answer.toolCall();
        message.put(
            "tool_calls",
            new JsonArray()
                .add(
                    new JsonObject()
                        .put("id", call.id())
                        .put("type", "function")
                        .put(
                            "function",
                            new JsonObject()
                                .put("name", call.name())
                                .put("arguments", call.arguments()))));
      }
      choices.add(
          new JsonObject()
              .put("index", i)
              .put("message", message)
              .put("logprobs", null)
              .put("finish_reason", answer.finishReason()));
    }
    return new JsonObject()
        .put("id", id)
        .put("object", "chat.completion")
        .put("created", created)
        .put("model", model)
        .put("choices", choices)
        .put("usage", usage(answer, n))
        .put("service_tier", "default")
        .put("system_fingerprint", fingerprint);
  }

  /**
   * Every SSE event of a streamed answer, {@code [DONE]} included: a first delta with {@code role:
   * "assistant"}, one delta per piece, a final chunk with {@code finish_reason}, and a usage chunk
   * with empty {@code choices} when {@code includeUsage}.
   */
  public static List<String> streamEvents(
      String id,
      long created,
      String model,
      String fingerprint,
      ChatAnswer answer,
      int n,
      boolean includeUsage) {
    List<String> events = new ArrayList<>(answer.pieces().size() + 5);
    JsonObject first = new JsonObject().put("role", "assistant");
    if (answer.toolCall() == null && answer.refusal() == null) {
      first.put("content", "").put("refusal", null);
    } else if (answer.toolCall() != null) {
      first.put("content", null);
    }
    events.add(event(chunk(id, created, model, fingerprint, n, first, null, includeUsage)));
    if (answer.toolCall() != null) {
      ChatAnswer.ToolCall call = answer.toolCall();
      JsonObject head =
          new JsonObject()
              .put(
                  "tool_calls",
                  new JsonArray()
                      .add(
                          new JsonObject()
                              .put("index", 0)
                              .put("id", call.id())
                              .put("type", "function")
                              .put(
                                  "function",
                                  new JsonObject().put("name", call.name()).put("arguments", ""))));
      events.add(event(chunk(id, created, model, fingerprint, n, head, null, includeUsage)));
    }
    for (String piece : answer.pieces()) {
      JsonObject delta;
      if (answer.toolCall() != null) {
        delta =
            new JsonObject()
                .put(
                    "tool_calls",
                    new JsonArray()
                        .add(
                            new JsonObject()
                                .put("index", 0)
                                .put("function", new JsonObject().put("arguments", piece))));
      } else if (answer.refusal() != null) {
        delta = new JsonObject().put("refusal", piece);
      } else {
        delta = new JsonObject().put("content", piece);
      }
      events.add(event(chunk(id, created, model, fingerprint, n, delta, null, includeUsage)));
    }
    events.add(
        event(
            chunk(
                id,
                created,
                model,
                fingerprint,
                n,
                new JsonObject(),
                answer.finishReason(),
                includeUsage)));
    if (includeUsage) {
      events.add(
          event(
              base(id, created, model, fingerprint, "chat.completion.chunk")
                  .put("choices", new JsonArray())
                  .put("usage", usage(answer, n))));
    }
    events.add(DONE_EVENT);
    return events;
  }

  /**
   * A stream as Mistral sends it: the same chunks, no {@code "usage": null} on them, and the usage
   * on the last chunk (the one with the finish reason) unasked; no separate usage chunk.
   */
  public static List<String> streamEventsUsageLast(
      String id, long created, String model, String fingerprint, ChatAnswer answer, int n) {
    List<String> events = streamEvents(id, created, model, fingerprint, answer, n, false);
    int last = events.size() - 2; // the finish chunk, before [DONE]
    JsonObject finish = new JsonObject(events.get(last).substring("data: ".length()).strip());
    events.set(last, event(finish.put("usage", usage(answer, n))));
    return events;
  }

  /**
   * {@code events} with each content delta's token logprobs, as OpenAI streams them when asked
   * ({@code logprobs: true}): the choice's {@code logprobs} is {@code {"content": [token],
   * "refusal": null}}, one token per piece ({@link #tokenLogprob}). Other chunks keep {@code
   * logprobs: null}.
   */
  public static List<String> withLogprobs(List<String> events, int top) {
    List<String> out = new ArrayList<>(events.size());
    int position = 0;
    for (String event : events) {
      if (DONE_EVENT.equals(event)) {
        out.add(event);
        continue;
      }
      JsonObject chunk = new JsonObject(event.substring("data: ".length()).strip());
      boolean changed = false;
      for (Object c : chunk.getJsonArray("choices", new JsonArray())) {
        JsonObject choice = (JsonObject) c;
        String piece = choice.getJsonObject("delta", new JsonObject()).getString("content");
        if (piece != null && !piece.isEmpty()) {
          choice.put(
              "logprobs",
              new JsonObject()
                  .put("content", new JsonArray().add(tokenLogprob(piece, position, top)))
                  .putNull("refusal"));
          changed = true;
        }
      }
      if (changed) {
        position++;
      }
      out.add(changed ? event(chunk) : event);
    }
    return out;
  }

  /**
   * {@code completion} with each choice's token logprobs for the answer's {@code pieces}, as OpenAI
   * answers {@code logprobs: true}: {@code {"content": [token...], "refusal": null}}.
   */
  public static JsonObject withLogprobs(JsonObject completion, List<String> pieces, int top) {
    for (Object c : completion.getJsonArray("choices")) {
      JsonObject choice = (JsonObject) c;
      if (choice.getJsonObject("message").getString("content") == null) {
        continue; // a tool call or a refusal: no content tokens
      }
      choice.put(
          "logprobs",
          new JsonObject().put("content", tokenLogprobs(pieces, top)).putNull("refusal"));
    }
    return completion;
  }

  /** One {@link #tokenLogprob} per piece of an answer, in order. */
  public static JsonArray tokenLogprobs(List<String> pieces, int top) {
    JsonArray tokens = new JsonArray();
    for (int i = 0; i < pieces.size(); i++) {
      tokens.add(tokenLogprob(pieces.get(i), i, top));
    }
    return tokens;
  }

  /**
   * How many alternatives a request asks per token ({@code top_logprobs}, chat completions' and the
   * Responses API's: 0 to 20).
   */
  public static int topLogprobs(JsonObject request) {
    return request.getValue("top_logprobs") instanceof Number top
        ? Math.max(0, Math.min(20, top.intValue()))
        : 0;
  }

  /**
   * One {@code ChatCompletionTokenLogprob}: the piece as the token, a made-up but stable log
   * probability by its position, its UTF-8 bytes, and {@code top} alternatives (the token itself
   * first, then lesser ones) as {@code top_logprobs}. The Gemini mock's {@code logprobsResult} is
   * made of the same values.
   */
  public static JsonObject tokenLogprob(String token, int position, int top) {
    double logprob = -0.01 * (position % 10 + 1);
    JsonArray alternatives = new JsonArray();
    for (int i = 0; i < top; i++) {
      String alternative = i == 0 ? token : token + "~" + i;
      alternatives.add(
          new JsonObject()
              .put("token", alternative)
              .put("logprob", i == 0 ? logprob : logprob - i)
              .put("bytes", bytes(alternative)));
    }
    return new JsonObject()
        .put("token", token)
        .put("logprob", logprob)
        .put("bytes", bytes(token))
        .put("top_logprobs", alternatives);
  }

  private static JsonArray bytes(String token) {
    JsonArray bytes = new JsonArray();
    for (byte b : token.getBytes(StandardCharsets.UTF_8)) {
      bytes.add(b & 0xff);
    }
    return bytes;
  }

  /** One SSE event carrying {@code json}. */
  public static String event(JsonObject json) {
    return "data: " + json.encode() + "\n\n";
  }

  private static JsonObject chunk(
      String id,
      long created,
      String model,
      String fingerprint,
      int n,
      JsonObject delta,
      String finishReason,
      boolean includeUsage) {
    JsonArray choices = new JsonArray();
    for (int i = 0; i < n; i++) {
      choices.add(
          new JsonObject()
              .put("index", i)
              .put("delta", delta)
              .put("logprobs", null)
              .put("finish_reason", finishReason));
    }
    JsonObject chunk =
        base(id, created, model, fingerprint, "chat.completion.chunk").put("choices", choices);
    if (includeUsage) {
      // OpenAI sends an explicit null usage on every chunk but the last when usage is requested.
      chunk.put("usage", null);
    }
    return chunk;
  }

  private static JsonObject base(
      String id, long created, String model, String fingerprint, String object) {
    return new JsonObject()
        .put("id", id)
        .put("object", object)
        .put("created", created)
        .put("model", model)
        .put("service_tier", "default")
        .put("system_fingerprint", fingerprint);
  }

  private static JsonObject usage(ChatAnswer answer, int n) {
    return usage(answer.promptTokens(), answer.completionTokens() * n, answer.cachedTokens());
  }

  /** A {@code CompletionUsage} object; details other than cached tokens are zero. */
  public static JsonObject usage(int promptTokens, int completionTokens, int cachedTokens) {
    return new JsonObject()
        .put("prompt_tokens", promptTokens)
        .put("completion_tokens", completionTokens)
        .put("total_tokens", promptTokens + completionTokens)
        .put(
            "prompt_tokens_details",
            new JsonObject().put("cached_tokens", cachedTokens).put("audio_tokens", 0))
        .put(
            "completion_tokens_details",
            new JsonObject()
                .put("reasoning_tokens", 0)
                .put("audio_tokens", 0)
                .put("accepted_prediction_tokens", 0)
                .put("rejected_prediction_tokens", 0));
  }

  /**
   * A {@code CreateEmbeddingResponse}: one deterministic unit vector per input, derived from
   * (model, input text); floats, or little-endian float32 base64 when {@code base64}.
   */
  public static JsonObject embeddings(
      String model, List<String> inputs, int dimensions, boolean base64) {
    JsonArray data = new JsonArray();
    int tokens = 0;
    for (int i = 0; i < inputs.size(); i++) {
      String input = inputs.get(i);
      float[] vector = vector(model, input, dimensions);
      Object embedding;
      if (base64) {
        ByteBuffer buf = ByteBuffer.allocate(4 * dimensions).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : vector) {
          buf.putFloat(f);
        }
        embedding = Base64.getEncoder().encodeToString(buf.array());
      } else {
        JsonArray values = new JsonArray();
        for (float f : vector) {
          values.add((double) f);
        }
        embedding = values;
      }
      data.add(
          new JsonObject().put("object", "embedding").put("index", i).put("embedding", embedding));
      String stripped = input.strip();
      tokens += stripped.isEmpty() ? 0 : stripped.split("\\s+").length;
    }
    return new JsonObject()
        .put("object", "list")
        .put("data", data)
        .put("model", model)
        .put("usage", new JsonObject().put("prompt_tokens", tokens).put("total_tokens", tokens));
  }

  /**
   * The deterministic unit vector for (model, text): a hashed bag of words — the normalised sum of
   * one fixed random vector per (model, lower-cased word) — so texts that share most of their words
   * get similar vectors (as a real embedding model's paraphrases do) and unrelated texts nearly
   * orthogonal ones (at a few hundred dimensions). A text without words gets a random vector of its
   * own.
   */
  public static float[] vector(String model, String text, int dimensions) {
    double[] sum = new double[dimensions];
    boolean words = false;
    for (String word : text.toLowerCase(java.util.Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
      if (!word.isEmpty()) {
        words = true;
        addRandom(sum, model + "\u0000" + word);
      }
    }
    if (!words) {
      addRandom(sum, model + "\u0000" + text);
    }
    double norm = 0;
    for (double d : sum) {
      norm += d * d;
    }
    double scale = norm == 0 ? 1 : 1 / Math.sqrt(norm);
    float[] v = new float[dimensions];
    for (int i = 0; i < dimensions; i++) {
      v[i] = (float) (sum[i] * scale);
    }
    return v;
  }

  private static void addRandom(double[] into, String seed) {
    SplittableRandom random = new SplittableRandom(seed.hashCode());
    for (int i = 0; i < into.length; i++) {
      into[i] += random.nextDouble() * 2 - 1;
    }
  }

  /** A {@code ListModelsResponse}. */
  public static JsonObject models(Collection<String> ids) {
    JsonArray data = new JsonArray();
    ids.forEach(id -> data.add(model(id)));
    return new JsonObject().put("object", "list").put("data", data);
  }

  /** One {@code Model} object. */
  public static JsonObject model(String id) {
    return new JsonObject()
        .put("id", id)
        .put("object", "model")
        .put("created", MODEL_CREATED)
        .put("owned_by", "switchboard-mock");
  }

  /** An OpenAI {@code ErrorResponse} envelope. */
  public static JsonObject error(String message, String type, String param, String code) {
    return new JsonObject()
        .put(
            "error",
            new JsonObject()
                .put("message", message)
                .put("type", type)
                .put("param", param)
                .put("code", code));
  }

  /**
   * Azure OpenAI's content filter verdict on one text: every default category ({@code hate}, {@code
   * self_harm}, {@code sexual}, {@code violence}) {@code safe}, nothing filtered.
   */
  public static JsonObject azureSafeFilterResults() {
    JsonObject results = new JsonObject();
    for (String category : List.of("hate", "self_harm", "sexual", "violence")) {
      results.put(category, new JsonObject().put("filtered", false).put("severity", "safe"));
    }
    return results;
  }

  /** Azure OpenAI's {@code prompt_filter_results}: the verdict on the prompt (index 0). */
  public static JsonArray azurePromptFilterResults() {
    return new JsonArray()
        .add(
            new JsonObject()
                .put("prompt_index", 0)
                .put("content_filter_results", azureSafeFilterResults()));
  }

  /**
   * The event an Azure OpenAI chat stream opens with, before any token: the prompt filter's verdict
   * alone ({@code choices: []}, empty {@code id}, {@code model} and {@code object}, {@code created:
   * 0}), as Azure sends it.
   */
  public static String azurePromptFilterEvent() {
    return event(
        new JsonObject()
            .put("choices", new JsonArray())
            .put("created", 0)
            .put("id", "")
            .put("model", "")
            .put("object", "")
            .put("prompt_filter_results", azurePromptFilterResults()));
  }

  /**
   * An Azure OpenAI chat completion's filter annotations: {@code prompt_filter_results} at the top
   * and each choice's {@code content_filter_results}, as Azure adds them to OpenAI's answer.
   */
  public static JsonObject withAzureFilterResults(JsonObject completion) {
    completion.put("prompt_filter_results", azurePromptFilterResults());
    for (Object choice : completion.getJsonArray("choices")) {
      ((JsonObject) choice).put("content_filter_results", azureSafeFilterResults());
    }
    return completion;
  }

  /**
   * Azure OpenAI's 400 for a prompt its content filter refused: OpenAI's fields ({@code type} null,
   * {@code param: prompt}, {@code code: content_filter}) with {@code status} and the {@code
   * innererror} that says which filter refused ({@code ResponsibleAIPolicyViolation}, {@code
   * content_filter_result} per category: here the jailbreak shield).
   */
  public static JsonObject azurePromptFiltered(String echo) {
    String message =
        "The response was filtered due to the prompt triggering Azure OpenAI's content management"
            + " policy. Please modify your prompt and retry. To learn more about our content"
            + " filtering policies please read our documentation:"
            + " https://go.microsoft.com/fwlink/?linkid=2198766";
    JsonObject results =
        new JsonObject()
            .put("hate", new JsonObject().put("filtered", false).put("severity", "safe"))
            .put("jailbreak", new JsonObject().put("detected", true).put("filtered", true))
            .put("self_harm", new JsonObject().put("filtered", false).put("severity", "safe"))
            .put("sexual", new JsonObject().put("filtered", false).put("severity", "safe"))
            .put("violence", new JsonObject().put("filtered", false).put("severity", "safe"));
    return new JsonObject()
        .put(
            "error",
            new JsonObject()
                .put("message", echo == null ? message : message + " Request received with " + echo)
                .putNull("type")
                .put("param", "prompt")
                .put("code", "content_filter")
                .put("status", 400)
                .put(
                    "innererror",
                    new JsonObject()
                        .put("code", "ResponsibleAIPolicyViolation")
                        .put("content_filter_result", results)));
  }

  /** Azure OpenAI's own error envelope ({@code code} and {@code message} only). */
  public static JsonObject azureError(String code, String message) {
    return new JsonObject()
        .put("error", new JsonObject().put("code", code).put("message", message));
  }
}
