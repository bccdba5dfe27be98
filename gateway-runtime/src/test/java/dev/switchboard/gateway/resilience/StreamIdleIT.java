package dev.switchboard.gateway.resilience;

import static dev.switchboard.gateway.TestTables.policyRoute;
import static dev.switchboard.gateway.TestTables.target;
import static dev.switchboard.gateway.resilience.ResilienceTables.policy;
import static dev.switchboard.gateway.resilience.ResilienceTables.provider;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import dev.switchboard.mock.openapi.OpenAiWireFormat;
import dev.switchboard.mock.openapi.OpenAiWireFormat.Body;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code timeouts.streamIdle}: a stream that goes quiet between events ends with exactly one
 * terminal error event (long before {@code total}, which is set far beyond the test's HTTP
 * timeout); a stream quiet between its response head and its first event fails over (before {@code
 * firstToken}, also set beyond it); a slow but steady stream is never cut.
 */
class StreamIdleIT {

  @TempDir static Path dir;
  static MockProvider mock;
  static GatewayHarness gateway;

  @BeforeAll
  static void start() throws Exception {
    gateway =
        GatewayHarness.withMock(
            dir,
            new MockProviderOptions().keys("sk-m"),
            StreamIdleIT::table,
            Map.of("quiet", "sk-m", "good", "sk-m"));
    mock = gateway.mock();
  }

  /** Providers {@code quiet} and {@code good}, both with a 300 ms stream idle timeout. */
  static RoutingTable table(MockProvider mock) {
    // firstToken (2 min) and total (10 min) are beyond the harness's 30 s HTTP timeout: only
    // streamIdle can end a stall within it, before the first event as well as after.
    RoutingTable.Timeouts idle300ms = new RoutingTable.Timeouts(1_000L, 120_000L, 600_000L, 300L);
    RoutingTable table =
        TestTables.table(
            List.of(
                provider("quiet", mock.baseUrl(), idle300ms, null, null, null, Map.of()),
                provider("good", mock.baseUrl(), idle300ms, null, null, null, Map.of())),
            List.of(policy("failover", 1, 200, 0.2, 5, null, List.of())),
            List.of(
                policyRoute("stalls", "failover", target("quiet", "stall-model", 0)),
                policyRoute(
                    "stalls-early",
                    "failover",
                    target("quiet", "early-model", 0),
                    target("good", "ok-model", 1)),
                policyRoute("drips", "failover", target("quiet", "drip-model", 0))));
    return table;
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  @BeforeEach
  void reset() {
    mock.reset();
  }

  @Test
  void aStreamSilentAfterItsFirstChunksEndsWithOneTerminalErrorEvent() throws Exception {
    mock.faults().set("stall-model", "stall-after:2");

    HttpResponse<String> r = post("stalls");

    assertThat(r.statusCode()).isEqualTo(200);
    List<String> events = dataEvents(r.body());
    assertThat(events).hasSize(3);
    assertThat(GatewayHarness.json(events.get(0)).path("choices").isArray()).isTrue();
    assertThat(GatewayHarness.json(events.get(1)).path("choices").isArray()).isTrue();
    JsonNode error = GatewayHarness.json(events.get(2)).path("error");
    assertThat(error.path("code").asText()).isEqualTo("upstream_stream_stalled");
    assertThat(error.path("type").asText()).isEqualTo("timeout_error");
    assertThat(OpenAiWireFormat.problems(Body.ERROR, events.get(2))).isEmpty();
    assertThat(r.body()).doesNotContain("[DONE]");
    assertThat(mock.attempts("stall-model")).isEqualTo(1);
    assertThat(gateway.admin("/metrics").body())
        .containsPattern("switchboard_errors_total\\{[^}]*error_class=\"stream_stalled\"");
  }

  @Test
  void aStreamSilentBeforeItsFirstEventFailsOverToTheFallback() throws Exception {
    mock.faults().set("early-model", "stall-after:0");

    HttpResponse<String> r = post("stalls-early");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("x-switchboard-provider")).hasValue("good");
    assertThat(r.body()).contains("data: [DONE]").doesNotContain("\"error\"");
    assertThat(dataEvents(r.body()).size()).isGreaterThan(2);
    assertThat(mock.attempts("early-model")).isEqualTo(1);
    assertThat(mock.attempts("ok-model")).isEqualTo(1);
  }

  @Test
  void aSlowButSteadyStreamIsNeverCut() throws Exception {
    // 100 ms between events, 300 ms idle allowed: the whole stream takes longer than the idle
    // timeout, so only a timer that restarts with every event lets it through.
    mock.faults().set("drip-model", "drip:100,tokens:6");

    HttpResponse<String> r = post("drips");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("data: [DONE]").doesNotContain("\"error\"");
  }

  private static HttpResponse<String> post(String route) throws Exception {
    return gateway.post("/v1/chat/completions", GatewayHarness.chat(route, true));
  }

  /** The payloads of the SSE {@code data:} lines. */
  private static List<String> dataEvents(String body) {
    return body.lines()
        .filter(l -> l.startsWith("data: "))
        .map(l -> l.substring("data: ".length()))
        .toList();
  }
}
