package dev.switchboard.gateway.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.gateway.time.ManualClock;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A report of one consumer's spend (before its counters are read) looks at that consumer's
 * allowance groups only — every one of them, and no other consumer's — however many consumers the
 * replica serves; a batched report looks at the groups of the consumers it names. A group dropped
 * when idle leaves the index too. The script runs are answered by the test (as a failed run: no
 * Redis), so the runs a report starts are counted, not executed.
 */
class ConsumerAllowancesIndexTest {

  private static final String DAY = "2026-05-01";

  private final Vertx vertx = Vertx.vertx();
  private final ManualClock clock = new ManualClock();

  /** Never connected: every script run is the test's. */
  private final RedisStateStore store =
      new RedisStateStore(vertx, clock, "redis://127.0.0.1:1", null, null, "idx:");

  /** The first key of each script run: the consumer's committed counter. */
  private final List<String> runs = new CopyOnWriteArrayList<>();

  private final ConsumerAllowances allowances =
      new ConsumerAllowances(
          store,
          (name, keys, args) -> {
            runs.add(keys.get(0));
            return Future.failedFuture(new StoreUnavailableException("no Redis in this test"));
          });

  /** The consumer of each group a report looked at. */
  private final List<String> looked = new CopyOnWriteArrayList<>();

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private AdmitCall call(String consumer, String day) {
    return new AdmitCall(
        consumer,
        consumer + "-" + day,
        List.of(new Limit(1_000, 0)),
        clock.currentTimeMillis(),
        0,
        day,
        day.substring(0, 7),
        1_000_000_000,
        -1);
  }

  private static void await(Future<?> f) throws Exception {
    f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** {@code consumers} consumers, each with spend served during an outage (one group each). */
  private void serve(int consumers) {
    for (int i = 0; i < consumers; i++) {
      allowances.addOutageUsage(call("c" + i, DAY), 100, 0);
    }
  }

  @Test
  void aRunTheClientRefusesToSendFailsItsRequestsAndLeavesTheGroupFree() throws Exception {
    List<String> sent = new CopyOnWriteArrayList<>();
    ConsumerAllowances throwing =
        new ConsumerAllowances(
            store,
            (name, keys, args) -> {
              sent.add(keys.get(0));
              throw new IllegalStateException("connection pool closed");
            });
    // Every admission waits for a run (nothing is held yet); the run is never sent.
    Future<Admission> first = throwing.admit(call("c1", DAY));
    assertThat(first.failed()).as("answered at once, not left waiting").isTrue();
    assertThat(first.cause()).isInstanceOf(StoreUnavailableException.class);
    assertThat(((StoreUnavailableException) first.cause()).unsent()).isTrue();
    // The group is not left busy: the next admission starts a run of its own.
    Future<Admission> second =
        throwing.admit(
            new AdmitCall(
                "c1",
                "c1-second",
                List.of(new Limit(1_000, 0)),
                clock.currentTimeMillis(),
                0,
                DAY,
                DAY.substring(0, 7),
                1_000_000_000,
                -1));
    assertThat(second.failed()).isTrue();
    assertThat(sent).hasSize(2);
  }

  @Test
  void aConsumersReportLooksAtItsOwnGroupsOnlyAndReportsEachOfThem() throws Exception {
    serve(500);
    allowances.addOutageUsage(call("c7", "2026-05-02"), 50, 0); // c7's group of the next day
    allowances.reportProbe(looked::add);

    await(allowances.report("c7"));

    assertThat(looked).containsExactly("c7", "c7");
    assertThat(runs)
        .containsExactlyInAnyOrder(
            "idx:{c7}:committed:d:" + DAY, "idx:{c7}:committed:d:2026-05-02");
  }

  @Test
  void aBatchedReportLooksAtTheNamedConsumersGroupsOnly() throws Exception {
    serve(500);
    allowances.reportProbe(looked::add);

    await(allowances.report(Set.of("c1", "c2", "nobody")));

    assertThat(looked).containsExactlyInAnyOrder("c1", "c2");
    assertThat(runs)
        .containsExactlyInAnyOrder("idx:{c1}:committed:d:" + DAY, "idx:{c2}:committed:d:" + DAY);
  }

  @Test
  void aGroupDroppedWhenIdleLeavesTheIndexAndComesBackWithTheConsumer() throws Exception {
    allowances.addOutageUsage(call("quiet", DAY), 0, 0); // a group with nothing to report
    assertThat(allowances.indexedConsumers()).isEqualTo(1);
    clock.advance(AllowanceRules.IDLE_MS + 1);

    await(allowances.flush(false));

    assertThat(allowances.indexedConsumers()).isZero();
    allowances.addOutageUsage(call("quiet", DAY), 100, 0);
    await(allowances.report("quiet"));
    assertThat(runs).containsExactly("idx:{quiet}:committed:d:" + DAY);
  }
}
