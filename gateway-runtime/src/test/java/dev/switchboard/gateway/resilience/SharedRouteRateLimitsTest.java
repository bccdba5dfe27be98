package dev.switchboard.gateway.resilience;

import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.RoutingTableCodec;
import dev.switchboard.gateway.ConsumerOptions;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.state.RedisProcess;
import dev.switchboard.gateway.state.RedisStateStore;
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Route client rate limits ({@code RoutingPolicy.rateLimits}) with a shared state store: three
 * gateway replicas in one JVM on one real redis-server count one bucket, so a burst spread over
 * them admits the limit, not three times it; tokens an answer used on one replica limit the next
 * request on another; Redis keys never hold the client's key; while Redis is down each replica
 * counts in its own bucket. Time is a manual clock, so buckets refill only when the test says so.
 */
class SharedRouteRateLimitsTest {

  static final int RPM = 30;

  static final long BUSY_TPM = 10_000_000L;

  /** Large enough for allowances: each replica may hold 1 % of it (10 requests). */
  static final int GENEROUS_RPM = 1_000;

  @TempDir static Path dir;
  static Vertx vertx;
  static MockProvider mock;
  static RedisProcess redis;
  static final ManualClock clock = new ManualClock();
  static final List<GatewayHarness> replicas = new ArrayList<>();
  static final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  static RoutingTable.Policy policy(String name, RoutingTable.RateLimit... limits) {
    return new RoutingTable.Policy(
        name, null, null, null, null, null, null, List.of(limits), null, null, null, null, null);
  }

  static RoutingTable.Route route(String name, String policy) {
    return new RoutingTable.Route(
        name,
        name,
        List.of(),
        policy,
        1,
        List.of(target("mock", "gpt-4o-mini", 0)),
        List.of(),
        null);
  }

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    redis = RedisProcess.start();
    mock =
        MockProvider.startBlocking(
            vertx, new MockProviderOptions().keys("sk-provider").models("gpt-4o-mini"));
    RoutingTable base =
        TestTables.table(
            List.of(TestTables.provider("mock", mock.baseUrl(), true)),
            List.of(
                route("per-key", "per-key"),
                route("tokens", "tokens"),
                route("busy", "busy"),
                route("generous", "generous")));
    RoutingTable table =
        RoutingTableCodec.versioned(
            new RoutingTable(
                base.schemaVersion(),
                null,
                base.namespace(),
                base.providers(),
                Map.of(
                    "per-key",
                    policy("per-key", new RoutingTable.RateLimit("api-key", RPM, null)),
                    "tokens",
                    policy("tokens", new RoutingTable.RateLimit("route", null, 10L)),
                    "busy",
                    policy("busy", new RoutingTable.RateLimit("route", 100_000, BUSY_TPM)),
                    "generous",
                    policy("generous", new RoutingTable.RateLimit("route", GENEROUS_RPM, null))),
                base.routes()));
    for (int i = 0; i < 3; i++) {
      Path own = Files.createDirectories(dir.resolve("replica-" + i));
      replicas.add(
          GatewayHarness.start(
              vertx,
              own,
              table,
              Map.of("mock", "sk-provider"),
              o -> o.withConsumers(ConsumerOptions.defaults().withStateStore(redis.uri())),
              clock));
    }
  }

  @AfterAll
  static void stop() throws Exception {
    for (GatewayHarness r : replicas) {
      r.close();
    }
    mock.close();
    redis.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static HttpRequest chat(int replica, String model, String key) {
    return HttpRequest.newBuilder(
            URI.create(replicas.get(replica).origin() + "/v1/chat/completions"))
        // Nothing may hang, whatever Redis does; a 1,200-request burst on 2 busy cores takes
        // seconds.
        .timeout(Duration.ofSeconds(15))
        .header("content-type", "application/json")
        .header("authorization", "Bearer " + key)
        .POST(
            HttpRequest.BodyPublishers.ofString(
                "{\"model\":\""
                    + model
                    + "\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"))
        .build();
  }

  static List<HttpResponse<String>> burst(int count, String model, String key) {
    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      all.add(http.sendAsync(chat(i % 3, model, key), HttpResponse.BodyHandlers.ofString()));
    }
    return all.stream().map(CompletableFuture::join).toList();
  }

  static List<String> redisKeys() throws Exception {
    RedisStateStore store = (RedisStateStore) replicas.get(0).server().consumerLimiter().store();
    Response keys =
        store
            .send(Request.cmd(Command.KEYS).arg("*"))
            .toCompletionStage()
            .toCompletableFuture()
            .get(5, TimeUnit.SECONDS);
    List<String> names = new ArrayList<>();
    keys.forEach(k -> names.add(k.toString()));
    return names;
  }

  @Test
  void aBurstAcrossThreeReplicasAdmitsTheLimitNotThreeTimesIt() throws Exception {
    String key = "sk-app-burst-4f1c9e";
    List<HttpResponse<String>> answers = burst(3 * RPM, "per-key", key);
    long admitted = answers.stream().filter(r -> r.statusCode() == 200).count();
    // The clock stands still: exactly the bucket's 30 fit; per-replica buckets would admit 90.
    assertThat(admitted).isEqualTo(RPM);
    HttpResponse<String> refused =
        answers.stream().filter(r -> r.statusCode() == 429).findFirst().orElseThrow();
    assertThat(GatewayHarness.json(refused.body()).at("/error/code").asText())
        .isEqualTo("rate_limit_exceeded");
    assertThat(GatewayHarness.json(refused.body()).at("/error/type").asText())
        .isEqualTo("requests");
    assertThat(Long.parseLong(refused.headers().firstValue("retry-after").orElseThrow()))
        .isBetween(1L, 2L);
    // Another key has a bucket of its own.
    assertThat(send(chat(1, "per-key", "sk-app-other-77aa01")).statusCode()).isEqualTo(200);
    // Bucket keys hold a hash, never the client's key.
    List<String> keys = redisKeys();
    assertThat(keys).anyMatch(k -> k.contains("{rl:per-key}"));
    assertThat(String.join("\n", keys)).doesNotContain(key).doesNotContain("sk-app");
    // Two seconds later one more request fits (30 per minute), on any replica.
    clock.advance(2_000);
    assertThat(send(chat(2, "per-key", key)).statusCode()).isEqualTo(200);
    assertThat(send(chat(0, "per-key", key)).statusCode()).isEqualTo(429);
  }

  /**
   * Concurrent requests of one caller share script runs (each decided as if alone): a burst of 240
   * still admits exactly the bucket's 30, in fewer runs than requests.
   */
  @Test
  void concurrentAdmissionsOfOneCallerShareScriptRunsAndStillAdmitExactlyTheLimit()
      throws Exception {
    long before = evalshaCalls();
    List<HttpResponse<String>> answers = burst(8 * RPM, "per-key", "sk-app-shared-runs-9d2e");
    long runs = evalshaCalls() - before;
    assertThat(answers.stream().filter(r -> r.statusCode() == 200).count()).isEqualTo(RPM);
    assertThat(answers.stream().filter(r -> r.statusCode() == 429).count()).isEqualTo(7 * RPM);
    assertThat(runs).isLessThan(8 * RPM);
  }

  /** How often Redis ran a script by its SHA so far ({@code INFO commandstats}). */
  static long evalshaCalls() throws Exception {
    RedisStateStore store = (RedisStateStore) replicas.get(0).server().consumerLimiter().store();
    String info =
        store
            .send(Request.cmd(Command.INFO).arg("commandstats"))
            .toCompletionStage()
            .toCompletableFuture()
            .get(5, TimeUnit.SECONDS)
            .toString();
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("cmdstat_evalsha:calls=(\\d+)").matcher(info);
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  @Test
  void tokensAnAnswerUsedOnOneReplicaLimitTheNextRequestOnAnother() throws Exception {
    // 10 tokens per minute for the route: one answer of 100 prompt tokens overdraws it.
    mock.faults().add("gpt-4o-mini", "prompt-tokens:100", 1);
    assertThat(send(chat(0, "tokens", "sk-any")).statusCode()).isEqualTo(200);
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () -> {
              HttpResponse<String> next = send(chat(1, "tokens", "sk-other"));
              assertThat(next.statusCode()).isEqualTo(429);
              assertThat(GatewayHarness.json(next.body()).at("/error/type").asText())
                  .isEqualTo("tokens");
            });
    assertThat(send(chat(2, "tokens", "sk-third")).statusCode()).isEqualTo(429);
  }

  /**
   * A busy route: every answer's tokens reach the shared token bucket exactly (summed on each
   * replica and charged in a few runs, not one per answer), and Redis holds the route's two buckets
   * and nothing per request.
   */
  @Test
  void tokensOfManyAnswersAreChargedInSumsAndNothingIsKeptPerRequest() throws Exception {
    long before = evalshaCalls();
    List<HttpResponse<String>> answers = burst(90, "busy", "sk-app-busy-5e7a");
    assertThat(answers).allSatisfy(r -> assertThat(r.statusCode()).isEqualTo(200));
    long tokens = 0;
    for (HttpResponse<String> r : answers) {
      tokens += GatewayHarness.json(r.body()).at("/usage/total_tokens").asLong();
    }
    long answered = tokens;
    assertThat(answered).isPositive();
    // The clock stands still, so the bucket does not refill: its level is the capacity minus
    // exactly the tokens answered, once every replica has reported.
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(busyTokenLevel()).isEqualTo(BUSY_TPM - answered));
    // 90 admissions and 90 charges took fewer runs than requests.
    assertThat(evalshaCalls() - before).isLessThan(90);
    assertThat(redisKeys().stream().filter(k -> k.contains("{rl:busy}"))).hasSize(2);
  }

  /**
   * A limit large enough for allowances: replicas admit most requests from what they hold, yet
   * three of them together admit exactly the limit, and what an idle replica held goes back to the
   * bucket.
   */
  @Test
  void allowancesAdmitLocallyAndThreeReplicasStillAdmitExactlyTheLimit() throws Exception {
    // One request after another (nothing to coalesce): most are admitted from the allowance.
    long before = evalshaCalls();
    for (int i = 0; i < 30; i++) {
      assertThat(send(chat(0, "generous", "sk-app-generous-0")).statusCode()).isEqualTo(200);
    }
    assertThat(evalshaCalls() - before).isLessThan(15);
    List<HttpResponse<String>> first = burst(270, "generous", "sk-app-generous-1");
    assertThat(first).allSatisfy(r -> assertThat(r.statusCode()).isEqualTo(200));
    // Idle for a second of the gateway clock, every replica gives back what it held: the bucket
    // shows exactly the 300 taken, with the 17 requests 1,020 ms refill at 1,000 per minute.
    clock.advance(1_020);
    long left = GENEROUS_RPM - 300 + GENEROUS_RPM * 1_020L / 60_000;
    // (Given back on each replica's next idle check: seconds apart on a loaded machine.)
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(() -> assertThat(bucketLevel("generous", ":r:")).isEqualTo(left));
    // The clock stands still again: of 1,200 more, never more than the 717 left fit, whichever
    // replica holds what. A replica may end the burst holding a few it took ahead of need (an
    // allowance is refilled while it runs low) after its own requests were all answered, while
    // the others refused theirs: those few are not lost, they go back on its next idle check.
    List<HttpResponse<String>> second = burst(1_200, "generous", "sk-app-generous-2");
    long admitted = second.stream().filter(r -> r.statusCode() == 200).count();
    assertThat(admitted).isLessThanOrEqualTo(left);
    // At most what the three replicas can hold is left unused (1 % of the limit each).
    assertThat(admitted)
        .isGreaterThanOrEqualTo(
            left - 3 * dev.switchboard.gateway.state.AllowanceRules.requestTarget(GENEROUS_RPM));
    assertThat(second.stream().filter(r -> r.statusCode() == 429).count())
        .isEqualTo(1_200 - admitted);
    if (admitted < left) {
      // Some were held when the burst ended: idle for a second, they come back with the second's
      // refill (the give-back runs the bucket's script, which refills it), so the bucket shows
      // exactly the limit less what the burst admitted — nothing lost, nothing taken twice.
      clock.advance(1_020);
      long rest = left - admitted + GENEROUS_RPM * 1_020L / 60_000;
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(() -> assertThat(bucketLevel("generous", ":r:")).isEqualTo(rest));
    }
  }

  /** The level of the busy route's token bucket in Redis. */
  static double busyTokenLevel() throws Exception {
    return bucketLevel("busy", ":t:");
  }

  /** The level of {@code policy}'s bucket of {@code kind} ({@code :r:} or {@code :t:}). */
  static double bucketLevel(String policy, String kind) throws Exception {
    RedisStateStore store = (RedisStateStore) replicas.get(0).server().consumerLimiter().store();
    String bucket =
        redisKeys().stream()
            .filter(k -> k.contains("{rl:" + policy + "}") && k.contains(kind))
            .findFirst()
            .orElseThrow();
    Response level =
        store
            .send(Request.cmd(Command.HGET).arg(bucket).arg("l"))
            .toCompletionStage()
            .toCompletableFuture()
            .get(5, TimeUnit.SECONDS);
    return Double.parseDouble(level.toString());
  }

  @Test
  void whileRedisIsDownEachReplicaCountsInItsOwnBucket() throws Exception {
    String key = "sk-app-outage-0b3d";
    redis.kill();
    try {
      long admitted = 0;
      for (int i = 0; i < RPM + 5; i++) {
        if (send(chat(0, "per-key", key)).statusCode() == 200) {
          admitted++;
        }
      }
      // Replica 0's own bucket: the limit still holds there, nothing hangs or fails.
      assertThat(admitted).isEqualTo(RPM);
      assertThat(send(chat(1, "per-key", key)).statusCode()).isEqualTo(200);
    } finally {
      redis.startAgain();
    }
    String after = "sk-app-after-91c2";
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              clock.advance(1_100); // past the store's back-off
              return send(chat(0, "per-key", after)).statusCode() == 200;
            });
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> redisKeys().stream().anyMatch(k -> k.contains("{rl:per-key}")));
  }

  static HttpResponse<String> send(HttpRequest request) throws Exception {
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  /**
   * A run that carried a caller's tokens reaches Redis, but its reply is lost (Redis, busy with a
   * slow script, runs it after the gateway's deadline): its tokens are not sent again, so they are
   * charged once and the caller is not limited on tokens it never used.
   */
  @Test
  void tokensOfARunWhoseReplyIsLostAreChargedOnce() throws Exception {
    ManualClock deadlines = new ManualClock(); // the store's: command deadlines, fail-fast pause
    ManualClock buckets = new ManualClock(); // the buckets' refill: stands still
    try (RedisProcess slow = RedisProcess.start()) {
      RedisStateStore s =
          new RedisStateStore(vertx, deadlines, slow.uri(), null, null, "lostrun:", 1_000);
      io.vertx.redis.client.Redis admin =
          io.vertx.redis.client.Redis.createClient(vertx, slow.uri());
      try {
        s.warmUp().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        SharedClientRateLimits limits =
            new SharedClientRateLimits(
                s, new ClientRateLimiter(buckets::nanoTime), buckets::currentTimeMillis);
        // 150 tokens per minute for the route: too small for allowances, every run is Redis's.
        List<RoutingTable.RateLimit> rule =
            List.of(new RoutingTable.RateLimit("route", null, 150L));
        dev.switchboard.gateway.request.Caller caller =
            new dev.switchboard.gateway.request.Caller(h -> null);
        SharedClientRateLimits.Admitted first =
            limits
                .admit(rule, "lost", "lost", caller, "first")
                .toCompletionStage()
                .toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
        assertThat(first.decision().limited()).isFalse();
        String bucket = "lostrun:{rl:lost}:";
        await().atMost(Duration.ofSeconds(5)).until(() -> tokenLevel(admin, bucket) == 150);

        // Redis holds every command for 2 s of real time (CLIENT PAUSE is answered at once, so
        // the pause is in force before the report leaves); the report carrying the 100 tokens
        // waits behind the pause, misses its deadline on the store's clock, and then runs. The
        // PING behind it completes when Redis answers again.
        admin
            .send(Request.cmd(Command.CLIENT).arg("PAUSE").arg(2_000).arg("ALL"))
            .toCompletionStage()
            .toCompletableFuture()
            .get(5, TimeUnit.SECONDS);
        io.vertx.core.Future<Response> busy = admin.send(Request.cmd(Command.PING));
        first.charge().charge(100);
        // The next report (every 50 ms) sends the run: its deadline is on the store's clock.
        await().atMost(Duration.ofSeconds(5)).until(() -> deadlines.pendingTimers() > 0);
        deadlines.advance(1_001);
        await().atMost(Duration.ofSeconds(5)).until(s::unavailable);
        busy.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        // Redis ran it all the same: the 100 tokens are charged.
        await().atMost(Duration.ofSeconds(5)).until(() -> tokenLevel(admin, bucket) <= 50);

        // The store is tried again after its second of rest: 50 tokens are left, so the caller is
        // admitted; had the 100 tokens been sent again the bucket would be at -50 and refuse it.
        deadlines.advance(dev.switchboard.gateway.state.RedisGuard.RETRY_AFTER_MS + 1);
        SharedClientRateLimits.Admitted second =
            limits
                .admit(rule, "lost", "lost", caller, "second")
                .toCompletionStage()
                .toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
        assertThat(s.unavailable()).isFalse();
        assertThat(second.decision().limited()).as("50 tokens left").isFalse();
        assertThat(tokenLevel(admin, bucket)).isEqualTo(50);
      } finally {
        s.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        admin.close();
      }
    }
  }

  /** The level of the one token bucket under {@code prefix} (it is the only key there). */
  static double tokenLevel(io.vertx.redis.client.Redis admin, String prefix) throws Exception {
    Response keys =
        admin
            .send(Request.cmd(Command.KEYS).arg(prefix + "*"))
            .toCompletionStage()
            .toCompletableFuture()
            .get(5, TimeUnit.SECONDS);
    assertThat(keys.size()).isEqualTo(1);
    Response level =
        admin
            .send(Request.cmd(Command.HGET).arg(keys.get(0).toString()).arg("l"))
            .toCompletionStage()
            .toCompletableFuture()
            .get(5, TimeUnit.SECONDS);
    return Double.parseDouble(level.toString());
  }
}
