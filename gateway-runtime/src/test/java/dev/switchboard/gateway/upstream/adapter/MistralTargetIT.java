package dev.switchboard.gateway.upstream.adapter;

import static dev.switchboard.gateway.TestTables.policyRoute;
import static dev.switchboard.gateway.TestTables.provider;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.logging.RequestLogWriter;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import dev.switchboard.mock.record.RequestRecord;
import dev.switchboard.mock.sse.SseEvent;
import dev.switchboard.mock.sse.SseParser;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Chat completions to a {@code mistral} target, against the mock's Mistral flavour, which refuses
 * every field Mistral does not know with Mistral's 422 {@code extra_forbidden}: the client's own
 * {@code stream_options}, {@code max_completion_tokens} and the seed of a deterministic route reach
 * it under Mistral's names or not at all, and the client still gets the usage it asked for.
 */
class MistralTargetIT {

  @TempDir static Path dir;

  static GatewayHarness gateway;
  static MockProvider mistral;

  @BeforeAll
  static void start() throws Exception {
    gateway =
        GatewayHarness.withMocks(
            dir,
            List.of(new MockProviderOptions().keys("sk-mistral")),
            (vertx, mocks) ->
                TestTables.table(
                    List.of(
                        provider(
                            "mistral",
                            "mistral",
                            mocks.get(0).origin() + "/mistral/v1",
                            true,
                            Map.of(),
                            null),
                        provider("openai", "openai", mocks.get(0).baseUrl(), true, Map.of(), null)),
                    List.of(
                        TestTables.cachePolicy(
                            "cached",
                            new RoutingTable.Cache(
                                true, 60_000L, 100, null, null, null, null, null, null, null,
                                null)),
                        new RoutingTable.Policy(
                            "det",
                            null,
                            null,
                            null,
                            null,
                            null,
                            null,
                            null,
                            null,
                            new RoutingTable.Deterministic(true, 42L, true, false),
                            null)),
                    List.of(
                        policyRoute("small", null, target("mistral", "mistral-small-latest", 0)),
                        policyRoute("det", "det", target("mistral", "mistral-small-latest", 0)),
                        policyRoute(
                            "cached", "cached", target("mistral", "mistral-small-latest", 0)),
                        policyRoute(
                            "spill",
                            null,
                            target("mistral", BROKEN_MISTRAL, 0),
                            target("openai", "gpt-4o-mini", 1)),
                        policyRoute(
                            "catch",
                            null,
                            target("openai", BROKEN_OPENAI, 0),
                            target("mistral", "mistral-small-latest", 1)),
                        policyRoute(
                            "pdf",
                            null,
                            target("mistral", PDF_MISTRAL, 0),
                            target("openai", "gpt-4o-mini", 1)),
                        policyRoute("pdf-alone", null, target("mistral", PDF_MISTRAL, 0)),
                        new RoutingTable.Route(
                            "pdf-shadowed",
                            "pdf-shadowed",
                            List.of(),
                            null,
                            1,
                            List.of(target("openai", "gpt-4o-mini", 0)),
                            List.of(),
                            new RoutingTable.Canary(
                                "shadow",
                                100,
                                2,
                                List.of(target("mistral", SHADOW_MISTRAL, 0)),
                                List.of())),
                        new RoutingTable.Route(
                                "pdf-evaluated",
                                "pdf-evaluated",
                                List.of(),
                                null,
                                1,
                                List.of(target("openai", "gpt-4o-mini", 0)),
                                List.of(),
                                null)
                            .withEvaluation(
                                new RoutingTable.Evaluation(
                                    "pdf-eval",
                                    List.of(target("mistral", EVALUATED_MISTRAL, 0)),
                                    1.0,
                                    null,
                                    null,
                                    "openai/gpt-4o-mini")))),
            Map.of("mistral", "sk-mistral", "openai", "sk-mistral"));
    mistral = gateway.mock();
  }

  /** Models the mock fails with a 503, so their routes fail over to the next target. */
  static final String BROKEN_MISTRAL = "mistral-broken";

  static final String BROKEN_OPENAI = "gpt-broken";

  /** The Mistral model of the routes whose skips for a PDF-only message are counted. */
  static final String PDF_MISTRAL = "mistral-medium-latest";

  /** The Mistral model an evaluation mirrors requests to. */
  static final String EVALUATED_MISTRAL = "open-mistral-nemo";

  /** The Mistral model a shadow canary copies requests to. */
  static final String SHADOW_MISTRAL = "mistral-large-latest";

  @BeforeEach
  void breakModels() {
    mistral.faults().set(BROKEN_MISTRAL, "status:503");
    mistral.faults().set(BROKEN_OPENAI, "status:503");
  }

  @AfterEach
  void clear() {
    mistral.reset();
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  static JsonObject lastSent() {
    List<RequestRecord> seen = mistral.requests();
    return seen.get(seen.size() - 1).body();
  }

  static List<JsonNode> chunks(String sse) throws Exception {
    List<JsonNode> chunks = new ArrayList<>();
    for (SseEvent e : SseParser.parseAll(sse)) {
      if (!"[DONE]".equals(e.data())) {
        chunks.add(GatewayHarness.json(e.data()));
      }
    }
    return chunks;
  }

  static String streamed(List<JsonNode> chunks) {
    StringBuilder text = new StringBuilder();
    for (JsonNode c : chunks) {
      text.append(c.path("choices").path(0).path("delta").path("content").asText(""));
    }
    return text.toString();
  }

  @Test
  void aClientsOwnStreamOptionsAndTokenLimitAreSentAsMistralNamesThemAndItsUsageArrives()
      throws Exception {
    HttpResponse<String> res =
        gateway.post(
            "/v1/chat/completions",
            "{\"model\":\"small\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                + "\"max_completion_tokens\":3,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"one two three four five\"}]}");

    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    JsonObject sent = lastSent();
    assertThat(sent.containsKey("stream_options")).isFalse();
    assertThat(sent.containsKey("max_completion_tokens")).isFalse();
    assertThat(sent.getInteger("max_tokens")).isEqualTo(3);
    List<JsonNode> chunks = chunks(res.body());
    assertThat(res.body()).endsWith("data: [DONE]\n\n");
    JsonNode usage = chunks.get(chunks.size() - 1).path("usage");
    assertThat(usage.path("completion_tokens").asInt()).isEqualTo(3);
    assertThat(usage.path("prompt_tokens").asInt()).isPositive();
  }

  /**
   * OpenAI chat fields Mistral does not define are not sent (Mistral would refuse the request with
   * a 422): the answer names them in x-switchboard-unhonoured-params, and the request log says the
   * same on this route that is not deterministic, bar a field left out with its default value. The
   * fields Mistral shares with OpenAI go as given.
   */
  @Test
  void openAiFieldsMistralDoesNotKnowAreLeftOutAndNamedInTheHeaderAndTheLog() throws Exception {
    HttpResponse<String> res =
        gateway.post(
            "/v1/chat/completions",
            "{\"model\":\"small\",\"user\":\"u-1\",\"logprobs\":true,\"top_logprobs\":2,"
                + "\"logit_bias\":{\"50256\":-100},\"service_tier\":\"auto\",\"store\":false,"
                + "\"n\":1,\"parallel_tool_calls\":false,\"frequency_penalty\":0.5,"
                + "\"reasoning_effort\":\"low\",\"metadata\":{\"k\":\"v\"},\"safety_identifier\":null,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    JsonObject sent = lastSent();
    assertThat(sent.fieldNames())
        .doesNotContain(
            "user",
            "logprobs",
            "top_logprobs",
            "logit_bias",
            "service_tier",
            "store",
            "safety_identifier")
        .contains("n", "parallel_tool_calls", "frequency_penalty", "reasoning_effort", "metadata");
    // store: false is left out too, but asks for what Mistral does anyway (keep nothing): unnamed.
    String said = "user, logprobs, top_logprobs, logit_bias, service_tier";
    assertThat(res.headers().firstValue("x-switchboard-unhonoured-params")).hasValue(said);
    JsonNode line = awaitLogLine(res.headers().firstValue("x-request-id").orElseThrow());
    assertThat(line.path("unhonoured_params").asText()).isEqualTo(said);
    assertThat(line.has("deterministic")).isFalse();
  }

  /**
   * Mistral refuses a participant's {@code name} and a content part's {@code cache_control} (422
   * {@code extra_forbidden}, as the mock's Mistral flavour does): they are left out, the request is
   * answered, and the answer names them.
   */
  @Test
  void aNameAndACacheControlInsideTheMessagesAreLeftOutForMistralAndNamed() throws Exception {
    HttpResponse<String> res =
        gateway.post(
            "/v1/chat/completions",
            "{\"model\":\"small\",\"messages\":[{\"role\":\"user\",\"name\":\"ann\","
                + "\"content\":[{\"type\":\"text\",\"text\":\"hi\",\"cache_control\":"
                + "{\"type\":\"ephemeral\"}}]}]}");

    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    JsonObject message = lastSent().getJsonArray("messages").getJsonObject(0);
    assertThat(message.containsKey("name")).isFalse();
    assertThat(message.getJsonArray("content").getJsonObject(0).containsKey("cache_control"))
        .isFalse();
    String said = "messages[].name, messages[].content[].cache_control";
    assertThat(res.headers().firstValue("x-switchboard-unhonoured-params")).hasValue(said);
    JsonNode line = awaitLogLine(res.headers().firstValue("x-request-id").orElseThrow());
    assertThat(line.path("unhonoured_params").asText()).isEqualTo(said);
  }

  /**
   * Mistral's chat takes no inline file (its file chunk takes an uploaded file's {@code file_id};
   * the mock's Mistral flavour refuses OpenAI's {@code file} part with a 422 as Mistral does): a
   * PDF part is left out, the rest of the message is sent, and the answer names it.
   */
  @Test
  void aPdfFilePartIsLeftOutForMistralAndNamed() throws Exception {
    HttpResponse<String> res =
        gateway.post(
            "/v1/chat/completions",
            "{\"model\":\"small\",\"messages\":[{\"role\":\"user\",\"content\":["
                + "{\"type\":\"text\",\"text\":\"read\"},{\"type\":\"file\",\"file\":"
                + "{\"filename\":\"a.pdf\",\"file_data\":\"data:application/pdf;base64,JVBERi0=\"}}]}]}");

    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    io.vertx.core.json.JsonArray parts =
        lastSent().getJsonArray("messages").getJsonObject(0).getJsonArray("content");
    assertThat(parts.size()).isEqualTo(1);
    assertThat(parts.getJsonObject(0).getString("text")).isEqualTo("read");
    assertThat(res.headers().firstValue("x-switchboard-unhonoured-params"))
        .hasValue("messages[].content[].file");
  }

  static final String PDF_PART =
      "{\"type\":\"file\",\"file\":{\"filename\":\"a.pdf\","
          + "\"file_data\":\"data:application/pdf;base64,JVBERi0=\"}}";

  /** Messages whose one user message holds nothing but a PDF. */
  static final String PDF_ONLY = "[{\"role\":\"user\",\"content\":[" + PDF_PART + "]}]";

  /** How often the gateway skipped the PDF route's Mistral target for its content. */
  static double pdfSkips() throws Exception {
    String line =
        "switchboard_resilience_skips_total{reason=\"unsupported_content\",target=\"mistral/"
            + PDF_MISTRAL
            + "\"} ";
    for (String l : gateway.admin("/metrics").body().split("\n")) {
      if (l.startsWith(line)) {
        return Double.parseDouble(l.substring(line.length()));
      }
    }
    return 0;
  }

  /**
   * A message whose only part is a PDF would reach Mistral empty (Mistral's chat takes no inline
   * file, so the part is left out): the Mistral target is skipped, named {@code
   * unsupported_content}, and the next target answers with the document; nothing reaches Mistral.
   */
  @Test
  void aPdfOnlyMessageSkipsTheMistralTargetForTheNext() throws Exception {
    double before = pdfSkips();
    for (boolean stream : new boolean[] {false, true}) {
      HttpResponse<String> res =
          gateway.post(
              "/v1/chat/completions",
              "{\"model\":\"pdf\",\"stream\":" + stream + ",\"messages\":" + PDF_ONLY + "}");

      assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
      assertThat(res.headers().firstValue("x-switchboard-provider")).hasValue("openai");
      assertThat(res.headers().firstValue("x-switchboard-attempts")).hasValue("1");
      assertThat(res.headers().firstValue("x-switchboard-unhonoured-params")).isEmpty();
      assertThat(lastSent().getJsonArray("messages").getJsonObject(0).encode())
          .contains("JVBERi0=");
    }
    assertThat(mistral.requests()).noneMatch(r -> PDF_MISTRAL.equals(r.model()));
    assertThat(pdfSkips()).isEqualTo(before + 2);

    // A PDF beside text still goes to Mistral, without the PDF, as before.
    HttpResponse<String> mixed =
        gateway.post(
            "/v1/chat/completions",
            "{\"model\":\"pdf\",\"messages\":[{\"role\":\"user\",\"content\":["
                + "{\"type\":\"text\",\"text\":\"read\"},"
                + PDF_PART
                + "]}]}");
    assertThat(mixed.statusCode()).as(mixed.body()).isEqualTo(200);
    assertThat(mixed.headers().firstValue("x-switchboard-provider")).hasValue("mistral");
    assertThat(mixed.headers().firstValue("x-switchboard-unhonoured-params"))
        .hasValue("messages[].content[].file");
    assertThat(pdfSkips()).isEqualTo(before + 2);
  }

  /**
   * With no other target, the client gets a 400 saying why (Anthropic-shaped behind {@code
   * /v1/messages}, where the PDF is a {@code document} block); nothing is sent to Mistral.
   */
  @Test
  void aPdfOnlyMessageWithOnlyAMistralTargetIsA400() throws Exception {
    HttpResponse<String> res =
        gateway.post(
            "/v1/chat/completions", "{\"model\":\"pdf-alone\",\"messages\":" + PDF_ONLY + "}");

    assertThat(res.statusCode()).as(res.body()).isEqualTo(400);
    JsonNode error = GatewayHarness.json(res.body()).path("error");
    assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
    assertThat(error.path("message").asText())
        .contains("No target of model 'pdf-alone' can serve this request")
        .contains("mistral/" + PDF_MISTRAL + " cannot take an inline file (PDF) part");

    HttpResponse<String> messages =
        gateway.post(
            "/v1/messages",
            "{\"model\":\"pdf-alone\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\","
                + "\"content\":[{\"type\":\"document\",\"source\":{\"type\":\"base64\","
                + "\"media_type\":\"application/pdf\",\"data\":\"JVBERi0=\"}}]}]}");
    assertThat(messages.statusCode()).as(messages.body()).isEqualTo(400);
    JsonNode body = GatewayHarness.json(messages.body());
    assertThat(body.path("type").asText()).isEqualTo("error");
    assertThat(body.path("error").path("type").asText()).isEqualTo("invalid_request_error");
    assertThat(body.path("error").path("message").asText()).contains("inline file (PDF)");
    assertThat(mistral.requests()).noneMatch(r -> PDF_MISTRAL.equals(r.model()));
  }

  /**
   * A shadow canary on Mistral gets no copy of a request it could only be sent emptied (a message
   * of nothing but a PDF): its answer would measure nothing the client asked. A request it can take
   * is still copied, and the client is answered from stable either way.
   */
  @Test
  void aShadowCanaryOnMistralIsNotCopiedAPdfOnlyMessage() throws Exception {
    HttpResponse<String> pdf =
        gateway.post(
            "/v1/chat/completions", "{\"model\":\"pdf-shadowed\",\"messages\":" + PDF_ONLY + "}");
    assertThat(pdf.statusCode()).as(pdf.body()).isEqualTo(200);
    assertThat(pdf.headers().firstValue("x-switchboard-provider")).hasValue("openai");

    HttpResponse<String> text =
        gateway.post(
            "/v1/chat/completions",
            "{\"model\":\"pdf-shadowed\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(text.statusCode()).as(text.body()).isEqualTo(200);
    // The text request's copy arrives; the PDF-only request's, sent first, never does.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> mistral.requests().stream().anyMatch(r -> SHADOW_MISTRAL.equals(r.model())));
    assertThat(mistral.requests().stream().filter(r -> SHADOW_MISTRAL.equals(r.model())))
        .singleElement()
        .satisfies(r -> assertThat(r.body().encode()).doesNotContain("JVBERi0="));
  }

  /**
   * An evaluation candidate on Mistral is not mirrored a request it could only be sent emptied: the
   * pair would compare the baseline's answer about the document with an answer about nothing. The
   * request counts as skipped for the candidate (and the baseline is not replayed for it); a
   * request it can take is mirrored as usual.
   */
  @Test
  void anEvaluationCandidateOnMistralSkipsAPdfOnlyMessage() throws Exception {
    HttpResponse<String> pdf =
        gateway.post(
            "/v1/chat/completions", "{\"model\":\"pdf-evaluated\",\"messages\":" + PDF_ONLY + "}");
    assertThat(pdf.statusCode()).as(pdf.body()).isEqualTo(200);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> evaluated().path("candidateSkipped").asLong() == 1);
    assertThat(mistral.requests()).noneMatch(r -> EVALUATED_MISTRAL.equals(r.model()));

    HttpResponse<String> text =
        gateway.post(
            "/v1/chat/completions",
            "{\"model\":\"pdf-evaluated\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(text.statusCode()).as(text.body()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(10)).until(() -> evaluated().path("requests").asLong() == 1);
    assertThat(evaluated().path("candidateSkipped").asLong()).isEqualTo(1);
    assertThat(mistral.requests().stream().filter(r -> EVALUATED_MISTRAL.equals(r.model())))
        .singleElement()
        .satisfies(r -> assertThat(r.body().encode()).doesNotContain("JVBERi0="));
  }

  /** The evaluation's figures for its Mistral candidate on this replica (empty before any). */
  static JsonNode evaluated() throws Exception {
    for (JsonNode c :
        GatewayHarness.json(gateway.admin("/admin/evaluations").body()).path("candidates")) {
      if ("pdf-evaluated".equals(c.path("route").asText())) {
        return c;
      }
    }
    return GatewayHarness.JSON.createObjectNode();
  }

  final ListAppender<ILoggingEvent> requestLog = new ListAppender<>();

  @BeforeEach
  void attach() {
    requestLog.start();
    ((Logger) org.slf4j.LoggerFactory.getLogger(RequestLogWriter.LOGGER_NAME))
        .addAppender(requestLog);
  }

  @AfterEach
  void detach() {
    ((Logger) org.slf4j.LoggerFactory.getLogger(RequestLogWriter.LOGGER_NAME))
        .detachAppender(requestLog);
  }

  /** The request log line of the request with this id (written once its answer ended). */
  private JsonNode awaitLogLine(String requestId) {
    return await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              List<ILoggingEvent> events;
              synchronized (requestLog) {
                events = List.copyOf(requestLog.list);
              }
              for (ILoggingEvent e : events) {
                JsonNode line = GatewayHarness.json(e.getFormattedMessage());
                if (requestId.equals(line.path("request_id").asText())) {
                  return line;
                }
              }
              return null;
            },
            java.util.Objects::nonNull);
  }

  /**
   * A Responses request bridged to a Mistral target: the bridge forwards {@code user}, which
   * Mistral refuses (422), so it is left out and named, as on chat completions; {@code
   * max_output_tokens} reaches Mistral as its {@code max_tokens} and is not named; {@code
   * metadata}, which chat completions has no place for, is named before it. Streamed or not, header
   * and log say the same.
   */
  @Test
  void aResponsesRequestServedByMistralNamesWhatMistralWasNotSent() throws Exception {
    for (boolean stream : new boolean[] {false, true}) {
      HttpResponse<String> res =
          gateway.post(
              "/v1/responses",
              "{\"model\":\"small\",\"input\":\"hi\",\"user\":\"u-1\",\"max_output_tokens\":5,"
                  + "\"metadata\":{\"k\":\"v\"},\"service_tier\":\"flex\",\"stream\":"
                  + stream
                  + "}");

      assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
      JsonObject sent = lastSent();
      assertThat(sent.containsKey("user")).isFalse();
      assertThat(sent.containsKey("service_tier")).isFalse();
      assertThat(sent.getInteger("max_tokens")).isEqualTo(5);
      // metadata: the bridge has no place for it in chat completions (before the adapter's list);
      // service_tier: the bridge forwards it, Mistral's rule leaves it out.
      assertThat(res.headers().firstValue("x-switchboard-unhonoured-params"))
          .hasValue("metadata, user, service_tier");
      JsonNode line = awaitLogLine(res.headers().firstValue("x-request-id").orElseThrow());
      assertThat(line.path("unhonoured_params").asText()).isEqualTo("metadata, user, service_tier");
    }
  }

  /**
   * A Messages request bridged to a Mistral target: its {@code metadata.user_id} becomes chat's
   * {@code user}, which Mistral does not take; the answer names it as the client did.
   */
  @Test
  void aMessagesRequestServedByMistralNamesWhatMistralWasNotSentInItsOwnNames() throws Exception {
    HttpResponse<String> res =
        gateway.post(
            "/v1/messages",
            "{\"model\":\"small\",\"max_tokens\":16,\"metadata\":{\"user_id\":\"u-1\"},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    assertThat(lastSent().containsKey("user")).isFalse();
    assertThat(res.headers().firstValue("x-switchboard-unhonoured-params"))
        .hasValue("metadata.user_id");
  }

  /**
   * A PDF the Responses and Messages bridges carry as chat's {@code file} part is left out for
   * Mistral (which refuses it) and named as the client sent it: {@code
   * input[].content[].input_file}, {@code messages[].content[].document}.
   */
  @Test
  void aBridgedPdfLeftOutForMistralIsNamedAsTheClientSentIt() throws Exception {
    String pdf = "JVBERi0=";
    HttpResponse<String> responses =
        gateway.post(
            "/v1/responses",
            "{\"model\":\"small\",\"input\":[{\"role\":\"user\",\"content\":["
                + "{\"type\":\"input_text\",\"text\":\"read\"},{\"type\":\"input_file\","
                + "\"filename\":\"a.pdf\",\"file_data\":\"data:application/pdf;base64,"
                + pdf
                + "\"}]}]}");
    assertThat(responses.statusCode()).as(responses.body()).isEqualTo(200);
    assertThat(responses.headers().firstValue("x-switchboard-unhonoured-params"))
        .hasValue("input[].content[].input_file");

    HttpResponse<String> messages =
        gateway.post(
            "/v1/messages",
            "{\"model\":\"small\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\","
                + "\"content\":[{\"type\":\"text\",\"text\":\"read\"},{\"type\":\"document\","
                + "\"source\":{\"type\":\"base64\",\"media_type\":\"application/pdf\","
                + "\"data\":\""
                + pdf
                + "\"}}]}]}");
    assertThat(messages.statusCode()).as(messages.body()).isEqualTo(200);
    assertThat(lastSent().getJsonArray("messages").getJsonObject(0).encode()).doesNotContain(pdf);
    assertThat(messages.headers().firstValue("x-switchboard-unhonoured-params"))
        .hasValue("messages[].content[].document");
  }

  /**
   * Only the served attempt's changes are said: a Mistral attempt that failed left {@code user}
   * out, but the OpenAI target that answered was sent it.
   */
  @Test
  void afterFailoverFromMistralNothingItDroppedIsNamed() throws Exception {
    HttpResponse<String> res =
        gateway.post(
            "/v1/chat/completions",
            "{\"model\":\"spill\",\"user\":\"u-1\",\"logprobs\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    assertThat(res.headers().firstValue("x-switchboard-provider")).hasValue("openai");
    assertThat(Integer.parseInt(res.headers().firstValue("x-switchboard-attempts").orElseThrow()))
        .isGreaterThan(1);
    assertThat(lastSent().getString("user")).isEqualTo("u-1");
    assertThat(res.headers().firstValue("x-switchboard-unhonoured-params")).isEmpty();
  }

  /** The other way round: failing over to Mistral, what the Mistral attempt left out is named. */
  @Test
  void afterFailoverToMistralWhatItDroppedIsNamed() throws Exception {
    HttpResponse<String> res =
        gateway.post(
            "/v1/chat/completions",
            "{\"model\":\"catch\",\"user\":\"u-1\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    assertThat(res.headers().firstValue("x-switchboard-provider")).hasValue("mistral");
    assertThat(res.headers().firstValue("x-switchboard-unhonoured-params")).hasValue("user");
  }

  /**
   * A cache hit answers with what a Mistral attempt produced without the client's {@code user}: it
   * says so as the original answer did (the hit has no attempt of its own to report it).
   */
  @Test
  void aCacheHitNamesWhatTheAttemptThatProducedItWasNotSent() throws Exception {
    String body =
        "{\"model\":\"cached\",\"temperature\":0,\"user\":\"u-1\","
            + "\"messages\":[{\"role\":\"user\",\"content\":\"cache me\"}]}";
    HttpResponse<String> miss = gateway.post("/v1/chat/completions", body);
    HttpResponse<String> hit = gateway.post("/v1/chat/completions", body);

    assertThat(miss.headers().firstValue("x-switchboard-cache")).hasValue("miss");
    assertThat(miss.headers().firstValue("x-switchboard-unhonoured-params")).hasValue("user");
    assertThat(hit.statusCode()).as(hit.body()).isEqualTo(200);
    assertThat(hit.headers().firstValue("x-switchboard-cache")).hasValue("hit");
    assertThat(hit.headers().firstValue("x-switchboard-unhonoured-params")).hasValue("user");
    JsonNode line = awaitLogLine(hit.headers().firstValue("x-request-id").orElseThrow());
    assertThat(line.path("unhonoured_params").asText()).isEqualTo("user");
  }

  @Test
  void aStreamWhoseClientAskedForNoUsageGetsNone() throws Exception {
    HttpResponse<String> res =
        gateway.post(
            "/v1/chat/completions",
            "{\"model\":\"small\",\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    List<JsonNode> chunks = chunks(res.body());
    assertThat(streamed(chunks)).isEqualTo("Echo from mistral-small-latest: hi");
    assertThat(chunks).allSatisfy(c -> assertThat(c.has("usage")).as(c.toString()).isFalse());
  }

  @Test
  void aDeterministicRoutesSeedIsSentAsRandomSeedAndHonoured() throws Exception {
    HttpResponse<String> res =
        gateway.post(
            "/v1/chat/completions",
            "{\"model\":\"det\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    JsonObject sent = lastSent();
    assertThat(sent.containsKey("seed")).isFalse();
    assertThat(sent.getLong("random_seed")).isEqualTo(42L);
    assertThat(GatewayHarness.json(res.body()).at("/choices/0/message/content").asText())
        .endsWith("(seed 42)");
    assertThat(res.headers().firstValue("x-switchboard-seed")).contains("42");
    assertThat(res.headers().firstValue("x-switchboard-unhonoured-params")).isEmpty();
  }
}
