package dev.switchboard.gateway.lifecycle;

import static dev.switchboard.gateway.TestTables.policyRoute;
import static dev.switchboard.gateway.TestTables.provider;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retirement on the gateway's clock against a real mock provider that counts requests per model:
 * before {@code retiredAfter} the old model serves; from its first instant on, not one request
 * reaches it — its successor serves ({@code onRetired: successor}), or the route answers 410 naming
 * the retirement ({@code onRetired: reject} with no other target), or failover moves to the route's
 * other target ({@code reject} with a second target).
 */
class RetirementIT {

  static final Instant RETIREMENT = Instant.parse("2026-12-10T00:00:00Z");

  @TempDir static Path dir;

  static MockProvider mock;
  static GatewayHarness gateway;
  static final ManualClock clock = new ManualClock(RETIREMENT.minusMillis(1).toEpochMilli());

  @BeforeAll
  static void start() throws Exception {
    gateway =
        GatewayHarness.withMock(
            dir,
            new MockProviderOptions()
                .keys("sk-t")
                .models("old-model", "new-model", "other-model", "old-vision"),
            RetirementIT::table,
            Map.of("mock", "sk-t"),
            o -> o,
            clock);
    mock = gateway.mock();
  }

  /** Models retiring into new-model, and routes that take the successor, reject or fail over. */
  static RoutingTable table(MockProvider mock) {
    RoutingTable.Lifecycle retiring =
        new RoutingTable.Lifecycle("2026-11-01", "2026-12-10", "new-model");
    Map<String, RoutingTable.Model> models =
        Map.of(
            "old-model", new RoutingTable.Model(List.of("chat"), null, null, retiring),
            "new-model", new RoutingTable.Model(List.of("chat", "tools"), null, null, null),
            "other-model", new RoutingTable.Model(List.of("chat"), null, null, null),
            // its successor lacks vision: it may not take its place
            "old-vision",
                new RoutingTable.Model(
                    List.of("chat", "vision"),
                    null,
                    null,
                    new RoutingTable.Lifecycle(null, "2026-12-10", "new-model")));
    RoutingTable.Policy reject =
        new RoutingTable.Policy(
            "reject", null, null, null, null, null, null, null, null, null, null, null, "reject");
    RoutingTable base =
        TestTables.table(
            List.of(provider("mock", "openai-compatible", mock.baseUrl(), true, models, null)),
            List.of(
                policyRoute("to-successor", null, target("mock", "old-model", 0)),
                policyRoute("rejecting", "reject", target("mock", "old-model", 0)),
                policyRoute(
                    "failing-over",
                    "reject",
                    target("mock", "old-model", 0),
                    target("mock", "other-model", 1)),
                policyRoute("vision", null, target("mock", "old-vision", 0))));
    RoutingTable table =
        dev.switchboard.contract.RoutingTableCodec.versioned(
            new RoutingTable(
                base.schemaVersion(),
                null,
                base.namespace(),
                base.providers(),
                Map.of("reject", reject),
                base.routes()));
    return table;
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  @BeforeEach
  void beforeRetirement() {
    mock.reset();
  }

  private static HttpResponse<String> chat(String route) throws Exception {
    return gateway.post(
        "/v1/chat/completions",
        "{\"model\":\"" + route + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
  }

  @Test
  void retirementTakesEffectAtTheFirstInstantOfTheDateOnTheGatewayClock() throws Exception {
    {
      assertThat(chat("to-successor").statusCode()).isEqualTo(200);
      assertThat(chat("rejecting").statusCode()).isEqualTo(200);
      assertThat(mock.attempts("old-model")).isEqualTo(2);

      clock.advance(1);
      mock.reset();
      for (int i = 0; i < 5; i++) {
        HttpResponse<String> served = chat("to-successor");
        assertThat(served.statusCode()).isEqualTo(200);
        assertThat(served.headers().firstValue("x-switchboard-target-model")).hasValue("new-model");
      }
      HttpResponse<String> rejected = chat("rejecting");
      assertThat(rejected.statusCode()).isEqualTo(410);
      JsonNode error = GatewayHarness.JSON.readTree(rejected.body()).path("error");
      assertThat(error.path("code").asText()).isEqualTo("model_retired");
      assertThat(error.path("message").asText()).contains("mock/old-model").contains("2026-12-10");
      assertThat(chat("failing-over").statusCode()).isEqualTo(200);
      assertThat(mock.attempts("other-model")).isEqualTo(1);

      // A successor without the retired model's capabilities never takes its place.
      HttpResponse<String> vision = chat("vision");
      assertThat(vision.statusCode()).isEqualTo(410);

      assertThat(mock.attempts("old-model")).isZero();
      assertThat(mock.attempts("old-vision")).isZero();
      assertThat(mock.attempts("new-model")).isEqualTo(5);
    }
  }
}
