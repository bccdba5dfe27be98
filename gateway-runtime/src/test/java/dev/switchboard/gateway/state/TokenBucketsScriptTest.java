package dev.switchboard.gateway.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.gateway.time.ManualClock;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The bucket functions the rate-limit scripts share ({@code token_buckets.lua}), run alone by a
 * probe script against a real redis-server, and the way scripts are composed with them.
 */
class TokenBucketsScriptTest {

  static Vertx vertx;
  static RedisProcess redis;
  static RedisStateStore store;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    redis = RedisProcess.start();
    store = new RedisStateStore(vertx, new ManualClock(), redis.uri(), null, null, "probe:");
  }

  @AfterAll
  static void stop() throws Exception {
    await(store.close());
    redis.close();
    await(vertx.close());
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** One probe run on a request bucket of 60 per minute and a token bucket of 1,000 per minute. */
  static List<String> probe(
      String caller, long nowMs, long returned, long tokens, long takes, long want)
      throws Exception {
    Response r =
        await(
            store.runScript(
                "token_buckets_probe.lua",
                List.of("probe:" + caller + ":r", "probe:" + caller + ":t"),
                List.of(
                    Long.toString(nowMs),
                    Long.toString(returned),
                    Long.toString(tokens),
                    Long.toString(takes),
                    Long.toString(want),
                    "60",
                    "r",
                    "1000",
                    "t")));
    List<String> out = new ArrayList<>();
    for (int i = 0; i < r.size(); i++) {
      out.add(r.get(i).toString());
    }
    return out;
  }

  @Test
  void aNewBucketIsFullAndRefillsContinuouslyUpToItsCapacity() throws Exception {
    // Full: 10 of 60 requests granted, the token level whole.
    assertThat(probe("refill", 1_000, 0, 0, 0, 10))
        .containsExactly("10", "1000", "60", "", "0", "1000", "", "0");
    // One second at 60 per minute brings one request back; the grant was taken from the level.
    assertThat(probe("refill", 2_000, 0, 0, 0, 0))
        .containsExactly("0", "1000", "51", "", "0", "1000", "", "0");
    // Requests given back never lift a bucket above its capacity, however long it idled.
    assertThat(probe("refill", 62_000, 30, 0, 0, 0))
        .containsExactly("0", "1000", "60", "", "0", "1000", "", "0");
  }

  @Test
  void aRequestBucketLimitsBelowOneRequestAndGrantsOnlyWhatItCanSpare() throws Exception {
    // 59 admitted, one left: it still admits, and a grant of 5 gets that one request.
    assertThat(probe("requests", 1_000, 0, 0, 59, 5))
        .containsExactly("1", "1000", "1", "", "0", "1000", "", "0");
    // Empty: one request is a second away at 60 per minute; nothing to grant.
    assertThat(probe("requests", 1_000, 0, 0, 0, 5))
        .containsExactly("0", "1000", "0", "requests", "1000", "1000", "", "0");
  }

  @Test
  void tokensChargedAfterTheAnswerDriveTheLevelNegative() throws Exception {
    // 1,500 tokens of 1,000 per minute: 500 below zero, positive again after 30 s (and a bit).
    assertThat(probe("tokens", 1_000, 0, 1_500, 0, 0))
        .containsExactly("0", "0", "60", "", "0", "-500", "tokens", "30001");
    // Half a minute later: 0.5 tokens refilled above zero, the level reported rounded up.
    assertThat(probe("tokens", 31_030, 0, 0, 0, 0))
        .containsExactly("0", "1", "60", "", "0", "0.5", "", "0");
  }

  @Test
  void scriptsAreComposedWithTheirFragmentWhenLoaded() {
    String fragment = RedisStateStore.scriptText("token_buckets.lua").stripTrailing();
    for (String name : List.of("allowance.lua", "client_rate_admit.lua")) {
      String text = RedisStateStore.scriptText(name);
      assertThat(text).contains(fragment).doesNotContainPattern("(?m)^--#include");
      // The functions are defined before the script's own code runs.
      assertThat(text.indexOf(fragment)).isLessThan(text.indexOf("local now = tonumber(ARGV[1])"));
    }
  }
}
