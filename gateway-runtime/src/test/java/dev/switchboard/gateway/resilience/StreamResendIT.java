package dev.switchboard.gateway.resilience;

import static dev.switchboard.gateway.TestTables.policyRoute;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
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
 * A stream that failed after its {@code 200} event-stream head arrived, before anything reached the
 * client, is failed over like a plain answer that broke off after its head: the provider had begun
 * (and billed) it, so it is not sent to the same target again, although the policy allows two
 * attempts per target (RESILIENCE.md, "Retries and double billing").
 */
class StreamResendIT {

  @TempDir static Path dir;
  static MockProvider mock;
  static GatewayHarness gateway;

  @BeforeAll
  static void start() throws Exception {
    RoutingTable.Timeouts timeouts = new RoutingTable.Timeouts(1_000L, 5_000L, 10_000L, 300L);
    RoutingTable.CircuitBreaker breaker =
        new RoutingTable.CircuitBreaker(50, 5_000L, 100, 10_000L, 300L);
    gateway =
        GatewayHarness.withMock(
            dir,
            new MockProviderOptions().keys("sk-m"),
            m ->
                TestTables.table(
                    List.of(
                        TestTables.provider(
                            "oai", "openai", m.baseUrl(), true, Map.of(), timeouts)),
                    List.of(
                        ResilienceTables.policy("patient", 2, 200, 1.0, 100, breaker, List.of())),
                    List.of(
                        policyRoute(
                            "resend",
                            "patient",
                            target("oai", "flaky", 0),
                            target("oai", "ok", 1)))),
            Map.of("oai", "sk-m"));
    mock = gateway.mock();
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  @BeforeEach
  void reset() {
    mock.reset();
  }

  /** {@code response.created}, then a reset: the Responses stream had begun upstream. */
  @Test
  void aResponsesStreamResetAfterItsFirstEventsFailsOverToTheNextTarget() throws Exception {
    mock.faults().set("flaky", "reset-after-headers");
    HttpResponse<String> r =
        gateway.post(
            "/v1/responses", "{\"model\":\"resend\",\"stream\":true,\"input\":\"Say hi\"}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("x-switchboard-target-model")).hasValue("ok");
    assertThat(r.body()).contains("response.completed").doesNotContain("event: error");
    assertThat(mock.attempts("flaky")).isEqualTo(1);
  }

  /** The head, then silence past the stream-idle timeout: the attempt is failed over. */
  @Test
  void aStreamSilentAfterItsHeadFailsOverToTheNextTarget() throws Exception {
    mock.faults().set("flaky", "stall-after:0");
    HttpResponse<String> r =
        gateway.post("/v1/chat/completions", GatewayHarness.chat("resend", true));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("x-switchboard-target-model")).hasValue("ok");
    assertThat(r.body()).contains("[DONE]").doesNotContain("\"error\"");
    assertThat(mock.attempts("flaky")).isEqualTo(1);
  }

  /** The head, then a clean end without an event: a 200 whose answer cannot be used. */
  @Test
  void aStreamEndedAfterItsHeadWithoutAnEventFailsOverToTheNextTarget() throws Exception {
    mock.faults().set("flaky", "truncate:0");
    HttpResponse<String> r =
        gateway.post("/v1/chat/completions", GatewayHarness.chat("resend", true));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("x-switchboard-target-model")).hasValue("ok");
    assertThat(r.body()).contains("[DONE]").doesNotContain("\"error\"");
    assertThat(mock.attempts("flaky")).isEqualTo(1);
  }

  /** A {@code 200} that is no event stream (an HTML page): a whole answer that cannot be used. */
  @Test
  void aSuccessAnswerThatIsNoEventStreamFailsOverToTheNextTarget() throws Exception {
    mock.faults().set("flaky", "non-json");
    HttpResponse<String> r =
        gateway.post("/v1/chat/completions", GatewayHarness.chat("resend", true));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("x-switchboard-target-model")).hasValue("ok");
    assertThat(mock.attempts("flaky")).isEqualTo(1);
  }
}
