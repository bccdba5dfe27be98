package dev.switchboard.gateway.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.request.Caller;
import dev.switchboard.gateway.state.RedisProcess;
import dev.switchboard.gateway.state.RedisStateStore;
import dev.switchboard.gateway.time.ManualClock;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A route client rate limit keyed on a credential header, counted in a real redis-server: the
 * header's value is in no Redis key and in nothing the replica keeps per caller, and each distinct
 * value still has a bucket of its own.
 */
class HeaderKeyedSharedRateLimitsTest {

  static Vertx vertx;
  static RedisProcess redis;
  static final ManualClock clock = new ManualClock();

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    redis = RedisProcess.start();
  }

  @AfterAll
  static void stop() throws Exception {
    redis.close();
    await(vertx.close());
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static Caller caller(Map<String, String> headers) {
    return new Caller(name -> headers.get(name.toLowerCase()));
  }

  @Test
  void aCredentialHeaderIsCountedByItsDigestOnly() throws Exception {
    RedisStateStore store = new RedisStateStore(vertx, clock, redis.uri(), null, null, "hk:");
    ClientRateLimiter local = new ClientRateLimiter(clock::nanoTime);
    SharedClientRateLimits limits =
        new SharedClientRateLimits(store, local, clock::currentTimeMillis);
    try {
      // Two requests per minute per value: under 100 per minute, so every admission is Redis's.
      List<RoutingTable.RateLimit> rules =
          List.of(
              new RoutingTable.RateLimit("header:authorization", 2, null),
              new RoutingTable.RateLimit("header:x-goog-api-key", 2, null));
      Caller alice =
          caller(Map.of("authorization", "Token tok-alice-7c1d", "x-goog-api-key", "AIzaAlice9e"));
      Caller bob =
          caller(Map.of("authorization", "Token tok-bob-52aa", "x-goog-api-key", "AIzaBob3f"));
      assertThat(await(limits.admit(rules, "p", "r", alice, "a-1")).decision().limited()).isFalse();
      assertThat(await(limits.admit(rules, "p", "r", alice, "a-2")).decision().limited()).isFalse();
      assertThat(await(limits.admit(rules, "p", "r", alice, "a-3")).decision().limited()).isTrue();
      assertThat(await(limits.admit(rules, "p", "r", bob, "b-1")).decision().limited()).isFalse();

      List<String> keys = redisKeys(store);
      assertThat(keys).hasSize(4).allMatch(k -> k.startsWith("hk:{rl:p}:"));
      String[] secrets = {"tok-alice", "tok-bob", "Token", "AIzaAlice", "AIzaBob"};
      assertThat(String.join("\n", keys)).doesNotContain(secrets);
      assertThat(limits.shapeValues()).isNotEmpty();
      assertThat(String.join("\n", limits.shapeValues())).doesNotContain(secrets);
    } finally {
      await(store.close());
    }
  }

  static List<String> redisKeys(RedisStateStore store) throws Exception {
    Response keys = await(store.send(Request.cmd(Command.KEYS).arg("*")));
    List<String> names = new ArrayList<>();
    keys.forEach(k -> names.add(k.toString()));
    return names;
  }
}
