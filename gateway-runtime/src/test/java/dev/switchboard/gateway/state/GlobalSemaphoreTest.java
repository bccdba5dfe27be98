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
}
