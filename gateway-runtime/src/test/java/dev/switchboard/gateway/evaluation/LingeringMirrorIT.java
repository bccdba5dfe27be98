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
 * A mirrored candidate whose upstream keeps its connection open after its final event (mock fault
 * {@code linger}) is measured at that event and gives its concurrency slot back then, not when the
 * upstream closes; the gateway's time is a manual clock, so no timeout ends the lingering upstream.
 */
class LingeringMirrorIT {

  @TempDir Path dir;
  final ManualClock clock = new ManualClock();
  MockProvider mock;
  GatewayHarness gateway;

  @BeforeEach
  void start() throws Exception {
    gateway =
        GatewayHarness.withMock(
            dir,
            new MockProviderOptions().keys("sk-t").models("base", "lingerer"),
            LingeringMirrorIT::table,
            Map.of("mock", "sk-t", "slow", "sk-t"),
            o -> o,
            clock);
    mock = gateway.mock();
    mock.faults().set("lingerer", "linger");
  }

  /** {@code chat} on the baseline, mirrored to a candidate on a provider with one slot. */
  static RoutingTable table(MockProvider mock) {
    RoutingTable.Provider slow =
        new RoutingTable.Provider(
            "slow",
            "openai-compatible",
            mock.baseUrl(),
            true,
            null,
            Map.of(),
            null,
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
                    "e1", List.of(target("slow", "lingerer", 0)), 1.0, null, null));
    return TestTables.table(List.of(provider("mock", mock.baseUrl(), true), slow), List.of(route));
  }

  @AfterEach
  void stop() throws Exception {
    gateway.close();
  }

  @Test
  void aLingeringCandidateIsMeasuredAndFreesItsSlotAtItsFinalEvent() throws Exception {
    for (int i = 0; i < 2; i++) {
      HttpResponse<String> answer =
          gateway.post(
              "/v1/chat/completions",
              "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"question "
                  + i
                  + "\"}]}");
      assertThat(answer.statusCode()).isEqualTo(200);
      int measured = i + 1;
      // Measured although its upstream is still open; the slot of 1 is free for the next mirror.
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> candidateRequests() == measured && slowInFlight() == 0);
    }
    assertThat(mock.attempts("lingerer")).isEqualTo(2);
    assertThat(mock.clientAborts()).isZero();
  }

  private long candidateRequests() throws Exception {
    JsonNode doc = GatewayHarness.JSON.readTree(gateway.admin("/admin/evaluations").body());
    for (JsonNode c : doc.path("candidates")) {
      if ("slow/lingerer".equals(c.path("target").asText())) {
        return c.path("requests").asLong();
      }
    }
    return 0;
  }

  @SuppressWarnings("unchecked")
  private int slowInFlight() {
    Map<String, Object> providers =
        (Map<String, Object>) gateway.server().resilience().summary().get("providers");
    return (Integer) ((Map<String, Object>) providers.get("slow")).get("inFlight");
  }
}
