package dev.switchboard.operator.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue #21: a burst of reconciles in one namespace is served by far fewer renders than there are
 * reconciles, and every caller gets a result that includes its own request.
 */
class CoalescingBatchesTest {

  private final ExecutorService threads = Executors.newCachedThreadPool();

  @AfterEach
  void stop() throws InterruptedException {
    threads.shutdownNow();
    assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void callersArrivingDuringABatchAreServedTogetherByTheNextOne() throws Exception {
    CountDownLatch firstStarted = new CountDownLatch(1);
    CountDownLatch releaseFirst = new CountDownLatch(1);
    AtomicInteger running = new AtomicInteger();
    AtomicInteger overlapping = new AtomicInteger();
    CoalescingBatches<Integer, List<Integer>> batches =
        new CoalescingBatches<>(
            (namespace, requests) -> {
              if (running.incrementAndGet() > 1) {
                overlapping.incrementAndGet();
              }
              try {
                if (requests.contains(0)) {
                  firstStarted.countDown();
                  releaseFirst.await();
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } finally {
                running.decrementAndGet();
              }
              return List.copyOf(requests);
            });
    Future<List<Integer>> first = threads.submit(() -> batches.submit("ns", 0));
    firstStarted.await(10, TimeUnit.SECONDS);
    int burst = 40;
    List<Future<List<Integer>>> rest = new ArrayList<>();
    for (int i = 1; i <= burst; i++) {
      int request = i;
      rest.add(threads.submit(() -> batches.submit("ns", request)));
    }
    await().atMost(10, TimeUnit.SECONDS).until(() -> batches.waiting("ns") == burst);
    releaseFirst.countDown();

    assertThat(first.get(10, TimeUnit.SECONDS)).containsExactly(0);
    for (int i = 0; i < burst; i++) {
      // Every caller's result reflects its own request.
      assertThat(rest.get(i).get(10, TimeUnit.SECONDS)).hasSize(burst).contains(i + 1);
    }
    assertThat(batches.batches()).isEqualTo(2);
    assertThat(overlapping).hasValue(0);
  }

  /**
   * A waiter whose batch was run by another caller gets that batch's result even when it is slow to
   * take the lane's lock again after the batch ended: meanwhile a later batch (not holding its
   * request) may have run. In the reconciler, the later result lacks the waiter's planned rollout
   * (a canary rollback would be missing from its status).
   */
  @Test
  void aWaiterSlowToWakeGetsItsOwnBatchNotALaterOne() throws Exception {
    CountDownLatch firstStarted = new CountDownLatch(1);
    CountDownLatch releaseFirst = new CountDownLatch(1);
    CoalescingBatches<Integer, List<Integer>> batches =
        new CoalescingBatches<>(
            (namespace, requests) -> {
              if (requests.contains(0)) {
                firstStarted.countDown();
                try {
                  releaseFirst.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
              return List.copyOf(requests);
            });
    CountDownLatch slowWoken = new CountDownLatch(1);
    CountDownLatch letSlowOn = new CountDownLatch(1);
    Thread[] slow = new Thread[1];
    delayFirstWakeUp(batches, () -> Thread.currentThread() == slow[0], slowWoken, letSlowOn);

    Future<List<Integer>> first = threads.submit(() -> batches.submit("ns", 0));
    firstStarted.await(10, TimeUnit.SECONDS);
    CompletableFuture<List<Integer>> slowResult = new CompletableFuture<>();
    slow[0] =
        new Thread(
            () -> {
              try {
                slowResult.complete(batches.submit("ns", 1));
              } catch (RuntimeException e) {
                slowResult.completeExceptionally(e);
              }
            });
    slow[0].start();
    await().atMost(10, TimeUnit.SECONDS).until(() -> batches.waiting("ns") == 1);
    Future<List<Integer>> other = threads.submit(() -> batches.submit("ns", 2));
    await().atMost(10, TimeUnit.SECONDS).until(() -> batches.waiting("ns") == 2);
    releaseFirst.countDown();
    assertThat(first.get(10, TimeUnit.SECONDS)).containsExactly(0);
    assertThat(slowWoken.await(10, TimeUnit.SECONDS)).isTrue();

    // The other waiter runs the batch of both; then a later caller runs one of its own.
    assertThat(other.get(10, TimeUnit.SECONDS)).containsExactly(1, 2);
    assertThat(batches.submit("ns", 3)).containsExactly(3);
    letSlowOn.countDown();

    assertThat(slowResult.get(10, TimeUnit.SECONDS)).containsExactly(1, 2);
  }

  /**
   * Makes the first caller matching {@code slow} that wakes up wait for {@code letOn} before taking
   * the lane's lock again, as a thread the scheduler does not run for a while would.
   */
  private static void delayFirstWakeUp(
      CoalescingBatches<?, ?> batches,
      BooleanSupplier slow,
      CountDownLatch woken,
      CountDownLatch letOn) {
    AtomicBoolean delayed = new AtomicBoolean();
    batches.onWakeForTests(
        () -> {
          if (slow.getAsBoolean() && delayed.compareAndSet(false, true)) {
            woken.countDown();
            try {
              letOn.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        });
  }

  @Test
  void aCallerAloneGetsItsOwnBatch() {
    CoalescingBatches<String, String> batches =
        new CoalescingBatches<>((namespace, requests) -> namespace + ":" + requests);

    assertThat(batches.submit("a", "x")).isEqualTo("a:[x]");
    assertThat(batches.submit("b", "y")).isEqualTo("b:[y]");
    assertThat(batches.batches()).isEqualTo(2);
  }

  @Test
  void aFailedBatchFailsEveryCallerItServedAndTheNextBatchRunsAgain() {
    AtomicInteger calls = new AtomicInteger();
    CoalescingBatches<String, String> batches =
        new CoalescingBatches<>(
            (namespace, requests) -> {
              if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("render failed");
              }
              return "ok";
            });

    assertThatThrownBy(() -> batches.submit("ns", "x"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("render failed");
    assertThat(batches.submit("ns", "y")).isEqualTo("ok");
  }
}
