package dev.switchboard.gateway.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.state.AllowanceRules;
import dev.switchboard.gateway.state.RedisProcess;
import dev.switchboard.gateway.state.RedisStateStore;
import dev.switchboard.gateway.state.StoreUnavailableException;
import dev.switchboard.gateway.time.ManualClock;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.impl.types.BulkType;
import io.vertx.redis.client.impl.types.MultiType;
import io.vertx.redis.client.impl.types.NumberType;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One replica's client rate-limit allowance against a real redis-server: what it holds is counted
 * as taken in Redis, and what it did not use goes back to the bucket when the replica shuts down.
 */
class ClientRateAllowancesTest {

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

  @Test
  void whatAReplicaHoldsIsTakenInRedisAndGoesBackWhenItShutsDown() throws Exception {
    RedisStateStore store = new RedisStateStore(vertx, clock, redis.uri(), null, null, "t:");
    SharedClientRateLimits limits =
        new SharedClientRateLimits(
            store, new ClientRateLimiter(System::nanoTime), clock::currentTimeMillis);
    List<RoutingTable.RateLimit> rules = List.of(new RoutingTable.RateLimit("route", 1_000, null));
    for (int i = 0; i < 5; i++) {
      SharedClientRateLimits.Admitted admitted =
          await(limits.admit(rules, "p", "r", null, "req-" + i));
      assertThat(admitted.decision().limited()).isFalse();
    }
    // 5 admitted and the rest of an allowance of 10 (1 % of 1,000) held: all taken in Redis.
    assertThat(limits.heldRequests()).isPositive();
    assertThat(level(store)).isEqualTo(1_000 - 5 - limits.heldRequests());
    await(store.close());
    assertThat(limits.heldRequests()).isZero();
    RedisStateStore reader = new RedisStateStore(vertx, clock, redis.uri(), null, null, "t:");
    assertThat(level(reader)).isEqualTo(1_000 - 5);
    await(reader.close());
  }

  /**
   * A generous token-only limit is checked locally against the level of the replica's last run; a
   * replica that keeps admitting refreshes that level every report, so another replica's tokens
   * stop it within a report or two even when its own answers charge nothing.
   */
  @Test
  void anotherReplicasTokensReachALocallyAdmittingReplica() throws Exception {
    RedisStateStore storeA = new RedisStateStore(vertx, clock, redis.uri(), null, null, "tk:");
    RedisStateStore storeB = new RedisStateStore(vertx, clock, redis.uri(), null, null, "tk:");
    SharedClientRateLimits a =
        new SharedClientRateLimits(
            storeA, new ClientRateLimiter(System::nanoTime), clock::currentTimeMillis);
    SharedClientRateLimits b =
        new SharedClientRateLimits(
            storeB, new ClientRateLimiter(System::nanoTime), clock::currentTimeMillis);
    List<RoutingTable.RateLimit> rules =
        List.of(new RoutingTable.RateLimit("route", null, 100_000L));
    assertThat(await(a.admit(rules, "p", "r", null, "a-0")).decision().limited()).isFalse();
    SharedClientRateLimits.Admitted onB = await(b.admit(rules, "p", "r", null, "b-0"));
    assertThat(onB.decision().limited()).isFalse();
    onB.charge().charge(200_000); // B's answer overdraws the bucket
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(5))
        .until(
            () ->
                await(a.admit(rules, "p", "r", null, "a-" + System.nanoTime()))
                    .decision()
                    .limited());
    await(storeA.close());
    await(storeB.close());
  }

  /**
   * A shutdown report that comes while a run is being started (its group already busy, the run not
   * sent yet) waits for that run, then gives back the allowance it granted. Here the report comes
   * from a request's answer, which runs after the next run was taken and before it is sent; the
   * runs are answered by the test (no Redis), so the order is exact.
   */
  @Test
  void aShutdownReportWaitsForARunStartedBeforeItAndGivesBackWhatItGranted() throws Exception {
    List<Promise<Response>> runs = new ArrayList<>();
    List<Long> returned = new ArrayList<>();
    ClientRateAllowances allowances =
        new ClientRateAllowances(
            (buckets, pairs, waiting, returnRequests, wantRequests, tokens) -> {
              Promise<Response> run = Promise.promise();
              runs.add(run);
              returned.add(returnRequests);
              return run.future();
            },
            clock::nanoTime);
    List<String> buckets = List.of("b");
    List<String> pairs = List.of("1000", "r"); // an allowance of 10
    Future<ClientRateAllowances.Verdict> x = allowances.admit("k", buckets, pairs); // run 1
    allowances.admit("k", buckets, pairs); // waits for run 1 to come back
    List<Future<Void>> shutdown = new ArrayList<>();
    x.onSuccess(v -> shutdown.add(allowances.report(true)));
    runs.get(0).complete(answer(0, 1)); // x admitted, nothing granted: the second request's run 2
    assertThat(runs).hasSize(2);
    assertThat(shutdown.get(0).isComplete()).as("the shutdown report waits for run 2").isFalse();
    runs.get(1).complete(answer(10, 1)); // the second request admitted, 10 granted
    assertThat(runs).hasSize(3);
    assertThat(returned.get(2)).as("given back at shutdown").isEqualTo(10);
    runs.get(2).complete(answer(0));
    assertThat(shutdown.get(0).isComplete()).isTrue();
    assertThat(allowances.held()).isZero();
  }

  /**
   * A run in flight at shutdown whose answer leaves a request waiting starts another run after the
   * shutdown report looked: that run asks for no allowance (the store grants what is asked), so the
   * replica holds nothing once it is answered. Without that it took a fresh allowance that nobody
   * gave back.
   */
  @Test
  void aRunStartedAfterTheShutdownReportLookedTakesNoAllowance() throws Exception {
    List<Promise<Response>> runs = new ArrayList<>();
    List<Long> wanted = new ArrayList<>();
    ClientRateAllowances allowances =
        new ClientRateAllowances(
            (buckets, pairs, waiting, returnRequests, wantRequests, tokens) -> {
              Promise<Response> run = Promise.promise();
              runs.add(run);
              wanted.add(wantRequests);
              return run.future();
            },
            clock::nanoTime);
    List<String> buckets = List.of("b");
    List<String> pairs = List.of("100", "r"); // an allowance of 1
    allowances.admit("k", buckets, pairs); // run 1
    allowances.admit("k", buckets, pairs); // waits for run 1
    Future<ClientRateAllowances.Verdict> last = allowances.admit("k", buckets, pairs); // waits
    Future<Void> shutdown = allowances.report(true); // looks: run 1 in flight
    // Run 1 admits the first request and grants 1, which the second takes; the third starts run 2.
    runs.get(0).complete(answer(wanted.get(0), 1));
    assertThat(runs).hasSize(2);
    assertThat(wanted.get(1)).as("allowance asked for after the shutdown report").isZero();
    runs.get(1).complete(answer(wanted.get(1), 1));
    assertThat(last.isComplete() && last.result().code() == 1).as("the third admitted").isTrue();
    await(shutdown);
    assertThat(allowances.held()).as("held after shutdown").isZero();
  }

  /**
   * A run that gives an allowance back and gets no answer (a deadline missed, a connection lost)
   * may have run in Redis all the same: the replica does not hold again what it gave back, or the
   * bucket and the replica would both count it as available.
   */
  @Test
  void anAllowanceGivenBackByARunWhoseAnswerIsLostIsNotHeldAgain() throws Exception {
    ManualClock own = new ManualClock();
    List<Promise<Response>> runs = new ArrayList<>();
    List<Long> returned = new ArrayList<>();
    ClientRateAllowances allowances =
        new ClientRateAllowances(
            (buckets, pairs, waiting, returnRequests, wantRequests, tokens) -> {
              Promise<Response> run = Promise.promise();
              runs.add(run);
              returned.add(returnRequests);
              return run.future();
            },
            own::nanoTime);
    List<String> buckets = List.of("b");
    List<String> pairs = List.of("1000", "r"); // an allowance of 10
    allowances.admit("k", buckets, pairs); // run 1
    runs.get(0).complete(answer(10, 1)); // admitted, 10 granted
    assertThat(allowances.held()).isEqualTo(10);
    own.advance(dev.switchboard.gateway.state.AllowanceRules.IDLE_MS + 1);
    allowances.report(false); // idle: run 2 gives the 10 back
    assertThat(returned.get(1)).isEqualTo(10);
    runs.get(1).fail(new StoreUnavailableException("no answer within 250 ms"));
    assertThat(allowances.held()).isZero();
  }

  /**
   * What a replica holds for a caller that stopped calling goes back once the caller has been idle
   * for {@link dev.switchboard.gateway.state.AllowanceRules#IDLE_MS} ms of the gateway clock — not
   * before, however many reports come meanwhile.
   */
  @Test
  void anIdleCallersAllowanceGoesBackAfterASecondOfTheGatewayClock() throws Exception {
    ManualClock own = new ManualClock();
    RedisStateStore store = new RedisStateStore(vertx, own, redis.uri(), null, null, "idle:");
    SharedClientRateLimits limits =
        new SharedClientRateLimits(
            store, new ClientRateLimiter(own::nanoTime), own::currentTimeMillis);
    List<RoutingTable.RateLimit> rules = List.of(new RoutingTable.RateLimit("route", 1_000, null));
    try {
      assertThat(await(limits.admit(rules, "p", "r", null, "req-0")).decision().limited())
          .isFalse();
      assertThat(limits.heldRequests()).isPositive();
      own.advance(dev.switchboard.gateway.state.AllowanceRules.IDLE_MS - 1);
      // More than a second of real time, with reports every 50 ms: idleness is the gateway clock's.
      Thread.sleep(
          dev.switchboard.gateway.state.AllowanceRules.IDLE_MS + 4 * RedisStateStore.REPORT_MS);
      assertThat(limits.heldRequests()).as("held while not idle long enough").isPositive();
      own.advance(2);
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(5))
          .until(() -> limits.heldRequests() == 0);
    } finally {
      await(store.close());
    }
  }

  /** A run's answer: requests granted, no token buckets, then each request's verdict. */
  /**
   * A run whose answer the replica cannot read (a reply of another shape than the script's: a
   * script of another version, a proxy in between) fails the requests it was deciding, so they fall
   * back as on a store error, and leaves the group free: the next request starts a run of its own.
   * Before, the group stayed busy for good and every later request of the caller waited forever.
   */
  @Test
  void anAnswerOfAnotherShapeFailsItsRequestsAndLeavesTheGroupFree() throws Exception {
    List<Promise<Response>> runs = new ArrayList<>();
    ClientRateAllowances allowances =
        new ClientRateAllowances(
            (buckets, pairs, waiting, returnRequests, wantRequests, tokens) -> {
              Promise<Response> run = Promise.promise();
              runs.add(run);
              return run.future();
            },
            clock::nanoTime);
    List<String> buckets = List.of("b");
    List<String> pairs = List.of("100", "r"); // an allowance of 1
    Future<ClientRateAllowances.Verdict> first = allowances.admit("k", buckets, pairs); // run 1
    Future<ClientRateAllowances.Verdict> second = allowances.admit("k", buckets, pairs); // waits
    runs.get(0).complete(BulkType.create(Buffer.buffer("OK"), false)); // not the script's array
    assertThat(first.isComplete()).as("the request of the unreadable run is answered").isTrue();
    assertThat(second.failed()).as("the request waiting behind it falls back too").isTrue();
    Future<ClientRateAllowances.Verdict> third = allowances.admit("k", buckets, pairs);
    assertThat(runs).as("the group is free: a new run").hasSize(2);
    runs.get(1).complete(answer(1, 1));
    assertThat(third.isComplete() && third.result().code() == 1).isTrue();
  }

  /**
   * Tokens of a run the store failed without sending it (resting after a failure) never reached
   * Redis: they go with the next run, once. Those of a run whose reply was lost may have been
   * counted already and are not sent again (charged once or not at all, never twice).
   */
  @Test
  void tokensOfARunNeverSentGoWithTheNextRunAndThoseOfALostReplyDoNot() throws Exception {
    List<Promise<Response>> runs = new ArrayList<>();
    List<Long> tokensSent = new ArrayList<>();
    ClientRateAllowances allowances =
        new ClientRateAllowances(
            (buckets, pairs, waiting, returnRequests, wantRequests, tokens) -> {
              Promise<Response> run = Promise.promise();
              runs.add(run);
              tokensSent.add(tokens);
              return run.future();
            },
            clock::nanoTime);
    List<String> buckets = List.of("b");
    List<String> pairs = List.of("100000", "t");
    allowances.charge("k", buckets, pairs, 40);
    allowances.report(false); // run 1 carries the 40 tokens
    runs.get(0).fail(new StoreUnavailableException("resting", true)); // never sent
    allowances.report(false); // run 2: the same 40 again
    runs.get(1).fail(new StoreUnavailableException("no answer within 250 ms")); // maybe ran
    allowances.charge("k", buckets, pairs, 5);
    allowances.report(false); // run 3: only what came since

    assertThat(tokensSent).containsExactly(40L, 40L, 5L);
  }

  /** A run that cannot even be sent (the client threw) leaves the group free as a failed one. */
  @Test
  void aRunThatCannotBeSentLeavesTheGroupFree() throws Exception {
    List<Promise<Response>> runs = new ArrayList<>();
    ClientRateAllowances allowances =
        new ClientRateAllowances(
            (buckets, pairs, waiting, returnRequests, wantRequests, tokens) -> {
              if (runs.isEmpty()) {
                runs.add(null);
                throw new IllegalStateException("the client refused the command");
              }
              Promise<Response> run = Promise.promise();
              runs.add(run);
              return run.future();
            },
            clock::nanoTime);
    List<String> buckets = List.of("b");
    List<String> pairs = List.of("100", "r");
    Future<ClientRateAllowances.Verdict> first = allowances.admit("k", buckets, pairs);
    assertThat(first.failed()).as("answered as a store failure, not thrown").isTrue();
    Future<ClientRateAllowances.Verdict> second = allowances.admit("k", buckets, pairs);
    assertThat(runs).as("the group is free: a new run").hasSize(2);
    runs.get(1).complete(answer(1, 1));
    assertThat(second.isComplete() && second.result().code() == 1).isTrue();
  }

  /**
   * A busy replica holds about {@link AllowanceRules#HORIZON_MS} of its own admissions (at most
   * {@link AllowanceRules#MAX_REQUESTS}) instead of {@link AllowanceRules#BASE_REQUESTS}, so it
   * runs a script far less often; once it is quiet again its allowance shrinks back and the report
   * gives back what it no longer needs. Runs answered by the test (no Redis), every request
   * granted.
   */
  @Test
  void aBusyReplicaHoldsMoreAndGivesItBackWhenItGetsQuiet() throws Exception {
    long[] nanos = {1_000_000_000L}; // the gateway clock's nanoseconds, moved by the test
    List<Long> wanted = new ArrayList<>();
    List<Long> returned = new ArrayList<>();
    ClientRateAllowances allowances =
        new ClientRateAllowances(
            (buckets, pairs, waiting, returnRequests, wantRequests, tokens) -> {
              wanted.add(wantRequests);
              returned.add(returnRequests);
              int[] verdicts = new int[waiting];
              java.util.Arrays.fill(verdicts, 1);
              return Future.succeededFuture(answer(wantRequests, verdicts));
            },
            () -> nanos[0]);
    List<String> buckets = List.of("b");
    List<String> pairs = List.of("10000000", "r"); // 1 % is 100,000: the rate decides
    int busy = 20_000; // one second at 20,000 requests a second
    for (int i = 0; i < busy; i++) {
      assertThat(allowances.admit("k", buckets, pairs).result().code()).isEqualTo(1);
      nanos[0] += 50_000;
    }
    assertThat(wanted.get(0))
        .as("first run: the base allowance")
        .isEqualTo(AllowanceRules.BASE_REQUESTS);
    assertThat(allowances.held())
        .as("100 ms of 20,000 a second is 2,000: held up to the ceiling")
        .isGreaterThan(AllowanceRules.BASE_REQUESTS)
        .isLessThanOrEqualTo(AllowanceRules.MAX_REQUESTS);
    // At 128 held a run starts every 64 requests (312 runs); here far fewer.
    assertThat(wanted.size()).isLessThan(busy / 64 / 4);
    // Quiet: 5 requests a second for two seconds, the report moving the allowance each time.
    returned.clear();
    for (int i = 0; i < 10; i++) {
      nanos[0] += 200_000_000;
      allowances.admit("k", buckets, pairs);
      allowances.report(false);
    }
    assertThat(returned.stream().mapToLong(Long::longValue).sum())
        .as("what a quiet replica no longer needs went back")
        .isPositive();
    assertThat(allowances.held()).isLessThanOrEqualTo(2 * AllowanceRules.BASE_REQUESTS);
  }

  private static Response answer(long granted, int... verdicts) {
    MultiType r = MultiType.create(2 + 4 * verdicts.length, false);
    r.add(NumberType.create(granted));
    r.add(NumberType.create(-1));
    for (int verdict : verdicts) {
      r.add(NumberType.create(verdict));
      r.add(BulkType.create(Buffer.buffer(""), false));
      r.add(NumberType.create(0));
      r.add(NumberType.create(0));
    }
    return r;
  }

  private static double level(RedisStateStore store) throws Exception {
    String bucket = null;
    for (var key : await(store.send(Request.cmd(Command.KEYS).arg("t:{rl:p}:*")))) {
      bucket = key.toString();
    }
    assertThat(bucket).isNotNull();
    return Double.parseDouble(
        await(store.send(Request.cmd(Command.HGET).arg(bucket).arg("l"))).toString());
  }
}
