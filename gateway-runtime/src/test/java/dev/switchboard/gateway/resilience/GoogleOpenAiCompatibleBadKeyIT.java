package dev.switchboard.gateway.resilience;

import static dev.switchboard.gateway.TestTables.policyRoute;
import static dev.switchboard.gateway.TestTables.target;
import static dev.switchboard.gateway.resilience.ResilienceTables.policy;
import static dev.switchboard.gateway.resilience.ResilienceTables.provider;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import io.vertx.core.http.HttpServerRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Google's OpenAI-compatible endpoint (an {@code openai-compatible} provider on {@code
 * .../v1beta/openai}) answers a wrong key as Google does everywhere: 400 with {@code ErrorInfo
 * reason API_KEY_INVALID}, in an array envelope or an object. That is the gateway's key being
 * refused, not the client's request: fail over, record the rejection, never answer the client 400.
 */
class GoogleOpenAiCompatibleBadKeyIT {

  private static final String GOOGLE_ERROR =
      "{\"error\":{\"code\":400,\"message\":\"API key not valid. Please pass a valid API key.\","
          + "\"status\":\"INVALID_ARGUMENT\",\"details\":[{\"@type\":"
          + "\"type.googleapis.com/google.rpc.ErrorInfo\",\"reason\":\"API_KEY_INVALID\","
          + "\"domain\":\"googleapis.com\",\"metadata\":{\"service\":"
          + "\"generativelanguage.googleapis.com\"}}]}}";

  @TempDir static Path dir;
  static GatewayHarness gateway;
  static final AtomicInteger googleCalls = new AtomicInteger();

  @BeforeAll
  static void start() throws Exception {
    gateway =
        GatewayHarness.withMocks(
            dir,
            List.of(new MockProviderOptions().keys("sk-good")),
            (vertx, mocks) -> {
              String arrayBase = google(vertx, true);
              String objectBase = google(vertx, false);
              return table(mocks.get(0), arrayBase, objectBase);
            },
            Map.of("good", "sk-good", "gemini-array", "AIza-wrong", "gemini-object", "AIza-wrong"));
  }

  /** A stand-in for Google's OpenAI-compatible endpoint that refuses every key. */
  private static String google(io.vertx.core.Vertx vertx, boolean array) throws Exception {
    var server =
        GatewayHarness.upstream(
            vertx,
            (HttpServerRequest req) -> {
              googleCalls.incrementAndGet();
              req.response()
                  .setStatusCode(req.path().equals("/v1beta/openai/chat/completions") ? 400 : 404)
                  .putHeader("content-type", "application/json; charset=UTF-8")
                  .end(array ? "[" + GOOGLE_ERROR + "]" : GOOGLE_ERROR);
            });
    return "http://127.0.0.1:" + server.actualPort() + "/v1beta/openai";
  }

  static RoutingTable table(MockProvider good, String arrayBase, String objectBase) {
    RoutingTable.Timeouts timeouts = new RoutingTable.Timeouts(1_000L, 3_000L, 5_000L, null);
    return TestTables.table(
        List.of(
            provider("gemini-array", arrayBase, timeouts, null, null, null, Map.of()),
            provider("gemini-object", objectBase, timeouts, null, null, null, Map.of()),
            provider("good", good.baseUrl(), timeouts, null, null, null, Map.of())),
        List.of(policy("failover", 1, 200, 0.2, 5, null, List.of())),
        List.of(
            policyRoute(
                "array",
                "failover",
                target("gemini-array", "gemini-2.5-flash", 0),
                target("good", "ok-model", 1)),
            policyRoute(
                "object",
                "failover",
                target("gemini-object", "gemini-2.5-flash", 0),
                target("good", "ok-model", 1))));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  @Test
  void anApiKeyInvalidInAnArrayEnvelopeFailsOverAndIsRecorded() throws Exception {
    assertFailsOverAndRecords("array", "gemini-array");
  }

  @Test
  void anApiKeyInvalidInAnObjectEnvelopeFailsOverAndIsRecorded() throws Exception {
    assertFailsOverAndRecords("object", "gemini-object");
  }

  private static void assertFailsOverAndRecords(String route, String provider) throws Exception {
    int before = googleCalls.get();
    HttpResponse<String> r =
        gateway.post("/v1/chat/completions", GatewayHarness.chat(route, false));

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.headers().firstValue("x-switchboard-provider")).hasValue("good");
    assertThat(googleCalls.get() - before).isEqualTo(1);
    assertThat(
            GatewayHarness.json(gateway.admin("/admin/config").body())
                .path("resilience")
                .path("providers")
                .path(provider)
                .path("credentialsRejected")
                .asBoolean())
        .isTrue();
  }
}
