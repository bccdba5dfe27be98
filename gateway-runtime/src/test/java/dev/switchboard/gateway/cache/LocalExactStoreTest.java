package dev.switchboard.gateway.cache;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.switchboard.gateway.upstream.Operation;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The in-process exact store keeps the gateway-wide byte budget exact although its upkeep runs
 * after the writing event-loop task rather than inside every write: evicted answers give their
 * bytes back within the same turn of the loop, and nothing is lost or counted twice.
 */
class LocalExactStoreTest {

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static CachedAnswer answer(int n) {
    return new CachedAnswer(
        new byte[100 + n],
        null,
        null,
        Operation.CHAT_COMPLETIONS,
        null,
        "up/m",
        null,
        null,
        null,
        0,
        0,
        "partition",
        "question " + n);
  }

  /** Runs {@code task} on {@code context} and waits for it. */
  private static <T> T on(Context context, java.util.function.Supplier<T> task) throws Exception {
    CompletableFuture<T> done = new CompletableFuture<>();
    context.runOnContext(v -> done.complete(task.get()));
    return done.get(10, TimeUnit.SECONDS);
  }

  @Test
  void writesOnAnEventLoopEvictDownToTheBoundAndReturnEveryEvictedByte() throws Exception {
    AtomicLong budget = new AtomicLong();
    LocalExactStore store =
        new LocalExactStore(50, 3_600_000, Ticker.disabledTicker(), budget, 1L << 30);
    Context loop = vertx.getOrCreateContext();
    assertThat(loop.isEventLoopContext()).isTrue();

    // 1,000 answers in ten loop tasks of 100 stores each, as ten turns of busy traffic.
    for (int batch = 0; batch < 10; batch++) {
      int first = batch * 100;
      on(
          loop,
          () -> {
            for (int n = first; n < first + 100; n++) {
              store.put("key-" + n, answer(n));
            }
            return null;
          });
    }
    // One more turn: whatever upkeep the last stores queued has run.
    long held = on(loop, store::size);

    long expected = 0;
    int present = 0;
    for (int n = 0; n < 1_000; n++) {
      CachedAnswer kept = store.get("key-" + n);
      if (kept != null) {
        expected += kept.bytes();
        present++;
      }
    }
    assertThat(held).isEqualTo(50);
    assertThat(present).isEqualTo(50);
    assertThat(budget.get()).isEqualTo(expected);

    store.close();
    assertThat(budget.get()).isZero();
  }

  @Test
  void anAnswerThatWouldExceedTheByteBudgetIsNotStored() throws Exception {
    AtomicLong budget = new AtomicLong();
    long one = answer(0).bytes();
    LocalExactStore store =
        new LocalExactStore(1_000, 3_600_000, Ticker.disabledTicker(), budget, 2 * one + 10);
    Context loop = vertx.getOrCreateContext();

    on(
        loop,
        () -> {
          store.put("a", answer(0));
          store.put("b", answer(0));
          store.put("c", answer(0));
          return null;
        });

    assertThat(on(loop, store::size)).isEqualTo(2);
    assertThat(store.get("c")).isNull();
    assertThat(budget.get()).isEqualTo(2 * one);
  }

  @Test
  void replacedAndExpiredAnswersReturnTheirBytesOnceAndClosingReturnsTheRest() throws Exception {
    AtomicLong budget = new AtomicLong();
    AtomicLong nanos = new AtomicLong();
    LocalExactStore store = new LocalExactStore(1_000, 1_000, nanos::get, budget, 1L << 30);
    Context loop = vertx.getOrCreateContext();

    // Two misses of one question both store their answer: only the second stays counted.
    on(
        loop,
        () -> {
          store.put("same", answer(50));
          store.put("same", answer(60));
          store.put("other", answer(0));
          return null;
        });
    assertThat(on(loop, store::size)).isEqualTo(2);
    assertThat(budget.get()).isEqualTo(answer(60).bytes() + answer(0).bytes());

    // Past the TTL: an expired answer replaced by a new one, and one left to expire.
    nanos.addAndGet(TimeUnit.SECONDS.toNanos(2));
    on(
        loop,
        () -> {
          store.put("same", answer(70));
          return null;
        });
    on(
        loop,
        () -> {
          store.get("other"); // an expired entry is not served...
          return null;
        });
    assertThat(store.get("other")).isNull();
    // The expired "same" answer was released when replaced; "other" may still await its upkeep.
    assertThat(budget.get()).isBetween(answer(70).bytes(), answer(70).bytes() + answer(0).bytes());

    // ...and whatever is left (expired or not, cleaned up or not) is returned on close.
    on(
        loop,
        () -> {
          store.close();
          return null;
        });
    assertThat(budget.get()).isZero();
  }

  @Test
  void aClosedStoreStoresNothingMoreSoALateRequestLeaksNoBytes() throws Exception {
    // A request looked the route's cache up before the routing table switched it off; its answer
    // arrives after the store was closed. Before, it was stored and counted against the budget
    // with nothing left to ever give its bytes back.
    AtomicLong budget = new AtomicLong();
    LocalExactStore store =
        new LocalExactStore(1_000, 3_600_000, Ticker.disabledTicker(), budget, 1L << 30);
    Context loop = vertx.getOrCreateContext();
    on(
        loop,
        () -> {
          store.put("early", answer(0));
          store.close();
          store.put("late", answer(10));
          return null;
        });
    assertThat(store.get("late")).isNull();
    assertThat(budget.get()).isZero();
    on(
        loop,
        () -> {
          store.close(); // closing twice gives nothing back twice
          return null;
        });
    assertThat(budget.get()).isZero();
  }
}
