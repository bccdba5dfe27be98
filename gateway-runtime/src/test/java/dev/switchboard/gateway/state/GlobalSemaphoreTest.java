package dev.switchboard.gateway.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.gateway.resilience.Bulkhead;
import dev.switchboard.gateway.resilience.GlobalSemaphore;
import dev.switchboard.gateway.resilience.SlotPermit;
import dev.switchboard.gateway.time.ManualClock;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The lease semaphore behind {@code concurrencyScope: global} on a real redis-server: two replicas
 * (each its own semaphore and clock) share one cap; a replica that dies holding every permit (its
 * renewals stop) gives them back within the lease time; a running request's renewals keep its
 * permit past the lease time; released permits are free at once.
 */
class GlobalSemaphoreTest {

  static final long LEASE_MS = 3_000;
  static Vertx vertx;
  static RedisProcess redis;
  static RedisStateStore store;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    redis = RedisProcess.start();
    store =
        new RedisStateStore(vertx, new ManualClock(), redis.uri(), null, null, "switchboard-test:");
    store.warmUp().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    store.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    redis.close();
  }

  static GlobalSemaphore semaphore(String key, ManualClock clock, String replica) {
    return new GlobalSemaphore(
        new RedisLeaseStore(store),
        clock,
        key,
        key,
        5,
        LEASE_MS,
        LEASE_MS / 3,
        replica,
        new Bulkhead(vertx, clock, key, 5));
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** Acquires on {@code s}, advancing {@code clock} through the short wait; null when full. */
  static SlotPermit tryAcquire(GlobalSemaphore s, ManualClock clock) throws Exception {
    Future<SlotPermit> f = s.acquire();
    long waited = 0;
    while (!f.isComplete() && waited <= Bulkhead.MAX_WAIT_MS + GlobalSemaphore.POLL_MS) {
      Thread.sleep(5);
      if (!f.isComplete() && clock.pendingTimers() > 0) {
        clock.advance(GlobalSemaphore.POLL_MS);
        waited += GlobalSemaphore.POLL_MS;
      }
    }
    try {
      return await(f);
    } catch (java.util.concurrent.ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(Bulkhead.FullException.class);
      return null;
    }
  }

  @Test
  void replicasShareOneCapAndADeadReplicasPermitsComeBackWithinTheLeaseTime() throws Exception {
    long start = 1_700_000_000_000L;
    ManualClock deadClock = new ManualClock(start);
    ManualClock liveClock = new ManualClock(start);
    GlobalSemaphore dead = semaphore("crash", deadClock, "replica-a");
    GlobalSemaphore live = semaphore("crash", liveClock, "replica-b");
    for (int i = 0; i < 5; i++) {
      assertThat(tryAcquire(dead, deadClock)).isNotNull();
    }
    // Replica A holds all five and then dies: its clock (and so its renewals) stops here.
    assertThat(tryAcquire(live, liveClock)).as("the cap counts replica A's leases").isNull();
    liveClock.advance(LEASE_MS - 500);
    assertThat(tryAcquire(live, liveClock)).as("leases still valid").isNull();
    liveClock.advance(600);
    List<SlotPermit> taken = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      SlotPermit p = tryAcquire(live, liveClock);
      assertThat(p).as("permit %s after the lease time", i).isNotNull();
      taken.add(p);
    }
    assertThat(tryAcquire(live, liveClock)).as("still a cap of five").isNull();
    taken.forEach(SlotPermit::release);
    Thread.sleep(50);
    assertThat(tryAcquire(live, liveClock)).as("released permits are free at once").isNotNull();
  }

  @Test
  void aRunningRequestKeepsItsPermitByRenewingIt() throws Exception {
    long start = 1_700_000_000_000L;
    ManualClock clockA = new ManualClock(start);
    ManualClock clockB = new ManualClock(start);
    GlobalSemaphore a = semaphore("renew", clockA, "replica-a");
    GlobalSemaphore b = semaphore("renew", clockB, "replica-b");
    for (int i = 0; i < 5; i++) {
      assertThat(tryAcquire(a, clockA)).isNotNull();
    }
    // Both replicas live on for three lease times; A renews every third of a lease.
    for (int step = 0; step < 9; step++) {
      clockA.advance(LEASE_MS / 3);
      Thread.sleep(30); // let the renewals reach Redis
      clockB.advance(LEASE_MS / 3);
    }
    assertThat(tryAcquire(b, clockB)).as("A's renewed leases still hold the cap").isNull();
    assertThat(a.inFlight()).isEqualTo(5);
  }

  private static long leasesIn(io.vertx.redis.client.Redis admin, String redisKey)
      throws Exception {
    return await(
            admin.send(
                io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.ZCARD)
                    .arg(redisKey)))
        .toLong();
  }

  /**
   * Redis restarts empty (here: FLUSHALL) while replica A's five requests run: their next renewals
   * find their leases gone and add them again (over the cap if need be), so replica B is refused
   * rather than admitting five more — twice the cap in flight.
   */
  @Test
  void renewalsRegisterLeasesRedisLostSoTheCapHoldsAfterARestart() throws Exception {
    long start = 1_700_000_000_000L;
    ManualClock clockA = new ManualClock(start);
    ManualClock clockB = new ManualClock(start);
    GlobalSemaphore a = semaphore("flushed", clockA, "replica-a");
    GlobalSemaphore b = semaphore("flushed", clockB, "replica-b");
    io.vertx.redis.client.Redis admin =
        io.vertx.redis.client.Redis.createClient(vertx, redis.uri());
    try {
      for (int i = 0; i < 5; i++) {
        assertThat(tryAcquire(a, clockA)).isNotNull();
      }
      await(admin.send(io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.FLUSHALL)));
      assertThat(leasesIn(admin, "switchboard-test:{flushed}")).isZero();

      clockA.advance(LEASE_MS / 3); // A's renewals run
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(5))
          .until(() -> leasesIn(admin, "switchboard-test:{flushed}") == 5);
      assertThat(tryAcquire(b, clockB)).as("A's running requests hold the cap again").isNull();
      assertThat(a.inFlight()).isEqualTo(5);
    } finally {
      admin.close();
    }
  }

  /**
   * Requests admitted by the per-replica fallback while Redis was down register their leases once
   * it answers again, so another replica does not admit a whole cap on top of them.
   */
  @Test
  void permitsTakenDuringAnOutageRegisterLeasesOnceRedisIsBack() throws Exception {
    long start = 1_700_000_000_000L;
    ManualClock storeClock = new ManualClock(start);
    ManualClock clockA = new ManualClock(start);
    ManualClock clockB = new ManualClock(start);
    try (RedisProcess own = RedisProcess.start()) {
      RedisStateStore s = new RedisStateStore(vertx, storeClock, own.uri(), null, null, "outage:");
      io.vertx.redis.client.Redis admin = null;
      try {
        await(s.warmUp());
        GlobalSemaphore a = semaphore(s, "outage", clockA, "replica-a");
        GlobalSemaphore b = semaphore(s, "outage", clockB, "replica-b");
        own.kill();
        for (int i = 0; i < 5; i++) {
          assertThat(tryAcquire(a, clockA)).as("fallback permit %s", i).isNotNull();
        }
        assertThat(s.unavailable()).as("taken from the per-replica fallback").isTrue();
        own.startAgain();
        admin = io.vertx.redis.client.Redis.createClient(vertx, own.uri());
        io.vertx.redis.client.Redis probe = admin;
        org.awaitility.Awaitility.await()
            .atMost(java.time.Duration.ofSeconds(10))
            .until(
                () -> {
                  storeClock.advance(RedisGuard.RETRY_AFTER_MS + 1); // the store is tried again
                  clockA.advance(LEASE_MS / 3); // A's permits renew (and so register)
                  Thread.sleep(50);
                  return leasesIn(probe, "outage:{outage}") == 5;
                });
        assertThat(tryAcquire(b, clockB))
            .as("the fallback permits count against the cap once Redis is back")
            .isNull();
      } finally {
        if (admin != null) {
          admin.close();
        }
        await(s.close());
      }
    }
  }

  /**
   * A renewal sent before the release whose reply was lost may run in Redis after the release: it
   * does not add the released lease back (which would hold a slot of the cap for a lease time).
   */
  @Test
  void aRenewalThatReachesRedisAfterTheReleaseDoesNotAddTheLeaseBack() throws Exception {
    RedisLeaseStore leases = new RedisLeaseStore(store);
    long now = 1_700_000_000_000L;
    io.vertx.redis.client.Redis admin =
        io.vertx.redis.client.Redis.createClient(vertx, redis.uri());
    try {
      assertThat(await(leases.tryAcquire("late", "replica-a:1", 1, now, now + LEASE_MS))).isTrue();
      await(leases.release("late", "replica-a:1", now + 100, now + 100 + LEASE_MS));
      // The renewal sent at +50 (before the release) reaches Redis only now.
      assertThat(await(leases.renew("late", "replica-a:1", now + 50, now + 50 + LEASE_MS)))
          .as("released: not there, and not added back")
          .isFalse();
      assertThat(leasesIn(admin, "switchboard-test:{late}")).isZero();
      assertThat(
              await(leases.tryAcquire("late", "replica-b:1", 1, now + 200, now + 200 + LEASE_MS)))
          .as("the cap of one is free for another replica")
          .isTrue();
    } finally {
      admin.close();
    }
  }

  /**
   * A renewal whose reply is lost (Redis asleep past the deadline) and a release that cannot be
   * sent (the store is resting after that failure): Redis then runs the renewal, which keeps the
   * released lease for another lease time. The release is sent again as soon as Redis answers, so
   * the cap's slot is free within about a second, not a lease time.
   */
  @Test
  void aReleaseTheStoreDidNotGetIsSentAgainWhenItAnswersSoALateRenewalLeavesNoLease()
      throws Exception {
    long start = 1_700_000_000_000L;
    ManualClock storeClock = new ManualClock(start);
    ManualClock clockA = new ManualClock(start);
    try (RedisProcess own = RedisProcess.start()) {
      RedisStateStore s = new RedisStateStore(vertx, storeClock, own.uri(), null, null, "lost:");
      io.vertx.redis.client.Redis admin =
          io.vertx.redis.client.Redis.createClient(vertx, own.uri());
      try {
        await(s.warmUp());
        // A lease of 30 s: the set's own TTL (a lease time of real time in Redis) outlasts the
        // test.
        long leaseMs = 30_000;
        GlobalSemaphore a =
            new GlobalSemaphore(
                new RedisLeaseStore(s),
                clockA,
                "lost",
                "lost",
                5,
                leaseMs,
                leaseMs / 3,
                "replica-a",
                new Bulkhead(vertx, clockA, "lost", 5));
        SlotPermit permit = tryAcquire(a, clockA);
        assertThat(permit).isNotNull();
        assertThat(leasesIn(admin, "lost:{lost}")).isEqualTo(1);

        // Redis holds every command for 2 s of real time. CLIENT PAUSE is answered at once, so
        // the pause is in force before the renewal leaves (a DEBUG SLEEP sent first could reach
        // Redis after the renewal on a loaded machine); the PING behind it completes when Redis
        // answers again.
        await(
            admin.send(
                io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.CLIENT)
                    .arg("PAUSE")
                    .arg(2_000)
                    .arg("ALL")));
        Future<io.vertx.redis.client.Response> asleep =
            admin.send(io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.PING));
        clockA.advance(leaseMs / 3); // the renewal is sent, and waits for Redis
        org.awaitility.Awaitility.await()
            .atMost(java.time.Duration.ofSeconds(5))
            .until(() -> storeClock.pendingTimers() > 0); // its deadline is set
        storeClock.advance(RedisStateStore.DEFAULT_COMMAND_TIMEOUT_MS);
        // The deadline's handler runs on the renewal's event loop.
        org.awaitility.Awaitility.await()
            .atMost(java.time.Duration.ofSeconds(5))
            .until(s::unavailable); // the renewal got no answer in time
        assertThat(asleep.isComplete()).as("Redis still asleep").isFalse();
        permit.release(); // the store is resting: the release is not sent

        await(asleep);
        // Redis woke up and ran the renewal: the released lease is there for another lease time.
        org.awaitility.Awaitility.await()
            .atMost(java.time.Duration.ofSeconds(5))
            .until(
                () -> leasesExpiringAt(admin, "lost:{lost}", start + leaseMs / 3 + leaseMs) == 1);

        storeClock.advance(RedisGuard.RETRY_AFTER_MS); // the rest is over: Redis answers again
        org.awaitility.Awaitility.await()
            .atMost(java.time.Duration.ofSeconds(5))
            .until(() -> leasesIn(admin, "lost:{lost}") == 0);
        assertThat(keyExists(admin, "lost:{lost}:released"))
            .as("released after a renewal that got no answer: remembered")
            .isTrue();
      } finally {
        admin.close();
        await(s.close());
      }
    }
  }

  /**
   * A release with no renewal on its way (most requests end before their first renewal) only
   * removes the lease: Redis remembers nothing of it.
   */
  @Test
  void aReleaseWithNoRenewalOnItsWayLeavesNothingBehind() throws Exception {
    ManualClock clock = new ManualClock(1_700_000_000_000L);
    GlobalSemaphore s = semaphore("plain", clock, "replica-a");
    io.vertx.redis.client.Redis admin =
        io.vertx.redis.client.Redis.createClient(vertx, redis.uri());
    try {
      SlotPermit permit = tryAcquire(s, clock);
      assertThat(leasesIn(admin, "switchboard-test:{plain}")).isEqualTo(1);
      permit.release();
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(5))
          .until(() -> leasesIn(admin, "switchboard-test:{plain}") == 0);
      assertThat(keyExists(admin, "switchboard-test:{plain}:released")).isFalse();
    } finally {
      admin.close();
    }
  }

  private static boolean keyExists(io.vertx.redis.client.Redis admin, String key) throws Exception {
    return await(
                admin.send(
                    io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.EXISTS)
                        .arg(key)))
            .toLong()
        == 1;
  }

  /** How many leases of {@code redisKey} expire at {@code expiryMs}. */
  private static long leasesExpiringAt(
      io.vertx.redis.client.Redis admin, String redisKey, long expiryMs) throws Exception {
    return await(
            admin.send(
                io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.ZCOUNT)
                    .arg(redisKey)
                    .arg(expiryMs)
                    .arg(expiryMs)))
        .toLong();
  }

  /**
   * Fallback permits register as soon as the store answers again, not at their next renewal (up to
   * a third of a lease later, 10 s by default): when the store's rest after the outage is over it
   * asks Redis by itself, and once Redis answers the permits' leases are added — replica A's clock,
   * and so every renewal, stands still here.
   */
  @Test
  void permitsTakenDuringAnOutageRegisterAsSoonAsRedisAnswersNotAtTheirNextRenewal()
      throws Exception {
    long start = 1_700_000_000_000L;
    ManualClock storeClock = new ManualClock(start);
    ManualClock clockA = new ManualClock(start);
    ManualClock clockB = new ManualClock(start);
    try (RedisProcess own = RedisProcess.start()) {
      RedisStateStore s = new RedisStateStore(vertx, storeClock, own.uri(), null, null, "prompt:");
      io.vertx.redis.client.Redis admin = null;
      try {
        await(s.warmUp());
        GlobalSemaphore a = semaphore(s, "prompt", clockA, "replica-a");
        GlobalSemaphore b = semaphore(s, "prompt", clockB, "replica-b");
        own.kill();
        for (int i = 0; i < 5; i++) {
          assertThat(tryAcquire(a, clockA)).as("fallback permit %s", i).isNotNull();
        }
        assertThat(s.unavailable()).as("taken from the per-replica fallback").isTrue();
        assertThat(clockA.nextDueInMillis()).as("no renewal due yet").hasValue(LEASE_MS / 3);
        own.startAgain();
        admin = io.vertx.redis.client.Redis.createClient(vertx, own.uri());
        io.vertx.redis.client.Redis probe = admin;

        storeClock.advance(RedisGuard.RETRY_AFTER_MS); // the store's rest is over
        org.awaitility.Awaitility.await()
            .atMost(java.time.Duration.ofSeconds(5))
            .until(() -> leasesIn(probe, "prompt:{prompt}") == 5);
        assertThat(s.unavailable()).as("Redis answered the store's own probe").isFalse();
        assertThat(clockA.nextDueInMillis()).as("still no renewal ran").hasValue(LEASE_MS / 3);
        assertThat(tryAcquire(b, clockB))
            .as("the fallback permits count against the cap as soon as Redis is back")
            .isNull();
      } finally {
        if (admin != null) {
          admin.close();
        }
        await(s.close());
      }
    }
  }

  static GlobalSemaphore semaphore(
      RedisStateStore s, String key, ManualClock clock, String replica) {
    return new GlobalSemaphore(
        new RedisLeaseStore(s),
        clock,
        key,
        key,
        5,
        LEASE_MS,
        LEASE_MS / 3,
        replica,
        new Bulkhead(vertx, clock, key, 5));
  }
}
