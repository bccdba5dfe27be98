package dev.switchboard.mock;

import static dev.switchboard.mock.MockClient.chat;
import static dev.switchboard.mock.MockClient.streamingChat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.mock.openai.OpenAiPayloads;
import dev.switchboard.mock.openapi.OpenAiWireFormat;
import dev.switchboard.mock.record.RequestRecord;
import dev.switchboard.mock.sse.ChatStreamTranscript;
import dev.switchboard.mock.sse.SseEvent;
import dev.switchboard.mock.sse.SseParser;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The happy paths of the OpenAI and Azure wire formats, auth, key rotation and recording. */
class MockProviderTest {

  private static final String KEY = "sk-test-primary";
  private static final String BEARER = "Bearer " + KEY;
  private static MockProvider mock;
  private static MockClient client;

  @BeforeAll
  static void start() {
    mock =
        MockProvider.startBlocking(
            new MockProviderOptions()
                .keys(KEY)
                .models("gpt-4o-mini", "text-embedding-3-small")
                .alias("gpt-4o", "gpt-4o-2024-08-06")
                .systemFingerprint("fp_test"));
    client = new MockClient(mock);
  }

  @AfterAll
  static void stop() {
    mock.close();
  }

  @BeforeEach
  void reset() {
    mock.reset();
    mock.setKeys(KEY);
  }

  @Test
  void baseUrlPointsAtTheV1Root() {
    assertThat(mock.baseUrl()).isEqualTo("http://127.0.0.1:" + mock.port() + "/v1");
  }

  @Test
  void chatCompletionEchoesDeterministicContentAndResolvedModel() throws Exception {
    HttpResponse<String> res =
        client.send(
            client.post(
                "/v1/chat/completions",
                "{\"model\":\"gpt-4o\",\"seed\":7,\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},"
                    + "{\"role\":\"user\",\"content\":\"hello world\"}]}",
                "authorization",
                BEARER));

    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.headers().firstValue("content-type")).hasValue("application/json");
    JsonObject body = new JsonObject(res.body());
    assertThat(body.getString("object")).isEqualTo("chat.completion");
    assertThat(body.getString("model")).isEqualTo("gpt-4o-2024-08-06");
    assertThat(body.getString("system_fingerprint")).isEqualTo("fp_test");
    JsonObject choice = body.getJsonArray("choices").getJsonObject(0);
    assertThat(choice.getString("finish_reason")).isEqualTo("stop");
    assertThat(choice.getJsonObject("message").getString("role")).isEqualTo("assistant");
    assertThat(choice.getJsonObject("message").getString("content"))
        .isEqualTo("Echo from gpt-4o-2024-08-06: hello world (seed 7)");
    JsonObject usage = body.getJsonObject("usage");
    assertThat(usage.getInteger("total_tokens"))
        .isEqualTo(usage.getInteger("prompt_tokens") + usage.getInteger("completion_tokens"));
    assertThat(usage.getJsonObject("prompt_tokens_details").getInteger("cached_tokens")).isZero();
    assertThat(mock.attempts("gpt-4o")).isEqualTo(1);
  }

  @Test
  void longUserMessagesAreEchoedUpTo200Characters() throws Exception {
    String text = "x".repeat(300);
    HttpResponse<String> res =
        client.send(
            client.post(
                "/v1/chat/completions", chat("gpt-4o-mini", text), "authorization", BEARER));

    String content =
        new JsonObject(res.body())
            .getJsonArray("choices")
            .getJsonObject(0)
            .getJsonObject("message")
            .getString("content");
    assertThat(content).isEqualTo("Echo from gpt-4o-mini: " + "x".repeat(200));
  }

  @Test
  void maxTokensCutsTheAnswerWithFinishReasonLength() throws Exception {
    HttpResponse<String> res =
        client.send(
            client.post(
                "/v1/chat/completions",
                "{\"model\":\"gpt-4o-mini\",\"max_tokens\":2,\"messages\":[{\"role\":\"user\",\"content\":\"one two three\"}]}",
                "authorization",
                BEARER));

    JsonObject body = new JsonObject(res.body());
    JsonObject choice = body.getJsonArray("choices").getJsonObject(0);
    assertThat(choice.getString("finish_reason")).isEqualTo("length");
    assertThat(choice.getJsonObject("message").getString("content")).isEqualTo("Echo from");
    assertThat(body.getJsonObject("usage").getInteger("completion_tokens")).isEqualTo(2);
  }

  @Test
  void streamHasRoleFirstContentDeltasFinishReasonUsageAndDone() throws Exception {
    HttpResponse<String> res =
        client.send(
            client.post(
                "/v1/chat/completions",
                streamingChat("gpt-4o", "hi there", true),
                "authorization",
                BEARER));

    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.headers().firstValue("content-type"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
    ChatStreamTranscript t = ChatStreamTranscript.of(res.body());
    assertThat(t.problems()).isEmpty();
    assertThat(t.content()).isEqualTo("Echo from gpt-4o-2024-08-06: hi there");
    assertThat(t.finishReason()).isEqualTo("stop");
    assertThat(t.usage()).isNotNull();
    assertThat(t.usage().path("completion_tokens").asInt()).isEqualTo(5);
    // The usage chunk comes last before [DONE] and has no choices.
    assertThat(t.chunks().get(t.chunks().size() - 1).path("choices").size()).isZero();
    assertThat(res.body()).endsWith("data: [DONE]\n\n");
  }

  /**
   * {@code logprobs: true} with {@code top_logprobs} is answered as OpenAI answers it: per content
   * token its {@code logprob}, UTF-8 {@code bytes} and alternatives, in the JSON answer's choice
   * and, one token per content delta, in each streamed chunk's choice; without it, {@code logprobs:
   * null}.
   */
  @Test
  void logprobsAreAnsweredWhenAskedJsonAndStreamed() throws Exception {
    String asked =
        "{\"model\":\"gpt-4o\",\"logprobs\":true,\"top_logprobs\":2,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi there\"}]%s}";
    HttpResponse<String> json =
        client.send(
            client.post("/v1/chat/completions", asked.formatted(""), "authorization", BEARER));
    JsonObject choice = new JsonObject(json.body()).getJsonArray("choices").getJsonObject(0);
    JsonArray tokens = choice.getJsonObject("logprobs").getJsonArray("content");
    StringBuilder text = new StringBuilder();
    for (Object t : tokens) {
      JsonObject token = (JsonObject) t;
      text.append(token.getString("token"));
      assertThat(token.getDouble("logprob")).isNegative();
      assertThat(token.getJsonArray("bytes").size())
          .isEqualTo(token.getString("token").getBytes(StandardCharsets.UTF_8).length);
      assertThat(token.getJsonArray("top_logprobs")).hasSize(2);
    }
    assertThat(text.toString()).isEqualTo(choice.getJsonObject("message").getString("content"));

    HttpResponse<String> streamed =
        client.send(
            client.post(
                "/v1/chat/completions",
                asked.formatted(",\"stream\":true"),
                "authorization",
                BEARER));
    ChatStreamTranscript t = ChatStreamTranscript.of(streamed.body());
    assertThat(t.problems()).isEmpty();
    StringBuilder streamedTokens = new StringBuilder();
    for (var chunk : t.chunks()) {
      var c = chunk.path("choices").path(0);
      String piece = c.path("delta").path("content").asText("");
      if (piece.isEmpty()) {
        assertThat(c.path("logprobs").isNull()).isTrue();
      } else {
        assertThat(c.at("/logprobs/content/0/token").asText()).isEqualTo(piece);
        streamedTokens.append(piece);
      }
    }
    assertThat(streamedTokens.toString()).isEqualTo(t.content());

    HttpResponse<String> plain =
        client.send(
            client.post(
                "/v1/chat/completions",
                "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                "authorization",
                BEARER));
    assertThat(
            new JsonObject(plain.body())
                .getJsonArray("choices")
                .getJsonObject(0)
                .getValue("logprobs"))
        .isNull();
  }

  @Test
  void streamWithoutIncludeUsageHasNoUsageChunk() throws Exception {
    HttpResponse<String> res =
        client.send(
            client.post(
                "/v1/chat/completions",
                streamingChat("gpt-4o-mini", "a", false),
                "authorization",
                BEARER));

    ChatStreamTranscript t = ChatStreamTranscript.of(res.body());
    assertThat(t.problems()).isEmpty();
    assertThat(t.usage()).isNull();
    assertThat(t.chunks()).allSatisfy(c -> assertThat(c.has("usage")).isFalse());
  }

  @Test
  void streamChunksHeaderControlsTheNumberOfContentDeltas() throws Exception {
    HttpResponse<String> res =
        client.send(
            client.post(
                "/v1/chat/completions",
                streamingChat("gpt-4o-mini", "bench", true),
                "authorization",
                BEARER,
                MockProvider.STREAM_CHUNKS_HEADER,
                "40"));

    ChatStreamTranscript t = ChatStreamTranscript.of(res.body());
    assertThat(t.problems()).isEmpty();
    long contentDeltas =
        t.chunks().stream()
            .filter(c -> c.path("choices").path(0).path("delta").has("content"))
            .filter(c -> !c.path("choices").path(0).path("delta").has("role"))
            .count();
    assertThat(contentDeltas).isEqualTo(40);
    assertThat(t.usage().path("completion_tokens").asInt()).isEqualTo(40);
  }

  @Test
  void fastPathAnswersAFixedCompletionWithoutRecording() throws Exception {
    HttpResponse<String> res =
        client.send(
            client.post(
                "/v1/chat/completions",
                chat("gpt-4o-mini", "ignored"),
                "authorization",
                BEARER,
                MockProvider.FAST_HEADER,
                "true"));

    JsonObject body = new JsonObject(res.body());
    assertThat(
            body.getJsonArray("choices")
                .getJsonObject(0)
                .getJsonObject("message")
                .getString("content"))
        .isEqualTo("This is the mock provider's fixed fast-path answer.");
    assertThat(body.getString("model")).isEqualTo("gpt-4o-mini");
    assertThat(mock.attempts("gpt-4o-mini")).isEqualTo(1);
    assertThat(mock.requests()).isEmpty();
  }

  @Test
  void explicitNullOptionalParametersAreAccepted() throws Exception {
    HttpResponse<String> res =
        client.send(
            client.post(
                "/v1/chat/completions",
                "{\"model\":\"gpt-4o-mini\",\"n\":null,\"seed\":null,\"max_tokens\":null,"
                    + "\"stream_options\":null,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
                "authorization",
                BEARER));

    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(res.body()).getJsonArray("choices")).hasSize(1);
  }

  @Test
  void jsonModeAnswersValidJson() throws Exception {
    HttpResponse<String> res =
        client.send(
            client.post(
                "/v1/chat/completions",
                "{\"model\":\"gpt-4o-mini\",\"response_format\":{\"type\":\"json_object\"},"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"give json\"}]}",
                "authorization",
                BEARER));

    String content =
        new JsonObject(res.body())
            .getJsonArray("choices")
            .getJsonObject(0)
            .getJsonObject("message")
            .getString("content");
    assertThat(new JsonObject(content).getString("echo")).isEqualTo("give json");
  }

  @Test
  void requiredToolChoiceReturnsAToolCall() throws Exception {
    HttpResponse<String> res =
        client.send(
            client.post(
                "/v1/chat/completions",
                "{\"model\":\"gpt-4o-mini\",\"tool_choice\":\"required\",\"tools\":[{\"type\":\"function\","
                    + "\"function\":{\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\"}}}],"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"weather in Berlin?\"}]}",
                "authorization",
                BEARER));

    JsonObject choice = new JsonObject(res.body()).getJsonArray("choices").getJsonObject(0);
    assertThat(choice.getString("finish_reason")).isEqualTo("tool_calls");
    JsonObject call = choice.getJsonObject("message").getJsonArray("tool_calls").getJsonObject(0);
    assertThat(call.getJsonObject("function").getString("name")).isEqualTo("get_weather");
    assertThat(
            new JsonObject(call.getJsonObject("function").getString("arguments"))
                .getString("query"))
        .isEqualTo("weather in Berlin?");
  }

  @Test
  void aToolCallForcedByNameFinishesWithStopAsOpenAiAnswersIt() throws Exception {
    String request =
        "{\"model\":\"gpt-4o-mini\",\"tool_choice\":{\"type\":\"function\",\"function\":"
            + "{\"name\":\"get_weather\"}},\"tools\":[{\"type\":\"function\",\"function\":"
            + "{\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\"}}}],"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Berlin\"}]";
    JsonObject choice =
        new JsonObject(
                client
                    .send(
                        client.post("/v1/chat/completions", request + "}", "authorization", BEARER))
                    .body())
            .getJsonArray("choices")
            .getJsonObject(0);
    assertThat(choice.getString("finish_reason")).isEqualTo("stop");
    assertThat(choice.getJsonObject("message").getJsonArray("tool_calls")).hasSize(1);

    String stream =
        client
            .send(
                client.post(
                    "/v1/chat/completions", request + ",\"stream\":true}", "authorization", BEARER))
            .body();
    List<String> finishes = new ArrayList<>();
    for (SseEvent e : SseParser.parseAll(stream)) {
      if (!e.isDone()) {
        Object finish =
            new JsonObject(e.data())
                .getJsonArray("choices")
                .getJsonObject(0)
                .getValue("finish_reason");
        if (finish != null) {
          finishes.add(finish.toString());
        }
      }
    }
    assertThat(finishes).containsExactly("stop");
  }

  @Test
  void anInputOverTheModelsLimitIsRefusedNotTruncated() throws Exception {
    String tooLong = "word ".repeat(8193);
    var response =
        client.send(
            client.post(
                "/v1/embeddings",
                new JsonObject()
                    .put("model", "text-embedding-3-small")
                    .put("input", new JsonArray().add("short").add(tooLong))
                    .encode(),
                "authorization",
                BEARER));

    assertThat(response.statusCode()).isEqualTo(400);
    JsonObject error = new JsonObject(response.body()).getJsonObject("error");
    assertThat(error.getString("type")).isEqualTo("invalid_request_error");
    assertThat(error.getString("message"))
        .startsWith(
            "This model's maximum context length is 8192 tokens, however you requested 8193");
    String atTheLimit = "word ".repeat(8192);
    assertThat(
            client
                .send(
                    client.post(
                        "/v1/embeddings",
                        new JsonObject()
                            .put("model", "text-embedding-3-small")
                            .put("input", atTheLimit)
                            .encode(),
                        "authorization",
                        BEARER))
                .statusCode())
        .isEqualTo(200);
  }

  @Test
  void embeddingsAreDeterministicUnitVectorsOfConfiguredDimension() throws Exception {
    String request = "{\"model\":\"text-embedding-3-small\",\"input\":[\"alpha\",\"beta\"]}";
    JsonObject first =
        new JsonObject(
            client.send(client.post("/v1/embeddings", request, "authorization", BEARER)).body());
    JsonObject second =
        new JsonObject(
            client.send(client.post("/v1/embeddings", request, "authorization", BEARER)).body());

    assertThat(first).isEqualTo(second);
    JsonArray data = first.getJsonArray("data");
    assertThat(data).hasSize(2);
    JsonArray vector = data.getJsonObject(0).getJsonArray("embedding");
    assertThat(vector).hasSize(8);
    double norm = 0;
    for (Object v : vector) {
      norm += ((Number) v).doubleValue() * ((Number) v).doubleValue();
    }
    assertThat(norm).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
    assertThat(data.getJsonObject(0).getJsonArray("embedding"))
        .isNotEqualTo(data.getJsonObject(1).getJsonArray("embedding"));
  }

  @Test
  void similarTextsGetSimilarEmbeddingsAndUnrelatedTextsDoNot() {
    int dims = 256;
    float[] question = OpenAiPayloads.vector("m", "What is the capital of France?", dims);
    float[] paraphrase = OpenAiPayloads.vector("m", "what is the capital of France", dims);
    float[] close = OpenAiPayloads.vector("m", "Tell me: what is the capital of France?", dims);
    float[] unrelated = OpenAiPayloads.vector("m", "How do I bake sourdough bread?", dims);

    // Case and punctuation do not change the words: the same vector.
    assertThat(dot(question, paraphrase)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
    assertThat(dot(question, close)).isGreaterThan(0.8);
    assertThat(dot(question, unrelated)).isLessThan(0.5);
    // Another model embeds the same text elsewhere.
    assertThat(
            dot(question, OpenAiPayloads.vector("other", "What is the capital of France?", dims)))
        .isLessThan(0.5);
  }

  private static double dot(float[] a, float[] b) {
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      sum += a[i] * b[i];
    }
    return sum;
  }

  @Test
  void base64EmbeddingsDecodeToTheSameFloats() throws Exception {
    JsonObject floats =
        new JsonObject(
            client
                .send(
                    client.post(
                        "/v1/embeddings",
                        "{\"model\":\"text-embedding-3-small\",\"input\":\"alpha\",\"dimensions\":4}",
                        "authorization",
                        BEARER))
                .body());
    JsonObject b64 =
        new JsonObject(
            client
                .send(
                    client.post(
                        "/v1/embeddings",
                        "{\"model\":\"text-embedding-3-small\",\"input\":\"alpha\",\"dimensions\":4,\"encoding_format\":\"base64\"}",
                        "authorization",
                        BEARER))
                .body());

    JsonArray expected = floats.getJsonArray("data").getJsonObject(0).getJsonArray("embedding");
    ByteBuffer bytes =
        ByteBuffer.wrap(
                Base64.getDecoder()
                    .decode(b64.getJsonArray("data").getJsonObject(0).getString("embedding")))
            .order(ByteOrder.LITTLE_ENDIAN);
    assertThat(bytes.remaining()).isEqualTo(16);
    for (int i = 0; i < 4; i++) {
      assertThat((double) bytes.getFloat())
          .isEqualTo(expected.getDouble(i).floatValue(), org.assertj.core.data.Offset.offset(0.0));
    }
  }

  @Test
  void modelsListsConfiguredModelsAndAliases() throws Exception {
    JsonObject body =
        new JsonObject(client.send(client.get("/v1/models", "authorization", BEARER)).body());

    assertThat(body.getString("object")).isEqualTo("list");
    assertThat(body.getJsonArray("data").stream().map(m -> ((JsonObject) m).getString("id")))
        .containsExactly("gpt-4o-mini", "text-embedding-3-small", "gpt-4o");
  }

  @Test
  void unknownModelIs404ModelNotFound() throws Exception {
    HttpResponse<String> res =
        client.send(
            client.post("/v1/chat/completions", chat("nope", "x"), "authorization", BEARER));

    assertThat(res.statusCode()).isEqualTo(404);
    assertThat(new JsonObject(res.body()).getJsonObject("error").getString("code"))
        .isEqualTo("model_not_found");
  }

  @Test
  void malformedJsonIs400() throws Exception {
    HttpResponse<String> res =
        client.send(client.post("/v1/chat/completions", "{not json", "authorization", BEARER));

    assertThat(res.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(res.body()).getJsonObject("error").getString("type"))
        .isEqualTo("invalid_request_error");
    // Also when the answer is produced later, from a timer.
    HttpResponse<String> delayed =
        client.send(
            client.post(
                "/v1/chat/completions",
                "{\"model\":\"gpt-4o-mini\",\"stream_options\":\"yes\",\"messages\":[]}",
                "authorization",
                BEARER,
                MockProvider.FAULT_HEADER,
                "delay:10"));
    assertThat(delayed.statusCode()).isEqualTo(400);
  }

  @Test
  void missingMessagesOrModelIs400AndCountedAsBadRequest() throws Exception {
    HttpResponse<String> noMessages =
        client.send(
            client.post(
                "/v1/chat/completions", "{\"model\":\"gpt-4o-mini\"}", "authorization", BEARER));
    HttpResponse<String> noModel =
        client.send(
            client.post("/v1/chat/completions", "{\"messages\":[]}", "authorization", BEARER));

    assertThat(noMessages.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(noMessages.body()).getJsonObject("error").getString("param"))
        .isEqualTo("messages");
    assertThat(noModel.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(noModel.body()).getJsonObject("error").getString("param"))
        .isEqualTo("model");
    assertThat(mock.outcomes("bad-request")).isEqualTo(2);
    assertThat(mock.outcomes("ok")).isZero();
  }

  /**
   * As OpenAI's chat completions: {@code metadata} only with {@code store: true}, {@code
   * top_logprobs} only with {@code logprobs: true}, each refused with a 400 {@code
   * invalid_request_error} naming the parameter otherwise.
   */
  @Test
  void chatCompletionsRefusesMetadataWithoutStoreAndTopLogprobsWithoutLogprobs() throws Exception {
    String hi = ",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";
    Map<String, String> refused =
        Map.of(
            "metadata",
            "{\"model\":\"gpt-4o-mini\",\"metadata\":{\"k\":\"v\"}" + hi,
            "top_logprobs",
            "{\"model\":\"gpt-4o-mini\",\"top_logprobs\":2,\"logprobs\":false" + hi);
    for (Map.Entry<String, String> c : refused.entrySet()) {
      HttpResponse<String> res =
          client.send(client.post("/v1/chat/completions", c.getValue(), "authorization", BEARER));
      assertThat(res.statusCode()).as(c.getKey()).isEqualTo(400);
      JsonObject error = new JsonObject(res.body()).getJsonObject("error");
      assertThat(error.getString("type")).isEqualTo("invalid_request_error");
      assertThat(error.getString("param")).isEqualTo(c.getKey());
    }
    assertThat(
            new JsonObject(
                    client
                        .send(
                            client.post(
                                "/v1/chat/completions",
                                refused.get("metadata"),
                                "authorization",
                                BEARER))
                        .body())
                .getJsonObject("error")
                .getString("message"))
        .isEqualTo("The 'metadata' parameter is only allowed when 'store' is enabled.");
    for (String ok :
        new String[] {
          "{\"model\":\"gpt-4o-mini\",\"metadata\":{\"k\":\"v\"},\"store\":true" + hi,
          "{\"model\":\"gpt-4o-mini\",\"top_logprobs\":2,\"logprobs\":true" + hi,
          "{\"model\":\"gpt-4o-mini\",\"metadata\":null,\"top_logprobs\":null" + hi
        }) {
      assertThat(
              client
                  .send(client.post("/v1/chat/completions", ok, "authorization", BEARER))
                  .statusCode())
          .as(ok)
          .isEqualTo(200);
    }
  }

  @Test
  void theResponsesApiRefusesAParameterItDoesNotKnowAsOpenAiDoes() throws Exception {
    // seed is a chat completions parameter; POST /responses has none and OpenAI refuses it.
    HttpResponse<String> seeded =
        client.send(
            client.post(
                "/v1/responses",
                "{\"model\":\"gpt-4o-mini\",\"input\":\"x\",\"seed\":7}",
                "authorization",
                BEARER));
    HttpResponse<String> plain =
        client.send(
            client.post(
                "/v1/responses",
                "{\"model\":\"gpt-4o-mini\",\"input\":\"x\",\"temperature\":0}",
                "authorization",
                BEARER));

    assertThat(seeded.statusCode()).isEqualTo(400);
    JsonObject error = new JsonObject(seeded.body()).getJsonObject("error");
    assertThat(error.getString("message")).isEqualTo("Unknown parameter: 'seed'.");
    assertThat(error.getString("type")).isEqualTo("invalid_request_error");
    assertThat(error.getString("param")).isEqualTo("seed");
    assertThat(error.getString("code")).isEqualTo("unknown_parameter");
    assertThat(plain.statusCode()).isEqualTo(200);
  }

  /**
   * Like the real API, a Responses request may take its input from a stored {@code prompt}, a
   * {@code conversation} or a {@code previous_response_id} instead of {@code input}; one with none
   * of them is missing its {@code input}.
   */
  @Test
  void theResponsesApiTakesAPromptOrAConversationInsteadOfInput() throws Exception {
    JsonObject prompted =
        responsesOk("{\"model\":\"gpt-4o-mini\",\"prompt\":{\"id\":\"pmpt_1\",\"version\":\"2\"}}");
    assertThat(prompted.getJsonObject("prompt").getString("id")).isEqualTo("pmpt_1");
    JsonObject byId = responsesOk("{\"model\":\"gpt-4o-mini\",\"conversation\":\"conv_1\"}");
    assertThat(byId.getJsonObject("conversation").getString("id")).isEqualTo("conv_1");
    JsonObject byObject =
        responsesOk("{\"model\":\"gpt-4o-mini\",\"conversation\":{\"id\":\"conv_2\"}}");
    assertThat(byObject.getJsonObject("conversation").getString("id")).isEqualTo("conv_2");
    JsonObject followUp =
        responsesOk(
            "{\"model\":\"gpt-4o-mini\",\"previous_response_id\":\""
                + prompted.getString("id")
                + "\"}");
    assertThat(followUp.getString("previous_response_id")).isEqualTo(prompted.getString("id"));

    assertResponsesBadRequest(
        "{\"model\":\"gpt-4o-mini\",\"instructions\":\"x\"}",
        "input",
        "missing_required_parameter");
    assertResponsesBadRequest(
        "{\"model\":\"gpt-4o-mini\",\"input\":null}", "input", "missing_required_parameter");
    assertResponsesBadRequest("{\"model\":\"gpt-4o-mini\",\"input\":42}", "input", "invalid_type");
    assertResponsesBadRequest(
        "{\"model\":\"gpt-4o-mini\",\"prompt\":\"pmpt_1\"}", "prompt", "invalid_type");
    assertResponsesBadRequest(
        "{\"model\":\"gpt-4o-mini\",\"prompt\":{\"version\":\"2\"}}",
        "prompt.id",
        "missing_required_parameter");
    assertResponsesBadRequest(
        "{\"model\":\"gpt-4o-mini\",\"conversation\":7}", "conversation", "invalid_type");
    assertResponsesBadRequest(
        "{\"model\":\"gpt-4o-mini\",\"conversation\":{}}",
        "conversation.id",
        "missing_required_parameter");
    // The reference: previous_response_id "cannot be used in conjunction with conversation".
    assertResponsesBadRequest(
        "{\"model\":\"gpt-4o-mini\",\"conversation\":\"conv_1\","
            + "\"previous_response_id\":\""
            + prompted.getString("id")
            + "\"}",
        "previous_response_id",
        null);
  }

  /**
   * A Responses request with {@code include: ["message.output_text.logprobs"]} and {@code
   * top_logprobs} is answered as OpenAI answers it, one token per piece as the mock chat answers
   * {@code logprobs: true}: the output text's {@code logprobs} with each token's {@code logprob},
   * UTF-8 {@code bytes} and alternatives; streamed, each {@code response.output_text.delta} carries
   * its token (no {@code bytes}, as OpenAI's delta logprob has none) and the done event all of
   * them; without the include, empty lists.
   */
  @Test
  void responsesLogprobsAreAnsweredWhenIncludedJsonAndStreamed() throws Exception {
    String asked =
        "{\"model\":\"gpt-4o\",\"input\":\"hi there\",\"top_logprobs\":2,"
            + "\"include\":[\"message.output_text.logprobs\"]%s}";
    JsonObject part =
        responsesOk(asked.formatted(""))
            .getJsonArray("output")
            .getJsonObject(0)
            .getJsonArray("content")
            .getJsonObject(0);
    JsonArray tokens = part.getJsonArray("logprobs");
    assertThat(tokens).isNotEmpty();
    StringBuilder text = new StringBuilder();
    for (Object t : tokens) {
      JsonObject token = (JsonObject) t;
      text.append(token.getString("token"));
      assertThat(token.getDouble("logprob")).isNegative();
      assertThat(token.getJsonArray("bytes").size())
          .isEqualTo(token.getString("token").getBytes(StandardCharsets.UTF_8).length);
      assertThat(token.getJsonArray("top_logprobs")).hasSize(2);
    }
    assertThat(text.toString()).isEqualTo(part.getString("text"));

    HttpResponse<String> streamed =
        client.send(
            client.post(
                "/v1/responses", asked.formatted(",\"stream\":true"), "authorization", BEARER));
    assertThat(OpenAiWireFormat.responsesStreamProblems(streamed.body())).isEmpty();
    StringBuilder deltas = new StringBuilder();
    JsonArray done = null;
    for (SseEvent e : SseParser.parseAll(streamed.body())) {
      JsonObject event = new JsonObject(e.data());
      if ("response.output_text.delta".equals(e.event())) {
        JsonArray logprobs = event.getJsonArray("logprobs");
        assertThat(logprobs).hasSize(1);
        JsonObject token = logprobs.getJsonObject(0);
        assertThat(token.getString("token")).isEqualTo(event.getString("delta"));
        assertThat(token.getDouble("logprob")).isNegative();
        assertThat(token.containsKey("bytes")).isFalse();
        assertThat(token.getJsonArray("top_logprobs")).hasSize(2);
        deltas.append(token.getString("token"));
      } else if ("response.output_text.done".equals(e.event())) {
        done = event.getJsonArray("logprobs");
        assertThat(deltas.toString()).isEqualTo(event.getString("text"));
      }
    }
    assertThat(deltas.toString()).isNotEmpty();
    assertThat(done).hasSize(tokens.size());

    JsonObject plain =
        responsesOk("{\"model\":\"gpt-4o\",\"input\":\"hi there\",\"top_logprobs\":2}");
    assertThat(
            plain
                .getJsonArray("output")
                .getJsonObject(0)
                .getJsonArray("content")
                .getJsonObject(0)
                .getJsonArray("logprobs"))
        .isEmpty();
  }

  /**
   * {@code GET /v1/responses/{id}?stream=true} replays the stored response's events as OpenAI
   * resumes a background response's stream; {@code starting_after} skips those up to that sequence
   * number; an unknown id is the JSON retrieve's 404.
   */
  @Test
  void aStoredResponseIsReplayedAsAStreamFromAnySequenceNumber() throws Exception {
    String id = responsesOk("{\"model\":\"gpt-4o-mini\",\"input\":\"Replay me\"}").getString("id");

    HttpResponse<String> all =
        client.send(client.get("/v1/responses/" + id + "?stream=true", "authorization", BEARER));
    assertThat(all.statusCode()).isEqualTo(200);
    assertThat(all.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
    assertThat(OpenAiWireFormat.responsesStreamProblems(all.body())).isEmpty();
    List<SseEvent> events = SseParser.parseAll(all.body());
    List<Integer> numbers = new ArrayList<>();
    events.forEach(e -> numbers.add(new JsonObject(e.data()).getInteger("sequence_number")));
    assertThat(events.get(0).event()).isEqualTo("response.created");
    assertThat(events.get(events.size() - 1).event()).isEqualTo("response.completed");
    assertThat(new JsonObject(events.get(events.size() - 1).data()).getJsonObject("response"))
        .isEqualTo(
            new JsonObject(
                client.send(client.get("/v1/responses/" + id, "authorization", BEARER)).body()));
    for (int i = 0; i < numbers.size(); i++) {
      assertThat(numbers.get(i)).isEqualTo(i);
    }

    HttpResponse<String> resumed =
        client.send(
            client.get(
                "/v1/responses/" + id + "?stream=true&starting_after=2", "authorization", BEARER));
    List<SseEvent> rest = SseParser.parseAll(resumed.body());
    assertThat(rest).hasSize(events.size() - 3);
    assertThat(new JsonObject(rest.get(0).data()).getInteger("sequence_number")).isEqualTo(3);
    assertThat(rest.get(rest.size() - 1).event()).isEqualTo("response.completed");

    HttpResponse<String> unknown =
        client.send(client.get("/v1/responses/resp_nope?stream=true", "authorization", BEARER));
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.body())
        .isEqualTo(
            client.send(client.get("/v1/responses/resp_nope", "authorization", BEARER)).body());
  }

  /**
   * {@code GET /v1/responses/{id}/input_items} pages as OpenAI's reference says: newest first
   * unless {@code order=asc}, at most {@code limit} (1 to 100), from the item after {@code after},
   * with {@code first_id}, {@code last_id} and {@code has_more}; every item has an id for the
   * cursor. A list that ignored the cursor sent the SDKs' auto-pagination round for ever.
   */
  @Test
  void storedInputItemsArePagedByLimitOrderAndCursor() throws Exception {
    String id =
        responsesOk(
                "{\"model\":\"gpt-4o-mini\",\"input\":[{\"role\":\"user\",\"content\":\"one\"},"
                    + "{\"role\":\"assistant\",\"content\":\"two\"},"
                    + "{\"type\":\"message\",\"role\":\"user\","
                    + "\"content\":[{\"type\":\"input_text\",\"text\":\"three\"}]}]}")
            .getString("id");
    String items = "/v1/responses/" + id + "/input_items";

    JsonObject newestFirst = inputItems(items);
    assertThat(texts(newestFirst)).containsExactly("three", "two", "one");
    assertThat(newestFirst.getBoolean("has_more")).isFalse();
    JsonObject two = newestFirst.getJsonArray("data").getJsonObject(1);
    assertThat(two.getString("type")).isEqualTo("message");
    assertThat(two.getString("status")).isEqualTo("completed");
    assertThat(two.getJsonArray("content").getJsonObject(0).getString("type"))
        .isEqualTo("output_text");

    JsonObject first = inputItems(items + "?order=asc&limit=2");
    assertThat(texts(first)).containsExactly("one", "two");
    assertThat(first.getBoolean("has_more")).isTrue();
    assertThat(first.getString("first_id"))
        .isEqualTo(first.getJsonArray("data").getJsonObject(0).getString("id"));
    JsonObject rest = inputItems(items + "?order=asc&limit=2&after=" + first.getString("last_id"));
    assertThat(texts(rest)).containsExactly("three");
    assertThat(rest.getBoolean("has_more")).isFalse();
    assertThat(rest.getString("last_id")).isNotEqualTo(first.getString("last_id"));

    for (String limit : List.of("0", "101")) {
      HttpResponse<String> refused =
          client.send(client.get(items + "?limit=" + limit, "authorization", BEARER));
      assertThat(refused.statusCode()).isEqualTo(400);
      assertThat(new JsonObject(refused.body()).getJsonObject("error").getString("param"))
          .isEqualTo("limit");
    }
  }

  /** One page of input items; the official SDK's model must read it. */
  private JsonObject inputItems(String path) throws Exception {
    HttpResponse<String> res = client.send(client.get(path, "authorization", BEARER));
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    com.openai.core.ObjectMappers.jsonMapper()
        .readValue(res.body(), com.openai.models.responses.inputitems.ResponseItemList.class)
        .validate();
    return new JsonObject(res.body());
  }

  private static List<String> texts(JsonObject page) {
    List<String> texts = new ArrayList<>();
    for (Object item : page.getJsonArray("data")) {
      texts.add(((JsonObject) item).getJsonArray("content").getJsonObject(0).getString("text"));
    }
    return texts;
  }

  /** {@code echo-auth} on a replay puts the credentials into a text delta, cut over two writes. */
  @Test
  void anEchoingReplayRepeatsTheCredentialsInATextDelta() throws Exception {
    String id = responsesOk("{\"model\":\"gpt-4o-mini\",\"input\":\"Echo me\"}").getString("id");
    mock.faults().set("*", "echo-auth,drip:5");

    HttpResponse<String> replay =
        client.send(client.get("/v1/responses/" + id + "?stream=true", "authorization", BEARER));

    assertThat(replay.statusCode()).isEqualTo(200);
    assertThat(SseParser.parseAll(replay.body()))
        .anySatisfy(
            e ->
                assertThat(new JsonObject(e.data()).getString("delta"))
                    .isEqualTo("You called me with Authorization: " + BEARER));
  }

  private JsonObject responsesOk(String body) throws Exception {
    HttpResponse<String> res =
        client.send(client.post("/v1/responses", body, "authorization", BEARER));
    assertThat(res.statusCode()).as(body + " -> " + res.body()).isEqualTo(200);
    OpenAiWireFormat.assertValid(OpenAiWireFormat.Body.RESPONSE, res.body());
    return new JsonObject(res.body());
  }

  private void assertResponsesBadRequest(String body, String param, String code) throws Exception {
    HttpResponse<String> res =
        client.send(client.post("/v1/responses", body, "authorization", BEARER));
    assertThat(res.statusCode()).as(body).isEqualTo(400);
    OpenAiWireFormat.assertValid(OpenAiWireFormat.Body.ERROR, res.body());
    JsonObject error = new JsonObject(res.body()).getJsonObject("error");
    assertThat(error.getString("type")).as(body).isEqualTo("invalid_request_error");
    assertThat(error.getString("param")).as(body).isEqualTo(param);
    assertThat(error.getString("code")).as(body).isEqualTo(code);
    assertThat(error.getString("message")).as(body).contains("'" + param + "'");
  }

  @Test
  void wrongParameterTypesAre400InOpenAiShape() throws Exception {
    HttpResponse<String> res =
        client.send(
            client.post(
                "/v1/chat/completions",
                "{\"model\":\"gpt-4o-mini\",\"stream_options\":\"yes\",\"messages\":[]}",
                "authorization",
                BEARER));

    assertThat(res.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(res.body()).getJsonObject("error").getString("type"))
        .isEqualTo("invalid_request_error");
    // Also when the answer is produced later, from a timer.
    HttpResponse<String> delayed =
        client.send(
            client.post(
                "/v1/chat/completions",
                "{\"model\":\"gpt-4o-mini\",\"stream_options\":\"yes\",\"messages\":[]}",
                "authorization",
                BEARER,
                MockProvider.FAULT_HEADER,
                "delay:10"));
    assertThat(delayed.statusCode()).isEqualTo(400);
  }

  @Test
  void missingOrWrongKeyIs401InvalidApiKeyWithoutEchoingTheKey() throws Exception {
    HttpResponse<String> missing =
        client.send(client.post("/v1/chat/completions", chat("gpt-4o-mini", "x")));
    HttpResponse<String> wrong =
        client.send(
            client.post(
                "/v1/chat/completions",
                chat("gpt-4o-mini", "x"),
                "authorization",
                "Bearer sk-wrong-123"));

    for (HttpResponse<String> res : java.util.List.of(missing, wrong)) {
      assertThat(res.statusCode()).isEqualTo(401);
      JsonObject error = new JsonObject(res.body()).getJsonObject("error");
      assertThat(error.getString("type")).isEqualTo("invalid_request_error");
      assertThat(error.getString("code")).isEqualTo("invalid_api_key");
      assertThat(error.containsKey("param")).isTrue();
    }
    assertThat(wrong.body()).doesNotContain("sk-wrong-123");
    assertThat(mock.outcomes("unauthorized")).isEqualTo(2);
  }

  @Test
  void keysRotateAtRuntime() throws Exception {
    mock.setKeys("sk-old", "sk-new");
    assertThat(status("sk-old")).isEqualTo(200);
    assertThat(status("sk-new")).isEqualTo(200);

    mock.setKeys("sk-new");
    assertThat(status("sk-old")).isEqualTo(401);
    assertThat(status("sk-new")).isEqualTo(200);
  }

  @Test
  void keysRotateThroughTheAdminApi() throws Exception {
    HttpResponse<String> put =
        client.send(
            client
                .get("/_mock/keys")
                .PUT(
                    java.net.http.HttpRequest.BodyPublishers.ofString(
                        "{\"keys\":[\"sk-rotated\"]}")));

    assertThat(put.statusCode()).isEqualTo(200);
    assertThat(put.body()).doesNotContain("sk-rotated");
    assertThat(status(KEY)).isEqualTo(401);
    assertThat(status("sk-rotated")).isEqualTo(200);
  }

  @Test
  void noKeysMeansNoAuthentication() throws Exception {
    mock.setKeys();
    assertThat(
            client.send(client.post("/v1/chat/completions", chat("gpt-4o-mini", "x"))).statusCode())
        .isEqualTo(200);
  }

  @Test
  void azureShapeUsesDeploymentAsModelAndApiKeyHeader() throws Exception {
    HttpResponse<String> res =
        client.send(
            client.post(
                "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"hi azure\"}]}",
                "api-key",
                KEY));

    assertThat(res.statusCode()).isEqualTo(200);
    JsonObject body = new JsonObject(res.body());
    assertThat(body.getString("model")).isEqualTo("gpt-4o-2024-08-06");
    assertThat(mock.attempts("gpt-4o")).isEqualTo(1);
  }

  @Test
  void azureListsModelsForHealthProbes() throws Exception {
    HttpResponse<String> listed =
        client.send(client.get("/openai/models?api-version=2024-10-21", "api-key", KEY));
    HttpResponse<String> noVersion = client.send(client.get("/openai/models", "api-key", KEY));

    assertThat(listed.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(listed.body()).getJsonArray("data")).isNotEmpty();
    assertThat(noVersion.statusCode()).isEqualTo(404);
  }

  @Test
  void azureRejectsMissingApiVersionAndBearerKeys() throws Exception {
    HttpResponse<String> noVersion =
        client.send(
            client.post(
                "/openai/deployments/gpt-4o/chat/completions",
                chat("gpt-4o", "x"),
                "api-key",
                KEY));
    HttpResponse<String> bearer =
        client.send(
            client.post(
                "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21",
                chat("gpt-4o", "x"),
                "authorization",
                BEARER));

    assertThat(noVersion.statusCode()).isEqualTo(404);
    assertThat(new JsonObject(noVersion.body()).getJsonObject("error").getString("code"))
        .isEqualTo("404");
    assertThat(bearer.statusCode()).isEqualTo(401);
  }

  @Test
  void azureStreamsAndAnswersFaultsInAzureErrorShape() throws Exception {
    String path = "/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21";
    HttpResponse<String> streamed =
        client.send(client.post(path, streamingChat("ignored", "hi", true), "api-key", KEY));
    HttpResponse<String> limited =
        client.send(
            client.post(
                path,
                chat("ignored", "hi"),
                "api-key",
                KEY,
                MockProvider.FAULT_HEADER,
                "status:429;retry-after=3"));

    ChatStreamTranscript t = ChatStreamTranscript.of(streamed.body());
    assertThat(t.problems()).isEmpty();
    assertThat(t.content()).isEqualTo("Echo from gpt-4o-mini: hi");
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(limited.headers().firstValue("retry-after")).hasValue("3");
    JsonObject error = new JsonObject(limited.body()).getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("429");
    assertThat(error.containsKey("type")).isFalse();
    assertThat(mock.attempts("gpt-4o-mini")).isEqualTo(2);
  }

  @Test
  void azureEmbeddings() throws Exception {
    HttpResponse<String> res =
        client.send(
            client.post(
                "/openai/deployments/text-embedding-3-small/embeddings?api-version=2024-10-21",
                "{\"input\":\"x\"}",
                "api-key",
                KEY));

    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(res.body()).getJsonArray("data")).hasSize(1);
  }

  @Test
  void requestRecordsKeepBodyAndHeadersButNeverTheKey() throws Exception {
    HttpResponse<String> res =
        client.send(
            client.post(
                "/v1/chat/completions",
                streamingChat("gpt-4o-mini", "record me", true),
                "authorization",
                BEARER,
                "x-trace",
                "abc"));

    assertThat(mock.requests()).hasSize(1);
    RequestRecord r = mock.requests().get(0);
    assertThat(res.headers().firstValue("x-request-id")).hasValue(r.requestId());
    assertThat(r.model()).isEqualTo("gpt-4o-mini");
    assertThat(r.body().getJsonObject("stream_options").getBoolean("include_usage")).isTrue();
    assertThat(r.header("X-Trace")).isEqualTo("abc");
    assertThat(r.header("authorization")).isEqualTo(RequestRecord.REDACTED);
    assertThat(r.keyFingerprint()).isEqualTo(RequestRecord.fingerprint(KEY));
    assertThat(r.keyAccepted()).isTrue();
    assertThat(r.outcome()).isEqualTo("ok");
    assertThat(r.toJson().encode()).doesNotContain(KEY);
  }

  @Test
  void statsEndpointReportsCountersAndRecentRequests() throws Exception {
    client.send(
        client.post("/v1/chat/completions", chat("gpt-4o-mini", "x"), "authorization", BEARER));
    client.send(client.post("/v1/chat/completions", chat("gpt-4o-mini", "x")));

    JsonObject stats = new JsonObject(client.send(client.get("/_mock/stats?requests=1")).body());

    assertThat(stats.getLong("total")).isEqualTo(2);
    assertThat(stats.getLong("clientAborts")).isZero();
    assertThat(stats.getJsonObject("byModel").getLong("gpt-4o-mini")).isEqualTo(2);
    assertThat(stats.getJsonObject("byOutcome").getLong("ok")).isEqualTo(1);
    assertThat(stats.getJsonObject("byOutcome").getLong("unauthorized")).isEqualTo(1);
    assertThat(stats.getJsonArray("requests")).hasSize(1);
    assertThat(stats.getJsonArray("requests").getJsonObject(0).getString("outcome"))
        .isEqualTo("unauthorized");
  }

  @Test
  void resetClearsCountersAndRecords() throws Exception {
    client.send(
        client.post("/v1/chat/completions", chat("gpt-4o-mini", "x"), "authorization", BEARER));
    HttpResponse<String> reset = client.send(client.post("/_mock/reset", ""));

    assertThat(reset.statusCode()).isEqualTo(204);
    assertThat(mock.totalAttempts()).isZero();
    assertThat(mock.requests()).isEmpty();
  }

  private int status(String key) throws Exception {
    return client
        .send(
            client.post(
                "/v1/chat/completions", chat("gpt-4o-mini", "x"), "authorization", "Bearer " + key))
        .statusCode();
  }
}
