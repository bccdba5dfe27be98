package dev.switchboard.gateway.responses;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.gateway.state.RedisProcess;
import dev.switchboard.gateway.state.RedisStateStore;
import dev.switchboard.gateway.time.ManualClock;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Response ids shared by two replicas through a real redis-server. */
class SharedResponseLocationsTest {

  static Vertx vertx;
  static RedisProcess redis;
  static ManualClock clock = new ManualClock();
  static RedisStateStore storeA;
  static RedisStateStore storeB;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    redis = RedisProcess.start();
    storeA = new RedisStateStore(vertx, clock, redis.uri(), null, null, "gw:");
    storeB = new RedisStateStore(vertx, clock, redis.uri(), null, null, "gw:");
  }

  @AfterAll
  static void stop() throws Exception {
    await(storeA.close());
    await(storeB.close());
    redis.close();
    await(vertx.close());
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static SharedResponseLocations replica(RedisStateStore store) {
    return new SharedResponseLocations(new LocalResponseLocations(clock), store);
  }

  @Test
  void anIdOneReplicaServedIsFoundByAnotherAndForgottenEverywhere() throws Exception {
    SharedResponseLocations a = replica(storeA);
    SharedResponseLocations b = replica(storeB);
    ResponseLocation where = new ResponseLocation("openai-prod", "openai-prod/gpt-4.1", true);
    a.remember("resp_123", where);
    // The write is asynchronous: B sees it once Redis has it.
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(5))
        .until(() -> await(b.find("resp_123")) != null);
    assertThat(await(b.find("resp_123"))).isEqualTo(where);
    assertThat(await(b.find("resp_unknown"))).isNull();

    a.forget("resp_123");
    SharedResponseLocations fresh = replica(storeB); // no near-cache copy
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(5))
        .until(() -> await(fresh.find("resp_123")) == null);
  }

  @Test
  void valuesRoundTripAndUnknownShapesAreIgnored() {
    ResponseLocation bridged = new ResponseLocation("vllm", "vllm/llama", false);
    assertThat(SharedResponseLocations.decode(SharedResponseLocations.encode(bridged)))
        .isEqualTo(bridged);
    assertThat(SharedResponseLocations.decode("garbage")).isNull();
    // Its owner travels to the other replicas; a value written before owners were kept has none.
    ResponseLocation owned = new ResponseLocation("openai", "openai/gpt-4.1", true, "team");
    assertThat(SharedResponseLocations.decode(SharedResponseLocations.encode(owned)))
        .isEqualTo(owned);
    assertThat(SharedResponseLocations.decode("1|openai|openai/gpt-4.1"))
        .isEqualTo(new ResponseLocation("openai", "openai/gpt-4.1", true));
  }

  /**
   * A model id may hold a bar in file mode (the CRDs forbid it, a routing file does not): another
   * replica reads the location as it was written — the owner not taken from the model's name — and
   * values stored before keep their meaning.
   */
  @Test
  void aBarInANameIsReadBackAsWrittenAndOldValuesKeepTheirMeaning() throws Exception {
    SharedResponseLocations a = replica(storeA);
    SharedResponseLocations b = replica(storeB);
    ResponseLocation owned = new ResponseLocation("local", "local/acme|fast", true, "team");
    ResponseLocation unowned = new ResponseLocation("lo|cal", "lo|cal/50%|x", true);
    a.remember("resp_bar_owned", owned);
    a.remember("resp_bar_unowned", unowned);
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(5))
        .until(
            () ->
                await(b.find("resp_bar_owned")) != null
                    && await(b.find("resp_bar_unowned")) != null);
    assertThat(await(b.find("resp_bar_owned"))).isEqualTo(owned);
    assertThat(await(b.find("resp_bar_owned")).visibleTo("team")).isTrue();
    assertThat(await(b.find("resp_bar_unowned"))).isEqualTo(unowned);
    assertThat(await(b.find("resp_bar_unowned")).visibleTo("x")).isTrue();

    // Names without a bar are stored as before, so replicas of the previous version read them.
    assertThat(
            SharedResponseLocations.encode(
                new ResponseLocation("openai", "openai/gpt-4.1", true, "team")))
        .isEqualTo("1|openai|openai/gpt-4.1|team");
    assertThat(SharedResponseLocations.decode("0|vllm|vllm/llama%7C"))
        .isEqualTo(new ResponseLocation("vllm", "vllm/llama%7C", false));
  }

  @Test
  void withRedisDownTheReplicaStillKnowsWhatItServedAndNothingHangs() throws Exception {
    RedisStateStore lonely = new RedisStateStore(vertx, clock, redis.uri(), null, null, "down:");
    SharedResponseLocations a = replica(lonely);
    redis.kill();
    try {
      ResponseLocation where = new ResponseLocation("azure", "azure/gpt-4o", true);
      a.remember("resp_local", where);
      assertThat(await(a.find("resp_local"))).isEqualTo(where);
      assertThat(await(a.find("resp_elsewhere"))).isNull(); // answered, not hung
    } finally {
      redis.startAgain();
      await(lonely.close());
    }
  }
}
