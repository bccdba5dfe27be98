package dev.switchboard.gateway.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BulkheadTest {

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** Runs {@code body} on an event loop and waits for its result. */
  private <T> T onContext(java.util.function.Supplier<T> body) throws Exception {
    CompletableFuture<T> result = new CompletableFuture<>();
    vertx.runOnContext(
        v -> {
          try {
            result.complete(body.get());
          } catch (RuntimeException e) {
            result.completeExceptionally(e);
          }
        });
    return result.get(10, TimeUnit.SECONDS);
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void admitsUpToMaxThenQueuesBrieflyThenRejects() throws Exception {
    Bulkhead bulkhead = new Bulkhead(vertx, "p", 4); // queue of max(1, 4/4) = 1
    for (int i = 0; i < 4; i++) {
      assertThat(await(onContext(bulkhead::acquire))).isNotNull();
    }
    // Queue one and overflow in the same event-loop turn, so the wait limit cannot interfere.
    List<Future<Bulkhead.Permit>> tried =
        onContext(() -> List.of(bulkhead.acquire(), bulkhead.acquire()));
    Future<Bulkhead.Permit> queued = tried.get(0);
    Future<Bulkhead.Permit> overflow = tried.get(1);
    assertThat(overflow.failed()).isTrue();
    assertThat(overflow.cause()).isInstanceOf(Bulkhead.FullException.class);
    // Nobody released within the wait: the queued request is rejected too, never left hanging.
    Throwable expired = await(queued.transform(ar -> Future.succeededFuture(ar.cause())));
    assertThat(expired).isInstanceOf(Bulkhead.FullException.class);
    assertThat(bulkhead.inFlight()).isEqualTo(4);
  }

  @Test
  void aReleasedSlotGoesToTheWaiter() throws Exception {
    Bulkhead bulkhead = new Bulkhead(vertx, "p", 1);
    // Acquire, queue and release in one event-loop turn: no race with the 50 ms wait limit.
    Future<Bulkhead.Permit> waiting =
        onContext(
            () -> {
              Bulkhead.Permit first = bulkhead.acquire().result();
              Future<Bulkhead.Permit> queued = bulkhead.acquire();
              assertThat(queued.isComplete()).isFalse();
              first.release();
              first.release(); // idempotent: must not free a second slot
              return queued;
            });
    Bulkhead.Permit second = await(waiting);
    assertThat(second).isNotNull();
    assertThat(bulkhead.inFlight()).isEqualTo(1);
    second.release();
    assertThat(bulkhead.inFlight()).isZero();
  }
}
