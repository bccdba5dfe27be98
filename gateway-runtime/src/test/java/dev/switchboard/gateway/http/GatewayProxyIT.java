package dev.switchboard.gateway.http;

import static dev.switchboard.gateway.GatewayHarness.chat;
import static dev.switchboard.gateway.GatewayHarness.json;
import static dev.switchboard.gateway.TestTables.provider;
import static dev.switchboard.gateway.TestTables.route;
import static dev.switchboard.gateway.TestTables.target;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.pipeline.ValidateStage;
import dev.switchboard.gateway.resilience.RequestDeadline;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import dev.switchboard.mock.openapi.OpenAiWireFormat;
import dev.switchboard.mock.openapi.OpenAiWireFormat.Body;
import dev.switchboard.mock.record.RequestRecord;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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

/** End to end through the gateway against a real loopback fake provider, over plain HTTP. */
class GatewayProxyIT {

  /** A small limit keeps the 413 test fast; the 32 MiB default is checked in GatewayMainTest. */
  static final long MAX_BODY = 1024 * 1024;

  @TempDir static Path dir;

  static MockProvider mock;
  static GatewayHarness gateway;

  @BeforeAll
  static void start() throws Exception {
    gateway =
        GatewayHarness.withMock(
            dir,
            new MockProviderOptions()
                .keys("sk-a")
                .models(
                    "broken-model",
                    "limited-model",
                    "rejecting-model",
                    "slow-model",
                    "truncating-model",
                    "dripping-model",
                    "text-embedding-3-small",
                    "shadow-model",
                    "slow-shadow-model",
                    "error-first-model",
                    "error-later-model",
                    "priced-model")
                .alias("gpt-4o-mini", "gpt-4o-mini-2024-07-18"),
            GatewayProxyIT::table,
            Map.of(
                "mock-a",
                "sk-a",
                "mock-any",
                "sk-a",
                "mock-slow",
                "sk-a",
                "mock-mistral",
                "sk-a",
                "mock-priced",
                "sk-a"),
            o -> o.withMaxBodyBytes(MAX_BODY),
            null);
    mock = gateway.mock();
  }

  /** Providers on the mock (plain, priced, slow, mistral-kind) and a dead one; a route per case. */
  static RoutingTable table(MockProvider mock) throws IOException {
    int deadPort;
    try (ServerSocket s = new ServerSocket(0)) {
      deadPort = s.getLocalPort();
    }
    RoutingTable table =
        TestTables.table(
            List.of(
                provider(
                    "mock-a",
                    "openai-compatible",
                    mock.baseUrl(),
                    true,
                    Map.of("gpt-4o-mini", TestTables.priced(2.0, 8.0)),
                    null),
                provider("mock-any", mock.baseUrl(), true),
                provider("mock-mistral", "mistral", mock.baseUrl(), true, Map.of(), null),
                provider(
                    "mock-slow",
                    "openai-compatible",
                    mock.baseUrl(),
                    true,
                    Map.of(),
                    new RoutingTable.Timeouts(1000L, 400L, 600L, null)),
                provider(
                    "mock-priced",
                    "openai-compatible",
                    mock.baseUrl(),
                    true,
                    Map.of(
                        "priced-model",
                        new RoutingTable.Model(
                            List.of("chat"),
                            128_000L,
                            new RoutingTable.Pricing(2.50, 10.00, 1.25, "USD"),
                            null)),
                    null),
                provider("dead", "http://127.0.0.1:" + deadPort + "/v1", false)),
            List.of(
                route("chat-default", List.of("gpt-4o"), target("mock-a", "gpt-4o-mini", 0)),
                route(
                    "failover",
                    List.of(),
                    target("mock-any", "broken-model", 0),
                    target("mock-a", "gpt-4o-mini", 1)),
                route("broken", List.of(), target("mock-any", "broken-model", 0)),
                route("limited", List.of(), target("mock-any", "limited-model", 0)),
                route("rejecting", List.of(), target("mock-any", "rejecting-model", 0)),
                route("slow", List.of(), target("mock-slow", "slow-model", 0)),
                route("dead", List.of(), target("dead", "any", 0)),
                route("truncating", List.of(), target("mock-any", "truncating-model", 0)),
                route("embed", List.of(), target("mock-any", "text-embedding-3-small", 0)),
                route(
                    "error-first",
                    List.of(),
                    target("mock-any", "error-first-model", 0),
                    target("mock-a", "gpt-4o-mini", 1)),
                route("error-later", List.of(), target("mock-any", "error-later-model", 0)),
                route("mistral", List.of(), target("mock-mistral", "gpt-4o-mini", 0)),
                route("costed", List.of(), target("mock-priced", "priced-model", 0)),
                canaryRoute("canary-broken", target("mock-any", "broken-model", 0)),
                canaryRoute("canary-healthy", target("mock-any", "gpt-4o-mini", 0)),
                canaryRoute("canary-truncating", target("mock-any", "truncating-model", 0)),
                canaryRoute("canary-error-later", target("mock-any", "error-later-model", 0)),
                canaryRoute("canary-dripping", target("mock-any", "dripping-model", 0)),
                new RoutingTable.Route(
                    "shadowed-truncating",
                    "shadowed-truncating",
                    List.of(),
                    null,
                    1,
                    List.of(target("mock-a", "gpt-4o-mini", 0)),
                    List.of(),
                    new RoutingTable.Canary(
                        "shadow",
                        100,
                        2,
                        List.of(target("mock-any", "truncating-model", 0)),
                        List.of())),
                new RoutingTable.Route(
                    "shadowed-slow",
                    "shadowed-slow",
                    List.of(),
                    null,
                    1,
                    List.of(target("mock-a", "gpt-4o-mini", 0)),
                    List.of(),
                    new RoutingTable.Canary(
                        "shadow",
                        100,
                        2,
                        List.of(target("mock-any", "slow-shadow-model", 0)),
                        List.of())),
                new RoutingTable.Route(
                    "shadowed",
                    "shadowed",
                    List.of(),
                    null,
                    1,
                    List.of(target("mock-a", "gpt-4o-mini", 0)),
                    List.of(),
                    new RoutingTable.Canary(
                        "shadow",
                        100,
                        2,
                        List.of(target("mock-any", "shadow-model", 0)),
                        List.of()))));
    return table;
  }

  /** A route served by mock-a/gpt-4o-mini with every request sent to a split canary first. */
  private static RoutingTable.Route canaryRoute(String name, RoutingTable.Target canary) {
    return new RoutingTable.Route(
        name,
        name,
        List.of(),
        null,
        1,
        List.of(target("mock-a", "gpt-4o-mini", 0)),
        List.of(),
        new RoutingTable.Canary("split", 100, 2, List.of(canary), List.of()));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  @BeforeEach
  void resetMock() {
    mock.reset();
    mock.faults().set("broken-model", "status:500");
    mock.faults().set("limited-model", "status:429;retry-after=7");
    mock.faults().set("rejecting-model", "status:400");
    mock.faults().set("slow-model", "delay:3000");
    mock.faults().set("truncating-model", "truncate:2");
    mock.faults().set("error-first-model", "stream-error:0");
    mock.faults().set("error-later-model", "stream-error:2");
    mock.faults().set("dripping-model", "drip:200,tokens:100");
  }

  @Test
  void nonStreamingChatIsRoutedWithModelRewrittenAndSaysWhatServedIt() throws Exception {
    String body =
        "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
            + "\"seed\":7,\"store\":true,\"metadata\":{\"team\":\"a\"},"
            + "\"x_unknown\":{\"kept\":true}}"; // OpenAI takes metadata only with store: true
    HttpResponse<String> response =
        gateway.post(
            "/v1/chat/completions",
            body,
            "Authorization",
            "Bearer client-own-secret",
            "x-request-id",
            "req-123");

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode json = json(response.body());
    assertThat(json.path("object").asText()).isEqualTo("chat.completion");
    assertThat(json.path("choices").get(0).path("message").path("content").asText()).isNotEmpty();
    assertThat(response.headers().firstValue("x-request-id")).contains("req-123");
    assertThat(response.headers().firstValue("x-switchboard-route")).contains("chat-default");
    assertThat(response.headers().firstValue("x-switchboard-provider")).contains("mock-a");
    assertThat(response.headers().firstValue("x-switchboard-target-model")).contains("gpt-4o-mini");
    assertThat(response.headers().firstValue("x-switchboard-model-version"))
        .contains("gpt-4o-mini-2024-07-18");
    assertThat(response.headers().firstValue("x-switchboard-system-fingerprint"))
        .contains("fp_mock0001");
    assertThat(response.headers().firstValue("x-switchboard-attempts")).contains("1");
    assertThat(response.headers().firstValue("x-switchboard-ttft-ms")).isPresent();

    RequestRecord seen = mock.requests().get(mock.requests().size() - 1);
    assertThat(seen.model()).isEqualTo("gpt-4o-mini");
    assertThat(seen.header("x-request-id")).isEqualTo("req-123");
    // The provider saw the gateway's key, never the client's own Authorization.
    assertThat(seen.keyFingerprint()).isEqualTo(RequestRecord.fingerprint("sk-a"));
    assertThat(seen.keyAccepted()).isTrue();
    assertThat(seen.body().getInteger("seed")).isEqualTo(7);
    assertThat(seen.body().getJsonObject("metadata").getString("team")).isEqualTo("a");
    assertThat(seen.body().getJsonObject("x_unknown").getBoolean("kept")).isTrue();
  }

  @Test
  void streamWithoutUsagePassesChunksAndHidesTheUsageTheGatewayAskedFor() throws Exception {
    HttpResponse<String> response =
        gateway.post("/v1/chat/completions", chat("chat-default", true));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type").orElse(""))
        .startsWith("text/event-stream");
    List<String> events = sseData(response.body());
    assertThat(events).last().isEqualTo("[DONE]");
    List<JsonNode> chunks = chunks(events);
    assertThat(chunks).isNotEmpty();
    assertThat(chunks).allSatisfy(c -> assertThat(c.has("usage")).isFalse());
    assertThat(chunks.get(0).path("choices").get(0).path("delta").path("role").asText())
        .isEqualTo("assistant");
    // ... but the upstream was asked for usage, so tokens were still counted.
    RequestRecord seen = mock.requests().get(mock.requests().size() - 1);
    assertThat(seen.body().getJsonObject("stream_options").getBoolean("include_usage")).isTrue();
    // The request is recorded right after its last byte went out: the client may be faster.
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(gateway.server().metrics().scrape())
                    .contains(
                        "gen_ai_client_token_usage_tokens_count{arm=\"stable\","
                            + "gen_ai_token_type=\"output\",provider=\"mock-a\","
                            + "route=\"chat-default\",target_model=\"gpt-4o-mini\"}")
                    .contains("gen_ai_server_time_to_first_token_seconds_count"));
  }

  @Test
  void providersThatRejectUnknownFieldsAreNotSentTheGatewaysStreamOptions() throws Exception {
    HttpResponse<String> response = gateway.post("/v1/chat/completions", chat("mistral", true));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(sseData(response.body())).last().isEqualTo("[DONE]");
    RequestRecord seen = mock.requests().get(mock.requests().size() - 1);
    assertThat(seen.body().containsKey("stream_options")).isFalse();
  }

  @Test
  void streamWithUsageForwardsTheUsageChunk() throws Exception {
    String body =
        "{\"model\":\"chat-default\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    HttpResponse<String> response = gateway.post("/v1/chat/completions", body);

    assertThat(response.statusCode()).isEqualTo(200);
    List<String> events = sseData(response.body());
    assertThat(events).last().isEqualTo("[DONE]");
    List<JsonNode> chunks = chunks(events);
    JsonNode last = chunks.get(chunks.size() - 1);
    assertThat(last.path("choices")).isEmpty();
    assertThat(last.path("usage").path("completion_tokens").asInt()).isPositive();
  }

  @Test
  void failsOverToTheNextTargetBeforeAnythingWasSent() throws Exception {
    HttpResponse<String> plain = gateway.post("/v1/chat/completions", chat("failover", false));
    assertThat(plain.statusCode()).isEqualTo(200);
    assertThat(plain.headers().firstValue("x-switchboard-attempts")).contains("2");
    assertThat(plain.headers().firstValue("x-switchboard-target-model")).contains("gpt-4o-mini");

    HttpResponse<String> stream = gateway.post("/v1/chat/completions", chat("failover", true));
    assertThat(stream.statusCode()).isEqualTo(200);
    assertThat(sseData(stream.body())).last().isEqualTo("[DONE]");
    assertThat(mock.attempts("broken-model")).isEqualTo(2);
  }

  @Test
  void aSplitCanaryServesItsShareAndAFailingCanaryFallsBackToStable() throws Exception {
    HttpResponse<String> healthy =
        gateway.post("/v1/chat/completions", chat("canary-healthy", false));
    assertThat(healthy.statusCode()).isEqualTo(200);
    assertThat(healthy.headers().firstValue("x-switchboard-arm")).contains("canary");
    assertThat(healthy.headers().firstValue("x-switchboard-provider")).contains("mock-any");

    HttpResponse<String> broken =
        gateway.post("/v1/chat/completions", chat("canary-broken", false));
    assertThat(broken.statusCode()).isEqualTo(200);
    assertThat(broken.headers().firstValue("x-switchboard-arm")).isEmpty();
    assertThat(broken.headers().firstValue("x-switchboard-provider")).contains("mock-a");
    // The canary's failure is on record for the operator's analysis, by arm.
    assertThat(gateway.admin("/metrics").body())
        .containsPattern(
            "switchboard_upstream_attempts_total\\{arm=\"canary\",outcome=\"server_error\","
                + "provider=\"mock-any\",route=\"canary-broken\",target_model=\"broken-model\"\\}");
  }

  @Test
  void aShadowCanaryGetsACopyWhileStableAnswers() throws Exception {
    HttpResponse<String> plain = gateway.post("/v1/chat/completions", chat("shadowed", false));
    HttpResponse<String> stream = gateway.post("/v1/chat/completions", chat("shadowed", true));

    for (HttpResponse<String> r : List.of(plain, stream)) {
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("x-switchboard-provider")).contains("mock-a");
      assertThat(r.headers().firstValue("x-switchboard-arm")).isEmpty();
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> mock.attempts("shadow-model") == 2);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                gateway
                    .admin("/metrics")
                    .body()
                    .contains(
                        "gen_ai_client_operation_duration_seconds_count{arm=\"canary\","
                            + "operation=\"chat\",outcome=\"success\",provider=\"mock-any\","
                            + "route=\"shadowed\",stream=\"true\",target_model=\"shadow-model\"} 1"));
    // The canary analysis counts an arm's requests by its attempts: the copies are the canary's.
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(
                        gateway
                            .admin("/metrics")
                            .body()
                            .lines()
                            .filter(l -> l.startsWith("switchboard_upstream_attempts_total{"))
                            .filter(l -> l.contains("route=\"shadowed\""))
                            .filter(l -> l.contains("arm=\"canary\""))
                            .filter(l -> l.contains("outcome=\"success\""))
                            .mapToDouble(
                                l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                            .sum())
                    .isEqualTo(2.0));
  }

  /**
   * A shadow copy keeps the request's deadline, and a copy cut only by it (the client asked for 1 s
   * of a canary whose own timeouts allow far more) is a {@code deadline} attempt as on the client's
   * path: neither a timeout of the canary nor an upstream error of its arm.
   */
  @Test
  void aShadowCopyCutByTheRequestsDeadlineIsADeadlineNotTheCanarysTimeout() throws Exception {
    // Warm: the stable target's first answer in a fresh gateway must not use up the deadline.
    assertThat(gateway.post("/v1/chat/completions", chat("chat-default", false)).statusCode())
        .isEqualTo(200);
    mock.faults().set("slow-shadow-model", "delay:4000");

    HttpResponse<String> r =
        gateway.post(
            "/v1/chat/completions", chat("shadowed-slow", false), RequestDeadline.HEADER, "1000");

    assertThat(r.statusCode()).isEqualTo(200);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> assertThat(attempts("shadowed-slow", "canary", "deadline")).isEqualTo(1.0));
    assertThat(attempts("shadowed-slow", "canary", "timeout")).isZero();
    assertThat(attempts("shadowed-slow", "canary", "success")).isZero();
    assertThat(gateway.admin("/metrics").body())
        .doesNotContainPattern("switchboard_upstream_errors_total\\{[^}]*route=\"shadowed-slow\"");
  }

  @Test
  void upstreamDyingMidStreamEndsWithExactlyOneErrorEvent() throws Exception {
    HttpResponse<String> response = gateway.post("/v1/chat/completions", chat("truncating", true));

    assertThat(response.statusCode()).isEqualTo(200);
    List<String> events = sseData(response.body());
    assertThat(events).doesNotContain("[DONE]");
    List<String> errors = events.stream().filter(e -> e.contains("\"error\"")).toList();
    assertThat(errors).hasSize(1);
    assertThat(events).last().isEqualTo(errors.get(0));
    assertThat(OpenAiWireFormat.problems(Body.ERROR, errors.get(0))).isEmpty();
  }

  @Test
  void aCanaryStreamCutShortCountsAsAnErrorOfTheCanaryArm() throws Exception {
    HttpResponse<String> truncated =
        gateway.post("/v1/chat/completions", chat("canary-truncating", true));
    HttpResponse<String> errorEvent =
        gateway.post("/v1/chat/completions", chat("canary-error-later", true));
    HttpResponse<String> complete =
        gateway.post("/v1/chat/completions", chat("canary-healthy", true));
    gateway.post("/v1/chat/completions", chat("shadowed-truncating", true));

    for (HttpResponse<String> cut : List.of(truncated, errorEvent)) {
      assertThat(cut.headers().firstValue("x-switchboard-arm")).contains("canary");
      assertThat(sseData(cut.body())).doesNotContain("[DONE]");
    }
    assertThat(sseData(complete.body())).last().isEqualTo("[DONE]");
    // The analysis's error rate is failed attempts over attempts (client hang-ups aside): a
    // stream that broke after its first event is a failed attempt of its arm, not a success.
    assertThat(attempts("canary-truncating", "canary", "success")).isZero();
    assertThat(attempts("canary-truncating", "canary", "bad_response")).isEqualTo(1.0);
    assertThat(attempts("canary-error-later", "canary", "success")).isZero();
    assertThat(attempts("canary-error-later", "canary", "server_error")).isEqualTo(1.0);
    assertThat(attempts("canary-healthy", "canary", "success")).isEqualTo(1.0);
    // A shadow copy cut short is the canary's failure too.
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(attempts("shadowed-truncating", "canary", "bad_response"))
                    .isEqualTo(1.0));
    assertThat(attempts("shadowed-truncating", "canary", "success")).isZero();
  }

  @Test
  void aClientLeavingACanaryStreamIsNeitherARequestNorAnErrorOfTheArm() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", URI.create(gateway.origin()).getPort())) {
      byte[] body = chat("canary-dripping", true).getBytes(UTF_8);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\n"
                  + "content-type: application/json\r\ncontent-length: "
                  + body.length
                  + "\r\n\r\n")
              .getBytes(UTF_8));
      out.write(body);
      out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), UTF_8));
      String line;
      while ((line = in.readLine()) != null && !line.startsWith("data:")) {
        // the head, until the first event
      }
      assertThat(line).startsWith("data:");
    } // the client hangs up mid-stream
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(attempts("canary-dripping", "canary", "client_cancelled"))
                    .isEqualTo(1.0));
    assertThat(attempts("canary-dripping", "canary", "success")).isZero();
  }

  /** The value of {@code switchboard_upstream_attempts_total} of one route, arm and outcome. */
  private static double attempts(String route, String arm, String outcome) throws Exception {
    return gateway
        .admin("/metrics")
        .body()
        .lines()
        .filter(l -> l.startsWith("switchboard_upstream_attempts_total{"))
        .filter(l -> l.contains("route=\"" + route + "\""))
        .filter(l -> l.contains("arm=\"" + arm + "\""))
        .filter(l -> l.contains("outcome=\"" + outcome + "\""))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  @Test
  void anErrorEventBeforeAnyContentFailsOverButALaterOneEndsTheStream() throws Exception {
    HttpResponse<String> first = gateway.post("/v1/chat/completions", chat("error-first", true));
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(sseData(first.body())).last().isEqualTo("[DONE]");
    assertThat(first.headers().firstValue("x-switchboard-target-model")).contains("gpt-4o-mini");

    HttpResponse<String> later = gateway.post("/v1/chat/completions", chat("error-later", true));
    assertThat(later.statusCode()).isEqualTo(200);
    List<String> events = sseData(later.body());
    assertThat(events).doesNotContain("[DONE]");
    assertThat(events.stream().filter(e -> e.contains("\"error\"")).toList()).hasSize(1);
    assertThat(OpenAiWireFormat.problems(Body.ERROR, events.get(events.size() - 1))).isEmpty();
  }

  @Test
  void embeddingsAreProxied() throws Exception {
    HttpResponse<String> response =
        gateway.post("/v1/embeddings", "{\"model\":\"embed\",\"input\":[\"a\",\"b\"]}");

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode json = json(response.body());
    assertThat(json.path("data")).hasSize(2);
    assertThat(json.path("data").get(0).path("embedding").isArray()).isTrue();
  }

  @Test
  void listsEveryModelNameAndAlias() throws Exception {
    HttpResponse<String> response = gateway.get("/v1/models");

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode json = json(response.body());
    assertThat(json.path("object").asText()).isEqualTo("list");
    List<String> ids = new ArrayList<>();
    json.path("data").forEach(m -> ids.add(m.path("id").asText()));
    assertThat(ids).contains("chat-default", "gpt-4o", "failover", "embed");
    assertThat(json.path("data").get(0).path("owned_by").asText()).isEqualTo("switchboard");
  }

  @Test
  void everyErrorIsOpenAiShapedWithTheRightStatus() throws Exception {
    assertError(gateway.post("/v1/chat/completions", "{not json"), 400, null, null);
    assertError(gateway.post("/v1/chat/completions", "{\"messages\":[]}"), 400, "model", null);
    assertError(
        gateway.post("/v1/chat/completions", "{\"model\":\"chat-default\",\"messages\":\"hi\"}"),
        400,
        "messages",
        null);
    assertError(gateway.post("/v1/embeddings", "{\"model\":\"embed\"}"), 400, "input", null);
    assertError(
        gateway.post("/v1/chat/completions", chat("no-such-model", false)),
        404,
        "model",
        "model_not_found");
    assertError(
        gateway.post(
            "/v1/chat/completions", chat("chat-default", false), "Content-Type", "text/plain"),
        415,
        null,
        "unsupported_media_type");
    assertError(gateway.get("/v1/chat/completions"), 405, null, "method_not_allowed");
    assertError(gateway.get("/v1/nothing-here"), 404, null, "unknown_url");
    assertError(
        gateway.post("/v1/chat/completions", chat("broken", false)), 502, null, "bad_gateway");
    assertError(
        gateway.post("/v1/chat/completions", chat("broken", true)), 502, null, "bad_gateway");
    HttpResponse<String> limited = gateway.post("/v1/chat/completions", chat("limited", false));
    assertError(limited, 429, null, "rate_limit_exceeded");
    assertThat(limited.headers().firstValue("retry-after")).contains("7");
    assertError(gateway.post("/v1/chat/completions", chat("rejecting", false)), 400, null, null);
    assertError(
        gateway.post("/v1/chat/completions", chat("slow", false)), 504, null, "upstream_timeout");
    assertError(
        gateway.post("/v1/chat/completions", chat("slow", true)), 504, null, "upstream_timeout");
    assertError(
        gateway.post("/v1/chat/completions", chat("dead", false)), 503, null, "no_healthy_target");
  }

  @Test
  void bodiesOverTheLimitAreRejectedWith413AndLargeOnesUnderItAreServed() throws Exception {
    byte[] big = new byte[(int) MAX_BODY + 1024];
    java.util.Arrays.fill(big, (byte) ' ');
    HttpResponse<String> response =
        gateway.send(
            HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/chat/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(big))
                .build());
    assertError(response, 413, null, "request_too_large");

    // Above the inline-parse threshold: parsed on a worker thread, then proxied as usual.
    String largePrompt = "x".repeat(ValidateStage.INLINE_PARSE_LIMIT + 1024);
    HttpResponse<String> large =
        gateway.post(
            "/v1/chat/completions",
            "{\"model\":\"chat-default\",\"messages\":[{\"role\":\"user\",\"content\":\""
                + largePrompt
                + "\"}]}");
    assertThat(large.statusCode()).isEqualTo(200);
    assertThat(mock.requests().get(mock.requests().size() - 1).body().encode())
        .contains(largePrompt);
  }

  /**
   * The proxied paths read their bodies without the router (ProxiedRequests); what a client sees
   * must not depend on which way a request took: a chunked body is served, a chunked body that
   * grows past the limit gets the same 413 (Anthropic-shaped on /v1/messages), a request the direct
   * path leaves to the router (Expect: 100-continue, no body) is answered as before, and a body the
   * HTTP decoder rejects closes its connection without anything sent upstream.
   */
  @Test
  void proxiedPathsAnswerTheSameWhicheverWayTheBodyIsRead() throws Exception {
    String prompt = chat("chat-default", false);
    HttpResponse<String> chunked = postChunked("/v1/chat/completions", prompt.getBytes(UTF_8));
    assertThat(chunked.statusCode()).as(chunked.body()).isEqualTo(200);
    assertThat(mock.requests().get(mock.requests().size() - 1).body().encode()).contains("hi");

    byte[] big = new byte[(int) MAX_BODY + 1024];
    java.util.Arrays.fill(big, (byte) ' ');
    HttpResponse<String> tooLarge = postChunked("/v1/chat/completions", big);
    assertError(tooLarge, 413, null, "request_too_large");
    HttpResponse<String> tooLargeMessages = postChunked("/v1/messages", big);
    assertThat(tooLargeMessages.statusCode()).isEqualTo(413);
    assertThat(json(tooLargeMessages.body()).path("type").asText()).isEqualTo("error");
    assertThat(json(tooLargeMessages.body()).path("error").path("type").asText())
        .isEqualTo("request_too_large");

    HttpResponse<String> expecting =
        gateway.send(
            HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/chat/completions"))
                .header("Content-Type", "application/json")
                .expectContinue(true)
                .POST(HttpRequest.BodyPublishers.ofString(prompt))
                .build());
    assertThat(expecting.statusCode()).as(expecting.body()).isEqualTo(200);
    assertError(gateway.post("/v1/chat/completions", ""), 400, null, null);

    int upstreamRequests = mock.requests().size();
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", gateway.server().port())) {
      socket.setSoTimeout(10_000);
      socket
          .getOutputStream()
          .write(
              ("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n"
                      + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                      + "zz\r\n{}\r\n0\r\n\r\n")
                  .getBytes(UTF_8));
      // Vert.x fails a connection whose body framing is broken: closed, nothing proxied.
      assertThat(socket.getInputStream().readAllBytes()).isEmpty();
    }
    assertThat(mock.requests()).hasSize(upstreamRequests);
    assertThat(gateway.post("/v1/chat/completions", prompt).statusCode()).isEqualTo(200);
  }

  /** A JSON POST whose body goes out chunked (no Content-Length: the length is not known ahead). */
  private static HttpResponse<String> postChunked(String path, byte[] body) throws Exception {
    return gateway.send(
        HttpRequest.newBuilder(URI.create(gateway.origin() + path))
            .header("Content-Type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofInputStream(
                    () -> new java.io.ByteArrayInputStream(body)))
            .build());
  }

  /**
   * Known traffic on a route of its own, with exact usage from the mock: 1,000 prompt tokens of
   * which 400 cached, 50 completion tokens, at 2.50 / 1.25 (cached) / 10.00 USD per million. Each
   * answer costs (600 x 2.50 + 400 x 1.25 + 50 x 10.00) / 1e6 = 0.0025 USD, the stream as the JSON
   * answer; the third request fails and costs nothing.
   */
  @Test
  void costMetricsAndLiveStatsMatchKnownTrafficExactly() throws Exception {
    mock.faults().add("priced-model", "tokens:50,prompt-tokens:1000,cached-tokens:400", 2);
    mock.faults().add("priced-model", "status:500", 1);

    assertThat(gateway.post("/v1/chat/completions", chat("costed", false)).statusCode())
        .isEqualTo(200);
    HttpResponse<String> stream = gateway.post("/v1/chat/completions", chat("costed", true));
    assertThat(stream.statusCode()).isEqualTo(200);
    assertThat(stream.body()).endsWith("data: [DONE]\n\n").doesNotContain("\"usage\"");
    assertThat(gateway.post("/v1/chat/completions", chat("costed", false)).statusCode())
        .isEqualTo(502);

    // Requests are recorded after their last byte went out: wait for the third.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                json(gateway.get("/v1/switchboard/stats").body())
                        .path("routes")
                        .path("costed")
                        .path("requests")
                        .asInt()
                    == 3);
    String metrics = gateway.admin("/metrics").body();
    String series =
        "{arm=\"stable\",provider=\"mock-priced\",route=\"costed\",target_model=\"priced-model\"}";
    assertThat(metricValue(metrics, "switchboard_cost_usd_total" + series))
        .isCloseTo(0.005, within(1e-12));
    String tokens =
        "gen_ai_client_token_usage_tokens_sum{arm=\"stable\",gen_ai_token_type=\"%s\","
            + "provider=\"mock-priced\",route=\"costed\",target_model=\"priced-model\"}";
    assertThat(metricValue(metrics, tokens.formatted("input"))).isEqualTo(2_000.0);
    assertThat(metricValue(metrics, tokens.formatted("cached"))).isEqualTo(800.0);
    assertThat(metricValue(metrics, tokens.formatted("output"))).isEqualTo(100.0);

    JsonNode stats = json(gateway.get("/v1/switchboard/stats").body());
    JsonNode route = stats.path("routes").path("costed");
    assertThat(route.path("requests").asInt()).isEqualTo(3);
    assertThat(route.path("error_rate").asDouble()).isEqualTo(0.333);
    // 0.005 USD over 3 requests, per 1,000 requests.
    assertThat(route.path("cost_per_1k_requests_usd").asDouble()).isEqualTo(1.667);
    // One stream: its TTFT is both percentiles; the JSON answers have none.
    assertThat(route.path("ttft_p50_ms").isNumber()).isTrue();
    assertThat(route.path("ttft_p95_ms").asDouble())
        .isEqualTo(route.path("ttft_p50_ms").asDouble());
    JsonNode target = null;
    for (JsonNode row : stats.path("targets")) {
      if (row.path("route").asText().equals("costed")) {
        target = row;
      }
    }
    assertThat(target).isNotNull();
    assertThat(target.path("target").asText()).isEqualTo("mock-priced/priced-model");
    assertThat(target.path("provider").asText()).isEqualTo("mock-priced");
    assertThat(target.path("requests").asInt()).isEqualTo(3);
    assertThat(target.path("cost_per_1k_requests_usd").asDouble()).isEqualTo(1.667);
  }

  /** A request the pipeline ends at route resolution still walks back through accounting. */
  @Test
  void aRequestEndedBeforeAnyUpstreamIsStillAccounted() throws Exception {
    String series =
        "switchboard_errors_total{arm=\"_none\",error_class=\"model_not_found\","
            + "provider=\"_none\",route=\"_none\",target_model=\"_none\"}";
    double before = metricValueOrZero(gateway.admin("/metrics").body(), series);

    assertThat(gateway.post("/v1/chat/completions", chat("no-such-model", false)).statusCode())
        .isEqualTo(404);

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> metricValueOrZero(gateway.admin("/metrics").body(), series) == before + 1);
  }

  private static double metricValueOrZero(String exposition, String series) {
    return exposition.contains(series + " ") ? metricValue(exposition, series) : 0;
  }

  /** The value of one exposed series, by its exact name and labels. */
  private static double metricValue(String exposition, String series) {
    for (String line : exposition.split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1).trim());
      }
    }
    throw new AssertionError("no series " + series + " in the exposition");
  }

  @Test
  void healthReadinessMetricsStatsAndAdminSummary() throws Exception {
    gateway.post("/v1/chat/completions", chat("chat-default", true));

    assertThat(gateway.get("/healthz").statusCode()).isEqualTo(200);
    HttpResponse<String> ready = gateway.get("/readyz");
    assertThat(ready.statusCode()).isEqualTo(200);
    String version = gateway.configVersion().orElseThrow();
    assertThat(json(ready.body()).path("configVersion").asText()).isEqualTo(version);

    String metrics = gateway.admin("/metrics").body();
    assertThat(metrics)
        .contains("switchboard_config_version_info{config_version=\"" + version + "\"} 1")
        .contains("switchboard_config_reload_total{result=\"applied\"}")
        .contains("switchboard_upstream_attempts_total")
        .contains("gen_ai_client_operation_duration_seconds_bucket");

    HttpResponse<String> admin = gateway.admin("/admin/config");
    JsonNode config = json(admin.body());
    assertThat(config.path("configVersion").asText()).isEqualTo(version);
    assertThat(admin.body()).doesNotContain("sk-a");
    JsonNode mockA = null;
    for (JsonNode p : config.path("providers")) {
      if (p.path("name").asText().equals("mock-a")) {
        mockA = p;
      }
    }
    assertThat(mockA).isNotNull();
    assertThat(mockA.path("keyLoaded").asBoolean()).isTrue();
  }

  private static void assertError(
      HttpResponse<String> response, int status, String param, String code) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("content-type").orElse(""))
        .startsWith("application/json");
    assertThat(OpenAiWireFormat.problems(Body.ERROR, response.body()))
        .as(response.body())
        .isEmpty();
    assertThat(response.headers().firstValue("x-request-id")).as("x-request-id").isPresent();
    JsonNode error = json(response.body()).path("error");
    if (param != null) {
      assertThat(error.path("param").asText()).isEqualTo(param);
    }
    if (code != null) {
      assertThat(error.path("code").asText()).isEqualTo(code);
    }
  }

  static List<String> sseData(String body) {
    List<String> events = new ArrayList<>();
    for (String block : body.split("\n\n")) {
      StringBuilder data = new StringBuilder();
      for (String line : block.split("\n")) {
        if (line.startsWith("data:")) {
          data.append(line.substring(5).strip());
        }
      }
      if (!data.isEmpty()) {
        events.add(data.toString());
      }
    }
    return events;
  }

  private static List<JsonNode> chunks(List<String> events) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String e : events) {
      if (!e.equals("[DONE]")) {
        out.add(json(e));
      }
    }
    return out;
  }
}
