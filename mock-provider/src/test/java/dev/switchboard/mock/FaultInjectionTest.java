package dev.switchboard.mock;

import static dev.switchboard.mock.MockClient.chat;
import static dev.switchboard.mock.MockClient.streamingChat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.switchboard.mock.sse.ChatStreamTranscript;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every fault of the grammar, per request header and per model rule, as a client sees it. */
class FaultInjectionTest {

  private static final String MODEL = "gpt-4o-mini";
  private static MockProvider mock;
  private static MockClient client;

  @BeforeAll
  static void start() {
    mock = MockProvider.startBlocking(new MockProviderOptions().resetGraceMs(20));
    client = new MockClient(mock);
  }

  @AfterAll
  static void stop() {
    mock.close();
  }

  @BeforeEach
  void reset() {
    mock.reset();
  }

  @Test
  void status429CarriesRetryAfterAndRateLimitError() throws Exception {
    HttpResponse<String> res =
        client.send(
            client.post(
                "/v1/chat/completions",
                chat(MODEL, "x"),
                MockProvider.FAULT_HEADER,
                "status:429;retry-after=2;retry-after-ms=1500"));

    assertThat(res.statusCode()).isEqualTo(429);
    assertThat(res.headers().firstValue("retry-after")).hasValue("2");
    assertThat(res.headers().firstValue("retry-after-ms")).hasValue("1500");
    JsonObject error = new JsonObject(res.body()).getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("rate_limit_exceeded");
    assertThat(mock.outcomes("status-429")).isEqualTo(1);
  }

  @Test
  void status404IsTheModelNotFoundAsOpenAiWordsIt() throws Exception {
    HttpResponse<String> res =
        client.send(
            client.post(
                "/v1/chat/completions", chat(MODEL, "x"), MockProvider.FAULT_HEADER, "status:404"));

    assertThat(res.statusCode()).isEqualTo(404);
    JsonObject error = new JsonObject(res.body()).getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("model_not_found");
    assertThat(error.getString("message")).contains(MODEL).contains("does not exist");
  }

  @Test
  void status429WithInsufficientQuotaCodeIsOpenAisOutOfCreditAnswer() throws Exception {
    HttpResponse<String> res =
        client.send(
            client.post(
                "/v1/chat/completions",
                chat(MODEL, "x"),
                MockProvider.FAULT_HEADER,
                "status:429;code=insufficient_quota"));

    assertThat(res.statusCode()).isEqualTo(429);
    JsonObject error = new JsonObject(res.body()).getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("insufficient_quota");
    assertThat(error.getString("type")).isEqualTo("insufficient_quota");
    assertThat(error.getString("message")).startsWith("You exceeded your current quota");
  }

  @Test
  void serverErrorsUseTheServerErrorType() throws Exception {
    for (int status : new int[] {500, 502, 503}) {
      HttpResponse<String> res =
          client.send(
              client.post(
                  "/v1/chat/completions",
                  chat(MODEL, "x"),
                  MockProvider.FAULT_HEADER,
                  "status:" + status));

      assertThat(res.statusCode()).isEqualTo(status);
      assertThat(new JsonObject(res.body()).getJsonObject("error").getString("type"))
          .isEqualTo("server_error");
    }
  }

  @Test
  void modelRuleLimitedToTimesFailsTwiceThenSucceeds() throws Exception {
    mock.faults().add(MODEL, "status:503", 2);

    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      statuses.add(client.send(client.post("/v1/chat/completions", chat(MODEL, "x"))).statusCode());
    }

    assertThat(statuses).containsExactly(503, 503, 200);
    assertThat(mock.attempts(MODEL)).isEqualTo(3);
    assertThat(mock.outcomes("status-503")).isEqualTo(2);
    assertThat(mock.faults().list()).isEmpty();
  }

  @Test
  void rulesQueueInOrderAndOtherModelsAreUnaffected() throws Exception {
    mock.faults().add(MODEL, "status:429;retry-after=1", 1).add(MODEL, "status:500", 1);

    int other =
        client.send(client.post("/v1/chat/completions", chat("other-model", "x"))).statusCode();
    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      statuses.add(client.send(client.post("/v1/chat/completions", chat(MODEL, "x"))).statusCode());
    }

    assertThat(other).isEqualTo(200);
    assertThat(statuses).containsExactly(429, 500, 200);
  }

  @Test
  void wildcardRuleAppliesToEveryModelWithoutItsOwnRule() throws Exception {
    mock.faults().set("*", "status:503").set("pinned", "none");

    assertThat(client.send(client.post("/v1/chat/completions", chat(MODEL, "x"))).statusCode())
        .isEqualTo(503);
    assertThat(client.send(client.post("/v1/chat/completions", chat("pinned", "x"))).statusCode())
        .isEqualTo(200);
  }

  @Test
  void headerFaultOverridesModelRule() throws Exception {
    mock.faults().set(MODEL, "status:500");

    HttpResponse<String> res =
        client.send(
            client.post(
                "/v1/chat/completions", chat(MODEL, "x"), MockProvider.FAULT_HEADER, "none"));

    assertThat(res.statusCode()).isEqualTo(200);
  }

  @Test
  void invalidFaultHeaderIs400() throws Exception {
    HttpResponse<String> res =
        client.send(
            client.post(
                "/v1/chat/completions",
                chat(MODEL, "x"),
                MockProvider.FAULT_HEADER,
                "explode:now"));

    assertThat(res.statusCode()).isEqualTo(400);
    assertThat(res.body()).contains("unknown fault directive");
  }

  @Test
  void delayHoldsTheAnswerPastAShortClientTimeout() throws Exception {
    assertThatThrownBy(
            () ->
                client.send(
                    client
                        .post(
                            "/v1/chat/completions",
                            chat(MODEL, "x"),
                            MockProvider.FAULT_HEADER,
                            "delay:5000")
                        .timeout(Duration.ofMillis(300))))
        .isInstanceOf(HttpTimeoutException.class);
    // The same client and timeout succeed without the delay.
    assertThat(
            client
                .send(
                    client
                        .post("/v1/chat/completions", chat(MODEL, "x"))
                        .timeout(Duration.ofSeconds(5)))
                .statusCode())
        .isEqualTo(200);
    assertThat(mock.attempts(MODEL)).isEqualTo(2);
    // The client gave up on the delayed answer; the mock saw the connection go.
    // (At least: a stalled connection of an earlier test may close late.)
    await().atMost(Duration.ofSeconds(10)).until(() -> mock.clientAborts() >= 1);
  }

  @Test
  void delayCombinesWithStatus() throws Exception {
    HttpResponse<String> res =
        client.send(
            client.post(
                "/v1/chat/completions",
                chat(MODEL, "x"),
                MockProvider.FAULT_HEADER,
                "delay:20-60,status:503"));

    assertThat(res.statusCode()).isEqualTo(503);
  }

  @Test
  void stallNeverAnswersButIsCounted() {
    assertThatThrownBy(
            () ->
                client.send(
                    client
                        .post(
                            "/v1/chat/completions",
                            chat(MODEL, "x"),
                            MockProvider.FAULT_HEADER,
                            "stall")
                        .timeout(Duration.ofSeconds(1))))
        .isInstanceOf(HttpTimeoutException.class);
    // The mock counts the stall once it has read the request, which on a loaded machine may be
    // after the client gave up: wait for the count rather than read it at once.
    await().atMost(Duration.ofSeconds(5)).until(() -> mock.outcomes("stall") == 1);
    assertThat(mock.outcomes("stall")).isEqualTo(1);
  }

  @Test
  void resetBeforeHeadersIsAConnectionError() {
    assertThatThrownBy(
            () ->
                client.send(
                    client.post(
                        "/v1/chat/completions",
                        chat(MODEL, "x"),
                        MockProvider.FAULT_HEADER,
                        "reset-before-headers")))
        .isInstanceOf(IOException.class);
    assertThat(mock.outcomes("reset-before-headers")).isEqualTo(1);
  }

  @Test
  void resetsAreNotCountedAsClientAborts() throws Exception {
    try (MockProvider fresh = MockProvider.startBlocking(new MockProviderOptions())) {
      MockClient c = new MockClient(fresh);
      for (String fault : List.of("reset-before-headers", "reset-after-headers")) {
        try {
          c.send(
              c.post("/v1/chat/completions", chat(MODEL, "x"), MockProvider.FAULT_HEADER, fault));
        } catch (IOException expected) {
          // The reset itself.
        }
      }
      // Answered on the same event loop after the resets' close events were handled.
      assertThat(c.send(c.post("/v1/chat/completions", chat(MODEL, "x"))).statusCode())
          .isEqualTo(200);

      assertThat(fresh.totalAttempts()).isEqualTo(3);
      assertThat(fresh.clientAborts()).isZero();
    }
  }

  @Test
  void resetAfterHeadersDeliversHeadersThenFailsTheBody() throws Exception {
    HttpResponse<InputStream> res =
        client.sendStreaming(
            client.post(
                "/v1/chat/completions",
                streamingChat(MODEL, "x", false),
                MockProvider.FAULT_HEADER,
                "reset-after-headers"));

    assertThat(res.statusCode()).isEqualTo(200);
    try (InputStream body = res.body()) {
      assertThatThrownBy(body::readAllBytes).isInstanceOf(IOException.class);
    }
  }

  @Test
  void echoAuthPutsTheReceivedCredentialsIntoErrorsAndAnswers() throws Exception {
    String auth = "Bearer sk-echo-test-0123456789";
    HttpResponse<String> rejected =
        client.send(
            client.post(
                "/v1/chat/completions",
                chat(MODEL, "x"),
                MockProvider.FAULT_HEADER,
                "status:422,echo-auth",
                "Authorization",
                auth));
    HttpResponse<String> answered =
        client.send(
            client.post(
                "/v1/chat/completions",
                chat(MODEL, "x"),
                MockProvider.FAULT_HEADER,
                "echo-auth",
                "Authorization",
                auth));
    HttpResponse<String> streamed =
        client.send(
            client.post(
                "/v1/chat/completions",
                streamingChat(MODEL, "x", false),
                MockProvider.FAULT_HEADER,
                "stream-error:1,echo-auth",
                "Authorization",
                auth));

    assertThat(rejected.statusCode()).isEqualTo(422);
    assertThat(new JsonObject(rejected.body()).getJsonObject("error").getString("message"))
        .endsWith("Request received with Authorization: " + auth);
    assertThat(answered.statusCode()).isEqualTo(200);
    assertThat(
            new JsonObject(answered.body())
                .getJsonArray("choices")
                .getJsonObject(0)
                .getJsonObject("message")
                .getString("content"))
        .isEqualTo("You called me with Authorization: " + auth);
    assertThat(streamed.body()).contains("\"error\"").contains("Authorization: " + auth);
  }

  @Test
  void endlessJsonNeverEnds() throws Exception {
    HttpResponse<InputStream> res =
        client.sendStreaming(
            client.post(
                "/v1/chat/completions",
                chat(MODEL, "x"),
                MockProvider.FAULT_HEADER,
                "endless-json"));

    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.headers().firstValue("content-type")).hasValue("application/json");
    try (InputStream body = res.body()) {
      // Far more than any answer, and still going.
      byte[] first = body.readNBytes(4 * 1024 * 1024);
      assertThat(first).hasSize(4 * 1024 * 1024);
      assertThat(new String(first, 0, 24, StandardCharsets.US_ASCII))
          .isEqualTo("{\"id\":\"chatcmpl-endless\"");
    }
    assertThat(mock.outcomes("endless-json")).isEqualTo(1);
  }

  @Test
  void resetAfterHeadersOnANonStreamedAnswerFailsTheBody() throws Exception {
    HttpResponse<InputStream> res =
        client.sendStreaming(
            client.post(
                "/v1/chat/completions",
                chat(MODEL, "x"),
                MockProvider.FAULT_HEADER,
                "reset-after-headers"));

    assertThat(res.statusCode()).isEqualTo(200);
    try (InputStream body = res.body()) {
      assertThatThrownBy(body::readAllBytes).isInstanceOf(IOException.class);
    }
  }

  @Test
  void truncateEndsTheStreamCleanlyWithoutDone() throws Exception {
    HttpResponse<String> res =
        client.send(
            client.post(
                "/v1/chat/completions",
                streamingChat(MODEL, "one two three four", false),
                MockProvider.FAULT_HEADER,
                "truncate:3"));

    assertThat(res.statusCode()).isEqualTo(200);
    // Announced, so pooled clients do not reuse the connection the mock closes next.
    assertThat(res.headers().firstValue("connection")).hasValue("close");
    ChatStreamTranscript t = ChatStreamTranscript.of(res.body());
    assertThat(t.events()).hasSize(3);
    assertThat(t.isTruncated()).isTrue();
    assertThat(t.finishReason()).isNull();
    assertThat(t.problems()).contains("stream ended without data: [DONE]");
  }

  /**
   * A complete stream whose final event lacks its blank line (or its line end too), as some
   * OpenAI-compatible servers end their body: every event is there, the last unterminated.
   */
  @Test
  void unterminatedEndLeavesOutTheFinalEventsBlankLine() throws Exception {
    for (String mode : List.of("line", "bare")) {
      HttpResponse<String> res =
          client.send(
              client.post(
                  "/v1/chat/completions",
                  streamingChat(MODEL, "one two three four", false),
                  MockProvider.FAULT_HEADER,
                  "unterminated-end:" + mode));

      assertThat(res.statusCode()).isEqualTo(200);
      String body = res.body();
      assertThat(body)
          .as(mode)
          .endsWith("line".equals(mode) ? "\n\ndata: [DONE]\n" : "\n\ndata: [DONE]");
      assertThat(ChatStreamTranscript.of(body + "\n\n").finishReason()).isEqualTo("stop");
    }
  }

  @Test
  void noUsageLeavesTheUsageOutOfEveryAnswer() throws Exception {
    HttpResponse<String> plain =
        client.send(
            client.post(
                "/v1/chat/completions", chat(MODEL, "x"), MockProvider.FAULT_HEADER, "no-usage"));
    assertThat(plain.statusCode()).isEqualTo(200);
    JsonObject answer = new JsonObject(plain.body());
    assertThat(answer.containsKey("usage")).isFalse();
    assertThat(answer.getJsonArray("choices").getJsonObject(0).getJsonObject("message"))
        .isNotNull();

    // Asked for usage, the stream still ends without any: no usage chunk, [DONE] as usual.
    HttpResponse<String> streamed =
        client.send(
            client.post(
                "/v1/chat/completions",
                streamingChat(MODEL, "one two three", true),
                MockProvider.FAULT_HEADER,
                "no-usage"));
    assertThat(streamed.statusCode()).isEqualTo(200);
    ChatStreamTranscript t = ChatStreamTranscript.of(streamed.body());
    assertThat(t.usage()).isNull();
    assertThat(t.finishReason()).isEqualTo("stop");
    assertThat(t.isTruncated()).isFalse();
    assertThat(streamed.body()).doesNotContain("\"choices\":[]");

    HttpResponse<String> response =
        client.send(
            client.post(
                "/v1/responses",
                "{\"model\":\"" + MODEL + "\",\"input\":\"x\"}",
                MockProvider.FAULT_HEADER,
                "no-usage"));
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(response.body()).containsKey("usage")).isFalse();

    HttpResponse<String> message =
        client.send(
            client.post(
                "/v1/messages",
                "{\"model\":\"claude-sonnet-4\",\"max_tokens\":64,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
                MockProvider.FAULT_HEADER,
                "no-usage"));
    assertThat(message.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(message.body()).containsKey("usage")).isFalse();
    assertThat(new JsonObject(message.body()).getJsonArray("content")).isNotEmpty();
  }

  @Test
  void truncateOnANonStreamedAnswerYieldsInvalidJson() throws Exception {
    HttpResponse<String> res =
        client.send(
            client.post(
                "/v1/chat/completions", chat(MODEL, "x"), MockProvider.FAULT_HEADER, "truncate"));

    assertThat(res.statusCode()).isEqualTo(200);
    assertThatThrownBy(() -> new JsonObject(res.body())).isInstanceOf(RuntimeException.class);
  }

  @Test
  void stallAfterSendsSomeEventsThenGoesSilent() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      HttpClient http = vertx.createHttpClient(new HttpClientOptions());
      StringBuffer received = new StringBuffer();
      AtomicBoolean ended = new AtomicBoolean();
      http.request(
              new RequestOptions()
                  .setMethod(HttpMethod.POST)
                  .setHost("127.0.0.1")
                  .setPort(mock.port())
                  .setURI("/v1/chat/completions")
                  .putHeader(MockProvider.FAULT_HEADER, "stall-after:2"))
          .compose(req -> req.send(streamingChat(MODEL, "x", false)))
          .onSuccess(
              res -> {
                res.handler(b -> received.append(b.toString()));
                res.endHandler(v -> ended.set(true));
              });

      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> ChatStreamTranscript.of(received.toString()).events().size() == 2);
      // Silence: neither a third event nor the end of the body arrives.
      await()
          .during(Duration.ofMillis(300))
          .atMost(Duration.ofSeconds(2))
          .until(
              () ->
                  !ended.get()
                      && ChatStreamTranscript.of(received.toString()).events().size() == 2);
      assertThat(mock.outcomes("stall-after")).isEqualTo(1);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void stallAfterZeroSendsTheResponseHeadThenNothing() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      HttpClient http = vertx.createHttpClient(new HttpClientOptions());
      StringBuffer received = new StringBuffer();
      AtomicBoolean ended = new AtomicBoolean();
      java.util.concurrent.atomic.AtomicReference<String> contentType =
          new java.util.concurrent.atomic.AtomicReference<>();
      http.request(
              new RequestOptions()
                  .setMethod(HttpMethod.POST)
                  .setHost("127.0.0.1")
                  .setPort(mock.port())
                  .setURI("/v1/chat/completions")
                  .putHeader(MockProvider.FAULT_HEADER, "stall-after:0"))
          .compose(req -> req.send(streamingChat(MODEL, "x", false)))
          .onSuccess(
              res -> {
                contentType.set(res.getHeader("content-type"));
                res.handler(b -> received.append(b.toString()));
                res.endHandler(v -> ended.set(true));
              });

      await().atMost(Duration.ofSeconds(10)).until(() -> contentType.get() != null);
      assertThat(contentType.get()).startsWith("text/event-stream");
      await()
          .during(Duration.ofMillis(300))
          .atMost(Duration.ofSeconds(2))
          .until(() -> !ended.get() && received.length() == 0);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void streamErrorEndsWithAnOpenAiErrorEventAndNoDone() throws Exception {
    HttpResponse<String> res =
        client.send(
            client.post(
                "/v1/chat/completions",
                streamingChat(MODEL, "x", false),
                MockProvider.FAULT_HEADER,
                "stream-error:2"));

    ChatStreamTranscript t = ChatStreamTranscript.of(res.body());
    assertThat(t.events()).hasSize(3);
    assertThat(t.error().path("type").asText()).isEqualTo("server_error");
    assertThat(t.isTruncated()).isTrue();
  }

  @Test
  void tokensRuleMakesOneModelVerbose() throws Exception {
    mock.faults().set("verbose-model", "tokens:25");

    JsonObject verbose =
        new JsonObject(
            client.send(client.post("/v1/chat/completions", chat("verbose-model", "x"))).body());
    JsonObject normal =
        new JsonObject(client.send(client.post("/v1/chat/completions", chat(MODEL, "x"))).body());

    assertThat(verbose.getJsonObject("usage").getInteger("completion_tokens")).isEqualTo(25);
    assertThat(normal.getJsonObject("usage").getInteger("completion_tokens")).isEqualTo(4);
    assertThat(mock.outcomes("ok")).isEqualTo(2);
  }

  @Test
  void usageDirectivesGiveExactFiguresForCostTests() throws Exception {
    mock.faults().set("priced-model", "prompt-tokens:1000,cached-tokens:200,tokens:50");

    JsonObject whole =
        new JsonObject(
            client.send(client.post("/v1/chat/completions", chat("priced-model", "x"))).body());
    ChatStreamTranscript streamed =
        ChatStreamTranscript.of(
            client
                .send(client.post("/v1/chat/completions", streamingChat("priced-model", "x", true)))
                .body());

    JsonObject usage = whole.getJsonObject("usage");
    assertThat(usage.getInteger("prompt_tokens")).isEqualTo(1000);
    assertThat(usage.getInteger("completion_tokens")).isEqualTo(50);
    assertThat(usage.getInteger("total_tokens")).isEqualTo(1050);
    assertThat(usage.getJsonObject("prompt_tokens_details").getInteger("cached_tokens"))
        .isEqualTo(200);
    assertThat(streamed.usage().path("prompt_tokens").asInt()).isEqualTo(1000);
    assertThat(streamed.usage().path("prompt_tokens_details").path("cached_tokens").asInt())
        .isEqualTo(200);
  }

  @Test
  void failRateKeepsTheOtherDirectives() throws Exception {
    mock.faults().set(MODEL, "fail-rate:1.0,tokens:3");
    mock.faults().set("never-fails", "fail-rate:0,tokens:3");

    assertThat(client.send(client.post("/v1/chat/completions", chat(MODEL, "x"))).statusCode())
        .isEqualTo(500);
    JsonObject ok =
        new JsonObject(
            client.send(client.post("/v1/chat/completions", chat("never-fails", "x"))).body());
    assertThat(ok.getJsonObject("usage").getInteger("completion_tokens")).isEqualTo(3);
  }

  @Test
  void nonJsonIs200WithHtml() throws Exception {
    HttpResponse<String> res =
        client.send(
            client.post(
                "/v1/chat/completions", chat(MODEL, "x"), MockProvider.FAULT_HEADER, "non-json"));

    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.headers().firstValue("content-type"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("text/html"));
    assertThat(res.body()).startsWith("<html>");
  }

  /** OpenAI finishes a refusal with {@code stop}, the refusal in {@code message.refusal}. */
  @Test
  void refusalSetsRefusalAndFinishesStop() throws Exception {
    HttpResponse<String> whole =
        client.send(
            client.post(
                "/v1/chat/completions", chat(MODEL, "x"), MockProvider.FAULT_HEADER, "refusal"));
    HttpResponse<String> streamed =
        client.send(
            client.post(
                "/v1/chat/completions",
                streamingChat(MODEL, "x", false),
                MockProvider.FAULT_HEADER,
                "refusal"));

    JsonObject choice = new JsonObject(whole.body()).getJsonArray("choices").getJsonObject(0);
    assertThat(choice.getString("finish_reason")).isEqualTo("stop");
    assertThat(choice.getJsonObject("message").getString("refusal")).isNotBlank();
    assertThat(choice.getJsonObject("message").getString("content")).isNull();
    ChatStreamTranscript t = ChatStreamTranscript.of(streamed.body());
    assertThat(t.problems()).isEmpty();
    assertThat(t.finishReason()).isEqualTo("stop");
    assertThat(t.refusal()).isEqualTo(choice.getJsonObject("message").getString("refusal"));
    assertThat(mock.outcomes("refusal")).isEqualTo(2);
  }

  /** On the Responses API a refusal is a completed response holding a refusal content part. */
  @Test
  void aResponsesRefusalIsCompletedWithARefusalPart() throws Exception {
    JsonObject response =
        new JsonObject(
            client
                .send(
                    client.post(
                        "/v1/responses",
                        "{\"model\":\"" + MODEL + "\",\"input\":\"x\"}",
                        MockProvider.FAULT_HEADER,
                        "refusal"))
                .body());

    assertThat(response.getString("status")).isEqualTo("completed");
    assertThat(response.getValue("incomplete_details")).isNull();
    JsonObject part =
        response.getJsonArray("output").getJsonObject(0).getJsonArray("content").getJsonObject(0);
    assertThat(part.getString("type")).isEqualTo("refusal");
    assertThat(part.getString("refusal")).isNotBlank();
  }

  /**
   * {@code content-filter} is the other path: the answer cut short, {@code finish_reason:
   * content_filter}, no refusal; on the Responses API an incomplete response.
   */
  @Test
  void contentFilterCutsTheAnswerAndFinishesContentFilter() throws Exception {
    String full =
        new JsonObject(
                client
                    .send(client.post("/v1/chat/completions", chat(MODEL, "one two three four")))
                    .body())
            .getJsonArray("choices")
            .getJsonObject(0)
            .getJsonObject("message")
            .getString("content");
    HttpResponse<String> whole =
        client.send(
            client.post(
                "/v1/chat/completions",
                chat(MODEL, "one two three four"),
                MockProvider.FAULT_HEADER,
                "content-filter"));
    HttpResponse<String> streamed =
        client.send(
            client.post(
                "/v1/chat/completions",
                streamingChat(MODEL, "one two three four", false),
                MockProvider.FAULT_HEADER,
                "content-filter"));

    JsonObject choice = new JsonObject(whole.body()).getJsonArray("choices").getJsonObject(0);
    assertThat(choice.getString("finish_reason")).isEqualTo("content_filter");
    String cut = choice.getJsonObject("message").getString("content");
    assertThat(cut).isNotEmpty().isNotEqualTo(full);
    assertThat(full).startsWith(cut);
    assertThat(choice.getJsonObject("message").getValue("refusal")).isNull();
    ChatStreamTranscript t = ChatStreamTranscript.of(streamed.body());
    assertThat(t.problems()).isEmpty();
    assertThat(t.finishReason()).isEqualTo("content_filter");
    assertThat(t.content()).isEqualTo(cut);
    assertThat(t.refusal()).isNull();

    JsonObject response =
        new JsonObject(
            client
                .send(
                    client.post(
                        "/v1/responses",
                        "{\"model\":\"" + MODEL + "\",\"input\":\"one two three four\"}",
                        MockProvider.FAULT_HEADER,
                        "content-filter"))
                .body());
    assertThat(response.getString("status")).isEqualTo("incomplete");
    assertThat(response.getJsonObject("incomplete_details").getString("reason"))
        .isEqualTo("content_filter");
    assertThat(mock.outcomes("content-filter")).isEqualTo(3);
  }

  @Test
  void failRateIsReproducibleForTheSameSeed() throws Exception {
    List<Integer> first = failRateStatuses(7);
    List<Integer> second = failRateStatuses(7);

    assertThat(first).isEqualTo(second);
    assertThat(first).contains(200, 500);
    assertThat(first).containsOnly(200, 500);
  }

  private static List<Integer> failRateStatuses(long seed) throws Exception {
    try (MockProvider seeded =
        MockProvider.startBlocking(new MockProviderOptions().randomSeed(seed))) {
      seeded.faults().set(MODEL, "fail-rate:0.5");
      MockClient c = new MockClient(seeded);
      List<Integer> statuses = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        statuses.add(c.send(c.post("/v1/chat/completions", chat(MODEL, "x"))).statusCode());
      }
      assertThat(seeded.outcomes("status-500"))
          .isEqualTo(statuses.stream().filter(s -> s == 500).count());
      return statuses;
    }
  }

  @Test
  void dripSendsEventsInSeparateWrites() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      HttpClient http = vertx.createHttpClient(new HttpClientOptions());
      List<String> reads = new CopyOnWriteArrayList<>();
      String body =
          http.request(
                  new RequestOptions()
                      .setMethod(HttpMethod.POST)
                      .setHost("127.0.0.1")
                      .setPort(mock.port())
                      .setURI("/v1/chat/completions")
                      .putHeader(MockProvider.FAULT_HEADER, "drip:40"))
              .compose(
                  req ->
                      req.send(streamingChat(MODEL, "a b c d e", false))
                          .compose(
                              res -> {
                                Buffer all = Buffer.buffer();
                                res.handler(
                                    b -> {
                                      reads.add(b.toString());
                                      all.appendBuffer(b);
                                    });
                                return res.end().map(v -> all.toString());
                              }))
              .toCompletionStage()
              .toCompletableFuture()
              .get(10, TimeUnit.SECONDS);

      ChatStreamTranscript t = ChatStreamTranscript.of(body);
      assertThat(t.problems()).isEmpty();
      // Spaced writes reach the client as several reads; without drip they may coalesce into one.
      assertThat(reads.size()).isGreaterThanOrEqualTo(3);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  /**
   * {@code trickle}: the head at once, then the JSON body a byte per write, spaced out, and whole
   * in the end: never silent for long, never quick to finish.
   */
  @Test
  void trickleSendsAJsonAnswerAByteAtATime() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      HttpClient http = vertx.createHttpClient(new HttpClientOptions());
      List<Integer> reads = new CopyOnWriteArrayList<>();
      String body =
          http.request(
                  new RequestOptions()
                      .setMethod(HttpMethod.POST)
                      .setHost("127.0.0.1")
                      .setPort(mock.port())
                      .setURI("/v1/chat/completions")
                      .putHeader(MockProvider.FAULT_HEADER, "trickle:1"))
              .compose(
                  req ->
                      req.send(chat(MODEL, "hi"))
                          .compose(
                              res -> {
                                Buffer all = Buffer.buffer();
                                res.handler(
                                    b -> {
                                      reads.add(b.length());
                                      all.appendBuffer(b);
                                    });
                                return res.end().map(v -> all.toString());
                              }))
              .toCompletionStage()
              .toCompletableFuture()
              .get(30, TimeUnit.SECONDS);

      assertThat(new JsonObject(body).getString("object")).isEqualTo("chat.completion");
      assertThat(reads).hasSize(body.getBytes(StandardCharsets.UTF_8).length).allMatch(n -> n == 1);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void faultsCanBeScriptedThroughTheAdminApi() throws Exception {
    HttpResponse<String> added =
        client.send(
            client.post(
                "/_mock/faults",
                "{\"model\":\"" + MODEL + "\",\"fault\":\"status:500\",\"times\":1}"));
    HttpResponse<String> bad = client.send(client.post("/_mock/faults", "{\"fault\":\"bogus\"}"));

    assertThat(added.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(added.body()).getJsonArray("rules")).hasSize(1);
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(client.send(client.post("/v1/chat/completions", chat(MODEL, "x"))).statusCode())
        .isEqualTo(500);
    assertThat(client.send(client.post("/v1/chat/completions", chat(MODEL, "x"))).statusCode())
        .isEqualTo(200);

    client.send(
        client.post("/_mock/faults", "{\"model\":\"" + MODEL + "\",\"fault\":\"status:503\"}"));
    HttpResponse<String> cleared = client.send(client.get("/_mock/faults").DELETE());
    assertThat(cleared.statusCode()).isEqualTo(204);
    assertThat(client.send(client.post("/v1/chat/completions", chat(MODEL, "x"))).statusCode())
        .isEqualTo(200);
  }

  @Test
  void modelsEndpointHonoursWildcardFaults() throws Exception {
    mock.faults().add("*", "status:503", 1);

    assertThat(client.send(client.get("/v1/models")).statusCode()).isEqualTo(503);
    assertThat(client.send(client.get("/v1/models")).statusCode()).isEqualTo(200);
  }

  @Test
  void embeddingsHonourModelFaults() throws Exception {
    mock.faults().add("text-embedding-3-small", "status:429;retry-after=1", 1);

    HttpResponse<String> res =
        client.send(
            client.post(
                "/v1/embeddings", "{\"model\":\"text-embedding-3-small\",\"input\":\"x\"}"));

    assertThat(res.statusCode()).isEqualTo(429);
    assertThat(res.headers().firstValue("retry-after")).hasValue("1");
  }
}
