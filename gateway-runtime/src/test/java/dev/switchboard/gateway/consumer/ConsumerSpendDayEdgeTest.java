package dev.switchboard.gateway.consumer;

import static dev.switchboard.gateway.TestTables.priced;
import static dev.switchboard.gateway.TestTables.route;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.contract.ConsumerTable;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.ConsumerOptions;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.request.KeyDigest;
import dev.switchboard.gateway.state.Spend;
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import io.vertx.core.Vertx;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A request admitted in the last millisecond of a UTC day (and month) is counted in that day, and
 * the {@code /admin/consumers} report of that same millisecond shows it there: admission and the
 * report take the period from one helper ({@link BudgetPeriod}), so they cannot disagree. The clock
 * is manual and does not move.
 */
class ConsumerSpendDayEdgeTest {

  /** 2027-03-31T23:59:59.999Z: the last millisecond of a day and of a month. */
  static final long LAST_MS = Instant.parse("2027-03-31T23:59:59.999Z").toEpochMilli();

  @TempDir Path dir;
  Vertx vertx;
  MockProvider mock;
  GatewayHarness gateway;
  final ManualClock clock = new ManualClock(LAST_MS);

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    mock =
        MockProvider.startBlocking(
            vertx, new MockProviderOptions().keys("sk-provider").models("gpt-4o-mini"));
    mock.faults().set("gpt-4o-mini", "tokens:10");
    Path consumers =
        ConsumerFixture.writeConsumers(
            dir,
            new ConsumerTable.Consumer(
                "edge",
                List.of(KeyDigest.of("sk-edge")),
                null,
                List.of(),
                new ConsumerTable.Budget(1.0, 10.0),
                "deny",
                Map.of()));
    RoutingTable table =
        TestTables.table(
            List.of(
                TestTables.provider(
                    "mock",
                    "openai-compatible",
                    mock.baseUrl(),
                    true,
                    Map.of("gpt-4o-mini", priced(0.0, 1_000.0)),
                    null)),
            List.of(route("chat", List.of(), target("mock", "gpt-4o-mini", 0))));
    gateway =
        GatewayHarness.start(
            vertx,
            dir,
            table,
            Map.of("mock", "sk-provider"),
            o -> o.withConsumers(ConsumerOptions.defaults().withConsumersFile(consumers)),
            clock);
  }

  @AfterEach
  void stop() throws Exception {
    gateway.close();
    mock.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aRequestAdmittedInADaysLastMillisecondIsReportedInThatDay() throws Exception {
    HttpResponse<String> answer =
        ConsumerFixture.http()
            .send(
                ConsumerFixture.post(
                    gateway,
                    "/v1/chat/completions",
                    "sk-edge",
                    "{\"model\":\"chat\",\"max_tokens\":10,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"Say hi\"}]}"),
                HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    // $1,000 per million output tokens, 10 tokens: $0.01, counted on 2027-03-31.
    BudgetPeriod admitted = BudgetPeriod.of(LAST_MS);
    assertThat(admitted.day()).isEqualTo("2027-03-31");
    assertThat(admitted.month()).isEqualTo("2027-03");
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(
                        Spend.toUsd(
                            gateway
                                .server()
                                .consumerLimiter()
                                .store()
                                .spend("edge", admitted.day(), admitted.month())
                                .toCompletionStage()
                                .toCompletableFuture()
                                .get(5, TimeUnit.SECONDS)
                                .dayNanoUsd()))
                    .isCloseTo(0.01, offset(1e-9)));

    HttpResponse<String> report = gateway.admin("/admin/consumers");
    assertThat(report.statusCode()).isEqualTo(200);
    JsonNode doc = GatewayHarness.json(report.body());
    assertThat(doc.path("day").asText()).isEqualTo("2027-03-31");
    assertThat(doc.path("month").asText()).isEqualTo("2027-03");
    JsonNode row = doc.path("consumers").get(0);
    assertThat(row.path("name").asText()).isEqualTo("edge");
    assertThat(row.path("todayUsd").asDouble()).isCloseTo(0.01, offset(1e-9));
    assertThat(row.path("monthUsd").asDouble()).isCloseTo(0.01, offset(1e-9));

    // A millisecond later it is a new day and month, in the report as in admission.
    clock.advance(1);
    JsonNode next = GatewayHarness.json(gateway.admin("/admin/consumers").body());
    assertThat(next.path("day").asText()).isEqualTo("2027-04-01");
    assertThat(next.path("consumers").get(0).path("todayUsd").asDouble()).isZero();
    assertThat(next.path("consumers").get(0).path("monthUsd").asDouble()).isZero();
  }
}
