package dev.switchboard.gateway.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.Strategy;
import dev.switchboard.gateway.cost.CommitmentLedger;
import dev.switchboard.gateway.request.TokenUsage;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.routing.strategy.FigureStrategy;
import dev.switchboard.gateway.stats.LiveStats;
import dev.switchboard.gateway.time.ManualClock;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Prepaid commitments counted in a real redis-server shared by three gateway replicas (each its own
 * {@link LiveStats}, ledger and store connection): every request is counted once, each replica's
 * routing reads the shared total from memory after a sync, and all of them turn to list price once
 * the shared use reaches the commitment. A batch whose answer was lost is not counted twice; a
 * replica that could not reach Redis keeps counting locally and delivers its counts once Redis is
 * back.
 */
class SharedCommitmentTest {

  static final String PREFIX = "switchboard-commit-test:";
  static final long NOW = Instant.parse("2030-03-10T12:00:00Z").toEpochMilli();

  Vertx vertx;
  RedisProcess redis;
  final List<Replica> replicas = new ArrayList<>();
  final long[] clock = {NOW};

  /** One gateway replica's parts that take part in committed-use routing. */
  record Replica(LiveStats stats, RedisStateStore store, ManualClock storeClock) {
    CommitmentLedger ledger() {
      return stats.commitments();
    }
  }

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    redis = RedisProcess.start();
    for (int i = 0; i < 3; i++) {
      ManualClock storeClock = new ManualClock();
      RedisStateStore store =
          new RedisStateStore(vertx, storeClock, redis.uri(), null, null, PREFIX);
      LiveStats stats = new LiveStats(60_000, () -> clock[0]);
      stats.commitments().shareVia(new RedisCommitmentStore(store), "replica-" + i);
      replicas.add(new Replica(stats, store, storeClock));
    }
  }

  @AfterEach
  void stop() throws Exception {
    for (Replica r : replicas) {
      await(r.store().close());
    }
    await(vertx.close());
    redis.close();
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** premium/m with $10 of prepaid use a month against a cheap provider. */
  static final RoutingTable.Provider PREMIUM =
      provider(
          "premium",
          new RoutingTable.Pricing(
              3.0, 15.0, null, "USD", null, new RoutingTable.Commitment(null, 10.0)));

  static final RoutingTable.Provider CHEAP =
      provider("cheap", new RoutingTable.Pricing(0.1, 0.4, null, "USD"));

  static final RoutingTable TABLE =
      new RoutingTable(
          1, null, "ns", Map.of("premium", PREMIUM, "cheap", CHEAP), Map.of(), List.of());

  static RoutingTable.Provider provider(String name, RoutingTable.Pricing pricing) {
    return new RoutingTable.Provider(
        name,
        "openai",
        "https://" + name + ".invalid/v1",
        false,
        null,
        Map.of(),
        null,
        null,
        null,
        null,
        Map.of("m", new RoutingTable.Model(List.of("chat"), null, pricing, null)));
  }

  /** Where {@code least-cost} sends the next request on {@code r}. */
  String firstChoice(Replica r) {
    List<PlannedTarget> targets =
        List.of(
            new PlannedTarget(new RoutingTable.Target("cheap", "m", 100, 0), CHEAP, "stable"),
            new PlannedTarget(new RoutingTable.Target("premium", "m", 100, 1), PREMIUM, "stable"));
    return new FigureStrategy(Strategy.LEAST_COST, () -> 0.5)
        .decide(
            "chat",
            targets,
            new RoutingTable.Policy(
                "p", null, null, null, null, null, null, null, null, null, null, 0.0, null),
            Instant.ofEpochMilli(clock[0]),
            r.stats().routing())
        .targets()
        .get(0)
        .target()
        .provider();
  }

  void serve(Replica r, double costUsd) {
    r.stats()
        .record("chat", "premium/m", false, 100.0, 200.0, null, costUsd, new TokenUsage(10, 10, 0));
  }

  void syncAll() throws Exception {
    for (Replica r : replicas) {
      await(r.ledger().sync(TABLE));
    }
  }

  double sharedSpendUsd() throws Exception {
    var value =
        await(
            replicas
                .get(0)
                .store()
                .send(
                    Request.cmd(Command.HGET).arg(PREFIX + "{commit:premium}:2030-03").arg("s:m")));
    return value == null ? 0 : value.toLong() / 1e9;
  }

  @Test
  void threeReplicasCountOneSharedCommitmentOnceAndAllTurnToListPriceWhenItIsUsed()
      throws Exception {
    for (Replica r : replicas) {
      assertThat(firstChoice(r)).isEqualTo("premium");
    }
    // $3 on each replica: each alone sees only its own $3 until the next sync.
    for (Replica r : replicas) {
      serve(r, 3.0);
    }
    assertThat(replicas.get(0).ledger().used("premium", "m", clock[0]).spendUsd()).isEqualTo(3.0);
    syncAll();
    // The first replica synced before the others had sent their batches; one more round reads all.
    syncAll();
    assertThat(sharedSpendUsd()).isEqualTo(9.0);
    for (Replica r : replicas) {
      assertThat(r.ledger().used("premium", "m", clock[0]).spendUsd()).isEqualTo(9.0);
      assertThat(firstChoice(r)).isEqualTo("premium");
    }
    // Further syncs without traffic add nothing: batches are counted once.
    syncAll();
    assertThat(sharedSpendUsd()).isEqualTo(9.0);

    // $1.50 on the second replica: $10.50 in all. It turns at once; the others after their sync.
    serve(replicas.get(1), 1.5);
    assertThat(firstChoice(replicas.get(1))).isEqualTo("cheap");
    assertThat(firstChoice(replicas.get(0))).isEqualTo("premium");
    // Within two sync periods every replica has it: the first read before the batch went out.
    syncAll();
    assertThat(sharedSpendUsd()).isEqualTo(10.5);
    assertThat(firstChoice(replicas.get(0))).isEqualTo("premium");
    assertThat(firstChoice(replicas.get(2))).isEqualTo("cheap");
    syncAll();
    for (Replica r : replicas) {
      assertThat(firstChoice(r))
          .as("replica's first choice once the commitment is used")
          .isEqualTo("cheap");
      Map<String, Object> status = r.ledger().status(TABLE).get(0);
      assertThat(status)
          .containsEntry("used", 10.5)
          .containsEntry("exhausted", true)
          .containsEntry("shared", true);
    }

    // The next month the commitment is free capacity again.
    clock[0] = Instant.parse("2030-04-01T00:00:05Z").toEpochMilli();
    syncAll();
    for (Replica r : replicas) {
      assertThat(firstChoice(r)).isEqualTo("premium");
    }
  }

  @Test
  void aBatchSentAgainAfterALostAnswerIsCountedOnce() throws Exception {
    RedisCommitmentStore store = new RedisCommitmentStore(replicas.get(0).store());
    Map<String, CommitmentLedger.Counts> batch =
        Map.of("m", new CommitmentLedger.Counts(100, 2_000_000_000L));
    await(store.addAndRead("premium", "2030-03", "replica-0:7", batch));
    Map<String, CommitmentLedger.Counts> again =
        await(store.addAndRead("premium", "2030-03", "replica-0:7", batch));
    assertThat(again.get("m")).isEqualTo(new CommitmentLedger.Counts(100, 2_000_000_000L));
    Map<String, CommitmentLedger.Counts> next =
        await(store.addAndRead("premium", "2030-03", "replica-0:8", batch));
    assertThat(next.get("m")).isEqualTo(new CommitmentLedger.Counts(200, 4_000_000_000L));
    var ttl =
        await(
            replicas
                .get(0)
                .store()
                .send(Request.cmd(Command.PTTL).arg(PREFIX + "{commit:premium}:2030-03")));
    assertThat(ttl.toLong()).isPositive();
  }

  @Test
  void withoutRedisAReplicaCountsLocallyAndDeliversItsCountsWhenRedisIsBack() throws Exception {
    Replica a = replicas.get(0);
    Replica b = replicas.get(1);
    serve(a, 4.0);
    syncAll();
    assertThat(b.ledger().used("premium", "m", clock[0]).spendUsd()).isEqualTo(4.0);

    redis.kill();
    // The server process may answer a moment longer; wait until a command fails.
    while (!Double.isNaN(sharedSpendUsdOrNaN())) {
      Thread.sleep(10);
    }
    serve(a, 7.0);
    // The sync fails (Redis is gone) and never throws; a keeps its own count on top of the shared
    // one and routes on it: $11 of $10 used.
    await(a.ledger().sync(TABLE));
    assertThat(a.store().unavailable()).isTrue();
    assertThat(a.ledger().used("premium", "m", clock[0]).spendUsd()).isEqualTo(11.0);
    assertThat(firstChoice(a)).isEqualTo("cheap");
    // b still has the last shared total and routes on it.
    assertThat(firstChoice(b)).isEqualTo("premium");

    // Redis comes back (empty: no persistence); past the retry pause, a's batch goes out.
    redis.startAgain();
    for (Replica r : replicas) {
      r.storeClock().advance(RedisGuard.RETRY_AFTER_MS + 1);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (sharedSpendUsdOrNaN() != 7.0 && System.nanoTime() < deadline) {
      for (Replica r : replicas) {
        r.storeClock().advance(RedisGuard.RETRY_AFTER_MS + 1);
      }
      await(a.ledger().sync(TABLE));
      Thread.sleep(20);
    }
    assertThat(sharedSpendUsd()).isEqualTo(7.0);
    await(b.ledger().sync(TABLE));
    assertThat(b.ledger().used("premium", "m", clock[0]).spendUsd()).isEqualTo(7.0);
  }

  private double sharedSpendUsdOrNaN() {
    try {
      return sharedSpendUsd();
    } catch (Exception e) {
      return Double.NaN;
    }
  }
}
