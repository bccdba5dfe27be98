package dev.switchboard.gateway.evaluation;

import static dev.switchboard.gateway.TestTables.provider;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mirrored candidate that never answers is cut at the request's deadline, as the client's own
 * call would be, not at its provider's much longer timeouts: it is counted as the candidate's
 * failure and its bulkhead slot comes back. The gateway's time is a manual clock, so the deadline
 * and the provider's timeouts are reached only when the test moves it.
 */
class MirrorDeadlineIT {

  /** The client's deadline; the candidate's provider allows ten minutes for every timeout. */
  static final long DEADLINE_MS = 5_000;

  static final long PROVIDER_TIMEOUT_MS = 600_000;

  @TempDir Path dir;
  final ManualClock clock = new ManualClock();
  MockProvider mock;
  GatewayHarness gateway;

  @BeforeEach
  void start() throws Exception {
    gateway =
        GatewayHarness.withMock(
            dir,
            new MockProviderOptions().keys("sk-t").models("base", "stalled"),
            MirrorDeadlineIT::table,
            Map.of("mock", "sk-t", "slow", "sk-t"),
            o -> o,
            clock);
    mock = gateway.mock();
    mock.faults().set("stalled", "stall");
  }

  /** {@code chat} on the baseline, mirrored to a candidate on a patient provider with one slot. */
  static RoutingTable table(MockProvider mock) {
    RoutingTable.Provider slow =
        new RoutingTable.Provider(
            "slow",
            "openai-compatible",
            mock.baseUrl(),
            true,
            null,
            Map.of(),
            new RoutingTable.Timeouts(
                PROVIDER_TIMEOUT_MS, PROVIDER_TIMEOUT_MS, PROVIDER_TIMEOUT_MS, PROVIDER_TIMEOUT_MS),
            1,
            null,
            null,
            Map.of());
    RoutingTable.Route route =
        new RoutingTable.Route(
                "chat",
                "chat",
                List.of(),
                null,
                1,
                List.of(target("mock", "base", 0)),
                List.of(),
                null)
            .withEvaluation(
                new RoutingTable.Evaluation(
                    "e1", List.of(target("slow", "stalled", 0)), 1.0, null, null));
    return TestTables.table(List.of(provider("mock", mock.baseUrl(), true), slow), List.of(route));
  }

  @AfterEach
  void stop() throws Exception {
    gateway.close();
  }

  @Test
  void aStalledCandidateIsCutAtTheRequestsDeadlineAsTheCandidatesFailure() throws Exception {
    HttpResponse<String> answer =
        gateway.post(
            "/v1/chat/completions",
            "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"question\"}]}",
            "x-switchboard-timeout-ms",
            Long.toString(DEADLINE_MS));
    assertThat(answer.statusCode()).isEqualTo(200);
    // The candidate's call reached the provider, which holds it; nothing is measured yet.
    await().atMost(Duration.ofSeconds(10)).until(() -> mock.attempts("stalled") == 1);
    assertThat(slowInFlight()).isEqualTo(1);
    assertThat(candidate().path("requests").asLong()).isZero();

    // Past the request's deadline, far short of the provider's own timeouts.
    clock.advance(DEADLINE_MS + 1);

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> candidate().path("requests").asLong() == 1 && slowInFlight() == 0);
    JsonNode c = candidate();
    assertThat(c.path("candidateFailures").asLong()).isEqualTo(1);
    assertThat(c.path("baselineFailures").asLong()).isZero();
    assertThat(c.path("candidateSkipped").asLong()).isZero();
  }

  private JsonNode candidate() throws Exception {
    JsonNode doc = GatewayHarness.JSON.readTree(gateway.admin("/admin/evaluations").body());
    for (JsonNode c : doc.path("candidates")) {
      if ("slow/stalled".equals(c.path("target").asText())) {
        return c;
      }
    }
    return GatewayHarness.JSON.createObjectNode();
  }

  @SuppressWarnings("unchecked")
  private int slowInFlight() {
    Map<String, Object> providers =
        (Map<String, Object>) gateway.server().resilience().summary().get("providers");
    return (Integer) ((Map<String, Object>) providers.get("slow")).get("inFlight");
  }
}
