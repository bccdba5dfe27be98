package dev.switchboard.gateway.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WorkerTaskTest {

  final Vertx vertx = Vertx.vertx();

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get();
  }

  @Test
  void aTickOnAnEventLoopRunsOnAWorkerAndATickDuringARunIsSkipped() throws Exception {
    List<String> runs = new CopyOnWriteArrayList<>();
    CountDownLatch release = new CountDownLatch(1);
    WorkerTask task =
        new WorkerTask(
            vertx,
            "test",
            () -> {
              runs.add(Context.isOnEventLoopThread() ? "event loop" : "worker");
              try {
                release.await(5, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    Context loop = vertx.getOrCreateContext();
    loop.runOnContext(v -> task.tick());
    await().atMost(Duration.ofSeconds(5)).until(() -> runs.size() == 1);
    // Still running: these ticks are skipped, not queued.
    CountDownLatch ticked = new CountDownLatch(1);
    loop.runOnContext(
        v -> {
          task.tick();
          task.tick();
          ticked.countDown();
        });
    assertThat(ticked.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(task.skipped()).isEqualTo(2);
    release.countDown();
    // Once the run ended, the next tick runs again.
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () -> {
              loop.runOnContext(v -> task.tick());
              return runs.size() >= 2;
            });
    assertThat(runs).allMatch("worker"::equals);
  }

  @Test
  void aTickOffAnEventLoopRunsAtOnce() {
    List<String> runs = new CopyOnWriteArrayList<>();
    new WorkerTask(vertx, "test", () -> runs.add(Thread.currentThread().getName())).tick();
    assertThat(runs).containsExactly(Thread.currentThread().getName());
  }
}
