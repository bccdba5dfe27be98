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
import dev.switchboard.gateway.state.RedisProcess;
import dev.switchboard.gateway.state.Spend;
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import io.vertx.core.Vertx;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A consumer's budget periods through the gateway: a monthly budget on its own refuses once the
 * month is spent, and the daily and monthly spend start again at 00:00 UTC of a new day and a new
 * month — in what admission counts and in the {@code /admin/consumers} report. Each case runs
 * against the in-memory store and against a real redis-server, each gateway on its own manual
 * clock, so a day passes when the test says so.
 *
 * <p>Every request costs exactly what it reserves: output at $1,000 per million tokens (input is
 * free), {@code max_tokens: 10} and the mock answering 10 tokens, so $0.01 a request. Each answer's
 * settlement is awaited before the next request, so every admission is decided on spend alone.
 */
class ConsumerBudgetPeriodsTest {

  static final double REQUEST_USD = 0.01;

  /** 2027-01-30T23:59:00Z: a minute before a new day, a day and a minute before a new month. */
  static final long START_MS = Instant.parse("2027-01-30T23:59:00Z").toEpochMilli();

  static final long MINUTE_MS = 60_000;
  static final long DAY_MS = 86_400_000;

  @TempDir static Path dir;
  static Vertx vertx;
  static MockProvider mock;
  static RedisProcess redis;
  static final Map<String, GatewayHarness> gateways = new TreeMap<>();
  static final Map<String, ManualClock> clocks = new TreeMap<>();
  static final HttpClient http = ConsumerFixture.http();

  static ConsumerTable.Consumer consumer(String name, Double usdPerDay, Double usdPerMonth) {
    return new ConsumerTable.Consumer(
        name,
        List.of(KeyDigest.of("sk-" + name)),
        null,
        List.of(),
        new ConsumerTable.Budget(usdPerDay, usdPerMonth),
        "deny", // a Redis hiccup shows as a 503, never as counting elsewhere
        Map.of());
  }

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    redis = RedisProcess.start();
    mock =
        MockProvider.startBlocking(
            vertx, new MockProviderOptions().keys("sk-provider").models("gpt-4o-mini"));
    mock.faults().set("gpt-4o-mini", "tokens:10");
    Path consumers =
        ConsumerFixture.writeConsumers(
            dir,
            // Room for five requests a month, and no daily budget at all.
            consumer("monthly", null, 0.055),
            // Three requests a day, five a month.
            consumer("periods", 0.035, 0.055));
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
    for (String store : List.of("memory", "redis")) {
      ManualClock clock = new ManualClock(START_MS);
      ConsumerOptions options = ConsumerOptions.defaults().withConsumersFile(consumers);
      ConsumerOptions withStore =
          store.equals("redis") ? options.withStateStore(redis.uri()) : options;
      clocks.put(store, clock);
      gateways.put(
          store,
          GatewayHarness.start(
              vertx,
              Files.createDirectories(dir.resolve(store)),
              table,
              Map.of("mock", "sk-provider"),
              o -> o.withConsumers(withStore),
              clock));
    }
  }

  @AfterAll
  static void stop() throws Exception {
    for (GatewayHarness gateway : gateways.values()) {
      gateway.close();
    }
    mock.close();
    redis.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** How a run of requests ended: how many were answered, and the refusal that stopped it. */
  record Run(int answered, HttpResponse<String> refusal) {}

  /**
   * Sends {@code consumer}'s requests to the gateway of {@code store} until one is refused (at most
   * 20), awaiting each answer's settlement before the next.
   */
  static Run spendUntilRefused(String store, String consumer) throws Exception {
    GatewayHarness gateway = gateways.get(store);
    ManualClock clock = clocks.get(store);
    double month = Spend.toUsd(ConsumerFixture.spent(gateway, clock, consumer).monthNanoUsd());
    for (int answered = 0; answered < 20; answered++) {
      HttpResponse<String> answer =
          http.send(
              ConsumerFixture.post(
                  gateway,
                  "/v1/chat/completions",
                  "sk-" + consumer,
                  "{\"model\":\"chat\",\"max_tokens\":10,"
                      + "\"messages\":[{\"role\":\"user\",\"content\":\"Say hi\"}]}"),
              HttpResponse.BodyHandlers.ofString());
      if (answer.statusCode() != 200) {
        return new Run(answered, answer);
      }
      JsonNode usage = GatewayHarness.json(answer.body()).get("usage");
      assertThat(usage.get("completion_tokens").asLong() * 1_000.0 / 1_000_000)
          .isCloseTo(REQUEST_USD, offset(1e-12));
      month += REQUEST_USD;
      double expected = month;
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(
                          Spend.toUsd(
                              ConsumerFixture.spent(gateway, clock, consumer).monthNanoUsd()))
                      .isCloseTo(expected, offset(1e-6)));
    }
    throw new AssertionError(consumer + " was never refused on " + store);
  }

  /** A 429 {@code insufficient_quota} that names the {@code period} budget (daily, monthly). */
  static void assertBudgetRefusal(HttpResponse<String> refusal, String period) throws Exception {
    assertThat(refusal.statusCode()).as(refusal.body()).isEqualTo(429);
    JsonNode error = GatewayHarness.json(refusal.body()).get("error");
    assertThat(error.get("type").asText()).isEqualTo("insufficient_quota");
    assertThat(error.get("code").asText()).isEqualTo("insufficient_quota");
    assertThat(error.get("message").asText()).contains("its " + period + " budget");
  }

  /** The {@code /admin/consumers} report of {@code store}'s gateway: its period and the row. */
  static void assertReport(
      String store, String consumer, String day, String month, double todayUsd, double monthUsd)
      throws Exception {
    HttpResponse<String> report = gateways.get(store).admin("/admin/consumers");
    assertThat(report.statusCode()).isEqualTo(200);
    JsonNode doc = GatewayHarness.json(report.body());
    assertThat(doc.get("day").asText()).isEqualTo(day);
    assertThat(doc.get("month").asText()).isEqualTo(month);
    JsonNode row = null;
    for (JsonNode r : doc.get("consumers")) {
      if (r.get("name").asText().equals(consumer)) {
        row = r;
      }
    }
    assertThat(row).as(report.body()).isNotNull();
    assertThat(row.get("todayUsd").asDouble()).isCloseTo(todayUsd, offset(1e-6));
    assertThat(row.get("monthUsd").asDouble()).isCloseTo(monthUsd, offset(1e-6));
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "redis"})
  void aMonthlyBudgetAloneRefusesOnceTheMonthIsSpent(String store) throws Exception {
    Run run = spendUntilRefused(store, "monthly");

    // $0.055 a month: the fifth request brings it to $0.05, a sixth could reach $0.06.
    assertThat(run.answered()).isEqualTo(5);
    assertBudgetRefusal(run.refusal(), "monthly");
    Spend spent = ConsumerFixture.spent(gateways.get(store), clocks.get(store), "monthly");
    assertThat(Spend.toUsd(spent.monthNanoUsd())).isCloseTo(0.05, offset(1e-6));
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "redis"})
  void theDailyAndMonthlySpendStartAgainAtMidnightUtc(String store) throws Exception {
    ManualClock clock = clocks.get(store);

    // 2027-01-30, 23:59: three requests use up the day's $0.035.
    Run firstDay = spendUntilRefused(store, "periods");
    assertThat(firstDay.answered()).isEqualTo(3);
    assertBudgetRefusal(firstDay.refusal(), "daily");
    assertReport(store, "periods", "2027-01-30", "2027-01", 0.03, 0.03);

    // 2027-01-31, 00:01: a new day, the same month ($0.03 of $0.055 spent): two more requests,
    // then the month refuses what the day would still allow.
    clock.advance(2 * MINUTE_MS);
    Run secondDay = spendUntilRefused(store, "periods");
    assertThat(secondDay.answered()).isEqualTo(2);
    assertBudgetRefusal(secondDay.refusal(), "monthly");
    assertReport(store, "periods", "2027-01-31", "2027-01", 0.02, 0.05);

    // 2027-02-01, 00:01: a new month (and day): both start from nothing.
    clock.advance(DAY_MS);
    Run newMonth = spendUntilRefused(store, "periods");
    assertThat(newMonth.answered()).isEqualTo(3);
    assertBudgetRefusal(newMonth.refusal(), "daily");
    assertReport(store, "periods", "2027-02-01", "2027-02", 0.03, 0.03);
  }
}
