package dev.switchboard.gateway.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.gateway.LogCapture;
import dev.switchboard.gateway.time.ManualClock;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Redis scripts against a real redis-server: atomic, idempotent, reseeded without loss. */
class RedisStateStoreTest {

  static Vertx vertx;
  static RedisProcess redis;
  static ManualClock clock = new ManualClock();
  static RedisStateStore store;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    redis = RedisProcess.start();
    store = new RedisStateStore(vertx, clock, redis.uri(), null, null, "test:");
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

  static AdmitCall call(String consumer, String id, long reserve, long dayLimit) {
    return new AdmitCall(
        consumer,
        id,
        List.of(new Limit(3, 1_000)),
        clock.currentTimeMillis(),
        reserve,
        "2026-05-01",
        "2026-05",
        dayLimit,
        -1);
  }

  @Test
  void requestsPerMinuteAreTakenOnceAndRefillByTheClock() throws Exception {
    for (int i = 0; i < 3; i++) {
      assertThat(await(store.admit(call("rpm", "r" + i, 0, -1))).admitted()).isTrue();
    }
    Admission refused = await(store.admit(call("rpm", "r3", 0, -1)));
    assertThat(refused.verdict()).isEqualTo(Admission.Verdict.RATE_LIMITED);
    assertThat(refused.dimension()).isEqualTo("requests");
    assertThat(refused.retryAfterMs()).isEqualTo(20_000); // one request every 20 s at 3 rpm
    // The same id again is not a new request: admitted without taking another unit.
    assertThat(await(store.admit(call("rpm", "r0", 0, -1))).admitted()).isTrue();
    clock.advance(20_000);
    assertThat(await(store.admit(call("rpm", "r4", 0, -1))).admitted()).isTrue();
  }

  @Test
  void aBudgetIsReservedThenSettledAtTheRealCostOnce() throws Exception {
    long limit = 1_000;
    assertThat(await(store.admit(call("budget", "a", 600, limit))).dayNanoUsd()).isEqualTo(600);
    Admission second = await(store.admit(call("budget", "b", 600, limit)));
    assertThat(second.verdict()).isEqualTo(Admission.Verdict.BUDGET_EXHAUSTED);
    assertThat(second.dimension()).isEqualTo("day");
    AdmitCall a = call("budget", "a", 600, limit);
    await(store.settle(SettleCall.of(a, clock.currentTimeMillis(), 100, 10)));
    await(store.settle(SettleCall.of(a, clock.currentTimeMillis(), 100, 10))); // a retry: no-op
    assertThat(await(store.spend("budget", "2026-05-01", "2026-05")).dayNanoUsd()).isEqualTo(100);
    Admission third = await(store.admit(call("budget", "c", 600, limit)));
    assertThat(third.admitted()).isTrue();
    assertThat(third.dayNanoUsd()).isEqualTo(700); // 100 spent + 600 reserved
  }

  @Test
  void aCounterRedisLostIsReseededFromWhatThisReplicaLastSaw() throws Exception {
    try (RedisProcess own = RedisProcess.start()) {
      RedisStateStore s = new RedisStateStore(vertx, clock, own.uri(), null, null, "seed:");
      assertThat(await(s.admit(call("seed", "x", 500, 1_000))).admitted()).isTrue();
      own.kill();
      own.startAgain(); // empty again
      clock.advance(RedisGuard.RETRY_AFTER_MS + 1);
      Admission after = null;
      for (int i = 0; i < 20 && (after == null); i++) {
        try {
          after = await(s.admit(call("seed", "y", 600, 1_000)));
        } catch (Exception unavailableWhileReconnecting) {
          clock.advance(RedisGuard.RETRY_AFTER_MS + 1);
          Thread.sleep(50);
        }
      }
      // Without the seed the day would read 0 and 600 more would fit; with it 500 + 600 > 1,000.
      assertThat(after).isNotNull();
      assertThat(after.verdict()).isEqualTo(Admission.Verdict.BUDGET_EXHAUSTED);
      await(s.close());
    }
  }

  /**
   * Redis restarted empty (here: FLUSHALL): the spend counters come back as the committed ones do,
   * from what this replica last saw, so the spend the gateways report (status.spend,
   * BudgetExhausted) does not drop to what was settled since while admissions still count the
   * reseeded committed total.
   */
  @Test
  void spendRedisLostIsReseededFromWhatThisReplicaLastSaw() throws Exception {
    RedisStateStore s = new RedisStateStore(vertx, clock, redis.uri(), null, null, "spentseed:");
    io.vertx.redis.client.Redis admin =
        io.vertx.redis.client.Redis.createClient(vertx, redis.uri());
    try {
      AdmitCall a = call("spender", "a", 500, 1_000);
      assertThat(await(s.admit(a)).admitted()).isTrue();
      await(s.settle(SettleCall.of(a, clock.currentTimeMillis(), 400, 10)));
      Spend before = await(s.spend("spender", "2026-05-01", "2026-05"));
      assertThat(before.dayNanoUsd()).isEqualTo(400);
      assertThat(before.monthNanoUsd()).isEqualTo(400);

      await(admin.send(io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.FLUSHALL)));

      // Before any request of the consumer: what this replica saw, not the empty counter.
      Spend idle = await(s.spend("spender", "2026-05-01", "2026-05"));
      assertThat(idle.dayNanoUsd()).isEqualTo(400);
      assertThat(idle.monthNanoUsd()).isEqualTo(400);
      // Its next run reseeds the counters in Redis (for every replica), then adds what it settled.
      AdmitCall b = call("spender", "b", 600, 1_000);
      assertThat(await(s.admit(b)).admitted()).isTrue();
      await(s.settle(SettleCall.of(b, clock.currentTimeMillis(), 100, 10)));
      assertThat(await(s.spend("spender", "2026-05-01", "2026-05")).dayNanoUsd()).isEqualTo(500);
      io.vertx.redis.client.Response stored =
          await(
              admin.send(
                  io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.MGET)
                      .arg("spentseed:{spender}:spent:d:2026-05-01")
                      .arg("spentseed:{spender}:spent:m:2026-05")));
      assertThat(stored.get(0).toLong()).isEqualTo(500);
      assertThat(stored.get(1).toLong()).isEqualTo(500);
    } finally {
      admin.close();
      await(s.close());
    }
  }

  @Test
  void concurrentAdmissionsShareScriptRunsAndEachIsCountedAsIfAlone() throws Exception {
    long before = evalshaCalls();
    List<Future<Admission>> admissions = new java.util.ArrayList<>();
    for (int i = 0; i < 400; i++) {
      // 400 at once against a budget of 250 requests of 1,000 nano-USD each: exactly 250 pass.
      admissions.add(
          store.admit(
              new AdmitCall(
                  "batched",
                  "b" + i,
                  List.of(new Limit(1_000, 0)),
                  clock.currentTimeMillis(),
                  1_000,
                  "2026-05-01",
                  "2026-05",
                  250_000,
                  -1)));
    }
    long admitted = 0;
    for (Future<Admission> f : admissions) {
      if (await(f).admitted()) {
        admitted++;
      }
    }
    assertThat(admitted).isEqualTo(250);
    long runs = evalshaCalls() - before;
    assertThat(runs).as("script runs for 400 admissions").isLessThan(400 / 4);
    List<Future<Void>> settlements = new java.util.ArrayList<>();
    for (int i = 0; i < 400; i++) {
      settlements.add(
          store.settle(
              new SettleCall(
                  "batched",
                  "b" + i,
                  List.of(new Limit(1_000, 0)),
                  clock.currentTimeMillis(),
                  400,
                  0,
                  "2026-05-01",
                  "2026-05")));
    }
    for (Future<Void> f : settlements) {
      await(f);
    }
    assertThat(await(store.spend("batched", "2026-05-01", "2026-05")).dayNanoUsd())
        .as("only the 250 admitted reservations are settled")
        .isEqualTo(250 * 400);
  }

  @Test
  void allowancesAdmitMostRequestsLocallyAndThreeReplicasNeverOvershoot() throws Exception {
    // A generous request limit and a budget of exactly 10,000 reservations of 1,000 nano-USD,
    // shared by three replicas (three stores on one Redis), 12,000 admissions round-robin.
    List<RedisStateStore> replicas = new java.util.ArrayList<>();
    for (int i = 0; i < 3; i++) {
      replicas.add(new RedisStateStore(vertx, clock, redis.uri(), null, null, "allow:"));
    }
    long runsBefore = evalshaCalls();
    List<Future<Admission>> admissions = new java.util.ArrayList<>();
    for (int i = 0; i < 12_000; i++) {
      admissions.add(
          replicas
              .get(i % 3)
              .admit(
                  new AdmitCall(
                      "generous",
                      "g" + i,
                      List.of(new Limit(1_000_000, 0)),
                      clock.currentTimeMillis(),
                      1_000,
                      "2026-05-01",
                      "2026-05",
                      10_000_000,
                      -1)));
      if (i % 100 == 99) {
        await(admissions.get(i)); // in waves, as requests arrive
      }
    }
    long admitted = 0;
    for (Future<Admission> f : admissions) {
      if (await(f).admitted()) {
        admitted++;
      }
    }
    long runs = evalshaCalls() - runsBefore;
    // Never more than the budget; fewer only by what the other replicas held at the end.
    assertThat(admitted).isLessThanOrEqualTo(10_000).isGreaterThanOrEqualTo(9_700);
    assertThat(runs).as("script runs for 12,000 admissions").isLessThan(12_000 / 10);

    // Each replica settles what it admitted at 400 of the 1,000 reserved, then shuts down: what
    // Redis holds as committed is then exactly what was spent (allowances and the unused parts of
    // the reservations all given back), and the spend report counts every settlement once.
    for (int i = 0; i < 12_000; i++) {
      RedisStateStore replica = replicas.get(i % 3);
      await(
          replica.settle(
              new SettleCall(
                  "generous",
                  "g" + i,
                  List.of(new Limit(1_000_000, 0)),
                  clock.currentTimeMillis(),
                  400,
                  0,
                  "2026-05-01",
                  "2026-05")));
    }
    assertThat(await(replicas.get(0).spend("generous", "2026-05-01", "2026-05")).dayNanoUsd())
        .as("this replica's unreported spend is in its report")
        .isGreaterThanOrEqualTo(admitted / 3 * 400);
    for (RedisStateStore replica : replicas) {
      await(replica.close());
    }
    RedisStateStore reader = new RedisStateStore(vertx, clock, redis.uri(), null, null, "allow:");
    assertThat(await(reader.spend("generous", "2026-05-01", "2026-05")).dayNanoUsd())
        .isEqualTo(admitted * 400);
    String committed =
        command(
            reader, io.vertx.redis.client.Command.GET, "allow:{generous}:committed:d:2026-05-01");
    assertThat(Long.parseLong(committed)).isEqualTo(admitted * 400);
    await(reader.close());
  }

  @Test
  void aReservationNeverSettledIsForgottenAfterADayAndStaysCommitted() throws Exception {
    ManualClock own = new ManualClock();
    RedisStateStore s = new RedisStateStore(vertx, own, redis.uri(), null, null, "ttl:");
    AdmitCall lost = ttlCall(own, "lost");
    assertThat(await(s.admit(lost)).admitted()).isTrue();
    assertThat(s.openReservations()).isEqualTo(1);

    own.advance(ConsumerAllowances.RESERVATION_TTL_MS + 60_000);
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(5))
        .until(() -> s.openReservations() == 0);

    // Its settlement comes too late: nothing happens, and the reservation stays counted.
    await(s.settle(SettleCall.of(lost, own.currentTimeMillis(), 100, 0)));
    assertThat(await(s.spend("ttl", "2026-05-01", "2026-05")).dayNanoUsd()).isZero();
    Admission next = await(s.admit(ttlCall(own, "next")));
    assertThat(next.verdict()).isEqualTo(Admission.Verdict.BUDGET_EXHAUSTED);
    await(s.close());
  }

  /**
   * Tokens settled while a script run is in flight are not in the token level Redis answers with:
   * they wait to be reported by the next run, so the replica keeps them off that level meanwhile. A
   * token limit used up that way refuses the next request, as it would on one replica, instead of
   * admitting it locally from a level that forgot them.
   */
  @Test
  void tokensSettledWhileARunIsInFlightStayOffTheLevelItAnswers() throws Exception {
    // Allowances of the test's own, which the store's report timer does not flush: every run is
    // one the test started.
    ConsumerAllowances allowances = new ConsumerAllowances(store);
    AdmitCall a = tokenCall("inflight", 100_000, "a");
    AdmitCall b = tokenCall("inflight", 100_000, "b");
    assertThat(await(allowances.admit(a)).admitted()).isTrue(); // in Redis: the bucket is full
    assertThat(await(allowances.admit(b)).admitted()).isTrue(); // locally, 100,000 tokens left
    // All in one task on one event loop, whose connection the run's answer comes back on: a's
    // 60,000 tokens go out with a run, and b's 60,000 are settled while that run is in flight.
    Promise<Boolean> settledInFlight = Promise.promise();
    vertx
        .getOrCreateContext()
        .runOnContext(
            v -> {
              long now = clock.currentTimeMillis();
              allowances.settle(SettleCall.of(a, now, 0, 60_000));
              Future<Void> run = allowances.report("inflight");
              allowances.settle(SettleCall.of(b, now, 0, 60_000));
              boolean inFlight = !run.isComplete();
              run.onComplete(ar -> settledInFlight.complete(inFlight));
            });
    assertThat(await(settledInFlight.future()))
        .as("b settled while the run was in flight")
        .isTrue();
    // 120,000 of 100,000 tokens used: Redis answered 40,000, which does not hold b's 60,000 yet.
    Admission c = await(allowances.admit(tokenCall("inflight", 100_000, "c")));
    assertThat(c.verdict()).isEqualTo(Admission.Verdict.RATE_LIMITED);
    assertThat(c.dimension()).isEqualTo("tokens");
    await(allowances.flush(true));
  }

  /**
   * Tokens of a request served from memory during a store outage, handed over while a run is in
   * flight (the store answers again, the request ends meanwhile), are not in the level Redis
   * answers with either: the replica keeps them off that level as it keeps settled tokens, so a
   * token limit they used up refuses the next request instead of admitting it locally from a level
   * that forgot them.
   */
  @Test
  void outageTokensHandedOverWhileARunIsInFlightStayOffTheLevelItAnswers() throws Exception {
    // Allowances of the test's own, which the store's report timer does not flush: every run is
    // one the test started.
    ConsumerAllowances allowances = new ConsumerAllowances(store);
    AdmitCall a = tokenCall("outageinflight", 100_000, "a");
    assertThat(await(allowances.admit(a)).admitted()).isTrue(); // in Redis: the bucket is full
    // All in one task on one event loop, whose connection the run's answer comes back on: a's
    // 60,000 tokens go out with a run, and the 60,000 of b (served from memory while the store was
    // down) are handed over while that run is in flight.
    Promise<Boolean> handedInFlight = Promise.promise();
    vertx
        .getOrCreateContext()
        .runOnContext(
            v -> {
              allowances.settle(SettleCall.of(a, clock.currentTimeMillis(), 0, 60_000));
              Future<Void> run = allowances.report("outageinflight");
              allowances.addOutageUsage(tokenCall("outageinflight", 100_000, "b"), 0, 60_000);
              boolean inFlight = !run.isComplete();
              run.onComplete(ar -> handedInFlight.complete(inFlight));
            });
    assertThat(await(handedInFlight.future()))
        .as("b's tokens handed over while the run was in flight")
        .isTrue();
    // 120,000 of 100,000 tokens used: Redis answered 40,000, which does not hold b's 60,000 yet.
    Admission c = await(allowances.admit(tokenCall("outageinflight", 100_000, "c")));
    assertThat(c.verdict()).isEqualTo(Admission.Verdict.RATE_LIMITED);
    assertThat(c.dimension()).isEqualTo("tokens");
    await(allowances.flush(true));
  }

  /**
   * A replica that admitted a token-limited consumer locally refreshes the token level at its next
   * report even when it has nothing to send (its answers still open, or settled with 0 tokens): so
   * another replica's tokens stop it within one report, not only once it has tokens of its own to
   * report.
   */
  @Test
  void aReplicaThatAdmittedLocallyRefreshesItsTokenLevelAtTheNextReport() throws Exception {
    // Two replicas' allowances of the test's own, which the store's report timer does not flush:
    // every run is one the test started.
    ConsumerAllowances a = new ConsumerAllowances(store);
    ConsumerAllowances b = new ConsumerAllowances(store);
    assertThat(await(a.admit(tokenCall("stale", 100_000, "a0"))).admitted()).isTrue(); // in Redis
    AdmitCall b0 = tokenCall("stale", 100_000, "b0");
    assertThat(await(b.admit(b0)).admitted()).isTrue();
    b.settle(SettleCall.of(b0, clock.currentTimeMillis(), 0, 150_000)); // B overdraws the bucket
    await(b.flush(false)); // and reports it
    AdmitCall a1 = tokenCall("stale", 100_000, "a1");
    // A's level is as of its last run (full): admitted locally, within one report of B's tokens.
    assertThat(await(a.admit(a1)).admitted()).isTrue();
    a.settle(SettleCall.of(a1, clock.currentTimeMillis(), 0, 0)); // an answer with no tokens
    await(a.flush(false)); // A's next report: nothing to send, but it admitted since its last run
    Admission a2 = await(a.admit(tokenCall("stale", 100_000, "a2")));
    assertThat(a2.verdict()).isEqualTo(Admission.Verdict.RATE_LIMITED);
    assertThat(a2.dimension()).isEqualTo("tokens");
    await(a.flush(true));
    await(b.flush(true));
  }

  /**
   * A consumer whose only rate limit is a tight token limit (under 100,000 per minute) is decided
   * in Redis request by request, as a tight request limit is: another replica's reported tokens
   * stop its next request at once, not only after a report.
   */
  @Test
  void aTightTokenOnlyLimitIsDecidedInRedisForEveryRequest() throws Exception {
    ConsumerAllowances a = new ConsumerAllowances(store);
    ConsumerAllowances b = new ConsumerAllowances(store);
    assertThat(await(a.admit(tokenCall("tight", 1_000, "a0"))).admitted()).isTrue();
    AdmitCall b0 = tokenCall("tight", 1_000, "b0");
    assertThat(await(b.admit(b0)).admitted()).isTrue();
    b.settle(SettleCall.of(b0, clock.currentTimeMillis(), 0, 1_500)); // B overdraws the bucket
    await(b.flush(false)); // and reports it
    Admission a1 = await(a.admit(tokenCall("tight", 1_000, "a1")));
    assertThat(a1.verdict()).isEqualTo(Admission.Verdict.RATE_LIMITED);
    assertThat(a1.dimension()).isEqualTo("tokens");
    await(a.flush(true));
    await(b.flush(true));
  }

  /**
   * A run whose reply is not the allowance script's (a script of another version, a proxy in
   * between: here the reply of a PING from the same redis-server) fails the requests it decided,
   * which fall back as on a store error, and leaves the consumer's group free, so the next request
   * runs the real script. Before, the half-read reply left the group busy for good and every later
   * request of the consumer waited forever.
   */
  @Test
  void aReplyOfAnotherShapeFailsItsRequestsAndLeavesTheConsumerFree() throws Exception {
    java.util.concurrent.atomic.AtomicInteger runs =
        new java.util.concurrent.atomic.AtomicInteger();
    ConsumerAllowances a =
        new ConsumerAllowances(
            store,
            (name, keys, args) ->
                runs.getAndIncrement() == 0
                    ? store.send(
                        io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.PING))
                    : store.runScript(name, keys, args));
    Future<Admission> first = a.admit(call("othershape", "o0", 1_000, 10_000_000));
    assertThat(
            org.junit.jupiter.api.Assertions.assertThrows(
                java.util.concurrent.ExecutionException.class, () -> await(first)))
        .hasCauseInstanceOf(StoreUnavailableException.class);
    Admission second = await(a.admit(call("othershape", "o1", 1_000, 10_000_000)));
    assertThat(second.admitted()).as("the consumer's next request runs the script").isTrue();
    assertThat(runs.get()).isEqualTo(2);
    await(a.flush(true));
  }

  /**
   * A consumer whose request limit is too tight for a local allowance (under 100 per minute) has
   * every request decided in Redis, so a budget allowance could never be used here: none is held.
   * Redis then counts as committed only the open reservation, not a share of the budget that other
   * replicas could have used.
   */
  @Test
  void aRequestLimitTooTightToHoldRequestsHoldsNoBudgetEither() throws Exception {
    ConsumerAllowances a = new ConsumerAllowances(store);
    AdmitCall first =
        new AdmitCall(
            "tightrpm",
            "t0",
            List.of(new Limit(60, 0)),
            clock.currentTimeMillis(),
            1_000,
            "2026-05-01",
            "2026-05",
            10_000_000,
            -1);
    assertThat(await(a.admit(first)).admitted()).isTrue();
    String committed =
        command(store, io.vertx.redis.client.Command.GET, "test:{tightrpm}:committed:d:2026-05-01");
    assertThat(Long.parseLong(committed)).as("the open reservation alone").isEqualTo(1_000);
    a.settle(SettleCall.of(first, clock.currentTimeMillis(), 400, 0));
    await(a.flush(true));
  }

  /**
   * A spend report of a busy consumer waits for the run in flight and then for the run that carries
   * what this replica settled before the report: when the answer of the run in flight starts
   * another for requests still waiting, that next run takes the spend settled meanwhile, and a
   * report that completed before it reached Redis read the consumer's spend without it. Runs are
   * held by the test and then run on a real redis-server.
   */
  @Test
  void aSpendReportWaitsForTheRunThatCarriesWhatWasSettledBeforeIt() throws Exception {
    List<Runnable> held = new java.util.concurrent.CopyOnWriteArrayList<>();
    Promise<Void> thirdRun = Promise.promise();
    ConsumerAllowances a =
        new ConsumerAllowances(
            store,
            (name, keys, args) -> {
              Promise<io.vertx.redis.client.Response> answer = Promise.promise();
              held.add(
                  () ->
                      store
                          .runScript(name, keys, args)
                          .onComplete(
                              ar -> {
                                if (ar.succeeded()) {
                                  answer.complete(ar.result());
                                } else {
                                  answer.fail(ar.cause());
                                }
                              }));
              if (held.size() == 3) {
                thirdRun.tryComplete();
              }
              return answer.future();
            });
    // 60 requests per minute: nothing is held, every admission is decided in Redis.
    AdmitCall first = budgetedRpmCall("reported", "s0");
    Future<Admission> admitted = a.admit(first); // run 1
    held.get(0).run();
    assertThat(await(admitted).admitted()).isTrue();

    Future<Admission> second = a.admit(budgetedRpmCall("reported", "s1")); // run 2, held
    a.settle(SettleCall.of(first, clock.currentTimeMillis(), 100, 0)); // after run 2 was taken
    Future<Admission> third = a.admit(budgetedRpmCall("reported", "s2")); // waits behind run 2
    Future<Void> report = a.report("reported");
    held.get(1).run(); // run 2's answer starts run 3 for s2, which takes the 100 settled
    await(thirdRun.future());
    assertThat(report.isComplete())
        .as("the report waits for the run that carries the spend settled before it")
        .isFalse();
    held.get(2).run();
    await(report);
    assertThat(
            command(store, io.vertx.redis.client.Command.GET, "test:{reported}:spent:d:2026-05-01"))
        .isEqualTo("100");
    assertThat(await(second).admitted()).isTrue();
    assertThat(await(third).admitted()).isTrue();
  }

  /** A request of a consumer with 60 requests per minute and a day's budget of 1,000,000. */
  private static AdmitCall budgetedRpmCall(String consumer, String id) {
    return new AdmitCall(
        consumer,
        id,
        List.of(new Limit(60, 0)),
        clock.currentTimeMillis(),
        1_000,
        "2026-05-01",
        "2026-05",
        1_000_000,
        -1);
  }

  /**
   * A shutdown report gives back every allowance, also one a run grants after the report looked: a
   * run in flight at shutdown whose answer leaves requests waiting starts another run for them, and
   * that run must not take a fresh allowance the replica then keeps (counted as taken in Redis
   * after it is gone).
   */
  @Test
  void aShutdownGivesBackAnAllowanceGrantedByARunStartedAfterItLooked() throws Exception {
    ConsumerAllowances a = new ConsumerAllowances(store);
    List<Future<Admission>> admissions = new java.util.ArrayList<>();
    Promise<Future<Void>> shutdown = Promise.promise();
    // In one task on one event loop: r0 goes out in a run; r1 and r2 wait for it. Its answer grants
    // an allowance of 1 (1 % of 100 per minute): r1 takes it, r2 waits for a second run, started
    // after the shutdown report looked at the runs in flight.
    vertx
        .getOrCreateContext()
        .runOnContext(
            v -> {
              for (int i = 0; i < 3; i++) {
                admissions.add(a.admit(rpmCall("closing", 100, "r" + i)));
              }
              shutdown.complete(a.flush(true));
            });
    await(await(shutdown.future()));
    for (Future<Admission> admission : admissions) {
      assertThat(await(admission).admitted()).isTrue();
    }
    // Another replica finds exactly what the three admissions left: 97 of 100.
    ConsumerAllowances b = new ConsumerAllowances(store);
    int admitted = 0;
    for (int i = 0; i < 120; i++) {
      if (!await(b.admit(rpmCall("closing", 100, "b" + i))).admitted()) {
        break;
      }
      admitted++;
    }
    assertThat(admitted).as("requests the bucket had left after the shutdown").isEqualTo(97);
    await(b.flush(true));
  }

  /**
   * The bucket functions the rate-limit scripts share ({@code token_buckets.lua}), run alone by a
   * probe script on a request bucket of 60 and a token bucket of 1,000 per minute. Returns the
   * grant, the token level, then per bucket its level after {@code takes} admitted requests, the
   * dimension it limits and the wait.
   */
  static List<String> probe(
      String caller, long nowMs, long returned, long tokens, long takes, long want)
      throws Exception {
    io.vertx.redis.client.Response r =
        await(
            store.runScript(
                "token_buckets_probe.lua",
                List.of("test:probe:" + caller + ":r", "test:probe:" + caller + ":t"),
                java.util.stream.Stream.of(
                        nowMs, returned, tokens, takes, want, 60, "r", 1_000, "t")
                    .map(String::valueOf)
                    .toList()));
    return java.util.stream.IntStream.range(0, r.size())
        .mapToObj(i -> r.get(i).toString())
        .toList();
  }

  @Test
  void sharedBucketsStartFullRefillContinuouslyAndNeverOverflow() throws Exception {
    // Full: 10 of 60 requests granted, the token level whole.
    assertThat(probe("refill", 1_000, 0, 0, 0, 10))
        .containsExactly("10", "1000", "60", "", "0", "1000", "", "0");
    // One second at 60 per minute brings one request back to what the grant left.
    assertThat(probe("refill", 2_000, 0, 0, 0, 0).get(2)).isEqualTo("51");
    // Requests given back never lift a bucket above its capacity, however long it idled.
    assertThat(probe("refill", 62_000, 30, 0, 0, 0).subList(2, 5)).containsExactly("60", "", "0");
  }

  @Test
  void aSharedRequestBucketLimitsBelowOneAndGrantsOnlyWhatItCanSpare() throws Exception {
    // 59 admitted, one left: it still admits, and a grant of 5 gets that one request.
    List<String> lastOne = probe("requests", 1_000, 0, 0, 59, 5);
    assertThat(lastOne.get(0)).isEqualTo("1");
    assertThat(lastOne.get(3)).isEmpty();
    // Empty: one request is a second away at 60 per minute, and there is nothing to grant.
    List<String> empty = probe("requests", 1_000, 0, 0, 0, 5);
    assertThat(empty.subList(0, 5)).containsExactly("0", "1000", "0", "requests", "1000");
  }

  @Test
  void tokensChargedToASharedBucketDriveItNegativeUntilRefilled() throws Exception {
    // 1,500 tokens of 1,000 per minute: 500 below zero, positive again after 30 s (and a bit).
    assertThat(probe("tokens", 1_000, 0, 1_500, 0, 0).subList(1, 8))
        .containsExactly("0", "60", "", "0", "-500", "tokens", "30001");
    // Half a minute later 0.5 above zero: admitting again, the level reported rounded up.
    List<String> later = probe("tokens", 31_030, 0, 0, 0, 0);
    assertThat(later.get(1)).isEqualTo("1");
    assertThat(later.subList(5, 8)).containsExactly("0.5", "", "0");
  }

  /**
   * A token bucket in debt (an answer used more tokens than were left) is kept until it has
   * refilled: a bucket not there is taken as full, so expiring it after two idle minutes forgave
   * the debt, and a client pausing that long could use any number of tokens.
   */
  @Test
  void aBucketInDebtIsKeptUntilItHasRefilled() throws Exception {
    // 100,000 tokens of 1,000 per minute: 99,000 below zero, 100 minutes until full again.
    assertThat(probe("debt", 1_000, 0, 100_000, 0, 0).get(5)).isEqualTo("-99000");
    long tokenTtl = pttl("test:probe:debt:t");
    long requestTtl = pttl("test:probe:debt:r");

    assertThat(tokenTtl).isBetween(100 * 60_000L, 101 * 60_000L);
    // Full or nearly (one request bucket of 60, none taken): the usual two minutes.
    assertThat(requestTtl).isBetween(60_000L, 120_000L);
  }

  private static long pttl(String key) throws Exception {
    return await(
            store.send(
                io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.PTTL).arg(key)))
        .toLong();
  }

  @Test
  void scriptsAreComposedWithTheirSharedFragmentWhenLoaded() {
    String fragment = RedisStateStore.compose("token_buckets.lua").text().stripTrailing();
    for (String name : List.of("allowance.lua", "client_rate_admit.lua")) {
      String text = RedisStateStore.compose(name).text();
      assertThat(text).contains(fragment).doesNotContainPattern("(?m)^--#include");
      // The functions are defined before the script's own code runs.
      assertThat(text.indexOf(fragment)).isLessThan(text.indexOf("local now = tonumber(ARGV[1])"));
    }
  }

  /**
   * Redis reports a script's errors by line of the composed text (fragment included); the store
   * tells each such line as the file and line it comes from.
   */
  @Test
  void scriptErrorLinesAreToldAsLinesOfTheirFiles() throws Exception {
    RedisStateStore.Composed script = RedisStateStore.compose("allowance.lua");
    List<String> composed = List.of(script.text().split("\n", -1));
    List<String> origins = script.origins();
    assertThat(origins).hasSize(composed.size());
    List<String> own = lines("allowance.lua");
    List<String> fragment = lines("token_buckets.lua");
    int ownLine = composed.indexOf("local now = tonumber(ARGV[1])") + 1;
    int fragmentLine = composed.indexOf("local function take_request(kinds, levels)") + 1;
    assertThat(origins.get(ownLine - 1))
        .isEqualTo("allowance.lua:" + (own.indexOf("local now = tonumber(ARGV[1])") + 1));
    assertThat(origins.get(fragmentLine - 1))
        .startsWith(
            "token_buckets.lua:"
                + (fragment.indexOf("local function take_request(kinds, levels)") + 1)
                + " (included at allowance.lua:");
    assertThat(
            RedisStateStore.explainScriptError(
                "ERR user_script:" + ownLine + ": boom, on @user_script:" + ownLine + ".", origins))
        .isEqualTo(
            "ERR user_script:%d [%s]: boom, on @user_script:%d [%s]."
                .formatted(ownLine, origins.get(ownLine - 1), ownLine, origins.get(ownLine - 1)));
    assertThat(RedisStateStore.explainScriptError("ERR user_script:99999: x", origins))
        .isEqualTo("ERR user_script:99999: x");

    // A real error from redis-server, in a store of its own.
    LogCapture logged = LogCapture.of(RedisStateStore.class);
    RedisStateStore failing = new RedisStateStore(vertx, clock, redis.uri(), null, null, "err:");
    try {
      Future<io.vertx.redis.client.Response> run =
          failing.runScript("script_error_probe.lua", List.of(), List.of());
      assertThat(run.toCompletionStage().toCompletableFuture()).failsWithin(10, TimeUnit.SECONDS);
      // The store logs why before the call fails.
      assertThat(logged.messages()).anyMatch(m -> m.contains("[script_error_probe.lua:5]"));
      // A script error is the command's, not the store's: the store stays in use.
      assertThat(failing.unavailable()).isFalse();
    } finally {
      logged.close();
      await(failing.close());
    }
  }

  /**
   * A store given a longer command timeout (for a Redis whose latency spikes past the default 250
   * ms) waits that long for an answer before it fails the call and counts itself down — and no
   * longer.
   */
  @Test
  void aStalledCommandFailsAtTheConfiguredTimeoutAndMarksTheStoreDown() throws Exception {
    ManualClock own = new ManualClock();
    try (RedisProcess stalling = RedisProcess.start()) {
      RedisStateStore s =
          new RedisStateStore(vertx, own, stalling.uri(), null, null, "stall:", 1_000);
      io.vertx.redis.client.Redis admin =
          io.vertx.redis.client.Redis.createClient(vertx, stalling.uri());
      try {
        assertThat(await(s.admit(call("stall", "first", 1, 1_000))).admitted()).isTrue();
        // Redis holds every client's commands for 3 s of real time; the store's clock stands still.
        await(
            admin.send(
                io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.CLIENT)
                    .arg("PAUSE")
                    .arg(3_000)
                    .arg("ALL")));
        Future<io.vertx.redis.client.Response> stalled =
            s.runScript("script_error_probe.lua", List.of(), List.of());
        org.awaitility.Awaitility.await()
            .atMost(java.time.Duration.ofSeconds(5))
            .until(() -> own.pendingDelaysMillis().contains(1_000L));
        own.advance(999);
        // The call's deadline has not fired (it would have been taken off the clock), and Redis,
        // paused, cannot have answered: still waiting at 999 ms.
        assertThat(own.pendingDelaysMillis()).as("the deadline, 1 ms away").contains(1L);
        assertThat(stalled.isComplete()).as("still waiting at 999 ms").isFalse();
        own.advance(2);
        assertThat(stalled.toCompletionStage().toCompletableFuture())
            .failsWithin(5, TimeUnit.SECONDS)
            .withThrowableThat()
            .withCauseInstanceOf(StoreUnavailableException.class);
        // Down: the next call fails at once, without a command.
        Future<io.vertx.redis.client.Response> whileDown =
            s.runScript("script_error_probe.lua", List.of(), List.of());
        assertThat(whileDown.failed()).isTrue();
        assertThat(own.pendingTimers()).isZero();
      } finally {
        await(s.close());
        admin.close();
      }
    }
  }

  /**
   * A run that gives an allowance back and gets no answer in time may still run in Redis (here it
   * waits behind a slow script and runs after the deadline): the replica must not hold again what
   * that run gave back, or Redis and the replica both count it as available — more requests than
   * the limit.
   */
  @Test
  void anAllowanceGivenBackByARunWhoseAnswerIsLostIsNotHeldAgain() throws Exception {
    ManualClock own = new ManualClock();
    try (RedisProcess slow = RedisProcess.start()) {
      RedisStateStore s = new RedisStateStore(vertx, own, slow.uri(), null, null, "lost:", 1_000);
      io.vertx.redis.client.Redis admin =
          io.vertx.redis.client.Redis.createClient(vertx, slow.uri());
      // Allowances of the test's own, which the store's report timer does not flush.
      ConsumerAllowances allowances = new ConsumerAllowances(s);
      try {
        long start = own.currentTimeMillis();
        long capacity = 6_000;
        List<Future<Admission>> admissions = new java.util.ArrayList<>();
        for (int i = 0; i < 3_000; i++) {
          admissions.add(allowances.admit(rpmCall(own, "lost", capacity, "l" + i)));
          if (i % 100 == 99) {
            await(admissions.get(i));
          }
        }
        for (Future<Admission> f : admissions) {
          assertThat(await(f).admitted()).isTrue();
        }
        assertThat(allowances.heldRequests()).isPositive();
        // Redis holds every command for 2 s of real time; the idle replica's give-back waits
        // behind the pause, misses its deadline on the gateway clock, and then runs.
        Future<io.vertx.redis.client.Response> busy = holdRedis(admin);
        own.advance(AllowanceRules.IDLE_MS + 1);
        long sentAt = own.currentTimeMillis();
        Future<Void> flushed = allowances.flush(false);
        own.advance(1_001);
        await(flushed);
        assertThat(s.unavailable()).as("the give-back got no answer in time").isTrue();
        await(busy);
        String bucket = "lost:{lost}:rate:0:r:" + capacity;
        org.awaitility.Awaitility.await()
            .atMost(java.time.Duration.ofSeconds(5))
            .until(
                () ->
                    Long.parseLong(await(admin.send(redisCommand("HGET", bucket, "t"))).toString())
                        == sentAt);
        double level =
            Double.parseDouble(await(admin.send(redisCommand("HGET", bucket, "l"))).toString());
        // What is left in Redis, what this replica holds and what it admitted never exceed the
        // bucket's capacity plus its refill since the first request.
        assertThat(level + allowances.heldRequests() + 3_000)
            .isLessThanOrEqualTo(capacity + capacity * (sentAt - start) / 60_000.0 + 1e-6);
      } finally {
        await(s.close());
        admin.close();
      }
    }
  }

  /**
   * A request settled as unserved (a route's own rate limit refused it after its consumer's
   * admission) gives its request back, also when the limit is large enough for this replica to hold
   * an allowance: the next request finds it, however the store admits it.
   */
  @Test
  void anUnservedRequestGivesItsRequestBack() throws Exception {
    long capacity = 100; // this replica may hold 1 request of it
    int admitted = 0;
    AdmitCall last = null;
    for (int i = 0; i < 200; i++) {
      AdmitCall call = rpmCall("unserved", capacity, "u" + i);
      if (!await(store.admit(call)).admitted()) {
        break;
      }
      admitted++;
      last = call;
    }
    assertThat(admitted).isEqualTo(capacity);
    assertThat(await(store.admit(rpmCall("unserved", capacity, "refused"))).admitted()).isFalse();

    await(store.settle(SettleCall.unserved(last, clock.currentTimeMillis())));
    assertThat(await(store.admit(rpmCall("unserved", capacity, "given-back"))).admitted()).isTrue();
    assertThat(await(store.admit(rpmCall("unserved", capacity, "then-none"))).admitted()).isFalse();
  }

  /**
   * A run that reports settled spend and gets no answer in time may still run in Redis (here it
   * waits behind a slow script and runs after the deadline): the next run sends the same settlement
   * again, as a retry must, and Redis applies it once — the spend is not counted twice — while
   * spend settled after it is still counted.
   */
  @Test
  void aSettlementSentAgainAfterALostReplyIsCountedOnce() throws Exception {
    ManualClock own = new ManualClock();
    try (RedisProcess slow = RedisProcess.start()) {
      RedisStateStore s = new RedisStateStore(vertx, own, slow.uri(), null, null, "twice:", 1_000);
      io.vertx.redis.client.Redis admin =
          io.vertx.redis.client.Redis.createClient(vertx, slow.uri());
      // Allowances of the test's own, which the store's report timer does not flush.
      ConsumerAllowances allowances = new ConsumerAllowances(s);
      String spentToday = "twice:{twice}:spent:d:2026-05-01";
      try {
        AdmitCall first = budgetCall(own, "first");
        assertThat(await(allowances.admit(first)).admitted()).isTrue();
        allowances.settle(SettleCall.of(first, own.currentTimeMillis(), 100, 0));
        // Redis holds every command for 2 s of real time; the report waits behind the pause,
        // misses its deadline on the gateway clock, and then runs.
        Future<io.vertx.redis.client.Response> busy = holdRedis(admin);
        Future<Void> reported = allowances.flush(false);
        own.advance(1_001);
        await(reported);
        assertThat(s.unavailable()).as("the report got no answer in time").isTrue();
        await(busy);
        org.awaitility.Awaitility.await()
            .atMost(java.time.Duration.ofSeconds(5))
            .until(() -> "100".equals(String.valueOf(await(admin.send(get(spentToday))))));

        // The store is tried again after its second of rest: the same settlement goes again.
        own.advance(RedisGuard.RETRY_AFTER_MS + 1);
        await(allowances.flush(false));
        assertThat(s.unavailable()).isFalse();
        assertThat(await(admin.send(get(spentToday))).toLong()).isEqualTo(100);

        AdmitCall second = budgetCall(own, "second");
        assertThat(await(allowances.admit(second)).admitted()).isTrue();
        allowances.settle(SettleCall.of(second, own.currentTimeMillis(), 50, 0));
        await(allowances.flush(false));
        assertThat(await(admin.send(get(spentToday))).toLong()).isEqualTo(150);
      } finally {
        await(s.close());
        admin.close();
      }
    }
  }

  /**
   * A give-back that is never sent (the store is marked down, so the run fails at once) did not run
   * in Redis, which still counts the allowance as held by this replica: the replica keeps it and
   * gives it back with a later run. Before, it was dropped here and stayed committed in Redis until
   * the day ended — every blip of the store took a little more of the consumer's budget.
   */
  @Test
  void anAllowanceWhoseGiveBackWasNeverSentIsGivenBackLater() throws Exception {
    ManualClock own = new ManualClock();
    RedisStateStore s = new RedisStateStore(vertx, own, redis.uri(), null, null, "unsent:");
    java.util.concurrent.atomic.AtomicBoolean down =
        new java.util.concurrent.atomic.AtomicBoolean();
    // Runs fail unsent while "down", as the store's guard fails them while it rests.
    ConsumerAllowances allowances =
        new ConsumerAllowances(
            s,
            (name, keys, args) ->
                down.get()
                    ? Future.failedFuture(new StoreUnavailableException("down", true))
                    : s.runScript(name, keys, args));
    String committed = "unsent:{twice}:committed:d:2026-05-01";
    String spent = "unsent:{twice}:spent:d:2026-05-01";
    try {
      AdmitCall first = budgetCall(own, "first");
      assertThat(await(allowances.admit(first)).admitted()).isTrue();
      allowances.settle(SettleCall.of(first, own.currentTimeMillis(), 100, 0));
      await(allowances.flush(false));
      assertThat(command(s, io.vertx.redis.client.Command.GET, spent)).isEqualTo("100");
      assertThat(Long.parseLong(command(s, io.vertx.redis.client.Command.GET, committed)))
          .as("an allowance is held beside the spend")
          .isGreaterThan(100);

      own.advance(AllowanceRules.IDLE_MS + 1);
      down.set(true);
      await(allowances.flush(false)); // the idle allowance's give-back: never sent
      down.set(false);
      await(allowances.flush(false));

      assertThat(command(s, io.vertx.redis.client.Command.GET, committed)).isEqualTo("100");
    } finally {
      await(s.close());
    }
  }

  private static io.vertx.redis.client.Request get(String key) {
    return redisCommand("GET", key);
  }

  /** 600 of a day's budget of 1,000,000 nano-USD, no rate limit. */
  private static AdmitCall budgetCall(ManualClock clock, String id) {
    return new AdmitCall(
        "twice",
        id,
        List.of(),
        clock.currentTimeMillis(),
        600,
        "2026-05-01",
        "2026-05",
        1_000_000,
        -1);
  }

  /**
   * The seeds of counters Redis may lose are kept for the periods in force only: a replica that
   * runs for months does not keep one per consumer and day it ever served.
   */
  @Test
  void seedsOfPeriodsThatAreOverAreForgotten() throws Exception {
    ManualClock own = new ManualClock();
    RedisStateStore s = new RedisStateStore(vertx, own, redis.uri(), null, null, "seeds:");
    // Allowances of the test's own, which the store's report timer does not flush.
    ConsumerAllowances allowances = new ConsumerAllowances(s);
    try {
      for (int d = 0; d < 40; d++) {
        String day =
            java.time.LocalDate.ofInstant(
                    java.time.Instant.ofEpochMilli(own.currentTimeMillis()),
                    java.time.ZoneOffset.UTC)
                .toString();
        AdmitCall call =
            new AdmitCall(
                "seeder",
                "s" + d,
                List.of(),
                own.currentTimeMillis(),
                100,
                day,
                day.substring(0, 7),
                1_000_000,
                -1);
        assertThat(await(allowances.admit(call)).admitted()).isTrue();
        allowances.settle(SettleCall.of(call, own.currentTimeMillis(), 100, 0));
        await(allowances.flush(false));
        own.advance(86_400_000L);
      }
      await(allowances.flush(false));
      // Committed and spent, of today and of this month.
      assertThat(allowances.seeds()).as("today's and this month's at most").isLessThanOrEqualTo(4);
    } finally {
      await(allowances.flush(true));
      await(s.close());
    }
  }

  /**
   * Someone wrote into one consumer's keys (a list where a bucket lives): Redis refuses that
   * consumer's script with WRONGTYPE. Its request fails as the store's (its outage policy applies),
   * but Redis answered: the store stays up and another consumer is counted in Redis at once.
   */
  @Test
  void aDamagedKeyFailsOnlyItsConsumersCallsAndLeavesTheStoreUp() throws Exception {
    RedisStateStore s = new RedisStateStore(vertx, clock, redis.uri(), null, null, "dmg:");
    io.vertx.redis.client.Redis admin =
        io.vertx.redis.client.Redis.createClient(vertx, redis.uri());
    LogCapture logged = LogCapture.of(RedisStateStore.class);
    try {
      assertThat(await(s.admit(call("damaged", "d0", 0, -1))).admitted()).isTrue();
      io.vertx.redis.client.Response keys =
          await(admin.send(redisCommand("KEYS", "dmg:{damaged}:*")));
      assertThat(keys.size()).isPositive();
      for (io.vertx.redis.client.Response key : keys) {
        await(admin.send(redisCommand("DEL", key.toString())));
        await(admin.send(redisCommand("LPUSH", key.toString(), "not a counter")));
      }
      for (int i = 1; i <= 3; i++) {
        assertThat(s.admit(call("damaged", "d" + i, 0, -1)).toCompletionStage())
            .failsWithin(5, TimeUnit.SECONDS)
            .withThrowableThat()
            .withCauseInstanceOf(StoreUnavailableException.class);
        assertThat(s.unavailable()).isFalse();
      }
      // The clock has not moved: a store marked down would fail this at once.
      assertThat(await(s.admit(call("healthy", "h0", 0, -1))).admitted()).isTrue();
      // Logged before each call failed; one line for the three, the clock standing still.
      assertThat(logged.messages())
          .filteredOn(m -> m.contains("refused a command"))
          .singleElement()
          .satisfies(m -> assertThat(m).contains("WRONGTYPE"));
    } finally {
      logged.close();
      await(s.close());
      admin.close();
    }
  }

  /**
   * A Redis out of memory refuses every write, whichever consumer: the store counts itself down
   * (calls fail at once meanwhile) and comes back by itself once Redis has room again.
   */
  @Test
  void aRedisOutOfMemoryMarksTheStoreDownUntilItServesAgain() throws Exception {
    ManualClock own = new ManualClock();
    try (RedisProcess full = RedisProcess.start()) {
      RedisStateStore s = new RedisStateStore(vertx, own, full.uri(), null, null, "oom:");
      io.vertx.redis.client.Redis admin =
          io.vertx.redis.client.Redis.createClient(vertx, full.uri());
      try {
        assertThat(await(s.admit(call("a", "a0", 0, -1))).admitted()).isTrue();
        await(admin.send(redisCommand("CONFIG", "SET", "maxmemory", "1")));
        assertThat(s.admit(call("a", "a1", 0, -1)).toCompletionStage())
            .failsWithin(5, TimeUnit.SECONDS)
            .withThrowableThat()
            .withCauseInstanceOf(StoreUnavailableException.class);
        assertThat(s.unavailable()).isTrue();
        assertThat(s.admit(call("b", "b0", 0, -1)).failed())
            .as("fails at once while down")
            .isTrue();
        await(admin.send(redisCommand("CONFIG", "SET", "maxmemory", "0")));
        own.advance(RedisGuard.RETRY_AFTER_MS + 1);
        assertThat(await(s.admit(call("b", "b1", 0, -1))).admitted()).isTrue();
        assertThat(s.unavailable()).isFalse();
      } finally {
        await(s.close());
        admin.close();
      }
    }
  }

  /**
   * A server error no command can get past is the store's outage, not one command's refusal, also
   * when Redis tells it inside a script's error: here a Redis whose {@code HSET} is disabled
   * ({@code rename-command}, as managed services do) fails every consumer's script with "Unknown
   * Redis command called from Lua script". The store counts itself down (calls fail at once
   * meanwhile, each request's outage policy applies) instead of sending every request to a Redis
   * that refuses them all.
   */
  @Test
  void aCommandTheServerDoesNotHaveMarksTheStoreDown() throws Exception {
    ManualClock own = new ManualClock();
    try (RedisProcess crippled = RedisProcess.start("rename-command HSET \"\"")) {
      RedisStateStore s = new RedisStateStore(vertx, own, crippled.uri(), null, null, "nohset:");
      LogCapture logged = LogCapture.of(RedisStateStore.class);
      try {
        assertThat(s.admit(call("a", "a0", 0, -1)).toCompletionStage())
            .failsWithin(5, TimeUnit.SECONDS)
            .withThrowableThat()
            .withCauseInstanceOf(StoreUnavailableException.class);
        assertThat(s.unavailable()).isTrue();
        assertThat(s.admit(call("b", "b0", 0, -1)).failed())
            .as("another consumer fails at once while down")
            .isTrue();
        assertThat(logged.messages())
            .filteredOn(m -> m.contains("is unavailable"))
            .singleElement()
            .satisfies(m -> assertThat(m).contains("Unknown Redis command"));
        assertThat(logged.messages()).noneMatch(m -> m.contains("refused a command"));
      } finally {
        logged.close();
        await(s.close());
      }
    }
  }

  /**
   * A busy consumer's allowance grows with the replica's admission rate ({@link
   * AllowanceRules#HORIZON_MS} of it, at most {@link AllowanceRules#MAX_REQUESTS}), so most of its
   * requests are admitted without a script run; all of it is still counted as taken in Redis.
   */
  @Test
  void aBusyConsumerHoldsMoreThanTheBaseAllowance() throws Exception {
    ManualClock own = new ManualClock();
    RedisStateStore s = new RedisStateStore(vertx, own, redis.uri(), null, null, "busy:");
    try {
      long mostHeld = 0; // what is held at one moment depends on when each run's answer comes
      for (int i = 0; i < 4_000; i++) {
        AdmitCall c =
            new AdmitCall(
                "busy",
                "b" + i,
                List.of(new Limit(10_000_000, 0)),
                own.currentTimeMillis(),
                0,
                "2026-05-01",
                "2026-05",
                -1,
                -1);
        assertThat(await(s.admit(c)).admitted()).isTrue();
        mostHeld = Math.max(mostHeld, s.heldRequests());
        if (i % 20 == 19) {
          own.advance(1); // 20,000 requests a second of the gateway clock
        }
      }
      assertThat(mostHeld)
          .as("about 100 ms of 20,000 a second, not the base 128")
          .isGreaterThan(AllowanceRules.BASE_REQUESTS);
    } finally {
      await(s.close());
    }
  }

  /**
   * A consumer's allowance goes back to Redis once the consumer has been idle for {@link
   * AllowanceRules#IDLE_MS} ms of the gateway clock, and not before.
   */
  @Test
  void anIdleConsumersAllowanceGoesBackAfterASecondOfTheGatewayClock() throws Exception {
    ManualClock own = new ManualClock();
    RedisStateStore s = new RedisStateStore(vertx, own, redis.uri(), null, null, "idle:");
    try {
      AdmitCall first =
          new AdmitCall(
              "idler",
              "i0",
              List.of(new Limit(1_000, 0)),
              own.currentTimeMillis(),
              0,
              "2026-05-01",
              "2026-05",
              -1,
              -1);
      assertThat(await(s.admit(first)).admitted()).isTrue();
      assertThat(s.heldRequests()).isPositive();
      own.advance(AllowanceRules.IDLE_MS - 1);
      // More than a second of real time, with reports every 50 ms: idleness is the gateway clock's.
      Thread.sleep(AllowanceRules.IDLE_MS + 4 * RedisStateStore.REPORT_MS);
      assertThat(s.heldRequests()).as("held while not idle long enough").isPositive();
      own.advance(2);
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(5))
          .until(() -> s.heldRequests() == 0);
    } finally {
      await(s.close());
    }
  }

  /**
   * Makes Redis hold every client's commands for 2 s of real time and returns a PING sent behind
   * the pause: it completes when Redis answers again. {@code CLIENT PAUSE} is answered at once, so
   * the pause is in force before the caller's next command leaves (a slow script sent first could
   * reach Redis after the command it was meant to delay, on a loaded machine).
   */
  private static Future<io.vertx.redis.client.Response> holdRedis(io.vertx.redis.client.Redis admin)
      throws Exception {
    await(admin.send(redisCommand("CLIENT", "PAUSE", "2000", "ALL")));
    return admin.send(redisCommand("PING"));
  }

  private static io.vertx.redis.client.Request redisCommand(String name, String... args) {
    io.vertx.redis.client.Request r =
        io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.create(name));
    for (String a : args) {
      r.arg(a);
    }
    return r;
  }

  private static List<String> lines(String resource) throws Exception {
    try (java.io.InputStream in = RedisStateStore.class.getResourceAsStream(resource)) {
      return List.of(
          new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).split("\n", -1));
    }
  }

  /** A request of a consumer with a limit of {@code requestsPerMinute} only. */
  private static AdmitCall rpmCall(String consumer, long requestsPerMinute, String id) {
    return new AdmitCall(
        consumer,
        id,
        List.of(new Limit(requestsPerMinute, 0)),
        clock.currentTimeMillis(),
        0,
        "2026-05-01",
        "2026-05",
        -1,
        -1);
  }

  /** As {@link #rpmCall(String, long, String)}, at {@code clock}'s time. */
  private static AdmitCall rpmCall(
      ManualClock clock, String consumer, long requestsPerMinute, String id) {
    return new AdmitCall(
        consumer,
        id,
        List.of(new Limit(requestsPerMinute, 0)),
        clock.currentTimeMillis(),
        0,
        "2026-05-01",
        "2026-05",
        -1,
        -1);
  }

  /** A request of a consumer with a limit of {@code tokensPerMinute} only. */
  private static AdmitCall tokenCall(String consumer, long tokensPerMinute, String id) {
    return new AdmitCall(
        consumer,
        id,
        List.of(new Limit(0, tokensPerMinute)),
        clock.currentTimeMillis(),
        0,
        "2026-05-01",
        "2026-05",
        -1,
        -1);
  }

  /** 600 of a day's budget of 1,000 nano-USD. */
  private static AdmitCall ttlCall(ManualClock clock, String id) {
    return new AdmitCall(
        "ttl", id, List.of(), clock.currentTimeMillis(), 600, "2026-05-01", "2026-05", 1_000, -1);
  }

  /** How often Redis ran a script by its SHA so far ({@code INFO commandstats}). */
  static long evalshaCalls() throws Exception {
    String info = command(store, io.vertx.redis.client.Command.INFO, "commandstats");
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("cmdstat_evalsha:calls=(\\d+)").matcher(info);
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  /** One Redis command with one argument, through a store's connection; its answer as text. */
  static String command(RedisStateStore through, io.vertx.redis.client.Command command, String arg)
      throws Exception {
    return await(through.send(io.vertx.redis.client.Request.cmd(command).arg(arg))).toString();
  }
}
