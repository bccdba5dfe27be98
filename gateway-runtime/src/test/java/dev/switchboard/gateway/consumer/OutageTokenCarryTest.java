package dev.switchboard.gateway.consumer;

import static dev.switchboard.gateway.TestTables.priced;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.contract.ConsumerTable;
import dev.switchboard.gateway.ConsumerOptions;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.request.KeyDigest;
import dev.switchboard.gateway.state.RedisProcess;
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.mock.MockProviderOptions;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A consumer with a token limit and {@code onStoreUnavailable: allow} is served from this replica's
 * memory while the shared store is down; the tokens it used meanwhile are charged to its shared
 * token bucket once Redis answers again (a real redis-server, stopped and started again empty), as
 * much of them as the bucket would still hold: all of them after a short outage, none after one
 * longer than the bucket takes to refill them. Time is a manual clock, so buckets refill only when
 * the test says so.
 */
class OutageTokenCarryTest {

  /** The token limit: one answer of the mock (1,000 prompt tokens and more) empties it. */
  static final long TOKENS_PER_MINUTE = 600;

  @TempDir static Path dir;
  static final ManualClock clock = new ManualClock();
  static RedisProcess redis;
  static GatewayHarness gateway;

  static ConsumerTable.Consumer consumer(String name, String key) {
    return new ConsumerTable.Consumer(
        name,
        List.of(KeyDigest.of(key)),
        null,
        List.of(new ConsumerTable.RateLimit(null, TOKENS_PER_MINUTE)),
        null,
        "allow",
        Map.of());
  }

  @BeforeAll
  static void start() throws Exception {
    redis = RedisProcess.start();
    Path consumers =
        ConsumerFixture.writeConsumers(
            dir, consumer("short", "sk-short"), consumer("long", "sk-long"));
    gateway =
        GatewayHarness.withMock(
            Files.createDirectories(dir.resolve("gateway")),
            new MockProviderOptions().keys("sk-provider"),
            ConsumerFixture.oneModel(
                "mock", "openai-compatible", "gpt-4o-mini", priced(1.0, 1.0), "chat"),
            Map.of("mock", "sk-provider"),
            o ->
                o.withConsumers(
                    ConsumerOptions.defaults()
                        .withConsumersFile(consumers)
                        .withStateStore(redis.uri())),
            clock);
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    redis.close();
  }

  static HttpResponse<String> chat(String key) throws Exception {
    return gateway.send(
        ConsumerFixture.post(
            gateway, "/v1/chat/completions", key, GatewayHarness.chat("chat", false)));
  }

  /** An answer of more tokens than the limit, served while Redis is down. */
  static void servedDuringAnOutage(String key) throws Exception {
    gateway.mock().faults().add("gpt-4o-mini", "prompt-tokens:1000", 1);
    HttpResponse<String> served = chat(key);
    assertThat(served.statusCode()).as(served.body()).isEqualTo(200);
    assertThat(GatewayHarness.json(served.body()).at("/usage/total_tokens").asLong())
        .isGreaterThan(TOKENS_PER_MINUTE);
    assertThat(gateway.server().consumerLimiter().store().shared()).isTrue();
    // The consumer stage settles on the way back, which may run after the client has its answer:
    // the carry is taken at the gateway clock of the settlement, so the test moves the clock only
    // once the request is settled (its tokens counted).
    String consumer = key.substring("sk-".length());
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                gateway
                    .server()
                    .metrics()
                    .scrape()
                    .lines()
                    .anyMatch(
                        line ->
                            line.startsWith("switchboard_consumer_tokens_total{")
                                && line.contains("consumer=\"" + consumer + "\"")
                                && !line.endsWith(" 0.0")));
  }

  /**
   * Starts Redis again (empty: the bucket is full) and waits until the store answers a read of the
   * consumer's spend, which first reports what this replica holds for it; each try moves the clock
   * past the store's back-off (11 tokens of refill at this limit).
   */
  static void redisAnswersAgain(String consumer) throws Exception {
    redis.startAgain();
    String day = LocalDate.ofInstant(clock.asJavaClock().instant(), ZoneOffset.UTC).toString();
    await()
        .atMost(Duration.ofSeconds(15))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              clock.advance(1_100);
              try {
                gateway
                    .server()
                    .consumerLimiter()
                    .store()
                    .spend(consumer, day, day.substring(0, 7))
                    .toCompletionStage()
                    .toCompletableFuture()
                    .get(5, TimeUnit.SECONDS);
                return true;
              } catch (Exception stillDown) {
                return false;
              }
            });
  }

  @Test
  void tokensServedDuringAShortOutageCountAgainstTheSharedTokenLimit() throws Exception {
    redis.kill();
    servedDuringAnOutage("sk-short");

    redisAnswersAgain("short");
    // The bucket came back full, but the tokens of the outage's answer were charged to it.
    HttpResponse<String> refused = chat("sk-short");
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(429);
    assertThat(refused.body()).contains("token");
  }

  @Test
  void tokensServedLongerAgoThanTheBucketTakesToRefillThemAreNotCharged() throws Exception {
    redis.kill();
    servedDuringAnOutage("sk-long");
    // Three minutes of refill at 600 per minute cover the answer's tokens.
    clock.advance(180_000);

    redisAnswersAgain("long");
    HttpResponse<String> served = chat("sk-long");
    assertThat(served.statusCode()).as(served.body()).isEqualTo(200);
  }
}
