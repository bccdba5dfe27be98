package dev.switchboard.gateway.consumer;

import static dev.switchboard.gateway.TestTables.priced;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import dev.switchboard.gateway.ConsumerOptions;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.state.RedisProcess;
import dev.switchboard.gateway.state.Spend;
import dev.switchboard.mock.MockProviderOptions;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A consumer with {@code onStoreUnavailable: allow} is served from this replica's memory while the
 * shared store is down; what it spends meanwhile is added to the shared spend once Redis answers
 * again (a real redis-server, stopped and started again empty), so the shared budget counts it.
 */
class OutageSpendCarryTest {

  @TempDir static Path dir;
  static RedisProcess redis;
  static GatewayHarness gateway;

  @BeforeAll
  static void start() throws Exception {
    redis = RedisProcess.start();
    // A budget makes the consumer counted (onStoreUnavailable defaults to allow).
    Path consumers =
        ConsumerFixture.writeConsumers(dir, ConsumerFixture.consumer("team", "sk-team", 100.0));
    gateway =
        GatewayHarness.withMock(
            Files.createDirectories(dir.resolve("gateway")),
            new MockProviderOptions().keys("sk-provider"),
            ConsumerFixture.oneModel(
                "mock", "openai-compatible", "gpt-4o-mini", priced(10.0, 20.0), "chat"),
            Map.of("mock", "sk-provider"),
            o ->
                o.withConsumers(
                    ConsumerOptions.defaults()
                        .withConsumersFile(consumers)
                        .withStateStore(redis.uri())),
            null);
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    redis.close();
  }

  static int chat() throws Exception {
    HttpResponse<String> answer =
        gateway.send(
            ConsumerFixture.post(
                gateway, "/v1/chat/completions", "sk-team", GatewayHarness.chat("chat", false)));
    return answer.statusCode();
  }

  /** The shared spend of today as the gateway reads it (null while the store does not answer). */
  static Double sharedSpentTodayUsd() {
    String day = LocalDate.now(ZoneOffset.UTC).toString();
    try {
      return Spend.toUsd(
          gateway
              .server()
              .consumerLimiter()
              .store()
              .spend("team", day, day.substring(0, 7))
              .toCompletionStage()
              .toCompletableFuture()
              .get(5, TimeUnit.SECONDS)
              .dayNanoUsd());
    } catch (Exception storeDown) {
      return null;
    }
  }

  @Test
  void spendDuringAnOutageIsAddedToRedisWhenItAnswersAgain() throws Exception {
    assertThat(chat()).isEqualTo(200);
    // The answer may reach the client just before its settlement is counted.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> sharedSpentTodayUsd() != null && sharedSpentTodayUsd() > 0);
    double one = sharedSpentTodayUsd();

    redis.kill();
    // Served from memory (allow); the same request costs the same.
    await().atMost(Duration.ofSeconds(10)).until(() -> chat() == 200);
    assertThat(gateway.server().consumerLimiter().store().shared()).isTrue();

    redis.startAgain(); // empty: the counters come back from the replica's seeds
    await()
        .atMost(Duration.ofSeconds(15))
        .pollInterval(Duration.ofMillis(100))
        .untilAsserted(
            () -> {
              Double shared = sharedSpentTodayUsd();
              assertThat(shared).isNotNull();
              assertThat(shared).isCloseTo(2 * one, within(1e-9));
            });
  }
}
