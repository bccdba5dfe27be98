package dev.switchboard.gateway.http;

import static dev.switchboard.gateway.TestTables.provider;
import static dev.switchboard.gateway.TestTables.route;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.ObjectMappers;
import com.openai.core.http.StreamResponse;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseRetrieveParams;
import com.openai.models.responses.ResponseStreamEvent;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import dev.switchboard.mock.openapi.OpenAiWireFormat;
import dev.switchboard.mock.record.RequestRecord;
import dev.switchboard.mock.sse.SseEvent;
import dev.switchboard.mock.sse.SseParser;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /v1/responses/{id}?stream=true[&starting_after=N]} through a real gateway to the mock
 * provider, read with the openai-java SDK's {@code retrieveStreaming}: the events are relayed as
 * the provider sends them (not once the response is whole), from where the client asks, with the
 * provider's key scrubbed even when it arrives split over two reads; and the JSON retrieve is held
 * to the provider's {@code maxResponseSize} also when it comes chunked.
 */
class StoredResponseStreamIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String KEY = "sk-provider-0123456789abcdef";
  private static final long SMALL_LIMIT = 8 * 1024;

  /** The stream-idle timeout of provider {@code idle}; its total is ten minutes. */
  private static final long IDLE_MS = 300;

  @TempDir static Path dir;

  static MockProvider mock;
  static GatewayHarness gateway;
  static OpenAIClient sdk;

  @BeforeAll
  static void start() throws Exception {
    gateway =
        GatewayHarness.withMock(
            dir,
            new MockProviderOptions().keys(KEY),
            StoredResponseStreamIT::table,
            Map.of("openai", KEY, "small", KEY, "idle", KEY));
    mock = gateway.mock();
    sdk =
        OpenAIOkHttpClient.builder()
            .baseUrl(gateway.baseUrl())
            .apiKey("sk-application-key")
            .maxRetries(0)
            .timeout(Duration.ofSeconds(20))
            .build();
  }

  static RoutingTable table(MockProvider mock) {
    RoutingTable.Provider openai =
        provider("openai", "openai", mock.baseUrl(), true, Map.of(), null);
    RoutingTable.Provider small =
        new RoutingTable.Provider(
            "small",
            "openai",
            mock.baseUrl(),
            true,
            null,
            Map.of(),
            null,
            null,
            SMALL_LIMIT,
            null,
            null,
            Map.of());
    RoutingTable.Provider idle =
        provider(
            "idle",
            "openai",
            mock.baseUrl(),
            true,
            Map.of(),
            new RoutingTable.Timeouts(2_000L, 60_000L, 600_000L, IDLE_MS));
    return TestTables.table(
        List.of(openai, small, idle),
        List.of(
            route("native", List.of(), target("openai", "gpt-4.1", 0)),
            route("small", List.of(), target("small", "gpt-4.1", 0)),
            route("idle", List.of(), target("idle", "gpt-4.1", 0))));
  }

  @AfterAll
  static void stop() throws Exception {
    if (sdk != null) {
      sdk.close();
    }
    if (gateway != null) {
      gateway.close();
    }
  }

  @BeforeEach
  void reset() {
    mock.faults().clearAll();
  }

  @Test
  void theEventsArriveInOrderFromWhereTheClientAsks() throws Exception {
    String id = create("native", "Replay me");

    List<ResponseStreamEvent> all = retrieve(id, null);
    assertThat(all.get(0).isCreated()).isTrue();
    assertThat(all.get(all.size() - 1).isCompleted()).isTrue();
    StringBuilder text = new StringBuilder();
    all.forEach(e -> e.outputTextDelta().ifPresent(d -> text.append(d.delta())));
    assertThat(text.toString()).isEqualTo("Echo from gpt-4.1: Replay me");
    HttpResponse<String> raw = gateway.get("/v1/responses/" + id + "?stream=true");
    assertThat(raw.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
    assertThat(OpenAiWireFormat.responsesStreamProblems(raw.body())).isEmpty();
    assertThat(sequenceNumbers(raw.body())).containsExactlyElementsOf(range(0, all.size()));

    List<ResponseStreamEvent> resumed = retrieve(id, 2L);
    assertThat(resumed).hasSize(all.size() - 3);
    assertThat(resumed.get(0).isContentPartAdded()).isTrue();
    assertThat(resumed.get(0).asContentPartAdded().sequenceNumber()).isEqualTo(3);
    assertThat(resumed.get(resumed.size() - 1).isCompleted()).isTrue();
    RequestRecord upstream = last();
    assertThat(upstream.path()).isEqualTo("/v1/responses/" + id);
    assertThat(upstream.query()).isEqualTo("stream=true&starting_after=2");
  }

  /**
   * The provider sends the first three events and then holds the rest (a background response still
   * running): the client has those three while the upstream has not sent the last. Leaving then
   * resets the upstream request.
   */
  @Test
  void theFirstEventsReachTheClientBeforeTheProviderSendsTheLast() throws Exception {
    String id = create("native", "Follow me");
    mock.faults().set("*", "stall-after:3");
    long abortsBefore = mock.stats().clientAborts();

    List<ResponseStreamEvent> firstThree = new ArrayList<>();
    try (StreamResponse<ResponseStreamEvent> stream =
        sdk.responses().retrieveStreaming(id, ResponseRetrieveParams.builder().build())) {
      Iterator<ResponseStreamEvent> events = stream.stream().iterator();
      for (int i = 0; i < 3; i++) {
        firstThree.add(events.next());
      }
    }

    assertThat(firstThree.get(0).isCreated()).isTrue();
    assertThat(firstThree.get(1).isInProgress()).isTrue();
    assertThat(firstThree.get(2).isOutputItemAdded()).isTrue();
    // The client closed its stream: the gateway stops the provider's, which is still open.
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(mock.stats().clientAborts()).isGreaterThan(abortsBefore));
  }

  /**
   * The client leaves while the provider is still to answer (its headers are held back): once the
   * provider's stream starts, the gateway resets it instead of reading a stream nobody takes.
   */
  @Test
  void aClientThatLeftBeforeTheProviderAnsweredDoesNotKeepTheProvidersStreamOpen()
      throws Exception {
    String id = create("native", "Gone");
    mock.faults().set("*", "delay:300,stall-after:1");
    long abortsBefore = mock.stats().clientAborts();
    URI origin = URI.create(gateway.origin());

    try (Socket socket = new Socket(origin.getHost(), origin.getPort())) {
      socket
          .getOutputStream()
          .write(
              ("GET /v1/responses/"
                      + id
                      + "?stream=true HTTP/1.1\r\nHost: localhost\r\n"
                      + "Authorization: Bearer sk-application-key\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> mock.requests().stream().anyMatch(r -> r.path().endsWith(id)));
    }

    // The provider's stream (one event, then silence) is reset, not left open for its timeout.
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(mock.stats().clientAborts()).isGreaterThan(abortsBefore));
  }

  /**
   * The provider's stream breaks off (its connection is reset after the first event): the client's
   * stream ends with one {@code error} event numbered after the last event it got, as the gateway's
   * own Responses streams end, not with a reset connection; also on a resumed stream.
   */
  @Test
  void aStreamTheProviderBreaksOffEndsWithAnErrorEvent() throws Exception {
    String id = create("native", "Break me");
    mock.faults().set("*", "reset-after-headers");

    for (String resume : new String[] {"", "&starting_after=2"}) {
      HttpResponse<String> replay = gateway.get("/v1/responses/" + id + "?stream=true" + resume);

      assertThat(replay.statusCode()).isEqualTo(200);
      List<SseEvent> events = SseParser.parseAll(replay.body());
      assertThat(events).as(replay.body()).hasSize(2);
      ResponseStreamEvent first = sdkEvent(events.get(0));
      long firstSequence = resume.isEmpty() ? 0 : 3;
      assertThat(sequenceNumbers(replay.body()).get(0)).isEqualTo(firstSequence);
      assertThat(first.isCreated() || first.isContentPartAdded()).isTrue();
      assertThat(events.get(1).event()).isEqualTo("error");
      ResponseStreamEvent last = sdkEvent(events.get(1));
      assertThat(last.isError()).isTrue();
      assertThat(last.asError().code()).contains("upstream_connection_lost");
      assertThat(last.asError().message()).contains("connection was lost mid-stream");
      assertThat(last.asError().sequenceNumber()).isEqualTo(firstSequence + 1);
    }
  }

  /**
   * The provider sends two events, then nothing with its connection open: past its {@code
   * timeouts.streamIdle} (not its ten-minute {@code total}) the client's stream ends with the
   * stalled stream's {@code error} event and the provider's request is reset.
   */
  @Test
  void aStreamSilentPastTheProvidersStreamIdleEndsWithAnErrorEvent() throws Exception {
    String id = create("idle", "Hold me");
    mock.faults().set("*", "stall-after:2");
    long abortsBefore = mock.stats().clientAborts();

    // The whole stream within a bound far below the provider's total (a request timeout bounds
    // only the wait for the headers, which go out at once).
    HttpResponse<String> replay =
        HttpClient.newHttpClient()
            .sendAsync(
                HttpRequest.newBuilder(
                        URI.create(gateway.origin() + "/v1/responses/" + id + "?stream=true"))
                    .GET()
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .get(15, TimeUnit.SECONDS);

    assertThat(replay.statusCode()).isEqualTo(200);
    List<SseEvent> events = SseParser.parseAll(replay.body());
    assertThat(events).as(replay.body()).hasSize(3);
    assertThat(sdkEvent(events.get(0)).isCreated()).isTrue();
    assertThat(sdkEvent(events.get(1)).isInProgress()).isTrue();
    ResponseStreamEvent last = sdkEvent(events.get(2));
    assertThat(last.isError()).isTrue();
    assertThat(last.asError().code()).contains("upstream_stream_stalled");
    assertThat(last.asError().sequenceNumber()).isEqualTo(2);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(mock.stats().clientAborts()).isGreaterThan(abortsBefore));
  }

  /**
   * A provider (a stand-in speaking OpenAI's wire format, CRLF line ends) breaks its stream off in
   * the middle of its second event: the client gets the first event and then the error event, never
   * the half event before it (which would run into the error event's lines).
   */
  @Test
  void aStreamBrokenOffMidEventEndsAfterTheLastWholeEvent(@TempDir Path own) throws Exception {
    Vertx vertx = Vertx.vertx();
    String created =
        "{\"type\":\"response.created\",\"sequence_number\":0,\"response\":"
            + RESPONSE.replace("\"completed\"", "\"in_progress\"")
            + "}";
    try {
      HttpServer upstream =
          GatewayHarness.upstream(
              vertx,
              req -> {
                if (req.method().name().equals("POST")) {
                  req.response().putHeader("content-type", "application/json").end(RESPONSE);
                  return;
                }
                req.response()
                    .setChunked(true)
                    .putHeader("content-type", "text/event-stream")
                    .write(
                        "event: response.created\r\ndata: "
                            + created
                            + "\r\n\r\nevent: response.in_progress\r\ndata: {\"type\":\"resp");
                vertx.setTimer(200, t -> req.connection().close());
              });
      String base = "http://127.0.0.1:" + upstream.actualPort() + "/v1";
      try (GatewayHarness standIn =
          GatewayHarness.start(
              vertx,
              own,
              TestTables.table(
                  List.of(provider("partial", "openai", base, true, Map.of(), null)),
                  List.of(route("partial", List.of(), target("partial", "gpt-4.1", 0)))),
              Map.of("partial", KEY))) {
        assertThat(
                standIn
                    .post("/v1/responses", "{\"model\":\"partial\",\"input\":\"Hi\"}")
                    .statusCode())
            .isEqualTo(200);

        HttpResponse<String> replay = standIn.get("/v1/responses/resp_partial?stream=true");

        assertThat(replay.statusCode()).isEqualTo(200);
        assertThat(replay.body()).doesNotContain("response.in_progress");
        List<SseEvent> events = SseParser.parseAll(replay.body());
        assertThat(events).as(replay.body()).hasSize(2);
        assertThat(sdkEvent(events.get(0)).isCreated()).isTrue();
        ResponseStreamEvent last = sdkEvent(events.get(1));
        assertThat(last.isError()).isTrue();
        assertThat(last.asError().sequenceNumber()).isEqualTo(1);
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().join();
    }
  }

  /**
   * A provider that names its events only in their data (no {@code event:} lines) and sends the
   * data's fields in another order: its whole stream, ending with {@code response.completed}, is
   * relayed as it is; the same stream ended cleanly before that event gets the truncated stream's
   * error event.
   */
  @Test
  void unnamedEventsAreJudgedByTheirDataType(@TempDir Path own) throws Exception {
    Vertx vertx = Vertx.vertx();
    String created =
        "{\"type\":\"response.created\",\"sequence_number\":0,\"response\":"
            + RESPONSE.replace("\"completed\"", "\"in_progress\"")
            + "}";
    String completed =
        "{\"sequence_number\":1,\"response\":" + RESPONSE + ",\"type\":\"response.completed\"}";
    try {
      HttpServer upstream =
          GatewayHarness.upstream(
              vertx,
              req -> {
                if (req.method().name().equals("POST")) {
                  req.response().putHeader("content-type", "application/json").end(RESPONSE);
                  return;
                }
                boolean whole = !"2".equals(req.getParam("starting_after"));
                req.response()
                    .putHeader("content-type", "text/event-stream")
                    .end(
                        "data: " + created + "\n\n" + (whole ? "data: " + completed + "\n\n" : ""));
              });
      String base = "http://127.0.0.1:" + upstream.actualPort() + "/v1";
      try (GatewayHarness standIn =
          GatewayHarness.start(
              vertx,
              own,
              TestTables.table(
                  List.of(provider("unnamed", "openai", base, true, Map.of(), null)),
                  List.of(route("unnamed", List.of(), target("unnamed", "gpt-4.1", 0)))),
              Map.of("unnamed", KEY))) {
        assertThat(
                standIn
                    .post("/v1/responses", "{\"model\":\"unnamed\",\"input\":\"Hi\"}")
                    .statusCode())
            .isEqualTo(200);

        List<SseEvent> whole =
            SseParser.parseAll(standIn.get("/v1/responses/resp_partial?stream=true").body());
        assertThat(whole).hasSize(2);
        assertThat(sdkEvent(whole.get(1)).isCompleted()).isTrue();

        List<SseEvent> cut =
            SseParser.parseAll(
                standIn.get("/v1/responses/resp_partial?stream=true&starting_after=2").body());
        assertThat(cut).hasSize(2);
        ResponseStreamEvent last = sdkEvent(cut.get(1));
        assertThat(last.isError()).isTrue();
        assertThat(last.asError().code()).contains("stream_truncated");
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().join();
    }
  }

  /**
   * A provider that ends its body with its last event's data line and no blank line after it (or
   * without even the line end), and closes: a whole last event is what it meant to send, so it is
   * relayed with its missing line ends added (the client's own SSE parser dispatches it), and a
   * final one ends the stream complete; a whole last event that is not final is relayed before the
   * truncated stream's error event; a cut one is still dropped before it.
   */
  @Test
  void aWholeLastEventWithoutItsBlankLineIsRelayedFramed(@TempDir Path own) throws Exception {
    Vertx vertx = Vertx.vertx();
    String created =
        "{\"type\":\"response.created\",\"sequence_number\":0,\"response\":"
            + RESPONSE.replace("\"completed\"", "\"in_progress\"")
            + "}";
    String completed =
        "{\"type\":\"response.completed\",\"sequence_number\":1,\"response\":" + RESPONSE + "}";
    String inProgress =
        "{\"type\":\"response.in_progress\",\"sequence_number\":1,\"response\":"
            + RESPONSE.replace("\"completed\"", "\"in_progress\"")
            + "}";
    try {
      HttpServer upstream =
          GatewayHarness.upstream(
              vertx,
              req -> {
                if (req.method().name().equals("POST")) {
                  req.response().putHeader("content-type", "application/json").end(RESPONSE);
                  return;
                }
                String head = "event: response.created\ndata: " + created + "\n\n";
                String tail =
                    switch (String.valueOf(req.getParam("starting_after"))) {
                      case "null" -> "event: response.completed\ndata: " + completed + "\n";
                      case "1" -> "event: response.completed\r\ndata: " + completed;
                      case "7" -> "event: response.in_progress\ndata: " + inProgress + "\r";
                      default -> "event: response.completed\ndata: " + completed.substring(0, 40);
                    };
                req.response().putHeader("content-type", "text/event-stream").end(head + tail);
              });
      String base = "http://127.0.0.1:" + upstream.actualPort() + "/v1";
      try (GatewayHarness standIn =
          GatewayHarness.start(
              vertx,
              own,
              TestTables.table(
                  List.of(provider("unended", "openai", base, true, Map.of(), null)),
                  List.of(route("unended", List.of(), target("unended", "gpt-4.1", 0)))),
              Map.of("unended", KEY))) {
        assertThat(
                standIn
                    .post("/v1/responses", "{\"model\":\"unended\",\"input\":\"Hi\"}")
                    .statusCode())
            .isEqualTo(200);

        for (String resume : List.of("", "&starting_after=1")) {
          String body = standIn.get("/v1/responses/resp_partial?stream=true" + resume).body();
          assertThat(body).as(resume).endsWith("\n\n").doesNotContain("\"error\"");
          List<SseEvent> whole = SseParser.parseAll(body);
          assertThat(whole).as(resume).hasSize(2);
          assertThat(sdkEvent(whole.get(1)).isCompleted()).as(resume).isTrue();
        }

        String notFinal =
            standIn.get("/v1/responses/resp_partial?stream=true&starting_after=7").body();
        assertThat(notFinal).contains("\"response.in_progress\",\"sequence_number\":1");
        List<SseEvent> truncated = SseParser.parseAll(notFinal);
        assertThat(truncated).as(notFinal).hasSize(3);
        assertThat(sdkEvent(truncated.get(1)).isInProgress()).isTrue();
        ResponseStreamEvent error = sdkEvent(truncated.get(2));
        assertThat(error.asError().code()).contains("stream_truncated");
        assertThat(error.asError().sequenceNumber()).isEqualTo(10);

        String cut = standIn.get("/v1/responses/resp_partial?stream=true&starting_after=9").body();
        List<SseEvent> cutEvents = SseParser.parseAll(cut);
        assertThat(cutEvents).as(cut).hasSize(2);
        assertThat(sdkEvent(cutEvents.get(1)).asError().code()).contains("stream_truncated");
        assertThat(sdkEvent(cutEvents.get(1)).asError().sequenceNumber()).isEqualTo(11);
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().join();
    }
  }

  /** A finished Response object as OpenAI answers one (id {@code resp_partial}). */
  private static final String RESPONSE =
      "{\"id\":\"resp_partial\",\"object\":\"response\",\"created_at\":1,"
          + "\"status\":\"completed\",\"model\":\"gpt-4.1\",\"output\":[{\"type\":\"message\","
          + "\"id\":\"msg_1\",\"status\":\"completed\",\"role\":\"assistant\",\"content\":"
          + "[{\"type\":\"output_text\",\"text\":\"Hi\",\"annotations\":[]}]}],"
          + "\"parallel_tool_calls\":true,\"tool_choice\":\"auto\",\"tools\":[],"
          + "\"temperature\":1.0,\"top_p\":1.0,\"store\":true,"
          + "\"usage\":{\"input_tokens\":1,\"output_tokens\":1,\"total_tokens\":2,"
          + "\"input_tokens_details\":{\"cached_tokens\":0},"
          + "\"output_tokens_details\":{\"reasoning_tokens\":0}}}";

  /** The mock echoes the key in a text delta written in two pieces that cut the key in half. */
  @Test
  void aKeySplitAcrossTwoReadsIsScrubbed() throws Exception {
    String id = create("native", "Echo me");
    mock.faults().set("*", "echo-auth,drip:20");

    HttpResponse<String> replay = gateway.get("/v1/responses/" + id + "?stream=true");

    assertThat(replay.statusCode()).isEqualTo(200);
    assertThat(replay.body()).doesNotContain(KEY).doesNotContain(KEY.substring(0, 14));
    List<String> deltas = new ArrayList<>();
    for (SseEvent e : SseParser.parseAll(replay.body())) {
      JsonNode event = JSON.readTree(e.data());
      if (event.path("type").asText().equals("response.output_text.delta")) {
        deltas.add(event.path("delta").asText());
      }
    }
    assertThat(deltas).contains("You called me with Authorization: Bearer [REDACTED]");
    assertThat(OpenAiWireFormat.responsesStreamProblems(replay.body())).isEmpty();
  }

  /**
   * A JSON retrieve larger than the provider's {@code maxResponseSize}, sent chunked (no length to
   * refuse up front), is counted as it arrives and refused past the limit.
   */
  @Test
  void aChunkedJsonRetrievePastTheProvidersSizeLimitIsA502() throws Exception {
    // A long answer, streamed when created: a stream is not held to the size limit.
    mock.faults().set("gpt-4.1", "tokens:4000");
    HttpResponse<String> created =
        gateway.post("/v1/responses", "{\"model\":\"small\",\"stream\":true,\"input\":\"Hi\"}");
    mock.faults().clearAll();
    assertThat(created.statusCode()).isEqualTo(200);
    String id = null;
    for (SseEvent e : SseParser.parseAll(created.body())) {
      id = JSON.readTree(e.data()).path("response").path("id").asText(null);
      if (id != null) {
        break;
      }
    }
    assertThat(id).isNotNull();

    HttpResponse<String> got = gateway.get("/v1/responses/" + id);

    assertThat(got.statusCode()).as(got.body()).isEqualTo(502);
    OpenAiWireFormat.assertValid(OpenAiWireFormat.Body.ERROR, got.body());
    assertThat(JSON.readTree(got.body()).path("error").path("message").asText())
        .contains("response size limit of " + SMALL_LIMIT + " bytes");
    // The same response streamed is not held to the limit.
    assertThat(gateway.get("/v1/responses/" + id + "?stream=true").statusCode()).isEqualTo(200);
  }

  private static String create(String model, String input) {
    return sdk.responses()
        .create(ResponseCreateParams.builder().model(model).input(input).build())
        .id();
  }

  private static List<ResponseStreamEvent> retrieve(String id, Long startingAfter) {
    ResponseRetrieveParams.Builder params = ResponseRetrieveParams.builder();
    if (startingAfter != null) {
      params.startingAfter(startingAfter);
    }
    List<ResponseStreamEvent> events = new ArrayList<>();
    try (StreamResponse<ResponseStreamEvent> stream =
        sdk.responses().retrieveStreaming(id, params.build())) {
      stream.stream().forEach(events::add);
    }
    events.forEach(ResponseStreamEvent::validate);
    return events;
  }

  /** An event as the openai-java SDK reads it, checked against its model. */
  private static ResponseStreamEvent sdkEvent(SseEvent event) throws Exception {
    ResponseStreamEvent parsed =
        ObjectMappers.jsonMapper().readValue(event.data(), ResponseStreamEvent.class);
    parsed.validate();
    return parsed;
  }

  private static List<Long> sequenceNumbers(String sse) throws Exception {
    List<Long> out = new ArrayList<>();
    for (SseEvent e : SseParser.parseAll(sse)) {
      out.add(JSON.readTree(e.data()).path("sequence_number").asLong());
    }
    return out;
  }

  private static List<Long> range(int from, int to) {
    List<Long> out = new ArrayList<>();
    for (long i = from; i < to; i++) {
      out.add(i);
    }
    return out;
  }

  private static RequestRecord last() {
    List<RequestRecord> all = mock.requests();
    return all.get(all.size() - 1);
  }
}
