package dev.switchboard.gateway.http;

import static dev.switchboard.gateway.TestTables.provider;
import static dev.switchboard.gateway.TestTables.route;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.responses.ResponseCreateParams;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.logging.RequestLogWriter;
import dev.switchboard.gateway.resilience.RequestDeadline;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stored-response calls ({@code GET}/{@code DELETE /v1/responses/{id}}, {@code input_items},
 * {@code cancel}) through a real gateway to the mock provider: each has its request log line and
 * its metrics, as a proxied request has, with the provider that holds the response, the status the
 * client got and the call's own {@code operation}; never the provider's key.
 */
class StoredResponseCallsIT {

  private static final String KEY = "sk-provider-0123456789abcdef";

  /** The first-token timeout of provider {@code slow}; its total is ten minutes. */
  private static final long FIRST_TOKEN_MS = 1_000;

  /** The total timeout of provider {@code trickling}; its first token is as long. */
  private static final long TOTAL_MS = 3_000;

  @TempDir static Path dir;

  static MockProvider mock;
  static GatewayHarness gateway;
  static OpenAIClient sdk;
  static final ListAppender<ILoggingEvent> requestLog = new ListAppender<>();

  @BeforeAll
  static void start() throws Exception {
    gateway =
        GatewayHarness.withMock(
            dir,
            new MockProviderOptions().keys(KEY),
            StoredResponseCallsIT::table,
            Map.of("openai", KEY, "slow", KEY, "trickling", KEY));
    mock = gateway.mock();
    sdk =
        OpenAIOkHttpClient.builder()
            .baseUrl(gateway.baseUrl())
            .apiKey("sk-application-key")
            .maxRetries(0)
            .timeout(Duration.ofSeconds(20))
            .build();
    requestLog.start();
    ((Logger) org.slf4j.LoggerFactory.getLogger(RequestLogWriter.LOGGER_NAME))
        .addAppender(requestLog);
  }

  static RoutingTable table(MockProvider mock) {
    return TestTables.table(
        List.of(
            provider("openai", "openai", mock.baseUrl(), true, Map.of(), null),
            provider(
                "slow",
                "openai",
                mock.baseUrl(),
                true,
                Map.of(),
                new RoutingTable.Timeouts(null, FIRST_TOKEN_MS, 600_000L, null)),
            provider(
                "trickling",
                "openai",
                mock.baseUrl(),
                true,
                Map.of(),
                new RoutingTable.Timeouts(null, null, TOTAL_MS, null))),
        List.of(
            route("native", List.of(), target("openai", "gpt-4.1", 0)),
            route("slow", List.of(), target("slow", "gpt-4.1", 0)),
            route("trickling", List.of(), target("trickling", "gpt-4.1", 0))));
  }

  @AfterAll
  static void stop() throws Exception {
    ((Logger) org.slf4j.LoggerFactory.getLogger(RequestLogWriter.LOGGER_NAME))
        .detachAppender(requestLog);
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
  void eachStoredResponseCallHasItsLogLineAndMetrics() throws Exception {
    String id = create("Keep me");

    assertThat(call("GET", "/v1/responses/" + id, "get-json").statusCode()).isEqualTo(200);
    assertThat(call("GET", "/v1/responses/" + id + "?stream=true", "get-stream").statusCode())
        .isEqualTo(200);
    assertThat(call("GET", "/v1/responses/" + id + "/input_items", "items").statusCode())
        .isEqualTo(200);
    // The mock's stored responses are not background ones: its own 400, passed on.
    assertThat(call("POST", "/v1/responses/" + id + "/cancel", "cancel").statusCode())
        .isEqualTo(400);
    assertThat(call("DELETE", "/v1/responses/" + id, "delete").statusCode()).isEqualTo(200);
    assertThat(call("GET", "/v1/responses/" + id, "gone").statusCode()).isEqualTo(404);

    JsonNode json = line("get-json");
    assertThat(json.path("operation").asText()).isEqualTo("response_retrieve");
    assertThat(json.path("stream").asBoolean()).isFalse();
    assertThat(json.path("provider").asText()).isEqualTo("openai");
    assertThat(json.path("target_model").asText()).isEqualTo("gpt-4.1");
    assertThat(json.path("status").asInt()).isEqualTo(200);
    assertThat(json.path("outcome").asText()).isEqualTo("success");
    assertThat(json.path("config_version").asText()).startsWith("sha256:");
    assertThat(json.path("ttft_ms").isNumber()).as("a JSON answer has no first token").isFalse();
    JsonNode stream = line("get-stream");
    assertThat(stream.path("operation").asText()).isEqualTo("response_retrieve");
    assertThat(stream.path("stream").asBoolean()).isTrue();
    assertThat(stream.path("status").asInt()).isEqualTo(200);
    assertThat(stream.path("ttft_ms").isNumber()).as("a stream's first event is its TTFT").isTrue();
    assertThat(stream.path("outcome").asText()).isEqualTo("success");
    assertThat(line("items").path("operation").asText()).isEqualTo("response_input_items");
    JsonNode cancel = line("cancel");
    assertThat(cancel.path("operation").asText()).isEqualTo("response_cancel");
    assertThat(cancel.path("status").asInt()).isEqualTo(400);
    assertThat(cancel.path("outcome").asText()).isEqualTo("error");
    assertThat(cancel.path("error_class").asText()).isEqualTo("upstream_rejected");
    assertThat(cancel.path("provider").asText()).isEqualTo("openai");
    JsonNode delete = line("delete");
    assertThat(delete.path("operation").asText()).isEqualTo("response_delete");
    assertThat(delete.path("status").asInt()).isEqualTo(200);
    JsonNode gone = line("gone");
    assertThat(gone.path("status").asInt()).isEqualTo(404);
    assertThat(gone.path("error_class").asText()).isEqualTo("not_found");
    assertThat(gone.path("provider").isNull()).isTrue();
    for (ILoggingEvent e : events()) {
      assertThat(e.getFormattedMessage()).doesNotContain(KEY).doesNotContain(KEY.substring(3));
    }

    String metrics = gateway.admin("/metrics").body();
    assertThat(metrics)
        .containsPattern(
            "gen_ai_server_time_to_first_token_seconds_count\\{[^}]*route=\"_none\"[^}]*\\} [1-9]");
    assertThat(count(metrics, "response_retrieve", "success", "false", "openai"))
        .isGreaterThanOrEqualTo(1);
    assertThat(count(metrics, "response_retrieve", "success", "true", "openai"))
        .isGreaterThanOrEqualTo(1);
    assertThat(count(metrics, "response_cancel", "error", "false", "openai"))
        .isGreaterThanOrEqualTo(1);
    assertThat(count(metrics, "response_delete", "success", "false", "openai"))
        .isGreaterThanOrEqualTo(1);
    assertThat(count(metrics, "response_retrieve", "error", "false", "_none"))
        .isGreaterThanOrEqualTo(1);
    assertThat(metrics)
        .contains(
            "switchboard_errors_total{arm=\"_none\",error_class=\"upstream_rejected\","
                + "provider=\"openai\",route=\"_none\",target_model=\"gpt-4.1\"}");
    assertThat(metrics).doesNotContain(KEY);
  }

  /**
   * The provider holds its answer to a JSON retrieve back ({@code stall}); the client leaves: the
   * gateway resets the provider's request at once instead of waiting for it until its timeout, and
   * the call is logged as cancelled.
   */
  @Test
  void aClientThatLeavesAJsonRetrieveResetsTheProvidersRequest() throws Exception {
    String id = create("Slow me");
    mock.faults().set("*", "stall");
    long abortsBefore = mock.stats().clientAborts();
    URI origin = URI.create(gateway.origin());

    try (Socket socket = new Socket(origin.getHost(), origin.getPort())) {
      socket
          .getOutputStream()
          .write(
              ("GET /v1/responses/"
                      + id
                      + " HTTP/1.1\r\nHost: localhost\r\nx-request-id: left-json\r\n"
                      + "Authorization: Bearer sk-application-key\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> mock.requests().stream().anyMatch(r -> r.path().endsWith(id)));
    }

    // The provider's timeouts are the defaults (minutes): only a reset ends its request this soon.
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(mock.stats().clientAborts()).isGreaterThan(abortsBefore));
    JsonNode left = line("left-json");
    assertThat(left.path("status").asInt()).isEqualTo(499);
    assertThat(left.path("outcome").asText()).isEqualTo("cancelled");
    assertThat(left.path("error_class").asText()).isEqualTo("client_cancelled");
    assertThat(left.path("provider").asText()).isEqualTo("openai");
  }

  /**
   * The provider ends its streamed retrieve cleanly after three events, before {@code
   * response.completed}: the client's stream ends with the truncated stream's {@code error} event
   * (numbered after the last event relayed), as a relayed stream the upstream ends early does, and
   * the call is accounted as that error, not as a success.
   */
  @Test
  void aStreamedRetrieveEndedBeforeItsFinalEventEndsWithAnErrorEvent() throws Exception {
    String id = create("Cut me");
    mock.faults().set("*", "truncate:3");

    HttpResponse<String> cut = call("GET", "/v1/responses/" + id + "?stream=true", "get-cut");

    assertThat(cut.statusCode()).isEqualTo(200);
    List<dev.switchboard.mock.sse.SseEvent> events =
        dev.switchboard.mock.sse.SseParser.parseAll(cut.body());
    assertThat(events).as(cut.body()).hasSize(4);
    assertThat(events.get(3).event()).isEqualTo("error");
    JsonNode error = GatewayHarness.json(events.get(3).data());
    assertThat(error.path("type").asText()).isEqualTo("error");
    assertThat(error.path("code").asText()).isEqualTo("stream_truncated");
    assertThat(error.path("sequence_number").asLong()).isEqualTo(3);
    JsonNode line = line("get-cut");
    assertThat(line.path("outcome").asText()).isEqualTo("error");
    assertThat(line.path("error_class").asText()).isEqualTo("stream_truncated");

    // The whole stream still ends as it did: its final event, a success.
    mock.faults().clearAll();
    HttpResponse<String> whole = call("GET", "/v1/responses/" + id + "?stream=true", "get-whole");
    List<dev.switchboard.mock.sse.SseEvent> all =
        dev.switchboard.mock.sse.SseParser.parseAll(whole.body());
    assertThat(all.get(all.size() - 1).event()).isEqualTo("response.completed");
    assertThat(line("get-whole").path("outcome").asText()).isEqualTo("success");
  }

  /**
   * A client that had every event, the final one included, when its connection broke resumes after
   * the final event: the provider has nothing more and closes the stream, and so does the gateway
   * (no {@code stream_truncated} error for a stream that was complete).
   */
  @Test
  void aResumeAfterTheFinalEventEndsWithNothingMore() throws Exception {
    String id = create("Resume me");
    HttpResponse<String> whole = call("GET", "/v1/responses/" + id + "?stream=true", "get-all");
    List<dev.switchboard.mock.sse.SseEvent> all =
        dev.switchboard.mock.sse.SseParser.parseAll(whole.body());
    dev.switchboard.mock.sse.SseEvent last = all.get(all.size() - 1);
    assertThat(last.event()).isEqualTo("response.completed");
    long lastSequence = GatewayHarness.json(last.data()).path("sequence_number").asLong();

    HttpResponse<String> resumed =
        call(
            "GET",
            "/v1/responses/" + id + "?stream=true&starting_after=" + lastSequence,
            "resume-past-end");

    assertThat(resumed.statusCode()).isEqualTo(200);
    assertThat(dev.switchboard.mock.sse.SseParser.parseAll(resumed.body()))
        .as(resumed.body())
        .isEmpty();
    assertThat(line("resume-past-end").path("outcome").asText()).isEqualTo("success");
  }

  /**
   * The provider holding the response sends no answer head ({@code stall}): past its {@code
   * timeouts.firstToken} (not its ten-minute total) the call is the 504 a plain call gets for the
   * same timeout, accounted as {@code timeout}, and the provider's request is reset; a streamed
   * retrieve waits for its head as long.
   */
  @Test
  void aStoredResponseCallWithoutAnAnswerHeadEndsAtTheFirstTokenTimeout() throws Exception {
    create("Warm the path up"); // a cold first call may take longer than slow's first token
    String id =
        sdk.responses()
            .create(ResponseCreateParams.builder().model("slow").input("Wait for me").build())
            .id();
    mock.faults().set("*", "stall");
    long abortsBefore = mock.stats().clientAborts();

    for (String query : new String[] {"", "?stream=true"}) {
      String requestId = "first-token" + query.length();
      HttpResponse<String> late = call("GET", "/v1/responses/" + id + query, requestId);

      assertThat(late.statusCode()).as(late.body()).isEqualTo(504);
      JsonNode error = GatewayHarness.json(late.body()).path("error");
      assertThat(error.path("type").asText()).isEqualTo("timeout_error");
      assertThat(error.path("code").asText()).isEqualTo("upstream_timeout");
      assertThat(error.path("message").asText()).contains("did not answer in time");
      JsonNode line = line(requestId);
      assertThat(line.path("status").asInt()).isEqualTo(504);
      assertThat(line.path("outcome").asText()).isEqualTo("error");
      assertThat(line.path("error_class").asText()).isEqualTo("timeout");
    }
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> assertThat(mock.stats().clientAborts()).isGreaterThanOrEqualTo(abortsBefore + 2));
  }

  /**
   * The provider sends its answer head at once, then the JSON body a byte every 50 ms ({@code
   * trickle}): never silent for as long as its timeouts, so only a bound on the whole answer ends
   * it. Past the provider's {@code timeouts.total} (3 s, where the whole body would take a minute)
   * the client gets the 504 a plain call gets for the same timeout, accounted as {@code timeout},
   * and the provider's request is reset.
   */
  @Test
  void aJsonRetrieveWhoseBodyTricklesEndsAtTheTotalTimeout() throws Exception {
    create("Warm the path up");
    String id =
        sdk.responses()
            .create(ResponseCreateParams.builder().model("trickling").input("Drip me").build())
            .id();
    mock.faults().set("*", "trickle:50");
    long abortsBefore = mock.stats().clientAborts();

    HttpResponse<String> late = call("GET", "/v1/responses/" + id, "trickled");

    assertThat(late.statusCode()).as(late.body()).isEqualTo(504);
    JsonNode error = GatewayHarness.json(late.body()).path("error");
    assertThat(error.path("type").asText()).isEqualTo("timeout_error");
    assertThat(error.path("code").asText()).isEqualTo("upstream_timeout");
    JsonNode line = line("trickled");
    assertThat(line.path("status").asInt()).isEqualTo(504);
    assertThat(line.path("outcome").asText()).isEqualTo("error");
    assertThat(line.path("error_class").asText()).isEqualTo("timeout");
    assertThat(line.path("provider").asText()).isEqualTo("trickling");
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(mock.stats().clientAborts()).isGreaterThan(abortsBefore));
  }

  /**
   * The client's {@code x-switchboard-timeout-ms} bounds a stored-response call as it bounds a
   * proxied one, well below the provider's own timeouts (the defaults: 30 s first token, 120 s
   * total): an answer head that comes late ({@code delay}), a JSON body that trickles in ({@code
   * trickle}: never silent, seconds in all) and a streamed retrieve whose events keep coming
   * ({@code drip}) all end at the deadline with the 504 a proxied call gets (a stream with its one
   * terminal error event), accounted as {@code timeout}, and the provider's request is reset. They
   * used to run until the provider's answer was complete.
   */
  @Test
  void aStoredResponseCallEndsAtTheDeadlineTheClientAskedFor() throws Exception {
    String id = create("Bound me");
    long abortsBefore = mock.stats().clientAborts();

    mock.faults().set("*", "delay:4000");
    assertTimedOut(call("GET", "/v1/responses/" + id, "deadline-head", "500"), "deadline-head");
    mock.faults().set("*", "trickle:5");
    assertTimedOut(call("GET", "/v1/responses/" + id, "deadline-body", "1000"), "deadline-body");

    mock.faults().set("*", "drip:400");
    HttpResponse<String> stream =
        call("GET", "/v1/responses/" + id + "?stream=true", "deadline-stream", "1000");
    assertThat(stream.statusCode()).isEqualTo(200);
    List<dev.switchboard.mock.sse.SseEvent> events =
        dev.switchboard.mock.sse.SseParser.parseAll(stream.body());
    dev.switchboard.mock.sse.SseEvent last = events.get(events.size() - 1);
    assertThat(last.event()).as(stream.body()).isEqualTo("error");
    assertThat(GatewayHarness.json(last.data()).path("code").asText())
        .isEqualTo("upstream_timeout");
    assertThat(events).noneMatch(e -> "response.completed".equals(e.event()));
    JsonNode line = line("deadline-stream");
    assertThat(line.path("outcome").asText()).isEqualTo("error");
    assertThat(line.path("error_class").asText()).isEqualTo("timeout");

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> assertThat(mock.stats().clientAborts()).isGreaterThanOrEqualTo(abortsBefore + 3));
  }

  private static void assertTimedOut(HttpResponse<String> late, String requestId) throws Exception {
    assertThat(late.statusCode()).as(late.body()).isEqualTo(504);
    JsonNode error = GatewayHarness.json(late.body()).path("error");
    assertThat(error.path("type").asText()).isEqualTo("timeout_error");
    assertThat(error.path("code").asText()).isEqualTo("upstream_timeout");
    JsonNode line = line(requestId);
    assertThat(line.path("status").asInt()).isEqualTo(504);
    assertThat(line.path("outcome").asText()).isEqualTo("error");
    assertThat(line.path("error_class").asText()).isEqualTo("timeout");
  }

  /**
   * A stored response of megabytes is scrubbed on a worker, not on the event loop that serves other
   * requests; an ordinary one stays on the loop. Either reaches the client whole.
   */
  @Test
  void aLargeStoredResponseIsScrubbedOffTheEventLoop() throws Exception {
    List<String> scrubbedOn = new java.util.concurrent.CopyOnWriteArrayList<>();
    ResponsesStateHandler.scrubProbe =
        () -> scrubbedOn.add(io.vertx.core.Context.isOnEventLoopThread() ? "loop" : "worker");
    try {
      mock.faults().set("*", "tokens:100000");
      String large = create("Write a lot");
      mock.faults().clearAll();
      String small = create("Write a little");

      HttpResponse<String> big = call("GET", "/v1/responses/" + large, "get-large");
      assertThat(big.statusCode()).isEqualTo(200);
      assertThat(big.body().length()).isGreaterThan(ResponsesStateHandler.INLINE_SCRUB_LIMIT);
      assertThat(GatewayHarness.json(big.body()).path("id").asText()).isEqualTo(large);
      HttpResponse<String> little = call("GET", "/v1/responses/" + small, "get-small");
      assertThat(little.statusCode()).isEqualTo(200);
      assertThat(GatewayHarness.json(little.body()).path("id").asText()).isEqualTo(small);

      assertThat(scrubbedOn).containsExactly("worker", "loop");
    } finally {
      ResponsesStateHandler.scrubProbe = () -> {};
    }
  }

  /**
   * The value of {@code gen_ai_client_operation_duration_seconds_count} for the stored-response
   * calls (no route) of {@code operation}, {@code outcome}, {@code stream} at {@code provider}; 0
   * when there is no such series.
   */
  private static double count(
      String metrics, String operation, String outcome, String stream, String provider) {
    for (String line : metrics.split("\n")) {
      if (line.startsWith("gen_ai_client_operation_duration_seconds_count{")
          && line.contains("operation=\"" + operation + "\"")
          && line.contains("outcome=\"" + outcome + "\"")
          && line.contains("stream=\"" + stream + "\"")
          && line.contains("provider=\"" + provider + "\"")
          && line.contains("route=\"_none\"")) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return 0;
  }

  private static String create(String input) {
    return sdk.responses()
        .create(ResponseCreateParams.builder().model("native").input(input).build())
        .id();
  }

  private static HttpResponse<String> call(String method, String path, String requestId)
      throws Exception {
    return call(method, path, requestId, null);
  }

  /** As {@link #call(String, String, String)}, with {@code x-switchboard-timeout-ms} if given. */
  private static HttpResponse<String> call(
      String method, String path, String requestId, String timeoutMs) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(gateway.origin() + path));
    if (timeoutMs != null) {
      request.header(RequestDeadline.HEADER, timeoutMs);
    }
    HttpResponse<String> response =
        gateway.send(
            request
                .timeout(Duration.ofSeconds(20))
                .header("x-request-id", requestId)
                .method(
                    method,
                    method.equals("POST")
                        ? HttpRequest.BodyPublishers.ofString("{}")
                        : HttpRequest.BodyPublishers.noBody())
                .build());
    assertThat(response.headers().firstValue("x-request-id")).contains(requestId);
    return response;
  }

  /** The request log line of {@code requestId}, once it was written. */
  private static JsonNode line(String requestId) {
    List<JsonNode> found = new ArrayList<>();
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              found.clear();
              for (ILoggingEvent e : events()) {
                JsonNode line = GatewayHarness.json(e.getFormattedMessage());
                if (line.path("request_id").asText().equals(requestId)) {
                  found.add(line);
                }
              }
              assertThat(found).hasSize(1);
            });
    return found.get(0);
  }

  private static List<ILoggingEvent> events() {
    synchronized (requestLog) {
      return List.copyOf(requestLog.list);
    }
  }
}
