package dev.switchboard.operator.modelroute;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
