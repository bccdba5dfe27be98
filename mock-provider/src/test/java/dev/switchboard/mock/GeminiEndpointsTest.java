package dev.switchboard.mock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.switchboard.mock.sse.SseEvent;
import dev.switchboard.mock.sse.SseParser;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The mock's Gemini API: answers, streams, embeddings, auth and faults in Gemini's wire format. */
class GeminiEndpointsTest {

  private static final String KEY = "gm-test-key";
  private static final String MODEL = "gemini-2.0-flash";
  private static MockProvider mock;
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() {
    mock =
        MockProvider.startBlocking(
            new MockProviderOptions()
                .keys(KEY)
                .models(
                    MODEL, "gemini-3-flash-preview", "gemini-3-pro-preview", "text-embedding-004")
                .embeddingDimensions(4)
                .resetGraceMs(20));
  }

  @AfterAll
  static void stop() {
    mock.close();
  }

  @BeforeEach
  void reset() {
    mock.reset();
  }

  private static HttpResponse<String> post(String path, JsonObject body, String key, String fault)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(mock.origin() + path))
            .timeout(Duration.ofSeconds(10))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body.encode()));
    if (key != null) {
      b.header("x-goog-api-key", key);
    }
    if (fault != null) {
      b.header(MockProvider.FAULT_HEADER, fault);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private static JsonObject hello(String text) {
    return new JsonObject()
        .put(
            "contents",
            new JsonArray()
                .add(
                    new JsonObject()
                        .put("role", "user")
                        .put("parts", new JsonArray().add(new JsonObject().put("text", text)))));
  }

  private static List<JsonObject> events(String body) {
    SseParser parser = new SseParser();
    List<JsonObject> out = new ArrayList<>();
    for (SseEvent e : parser.feed(body.getBytes(StandardCharsets.UTF_8))) {
      out.add(new JsonObject(e.data()));
    }
    return out;
  }

  @Test
  void generateContentEchoesWithUsageAndFinishReason() throws Exception {
    HttpResponse<String> r =
        post("/v1beta/models/" + MODEL + ":generateContent", hello("hi there"), KEY, null);
    assertThat(r.statusCode()).isEqualTo(200);
    JsonObject body = new JsonObject(r.body());
    JsonObject candidate = body.getJsonArray("candidates").getJsonObject(0);
    assertThat(candidate.getString("finishReason")).isEqualTo("STOP");
    assertThat(candidate.getJsonObject("content").getString("role")).isEqualTo("model");
    assertThat(
            candidate
                .getJsonObject("content")
                .getJsonArray("parts")
                .getJsonObject(0)
                .getString("text"))
        .isEqualTo("Echo from " + MODEL + ": hi there");
    assertThat(body.getString("modelVersion")).isEqualTo(MODEL);
    JsonObject usage = body.getJsonObject("usageMetadata");
    assertThat(usage.getInteger("candidatesTokenCount")).isPositive();
    assertThat(usage.getInteger("totalTokenCount"))
        .isEqualTo(usage.getInteger("promptTokenCount") + usage.getInteger("candidatesTokenCount"));
    assertThat(mock.requests().get(0).headers().get("x-goog-api-key"))
        .containsExactly("[redacted]");
  }

  @Test
  void cachedTokensAreReportedAsCachedContentTokenCount() throws Exception {
    HttpResponse<String> r =
        post(
            "/v1beta/models/" + MODEL + ":generateContent",
            hello("hi"),
            KEY,
            "prompt-tokens:1000,cached-tokens:200");
    JsonObject usage = new JsonObject(r.body()).getJsonObject("usageMetadata");
    assertThat(usage.getInteger("promptTokenCount")).isEqualTo(1000);
    assertThat(usage.getInteger("cachedContentTokenCount")).isEqualTo(200);
  }

  @Test
  void toolsAndJsonModeAndMaxTokens() throws Exception {
    JsonObject tools =
        hello("call lookup please")
            .put(
                "tools",
                new JsonArray()
                    .add(
                        new JsonObject()
                            .put(
                                "functionDeclarations",
                                new JsonArray().add(new JsonObject().put("name", "lookup")))));
    JsonObject call =
        new JsonObject(
                post("/v1beta/models/" + MODEL + ":generateContent", tools, KEY, null).body())
            .getJsonArray("candidates")
            .getJsonObject(0);
    JsonObject functionCall =
        call.getJsonObject("content")
            .getJsonArray("parts")
            .getJsonObject(0)
            .getJsonObject("functionCall");
    assertThat(functionCall.getString("name")).isEqualTo("lookup");
    assertThat(functionCall.getJsonObject("args").getString("query"))
        .isEqualTo("call lookup please");
    assertThat(call.getString("finishReason")).isEqualTo("STOP");

    JsonObject json =
        hello("x")
            .put("generationConfig", new JsonObject().put("responseMimeType", "application/json"));
    String text =
        new JsonObject(post("/v1beta/models/" + MODEL + ":generateContent", json, KEY, null).body())
            .getJsonArray("candidates")
            .getJsonObject(0)
            .getJsonObject("content")
            .getJsonArray("parts")
            .getJsonObject(0)
            .getString("text");
    assertThat(new JsonObject(text).getString("model")).isEqualTo(MODEL);

    JsonObject limited =
        hello("one two three four")
            .put("generationConfig", new JsonObject().put("maxOutputTokens", 2));
    assertThat(
            new JsonObject(
                    post("/v1beta/models/" + MODEL + ":generateContent", limited, KEY, null).body())
                .getJsonArray("candidates")
                .getJsonObject(0)
                .getString("finishReason"))
        .isEqualTo("MAX_TOKENS");
  }

  @Test
  void schemasGeminiRefusesAreA400InGooglesShape() throws Exception {
    JsonObject parameters =
        new JsonObject()
            .put("type", "OBJECT")
            .put(
                "properties",
                new JsonObject()
                    .put("url", new JsonObject().put("type", "STRING").put("format", "uri"))
                    .put(
                        "level",
                        new JsonObject()
                            .put("type", "INTEGER")
                            .put("enum", new JsonArray().add("1").add("2")))
                    .put("meta", new JsonObject().put("type", "OBJECT")));
    JsonObject request =
        hello("x")
            .put(
                "tools",
                new JsonArray()
                    .add(
                        new JsonObject()
                            .put(
                                "functionDeclarations",
                                new JsonArray()
                                    .add(
                                        new JsonObject()
                                            .put("name", "f")
                                            .put("parameters", parameters)))))
            .put(
                "generationConfig",
                new JsonObject().put("responseSchema", new JsonObject().put("type", "OBJECT")));
    HttpResponse<String> r =
        post("/v1beta/models/" + MODEL + ":generateContent", request, KEY, null);

    assertThat(r.statusCode()).isEqualTo(400);
    JsonObject error = new JsonObject(r.body()).getJsonObject("error");
    assertThat(error.getString("status")).isEqualTo("INVALID_ARGUMENT");
    String at = "* GenerateContentRequest.tools[0].function_declarations[0].parameters";
    assertThat(error.getString("message"))
        .contains(
            at
                + ".properties[url].format: only 'date-time' and 'enum' are supported for STRING"
                + " type")
        .contains(at + ".properties[level].enum: only allowed for STRING type")
        .contains(at + ".properties[meta].properties: should be non-empty for OBJECT type")
        .contains(
            "* GenerateContentRequest.generation_config.response_schema.properties: should be"
                + " non-empty for OBJECT type");
  }

  @Test
  void gemini3SignsItsCallsAndRefusesOneReplayedWithoutTheSignature() throws Exception {
    String path = "/v1beta/models/gemini-3-flash-preview:generateContent";
    JsonObject ask =
        hello("call lookup please")
            .put(
                "tools",
                new JsonArray()
                    .add(
                        new JsonObject()
                            .put(
                                "functionDeclarations",
                                new JsonArray().add(new JsonObject().put("name", "lookup")))));
    JsonObject part =
        new JsonObject(post(path, ask, KEY, null).body())
            .getJsonArray("candidates")
            .getJsonObject(0)
            .getJsonObject("content")
            .getJsonArray("parts")
            .getJsonObject(0);
    assertThat(part.getString("thoughtSignature")).isNotEmpty();

    JsonObject replay = ask.copy();
    replay
        .getJsonArray("contents")
        .add(new JsonObject().put("role", "model").put("parts", new JsonArray().add(part)))
        .add(
            new JsonObject()
                .put("role", "user")
                .put(
                    "parts",
                    new JsonArray()
                        .add(
                            new JsonObject()
                                .put(
                                    "functionResponse",
                                    new JsonObject()
                                        .put("name", "lookup")
                                        .put("response", new JsonObject().put("n", 1))))));
    assertThat(post(path, replay, KEY, null).statusCode()).isEqualTo(200);

    part.remove("thoughtSignature");
    HttpResponse<String> unsigned = post(path, replay, KEY, null);
    assertThat(unsigned.statusCode()).isEqualTo(400);
    // Google's message alone, as Gemini answers it (not a "* GenerateContentRequest." field line).
    assertThat(new JsonObject(unsigned.body()).getJsonObject("error").getString("message"))
        .startsWith("Function call is missing a thought_signature in functionCall parts.")
        .endsWith(
            "function call `default_api:lookup` , position 2. Please refer to"
                + " https://ai.google.dev/gemini-api/docs/thought-signatures for more details.");
    part.put("thoughtSignature", "bm90LW1pbmU=");
    HttpResponse<String> corrupted = post(path, replay, KEY, null);
    assertThat(corrupted.statusCode()).isEqualTo(400);
    JsonObject error = new JsonObject(corrupted.body()).getJsonObject("error");
    assertThat(error.getString("message")).isEqualTo("Corrupted thought signature.");
    assertThat(error.getString("status")).isEqualTo("INVALID_ARGUMENT");
    part.put("thoughtSignature", "skip_thought_signature_validator");
    assertThat(post(path, replay, KEY, null).statusCode()).isEqualTo(200);
    // Gemini 2 neither signs nor checks.
    part.remove("thoughtSignature");
    assertThat(post("/v1beta/models/" + MODEL + ":generateContent", replay, KEY, null).statusCode())
        .isEqualTo(200);
  }

  @Test
  void thinkingConfigsAModelDoesNotTakeAreRefused() throws Exception {
    record Case(String model, JsonObject thinking, String message) {}
    List<Case> cases =
        List.of(
            new Case(
                "gemini-3-pro-preview",
                new JsonObject().put("thinkingLevel", "medium"),
                "Thinking level MEDIUM is not supported for this model."),
            new Case(
                MODEL,
                new JsonObject().put("thinkingLevel", "low"),
                "Thinking level is not supported for this model."),
            new Case(
                "gemini-3-flash-preview",
                new JsonObject().put("thinkingLevel", "low").put("thinkingBudget", 1024),
                "only one of thinking budget and thinking level"));
    for (Case c : cases) {
      JsonObject request =
          hello("x").put("generationConfig", new JsonObject().put("thinkingConfig", c.thinking()));
      HttpResponse<String> r =
          post("/v1beta/models/" + c.model() + ":generateContent", request, KEY, null);
      assertThat(r.statusCode()).as(c.toString()).isEqualTo(400);
      assertThat(new JsonObject(r.body()).getJsonObject("error").getString("message"))
          .contains(c.message());
    }
    JsonObject fine =
        hello("x")
            .put(
                "generationConfig",
                new JsonObject()
                    .put("thinkingConfig", new JsonObject().put("thinkingLevel", "high")));
    assertThat(
            post("/v1beta/models/gemini-3-pro-preview:generateContent", fine, KEY, null)
                .statusCode())
        .isEqualTo(200);
  }

  @Test
  void streamIsSseWithoutDoneAndFinishesOnTheLastEvent() throws Exception {
    HttpResponse<String> r =
        post(
            "/v1beta/models/" + MODEL + ":streamGenerateContent?alt=sse",
            hello("a b c"),
            KEY,
            null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
    assertThat(r.body()).doesNotContain("[DONE]").contains("\r\n\r\n");
    List<JsonObject> events = events(r.body());
    StringBuilder text = new StringBuilder();
    for (JsonObject e : events) {
      text.append(
          e.getJsonArray("candidates")
              .getJsonObject(0)
              .getJsonObject("content")
              .getJsonArray("parts")
              .getJsonObject(0)
              .getString("text"));
    }
    assertThat(text.toString()).isEqualTo("Echo from " + MODEL + ": a b c");
    JsonObject last = events.get(events.size() - 1);
    assertThat(last.getJsonArray("candidates").getJsonObject(0).getString("finishReason"))
        .isEqualTo("STOP");
    assertThat(
            events.get(0).getJsonArray("candidates").getJsonObject(0).containsKey("finishReason"))
        .isFalse();
    assertThat(last.getJsonObject("usageMetadata").getInteger("candidatesTokenCount"))
        .isEqualTo(events.size());
  }

  /**
   * {@code responseLogprobs: true} gets each text candidate a {@code logprobsResult} in Gemini's
   * wire format (the Google Gen AI SDKs' {@code LogprobsResult}: {@code chosenCandidates} and
   * {@code topCandidates[].candidates} of {@code token}, {@code tokenId}, {@code logProbability}),
   * one chosen token per piece of the answer, so the tokens join to the candidate's text; {@code
   * logprobs: N} the N best per step, sorted best first; and {@code avgLogprobs}. The same request
   * twice gets the same values. {@code logprobs} outside 0 to 20 is refused; without {@code
   * responseLogprobs} there is no {@code logprobsResult}.
   */
  @Test
  void responseLogprobsAnswersALogprobsResultMatchingTheText() throws Exception {
    JsonObject asked =
        hello("a b c")
            .put(
                "generationConfig",
                new JsonObject()
                    .put("responseLogprobs", true)
                    .put("logprobs", 2)
                    .put("candidateCount", 2));
    HttpResponse<String> r = post("/v1beta/models/" + MODEL + ":generateContent", asked, KEY, null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonArray candidates = new JsonObject(r.body()).getJsonArray("candidates");
    assertThat(candidates).hasSize(2);
    for (Object c : candidates) {
      JsonObject candidate = (JsonObject) c;
      String text =
          candidate
              .getJsonObject("content")
              .getJsonArray("parts")
              .getJsonObject(0)
              .getString("text");
      JsonObject result = candidate.getJsonObject("logprobsResult");
      JsonArray chosen = result.getJsonArray("chosenCandidates");
      JsonArray top = result.getJsonArray("topCandidates");
      assertThat(chosen.size()).isGreaterThan(1).isEqualTo(top.size());
      StringBuilder joined = new StringBuilder();
      double sum = 0;
      for (int step = 0; step < chosen.size(); step++) {
        JsonObject token = chosen.getJsonObject(step);
        assertThat(token.fieldNames())
            .containsExactlyInAnyOrder("token", "tokenId", "logProbability");
        assertThat(token.getValue("tokenId")).isInstanceOf(Integer.class);
        assertThat(token.getDouble("logProbability")).isNegative();
        joined.append(token.getString("token"));
        sum += token.getDouble("logProbability");
        JsonArray best = top.getJsonObject(step).getJsonArray("candidates");
        assertThat(best).hasSize(2);
        assertThat(best.getJsonObject(0).getDouble("logProbability"))
            .isGreaterThan(best.getJsonObject(1).getDouble("logProbability"));
        assertThat(best.getJsonObject(1).fieldNames())
            .containsExactlyInAnyOrder("token", "tokenId", "logProbability");
      }
      assertThat(joined.toString()).isEqualTo(text);
      assertThat(result.getDouble("logProbabilitySum")).isCloseTo(sum, within(1e-9));
      assertThat(candidate.getDouble("avgLogprobs")).isCloseTo(sum / chosen.size(), within(1e-9));
    }
    HttpResponse<String> again =
        post("/v1beta/models/" + MODEL + ":generateContent", asked, KEY, null);
    assertThat(new JsonObject(again.body()).getJsonArray("candidates").getJsonObject(0))
        .isEqualTo(candidates.getJsonObject(0));

    // responseLogprobs alone: the chosen tokens, no top candidates.
    JsonObject chosenOnly =
        hello("a b").put("generationConfig", new JsonObject().put("responseLogprobs", true));
    JsonObject only =
        new JsonObject(
                post("/v1beta/models/" + MODEL + ":generateContent", chosenOnly, KEY, null).body())
            .getJsonArray("candidates")
            .getJsonObject(0)
            .getJsonObject("logprobsResult");
    assertThat(only.getJsonArray("chosenCandidates")).isNotEmpty();
    assertThat(only.containsKey("topCandidates")).isFalse();

    // Not asked: none.
    JsonObject plain =
        new JsonObject(
                post("/v1beta/models/" + MODEL + ":generateContent", hello("a b"), KEY, null)
                    .body())
            .getJsonArray("candidates")
            .getJsonObject(0);
    assertThat(plain.containsKey("logprobsResult")).isFalse();
    assertThat(plain.containsKey("avgLogprobs")).isFalse();

    for (int outOfRange : new int[] {-1, 21}) {
      JsonObject tooMany =
          hello("a b")
              .put(
                  "generationConfig",
                  new JsonObject().put("responseLogprobs", true).put("logprobs", outOfRange));
      HttpResponse<String> refused =
          post("/v1beta/models/" + MODEL + ":generateContent", tooMany, KEY, null);
      assertThat(refused.statusCode()).isEqualTo(400);
      JsonObject error = new JsonObject(refused.body()).getJsonObject("error");
      assertThat(error.getString("status")).isEqualTo("INVALID_ARGUMENT");
      assertThat(error.getString("message"))
          .contains("generation_config.logprobs")
          .contains("[0, 20]");
    }
    JsonObject twenty =
        hello("a b")
            .put(
                "generationConfig",
                new JsonObject().put("responseLogprobs", true).put("logprobs", 20));
    assertThat(post("/v1beta/models/" + MODEL + ":generateContent", twenty, KEY, null).statusCode())
        .isEqualTo(200);
  }

  /**
   * Gemini gives logprobs in a generateContent answer only and refuses a stream asked for them, in
   * Google's envelope; the same request not streamed, or streamed without them, is answered.
   */
  @Test
  void aStreamAskedForLogprobsIsRefusedAsGeminiRefusesIt() throws Exception {
    JsonObject asked =
        hello("a b")
            .put(
                "generationConfig",
                new JsonObject().put("responseLogprobs", true).put("logprobs", 2));
    HttpResponse<String> r =
        post("/v1beta/models/" + MODEL + ":streamGenerateContent?alt=sse", asked, KEY, null);

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("application/json");
    JsonObject error = new JsonObject(r.body()).getJsonObject("error");
    assertThat(error.getInteger("code")).isEqualTo(400);
    assertThat(error.getString("status")).isEqualTo("INVALID_ARGUMENT");
    assertThat(error.getString("message")).contains("Logprobs is not supported for streaming");

    assertThat(post("/v1beta/models/" + MODEL + ":generateContent", asked, KEY, null).statusCode())
        .isEqualTo(200);
    JsonObject notAsked =
        hello("a b").put("generationConfig", new JsonObject().put("responseLogprobs", false));
    assertThat(
            post("/v1beta/models/" + MODEL + ":streamGenerateContent?alt=sse", notAsked, KEY, null)
                .statusCode())
        .isEqualTo(200);
  }

  @Test
  void streamFaultsCutBeforeTheFinishingEventOrSendAGoogleError() throws Exception {
    String path = "/v1beta/models/" + MODEL + ":streamGenerateContent?alt=sse";
    List<JsonObject> truncated = events(post(path, hello("a b c d e"), KEY, "truncate:99").body());
    assertThat(truncated).isNotEmpty();
    assertThat(truncated)
        .allSatisfy(
            e ->
                assertThat(
                        e.getJsonArray("candidates").getJsonObject(0).containsKey("finishReason"))
                    .isFalse());

    List<JsonObject> failed = events(post(path, hello("a b c d e"), KEY, "stream-error:2").body());
    assertThat(failed).hasSize(3);
    JsonObject error = failed.get(2).getJsonObject("error");
    assertThat(error.getInteger("code")).isEqualTo(500);
    assertThat(error.getString("status")).isEqualTo("INTERNAL");

    List<JsonObject> refused = events(post(path, hello("x"), KEY, "refusal").body());
    assertThat(refused).hasSize(1);
    assertThat(refused.get(0).getJsonArray("candidates").getJsonObject(0).getString("finishReason"))
        .isEqualTo("SAFETY");

    List<JsonObject> cut = events(post(path, hello("a b"), KEY, "gemini-finish:other").body());
    JsonObject last = cut.get(cut.size() - 1).getJsonArray("candidates").getJsonObject(0);
    assertThat(last.getString("finishReason")).isEqualTo("OTHER");
    JsonObject whole =
        new JsonObject(
            post(
                    "/v1beta/models/" + MODEL + ":generateContent",
                    hello("x"),
                    KEY,
                    "gemini-finish:MALFORMED_FUNCTION_CALL")
                .body());
    assertThat(whole.getJsonArray("candidates").getJsonObject(0).getString("finishReason"))
        .isEqualTo("MALFORMED_FUNCTION_CALL");
  }

  @Test
  void rateLimitCarriesRetryInfoInTheBodyNotAHeader() throws Exception {
    HttpResponse<String> r =
        post(
            "/v1beta/models/" + MODEL + ":generateContent",
            hello("x"),
            KEY,
            "status:429;retry-after-ms=1500");
    assertThat(r.statusCode()).isEqualTo(429);
    assertThat(r.headers().firstValue("retry-after")).isEmpty();
    JsonObject error = new JsonObject(r.body()).getJsonObject("error");
    assertThat(error.getString("status")).isEqualTo("RESOURCE_EXHAUSTED");
    assertThat(error.getInteger("code")).isEqualTo(429);
    JsonObject retry =
        error.getJsonArray("details").stream()
            .map(JsonObject.class::cast)
            .filter(d -> d.getString("@type").endsWith("google.rpc.RetryInfo"))
            .findFirst()
            .orElseThrow();
    assertThat(retry.getString("retryDelay")).isEqualTo("1.5s");

    HttpResponse<String> unavailable =
        post("/v1beta/models/" + MODEL + ":generateContent", hello("x"), KEY, "status:503");
    assertThat(new JsonObject(unavailable.body()).getJsonObject("error").getString("status"))
        .isEqualTo("UNAVAILABLE");
  }

  @Test
  void authErrorsAreGooglesAndNeverEchoTheKey() throws Exception {
    HttpResponse<String> wrong =
        post("/v1beta/models/" + MODEL + ":generateContent", hello("x"), "gm-wrong", null);
    assertThat(wrong.statusCode()).isEqualTo(400);
    assertThat(wrong.body()).contains("API_KEY_INVALID").doesNotContain("gm-wrong");
    HttpResponse<String> missing =
        post("/v1beta/models/" + MODEL + ":generateContent", hello("x"), null, null);
    assertThat(missing.statusCode()).isEqualTo(403);
    assertThat(new JsonObject(missing.body()).getJsonObject("error").getString("status"))
        .isEqualTo("PERMISSION_DENIED");
    HttpResponse<String> unknown =
        post("/v1beta/models/nope:generateContent", hello("x"), KEY, null);
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(new JsonObject(unknown.body()).getJsonObject("error").getString("status"))
        .isEqualTo("NOT_FOUND");
    HttpResponse<String> empty =
        post("/v1beta/models/" + MODEL + ":generateContent", new JsonObject(), KEY, null);
    assertThat(empty.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(empty.body()).getJsonObject("error").getString("status"))
        .isEqualTo("INVALID_ARGUMENT");
  }

  @Test
  void embeddingsReadOnlyTheFirst2048TokensAsGeminiDoes() throws Exception {
    String opening = "word ".repeat(2048);
    JsonArray shared = embedOne(opening + "ending about volcanoes");
    JsonArray other = embedOne(opening + "ending about photosynthesis");
    JsonArray shortOne = embedOne("short text about volcanoes");
    JsonArray shortOther = embedOne("short text about photosynthesis");

    // Past 2,048 tokens the ending is cut silently: two texts, one vector, no error.
    assertThat(shared).isEqualTo(other);
    assertThat(shortOne).isNotEqualTo(shortOther);
  }

  private static JsonArray embedOne(String text) throws Exception {
    JsonObject content =
        new JsonObject().put("parts", new JsonArray().add(new JsonObject().put("text", text)));
    HttpResponse<String> response =
        post(
            "/v1beta/models/text-embedding-004:embedContent",
            new JsonObject().put("content", content),
            KEY,
            null);
    assertThat(response.statusCode()).isEqualTo(200);
    return new JsonObject(response.body()).getJsonObject("embedding").getJsonArray("values");
  }

  @Test
  void embeddingsBatchAndSingleAndModelList() throws Exception {
    JsonObject part =
        new JsonObject().put("parts", new JsonArray().add(new JsonObject().put("text", "a")));
    JsonObject batch =
        new JsonObject()
            .put(
                "requests",
                new JsonArray()
                    .add(
                        new JsonObject()
                            .put("model", "models/text-embedding-004")
                            .put("content", part))
                    .add(
                        new JsonObject()
                            .put("model", "models/text-embedding-004")
                            .put("content", part)
                            .put("outputDimensionality", 4)));
    JsonObject out =
        new JsonObject(
            post("/v1beta/models/text-embedding-004:batchEmbedContents", batch, KEY, null).body());
    assertThat(out.getJsonArray("embeddings")).hasSize(2);
    assertThat(out.getJsonArray("embeddings").getJsonObject(0).getJsonArray("values")).hasSize(4);
    JsonObject single =
        new JsonObject(
            post(
                    "/v1beta/models/text-embedding-004:embedContent",
                    new JsonObject().put("content", part),
                    KEY,
                    null)
                .body());
    assertThat(single.getJsonObject("embedding").getJsonArray("values")).hasSize(4);

    HttpResponse<String> models =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(mock.origin() + "/v1beta/models"))
                .header("x-goog-api-key", KEY)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(models.statusCode()).isEqualTo(200);
    assertThat(
            new JsonObject(models.body()).getJsonArray("models").getJsonObject(0).getString("name"))
        .isEqualTo("models/" + MODEL);
  }
}
